//! One Swiss table: port of `internal/runtime/maps/table.go` (without `Iter`, which is in
//! `iter.rs`).
//!
//! A table is a complete open-addressed hash table of `capacity` slots (a power of two,
//! at most [`MAX_TABLE_CAPACITY`]) in `capacity / 8` groups, probed quadratically by
//! group from the hash's H1 (see [`probeSeq`]). A map holds one or more tables in its
//! directory; a table that fills up is replaced by one twice as large ([`table::grow`])
//! or, at the maximum capacity, by two tables splitting its share of the hash space
//! ([`table::split`]). Growth moves the whole table at once.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case, non_camel_case_types)]

use core::ptr;

use super::group::{
    alignUpPow2, cloneGroup, groupReference, groupsReference, newGroups, SearchKey, CTRL_DELETED,
    CTRL_EMPTY, MAP_GROUP_SLOTS, MAX_AVG_GROUP_LOAD,
};
use super::map::{freeGroupObjects, h1, h2, Map};
use super::reclaim::retire;
use super::types::{SwissMapType, SwissRelease};
use crate::base::guard::defer;
use crate::runtime::types::{move_bytes, throw};

/// Maximum capacity of a table before it splits at the directory level (a value Go
/// calls made up, to be tuned for performance against grow latency).
pub const MAX_TABLE_CAPACITY: u16 = 1024;

/// A Swiss table (`table`), 32 bytes as in Go.
///
/// Invariants: `capacity == (groups.lengthMask + 1) * 8`, a power of two of at least 8;
/// `used` counts full slots; `growthLeft` counts the inserts left before a rehash,
/// `maxGrowthLeft() - used - tombstones`; `index` is the first directory index that
/// refers to the table (it covers `2^(globalDepth - localDepth)` consecutive ones), or
/// -1 once the table is replaced (stale: only iterators still read it).
#[repr(C)]
#[derive(Debug)]
pub struct table {
    /// Number of full slots.
    pub used: u16,
    /// Number of slots.
    pub capacity: u16,
    /// Inserts left before a rehash.
    pub growthLeft: u16,
    /// Number of hash bits the directory uses above this table.
    pub localDepth: u8,
    /// First directory index of the table; -1 when stale.
    pub index: isize,
    /// The groups.
    pub groups: groupsReference,
}

const _: () = assert!(core::mem::size_of::<table>() == 32);

/// Port of `newTable`: a table for at least `capacity` slots (rounded up to a power of
/// two, at least 8), allocated from the map type's allocator.
pub fn newTable(typ: &SwissMapType, capacity: u64, index: isize, localDepth: u8) -> *mut table {
    let mut capacity = capacity;
    if capacity < MAP_GROUP_SLOTS as u64 {
        capacity = MAP_GROUP_SLOTS as u64;
    }
    if capacity > MAX_TABLE_CAPACITY as u64 {
        throw("initial table capacity too large");
    }
    // The group count must be a power of two for probeSeq to visit every group.
    let (capacity, overflow) = alignUpPow2(capacity);
    if overflow {
        throw("rounded-up capacity overflows uint64");
    }
    // SAFETY: a non-zero size and a power-of-two alignment.
    let t = unsafe { typ.alloc().alloc(core::mem::size_of::<table>(), 8) } as *mut table;
    // If the groups cannot be allocated ("out of memory"), the header goes back.
    let undo = defer(|| {
        // SAFETY: runs only if `reset` unwinds, before anything else has seen `t`, a
        // block of a table's size from `typ`'s allocator.
        unsafe {
            typ.alloc()
                .dealloc(t.cast(), core::mem::size_of::<table>(), 8)
        }
    });
    // SAFETY: `t` is fresh memory for a table.
    unsafe {
        t.write(table {
            used: 0,
            capacity: 0,
            growthLeft: 0,
            localDepth,
            index,
            groups: groupsReference {
                data: ptr::null_mut(),
                lengthMask: 0,
            },
        });
        table::reset(t, typ, capacity as u16);
    }
    undo.disarm();
    t
}

/// Frees a table that nothing refers to, with its groups (not the objects of its
/// indirect keys and elems).
///
/// # Safety
/// `t` came from [`newTable`] (or `clone`) and is referenced by nothing.
pub unsafe fn freeTable(typ: &SwissMapType, t: *mut table) {
    // SAFETY: the caller gives us the only reference to a live table.
    unsafe {
        let g = (*t).groups;
        typ.alloc()
            .dealloc(g.data, (g.lengthMask as usize + 1) * typ.GroupSize, 8);
        typ.alloc()
            .dealloc(t.cast(), core::mem::size_of::<table>(), 8);
    }
}

/// Retires a table the map just replaced (its groups and header; the objects of its
/// indirect keys and elems moved to the replacement tables).
///
/// # Safety
/// `t` is stale (`index == -1`) and no longer in `m`'s directory.
unsafe fn retireTable(typ: &SwissMapType, m: &Map, t: *mut table) {
    // SAFETY: the table and its groups came from typ's allocator; the map no longer
    // reaches them (caller); iterators are covered by `retire`.
    unsafe {
        let g = (*t).groups;
        retire(
            typ,
            m,
            g.data,
            (g.lengthMask as usize + 1) * typ.GroupSize,
            8,
        );
        retire(typ, m, t.cast(), core::mem::size_of::<table>(), 8);
    }
}

/// Frees the object an indirect slot points at, if any (the slot is then dead).
///
/// # Safety
/// `slot` is an indirect key (`key`) or elem slot of a live group of `m`; its object is
/// owned by that slot only.
pub(crate) unsafe fn retireIndirect(typ: &SwissMapType, m: &Map, slot: *mut u8, key: bool) {
    // SAFETY: an indirect slot holds a pointer (caller).
    let p = unsafe { *(slot as *mut *mut u8) };
    if p.is_null() {
        return;
    }
    let ty = if key { typ.key() } else { typ.elem() };
    // SAFETY: the object came from newobject with this type's size and alignment.
    unsafe { retire(typ, m, p, ty.size, ty.align as usize) };
}

/// Reads the object pointer of an indirect slot.
///
/// # Safety
/// `p` is an indirect slot.
#[inline]
pub(crate) unsafe fn deref(p: *mut u8) -> *mut u8 {
    // SAFETY: an indirect slot holds an aligned pointer (caller).
    unsafe { *(p as *mut *mut u8) }
}

/// `typedmemmove(typ, dst, src)` for plain bytes.
///
/// # Safety
/// `dst` and `src` cover `n` bytes; they may be the same.
#[inline]
pub(crate) unsafe fn typedmemmove(dst: *mut u8, src: *const u8, n: usize) {
    // The common key and elem sizes as one load and one store instead of a `memmove`
    // call (tables moving entries in `grow` and `split` copy two per entry), of bytes that
    // may be uninitialised (see `move_bytes`). A whole value is read before it is
    // written, so an overlap (a key updated with itself) copies correctly.
    // SAFETY: forwarded (`src` and `dst` cover `n` bytes); `move_bytes` and `copy` allow
    // overlap.
    unsafe {
        match n {
            4 => move_bytes::<4>(src, dst),
            8 => move_bytes::<8>(src, dst),
            16 => move_bytes::<16>(src, dst),
            _ => ptr::copy(src, dst, n),
        }
    }
}

/// `typedmemclr(typ, p)`.
///
/// # Safety
/// `p` covers `n` writable bytes.
#[inline]
pub(crate) unsafe fn typedmemclr(p: *mut u8, n: usize) {
    // The common elem sizes as one or two stores instead of a `memset` call (a delete's
    // elem clear is otherwise a call per delete); slots are 8-aligned only when the type
    // is, so the stores are unaligned.
    // SAFETY: forwarded (`p` covers `n` bytes).
    unsafe {
        match n {
            8 => (p as *mut u64).write_unaligned(0),
            16 => (p as *mut [u64; 2]).write_unaligned([0; 2]),
            _ => ptr::write_bytes(p, 0, n),
        }
    }
}

impl table {
    /// Port of `table.reset`: new empty groups for `capacity` slots.
    ///
    /// # Safety
    /// `t` is a live table whose old groups (if any) the caller has disposed of.
    pub unsafe fn reset(t: *mut table, typ: &SwissMapType, capacity: u16) {
        let groupCount = capacity as u64 / MAP_GROUP_SLOTS as u64;
        // SAFETY: `t` is live (caller); the new groups are in range below.
        unsafe {
            (*t).groups = newGroups(typ, groupCount);
            (*t).capacity = capacity;
            (*t).growthLeft = table::maxGrowthLeft(t);
            for i in 0..=(*t).groups.lengthMask {
                (*t).groups.group(typ, i).set_empty();
            }
        }
    }

    /// Port of `table.maxGrowthLeft` (go1.25; `resetGrowthLeft` in 1.24): the inserts an
    /// empty table takes before it must grow.
    ///
    /// # Safety
    /// `t` is a live table.
    pub unsafe fn maxGrowthLeft(t: *const table) -> u16 {
        // SAFETY: live (caller).
        let cap = unsafe { (*t).capacity };
        if cap == 0 {
            // An empty Map has no table at all.
            throw("table must have positive capacity");
        } else if cap as usize <= MAP_GROUP_SLOTS {
            // One group: all slots but one, which must stay empty to end probe
            // sequences.
            cap - 1
        } else {
            if cap > u16::MAX / MAX_AVG_GROUP_LOAD {
                throw("overflow");
            }
            (cap * MAX_AVG_GROUP_LOAD) / MAP_GROUP_SLOTS as u16
        }
    }

    /// Port of `table.getWithKey`: the stored key and the elem of `key`, whose hash is
    /// `hash`. Returns the stored key because keys that compare equal may differ in
    /// bytes (+0.0 and -0.0), and iteration must return the stored one.
    ///
    /// # Safety
    /// `t` is a live table of `typ`; `key` a readable key.
    pub unsafe fn getWithKey(
        t: *const table,
        typ: &SwissMapType,
        hash: usize,
        key: *const u8,
    ) -> (*mut u8, *mut u8, bool) {
        // Probe group by group from h1; in each group compare the keys of full slots whose
        // control byte is h2 (a 1 in 128 false-positive rate per slot); a group with an
        // empty slot ends the probe sequence. Tombstones behave like full slots that
        // never match.
        // SAFETY: the probe sequence stays within the table's groups; slots read are
        // full slots of `typ` (caller vouches for `t` and `key`).
        unsafe {
            let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
            let h2Hash = h2(hash);
            loop {
                let g = (*t).groups.group(typ, seq.offset);
                if let Some(i) = g.findKey(typ, h2Hash, key) {
                    return (g.keyOf(typ, i), g.elemOf(typ, i), true);
                }
                if !g.ctrls().matchEmpty().is_empty() {
                    // An empty slot ends the probe sequence.
                    return (ptr::null_mut(), ptr::null_mut(), false);
                }
                seq = seq.next();
            }
        }
    }

    /// Port of `table.PutSlot`: the elem slot for `key` (new or existing), or `None`
    /// when the table was replaced by `rehash` and the map must look for the table
    /// again.
    ///
    /// # Safety
    /// `t` is a live table in `m`'s directory; `key` a readable key hashing to `hash`.
    pub unsafe fn PutSlot(
        t: *mut table,
        typ: &SwissMapType,
        m: &mut Map,
        hash: usize,
        key: *const u8,
    ) -> Option<*mut u8> {
        // SAFETY: as in getWithKey; writes go to slots of this table's groups.
        unsafe {
            let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
            // The first deleted slot met, to insert into if the key is new.
            let mut firstDeletedGroup = groupReference::NULL;
            let mut firstDeletedSlot = 0usize;
            let h2Hash = h2(hash);
            loop {
                let mut g = (*t).groups.group(typ, seq.offset);
                // Look for an existing slot containing this key.
                if let Some(i) = g.findKey(typ, h2Hash, key) {
                    if typ.NeedKeyUpdate() {
                        typedmemmove(g.keyOf(typ, i), key, typ.key().size);
                    }
                    return Some(g.elemOf(typ, i));
                }
                // No existing slot for this key in this group. Is this the end of the
                // probe sequence?
                let match_ = g.ctrls().matchEmptyOrDeleted();
                if match_.is_empty() {
                    seq = seq.next();
                    continue; // nothing but full slots: keep probing
                }
                let mut i = match_.first();
                if g.ctrls().get(i) == CTRL_DELETED {
                    // Remember the first deleted slot and keep probing.
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
                    let slotElem = insertAt(typ, g, i, key);
                    g.set_ctrl(i, h2Hash as u8);
                    (*t).growthLeft -= 1;
                    (*t).used += 1;
                    m.used += 1;
                    return Some(slotElem);
                }
                table::rehash(t, typ, m);
                return None;
            }
        }
    }

    /// The slot the unchecked inserts use: the first empty or deleted slot of the key's
    /// probe sequence (the table has room: Go panics otherwise).
    ///
    /// # Safety
    /// `t` is a live table of `typ`.
    unsafe fn uncheckedSlot(
        t: *mut table,
        typ: &SwissMapType,
        hash: usize,
    ) -> (groupReference, usize) {
        // SAFETY: the probe sequence stays inside the live table (caller).
        unsafe {
            if (*t).growthLeft == 0 {
                throw("invariant failed: growthLeft is unexpectedly 0");
            }
            let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
            loop {
                let g = (*t).groups.group(typ, seq.offset);
                let match_ = g.ctrls().matchEmptyOrDeleted();
                if !match_.is_empty() {
                    return (g, match_.first());
                }
                seq = seq.next();
            }
        }
    }

    /// Port of `table.uncheckedPutSlot`: inserts a key known to be absent into a table
    /// with room and no tombstones (grow and split). Indirect keys and elems move as
    /// pointers.
    ///
    /// # Safety
    /// `t` is live; `key`/`elem` are the key and elem objects (indirect: the objects
    /// themselves, whose ownership moves here).
    pub unsafe fn uncheckedPutSlot(
        t: *mut table,
        typ: &SwissMapType,
        hash: usize,
        key: *mut u8,
        elem: *mut u8,
    ) {
        // SAFETY: the slot is a free slot of the live table (uncheckedSlot).
        unsafe {
            let (g, i) = table::uncheckedSlot(t, typ, hash);
            let slotKey = g.key(typ, i);
            if typ.IndirectKey() {
                *(slotKey as *mut *mut u8) = key;
            } else {
                typedmemmove(slotKey, key, typ.key().size);
            }
            let slotElem = g.elem(typ, i);
            if typ.IndirectElem() {
                *(slotElem as *mut *mut u8) = elem;
            } else {
                typedmemmove(slotElem, elem, typ.elem().size);
            }
            (*t).growthLeft -= 1;
            (*t).used += 1;
            g.set_ctrl(i, h2(hash) as u8);
        }
    }

    /// Port of `table.uncheckedPutSlotForAssign` (go1.27): inserts a new key for an
    /// assignment and returns its elem slot (allocating indirect key and elem objects).
    ///
    /// # Safety
    /// As for [`table::uncheckedPutSlot`], with `key` a readable key.
    pub unsafe fn uncheckedPutSlotForAssign(
        t: *mut table,
        typ: &SwissMapType,
        hash: usize,
        key: *const u8,
    ) -> *mut u8 {
        // SAFETY: the slot is a free slot of the live table (uncheckedSlot).
        unsafe {
            let (g, i) = table::uncheckedSlot(t, typ, hash);
            let slotElem = insertAt(typ, g, i, key);
            (*t).growthLeft -= 1;
            (*t).used += 1;
            g.set_ctrl(i, h2(hash) as u8);
            slotElem
        }
    }

    /// Port of `table.Delete`: removes `key`, handing its entry to `found` first (see
    /// [`Map::delete_with`]); returns whether it left a tombstone (go1.25; 1.24 returns
    /// nothing, and the caller ignores the answer).
    ///
    /// # Safety
    /// `t` is a live table in `m`'s directory; `key` a key of `typ` hashing to `hash`;
    /// `found` (given the entry before it is cleared) does not write the map.
    #[inline]
    pub(crate) unsafe fn Delete<K: SearchKey>(
        t: *mut table,
        typ: &SwissMapType,
        m: &mut Map,
        hash: usize,
        key: K,
        found: impl FnOnce(*mut u8, *mut u8),
    ) -> bool {
        // SAFETY: as in getWithKey.
        unsafe {
            let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
            let h2Hash = h2(hash);
            loop {
                let g = (*t).groups.group(typ, seq.offset);
                if let Some(i) = key.find(g, typ, h2Hash) {
                    found(g.keyOf(typ, i), g.elemOf(typ, i));
                    (*t).used -= 1;
                    m.used -= 1;
                    clearSlot(typ, m, g, i);
                    // Only a full group can sit in the middle of a probe sequence (a
                    // group with an empty slot ends probing), and a full group stays
                    // full until the table is rebuilt. So in a group that is not
                    // full the slot simply becomes empty; in a full one it becomes a
                    // tombstone.
                    if !g.ctrls().matchEmpty().is_empty() {
                        g.set_ctrl(i, CTRL_EMPTY);
                        (*t).growthLeft += 1;
                        return false;
                    }
                    g.set_ctrl(i, CTRL_DELETED);
                    return true;
                }
                if !g.ctrls().matchEmpty().is_empty() {
                    return false;
                }
                seq = seq.next();
            }
        }
    }

    /// Port of `table.pruneTombstones` (go1.25): turns tombstones no probe sequence
    /// needs back into empty slots, when that recovers at least 10% of the capacity
    /// (an O(n) pass must buy O(n) inserts, or growing is the better deal). It never
    /// moves entries, which iteration forbids.
    ///
    /// # Safety
    /// `t` is a live table of `m`.
    pub unsafe fn pruneTombstones(t: *mut table, typ: &SwissMapType, m: &Map) {
        // SAFETY: all groups indexed are within the table; keys read are full slots.
        unsafe {
            if table::tombstones(t) as u32 * 10 < (*t).capacity as u32 {
                // Not enough tombstones to be worth it.
                return;
            }
            // The groups whose tombstones are needed.
            let mut needed = [0u32; (MAX_TABLE_CAPACITY as usize / MAP_GROUP_SLOTS).div_ceil(32)];
            let lengthMask = (*t).groups.lengthMask;
            for i in 0..=lengthMask {
                let g = (*t).groups.group(typ, i);
                let mut match_ = g.ctrls().matchFull();
                while !match_.is_empty() {
                    let j = match_.first();
                    match_ = match_.removeFirst();
                    let mut key = g.key(typ, j);
                    if typ.IndirectKey() {
                        key = deref(key);
                    }
                    if !typ.KeyEqual(key, key) {
                        // A key not equal to itself is never looked up (only
                        // iterated), so its probe sequence may break.
                        continue;
                    }
                    // Every group with a tombstone on the way to the key is needed.
                    let hash = typ.Hasher(key, m.seed);
                    let mut seq = makeProbeSeq(h1(hash), lengthMask);
                    loop {
                        if seq.offset == i {
                            break; // reached the key's group
                        }
                        let g = (*t).groups.group(typ, seq.offset);
                        if !g.ctrls().matchEmptyOrDeleted().is_empty() {
                            // Deleted, not empty: the key lies further on.
                            needed[(seq.offset / 32) as usize] |= 1 << (seq.offset % 32);
                        }
                        seq = seq.next();
                    }
                }
                if !g.ctrls().matchEmpty().is_empty() {
                    // Groups with an empty slot keep their tombstones too.
                    needed[(i / 32) as usize] |= 1 << (i % 32);
                }
            }
            // Count what could be removed: only worth it for 10% of the capacity.
            let mut cnt = 0usize;
            for i in 0..=lengthMask {
                if needed[(i / 32) as usize] >> (i % 32) & 1 != 0 {
                    continue;
                }
                let g = (*t).groups.group(typ, i);
                cnt += g.ctrls().matchEmptyOrDeleted().count(); // all deleted
            }
            if cnt * 10 < (*t).capacity as usize {
                return; // the caller grows instead
            }
            for i in 0..=lengthMask {
                if needed[(i / 32) as usize] >> (i % 32) & 1 != 0 {
                    continue;
                }
                let g = (*t).groups.group(typ, i);
                let mut match_ = g.ctrls().matchEmptyOrDeleted();
                while !match_.is_empty() {
                    let k = match_.first();
                    match_ = match_.removeFirst();
                    g.set_ctrl(k, CTRL_EMPTY);
                    (*t).growthLeft += 1;
                }
            }
        }
    }

    /// Port of `table.tombstones`: the number of deleted slots.
    ///
    /// # Safety
    /// `t` is a live table.
    pub unsafe fn tombstones(t: *const table) -> u16 {
        // SAFETY: live (caller).
        unsafe {
            ((*t).capacity * MAX_AVG_GROUP_LOAD) / MAP_GROUP_SLOTS as u16
                - (*t).used
                - (*t).growthLeft
        }
    }

    /// Port of `table.Clear`, per release (see [`SwissRelease`]). The objects of
    /// indirect keys and elems are retired first (Go drops them to its collector).
    ///
    /// # Safety
    /// `t` is a live table of `m`.
    pub unsafe fn Clear(t: *mut table, typ: &SwissMapType, m: &Map) {
        // SAFETY: all groups indexed are within the table.
        unsafe {
            let mgl = table::maxGrowthLeft(t);
            let lengthMask = (*t).groups.lengthMask;
            if typ.release >= SwissRelease::Go1_25 && (*t).used == 0 && (*t).growthLeft == mgl {
                // No entries and no tombstones.
                return;
            }
            for i in 0..=lengthMask {
                (*t).groups
                    .group(typ, i)
                    .forEachObject(typ, |p, size, align| retire(typ, m, p, size, align));
            }
            // Which groups are zeroed: every one (1.24); those with a full slot (1.25);
            // from 1.26 every one, unless fewer than a quarter of the groups can hold
            // entries or slots are large (over 32 bytes: a key and elem slot, the two
            // strides added in the split layout), where testing first pays.
            let fullTest = match typ.release {
                SwissRelease::Go1_24 => false,
                SwissRelease::Go1_25 => true,
                _ => {
                    let largeSlots = if typ.release.split_group() {
                        typ.KeyStride + typ.ElemStride > 32
                    } else {
                        typ.KeyStride > 32 // the slot size
                    };
                    (*t).used as u64 * 4 <= lengthMask || largeSlots
                }
            };
            for i in 0..=lengthMask {
                let g = (*t).groups.group(typ, i);
                if !fullTest || g.ctrls().anyFull() {
                    typedmemclr(g.data, typ.GroupSize);
                }
                g.set_empty();
            }
            (*t).used = 0;
            (*t).growthLeft = mgl;
        }
    }

    /// Port of `table.rehash`: replaces the table by one of twice the capacity, or by two
    /// split tables at the maximum capacity. `t` is stale afterwards (and may be
    /// freed): the caller must not touch it.
    ///
    /// (Go notes that Swiss tables usually rehash in place to drop tombstones, but that
    /// reorders slots, which iteration cannot follow.)
    ///
    /// # Safety
    /// `t` is a live table in `m`'s directory.
    pub unsafe fn rehash(t: *mut table, typ: &SwissMapType, m: &mut Map) {
        // SAFETY: forwarded.
        unsafe {
            let newCapacity = 2 * (*t).capacity as u32;
            if newCapacity <= MAX_TABLE_CAPACITY as u32 {
                table::grow(t, typ, m, newCapacity as u16);
                return;
            }
            table::split(t, typ, m);
        }
    }

    /// Port of `table.split`: moves the entries into two new tables of the maximum
    /// capacity, by the hash bit below the `localDepth` bits, and installs them.
    ///
    /// # Safety
    /// As for [`table::rehash`].
    pub unsafe fn split(t: *mut table, typ: &SwissMapType, m: &mut Map) {
        // SAFETY: reads full slots of `t`; the new tables are fresh.
        unsafe {
            let localDepth = (*t).localDepth + 1;
            let left = newTable(typ, MAX_TABLE_CAPACITY as u64, -1, localDepth);
            // Until the new tables are installed, `t` owns the entries (the new tables
            // only copy their indirect pointers): if `right` or a doubled directory
            // cannot be allocated ("out of memory"), the new tables go back, groups and
            // headers.
            let right = core::cell::Cell::new(ptr::null_mut::<table>());
            let undo = defer(|| {
                // Runs only on an unwind before the install, when nothing but this
                // function refers to the new tables (the unsafe block's duties).
                freeTable(typ, left);
                if !right.get().is_null() {
                    freeTable(typ, right.get());
                }
            });
            right.set(newTable(typ, MAX_TABLE_CAPACITY as u64, -1, localDepth));
            let right = right.get();
            // Split in half at the localDepth-th bit from the top.
            let mask = localDepthMask(localDepth);
            let seed = m.seed;
            for i in 0..=(*t).groups.lengthMask {
                let g = (*t).groups.group(typ, i);
                // Full slots only: empty and deleted ones are dropped.
                g.forEachFull(|j| {
                    let (key, elem) = (g.keyOf(typ, j), g.elemOf(typ, j));
                    let hash = typ.hashKey(key, seed);
                    let nt = if hash & mask == 0 { left } else { right };
                    table::uncheckedPutSlot(nt, typ, hash, key, elem);
                });
            }
            m.installTableSplit(typ, t, left, right);
            undo.disarm();
            (*t).index = -1;
            retireTable(typ, m, t);
        }
    }

    /// Port of `table.grow`: moves every entry into a new table of `newCapacity` slots
    /// (no entry is present twice, so `uncheckedPutSlot` does) and installs it.
    ///
    /// # Safety
    /// As for [`table::rehash`].
    pub unsafe fn grow(t: *mut table, typ: &SwissMapType, m: &mut Map, newCapacity: u16) {
        // SAFETY: as in split.
        unsafe {
            let nt = newTable(typ, newCapacity as u64, (*t).index, (*t).localDepth);
            let seed = m.seed;
            if (*t).capacity > 0 {
                for i in 0..=(*t).groups.lengthMask {
                    let g = (*t).groups.group(typ, i);
                    // Full slots only: empty and deleted ones are dropped.
                    g.forEachFull(|j| {
                        let (key, elem) = (g.keyOf(typ, j), g.elemOf(typ, j));
                        let hash = typ.hashKey(key, seed);
                        table::uncheckedPutSlot(nt, typ, hash, key, elem);
                    });
                }
            }
            m.replaceTable(nt);
            (*t).index = -1;
            retireTable(typ, m, t);
        }
    }

    /// Port of `table.clone` (go1.25): a deep copy.
    ///
    /// gomap: if an allocation runs out of memory (it unwinds), what was copied so far is
    /// freed: the header, the groups and the objects of the groups already cloned
    /// ([`cloneGroup`] frees its own).
    ///
    /// # Safety
    /// `t` is a live table of `typ`.
    pub unsafe fn clone(t: *const table, typ: &SwissMapType) -> *mut table {
        // SAFETY: copies a live table into fresh memory; groups index in range; the
        // guards free only that fresh memory (and the copies in it), on unwind only.
        unsafe {
            let t2 = typ.alloc().alloc(core::mem::size_of::<table>(), 8) as *mut table;
            let undo = defer(|| {
                // Runs only if newGroups unwinds: `t2` is ours alone.
                typ.alloc()
                    .dealloc(t2.cast(), core::mem::size_of::<table>(), 8)
            });
            ptr::copy_nonoverlapping(t, t2, 1);
            let old = (*t).groups;
            let new = newGroups(typ, old.lengthMask + 1);
            undo.disarm();
            (*t2).groups = new;
            let done = core::cell::Cell::new(0);
            let undo = defer(|| {
                // Runs only if a cloneGroup unwinds: groups below `done` are whole
                // clones; the one that failed freed its copies.
                for i in 0..done.get() {
                    freeGroupObjects(typ, new.group(typ, i));
                }
                freeTable(typ, t2);
            });
            for i in 0..=old.lengthMask {
                cloneGroup(typ, new.group(typ, i), old.group(typ, i));
                done.set(i + 1);
            }
            undo.disarm();
            t2
        }
    }
}

/// Writes `key` into slot `i` of `g` (allocating the objects of indirect keys and elems)
/// and returns the elem slot: the insertion common to `PutSlot`, `putSlotSmall`,
/// `uncheckedPutSlotForAssign` and `runtime_mapassign`. The control byte is the
/// caller's.
///
/// # Safety
/// `g` is a live group of `typ`, slot `i` is free; `key` a readable key.
pub(crate) unsafe fn insertAt(
    typ: &SwissMapType,
    g: groupReference,
    i: usize,
    key: *const u8,
) -> *mut u8 {
    // SAFETY: slot i lies in the live group (caller).
    unsafe {
        let mut slotKey = g.key(typ, i);
        let mut kmem = ptr::null_mut();
        if typ.IndirectKey() {
            kmem = typ.newobject_key();
            *(slotKey as *mut *mut u8) = kmem;
            slotKey = kmem;
        }
        typedmemmove(slotKey, key, typ.key().size);
        let mut slotElem = g.elem(typ, i);
        if typ.IndirectElem() {
            // The slot is not full yet (its control byte is the caller's), so nothing
            // frees its key object: if the elem object cannot be allocated ("out of
            // memory"), the key object goes back and the slot is left as it was.
            let undo = defer(|| {
                // Runs only if the allocation unwinds; `kmem` is the key object
                // allocated above, referred to only by this free slot (the unsafe
                // block's duties).
                if !kmem.is_null() {
                    *(g.key(typ, i) as *mut *mut u8) = ptr::null_mut();
                    typ.alloc()
                        .dealloc(kmem, typ.key().size.max(1), typ.key().align as usize);
                }
            });
            let emem = typ.newobject_elem();
            undo.disarm();
            *(slotElem as *mut *mut u8) = emem;
            slotElem = emem;
        }
        slotElem
    }
}

/// Clears the key and elem of a deleted slot as Go's `Delete` and `deleteSmall` do: an
/// indirect slot's pointer is cleared (the object retired); an inline key only when it
/// holds pointers; an inline elem always (compound assignments such as `m[k] += 1` rely
/// on the zero a deleted entry leaves, Go issue 25936).
///
/// # Safety
/// Slot `i` of the live group `g` of `m` held the entry being deleted.
pub(crate) unsafe fn clearSlot(typ: &SwissMapType, m: &Map, g: groupReference, i: usize) {
    // SAFETY: slot i lies in the live group (caller).
    unsafe {
        let origSlotKey = g.key(typ, i);
        if typ.IndirectKey() {
            retireIndirect(typ, m, origSlotKey, true);
            *(origSlotKey as *mut *mut u8) = ptr::null_mut();
        } else if typ.key().ptrdata != 0 {
            typedmemclr(origSlotKey, typ.key().size);
        }
        let slotElem = g.elem(typ, i);
        if typ.IndirectElem() {
            retireIndirect(typ, m, slotElem, false);
            *(slotElem as *mut *mut u8) = ptr::null_mut();
        } else {
            typedmemclr(slotElem, typ.elem().size);
        }
    }
}

/// Port of `localDepthMask`: the hash bit that splits a table of this depth.
#[inline]
pub fn localDepthMask(localDepth: u8) -> usize {
    1usize << ((usize::BITS as u8 - localDepth) & 63)
}

/// The state of a probe sequence (`probeSeq`): the triangular progression
/// `p(i) = hash + (i^2 + i)/2 (mod mask+1)` over group indexes, which visits every group
/// exactly once when the group count is a power of two.
#[derive(Clone, Copy, Debug)]
pub struct probeSeq {
    /// Group count minus one.
    pub mask: u64,
    /// The current group.
    pub offset: u64,
    /// The step.
    pub index: u64,
}

/// Port of `makeProbeSeq`.
#[inline]
pub fn makeProbeSeq(hash: usize, mask: u64) -> probeSeq {
    probeSeq {
        mask,
        offset: hash as u64 & mask,
        index: 0,
    }
}

impl probeSeq {
    /// Port of `probeSeq.next`.
    #[inline]
    pub fn next(mut self) -> probeSeq {
        self.index += 1;
        self.offset = (self.offset + self.index) & self.mask;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_seq_visits_every_group() {
        for mask in [0u64, 1, 7, 127] {
            let mut seen = vec![false; mask as usize + 1];
            let mut s = makeProbeSeq(12345, mask);
            for _ in 0..=mask {
                assert!(!seen[s.offset as usize]);
                seen[s.offset as usize] = true;
                s = s.next();
            }
        }
    }
}
