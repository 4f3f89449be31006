//! The Entry API of [`GoMap`]: [`Entry`] and its [`OccupiedEntry`] and [`VacantEntry`],
//! from [`GoMap::entry`].

use core::mem;

use super::storage::Slot;
use super::{GoKey, GoMap};

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
    pub(super) map: &'a mut GoMap<K, V>,
    pub(super) key: K,
    pub(super) k: *mut u8,
    pub(super) e: *mut u8,
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
        // The stored key is dropped while `v` is still a local: a panic in its `Drop`
        // then drops `v` too (rustc would leak a return value such a panic interrupts).
        let (key, v) = self.remove_entry();
        drop(key);
        v
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
        let OccupiedEntry {
            map,
            key: given,
            k,
            e,
        } = self;
        // The key given to `entry` goes first, before anything is removed: dropped on
        // the way out, a panic in its `Drop` would leak the entry being returned (rustc
        // drops no return value a panicking local's drop interrupts).
        drop(given);
        // SAFETY: a live entry found by key, so its key equals itself (dropping `given`
        // cannot reach the map, which the entry borrows).
        let (key, v) = unsafe { map.delete_found(k, e) };
        (map.surrender(key), v)
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
    pub(super) map: &'a mut GoMap<K, V>,
    pub(super) key: K,
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
