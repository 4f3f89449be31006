//! The map entry points: make and free, `len`, lookups, writes (assign, insert,
//! delete, clear), each for the map type's engine (`src/ffi/engine.rs`).

use core::ffi::{c_int, c_void};
use core::ptr;

use super::engine::{swiss_map_handle, Handle, MapHandle, MapRef};
use super::error::{enter, fail, fail_runtime, guard_code, InUse};
use super::error::{GOMAP_ERR_INVALID_ARG, GOMAP_OK};
use super::{gomap_map, gomap_maptype};
use crate::base::guard::defer;
use crate::base::malloc::{self, zero_val};
use crate::base::panic::RuntimeError;
use crate::runtime;
use crate::swiss::{self, SwissMapType};

/// Makes a map (`make(map[K]E, hint)`); a negative hint is ignored. The header comes
/// from the type's allocator. On success `*out` is the map. A map type of a Swiss
/// release makes a Swiss map (`runtime.makemap` of Go 1.24 on: the hash seed is drawn
/// from the calling thread's ChaCha8 generator, see `gomap_seed_thread_chacha8`).
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
        // SAFETY: a live type (caller).
        let h = match unsafe { &(*t).swiss } {
            // SAFETY: a live type (caller); a null header asks makemap to allocate one.
            None => unsafe { runtime::makemap(&(*t).mt, hint, ptr::null_mut()) },
            Some(st) => swiss_map_handle(make_swiss(st, hint)),
        };
        // SAFETY: writable (caller).
        unsafe { *out = h };
        GOMAP_OK
    })
}

/// `swiss::runtime::makemap` with the header moved into memory from the type's
/// allocator, as the classic header is (`runtime::makemap`).
fn make_swiss(st: &SwissMapType, hint: isize) -> *mut swiss::Map {
    let (size, align) = (size_of::<swiss::Map>(), align_of::<swiss::Map>());
    // SAFETY: a Map has non-zero size and a power-of-two alignment.
    let p = unsafe { st.alloc().alloc(size, align) }.cast::<swiss::Map>();
    // SAFETY: `p` came from this allocator with this layout and holds no map yet.
    let undo = defer(|| unsafe { st.alloc().dealloc(p.cast(), size, align) });
    let m = swiss::runtime::makemap(st, hint);
    undo.disarm();
    // SAFETY: fresh memory, aligned for a Map. Nothing points into the map yet (an
    // iterator is the only thing that will), so moving it out of its box is fine.
    unsafe { p.write(*m) };
    p
}

/// Frees a Swiss map from [`make_swiss`]: its tables and groups, then its header.
///
/// # Safety
/// `m` is a live map of `st` from `make_swiss`, without live iterators, not used after.
unsafe fn free_swiss(st: &SwissMapType, m: *mut swiss::Map) {
    // SAFETY: a live map of `st` (caller); dropping it in place frees its contents once
    // (`Map`'s `Drop`), then the header goes back to the allocator it came from.
    unsafe {
        ptr::drop_in_place(m);
        st.alloc()
            .dealloc(m.cast(), size_of::<swiss::Map>(), align_of::<swiss::Map>());
    }
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
        // SAFETY: a live type and a map handle (caller).
        let m = match unsafe { MapRef::of(t, h) } {
            Ok(m) => m,
            Err(c) => return c,
        };
        let _use = enter!(h, true);
        match m {
            // SAFETY: forwarded (caller).
            MapRef::Classic(t, h) => unsafe { runtime::mapfree(t, h) },
            // SAFETY: forwarded (caller).
            MapRef::Swiss(st, m) if !m.is_null() => unsafe { free_swiss(st, m) },
            MapRef::Swiss(..) => {}
        }
        GOMAP_OK
    })
}

/// Number of entries (`len(m)`); 0 for NULL.
///
/// # Safety
/// `h` is NULL or a live map.
#[no_mangle]
pub unsafe extern "C" fn gomap_len(h: *const gomap_map) -> usize {
    match MapHandle::of(h) {
        Handle::Classic(h) if h.is_null() => 0,
        // SAFETY: a live map (caller); `count` is a plain field read.
        Handle::Classic(h) => unsafe { (*h).count },
        // SAFETY: a live map (caller); `used` is a plain field read.
        Handle::Swiss(m) => unsafe { swiss::runtime::maplen(m) },
    }
}

/// Whether the map is in the middle of growing (Go's `h.growing()`): old buckets may
/// still hold copies of deleted keys (see the module notes). False for NULL, and always
/// false for a Swiss map, which grows a table at once (there is no incremental
/// evacuation; a table an iterator still walks is freed when the last iterator is).
///
/// # Safety
/// `h` is NULL or a live map.
#[no_mangle]
pub unsafe extern "C" fn gomap_growing(h: *const gomap_map) -> bool {
    match MapHandle::of(h) {
        // SAFETY: a live map (caller); `oldbuckets` is a plain field read.
        Handle::Classic(h) => !h.is_null() && unsafe { (*h).growing() },
        Handle::Swiss(_) => false,
    }
}

/// Looks `key` up (`v, ok := m[key]`). `*elem` becomes the entry's elem, or, when the key
/// is absent, Go's read-only zero value (NULL for elems over 1024 bytes); `*found` (if
/// `found` is not NULL) says which. A NULL map finds nothing. A Swiss map is read through
/// the lookup Go's compiler picks for the map type (`mapaccess2_fast32`, `_fast64`,
/// `_faststr` or `mapaccess2`).
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
        // SAFETY: a live type and a map handle, NULL or live (caller).
        let m = match unsafe { MapRef::for_read(t, h) } {
            Ok(m) => m,
            Err(c) => return c,
        };
        let _use = enter!(h, false);
        // SAFETY: a live map of type `t` and a key of `t` (caller).
        let (mut e, ok) = unsafe {
            match m {
                MapRef::Classic(t, h) => runtime::mapaccess2(t, h, key.cast()),
                MapRef::Swiss(st, m) => swiss::runtime::mapaccess2_compiled(st, m, key.cast()),
            }
        };
        // SAFETY: a live type.
        if !ok && unsafe { (*t).mt.elem.size } > malloc::MAX_ZERO {
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

/// Looks `key` up and returns the stored key and elem (`mapaccessK`; Go's
/// `Map.getWithKey` for a Swiss map), or NULLs when absent: lets an embedder release what
/// a stored key owns before deleting it.
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
        // SAFETY: a live type and a map handle, NULL or live (caller).
        let m = match unsafe { MapRef::for_read(t, h) } {
            Ok(m) => m,
            Err(c) => return c,
        };
        let _use = enter!(h, false);
        // SAFETY: as in gomap_access.
        let (k, e) = unsafe {
            match m {
                MapRef::Classic(t, h) => runtime::mapaccessK(t, h, key.cast()),
                MapRef::Swiss(_, m) if m.is_null() => (ptr::null_mut(), ptr::null_mut()),
                MapRef::Swiss(st, m) => {
                    let (k, e, _) = (*m).getWithKey(st, key.cast());
                    (k, e)
                }
            }
        };
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
/// elem is zero. A Swiss map is written through the assignment Go's compiler picks for
/// the map type (`mapassign_fast32`, `_fast64`, `_faststr` or `mapassign`).
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
unsafe fn assign(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: *const c_void,
) -> Result<*mut u8, c_int> {
    if h.is_null() {
        return Err(fail_runtime(RuntimeError::NilMapWrite));
    }
    // SAFETY: a live type and a live map handle (caller).
    let m = unsafe { MapRef::for_write(t, h) }?;
    let _use = InUse::enter(h as *const c_void, true)?;
    // SAFETY: a live map of type `t`, a key of `t`, exclusive use (caller).
    Ok(unsafe {
        match m {
            MapRef::Classic(t, h) => runtime::mapassign(t, h, key.cast()),
            MapRef::Swiss(st, m) => swiss::runtime::mapassign_compiled(st, m, key.cast()),
        }
    })
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
                unsafe { ptr::copy(elem.cast::<u8>(), e, (*t).mt.elem.size) };
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
        // SAFETY: a live type and a map handle, NULL or live (caller).
        let m = match unsafe { MapRef::for_write(t, h) } {
            Ok(m) => m,
            Err(c) => return c,
        };
        let _use = enter!(h, true);
        // SAFETY: a live map (or NULL) of type `t`, a key, exclusive use (caller).
        unsafe {
            match m {
                MapRef::Classic(t, h) => runtime::mapdelete(t, h, key.cast()),
                MapRef::Swiss(st, m) => swiss::runtime::mapdelete(st, m, key.cast()),
            }
        }
        GOMAP_OK
    })
}

/// Removes every entry, keeping the bucket array (`mapclear`; a Swiss map keeps its
/// tables). No-op for NULL.
///
/// # Safety
/// `t` is the map's type; `h` is NULL or live; no other thread uses the map.
#[no_mangle]
pub unsafe extern "C" fn gomap_clear(t: *const gomap_maptype, h: *mut gomap_map) -> c_int {
    guard_code(|| {
        if t.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t is NULL");
        }
        // SAFETY: a live type and a map handle, NULL or live (caller).
        let m = match unsafe { MapRef::for_write(t, h) } {
            Ok(m) => m,
            Err(c) => return c,
        };
        let _use = enter!(h, true);
        // SAFETY: forwarded (caller).
        unsafe {
            match m {
                MapRef::Classic(t, h) => runtime::mapclear(t, h),
                MapRef::Swiss(st, m) => swiss::runtime::mapclear(st, m),
            }
        }
        GOMAP_OK
    })
}
