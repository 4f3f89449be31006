//! The C ABI: Go's map for C embedders.
//!
//! Every function here is `extern "C"` and is declared in `include/gomap.h`, which
//! cbindgen generates from this file (items, doc comments and all; settings in
//! `cbindgen.toml`, checked by `tools/tests/header.rs`). A C
//! program makes a map type (`gomap_maptype_go` for Go's own key and elem types, or
//! `gomap_maptype_new` with its own sizes, hasher, equal and allocator), makes maps of it,
//! and reads, writes, deletes, clears and iterates them with Go 1.19's exact algorithm.
//!
//! Errors: functions that can fail return an `int` code (`GOMAP_OK` or a negative
//! `GOMAP_ERR_*`) and leave the message in a per-thread buffer read with
//! `gomap_last_error`. No Rust panic ever unwinds into C: every entry point that calls
//! the runtime, a callback or the allocator runs under `catch_unwind`, and the runtime's
//! panics become codes. The rest (`gomap_error_name`, `gomap_seed_thread`, `gomap_len`,
//! `gomap_growing`, `gomap_iter_key`, `gomap_iter_elem`, `gomap_string_free`) only read a
//! field or a table, set a thread-local or free a string, and cannot panic; were one to,
//! the `extern "C"` boundary would abort the process rather than unwind (Rust 1.81 on).
//!
//! | runtime panic (Go's words) | code |
//! |---|---|
//! | assignment to entry in nil map | `GOMAP_ERR_NIL_MAP` |
//! | concurrent map writes | `GOMAP_ERR_CONCURRENT_WRITES` |
//! | concurrent map read and map write, concurrent map iteration and map write | `GOMAP_ERR_CONCURRENT_READ_WRITE` |
//! | out of memory (the allocator returned NULL) | `GOMAP_ERR_OUT_OF_MEMORY` |
//! | anything else (a broken invariant, a panicking Rust callback) | `GOMAP_ERR_PANIC` |
//!
//! The nil-map and concurrent-write cases are also checked before calling the runtime, so
//! the common misuse costs no panic (and prints nothing on stderr). A write that fails
//! half-way (out of memory, a callback that panicked after the map was marked as being
//! written) leaves the map marked as being written, as Go would leave a crashed program:
//! every later write then fails with `GOMAP_ERR_CONCURRENT_WRITES`; the map can still be
//! freed.
//!
//! Callbacks (hasher, equal, allocator) use the `"C-unwind"` ABI so that a Rust callback
//! may panic; a C callback must return normally (C has no unwinding).
//!
//! Re-entry: a callback may call gomap on other maps, and may read the map of the call
//! it serves, but must not write it (insert, assign, delete, clear), free it, or free the
//! iterator being advanced: the running call holds pointers into the buckets such a call
//! would change or free. gomap detects this on the calling thread: the inner call fails
//! with `GOMAP_ERR_CONCURRENT_READ_WRITE` ("concurrent map read and map write"), or
//! `GOMAP_ERR_CONCURRENT_WRITES` ("concurrent map writes") inside a write, and changes
//! nothing (`gomap_iter_free` then leaves the iterator and sets the error). Calls from
//! other threads follow Go's rules: any number of readers, or one writer.
//!
//! Lifetimes the C caller keeps: a map type outlives every map made from it; a map
//! outlives its iterators; pointers returned by `gomap_access`, `gomap_assign` and the
//! iterator are valid until the next write to the map.
//!
//! Memory a key points at (a `gomap_string`'s bytes, say) must stay valid while the key
//! is in the map, and after the key is deleted, until (a) every iterator that was live
//! at the deletion has been freed and (b) the growth in progress, if any, has finished
//! (`gomap_growing` is false). Go leaves this to its garbage collector: an old bucket
//! that was evacuated while an iterator used the old array keeps copies of its keys, an
//! iterator re-hashes such a copy to find where the entry went, and `gomap_dump` prints
//! it. (`mapclear` and `gomap_free` drop those copies at once.)

#![allow(non_camel_case_types)]

pub mod types;

use core::ffi::{c_char, c_int, c_void};
use core::ptr;
use std::cell::RefCell;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::base::malloc::{self, zero_val};
use crate::base::panic::{
    CONCURRENT_ITER_WRITE, CONCURRENT_READ_WRITE, CONCURRENT_WRITES, NIL_MAP_WRITE,
};
use crate::base::rand::{set_chacha8_seed, set_fastrand_state};
use crate::maptype::{GoKind, GoString, Kind, MapType, MapTypeFlags, Type};
use crate::runtime::types::HASH_WRITING;
use crate::runtime::{self, Allocator, Hiter, Hmap};

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

/// A map type (Go's `maptype`), made by `gomap_maptype_go` or `gomap_maptype_new`, freed
/// by `gomap_maptype_free`.
pub type gomap_maptype = crate::maptype::MapType;

/// A map (Go's `hmap`), made by `gomap_make`, freed by `gomap_free`. NULL is the nil map:
/// reads find nothing, writes fail with `GOMAP_ERR_NIL_MAP`.
pub type gomap_map = crate::runtime::Hmap;

/// An iterator (Go's `hiter`), made by `gomap_iter_init`, freed by `gomap_iter_free`.
pub type gomap_iter = crate::runtime::Hiter;

// The callback types are `Option`s of function pointers, as C's function pointers may be
// NULL; the header generator (cbindgen) turns each into a plain C function pointer typedef.

/// A hash function: `(key, seed, key type) -> hash`. Equal keys must hash alike for
/// every seed. `ty->ctx` is the key type's context pointer. Like every callback, it may
/// read the map it is called for but not write or free it: such a call fails with
/// `GOMAP_ERR_CONCURRENT_READ_WRITE` and changes nothing (re-entry, in src/ffi.rs).
pub type gomap_hash_fn = Option<
    unsafe extern "C-unwind" fn(key: *const c_void, seed: usize, ty: *const gomap_type) -> usize,
>;

/// An equality function: `(a, b, type) -> a == b`. The re-entry rule of `gomap_hash_fn`
/// applies.
pub type gomap_equal_fn = Option<
    unsafe extern "C-unwind" fn(a: *const c_void, b: *const c_void, ty: *const gomap_type) -> bool,
>;

/// Allocates `size` bytes aligned to `align`, every byte zero; returns NULL when out of
/// memory. `size` is never 0.
pub type gomap_alloc_fn =
    Option<unsafe extern "C-unwind" fn(size: usize, align: usize, ctx: *mut c_void) -> *mut c_void>;

/// Frees a block from the matching `gomap_alloc_fn`, given its size and alignment.
pub type gomap_free_fn = Option<
    unsafe extern "C-unwind" fn(p: *mut c_void, size: usize, align: usize, ctx: *mut c_void),
>;

/// A key or elem type (the part of Go's `_type` the map reads). The hasher and equal
/// functions receive the key's copy of it, so `ctx` can carry embedder state.
#[repr(C)]
pub struct gomap_type {
    /// Size in bytes.
    pub size: usize,
    /// Length of the prefix that holds pointers (0: none). Deleting zeroes a key only
    /// when it is not 0.
    pub ptrdata: usize,
    /// Alignment: a power of two, at most 8.
    pub align: u8,
    /// A `GOMAP_KIND_*` value (`GOMAP_KIND_STRUCT` for an opaque type).
    pub kind: u8,
    /// Equality; required for a key type, ignored for an elem type.
    pub equal: gomap_equal_fn,
    /// Embedder context, never read by gomap.
    pub ctx: *mut c_void,
}

/// Where a map type's memory (headers, buckets, indirect keys and elems) comes from.
#[repr(C)]
pub struct gomap_allocator {
    /// Allocates zeroed memory.
    pub alloc_zeroed: gomap_alloc_fn,
    /// Frees memory.
    pub free: gomap_free_fn,
    /// Passed to both.
    pub ctx: *mut c_void,
}

/// Go's string header, the key or elem of `GOMAP_KIND_STRING`.
#[repr(C)]
pub struct gomap_string {
    /// The bytes (need not be NUL-terminated).
    pub ptr: *const u8,
    /// Their number.
    pub len: usize,
}

/// The layout gomap chose for a map type.
#[repr(C)]
pub struct gomap_layout {
    /// Bytes of a key slot (8 when keys are stored behind pointers).
    pub keysize: u8,
    /// Bytes of an elem slot (8 when elems are stored behind pointers).
    pub elemsize: u8,
    /// Bytes of a bucket.
    pub bucketsize: u16,
    /// The map type flags (bit 1: indirect key, 2: indirect elem, then `GOMAP_FLAG_*`).
    pub flags: u32,
}

// The C views must match the Rust types they alias, field for field.
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(size_of::<gomap_type>() == size_of::<Type>());
    assert!(align_of::<gomap_type>() == align_of::<Type>());
    assert!(offset_of!(gomap_type, size) == offset_of!(Type, size));
    assert!(offset_of!(gomap_type, ptrdata) == offset_of!(Type, ptrdata));
    assert!(offset_of!(gomap_type, align) == offset_of!(Type, align));
    assert!(offset_of!(gomap_type, kind) == offset_of!(Type, kind));
    assert!(offset_of!(gomap_type, equal) == offset_of!(Type, equal));
    assert!(offset_of!(gomap_type, ctx) == offset_of!(Type, ctx));
    assert!(size_of::<Kind>() == 1);
    assert!(size_of::<gomap_string>() == size_of::<GoString>());
    assert!(offset_of!(gomap_string, len) == offset_of!(GoString, len));
};

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
struct InUse(usize);

impl InUse {
    /// Enters a call on `p` (a map or iterator address) that writes if `write`; fails
    /// with Go's words when an enclosing call on `p` forbids it.
    fn enter(p: *const c_void, write: bool) -> Result<InUse, c_int> {
        let a = p as usize;
        if a == 0 {
            return Ok(InUse(0));
        }
        IN_USE.with(|u| {
            let mut u = u.borrow_mut();
            for &(b, w) in u.iter() {
                if b == a && (write || w) {
                    return Err(if w && write {
                        fail(GOMAP_ERR_CONCURRENT_WRITES, CONCURRENT_WRITES)
                    } else {
                        fail(GOMAP_ERR_CONCURRENT_READ_WRITE, CONCURRENT_READ_WRITE)
                    });
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

/// Records `msg` as this thread's last error and returns `code`.
fn fail(code: c_int, msg: &str) -> c_int {
    let c = CString::new(msg.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
    code
}

/// The code for a runtime panic message.
fn code_for(msg: &str) -> c_int {
    if msg == NIL_MAP_WRITE {
        GOMAP_ERR_NIL_MAP
    } else if msg == CONCURRENT_WRITES {
        GOMAP_ERR_CONCURRENT_WRITES
    } else if msg == CONCURRENT_READ_WRITE || msg == CONCURRENT_ITER_WRITE {
        GOMAP_ERR_CONCURRENT_READ_WRITE
    } else if msg == "out of memory" {
        GOMAP_ERR_OUT_OF_MEMORY
    } else {
        GOMAP_ERR_PANIC
    }
}

/// Runs `f`, turning a panic into its code (and `on_panic` for the value).
fn guard<T>(on_panic: impl FnOnce(c_int) -> T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            let msg = if let Some(s) = payload.downcast_ref::<&'static str>() {
                (*s).to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "panic with a non-string payload".to_string()
            };
            // Dropping a payload can itself panic; never let that escape either.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            let code = code_for(&msg);
            on_panic(fail(code, &msg))
        }
    }
}

/// `guard` for functions returning a code.
fn guard_code(f: impl FnOnce() -> c_int) -> c_int {
    guard(|c| c, f)
}

/// Converts a C allocator (NULL: the system allocator).
///
/// # Safety
/// `a` is NULL or points at a readable `gomap_allocator`.
unsafe fn allocator(a: *const gomap_allocator) -> Result<Allocator, c_int> {
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

/// Go's kind for a `GOMAP_KIND_*` number.
fn kind_of(k: u8) -> Option<Kind> {
    use Kind::*;
    const KINDS: [Kind; 27] = [
        Invalid,
        Bool,
        Int,
        Int8,
        Int16,
        Int32,
        Int64,
        Uint,
        Uint8,
        Uint16,
        Uint32,
        Uint64,
        Uintptr,
        Float32,
        Float64,
        Complex64,
        Complex128,
        Array,
        Chan,
        Func,
        Interface,
        Map,
        Pointer,
        Slice,
        String,
        Struct,
        UnsafePointer,
    ];
    KINDS.get(k as usize).copied()
}

/// A Rust [`Type`] from a C `gomap_type`.
///
/// # Safety
/// `t` points at a readable `gomap_type`.
unsafe fn rust_type(t: *const gomap_type) -> Result<Type, c_int> {
    // SAFETY: readable (caller).
    let t = unsafe { &*t };
    let kind = kind_of(t.kind)
        .ok_or_else(|| fail(GOMAP_ERR_INVALID_ARG, &format!("unknown kind {}", t.kind)))?;
    Ok(Type {
        size: t.size,
        ptrdata: t.ptrdata,
        align: t.align,
        kind,
        // SAFETY: the signatures differ only in pointee types of pointer arguments, which
        // are ABI-compatible; the function receives the `Type` that `gomap_type` mirrors
        // (checked by the const assertions above).
        equal: unsafe {
            core::mem::transmute::<gomap_equal_fn, Option<crate::maptype::EqualFn>>(t.equal)
        },
        ctx: t.ctx,
    })
}

/// The [`GoKind`] for a kind number and size, as `gomap_maptype_go` documents.
fn go_kind(kind: u8, size: usize) -> Result<GoKind, c_int> {
    let bad = |why: &str| fail(GOMAP_ERR_INVALID_ARG, why);
    let k = match kind {
        GOMAP_KIND_BOOL => GoKind::Bool,
        GOMAP_KIND_INT => GoKind::Int,
        GOMAP_KIND_INT8 => GoKind::Int8,
        GOMAP_KIND_INT16 => GoKind::Int16,
        GOMAP_KIND_INT32 => GoKind::Int32,
        GOMAP_KIND_INT64 => GoKind::Int64,
        GOMAP_KIND_UINT => GoKind::Uint,
        GOMAP_KIND_UINT8 => GoKind::Uint8,
        GOMAP_KIND_UINT16 => GoKind::Uint16,
        GOMAP_KIND_UINT32 => GoKind::Uint32,
        GOMAP_KIND_UINT64 => GoKind::Uint64,
        GOMAP_KIND_UINTPTR => GoKind::Uintptr,
        GOMAP_KIND_FLOAT32 => GoKind::Float32,
        GOMAP_KIND_FLOAT64 => GoKind::Float64,
        GOMAP_KIND_COMPLEX64 => GoKind::Complex64,
        GOMAP_KIND_COMPLEX128 => GoKind::Complex128,
        GOMAP_KIND_POINTER => GoKind::Pointer,
        GOMAP_KIND_UNSAFE_POINTER => GoKind::UnsafePointer,
        GOMAP_KIND_STRING => GoKind::String,
        GOMAP_KIND_ARRAY => return Ok(GoKind::Bytes(size)),
        GOMAP_KIND_STRUCT if size == 0 => return Ok(GoKind::EmptyStruct),
        GOMAP_KIND_STRUCT => {
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

/// Boxes a finished map type for C.
///
/// # Safety
/// `out` is writable.
unsafe fn hand_out(
    t: Result<MapType, crate::maptype::MapTypeError>,
    out: *mut *mut gomap_maptype,
) -> c_int {
    match t {
        Ok(t) => {
            // SAFETY: writable (caller).
            unsafe { *out = Box::into_raw(Box::new(t)) };
            GOMAP_OK
        }
        Err(e) => fail(GOMAP_ERR_INVALID_TYPE, &e.to_string()),
    }
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

/// Sets the calling thread's random state (hash seeds, iteration starts), so that what
/// follows on this thread is reproducible: Go 1.19-1.21's wyrand state becomes `state`,
/// and Go 1.22+'s ChaCha8 generator is seeded with `Init64([state, 0, 0, 0])`.
#[no_mangle]
pub extern "C" fn gomap_seed_thread(state: u64) {
    set_fastrand_state(state);
    set_chacha8_seed([state, 0, 0, 0]);
}

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
/// string: "1.19", "1.21", "1.22", "1.23" or "1.24-noswissmap"; see the README's Go
/// releases): maps made with the copy follow that release's map code. `GOMAP_ERR_INVALID_ARG`
/// for NULL arguments or another release (the reason in `gomap_last_error`). On success
/// `*out` is the new type, freed with `gomap_maptype_free`.
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
        let r = match crate::maptype::GoRelease::parse(&name) {
            Ok(r) => r,
            Err(e) => return fail(GOMAP_ERR_INVALID_ARG, &e.to_string()),
        };
        // SAFETY: live (caller); writable (caller).
        unsafe { hand_out(Ok((*t).with_release(r)), out) }
    })
}

/// The layout of a map type. Returns `GOMAP_ERR_INVALID_ARG` for NULL arguments.
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
            *out = gomap_layout {
                keysize: t.keysize,
                elemsize: t.elemsize,
                bucketsize: t.bucketsize,
                flags: t.flags.bits(),
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

/// Fails with Go's message when a write is in progress on `h` (what the runtime would
/// panic with), before calling into it.
///
/// # Safety
/// `h` is NULL or live.
unsafe fn writing(h: *const Hmap, code: c_int) -> Option<c_int> {
    // SAFETY: live (caller).
    if !h.is_null() && unsafe { (*h).flags() } & HASH_WRITING != 0 {
        let msg = if code == GOMAP_ERR_CONCURRENT_WRITES {
            CONCURRENT_WRITES
        } else {
            CONCURRENT_READ_WRITE
        };
        return Some(fail(code, msg));
    }
    None
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
        if let Some(c) = unsafe { writing(h, GOMAP_ERR_CONCURRENT_READ_WRITE) } {
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
        if let Some(c) = unsafe { writing(h, GOMAP_ERR_CONCURRENT_READ_WRITE) } {
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
        return Err(fail(GOMAP_ERR_NIL_MAP, NIL_MAP_WRITE));
    }
    // SAFETY: live (caller).
    if let Some(c) = unsafe { writing(h, GOMAP_ERR_CONCURRENT_WRITES) } {
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
        if let Some(c) = unsafe { writing(h, GOMAP_ERR_CONCURRENT_WRITES) } {
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
        if let Some(c) = unsafe { writing(h, GOMAP_ERR_CONCURRENT_WRITES) } {
            return c;
        }
        let _use = enter!(h, true);
        // SAFETY: forwarded (caller).
        unsafe { runtime::mapclear(&*t, h) };
        GOMAP_OK
    })
}

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
        if let Some(c) = unsafe { writing(h, GOMAP_ERR_CONCURRENT_READ_WRITE) } {
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
        if let Some(c) = unsafe { writing(it.h(), GOMAP_ERR_CONCURRENT_READ_WRITE) } {
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
        |c| c_string(format!("{}: check panicked", gomap_error_name_str(c))),
        || {
            if t.is_null() {
                return c_string("t is NULL".into());
            }
            let Ok(_use) = InUse::enter(h as *const c_void, false) else {
                return c_string(CONCURRENT_READ_WRITE.into());
            };
            // SAFETY: forwarded (caller).
            match unsafe { runtime::check(&*t, h) } {
                Ok(()) => ptr::null_mut(),
                Err(e) => c_string(e),
            }
        },
    )
}

fn gomap_error_name_str(code: c_int) -> String {
    // SAFETY: gomap_error_name returns a static NUL-terminated string.
    unsafe { core::ffi::CStr::from_ptr(gomap_error_name(code)) }
        .to_string_lossy()
        .into_owned()
}

/// The canonical dump of the map's buckets (`docs/trace-and-dump.md`), NUL-terminated;
/// free it with `gomap_string_free`. NULL on failure (see `gomap_last_error`).
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
            // SAFETY: forwarded (caller).
            c_string(unsafe { runtime::dump::dump_string(&*t, h) })
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
