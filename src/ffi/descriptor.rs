//! The kinds table and the conversion of C descriptors: the `GOMAP_KIND_*` numbers (Go's
//! `reflect.Kind`, one fact with [`Kind`]) and the `GOMAP_FLAG_*` map type flags, and
//! the translation of a C `gomap_type`, kind number or `gomap_allocator` into the crate's
//! [`Type`], [`GoKind`] and [`Allocator`].

use core::ffi::{c_int, c_void};

use super::error::{fail, GOMAP_ERR_INVALID_ARG, GOMAP_ERR_INVALID_TYPE, GOMAP_OK};
use super::{gomap_allocator, gomap_equal_fn, gomap_maptype, gomap_type};
use crate::base::malloc;
use crate::maptype::{GoKind, Kind, MapType, MapTypeFlags, Type};
use crate::runtime::Allocator;

/// Go's `reflect.Kind` numbers, as `gomap_type.kind` and `gomap_maptype_go` take them.
pub const GOMAP_KIND_INVALID: u8 = 0;
/// `bool`.
pub const GOMAP_KIND_BOOL: u8 = 1;
/// `int` (64-bit).
pub const GOMAP_KIND_INT: u8 = 2;
/// `int8`.
pub const GOMAP_KIND_INT8: u8 = 3;
/// `int16`.
pub const GOMAP_KIND_INT16: u8 = 4;
/// `int32`.
pub const GOMAP_KIND_INT32: u8 = 5;
/// `int64`.
pub const GOMAP_KIND_INT64: u8 = 6;
/// `uint` (64-bit).
pub const GOMAP_KIND_UINT: u8 = 7;
/// `uint8`.
pub const GOMAP_KIND_UINT8: u8 = 8;
/// `uint16`.
pub const GOMAP_KIND_UINT16: u8 = 9;
/// `uint32`.
pub const GOMAP_KIND_UINT32: u8 = 10;
/// `uint64`.
pub const GOMAP_KIND_UINT64: u8 = 11;
/// `uintptr`.
pub const GOMAP_KIND_UINTPTR: u8 = 12;
/// `float32`.
pub const GOMAP_KIND_FLOAT32: u8 = 13;
/// `float64`.
pub const GOMAP_KIND_FLOAT64: u8 = 14;
/// `complex64`.
pub const GOMAP_KIND_COMPLEX64: u8 = 15;
/// `complex128`.
pub const GOMAP_KIND_COMPLEX128: u8 = 16;
/// `[N]byte`, with N given as the size.
pub const GOMAP_KIND_ARRAY: u8 = 17;
/// A pointer `*T`.
pub const GOMAP_KIND_POINTER: u8 = 22;
/// `string`: a `gomap_string`.
pub const GOMAP_KIND_STRING: u8 = 24;
/// A struct of plain memory of the given size (compared and hashed bytewise, aligned to
/// the largest power of two up to 8 that divides the size); size 0 is `struct{}`.
pub const GOMAP_KIND_STRUCT: u8 = 25;
/// `unsafe.Pointer`.
pub const GOMAP_KIND_UNSAFE_POINTER: u8 = 26;

/// Map type flag: `k == k` for every key (clear it for keys that can be NaN).
pub const GOMAP_FLAG_REFLEXIVE_KEY: u32 = 4;
/// Map type flag: overwriting an entry also overwrites its stored key (keys that compare
/// equal with different bytes, such as +0.0 and -0.0).
pub const GOMAP_FLAG_NEED_KEY_UPDATE: u32 = 8;
/// Map type flag: the hasher may fail (Go hashes the key even on an empty map then).
pub const GOMAP_FLAG_HASH_MIGHT_PANIC: u32 = 16;

// Each `GOMAP_KIND_*` number is its `Kind`'s discriminant: one fact, written out as a
// literal because cbindgen emits a constant only when its value is one, and checked here.
const _: () = {
    assert!(GOMAP_KIND_INVALID == Kind::Invalid as u8);
    assert!(GOMAP_KIND_BOOL == Kind::Bool as u8);
    assert!(GOMAP_KIND_INT == Kind::Int as u8);
    assert!(GOMAP_KIND_INT8 == Kind::Int8 as u8);
    assert!(GOMAP_KIND_INT16 == Kind::Int16 as u8);
    assert!(GOMAP_KIND_INT32 == Kind::Int32 as u8);
    assert!(GOMAP_KIND_INT64 == Kind::Int64 as u8);
    assert!(GOMAP_KIND_UINT == Kind::Uint as u8);
    assert!(GOMAP_KIND_UINT8 == Kind::Uint8 as u8);
    assert!(GOMAP_KIND_UINT16 == Kind::Uint16 as u8);
    assert!(GOMAP_KIND_UINT32 == Kind::Uint32 as u8);
    assert!(GOMAP_KIND_UINT64 == Kind::Uint64 as u8);
    assert!(GOMAP_KIND_UINTPTR == Kind::Uintptr as u8);
    assert!(GOMAP_KIND_FLOAT32 == Kind::Float32 as u8);
    assert!(GOMAP_KIND_FLOAT64 == Kind::Float64 as u8);
    assert!(GOMAP_KIND_COMPLEX64 == Kind::Complex64 as u8);
    assert!(GOMAP_KIND_COMPLEX128 == Kind::Complex128 as u8);
    assert!(GOMAP_KIND_ARRAY == Kind::Array as u8);
    assert!(GOMAP_KIND_POINTER == Kind::Pointer as u8);
    assert!(GOMAP_KIND_STRING == Kind::String as u8);
    assert!(GOMAP_KIND_STRUCT == Kind::Struct as u8);
    assert!(GOMAP_KIND_UNSAFE_POINTER == Kind::UnsafePointer as u8);
};

// The flags are the bits of `MapTypeFlags` of the same names.
const _: () = {
    assert!(GOMAP_FLAG_REFLEXIVE_KEY == MapTypeFlags::REFLEXIVE_KEY.bits());
    assert!(GOMAP_FLAG_NEED_KEY_UPDATE == MapTypeFlags::NEED_KEY_UPDATE.bits());
    assert!(GOMAP_FLAG_HASH_MIGHT_PANIC == MapTypeFlags::HASH_MIGHT_PANIC.bits());
};

/// Converts a C allocator (NULL: the system allocator).
///
/// # Safety
/// `a` is NULL or points at a readable `gomap_allocator`.
pub(super) unsafe fn allocator(a: *const gomap_allocator) -> Result<Allocator, c_int> {
    if a.is_null() {
        return Ok(Allocator::system());
    }
    // SAFETY: non-null and readable (caller).
    let a = unsafe { &*a };
    match (a.alloc_zeroed, a.free) {
        (Some(alloc), Some(free)) => {
            // SAFETY: the two signatures differ only in `*mut c_void` against `*mut u8`,
            // which are ABI-compatible (the `fn` pointer ABI compatibility rules).
            let (alloc, free) = unsafe {
                (
                    core::mem::transmute::<
                        unsafe extern "C-unwind" fn(usize, usize, *mut c_void) -> *mut c_void,
                        malloc::AllocFn,
                    >(alloc),
                    core::mem::transmute::<
                        unsafe extern "C-unwind" fn(*mut c_void, usize, usize, *mut c_void),
                        malloc::FreeFn,
                    >(free),
                )
            };
            // SAFETY: the header's contract for `gomap_allocator` is the Allocator
            // contract; the C caller vouches for its functions.
            Ok(unsafe { Allocator::new(alloc, free, a.ctx) })
        }
        _ => Err(fail(
            GOMAP_ERR_INVALID_ARG,
            "allocator needs both alloc_zeroed and free",
        )),
    }
}

/// A Rust [`Type`] from a C `gomap_type`.
///
/// # Safety
/// `t` points at a readable `gomap_type`.
pub(super) unsafe fn rust_type(t: *const gomap_type) -> Result<Type, c_int> {
    // SAFETY: readable (caller).
    let t = unsafe { &*t };
    let kind = Kind::from_u8(t.kind)
        .ok_or_else(|| fail(GOMAP_ERR_INVALID_ARG, &format!("unknown kind {}", t.kind)))?;
    Ok(Type {
        size: t.size,
        ptrdata: t.ptrdata,
        align: t.align,
        kind,
        // SAFETY: the signatures differ only in pointee types of pointer arguments, which
        // are ABI-compatible; the function receives the `Type` that `gomap_type` mirrors
        // (checked by the const assertions of `src/ffi.rs`).
        equal: unsafe {
            core::mem::transmute::<gomap_equal_fn, Option<crate::maptype::EqualFn>>(t.equal)
        },
        ctx: t.ctx,
    })
}

/// The [`GoKind`] for a kind number and size, as `gomap_maptype_go` documents.
pub(super) fn go_kind(kind: u8, size: usize) -> Result<GoKind, c_int> {
    let bad = |why: &str| fail(GOMAP_ERR_INVALID_ARG, why);
    let k = match Kind::from_u8(kind) {
        Some(Kind::Bool) => GoKind::Bool,
        Some(Kind::Int) => GoKind::Int,
        Some(Kind::Int8) => GoKind::Int8,
        Some(Kind::Int16) => GoKind::Int16,
        Some(Kind::Int32) => GoKind::Int32,
        Some(Kind::Int64) => GoKind::Int64,
        Some(Kind::Uint) => GoKind::Uint,
        Some(Kind::Uint8) => GoKind::Uint8,
        Some(Kind::Uint16) => GoKind::Uint16,
        Some(Kind::Uint32) => GoKind::Uint32,
        Some(Kind::Uint64) => GoKind::Uint64,
        Some(Kind::Uintptr) => GoKind::Uintptr,
        Some(Kind::Float32) => GoKind::Float32,
        Some(Kind::Float64) => GoKind::Float64,
        Some(Kind::Complex64) => GoKind::Complex64,
        Some(Kind::Complex128) => GoKind::Complex128,
        Some(Kind::Pointer) => GoKind::Pointer,
        Some(Kind::UnsafePointer) => GoKind::UnsafePointer,
        Some(Kind::String) => GoKind::String,
        Some(Kind::Array) => return Ok(GoKind::Bytes(size)),
        Some(Kind::Struct) if size == 0 => return Ok(GoKind::EmptyStruct),
        Some(Kind::Struct) => {
            let align = 1u8 << size.trailing_zeros().min(3);
            return Ok(GoKind::Memory { size, align });
        }
        _ => {
            return Err(bad(&format!(
                "kind {kind} is not a Go map key or elem kind"
            )))
        }
    };
    let want = k.go_type().map_err(|e| bad(&e.to_string()))?.size;
    if size != 0 && size != want {
        return Err(bad(&format!(
            "size {size} does not fit kind {kind} (size {want})"
        )));
    }
    Ok(k)
}

/// Boxes a finished map type for C (of the classic engine).
///
/// # Safety
/// `out` is writable.
pub(super) unsafe fn hand_out(
    t: Result<MapType, crate::maptype::MapTypeError>,
    out: *mut *mut gomap_maptype,
) -> c_int {
    match t {
        Ok(t) => {
            // SAFETY: writable (caller).
            unsafe { *out = Box::into_raw(Box::new(gomap_maptype::classic(t))) };
            GOMAP_OK
        }
        Err(e) => fail(GOMAP_ERR_INVALID_TYPE, &e.to_string()),
    }
}
