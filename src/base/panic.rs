//! How the map fails: Go's `throw` and `fatal`, the typed panic value [`RuntimeError`]
//! and Go's words for each failure.
//!
//! Every panic the library raises itself goes through [`raise`] (or its Go-named
//! wrappers [`throw`] and [`fatal`]) with a [`RuntimeError`], whose `Display` is Go's
//! exact message.
//!
//! # The payload is Go's words; the typed value travels beside it
//!
//! The panic's payload stays a `String` holding Go's words, as `panic!("{e}")` makes it,
//! and the typed value is recorded beside it, per thread, just before unwinding starts.
//! [`RuntimeError::of_panic`] gives it back from a caught payload. Why not
//! `std::panic::panic_any(RuntimeError)`:
//!
//! * Rust's default panic hook prints only string payloads: a program that misuses a
//!   map (two writers, a write to a nil map) would print `Box<dyn Any>` instead of
//!   Go's `concurrent map writes`, and installing a hook is the application's call, not
//!   a library's;
//! * `#[should_panic(expected = "...")]` matches string payloads only, and code that
//!   catches a panic and reads it as a `String` or `&str` (tests, fuzz targets, trace
//!   replayers, the interface-hash `recover` of [`crate::maptype::genalg`]) keeps
//!   working unchanged.
//!
//! A caught payload is that of a [`RuntimeError`] when the value recorded last on the
//! catching thread prints exactly the payload's message: a panic of other code (a user's
//! hasher or allocator) after an earlier runtime panic that was caught elsewhere does not
//! take that earlier value. `catch_unwind` runs on the panicking thread, so the record is
//! there; a payload carried to another thread (`JoinHandle::join`) has only its words,
//! which [`panic_message`] reads.

use core::any::Any;
use core::cell::Cell;
use core::fmt;

/// The panic of a write to a nil map, with Go's message.
pub const NIL_MAP_WRITE: &str = "assignment to entry in nil map";
/// Go's message for two overlapping writes.
pub const CONCURRENT_WRITES: &str = "concurrent map writes";
/// Go's message for a read that overlaps a write.
pub const CONCURRENT_READ_WRITE: &str = "concurrent map read and map write";
/// Go's message for an iteration step that overlaps a write.
pub const CONCURRENT_ITER_WRITE: &str = "concurrent map iteration and map write";
/// Go's message when the allocator has no memory left (its `throw` in `mallocgc`).
pub const OUT_OF_MEMORY: &str = "out of memory";
/// The start of Go's panic message for hashing a value whose dynamic type is not
/// comparable (`hash of unhashable type T`).
pub const UNHASHABLE: &str = "runtime error: hash of unhashable type ";
/// The start of the message of Go 1.25's `internal/runtime/maps.unhashableTypeError`, which
/// the key check of a lookup or delete in an empty Swiss map panics with from Go 1.25 on
/// (`hash of unhashable type: T`, no `runtime error: ` prefix).
pub const UNHASHABLE_KEY: &str = "hash of unhashable type: ";
/// The start of Go's panic message for comparing two such values.
pub const UNCOMPARABLE: &str = "runtime error: comparing uncomparable type ";

/// A failure of the map, as Go's runtime reports it: the typed value of every panic the
/// library raises. `Display` prints Go's exact words, which are also the panic's payload
/// (see the module notes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeError {
    /// A write to a nil map: Go's `panic(plainError("assignment to entry in nil map"))`.
    NilMapWrite,
    /// A write while another write is in progress (`fatal("concurrent map writes")`).
    ConcurrentWrites,
    /// A lookup while a write is in progress (`fatal("concurrent map read and map
    /// write")`).
    ConcurrentReadWrite,
    /// An iteration step while a write is in progress (`fatal("concurrent map iteration
    /// and map write")`).
    ConcurrentIterWrite,
    /// The allocator returned no memory (`throw("out of memory")`).
    OutOfMemory,
    /// Hashing an interface whose dynamic type, named here, is not comparable (Go's
    /// `panic(errorString("hash of unhashable type " + toRType(t).string()))`).
    Unhashable(String),
    /// The same found by the key check of a lookup or delete in an empty Swiss map from
    /// Go 1.25 on (`internal/runtime/maps.mapKeyError`: its `unhashableTypeError`).
    UnhashableKey(String),
    /// Comparing two interfaces whose dynamic type, named here, is not comparable.
    Uncomparable(String),
    /// Another misuse Go reports with `fatal`, in its words ("concurrent map clone and
    /// map write", ...).
    Fatal(&'static str),
    /// A broken invariant of the map itself: Go's `throw`, in its words ("bad map
    /// state", ...).
    Throw(&'static str),
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::NilMapWrite => f.write_str(NIL_MAP_WRITE),
            RuntimeError::ConcurrentWrites => f.write_str(CONCURRENT_WRITES),
            RuntimeError::ConcurrentReadWrite => f.write_str(CONCURRENT_READ_WRITE),
            RuntimeError::ConcurrentIterWrite => f.write_str(CONCURRENT_ITER_WRITE),
            RuntimeError::OutOfMemory => f.write_str(OUT_OF_MEMORY),
            RuntimeError::Unhashable(t) => write!(f, "{UNHASHABLE}{t}"),
            RuntimeError::UnhashableKey(t) => write!(f, "{UNHASHABLE_KEY}{t}"),
            RuntimeError::Uncomparable(t) => write!(f, "{UNCOMPARABLE}{t}"),
            RuntimeError::Fatal(s) | RuntimeError::Throw(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for RuntimeError {}

thread_local! {
    /// The [`RuntimeError`] this thread raised last (see the module notes).
    static RAISED: Cell<Option<RuntimeError>> = const { Cell::new(None) };
}

impl RuntimeError {
    /// The runtime error a caught panic payload carries, if it is one the library raised
    /// on this thread (see the module notes); `None` for any other panic.
    pub fn of_panic(payload: &(dyn Any + Send)) -> Option<RuntimeError> {
        let msg = panic_message(payload)?;
        let e = RAISED
            .try_with(|r| {
                let e = r.take();
                r.set(e.clone());
                e
            })
            .ok()
            .flatten()?;
        (e.to_string() == msg).then_some(e)
    }
}

/// The text of a panic payload: the `String` or `&str` that `panic!` (and every panic of
/// this library, in Go's words) carries; `None` for any other payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    if let Some(s) = payload.downcast_ref::<String>() {
        Some(s)
    } else {
        payload.downcast_ref::<&'static str>().copied()
    }
}

/// Panics with `e`: records it for [`RuntimeError::of_panic`], then unwinds with Go's
/// words as the payload.
#[cold]
#[inline(never)]
#[track_caller]
pub fn raise(e: RuntimeError) -> ! {
    let msg = e.to_string();
    // A thread being torn down has no slot left; the words still go out.
    let _ = RAISED.try_with(|r| r.set(Some(e)));
    panic!("{msg}")
}

/// Go's `throw`: a broken invariant of the map itself. Panics with Go's words.
#[cold]
#[inline(never)]
#[track_caller]
pub fn throw(s: &'static str) -> ! {
    raise(RuntimeError::Throw(s))
}

/// Go's `fatal`: a misuse by the program (concurrent writes). Panics with Go's words.
#[cold]
#[inline(never)]
#[track_caller]
pub fn fatal(e: RuntimeError) -> ! {
    raise(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    /// Each variant prints Go's words.
    #[test]
    fn messages_are_gos_words() {
        use RuntimeError::*;
        let cases: [(RuntimeError, &str); 9] = [
            (NilMapWrite, "assignment to entry in nil map"),
            (ConcurrentWrites, "concurrent map writes"),
            (ConcurrentReadWrite, "concurrent map read and map write"),
            (
                ConcurrentIterWrite,
                "concurrent map iteration and map write",
            ),
            (OutOfMemory, "out of memory"),
            (
                Unhashable("[]int64".into()),
                "runtime error: hash of unhashable type []int64",
            ),
            (
                Uncomparable("map[int]int".into()),
                "runtime error: comparing uncomparable type map[int]int",
            ),
            (
                Fatal("concurrent map clone and map write"),
                "concurrent map clone and map write",
            ),
            (Throw("bad map state"), "bad map state"),
        ];
        for (e, want) in cases {
            assert_eq!(e.to_string(), want);
            // The payload is the words, and the typed value comes back from it.
            let p = catch_unwind(AssertUnwindSafe(|| raise(e.clone()))).unwrap_err();
            assert_eq!(p.downcast_ref::<String>().map(String::as_str), Some(want));
            assert_eq!(panic_message(&*p), Some(want));
            assert_eq!(RuntimeError::of_panic(&*p), Some(e));
        }
    }

    /// Another panic after a caught runtime panic is not taken for it.
    #[test]
    fn other_panics_are_not_runtime_errors() {
        let _ = catch_unwind(|| fatal(RuntimeError::ConcurrentWrites));
        let p = catch_unwind(|| panic!("user hasher failed")).unwrap_err();
        assert_eq!(panic_message(&*p), Some("user hasher failed"));
        assert_eq!(RuntimeError::of_panic(&*p), None);
        let p = catch_unwind(|| std::panic::panic_any(7u8)).unwrap_err();
        assert_eq!(panic_message(&*p), None);
        assert_eq!(RuntimeError::of_panic(&*p), None);
        let p = catch_unwind(|| panic!("static words")).unwrap_err();
        assert_eq!(panic_message(&*p), Some("static words"));
    }
}
