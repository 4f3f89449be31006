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
/// * 1.27-mapsplitgroup: Go 1.27 built with `GOEXPERIMENT=mapsplitgroup`. Its code is
///   1.27's, but a group holds its 8 keys, then its 8 elems (`KKKKKKKKVVVVVVVV`) instead
///   of 8 interleaved key/elem slots (see [`SwissMapType`]); `table.Clear` weighs a
///   slot as `KeyStride + ElemStride` bytes.
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
    /// Go 1.27 with `GOEXPERIMENT=mapsplitgroup`: the split group layout. Ordered after
    /// [`SwissRelease::Go1_27`], so that `>= Go1_27` holds for it as for 1.27.
    Go1_27SplitGroup,
}

impl SwissRelease {
    /// Every release, oldest first.
    pub const ALL: [SwissRelease; 5] = [
        SwissRelease::Go1_24,
        SwissRelease::Go1_25,
        SwissRelease::Go1_26,
        SwissRelease::Go1_27,
        SwissRelease::Go1_27SplitGroup,
    ];

    /// The release named `1.24` ... `1.27` or `1.27-mapsplitgroup`.
    pub fn parse(s: &str) -> Option<SwissRelease> {
        Some(match s {
            "1.24" => SwissRelease::Go1_24,
            "1.25" => SwissRelease::Go1_25,
            "1.26" => SwissRelease::Go1_26,
            "1.27" => SwissRelease::Go1_27,
            "1.27-mapsplitgroup" => SwissRelease::Go1_27SplitGroup,
            _ => return None,
        })
    }

    /// `1.24` ... `1.27`, `1.27-mapsplitgroup`.
    pub fn name(self) -> &'static str {
        match self {
            SwissRelease::Go1_24 => "1.24",
            SwissRelease::Go1_25 => "1.25",
            SwissRelease::Go1_26 => "1.26",
            SwissRelease::Go1_27 => "1.27",
            SwissRelease::Go1_27SplitGroup => "1.27-mapsplitgroup",
        }
    }

    /// The Go version without the experiment (`1.27` for `1.27-mapsplitgroup`): the
    /// toolchain that builds the release's oracle.
    pub fn version(self) -> &'static str {
        self.name().split('-').next().unwrap_or("")
    }

    /// The `GOEXPERIMENT` the release's toolchain is built with, if any.
    pub fn goexperiment(self) -> Option<&'static str> {
        match self {
            SwissRelease::Go1_27SplitGroup => Some("mapsplitgroup"),
            _ => None,
        }
    }

    /// Whether groups keep their keys and elems in two arrays (`KKKKKKKKVVVVVVVV`,
    /// Go's `goexperiment.MapSplitGroup`) rather than interleaved slots.
    pub fn split_group(self) -> bool {
        self == SwissRelease::Go1_27SplitGroup
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

/// Port of Go's Swiss `abi.MapType`, for both group layouts of Go 1.27.
///
/// A group is laid out as Go's compiler lays out (`reflectdata.MapGroupType`), where K'
/// is K, or `*K` when K is over 128 bytes (E' likewise):
///
/// ```text
/// interleaved (default):   struct { ctrl uint64; slots [8]struct{ key K'; elem E' } }
///   | ctrl | K' pad E' pad | K' pad E' pad | ... 8 slots ... |
/// split (mapsplitgroup):   struct { ctrl uint64; keys [8]K'; elems [8]E' }
///   | ctrl | K' K' K' K' K' K' K' K' | pad | E' E' E' E' E' E' E' E' | pad |
/// ```
///
/// Key `i` is at `KeysOff + i * KeyStride` and elem `i` at `ElemsOff + i * ElemStride`
/// in both ([`groupReference::key`](super::group::groupReference::key) and
/// [`elem`](super::group::groupReference::elem), the one place slots are located).
///
/// Invariants (established by [`SwissMapType::new`]): `KeysOff == 8`. Interleaved:
/// `ElemOff` is the key slot size rounded up to the elem's alignment; `SlotSize` is the
/// slot struct's size (one byte of padding added when it ends in a zero-size elem and is
/// not empty, then rounded up to its alignment); `KeyStride == ElemStride == SlotSize`,
/// `ElemsOff == KeysOff + ElemOff`; `GroupSize == 8 + 8 * SlotSize`, or 16 when the
/// slots are empty. Split: `KeyStride` and `ElemStride` are the key and elem slot sizes;
/// `ElemsOff` is `8 + 8 * KeyStride` rounded up to the elem's alignment; `GroupSize` is
/// `ElemsOff + 8 * ElemStride`, plus one byte when the elems are of size 0, rounded up to
/// 8; `SlotSize == ElemOff == 0` (Go's `ElemOff` is 0 there too).
#[derive(Clone, Copy)]
pub struct SwissMapType {
    /// The key and elem types, hasher, equal and allocator.
    pub(crate) mt: MapType,
    /// The release whose code runs.
    pub(crate) release: SwissRelease,
    /// Size of a group (`GroupSize`).
    pub(crate) GroupSize: usize,
    /// Size of a key/elem slot (Go's `SlotSize` before 1.27, the interleaved layout's
    /// `KeyStride` from 1.27); 0 in the split layout, which has no slot struct.
    pub(crate) SlotSize: usize,
    /// Offset of the elem within a slot (`ElemOff`); 0 in the split layout.
    pub(crate) ElemOff: usize,
    /// Offset of key 0 in a group (`KeysOff` of 1.27; 8 before).
    pub(crate) KeysOff: usize,
    /// Distance between consecutive keys (`KeyStride` of 1.27): the slot size when
    /// interleaved, the key slot size when split.
    pub(crate) KeyStride: usize,
    /// Offset of elem 0 in a group (`ElemsOff` of 1.27).
    pub(crate) ElemsOff: usize,
    /// Distance between consecutive elems (`ElemStride` of 1.27): the slot size when
    /// interleaved, the elem slot size when split.
    pub(crate) ElemStride: usize,
    /// Go's flag bits: [`MAP_NEED_KEY_UPDATE`], [`MAP_HASH_MIGHT_PANIC`],
    /// [`MAP_INDIRECT_KEY`], [`MAP_INDIRECT_ELEM`].
    pub(crate) Flags: u32,
    /// Size of a key slot: the key's size, or 8 when indirect.
    pub(crate) keysize: usize,
    /// Size of an elem slot: the elem's size, or 8 when indirect.
    pub(crate) elemsize: usize,
}

/// A map type's fields cannot be set by safe code; only `SwissMapType::new` makes them:
///
/// ```compile_fail
/// let mut t = gomap::swiss::SwissMapType::new(
///     &gomap::maptype::MapType::int64(),
///     gomap::swiss::SwissRelease::Go1_27,
/// );
/// t.GroupSize = 8; // a safe makemap would then write past its groups
/// ```
/// Read access to the layout (the fields are the crate's: a safe `makemap` trusts them,
/// so only [`SwissMapType::new`] makes them, as the classic [`MapType`]'s).
#[allow(non_snake_case)]
impl SwissMapType {
    /// The key and elem types, hasher, equal and allocator.
    #[inline]
    pub fn mt(&self) -> &MapType {
        &self.mt
    }

    /// The release whose code runs.
    #[inline]
    pub fn release(&self) -> SwissRelease {
        self.release
    }

    /// Size of a group.
    #[inline]
    pub fn GroupSize(&self) -> usize {
        self.GroupSize
    }

    /// Size of a key/elem slot; 0 in the split layout.
    #[inline]
    pub fn SlotSize(&self) -> usize {
        self.SlotSize
    }

    /// Offset of the elem within a slot; 0 in the split layout.
    #[inline]
    pub fn ElemOff(&self) -> usize {
        self.ElemOff
    }

    /// Offset of key 0 in a group.
    #[inline]
    pub fn KeysOff(&self) -> usize {
        self.KeysOff
    }

    /// Distance between consecutive keys.
    #[inline]
    pub fn KeyStride(&self) -> usize {
        self.KeyStride
    }

    /// Offset of elem 0 in a group.
    #[inline]
    pub fn ElemsOff(&self) -> usize {
        self.ElemsOff
    }

    /// Distance between consecutive elems.
    #[inline]
    pub fn ElemStride(&self) -> usize {
        self.ElemStride
    }

    /// Go's flag bits.
    #[inline]
    pub fn Flags(&self) -> u32 {
        self.Flags
    }

    /// Size of a key slot: the key's size, or 8 when indirect.
    #[inline]
    pub fn keysize(&self) -> usize {
        self.keysize
    }

    /// Size of an elem slot: the elem's size, or 8 when indirect.
    #[inline]
    pub fn elemsize(&self) -> usize {
        self.elemsize
    }
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
            .field("KeysOff", &self.KeysOff)
            .field("KeyStride", &self.KeyStride)
            .field("ElemsOff", &self.ElemsOff)
            .field("ElemStride", &self.ElemStride)
            .field("Flags", &self.Flags)
            .finish()
    }
}

fn align_up(n: usize, a: usize) -> usize {
    (n + a - 1) & !(a - 1)
}

/// The offsets and strides of a group, as Go's `types.CalcSize` lays out the group
/// struct (see [`SwissMapType`]).
struct GroupLayout {
    group_size: usize,
    slot_size: usize,
    elem_off: usize,
    keys_off: usize,
    key_stride: usize,
    elems_off: usize,
    elem_stride: usize,
}

/// The control word, before the keys or slots.
const CTRL_SIZE: usize = 8;

impl GroupLayout {
    /// `struct { ctrl uint64; slots [8]struct{ key K'; elem E' } }`: key slots of
    /// `ksize` bytes aligned to `kalign`, elem slots likewise.
    fn interleaved(ksize: usize, kalign: usize, esize: usize, ealign: usize) -> GroupLayout {
        let elem_off = align_up(ksize, ealign);
        let mut slot = elem_off + esize;
        let slot_align = kalign.max(ealign);
        // types.CalcSize: a non-empty struct ending in a zero-size field gets a byte of
        // padding, so that the field's address cannot point past the object.
        if slot > 0 && esize == 0 {
            slot += 1;
        }
        let slot = align_up(slot, slot_align);
        let mut group = CTRL_SIZE + MAP_GROUP_SLOTS * slot;
        if slot == 0 {
            // The group struct ends in the zero-size slot array.
            group = align_up(group + 1, 8);
        }
        GroupLayout {
            group_size: group,
            slot_size: slot,
            elem_off,
            keys_off: CTRL_SIZE,
            key_stride: slot,
            elems_off: CTRL_SIZE + elem_off,
            elem_stride: slot,
        }
    }

    /// `struct { ctrl uint64; keys [8]K'; elems [8]E' }` (`GOEXPERIMENT=mapsplitgroup`):
    /// the keys right after the control word (their alignment is at most 8), the elems
    /// at the next multiple of their alignment.
    fn split(ksize: usize, esize: usize, ealign: usize) -> GroupLayout {
        let keys_off = CTRL_SIZE;
        let elems_off = align_up(keys_off + MAP_GROUP_SLOTS * ksize, ealign);
        let mut group = elems_off + MAP_GROUP_SLOTS * esize;
        // The struct ends in the elem array: when that has size 0, the byte of padding
        // types.CalcSize adds (see `interleaved`). The control word makes it 8-aligned.
        if esize == 0 {
            group += 1;
        }
        GroupLayout {
            group_size: align_up(group, 8),
            slot_size: 0,
            elem_off: 0,
            keys_off,
            key_stride: ksize,
            elems_off,
            elem_stride: esize,
        }
    }
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
        let layout = if release.split_group() {
            GroupLayout::split(ksize, esize, ealign)
        } else {
            GroupLayout::interleaved(ksize, kalign, esize, ealign)
        };
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
            GroupSize: layout.group_size,
            SlotSize: layout.slot_size,
            ElemOff: layout.elem_off,
            KeysOff: layout.keys_off,
            KeyStride: layout.key_stride,
            ElemsOff: layout.elems_off,
            ElemStride: layout.elem_stride,
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

    /// [`SwissMapType::Hasher`] with the hashes of the fast32, fast64 and faststr families
    /// inline instead of through the function pointer (the same function, as the fast
    /// paths call it): for loops that rehash every entry of a table (`grow`, `split`,
    /// `growToTable`), where the call was a fifth of a moved entry's instructions.
    /// (`FastKey::hash` is the one-family form the fast paths use, their family known.)
    ///
    /// # Safety
    /// `key` points at a readable key of this type (for a string, its bytes readable too).
    #[inline(always)]
    pub(crate) unsafe fn hashKey(&self, key: *const u8, seed: usize) -> usize {
        use crate::maptype::{alg, GoString, HashAlg};
        let go123 = self.mt.release().hash64_uses_hashkey();
        // SAFETY: `hash_alg` names the very hasher of this type, checked when the type was
        // built, and its key size (4 bytes for Mem32, 8 for Mem64, a string header for
        // Str); `key` is readable (caller).
        unsafe {
            match self.mt.hash_alg {
                HashAlg::Mem64 => alg::memhash64_rel(key, seed, go123),
                HashAlg::Mem32 => alg::memhash32_rel(key, seed, go123),
                HashAlg::Str => {
                    let s = (key as *const GoString).read_unaligned();
                    alg::memhash_rel(s.ptr, seed, s.len, go123)
                }
                _ => self.mt.hash(key, seed),
            }
        }
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

    /// The inline hashes of `hashKey` are the type's hasher, for every release and for
    /// key kinds inside and outside the fast families (with the AES hash of this machine;
    /// `tests/swiss_fallback_hash.rs` grows and splits tables with the portable one).
    #[test]
    fn hash_key_is_the_hasher() {
        use crate::maptype::GoString;
        let text = b"the quick brown fox jumps over the lazy dog";
        for r in SwissRelease::ALL {
            for k in [
                GoKind::Int32,
                GoKind::Uint32,
                GoKind::Int64,
                GoKind::Pointer,
                GoKind::String,
                GoKind::Float64,
                GoKind::Int16,
                GoKind::Bytes(24),
            ] {
                let t = SwissMapType::new(&MapType::for_go_types(k, GoKind::Int64).unwrap(), r);
                for (i, seed) in [0usize, 1, 0x9e37_79b9_7f4a_7c15, usize::MAX]
                    .into_iter()
                    .enumerate()
                {
                    for n in 0..text.len() {
                        let mut key = [0u8; 24];
                        if k == GoKind::String {
                            let s = GoString {
                                ptr: text.as_ptr(),
                                len: n,
                            };
                            // SAFETY: a string header over live bytes, in a 16-byte slot.
                            unsafe { (key.as_mut_ptr() as *mut GoString).write_unaligned(s) };
                        } else {
                            key[..].copy_from_slice(&text[n.min(text.len() - 24)..][..24]);
                            key[0] ^= i as u8;
                        }
                        // SAFETY: `key` holds a key of `t` (at most 24 bytes).
                        let (a, b) = unsafe {
                            (t.hashKey(key.as_ptr(), seed), t.Hasher(key.as_ptr(), seed))
                        };
                        assert_eq!(a, b, "{r} {k:?} seed {seed:#x} n {n}");
                    }
                }
            }
        }
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

    /// `[KeysOff, KeyStride, ElemsOff, ElemStride, ElemOff, GroupSize, Flags]` of the map
    /// type Go 1.27.3's compiler writes for `map[K]E` (read from `abi.MapType` of
    /// `map[K]E(nil)` through an interface), built with `GOEXPERIMENT=mapsplitgroup`
    /// (`SPLIT`) and without (`INTERLEAVED`). `bN` is `[N]byte`, `e0` `struct{}`.
    type Row = (GoKind, GoKind, [usize; 7]);
    const SPLIT: &[Row] = &[
        (GoKind::Int64, GoKind::Int64, [8, 8, 72, 8, 0, 136, 0]),
        (GoKind::Int32, GoKind::Int32, [8, 4, 40, 4, 0, 72, 0]),
        (GoKind::Int32, GoKind::Int64, [8, 4, 40, 8, 0, 104, 0]),
        (GoKind::Int32, GoKind::EmptyStruct, [8, 4, 40, 0, 0, 48, 0]),
        (GoKind::String, GoKind::Int64, [8, 16, 136, 8, 0, 200, 1]),
        (
            GoKind::String,
            GoKind::EmptyStruct,
            [8, 16, 136, 0, 0, 144, 1],
        ),
        (GoKind::Int64, GoKind::EmptyStruct, [8, 8, 72, 0, 0, 80, 0]),
        (
            GoKind::Bytes(3),
            GoKind::EmptyStruct,
            [8, 3, 32, 0, 0, 40, 0],
        ),
        (GoKind::Bytes(3), GoKind::Int64, [8, 3, 32, 8, 0, 96, 0]),
        (GoKind::Float64, GoKind::Int32, [8, 8, 72, 4, 0, 104, 1]),
        (
            GoKind::Bytes(16),
            GoKind::Bytes(8),
            [8, 16, 136, 8, 0, 200, 0],
        ),
        (GoKind::Bytes(130), GoKind::Int64, [8, 8, 72, 8, 0, 136, 4]),
        (GoKind::Int64, GoKind::Bytes(200), [8, 8, 72, 8, 0, 136, 8]),
        (
            GoKind::Bytes(129),
            GoKind::Bytes(200),
            [8, 8, 72, 8, 0, 136, 12],
        ),
        (
            GoKind::EmptyStruct,
            GoKind::EmptyStruct,
            [8, 0, 8, 0, 0, 16, 0],
        ),
        (GoKind::EmptyStruct, GoKind::Int64, [8, 0, 8, 8, 0, 72, 0]),
        (GoKind::Bytes(1), GoKind::Int64, [8, 1, 16, 8, 0, 80, 0]),
        (GoKind::Bytes(5), GoKind::Int32, [8, 5, 48, 4, 0, 80, 0]),
        (
            GoKind::Bytes(32),
            GoKind::EmptyStruct,
            [8, 32, 264, 0, 0, 272, 0],
        ),
        (
            GoKind::Bytes(128),
            GoKind::Bytes(128),
            [8, 128, 1032, 128, 0, 2056, 0],
        ),
        (GoKind::Int64, GoKind::Bytes(1), [8, 8, 72, 1, 0, 80, 0]),
    ];
    const INTERLEAVED: &[Row] = &[
        (GoKind::Int64, GoKind::Int64, [8, 16, 16, 16, 8, 136, 0]),
        (GoKind::Int32, GoKind::Int32, [8, 8, 12, 8, 4, 72, 0]),
        (GoKind::Int32, GoKind::Int64, [8, 16, 16, 16, 8, 136, 0]),
        (GoKind::Int32, GoKind::EmptyStruct, [8, 8, 12, 8, 4, 72, 0]),
        (GoKind::String, GoKind::Int64, [8, 24, 24, 24, 16, 200, 1]),
        (
            GoKind::String,
            GoKind::EmptyStruct,
            [8, 24, 24, 24, 16, 200, 1],
        ),
        (
            GoKind::Int64,
            GoKind::EmptyStruct,
            [8, 16, 16, 16, 8, 136, 0],
        ),
        (
            GoKind::Bytes(3),
            GoKind::EmptyStruct,
            [8, 4, 11, 4, 3, 40, 0],
        ),
        (GoKind::Bytes(3), GoKind::Int64, [8, 16, 16, 16, 8, 136, 0]),
        (GoKind::Float64, GoKind::Int32, [8, 16, 16, 16, 8, 136, 1]),
        (
            GoKind::Bytes(16),
            GoKind::Bytes(8),
            [8, 24, 24, 24, 16, 200, 0],
        ),
        (
            GoKind::Bytes(130),
            GoKind::Int64,
            [8, 16, 16, 16, 8, 136, 4],
        ),
        (
            GoKind::Int64,
            GoKind::Bytes(200),
            [8, 16, 16, 16, 8, 136, 8],
        ),
        (
            GoKind::Bytes(129),
            GoKind::Bytes(200),
            [8, 16, 16, 16, 8, 136, 12],
        ),
        (
            GoKind::EmptyStruct,
            GoKind::EmptyStruct,
            [8, 0, 8, 0, 0, 16, 0],
        ),
        (GoKind::EmptyStruct, GoKind::Int64, [8, 8, 8, 8, 0, 72, 0]),
        (GoKind::Bytes(1), GoKind::Int64, [8, 16, 16, 16, 8, 136, 0]),
        (GoKind::Bytes(5), GoKind::Int32, [8, 12, 16, 12, 8, 104, 0]),
        (
            GoKind::Bytes(32),
            GoKind::EmptyStruct,
            [8, 33, 40, 33, 32, 272, 0],
        ),
        (
            GoKind::Bytes(128),
            GoKind::Bytes(128),
            [8, 256, 136, 256, 128, 2056, 0],
        ),
        (GoKind::Int64, GoKind::Bytes(1), [8, 16, 16, 16, 8, 136, 0]),
    ];

    fn offsets(k: GoKind, e: GoKind, r: SwissRelease) -> [usize; 7] {
        let t = SwissMapType::new(&MapType::for_go_types(k, e).unwrap(), r);
        [
            t.KeysOff,
            t.KeyStride,
            t.ElemsOff,
            t.ElemStride,
            t.ElemOff,
            t.GroupSize,
            t.Flags as usize,
        ]
    }

    #[test]
    fn offsets_are_go_1_27s() {
        for (rows, r) in [
            (SPLIT, SwissRelease::Go1_27SplitGroup),
            (INTERLEAVED, SwissRelease::Go1_27),
        ] {
            for &(k, e, want) in rows {
                assert_eq!(offsets(k, e, r), want, "{r} map[{k:?}]{e:?}");
            }
        }
        // The slot accessors follow the offsets: keys contiguous, then elems.
        let t = SwissMapType::new(
            &MapType::for_go_types(GoKind::Bytes(3), GoKind::Int64).unwrap(),
            SwissRelease::Go1_27SplitGroup,
        );
        let mut g = [0u64; 12];
        let grp = super::super::group::groupReference {
            data: g.as_mut_ptr().cast(),
        };
        for i in 0..MAP_GROUP_SLOTS {
            // SAFETY: a 96-byte, 8-aligned buffer holds one group of this type; i < 8.
            let (k, v) = unsafe { (grp.key(&t, i), grp.elem(&t, i)) };
            assert_eq!(k as usize - grp.data as usize, 8 + 3 * i);
            assert_eq!(v as usize - grp.data as usize, 32 + 8 * i);
        }
    }

    #[test]
    fn release_names_round_trip() {
        for r in SwissRelease::ALL {
            assert_eq!(SwissRelease::parse(r.name()), Some(r));
            assert_eq!(r.split_group(), r.goexperiment() == Some("mapsplitgroup"));
        }
        assert_eq!(SwissRelease::Go1_27SplitGroup.name(), "1.27-mapsplitgroup");
        assert_eq!(SwissRelease::Go1_27SplitGroup.version(), "1.27");
        assert_eq!(SwissRelease::parse("1.26-mapsplitgroup"), None);
        assert!(SwissRelease::Go1_27SplitGroup >= SwissRelease::Go1_27);
    }
}
