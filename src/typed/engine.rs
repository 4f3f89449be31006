//! The one place where [`GoMap`](super::GoMap) picks its engine: the classic bucketed
//! map of [`crate::runtime`] or the Swiss table of [`crate::swiss`], by Go release
//! ([`Release`]). Everything above (`storage.rs`, the API, iterators, entries) reaches
//! the runtime map through [`Engine`] and [`RawIter`], whose methods are Go's runtime
//! calls of each engine under Go's names, so that the buckets or groups hold the bytes
//! Go's map holds for the same operations.
//!
//! What the engines share, and the storage layer relies on: a lookup gives the address
//! of the stored key and of its elem (indirection resolved), which stay put until the
//! next write; a write may move entries (growth, evacuation, a table's rehash or split);
//! iterators start at Go's random offsets and see Go's order; `mapclear` zeroes without
//! dropping anything. What differs: only the classic map grows incrementally, so only it
//! can show a removed key's stale copy in an old bucket ([`Engine::growing`]).

use core::ptr;

use crate::maptype::{GoString, MapFast, MapType};
use crate::runtime::make::for_each_live_cell;
use crate::runtime::types::{elem_at, key_at, load_ptr, HASH_WRITING};
use crate::runtime::{
    self, map_access2, map_assign, map_assign_with, map_delete_with, mapaccess2_fast32,
    mapaccess2_fast64, mapaccess2_faststr, mapassign_fast32, mapassign_fast64, mapassign_faststr,
    mapassign_faststr_with, mapclear, mapdelete_fast32_with, mapdelete_fast64_with,
    mapdelete_faststr_with, mapfree, mapiterinit, mapiternext, Allocator, Bmap, Hiter, Hmap,
};
use crate::swiss::group::groupReference;
use crate::swiss::{self, Release, SwissMapType};

/// A runtime map of either engine, with its descriptor.
///
/// Invariants: the descriptor is boxed, so that its address, which iterators keep, is
/// stable; the map is live, made by its engine's `makemap` with that descriptor, and
/// freed only by [`Engine::free`]: for `Classic` an `Hmap` from `runtime::makemap`, for
/// `Swiss` a `Map` from `swiss::runtime::makemap` turned into a raw pointer (its `Drop`
/// frees its tables).
pub(super) enum Engine {
    /// The classic map (Go 1.19 to 1.23, 1.24 with `noswissmap`).
    Classic { t: Box<MapType>, h: *mut Hmap },
    /// The Swiss table (Go 1.24 to 1.27).
    Swiss {
        t: Box<SwissMapType>,
        m: *mut swiss::Map,
    },
}

impl Engine {
    /// `make(map[K]V, hint)` for release `r`, with descriptor `mt` (built for the key
    /// and elem types, with its allocator); a hint above `isize::MAX` is ignored, as Go
    /// ignores an impossible one.
    pub(super) fn make(mt: &MapType, r: Release, hint: usize) -> Engine {
        // From here on the hash keys cannot change from safe code.
        crate::maptype::alg::note_safe_map();
        let hint = isize::try_from(hint).unwrap_or(0);
        match r {
            Release::Classic(r) => {
                let t = Box::new(mt.with_release(r));
                // SAFETY: a null `h` asks makemap to allocate the header; the map is used
                // only with `t` and freed with mapfree in `free`.
                let h = unsafe { runtime::makemap(&t, hint, ptr::null_mut()) };
                Engine::Classic { t, h }
            }
            Release::Swiss(r) => {
                let t = Box::new(SwissMapType::new(mt, r));
                let m = Box::into_raw(swiss::runtime::makemap(&t, hint));
                Engine::Swiss { t, m }
            }
        }
    }

    /// The release whose map code runs.
    pub(super) fn release(&self) -> Release {
        match self {
            Engine::Classic { t, .. } => Release::Classic(t.release()),
            Engine::Swiss { t, .. } => Release::Swiss(t.release),
        }
    }

    /// The key and elem types, hasher, equal and allocator (the Swiss descriptor's
    /// `mt`).
    pub(super) fn mt(&self) -> &MapType {
        match self {
            Engine::Classic { t, .. } => t,
            Engine::Swiss { t, .. } => &t.mt,
        }
    }

    /// The allocator of the map's memory.
    pub(super) fn alloc(&self) -> Allocator {
        self.mt().alloc
    }

    /// `len(m)`.
    #[inline]
    pub(super) fn len(&self) -> usize {
        // SAFETY: the map is live (type invariant); plain field reads.
        unsafe {
            match *self {
                Engine::Classic { h, .. } => (*h).count,
                Engine::Swiss { m, .. } => (*m).used as usize,
            }
        }
    }

    /// Whether an old bucket array may still show copies of removed entries: the classic
    /// map in the middle of growing. A Swiss table grows at once, and the old tables only
    /// iterators still read are never printed nor searched.
    #[inline]
    pub(super) fn growing(&self) -> bool {
        match *self {
            // SAFETY: live (type invariant).
            Engine::Classic { h, .. } => unsafe { (*h).growing() },
            Engine::Swiss { .. } => false,
        }
    }

    /// Whether a write panicked half-way and left the map marked as being written
    /// (`hashWriting`, `writing`).
    pub(super) fn poisoned(&self) -> bool {
        // SAFETY: live (type invariant); plain reads of the write flag.
        unsafe {
            match *self {
                Engine::Classic { h, .. } => (*h).flags() & HASH_WRITING != 0,
                Engine::Swiss { m, .. } => (*m).writing() != 0,
            }
        }
    }

    /// The stored key and the elem of `key`, or null pointers when it is absent
    /// (classic `mapaccessK`; Swiss `Map.getWithKey`).
    ///
    /// # Safety
    /// `key` is a readable key of the map type; no writer runs concurrently.
    #[allow(non_snake_case)] // Go's mapaccessK
    pub(super) unsafe fn accessK(&self, key: *const u8) -> (*mut u8, *mut u8) {
        // SAFETY: live maps of their descriptors (type invariant); the rest is the
        // caller's.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => runtime::mapaccessK(t, h, key),
                Engine::Swiss { ref t, m } => {
                    let (k, e, ok) = (*m).getWithKey(t, key);
                    if ok {
                        (k, e)
                    } else {
                        (ptr::null_mut(), ptr::null_mut())
                    }
                }
            }
        }
    }

    /// `v, ok := m[k]` through the function Go's compiler calls for this map type,
    /// `fast` being its family (`walk.mapfast`), known statically to the caller.
    ///
    /// # Safety
    /// `key` is a readable key of the map type, of the family `fast` says (its
    /// descriptor's); no writer runs concurrently.
    #[inline(always)]
    pub(super) unsafe fn access2(&self, fast: Option<MapFast>, k: *const u8) -> (*mut u8, bool) {
        // SAFETY: live maps of their descriptors (type invariant); the key is read as the
        // type its family expects (read_unaligned: no alignment needed); the rest is the
        // caller's.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => match fast {
                    Some(MapFast::Fast32) => {
                        mapaccess2_fast32(t, h, k.cast::<u32>().read_unaligned())
                    }
                    Some(MapFast::Fast64) => {
                        mapaccess2_fast64(t, h, k.cast::<u64>().read_unaligned())
                    }
                    Some(MapFast::FastStr) => {
                        mapaccess2_faststr(t, h, k.cast::<GoString>().read_unaligned())
                    }
                    _ => map_access2(t, h, k),
                },
                // The family known statically, as on the classic engine: a direct call
                // instead of `mapaccess2_compiled`'s dispatch on the descriptor.
                Engine::Swiss { ref t, m } => match fast {
                    Some(MapFast::Fast32) => {
                        swiss::fast32::mapaccess2_fast32(t, m, k.cast::<u32>().read_unaligned())
                    }
                    Some(MapFast::Fast64) => {
                        swiss::fast64::mapaccess2_fast64(t, m, k.cast::<u64>().read_unaligned())
                    }
                    Some(MapFast::FastStr) => swiss::faststr::mapaccess2_faststr(
                        t,
                        m,
                        k.cast::<GoString>().read_unaligned(),
                    ),
                    _ => swiss::runtime::mapaccess2_compiled(t, m, k),
                },
            }
        }
    }

    /// `m[k] = ...` through the function Go's compiler calls (see [`Engine::access2`]);
    /// returns the elem slot.
    ///
    /// # Safety
    /// As for [`Engine::access2`], with exclusive access. A string key's header is stored
    /// when the key is new and overwrites the stored one when it is present (as in Go).
    #[inline(always)]
    pub(super) unsafe fn assign(&self, fast: Option<MapFast>, k: *const u8) -> *mut u8 {
        // SAFETY: as in `access2`.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => match fast {
                    Some(MapFast::Fast32) => {
                        mapassign_fast32(t, h, k.cast::<u32>().read_unaligned())
                    }
                    Some(MapFast::Fast64) => {
                        mapassign_fast64(t, h, k.cast::<u64>().read_unaligned())
                    }
                    Some(MapFast::FastStr) => {
                        mapassign_faststr(t, h, k.cast::<GoString>().read_unaligned())
                    }
                    _ => map_assign(t, h, k),
                },
                Engine::Swiss { ref t, m } => match fast {
                    Some(MapFast::Fast32) => {
                        swiss::fast32::mapassign_fast32(t, m, k.cast::<u32>().read_unaligned())
                    }
                    Some(MapFast::Fast64) => {
                        swiss::fast64::mapassign_fast64(t, m, k.cast::<u64>().read_unaligned())
                    }
                    Some(MapFast::FastStr) => swiss::faststr::mapassign_faststr(
                        t,
                        m,
                        k.cast::<GoString>().read_unaligned(),
                    ),
                    _ => swiss::runtime::mapassign_compiled(t, m, k),
                },
            }
        }
    }

    /// [`Engine::assign`] that shows the stored key to `update` just before the runtime
    /// copies the new key over it (Go's key update of an existing entry; not called for a
    /// new one). One walk on both engines, through the `_with` forms of the functions Go's
    /// compiler calls (`runtime::map_assign_with`; Swiss `mapassign_faststr_with`,
    /// `mapassign_compiled_with`); the caller checks from the count whether the entry was
    /// new.
    ///
    /// # Safety
    /// As for [`Engine::assign`]; `update` must not write the map.
    #[inline(always)]
    pub(super) unsafe fn assign_with(
        &self,
        fast: Option<MapFast>,
        k: *const u8,
        update: impl FnOnce(*mut u8),
    ) -> *mut u8 {
        // SAFETY: as in `access2`.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => match fast {
                    Some(MapFast::FastStr) => {
                        mapassign_faststr_with(t, h, k.cast::<GoString>().read_unaligned(), update)
                    }
                    _ => map_assign_with(t, h, k, update),
                },
                Engine::Swiss { ref t, m } => match fast {
                    Some(MapFast::FastStr) => swiss::faststr::mapassign_faststr_with(
                        t,
                        m,
                        k.cast::<GoString>().read_unaligned(),
                        update,
                    ),
                    _ => swiss::runtime::mapassign_compiled_with(t, m, k, update),
                },
            }
        }
    }

    /// `delete(m, k)` through the function Go's compiler calls (see [`Engine::access2`]),
    /// in its `_with` form: hands the entry to `found` (the stored key and elem, as
    /// `mapaccessK` returns them) before the runtime clears it; `found` is called only
    /// when the key is present. One walk on both engines, through the `_with` forms of the
    /// functions Go's compiler calls (`runtime::mapdelete_with`; Swiss
    /// `mapdelete_fast64_with` and its twins, `mapdelete_with`); the caller checks that
    /// the delete took the entry.
    ///
    /// # Safety
    /// As for [`Engine::assign`]; `found` must not write the map.
    #[inline(always)]
    pub(super) unsafe fn delete_with(
        &self,
        fast: Option<MapFast>,
        k: *const u8,
        found: impl FnOnce(*mut u8, *mut u8),
    ) {
        // SAFETY: as in `access2`.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => match fast {
                    Some(MapFast::Fast32) => {
                        mapdelete_fast32_with(t, h, k.cast::<u32>().read_unaligned(), found)
                    }
                    Some(MapFast::Fast64) => {
                        mapdelete_fast64_with(t, h, k.cast::<u64>().read_unaligned(), found)
                    }
                    Some(MapFast::FastStr) => {
                        mapdelete_faststr_with(t, h, k.cast::<GoString>().read_unaligned(), found)
                    }
                    _ => map_delete_with(t, h, k, found),
                },
                Engine::Swiss { ref t, m } => match fast {
                    Some(MapFast::Fast32) => swiss::fast32::mapdelete_fast32_with(
                        t,
                        m,
                        k.cast::<u32>().read_unaligned(),
                        found,
                    ),
                    Some(MapFast::Fast64) => swiss::fast64::mapdelete_fast64_with(
                        t,
                        m,
                        k.cast::<u64>().read_unaligned(),
                        found,
                    ),
                    Some(MapFast::FastStr) => swiss::faststr::mapdelete_faststr_with(
                        t,
                        m,
                        k.cast::<GoString>().read_unaligned(),
                        found,
                    ),
                    _ => swiss::runtime::mapdelete_with(t, m, k, found),
                },
            }
        }
    }

    /// Go's `clear(m)` (`mapclear`): zeroes every slot, drops nothing.
    ///
    /// # Safety
    /// Exclusive access; the keys and values the map owned were given up.
    pub(super) unsafe fn clear(&self) {
        // SAFETY: live maps of their descriptors (type invariant); the rest is the
        // caller's.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => mapclear(t, h),
                Engine::Swiss { ref t, m } => swiss::runtime::mapclear(t, m),
            }
        }
    }

    /// Starts an iteration (`mapiterinit`; Swiss `mapIterStart`): Go's random start, the
    /// first entry current.
    ///
    /// # Safety
    /// The map outlives the iterator, and is not written while the iterator is in use
    /// except through deletes of its current entry.
    pub(super) unsafe fn iter(&self) -> RawIter {
        // SAFETY: live maps of their descriptors, the boxed descriptor's address stable
        // (type invariant); the rest is the caller's.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => {
                    let mut it = Hiter::new();
                    mapiterinit(t, h, &mut it);
                    RawIter::Classic(it)
                }
                Engine::Swiss { ref t, m } => {
                    let mut it = swiss::Iter::new();
                    swiss::runtime::mapIterStart(t, m, &mut it);
                    RawIter::Swiss(it)
                }
            }
        }
    }

    /// Calls `f(key, elem)` (indirection resolved) for every live entry, walking the
    /// buckets or groups without hashing anything, so that `f` may free the keys it has
    /// seen.
    ///
    /// # Safety
    /// Nothing else uses the map during the call.
    pub(super) unsafe fn for_each_entry(&self, mut f: impl FnMut(*mut u8, *mut u8)) {
        match *self {
            // SAFETY: a live map of `t` (type invariant), ours (caller).
            Engine::Classic { ref t, h } => unsafe { for_each_classic(t, &*h, f) },
            Engine::Swiss { ref t, m } => {
                let t: &SwissMapType = t;
                let mut group = |g: groupReference| {
                    // SAFETY: a live group of `t`; its full slots' keys and elems are
                    // live, indirect ones behind their pointers.
                    unsafe { g.forEachFull(|i| f(g.keyOf(t, i), g.elemOf(t, i))) }
                };
                // SAFETY: a live map of `t` (type invariant): `dirPtr` is null, the small
                // group, or a directory of live tables (each once per run of entries).
                unsafe {
                    let m = &*m;
                    if m.dirPtr.is_null() {
                    } else if m.dirLen == 0 {
                        group(groupReference { data: m.dirPtr });
                    } else {
                        m.for_each_table(|tab| {
                            for gi in 0..=(*tab).groups.lengthMask {
                                group((*tab).groups.group(t, gi));
                            }
                        });
                    }
                }
            }
        }
    }

    /// The canonical dump (`docs/trace-and-dump.md`, `docs/swiss-dump.md`) with each elem
    /// printed as `-`: only the size of what is printed changes, not the offsets.
    ///
    /// # Safety
    /// No writer runs; every string header in the map, live or stale in an evacuated
    /// bucket, points at bytes the map still owns.
    pub(super) unsafe fn dump(&self) -> String {
        // SAFETY: live maps of their descriptors' layouts (type invariant); the rest is
        // the caller's.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => {
                    let mut t = **t;
                    // Slot offsets come from `keysize`/`elemsize`; `elem.size` is only
                    // how many bytes the printer shows.
                    t.elem.size = 0;
                    runtime::dump::dump_string(&t, h)
                }
                Engine::Swiss { ref t, m } => {
                    let mut t = **t;
                    // Slot offsets come from `SlotSize`/`ElemOff`, as above.
                    t.mt.elem.size = 0;
                    swiss::dump(&t, &*m)
                }
            }
        }
    }

    /// The engine's invariant checker.
    ///
    /// # Safety
    /// No writer runs.
    pub(super) unsafe fn check(&self) -> Result<(), String> {
        // SAFETY: live maps of their descriptors (type invariant); no writer (caller).
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => runtime::check(t, h),
                Engine::Swiss { ref t, m } => swiss::check(t, &*m),
            }
        }
    }

    /// Frees the map and all its memory (not the keys' and values' own resources).
    ///
    /// # Safety
    /// No iterator of the map is live; the engine is not used afterwards.
    pub(super) unsafe fn free(&self) {
        // SAFETY: the map is ours (type invariant) and used no more (caller); a Swiss
        // map's box came from `Box::into_raw` in `make`.
        unsafe {
            match *self {
                Engine::Classic { ref t, h } => mapfree(t, h),
                Engine::Swiss { ref t, m } => swiss::mapfree(t, Box::from_raw(m)),
            }
        }
    }
}

/// Calls `f(key, elem)` for every live entry of a classic map `h`: the unevacuated cells
/// of the old array and the cells of the current one.
///
/// # Safety
/// `h` is a live map of type `t`; nothing else uses it during the call.
unsafe fn for_each_classic(t: &MapType, h: &Hmap, mut f: impl FnMut(*mut u8, *mut u8)) {
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

/// A started iteration of either engine ([`Engine::iter`]): the classic [`Hiter`] or
/// the Swiss [`swiss::Iter`], each registered with its map so that memory it reads is
/// not freed under it.
pub(super) enum RawIter {
    /// A classic iterator.
    Classic(Hiter),
    /// A Swiss iterator.
    Swiss(swiss::Iter),
}

impl RawIter {
    /// The current key, null at the end.
    #[inline]
    pub(super) fn key(&self) -> *mut u8 {
        match self {
            RawIter::Classic(it) => it.key(),
            RawIter::Swiss(it) => it.Key(),
        }
    }

    /// The current elem.
    #[inline]
    pub(super) fn elem(&self) -> *mut u8 {
        match self {
            RawIter::Classic(it) => it.elem(),
            RawIter::Swiss(it) => it.Elem(),
        }
    }

    /// The current entry itself, for a write to it: a classic iterator may return a
    /// bitwise copy from an evacuated old bucket for a key not equal to itself
    /// (`mapiter_golden` finds the entry); a Swiss iterator returns the entry, since
    /// deletes do not move entries.
    ///
    /// # Safety
    /// The iterator is live on a live map, not written during the call.
    pub(super) unsafe fn golden(&self) -> (*mut u8, *mut u8) {
        match self {
            // SAFETY: the caller's.
            RawIter::Classic(it) => unsafe { runtime::iter::mapiter_golden(it) },
            RawIter::Swiss(it) => (it.Key(), it.Elem()),
        }
    }

    /// Moves to the next entry (`mapiternext`, Swiss `mapIterNext`).
    ///
    /// # Safety
    /// The iterator was started by [`Engine::iter`] on a map that is still live.
    #[inline]
    pub(super) unsafe fn next(&mut self) {
        // SAFETY: the caller's.
        unsafe {
            match self {
                RawIter::Classic(it) => mapiternext(it),
                RawIter::Swiss(it) => swiss::runtime::mapIterNext(it),
            }
        }
    }
}
