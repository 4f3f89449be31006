//! The Go release whose classic map a [`MapType`](super::MapType) reproduces.
//!
//! Go's bucketed map (`runtime/map.go`) shipped from Go 1.0 to Go 1.23, and in Go 1.24
//! behind `GOEXPERIMENT=noswissmap`. From 1.19 on it changed in a few observable places,
//! each found by diffing the runtime sources of consecutive releases and checked against
//! that release's toolchain by the differential traces:
//!
//! | release | change (where it is ported) |
//! |---|---|
//! | 1.21 | `loadFactorNum` becomes `(bucketCnt*13/16)*loadFactorDen` = 12: growth at an average load of 6.0, and `make(map, hint)` picks a larger `B` (`overLoadFactor`); `mapclear` first marks every slot `emptyRest`, so that live iterators stop; `mapclone` (`maps.Clone`) |
//! | 1.22 | `loadFactorNum = loadFactorDen*bucketCnt*13/16` = 13 again (6.5); the per-thread ChaCha8 generator `rand()` replaces wyrand `fastrand` for `hash0`, `incrnoverflow`, NaN hashes and the iterator start (always 64 bits) (`runtime::rand`); allocation headers change `roundupsize` for bucket arrays with pointers (`makeBucketArray`); `mapclone` caps its hint at the source's load (`mapclone2`) |
//! | 1.23 | the portable `hash64.go` (used without AES) takes its constants from `hashkey` (`hash64::FallbackKeys`, the `_rel` hashes of `alg`, see [`GoRelease::hash64_uses_hashkey`]) |
//! | 1.24 (noswissmap) | `hmap` and `hiter` gain `clearSeq`; `mapclear` bumps it instead of marking slots, and an iterator that sees it changed looks every entry up again (`mapiternext`) |
//!
//! Go 1.20 is not a variant: no 1.20 toolchain was available to check it against, so it
//! is left out rather than guessed.
//!
//! Go 1.24 and later with the Swiss-table map are a different engine; they will get
//! variants of their own beside these, and [`GoRelease::is_classic`] tells the two apart.

pub use crate::base::release::*;
