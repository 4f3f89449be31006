//! The map: port of `internal/runtime/maps/map.go`.
//!
//! A map is a directory of tables indexed by the top `globalDepth` bits of the hash
//! (extendible hashing): a table of `localDepth < globalDepth` fills
//! `2^(globalDepth - localDepth)` consecutive entries. A map that has never held more
//! than 8 entries is a single group without a table (`dirLen == 0`, `dirPtr` points at
//! the group); an empty map made with a small hint has no memory at all.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;
use core::sync::atomic::Ordering;
// Under `--cfg loom` (tests/swiss_loom.rs) `writing` is loom's atomic, so that loom
// permutes every access to it; the normal build uses the core atomic.
#[cfg(not(loom))]
use core::sync::atomic::AtomicU8;
#[cfg(loom)]
use loom::sync::atomic::AtomicU8;

use super::group::{
    cloneGroup, groupReference, newGroups, GenericKey, SearchKey, CTRL_EMPTY, MAP_GROUP_SLOTS,
};
use super::reclaim::{free_retired, retire, Reclaim};
use super::table::{
    clearSlot, freeTable, insertAt, newTable, table, typedmemclr, typedmemmove, MAX_TABLE_CAPACITY,
};
use super::types::{SwissMapType, SwissRelease};
use crate::base::guard::defer;
use crate::base::rand::chacha8_rand;
use crate::runtime::types::{fatal, raise, RuntimeError};

/// Go's `rand()` for the map (`runtime.rand`): the calling thread's ChaCha8 generator,
/// as in every release with a Swiss map (seedable with `set_chacha8_seed`, so that a
/// trace's `rand` mode draws what Go draws).
#[inline]
pub fn rand() -> u64 {
    chacha8_rand()
}

/// Port of `h1`: the hash's upper 57 bits, the probe start.
#[inline]
pub fn h1(h: usize) -> usize {
    h >> 7
}

/// Port of `h2`: the hash's low 7 bits, a full slot's control byte.
#[inline]
pub fn h2(h: usize) -> usize {
    h & 0x7f
}

/// Port of `depthToShift` (64-bit hashes).
#[inline]
pub fn depthToShift(depth: u8) -> u8 {
    64 - depth
}

/// The map header (`Map`), Go's fields in Go's order, then gomap's reclamation state.
///
/// Invariants: `used` is the number of entries; `dirPtr` is null (no memory yet, only
/// with `used == 0`), a group when `dirLen == 0` (a small map: at most 8 entries, no
/// tombstones), or a directory of `dirLen == 2^globalDepth` table pointers from the
/// allocator; `globalShift == 64 - globalDepth`; `writing` is 0 between operations;
/// `tombstonePossible` is set whenever some table may hold a tombstone (1.25+); `owner`
/// is the map type of every call since the map first allocated, and is `Some` whenever
/// `dirPtr` is not null (or the retired list is not empty).
///
/// Dropping a map frees everything it owns (see [`mapfree`]): its memory is released
/// with the map type recorded in `owner`, so a map from [`NewMap`] or
/// [`super::runtime::makemap`] cannot leak its tables by being dropped. Since safe code
/// can drop a map, the fields that say what it owns are the crate's alone (read them
/// through the accessors of the same names); `seed` and `writing` stay public, as any
/// value of theirs is sound. Safe code cannot point a map at another map's memory:
///
/// ```compile_fail
/// let a = gomap::swiss::NewEmptyMap();
/// let mut b = gomap::swiss::NewEmptyMap();
/// b.dirPtr = a.dirPtr(); // the field is the crate's: dropping both would free it twice
/// ```
///
/// ```
/// let mut m = gomap::swiss::NewEmptyMap();
/// m.seed = 42; // any seed is sound
/// assert!(m.dirPtr().is_null() && m.dirLen() == 0 && m.Used() == 0);
/// ```
#[repr(C)]
#[derive(Debug)]
pub struct Map {
    /// Number of entries (first, as Go's compiler reads it for `len`).
    pub(crate) used: u64,
    /// The hash seed.
    pub seed: usize,
    /// The directory, or the small map's group.
    pub(crate) dirPtr: *mut u8,
    /// Directory length; 0 for a small map.
    pub(crate) dirLen: isize,
    /// Number of hash bits the directory uses.
    pub(crate) globalDepth: u8,
    /// `64 - globalDepth`.
    pub(crate) globalShift: u8,
    /// Toggled (xor 1) around each write: misuse detection. An atomic byte so that the
    /// detection is a defined race; it is read and written, never read-modify-written,
    /// as in Go.
    pub writing: AtomicU8,
    /// Whether a table may hold a tombstone (go1.25).
    pub(crate) tombstonePossible: bool,
    /// Number of `Clear` calls, for iterators to detect a clear.
    pub(crate) clearSeq: u64,
    /// Live iterators and the memory they may still read.
    pub(crate) reclaim: Reclaim,
    /// The map type the map's memory came from, recorded by the first allocation
    /// (`growToSmall`, `NewMap`, `Clone`): what `Drop` frees it with. Go's collector
    /// needs no such field.
    owner: Option<SwissMapType>,
}

impl Map {
    fn empty() -> Map {
        Map {
            used: 0,
            seed: 0,
            dirPtr: ptr::null_mut(),
            dirLen: 0,
            globalDepth: 0,
            globalShift: 0,
            writing: AtomicU8::new(0),
            tombstonePossible: false,
            clearSeq: 0,
            reclaim: Reclaim::new(),
            owner: None,
        }
    }

    /// Records the map type the map's memory comes from, before its first allocation.
    #[inline]
    fn own(&mut self, typ: &SwissMapType) {
        if self.owner.is_none() {
            self.owner = Some(*typ);
        }
    }

    /// The `writing` byte.
    #[inline]
    pub fn writing(&self) -> u8 {
        self.writing.load(Ordering::Relaxed)
    }

    /// `m.writing ^= 1`, as a load and a store (Go's toggle is not atomic either: two
    /// racing writers that both toggle leave 0, which the second one's check catches).
    #[inline]
    pub fn toggle_writing(&self) {
        let w = self.writing.load(Ordering::Relaxed);
        self.writing.store(w ^ 1, Ordering::Relaxed);
    }

    /// The end of a write: Go's check that nobody else toggled `writing` meanwhile.
    #[inline]
    pub fn end_write(&self) {
        if self.writing() == 0 {
            fatal(RuntimeError::ConcurrentWrites);
        }
        self.toggle_writing();
    }

    /// Go's `Used()`.
    #[inline]
    pub fn Used(&self) -> u64 {
        self.used
    }

    /// The directory, the small map's group, or null (no memory yet).
    #[inline]
    pub fn dirPtr(&self) -> *mut u8 {
        self.dirPtr
    }

    /// The directory's length; 0 for a small map.
    #[inline]
    pub fn dirLen(&self) -> isize {
        self.dirLen
    }

    /// Number of hash bits the directory uses.
    #[inline]
    pub fn globalDepth(&self) -> u8 {
        self.globalDepth
    }

    /// `64 - globalDepth`.
    #[inline]
    pub fn globalShift(&self) -> u8 {
        self.globalShift
    }

    /// Whether a table may hold a tombstone (go1.25).
    #[inline]
    pub fn tombstonePossible(&self) -> bool {
        self.tombstonePossible
    }

    /// Number of `Clear` calls.
    #[inline]
    pub fn clearSeq(&self) -> u64 {
        self.clearSeq
    }

    /// Live iterators and the memory they may still read.
    #[inline]
    pub fn reclaim(&self) -> &Reclaim {
        &self.reclaim
    }

    /// Port of `directoryIndex`.
    #[inline]
    pub fn directoryIndex(&self, hash: usize) -> usize {
        if self.dirLen == 1 {
            return 0;
        }
        hash >> (self.globalShift & 63)
    }

    /// Port of `directoryAt`.
    ///
    /// # Safety
    /// The map has a directory and `i < dirLen`.
    #[inline]
    pub unsafe fn directoryAt(&self, i: usize) -> *mut table {
        debug_assert!((i as isize) < self.dirLen);
        // SAFETY: the directory holds dirLen pointers (caller).
        unsafe { *(self.dirPtr as *mut *mut table).add(i) }
    }

    /// Port of `directorySet`.
    ///
    /// # Safety
    /// As for `directoryAt`.
    #[inline]
    pub unsafe fn directorySet(&mut self, i: usize, nt: *mut table) {
        debug_assert!((i as isize) < self.dirLen);
        // SAFETY: as for directoryAt.
        unsafe { *(self.dirPtr as *mut *mut table).add(i) = nt }
    }

    /// Port of `replaceTable`: points the table's directory entries at it.
    ///
    /// # Safety
    /// `nt` is a live table whose `index` and `localDepth` fit the directory.
    pub unsafe fn replaceTable(&mut self, nt: *mut table) {
        // SAFETY: entries index..index+2^(global-local) lie in the directory (caller).
        unsafe {
            // The entries referring to one table double with every directory growth
            // the table does not take part in.
            let entries = 1usize << (self.globalDepth - (*nt).localDepth);
            for i in 0..entries {
                self.directorySet((*nt).index as usize + i, nt);
            }
        }
    }

    /// Port of `installTableSplit`: doubles the directory when `old` used all its bits,
    /// then installs `left` and `right` in `old`'s place.
    ///
    /// # Safety
    /// `old` is in the directory; `left` and `right` are fresh tables one level deeper.
    pub unsafe fn installTableSplit(
        &mut self,
        typ: &SwissMapType,
        old: *mut table,
        left: *mut table,
        right: *mut table,
    ) {
        // SAFETY: directory indexes stay below dirLen; tables in it are live.
        unsafe {
            if (*old).localDepth == self.globalDepth {
                // No room for another level: double the directory.
                let newLen = self.dirLen as usize * 2;
                let newDir = newDirectory(typ, newLen);
                for i in 0..self.dirLen as usize {
                    let t = self.directoryAt(i);
                    *newDir.add(2 * i) = t;
                    *newDir.add(2 * i + 1) = t;
                    // A table may fill several entries: update its index once, on the
                    // first (the index only grows, so the old value means "not yet").
                    if (*t).index == i as isize {
                        (*t).index = 2 * i as isize;
                    }
                }
                self.globalDepth += 1;
                self.globalShift -= 1;
                // Iterators never read the directory itself (always through the map),
                // so the old one goes at once.
                freeDirectory(typ, self.dirPtr, self.dirLen as usize);
                self.dirPtr = newDir.cast();
                self.dirLen = newLen as isize;
            }
            // left and right may each still fill several entries if the directory grew
            // more than once since `old` last split.
            (*left).index = (*old).index;
            self.replaceTable(left);
            let entries = 1isize << (self.globalDepth - (*left).localDepth);
            (*right).index = (*left).index + entries;
            self.replaceTable(right);
        }
    }

    /// Port of `Map.Get`: the elem of `key`.
    ///
    /// # Safety
    /// `typ` is the map's type; `key` a readable key.
    pub unsafe fn Get(&self, typ: &SwissMapType, key: *const u8) -> Option<*mut u8> {
        // SAFETY: forwarded.
        let (_, e, ok) = unsafe { self.getWithKey(typ, key) };
        ok.then_some(e)
    }

    /// Port of `Map.getWithKey`: the stored key and the elem of `key`.
    ///
    /// # Safety
    /// As for [`Map::Get`].
    pub unsafe fn getWithKey(
        &self,
        typ: &SwissMapType,
        key: *const u8,
    ) -> (*mut u8, *mut u8, bool) {
        if self.Used() == 0 {
            return (ptr::null_mut(), ptr::null_mut(), false);
        }
        if self.writing() != 0 {
            fatal(RuntimeError::ConcurrentReadWrite);
        }
        // SAFETY: the map is live and of `typ` (caller).
        unsafe {
            let hash = typ.Hasher(key, self.seed);
            if self.dirLen == 0 {
                return self.getWithKeySmall(typ, hash, key);
            }
            let idx = self.directoryIndex(hash);
            table::getWithKey(self.directoryAt(idx), typ, hash, key)
        }
    }

    /// Port of `Map.getWithKeySmall`: the lookup in a small map's single group (no probing
    /// and no empty-slot check). Go 1.24 compares each control byte with h2 in turn, later
    /// releases use `matchH2`; both find the same slot.
    ///
    /// # Safety
    /// The map is small (`dirLen == 0`, `dirPtr` a group).
    pub unsafe fn getWithKeySmall(
        &self,
        typ: &SwissMapType,
        hash: usize,
        key: *const u8,
    ) -> (*mut u8, *mut u8, bool) {
        let g = groupReference { data: self.dirPtr };
        // SAFETY: `g` is the live small group (caller).
        unsafe {
            if let Some(i) = g.findKey(typ, h2(hash), key) {
                return (g.keyOf(typ, i), g.elemOf(typ, i), true);
            }
        }
        // No match: a single group needs no probing, nor an empty-slot check.
        (ptr::null_mut(), ptr::null_mut(), false)
    }

    /// Port of `Map.Put`: `m[key] = elem`.
    ///
    /// # Safety
    /// `key` and `elem` are readable values of `typ`'s key and elem.
    pub unsafe fn Put(&mut self, typ: &SwissMapType, key: *const u8, elem: *const u8) {
        // SAFETY: forwarded; the slot holds an elem.
        unsafe {
            let slotElem = self.PutSlot(typ, key);
            typedmemmove(slotElem, elem, typ.elem().size);
        }
    }

    /// Port of `Map.PutSlot`: the elem slot for `key`, inserting the key if new. Never
    /// null.
    ///
    /// # Safety
    /// `key` is a readable key of `typ`, the map's type.
    pub unsafe fn PutSlot(&mut self, typ: &SwissMapType, key: *const u8) -> *mut u8 {
        if self.writing() != 0 {
            fatal(RuntimeError::ConcurrentWrites);
        }
        // SAFETY: the map is live and of `typ`; the key is readable (caller).
        unsafe {
            let hash = typ.Hasher(key, self.seed);
            // Set writing after hashing: the hasher may panic, and then nothing was
            // written.
            self.toggle_writing();
            if self.dirPtr.is_null() {
                self.growToSmall(typ);
            }
            if self.dirLen == 0 {
                if let Some(elem) = self.putSmall(typ, hash, key, |m, typ, hash, key| {
                    m.putSlotSmall(typ, hash, key, |_| {})
                }) {
                    self.end_write();
                    return elem;
                }
            }
            loop {
                let idx = self.directoryIndex(hash);
                if let Some(elem) = table::PutSlot(self.directoryAt(idx), typ, self, hash, key) {
                    self.end_write();
                    return elem;
                }
            }
        }
    }

    /// The small-map half of an assignment, per release: 1.27 tries the group and grows
    /// to a table only when it has no free slot, then inserts there directly
    /// (`uncheckedPutSlotForAssign`); 1.24 to 1.26 use the group while it holds fewer
    /// than 8 entries and otherwise grow and fall through to the table path (`None`),
    /// even to overwrite an entry. `put` is the caller's `putSlotSmall` variant.
    ///
    /// # Safety
    /// The map is small and being written; `key` is a readable key hashing to `hash`.
    pub(crate) unsafe fn putSmall(
        &mut self,
        typ: &SwissMapType,
        hash: usize,
        key: *const u8,
        put: impl FnOnce(&mut Map, &SwissMapType, usize, *const u8) -> *mut u8,
    ) -> Option<*mut u8> {
        // SAFETY: forwarded from the caller.
        unsafe {
            if typ.release >= SwissRelease::Go1_27 {
                let mut elem = put(self, typ, hash, key);
                if elem.is_null() {
                    // No free slot: grow to a full map.
                    let tab = self.growToTable(typ);
                    elem = table::uncheckedPutSlotForAssign(tab, typ, hash, key);
                    self.used += 1;
                }
                return Some(elem);
            }
            if self.used < MAP_GROUP_SLOTS as u64 {
                let elem = put(self, typ, hash, key);
                if elem.is_null() {
                    fatal(RuntimeError::Fatal(
                        "small map with no empty slot (concurrent map writes?)",
                    ));
                }
                return Some(elem);
            }
            // Can't fit another entry: grow to a full map.
            self.growToTable(typ);
            None
        }
    }

    /// Port of `Map.putSlotSmall`: the elem slot for `key` in the small group, or null
    /// when the key is new and the group has no free slot. `update` is shown the stored
    /// key just before Go copies `key` over it (an existing entry, `NeedKeyUpdate`).
    ///
    /// # Safety
    /// The map is small; `key` is a readable key hashing to `hash`; `update` does not
    /// write the map.
    pub unsafe fn putSlotSmall(
        &mut self,
        typ: &SwissMapType,
        hash: usize,
        key: *const u8,
        update: impl FnOnce(*mut u8),
    ) -> *mut u8 {
        let g = groupReference { data: self.dirPtr };
        // SAFETY: `g` is the live small group (caller).
        unsafe {
            // Look for an existing slot containing this key.
            if let Some(i) = g.findKey(typ, h2(hash), key) {
                if typ.NeedKeyUpdate() {
                    update(g.keyOf(typ, i));
                    typedmemmove(g.keyOf(typ, i), key, typ.key().size);
                }
                return g.elemOf(typ, i);
            }
            // A small map has no deleted slots (deleteSmall empties them), and
            // matchEmptyOrDeleted is the cheaper test.
            let match_ = g.ctrls().matchEmptyOrDeleted();
            if match_.is_empty() {
                return ptr::null_mut();
            }
            let i = match_.first();
            let slotElem = insertAt(typ, g, i, key);
            g.set_ctrl(i, h2(hash) as u8);
            self.used += 1;
            slotElem
        }
    }

    /// Port of `Map.growToSmall`: allocates the small map's group.
    pub(crate) fn growToSmall(&mut self, typ: &SwissMapType) {
        self.own(typ);
        let grp = newGroups(typ, 1);
        self.dirPtr = grp.data;
        // SAFETY: a fresh group.
        unsafe { groupReference { data: self.dirPtr }.set_empty() };
    }

    /// Port of `Map.growToTable`: moves the small group's entries into a table of 16
    /// slots, the map's only one. Returns it.
    ///
    /// # Safety
    /// The map is small and being written.
    pub unsafe fn growToTable(&mut self, typ: &SwissMapType) -> *mut table {
        let tab = newTable(typ, 2 * MAP_GROUP_SLOTS as u64, 0, 0);
        let g = groupReference { data: self.dirPtr };
        // Until the directory holds `tab`, the small group owns the entries (`tab` only
        // copies their indirect pointers): if the directory cannot be allocated ("out of
        // memory"), `tab` goes back, groups and header.
        let undo = defer(|| {
            // SAFETY: runs only on an unwind before `tab` is installed, when nothing but
            // this function refers to it.
            unsafe { freeTable(typ, tab) }
        });
        // SAFETY: `g` is the live small group; `tab` is fresh.
        unsafe {
            let seed = self.seed;
            g.forEachFull(|i| {
                let (key, elem) = (g.keyOf(typ, i), g.elemOf(typ, i));
                let hash = typ.hashKey(key, seed);
                table::uncheckedPutSlot(tab, typ, hash, key, elem);
            });
            let dir = newDirectory(typ, 1);
            undo.disarm();
            *dir = tab;
            // An iterator started on the small map still reads the group.
            retire(typ, self, g.data, typ.GroupSize, 8);
            self.dirPtr = dir.cast();
            self.dirLen = 1;
            self.globalDepth = 0;
            self.globalShift = depthToShift(self.globalDepth);
        }
        tab
    }

    /// Port of `Map.Delete`: `delete(m, key)`.
    ///
    /// # Safety
    /// `key` is a readable key of `typ`, the map's type.
    pub unsafe fn Delete(&mut self, typ: &SwissMapType, key: *const u8) {
        // SAFETY: forwarded; the hook does nothing.
        unsafe { self.delete_with(typ, GenericKey(key), |_, _| {}) }
    }

    /// [`Map::Delete`] that hands the entry (the stored key and elem, indirection
    /// resolved) to `found` just before Go clears them; `found` is called only when the
    /// key is present. The key is searched as `K` says: Go's generic hash and `Equal`
    /// ([`GenericKey`], what Go's `Map.Delete` does for every family, the fast deletes
    /// included), or a fast family's own hash and integer or string compare, which find
    /// the same slot without the indirect calls. The walk and the bytes it leaves are
    /// Go's either way.
    ///
    /// # Safety
    /// As for [`Map::Delete`], with `key` of `typ`'s family when it is a fast key;
    /// `found` must not write the map (it runs while the map is being written).
    #[inline]
    pub(crate) unsafe fn delete_with<K: SearchKey>(
        &mut self,
        typ: &SwissMapType,
        key: K,
        found: impl FnOnce(*mut u8, *mut u8),
    ) {
        if self.Used() == 0 {
            return;
        }
        if self.writing() != 0 {
            fatal(RuntimeError::ConcurrentWrites);
        }
        // SAFETY: the map is live and of `typ` (caller).
        unsafe {
            let hash = key.hash(typ, self.seed);
            self.toggle_writing();
            if self.dirLen == 0 {
                self.deleteSmall(typ, hash, key, found);
            } else {
                let idx = self.directoryIndex(hash);
                if table::Delete(self.directoryAt(idx), typ, self, hash, key, found)
                    && typ.release.has_tombstone_pruning()
                {
                    self.tombstonePossible = true;
                }
            }
        }
        if self.used == 0 {
            // Re-seed an emptied map, so that attackers cannot keep triggering the same
            // collisions (Go issue 25237).
            self.seed = rand() as usize;
        }
        self.end_write();
    }

    /// Port of `Map.deleteSmall`; `found` gets the entry before it is cleared.
    ///
    /// # Safety
    /// The map is small; `key` is a key of `typ` hashing to `hash`; `found` does not
    /// write the map.
    #[inline]
    pub(crate) unsafe fn deleteSmall<K: SearchKey>(
        &mut self,
        typ: &SwissMapType,
        hash: usize,
        key: K,
        found: impl FnOnce(*mut u8, *mut u8),
    ) {
        let g = groupReference { data: self.dirPtr };
        // SAFETY: `g` is the live small group (caller).
        unsafe {
            if let Some(i) = key.find(g, typ, h2(hash)) {
                found(g.keyOf(typ, i), g.elemOf(typ, i));
                self.used -= 1;
                clearSlot(typ, self, g, i);
                // A single group has no probe sequence: the slot is free at once.
                g.set_ctrl(i, CTRL_EMPTY);
            }
        }
    }

    /// Port of `Map.Clear`: `clear(m)`.
    ///
    /// # Safety
    /// `typ` is the map's type.
    pub unsafe fn Clear(&mut self, typ: &SwissMapType) {
        let tombstones = typ.release.has_tombstone_pruning() && self.tombstonePossible;
        if self.Used() == 0 && !tombstones {
            return;
        }
        if self.writing() != 0 {
            fatal(RuntimeError::ConcurrentWrites);
        }
        self.toggle_writing();
        // SAFETY: the map's memory is live (caller).
        unsafe {
            if self.dirLen == 0 {
                self.clearSmall(typ);
            } else {
                let mut lastTab: *mut table = ptr::null_mut();
                for i in 0..self.dirLen as usize {
                    let t = self.directoryAt(i);
                    if t == lastTab {
                        continue;
                    }
                    table::Clear(t, typ, self);
                    lastTab = t;
                }
                self.used = 0;
                self.tombstonePossible = false;
                // (Go leaves a TODO: shrink the directory.)
            }
        }
        self.clearSeq += 1;
        // Re-seed, as Delete does for an emptied map.
        self.seed = rand() as usize;
        self.end_write();
    }

    /// Port of `Map.clearSmall`.
    ///
    /// # Safety
    /// The map is small.
    pub unsafe fn clearSmall(&mut self, typ: &SwissMapType) {
        let g = groupReference { data: self.dirPtr };
        // SAFETY: the live small group (caller).
        unsafe {
            retireGroupObjects(typ, self, g);
            typedmemclr(g.data, typ.GroupSize);
            g.set_empty();
        }
        self.used = 0;
    }

    /// Port of `Map.Clone` (go1.25): a deep copy with the same seed, directory shape and
    /// bytes. (Go 1.24 clones by iteration: see [`super::runtime::mapclone2`].) A clone that
    /// runs out of memory panics with Go's "out of memory" and frees all it had copied.
    ///
    /// # Safety
    /// `typ` is the map's type.
    pub unsafe fn Clone(&self, typ: &SwissMapType) -> Box<Map> {
        if self.writing() != 0 {
            fatal(RuntimeError::Fatal("concurrent map clone and map write"));
        }
        let mut m = Box::new(Map::empty());
        m.own(typ);
        m.used = self.used;
        m.seed = self.seed;
        m.dirLen = self.dirLen;
        m.globalDepth = self.globalDepth;
        m.globalShift = self.globalShift;
        m.writing = AtomicU8::new(self.writing());
        m.tombstonePossible = self.tombstonePossible;
        m.clearSeq = self.clearSeq;
        // SAFETY: the map's memory is live (caller); the copies are fresh, and the guard
        // frees only the fresh group, on unwind only.
        unsafe {
            if self.dirPtr.is_null() {
                // Delayed group allocation: nothing to copy.
            } else if self.dirLen == 0 {
                let newGroup = groupReference {
                    data: newGroups(typ, 1).data,
                };
                // gomap: out of memory in cloneGroup (which frees its own copies) must not
                // lose the group.
                let undo = defer(|| typ.alloc().dealloc(newGroup.data, typ.GroupSize, 8));
                cloneGroup(typ, newGroup, groupReference { data: self.dirPtr });
                undo.disarm();
                m.dirPtr = newGroup.data;
            } else {
                let n = self.dirLen as usize;
                let newDir = newDirectory(typ, n);
                // gomap: the clone holds its directory at once, its entries null until
                // cloned, so that if a table's clone runs out of memory, dropping `m`
                // frees the tables cloned so far (free_contents skips null entries).
                m.dirPtr = newDir.cast();
                for i in 0..n {
                    let t = self.directoryAt(i);
                    if i > 0 && t == self.directoryAt(i - 1) {
                        *newDir.add(i) = *newDir.add(i - 1);
                        continue;
                    }
                    *newDir.add(i) = table::clone(t, typ);
                }
            }
        }
        m
    }
}

/// Retires the objects of the indirect keys and elems of a group's full slots.
///
/// # Safety
/// `g` is a live group of `m`.
unsafe fn retireGroupObjects(typ: &SwissMapType, m: &Map, g: groupReference) {
    // SAFETY: the objects of a live group's full slots, owned by it (caller).
    unsafe { g.forEachObject(typ, |p, size, align| retire(typ, m, p, size, align)) }
}

/// A directory of `n` null table pointers from the allocator.
fn newDirectory(typ: &SwissMapType, n: usize) -> *mut *mut table {
    let size = n
        .checked_mul(core::mem::size_of::<usize>())
        .unwrap_or_else(|| raise(RuntimeError::OutOfMemory));
    // SAFETY: n >= 1, so size > 0; 8 is a power of two.
    unsafe { typ.alloc().alloc(size, 8) as *mut *mut table }
}

/// Frees a directory of `n` entries.
///
/// # Safety
/// `dir` came from `newDirectory(typ, n)` and nothing refers to it.
unsafe fn freeDirectory(typ: &SwissMapType, dir: *mut u8, n: usize) {
    // SAFETY: the caller's.
    unsafe {
        typ.alloc()
            .dealloc(dir, n * core::mem::size_of::<usize>(), 8)
    }
}

/// Port of `NewMap`: a map for about `hint` entries. Hints up to 8 allocate nothing (the
/// first insert allocates the small group); larger hints allocate the tables that hold
/// `hint` entries at the average load without growing. An impossible hint gives an empty
/// map, as in Go.
pub fn NewMap(typ: &SwissMapType, hint: usize, maxAlloc: usize) -> Box<Map> {
    let mut m = Box::new(Map::empty());
    m.seed = rand() as usize;
    if hint <= MAP_GROUP_SLOTS {
        // A small map can fill all 8 slots of the group the first insert allocates.
        return m;
    }
    let targetCapacity =
        hint.wrapping_mul(MAP_GROUP_SLOTS) / super::group::MAX_AVG_GROUP_LOAD as usize;
    if targetCapacity < hint {
        return m; // overflow: an empty map
    }
    let dirSize = (targetCapacity as u64).div_ceil(MAX_TABLE_CAPACITY as u64);
    let (dirSize, overflow) = super::group::alignUpPow2(dirSize);
    if overflow || dirSize > usize::MAX as u64 {
        return m;
    }
    // Reject hints that are obviously too large.
    let Some(groups) = (dirSize as usize).checked_mul(MAX_TABLE_CAPACITY as usize) else {
        return m;
    };
    match groups.checked_mul(typ.GroupSize) {
        Some(mem) if mem <= maxAlloc => {}
        _ => return m,
    }
    m.own(typ);
    m.globalDepth = dirSize.trailing_zeros() as u8;
    m.globalShift = depthToShift(m.globalDepth);
    let dir = newDirectory(typ, dirSize as usize);
    // The tables made so far: if one cannot be allocated ("out of memory"), they and
    // the directory go back (the map, not yet holding them, frees nothing).
    let made = core::cell::Cell::new(0usize);
    let undo = defer(|| {
        // SAFETY: runs only on an unwind of the loop below; the first `made` entries of
        // the directory are fresh tables nothing else refers to.
        unsafe {
            for i in 0..made.get() {
                freeTable(typ, *dir.add(i));
            }
            freeDirectory(typ, dir.cast(), dirSize as usize);
        }
    });
    for i in 0..dirSize as usize {
        let t = newTable(
            typ,
            targetCapacity as u64 / dirSize,
            i as isize,
            m.globalDepth,
        );
        // SAFETY: i < dirSize, inside the new directory.
        unsafe { *dir.add(i) = t };
        made.set(i + 1);
    }
    undo.disarm();
    m.dirPtr = dir.cast();
    m.dirLen = dirSize as isize;
    m
}

/// Port of `NewEmptyMap`: an empty map without memory.
pub fn NewEmptyMap() -> Box<Map> {
    let mut m = Box::new(Map::empty());
    m.seed = rand() as usize;
    m
}

/// Releases a map and everything it owns: its directory, tables, groups, the objects
/// of its indirect keys and elems, and the retired list. gomap's replacement for Go's
/// collector. Dropping the box does the same (`Map`'s `Drop`, with the map type the map
/// recorded); this is the spelling that names the map type, as the classic
/// [`crate::runtime::mapfree`] does.
///
/// # Safety
/// `m` is a map of `typ` from this module; no iterator of it is used again, nor any
/// pointer into it.
pub unsafe fn mapfree(typ: &SwissMapType, m: Box<Map>) {
    debug_assert!(m
        .owner
        .as_ref()
        .is_none_or(|o| o.GroupSize == typ.GroupSize));
    drop(m);
}

impl Drop for Map {
    fn drop(&mut self) {
        if let Some(typ) = self.owner.take() {
            // SAFETY: the map owns all it reaches, allocated with `typ` (the `owner`
            // invariant); being dropped, it is used no more, and its iterators (which
            // must not outlive it) read nothing more of it.
            unsafe { free_contents(&typ, self) }
        }
    }
}

/// Frees everything `m` owns, but not the header itself.
///
/// # Safety
/// `m` is a map of `typ`, used afterwards only to be dropped (with `owner` taken).
unsafe fn free_contents(typ: &SwissMapType, m: &Map) {
    // SAFETY: we own the map and all it reaches (caller).
    unsafe {
        if m.dirPtr.is_null() {
        } else if m.dirLen == 0 {
            let g = groupReference { data: m.dirPtr };
            freeGroupObjects(typ, g);
            typ.alloc().dealloc(g.data, typ.GroupSize, 8);
        } else {
            m.for_each_table(|t| {
                // Only a clone that ran out of memory has null entries (Map::Clone).
                if t.is_null() {
                    return;
                }
                for gi in 0..=(*t).groups.lengthMask {
                    freeGroupObjects(typ, (*t).groups.group(typ, gi));
                }
                freeTable(typ, t);
            });
            freeDirectory(typ, m.dirPtr, m.dirLen as usize);
        }
        free_retired(typ, m);
    }
}

impl Map {
    /// Calls `f` once with each table of the directory, in directory order (a table
    /// fills a run of entries; `f` sees it at the run's first). `f` may free the table.
    ///
    /// # Safety
    /// The map has a directory (`dirLen > 0`) of live tables (or, in a clone that ran out
    /// of memory, null entries, which `f` may be given and must skip).
    pub(crate) unsafe fn for_each_table(&self, mut f: impl FnMut(*mut table)) {
        let mut last: *mut table = ptr::null_mut();
        for i in 0..self.dirLen as usize {
            // SAFETY: i < dirLen, a live directory (caller). A table's entries are
            // consecutive, so comparing with the last one seen finds each once; the
            // pointer is only compared after `f` may have freed it.
            let t = unsafe { self.directoryAt(i) };
            if t == last {
                continue;
            }
            last = t;
            f(t);
        }
    }
}

/// Frees the indirect objects of a group's full slots.
///
/// # Safety
/// `g` is a live group owned by a map being freed.
pub(crate) unsafe fn freeGroupObjects(typ: &SwissMapType, g: groupReference) {
    // SAFETY: the objects of a live group's full slots, owned by it (caller).
    unsafe { g.forEachObject(typ, |p, size, align| typ.alloc().dealloc(p, size, align)) }
}
