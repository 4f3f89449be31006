//! The C ABI for Go types beyond the scalar kinds: structs (with Go's offsets and
//! padding), arrays, interfaces, defined and uncomparable types, and map types over them
//! with the hash and equal functions Go's compiler generates (or `reflect.MapOf`'s
//! `typehash`).
//!
//! A `gomap_gotype` is an immutable descriptor that lives as long as the process (Go's
//! type descriptors never die either): nothing is freed, and building the same type twice
//! gives the same pointer. An interface key or value is two words,
//! `{ const gomap_gotype *type; const void *data }` (`data` points at the value; the
//! value itself for pointer types), the type NULL for a nil interface. Hashing an
//! interface whose dynamic type is not comparable fails with `GOMAP_ERR_PANIC` and Go's
//! words in `gomap_last_error` (`runtime error: hash of unhashable type []int64`).

use core::ffi::{c_char, c_int};
use std::ffi::CStr;

use super::descriptor::{allocator, go_kind, hand_out};
use super::error::{fail, guard_code, GOMAP_ERR_INVALID_ARG, GOMAP_OK};
use super::{gomap_allocator, gomap_maptype};
use crate::maptype::{spell, GoType, KeyHash, MapType};

/// A Go type descriptor (opaque; never freed).
pub type gomap_gotype = crate::maptype::TypeDesc;

/// # Safety
/// `t` is NULL or a descriptor from this API.
unsafe fn go(t: *const gomap_gotype) -> Result<GoType, c_int> {
    // SAFETY: NULL or a descriptor (caller).
    unsafe { GoType::from_ptr(t) }.ok_or_else(|| fail(GOMAP_ERR_INVALID_ARG, "type is NULL"))
}

/// # Safety
/// `out` is NULL or writable.
unsafe fn put(t: Result<GoType, c_int>, out: *mut *const gomap_gotype) -> c_int {
    if out.is_null() {
        return fail(GOMAP_ERR_INVALID_ARG, "out is NULL");
    }
    match t {
        Ok(t) => {
            // SAFETY: non-null and writable (caller).
            unsafe { *out = t.as_ptr() };
            GOMAP_OK
        }
        Err(c) => c,
    }
}

/// # Safety
/// `s` is a readable NUL-terminated string.
unsafe fn text<'a>(s: *const c_char) -> Result<&'a str, c_int> {
    if s.is_null() {
        return Err(fail(GOMAP_ERR_INVALID_ARG, "string is NULL"));
    }
    // SAFETY: NUL-terminated and readable (caller).
    unsafe { CStr::from_ptr(s) }
        .to_str()
        .map_err(|_| fail(GOMAP_ERR_INVALID_ARG, "string is not UTF-8"))
}

/// The Go type of a `GOMAP_KIND_*` scalar (`GOMAP_KIND_ARRAY` with `size` N is `[N]byte`,
/// `GOMAP_KIND_STRUCT` with `size` 0 is `struct {}`).
///
/// # Safety
/// `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_scalar(
    kind: u8,
    size: usize,
    out: *mut *const gomap_gotype,
) -> c_int {
    guard_code(|| {
        let t = go_kind(kind, size).and_then(|k| {
            GoType::from_kind(k).map_err(|e| fail(GOMAP_ERR_INVALID_ARG, &e.to_string()))
        });
        // SAFETY: writable (caller).
        unsafe { put(t, out) }
    })
}

/// `[len]elem`.
///
/// # Safety
/// `elem` is a descriptor; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_array(
    elem: *const gomap_gotype,
    len: usize,
    out: *mut *const gomap_gotype,
) -> c_int {
    guard_code(|| {
        // SAFETY: a descriptor (caller).
        let t = unsafe { go(elem) }.and_then(|e| {
            GoType::array(e, len).map_err(|e| fail(GOMAP_ERR_INVALID_ARG, &e.to_string()))
        });
        // SAFETY: writable (caller).
        unsafe { put(t, out) }
    })
}

/// `struct { names[0] types[0]; ... }` laid out as Go's compiler lays it out (read the
/// offsets back with `gomap_gotype_field_offset`). A name `"_"` is a blank field, which
/// hashing and equality skip.
///
/// # Safety
/// `names` and `types` point at `n` readable entries (NUL-terminated names, descriptors);
/// `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_struct(
    n: usize,
    names: *const *const c_char,
    types: *const *const gomap_gotype,
    out: *mut *const gomap_gotype,
) -> c_int {
    guard_code(|| {
        let t = (|| {
            if n > 0 && (names.is_null() || types.is_null()) {
                return Err(fail(GOMAP_ERR_INVALID_ARG, "names or types is NULL"));
            }
            let mut fields = Vec::with_capacity(n);
            for i in 0..n {
                // SAFETY: `n` readable entries each (caller).
                let (name, ty) = unsafe { (text(*names.add(i))?, go(*types.add(i))?) };
                fields.push((name, ty));
            }
            GoType::struct_of(fields).map_err(|e| fail(GOMAP_ERR_INVALID_ARG, &e.to_string()))
        })();
        // SAFETY: writable (caller).
        unsafe { put(t, out) }
    })
}

/// `interface { methods... }` (`interface {}` when `n` is 0). Methods only name the type.
/// `GOMAP_ERR_INVALID_ARG` when `methods` is NULL and `n` is not 0.
///
/// # Safety
/// `methods` points at `n` NUL-terminated strings (or is NULL); `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_interface(
    n: usize,
    methods: *const *const c_char,
    out: *mut *const gomap_gotype,
) -> c_int {
    guard_code(|| {
        let t = (|| {
            if n > 0 && methods.is_null() {
                return Err(fail(GOMAP_ERR_INVALID_ARG, "methods is NULL"));
            }
            let mut ms = Vec::with_capacity(n);
            for i in 0..n {
                // SAFETY: `n` readable strings (caller).
                ms.push(unsafe { text(*methods.add(i))? });
            }
            Ok(GoType::interface(ms))
        })();
        // SAFETY: writable (caller).
        unsafe { put(t, out) }
    })
}

/// `[]elem`: not comparable (an interface holding one cannot be hashed).
///
/// # Safety
/// `elem` is a descriptor; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_slice(
    elem: *const gomap_gotype,
    out: *mut *const gomap_gotype,
) -> c_int {
    guard_code(|| {
        // SAFETY: a descriptor (caller); writable (caller).
        unsafe { put(go(elem).map(GoType::slice), out) }
    })
}

/// A defined type `name` (e.g. `main.Point`) over `underlying`: same layout and hash,
/// another identity.
///
/// # Safety
/// `name` is NUL-terminated; `underlying` is a descriptor; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_named(
    name: *const c_char,
    underlying: *const gomap_gotype,
    out: *mut *const gomap_gotype,
) -> c_int {
    guard_code(|| {
        // SAFETY: as documented (caller).
        let t = unsafe { text(name).and_then(|n| Ok(GoType::named(n, go(underlying)?))) };
        // SAFETY: writable (caller).
        unsafe { put(t, out) }
    })
}

/// The type spelled `spelling` in gomap's compact type spelling (`struct{i64,str,_:i32}`,
/// `[4]f64`, `any`; see `src/maptype/spell.rs`).
///
/// # Safety
/// `spelling` is NUL-terminated; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_parse(
    spelling: *const c_char,
    out: *mut *const gomap_gotype,
) -> c_int {
    guard_code(|| {
        // SAFETY: NUL-terminated (caller).
        let t = unsafe { text(spelling) }.and_then(|s| {
            spell::parse_type(s, &|_| None).map_err(|e| fail(GOMAP_ERR_INVALID_ARG, &e.0))
        });
        // SAFETY: writable (caller).
        unsafe { put(t, out) }
    })
}

/// Size in bytes of a type (0 for NULL).
///
/// # Safety
/// `t` is NULL or a descriptor.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_size(t: *const gomap_gotype) -> usize {
    // SAFETY: NULL or a descriptor (caller).
    unsafe { t.as_ref() }.map_or(0, |t| t.size())
}

/// Alignment of a type (0 for NULL).
///
/// # Safety
/// `t` is NULL or a descriptor.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_align(t: *const gomap_gotype) -> usize {
    // SAFETY: NULL or a descriptor (caller).
    unsafe { t.as_ref() }.map_or(0, |t| t.align() as usize)
}

/// Offset of field `i` of a struct type; `SIZE_MAX` when `t` is not a struct or has no
/// field `i`.
///
/// # Safety
/// `t` is NULL or a descriptor.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_field_offset(t: *const gomap_gotype, i: usize) -> usize {
    // SAFETY: NULL or a descriptor (caller).
    unsafe { t.as_ref() }
        .and_then(|t| t.fields().get(i))
        .map_or(usize::MAX, |f| f.offset)
}

/// Whether values of the type can be compared and hashed (Go's `comparable`).
///
/// # Safety
/// `t` is NULL or a descriptor.
#[no_mangle]
pub unsafe extern "C" fn gomap_gotype_comparable(t: *const gomap_gotype) -> bool {
    // SAFETY: NULL or a descriptor (caller).
    unsafe { t.as_ref() }.is_some_and(|t| t.is_comparable())
}

/// The map type of `map[key]elem` as Go builds it: the compiler's generated hash and equal
/// functions, flags and fast-path family when `typehash` is false, `reflect.MapOf`'s
/// (hashing with `runtime.typehash`) when it is true. `alloc` may be NULL. Free the result
/// with `gomap_maptype_free`; the descriptors it uses stay valid.
///
/// # Safety
/// `key` and `elem` are descriptors; `alloc` is NULL or readable; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn gomap_maptype_gotypes(
    key: *const gomap_gotype,
    elem: *const gomap_gotype,
    typehash: bool,
    alloc: *const gomap_allocator,
    out: *mut *mut gomap_maptype,
) -> c_int {
    guard_code(|| {
        if out.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "out is NULL");
        }
        // SAFETY: descriptors (caller).
        let (k, e) = match unsafe { (go(key), go(elem)) } {
            (Ok(k), Ok(e)) => (k, e),
            (Err(c), _) | (_, Err(c)) => return c,
        };
        // SAFETY: NULL or readable (caller).
        let a = match unsafe { allocator(alloc) } {
            Ok(a) => a,
            Err(c) => return c,
        };
        let h = if typehash {
            KeyHash::TypeHash
        } else {
            KeyHash::Compiled
        };
        let t = MapType::for_types(k, e, h).map(|t| t.with_allocator(a));
        // SAFETY: writable (caller).
        unsafe { hand_out(t, out) }
    })
}
