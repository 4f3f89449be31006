//! The map type entry points: Go's own key and elem types (`gomap_maptype_go`), an
//! embedder's (`gomap_maptype_new`), a copy for another Go release, the layout, freeing.

use core::ffi::{c_char, c_int, c_void};

use super::descriptor::{allocator, go_kind, hand_out, rust_type};
use super::error::{
    fail, guard, guard_code, GOMAP_ERR_INVALID_ARG, GOMAP_ERR_INVALID_TYPE, GOMAP_OK,
};
use super::{gomap_allocator, gomap_hash_fn, gomap_layout, gomap_maptype, gomap_type};
use crate::maptype::release::ReleaseError;
use crate::maptype::{MapType, MapTypeFlags};
use crate::swiss::{Release, SwissMapType};

/// Makes the map type Go's compiler emits for `map[K]E`, K and E given by
/// `GOMAP_KIND_*` and a size: the size is N for `GOMAP_KIND_ARRAY` (`[N]byte`), the
/// struct size for `GOMAP_KIND_STRUCT`, and 0 (or the kind's own size) otherwise.
/// `alloc` may be NULL for the system allocator. On success `*out` is the new type.
///
/// # Safety
/// `alloc` is NULL or readable; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_maptype_go(
    key_kind: u8,
    key_size: usize,
    elem_kind: u8,
    elem_size: usize,
    alloc: *const gomap_allocator,
    out: *mut *mut gomap_maptype,
) -> c_int {
    guard_code(|| {
        if out.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "out is NULL");
        }
        let (k, e) = match (go_kind(key_kind, key_size), go_kind(elem_kind, elem_size)) {
            (Ok(k), Ok(e)) => (k, e),
            (Err(c), _) | (_, Err(c)) => return c,
        };
        // SAFETY: NULL or readable (caller).
        let a = match unsafe { allocator(alloc) } {
            Ok(a) => a,
            Err(c) => return c,
        };
        let t = MapType::for_go_types(k, e).map(|t| t.with_allocator(a));
        // SAFETY: writable (caller).
        unsafe { hand_out(t, out) }
    })
}

/// Makes a map type for embedder-defined key and elem types with the embedder's
/// hasher: laid out as Go lays out `map[K]E` (keys or elems over 128 bytes behind
/// pointers) and validated as Go's `reflect_makemap` does (`GOMAP_ERR_INVALID_TYPE`
/// with the reason otherwise). `flags` takes `GOMAP_FLAG_*`. `alloc` may be NULL.
///
/// # Safety
/// `key`, `elem` and `alloc` (if not NULL) are readable; `out` is writable; the
/// functions they name follow the contracts of their typedefs.
#[no_mangle]
pub unsafe extern "C" fn gomap_maptype_new(
    key: *const gomap_type,
    elem: *const gomap_type,
    hasher: gomap_hash_fn,
    flags: u32,
    alloc: *const gomap_allocator,
    out: *mut *mut gomap_maptype,
) -> c_int {
    guard_code(|| {
        if key.is_null() || elem.is_null() || out.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "key, elem and out must not be NULL");
        }
        let Some(hasher) = hasher else {
            return fail(GOMAP_ERR_INVALID_ARG, "hasher is NULL");
        };
        let Some(flags) = MapTypeFlags::from_bits(flags) else {
            return fail(
                GOMAP_ERR_INVALID_TYPE,
                &format!("unknown maptype flag bits {flags:#x}"),
            );
        };
        // SAFETY: readable (caller).
        let (k, e) = match unsafe { (rust_type(key), rust_type(elem)) } {
            (Ok(k), Ok(e)) => (k, e),
            (Err(c), _) | (_, Err(c)) => return c,
        };
        // SAFETY: NULL or readable (caller).
        let a = match unsafe { allocator(alloc) } {
            Ok(a) => a,
            Err(c) => return c,
        };
        // SAFETY: as for `equal` in rust_type: only pointee types differ.
        let hasher = unsafe {
            core::mem::transmute::<
                unsafe extern "C-unwind" fn(*const c_void, usize, *const gomap_type) -> usize,
                crate::maptype::HashFn,
            >(hasher)
        };
        // SAFETY: the C caller vouches for its hasher and equal (the header's contract
        // for `gomap_hash_fn` and `gomap_equal_fn` is the map type contract).
        let t = unsafe { MapType::new(k, e, hasher, flags) }.map(|t| t.with_allocator(a));
        // SAFETY: writable (caller).
        unsafe { hand_out(t, out) }
    })
}

/// A copy of map type `t` for the Go release named by `release` (a NUL-terminated
/// string; see the README's Go releases), whose maps follow that release's map code:
///
/// * "1.19", "1.21", "1.22", "1.23", "1.24-noswissmap": the classic bucketed map of
///   that release (Go 1.24 built with `GOEXPERIMENT=noswissmap`);
/// * "1.24", "1.25", "1.26", "1.27": the Swiss-table map, Go's default map of those
///   releases; "1.27-mapsplitgroup": Go 1.27's built with `GOEXPERIMENT=mapsplitgroup`
///   (each group's keys, then its elems). Every map and iterator function takes such
///   maps, with Go's semantics;
///   their hash seeds and iteration starts come from the calling thread's ChaCha8
///   generator (`gomap_seed_thread_chacha8`), and `gomap_dump` prints the Swiss dump
///   (`docs/swiss-dump.md`).
///
/// A "go" prefix and a patch release ("go1.21.13", "1.27.1") are accepted.
/// `GOMAP_ERR_INVALID_ARG` for NULL arguments or another release (the reason in
/// `gomap_last_error`). On success `*out` is the new type, freed with
/// `gomap_maptype_free`. The copy keeps `t`'s key and elem types, hasher, equal and
/// allocator, whichever release `t` was for.
///
/// # Safety
/// `t` is a live map type; `release` is a readable NUL-terminated string; `out` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_maptype_with_release(
    t: *const gomap_maptype,
    release: *const c_char,
    out: *mut *mut gomap_maptype,
) -> c_int {
    guard_code(|| {
        if t.is_null() || release.is_null() || out.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t, release and out must not be NULL");
        }
        // SAFETY: a readable NUL-terminated string (caller).
        let name = unsafe { core::ffi::CStr::from_ptr(release) }.to_string_lossy();
        // SAFETY: live (caller).
        let mt = unsafe { &(*t).mt };
        let copy = match Release::parse(&name) {
            Ok(Release::Classic(r)) => gomap_maptype::classic(mt.with_release(r)),
            Ok(Release::Swiss(r)) => gomap_maptype {
                mt: *mt,
                swiss: Some(SwissMapType::new(mt, r)),
            },
            Err(ReleaseError::Unsupported(_)) => {
                return fail(
                    GOMAP_ERR_INVALID_ARG,
                    &format!(
                        "Go release {name:?} is not supported (classic releases: 1.19, \
                         1.21, 1.22, 1.23, 1.24-noswissmap; Swiss releases: 1.24, 1.25, \
                         1.26, 1.27, 1.27-mapsplitgroup)"
                    ),
                )
            }
            Err(e) => return fail(GOMAP_ERR_INVALID_ARG, &e.to_string()),
        };
        // SAFETY: writable (caller).
        unsafe { *out = Box::into_raw(Box::new(copy)) };
        GOMAP_OK
    })
}

/// The layout of a map type. For a map type of a Swiss release, `keysize` and
/// `elemsize` are those of a slot's key and elem, and `bucketsize` is the size of a
/// group (Go's `GroupSize`: the 8-byte control word and 8 slots); the flags are the
/// same. Returns `GOMAP_ERR_INVALID_ARG` for NULL arguments.
///
/// # Safety
/// `t` is NULL or a live map type; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_maptype_layout(
    t: *const gomap_maptype,
    out: *mut gomap_layout,
) -> c_int {
    guard_code(|| {
        if t.is_null() || out.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "t and out must not be NULL");
        }
        // SAFETY: live and writable (caller).
        unsafe {
            let t = &*t;
            *out = match &t.swiss {
                None => gomap_layout {
                    keysize: t.mt.keysize,
                    elemsize: t.mt.elemsize,
                    bucketsize: t.mt.bucketsize,
                    flags: t.mt.flags.bits(),
                },
                // Slot sizes are at most 128 bytes (8 when indirect), a group at most
                // 8 + 8 * 256 bytes.
                Some(st) => gomap_layout {
                    keysize: st.keysize as u8,
                    elemsize: st.elemsize as u8,
                    bucketsize: st.GroupSize as u16,
                    flags: t.mt.flags.bits(),
                },
            };
        }
        GOMAP_OK
    })
}

/// Frees a map type (NULL is a no-op). Every map made from it must be freed first.
///
/// # Safety
/// `t` is NULL or a map type from this library, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn gomap_maptype_free(t: *mut gomap_maptype) {
    guard(
        |_| (),
        || {
            if !t.is_null() {
                // SAFETY: made by Box::into_raw in hand_out, freed once (caller).
                drop(unsafe { Box::from_raw(t) });
            }
        },
    )
}
