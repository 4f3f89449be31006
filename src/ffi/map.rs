//! The map entry points: make and free, `len`, lookups, writes (assign, insert,
//! delete, clear).

use core::ffi::{c_int, c_void};
use core::ptr;

use super::error::{enter, fail, fail_runtime, guard_code, writing, InUse};
use super::error::{GOMAP_ERR_INVALID_ARG, GOMAP_OK};
use super::{gomap_map, gomap_maptype};
use crate::base::malloc::{self, zero_val};
use crate::base::panic::RuntimeError;
use crate::maptype::MapType;
use crate::runtime::{self, Hmap};

/// Makes a map (`make(map[K]E, hint)`); a negative hint is ignored. The header comes
/// from the type's allocator. On success `*out` is the map.
///
/// # Safety
/// `t` is a live map type; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_make(
    t: *const gomap_maptype,
    hint: isize,
    out: *mut *mut gomap_map,
) -> c_int {
    guard_code(|| {
        if t.is_null() || out.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t and out must not be NULL");
        }
        // From here on the hash keys cannot change from safe code.
        crate::maptype::alg::note_safe_map();
        // SAFETY: a live type (caller); a null header asks makemap to allocate one.
        let h = unsafe { runtime::makemap(&*t, hint, ptr::null_mut()) };
        // SAFETY: writable (caller).
        unsafe { *out = h };
        GOMAP_OK
    })
}

/// Frees a map and everything it holds (NULL is a no-op). Its iterators must be freed
/// first. The keys' and elems' own resources are the caller's to release beforehand.
///
/// # Safety
/// `t` is the map's type; `h` is NULL or a map from `gomap_make`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn gomap_free(t: *const gomap_maptype, h: *mut gomap_map) -> c_int {
    guard_code(|| {
        if t.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t is NULL");
        }
        let _use = enter!(h, true);
        // SAFETY: forwarded (caller).
        unsafe { runtime::mapfree(&*t, h) };
        GOMAP_OK
    })
}

/// Number of entries (`len(m)`); 0 for NULL.
///
/// # Safety
/// `h` is NULL or a live map.
#[no_mangle]
pub unsafe extern "C" fn gomap_len(h: *const gomap_map) -> usize {
    if h.is_null() {
        0
    } else {
        // SAFETY: a live map (caller); `count` is a plain field read.
        unsafe { (*h).count }
    }
}

/// Whether the map is in the middle of growing (Go's `h.growing()`): old buckets may
/// still hold copies of deleted keys (see the module notes). False for NULL.
///
/// # Safety
/// `h` is NULL or a live map.
#[no_mangle]
pub unsafe extern "C" fn gomap_growing(h: *const gomap_map) -> bool {
    // SAFETY: a live map (caller); `oldbuckets` is a plain field read.
    !h.is_null() && unsafe { (*h).growing() }
}

/// Looks `key` up (`v, ok := m[key]`). `*elem` becomes the entry's elem, or, when the key
/// is absent, Go's read-only zero value (NULL for elems over 1024 bytes); `*found` (if
/// `found` is not NULL) says which. A NULL map finds nothing.
///
/// # Safety
/// `t` is the map's type; `h` is NULL or live; `key` points at a key of `t`; `elem` is
/// writable; `found` is NULL or writable. The elem must not be written when not found.
#[no_mangle]
pub unsafe extern "C" fn gomap_access(
    t: *const gomap_maptype,
    h: *const gomap_map,
    key: *const c_void,
    elem: *mut *mut c_void,
    found: *mut bool,
) -> c_int {
    guard_code(|| {
        if t.is_null() || key.is_null() || elem.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t, key and elem must not be NULL");
        }
        // SAFETY: live (caller).
        if let Some(c) = unsafe { writing(h, RuntimeError::ConcurrentReadWrite) } {
            return c;
        }
        let _use = enter!(h, false);
        // SAFETY: a live map of type `t` and a key of `t` (caller).
        let (mut e, ok) = unsafe { runtime::mapaccess2(&*t, h, key.cast()) };
        // SAFETY: a live type.
        if !ok && unsafe { (*t).elem.size } > malloc::MAX_ZERO {
            e = ptr::null_mut();
        }
        debug_assert!(ok || e.is_null() || e == zero_val());
        // SAFETY: writable (caller).
        unsafe {
            *elem = e.cast();
            if !found.is_null() {
                *found = ok;
            }
        }
        GOMAP_OK
    })
}

/// Looks `key` up and returns the stored key and elem (`mapaccessK`), or NULLs when
/// absent: lets an embedder release what a stored key owns before deleting it.
///
/// # Safety
/// As `gomap_access`; `stored_key` and `elem` are writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_access_key(
    t: *const gomap_maptype,
    h: *const gomap_map,
    key: *const c_void,
    stored_key: *mut *mut c_void,
    elem: *mut *mut c_void,
) -> c_int {
    guard_code(|| {
        if t.is_null() || key.is_null() || stored_key.is_null() || elem.is_null() {
            return fail(
                GOMAP_ERR_INVALID_ARG,
                "t, key, stored_key and elem must not be NULL",
            );
        }
        // SAFETY: live (caller).
        if let Some(c) = unsafe { writing(h, RuntimeError::ConcurrentReadWrite) } {
            return c;
        }
        let _use = enter!(h, false);
        // SAFETY: as in gomap_access.
        let (k, e) = unsafe { runtime::mapaccessK(&*t, h, key.cast()) };
        // SAFETY: writable (caller).
        unsafe {
            *stored_key = k.cast();
            *elem = e.cast();
        }
        GOMAP_OK
    })
}

/// Finds or adds the entry for `key` (copying the key's bytes in) and returns its elem in
/// `*elem` for the caller to write (`m[key] = v` is this plus the write). A new entry's
/// elem is zero.
///
/// # Safety
/// `t` is the map's type; `h` is NULL or live; `key` points at a key of `t`; `elem` is
/// writable. No other thread uses the map during the call.
#[no_mangle]
pub unsafe extern "C" fn gomap_assign(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: *const c_void,
    elem: *mut *mut c_void,
) -> c_int {
    guard_code(|| {
        if t.is_null() || key.is_null() || elem.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t, key and elem must not be NULL");
        }
        // SAFETY: forwarded (caller).
        match unsafe { assign(t, h, key) } {
            Ok(e) => {
                // SAFETY: writable (caller).
                unsafe { *elem = e.cast() };
                GOMAP_OK
            }
            Err(c) => c,
        }
    })
}

/// `mapassign` with the misuse checks done first.
///
/// # Safety
/// As `gomap_assign`.
unsafe fn assign(t: *const MapType, h: *mut Hmap, key: *const c_void) -> Result<*mut u8, c_int> {
    if h.is_null() {
        return Err(fail_runtime(RuntimeError::NilMapWrite));
    }
    // SAFETY: live (caller).
    if let Some(c) = unsafe { writing(h, RuntimeError::ConcurrentWrites) } {
        return Err(c);
    }
    let _use = InUse::enter(h as *const c_void, true)?;
    // SAFETY: a live map of type `t`, a key of `t`, exclusive use (caller).
    Ok(unsafe { runtime::mapassign(&*t, h, key.cast()) })
}

/// `m[key] = *elem`: copies the key's and the elem's bytes into the map.
///
/// # Safety
/// As `gomap_assign`; `elem` points at an elem of `t`.
#[no_mangle]
pub unsafe extern "C" fn gomap_insert(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: *const c_void,
    elem: *const c_void,
) -> c_int {
    guard_code(|| {
        if t.is_null() || key.is_null() || elem.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t, key and elem must not be NULL");
        }
        // SAFETY: forwarded (caller).
        match unsafe { assign(t, h, key) } {
            Ok(e) => {
                // SAFETY: `e` is the entry's elem, elem.size writable bytes; `elem` is an
                // elem of `t` outside the map (caller).
                unsafe { ptr::copy(elem.cast::<u8>(), e, (*t).elem.size) };
                GOMAP_OK
            }
            Err(c) => c,
        }
    })
}

/// `delete(m, key)`: no-op for an absent key or a NULL map.
///
/// # Safety
/// As `gomap_assign`.
#[no_mangle]
pub unsafe extern "C" fn gomap_delete(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: *const c_void,
) -> c_int {
    guard_code(|| {
        if t.is_null() || key.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t and key must not be NULL");
        }
        // SAFETY: live (caller).
        if let Some(c) = unsafe { writing(h, RuntimeError::ConcurrentWrites) } {
            return c;
        }
        let _use = enter!(h, true);
        // SAFETY: a live map (or NULL) of type `t`, a key, exclusive use (caller).
        unsafe { runtime::mapdelete(&*t, h, key.cast()) };
        GOMAP_OK
    })
}

/// Removes every entry, keeping the bucket array (`mapclear`). No-op for NULL.
///
/// # Safety
/// `t` is the map's type; `h` is NULL or live; no other thread uses the map.
#[no_mangle]
pub unsafe extern "C" fn gomap_clear(t: *const gomap_maptype, h: *mut gomap_map) -> c_int {
    guard_code(|| {
        if t.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t is NULL");
        }
        // SAFETY: live (caller).
        if let Some(c) = unsafe { writing(h, RuntimeError::ConcurrentWrites) } {
            return c;
        }
        let _use = enter!(h, true);
        // SAFETY: forwarded (caller).
        unsafe { runtime::mapclear(&*t, h) };
        GOMAP_OK
    })
}
