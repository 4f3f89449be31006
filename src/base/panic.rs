//! How the map fails: Go's `throw` and `fatal`, and Go's words for each failure.

/// Go's `throw`: a broken invariant of the map itself. Panics with Go's words.
#[cold]
#[inline(never)]
#[track_caller]
pub fn throw(s: &str) -> ! {
    panic!("{s}")
}

/// Go's `fatal`: a misuse by the program (concurrent writes). Panics with Go's words.
#[cold]
#[inline(never)]
#[track_caller]
pub fn fatal(s: &str) -> ! {
    panic!("{s}")
}

/// The panic of a write to a nil map, with Go's message.
pub const NIL_MAP_WRITE: &str = "assignment to entry in nil map";
/// Go's message for two overlapping writes.
pub const CONCURRENT_WRITES: &str = "concurrent map writes";
/// Go's message for a read that overlaps a write.
pub const CONCURRENT_READ_WRITE: &str = "concurrent map read and map write";
/// Go's message for an iteration step that overlaps a write.
pub const CONCURRENT_ITER_WRITE: &str = "concurrent map iteration and map write";
