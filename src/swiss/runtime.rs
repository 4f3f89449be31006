//! The runtime entry points: port of `internal/runtime/maps/runtime.go` and of the map
//! half of `runtime/map.go` (Go 1.24's `runtime/map_swiss.go`).
//!
//! A nil Go map is a null `*mut Map` here. Maps come from [`makemap`] (a `Box<Map>`
//! turned into a raw pointer by the caller, or kept boxed) and go back through
//! [`mapfree`](super::map::mapfree), or by dropping the box: a `Map` frees its tables,
//! groups and directory when dropped, so none of these constructors can leak them.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use super::group::{groupReference, GenericKey, SearchKey, CTRL_DELETED};
use super::iter::Iter;
use super::map::{h1, h2, Map, NewEmptyMap, NewMap};
use super::table::{insertAt, makeProbeSeq, table};
use super::types::{SwissMapType, SwissRelease};
use crate::base::malloc::zero_val;
use crate::maptype::MapFast;
use crate::runtime::types::{fatal, raise, RuntimeError};

/// Go's `maxAlloc` on 64-bit Linux: the largest allocation (`1 << 48`).
pub const MAX_ALLOC: usize = 1 << 48;

/// Port of `runtime.makemap`: `make(map[K]E, hint)`; a negative hint counts as 0.
pub fn makemap(typ: &SwissMapType, hint: isize) -> Box<Map> {
    NewMap(typ, hint.max(0) as usize, MAX_ALLOC)
}

/// Port of `runtime.makemap64`: a hint that does not fit an int counts as 0.
pub fn makemap64(typ: &SwissMapType, hint: i64) -> Box<Map> {
    let hint = if hint as isize as i64 != hint {
        0
    } else {
        hint
    };
    makemap(typ, hint as isize)
}

/// Port of `runtime.makemap_small`: `make(map[K]E)` with a hint known to be small.
pub fn makemap_small() -> Box<Map> {
    NewEmptyMap()
}

/// Port of `runtime_mapaccess1`: `m[key]`, the shared zero value when absent.
///
/// # Safety
/// `m` is null or a live map of `typ`; `key` a readable key.
pub unsafe fn mapaccess1(typ: &SwissMapType, m: *const Map, key: *const u8) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe { mapaccess2(typ, m, key).0 }
}

/// The prologue of Go's lookups: `None` for a nil or empty map (the caller answers with
/// the zero value); panics with "concurrent map read and map write" when a write is in
/// progress.
///
/// # Safety
/// `m` is null or a live map that outlives `'a`.
#[inline(always)]
pub(crate) unsafe fn map_for_read<'a>(m: *const Map) -> Option<&'a Map> {
    // SAFETY: null or live (caller).
    let m = unsafe { m.as_ref() }?;
    if m.Used() == 0 {
        return None;
    }
    if m.writing() != 0 {
        fatal(RuntimeError::ConcurrentReadWrite);
    }
    Some(m)
}

/// Port of `runtime_mapaccess2`: `e, ok := m[key]`.
///
/// # Safety
/// As for [`mapaccess1`].
pub unsafe fn mapaccess2(typ: &SwissMapType, m: *const Map, key: *const u8) -> (*mut u8, bool) {
    // SAFETY: null or live (caller).
    let Some(m) = (unsafe { map_for_read(m) }) else {
        // SAFETY: a readable key of `typ` (caller).
        unsafe { mapKeyError(typ, key) };
        return (zero_val(), false);
    };
    // SAFETY: the map is live and of `typ`.
    let (_, e, ok) = unsafe { m.getWithKey(typ, key) };
    if ok {
        (e, true)
    } else {
        (zero_val(), false)
    }
}

/// Port of `runtime_mapassign`, the generic assignment Go's compiler uses for keys
/// without a fast path (floats, arrays, structs, and any key with an elem over 128
/// bytes): the elem slot for `key`, inserting it if new.
///
/// It probes differently from [`Map::PutSlot`] (and from the fast paths): it ends the
/// probe at the first group with an empty slot, reusing a deleted slot only from an
/// earlier group that had no empty slot, and it never prunes tombstones. Both leave
/// their own bytes.
///
/// # Safety
/// `m` is null (panics as Go does) or a live map of `typ`; `key` a readable key.
pub unsafe fn mapassign(typ: &SwissMapType, m: *mut Map, key: *const u8) -> *mut u8 {
    // SAFETY: forwarded; the hook does nothing.
    unsafe { mapassign_with(typ, m, key, |_| {}) }
}

/// [`mapassign`] that shows the stored key to `update` just before Go copies `key` over
/// it (an existing entry of a map type with `NeedKeyUpdate`; never for a new one): the
/// safe map's one-walk insert of an owning key.
///
/// # Safety
/// As for [`mapassign`]; `update` must not write the map (it runs while the map is being
/// written).
pub unsafe fn mapassign_with(
    typ: &SwissMapType,
    m: *mut Map,
    key: *const u8,
    update: impl FnOnce(*mut u8),
) -> *mut u8 {
    // The hook is met on the small-map path or on the table path, never both.
    let mut update = Some(update);
    // SAFETY: `m` is null or live (caller).
    let Some(m) = (unsafe { m.as_mut() }) else {
        raise(RuntimeError::NilMapWrite);
    };
    if m.writing() != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    // SAFETY: the map is live and of `typ`; key readable (caller).
    unsafe {
        let hash = typ.Hasher(key, m.seed);
        // Set writing after hashing, which may panic.
        m.toggle_writing();
        if m.dirPtr.is_null() {
            m.growToSmall(typ);
        }
        if m.dirLen == 0 {
            if let Some(elem) = m.putSmall(typ, hash, key, |m, typ, hash, key| {
                m.putSlotSmall(typ, hash, key, |k| {
                    if let Some(u) = update.take() {
                        u(k)
                    }
                })
            }) {
                m.end_write();
                return elem;
            }
        }
        let slotElem;
        'outer: loop {
            let idx = m.directoryIndex(hash);
            let t = m.directoryAt(idx);
            let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
            // The first deleted slot met in a group without empty slots.
            let mut firstDeletedGroup = groupReference::NULL;
            let mut firstDeletedSlot = 0usize;
            let h2Hash = h2(hash);
            loop {
                let mut g = (*t).groups.group(typ, seq.offset);
                // Look for an existing slot containing this key.
                if let Some(i) = g.findKey(typ, h2Hash, key) {
                    if typ.NeedKeyUpdate() {
                        if let Some(u) = update.take() {
                            u(g.keyOf(typ, i));
                        }
                        super::table::typedmemmove(g.keyOf(typ, i), key, typ.key().size);
                    }
                    slotElem = g.elemOf(typ, i);
                    break 'outer;
                }
                // No existing slot here. An empty slot ends the probe sequence.
                let mut match_ = g.ctrls().matchEmpty();
                if !match_.is_empty() {
                    let i;
                    // A deleted slot met on the way is reused without consuming
                    // growthLeft.
                    if !firstDeletedGroup.data.is_null() {
                        g = firstDeletedGroup;
                        i = firstDeletedSlot;
                        (*t).growthLeft += 1; // decremented below
                    } else {
                        i = match_.first();
                    }
                    if (*t).growthLeft > 0 {
                        slotElem = insertAt(typ, g, i, key);
                        g.set_ctrl(i, h2Hash as u8);
                        (*t).growthLeft -= 1;
                        (*t).used += 1;
                        m.used += 1;
                        break 'outer;
                    }
                    table::rehash(t, typ, m);
                    continue 'outer;
                }
                // No empty slot in this group: remember its first deleted slot, to use
                // if the key turns out to be new. One is enough.
                if firstDeletedGroup.data.is_null() {
                    match_ = g.ctrls().matchEmptyOrDeleted();
                    if !match_.is_empty() {
                        firstDeletedGroup = g;
                        firstDeletedSlot = match_.first();
                    }
                }
                seq = seq.next();
            }
        }
        m.end_write();
        slotElem
    }
}

/// `m[key] = elem` through the entry point Go's compiler picks for the map type
/// (`walk.mapfast`): the fast paths share [`Map::PutSlot`]'s probing, the others use
/// [`mapassign`]. Returns the elem slot.
///
/// # Safety
/// As for [`mapassign`].
pub unsafe fn mapassign_compiled(typ: &SwissMapType, m: *mut Map, key: *const u8) -> *mut u8 {
    // SAFETY: forwarded; the fast paths read the key at its type's size.
    unsafe {
        match typ.fast() {
            MapFast::Fast32 | MapFast::Fast32Ptr => {
                super::fast32::mapassign_fast32(typ, m, (key as *const u32).read_unaligned())
            }
            MapFast::Fast64 | MapFast::Fast64Ptr => {
                super::fast64::mapassign_fast64(typ, m, (key as *const u64).read_unaligned())
            }
            MapFast::FastStr => super::faststr::mapassign_faststr(
                typ,
                m,
                (key as *const crate::maptype::GoString).read_unaligned(),
            ),
            MapFast::Slow => mapassign(typ, m, key),
        }
    }
}

/// [`mapassign_compiled`] that shows the stored key to `update` just before Go copies
/// the new key over it (Go's key update of an existing entry: the string fast path
/// always, [`mapassign`] when the map type says `NeedKeyUpdate`; the integer fast paths
/// never update a key, and never call it).
///
/// # Safety
/// As for [`mapassign`]; `update` must not write the map.
#[inline]
pub unsafe fn mapassign_compiled_with(
    typ: &SwissMapType,
    m: *mut Map,
    key: *const u8,
    update: impl FnOnce(*mut u8),
) -> *mut u8 {
    // SAFETY: forwarded; the fast paths read the key at its type's size.
    unsafe {
        match typ.fast() {
            MapFast::FastStr => super::faststr::mapassign_faststr_with(
                typ,
                m,
                (key as *const crate::maptype::GoString).read_unaligned(),
                update,
            ),
            MapFast::Slow => mapassign_with(typ, m, key, update),
            _ => mapassign_compiled(typ, m, key),
        }
    }
}

/// `e, ok := m[key]` through the lookup Go's compiler picks for the map type
/// (`walk.mapfast`): the fast32/fast64/faststr lookups or [`mapaccess2`].
///
/// # Safety
/// As for [`mapaccess2`].
pub unsafe fn mapaccess2_compiled(
    typ: &SwissMapType,
    m: *const Map,
    key: *const u8,
) -> (*mut u8, bool) {
    // SAFETY: forwarded; the fast paths read the key at its type's size.
    unsafe {
        match typ.fast() {
            MapFast::Fast32 | MapFast::Fast32Ptr => {
                super::fast32::mapaccess2_fast32(typ, m, (key as *const u32).read_unaligned())
            }
            MapFast::Fast64 | MapFast::Fast64Ptr => {
                super::fast64::mapaccess2_fast64(typ, m, (key as *const u64).read_unaligned())
            }
            MapFast::FastStr => super::faststr::mapaccess2_faststr(
                typ,
                m,
                (key as *const crate::maptype::GoString).read_unaligned(),
            ),
            MapFast::Slow => mapaccess2(typ, m, key),
        }
    }
}

/// Port of `runtime.mapdelete`: `delete(m, key)`.
///
/// # Safety
/// `m` is null or a live map of `typ`; `key` a readable key.
pub unsafe fn mapdelete(typ: &SwissMapType, m: *mut Map, key: *const u8) {
    // SAFETY: null or live (caller).
    match unsafe { m.as_mut() } {
        // SAFETY: forwarded.
        Some(m) if m.Used() != 0 => unsafe { m.Delete(typ, key) },
        // SAFETY: a readable key of `typ` (caller).
        _ => unsafe { mapKeyError(typ, key) },
    }
}

/// [`mapdelete`] that hands the entry (stored key and elem, indirection resolved) to
/// `found` just before Go clears it; `found` is called only when the key is present.
///
/// # Safety
/// As for [`mapdelete`]; `found` must not write the map.
pub unsafe fn mapdelete_with(
    typ: &SwissMapType,
    m: *mut Map,
    key: *const u8,
    found: impl FnOnce(*mut u8, *mut u8),
) {
    // SAFETY: null or live (caller).
    match unsafe { m.as_mut() } {
        // SAFETY: forwarded.
        Some(m) if m.Used() != 0 => unsafe { m.delete_with(typ, GenericKey(key), found) },
        // SAFETY: a readable key of `typ` (caller).
        _ => unsafe { mapKeyError(typ, key) },
    }
}

/// Go's check of the key of a lookup or delete in a nil or empty map
/// (`runtime.mapKeyError`, Go issue 23734): an unhashable key panics there too, although
/// nothing is hashed. The fast paths skip it, as their keys cannot panic. From Go 1.25
/// the check is `internal/runtime/maps`' own, whose panic has other words.
///
/// # Safety
/// `key` points at a readable key of `typ`.
#[inline]
unsafe fn mapKeyError(typ: &SwissMapType, key: *const u8) {
    // SAFETY: forwarded; `typ.mt` describes the key as `typ` does.
    unsafe {
        if typ.release >= SwissRelease::Go1_25 {
            crate::maptype::genalg::mapKeyError_maps(&typ.mt, key)
        } else {
            crate::maptype::genalg::mapKeyError(&typ.mt, key)
        }
    }
}

/// Port of `runtime.mapclear`: `clear(m)`.
///
/// # Safety
/// `m` is null or a live map of `typ`.
pub unsafe fn mapclear(typ: &SwissMapType, m: *mut Map) {
    // SAFETY: null or live (caller).
    if let Some(m) = unsafe { m.as_mut() } {
        // SAFETY: forwarded.
        unsafe { m.Clear(typ) }
    }
}

/// Port of `runtime.mapclone`: `maps.Clone(m)`, per release: native [`Map::Clone`] from
/// 1.25, [`mapclone2`] (with Go's three random draws) in 1.24.
///
/// # Safety
/// `m` is a live map of `typ`.
pub unsafe fn mapclone(typ: &SwissMapType, m: &Map) -> Box<Map> {
    if typ.release.has_tombstone_pruning() {
        // SAFETY: forwarded.
        return unsafe { m.Clone(typ) };
    }
    // Go 1.24's runtime.mapclone2 draws in this order: makemap's seed, then Iter.Init's
    // two offsets (none when `m` is empty).
    let dst = makemap(typ, m.Used() as isize);
    // SAFETY: forwarded; the iterator is initialised on `m`, which outlives it.
    unsafe { fill_clone(typ, dst, |it| it.Init(typ, m as *const Map as *mut Map)) }
}

/// Port of `runtime.mapclone2` (go1.24 map_swiss.go) with its random draws given: the
/// new map's seed (`makemap`'s `rand()`) and the iterator's entry and directory offsets.
/// A map made with the source's length as hint, then every entry put in iteration
/// order (`Map.Put`).
///
/// # Safety
/// `src` is a live map of `typ`.
pub unsafe fn mapclone2(typ: &SwissMapType, src: &Map, seed: usize, r1: u64, r2: u64) -> Box<Map> {
    let mut dst = makemap(typ, src.Used() as isize);
    dst.seed = seed;
    // SAFETY: forwarded; the iterator is initialised on `src`, which outlives it.
    unsafe {
        fill_clone(typ, dst, |it| {
            it.Init_r(typ, src as *const Map as *mut Map, r1, r2)
        })
    }
}

/// The rest of `runtime.mapclone2`: every entry of the source map, in the order of an
/// iteration that `init` starts on it, put into `dst`.
///
/// # Safety
/// `init` initialises the iterator on a live map of `typ`, which outlives the call.
unsafe fn fill_clone(
    typ: &SwissMapType,
    mut dst: Box<Map>,
    init: impl FnOnce(&mut Iter),
) -> Box<Map> {
    let mut it = Iter::new();
    init(&mut it);
    // SAFETY: `src` outlives the iterator, which ends in this function.
    unsafe {
        it.Next();
        while !it.Key().is_null() {
            dst.Put(typ, it.Key(), it.Elem());
            it.Next();
        }
    }
    dst
}

/// Port of `runtime.mapIterStart`: `it.Init` and the first `it.Next`.
///
/// # Safety
/// As for [`Iter::Init`].
pub unsafe fn mapIterStart(typ: &SwissMapType, m: *mut Map, it: &mut Iter) {
    // SAFETY: forwarded.
    unsafe {
        it.Init(typ, m);
        it.Next();
    }
}

/// Port of `runtime.mapIterNext`.
///
/// # Safety
/// As for [`Iter::Next`].
#[inline]
pub unsafe fn mapIterNext(it: &mut Iter) {
    // SAFETY: forwarded.
    unsafe { it.Next() }
}

/// `len(m)` (`reflect_maplen`).
///
/// # Safety
/// `m` is null or a live map.
pub unsafe fn maplen(m: *const Map) -> usize {
    // SAFETY: null or live (caller).
    unsafe { m.as_ref() }.map_or(0, |m| m.Used() as usize)
}

/// The panic of a write to a nil map.
#[cold]
pub(crate) fn nil_assign() -> ! {
    raise(RuntimeError::NilMapWrite)
}

/// A key of one of the fast families, as Go's `runtime_mapassign_fast32/fast64/faststr`
/// read, compare, hash and store it.
pub(crate) trait FastKey: Copy {
    /// `runtime_mapassign_faststr` overwrites the stored header of an existing key (Go's
    /// `*(*string)(slotKey) = key`); the integer families leave it.
    const UPDATE_KEY: bool;
    /// Whether the key in `slot` equals `self` (Go's `key == *(*K)(slotKey)`).
    ///
    /// # Safety
    /// `slot` is a full key slot of this family.
    unsafe fn eq_slot(self, slot: *const u8) -> bool;
    /// The key's hash, with Go's hash called directly when the type's hasher is it.
    ///
    /// # Safety
    /// `typ` is a map type of this family.
    unsafe fn hash(self, typ: &SwissMapType, seed: usize) -> usize;
    /// Stores the key into `slot`.
    ///
    /// # Safety
    /// `slot` is a key slot of this family.
    unsafe fn store(self, slot: *mut u8) {
        // SAFETY: the slot holds a key of this size (caller). Unaligned: a key of the
        // fast32/fast64 families may be a struct of smaller fields (`struct{i32,i32}`,
        // 4-aligned), which Go's amd64 code loads and stores unaligned too.
        unsafe { (slot as *mut Self).write_unaligned(self) }
    }
}

macro_rules! int_fast_key {
    ($t:ty, $alg:ident, $f:ident) => {
        impl FastKey for $t {
            const UPDATE_KEY: bool = false;
            #[inline(always)]
            unsafe fn eq_slot(self, slot: *const u8) -> bool {
                // SAFETY: a key slot of this size (caller), perhaps less aligned than
                // $t (see `store`).
                unsafe { (slot as *const $t).read_unaligned() == self }
            }
            #[inline(always)]
            unsafe fn hash(self, typ: &SwissMapType, seed: usize) -> usize {
                let p = (&self as *const $t).cast::<u8>();
                if typ.mt.hash_alg == crate::maptype::HashAlg::$alg {
                    // SAFETY: the key's bytes; the hasher is this Go hash, in the release's
                    // version (every Swiss release keys the portable hash by `hashkey`).
                    unsafe {
                        crate::maptype::alg::$f(p, seed, typ.mt.release().hash64_uses_hashkey())
                    }
                } else {
                    // SAFETY: the key's bytes.
                    unsafe { typ.Hasher(p, seed) }
                }
            }
        }
    };
}
int_fast_key!(u32, Mem32, memhash32_rel);
int_fast_key!(u64, Mem64, memhash64_rel);

impl FastKey for crate::maptype::GoString {
    const UPDATE_KEY: bool = true;
    #[inline(always)]
    unsafe fn eq_slot(self, slot: *const u8) -> bool {
        // SAFETY: a string key slot, and both strings' bytes readable (caller).
        unsafe { crate::maptype::alg::strequal((&self as *const Self).cast(), slot) }
    }
    #[inline(always)]
    unsafe fn hash(self, typ: &SwissMapType, seed: usize) -> usize {
        if typ.mt.hash_alg == crate::maptype::HashAlg::Str {
            // Go calls memHashAES / memHashFallback on the bytes directly.
            let go123 = typ.mt.release().hash64_uses_hashkey();
            // SAFETY: the string's bytes are readable (the caller's key); the hasher is
            // strhash, in the release's version.
            unsafe { crate::maptype::alg::memhash_rel(self.ptr, seed, self.len, go123) }
        } else {
            // SAFETY: the header and its bytes are readable (the caller's key).
            unsafe { typ.Hasher((&self as *const Self).cast(), seed) }
        }
    }
}

impl<K: FastKey> SearchKey for K {
    #[inline(always)]
    unsafe fn hash(self, typ: &SwissMapType, seed: usize) -> usize {
        // SAFETY: forwarded (a map type of K's family, caller).
        unsafe { FastKey::hash(self, typ, seed) }
    }
    #[inline(always)]
    unsafe fn find(self, g: groupReference, typ: &SwissMapType, h2Hash: usize) -> Option<usize> {
        // SAFETY: forwarded (a live group of a map type of K's family, caller).
        unsafe { g.findKeyFast(typ, h2Hash, self) }
    }
}

/// Port of `Map.putSlotSmallFast64` (and its fast32/faststr twins).
///
/// # Safety
/// The map is small; `key` hashes to `hash`.
unsafe fn putSlotSmallFast<K: FastKey>(
    m: &mut Map,
    typ: &SwissMapType,
    hash: usize,
    key: K,
    update: impl FnOnce(*mut u8),
) -> *mut u8 {
    let g = groupReference { data: m.dirPtr };
    // SAFETY: the live small group of a map of this family (caller).
    unsafe {
        let mut match_ = g.ctrls().matchH2(h2(hash));
        // Look for an existing slot containing this key.
        while !match_.is_empty() {
            let i = match_.first();
            let slotKey = g.key(typ, i);
            if key.eq_slot(slotKey) {
                if K::UPDATE_KEY {
                    update(slotKey);
                    key.store(slotKey);
                }
                return g.elem(typ, i);
            }
            match_ = match_.removeFirst();
        }
        // A small map has no deleted slots; matchEmptyOrDeleted is the cheaper test.
        match_ = g.ctrls().matchEmptyOrDeleted();
        if match_.is_empty() {
            return core::ptr::null_mut(); // no room: grow
        }
        let i = match_.first();
        key.store(g.key(typ, i));
        g.set_ctrl(i, h2(hash) as u8);
        m.used += 1;
        g.elem(typ, i)
    }
}

/// Port of `runtime_mapassign_fast64` (and of its fast32 and faststr twins, which
/// differ only in the key): Go's fast assignment, with the probing of `table.PutSlot`
/// (the first empty-or-deleted slot ends a group's search, a tombstone is remembered and
/// the probe goes on, tombstones are pruned before growing from 1.25) and the
/// release's small-map insert.
///
/// # Safety
/// `m` is null (panics as Go does) or a live map of `typ`, a map type of `K`'s family
/// with inline elems; `update` (shown an existing key just before Go's `K::UPDATE_KEY`
/// store over it) does not write the map.
pub(crate) unsafe fn mapassign_fast<K: FastKey>(
    typ: &SwissMapType,
    m: *mut Map,
    key: K,
    update: impl FnOnce(*mut u8),
) -> *mut u8 {
    // The hook is met on the small-map path or on the table path, never both.
    let mut update = Some(update);
    // SAFETY: null or live (caller).
    let Some(m) = (unsafe { m.as_mut() }) else {
        nil_assign()
    };
    if m.writing() != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    // SAFETY: the map is live and of `typ`, of K's family (caller).
    unsafe {
        let hash = key.hash(typ, m.seed);
        // Set writing after hashing, which may panic.
        m.toggle_writing();
        if m.dirPtr.is_null() {
            m.growToSmall(typ);
        }
        if m.dirLen == 0 {
            let put = |m: &mut Map, typ: &SwissMapType, hash: usize, key: *const u8| {
                putSlotSmallFast(m, typ, hash, (key as *const K).read(), |k| {
                    if let Some(u) = update.take() {
                        u(k)
                    }
                })
            };
            if let Some(elem) = m.putSmall(typ, hash, (&key as *const K).cast(), put) {
                m.end_write();
                return elem;
            }
        }
        let slotElem;
        'outer: loop {
            let t = m.directoryAt(m.directoryIndex(hash));
            let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
            // The first deleted slot met, to insert into if the key is new.
            let mut firstDeletedGroup = groupReference::NULL;
            let mut firstDeletedSlot = 0usize;
            let h2Hash = h2(hash);
            loop {
                let mut g = (*t).groups.group(typ, seq.offset);
                let mut match_ = g.ctrls().matchH2(h2Hash);
                // Look for an existing slot containing this key.
                while !match_.is_empty() {
                    let i = match_.first();
                    let slotKey = g.key(typ, i);
                    if key.eq_slot(slotKey) {
                        if K::UPDATE_KEY {
                            if let Some(u) = update.take() {
                                u(slotKey);
                            }
                            key.store(slotKey);
                        }
                        slotElem = g.elem(typ, i);
                        break 'outer;
                    }
                    match_ = match_.removeFirst();
                }
                // Is this the end of the probe sequence?
                match_ = g.ctrls().matchEmptyOrDeleted();
                if match_.is_empty() {
                    seq = seq.next();
                    continue; // only full slots: keep probing
                }
                let mut i = match_.first();
                if g.ctrls().get(i) == CTRL_DELETED {
                    // Remember the first deleted slot, and keep probing.
                    if firstDeletedGroup.data.is_null() {
                        firstDeletedGroup = g;
                        firstDeletedSlot = i;
                    }
                    seq = seq.next();
                    continue;
                }
                // An empty slot: the end of the probe sequence. A deleted slot met on
                // the way is reused without consuming growthLeft.
                if !firstDeletedGroup.data.is_null() {
                    g = firstDeletedGroup;
                    i = firstDeletedSlot;
                    (*t).growthLeft += 1; // decremented below
                }
                // Out of room: first try to drop tombstones (go1.25).
                if (*t).growthLeft == 0 && typ.release.has_tombstone_pruning() {
                    table::pruneTombstones(t, typ, m);
                }
                if (*t).growthLeft > 0 {
                    key.store(g.key(typ, i));
                    slotElem = g.elem(typ, i);
                    g.set_ctrl(i, h2Hash as u8);
                    (*t).growthLeft -= 1;
                    (*t).used += 1;
                    m.used += 1;
                    break 'outer;
                }
                table::rehash(t, typ, m);
                continue 'outer;
            }
        }
        m.end_write();
        slotElem
    }
}

/// Port of `runtime_mapaccess2_fast64` (and of its fast32 twin, which differs only in
/// the key): the lookup with the key compared as an integer. A small map is scanned slot
/// by slot without hashing, as in Go.
///
/// # Safety
/// `m` is null or a live map of `typ`, a map type of `K`'s integer family.
// Always inlined: with a plain hint LLVM kept it a call in the caller's loop (the
// classic engine's lookup is inlined there).
#[inline(always)]
pub(crate) unsafe fn mapaccess2_fast<K: FastKey>(
    typ: &SwissMapType,
    m: *const Map,
    key: K,
) -> (*mut u8, bool) {
    debug_assert!(typ.keysize == core::mem::size_of::<K>() && !typ.IndirectKey());
    // SAFETY: null or live (caller).
    let Some(m) = (unsafe { map_for_read(m) }) else {
        return (zero_val(), false);
    };
    // SAFETY: the map is live and of `typ`: groups, slots and keys of K's size
    // (8-aligned groups, slots aligned for the key).
    unsafe {
        if m.dirLen == 0 {
            let g = groupReference { data: m.dirPtr };
            let mut full = g.ctrls().matchFull();
            let mut slotKey = g.key(typ, 0);
            // Keys are KeyStride apart in both layouts (contiguous when split).
            let mut i = 0;
            while !full.is_empty() {
                if key.eq_slot(slotKey) && full.lowestSet() {
                    return (g.elem(typ, i), true);
                }
                slotKey = slotKey.add(typ.KeyStride);
                full = full.shiftOutLowest();
                i += 1;
            }
            return (zero_val(), false);
        }
        let hash = key.hash(typ, m.seed);
        probe_fast(typ, m, key, hash)
    }
}

/// The large-map half of `runtime_mapaccess2_fast32/fast64/faststr`: selects the table
/// for `hash`, then probes it for `key` (compared as the family compares keys).
///
/// # Safety
/// `m` is a live map of `typ` with a directory (`dirLen > 0`), `typ` of `K`'s family;
/// `hash` is `key`'s hash under the map's seed; a string key's bytes are readable.
#[inline(always)]
pub(crate) unsafe fn probe_fast<K: FastKey>(
    typ: &SwissMapType,
    m: &Map,
    key: K,
    hash: usize,
) -> (*mut u8, bool) {
    // SAFETY: the map is live and of `typ` (caller): its directory's tables, groups and
    // key slots are readable.
    unsafe {
        // Select the table, then probe it.
        let t = m.directoryAt(m.directoryIndex(hash));
        let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
        let h2Hash = h2(hash);
        loop {
            let g = (*t).groups.group(typ, seq.offset);
            let mut match_ = g.ctrls().matchH2(h2Hash);
            while !match_.is_empty() {
                let i = match_.first();
                let slotKey = g.key(typ, i);
                if key.eq_slot(slotKey) {
                    return (g.elem(typ, i), true);
                }
                match_ = match_.removeFirst();
            }
            if !g.ctrls().matchEmpty().is_empty() {
                // An empty slot ends the probe sequence.
                return (zero_val(), false);
            }
            seq = seq.next();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maptype::{GoKind, GoString, MapType};
    use crate::swiss::{fast64, faststr, map::mapfree, SwissRelease};

    const RELEASES: [SwissRelease; 3] = [
        SwissRelease::Go1_24,
        SwissRelease::Go1_27,
        SwissRelease::Go1_27SplitGroup,
    ];

    /// The delete hooks see the stored key and elem of a present key, before Go clears
    /// them, and nothing for an absent one; on a small map and on tables.
    #[test]
    fn delete_with_hands_over_the_entry() {
        for r in RELEASES {
            for n in [5u64, 300] {
                let t = SwissMapType::new(&MapType::int64(), r);
                let m = Box::into_raw(makemap(&t, 0));
                // SAFETY: a live map[int64]int64 of `t`, freed at the end.
                unsafe {
                    for k in 0..n {
                        *fast64::mapassign_fast64(&t, m, k).cast::<u64>() = 1000 + k;
                    }
                    for k in 0..n {
                        let mut seen = None;
                        let f = |sk: *mut u8, se: *mut u8| {
                            seen = Some((*sk.cast::<u64>(), *se.cast::<u64>()))
                        };
                        if k % 2 == 0 {
                            fast64::mapdelete_fast64_with(&t, m, k, f);
                        } else {
                            mapdelete_with(&t, m, (&k as *const u64).cast(), f);
                        }
                        assert_eq!(seen, Some((k, 1000 + k)), "{r:?} n={n} k={k}");
                        assert_eq!(maplen(m), (n - k - 1) as usize);
                        let mut called = false;
                        fast64::mapdelete_fast64_with(&t, m, k, |_, _| called = true);
                        mapdelete_with(&t, m, (&k as *const u64).cast(), |_, _| called = true);
                        assert!(!called, "{r:?}: absent key {k} handed over");
                    }
                    mapfree(&t, Box::from_raw(m));
                }
            }
        }
    }

    /// An iteration across a growth reads every entry's current elem: once the table it
    /// walks has been replaced, a key picked from it is looked up again (Go's
    /// `grownKeyElem`), on the common step as on the rest of `Next`.
    #[test]
    fn iteration_after_growth_reads_the_new_tables() {
        for r in RELEASES {
            let t = SwissMapType::new(&MapType::int64(), r);
            let m = Box::into_raw(makemap(&t, 0));
            // SAFETY: a live map[int64]int64 of `t`; the iterator ends before the map.
            unsafe {
                for k in 0..100u64 {
                    *fast64::mapassign_fast64(&t, m, k).cast::<u64>() = 0;
                }
                let mut it = Iter::new();
                mapIterStart(&t, m, &mut it);
                let mut seen = std::collections::BTreeSet::new();
                seen.insert(*it.Key().cast::<u64>());
                // Grow every table (and split them), then change every old value.
                for k in 100..3000u64 {
                    *fast64::mapassign_fast64(&t, m, k).cast::<u64>() = 2;
                }
                for k in 0..100u64 {
                    *fast64::mapassign_fast64(&t, m, k).cast::<u64>() = 1;
                }
                mapIterNext(&mut it);
                while !it.Key().is_null() {
                    let k = *it.Key().cast::<u64>();
                    let v = *it.Elem().cast::<u64>();
                    assert!(seen.insert(k), "{r:?}: key {k} twice");
                    assert_eq!(v, if k < 100 { 1 } else { 2 }, "{r:?}: stale elem of {k}");
                    mapIterNext(&mut it);
                }
                assert!(
                    (0..100).all(|k| seen.contains(&k)),
                    "{r:?}: an old key missed"
                );
                drop(it);
                mapfree(&t, Box::from_raw(m));
            }
        }
    }

    /// The string assign hook sees an existing key's stored header just before Go
    /// overwrites it, and is not called for a new key; on a small map (including 1.24's
    /// ninth key, which grows and then assigns on the table) and on tables.
    #[test]
    fn assign_faststr_with_shows_the_old_key() {
        for r in RELEASES {
            let t = SwissMapType::new(&MapType::string_int64(), r);
            let m = Box::into_raw(makemap(&t, 0));
            let first: Vec<String> = (0..200).map(|i| format!("key{i}")).collect();
            let second = first.clone();
            // SAFETY: a live map[string]int64 of `t`; the keys' bytes outlive it.
            unsafe {
                for (i, k) in first.iter().enumerate() {
                    let mut called = false;
                    let e = faststr::mapassign_faststr_with(
                        &t,
                        m,
                        GoString::from_bytes(k.as_bytes()),
                        |_| called = true,
                    );
                    *e.cast::<i64>() = i as i64;
                    assert!(!called, "{r:?}: new key {k} shown as old");
                    // Overwrite each key while the map is small, then again on tables.
                    for keys in [&first, &second] {
                        let k2 = &keys[i];
                        let mut old = None;
                        faststr::mapassign_faststr_with(
                            &t,
                            m,
                            GoString::from_bytes(k2.as_bytes()),
                            |sk| old = Some(sk.cast::<GoString>().read()),
                        );
                        let old = old.expect("an existing key is shown");
                        assert_eq!(old.len, k.len());
                        let (sk, _, ok) = (*m).getWithKey(
                            &t,
                            (&GoString::from_bytes(k.as_bytes()) as *const GoString).cast(),
                        );
                        assert!(ok);
                        assert_eq!(sk.cast::<GoString>().read().ptr, k2.as_ptr());
                    }
                }
                assert_eq!(maplen(m), 200);
                mapfree(&t, Box::from_raw(m));
            }
        }
    }

    /// The generic assign hook: a `float64` key (Go's `NeedKeyUpdate`, for -0 and +0)
    /// shows the stored key before Go copies the new one over it.
    #[test]
    fn assign_with_shows_the_old_key() {
        for r in RELEASES {
            let mt = MapType::for_go_types(GoKind::Float64, GoKind::Int64).expect("a map type");
            let t = SwissMapType::new(&mt, r);
            assert!(t.NeedKeyUpdate());
            let m = Box::into_raw(makemap(&t, 0));
            // SAFETY: a live map[float64]int64 of `t`.
            unsafe {
                for n in 0..100u32 {
                    let neg = -(n as f64) - 0.0;
                    let k = if n == 0 { -0.0f64 } else { neg };
                    let mut called = false;
                    mapassign_with(&t, m, (&k as *const f64).cast(), |_| called = true);
                    assert!(!called);
                    let pos = if n == 0 { 0.0f64 } else { k };
                    let mut old = None;
                    mapassign_with(&t, m, (&pos as *const f64).cast(), |sk| {
                        old = Some(sk.cast::<f64>().read().to_bits())
                    });
                    assert_eq!(old, Some(k.to_bits()), "{r:?} n={n}");
                }
                assert_eq!(maplen(m), 100);
                mapfree(&t, Box::from_raw(m));
            }
        }
    }
}
