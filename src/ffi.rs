//! The C ABI: Go's map for C embedders.
//!
//! Every function here is `extern "C"` and is declared in `include/gomap.h`, which
//! cbindgen generates from this file (items, doc comments and all; settings in
//! `cbindgen.toml`, checked by `tools/tests/header.rs`). A C
//! program makes a map type (`gomap_maptype_go` for Go's own key and elem types, or
//! `gomap_maptype_new` with its own sizes, hasher, equal and allocator), makes maps of it,
//! and reads, writes, deletes, clears and iterates them with Go 1.19's exact algorithm.
//!
//! Engines: `gomap_maptype_with_release` copies a map type for another Go release. The
//! classic releases ("1.19", "1.21", "1.22", "1.23", "1.24-noswissmap") keep the
//! bucketed map of `crate::runtime`; the Swiss releases ("1.24" to "1.27", Go's default
//! map there) make Swiss tables (`crate::swiss`). Every map and iterator function takes
//! either, with the same error codes, re-entry checks and lifetimes; a map knows its
//! engine (`src/ffi/engine.rs`), and a map given with a map type of the other engine is
//! refused (`GOMAP_ERR_INVALID_ARG`). On a Swiss map, lookups and assignments go through
//! the entry points Go's compiler picks for the key type (`mapaccess2_fast64`,
//! `mapassign_faststr`, ..., or the generic ones), hash seeds and iteration starts are
//! drawn from the calling thread's ChaCha8 generator (seeded by `gomap_seed_thread` and
//! `gomap_seed_thread_chacha8`), `gomap_growing` is always false (a table grows at
//! once), and `gomap_dump` prints the Swiss dump (`docs/swiss-dump.md`). The map's
//! memory (header, directory, tables, groups, indirect keys and elems) comes from the
//! map type's allocator, as for a classic map; iterators of either engine are Rust
//! boxes.
//!
//! Typed entry points: `gomap_access_u32`, `_u64`, `_str` and the same for assign,
//! insert and delete (`src/ffi/fast.rs`) take the key by value and call, on either
//! engine, the functions Go's compiled code calls for such a key (`mapaccess1_fast64`,
//! `mapassign_faststr`, `mapdelete_fast32`, ...), leaving its bytes; a map type whose
//! key Go would not pass to that family is refused (`GOMAP_ERR_INVALID_ARG`).
//!
//! Errors: functions that can fail return an `int` code (`GOMAP_OK` or a negative
//! `GOMAP_ERR_*`) and leave the message in a per-thread buffer read with
//! `gomap_last_error`. No Rust panic ever unwinds into C: every entry point that calls
//! the runtime, a callback or the allocator, or touches a thread-local, runs under
//! `catch_unwind` (the `guard` of `src/ffi/error.rs`), and the runtime's panics become
//! codes. The rest (`gomap_error_name`, `gomap_len`, `gomap_growing`, `gomap_iter_key`,
//! `gomap_iter_elem`, `gomap_string_free`, `gomap_gotype_size`, `gomap_gotype_align`,
//! `gomap_gotype_field_offset`, `gomap_gotype_comparable`) only read a field or a table
//! or free a string, and cannot panic; were one to, the `extern "C"` boundary would abort
//! the process rather than unwind (Rust 1.81 on).
//!
//! The code of a runtime panic comes from its typed value, the [`crate::RuntimeError`]
//! the runtime raised (`code_for` in `src/ffi/error.rs`); the message is Go's words:
//!
//! | runtime panic (Go's words) | `RuntimeError` | code |
//! |---|---|---|
//! | assignment to entry in nil map | `NilMapWrite` | `GOMAP_ERR_NIL_MAP` |
//! | concurrent map writes | `ConcurrentWrites` | `GOMAP_ERR_CONCURRENT_WRITES` |
//! | concurrent map read and map write, concurrent map iteration and map write | `ConcurrentReadWrite`, `ConcurrentIterWrite` | `GOMAP_ERR_CONCURRENT_READ_WRITE` |
//! | out of memory (the allocator returned NULL) | `OutOfMemory` | `GOMAP_ERR_OUT_OF_MEMORY` |
//! | runtime error: hash of unhashable type T, ... comparing uncomparable type T; hash of unhashable type: T (a Swiss map of Go 1.25+, lookup or delete in an empty map) | `Unhashable`, `Uncomparable`, `UnhashableKey` | `GOMAP_ERR_PANIC` |
//! | a broken invariant, another `fatal` | `Throw`, `Fatal` | `GOMAP_ERR_PANIC` |
//! | a panicking Rust callback | (none) | `GOMAP_ERR_PANIC` |
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
//! outlives its iterators; pointers returned by `gomap_access`, `gomap_assign` (and their
//! typed forms) and the iterator are valid until the next write to the map.
//!
//! Memory a key points at (a `gomap_string`'s bytes, say) must stay valid while the key
//! is in the map, and after the key is deleted, until (a) every iterator that was live
//! at the deletion has been freed and (b) the growth in progress, if any, has finished
//! (`gomap_growing` is false). Go leaves this to its garbage collector: an old bucket
//! that was evacuated while an iterator used the old array keeps copies of its keys, an
//! iterator re-hashes such a copy to find where the entry went, and `gomap_dump` prints
//! it. (`mapclear` and `gomap_free` drop those copies at once.) On a Swiss map the rule
//! is (a) alone: an iterator still walking a table that grew reads the old table's keys
//! and looks them up again.
//!
//! The files: this one holds the C types (the opaque handles, the callback typedefs, the
//! descriptor structs); `error.rs` the error codes, the last error, the panic guard and
//! the re-entry check; `descriptor.rs` the kinds and flags and the conversion of C
//! descriptors and allocators; `engine.rs` the two engines behind the handles; then the
//! entry points: `seed.rs` (the thread's random source), `map_type.rs`, `map.rs`,
//! `fast.rs` (the typed entry points, `gomap_access_u64` and its kin: the key by value,
//! through the functions Go's compiler calls for it), `iter.rs`, `debug.rs` (check and
//! dump), and `types.rs` (Go type descriptors).

#![allow(non_camel_case_types)]

// The order of the modules is the order of the header's declarations: the header test
// (`tools/tests/header.rs`) gives cbindgen this file and then each module's file, in the
// order declared here. cbindgen itself looks for a `mod name;` beside this file
// (`src/name.rs`, `src/name/mod.rs`), so no module here may be named as a top-level
// module of the crate (`maptype`, `runtime`, ...): that module's items would enter the
// header.

/// The error codes, the last error, the panic guard, the re-entry check.
mod error;

/// The kinds and flags; C descriptors and allocators to Rust ones.
mod descriptor;

/// The classic and the Swiss engine behind one set of handles.
mod engine;

/// The thread's random source.
mod seed;

/// Map types.
mod map_type;

/// Maps: make, free, read, write.
mod map;

/// Typed lookups and writes: the key by value, through Go's fast paths.
mod fast;

/// Iterators.
mod iter;

/// The invariant checker and the dump.
mod debug;

pub mod types;

pub use debug::*;
pub use descriptor::*;
pub use error::*;
pub use fast::*;
pub use iter::*;
pub use map::*;
pub use map_type::*;
pub use seed::*;

use core::ffi::c_void;

use crate::maptype::{GoString, Kind, Type};

/// A map type (Go's `maptype`), made by `gomap_maptype_go` or `gomap_maptype_new`, freed
/// by `gomap_maptype_free`. Its maps are classic (Go 1.19 to 1.24-noswissmap) unless it
/// came from `gomap_maptype_with_release` with a Swiss release (1.24 to 1.27, or
/// 1.27-mapsplitgroup), whose maps are Swiss tables.
//
// Invariants: `mt` is the classic descriptor of the key and elem types (the one every
// constructor builds; for a Swiss type, the one it was copied from); `swiss`, when
// present, is `SwissMapType::new(&mt, release)`. The type lives in a box from
// `Box::into_raw` that never moves, so a Swiss iterator may keep a pointer to `swiss`.
// It dereferences to the classic descriptor, so Rust code may hand a classic
// `gomap_maptype` to the runtime functions of `crate::runtime`.
pub struct gomap_maptype {
    /// The classic descriptor: key and elem types, hasher, equal, allocator, release.
    pub(crate) mt: crate::maptype::MapType,
    /// The Swiss descriptor, for a map type of a Swiss release.
    pub(crate) swiss: Option<crate::swiss::SwissMapType>,
}

impl gomap_maptype {
    /// A map type of the classic engine.
    pub(crate) fn classic(mt: crate::maptype::MapType) -> gomap_maptype {
        gomap_maptype { mt, swiss: None }
    }
}

impl core::ops::Deref for gomap_maptype {
    type Target = crate::maptype::MapType;

    fn deref(&self) -> &crate::maptype::MapType {
        &self.mt
    }
}

/// A map, made by `gomap_make`, freed by `gomap_free`: Go's `hmap` for a classic map
/// type, Go's Swiss `Map` for a Swiss one (the handle says which: see
/// `src/ffi/engine.rs`). NULL is the nil map: reads find nothing, writes fail with
/// `GOMAP_ERR_NIL_MAP`.
pub type gomap_map = crate::runtime::Hmap;

/// An iterator (Go's `hiter`, or the Swiss `Iter`), made by `gomap_iter_init`, freed by
/// `gomap_iter_free`.
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
