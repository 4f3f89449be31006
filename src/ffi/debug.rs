//! The debugging entry points: the invariant checker and the canonical dump, as C strings.

use core::ffi::{c_char, c_void};
use core::ptr;
use std::ffi::CString;

use super::engine::{MapRef, ENGINE_MISMATCH};
use super::error::{error_name, fail, guard, InUse, GOMAP_ERR_INVALID_ARG};
use super::{gomap_map, gomap_maptype};
use crate::base::panic::RuntimeError;
use crate::runtime;
use crate::swiss;

/// A NUL-terminated copy of `s` for C, freed with `gomap_string_free`.
fn c_string(s: String) -> *mut c_char {
    CString::new(s.replace('\0', "\\0"))
        .unwrap_or_default()
        .into_raw()
}

/// Checks every structural invariant of the map. Returns NULL when all hold, else a
/// message naming the first broken one (free it with `gomap_string_free`).
///
/// # Safety
/// `t` is the map's type; `h` is NULL or live, not written during the call.
#[no_mangle]
pub unsafe extern "C" fn gomap_check(t: *const gomap_maptype, h: *const gomap_map) -> *mut c_char {
    guard(
        |c| c_string(format!("{}: check panicked", error_name(c))),
        || {
            if t.is_null() {
                return c_string("t is NULL".into());
            }
            // SAFETY: a live type and a map handle (caller).
            let m = match unsafe { MapRef::of(t, h) } {
                Ok(m) => m,
                Err(_) => return c_string(ENGINE_MISMATCH.into()),
            };
            let Ok(_use) = InUse::enter(h as *const c_void, false) else {
                return c_string(RuntimeError::ConcurrentReadWrite.to_string());
            };
            // SAFETY: forwarded (caller).
            let r = unsafe {
                match m {
                    MapRef::Classic(t, h) => runtime::check(t, h),
                    MapRef::Swiss(_, m) if m.is_null() => Ok(()),
                    MapRef::Swiss(st, m) => swiss::check(st, &*m),
                }
            };
            match r {
                Ok(()) => ptr::null_mut(),
                Err(e) => c_string(e),
            }
        },
    )
}

/// The canonical dump of the map's buckets (`docs/trace-and-dump.md`; for a Swiss map,
/// the Swiss dump of `docs/swiss-dump.md`, which starts with `map used=`),
/// NUL-terminated; free it with `gomap_string_free`. NULL on failure (see `gomap_last_error`).
///
/// # Safety
/// As `gomap_check`; every string key's bytes are readable. A NULL map is invalid here.
#[no_mangle]
pub unsafe extern "C" fn gomap_dump(t: *const gomap_maptype, h: *const gomap_map) -> *mut c_char {
    guard(
        |_| ptr::null_mut(),
        || {
            if t.is_null() || h.is_null() {
                fail(GOMAP_ERR_INVALID_ARG, "t and h must not be NULL");
                return ptr::null_mut();
            }
            // SAFETY: a live type and a map handle (caller).
            let m = match unsafe { MapRef::of(t, h) } {
                Ok(m) => m,
                Err(_) => return ptr::null_mut(),
            };
            // SAFETY: forwarded (caller); the map is not NULL (above).
            c_string(unsafe {
                match m {
                    MapRef::Classic(t, h) => runtime::dump::dump_string(t, h),
                    MapRef::Swiss(st, m) => swiss::dump(st, &*m),
                }
            })
        },
    )
}

/// Frees a string from `gomap_check` or `gomap_dump` (NULL is a no-op).
///
/// # Safety
/// `s` is NULL or such a string, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn gomap_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: from CString::into_raw in c_string, freed once (caller).
        drop(unsafe { CString::from_raw(s) });
    }
}
