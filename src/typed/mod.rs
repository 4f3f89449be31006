//! A safe typed map over the Go runtime: [`GoMap<K, V>`].
//!
//! `GoMap` owns an [`Hmap`] made by [`runtime::makemap`] and the [`MapType`] that
//! [`MapType::for_go_types`] builds for its key kind, and drives it only through the
//! runtime's own functions (`mapaccess2`, `mapaccessK`, `mapassign`, `mapdelete`,
//! `mapclear`, `mapiterinit`/`mapiternext`, `mapfree`). So the bytes in its buckets are
//! exactly what Go 1.19 would hold for the same `map[K]V` and the same operations, and
//! [`GoMap::dump`] shows them.
//!
//! # What is stored where
//!
//! * Keys are the types that implement [`GoKey`]: the integers, `bool`, `f32`, `f64`,
//!   `[u8; N]` and `String`. A `String` key is stored as Go's string header
//!   ([`GoString`]: pointer, length) over a `Box<[u8]>` that the map owns; the box is
//!   freed when the entry is removed, cleared or dropped (after the runtime is done with
//!   the key, see [`GoMap::remove`]).
//! * Values are any `V`. A `V` is stored inline in the elem slot when it is at most 128
//!   bytes, and behind a pointer the runtime allocates otherwise, as Go does; a `V` aligned
//!   to more than 8 bytes (Go's buckets never are) is stored as a `Box<V>`. Values are
//!   dropped exactly once: on overwrite ([`GoMap::insert`] returns the old one), removal,
//!   [`GoMap::clear`] and drop. They are read out of their slot *before* `mapdelete` or
//!   `mapclear` zeroes it.
//!
//! # Go semantics kept
//!
//! * Iteration order is Go's: random start bucket and offset, a new one per iteration.
//! * Float keys compare as Go's `==`: `-0.0` finds `+0.0` (and, as Go does, overwrites the
//!   stored key with `-0.0`), and a NaN key never equals anything, so every
//!   `insert(f64::NAN, v)` adds an entry that only [`GoMap::clear`], [`GoMap::retain`] or
//!   drop can remove.
//! * The map never shrinks; [`GoMap::with_capacity`] takes Go's `make` hint.
//!
//! # What misuse remains possible through [`GoMap::raw`]
//!
//! The raw pointer lets a caller run any runtime function on the map, all `unsafe`. The
//! wrapper's invariants that such a caller must keep:
//! * every live key slot holds a valid `K` representation (for `String`: a header over a
//!   `Box<[u8]>` of exactly `len` bytes of UTF-8 that the map owns) and every live elem slot
//!   a valid `V` (or `Box<V>`). `mapassign` with a borrowed string header, or writing bytes
//!   that are not a `V`, is undefined behaviour at the next read or drop;
//! * `mapdelete`/`mapclear` through the raw pointer neither drop the value nor free a
//!   string key: a leak (safe, but a leak);
//! * `mapfree`/`mapdestroy` through it is a double free when the `GoMap` drops;
//! * an [`Hiter`] started on the raw map must be dropped before the `GoMap` is mutated
//!   through its safe API or dropped, and no write may go through the pointer while a
//!   reference from [`GoMap::get`] or an iterator is alive.
//!
//! ```
//! use gomap::typed::GoMap;
//!
//! let mut ages: GoMap<String, u32> = GoMap::new();
//! ages.insert("gopher".to_string(), 13);
//! ages.insert("ferris".to_string(), 9);
//! *ages.get_mut("ferris").unwrap() += 1;
//! assert_eq!(ages.get("ferris"), Some(&10));
//! assert_eq!(ages.remove("gopher"), Some(13));
//! assert_eq!(ages.len(), 1);
//! ages.check().unwrap();
//! ```

use core::fmt;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use core::ptr;

use crate::maptype::{GoKind, GoString, MapFast, MapType};
use crate::runtime::make::for_each_live_cell;
use crate::runtime::types::{elem_at, key_at, load_ptr, HASH_WRITING, MAX_ELEM_SIZE};
use crate::runtime::{
    self, map_access2, map_assign, map_delete, mapaccess2_fast32, mapaccess2_fast64,
    mapaccess2_faststr, mapaccessK, mapassign_fast32, mapassign_fast64, mapassign_faststr,
    mapclear, mapdelete_fast32, mapdelete_fast64, mapdelete_faststr, mapfree, mapiterinit,
    mapiternext, Allocator, Bmap, Hiter, Hmap,
};

mod sealed {
    pub trait Sealed {}
}

pub mod keys;

/// A key type [`GoMap`] can store: one whose Go equivalent the descriptor builders cover.
///
/// The trait is sealed: the map trusts each implementation to describe the slot bytes
/// exactly as the [`GoKind`]'s hash and equal functions read them (no padding, every
/// equal pair hashing alike, ownership of a string's bytes), which an outside
/// implementation could get wrong and so cause undefined behaviour.
///
/// [`GoKey::Query`] is the borrowed form used for lookups and handed out by iteration:
/// `str` for `String`, the key type itself otherwise.
///
/// | Rust key | Go key | stored as |
/// |---|---|---|
/// | `i8` .. `i64`, `isize` | `int8` .. `int64`, `int` | the integer |
/// | `u8` .. `u64`, `usize` | `uint8` .. `uint64`, `uint` | the integer |
/// | `bool` | `bool` | one byte |
/// | `f32`, `f64` | `float32`, `float64` | the float (NaN != NaN) |
/// | `[u8; N]` | `[N]byte` | the bytes (behind a pointer when `N > 128`) |
/// | `String` | `string` | a [`GoString`] header over owned bytes |
///
/// ```
/// use gomap::typed::{GoKey, GoMap};
///
/// fn count<K: GoKey>(keys: impl IntoIterator<Item = K>) -> GoMap<K, usize> {
///     let mut m = GoMap::new();
///     for k in keys {
///         *m.entry(k).or_insert(0) += 1;
///     }
///     m
/// }
/// let m = count([3u16, 1, 3]);
/// assert_eq!((m[&3], m[&1], m.len()), (2, 1, 2));
/// ```
pub trait GoKey: sealed::Sealed + Sized {
    /// The borrowed form of the key: `str` for `String`, the key type otherwise.
    type Query: ?Sized;
    /// The bytes of a key slot.
    #[doc(hidden)]
    type Stored: Copy;
    /// The Go type of the key.
    #[doc(hidden)]
    const KIND: GoKind;
    /// Whether a stored key owns memory that must be freed with the entry.
    #[doc(hidden)]
    const OWNS_MEMORY: bool;
    /// The runtime family Go's compiler picks for this key type (`walk.mapfast`) when the
    /// elem is at most 128 bytes, or `None` to read it from the descriptor at run time.
    #[doc(hidden)]
    const FAST: Option<MapFast> = None;
    /// The key as its borrowed form.
    #[doc(hidden)]
    fn as_query(&self) -> &Self::Query;
    /// A slot representation of `q` for hashing and comparing; it owns nothing and must
    /// never be stored in a map.
    #[doc(hidden)]
    fn lookup(q: &Self::Query) -> Self::Stored;
    /// The slot representation that takes over the key's memory.
    #[doc(hidden)]
    fn into_stored(self) -> Self::Stored;
    /// Takes the memory of a slot representation back.
    ///
    /// # Safety
    /// `s` came from `into_stored` and is taken back once.
    #[doc(hidden)]
    unsafe fn from_stored(s: Self::Stored) -> Self;
    /// The borrowed form of a stored key.
    ///
    /// # Safety
    /// `s` points at a live slot representation made by `into_stored`, alive for `'a`.
    #[doc(hidden)]
    unsafe fn query<'a>(s: *const Self::Stored) -> &'a Self::Query;
    /// An owned key equal to `q`.
    #[doc(hidden)]
    fn from_query(q: &Self::Query) -> Self;
    /// The descriptor of `map[Self]E` (composite keys build it from their Go type).
    #[doc(hidden)]
    fn key_maptype(elem: GoKind) -> Result<MapType, crate::maptype::MapTypeError> {
        MapType::for_go_types(Self::KIND, elem)
    }
}

macro_rules! plain_keys {
    ($($t:ty => $kind:expr, $fast:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl GoKey for $t {
            type Query = $t;
            type Stored = $t;
            const KIND: GoKind = $kind;
            const OWNS_MEMORY: bool = false;
            const FAST: Option<MapFast> = Some(MapFast::$fast);
            #[inline]
            fn as_query(&self) -> &$t {
                self
            }
            #[inline]
            fn lookup(q: &$t) -> $t {
                *q
            }
            #[inline]
            fn into_stored(self) -> $t {
                self
            }
            #[inline]
            unsafe fn from_stored(s: $t) -> $t {
                s
            }
            #[inline]
            unsafe fn query<'a>(s: *const $t) -> &'a $t {
                // SAFETY: the caller vouches for a live key for 'a; key slots of these
                // types are aligned (every slot offset is a multiple of the key's size,
                // which is a multiple of its alignment, and buckets are 8-aligned).
                unsafe { &*s }
            }
            #[inline]
            fn from_query(q: &$t) -> $t {
                *q
            }
        }
    )*};
}

#[cfg(target_pointer_width = "64")]
plain_keys!(isize => GoKind::Int, Fast64, usize => GoKind::Uint, Fast64);
#[cfg(target_pointer_width = "32")]
plain_keys!(isize => GoKind::Int32, Fast32, usize => GoKind::Uint32, Fast32);

plain_keys!(
    i8 => GoKind::Int8, Slow,
    i16 => GoKind::Int16, Slow,
    i32 => GoKind::Int32, Fast32,
    i64 => GoKind::Int64, Fast64,
    u8 => GoKind::Uint8, Slow,
    u16 => GoKind::Uint16, Slow,
    u32 => GoKind::Uint32, Fast32,
    u64 => GoKind::Uint64, Fast64,
    bool => GoKind::Bool, Slow,
    // Floats hash and compare as floats (NaN, -0.0): Go keeps them generic.
    f32 => GoKind::Float32, Slow,
    f64 => GoKind::Float64, Slow,
);

impl<const N: usize> sealed::Sealed for [u8; N] {}
impl<const N: usize> GoKey for [u8; N] {
    type Query = [u8; N];
    type Stored = [u8; N];
    const KIND: GoKind = GoKind::Bytes(N);
    const OWNS_MEMORY: bool = false;
    #[inline]
    fn as_query(&self) -> &[u8; N] {
        self
    }
    #[inline]
    fn lookup(q: &[u8; N]) -> [u8; N] {
        *q
    }
    #[inline]
    fn into_stored(self) -> [u8; N] {
        self
    }
    #[inline]
    unsafe fn from_stored(s: [u8; N]) -> [u8; N] {
        s
    }
    #[inline]
    unsafe fn query<'a>(s: *const [u8; N]) -> &'a [u8; N] {
        // SAFETY: the caller vouches for a live key for 'a; byte arrays need no alignment.
        unsafe { &*s }
    }
    #[inline]
    fn from_query(q: &[u8; N]) -> [u8; N] {
        *q
    }
}

impl sealed::Sealed for String {}
impl GoKey for String {
    type Query = str;
    type Stored = GoString;
    const KIND: GoKind = GoKind::String;
    const OWNS_MEMORY: bool = true;
    const FAST: Option<MapFast> = Some(MapFast::FastStr);
    #[inline]
    fn as_query(&self) -> &str {
        self
    }
    #[inline]
    fn lookup(q: &str) -> GoString {
        GoString::from_bytes(q.as_bytes())
    }
    fn into_stored(self) -> GoString {
        let b: Box<[u8]> = self.into_bytes().into_boxed_slice();
        let len = b.len();
        GoString {
            ptr: Box::into_raw(b).cast::<u8>(),
            len,
        }
    }
    unsafe fn from_stored(s: GoString) -> String {
        let raw = ptr::slice_from_raw_parts_mut(s.ptr as *mut u8, s.len);
        // SAFETY: `s` came from `into_stored`, which leaked exactly this Box<[u8]>, and it
        // is taken back once (caller).
        let b = unsafe { Box::from_raw(raw) };
        // SAFETY: the bytes came from a String, so they are UTF-8.
        unsafe { String::from_utf8_unchecked(b.into_vec()) }
    }
    #[inline]
    unsafe fn query<'a>(s: *const GoString) -> &'a str {
        // SAFETY: a live stored header (caller) points at `len` bytes the map owns, alive
        // for 'a; they came from a String, so they are UTF-8.
        unsafe { core::str::from_utf8_unchecked((*s).as_bytes()) }
    }
    #[inline]
    fn from_query(q: &str) -> String {
        q.to_owned()
    }
}

/// How a `V` sits in an elem slot: inline when its alignment fits a bucket (at most 8,
/// which every slot offset is a multiple of), else as a `Box<V>`.
struct Slot<V>(PhantomData<V>);

impl<V> Slot<V> {
    const BOXED: bool = mem::align_of::<V>() > 8;
    /// Whether a slot needs dropping: a `V` that does, or any boxed `V` (the box).
    const NEEDS_DROP: bool = Self::BOXED || mem::needs_drop::<V>();
    /// The size of the elem slot.
    const SIZE: usize = if Self::BOXED {
        mem::size_of::<Box<V>>()
    } else {
        mem::size_of::<V>()
    };

    /// The Go type the elem slot is described as: plain memory of the slot's size.
    fn kind() -> GoKind {
        if Self::BOXED {
            GoKind::Memory {
                size: mem::size_of::<Box<V>>(),
                align: mem::align_of::<Box<V>>() as u8,
            }
        } else {
            GoKind::Memory {
                size: mem::size_of::<V>(),
                align: mem::align_of::<V>() as u8,
            }
        }
    }

    /// # Safety
    /// `p` is the elem of a live entry (indirection resolved), holding a `V`, for `'a`.
    #[inline]
    unsafe fn get<'a>(p: *mut u8) -> &'a V {
        // SAFETY: the caller vouches for a live V (or Box<V>) at `p`, aligned as argued on
        // `Slot`.
        unsafe {
            if Self::BOXED {
                (*p.cast::<Box<V>>()).as_ref()
            } else {
                &*p.cast::<V>()
            }
        }
    }

    /// # Safety
    /// As [`Slot::get`], with no other reference to the value for `'a`.
    #[inline]
    unsafe fn get_mut<'a>(p: *mut u8) -> &'a mut V {
        // SAFETY: as in `get`; exclusivity is the caller's.
        unsafe {
            if Self::BOXED {
                (*p.cast::<Box<V>>()).as_mut()
            } else {
                &mut *p.cast::<V>()
            }
        }
    }

    /// # Safety
    /// `p` is the elem of an entry that holds no value (a fresh slot from `mapassign`).
    #[inline]
    unsafe fn write(p: *mut u8, v: V) {
        // SAFETY: an aligned, writable, empty slot (caller).
        unsafe {
            if Self::BOXED {
                p.cast::<Box<V>>().write(Box::new(v))
            } else {
                p.cast::<V>().write(v)
            }
        }
    }

    /// Moves the value out; the slot must then be treated as empty.
    ///
    /// # Safety
    /// As [`Slot::get`]; the slot is not read as a `V` again.
    #[inline]
    unsafe fn read(p: *mut u8) -> V {
        // SAFETY: a live value (caller), moved out once.
        unsafe {
            if Self::BOXED {
                *p.cast::<Box<V>>().read()
            } else {
                p.cast::<V>().read()
            }
        }
    }

    /// # Safety
    /// As [`Slot::read`].
    #[inline]
    unsafe fn drop_in_place(p: *mut u8) {
        // SAFETY: a live value (caller), dropped once.
        unsafe {
            if Self::BOXED {
                ptr::drop_in_place(p.cast::<Box<V>>())
            } else {
                ptr::drop_in_place(p.cast::<V>())
            }
        }
    }
}

/// Runs a closure when dropped, unless defused: the cleanup that must also happen when a
/// value's `Drop` panics (hashbrown's `ScopeGuard`).
struct Guard<F: FnMut()>(Option<F>);

impl<F: FnMut()> Drop for Guard<F> {
    fn drop(&mut self) {
        if let Some(mut f) = self.0.take() {
            f();
        }
    }
}

/// Owns a key's slot representation until defused; frees it if a runtime call panics
/// before the map took it.
struct StoredGuard<K: GoKey>(Option<K::Stored>);

impl<K: GoKey> StoredGuard<K> {
    fn defuse(mut self) {
        self.0 = None;
    }
}

impl<K: GoKey> Drop for StoredGuard<K> {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            // SAFETY: the map never took `s`; we still own it.
            drop(unsafe { K::from_stored(s) });
        }
    }
}

/// The address of a local, as the runtime takes keys.
#[inline(always)]
fn addr<T>(x: &T) -> *const u8 {
    (x as *const T).cast()
}

/// Calls `f(key, elem)` (indirection resolved) for every live entry of `h`: the
/// unevacuated cells of the old array and the cells of the current one. Walks the chains
/// without hashing anything, so `f` may free the keys it has seen.
///
/// # Safety
/// `h` is a live map of type `t`; nothing else uses it during the call.
unsafe fn for_each_entry(t: &MapType, h: &Hmap, mut f: impl FnMut(*mut u8, *mut u8)) {
    let mut visit = |b: *mut Bmap, i: usize| {
        // SAFETY: `b`, `i` name a live cell of `t` (for_each_live_cell); a live cell's
        // indirect slots hold live pointers.
        unsafe {
            let mut k = key_at(t, b, i);
            if t.indirectkey() {
                k = load_ptr(k);
            }
            let mut e = elem_at(t, b, i);
            if t.indirectelem() {
                e = load_ptr(e);
            }
            f(k, e)
        }
    };
    if h.growing() {
        let old_b = h.oldB();
        // SAFETY: the old array is live with 2^old_b buckets while growing.
        unsafe { for_each_live_cell(t, h.oldbuckets, old_b, &mut visit) };
    }
    if !h.buckets.is_null() {
        // SAFETY: the current array is live with 2^B buckets.
        unsafe { for_each_live_cell(t, h.buckets, h.B, &mut visit) };
    }
}

/// A hash map with Go 1.19's exact layout and behaviour, holding Rust keys and values.
///
/// See the [module documentation](self) for how keys and values are stored and which Go
/// semantics are kept.
///
/// Invariants: `h` is a live map made by `makemap` with `*t`; every live cell holds a key
/// made by [`GoKey::into_stored`] and a `V` (inline, indirect, or boxed per `Slot`), each
/// owned by the map; `graveyard` holds the keys of removed entries whose stale copies an
/// evacuated old bucket may still show (see [`GoMap::dump`]); `t` is boxed so its address,
/// which iterators keep, is stable.
///
/// `GoMap<K, V>` is `Send` when `K` and `V` are: it owns them and its memory. It is `Sync`
/// when `K` and `V` are, because every `&self` method only reads the map: lookups read
/// buckets, and iteration changes only the map's atomic `flags` byte and atomic
/// live-iterator count (Go's rule "any number of readers" is exactly what the runtime
/// implements; nothing retired can be pending without a writer, and writers need `&mut`).
///
/// ```
/// use gomap::typed::GoMap;
///
/// let mut m: GoMap<i64, &str> = [(1, "one"), (2, "two")].into_iter().collect();
/// assert_eq!(m.insert(2, "deux"), Some("two"));
/// let mut keys: Vec<i64> = m.keys().copied().collect();
/// keys.sort();
/// assert_eq!(keys, [1, 2]);
/// ```
pub struct GoMap<K: GoKey, V> {
    t: Box<MapType>,
    h: *mut Hmap,
    graveyard: Vec<K>,
    _owns: PhantomData<(K, V)>,
}

// SAFETY: the map owns its keys, values and memory (allocated through an Allocator, whose
// contract makes it callable from any thread); moving it moves all of them.
unsafe impl<K: GoKey + Send, V: Send> Send for GoMap<K, V> {}
// SAFETY: see the type's documentation: `&self` methods only read, apart from atomics.
unsafe impl<K: GoKey + Sync, V: Sync> Sync for GoMap<K, V> {}

impl<K: GoKey, V> GoMap<K, V> {
    /// The descriptor Go's compiler would emit for this map type.
    fn maptype(alloc: Allocator) -> Box<MapType> {
        let t = K::key_maptype(Slot::<V>::kind())
            .expect("every GoKey kind and every Rust value layout has a Go map type");
        if let Some(fast) = Self::FAST {
            // The static choice below must be the descriptor's (`walk.mapfast`).
            assert_eq!(t.fast(), fast, "GoKey::FAST disagrees with the descriptor");
        }
        Box::new(t.with_allocator(alloc))
    }

    /// The runtime family of `map[K]V`, known statically where the key type fixes it:
    /// `walk.mapfast` sends every map whose elem is over 128 bytes to the generic functions.
    const FAST: Option<MapFast> = match K::FAST {
        Some(_) if Slot::<V>::SIZE > MAX_ELEM_SIZE => Some(MapFast::Slow),
        f => f,
    };

    /// `v, ok := m[k]` through the function Go's compiler calls for this map type; the
    /// match is on a constant, so each `GoMap<K, V>` compiles to one direct call.
    ///
    /// # Safety
    /// `lk` is a key of `t`; no writer runs concurrently.
    #[inline(always)]
    unsafe fn access2(&self, lk: &K::Stored) -> (*mut u8, bool) {
        let (t, h, k) = (&*self.t, self.h, addr(lk));
        // SAFETY: `h` is live of type `t` (type invariant); `t.fast()` is `Self::FAST`
        // (asserted in `maptype`), so the key is read as the type its family expects
        // (read_unaligned: no alignment needed); other duties are the caller's.
        unsafe {
            match Self::FAST {
                Some(MapFast::Fast32) => mapaccess2_fast32(t, h, k.cast::<u32>().read_unaligned()),
                Some(MapFast::Fast64) => mapaccess2_fast64(t, h, k.cast::<u64>().read_unaligned()),
                Some(MapFast::FastStr) => {
                    mapaccess2_faststr(t, h, k.cast::<GoString>().read_unaligned())
                }
                _ => map_access2(t, h, k),
            }
        }
    }

    /// `m[k] = ...` through the function Go's compiler calls (see [`GoMap::access2`]).
    ///
    /// # Safety
    /// `s` is a key of `t`; exclusive access. A string key's header is stored when the key
    /// is new and overwrites the stored pointer when it is present (as in Go).
    #[inline(always)]
    unsafe fn assign(&mut self, s: &K::Stored) -> *mut u8 {
        let (t, h, k) = (&*self.t, self.h, addr(s));
        // SAFETY: as in `access2`.
        unsafe {
            match Self::FAST {
                Some(MapFast::Fast32) => mapassign_fast32(t, h, k.cast::<u32>().read_unaligned()),
                Some(MapFast::Fast64) => mapassign_fast64(t, h, k.cast::<u64>().read_unaligned()),
                Some(MapFast::FastStr) => {
                    mapassign_faststr(t, h, k.cast::<GoString>().read_unaligned())
                }
                _ => map_assign(t, h, k),
            }
        }
    }

    /// `delete(m, k)` through the function Go's compiler calls (see [`GoMap::access2`]):
    /// for string keys `mapdelete_faststr`, which keeps the key's length in the slot.
    ///
    /// # Safety
    /// `s` is a key of `t`; exclusive access.
    #[inline(always)]
    unsafe fn delete(&mut self, s: &K::Stored) {
        let (t, h, k) = (&*self.t, self.h, addr(s));
        // SAFETY: as in `access2`.
        unsafe {
            match Self::FAST {
                Some(MapFast::Fast32) => mapdelete_fast32(t, h, k.cast::<u32>().read_unaligned()),
                Some(MapFast::Fast64) => mapdelete_fast64(t, h, k.cast::<u64>().read_unaligned()),
                Some(MapFast::FastStr) => {
                    mapdelete_faststr(t, h, k.cast::<GoString>().read_unaligned())
                }
                _ => map_delete(t, h, k),
            }
        }
    }

    /// An empty map (`make(map[K]V)`): no buckets until the first insert.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u8, ()> = gomap::typed::GoMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn new() -> GoMap<K, V> {
        GoMap::with_capacity_in(0, Allocator::system())
    }

    /// An empty map sized for `hint` entries (`make(map[K]V, hint)`): the bucket array is
    /// allocated now for the smallest `B` with `hint <= 6.5 * 2^B`.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<i64, i64> = gomap::typed::GoMap::with_capacity(100);
    /// let (_, h) = m.raw();
    /// assert_eq!(unsafe { (*h).B }, 4); // 6.5 * 16 = 104 >= 100
    /// ```
    pub fn with_capacity(hint: usize) -> GoMap<K, V> {
        GoMap::with_capacity_in(hint, Allocator::system())
    }

    /// An empty map whose buckets, overflow buckets and indirect keys and values come
    /// from `alloc` (string key bytes and boxed values still come from Rust's allocator).
    ///
    /// ```
    /// use gomap::runtime::Allocator;
    /// let mut m: gomap::typed::GoMap<u32, u32> = gomap::typed::GoMap::new_in(Allocator::system());
    /// m.insert(1, 2);
    /// assert_eq!(m.get(&1), Some(&2));
    /// ```
    pub fn new_in(alloc: Allocator) -> GoMap<K, V> {
        GoMap::with_capacity_in(0, alloc)
    }

    /// [`GoMap::with_capacity`] with an allocator, as [`GoMap::new_in`].
    ///
    /// ```
    /// use gomap::runtime::Allocator;
    /// let m: gomap::typed::GoMap<u32, u32> =
    ///     gomap::typed::GoMap::with_capacity_in(9, Allocator::system());
    /// assert_eq!(unsafe { (*m.raw().1).B }, 1);
    /// ```
    pub fn with_capacity_in(hint: usize, alloc: Allocator) -> GoMap<K, V> {
        Self::with_capacity_for(crate::maptype::GoRelease::Go1_19, hint, alloc)
    }

    /// [`GoMap::with_capacity_in`] for Go release `r`: the map follows that release's
    /// `map.go` (load factor, `clear`, random numbers; see [`crate::maptype::release`]).
    ///
    /// ```
    /// use gomap::maptype::GoRelease;
    /// use gomap::runtime::Allocator;
    /// let m: gomap::typed::GoMap<i64, i64> =
    ///     gomap::typed::GoMap::with_capacity_for(GoRelease::Go1_21, 100, Allocator::system());
    /// assert_eq!(unsafe { (*m.raw().1).B }, 5); // go1.21: 6.0 * 16 = 96 < 100
    /// ```
    pub fn with_capacity_for(
        r: crate::maptype::GoRelease,
        hint: usize,
        alloc: Allocator,
    ) -> GoMap<K, V> {
        // From here on the hash keys cannot change from safe code.
        crate::maptype::alg::note_safe_map();
        let t = Box::new(Self::maptype(alloc).with_release(r));
        // A hint above isize::MAX is treated as Go treats an impossible one: ignored.
        let hint = isize::try_from(hint).unwrap_or(0);
        // SAFETY: a null `h` asks makemap to allocate the header; the map is used only
        // with `t` and freed with mapfree in Drop.
        let h = unsafe { runtime::makemap(&t, hint, ptr::null_mut()) };
        GoMap {
            t,
            h,
            graveyard: Vec::new(),
            _owns: PhantomData,
        }
    }

    /// Number of entries (Go's `len(m)`).
    ///
    /// ```
    /// let m: gomap::typed::GoMap<i8, i8> = [(1, 1), (2, 2)].into();
    /// assert_eq!(m.len(), 2);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        // SAFETY: `h` is live (type invariant).
        unsafe { (*self.h).count }
    }

    /// Whether the map has no entries.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<i8, i8> = gomap::typed::GoMap::new();
    /// assert!(m.is_empty());
    /// m.insert(0, 0);
    /// assert!(!m.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value for `key` (Go's `v, ok := m[key]`).
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<String, i32> = gomap::typed::GoMap::new();
    /// m.insert("a".into(), 1);
    /// assert_eq!(m.get("a"), Some(&1));
    /// assert_eq!(m.get("b"), None);
    /// ```
    pub fn get(&self, key: &K::Query) -> Option<&V> {
        let lk = K::lookup(key);
        // SAFETY: `h` is live with type `t`; `lk` is a key of `t` (it owns nothing, and the
        // runtime only reads it); no writer can run while we hold `&self`.
        let (e, ok) = unsafe { self.access2(&lk) };
        // SAFETY: a found elem is a live value, alive while `&self` keeps writers out.
        ok.then(|| unsafe { Slot::<V>::get(e) })
    }

    /// The stored key and value for `key`. The stored key can differ from `key` in its
    /// bytes while comparing equal (`-0.0` and `+0.0`).
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<f64, u8> = gomap::typed::GoMap::new();
    /// m.insert(0.0, 1);
    /// let (k, v) = m.get_key_value(&-0.0).unwrap();
    /// assert!(k.is_sign_positive() && *v == 1);
    /// ```
    pub fn get_key_value(&self, key: &K::Query) -> Option<(&K::Query, &V)> {
        let lk = K::lookup(key);
        // SAFETY: as in `get`.
        let (k, e) = unsafe { mapaccessK(&self.t, self.h, addr(&lk)) };
        if k.is_null() {
            return None;
        }
        // SAFETY: a found entry's key and elem are live while `&self` keeps writers out.
        unsafe { Some((K::query(k.cast()), Slot::<V>::get(e))) }
    }

    /// A mutable reference to the value for `key`.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u64, Vec<u8>> = gomap::typed::GoMap::new();
    /// m.insert(7, vec![]);
    /// m.get_mut(&7).unwrap().push(1);
    /// assert_eq!(m[&7], [1]);
    /// ```
    pub fn get_mut(&mut self, key: &K::Query) -> Option<&mut V> {
        let lk = K::lookup(key);
        // SAFETY: as in `get`.
        let (e, ok) = unsafe { self.access2(&lk) };
        // SAFETY: a live value; `&mut self` makes the reference exclusive.
        ok.then(|| unsafe { Slot::<V>::get_mut(e) })
    }

    /// Whether the map holds `key`.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<[u8; 2], ()> = [([1, 2], ())].into();
    /// assert!(m.contains_key(&[1, 2]) && !m.contains_key(&[2, 1]));
    /// ```
    pub fn contains_key(&self, key: &K::Query) -> bool {
        self.get(key).is_some()
    }

    /// Inserts `value` for `key` (Go's `m[key] = value`), returning the value it replaces.
    /// For float keys the stored key is overwritten by `key`, as Go does (`+0.0` becomes
    /// `-0.0`); a `String` key already present keeps its stored bytes (equal anyway) and
    /// `key` is dropped.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<i32, &str> = gomap::typed::GoMap::new();
    /// assert_eq!(m.insert(1, "a"), None);
    /// assert_eq!(m.insert(1, "b"), Some("a"));
    /// assert_eq!(m[&1], "b");
    /// ```
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.sweep();
        if K::OWNS_MEMORY {
            // Look the key up first: `mapassign_faststr` would overwrite a stored string
            // header's pointer and lose the box it owns.
            let lk = K::lookup(key.as_query());
            // SAFETY: as in `get`; `&mut self` makes the elem ours.
            let (e, found) = unsafe { self.access2(&lk) };
            if found {
                // SAFETY: a live value, replaced in place.
                return Some(unsafe { mem::replace(Slot::<V>::get_mut(e), value) });
            }
            // SAFETY: the key is absent, so this makes a new entry.
            unsafe { self.insert_new(key, value) };
            return None;
        }
        let before = self.len();
        let s = key.into_stored();
        // SAFETY: `h` is live of type `t`; `&mut self` gives exclusive access; `s` is a
        // key of `t` owning nothing.
        let e = unsafe { self.assign(&s) };
        if self.len() > before {
            // SAFETY: a new entry's elem is a zeroed, empty slot.
            unsafe { Slot::<V>::write(e, value) };
            None
        } else {
            // SAFETY: an existing entry's elem holds a live value.
            Some(unsafe { mem::replace(Slot::<V>::get_mut(e), value) })
        }
    }

    /// Adds an entry for a key known to be absent; returns its elem.
    ///
    /// # Safety
    /// `key` is not in the map.
    unsafe fn insert_new(&mut self, key: K, value: V) -> *mut u8 {
        let guard = StoredGuard::<K>(Some(key.into_stored()));
        let s = guard.0.as_ref().expect("just set");
        // SAFETY: exclusive access (`&mut self`); `s` is a key of `t`. The slot keeps a
        // copy of `s`, which from here on owns the key's memory.
        let e = unsafe { self.assign(s) };
        guard.defuse();
        // SAFETY: the key was absent (caller), so the elem is a fresh zeroed slot.
        unsafe { Slot::<V>::write(e, value) };
        e
    }

    /// Removes `key`, returning its value (Go's `delete(m, key)`).
    ///
    /// The stored key is found with `mapaccessK` first; the value is moved out of its
    /// slot before `mapdelete` zeroes it, and a `String` key's bytes are freed only after
    /// `mapdelete`, which still compares against them.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<String, u8> = [("x".to_string(), 1)].into();
    /// assert_eq!(m.remove("x"), Some(1));
    /// assert_eq!(m.remove("x"), None);
    /// ```
    pub fn remove(&mut self, key: &K::Query) -> Option<V> {
        self.sweep();
        let lk = K::lookup(key);
        // SAFETY: as in `get`.
        let (k, e) = unsafe { mapaccessK(&self.t, self.h, addr(&lk)) };
        if k.is_null() {
            return None;
        }
        // SAFETY: a live entry of this map found by key, exclusively ours.
        let (key, v) = unsafe { self.delete_found(k, e) };
        self.bury(key);
        Some(v)
    }

    /// Removes `key`, returning the stored key and its value.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<String, u8> = [("x".to_string(), 1)].into();
    /// assert_eq!(m.remove_entry("x"), Some(("x".to_string(), 1)));
    /// ```
    pub fn remove_entry(&mut self, key: &K::Query) -> Option<(K, V)> {
        self.sweep();
        let lk = K::lookup(key);
        // SAFETY: as in `get`.
        let (k, e) = unsafe { mapaccessK(&self.t, self.h, addr(&lk)) };
        if k.is_null() {
            return None;
        }
        // SAFETY: a live entry of this map found by key, exclusively ours.
        let (key, v) = unsafe { self.delete_found(k, e) };
        Some((self.surrender(key), v))
    }

    /// Deletes the live entry whose key and elem are at `k` and `e`, returning them.
    ///
    /// # Safety
    /// `k`/`e` are the key and elem of a live entry (from `mapaccessK` or an iterator),
    /// whose key compares equal to itself.
    unsafe fn delete_found(&mut self, k: *mut u8, e: *mut u8) -> (K, V) {
        // A copy of the stored key: `mapdelete` zeroes the slot, and it needs a key to
        // hash and compare that stays put.
        // SAFETY: a live key slot (caller).
        let stored: K::Stored = unsafe { k.cast::<K::Stored>().read() };
        // Kept from dropping until mapdelete returns: if it panicked (a poisoned map) the
        // slot would still hold this value.
        // SAFETY: a live value, moved out once; the slot is zeroed by mapdelete next.
        let v = ManuallyDrop::new(unsafe { Slot::<V>::read(e) });
        let before = self.len();
        // SAFETY: exclusive access; `stored` is a key of `t` equal to the entry's.
        unsafe { self.delete(&stored) };
        if self.len() + 1 != before {
            // The delete did not find the entry (a hash that no longer agrees with the one
            // the entry was stored under): the map still owns the key and the value, so
            // both are left to it (`v` stays undropped) rather than owned twice.
            crate::base::panic::throw("bad map state");
        }
        // SAFETY: the map dropped the entry, so its key representation is ours again.
        let key = unsafe { K::from_stored(stored) };
        (key, ManuallyDrop::into_inner(v))
    }

    /// Whether a removed key's memory may still be shown by a stale copy: an old bucket
    /// evacuated while an iterator had the old array keeps its bytes (Go leaves them to
    /// its collector), and [`GoMap::dump`] prints them until the growth is over.
    fn stale_copies_possible(&self) -> bool {
        // SAFETY: `h` is live.
        K::OWNS_MEMORY && unsafe { (*self.h).growing() }
    }

    /// Drops a removed key, or keeps it in the graveyard while a stale copy may show it.
    fn bury(&mut self, key: K) {
        if self.stale_copies_possible() {
            self.graveyard.push(key);
        }
    }

    /// A removed key for the caller: the key itself, or an equal copy while the original
    /// must stay buried.
    fn surrender(&mut self, key: K) -> K {
        if self.stale_copies_possible() {
            let copy = K::from_query(key.as_query());
            self.graveyard.push(key);
            copy
        } else {
            key
        }
    }

    /// Frees buried keys once the growth that could show them is over.
    fn sweep(&mut self) {
        // SAFETY: `h` is live.
        if !self.graveyard.is_empty() && !unsafe { (*self.h).growing() } {
            self.graveyard.clear();
        }
    }

    /// Removes every entry, dropping keys and values, and keeps the bucket array (Go's
    /// `for k := range m { delete(m, k) }`, compiled to `mapclear`).
    ///
    /// If a value's `Drop` panics, the other keys and values are still dropped (each
    /// once), the map is cleared, and the first panic is then resumed; so is drop.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, String> = [(1, "a".to_string())].into();
    /// m.clear();
    /// assert!(m.is_empty());
    /// m.check().unwrap();
    /// ```
    pub fn clear(&mut self) {
        if self.is_empty() {
            // Go's mapclear returns at once, growth and all: the old buckets may still
            // show removed keys, so the graveyard stays as it is.
            return;
        }
        let (t, h) = (&*self.t, self.h);
        // Zero the map whatever happens to the drops below.
        let _clear = Guard(Some(|| {
            // SAFETY: exclusive access; every owned key and value has been dropped (or
            // a panic left drop_entries half-way); mapclear only zeroes and retires memory.
            unsafe { mapclear(t, h) }
        }));
        // SAFETY: exclusive access; each live entry is dropped once, and the walk hashes
        // nothing, so freeing keys as we go is fine.
        unsafe { Self::drop_entries(t, h) };
        drop(_clear);
        // mapclear dropped the old array: nothing shows the removed keys any more.
        self.graveyard.clear();
    }

    /// Drops every live key and value in place.
    ///
    /// # Safety
    /// Exclusive access; the entries are not used as values again (the caller zeroes or
    /// frees the map next).
    unsafe fn drop_entries(t: &MapType, h: *mut Hmap) {
        if !K::OWNS_MEMORY && !Slot::<V>::NEEDS_DROP {
            return;
        }
        // The first panic of a value's `Drop`, resumed once every entry is dropped (as a
        // `Vec` goes on dropping its other elements).
        let mut first: Option<Box<dyn core::any::Any + Send>> = None;
        // SAFETY: `h` is live (caller); each entry is visited once.
        unsafe {
            for_each_entry(t, &*h, |k, e| {
                if K::OWNS_MEMORY {
                    drop(K::from_stored(k.cast::<K::Stored>().read()));
                }
                if Slot::<V>::NEEDS_DROP {
                    // SAFETY: a live value, dropped once (a panic inside its Drop still
                    // ends its life).
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        Slot::<V>::drop_in_place(e)
                    }));
                    if let Err(p) = r {
                        first.get_or_insert(p);
                    }
                }
            })
        };
        if let Some(p) = first {
            std::panic::resume_unwind(p);
        }
    }

    /// Keeps only the entries for which `f` returns true, visiting them in Go's random
    /// order and deleting the others during the iteration, as a Go `range` loop may.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<i32, i32> = (0..100).map(|i| (i, i)).collect();
    /// m.retain(|k, v| { *v += 1; k % 3 == 0 });
    /// assert_eq!(m.len(), 34);
    /// assert_eq!(m[&99], 100);
    /// ```
    pub fn retain(&mut self, mut f: impl FnMut(&K::Query, &mut V) -> bool) {
        self.sweep();
        let mut it = Hiter::new();
        // SAFETY: `h` is live of type `t`, both outlive `it` (dropped in this function);
        // `&mut self` keeps every other user out.
        unsafe { mapiterinit(&self.t, self.h, &mut it) };
        while !it.key().is_null() {
            // A key not equal to itself in an old bucket evacuated since the iterator
            // entered it comes back as the old cell, a bitwise copy of the entry: the
            // closure must see the entry itself.
            // SAFETY: `it` is live on a live map; nothing writes during the call.
            let (k, e) = unsafe { runtime::iter::mapiter_golden(&it) };
            // SAFETY: a live entry; nothing else references it.
            let keep = unsafe { f(K::query(k.cast()), Slot::<V>::get_mut(e)) };
            // A key that is not equal to itself (NaN) cannot be deleted by key, in Go
            // either: such an entry stays whatever `f` says.
            // SAFETY: `k` is a live key of `t`.
            if !keep && (self.t.reflexivekey() || unsafe { self.t.key_equal(k, k) }) {
                // SAFETY: the iterator's live entry, whose key equals itself; Go allows
                // deleting the current entry during iteration.
                let (key, v) = unsafe { self.delete_found(k, e) };
                // Keys of deleted entries stay alive until the iteration is over, and
                // while the growth lasts, whatever `f` or a value's `Drop` does next: an
                // iterator may hash the stale copy an evacuated bucket keeps, and the
                // dump prints it. `sweep` frees them once nothing can show them.
                if K::OWNS_MEMORY {
                    self.graveyard.push(key);
                }
                drop(v);
            }
            // SAFETY: `it` is live on a live map.
            unsafe { mapiternext(&mut it) };
        }
        drop(it);
        self.sweep();
    }

    /// An iterator over `(&key, &value)` in Go's random order.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u8, u8> = (0..10).map(|i| (i, i * i)).collect();
    /// let sum: u32 = m.iter().map(|(_, v)| *v as u32).sum();
    /// assert_eq!(sum, 285);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        let mut it = Hiter::new();
        // SAFETY: `h` and `t` outlive the iterator (it borrows `self`); no writer runs
        // while `&self` is held; several readers may iterate at once (atomic flags).
        unsafe { mapiterinit(&self.t, self.h, &mut it) };
        Iter {
            it,
            left: self.len(),
            _map: PhantomData,
        }
    }

    /// An iterator over `(&key, &mut value)` in Go's random order.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, u8> = (0..10).map(|i| (i, i)).collect();
    /// for (_, v) in m.iter_mut() { *v *= 2; }
    /// assert_eq!(m[&9], 18);
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        let mut it = Hiter::new();
        // SAFETY: as in `iter`; `&mut self` makes the values ours.
        unsafe { mapiterinit(&self.t, self.h, &mut it) };
        IterMut {
            it,
            left: self.len(),
            _map: PhantomData,
        }
    }

    /// The keys, in Go's random order.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<String, ()> = [("k".to_string(), ())].into();
    /// assert_eq!(m.keys().collect::<Vec<&str>>(), ["k"]);
    /// ```
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys(self.iter())
    }

    /// The values, in Go's random order.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u8, u8> = [(1, 10), (2, 20)].into();
    /// assert_eq!(m.values().map(|&v| v as u32).sum::<u32>(), 30);
    /// ```
    pub fn values(&self) -> Values<'_, K, V> {
        Values(self.iter())
    }

    /// The values, mutably, in Go's random order.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, u8> = [(1, 10), (2, 20)].into();
    /// m.values_mut().for_each(|v| *v += 1);
    /// assert_eq!((m[&1], m[&2]), (11, 21));
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        ValuesMut(self.iter_mut())
    }

    /// The entry for `key`, to read, insert or remove in place.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<String, u32> = gomap::typed::GoMap::new();
    /// for w in "a b a c a".split(' ') {
    ///     *m.entry(w.to_string()).or_insert(0) += 1;
    /// }
    /// assert_eq!(m["a"], 3);
    /// ```
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        self.sweep();
        let lk = K::lookup(key.as_query());
        // SAFETY: as in `get`.
        let (k, e) = unsafe { mapaccessK(&self.t, self.h, addr(&lk)) };
        if k.is_null() {
            Entry::Vacant(VacantEntry { map: self, key })
        } else {
            Entry::Occupied(OccupiedEntry {
                map: self,
                key,
                k,
                e,
            })
        }
    }

    /// The descriptor and the map header, for the runtime functions, [`runtime::dump()`] and
    /// learners' experiments. See the [module documentation](self) for the invariants a
    /// caller using them must keep; reading through the pointer while holding `&self` is
    /// always fine.
    ///
    /// ```
    /// use gomap::runtime::mapaccess2;
    /// let m: gomap::typed::GoMap<i64, i64> = [(5, 50)].into();
    /// let (t, h) = m.raw();
    /// let k = 5i64;
    /// // SAFETY: a read while `m` is borrowed; the key is an int64 as the map type says.
    /// let (e, ok) = unsafe { mapaccess2(t, h, (&k as *const i64).cast()) };
    /// assert!(ok && unsafe { *(e as *const i64) } == 50);
    /// ```
    pub fn raw(&self) -> (&MapType, *mut Hmap) {
        (&self.t, self.h)
    }

    /// The canonical dump of the map's buckets (`docs/trace-and-dump.md`), with each elem
    /// printed as `-`: a `V` may have padding bytes, which must not be read as numbers.
    /// For padding-free values, [`runtime::dump::dump_string`] on [`GoMap::raw`] prints
    /// them too.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<i64, i64> = [(1, 1)].into();
    /// let d = m.dump();
    /// assert!(d.starts_with("hmap count=1 "));
    /// assert!(d.contains("0100000000000000=-"));
    /// ```
    pub fn dump(&self) -> String {
        let mut t = *self.t;
        // Slot offsets come from `keysize`/`elemsize`; `elem.size` is only how many bytes
        // the printer shows.
        t.elem.size = 0;
        // SAFETY: `h` is live with this layout, no writer runs under `&self`, and every
        // string header in it, live or stale in an evacuated bucket, points at bytes the
        // map still owns (removed keys are kept in the graveyard while growing).
        unsafe { runtime::dump::dump_string(&t, self.h) }
    }

    /// Runs the runtime's invariant checker ([`runtime::check()`]) over the map.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u16, u16> = (0..1000).map(|i| (i, i)).collect();
    /// assert_eq!(m.check(), Ok(()));
    /// ```
    pub fn check(&self) -> Result<(), String> {
        // SAFETY: `h` is live with type `t`; no writer runs under `&self`.
        unsafe { runtime::check(&self.t, self.h) }
    }
}

impl<K: GoKey, V> Drop for GoMap<K, V> {
    fn drop(&mut self) {
        let (t, h) = (&*self.t, self.h);
        // Free the map whatever happens to the drops below.
        let _free = Guard(Some(|| {
            // SAFETY: the map is ours and no iterator can be live (they borrow it).
            unsafe { mapfree(t, h) }
        }));
        // SAFETY: `h` is live.
        let poisoned = unsafe { (*h).flags() } & HASH_WRITING != 0;
        if !poisoned {
            // SAFETY: exclusive access; the map is freed right after.
            unsafe { Self::drop_entries(t, h) };
        }
        // A poisoned map (a write panicked half-way, e.g. out of memory) may hold an entry
        // that is half made: its keys and values are leaked rather than guessed at.
    }
}

impl<K: GoKey, V> Default for GoMap<K, V> {
    /// `GoMap::new()`.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u8, u8> = Default::default();
    /// assert!(m.is_empty());
    /// ```
    fn default() -> GoMap<K, V> {
        GoMap::new()
    }
}

impl<K: GoKey, V: Clone> Clone for GoMap<K, V> {
    /// A map with the same entries (a new seed, so another bucket layout).
    ///
    /// ```
    /// let a: gomap::typed::GoMap<String, Vec<u8>> = [("k".to_string(), vec![1])].into();
    /// let b = a.clone();
    /// assert_eq!(a, b);
    /// ```
    fn clone(&self) -> GoMap<K, V> {
        let mut m = GoMap::with_capacity_in(self.len(), self.t.alloc);
        for (k, v) in self.iter() {
            m.insert(K::from_query(k), v.clone());
        }
        m
    }
}

impl<K: GoKey, V: fmt::Debug> fmt::Debug for GoMap<K, V>
where
    K::Query: fmt::Debug,
{
    /// Formats as `{k: v, ...}` in Go's random order.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u8, bool> = [(1, true)].into();
    /// assert_eq!(format!("{m:?}"), "{1: true}");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: GoKey, V: PartialEq> PartialEq for GoMap<K, V> {
    /// Same length and every key maps to an equal value in both (NaN keys never match).
    ///
    /// ```
    /// let a: gomap::typed::GoMap<u8, u8> = [(1, 1), (2, 2)].into();
    /// let b: gomap::typed::GoMap<u8, u8> = [(2, 2), (1, 1)].into();
    /// assert_eq!(a, b);
    /// ```
    fn eq(&self, other: &GoMap<K, V>) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: GoKey, V> Extend<(K, V)> for GoMap<K, V> {
    /// Inserts every pair, later ones overwriting earlier ones.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, u8> = gomap::typed::GoMap::new();
    /// m.extend([(1, 1), (1, 2)]);
    /// assert_eq!(m[&1], 2);
    /// ```
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: GoKey, V> FromIterator<(K, V)> for GoMap<K, V> {
    /// A map of the pairs, with the iterator's lower size bound as Go's `make` hint.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// assert_eq!(m.len(), 100);
    /// ```
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> GoMap<K, V> {
        let iter = iter.into_iter();
        let mut m = GoMap::with_capacity(iter.size_hint().0);
        m.extend(iter);
        m
    }
}

impl<K: GoKey, V, const N: usize> From<[(K, V); N]> for GoMap<K, V> {
    /// A map of the pairs.
    ///
    /// ```
    /// let m = gomap::typed::GoMap::from([(1u8, 'a'), (2, 'b')]);
    /// assert_eq!(m[&2], 'b');
    /// ```
    fn from(pairs: [(K, V); N]) -> GoMap<K, V> {
        pairs.into_iter().collect()
    }
}

impl<K: GoKey, V> core::ops::Index<&K::Query> for GoMap<K, V> {
    type Output = V;

    /// The value for `key`; panics when it is absent (use [`GoMap::get`] for Go's zero
    /// value behaviour).
    ///
    /// ```
    /// let m: gomap::typed::GoMap<String, u8> = [("a".to_string(), 1)].into();
    /// assert_eq!(m["a"], 1);
    /// ```
    fn index(&self, key: &K::Query) -> &V {
        self.get(key).expect("GoMap: key not present")
    }
}

impl<'a, K: GoKey, V> IntoIterator for &'a GoMap<K, V> {
    type Item = (&'a K::Query, &'a V);
    type IntoIter = Iter<'a, K, V>;

    /// [`GoMap::iter`].
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u8, u8> = [(1, 2)].into();
    /// for (k, v) in &m { assert_eq!((*k, *v), (1, 2)); }
    /// ```
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K: GoKey, V> IntoIterator for &'a mut GoMap<K, V> {
    type Item = (&'a K::Query, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;

    /// [`GoMap::iter_mut`].
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, u8> = [(1, 2)].into();
    /// for (_, v) in &mut m { *v = 3; }
    /// assert_eq!(m[&1], 3);
    /// ```
    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}

impl<K: GoKey, V> IntoIterator for GoMap<K, V> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    /// The entries by value, in Go's random order.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<String, u8> = [("a".to_string(), 1)].into();
    /// let v: Vec<(String, u8)> = m.into_iter().collect();
    /// assert_eq!(v, [("a".to_string(), 1)]);
    /// ```
    fn into_iter(mut self) -> IntoIter<K, V> {
        let mut out: Vec<(K::Stored, ManuallyDrop<V>)> = Vec::with_capacity(self.len());
        let mut it = Hiter::new();
        // SAFETY: as in `iter`; we own the map.
        unsafe { mapiterinit(&self.t, self.h, &mut it) };
        while !it.key().is_null() {
            // SAFETY: the current entry is live. Its bytes are copied out and stay in the
            // slot untouched until mapclear below; the iterator reads no elems and only
            // keys of entries not yet yielded, so ownership moves to `out` safely.
            unsafe {
                out.push((
                    it.key().cast::<K::Stored>().read(),
                    ManuallyDrop::new(Slot::<V>::read(it.elem())),
                ));
                mapiternext(&mut it);
            }
        }
        drop(it);
        // SAFETY: exclusive access; every entry has moved to `out`, so zeroing the
        // buckets drops nothing twice.
        unsafe { mapclear(&self.t, self.h) };
        self.graveyard.clear();
        let v: Vec<(K, V)> = out
            .into_iter()
            // SAFETY: each stored key was moved out of the map once.
            .map(|(k, v)| (unsafe { K::from_stored(k) }, ManuallyDrop::into_inner(v)))
            .collect();
        IntoIter(v.into_iter())
    }
}

/// The iterator of [`GoMap::iter`]: `(&key, &value)` in Go's random order.
///
/// It holds a registered [`Hiter`] on the map, so the map's memory it reads is never
/// freed under it.
///
/// ```
/// let m: gomap::typed::GoMap<u8, u8> = [(1, 2)].into();
/// let mut it: gomap::typed::Iter<'_, u8, u8> = m.iter();
/// assert_eq!(it.len(), 1);
/// assert_eq!(it.next(), Some((&1, &2)));
/// assert_eq!(it.next(), None);
/// ```
pub struct Iter<'a, K: GoKey, V> {
    it: Hiter,
    left: usize,
    _map: PhantomData<&'a GoMap<K, V>>,
}

impl<'a, K: GoKey, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K::Query, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        if self.it.key().is_null() {
            return None;
        }
        let (k, e) = (self.it.key(), self.it.elem());
        self.left -= 1;
        // SAFETY: `it` was started on the borrowed map, which no one writes for 'a; the
        // current entry is live and stays so for 'a.
        unsafe {
            mapiternext(&mut self.it);
            Some((K::query(k.cast()), Slot::<V>::get(e)))
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K: GoKey, V> ExactSizeIterator for Iter<'_, K, V> {}
impl<K: GoKey, V> core::iter::FusedIterator for Iter<'_, K, V> {}

/// The iterator of [`GoMap::iter_mut`]: `(&key, &mut value)` in Go's random order.
///
/// ```
/// let mut m: gomap::typed::GoMap<u8, u8> = [(1, 2)].into();
/// let it: gomap::typed::IterMut<'_, u8, u8> = m.iter_mut();
/// it.for_each(|(_, v)| *v = 0);
/// assert_eq!(m[&1], 0);
/// ```
pub struct IterMut<'a, K: GoKey, V> {
    it: Hiter,
    left: usize,
    _map: PhantomData<&'a mut GoMap<K, V>>,
}

impl<'a, K: GoKey, V> Iterator for IterMut<'a, K, V> {
    type Item = (&'a K::Query, &'a mut V);

    fn next(&mut self) -> Option<Self::Item> {
        if self.it.key().is_null() {
            return None;
        }
        let (k, e) = (self.it.key(), self.it.elem());
        self.left -= 1;
        // SAFETY: as for `Iter`; each entry is yielded once, so the `&mut` are disjoint,
        // and the map is exclusively borrowed for 'a.
        unsafe {
            mapiternext(&mut self.it);
            Some((K::query(k.cast()), Slot::<V>::get_mut(e)))
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K: GoKey, V> ExactSizeIterator for IterMut<'_, K, V> {}
impl<K: GoKey, V> core::iter::FusedIterator for IterMut<'_, K, V> {}

/// The iterator of [`GoMap::keys`].
///
/// ```
/// let m: gomap::typed::GoMap<u8, ()> = [(4, ())].into();
/// let k: gomap::typed::Keys<'_, u8, ()> = m.keys();
/// assert_eq!(k.copied().collect::<Vec<_>>(), [4]);
/// ```
pub struct Keys<'a, K: GoKey, V>(Iter<'a, K, V>);

impl<'a, K: GoKey, V> Iterator for Keys<'a, K, V> {
    type Item = &'a K::Query;
    fn next(&mut self) -> Option<&'a K::Query> {
        self.0.next().map(|(k, _)| k)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K: GoKey, V> ExactSizeIterator for Keys<'_, K, V> {}

/// The iterator of [`GoMap::values`].
///
/// ```
/// let m: gomap::typed::GoMap<u8, char> = [(4, 'x')].into();
/// let v: gomap::typed::Values<'_, u8, char> = m.values();
/// assert_eq!(v.collect::<String>(), "x");
/// ```
pub struct Values<'a, K: GoKey, V>(Iter<'a, K, V>);

impl<'a, K: GoKey, V> Iterator for Values<'a, K, V> {
    type Item = &'a V;
    fn next(&mut self) -> Option<&'a V> {
        self.0.next().map(|(_, v)| v)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K: GoKey, V> ExactSizeIterator for Values<'_, K, V> {}

/// The iterator of [`GoMap::values_mut`].
///
/// ```
/// let mut m: gomap::typed::GoMap<u8, char> = [(4, 'x')].into();
/// let v: gomap::typed::ValuesMut<'_, u8, char> = m.values_mut();
/// v.for_each(|c| *c = 'y');
/// assert_eq!(m[&4], 'y');
/// ```
pub struct ValuesMut<'a, K: GoKey, V>(IterMut<'a, K, V>);

impl<'a, K: GoKey, V> Iterator for ValuesMut<'a, K, V> {
    type Item = &'a mut V;
    fn next(&mut self) -> Option<&'a mut V> {
        self.0.next().map(|(_, v)| v)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K: GoKey, V> ExactSizeIterator for ValuesMut<'_, K, V> {}

/// The iterator of `GoMap::into_iter`: the entries by value, in Go's random order.
///
/// ```
/// let m: gomap::typed::GoMap<u8, u8> = [(1, 1)].into();
/// let it: gomap::typed::IntoIter<u8, u8> = m.into_iter();
/// assert_eq!(it.len(), 1);
/// ```
pub struct IntoIter<K, V>(std::vec::IntoIter<(K, V)>);

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);
    fn next(&mut self) -> Option<(K, V)> {
        self.0.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> ExactSizeIterator for IntoIter<K, V> {}

/// A view into one key's slot, from [`GoMap::entry`].
///
/// ```
/// use gomap::typed::{Entry, GoMap};
/// let mut m: GoMap<u8, u8> = [(1, 1)].into();
/// match m.entry(1) {
///     Entry::Occupied(o) => assert_eq!(*o.get(), 1),
///     Entry::Vacant(_) => unreachable!(),
/// }
/// ```
pub enum Entry<'a, K: GoKey, V> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V>),
}

impl<'a, K: GoKey, V> Entry<'a, K, V> {
    /// The value, inserting `default` first if the key is absent.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, u8> = gomap::typed::GoMap::new();
    /// *m.entry(1).or_insert(5) += 1;
    /// assert_eq!(m[&1], 6);
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(default),
        }
    }

    /// The value, inserting `f()` first if the key is absent.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, Vec<u8>> = gomap::typed::GoMap::new();
    /// m.entry(1).or_insert_with(Vec::new).push(2);
    /// assert_eq!(m[&1], [2]);
    /// ```
    pub fn or_insert_with(self, f: impl FnOnce() -> V) -> &'a mut V {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(f()),
        }
    }

    /// The value, inserting `V::default()` first if the key is absent (Go's zero value).
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, u32> = gomap::typed::GoMap::new();
    /// *m.entry(3).or_default() += 1;
    /// assert_eq!(m[&3], 1);
    /// ```
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// Applies `f` to the value if the key is present.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, u32> = [(1, 1)].into();
    /// m.entry(1).and_modify(|v| *v = 9).or_insert(0);
    /// assert_eq!(m[&1], 9);
    /// ```
    pub fn and_modify(mut self, f: impl FnOnce(&mut V)) -> Self {
        if let Entry::Occupied(o) = &mut self {
            f(o.get_mut());
        }
        self
    }

    /// The entry's key (the stored one when present).
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<String, u32> = gomap::typed::GoMap::new();
    /// assert_eq!(m.entry("k".to_string()).key(), "k");
    /// ```
    pub fn key(&self) -> &K::Query {
        match self {
            Entry::Occupied(o) => o.key(),
            Entry::Vacant(v) => v.key().as_query(),
        }
    }
}

/// A present key's slot, from [`GoMap::entry`].
///
/// Invariant: `k` and `e` are the key and elem of a live entry of `map`, valid while the
/// entry exclusively borrows the map.
///
/// ```
/// use gomap::typed::{Entry, GoMap};
/// let mut m: GoMap<u8, u8> = [(1, 1)].into();
/// if let Entry::Occupied(o) = m.entry(1) {
///     assert_eq!(o.remove(), 1);
/// }
/// assert!(m.is_empty());
/// ```
pub struct OccupiedEntry<'a, K: GoKey, V> {
    map: &'a mut GoMap<K, V>,
    #[allow(dead_code)]
    key: K,
    k: *mut u8,
    e: *mut u8,
}

impl<'a, K: GoKey, V> OccupiedEntry<'a, K, V> {
    /// The stored key.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<u8, u8> = [(1, 1)].into();
    /// if let Entry::Occupied(o) = m.entry(1) { assert_eq!(*o.key(), 1); }
    /// ```
    pub fn key(&self) -> &K::Query {
        // SAFETY: a live entry (invariant).
        unsafe { K::query(self.k.cast()) }
    }

    /// The value.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<u8, u8> = [(1, 7)].into();
    /// if let Entry::Occupied(o) = m.entry(1) { assert_eq!(*o.get(), 7); }
    /// ```
    pub fn get(&self) -> &V {
        // SAFETY: a live entry (invariant).
        unsafe { Slot::<V>::get(self.e) }
    }

    /// The value, mutably.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<u8, u8> = [(1, 7)].into();
    /// if let Entry::Occupied(mut o) = m.entry(1) { *o.get_mut() = 8; }
    /// assert_eq!(m[&1], 8);
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        // SAFETY: a live entry, exclusively borrowed through `&mut self`.
        unsafe { Slot::<V>::get_mut(self.e) }
    }

    /// The value, mutably, for as long as the map was borrowed.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<u8, u8> = [(1, 7)].into();
    /// if let Entry::Occupied(o) = m.entry(1) { *o.into_mut() += 1; }
    /// assert_eq!(m[&1], 8);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        // SAFETY: a live entry of the map borrowed for 'a.
        unsafe { Slot::<V>::get_mut(self.e) }
    }

    /// Replaces the value, returning the old one.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<u8, u8> = [(1, 7)].into();
    /// if let Entry::Occupied(mut o) = m.entry(1) { assert_eq!(o.insert(9), 7); }
    /// assert_eq!(m[&1], 9);
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, returning its value.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<u8, u8> = [(1, 7)].into();
    /// if let Entry::Occupied(o) = m.entry(1) { assert_eq!(o.remove(), 7); }
    /// assert!(m.is_empty());
    /// ```
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Removes the entry, returning the stored key and the value.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<String, u8> = [("a".to_string(), 7)].into();
    /// if let Entry::Occupied(o) = m.entry("a".to_string()) {
    ///     assert_eq!(o.remove_entry(), ("a".to_string(), 7));
    /// }
    /// ```
    pub fn remove_entry(self) -> (K, V) {
        // SAFETY: a live entry found by key, so its key equals itself.
        let (key, v) = unsafe { self.map.delete_found(self.k, self.e) };
        (self.map.surrender(key), v)
    }
}

/// An absent key's slot, from [`GoMap::entry`].
///
/// ```
/// use gomap::typed::{Entry, GoMap};
/// let mut m: GoMap<u8, u8> = GoMap::new();
/// if let Entry::Vacant(v) = m.entry(1) { v.insert(2); }
/// assert_eq!(m[&1], 2);
/// ```
pub struct VacantEntry<'a, K: GoKey, V> {
    map: &'a mut GoMap<K, V>,
    key: K,
}

impl<'a, K: GoKey, V> VacantEntry<'a, K, V> {
    /// The key that would be inserted.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<u8, u8> = GoMap::new();
    /// if let Entry::Vacant(v) = m.entry(1) { assert_eq!(*v.key(), 1); }
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Gives the key back without inserting.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<String, u8> = GoMap::new();
    /// if let Entry::Vacant(v) = m.entry("k".into()) { assert_eq!(v.into_key(), "k"); }
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }

    /// Inserts `value` (through `mapassign`), returning it mutably.
    ///
    /// ```
    /// use gomap::typed::{Entry, GoMap};
    /// let mut m: GoMap<u8, u8> = GoMap::new();
    /// if let Entry::Vacant(v) = m.entry(1) { *v.insert(2) += 1; }
    /// assert_eq!(m[&1], 3);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        // SAFETY: the entry saw the key absent and has borrowed the map since.
        let e = unsafe { self.map.insert_new(self.key, value) };
        // SAFETY: the fresh entry's value, valid while the map is borrowed for 'a.
        unsafe { Slot::<V>::get_mut(e) }
    }
}
