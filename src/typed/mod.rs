//! A safe typed map over the Go runtime: [`GoMap<K, V>`].
//!
//! `GoMap` owns a runtime map of one of gomap's two engines, picked by Go release, with
//! the descriptor that [`MapType::for_go_types`] builds for its key kind:
//!
//! * the classic map of Go 1.19 (the default), 1.21, 1.22, 1.23 or 1.24 with
//!   `GOEXPERIMENT=noswissmap`: an [`Hmap`] made by [`crate::runtime::makemap`], driven
//!   through `mapaccess2`, `mapaccessK`, `mapassign`, `mapdelete`, `mapclear`,
//!   `mapiterinit`/`mapiternext` and `mapfree`;
//! * Go's Swiss table of Go 1.24 to 1.27: a [`swiss::Map`](crate::swiss::Map) made by
//!   [`crate::swiss::runtime::makemap`] over a [`SwissMapType`], driven through
//!   `mapaccess2_compiled`, `Map.getWithKey`, `mapassign_compiled`, `mapdelete`,
//!   `mapclear`, `mapIterStart`/`mapIterNext` and `mapfree`.
//!
//! Every lookup, insert and delete goes through the function Go's compiler calls for
//! `map[K]V` (the fast32, fast64 and faststr families where Go uses them). So the bytes in
//! its buckets or groups are exactly what that Go release would hold for the same
//! `map[K]V` and the same operations, and [`GoMap::dump`] shows them.
//!
//! # Picking a release
//!
//! [`GoMap::new`] is Go 1.19's classic map. [`GoMap::with_release`] and
//! [`GoMap::with_capacity_and_release`] take a [`Release`] (or a
//! [`GoRelease`](crate::maptype::GoRelease) or [`SwissRelease`](crate::swiss::SwissRelease)),
//! the vocabulary of the C ABI's `gomap_maptype_with_release`:
//!
//! ```
//! use gomap::typed::{GoMap, Release};
//!
//! let r = Release::parse("1.27").unwrap(); // or SwissRelease::Go1_27
//! let mut m: GoMap<String, u32> = GoMap::with_capacity_and_release(100, r);
//! m.insert("gopher".to_string(), 13);
//! assert_eq!(m.release(), r);
//! assert!(m.dump().starts_with("map used=1 ")); // the Swiss dump
//! ```
//!
//! Each engine keeps its own Go semantics: the classic map grows incrementally (old
//! buckets may show stale copies until the growth is over), a Swiss table grows or splits
//! at once; the make hint, `clear` and the order of iteration are the release's.
//!
//! # What is stored where
//!
//! * Keys are the types that implement [`GoKey`]: the integers, `bool`, `f32`, `f64`,
//!   `[u8; N]`, `String`, [`go_struct!`](crate::go_struct) structs (whose
//!   [`GoStr`](keys::GoStr) fields the map owns as it owns `String` keys) and
//!   [`GoDyn`](keys::GoDyn). A `String` key is stored as Go's string header
//!   ([`GoString`](crate::maptype::GoString): pointer, length) over a `Box<[u8]>` that the map owns; the box is
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
//! # What misuse remains possible through [`GoMap::raw`] and [`GoMap::raw_swiss`]
//!
//! The raw pointer (an [`Hmap`] of a classic map, a [`swiss::Map`](crate::swiss::Map) of a
//! Swiss one) lets a caller run any runtime function of its engine on the map, all
//! `unsafe`. The wrapper's invariants that such a caller must keep:
//! * every live key slot holds a valid `K` representation (for `String`: a header over a
//!   `Box<[u8]>` of exactly `len` bytes of UTF-8 that the map owns) and every live elem slot
//!   a valid `V` (or `Box<V>`). `mapassign` with a borrowed string header, or writing bytes
//!   that are not a `V`, is undefined behaviour at the next read or drop;
//! * `mapdelete`/`mapclear` through the raw pointer neither drop the value nor free a
//!   string key: a leak (safe, but a leak);
//! * `mapfree`/`mapdestroy` through it (or, for a Swiss map, dropping a box made from
//!   it) is a double free when the `GoMap` drops;
//! * an iterator ([`Hiter`](crate::Hiter), [`swiss::Iter`](crate::swiss::Iter)) started on
//!   the raw map must be dropped before the `GoMap` is mutated through its safe API or
//!   dropped, and no write may go through the pointer while a reference from
//!   [`GoMap::get`] or an iterator is alive.
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
use core::mem;

use crate::base::guard::defer;
use crate::maptype::MapType;
use crate::runtime::{Allocator, Hmap};
use crate::swiss::{self as swiss_engine, SwissMapType};

// The storage layer (what the runtime map holds, how keys and values move in and out of
// it, and the invariants that keeps) is `storage.rs`; this file is the API over it, with
// the iterators in `iter.rs`, the Entry API in `entry.rs` and composite keys in `keys.rs`.
// The engine (classic or Swiss, by release) is picked in one place, `engine.rs`.
mod engine;
mod entry;
mod iter;
pub mod keys;
mod storage;

pub use crate::swiss::Release;
use engine::Engine;
pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use iter::{IntoIter, Iter, IterMut, Keys, Values, ValuesMut};
pub use storage::GoKey;
use storage::Slot;

/// A hash map with the exact layout and behaviour of a Go release's map (Go 1.19's
/// classic map by default; see [`GoMap::with_release`]), holding Rust keys and values.
///
/// See the [module documentation](self) for how keys and values are stored and which Go
/// semantics are kept.
///
/// Invariants: `eng` is a live map of either engine with its boxed descriptor (whose
/// address iterators keep); every live cell or slot holds a key made by
/// [`GoKey::into_stored`] and a `V` (inline, indirect, or boxed per `Slot`), each owned by
/// the map; `graveyard` holds the keys of removed entries whose stale copies an evacuated
/// old bucket of a growing classic map may still show (see [`GoMap::dump`]).
///
/// `GoMap<K, V>` is `Send` when `K` and `V` are: it owns them and its memory. It is `Sync`
/// when `K` and `V` are, because every `&self` method only reads the map: lookups read
/// buckets or groups, and iteration changes only the map's atomic `flags` byte (classic)
/// and atomic live-iterator count (Go's rule "any number of readers" is exactly what the
/// runtimes implement; nothing retired can be pending without a writer, and writers need
/// `&mut`).
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
    eng: Engine,
    graveyard: Vec<K>,
    _owns: PhantomData<(K, V)>,
}

// SAFETY: the map owns its keys, values and memory (allocated through an Allocator, whose
// contract makes it callable from any thread); moving it moves all of them.
unsafe impl<K: GoKey + Send, V: Send> Send for GoMap<K, V> {}
// SAFETY: see the type's documentation: `&self` methods only read, apart from atomics.
unsafe impl<K: GoKey + Sync, V: Sync> Sync for GoMap<K, V> {}

impl<K: GoKey, V> GoMap<K, V> {
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

    /// An empty map of Go release `r` (`make(map[K]V)` as that release compiles it): the
    /// classic map of Go 1.19 to 1.23 (or 1.24 with `GOEXPERIMENT=noswissmap`), or the
    /// Swiss table of Go 1.24 to 1.27. `r` is a [`Release`], or a
    /// [`GoRelease`](crate::maptype::GoRelease) or
    /// [`SwissRelease`](crate::swiss::SwissRelease).
    ///
    /// ```
    /// use gomap::swiss::SwissRelease;
    /// use gomap::typed::{GoMap, Release};
    ///
    /// let mut m: GoMap<u64, &str> = GoMap::with_release(SwissRelease::Go1_27);
    /// m.insert(1, "one");
    /// assert_eq!(m.release(), Release::Swiss(SwissRelease::Go1_27));
    /// assert!(m.dump().starts_with("map used=1 "));
    /// let m: GoMap<u64, &str> = GoMap::with_release(Release::parse("1.22").unwrap());
    /// assert!(m.dump().starts_with("hmap count=0 "));
    /// ```
    pub fn with_release(r: impl Into<Release>) -> GoMap<K, V> {
        GoMap::with_capacity_for(r, 0, Allocator::system())
    }

    /// An empty map of Go release `r` sized for `hint` entries (`make(map[K]V, hint)`):
    /// the classic map allocates its bucket array now (see [`GoMap::with_capacity`]); the
    /// Swiss map allocates nothing for a hint up to 8, else the tables that hold `hint`
    /// entries at 7/8 load.
    ///
    /// ```
    /// use gomap::swiss::SwissRelease;
    /// let m: gomap::typed::GoMap<i64, i64> =
    ///     gomap::typed::GoMap::with_capacity_and_release(100, SwissRelease::Go1_24);
    /// let (_, sm) = m.raw_swiss().unwrap();
    /// assert_eq!(unsafe { (*sm).dirLen() }, 1); // one table of 128 slots
    /// ```
    pub fn with_capacity_and_release(hint: usize, r: impl Into<Release>) -> GoMap<K, V> {
        GoMap::with_capacity_for(r, hint, Allocator::system())
    }

    /// [`GoMap::with_capacity_in`] for Go release `r`: the map follows that release's
    /// map code (the classic `map.go`'s load factor, `clear` and random numbers, see
    /// [`crate::maptype::release`]; or the Swiss table of [`crate::swiss`]). The Swiss
    /// map's groups, tables, directory and indirect keys and values come from `alloc`.
    ///
    /// ```
    /// use gomap::maptype::GoRelease;
    /// use gomap::runtime::Allocator;
    /// let m: gomap::typed::GoMap<i64, i64> =
    ///     gomap::typed::GoMap::with_capacity_for(GoRelease::Go1_21, 100, Allocator::system());
    /// assert_eq!(unsafe { (*m.raw().1).B }, 5); // go1.21: 6.0 * 16 = 96 < 100
    /// ```
    pub fn with_capacity_for(r: impl Into<Release>, hint: usize, alloc: Allocator) -> GoMap<K, V> {
        GoMap {
            eng: Engine::make(&Self::maptype(alloc), r.into(), hint),
            graveyard: Vec::new(),
            _owns: PhantomData,
        }
    }

    /// The map type's key and elem types, hash and equal functions, flags and allocator
    /// as the classic descriptor states them (a Swiss map's descriptor keeps the same in
    /// its `mt`); the engine's own descriptor is behind [`GoMap::raw`] or
    /// [`GoMap::raw_swiss`].
    ///
    /// ```
    /// use gomap::swiss::SwissRelease;
    /// let m: gomap::typed::GoMap<String, [u8; 200]> =
    ///     gomap::typed::GoMap::with_release(SwissRelease::Go1_26);
    /// assert!(m.map_type().indirectelem() && m.map_type().needkeyupdate());
    /// ```
    pub fn map_type(&self) -> &MapType {
        self.eng.mt()
    }

    /// The Go release whose map code the map runs.
    ///
    /// ```
    /// use gomap::maptype::GoRelease;
    /// use gomap::typed::{GoMap, Release};
    /// let m: GoMap<u8, u8> = GoMap::new();
    /// assert_eq!(m.release(), Release::Classic(GoRelease::Go1_19));
    /// ```
    pub fn release(&self) -> Release {
        self.eng.release()
    }

    /// Number of entries (Go's `len(m)`).
    ///
    /// ```
    /// let m: gomap::typed::GoMap<i8, i8> = [(1, 1), (2, 2)].into();
    /// assert_eq!(m.len(), 2);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.eng.len()
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
    // Always inlined, as the raw entry points are: `get` holds both engines' lookups of
    // the key's family (the engine is chosen at run time), which LLVM otherwise keeps out
    // of line, and the call made a lookup of a cache-resident map 1.13x the raw path's
    // time (1.03x inlined).
    #[inline(always)]
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
        let (k, e) = unsafe { self.accessK(&lk) };
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
    #[inline]
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
    #[inline]
    pub fn contains_key(&self, key: &K::Query) -> bool {
        self.get(key).is_some()
    }

    /// Inserts `value` for `key` (Go's `m[key] = value`), returning the value it replaces.
    /// The stored key is overwritten by `key` when Go's descriptor says so
    /// (`needkeyupdate`: float, `String`, [`GoDyn`](keys::GoDyn) and
    /// [`go_struct!`](crate::go_struct) keys with such fields): `+0.0` becomes `-0.0`, a
    /// string takes the new key's bytes and the old ones are freed, as in Go.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<i32, &str> = gomap::typed::GoMap::new();
    /// assert_eq!(m.insert(1, "a"), None);
    /// assert_eq!(m.insert(1, "b"), Some("a"));
    /// assert_eq!(m[&1], "b");
    /// ```
    #[inline(always)]
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.sweep();
        if K::OWNS_MEMORY && K::KEY_UPDATE && self.eng.mt().needkeyupdate() {
            // Go copies the new key over the stored one, whose memory the map then gives
            // up.
            // SAFETY: the descriptor needs key updates.
            return unsafe { self.insert_updating(key, value) };
        }
        if K::OWNS_MEMORY {
            // An owning key without key update (a `go_struct!` whose only owning part is a
            // `Drop` of its own): look the key up first and keep the stored key.
            let lk = K::lookup(key.as_query());
            // SAFETY: as in `get`; `&mut self` makes the elem ours.
            let (e, found) = unsafe { self.access2(&lk) };
            if found {
                // The new key is dropped before the old value is taken out: were it
                // dropped on the way out, a panic in its `Drop` would leak the value
                // being returned (rustc drops no return value a panicking local's drop
                // interrupts); here it leaves the map as it was.
                drop(key);
                // SAFETY: a live value, replaced in place (the key's drop cannot reach
                // the map, which `&mut self` holds).
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

    /// Removes `key`, returning its value (Go's `delete(m, key)`).
    ///
    /// One walk: the delete Go's compiler calls hands the stored key and the value over
    /// just before it zeroes the slot (`runtime::mapdelete_with` and its twins), and a
    /// `String` key's bytes are freed only after the delete returns (or buried while a
    /// stale copy may show them).
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<String, u8> = [("x".to_string(), 1)].into();
    /// assert_eq!(m.remove("x"), Some(1));
    /// assert_eq!(m.remove("x"), None);
    /// ```
    #[inline(always)]
    pub fn remove(&mut self, key: &K::Query) -> Option<V> {
        self.sweep();
        let lk = K::lookup(key);
        // SAFETY: `lk` is a key of `t` that owns nothing.
        let (key, v) = unsafe { self.take(&lk) }?;
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
        // SAFETY: `lk` is a key of `t` that owns nothing.
        let (key, v) = unsafe { self.take(&lk) }?;
        Some((self.surrender(key), v))
    }

    /// Removes every entry, dropping keys and values, and keeps the bucket array (Go's
    /// `for k := range m { delete(m, k) }`, compiled to `mapclear`).
    ///
    /// If a value's `Drop` panics, the other keys and values are still dropped (each
    /// once), the map is cleared, and the first panic is then resumed; so is drop.
    ///
    /// # Panics
    /// With Go's "concurrent map writes" on a map that an earlier write left half-way (a
    /// panic out of the allocator), as Go's `mapclear` does; nothing is dropped.
    ///
    /// ```
    /// let mut m: gomap::typed::GoMap<u8, String> = [(1, "a".to_string())].into();
    /// m.clear();
    /// assert!(m.is_empty());
    /// m.check().unwrap();
    /// ```
    pub fn clear(&mut self) {
        if self.is_empty() && !self.eng.release().is_swiss() {
            // Go's mapclear returns at once, growth and all: the old buckets may still
            // show removed keys, so the graveyard stays as it is. (The Swiss map's Clear
            // runs on an empty map too, from Go 1.25 when tombstones may remain: it
            // clears them, bumps clearSeq and reseeds; the engine decides.)
            return;
        }
        if self.eng.poisoned() {
            // A write panicked half-way (out of memory) and left the map marked as being
            // written: `mapclear` would refuse it with Go's words, after the drops below
            // had freed what the map still holds (a dump or a check would read the freed
            // keys). Refuse it first; the entries stay the map's, leaked with it as drop
            // leaks a poisoned map's.
            crate::base::panic::fatal(crate::base::RuntimeError::ConcurrentWrites);
        }
        let eng = &self.eng;
        // Zero the map whatever happens to the drops below.
        let _clear = defer(|| {
            // SAFETY: exclusive access; every owned key and value has been dropped (or
            // a panic left drop_entries half-way); mapclear only zeroes and retires memory.
            unsafe { eng.clear() }
        });
        // SAFETY: exclusive access; each live entry is dropped once, and the walk hashes
        // nothing, so freeing keys as we go is fine.
        unsafe { Self::drop_entries(eng) };
        drop(_clear);
        // mapclear dropped the old array: nothing shows the removed keys any more.
        self.graveyard.clear();
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
        // SAFETY: the map outlives `it` (dropped in this function); `&mut self` keeps
        // every other user out, and the only writes are deletes of the current entry.
        let mut it = unsafe { self.eng.iter() };
        while !it.key().is_null() {
            // A key not equal to itself in an old bucket evacuated since the iterator
            // entered it comes back as the old cell, a bitwise copy of the entry: the
            // closure must see the entry itself.
            // SAFETY: `it` is live on a live map; nothing writes during the call.
            let (k, e) = unsafe { it.golden() };
            // SAFETY: a live entry; nothing else references it.
            let keep = unsafe { f(K::query(k.cast()), Slot::<V>::get_mut(e)) };
            // A key that is not equal to itself (NaN) cannot be deleted by key, in Go
            // either: such an entry stays whatever `f` says.
            let t = self.eng.mt();
            // SAFETY: `k` is a live key of `t`.
            if !keep && (t.reflexivekey() || unsafe { t.key_equal(k, k) }) {
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
            unsafe { it.next() };
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
        // SAFETY: the map outlives the iterator (it borrows `self`); no writer runs
        // while `&self` is held; several readers may iterate at once (atomic flags and
        // counts).
        let it = unsafe { self.eng.iter() };
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
        // SAFETY: as in `iter`; `&mut self` makes the values ours.
        let it = unsafe { self.eng.iter() };
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
        let (k, e) = unsafe { self.accessK(&lk) };
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

    /// The descriptor and the map header of a classic map, for the runtime functions,
    /// [`crate::runtime::dump()`] and learners' experiments. See the [module
    /// documentation](self) for the invariants a caller using them must keep; reading
    /// through the pointer while holding `&self` is always fine.
    ///
    /// # Panics
    /// On a map of a Swiss release ([`GoMap::release`]): use [`GoMap::raw_swiss`].
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
        self.raw_classic()
            .expect("GoMap::raw on a Swiss map: use GoMap::raw_swiss")
    }

    /// [`GoMap::raw`], or `None` on a map of a Swiss release.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u8, u8> = gomap::typed::GoMap::new();
    /// assert!(m.raw_classic().is_some() && m.raw_swiss().is_none());
    /// ```
    pub fn raw_classic(&self) -> Option<(&MapType, *mut Hmap)> {
        match self.eng {
            Engine::Classic { ref t, h } => Some((t, h)),
            Engine::Swiss { .. } => None,
        }
    }

    /// The Swiss descriptor and map of a map of a Swiss release (`None` on a classic
    /// one), for the Swiss runtime functions ([`crate::swiss::runtime`]),
    /// [`crate::swiss::dump()`] and experiments. The invariants of the [module
    /// documentation](self) hold for it as for [`GoMap::raw`]; in its terms, Swiss
    /// `mapfree` (or dropping a box made from the pointer) is the double free, and a
    /// [`swiss::Iter`](crate::swiss::Iter) started on the map must be dropped before the
    /// `GoMap` is used through its safe API again.
    ///
    /// ```
    /// use gomap::swiss::{runtime::mapaccess2, SwissRelease};
    /// let mut m: gomap::typed::GoMap<i64, i64> =
    ///     gomap::typed::GoMap::with_release(SwissRelease::Go1_25);
    /// m.insert(5, 50);
    /// let (t, sm) = m.raw_swiss().unwrap();
    /// let k = 5i64;
    /// // SAFETY: a read while `m` is borrowed; the key is an int64 as the map type says.
    /// let (e, ok) = unsafe { mapaccess2(t, sm, (&k as *const i64).cast()) };
    /// assert!(ok && unsafe { *(e as *const i64) } == 50);
    /// ```
    pub fn raw_swiss(&self) -> Option<(&SwissMapType, *mut swiss_engine::Map)> {
        match self.eng {
            Engine::Swiss { ref t, m } => Some((t, m)),
            Engine::Classic { .. } => None,
        }
    }

    /// The canonical dump of the map (`docs/trace-and-dump.md` for a classic map,
    /// `docs/swiss-dump.md` for a Swiss one), with each elem printed as `-`: a `V` may
    /// have padding bytes, which must not be read as numbers. For padding-free values,
    /// [`crate::runtime::dump::dump_string`] on [`GoMap::raw`] (or [`crate::swiss::dump()`] on
    /// [`GoMap::raw_swiss`]) prints them too.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<i64, i64> = [(1, 1)].into();
    /// let d = m.dump();
    /// assert!(d.starts_with("hmap count=1 "));
    /// assert!(d.contains("0100000000000000=-"));
    /// ```
    pub fn dump(&self) -> String {
        // SAFETY: no writer runs under `&self`, and every string header in the map, live
        // or stale in an evacuated bucket, points at bytes the map still owns (removed
        // keys are kept in the graveyard while growing).
        unsafe { self.eng.dump() }
    }

    /// Runs the engine's invariant checker ([`crate::runtime::check()`], [`crate::swiss::check()`])
    /// over the map.
    ///
    /// ```
    /// let m: gomap::typed::GoMap<u16, u16> = (0..1000).map(|i| (i, i)).collect();
    /// assert_eq!(m.check(), Ok(()));
    /// ```
    pub fn check(&self) -> Result<(), String> {
        // SAFETY: no writer runs under `&self`.
        unsafe { self.eng.check() }
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
    /// A map of the same release with the same entries (a new seed, so another bucket
    /// layout): `make(map[K]V, len(m))` and an insert per entry, in iteration order.
    ///
    /// ```
    /// let a: gomap::typed::GoMap<String, Vec<u8>> = [("k".to_string(), vec![1])].into();
    /// let b = a.clone();
    /// assert_eq!(a, b);
    /// ```
    fn clone(&self) -> GoMap<K, V> {
        let mut m = GoMap::with_capacity_for(self.release(), self.len(), self.eng.alloc());
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
