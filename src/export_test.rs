//! **Not part of the API.** The one door to gomap's internals, opened by the cargo feature
//! `export-test`, in the spirit of Go's `export_test.go`.
//!
//! It exists for this repository's own tests, fuzz targets (`fuzz/`), tools (`tools/`),
//! benchmarks and examples, which need to fix the random source, walk the reclaim lists,
//! read size classes or call the engine's helpers. Nothing here has a stability promise:
//! names, signatures and contents change with the implementation. An embedder never
//! enables `export-test`; everything an embedder needs is public without it (see the
//! crate docs).
//!
//! The layout mirrors the crate's modules: `export_test::runtime::reclaim::retire` is the
//! private `runtime/reclaim.rs`'s `retire`, and `export_test::runtime` also holds the
//! flat names the engine's files export (`export_test::runtime::fastrand`,
//! `export_test::runtime::bucket_array_len`, ...) next to everything public in
//! [`crate::runtime`].

/// `pub mod NAME { pub use crate::PARENT::NAME::*; }` for each NAME: one private file of
/// PARENT opened under the same name.
macro_rules! doors {
    ($parent:ident: $($(#[$doc:meta])* $name:ident,)*) => {$(
        $(#[$doc])*
        pub mod $name {
            pub use crate::$parent::$name::*;
        }
    )*};
}

/// The ground floor's internals: the allocator's helpers, size classes, panics, random
/// source, hex printer.
pub mod base {
    pub use crate::base::*;

    doors! {
        base:
        /// `base/hex.rs`: the one hex printer of bytes.
        hex,
        /// `base/malloc.rs`: the allocator, `roundupsize`, the zero value.
        malloc,
        /// `base/panic.rs`: Go's `throw` and `fatal` and the map's panic messages.
        panic,
        /// `base/rand.rs`: the random source and its test controls.
        rand,
        /// `base/sizeclasses.rs`: Go's malloc size classes.
        sizeclasses,
        /// `base/strconv.rs`: Go's `ParseFloat`, `ParseInt`, `ParseUint`.
        strconv,
    }
}

/// The descriptor's internals: the AES and fallback hashes, the type spelling.
pub mod maptype {
    pub use crate::maptype::*;

    doors! {
        maptype:
        /// `maptype/aeshash.rs`: the AES hash of `asm_amd64.s`.
        aeshash,
        /// `maptype/hash64.rs`: the fallback hash of `hash64.go`.
        hash64,
        /// `maptype/spell.rs`: Go's spelling of types and values (trace language, dump).
        spell,
    }
}

/// The classic engine's files, and the flat names they export.
pub mod runtime {
    pub use super::base::{malloc, rand, sizeclasses};
    pub use crate::base::malloc::{roundupsize, roundupsize_headers};
    pub use crate::base::panic::*;
    pub use crate::base::rand::{
        fastrand, fastrand64, rand, seed_release, set_chacha8_seed, set_fastrand_state,
    };
    pub use crate::base::{
        BUCKET_CNT, BUCKET_CNT_BITS, DATA_OFFSET, LOAD_FACTOR_DEN, LOAD_FACTOR_NUM, MAX_ELEM_SIZE,
        MAX_KEY_SIZE,
    };
    pub use crate::runtime::clone::moveToBmap;
    pub use crate::runtime::dispatch::*;
    pub use crate::runtime::fast32::*;
    pub use crate::runtime::fast64::*;
    pub use crate::runtime::faststr::*;
    pub use crate::runtime::grow::{advanceEvacuationMark, bucketEvacuated};
    pub use crate::runtime::make::{
        bucket_array_len, makeBucketArray, overLoadFactor, tooManyOverflowBuckets,
    };
    pub use crate::runtime::types::*;
    pub use crate::runtime::*;

    doors! {
        runtime:
        /// `runtime/access.rs`.
        access,
        /// `runtime/assign.rs`.
        assign,
        /// `runtime/check.rs`.
        check,
        /// `runtime/clone.rs`.
        clone,
        /// `runtime/delete.rs`.
        delete,
        /// `runtime/dispatch.rs`.
        dispatch,
        /// `runtime/dump.rs`.
        dump,
        /// `runtime/fast32.rs`.
        fast32,
        /// `runtime/fast64.rs`.
        fast64,
        /// `runtime/faststr.rs`.
        faststr,
        /// `runtime/grow.rs`.
        grow,
        /// `runtime/iter.rs`.
        iter,
        /// `runtime/make.rs`.
        make,
        /// `runtime/reclaim.rs`: deferred freeing.
        reclaim,
        /// `runtime/types.rs`: the header, buckets, tophash states and SWAR helpers.
        types,
    }
}

/// The Swiss engine's files.
pub mod swiss {
    pub use crate::swiss::*;

    doors! {
        swiss:
        /// `swiss/check.rs`.
        check,
        /// `swiss/dump.rs`.
        dump,
        /// `swiss/group.rs`: control words and groups.
        group,
        /// `swiss/iter.rs`.
        iter,
        /// `swiss/map.rs`: the directory and the small map.
        map,
        /// `swiss/reclaim.rs`: deferred freeing.
        reclaim,
        /// `swiss/table.rs`: tables and probing.
        table,
        /// `swiss/types.rs`: the map type descriptor and its flags.
        types,
    }

    /// Writes to the map header's fields that say what the map owns (the crate's alone),
    /// for tests that corrupt a map on purpose to see the checker catch it.
    pub mod header {
        use crate::swiss::Map;

        /// Sets `used`.
        ///
        /// # Safety
        /// The map must be put right (or only checked, never read or written through the
        /// runtime) before it is used again; dropping it is fine.
        pub unsafe fn set_used(m: &mut Map, used: u64) {
            m.used = used;
        }

        /// Sets `tombstonePossible`.
        ///
        /// # Safety
        /// As [`set_used`].
        pub unsafe fn set_tombstone_possible(m: &mut Map, v: bool) {
            m.tombstonePossible = v;
        }
    }
}
