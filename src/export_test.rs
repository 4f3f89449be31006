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

/// The ground floor's internals: the allocator's helpers, size classes, panics, random
/// source.
pub mod base {
    pub use crate::base::*;

    /// `base/malloc.rs`: the allocator, `roundupsize`, the zero value.
    pub mod malloc {
        pub use crate::base::malloc::*;
    }
    /// `base/panic.rs`: Go's `throw` and `fatal` and the map's panic messages.
    pub mod panic {
        pub use crate::base::panic::*;
    }
    /// `base/rand.rs`: the random source and its test controls.
    pub mod rand {
        pub use crate::base::rand::*;
    }
    /// `base/sizeclasses.rs`: Go's malloc size classes.
    pub mod sizeclasses {
        pub use crate::base::sizeclasses::*;
    }
}

/// The descriptor's internals: the AES and fallback hashes, the type spelling.
pub mod maptype {
    pub use crate::maptype::*;

    /// `maptype/aeshash.rs`: the AES hash of `asm_amd64.s`.
    pub mod aeshash {
        pub use crate::maptype::aeshash::*;
    }
    /// `maptype/hash64.rs`: the fallback hash of `hash64.go`.
    pub mod hash64 {
        pub use crate::maptype::hash64::*;
    }
    /// `maptype/spell.rs`: Go's spelling of types and values (trace language, dump).
    pub mod spell {
        pub use crate::maptype::spell::*;
    }
}

/// The classic engine's files, and the flat names they export.
pub mod runtime {
    pub use super::base::{malloc, rand, sizeclasses};
    pub use crate::base::malloc::{roundupsize, roundupsize_headers};
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

    /// `runtime/access.rs`.
    pub mod access {
        pub use crate::runtime::access::*;
    }
    /// `runtime/assign.rs`.
    pub mod assign {
        pub use crate::runtime::assign::*;
    }
    /// `runtime/check.rs`.
    pub mod check {
        pub use crate::runtime::check::*;
    }
    /// `runtime/clone.rs`.
    pub mod clone {
        pub use crate::runtime::clone::*;
    }
    /// `runtime/delete.rs`.
    pub mod delete {
        pub use crate::runtime::delete::*;
    }
    /// `runtime/dispatch.rs`.
    pub mod dispatch {
        pub use crate::runtime::dispatch::*;
    }
    /// `runtime/dump.rs`.
    pub mod dump {
        pub use crate::runtime::dump::*;
    }
    /// `runtime/fast32.rs`.
    pub mod fast32 {
        pub use crate::runtime::fast32::*;
    }
    /// `runtime/fast64.rs`.
    pub mod fast64 {
        pub use crate::runtime::fast64::*;
    }
    /// `runtime/faststr.rs`.
    pub mod faststr {
        pub use crate::runtime::faststr::*;
    }
    /// `runtime/grow.rs`.
    pub mod grow {
        pub use crate::runtime::grow::*;
    }
    /// `runtime/iter.rs`.
    pub mod iter {
        pub use crate::runtime::iter::*;
    }
    /// `runtime/make.rs`.
    pub mod make {
        pub use crate::runtime::make::*;
    }
    /// `runtime/reclaim.rs`: deferred freeing.
    pub mod reclaim {
        pub use crate::runtime::reclaim::*;
    }
    /// `runtime/types.rs`: the header, buckets, tophash states and SWAR helpers.
    pub mod types {
        pub use crate::runtime::types::*;
    }
}

/// The Swiss engine's files.
pub mod swiss {
    pub use crate::swiss::*;

    /// `swiss/check.rs`.
    pub mod check {
        pub use crate::swiss::check::*;
    }
    /// `swiss/dump.rs`.
    pub mod dump {
        pub use crate::swiss::dump::*;
    }
    /// `swiss/group.rs`: control words and groups.
    pub mod group {
        pub use crate::swiss::group::*;
    }
    /// `swiss/iter.rs`.
    pub mod iter {
        pub use crate::swiss::iter::*;
    }
    /// `swiss/map.rs`: the directory and the small map.
    pub mod map {
        pub use crate::swiss::map::*;
    }
    /// `swiss/reclaim.rs`: deferred freeing.
    pub mod reclaim {
        pub use crate::swiss::reclaim::*;
    }
    /// `swiss/table.rs`: tables and probing.
    pub mod table {
        pub use crate::swiss::table::*;
    }
    /// `swiss/types.rs`: the map type descriptor and its flags.
    pub mod types {
        pub use crate::swiss::types::*;
    }
}
