//! The map's data structures and constants: Go's `hmap`, `mapextra`, `bmap`, the tophash
//! marks and the `hmap` flags, and the small helpers every routine is written with.
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::fmt;
use core::sync::atomic::Ordering;
// Under `--cfg loom` (tests/loom.rs) the flags byte is loom's atomic, so that loom sees and
// permutes every access to it; the normal build uses the core atomic.
#[cfg(not(loom))]
use core::sync::atomic::AtomicU8;
#[cfg(loom)]
use loom::sync::atomic::AtomicU8;

use super::reclaim::Reclaim;
use crate::maptype::MapType;

pub use crate::base::{BUCKET_CNT, BUCKET_CNT_BITS, DATA_OFFSET, LOAD_FACTOR_DEN, MAX_ELEM_SIZE};

// The base fixes the data offset without seeing `Bmap`; it must be the bucket header's size.
const _: () = assert!(DATA_OFFSET == core::mem::size_of::<Bmap>());

/// Tophash mark: this cell is empty, and so is every cell after it in this bucket and
/// in its overflow chain (`emptyRest`). Lets lookups stop early.
pub const EMPTY_REST: u8 = 0;
/// Tophash mark: this cell is empty (`emptyOne`).
pub const EMPTY_ONE: u8 = 1;
/// Tophash mark in an old bucket: the entry was moved to the first half of the larger
/// table (`evacuatedX`); its key and elem are still valid to read.
pub const EVACUATED_X: u8 = 2;
/// As [`EVACUATED_X`], to the second half (`evacuatedY`).
pub const EVACUATED_Y: u8 = 3;
/// Tophash mark: cell empty, bucket evacuated (`evacuatedEmpty`).
pub const EVACUATED_EMPTY: u8 = 4;
/// Smallest tophash of a live cell (`minTopHash`); hashes whose top byte is smaller are
/// moved up by this much so they cannot be mistaken for a mark.
pub const MIN_TOP_HASH: u8 = 5;

// evacuate() stores EVACUATED_X + useY, so the two marks must be adjacent.
const _: () = assert!(EVACUATED_X + 1 == EVACUATED_Y && EVACUATED_X ^ 1 == EVACUATED_Y);

/// The sentinel "no bucket to check" of `hiter.checkBucket` (`noCheck`).
pub const NO_CHECK: usize = usize::MAX;

bitflags::bitflags! {
    /// The `hmap.flags` bits (go1.19 map.go).
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct HmapFlags: u8 {
        /// There may be an iterator using `buckets`.
        const ITERATOR = 1;
        /// There may be an iterator using `oldbuckets`.
        const OLD_ITERATOR = 2;
        /// A writer is inside the map.
        const HASH_WRITING = 4;
        /// The current growth keeps the number of buckets.
        const SAME_SIZE_GROW = 8;
    }
}

/// Short names for the flag values, as Go spells them.
pub const ITERATOR: u8 = HmapFlags::ITERATOR.bits();
/// See [`HmapFlags::OLD_ITERATOR`].
pub const OLD_ITERATOR: u8 = HmapFlags::OLD_ITERATOR.bits();
/// See [`HmapFlags::HASH_WRITING`].
pub const HASH_WRITING: u8 = HmapFlags::HASH_WRITING.bits();
/// See [`HmapFlags::SAME_SIZE_GROW`].
pub const SAME_SIZE_GROW: u8 = HmapFlags::SAME_SIZE_GROW.bits();

/// A bucket, seen through its first field. Port of Go's `bmap`.
///
/// The real bucket is `MapType::bucketsize` bytes:
///
/// ```text
/// +------------+------------------+--------------------+-----------------+
/// | tophash[8] | 8 keys (keysize) | 8 elems (elemsize) | overflow *Bmap  |
/// +------------+------------------+--------------------+-----------------+
/// ```
///
/// `tophash[i]` is the top byte of the hash of key `i` (at least [`MIN_TOP_HASH`]) or one
/// of the marks [`EMPTY_REST`] .. [`EVACUATED_EMPTY`]. Only `tophash` is a Rust field;
/// keys, elems and the overflow pointer are reached through [`key_at`], [`elem_at`],
/// [`Bmap::overflow`] and [`Bmap::setoverflow`], which take the `MapType` for the offsets.
#[repr(C)]
pub struct Bmap {
    /// Top byte of each slot's hash, or an emptiness/evacuation mark.
    pub tophash: [u8; BUCKET_CNT],
}

/// Port of Go's `mapextra`: fields not every map needs.
///
/// Go also keeps `overflow`/`oldoverflow`, slices of the overflow buckets of
/// pointer-free maps, only so that its garbage collector keeps those buckets alive while
/// the buckets themselves are marked as holding no pointers. gomap frees memory itself by
/// walking the chains (see `reclaim.rs`), so those slices have no role here and are
/// left out; nothing observable depends on them.
#[repr(C)]
pub struct Mapextra {
    /// The next free preallocated overflow bucket of the current array, or null.
    pub nextOverflow: *mut Bmap,
}

/// The map header. Port of Go's `hmap` (go1.19 map.go), fields in Go's order.
///
/// Invariants:
/// * `count` is the number of live cells in `buckets` and in not-yet-evacuated old buckets;
/// * `buckets` holds `2^B` buckets (plus preallocated overflow buckets when `B >= 4`) or is
///   null while the map has never been written;
/// * `oldbuckets` is non-null exactly while growing: it then holds `2^(B-1)` buckets, or
///   `2^B` when [`HmapFlags::SAME_SIZE_GROW`] is set;
/// * every old bucket below `nevacuate` is evacuated;
/// * `noverflow` counts overflow buckets of `buckets`, exactly for `B < 16`, approximately
///   above (see `incrnoverflow`);
/// * `flags` only ever changes through relaxed atomic loads and stores, so a concurrent
///   misuse detected through [`HmapFlags::HASH_WRITING`] is a defined race, as in Go.
///
/// The fields after `extra` are gomap's own (memory reclamation without a GC).
#[repr(C)]
pub struct Hmap {
    /// Number of live cells (`len(m)`). Must be first.
    pub count: usize,
    /// [`HmapFlags`] bits.
    pub flags: AtomicU8,
    /// log2 of the number of buckets.
    pub B: u8,
    /// Approximate number of overflow buckets.
    pub noverflow: u16,
    /// Hash seed.
    pub hash0: u32,
    /// Array of `2^B` buckets; null until the first write.
    pub buckets: *mut Bmap,
    /// The previous array while growing, else null.
    pub oldbuckets: *mut Bmap,
    /// Evacuation progress: old buckets below this are evacuated.
    pub nevacuate: usize,
    /// go1.24: the number of `mapclear`s so far; an iterator that started before the
    /// latest one looks its entries up again. Always 0 for earlier releases, which do not
    /// have the field (the dump shows it only for 1.24).
    pub clearSeq: u64,
    /// Optional fields; null until needed.
    pub extra: *mut Mapextra,
    /// Live iterators and memory waiting for them to finish.
    pub(crate) reclaim: Reclaim,
}

// SAFETY: an Hmap owns its buckets; moving it between threads moves that ownership. Go's
// rules (one writer, or any number of readers) are the caller's duty, as documented on the
// runtime functions.
unsafe impl Send for Hmap {}
// SAFETY: concurrent readers only read, and the only field a reader writes (`flags`, in
// mapiterinit, and the reclaim counters) is atomic.
unsafe impl Sync for Hmap {}

impl Hmap {
    /// An empty header: what Go's `new(hmap)` gives.
    pub fn new() -> Hmap {
        Hmap {
            count: 0,
            flags: AtomicU8::new(0),
            B: 0,
            noverflow: 0,
            hash0: 0,
            buckets: core::ptr::null_mut(),
            oldbuckets: core::ptr::null_mut(),
            nevacuate: 0,
            clearSeq: 0,
            extra: core::ptr::null_mut(),
            reclaim: Reclaim::new(),
        }
    }

    /// The flag bits (a relaxed atomic load).
    #[inline(always)]
    pub fn flags(&self) -> u8 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Sets the flag bits (a relaxed atomic store: a plain store on x86 and ARM).
    #[inline(always)]
    pub fn set_flags(&self, f: u8) {
        self.flags.store(f, Ordering::Relaxed)
    }

    /// Go's `h.growing()`: an evacuation is in progress.
    #[inline(always)]
    pub fn growing(&self) -> bool {
        !self.oldbuckets.is_null()
    }

    /// Go's `h.sameSizeGrow()`.
    #[inline(always)]
    pub fn sameSizeGrow(&self) -> bool {
        self.flags() & SAME_SIZE_GROW != 0
    }

    /// Go's `h.noldbuckets()`: buckets in the old array.
    #[inline]
    pub fn noldbuckets(&self) -> usize {
        bucketShift(self.oldB())
    }

    /// log2 of the old array's size while growing: `B`, or `B - 1` when doubling.
    #[inline]
    pub fn oldB(&self) -> u8 {
        if self.sameSizeGrow() {
            self.B
        } else {
            self.B - 1
        }
    }

    /// Go's `h.oldbucketmask()`.
    #[inline]
    pub fn oldbucketmask(&self) -> usize {
        self.noldbuckets() - 1
    }

    /// The preallocated overflow bucket to hand out next, or null.
    ///
    /// # Safety
    /// `extra` is null or points at a live [`Mapextra`] (as in every map `makemap` made:
    /// the field is public, so a header built by hand may hold anything).
    ///
    /// ```compile_fail
    /// let mut h = gomap::Hmap::new();
    /// h.extra = 16 as *mut _;
    /// let _ = h.next_overflow(); // unsafe: it would read through `extra`
    /// ```
    #[inline]
    pub unsafe fn next_overflow(&self) -> *mut Bmap {
        if self.extra.is_null() {
            core::ptr::null_mut()
        } else {
            // SAFETY: a non-null `extra` points at a live Mapextra (caller).
            unsafe { (*self.extra).nextOverflow }
        }
    }
}

impl Default for Hmap {
    fn default() -> Hmap {
        Hmap::new()
    }
}

impl fmt::Debug for Hmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hmap")
            .field("count", &self.count)
            .field("flags", &HmapFlags::from_bits_retain(self.flags()))
            .field("B", &self.B)
            .field("noverflow", &self.noverflow)
            .field("hash0", &format_args!("{:08x}", self.hash0))
            .field("buckets", &self.buckets)
            .field("oldbuckets", &self.oldbuckets)
            .field("nevacuate", &self.nevacuate)
            .finish()
    }
}

/// Go's `isEmpty`: the tophash marks an empty cell.
#[inline(always)]
pub fn isEmpty(x: u8) -> bool {
    x <= EMPTY_ONE
}

/// Go's `bucketShift`: `1 << b`, the shift masked so it cannot overflow.
#[inline(always)]
pub fn bucketShift(b: u8) -> usize {
    1usize << (b as u32 & (usize::BITS - 1))
}

/// Go's `bucketMask`: `bucketShift(b) - 1`.
#[inline(always)]
pub fn bucketMask(b: u8) -> usize {
    bucketShift(b).wrapping_sub(1)
}

/// Go's `tophash`: the hash's top byte, moved above the marks.
#[inline(always)]
pub fn tophash(hash: usize) -> u8 {
    let mut top = (hash >> (usize::BITS - 8)) as u8;
    if top < MIN_TOP_HASH {
        top += MIN_TOP_HASH;
    }
    top
}

// ---------------------------------------------------------------------------------------
// All 8 tophash bytes at once (SWAR: SIMD within a register). Not in Go, which looks at
// one byte at a time; the fast paths use these to find the same slots with one load and
// a few ALU operations instead of 8 data-dependent branches. Each mask has bit `8i + 7`
// set for slot `i`, exactly (no false positives), so `lowest_slot(mask)` is the lowest such slot.
// ---------------------------------------------------------------------------------------

/// `0x01` in every byte.
const LO_BYTES: u64 = u64::from_le_bytes([0x01; BUCKET_CNT]);
/// `0x7f` in every byte.
const LO7_BYTES: u64 = u64::from_le_bytes([0x7f; BUCKET_CNT]);

// One tophash byte per byte of a u64.
const _: () = assert!(BUCKET_CNT == 8);

/// The tophash bytes of `b` as one word, `tophash[i]` in byte `i` (little-endian order).
///
/// # Safety
/// `b` points at a live bucket.
#[inline(always)]
pub unsafe fn tophash_word(b: *const Bmap) -> u64 {
    // SAFETY: the caller vouches for `b`; the 8 tophash bytes are its first field.
    u64::from_le_bytes(unsafe { (*b).tophash })
}

/// The slot of bucket `b` (tophash word `w`) whose tophash is `top` and for which `is_key`
/// says yes, trying the matching slots in index order (all 8 bytes matched at once, see
/// [`match_top`]).
///
/// # Safety
/// `b` is a live bucket and `w` its [`tophash_word`]; `is_key` is called with `b` and
/// slots `i < 8` only.
#[inline(always)]
unsafe fn match_key(
    b: *mut Bmap,
    w: u64,
    top: u8,
    is_key: &mut impl FnMut(*mut Bmap, usize) -> bool,
) -> Option<usize> {
    let mut m = match_top(w, top);
    while m != 0 {
        let i = lowest_slot(m);
        if is_key(b, i) {
            return Some(i);
        }
        m &= m - 1;
    }
    None
}

/// Finds the key (whose tophash is `top`) in the chain from `b`: its slot's bucket and
/// index, or `None`. Shared by the fast32 and fast64 lookups; `is_key(b, i)` compares key
/// slot `i` of bucket `b` with the key.
///
/// Go's fast32 and fast64 functions compare every slot's key and skip empty cells; this
/// looks only at the slots whose tophash is `top` ([`match_key`]), and like Go walks the
/// whole chain. It finds the same slot: a live cell holding the key has tophash `top`
/// (the map stored `tophash(hash(key))` there with this seed), and no cell holding a mark
/// can match (`top >= minTopHash`). Evacuated old buckets never reach here
/// (`bucket_for_read` skips them). (Stopping at an `emptyRest` would save loading the
/// overflow pointer, but measured slower: one more data-dependent branch.)
///
/// # Safety
/// `b` heads a live chain of a map of this family; `top` is `tophash(hash)` of the key
/// under the map's seed; `is_key(b, i)` is sound for every bucket `b` of that map's chains
/// and `i < 8`.
#[inline(always)]
pub(crate) unsafe fn find_by_tophash(
    t: &MapType,
    mut b: *mut Bmap,
    top: u8,
    mut is_key: impl FnMut(*mut Bmap, usize) -> bool,
) -> Option<(*mut Bmap, usize)> {
    loop {
        // SAFETY: `b` is a live bucket of the chain; `is_key` is sound on it (caller).
        if let Some(i) = unsafe { match_key(b, tophash_word(b), top, &mut is_key) } {
            return Some((b, i));
        }
        // SAFETY: `b` is live.
        b = unsafe { Bmap::overflow(b, t) };
        if b.is_null() {
            return None;
        }
    }
}

/// Go's own search of the fast32 and fast64 families: every slot's key compared in chain
/// order, empty cells skipped (`if k != key || isEmpty(b.tophash[i]) { continue }`). The
/// slot of the key, or `None`. `is_key(b, i)` compares key slot `i` of bucket `b` with the
/// key. It finds the slot [`find_by_tophash`] finds (a live cell holds each key at most
/// once); it loads the keys at fixed offsets instead of waiting for the tophash word,
/// which wins when that word is a cache miss (see `fast64::KEY_LOOP_MIN_BYTES`).
///
/// # Safety
/// `b` heads a live chain of a map of this family; `is_key(b, i)` is sound for every
/// bucket `b` of that map's chains and `i < 8`.
#[inline(always)]
pub(crate) unsafe fn find_by_key(
    t: &MapType,
    mut b: *mut Bmap,
    mut is_key: impl FnMut(*mut Bmap, usize) -> bool,
) -> Option<(*mut Bmap, usize)> {
    loop {
        for i in 0..BUCKET_CNT {
            // SAFETY: `b` is a live bucket of the chain and i < 8.
            if is_key(b, i) && !isEmpty(unsafe { (*b).tophash[i] }) {
                return Some((b, i));
            }
        }
        // SAFETY: `b` is live.
        b = unsafe { Bmap::overflow(b, t) };
        if b.is_null() {
            return None;
        }
    }
}

/// The `bucketloop` of Go's `mapassign_fast32`, `mapassign_fast64` and
/// `mapassign_faststr`, shared by the three: finds the key (whose tophash is `top`) in the
/// chain from `b`. `Ok((bucket, slot))` is the key's cell (Go's `goto done`); otherwise
/// `Err((insertb, inserti, last))`: the first empty cell in chain order up to the first
/// `emptyRest` (`insertb` null when every cell is full) and the last bucket looked at, the
/// one a new overflow bucket would hang from. `is_key(b, i)` compares key slot `i` of
/// bucket `b` with the key, as the family compares keys.
///
/// Go compares every live slot's key and stops at the first `emptyRest`; this matches
/// all 8 tophash bytes at once ([`match_key`], finding the same slot for the reason
/// [`find_by_tophash`] gives) and takes the empty cells and the `emptyRest` stop from the
/// same word. No live cell follows an `emptyRest` in its chain, so stopping there after
/// matching the whole bucket changes nothing. Measured against Go's byte loop
/// (cachegrind, `map[int32]int32`, 300,000 assigns of random keys into a map growing to
/// 10^5): about 10 more instructions per assign, but 0.9 fewer mispredicted branches
/// (389,464 -> 109,497 in all), which costs more than the instructions save.
///
/// # Safety
/// `b` heads a live chain of the map's current array; `top` is `tophash(hash)` of the
/// key under the map's seed; `is_key(b, i)` is sound for every bucket `b` of that map's
/// chains and `i < 8`.
#[inline(always)]
pub(crate) unsafe fn find_for_assign(
    t: &MapType,
    mut b: *mut Bmap,
    top: u8,
    mut is_key: impl FnMut(*mut Bmap, usize) -> bool,
) -> Result<(*mut Bmap, usize), (*mut Bmap, usize, *mut Bmap)> {
    let mut insertb: *mut Bmap = core::ptr::null_mut();
    let mut inserti = 0usize;
    loop {
        // SAFETY: `b` is a live bucket of the chain.
        let w = unsafe { tophash_word(b) };
        // SAFETY: `w` is `b`'s word; `is_key` is sound on it (caller).
        if let Some(i) = unsafe { match_key(b, w, top, &mut is_key) } {
            return Ok((b, i));
        }
        let empty = match_empty(w);
        if insertb.is_null() && empty != 0 {
            inserti = lowest_slot(empty);
            insertb = b;
        }
        if match_empty_rest(w) != 0 {
            break;
        }
        // SAFETY: `b` is live.
        let ovf = unsafe { Bmap::overflow(b, t) };
        if ovf.is_null() {
            break;
        }
        b = ovf;
    }
    Err((insertb, inserti, b))
}

/// The bytes of `w` that are zero: `0x80` in each such byte, `0` elsewhere (exact: the
/// `0x7f` masking keeps any carry from crossing into the next byte).
#[inline(always)]
pub fn zero_bytes(w: u64) -> u64 {
    !(((w & LO7_BYTES).wrapping_add(LO7_BYTES)) | w | LO7_BYTES)
}

/// The slots of a tophash word holding `top`.
#[inline(always)]
pub fn match_top(w: u64, top: u8) -> u64 {
    zero_bytes(w ^ (LO_BYTES.wrapping_mul(top as u64)))
}

/// The slots of a tophash word that are empty ([`isEmpty`]: `emptyRest` or `emptyOne`).
#[inline(always)]
pub fn match_empty(w: u64) -> u64 {
    // Clearing bit 0 maps exactly EMPTY_REST (0) and EMPTY_ONE (1) to zero.
    const _: () = assert!(EMPTY_REST == 0 && EMPTY_ONE == 1);
    zero_bytes(w & !LO_BYTES)
}

/// The slots of a tophash word that are `emptyRest`: if any, no live cell follows the
/// first of them in this bucket or its overflow chain.
#[inline(always)]
pub fn match_empty_rest(w: u64) -> u64 {
    zero_bytes(w)
}

/// The lowest slot of a non-zero mask from the `match_*` functions.
#[inline(always)]
pub fn lowest_slot(mask: u64) -> usize {
    debug_assert!(mask != 0);
    (mask.trailing_zeros() / 8) as usize
}

/// Asks the CPU to start loading the cache lines of bucket `b` (a hint: no effect on
/// memory, and none at all off x86_64). Growth uses it to overlap the cache misses of the
/// buckets a write is about to evacuate and fill, which Go's code takes one after the
/// other.
#[inline(always)]
pub fn prefetch_bucket(t: &MapType, b: *const Bmap) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let n = t.bucketsize as usize;
        let mut off = 0;
        while off < n {
            // SAFETY: prefetching is a hint that never faults or changes memory, whatever
            // the address; SSE is part of the x86_64 baseline.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(b.cast::<i8>().wrapping_add(off)) };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (t, b);
}

/// `memmove(dst, src, n)` for an inline key or elem: one load and one store for the common
/// sizes (1, 2, 4, 8, 16 bytes), a call to `memcpy` only for the others.
///
/// # Safety
/// `src` and `dst` each point at `n` bytes (readable, writable) that do not overlap.
#[inline(always)]
pub unsafe fn copy_slot(src: *const u8, dst: *mut u8, n: usize) {
    // SAFETY: n bytes at each (caller); unaligned accesses need no alignment.
    unsafe {
        match n {
            8 => move_bytes::<8>(src, dst),
            16 => move_bytes::<16>(src, dst),
            4 => move_bytes::<4>(src, dst),
            1 => move_bytes::<1>(src, dst),
            2 => move_bytes::<2>(src, dst),
            _ => core::ptr::copy_nonoverlapping(src, dst, n),
        }
    }
}

/// Copies `N` bytes from `src` to `dst` as one unaligned load and one store of
/// `MaybeUninit` bytes: a slot may hold uninitialised bytes (the padding of a `GoMap`
/// value stored inline), which an integer load must not read. The whole value is loaded
/// before it is stored, so `src` and `dst` may overlap.
///
/// # Safety
/// `src` points at `N` readable bytes and `dst` at `N` writable ones.
#[inline(always)]
pub(crate) unsafe fn move_bytes<const N: usize>(src: *const u8, dst: *mut u8) {
    type Bytes<const N: usize> = core::mem::MaybeUninit<[u8; N]>;
    // SAFETY: N bytes at each (caller); `MaybeUninit` makes any byte a valid value, and
    // the unaligned accesses need no alignment.
    unsafe {
        dst.cast::<Bytes<N>>()
            .write_unaligned(src.cast::<Bytes<N>>().read_unaligned())
    }
}

/// `memclr(p, n)` for an inline key or elem, as [`copy_slot`].
///
/// # Safety
/// `p` points at `n` writable bytes.
#[inline(always)]
pub unsafe fn clear_slot(p: *mut u8, n: usize) {
    // SAFETY: n writable bytes (caller).
    unsafe {
        match n {
            8 => p.cast::<u64>().write_unaligned(0),
            16 => p.cast::<u128>().write_unaligned(0),
            4 => p.cast::<u32>().write_unaligned(0),
            1 => *p = 0,
            2 => p.cast::<u16>().write_unaligned(0),
            _ => core::ptr::write_bytes(p, 0, n),
        }
    }
}

/// Go's `evacuated`: the bucket's first tophash is an evacuation mark.
///
/// # Safety
/// `b` points at a live bucket.
#[inline(always)]
pub unsafe fn evacuated(b: *const Bmap) -> bool {
    // SAFETY: the caller vouches for `b`; tophash[0] is its first byte.
    let h = unsafe { (*b).tophash[0] };
    h > EMPTY_ONE && h < MIN_TOP_HASH
}

/// Go's `add`: pointer plus a byte offset.
///
/// # Safety
/// The result stays inside (or one past) the allocation `p` points into.
#[inline(always)]
pub unsafe fn add<T>(p: *mut T, x: usize) -> *mut u8 {
    // SAFETY: the caller keeps the offset inside the allocation.
    unsafe { p.cast::<u8>().add(x) }
}

/// The bucket `i` of an array.
///
/// # Safety
/// `base` is a bucket array of at least `i + 1` buckets of `t.bucketsize` bytes.
#[inline(always)]
pub unsafe fn bucket_at(t: &MapType, base: *mut Bmap, i: usize) -> *mut Bmap {
    // SAFETY: the caller vouches that bucket `i` is inside the array.
    unsafe { add(base, i * t.bucketsize as usize).cast() }
}

/// Address of key slot `i` of bucket `b`: `add(b, dataOffset+i*keysize)`.
///
/// # Safety
/// `b` is a live bucket of `t`; `i < BUCKET_CNT`.
#[inline(always)]
pub unsafe fn key_at(t: &MapType, b: *mut Bmap, i: usize) -> *mut u8 {
    // SAFETY: keys start at DATA_OFFSET and there are BUCKET_CNT of them, so the offset
    // stays inside the bucket (the caller vouches for `b` and `i`).
    unsafe { add(b, DATA_OFFSET + i * t.keysize as usize) }
}

/// Address of elem slot `i` of bucket `b`: `add(b, dataOffset+bucketCnt*keysize+i*elemsize)`.
///
/// # Safety
/// `b` is a live bucket of `t`; `i < BUCKET_CNT`.
#[inline(always)]
pub unsafe fn elem_at(t: &MapType, b: *mut Bmap, i: usize) -> *mut u8 {
    // SAFETY: elems follow the BUCKET_CNT keys; slot `i` ends before the overflow word.
    unsafe {
        add(
            b,
            DATA_OFFSET + BUCKET_CNT * t.keysize as usize + i * t.elemsize as usize,
        )
    }
}

/// Reads the pointer stored in an indirect slot.
///
/// # Safety
/// `slot` is a pointer-sized slot of a live bucket (8-aligned: every slot offset of an
/// indirect key or elem is a multiple of 8).
#[inline(always)]
pub unsafe fn load_ptr(slot: *mut u8) -> *mut u8 {
    // SAFETY: the caller vouches for the slot; indirect slots are 8 bytes at 8-aligned offsets.
    unsafe { *slot.cast::<*mut u8>() }
}

/// Writes the pointer stored in an indirect slot.
///
/// # Safety
/// As [`load_ptr`], and the slot is writable.
#[inline(always)]
pub unsafe fn store_ptr(slot: *mut u8, p: *mut u8) {
    // SAFETY: as for load_ptr.
    unsafe { *slot.cast::<*mut u8>() = p }
}

impl Bmap {
    /// Go's `b.overflow(t)`: the next bucket in the chain, or null.
    ///
    /// # Safety
    /// `b` is a live bucket of `t`.
    #[inline(always)]
    pub unsafe fn overflow(b: *mut Bmap, t: &MapType) -> *mut Bmap {
        // SAFETY: the overflow pointer is the last word of the bucket (layout invariant of
        // MapType); buckets are 8-aligned and bucketsize is a multiple of 8.
        unsafe { *add(b, t.bucketsize as usize - 8).cast::<*mut Bmap>() }
    }

    /// Go's `b.setoverflow(t, ovf)`.
    ///
    /// # Safety
    /// `b` is a live, writable bucket of `t`.
    #[inline(always)]
    pub unsafe fn setoverflow(b: *mut Bmap, t: &MapType, ovf: *mut Bmap) {
        // SAFETY: as in `overflow`.
        unsafe { *add(b, t.bucketsize as usize - 8).cast::<*mut Bmap>() = ovf }
    }

    /// Go's `b.keys()`: the first key slot.
    ///
    /// # Safety
    /// `b` is a live bucket.
    #[inline(always)]
    pub unsafe fn keys(b: *mut Bmap) -> *mut u8 {
        // SAFETY: DATA_OFFSET is inside every bucket.
        unsafe { add(b, DATA_OFFSET) }
    }
}

/// A tophash byte with its mark named, for `Debug` output.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct TopHash(pub u8);

impl fmt::Debug for TopHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            EMPTY_REST => f.write_str("emptyRest"),
            EMPTY_ONE => f.write_str("emptyOne"),
            EVACUATED_X => f.write_str("evacuatedX"),
            EVACUATED_Y => f.write_str("evacuatedY"),
            EVACUATED_EMPTY => f.write_str("evacuatedEmpty"),
            x => write!(f, "{x:#04x}"),
        }
    }
}

pub use crate::base::panic::{fatal, raise, throw, RuntimeError};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tophash_moves_small_values_above_marks() {
        assert_eq!(tophash(0), MIN_TOP_HASH);
        assert_eq!(tophash(4usize << 56), 4 + MIN_TOP_HASH);
        assert_eq!(tophash(5usize << 56), 5);
        assert_eq!(tophash(0xffusize << 56 | 0x1234), 0xff);
    }

    #[test]
    fn bucket_shift_and_mask() {
        assert_eq!(bucketShift(0), 1);
        assert_eq!(bucketShift(4), 16);
        assert_eq!(bucketMask(4), 15);
        assert_eq!(bucketShift(64), 1, "the shift is masked as in Go");
    }

    #[test]
    fn hmap_field_order_matches_go() {
        use core::mem::offset_of;
        assert_eq!(offset_of!(Hmap, count), 0);
        assert_eq!(offset_of!(Hmap, flags), 8);
        assert_eq!(offset_of!(Hmap, B), 9);
        assert_eq!(offset_of!(Hmap, noverflow), 10);
        assert_eq!(offset_of!(Hmap, hash0), 12);
        assert_eq!(offset_of!(Hmap, buckets), 16);
        assert_eq!(offset_of!(Hmap, oldbuckets), 24);
        assert_eq!(offset_of!(Hmap, nevacuate), 32);
        // go1.24's hmap: clearSeq before extra (earlier releases have extra at 40).
        assert_eq!(offset_of!(Hmap, clearSeq), 40);
        assert_eq!(offset_of!(Hmap, extra), 48);
    }

    #[test]
    fn tophash_debug_names_marks() {
        assert_eq!(format!("{:?}", TopHash(0)), "emptyRest");
        assert_eq!(format!("{:?}", TopHash(3)), "evacuatedY");
        assert_eq!(format!("{:?}", TopHash(0x9a)), "0x9a");
    }

    /// The masks bytewise, as the definitions say.
    fn bytewise(w: u64, f: impl Fn(u8) -> bool) -> u64 {
        (0..BUCKET_CNT)
            .filter(|&i| f(w.to_le_bytes()[i]))
            .fold(0, |m, i| m | 0x80 << (8 * i))
    }

    #[test]
    fn swar_masks_are_exact() {
        // Every byte value in every position, next to neighbours that provoke borrows and
        // carries (0, 1, 0x80, 0xff), plus pseudo-random words.
        let mut words = Vec::new();
        for v in 0..=255u8 {
            for pos in 0..BUCKET_CNT {
                for fill in [0u8, 1, 5, 0x80, 0xff] {
                    let mut b = [fill; BUCKET_CNT];
                    b[pos] = v;
                    words.push(u64::from_le_bytes(b));
                }
            }
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Bias towards small bytes so marks and near-marks are common.
            words.push(x & 0x0707_0707_0707_0707 | (x >> 3) & 0x8000_0080_0000_8000);
            words.push(x);
        }
        for &w in &words {
            assert_eq!(match_empty(w), bytewise(w, isEmpty), "{w:016x}");
            assert_eq!(
                match_empty_rest(w),
                bytewise(w, |b| b == EMPTY_REST),
                "{w:016x}"
            );
            for top in [
                MIN_TOP_HASH,
                6,
                0x7f,
                0x80,
                0x81,
                0xfe,
                0xff,
                (w >> 8) as u8,
            ] {
                assert_eq!(
                    match_top(w, top),
                    bytewise(w, |b| b == top),
                    "{w:016x} {top}"
                );
            }
        }
        assert_eq!(lowest_slot(0x80 << 24 | 0x80 << 56), 3);
        let mut b = Bmap {
            tophash: [0; BUCKET_CNT],
        };
        b.tophash[2] = 0xab;
        // SAFETY: a live bucket header.
        assert_eq!(unsafe { tophash_word(&b) }, 0xab << 16);
    }
}
