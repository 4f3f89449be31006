//! # gomap
//!
//! A byte-exact port of Go 1.19's `runtime/map.go`: the bucketed hash map with tophash
//! bytes, overflow chains, incremental doubling and same-size growth, and randomised
//! iteration, over untyped byte buffers described by a [`MapType`]. Each `MapType`
//! names the Go release it follows ([`maptype::GoRelease`]: 1.19 by default, or 1.21,
//! 1.22, 1.23, 1.24 with `GOEXPERIMENT=noswissmap`), whose few changes to `map.go` are
//! marked where they apply.
//!
//! The runtime functions keep Go's names and signatures (with the [`MapType`] passed by
//! reference): [`runtime::makemap`], [`runtime::mapaccess1`], [`runtime::mapassign`],
//! [`runtime::mapdelete`], [`runtime::mapiterinit`], ... A map built through them holds,
//! after every operation, the same bytes Go's map would hold; [`runtime::dump()`] prints
//! them in the canonical form of the differential tests, and [`runtime::check()`] verifies
//! every structural invariant.
//!
//! ```
//! use gomap::maptype::MapType;
//! use gomap::runtime::{makemap, mapassign, mapaccess2, mapfree};
//!
//! let t = MapType::int64();
//! unsafe {
//!     let h = makemap(&t, 10, std::ptr::null_mut());
//!     let k: i64 = 42;
//!     let e = mapassign(&t, h, (&k as *const i64).cast());
//!     *(e as *mut i64) = 7;
//!     let (v, ok) = mapaccess2(&t, h, (&k as *const i64).cast());
//!     assert!(ok && *(v as *const i64) == 7);
//!     assert_eq!((*h).B, 1); // hint 10 gives two buckets
//!     mapfree(&t, h);
//! }
//! ```

//! # Where the safe/unsafe line runs
//!
//! Every `pub` item is either sound for every input or `unsafe` with a `# Safety`
//! section:
//!
//! * **Safe**: [`typed::GoMap`] and everything it hands out (iterators, entries, `dump`,
//!   `check`), whatever the closures, values' `Drop`s and keys do, panics included;
//!   descriptors built from Go's own functions ([`MapType::for_go_types`] and its
//!   shortcuts); [`runtime::Allocator::system`]; a fresh [`Hiter`] (its `Drop` acts only
//!   on an iterator [`runtime::mapiterinit`] started); reading the process-wide hash keys.
//! * **Unsafe**, because safe code above relies on what they are given:
//!   [`MapType::new`] and [`MapType::from_parts`] (they trust the caller's hasher and
//!   `equal`), [`runtime::Allocator::new`] (it trusts the caller's allocation functions),
//!   the hash-key setters in [`maptype::alg`] (a key change under a live map makes its
//!   entries unfindable), and every runtime function that takes a raw map pointer.
//! * The types whose invariants matter keep their fields private: [`MapType`] (accessors
//!   with Go's names, `t.keysize()`), [`Hiter`] (`it.key()`, `it.elem()`, ...) and
//!   [`runtime::Allocator`].
//! * The C ABI ([`ffi`]) holds within the rules `include/gomap.h` states.
//!
//! # Floors
//!
//! The modules are stacked; each imports only from the floors below it:
//!
//! 1. [`base`]: the ground floor, what every other floor shares (bucket constants and size
//!    limits, the [`Allocator`](base::Allocator), Go's size classes, the zero value, the
//!    random source and the Go release it draws for, Go's panics, the scope guard, the
//!    hex printer). Go keeps the first of these in `internal/abi`.
//! 2. [`maptype`]: the map descriptor ([`MapType`]), the key algorithms (`alg`,
//!    `aeshash`) and the bucket layout.
//! 3. [`runtime`]: the map engine, Go's `runtime/map*.go` over a [`MapType`].
//! 4. [`typed`] and [`ffi`]: the safe Rust API and the C ABI, each over both engines
//!    (the classic [`runtime`] and the Swiss [`swiss`]), picked by Go release
//!    ([`swiss::Release`]).
//!
//! # Kinds: one vocabulary per job
//!
//! * [`maptype::Kind`]: Go's `reflect.Kind` numbers, which the map code branches on
//!   (strings, floats) and a [`Type`] records. The C ABI's `GOMAP_KIND_*` constants are
//!   the same numbers (checked at compile time in `ffi`), read back by `Kind::from_u8`.
//! * [`GoKind`]: the scalar Go types a descriptor is built from
//!   ([`MapType::for_go_types`]), each knowing its size, alignment and Go hash.
//! * [`maptype::GoType`]: any comparable Go type, composite ones included (structs,
//!   arrays, interfaces), with the hash and equal functions Go's compiler derives.
//! * The trace language's own kind names (`i64`, `str`, `b8`, `struct{i8,i64}`, in
//!   `tools/`) are spellings that map to a [`GoKind`] or a [`maptype::GoType`].
//!
//! # The API
//!
//! Public, and all an embedder (a language VM, a C program) needs:
//!
//! * [`runtime`]: Go's runtime functions under Go's names: `makemap`, `makemap64`,
//!   `makemap_small`, `mapaccess1`, `mapaccess2` (and `_fat`), `mapaccessK`, `mapassign`,
//!   `mapdelete`, `mapclear`, `mapclone2`, `hashGrow`, `growWork`, `evacuate`,
//!   `mapiterinit` (and `_r`), `mapiternext`, `mapiterend`, the `_fast32`, `_fast64` and
//!   `_faststr` variants, the compiler's choice among them (`map_access1`, `map_access2`,
//!   `map_assign`, `map_delete`), `mapfree`/`mapdestroy` (gomap has no collector), and
//!   [`runtime::check()`], [`runtime::dump()`]/[`runtime::dump_string`]; the types to hold
//!   and read a map: [`Hmap`], [`Hiter`], [`runtime::Bmap`], [`runtime::Mapextra`],
//!   [`runtime::HmapFlags`], the tophash states (`EMPTY_REST` ... `MIN_TOP_HASH`) and
//!   [`runtime::Allocator`]; [`runtime::seed_release`], which seeds the calling thread's
//!   random source as Go's (the C ABI's `gomap_seed_thread` and
//!   `gomap_seed_thread_chacha8`).
//! * [`maptype`]: the descriptor, [`MapType`] and its builders, [`maptype::GoType`],
//!   [`GoKind`], [`MapTypeError`], [`MapTypeFlags`], [`GoString`],
//!   [`maptype::GoRelease`]; the key algorithms a descriptor uses: [`maptype::alg`]
//!   (`memhash*`, `strhash`, `f32hash`, `f64hash`, ..., the equal functions and the
//!   hash-key setters) and [`maptype::genalg`] (`interhash`, `nilinterhash`, `typehash`,
//!   [`maptype::GoIface`], ...).
//! * [`base`]: the bucket constants, the [`base::Allocator`] with its function types, the
//!   system allocator's cache of freed bucket arrays ([`base::release_cached_blocks`],
//!   [`base::cached_block_bytes`] and their limits), and how the map fails:
//!   [`RuntimeError`], the typed value of every panic gomap raises (its `Display` is Go's
//!   words, which are also the panic's `String` payload), and [`panic_message`], the text
//!   of a caught panic.
//! * [`swiss`]: the Swiss-table engine in the same spirit: its runtime functions
//!   ([`swiss::runtime`], [`swiss::fast32`], [`swiss::fast64`], [`swiss::faststr`]),
//!   [`swiss::Map`], [`swiss::Iter`], [`swiss::SwissMapType`], [`swiss::SwissRelease`],
//!   [`swiss::check()`] and [`swiss::dump()`].
//! * [`typed`] ([`typed::GoMap`]) and [`ffi`] (the C ABI of `include/gomap.h`).
//!
//! Everything else (reclaim lists, size classes, the random source's controls, SWAR
//! helpers, bucket walkers, the type spelling of the trace language) is private. This
//! repository's own tests, fuzz targets, tools, benchmarks and examples reach it through
//! one door, `gomap::export_test`, compiled only with the cargo feature `export-test`:
//! not part of the API, with no stability promise. The internals stay private at their
//! own paths even with the feature on. This repository's doctests run with the door open
//! (the package's dev-dependency on itself turns `export-test` on), so the items exist
//! and compile through it:
//!
//! ```
//! use gomap::export_test::base::rand::set_fastrand_state;
//! use gomap::export_test::runtime::reclaim::retire;
//! use gomap::export_test::swiss::group::CTRL_EMPTY;
//! ```
//!
//! and the same paths without the door fail (the blocks below; stable rustdoc does not
//! check the error code, E0603 "module is private"):
//!
//! ```compile_fail,E0603
//! // `runtime/reclaim.rs` is private: only `gomap::export_test` reaches it.
//! use gomap::runtime::reclaim::retire;
//! ```
//!
//! ```compile_fail,E0603
//! use gomap::swiss::group::CTRL_EMPTY;
//! ```
//!
//! ```compile_fail,E0603
//! use gomap::base::rand::set_fastrand_state;
//! ```
//!
//! The tools (the `gomap` command line, the trace language and its Go oracle, the tour)
//! live in their own crate, `tools/`, on top; the library depends on none of them.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod base;
pub mod ffi;
pub mod maptype;
pub mod runtime;
pub mod swiss;
pub mod typed;

#[cfg(feature = "export-test")]
pub mod export_test;

/// What [`go_struct!`] expands to names, reached through `$crate` so that nothing in the
/// caller's scope (a macro or crate shadowing `assert`, `core`, `str`, a derive) can
/// change what the expansion means: its layout check is what makes the struct's `unsafe
/// impl`s sound. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use ::core::clone::Clone;
    pub use ::core::cmp::PartialEq;
    pub use ::core::fmt::Debug;
    pub use ::core::mem::{align_of, needs_drop, offset_of, size_of};
    pub use ::core::primitive::str;
    pub use ::core::ptr::write_bytes;
    pub use ::core::stringify;
    pub use ::std::vec::Vec;
}

pub use base::{panic_message, RuntimeError};
pub use maptype::{GoKind, GoString, MapType, MapTypeError, MapTypeFlags, Type};
pub use runtime::{Hiter, Hmap};

/// The README's Rust examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
