//! The Swiss-table map of Go 1.24 to 1.27 (`internal/runtime/maps`), byte for byte,
//! beside the classic engine of [`crate::runtime`].
//!
//! # How a Swiss map works
//!
//! Slots live in *groups* of 8, each with an 8-byte control word: one control byte per
//! slot, `0x80` empty, `0xFE` deleted (a tombstone), else the low 7 bits of the key's
//! hash (H2). A lookup compares H2 against all 8 control bytes at once and checks keys
//! only where they match. A *table* is an array of groups probed quadratically from the
//! hash's upper bits (H1), growing at 7/8 load by doubling, up to 1,024 slots; a table at
//! that size *splits* in two instead. The map is a *directory* of tables indexed by the
//! hash's top bits (extendible hashing, `globalDepth`, each table's `localDepth`). A map
//! of at most 8 entries is a single group without table or directory. Growth moves a
//! whole table at once (there is no incremental evacuation). Iteration starts at random
//! directory and slot offsets (two random draws) and, in a table that grew meanwhile,
//! keeps the old table's order and looks keys up again in the new ones.
//!
//! Files follow Go's: `map.rs` (`map.go`), `table.rs` and `iter.rs` (`table.go`),
//! `group.rs` (`group.go`), [`runtime`], [`fast32`], [`fast64`], [`faststr`]
//! (`runtime*.go`), and `types.rs` for the map type descriptor; `reclaim.rs` replaces
//! Go's collector; [`check()`] and [`dump()`] are the invariant checker and the canonical dump of the differential
//! tests (`docs/swiss-dump.md`).
//!
//! # What differs from Go
//!
//! * Memory is freed explicitly (see `reclaim.rs`); [`mapfree`] releases a map.
//! * The random source is the crate's (`fastrand`, in `base/rand.rs`); the trace language
//!   fixes every draw that matters for the bytes.
//! * 64-bit hashes only. Both group layouts of Go 1.27 (interleaved slots, and the
//!   split keys-then-elems layout of `GOEXPERIMENT=mapsplitgroup`, release
//!   `1.27-mapsplitgroup`) are located through [`SwissMapType`]'s four offset fields
//!   alone.
//! * `writing` is an atomic byte, so that misuse detection is a defined race.
//! * The fast paths share one copy of the probing code with [`map::Map::PutSlot`]
//!   (their bytes are the same); the generic [`runtime::mapassign`] keeps its own,
//!   different probing, as in Go.

// Go's runtime functions over Swiss maps are public modules ([`runtime`], [`fast32`],
// [`fast64`], [`faststr`]); the implementation is private and re-exported below where it
// is API. The rest is reachable only through [`crate::export_test`] (feature
// `export-test`), for this repository's tests and tools.
pub(crate) mod check;
pub(crate) mod dump;
pub mod fast32;
pub mod fast64;
pub mod faststr;
pub(crate) mod group;
pub(crate) mod iter;
pub(crate) mod map;
pub(crate) mod reclaim;
mod release;
pub mod runtime;
pub(crate) mod table;
pub(crate) mod types;

pub use check::check;
pub use dump::dump;
pub use iter::Iter;
pub use map::{mapfree, Map, NewEmptyMap, NewMap};
pub use release::Release;
pub use types::{
    SwissMapType, SwissRelease, MAP_HASH_MIGHT_PANIC, MAP_INDIRECT_ELEM, MAP_INDIRECT_KEY,
    MAP_NEED_KEY_UPDATE,
};
