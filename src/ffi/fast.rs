//! The typed entry points: lookups and writes with the key passed by value, through the
//! functions Go's compiler calls for the key type (`walk.mapfast`), on either engine.
//!
//! `gomap_access` and the other generic entry points take a pointer to the key. On a
//! classic map they call the generic runtime functions (`mapaccess2`, `mapassign`,
//! `mapdelete`), which hash and compare through the map type's function pointers. The
//! entry points here take the key itself, a `uint32_t`, a `uint64_t` or a string's bytes
//! and length, and call what Go's compiled code calls for `m[k]`, `v, ok := m[k]`,
//! `m[k] = v` and `delete(m, k)` on a map of that key type:
//!
//! | entry points | Go's keys (`walk.mapfast`) | classic map | Swiss map |
//! |---|---|---|---|
//! | `gomap_*_u32` | 4 bytes of plain memory: `int32`, `uint32`, `[4]byte`, ... | `mapaccess1/2_fast32`, `mapassign_fast32` (`_fast32ptr` for a pointer), `mapdelete_fast32` | `runtime_mapaccess1/2_fast32`, `runtime_mapassign_fast32`, `runtime_mapdelete_fast32` |
//! | `gomap_*_u64` | 8 bytes of plain memory or a pointer (64-bit targets): `int64`, `uint64`, `int`, `uint`, `uintptr`, pointers, `[8]byte`, ... | the `_fast64` functions (`mapassign_fast64ptr` for a pointer) | the `_fast64` functions |
//! | `gomap_*_str` | `string` | the `_faststr` functions | the `_faststr` functions |
//!
//! Go's compiler keeps the fast functions for maps whose elem is at most 128 bytes; a
//! map type whose key and elem Go would not pass to the family of the entry point (a
//! `float64` key, an `int64` key with a larger elem, an embedder's key from
//! `gomap_maptype_new`, a key of the other size) is refused with
//! `GOMAP_ERR_INVALID_ARG`, before the map is touched. The checks, codes and re-entry
//! rules are those of the generic entry points.
//!
//! The bytes of the map are Go's compiled code's, which can differ from what the generic
//! entry points leave: on a classic `map[string]E`, `mapdelete_faststr` clears only the
//! deleted key's data pointer and keeps its length, where `mapdelete` clears the whole
//! key (`src/runtime/dispatch.rs`). On a Swiss map the generic entry points already
//! assign and look up through the fast functions, and deletes leave the same bytes.

use core::ffi::{c_int, c_void};
use core::ptr;

use super::engine::MapRef;
use super::error::{enter, fail, fail_runtime, guard_code, InUse};
use super::error::{GOMAP_ERR_INVALID_ARG, GOMAP_OK};
use super::{gomap_map, gomap_maptype};
use crate::base::panic::RuntimeError;
use crate::maptype::{GoString, MapFast};
use crate::runtime;
use crate::swiss;

/// A key passed by value to a typed entry point: the fast family Go's compiler routes it
/// through, and that family's functions on each engine.
trait TypedKey: Copy {
    /// The family's name, for the error of a map type of another family.
    const FAMILY: &'static str;

    /// Whether a map type of Go's family `f` takes keys of this entry point.
    fn fits(f: MapFast) -> bool;

    /// `v := m[k]` (`mapaccess1_fast*`).
    ///
    /// # Safety
    /// The map of `m` is NULL or live, of a map type that [`TypedKey::fits`].
    unsafe fn access1(m: &MapRef<'_>, key: Self) -> *mut u8;

    /// `v, ok := m[k]` (`mapaccess2_fast*`).
    ///
    /// # Safety
    /// As [`TypedKey::access1`].
    unsafe fn access2(m: &MapRef<'_>, key: Self) -> (*mut u8, bool);

    /// `m[k] = ...` (`mapassign_fast*`): the elem slot.
    ///
    /// # Safety
    /// As [`TypedKey::access1`]; the map is not NULL; no other thread uses it.
    unsafe fn assign(m: &MapRef<'_>, key: Self) -> *mut u8;

    /// `delete(m, k)` (`mapdelete_fast*`).
    ///
    /// # Safety
    /// As [`TypedKey::access1`]; no other thread uses the map.
    unsafe fn delete(m: &MapRef<'_>, key: Self);
}

/// The `TypedKey` of an integer key: its family's functions, Go's `_fast32` or `_fast64`
/// ones on each engine. A classic map of pointer keys is assigned through the family's
/// `ptr` function, as Go's compiler does (`walk.mapfast`), with the key's bits as the
/// pointer (4-byte pointers exist only on 32-bit targets, 8-byte ones on 64-bit).
macro_rules! int_typed_key {
    ($t:ty, $family:literal, $fast:ident, $fastptr:ident, $swiss:ident,
     $access1:ident, $access2:ident, $assign:ident, $assignptr:ident, $delete:ident) => {
        impl TypedKey for $t {
            const FAMILY: &'static str = $family;

            fn fits(f: MapFast) -> bool {
                matches!(f, MapFast::$fast | MapFast::$fastptr)
            }

            #[inline(always)]
            unsafe fn access1(m: &MapRef<'_>, key: $t) -> *mut u8 {
                // SAFETY: a map of this family, NULL or live (caller).
                unsafe {
                    match *m {
                        MapRef::Classic(t, h) => runtime::$access1(t, h, key),
                        MapRef::Swiss(st, m) => swiss::$swiss::$access1(st, m, key),
                    }
                }
            }

            #[inline(always)]
            unsafe fn access2(m: &MapRef<'_>, key: $t) -> (*mut u8, bool) {
                // SAFETY: a map of this family, NULL or live (caller).
                unsafe {
                    match *m {
                        MapRef::Classic(t, h) => runtime::$access2(t, h, key),
                        MapRef::Swiss(st, m) => swiss::$swiss::$access2(st, m, key),
                    }
                }
            }

            #[inline(always)]
            unsafe fn assign(m: &MapRef<'_>, key: $t) -> *mut u8 {
                // SAFETY: a live map of this family, used by this thread alone (caller);
                // a pointer key's bits are a pointer of the target (above).
                unsafe {
                    match *m {
                        MapRef::Classic(t, h) if t.fast() == MapFast::$fastptr => {
                            runtime::$assignptr(t, h, key as usize as *mut u8)
                        }
                        MapRef::Classic(t, h) => runtime::$assign(t, h, key),
                        MapRef::Swiss(st, m) => swiss::$swiss::$assign(st, m, key),
                    }
                }
            }

            #[inline(always)]
            unsafe fn delete(m: &MapRef<'_>, key: $t) {
                // SAFETY: a map of this family, NULL or live, used by this thread alone
                // (caller).
                unsafe {
                    match *m {
                        MapRef::Classic(t, h) => runtime::$delete(t, h, key),
                        MapRef::Swiss(st, m) => swiss::$swiss::$delete(st, m, key),
                    }
                }
            }
        }
    };
}

int_typed_key!(
    u32,
    "fast32",
    Fast32,
    Fast32Ptr,
    fast32,
    mapaccess1_fast32,
    mapaccess2_fast32,
    mapassign_fast32,
    mapassign_fast32ptr,
    mapdelete_fast32
);
int_typed_key!(
    u64,
    "fast64",
    Fast64,
    Fast64Ptr,
    fast64,
    mapaccess1_fast64,
    mapaccess2_fast64,
    mapassign_fast64,
    mapassign_fast64ptr,
    mapdelete_fast64
);

impl TypedKey for GoString {
    const FAMILY: &'static str = "faststr";

    fn fits(f: MapFast) -> bool {
        f == MapFast::FastStr
    }

    #[inline(always)]
    unsafe fn access1(m: &MapRef<'_>, key: GoString) -> *mut u8 {
        // SAFETY: a map of this family, NULL or live; the key's bytes readable (caller).
        unsafe {
            match *m {
                MapRef::Classic(t, h) => runtime::mapaccess1_faststr(t, h, key),
                MapRef::Swiss(st, m) => swiss::faststr::mapaccess1_faststr(st, m, key),
            }
        }
    }

    #[inline(always)]
    unsafe fn access2(m: &MapRef<'_>, key: GoString) -> (*mut u8, bool) {
        // SAFETY: a map of this family, NULL or live; the key's bytes readable (caller).
        unsafe {
            match *m {
                MapRef::Classic(t, h) => runtime::mapaccess2_faststr(t, h, key),
                MapRef::Swiss(st, m) => swiss::faststr::mapaccess2_faststr(st, m, key),
            }
        }
    }

    #[inline(always)]
    unsafe fn assign(m: &MapRef<'_>, key: GoString) -> *mut u8 {
        // SAFETY: a live map of this family, used by this thread alone; the key's bytes
        // outlive its stay in the map (caller).
        unsafe {
            match *m {
                MapRef::Classic(t, h) => runtime::mapassign_faststr(t, h, key),
                MapRef::Swiss(st, m) => swiss::faststr::mapassign_faststr(st, m, key),
            }
        }
    }

    #[inline(always)]
    unsafe fn delete(m: &MapRef<'_>, key: GoString) {
        // SAFETY: a map of this family, NULL or live, used by this thread alone; the
        // key's bytes readable (caller).
        unsafe {
            match *m {
                MapRef::Classic(t, h) => runtime::mapdelete_faststr(t, h, key),
                MapRef::Swiss(st, m) => swiss::faststr::mapdelete_faststr(st, m, key),
            }
        }
    }
}

/// The name of the functions Go's compiler calls for a map type of family `f`.
fn family_name(f: MapFast) -> &'static str {
    match f {
        MapFast::Slow => "the generic mapaccess, mapassign and mapdelete",
        MapFast::Fast32 | MapFast::Fast32Ptr => "the fast32 functions",
        MapFast::Fast64 | MapFast::Fast64Ptr => "the fast64 functions",
        MapFast::FastStr => "the faststr functions",
    }
}

/// Fails with `GOMAP_ERR_INVALID_ARG` unless the map type `t` is of `K`'s fast family
/// (as Go's compiler would pick it for the key and elem types).
///
/// # Safety
/// `t` is a live map type.
#[inline(always)]
unsafe fn check_family<K: TypedKey>(t: *const gomap_maptype, entry: &str) -> Result<(), c_int> {
    // SAFETY: live (caller); a plain field read.
    let f = unsafe { (*t).mt.fast() };
    if K::fits(f) {
        return Ok(());
    }
    Err(fail(
        GOMAP_ERR_INVALID_ARG,
        &format!(
            "{entry}: the map type's key is not one Go's compiler passes to the {} \
             functions (it calls {} for this key and elem)",
            K::FAMILY,
            family_name(f)
        ),
    ))
}

/// The key of a `_str` entry point: the string header over `len` bytes at `ptr`, which
/// may be NULL for the empty string only.
fn str_key(ptr: *const c_void, len: usize, entry: &str) -> Result<GoString, c_int> {
    if ptr.is_null() && len != 0 {
        return Err(fail(
            GOMAP_ERR_INVALID_ARG,
            &format!("{entry}: key is NULL with a non-zero length"),
        ));
    }
    Ok(GoString {
        ptr: ptr.cast(),
        len,
    })
}

/// The typed lookup: `gomap_access`'s checks, then `mapaccess1_fast*` (`found` NULL, Go's
/// `v := m[k]`) or `mapaccess2_fast*` (`v, ok := m[k]`).
///
/// # Safety
/// As `gomap_access_u64`.
#[inline(always)]
unsafe fn access<K: TypedKey>(
    t: *const gomap_maptype,
    h: *const gomap_map,
    key: Result<K, c_int>,
    elem: *mut *mut c_void,
    found: *mut bool,
    entry: &str,
) -> c_int {
    if t.is_null() || elem.is_null() {
        return fail(GOMAP_ERR_INVALID_ARG, "t and elem must not be NULL");
    }
    let key = match key {
        Ok(k) => k,
        Err(c) => return c,
    };
    // SAFETY: a live type (caller).
    if let Err(c) = unsafe { check_family::<K>(t, entry) } {
        return c;
    }
    // SAFETY: a live type and a map handle, NULL or live (caller).
    let m = match unsafe { MapRef::for_read(t, h) } {
        Ok(m) => m,
        Err(c) => return c,
    };
    let _use = enter!(h, false);
    // SAFETY: a map of `t`, NULL or live, whose family takes K (checked); the key's
    // bytes are readable (caller).
    let (e, ok) = unsafe {
        if found.is_null() {
            (K::access1(&m, key), false)
        } else {
            K::access2(&m, key)
        }
    };
    // SAFETY: writable (caller).
    unsafe {
        *elem = e.cast();
        if !found.is_null() {
            *found = ok;
        }
    }
    GOMAP_OK
}

/// The typed `mapassign` with the misuse checks of `gomap_assign` done first.
///
/// # Safety
/// As `gomap_assign_u64`.
#[inline(always)]
unsafe fn assign<K: TypedKey>(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: Result<K, c_int>,
    entry: &str,
) -> Result<*mut u8, c_int> {
    let key = key?;
    // SAFETY: a live type (caller).
    unsafe { check_family::<K>(t, entry) }?;
    if h.is_null() {
        return Err(fail_runtime(RuntimeError::NilMapWrite));
    }
    // SAFETY: a live type and a live map handle (caller).
    let m = unsafe { MapRef::for_write(t, h) }?;
    let _use = InUse::enter(h as *const c_void, true)?;
    // SAFETY: a live map of `t` whose family takes K (checked), used by this thread
    // alone; a string key's bytes outlive its stay in the map (caller).
    Ok(unsafe { K::assign(&m, key) })
}

/// The typed `gomap_assign`.
///
/// # Safety
/// As `gomap_assign_u64`.
#[inline(always)]
unsafe fn assign_out<K: TypedKey>(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: Result<K, c_int>,
    elem: *mut *mut c_void,
    entry: &str,
) -> c_int {
    if t.is_null() || elem.is_null() {
        return fail(GOMAP_ERR_INVALID_ARG, "t and elem must not be NULL");
    }
    // SAFETY: forwarded (caller).
    match unsafe { assign(t, h, key, entry) } {
        Ok(e) => {
            // SAFETY: writable (caller).
            unsafe { *elem = e.cast() };
            GOMAP_OK
        }
        Err(c) => c,
    }
}

/// The typed `gomap_insert`.
///
/// # Safety
/// As `gomap_insert_u64`.
#[inline(always)]
unsafe fn insert<K: TypedKey>(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: Result<K, c_int>,
    elem: *const c_void,
    entry: &str,
) -> c_int {
    if t.is_null() || elem.is_null() {
        return fail(GOMAP_ERR_INVALID_ARG, "t and elem must not be NULL");
    }
    // SAFETY: forwarded (caller).
    match unsafe { assign(t, h, key, entry) } {
        Ok(e) => {
            // SAFETY: `e` is the entry's elem, elem.size writable bytes; `elem` is an
            // elem of `t` outside the map (caller).
            unsafe { ptr::copy(elem.cast::<u8>(), e, (*t).mt.elem.size) };
            GOMAP_OK
        }
        Err(c) => c,
    }
}

/// The typed `gomap_delete`.
///
/// # Safety
/// As `gomap_delete_u64`.
#[inline(always)]
unsafe fn delete<K: TypedKey>(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: Result<K, c_int>,
    entry: &str,
) -> c_int {
    if t.is_null() {
        return fail(GOMAP_ERR_INVALID_ARG, "t is NULL");
    }
    let key = match key {
        Ok(k) => k,
        Err(c) => return c,
    };
    // SAFETY: a live type (caller).
    if let Err(c) = unsafe { check_family::<K>(t, entry) } {
        return c;
    }
    // SAFETY: a live type and a map handle, NULL or live (caller).
    let m = match unsafe { MapRef::for_write(t, h) } {
        Ok(m) => m,
        Err(c) => return c,
    };
    let _use = enter!(h, true);
    // SAFETY: a map of `t`, NULL or live, whose family takes K (checked), used by this
    // thread alone; the key's bytes are readable (caller).
    unsafe { K::delete(&m, key) };
    GOMAP_OK
}

// The entry points, one per key family and operation, each a call of the generic
// function above. They are written out rather than made by a macro: cbindgen reads the
// source as written and would leave macro-made functions out of the header.

/// `gomap_access` with a 4-byte key by value (`int32`, `uint32`, ...: Go's fast32 keys),
/// through `mapaccess2_fast32`, or `mapaccess1_fast32` when `found` is NULL.
/// `GOMAP_ERR_INVALID_ARG` when the map type is not of the fast32 family (see
/// `src/ffi/fast.rs`).
///
/// # Safety
/// As `gomap_access`.
#[no_mangle]
pub unsafe extern "C" fn gomap_access_u32(
    t: *const gomap_maptype,
    h: *const gomap_map,
    key: u32,
    elem: *mut *mut c_void,
    found: *mut bool,
) -> c_int {
    // SAFETY: forwarded (caller).
    guard_code(|| unsafe { access(t, h, Ok(key), elem, found, "gomap_access_u32") })
}

/// `gomap_assign` with a 4-byte key by value, through `mapassign_fast32`.
///
/// # Safety
/// As `gomap_assign`.
#[no_mangle]
pub unsafe extern "C" fn gomap_assign_u32(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: u32,
    elem: *mut *mut c_void,
) -> c_int {
    // SAFETY: forwarded (caller).
    guard_code(|| unsafe { assign_out(t, h, Ok(key), elem, "gomap_assign_u32") })
}

/// `gomap_insert` with a 4-byte key by value, through `mapassign_fast32`.
///
/// # Safety
/// As `gomap_insert`.
#[no_mangle]
pub unsafe extern "C" fn gomap_insert_u32(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: u32,
    elem: *const c_void,
) -> c_int {
    // SAFETY: forwarded (caller).
    guard_code(|| unsafe { insert(t, h, Ok(key), elem, "gomap_insert_u32") })
}

/// `gomap_delete` with a 4-byte key by value, through `mapdelete_fast32`.
///
/// # Safety
/// As `gomap_delete`.
#[no_mangle]
pub unsafe extern "C" fn gomap_delete_u32(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: u32,
) -> c_int {
    // SAFETY: forwarded (caller).
    guard_code(|| unsafe { delete(t, h, Ok(key), "gomap_delete_u32") })
}

/// `gomap_access` with an 8-byte key by value (`int64`, `uint64`, `int`, `uintptr`, a
/// pointer's bits, ...: Go's fast64 keys), through `mapaccess2_fast64`, or
/// `mapaccess1_fast64` when `found` is NULL. `GOMAP_ERR_INVALID_ARG` when the map type
/// is not of the fast64 family (see `src/ffi/fast.rs`).
///
/// # Safety
/// As `gomap_access`.
#[no_mangle]
pub unsafe extern "C" fn gomap_access_u64(
    t: *const gomap_maptype,
    h: *const gomap_map,
    key: u64,
    elem: *mut *mut c_void,
    found: *mut bool,
) -> c_int {
    // SAFETY: forwarded (caller).
    guard_code(|| unsafe { access(t, h, Ok(key), elem, found, "gomap_access_u64") })
}

/// `gomap_assign` with an 8-byte key by value, through `mapassign_fast64` (or
/// `mapassign_fast64ptr` for a pointer key).
///
/// # Safety
/// As `gomap_assign`.
#[no_mangle]
pub unsafe extern "C" fn gomap_assign_u64(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: u64,
    elem: *mut *mut c_void,
) -> c_int {
    // SAFETY: forwarded (caller).
    guard_code(|| unsafe { assign_out(t, h, Ok(key), elem, "gomap_assign_u64") })
}

/// `gomap_insert` with an 8-byte key by value, through `mapassign_fast64` (or
/// `mapassign_fast64ptr`).
///
/// # Safety
/// As `gomap_insert`.
#[no_mangle]
pub unsafe extern "C" fn gomap_insert_u64(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: u64,
    elem: *const c_void,
) -> c_int {
    // SAFETY: forwarded (caller).
    guard_code(|| unsafe { insert(t, h, Ok(key), elem, "gomap_insert_u64") })
}

/// `gomap_delete` with an 8-byte key by value, through `mapdelete_fast64`.
///
/// # Safety
/// As `gomap_delete`.
#[no_mangle]
pub unsafe extern "C" fn gomap_delete_u64(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: u64,
) -> c_int {
    // SAFETY: forwarded (caller).
    guard_code(|| unsafe { delete(t, h, Ok(key), "gomap_delete_u64") })
}

/// `gomap_access` with a string key given as its `key_len` bytes at `key` (`char`s or
/// `uint8_t`s; NULL only when `key_len` is 0), through `mapaccess2_faststr`, or `mapaccess1_faststr` when
/// `found` is NULL. `GOMAP_ERR_INVALID_ARG` when the map type is not of the faststr
/// family (a `GOMAP_KIND_STRING` key with an elem of at most 128 bytes).
///
/// # Safety
/// As `gomap_access`; `key` is NULL or `key_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gomap_access_str(
    t: *const gomap_maptype,
    h: *const gomap_map,
    key: *const c_void,
    key_len: usize,
    elem: *mut *mut c_void,
    found: *mut bool,
) -> c_int {
    guard_code(|| {
        let k = str_key(key, key_len, "gomap_access_str");
        // SAFETY: forwarded (caller).
        unsafe { access(t, h, k, elem, found, "gomap_access_str") }
    })
}

/// `gomap_assign` with a string key given as its bytes, through `mapassign_faststr`. The
/// map stores the string header (`key`, `key_len`), not a copy of the bytes: they must
/// stay as long as a `gomap_string` key's (see `src/ffi.rs`). Overwriting an existing
/// key stores the new header over the old one, as Go does.
///
/// # Safety
/// As `gomap_assign`; `key` is NULL or `key_len` readable bytes, kept as said above.
#[no_mangle]
pub unsafe extern "C" fn gomap_assign_str(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: *const c_void,
    key_len: usize,
    elem: *mut *mut c_void,
) -> c_int {
    guard_code(|| {
        let k = str_key(key, key_len, "gomap_assign_str");
        // SAFETY: forwarded (caller).
        unsafe { assign_out(t, h, k, elem, "gomap_assign_str") }
    })
}

/// `gomap_insert` with a string key given as its bytes, through `mapassign_faststr`
/// (the bytes are kept as for `gomap_assign_str`).
///
/// # Safety
/// As `gomap_insert`; `key` as for `gomap_assign_str`.
#[no_mangle]
pub unsafe extern "C" fn gomap_insert_str(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: *const c_void,
    key_len: usize,
    elem: *const c_void,
) -> c_int {
    guard_code(|| {
        let k = str_key(key, key_len, "gomap_insert_str");
        // SAFETY: forwarded (caller).
        unsafe { insert(t, h, k, elem, "gomap_insert_str") }
    })
}

/// `gomap_delete` with a string key given as its bytes, through `mapdelete_faststr`: on
/// a classic map the deleted slot keeps the key's length (only its data pointer is
/// cleared), as in Go's compiled code.
///
/// # Safety
/// As `gomap_delete`; `key` is NULL or `key_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gomap_delete_str(
    t: *const gomap_maptype,
    h: *mut gomap_map,
    key: *const c_void,
    key_len: usize,
) -> c_int {
    guard_code(|| {
        let k = str_key(key, key_len, "gomap_delete_str");
        // SAFETY: forwarded (caller).
        unsafe { delete(t, h, k, "gomap_delete_str") }
    })
}
