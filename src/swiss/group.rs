//! Control bytes, bitsets and group references: port of `internal/runtime/maps/group.go`.
//!
//! A group is [`MAP_GROUP_SLOTS`] (8) slots and one 8-byte control word, laid out as Go's
//! compiler lays out `struct { ctrl uint64; slots [8]struct{ key K; elem E } }` (see
//! [`super::types::SwissMapType`] for the slot arithmetic).
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case, non_camel_case_types)]

use core::fmt;

use super::types::SwissMapType;

/// Number of bits in the group slot count (`abi.MapGroupSlotsBits`).
pub const MAP_GROUP_SLOTS_BITS: u32 = 3;
/// Number of slots in a group (`abi.MapGroupSlots`).
pub const MAP_GROUP_SLOTS: usize = 1 << MAP_GROUP_SLOTS_BITS;

/// Maximum average load of a group before a table grows: 7 of 8 slots, Abseil's load
/// factor (Abseil's groups of 16 keep two empty slots where Go's keep one).
pub const MAX_AVG_GROUP_LOAD: u16 = 7;

/// An empty slot: `1000_0000`.
pub const CTRL_EMPTY: ctrl = 0b1000_0000;
/// A deleted slot (tombstone): `1111_1110`.
pub const CTRL_DELETED: ctrl = 0b1111_1110;

const BITSET_LSB: u64 = 0x0101_0101_0101_0101;
const BITSET_MSB: u64 = 0x8080_8080_8080_8080;
/// A control word with every slot empty (`abi.MapCtrlEmpty`).
pub const BITSET_EMPTY: u64 = BITSET_LSB * CTRL_EMPTY as u64;

// Empty and deleted both have the top bit set and differ in bit 1, which matchEmpty
// relies on; a full slot has the top bit clear.
const _: () = assert!(CTRL_EMPTY & 0x80 != 0 && CTRL_DELETED & 0x80 != 0);
const _: () = assert!(CTRL_EMPTY & 0x02 == 0 && CTRL_DELETED & 0x02 != 0);

/// One control byte: `1000_0000` empty, `1111_1110` deleted, `0hhh_hhhh` full with the
/// hash's low 7 bits (H2).
pub type ctrl = u8;

/// A set of slots of a group, in the representation Go uses on the target: on amd64
/// one bit per slot (bit `i` for slot `i`), as the SSE2 intrinsics that Go's compiler
/// substitutes for the match functions produce it (`PMOVMSKB`); elsewhere Go's
/// portable one, one byte per slot, `0x80` when the slot is in the set. `first`,
/// `removeFirst`, `count` and the others give the same answers either way.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct bitset(pub u64);

/// The bit of slot `i` in a [`bitset`].
#[inline]
const fn slot_bit(i: usize) -> u32 {
    if cfg!(target_arch = "x86_64") {
        i as u32
    } else {
        8 * i as u32 + 7
    }
}

impl bitset {
    /// Index of the first slot in the set. Precondition: the set is not empty.
    #[inline]
    pub fn first(self) -> usize {
        debug_assert!(self.0 != 0);
        if cfg!(target_arch = "x86_64") {
            // Packed: no shift (Go's amd64 `bitsetFirst` intrinsic).
            self.0.trailing_zeros() as usize
        } else {
            (self.0.trailing_zeros() >> 3) as usize
        }
    }
    /// The set without its first slot.
    #[inline]
    pub fn removeFirst(self) -> bitset {
        bitset(self.0 & self.0.wrapping_sub(1))
    }
    /// The set without the slots below `i`.
    #[inline]
    pub fn removeBelow(self, i: usize) -> bitset {
        // Clear every bit below slot i's (its byte's, in the portable form).
        let below = if cfg!(target_arch = "x86_64") {
            i as u64
        } else {
            8 * i as u64
        };
        let mask = (1u64 << below).wrapping_sub(1);
        bitset(self.0 & !mask)
    }
    /// Whether slot 0 is in the set.
    #[inline]
    pub fn lowestSet(self) -> bool {
        self.0 & (1 << slot_bit(0)) != 0
    }
    /// The set shifted down one slot.
    #[inline]
    pub fn shiftOutLowest(self) -> bitset {
        bitset(self.0 >> (slot_bit(1) - slot_bit(0)))
    }
    /// Number of slots in the set.
    #[inline]
    pub fn count(self) -> usize {
        self.0.count_ones() as usize
    }
    /// Whether the set is empty (Go's `b == 0`).
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Debug for bitset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: Vec<usize> = (0..8).filter(|&i| self.0 >> slot_bit(i) & 1 != 0).collect();
        write!(f, "bitset{v:?}")
    }
}

/// The 8 control bytes of a group as one little-endian word (`ctrlGroup`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ctrlGroup(pub u64);

impl ctrlGroup {
    /// The `i`-th control byte.
    #[inline]
    pub fn get(self, i: usize) -> ctrl {
        (self.0 >> (8 * i)) as u8
    }
    /// Port of `ctrlGroupMatchH2`: full slots whose H2 is `h`. On amd64 Go's SSE2
    /// intrinsic (broadcast `h`, `PCMPEQB`, `PMOVMSKB`), exact; elsewhere the portable
    /// formula, which may report false positives next to a real match, never on empty or
    /// deleted slots. Callers compare keys anyway, so both find the same slot.
    #[inline]
    pub fn matchH2(self, h: usize) -> bitset {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_cmpeq_epi8, _mm_set1_epi8};
            // SAFETY: SSE2 is part of x86_64's baseline (see `movemask`).
            bitset(movemask(unsafe {
                _mm_cmpeq_epi8(self.vector(), _mm_set1_epi8(h as u8 as i8))
            }))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let v = self.0 ^ BITSET_LSB.wrapping_mul(h as u64);
            bitset((v.wrapping_sub(BITSET_LSB) & !v) & BITSET_MSB)
        }
    }
    /// Port of `ctrlGroupMatchEmpty`: on amd64 a byte compare with [`CTRL_EMPTY`]
    /// (Go's intrinsic); elsewhere empty iff bit 7 is set and bit 1 is not.
    #[inline]
    pub fn matchEmpty(self) -> bitset {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_cmpeq_epi8, _mm_set1_epi8};
            // SAFETY: SSE2 is part of x86_64's baseline (see `movemask`).
            bitset(movemask(unsafe {
                _mm_cmpeq_epi8(self.vector(), _mm_set1_epi8(CTRL_EMPTY as i8))
            }))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let v = self.0;
            bitset((v & !(v << 6)) & BITSET_MSB)
        }
    }
    /// Port of `ctrlGroupMatchEmptyOrDeleted`: bit 7 set (on amd64 `PMOVMSKB` of the
    /// control bytes).
    #[inline]
    pub fn matchEmptyOrDeleted(self) -> bitset {
        #[cfg(target_arch = "x86_64")]
        {
            bitset(movemask(self.vector()))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            bitset(self.0 & BITSET_MSB)
        }
    }
    /// Port of `ctrlGroupMatchFull`: bit 7 clear (on amd64 the complement of
    /// `PMOVMSKB`).
    #[inline]
    pub fn matchFull(self) -> bitset {
        #[cfg(target_arch = "x86_64")]
        {
            bitset(!movemask(self.vector()) & 0xff)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            bitset(!self.0 & BITSET_MSB)
        }
    }
    /// The control word in the low 8 bytes of a vector, the high 8 zero (Go's `MOVQ`).
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn vector(self) -> core::arch::x86_64::__m128i {
        // SAFETY: SSE2 is part of x86_64's baseline (see `movemask`).
        unsafe { core::arch::x86_64::_mm_cvtsi64_si128(self.0 as i64) }
    }
    /// Port of `ctrlGroup.anyFull` (go1.26).
    #[inline]
    pub fn anyFull(self) -> bool {
        !self.0 & BITSET_MSB != 0
    }
}

/// The top bits of a compare's low 8 bytes, one per slot (`PMOVMSKB`; the high 8 bytes
/// of the vector are padding).
#[cfg(target_arch = "x86_64")]
#[inline]
fn movemask(v: core::arch::x86_64::__m128i) -> u64 {
    // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it and the
    // target enables it (checked below), as Go's amd64 port assumes.
    (unsafe { core::arch::x86_64::_mm_movemask_epi8(v) } as u32 & 0xff) as u64
}

// The intrinsics above need SSE2, which every x86_64 target enables.
#[cfg(all(target_arch = "x86_64", not(target_feature = "sse2")))]
compile_error!("the Swiss group matching needs SSE2 on x86_64");

impl fmt::Debug for ctrlGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for i in 0..MAP_GROUP_SLOTS {
            if i > 0 {
                f.write_str(" ")?;
            }
            match self.get(i) {
                CTRL_EMPTY => f.write_str("empty")?,
                CTRL_DELETED => f.write_str("deleted")?,
                c => write!(f, "{c:#04x}")?,
            }
        }
        f.write_str("]")
    }
}

/// A reference to one group (`groupReference`): `data` points at its control word.
///
/// Invariant (for a non-null `data`): `data` is the start of a live group of the map
/// type it is used with, `group_size` bytes, 8-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct groupReference {
    /// The group's first byte, or null for "no group".
    pub data: *mut u8,
}

impl groupReference {
    /// No group.
    pub const NULL: groupReference = groupReference {
        data: core::ptr::null_mut(),
    };

    /// The control word, read.
    ///
    /// # Safety
    /// `data` is a live group.
    #[inline]
    pub unsafe fn ctrls(self) -> ctrlGroup {
        // SAFETY: a live group starts with its 8-aligned control word (caller).
        ctrlGroup(u64::from_le(unsafe { (self.data as *const u64).read() }))
    }

    /// Sets control byte `i` (`ctrls().set(i, c)`).
    ///
    /// # Safety
    /// `data` is a live group; `i < 8`.
    #[inline]
    pub unsafe fn set_ctrl(self, i: usize, c: ctrl) {
        debug_assert!(i < MAP_GROUP_SLOTS);
        // SAFETY: byte i of the control word is inside the group (caller).
        unsafe { self.data.add(i).write(c) }
    }

    /// Sets every control byte to empty (`ctrls().setEmpty()`).
    ///
    /// # Safety
    /// `data` is a live group.
    #[inline]
    pub unsafe fn set_empty(self) {
        // SAFETY: as for ctrls.
        unsafe { (self.data as *mut u64).write(BITSET_EMPTY.to_le()) }
    }

    /// Port of `groupReference.key`: the key slot `i`, at `KeysOff + i * KeyStride` in
    /// either group layout (see [`SwissMapType`]). With [`elem`](Self::elem), the only
    /// place that locates a slot.
    ///
    /// # Safety
    /// `data` is a live group of `typ`; `i < 8`.
    #[inline]
    pub unsafe fn key(self, typ: &SwissMapType, i: usize) -> *mut u8 {
        debug_assert!(i < MAP_GROUP_SLOTS);
        // SAFETY: key i lies inside the group (typ's layout, caller's i).
        unsafe { self.data.add(typ.KeysOff + i * typ.KeyStride) }
    }

    /// The key of slot `i` as the map code uses it: the slot itself, or the object an
    /// indirect slot points at.
    ///
    /// # Safety
    /// `data` is a live group of `typ`; `i < 8`.
    #[inline]
    pub unsafe fn keyOf(self, typ: &SwissMapType, i: usize) -> *mut u8 {
        // SAFETY: slot i of a live group; an indirect slot holds a pointer (caller).
        unsafe {
            let k = self.key(typ, i);
            if typ.IndirectKey() {
                *(k as *mut *mut u8)
            } else {
                k
            }
        }
    }

    /// The elem of slot `i` as the map code uses it (through an indirect slot).
    ///
    /// # Safety
    /// `data` is a live group of `typ`; `i < 8`.
    #[inline]
    pub unsafe fn elemOf(self, typ: &SwissMapType, i: usize) -> *mut u8 {
        // SAFETY: as for keyOf.
        unsafe {
            let e = self.elem(typ, i);
            if typ.IndirectElem() {
                *(e as *mut *mut u8)
            } else {
                e
            }
        }
    }

    /// The first full slot whose control byte is `h2Hash` and whose key equals `key`:
    /// the inner loop of every lookup, insert and delete in Go (`matchH2`, then a key
    /// compare per candidate in slot order).
    ///
    /// # Safety
    /// `data` is a live group of `typ`; `key` a readable key.
    #[inline]
    pub unsafe fn findKey(
        self,
        typ: &SwissMapType,
        h2Hash: usize,
        key: *const u8,
    ) -> Option<usize> {
        // SAFETY: candidates are full slots of a live group (caller).
        unsafe {
            let mut match_ = self.ctrls().matchH2(h2Hash);
            while !match_.is_empty() {
                let i = match_.first();
                if typ.KeyEqual(key, self.keyOf(typ, i)) {
                    return Some(i);
                }
                match_ = match_.removeFirst();
            }
        }
        None
    }

    /// [`findKey`](Self::findKey) with a fast family's key, compared as its type
    /// (`K::eq_slot`) instead of through `typ.Key.Equal`: the loop of Go's fast paths,
    /// which visits the same candidates in the same order.
    ///
    /// # Safety
    /// `data` is a live group of `typ`, a map type of `K`'s family (inline keys).
    #[inline(always)]
    pub(crate) unsafe fn findKeyFast<K: super::runtime::FastKey>(
        self,
        typ: &SwissMapType,
        h2Hash: usize,
        key: K,
    ) -> Option<usize> {
        // SAFETY: candidates are full key slots of a live group of K's family (caller).
        unsafe {
            let mut match_ = self.ctrls().matchH2(h2Hash);
            while !match_.is_empty() {
                let i = match_.first();
                if key.eq_slot(self.key(typ, i)) {
                    return Some(i);
                }
                match_ = match_.removeFirst();
            }
        }
        None
    }

    /// Calls `f` with each full slot, in slot order (Go's loops over `j < 8` that skip
    /// empty and deleted slots).
    ///
    /// # Safety
    /// `data` is a live group.
    #[inline]
    pub unsafe fn forEachFull(self, mut f: impl FnMut(usize)) {
        // SAFETY: caller.
        let mut full = unsafe { self.ctrls() }.matchFull();
        while !full.is_empty() {
            let j = full.first();
            full = full.removeFirst();
            f(j);
        }
    }

    /// Calls `f(object, size, align)` with the objects of the indirect keys and elems of
    /// the full slots (only full slots hold one: deleting clears the pointer).
    ///
    /// # Safety
    /// `data` is a live group of `typ`.
    pub unsafe fn forEachObject(
        self,
        typ: &SwissMapType,
        mut f: impl FnMut(*mut u8, usize, usize),
    ) {
        if !typ.IndirectKey() && !typ.IndirectElem() {
            return;
        }
        // SAFETY: full slots of a live group (caller).
        unsafe {
            self.forEachFull(|j| {
                if typ.IndirectKey() {
                    f(self.keyOf(typ, j), typ.key().size, typ.key().align as usize);
                }
                if typ.IndirectElem() {
                    f(
                        self.elemOf(typ, j),
                        typ.elem().size,
                        typ.elem().align as usize,
                    );
                }
            });
        }
    }

    /// Port of `groupReference.elem`: the elem slot `i`, at `ElemsOff + i * ElemStride`
    /// in either group layout (see [`SwissMapType`]).
    ///
    /// # Safety
    /// `data` is a live group of `typ`; `i < 8`.
    #[inline]
    pub unsafe fn elem(self, typ: &SwissMapType, i: usize) -> *mut u8 {
        debug_assert!(i < MAP_GROUP_SLOTS);
        // SAFETY: as for key.
        unsafe { self.data.add(typ.ElemsOff + i * typ.ElemStride) }
    }
}

/// How a write that searches for its key (a delete) hashes it and finds it in a group:
/// Go's generic way ([`GenericKey`]: `typ.Hasher` and `typ.Key.Equal` through the map
/// type) or a fast family's (its key type's own hash and compare, see
/// `runtime::FastKey`). Both find the same slot: the family's hash is the hash the map
/// type's hasher computes, and its compare is the key type's equality.
pub(crate) trait SearchKey: Copy {
    /// The key's hash under `seed`.
    ///
    /// # Safety
    /// The key is a readable key of `typ`.
    unsafe fn hash(self, typ: &SwissMapType, seed: usize) -> usize;
    /// The first full slot of `g` whose control byte is `h2Hash` and whose key equals
    /// this one ([`groupReference::findKey`]).
    ///
    /// # Safety
    /// `g` is a live group of `typ`; the key is a readable key of `typ`.
    unsafe fn find(self, g: groupReference, typ: &SwissMapType, h2Hash: usize) -> Option<usize>;
}

/// A key by address, hashed and compared through the map type (`typ.Hasher`,
/// `typ.Key.Equal`): how Go's generic map code treats every key.
#[derive(Clone, Copy)]
pub(crate) struct GenericKey(pub *const u8);

impl SearchKey for GenericKey {
    #[inline(always)]
    unsafe fn hash(self, typ: &SwissMapType, seed: usize) -> usize {
        // SAFETY: a readable key of `typ` (caller).
        unsafe { typ.Hasher(self.0, seed) }
    }
    #[inline(always)]
    unsafe fn find(self, g: groupReference, typ: &SwissMapType, h2Hash: usize) -> Option<usize> {
        // SAFETY: forwarded (caller).
        unsafe { g.findKey(typ, h2Hash, self.0) }
    }
}

/// An array of groups (`groupsReference`).
///
/// Invariant (for a non-null `data`): `lengthMask + 1` is a power of two and `data` is an
/// allocation of `(lengthMask + 1) * group_size` bytes from the map type's allocator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct groupsReference {
    /// The first group.
    pub data: *mut u8,
    /// Number of groups minus one.
    pub lengthMask: u64,
}

impl groupsReference {
    /// Port of `groupsReference.group`: group `i`.
    ///
    /// # Safety
    /// `data` is live and `i <= lengthMask`.
    #[inline]
    pub unsafe fn group(self, typ: &SwissMapType, i: u64) -> groupReference {
        debug_assert!(i <= self.lengthMask);
        groupReference {
            // SAFETY: i is in range, so the offset is inside the array (caller).
            data: unsafe { self.data.add(i as usize * typ.GroupSize) },
        }
    }
}

/// Port of `newGroups`: `length` zeroed groups (a power of two) from the allocator.
/// The control words are left zero: callers set them (`reset`, `growToSmall`).
pub fn newGroups(typ: &SwissMapType, length: u64) -> groupsReference {
    debug_assert!(length.is_power_of_two());
    let size = (length as usize)
        .checked_mul(typ.GroupSize)
        .unwrap_or_else(|| {
            crate::runtime::types::raise(crate::runtime::types::RuntimeError::OutOfMemory)
        });
    groupsReference {
        // SAFETY: size > 0 (GroupSize >= 16, length >= 1); 8 is a power of two.
        data: unsafe { typ.alloc().alloc(size, 8) },
        lengthMask: length - 1,
    }
}

/// Port of `alignUpPow2`: the next power of two at or above `n` (0 for 0), and whether
/// that overflows.
pub fn alignUpPow2(n: u64) -> (u64, bool) {
    if n == 0 {
        return (0, false);
    }
    let bits = 64 - (n - 1).leading_zeros();
    if bits >= 64 {
        return (0, true);
    }
    (1u64 << bits, false)
}

/// Port of `cloneGroup` (go1.25): copies a group's bytes and deep-copies the objects of
/// indirect keys and elems.
///
/// gomap: the byte copy shares `old`'s objects until each is replaced by its copy. If an
/// allocation runs out of memory (it unwinds), the copies made so far are freed and every
/// control byte of `new` set to empty, so that whoever owns `new` frees nothing of `old`'s
/// (Go's collector would simply drop the half-made clone).
///
/// # Safety
/// Both are live groups of `typ`; `new` may be overwritten.
pub unsafe fn cloneGroup(typ: &SwissMapType, new: groupReference, old: groupReference) {
    // SAFETY: two distinct live groups of GroupSize bytes (caller).
    unsafe { core::ptr::copy_nonoverlapping(old.data, new.data, typ.GroupSize) };
    if !typ.IndirectKey() && !typ.IndirectElem() {
        return;
    }
    let undo = crate::base::guard::defer(|| {
        // Runs only if an allocation below unwinds. A slot of `new` whose pointer differs
        // from `old`'s holds a copy made here, owned by nobody else.
        for i in 0..MAP_GROUP_SLOTS {
            // SAFETY: slot i of both live groups holds a pointer (indirect key / elem);
            // the copies came from newobject_key / newobject_elem with these layouts.
            unsafe {
                if typ.IndirectKey() {
                    let k = *(new.key(typ, i) as *mut *mut u8);
                    if k != *(old.key(typ, i) as *mut *mut u8) {
                        typ.alloc()
                            .dealloc(k, typ.key().size.max(1), typ.key().align as usize);
                    }
                }
                if typ.IndirectElem() {
                    let e = *(new.elem(typ, i) as *mut *mut u8);
                    if e != *(old.elem(typ, i) as *mut *mut u8) {
                        typ.alloc()
                            .dealloc(e, typ.elem().size.max(1), typ.elem().align as usize);
                    }
                }
            }
        }
        // SAFETY: `new` is a live group.
        unsafe { new.set_empty() };
    });
    if typ.IndirectKey() {
        for i in 0..MAP_GROUP_SLOTS {
            // SAFETY: slot i of live groups holds a pointer (indirect key).
            unsafe {
                let old_key = *(old.key(typ, i) as *mut *mut u8);
                if old_key.is_null() {
                    continue;
                }
                let new_key = typ.newobject_key();
                core::ptr::copy_nonoverlapping(old_key, new_key, typ.key().size);
                *(new.key(typ, i) as *mut *mut u8) = new_key;
            }
        }
    }
    if typ.IndirectElem() {
        for i in 0..MAP_GROUP_SLOTS {
            // SAFETY: as above, for elems.
            unsafe {
                let old_elem = *(old.elem(typ, i) as *mut *mut u8);
                if old_elem.is_null() {
                    continue;
                }
                let new_elem = typ.newobject_elem();
                core::ptr::copy_nonoverlapping(old_elem, new_elem, typ.elem().size);
                *(new.elem(typ, i) as *mut *mut u8) = new_elem;
            }
        }
    }
    undo.disarm();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_functions() {
        // slots: 0 empty, 1 deleted, 2 full 0x12, 3 full 0x34, rest empty
        let mut w = BITSET_EMPTY;
        w = (w & !(0xff << 8)) | (CTRL_DELETED as u64) << 8;
        w = (w & !(0xff << 16)) | 0x12 << 16;
        w = (w & !(0xff << 24)) | 0x34 << 24;
        let g = ctrlGroup(w);
        assert_eq!(g.matchH2(0x12).first(), 2);
        assert_eq!(g.matchH2(0x34).first(), 3);
        assert!(g.matchH2(0x56).is_empty());
        assert_eq!(g.matchEmpty().first(), 0);
        assert_eq!(g.matchEmpty().count(), 5);
        assert_eq!(g.matchEmptyOrDeleted().count(), 6);
        assert_eq!(g.matchFull().count(), 2);
        assert_eq!(g.matchFull().first(), 2);
        assert_eq!(g.matchFull().removeBelow(3).first(), 3);
        assert!(g.anyFull());
        assert!(!ctrlGroup(BITSET_EMPTY).anyFull());
    }

    /// The slots of a bitset, whatever its representation.
    fn slots(mut b: bitset) -> Vec<usize> {
        let mut v = Vec::new();
        while !b.is_empty() {
            v.push(b.first());
            b = b.removeFirst();
        }
        v
    }

    /// Go's portable formulas, over the bytes (`0x80` per slot in the set): what the
    /// matches of every target must agree with, slot for slot.
    fn portable(w: u64) -> [Vec<usize>; 3] {
        let msb = |x: u64| {
            (0..8)
                .filter(|i| x >> (8 * i + 7) & 1 != 0)
                .collect::<Vec<_>>()
        };
        [
            msb((w & !(w << 6)) & BITSET_MSB), // empty
            msb(w & BITSET_MSB),               // empty or deleted
            msb(!w & BITSET_MSB),              // full
        ]
    }

    #[test]
    fn matches_agree_with_the_portable_form() {
        // Control words of valid bytes only (empty, deleted, or a 7-bit H2), from a
        // fixed xorshift sequence, weighted towards empty and deleted slots.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut w = 0u64;
            for i in 0..8 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let c = match x % 4 {
                    0 => CTRL_EMPTY,
                    1 => CTRL_DELETED,
                    _ => (x >> 8) as u8 & 0x7f,
                };
                w |= (c as u64) << (8 * i);
            }
            let g = ctrlGroup(w);
            let [empty, empty_or_deleted, full] = portable(w);
            assert_eq!(slots(g.matchEmpty()), empty, "{g:?}");
            assert_eq!(slots(g.matchEmptyOrDeleted()), empty_or_deleted, "{g:?}");
            assert_eq!(slots(g.matchFull()), full, "{g:?}");
            for h in [0usize, 1, (x >> 20) as usize & 0x7f, 0x7f] {
                // Every real match is found; a reported slot that is not one can only
                // be a portable false positive, on a full slot.
                let exact: Vec<usize> = (0..8).filter(|&i| g.get(i) as usize == h).collect();
                let got = slots(g.matchH2(h));
                assert!(exact.iter().all(|i| got.contains(i)), "{g:?} h2 {h:#x}");
                assert!(got.iter().all(|&i| g.get(i) & 0x80 == 0), "{g:?} h2 {h:#x}");
                if cfg!(target_arch = "x86_64") {
                    assert_eq!(got, exact, "{g:?} h2 {h:#x}");
                }
            }
            // The walk of the small-map lookups: lowestSet and shiftOutLowest.
            let mut f = g.matchFull();
            let walked: Vec<usize> = (0..8)
                .filter(|_| {
                    let set = f.lowestSet();
                    f = f.shiftOutLowest();
                    set
                })
                .collect();
            assert_eq!(walked, full);
            for i in 0..8 {
                let above: Vec<usize> = full.iter().copied().filter(|&j| j >= i).collect();
                assert_eq!(slots(g.matchFull().removeBelow(i)), above);
            }
            assert_eq!(g.matchFull().count(), full.len());
        }
    }

    #[test]
    fn align_up_pow2() {
        assert_eq!(alignUpPow2(0), (0, false));
        assert_eq!(alignUpPow2(1), (1, false));
        assert_eq!(alignUpPow2(9), (16, false));
        assert_eq!(alignUpPow2(1 << 63), (1 << 63, false));
        assert_eq!(alignUpPow2((1 << 63) + 1), (0, true));
    }
}
