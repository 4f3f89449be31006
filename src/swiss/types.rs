//! The Swiss map type descriptor (`abi.SwissMapType` of Go 1.24, `abi.MapType` from
//! Go 1.26) built from the crate's [`MapType`], and the engine's Go release.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::fmt;

use super::group::MAP_GROUP_SLOTS;
use crate::base::malloc::Allocator;
use crate::maptype::{MapFast, MapType, Type};

/// The Go release whose Swiss map the engine reproduces. The differences that leave
/// different bytes:
///
/// * 1.24: no tombstone pruning and no `tombstonePossible`; `Clear` returns early on a
///   map without entries and clears every group of a table; `maps.Clone` builds a new
///   map by iteration and insertion (`runtime.mapclone2`).
/// * 1.25: `pruneTombstones` before a table grows (`table.PutSlot` and the fast paths,
///   not the generic `runtime_mapassign`); `tombstonePossible`; `table.Clear` skips an
///   empty table and zeroes only groups with a full slot; native `Map.Clone`.
/// * 1.26: `table.Clear` zeroes every group unless fewer than a quarter of the groups
///   can hold entries or slots exceed 32 bytes.
/// * 1.27: a small map grows to a table only when its group has no free slot (1.24 to
///   1.26 grow it whenever it holds 8 entries, even to overwrite one); the compiler
///   generates the hash of a struct or array key from the type's signature
///   (`reflectdata.eqSignature`: memory merged across nested structs and array elements,
///   runs of 4 and 8 bytes through `memhash32`/`memhash64`), so such keys hash otherwise
///   (`genalg::genhash_go127`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SwissRelease {
    /// Go 1.24 (Swiss maps by default, `GOEXPERIMENT=noswissmap` for the classic map).
    Go1_24,
    /// Go 1.25.
    Go1_25,
    /// Go 1.26.
    Go1_26,
    /// Go 1.27.
    Go1_27,
}

impl SwissRelease {
    /// Every release, oldest first.
    pub const ALL: [SwissRelease; 4] = [
        SwissRelease::Go1_24,
        SwissRelease::Go1_25,
        SwissRelease::Go1_26,
        SwissRelease::Go1_27,
    ];

    /// The release named `1.24` ... `1.27`.
    pub fn parse(s: &str) -> Option<SwissRelease> {
        Some(match s {
            "1.24" => SwissRelease::Go1_24,
            "1.25" => SwissRelease::Go1_25,
            "1.26" => SwissRelease::Go1_26,
            "1.27" => SwissRelease::Go1_27,
            _ => return None,
        })
    }

    /// `1.24` ... `1.27`.
    pub fn name(self) -> &'static str {
        match self {
            SwissRelease::Go1_24 => "1.24",
            SwissRelease::Go1_25 => "1.25",
            SwissRelease::Go1_26 => "1.26",
            SwissRelease::Go1_27 => "1.27",
        }
    }

    /// Whether the release prunes tombstones and keeps `tombstonePossible` (1.25+).
    pub fn has_tombstone_pruning(self) -> bool {
        self >= SwissRelease::Go1_25
    }
}

impl fmt::Display for SwissRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `abi.MapNeedKeyUpdate`: overwriting an entry also overwrites its key.
pub const MAP_NEED_KEY_UPDATE: u32 = 1;
/// `abi.MapHashMightPanic`.
pub const MAP_HASH_MIGHT_PANIC: u32 = 2;
/// `abi.MapIndirectKey`: key slots hold a pointer to the key.
pub const MAP_INDIRECT_KEY: u32 = 4;
/// `abi.MapIndirectElem`: elem slots hold a pointer to the elem.
pub const MAP_INDIRECT_ELEM: u32 = 8;

/// Keys and elems larger than this are stored indirectly (`abi.MapMaxKeyBytes`).
pub const MAP_MAX_KEY_BYTES: usize = 128;
/// See [`MAP_MAX_KEY_BYTES`] (`abi.MapMaxElemBytes`).
pub const MAP_MAX_ELEM_BYTES: usize = 128;

/// Port of Go's Swiss `abi.MapType` for the interleaved group layout (the default; Go
/// 1.27's `GOEXPERIMENT=mapsplitgroup` is not reproduced).
///
/// Invariants (established by [`SwissMapType::new`]): the group is laid out as Go's
/// compiler lays out `struct { ctrl uint64; slots [8]struct{ key K'; elem E' } }`
/// (`reflectdata.MapGroupType`), where K' is K or `*K` when K is over 128 bytes (E'
/// likewise): `KeysOff == 8`; `ElemOff` is the key slot size rounded up to the elem's
/// alignment; `SlotSize` is the slot struct's size (one byte of padding added when
/// it ends in a zero-size elem and is not empty, then rounded up to its alignment);
/// `GroupSize == 8 + 8 * SlotSize`, or 16 when the slots are empty.
#[derive(Clone, Copy)]
pub struct SwissMapType {
    /// The key and elem types, hasher, equal and allocator.
    pub mt: MapType,
    /// The release whose code runs.
    pub release: SwissRelease,
    /// Size of a group (`GroupSize`).
    pub GroupSize: usize,
    /// Size of a key/elem slot (`SlotSize`, `KeyStride` from 1.27).
    pub SlotSize: usize,
    /// Offset of the elem within a slot (`ElemOff`).
    pub ElemOff: usize,
    /// Offset of slot 0 in a group (`KeysOff` of 1.27; 8 before).
    pub KeysOff: usize,
    /// Go's flag bits: [`MAP_NEED_KEY_UPDATE`], [`MAP_HASH_MIGHT_PANIC`],
    /// [`MAP_INDIRECT_KEY`], [`MAP_INDIRECT_ELEM`].
    pub Flags: u32,
    /// Size of a key slot: the key's size, or 8 when indirect.
    pub keysize: usize,
    /// Size of an elem slot: the elem's size, or 8 when indirect.
    pub elemsize: usize,
}

impl fmt::Debug for SwissMapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwissMapType")
            .field("release", &self.release)
            .field("key", &self.mt.key)
            .field("elem", &self.mt.elem)
            .field("GroupSize", &self.GroupSize)
            .field("SlotSize", &self.SlotSize)
            .field("ElemOff", &self.ElemOff)
            .field("Flags", &self.Flags)
            .finish()
    }
}

fn align_up(n: usize, a: usize) -> usize {
    (n + a - 1) & !(a - 1)
}

impl SwissMapType {
    /// The Swiss descriptor of the map type `mt` describes, for `release`: the same key
    /// and elem types, hasher, equal, fast-path family and allocator, with the group
    /// layout and flag bits Go's compiler gives the map type.
    pub fn new(mt: &MapType, release: SwissRelease) -> SwissMapType {
        let ik = mt.key.size > MAP_MAX_KEY_BYTES;
        let ie = mt.elem.size > MAP_MAX_ELEM_BYTES;
        let (ksize, kalign) = if ik {
            (8, 8)
        } else {
            (mt.key.size, mt.key.align as usize)
        };
        let (esize, ealign) = if ie {
            (8, 8)
        } else {
            (mt.elem.size, mt.elem.align as usize)
        };
        let elem_off = align_up(ksize, ealign);
        let mut slot = elem_off + esize;
        let slot_align = kalign.max(ealign);
        // types.CalcSize: a non-empty struct ending in a zero-size field gets a byte of
        // padding, so that the field's address cannot point past the object.
        if slot > 0 && esize == 0 {
            slot += 1;
        }
        let slot = align_up(slot, slot_align);
        let mut group = 8 + MAP_GROUP_SLOTS * slot;
        if slot == 0 {
            // The group struct ends in the zero-size slot array.
            group = align_up(group + 1, 8);
        }
        let mut flags = 0;
        if mt.needkeyupdate() {
            flags |= MAP_NEED_KEY_UPDATE;
        }
        if mt.hashMightPanic() {
            flags |= MAP_HASH_MIGHT_PANIC;
        }
        if ik {
            flags |= MAP_INDIRECT_KEY;
        }
        if ie {
            flags |= MAP_INDIRECT_ELEM;
        }
        // Go 1.24+'s hash functions (for this crate's own hashers): the fallback hash
        // keyed by `hashkey` (1.23+) and NaN hashes drawn from ChaCha8's rand(); from
        // 1.27 on, the compiler's generated hashes follow type signatures.
        let mut mt = mt.with_release(crate::maptype::release::GoRelease::Go1_24NoSwiss);
        mt.hasher =
            crate::maptype::genalg::swiss_hasher(mt.hasher, release >= SwissRelease::Go1_27);
        SwissMapType {
            mt,
            release,
            GroupSize: group,
            SlotSize: slot,
            ElemOff: elem_off,
            KeysOff: 8,
            Flags: flags,
            keysize: ksize,
            elemsize: esize,
        }
    }

    /// Go's `IndirectKey()`.
    #[inline]
    pub fn IndirectKey(&self) -> bool {
        self.Flags & MAP_INDIRECT_KEY != 0
    }
    /// Go's `IndirectElem()`.
    #[inline]
    pub fn IndirectElem(&self) -> bool {
        self.Flags & MAP_INDIRECT_ELEM != 0
    }
    /// Go's `NeedKeyUpdate()`.
    #[inline]
    pub fn NeedKeyUpdate(&self) -> bool {
        self.Flags & MAP_NEED_KEY_UPDATE != 0
    }
    /// Go's `HashMightPanic()`.
    #[inline]
    pub fn HashMightPanic(&self) -> bool {
        self.Flags & MAP_HASH_MIGHT_PANIC != 0
    }
    /// The key type (`typ.Key`).
    #[inline]
    pub fn key(&self) -> &Type {
        &self.mt.key
    }
    /// The elem type (`typ.Elem`).
    #[inline]
    pub fn elem(&self) -> &Type {
        &self.mt.elem
    }
    /// The allocator behind groups, tables, directories and indirect objects.
    #[inline]
    pub fn alloc(&self) -> &Allocator {
        &self.mt.alloc
    }
    /// The runtime family Go's compiler routes this map type through.
    #[inline]
    pub fn fast(&self) -> MapFast {
        self.mt.fast
    }

    /// `typ.Hasher(key, seed)`.
    ///
    /// # Safety
    /// `key` points at a readable key of this type.
    #[inline]
    pub unsafe fn Hasher(&self, key: *const u8, seed: usize) -> usize {
        // SAFETY: forwarded.
        unsafe { self.mt.hash(key, seed) }
    }

    /// `typ.Key.Equal(a, b)`.
    ///
    /// # Safety
    /// `a` and `b` point at readable keys of this type.
    #[inline]
    pub unsafe fn KeyEqual(&self, a: *const u8, b: *const u8) -> bool {
        // SAFETY: forwarded.
        unsafe { self.mt.key_equal(a, b) }
    }

    /// Go's `newobject(typ.Key)`: zeroed memory for an indirect key.
    pub fn newobject_key(&self) -> *mut u8 {
        newobject(self, self.mt.key.size, self.mt.key.align)
    }
    /// Go's `newobject(typ.Elem)`: zeroed memory for an indirect elem.
    pub fn newobject_elem(&self) -> *mut u8 {
        newobject(self, self.mt.elem.size, self.mt.elem.align)
    }
}

/// Zeroed memory for one object (over 128 bytes, so never of size 0).
fn newobject(t: &SwissMapType, size: usize, align: u8) -> *mut u8 {
    // SAFETY: indirect objects are over 128 bytes; alignments are powers of two.
    unsafe { t.alloc().alloc(size.max(1), align as usize) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maptype::GoKind;

    fn layout(k: GoKind, e: GoKind) -> (usize, usize, usize, u32) {
        let t = SwissMapType::new(&MapType::for_go_types(k, e).unwrap(), SwissRelease::Go1_27);
        (t.SlotSize, t.ElemOff, t.GroupSize, t.Flags)
    }

    #[test]
    fn group_layout_is_the_compilers() {
        assert_eq!(layout(GoKind::Int64, GoKind::Int64), (16, 8, 136, 0));
        assert_eq!(layout(GoKind::Int32, GoKind::Int32), (8, 4, 72, 0));
        assert_eq!(layout(GoKind::Int32, GoKind::Int64), (16, 8, 136, 0));
        assert_eq!(layout(GoKind::String, GoKind::Int64), (24, 16, 200, 1));
        // A zero-size elem ends the slot struct: one byte of padding, then alignment.
        assert_eq!(layout(GoKind::Int64, GoKind::EmptyStruct), (16, 8, 136, 0));
        assert_eq!(layout(GoKind::Bytes(3), GoKind::EmptyStruct), (4, 3, 40, 0));
        assert_eq!(layout(GoKind::Bytes(3), GoKind::Int64), (16, 8, 136, 0));
        assert_eq!(layout(GoKind::Float64, GoKind::Int32), (16, 8, 136, 1));
        assert_eq!(
            layout(GoKind::Bytes(129), GoKind::Bytes(200)),
            (16, 8, 136, 12)
        );
    }
}
