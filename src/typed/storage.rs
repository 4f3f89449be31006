//! The storage layer of [`GoMap`]: what its runtime map holds, and how keys and values
//! move in and out of it. The API above ([`super`]: methods, iterators, entries) reaches
//! the runtime map through the functions here, or keeps the invariants below itself. The
//! runtime map is of either engine ([`Engine`], `engine.rs`): the layer below speaks of
//! buckets and cells, which for a Swiss map are groups and slots; what it says holds for
//! both.
//!
//! # What is stored where
//!
//! * A key slot holds a [`GoKey::Stored`] made by [`GoKey::into_stored`], which the map
//!   owns: the key itself for the plain keys; for `String` ([`GoKey::OWNS_MEMORY`]) a
//!   [`GoString`] header over a `Box<[u8]>` of exactly `len` bytes of UTF-8; for a
//!   `go_struct!` key its image, whose `GoStr` fields are such headers. A lookup uses
//!   [`GoKey::lookup`] instead, which owns nothing and is never stored.
//! * An elem slot holds a `V` as [`Slot`] lays it out: inline when `V` is aligned to at
//!   most 8 bytes, else a `Box<V>`; the runtime puts the slot behind a pointer when it is
//!   over 128 bytes, as Go does.
//! * Each live entry's key and value are given up exactly once: moved out
//!   ([`GoMap::take`] from the `_with` delete's hook, [`GoMap::delete_found`],
//!   `IntoIterator`) *before* `mapdelete` or `mapclear` zeroes the slot, or dropped in
//!   place ([`GoMap::drop_entries`], for `clear` and drop).
//! * A string key's bytes outlive the runtime's use of them: `mapdelete` still compares
//!   against the stored key, and an old bucket evacuated while an iterator had the old
//!   array keeps a stale copy of its header until the growth is over, which the dump
//!   prints. Removed keys wait in the graveyard meanwhile ([`GoMap::bury`],
//!   [`GoMap::surrender`], [`GoMap::sweep`]).
//! * A key handed to `mapassign` stays the caller's until the call returns: if the call
//!   panics, [`GoMap::insert_new`] frees it (a scope guard).
//!
//! # Go semantics kept
//!
//! * Every lookup, insert and delete goes through the function Go's compiler calls for
//!   `map[K]V` (`walk.mapfast`: [`GoMap::access2`], [`GoMap::assign`], `delete`), so the
//!   buckets hold Go's bytes.
//! * `mapassign` overwrites a present key's stored headers (Go's `needkeyupdate`), which
//!   would lose the boxes they own. So the map takes the stored key back in the same
//!   walk, from the hook of the `_with` assign, just before the runtime copies the new
//!   key over it: a `String`, `GoDyn` or `go_struct!` key ([`GoKey::KEY_UPDATE`]) is
//!   replaced as in Go (for `String`, `mapassign_faststr` repoints the header), and the
//!   map frees the old one, or buries it while a stale copy may show it
//!   ([`GoMap::insert_updating`]). An owning key without key update is looked up first
//!   and keeps the stored key.
//! * A key not equal to itself (NaN) cannot be deleted by key, in Go either: only
//!   `mapclear` (clear, drop) removes it. A delete by key that finds nothing throws "bad
//!   map state" and leaves the entry to the map rather than owning it twice.
//! * A poisoned map (a write panicked half-way and left `hashWriting` set) is freed
//!   without dropping its entries: a half-made entry is leaked, not guessed at.

use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use core::ptr;

use super::engine::Engine;
use super::GoMap;
use crate::base::guard::defer;
use crate::maptype::{GoKind, GoString, MapFast, MapType};
use crate::runtime::types::MAX_ELEM_SIZE;
use crate::runtime::Allocator;

pub(super) mod sealed {
    pub trait Sealed {}
}

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
/// | a [`go_struct!`](crate::go_struct) struct | `struct { ... }` | its bytes (a [`GoStr`](super::keys::GoStr) field: a header over owned bytes) |
/// | [`GoDyn`](super::keys::GoDyn) | `interface {}` | Go's `eface` over an owned value |
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
    /// Whether inserting a key equal to a stored one that owns memory replaces the stored
    /// key, as Go's `mapassign` does when the descriptor says `needkeyupdate` (the old key
    /// is then freed): so for `String`, `GoDyn` and `go_struct!` keys. Otherwise (an
    /// owning key whose descriptor needs no key update) the stored key stays and the new
    /// one is dropped. Keys that own nothing get Go's key update from the runtime itself.
    #[doc(hidden)]
    const KEY_UPDATE: bool = false;
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
    // `mapassign_faststr` (and `mapassign`, string keys needing key update) points the
    // stored header at the new key's bytes.
    const KEY_UPDATE: bool = true;
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
pub(super) struct Slot<V>(PhantomData<V>);

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
    pub(super) unsafe fn get<'a>(p: *mut u8) -> &'a V {
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
    pub(super) unsafe fn get_mut<'a>(p: *mut u8) -> &'a mut V {
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
    pub(super) unsafe fn write(p: *mut u8, v: V) {
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
    pub(super) unsafe fn read(p: *mut u8) -> V {
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

/// Drops `x` from a scope guard that runs while a panic unwinds: a second panic, out of
/// `x`'s `Drop` (a `go_struct!` key may have one), would abort the process there, so it
/// is caught and its payload dropped the same way (a payload whose own `Drop` panics too
/// is forgotten).
fn drop_unwinding<T>(x: T) {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(x))) {
        if let Err(q) = catch_unwind(AssertUnwindSafe(move || drop(p))) {
            mem::forget(q);
        }
    }
}

/// The address of a local, as the runtime takes keys.
#[inline(always)]
pub(super) fn addr<T>(x: &T) -> *const u8 {
    (x as *const T).cast()
}

/// The moves of keys and values in and out of the runtime map (see the module
/// documentation); the API in [`super`] is written over these.
impl<K: GoKey, V> GoMap<K, V> {
    /// The descriptor Go's compiler would emit for this map type.
    pub(super) fn maptype(alloc: Allocator) -> MapType {
        let t = K::key_maptype(Slot::<V>::kind())
            .expect("every GoKey kind and every Rust value layout has a Go map type");
        if let Some(fast) = Self::FAST {
            // The static choice below must be the descriptor's (`walk.mapfast`).
            assert_eq!(t.fast(), fast, "GoKey::FAST disagrees with the descriptor");
        }
        t.with_allocator(alloc)
    }

    /// The runtime family of `map[K]V`, known statically where the key type fixes it:
    /// `walk.mapfast` sends every map whose elem is over 128 bytes to the generic functions.
    pub(super) const FAST: Option<MapFast> = match K::FAST {
        Some(_) if Slot::<V>::SIZE > MAX_ELEM_SIZE => Some(MapFast::Slow),
        f => f,
    };

    /// `v, ok := m[k]` through the function Go's compiler calls for this map type (of
    /// the map's engine, [`Engine::access2`]); the family is a constant, so each
    /// `GoMap<K, V>` compiles to one direct call per engine.
    ///
    /// # Safety
    /// `lk` is a key of the map type; no writer runs concurrently.
    #[inline(always)]
    pub(super) unsafe fn access2(&self, lk: &K::Stored) -> (*mut u8, bool) {
        // SAFETY: the family is the descriptor's (asserted in `maptype`); other duties are
        // the caller's.
        unsafe { self.eng.access2(Self::FAST, addr(lk)) }
    }

    /// The stored key and the elem of `lk`, null when absent (`mapaccessK`).
    ///
    /// # Safety
    /// As for [`GoMap::access2`].
    #[inline]
    #[allow(non_snake_case)] // Go's mapaccessK
    pub(super) unsafe fn accessK(&self, lk: &K::Stored) -> (*mut u8, *mut u8) {
        // SAFETY: the caller's.
        unsafe { self.eng.accessK(addr(lk)) }
    }

    /// `m[k] = ...` through the function Go's compiler calls (see [`GoMap::access2`]).
    ///
    /// # Safety
    /// `s` is a key of the map type; exclusive access. A string key's header is stored
    /// when the key is new and overwrites the stored pointer when it is present (as in
    /// Go).
    #[inline(always)]
    pub(super) unsafe fn assign(&mut self, s: &K::Stored) -> *mut u8 {
        // SAFETY: as in `access2`.
        unsafe { self.eng.assign(Self::FAST, addr(s)) }
    }

    /// `delete(m, k)` through the function Go's compiler calls (see [`GoMap::access2`]):
    /// for string keys `mapdelete_faststr`, which keeps the key's length in the slot.
    ///
    /// # Safety
    /// `s` is a key of the map type; exclusive access.
    #[inline(always)]
    unsafe fn delete(&mut self, s: &K::Stored) {
        // SAFETY: the caller's; the hook does nothing.
        unsafe { self.delete_with(s, |_, _| {}) }
    }

    /// [`GoMap::delete`] through the `_with` form of the same function: `found` gets the
    /// stored key and elem before they are cleared (`runtime::mapdelete_with`).
    ///
    /// # Safety
    /// As [`GoMap::delete`]; `found` must not write the map.
    #[inline(always)]
    unsafe fn delete_with(&mut self, s: &K::Stored, found: impl FnOnce(*mut u8, *mut u8)) {
        // SAFETY: as in `access2`.
        unsafe { self.eng.delete_with(Self::FAST, addr(s), found) }
    }

    /// `delete(m, k)` for an owner: removes the entry equal to `lk` in one walk, moving its
    /// stored key and value out just before the runtime clears them. `None` if absent.
    ///
    /// # Safety
    /// `lk` is a key of `t` (a lookup representation, owning nothing).
    #[inline(always)]
    pub(super) unsafe fn take(&mut self, lk: &K::Stored) -> Option<(K, V)> {
        let mut out: Option<(K::Stored, ManuallyDrop<V>)> = None;
        let before = self.len();
        // SAFETY: exclusive access (`&mut self`); `lk` is a key of the map type (caller).
        // The hook only moves the entry's key representation and value out (it cannot
        // panic); the runtime then clears the slots without reading them.
        unsafe {
            self.delete_with(lk, |k, e| {
                out = Some((
                    k.cast::<K::Stored>().read(),
                    ManuallyDrop::new(Slot::<V>::read(e)),
                ))
            })
        };
        let (stored, v) = out?;
        if self.len() + 1 != before {
            // The entry was handed over but not deleted (a runtime that broke the `_with`
            // contract: the hook runs only for the entry it then clears): the map still
            // owns the key and the value, so both are left to it (`v` stays undropped,
            // `stored` untaken) rather than owned twice.
            crate::base::panic::throw("bad map state");
        }
        // SAFETY: the map dropped the entry, so its key representation is ours again.
        let key = unsafe { K::from_stored(stored) };
        Some((key, ManuallyDrop::into_inner(v)))
    }

    /// Adds an entry for a key known to be absent; returns its elem.
    ///
    /// # Safety
    /// `key` is not in the map.
    pub(super) unsafe fn insert_new(&mut self, key: K, value: V) -> *mut u8 {
        let s = key.into_stored();
        // Owns the key's slot representation until the map took it: frees it if the
        // runtime call panics first.
        let undo = defer(move || {
            // SAFETY: runs only if `assign` unwinds, so the map never took `s`; we still
            // own it, and take it back once.
            drop_unwinding(unsafe { K::from_stored(s) })
        });
        // SAFETY: exclusive access (`&mut self`); `s` is a key of `t`. The slot keeps a
        // copy of `s`, which from here on owns the key's memory.
        let e = unsafe { self.assign(&s) };
        undo.disarm();
        // SAFETY: the key was absent (caller), so the elem is a fresh zeroed slot.
        unsafe { Slot::<V>::write(e, value) };
        e
    }

    /// `m[key] = value` for an owning key whose descriptor says `needkeyupdate`, in one
    /// walk: a new key makes a new entry that owns it; an existing entry gets `key` copied
    /// over its stored key, as Go's `mapassign` does, and the map frees the old one (or
    /// buries it while a stale copy may show it). Returns the replaced value.
    ///
    /// # Safety
    /// `self.t.needkeyupdate()`.
    pub(super) unsafe fn insert_updating(&mut self, key: K, value: V) -> Option<V> {
        debug_assert!(self.eng.mt().needkeyupdate());
        let before = self.len();
        let s = key.into_stored();
        // Owns the new key until the map took it: frees it if the runtime call panics
        // (the hasher or `equal`, before the slot took `s`).
        let undo = defer(move || {
            // SAFETY: runs only if the assign unwinds before the slot took `s`; we still
            // own it, and take it back once.
            drop_unwinding(unsafe { K::from_stored(s) })
        });
        // The stored key of an existing entry, which the slot stops owning once the
        // runtime has copied `s` over it.
        let mut old: Option<K::Stored> = None;
        // SAFETY: exclusive access (`&mut self`); `s` is a key of the map type. The hook
        // only copies the stored key's representation out; it cannot panic.
        let e = unsafe {
            self.eng.assign_with(Self::FAST, addr(&s), |k| {
                old = Some(k.cast::<K::Stored>().read())
            })
        };
        undo.disarm();
        if self.len() != before {
            // A new entry, which holds `s` (the hook runs only for an existing entry, so
            // an `old` here would be a runtime breaking that contract, and stays the
            // map's).
            // SAFETY: a new entry's elem is a zeroed, empty slot.
            unsafe { Slot::<V>::write(e, value) };
            return None;
        }
        match old {
            Some(old) => {
                // SAFETY: the slot now holds `s`, so the old key's representation is ours
                // again, taken back once.
                let old = unsafe { K::from_stored(old) };
                self.bury(old);
            }
            // An existing entry whose stored key was not shown to the hook: every family
            // that takes owning keys shows it before updating (on both engines, in the
            // same walk), so this is a runtime breaking that contract. Whether the slot
            // took `s` is unknown: `s` is left to the map (a leak at worst) rather than
            // perhaps owned twice.
            None => crate::base::panic::throw("bad map state"),
        }
        // SAFETY: an existing entry's elem holds a live value.
        Some(unsafe { mem::replace(Slot::<V>::get_mut(e), value) })
    }

    /// Deletes the live entry whose key and elem are at `k` and `e`, returning them.
    ///
    /// # Safety
    /// `k`/`e` are the key and elem of a live entry (from `mapaccessK` or an iterator),
    /// whose key compares equal to itself.
    pub(super) unsafe fn delete_found(&mut self, k: *mut u8, e: *mut u8) -> (K, V) {
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
    /// its collector), and [`GoMap::dump`] prints them until the growth is over. Only
    /// the classic map grows incrementally ([`Engine::growing`]).
    fn stale_copies_possible(&self) -> bool {
        K::OWNS_MEMORY && self.eng.growing()
    }

    /// Drops a removed key, or keeps it in the graveyard while a stale copy may show it.
    pub(super) fn bury(&mut self, key: K) {
        if self.stale_copies_possible() {
            self.graveyard.push(key);
        }
    }

    /// A removed key for the caller: the key itself, or an equal copy while the original
    /// must stay buried.
    pub(super) fn surrender(&mut self, key: K) -> K {
        if self.stale_copies_possible() {
            let copy = K::from_query(key.as_query());
            self.graveyard.push(key);
            copy
        } else {
            key
        }
    }

    /// Frees buried keys once the growth that could show them is over.
    pub(super) fn sweep(&mut self) {
        if !self.graveyard.is_empty() && !self.eng.growing() {
            self.graveyard.clear();
        }
    }

    /// Drops every live key and value in place.
    ///
    /// # Safety
    /// Exclusive access; the entries are not used as values again (the caller zeroes or
    /// frees the map next).
    pub(super) unsafe fn drop_entries(eng: &Engine) {
        if !K::OWNS_MEMORY && !Slot::<V>::NEEDS_DROP {
            return;
        }
        // The first panic of a key's or a value's `Drop` (a `go_struct!` key may have a
        // `Drop` of its own), resumed once every entry is dropped (as a `Vec` goes on
        // dropping its other elements).
        let mut first: Option<Box<dyn core::any::Any + Send>> = None;
        let mut catch = |f: &mut dyn FnMut()| {
            if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                first.get_or_insert(p);
            }
        };
        // SAFETY: the map is ours (caller); each entry is visited once.
        unsafe {
            eng.for_each_entry(|k, e| {
                if K::OWNS_MEMORY {
                    // SAFETY: a live key made by `into_stored`, taken back once (a panic
                    // inside its Drop still ends its life).
                    catch(&mut || drop(K::from_stored(k.cast::<K::Stored>().read())));
                }
                if Slot::<V>::NEEDS_DROP {
                    // SAFETY: a live value, dropped once (a panic inside its Drop still
                    // ends its life).
                    catch(&mut || Slot::<V>::drop_in_place(e));
                }
            })
        };
        if let Some(p) = first {
            std::panic::resume_unwind(p);
        }
    }
}

impl<K: GoKey, V> Drop for GoMap<K, V> {
    fn drop(&mut self) {
        let eng = &self.eng;
        // Free the map whatever happens to the drops below.
        let _free = defer(|| {
            // SAFETY: the map is ours and no iterator can be live (they borrow it).
            unsafe { eng.free() }
        });
        if !eng.poisoned() {
            // SAFETY: exclusive access; the map is freed right after.
            unsafe { Self::drop_entries(eng) };
        }
        // A poisoned map (a write panicked half-way, e.g. out of memory) may hold an entry
        // that is half made: its keys and values are leaked rather than guessed at.
    }
}
