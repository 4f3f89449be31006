//! The iterators of [`GoMap`]: by reference ([`Iter`], [`IterMut`], [`Keys`], [`Values`],
//! [`ValuesMut`]), each over a registered iterator of the map's engine in Go's random
//! order, and by value
//! ([`IntoIter`]).

use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};

use super::engine::RawIter;
use super::storage::Slot;
use super::{GoKey, GoMap};

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
        // SAFETY: as in `iter`; we own the map.
        let mut it = unsafe { self.eng.iter() };
        while !it.key().is_null() {
            // SAFETY: the current entry is live. Its bytes are copied out and stay in the
            // slot untouched until mapclear below; the iterator reads no elems and only
            // keys of entries not yet yielded, so ownership moves to `out` safely.
            unsafe {
                out.push((
                    it.key().cast::<K::Stored>().read(),
                    ManuallyDrop::new(Slot::<V>::read(it.elem())),
                ));
                it.next();
            }
        }
        drop(it);
        // SAFETY: exclusive access; every entry has moved to `out`, so zeroing the
        // buckets drops nothing twice.
        unsafe { self.eng.clear() };
        let v: Vec<(K, V)> = out
            .into_iter()
            // SAFETY: each stored key was moved out of the map once.
            .map(|(k, v)| (unsafe { K::from_stored(k) }, ManuallyDrop::into_inner(v)))
            .collect();
        // The buried keys go once the entries are owned by `v`, and before the result
        // exists: a panic of a key's `Drop` then drops `v` (before, the entries were
        // still undroppable copies; after, rustc would leak the returned iterator).
        drop(mem::take(&mut self.graveyard));
        IntoIter(v.into_iter())
    }
}

/// The iterator of [`GoMap::iter`]: `(&key, &value)` in Go's random order.
///
/// It holds a registered iterator of the map's engine ([`Hiter`](crate::Hiter) or
/// [`swiss::Iter`](crate::swiss::Iter)), so the map's memory it reads is never freed
/// under it.
///
/// ```
/// let m: gomap::typed::GoMap<u8, u8> = [(1, 2)].into();
/// let mut it: gomap::typed::Iter<'_, u8, u8> = m.iter();
/// assert_eq!(it.len(), 1);
/// assert_eq!(it.next(), Some((&1, &2)));
/// assert_eq!(it.next(), None);
/// ```
pub struct Iter<'a, K: GoKey, V> {
    pub(super) it: RawIter,
    pub(super) left: usize,
    pub(super) _map: PhantomData<&'a GoMap<K, V>>,
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
            self.it.next();
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
    pub(super) it: RawIter,
    pub(super) left: usize,
    pub(super) _map: PhantomData<&'a mut GoMap<K, V>>,
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
            self.it.next();
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
pub struct Keys<'a, K: GoKey, V>(pub(super) Iter<'a, K, V>);

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
pub struct Values<'a, K: GoKey, V>(pub(super) Iter<'a, K, V>);

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
pub struct ValuesMut<'a, K: GoKey, V>(pub(super) IterMut<'a, K, V>);

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
