//! The error and guard layer of the C ABI: the `GOMAP_ERR_*` codes, the per-thread last
//! error, the code of each [`RuntimeError`] (the one place the C layer maps the runtime's
//! failures), the `catch_unwind` guard every fallible entry point runs under, and the
//! re-entry check ([`InUse`]) that keeps a callback from writing the map of the call it
//! serves.

use core::ffi::{c_char, c_int, c_void};
use std::cell::RefCell;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::base::panic::{panic_message, RuntimeError};

/// Success.
pub const GOMAP_OK: c_int = 0;
/// An argument is invalid: a required pointer is NULL, a kind is unknown, a size does not
/// fit its kind, an allocator lacks a function.
pub const GOMAP_ERR_INVALID_ARG: c_int = -1;
/// The key and elem types do not make a valid map type (Go's `reflect_makemap` checks:
/// no equal function, alignment, sizes, flags).
pub const GOMAP_ERR_INVALID_TYPE: c_int = -2;
/// A write to a NULL map ("assignment to entry in nil map").
pub const GOMAP_ERR_NIL_MAP: c_int = -3;
/// A write while another write is in progress ("concurrent map writes").
pub const GOMAP_ERR_CONCURRENT_WRITES: c_int = -4;
/// A read or an iteration step while a write is in progress ("concurrent map read and map
/// write", "concurrent map iteration and map write").
pub const GOMAP_ERR_CONCURRENT_READ_WRITE: c_int = -5;
/// The allocator returned NULL ("out of memory").
pub const GOMAP_ERR_OUT_OF_MEMORY: c_int = -6;
/// Any other panic inside gomap or a callback.
pub const GOMAP_ERR_PANIC: c_int = -7;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

thread_local! {
    /// The maps (and iterators) this thread is inside a call on, innermost last, each with
    /// whether the call writes: what a callback (hasher, equal, allocator) can reach back
    /// into. See [`InUse`].
    static IN_USE: RefCell<Vec<(usize, bool)>> = const { RefCell::new(Vec::new()) };
}

/// Marks a map (or an iterator) as used by a call of this thread until dropped, after
/// checking the call may run: a callback of a call on a map must not write that map (or
/// free it, or free the iterator being advanced), since the running call holds pointers
/// into its buckets; Go's runtime would have no way to notice a write from inside a
/// read. A read inside a read is fine; a read inside a write fails, as the runtime's own
/// check does. Only the C layer pays for this: the runtime functions are unchanged.
pub(super) struct InUse(usize);

impl InUse {
    /// Enters a call on `p` (a map or iterator address) that writes if `write`; fails
    /// with Go's words when an enclosing call on `p` forbids it.
    pub(super) fn enter(p: *const c_void, write: bool) -> Result<InUse, c_int> {
        let a = p as usize;
        if a == 0 {
            return Ok(InUse(0));
        }
        IN_USE.with(|u| {
            let mut u = u.borrow_mut();
            for &(b, w) in u.iter() {
                if b == a && (write || w) {
                    return Err(fail_runtime(if w && write {
                        RuntimeError::ConcurrentWrites
                    } else {
                        RuntimeError::ConcurrentReadWrite
                    }));
                }
            }
            u.push((a, write));
            Ok(InUse(a))
        })
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        if self.0 != 0 {
            IN_USE.with(|u| {
                let mut u = u.borrow_mut();
                if let Some(i) = u.iter().rposition(|&(b, _)| b == self.0) {
                    u.remove(i);
                }
            });
        }
    }
}

/// [`InUse::enter`] for a call that returns a code: `?`-style early return.
macro_rules! enter {
    ($p:expr, $write:expr) => {
        match InUse::enter(($p) as *const c_void, $write) {
            Ok(g) => g,
            Err(c) => return c,
        }
    };
}
pub(super) use enter;

/// Records `msg` as this thread's last error and returns `code`.
pub(super) fn fail(code: c_int, msg: &str) -> c_int {
    let c = CString::new(msg.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
    code
}

/// Records a runtime error, in Go's words, as this thread's last error and returns its
/// code.
pub(super) fn fail_runtime(e: RuntimeError) -> c_int {
    fail(code_for(&e), &e.to_string())
}

/// The code of a runtime error: the table of the module notes (`src/ffi.rs`). No
/// wildcard arm, so that a new kind of failure gets its code decided here.
pub(super) fn code_for(e: &RuntimeError) -> c_int {
    match e {
        RuntimeError::NilMapWrite => GOMAP_ERR_NIL_MAP,
        RuntimeError::ConcurrentWrites => GOMAP_ERR_CONCURRENT_WRITES,
        RuntimeError::ConcurrentReadWrite | RuntimeError::ConcurrentIterWrite => {
            GOMAP_ERR_CONCURRENT_READ_WRITE
        }
        RuntimeError::OutOfMemory => GOMAP_ERR_OUT_OF_MEMORY,
        RuntimeError::Unhashable(_)
        | RuntimeError::UnhashableKey(_)
        | RuntimeError::Uncomparable(_)
        | RuntimeError::Fatal(_)
        | RuntimeError::Throw(_) => GOMAP_ERR_PANIC,
    }
}

/// Runs `f`, turning a panic into its code (and `on_panic` for the value): the code of
/// the [`RuntimeError`] the runtime raised, `GOMAP_ERR_PANIC` for any other panic (a Rust
/// callback's); the panic's words become the last error.
pub(super) fn guard<T>(on_panic: impl FnOnce(c_int) -> T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            let code = RuntimeError::of_panic(&*payload).map_or(GOMAP_ERR_PANIC, |e| code_for(&e));
            let msg = panic_message(&*payload)
                .unwrap_or("panic with a non-string payload")
                .to_string();
            // Dropping a payload can itself panic; never let that escape either.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            on_panic(fail(code, &msg))
        }
    }
}

/// `guard` for functions returning a code.
pub(super) fn guard_code(f: impl FnOnce() -> c_int) -> c_int {
    guard(|c| c, f)
}

/// The message of the last call on this thread that failed (an empty string if none
/// has). Valid until the next failing call on this thread.
#[no_mangle]
pub extern "C" fn gomap_last_error() -> *const c_char {
    guard(
        |_| c"panic while reading the last error".as_ptr(),
        || LAST_ERROR.with(|e| e.borrow().as_ptr()),
    )
}

/// The name of an error code ("GOMAP_ERR_NIL_MAP"), a static string.
#[no_mangle]
pub extern "C" fn gomap_error_name(code: c_int) -> *const c_char {
    let s: &'static core::ffi::CStr = match code {
        GOMAP_OK => c"GOMAP_OK",
        GOMAP_ERR_INVALID_ARG => c"GOMAP_ERR_INVALID_ARG",
        GOMAP_ERR_INVALID_TYPE => c"GOMAP_ERR_INVALID_TYPE",
        GOMAP_ERR_NIL_MAP => c"GOMAP_ERR_NIL_MAP",
        GOMAP_ERR_CONCURRENT_WRITES => c"GOMAP_ERR_CONCURRENT_WRITES",
        GOMAP_ERR_CONCURRENT_READ_WRITE => c"GOMAP_ERR_CONCURRENT_READ_WRITE",
        GOMAP_ERR_OUT_OF_MEMORY => c"GOMAP_ERR_OUT_OF_MEMORY",
        GOMAP_ERR_PANIC => c"GOMAP_ERR_PANIC",
        _ => c"unknown gomap error code",
    };
    s.as_ptr()
}

/// [`gomap_error_name`] as a Rust string.
pub(super) fn error_name(code: c_int) -> String {
    // SAFETY: gomap_error_name returns a static NUL-terminated string.
    unsafe { core::ffi::CStr::from_ptr(gomap_error_name(code)) }
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::panic::raise;

    fn last_error() -> String {
        // SAFETY: gomap_last_error returns a valid NUL-terminated string.
        unsafe { core::ffi::CStr::from_ptr(gomap_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    /// Every runtime error raised under the guard comes out as its code, with Go's words
    /// as the last error.
    #[test]
    fn each_runtime_error_has_its_code() {
        use RuntimeError::*;
        let cases = [
            (NilMapWrite, GOMAP_ERR_NIL_MAP),
            (ConcurrentWrites, GOMAP_ERR_CONCURRENT_WRITES),
            (ConcurrentReadWrite, GOMAP_ERR_CONCURRENT_READ_WRITE),
            (ConcurrentIterWrite, GOMAP_ERR_CONCURRENT_READ_WRITE),
            (OutOfMemory, GOMAP_ERR_OUT_OF_MEMORY),
            (Unhashable("[]int64".into()), GOMAP_ERR_PANIC),
            (Uncomparable("[]int64".into()), GOMAP_ERR_PANIC),
            (Fatal("concurrent map clone and map write"), GOMAP_ERR_PANIC),
            (Throw("bad map state"), GOMAP_ERR_PANIC),
        ];
        for (e, code) in cases {
            let words = e.to_string();
            assert_eq!(code_for(&e), code, "{e:?}");
            assert_eq!(guard_code(|| raise(e.clone())), code, "{e:?}");
            assert_eq!(last_error(), words);
            assert_eq!(fail_runtime(e.clone()), code, "{e:?}");
            assert_eq!(last_error(), words);
        }
        // Any other panic is GOMAP_ERR_PANIC, whatever its words.
        assert_eq!(guard_code(|| panic!("out of memory")), GOMAP_ERR_PANIC);
        assert_eq!(last_error(), "out of memory");
        assert_eq!(
            error_name(GOMAP_ERR_OUT_OF_MEMORY),
            "GOMAP_ERR_OUT_OF_MEMORY"
        );
    }
}
