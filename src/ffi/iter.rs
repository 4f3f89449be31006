//! The iterator entry points (`for k, v := range m`), for the map type's engine.

use core::ffi::{c_int, c_void};
use core::ptr;

use super::engine::{swiss_iter_handle, swiss_map_handle, Handle, IterHandle, MapRef};
use super::error::{enter, fail, fail_runtime, guard, guard_code, InUse};
use super::error::{GOMAP_ERR_INVALID_ARG, GOMAP_OK};
use super::{gomap_iter, gomap_map, gomap_maptype};
use crate::base::panic::RuntimeError;
use crate::runtime::types::HASH_WRITING;
use crate::runtime::{self, Hiter};
use crate::swiss;

/// Starts an iteration (`for k, v := range m`) at a random entry. `*out` is the
/// iterator; `gomap_iter_key` is NULL when there is no (more) entry. The map may be
/// written during the iteration, with Go's guarantees (an entry deleted before it is
/// reached is not produced; one added may or may not be). A Swiss map is iterated as Go
/// 1.24 on does (`mapIterStart`: two random draws, from the calling thread's ChaCha8
/// generator, for the start; a table that grows meanwhile is walked in its old order).
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
        // SAFETY: a live type and a map handle, NULL or live (caller).
        let m = match unsafe { MapRef::for_read(t, h) } {
            Ok(m) => m,
            Err(c) => return c,
        };
        let _use = enter!(h, false);
        let it = match m {
            MapRef::Classic(t, h) => {
                let mut it = Box::new(Hiter::new());
                // SAFETY: a live map (or NULL) of type `t`, both outliving the iterator
                // (caller); the boxed iterator never moves.
                unsafe { runtime::mapiterinit(t, h, &mut it) };
                Box::into_raw(it)
            }
            MapRef::Swiss(st, m) => {
                let mut it = Box::new(swiss::Iter::new());
                // SAFETY: as above; `st` lives in the boxed map type, which outlives
                // the iterator (caller).
                unsafe { swiss::runtime::mapIterStart(st, m, &mut it) };
                swiss_iter_handle(Box::into_raw(it))
            }
        };
        // SAFETY: writable (caller).
        unsafe { *out = it };
        GOMAP_OK
    })
}

/// The current entry's key, or NULL when the iteration is over.
///
/// # Safety
/// `it` is a live iterator.
#[no_mangle]
pub unsafe extern "C" fn gomap_iter_key(it: *const gomap_iter) -> *const c_void {
    match IterHandle::of(it) {
        Handle::Classic(it) if it.is_null() => ptr::null(),
        // SAFETY: live (caller).
        Handle::Classic(it) => unsafe { (*it).key().cast() },
        // SAFETY: live (caller).
        Handle::Swiss(it) => unsafe { (*it).Key().cast() },
    }
}

/// The current entry's elem, or NULL when the iteration is over.
///
/// # Safety
/// `it` is a live iterator.
#[no_mangle]
pub unsafe extern "C" fn gomap_iter_elem(it: *const gomap_iter) -> *mut c_void {
    match IterHandle::of(it) {
        Handle::Classic(it) if it.is_null() => ptr::null_mut(),
        // SAFETY: live (caller).
        Handle::Classic(it) => unsafe { (*it).elem().cast() },
        // SAFETY: live (caller).
        Handle::Swiss(it) => unsafe { (*it).Elem().cast() },
    }
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
        match IterHandle::of(it) {
            Handle::Classic(i) => {
                // SAFETY: live (caller).
                let i = unsafe { &mut *i };
                if i.key().is_null() {
                    return GOMAP_OK;
                }
                let h = i.h();
                // SAFETY: an unfinished iterator's map is live (caller).
                if !h.is_null() && unsafe { (*h).flags() } & HASH_WRITING != 0 {
                    return fail_runtime(RuntimeError::ConcurrentReadWrite);
                }
                let _use = enter!(i.h(), false);
                let _it = enter!(it, true);
                // SAFETY: live iterator, map and type (caller).
                unsafe { runtime::mapiternext(i) };
            }
            Handle::Swiss(i) => {
                // SAFETY: live (caller).
                let i = unsafe { &mut *i };
                if i.Key().is_null() {
                    return GOMAP_OK;
                }
                // SAFETY: an unfinished iterator's map is live (caller).
                if !i.m.is_null() && unsafe { (*i.m).writing() } != 0 {
                    return fail_runtime(RuntimeError::ConcurrentReadWrite);
                }
                let _use = enter!(swiss_map_handle(i.m), false);
                let _it = enter!(it, true);
                // SAFETY: live iterator, map and type (caller).
                unsafe { swiss::runtime::mapIterNext(i) };
            }
        }
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
                match IterHandle::of(it) {
                    // SAFETY: from Box::into_raw in gomap_iter_init, freed once (caller);
                    // its Drop unregisters it from its live map.
                    Handle::Classic(i) => drop(unsafe { Box::from_raw(i) }),
                    // SAFETY: as above.
                    Handle::Swiss(i) => drop(unsafe { Box::from_raw(i) }),
                }
            }
        },
    )
}
