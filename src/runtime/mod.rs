//! The map runtime: Go 1.19's `runtime/map.go` over [`MapType`] descriptors, with the
//! changes of the later classic-map releases (1.21 to 1.24 noswissmap) marked where they
//! apply (`if t.release() ...`, "go1.21: ..."; see [`crate::maptype::release`]).
//!
//! # How a Go map works
//!
//! A map is a hash table. The data is arranged into an array of buckets. Each bucket
//! contains up to 8 key/elem pairs. The low-order bits of the hash select a bucket. Each
//! bucket contains a few high-order bits of each hash (the *tophash*) to distinguish the
//! entries within a single bucket without comparing keys.
//!
//! If more than 8 keys hash to a bucket, extra buckets are chained on (*overflow*
//! buckets). From `B = 4` on, the bucket array is allocated with about `2^(B-4)` spare
//! buckets at its end, handed out as overflow buckets before any is allocated alone.
//!
//! When the table grows past an average of 6.5 entries per bucket (6 in go1.21), a new array twice as
//! big is allocated. When it has about as many overflow buckets as buckets (after many
//! deletions), a new array of the same size is allocated, to pack entries again. Either
//! way entries move to the new array *incrementally*: each write moves at most two old
//! buckets. Until a bucket is moved, lookups read it from the old array.
//!
//! Iterators walk the bucket array and return keys in walk order (bucket number, then
//! overflow chain order, then slot index), starting from a random bucket and slot. To
//! keep iteration semantics, keys never move within their bucket; when growing, an
//! iterator keeps walking the old table and checks the new one for entries that moved.
//!
//! Deleting marks a slot `emptyOne`, or `emptyRest` when nothing live follows it in the
//! chain, so that lookups can stop early.
//!
//! # What differs from Go, and why
//!
//! * Memory: Go's collector frees what the map drops. gomap frees it explicitly, deferring
//!   anything an iterator could still read (see `reclaim.rs`); [`mapfree`] releases a map.
//! * Allocation goes through the [`MapType`]'s [`Allocator`].
//! * `flags` is an atomic byte, so that the misuse detection is a defined race.
//! * `mapextra` keeps only `nextOverflow` (the others exist for Go's collector).
//!
//! # When the hasher, `equal` or the allocator panics
//!
//! * The hasher runs before a write sets `hashWriting`, as in Go, so a panicking hasher
//!   leaves the map untouched (and Go's `hashMightPanic` keys are hashed even on nil and
//!   empty maps, so they panic consistently).
//! * A panicking `equal` in the bucket search of [`mapassign`] or [`mapdelete`] finds the
//!   map consistent; gomap clears `hashWriting` as the panic leaves, and the map stays
//!   usable. Go leaves the flag set, so that after `recover` every write would throw
//!   "concurrent map writes"; in Go only an uncomparable interface value makes `equal`
//!   panic, and its hasher rejects those first, so no Go program depends on that.
//! * A panic inside an evacuation (a hasher that panics on a key it hashed before, or
//!   `equal` on a non-reflexive key while an iterator is live) can leave a bucket half
//!   moved, and so can "out of memory" from the allocator (Go's fatal `throw`). After
//!   either, wherever it struck, the map stays marked `hashWriting`: it is *poisoned*,
//!   detectably: every later write panics with
//!   "concurrent map writes", every lookup with "concurrent map read and map write",
//!   every iteration step with "concurrent map iteration and map write", and [`check()`]
//!   reports it. [`mapfree`] and [`mapdestroy`] still release it completely.
//!
//! [`MapType`]: crate::maptype::MapType

#![allow(non_snake_case)]

// The implementation, one file per Go file. Private: the API is the list re-exported
// below; the rest is reachable only through [`crate::export_test`] (feature
// `export-test`), for this repository's tests and tools.
pub(crate) mod access;
pub(crate) mod assign;
pub(crate) mod check;
pub(crate) mod clone;
pub(crate) mod delete;
pub(crate) mod dispatch;
pub(crate) mod dump;
pub(crate) mod fast32;
pub(crate) mod fast64;
pub(crate) mod faststr;
pub(crate) mod grow;
pub(crate) mod iter;
pub(crate) mod make;
pub(crate) mod reclaim;
pub(crate) mod types;

pub use crate::base::malloc::Allocator;
pub use crate::base::rand::seed_release;
pub use access::{mapaccess1, mapaccess1_fat, mapaccess2, mapaccess2_fat, mapaccessK};
pub use assign::{mapassign, mapassign_with};
pub use check::check;
pub use clone::mapclone2;
pub use delete::{mapclear, mapdelete, mapdelete_with};
pub use dispatch::{
    map_access1, map_access2, map_assign, map_assign_with, map_delete, map_delete_with,
};
pub use dump::{dump, dump_string};
pub use fast32::{
    evacuate_fast32, growWork_fast32, mapaccess1_fast32, mapaccess2_fast32, mapassign_fast32,
    mapassign_fast32ptr, mapdelete_fast32, mapdelete_fast32_with,
};
pub use fast64::{
    evacuate_fast64, growWork_fast64, mapaccess1_fast64, mapaccess2_fast64, mapassign_fast64,
    mapassign_fast64ptr, mapdelete_fast64, mapdelete_fast64_with,
};
pub use faststr::{
    evacuate_faststr, growWork_faststr, mapaccess1_faststr, mapaccess2_faststr, mapassign_faststr,
    mapassign_faststr_with, mapdelete_faststr, mapdelete_faststr_with,
};
pub use grow::{evacuate, growWork, hashGrow};
pub use iter::{mapiterend, mapiterinit, mapiterinit_r, mapiternext, Hiter};
pub use make::{makemap, makemap64, makemap_small, mapdestroy, mapfree};
pub use types::{
    bucket_at, elem_at, key_at, Bmap, Hmap, HmapFlags, Mapextra, EMPTY_ONE, EMPTY_REST,
    EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y, MIN_TOP_HASH, NO_CHECK,
};
