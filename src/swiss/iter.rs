//! Iteration: port of `Iter` from `internal/runtime/maps/table.go`.
//!
//! Go's iteration rules: an entry is returned at most once, entries added during
//! iteration may or may not be returned, an entry's latest value is returned, deleted
//! entries are not returned, and the order is random. Without growth the iterator just
//! walks the directory's tables, every group and slot, from random offsets. When a table
//! grows or splits meanwhile, the iterator keeps walking the old table (to keep its
//! order and not repeat entries) and looks each key up again in the map to get its
//! current elem or learn it was deleted. A directory that doubles doubles the
//! iterator's index and offset with it.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::group::{bitset, groupReference, CTRL_EMPTY, MAP_GROUP_SLOTS, MAP_GROUP_SLOTS_BITS};
use super::map::{rand, Map};
use super::reclaim::{iter_register, iter_unregister};
use super::table::table;
use super::types::SwissMapType;
use crate::runtime::types::{fatal, RuntimeError};

/// An iterator (`Iter`): Go's fields, in Go's order, then gomap's bookkeeping.
///
/// Invariants: `m` is null (the map was nil or empty at `Init`) or a live map this
/// iterator is registered with (until it finishes or is dropped); `dirIdx == -1` means
/// the map was small at `Init` and `group` is its group; otherwise `tab` is null or the
/// table being walked (possibly stale, kept alive by the registration).
#[derive(Debug)]
pub struct Iter {
    /// The current key, null at the end.
    pub key: *mut u8,
    /// The current elem, null at the end.
    pub elem: *mut u8,
    /// The map type.
    pub typ: *const SwissMapType,
    /// The map.
    pub m: *mut Map,
    /// Random slot offset.
    pub entryOffset: u64,
    /// Random directory offset (kept apart: it must double with the directory).
    pub dirOffset: u64,
    /// `clearSeq` at `Init`, to detect a clear.
    pub clearSeq: u64,
    /// `globalDepth` at the last `Next`, to detect directory growth.
    pub globalDepth: u8,
    /// Directory index before the offset; -1 for a small map.
    pub dirIdx: isize,
    /// The table at `dirIdx` during the last `Next`.
    pub tab: *mut table,
    /// The group at `entryIdx` during the last `Next`.
    pub group: groupReference,
    /// Entry index before the offset: group index above 3 bits, slot below.
    pub entryIdx: u64,
    registered: bool,
}

impl Default for Iter {
    fn default() -> Iter {
        Iter::new()
    }
}

impl Iter {
    /// A zero iterator (Go's zero value), before `Init`.
    pub const fn new() -> Iter {
        Iter {
            key: ptr::null_mut(),
            elem: ptr::null_mut(),
            typ: ptr::null(),
            m: ptr::null_mut(),
            entryOffset: 0,
            dirOffset: 0,
            clearSeq: 0,
            globalDepth: 0,
            dirIdx: 0,
            tab: ptr::null_mut(),
            group: groupReference::NULL,
            entryIdx: 0,
            registered: false,
        }
    }

    /// Port of `Iter.Init`, with Go's two `rand()` draws.
    ///
    /// # Safety
    /// `typ` and `m` (null or a map of `typ`) outlive the iterator's use, and the map is
    /// not freed before the iterator finishes or is dropped.
    pub unsafe fn Init(&mut self, typ: &SwissMapType, m: *mut Map) {
        // Go draws the offsets only for a non-empty map; draw lazily the same way.
        // SAFETY: forwarded.
        unsafe { self.init_with(typ, m, || (rand(), rand())) }
    }

    /// `Iter.Init` with the two random draws given (entry offset, then directory
    /// offset, in Go's order).
    ///
    /// # Safety
    /// As for [`Iter::Init`].
    pub unsafe fn Init_r(
        &mut self,
        typ: &SwissMapType,
        m: *mut Map,
        entryOffset: u64,
        dirOffset: u64,
    ) {
        // SAFETY: forwarded.
        unsafe { self.init_with(typ, m, || (entryOffset, dirOffset)) }
    }

    unsafe fn init_with(
        &mut self,
        typ: &SwissMapType,
        m: *mut Map,
        draws: impl FnOnce() -> (u64, u64),
    ) {
        self.finish();
        *self = Iter::new();
        self.typ = typ;
        // SAFETY: `m` is null or live (caller).
        if m.is_null() || unsafe { (*m).used } == 0 {
            return;
        }
        // SAFETY: live (above).
        let mr = unsafe { &*m };
        let mut dirIdx = 0;
        let mut groupSmall = groupReference::NULL;
        if mr.dirLen <= 0 {
            // dirIdx -1 marks a small map.
            dirIdx = -1;
            groupSmall.data = mr.dirPtr;
        }
        iter_register(mr);
        self.registered = true;
        self.m = m;
        let (e, d) = draws();
        self.entryOffset = e;
        self.dirOffset = d;
        self.globalDepth = mr.globalDepth;
        self.dirIdx = dirIdx;
        self.group = groupSmall;
        self.clearSeq = mr.clearSeq;
    }

    /// Go's `Initialized`.
    pub fn Initialized(&self) -> bool {
        !self.typ.is_null()
    }

    /// Go's `Key`: the current key, null at the end.
    pub fn Key(&self) -> *mut u8 {
        self.key
    }

    /// Go's `Elem`: the current elem, null at the end.
    pub fn Elem(&self) -> *mut u8 {
        self.elem
    }

    /// Ends the iterator's claim on its map's memory (when it runs out or is dropped).
    fn finish(&mut self) {
        if self.registered {
            self.registered = false;
            // SAFETY: registered on a live map of `typ` (invariant), and nothing of the
            // map is read through this iterator after this.
            unsafe { iter_unregister(&*self.typ, &*self.m) };
            self.tab = ptr::null_mut();
            self.group = groupReference::NULL;
        }
    }

    /// Port of `Iter.nextDirIdx`: skips the other directory entries of the table just
    /// walked (entries of a table that did not split with the directory, and, for a
    /// table that split after the walk began, its two halves).
    ///
    /// # Safety
    /// `m` and `tab` are live.
    unsafe fn nextDirIdx(&mut self) {
        // SAFETY: caller.
        let entries = unsafe { 1isize << ((*self.m).globalDepth - (*self.tab).localDepth) };
        self.dirIdx += entries;
        self.tab = ptr::null_mut();
        self.group = groupReference::NULL;
        self.entryIdx = 0;
    }

    /// Port of `Iter.grownKeyElem`: the current key and elem of `key`, picked from a
    /// table that has since grown, or none when it was deleted.
    ///
    /// # Safety
    /// `key` is a key read from `group`'s slot `slotIdx`.
    unsafe fn grownKeyElem(&self, key: *mut u8, slotIdx: usize) -> Option<(*mut u8, *mut u8)> {
        // SAFETY: the map, type and group are live (invariant).
        unsafe {
            let typ = &*self.typ;
            let (newKey, newElem, ok) = (*self.m).getWithKey(typ, key);
            if !ok {
                // Probably deleted. Except for keys not equal to themselves (NaN):
                // lookups never find them, but they can be neither updated nor deleted
                // except by clear, so unless a clear happened the old slot is current.
                if self.clearSeq == (*self.m).clearSeq && !typ.KeyEqual(key, key) {
                    return Some((key, self.group.elemOf(typ, slotIdx)));
                }
                return None;
            }
            Some((newKey, newElem))
        }
    }

    /// Port of `Iter.Next`: moves to the next entry (`Key` null at the end). The map may
    /// be written between calls.
    ///
    /// # Safety
    /// `Init` ran; the map and type are still live.
    #[inline]
    pub unsafe fn Next(&mut self) {
        // SAFETY: the iterator's invariants; see next_step and next_inner.
        unsafe {
            if self.next_step() {
                return;
            }
            self.next_inner()
        };
        if self.key.is_null() {
            self.finish();
        }
    }

    /// The common case of `Iter.Next`, inlined into the caller: the walk is inside a
    /// table that has not grown, the directory has not grown, the next slot is in the
    /// group already resolved and is full. That is Go's "fast path" (check the slot at
    /// `entryIdx` directly) with every condition that would lead elsewhere checked first;
    /// anything else, the concurrent-write check that fails included, returns false and
    /// takes Go's whole `Next` (`next_inner`), which does the same for this case. A
    /// separate step because the whole `Next` saves and restores many registers for its
    /// rare paths, which the common step does not need.
    ///
    /// # Safety
    /// As for [`Iter::Next`].
    #[inline(always)]
    unsafe fn next_step(&mut self) -> bool {
        if self.m.is_null() || !self.registered || self.dirIdx < 0 {
            return false;
        }
        if self.tab.is_null() || self.group.data.is_null() {
            return false;
        }
        // SAFETY: map, type, table and group are live while registered (invariant).
        unsafe {
            let m = &*self.m;
            if m.writing() != 0
                || self.globalDepth != m.globalDepth
                || self.dirIdx >= m.dirLen
                || (*self.tab).index == -1
            {
                return false;
            }
            let entryMask = (*self.tab).capacity as u64 - 1;
            if self.entryIdx > entryMask {
                return false;
            }
            let entryIdx = self.entryIdx.wrapping_add(self.entryOffset) & entryMask;
            let slotIdx = (entryIdx & (MAP_GROUP_SLOTS as u64 - 1)) as usize;
            // Slot 0 of a group means resolving the group first.
            if slotIdx == 0 || self.group.ctrls().get(slotIdx) & CTRL_EMPTY != 0 {
                return false;
            }
            let typ = &*self.typ;
            self.key = self.group.keyOf(typ, slotIdx);
            self.elem = self.group.elemOf(typ, slotIdx);
            self.entryIdx += 1;
            true
        }
    }

    #[inline(never)]
    unsafe fn next_inner(&mut self) {
        if self.m.is_null() {
            // The map was empty at Init.
            self.key = ptr::null_mut();
            self.elem = ptr::null_mut();
            return;
        }
        if !self.registered {
            // Ran out before; Go would find the end again.
            self.key = ptr::null_mut();
            self.elem = ptr::null_mut();
            return;
        }
        // SAFETY: map, type, table and groups are live while registered.
        unsafe {
            let typ = &*self.typ;
            let m = &*self.m;
            if m.writing() != 0 {
                fatal(RuntimeError::ConcurrentIterWrite);
            }

            if self.dirIdx < 0 {
                // The map was small at Init.
                while self.entryIdx < MAP_GROUP_SLOTS as u64 {
                    let k = ((self.entryIdx.wrapping_add(self.entryOffset))
                        % MAP_GROUP_SLOTS as u64) as usize;
                    if self.group.ctrls().get(k) & CTRL_EMPTY == CTRL_EMPTY {
                        self.entryIdx += 1;
                        continue; // empty or deleted
                    }
                    let mut key = self.group.keyOf(typ, k);
                    // If the map grew to a table since Init, keep using the old group
                    // to pick the keys, but look them up again.
                    let grown = m.dirLen > 0;
                    let elem;
                    if grown {
                        let (newKey, newElem, ok) = m.getWithKey(typ, key);
                        if !ok {
                            // See grownKeyElem.
                            if self.clearSeq == m.clearSeq && !typ.KeyEqual(key, key) {
                                elem = self.group.elemOf(typ, k);
                            } else {
                                self.entryIdx += 1;
                                continue;
                            }
                        } else {
                            key = newKey;
                            elem = newElem;
                        }
                    } else {
                        elem = self.group.elemOf(typ, k);
                    }
                    self.entryIdx += 1;
                    self.key = key;
                    self.elem = elem;
                    return;
                }
                self.key = ptr::null_mut();
                self.elem = ptr::null_mut();
                return;
            }

            if self.globalDepth != m.globalDepth {
                // The directory grew since the last call: scale the index. The
                // effective index is (dirIdx + dirOffset) % dirLen, and
                // A*(B % C) == (A*B) % (A*C), so doubling dirIdx, dirOffset (and dirLen,
                // which the map did) keeps it pointing at the same table's entries.
                let orders = m.globalDepth - self.globalDepth;
                self.dirIdx <<= orders;
                self.dirOffset <<= orders;
                self.globalDepth = m.globalDepth;
            }

            // Continue until a full slot.
            while self.dirIdx < m.dirLen {
                // Resolve the table.
                if self.tab.is_null() {
                    let dirIdx = ((self.dirIdx as u64).wrapping_add(self.dirOffset)
                        & (m.dirLen as u64 - 1)) as isize;
                    let newTab = m.directoryAt(dirIdx as usize);
                    if (*newTab).index != dirIdx {
                        // Only on the first call: the random start may fall in the
                        // middle of a table's run of entries. Adjust the offset once
                        // so that the walk starts at the run's first entry.
                        let diff = dirIdx - (*newTab).index;
                        self.dirOffset = self.dirOffset.wrapping_sub(diff as u64);
                    }
                    self.tab = newTab;
                }
                // Use self.tab, not the directory's table: a grown table still picks
                // the keys.
                let entryMask = (*self.tab).capacity as u64 - 1;
                if self.entryIdx > entryMask {
                    self.nextDirIdx();
                    continue;
                }

                // Fast path: check the slot at entryIdx directly (at 7/8 load it is
                // likely full, cheaper than a match on the whole control word).
                let entryIdx = self.entryIdx.wrapping_add(self.entryOffset) & entryMask;
                let mut slotIdx = (entryIdx & (MAP_GROUP_SLOTS as u64 - 1)) as usize;
                if slotIdx == 0 || self.group.data.is_null() {
                    // Compute the group when the slot index rolls over, and on the
                    // first step in this table.
                    let groupIdx = entryIdx >> MAP_GROUP_SLOTS_BITS;
                    self.group = (*self.tab).groups.group(typ, groupIdx);
                }

                if self.group.ctrls().get(slotIdx) & CTRL_EMPTY == 0 {
                    // Full slot.
                    let mut key = self.group.keyOf(typ, slotIdx);
                    let grown = (*self.tab).index == -1;
                    let elem;
                    if grown {
                        match self.grownKeyElem(key, slotIdx) {
                            None => {} // gone: on to the next one (Go's `goto next`)
                            Some((k, e)) => {
                                key = k;
                                elem = e;
                                self.entryIdx += 1;
                                self.key = key;
                                self.elem = elem;
                                return;
                            }
                        }
                    } else {
                        elem = self.group.elemOf(typ, slotIdx);
                        self.entryIdx += 1;
                        self.key = key;
                        self.elem = elem;
                        return;
                    }
                }
                // next:
                self.entryIdx += 1;

                // Slow path: match the control word to jump to the next full slot
                // (effective for lightly loaded tables; slots fill in order, so
                // without deletions a match skips all empty slots at once). The match
                // is not cached across calls: deletions in between would need
                // re-checking anyway.
                let mut groupMatch = bitset(0);
                while self.entryIdx <= entryMask {
                    let entryIdx = self.entryIdx.wrapping_add(self.entryOffset) & entryMask;
                    slotIdx = (entryIdx & (MAP_GROUP_SLOTS as u64 - 1)) as usize;
                    if slotIdx == 0 || self.group.data.is_null() {
                        let groupIdx = entryIdx >> MAP_GROUP_SLOTS_BITS;
                        self.group = (*self.tab).groups.group(typ, groupIdx);
                    }
                    if groupMatch.is_empty() {
                        groupMatch = self.group.ctrls().matchFull();
                        if slotIdx != 0 {
                            // Starting mid-group: ignore the slots before.
                            groupMatch = groupMatch.removeBelow(slotIdx);
                        }
                        // Skip groups with nothing full.
                        if groupMatch.is_empty() {
                            self.entryIdx += (MAP_GROUP_SLOTS - slotIdx) as u64;
                            continue;
                        }
                        let i = groupMatch.first();
                        self.entryIdx += (i - slotIdx) as u64;
                        if self.entryIdx > entryMask {
                            // Past the end of this table's walk.
                            continue;
                        }
                        slotIdx = i;
                    }
                    let mut key = self.group.keyOf(typ, slotIdx);
                    // A table replaced since the last call no longer sees updates and
                    // deletions: look the key up in the map. The old table still picks
                    // the keys, so that none comes twice.
                    let grown = (*self.tab).index == -1;
                    let elem;
                    if grown {
                        match self.grownKeyElem(key, slotIdx) {
                            None => {
                                // Gone: on to the next full slot.
                                groupMatch = groupMatch.removeFirst();
                                if groupMatch.is_empty() {
                                    self.entryIdx += (MAP_GROUP_SLOTS - slotIdx) as u64;
                                    continue;
                                }
                                let i = groupMatch.first();
                                self.entryIdx += (i - slotIdx) as u64;
                                continue;
                            }
                            Some((k, e)) => {
                                key = k;
                                elem = e;
                            }
                        }
                    } else {
                        elem = self.group.elemOf(typ, slotIdx);
                    }
                    // Jump ahead to the next full slot or the next group.
                    groupMatch = groupMatch.removeFirst();
                    if groupMatch.is_empty() {
                        self.entryIdx += (MAP_GROUP_SLOTS - slotIdx) as u64;
                    } else {
                        let i = groupMatch.first();
                        self.entryIdx += (i - slotIdx) as u64;
                    }
                    self.key = key;
                    self.elem = elem;
                    return;
                }
                // On to the next table.
                self.nextDirIdx();
            }
            self.key = ptr::null_mut();
            self.elem = ptr::null_mut();
        }
    }
}

impl Drop for Iter {
    fn drop(&mut self) {
        self.finish();
    }
}
