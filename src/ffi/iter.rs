//! The iterator entry points (`for k, v := range m`).

use core::ffi::{c_int, c_void};
use core::ptr;

use super::error::{enter, fail, guard, guard_code, writing, InUse};
use super::error::{GOMAP_ERR_INVALID_ARG, GOMAP_OK};
use super::{gomap_iter, gomap_map, gomap_maptype};
use crate::base::panic::RuntimeError;
use crate::runtime::{self, Hiter};

/// Starts an iteration (`for k, v := range m`) at a random entry. `*out` is the
/// iterator; `gomap_iter_key` is NULL when there is no (more) entry. The map may be
/// written during the iteration, with Go's guarantees (an entry deleted before it is
/// reached is not produced; one added may or may not be).
///
/// # Safety
/// `t` is the map's type; `h` is NULL or live and outlives the iterator; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_iter_init(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    out: *mut *mut gomap_iter,
) -> c_int {
    guard_code(|| {
        if t.is_null() || out.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t and out must not be NULL");
        }
        // SAFETY: live (caller).
        if let Some(c) = unsafe { writing(h, RuntimeError::ConcurrentReadWrite) } {
            return c;
        }
        let _use = enter!(h, false);
        let mut it = Box::new(Hiter::new());
        // SAFETY: a live map (or NULL) of type `t`, both outliving the iterator (caller);
        // the boxed iterator never moves.
        unsafe { runtime::mapiterinit(&*t, h, &mut it) };
        // SAFETY: writable (caller).
        unsafe { *out = Box::into_raw(it) };
        GOMAP_OK
    })
}

/// The current entry's key, or NULL when the iteration is over.
///
/// # Safety
/// `it` is a live iterator.
#[no_mangle]
pub unsafe extern "C" fn gomap_iter_key(it: *const gomap_iter) -> *const c_void {
    if it.is_null() {
        return ptr::null();
    }
    // SAFETY: live (caller).
    unsafe { (*it).key().cast() }
}

/// The current entry's elem, or NULL when the iteration is over.
///
/// # Safety
/// `it` is a live iterator.
#[no_mangle]
pub unsafe extern "C" fn gomap_iter_elem(it: *const gomap_iter) -> *mut c_void {
    if it.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: live (caller).
    unsafe { (*it).elem().cast() }
}

/// Advances to the next entry.
///
/// # Safety
/// `it` is a live iterator whose map and type are live; no other thread writes the map.
#[no_mangle]
pub unsafe extern "C" fn gomap_iter_next(it: *mut gomap_iter) -> c_int {
    guard_code(|| {
        if it.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "it is NULL");
        }
        // SAFETY: live (caller).
        let it = unsafe { &mut *it };
        if it.key().is_null() {
            return GOMAP_OK;
        }
        // SAFETY: an unfinished iterator's map is live (caller).
        if let Some(c) = unsafe { writing(it.h(), RuntimeError::ConcurrentReadWrite) } {
            return c;
        }
        let _use = enter!(it.h(), false);
        let _it = enter!(it as *const Hiter, true);
        // SAFETY: live iterator, map and type (caller).
        unsafe { runtime::mapiternext(it) };
        GOMAP_OK
    })
}

/// Frees an iterator (NULL is a no-op); an unfinished one stops holding back the map's
/// memory. Must happen before its map is freed.
///
/// # Safety
/// `it` is NULL or from `gomap_iter_init`, its map and type still live, not used after.
#[no_mangle]
pub unsafe extern "C" fn gomap_iter_free(it: *mut gomap_iter) {
    guard(
        |_| (),
        || {
            if !it.is_null() {
                // Not from a callback of the call advancing this iterator: the error is
                // left for gomap_last_error and the iterator stays.
                let Ok(_use) = InUse::enter(it as *const c_void, true) else {
                    return;
                };
                // SAFETY: from Box::into_raw in gomap_iter_init, freed once (caller); its
                // Drop unregisters it from its live map.
                drop(unsafe { Box::from_raw(it) });
            }
        },
    )
}
