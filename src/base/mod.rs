//! The ground floor: what the map descriptor and every map engine share, and nothing
//! that knows about either.
//!
//! Go keeps the same facts in `internal/abi` (map.go: bucket count, size limits), so
//! that the compiler, `reflect` and the runtime read one copy; hashbrown keeps its
//! `alloc.rs` at the bottom of its tree for the same reason. Here:
//!
//! * the bucket constants (slots per bucket, inline key/elem limits, data offset, load
//!   factor), below;
//! * `malloc.rs`: the [`Allocator`] every map allocates through, Go's `roundupsize`, and
//!   the zero value (`zeroVal`) that lookups of missing keys return;
//! * `sizeclasses.rs`: Go's malloc size classes, which `roundupsize` reads;
//! * `panic.rs`: Go's `throw` and `fatal`, the typed panic value [`RuntimeError`] whose
//!   `Display` is Go's words, and [`panic_message`], the text of a caught panic;
//! * `guard.rs`: the scope guard (`defer`) that undoes half-done work when a
//!   panic unwinds, or cleans up on every path;
//! * `rand.rs`: the random source (`fastrand`) for hash seeds and iteration starts;
//! * `hex.rs`: the one hex printer of bytes (dumps, trace language, tools);
//! * `strconv.rs`: Go's `strconv.ParseFloat`/`ParseInt`/`ParseUint`, how the trace
//!   language's numbers are read (as the Go oracle reads them);
//! * `release.rs`: the Go release a map follows (`GoRelease`, public as
//!   `maptype::release`), which the random source needs.
//!
//! Nothing here imports from [`crate::maptype`] or [`crate::runtime`].

// Private: the API is the allocator re-exported below and the constants; the rest is
// reachable only through [`crate::export_test`] (feature `export-test`).
pub(crate) mod guard;
pub(crate) mod hex;
pub(crate) mod malloc;
pub(crate) mod panic;
pub(crate) mod rand;
pub(crate) mod release;
pub(crate) mod sizeclasses;
pub(crate) mod strconv;

pub use panic::{panic_message, RuntimeError};

pub use malloc::{
    cached_block_bytes, release_cached_blocks, AllocFn, Allocator, FreeFn, CACHE_BLOCK_MAX,
    CACHE_IDLE, CACHE_MAX_BYTES, LARGE_BLOCK,
};

/// log2 of the number of slots in a bucket (`bucketCntBits`).
pub const BUCKET_CNT_BITS: usize = 3;
/// Slots per bucket (`bucketCnt`).
pub const BUCKET_CNT: usize = 1 << BUCKET_CNT_BITS;

/// Numerator of the maximum average load of a bucket that triggers growth: 6.5 entries
/// per bucket (`loadFactorNum / loadFactorDen`). Go measured, for several loads, the share
/// of buckets with overflow, the bytes per key/elem pair, and the probes for hits and
/// misses; 6.5 balances memory against chain length (at 6.5: about 20% overflow, 10.8
/// bytes per pair, 4.25 probes per hit, 6.5 per miss). Kept as a fraction so the check
/// is integer math.
pub const LOAD_FACTOR_NUM: usize = 13;
/// Denominator of the load factor (`loadFactorDen`).
pub const LOAD_FACTOR_DEN: usize = 2;

/// Largest key stored inline in a bucket (`maxKeySize`); larger ones are stored behind a
/// pointer. Must fit a `u8` slot size, and must match the compiler's layout.
pub const MAX_KEY_SIZE: usize = 128;
/// Largest elem stored inline (`maxElemSize`).
pub const MAX_ELEM_SIZE: usize = 128;

/// Offset of the first key in a bucket (`dataOffset`): right after the 8 tophash bytes.
/// Go computes it as the offset of an `int64` after a `bmap`, so keys are 8-aligned; the
/// runtime asserts that its `Bmap` header is exactly this long.
pub const DATA_OFFSET: usize = BUCKET_CNT;

// Keys start right after the 8 tophash bytes, at an 8-byte boundary.
const _: () = assert!(DATA_OFFSET == BUCKET_CNT && DATA_OFFSET % 8 == 0);
