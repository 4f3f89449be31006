//! The fast paths for maps with 8-byte plain-memory keys (`map[int64]E`, `map[uint64]E`,
//! `map[*T]E`, `map[[8]byte]E`, ...). Port of go1.19 `runtime/map_fast64.go`.
//!
//! Go's compiler calls these instead of the generic `mapaccess1` .. `mapdelete` when the
//! key is 8 bytes of plain memory (or a pointer) and the elem at most 128 bytes (`walk.mapfast`; see
//! [`super::dispatch`]). They run the generic algorithm with the key passed by value and
//! compared as an integer, and leave exactly the bytes the generic functions leave. What
//! differs from the generic code:
//!
//! * lookups compare the key first and look at the tophash only to skip empty cells, and
//!   a one-bucket map (`B == 0`) is searched without hashing the key at all;
//! * nothing is indirect (keys are 8 bytes, elems at most 128: the descriptor must say so,
//!   which every function checks with a `debug_assert!`), and an 8-byte memory key always
//!   equals itself, so [`evacuate_fast64`] needs none of the NaN handling of `evacuate`;
//! * the key is hashed with the descriptor's hasher, called directly (and inlined) when
//!   [`MapType::hash_alg`] says it is Go's `memhash64`.
//
// Copyright 2018 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::access::bucket_for_read;
use super::delete::mark_deleted;
use super::grow::{advanceEvacuationMark, hashGrow, prefetch_evacuation};
use super::make::{overLoadFactor, tooManyOverflowBuckets};
use super::reclaim;
use super::types::*;
use crate::base::malloc::zero_val;
use crate::maptype::{alg, HashAlg, MapType};

/// Size of a key slot in this family.
const KEYSIZE: usize = 8;

/// Whether `t` is a descriptor this family serves: 8-byte inline keys, inline elems.
#[inline(always)]
fn fits(t: &MapType) -> bool {
    t.keysize as usize == KEYSIZE && !t.indirectkey() && !t.indirectelem()
}

/// Go's `t.hasher(key, seed)` for an 8-byte key: Go's `memhash64` called directly when the
/// descriptor names it (the same function, so the same hash, but inlinable), else the
/// descriptor's own function.
///
/// # Safety
/// `key` points at 8 readable bytes.
#[inline(always)]
unsafe fn hash64(t: &MapType, key: *const u8, seed: usize) -> usize {
    if t.hash_alg == HashAlg::Mem64 {
        // SAFETY: 8 readable bytes (caller); `HashAlg::Mem64` records that `t.hasher` is
        // memhash64, so this is the call Go makes.
        // go1.23: the portable (no-AES) memhash64 is keyed by all of hashkey.
        unsafe { alg::memhash64_rel(key, seed, t.release().hash64_uses_hashkey()) }
    } else {
        // SAFETY: the caller vouches for the key.
        unsafe { t.hash(key, seed) }
    }
}

/// Key slot `i` of `b`: `add(b, dataOffset+i*8)`.
///
/// # Safety
/// `b` is a live bucket of a map of this family; `i < BUCKET_CNT`.
#[inline(always)]
unsafe fn key64(b: *mut Bmap, i: usize) -> *mut u64 {
    // SAFETY: 8 keys of 8 bytes follow the tophash bytes (caller vouches for `b`, `i`); the
    // offset is a multiple of 8 in an 8-aligned bucket, so the slot is aligned for a u64.
    unsafe { add(b, DATA_OFFSET + i * KEYSIZE).cast() }
}

/// Elem slot `i` of `b`: `add(b, dataOffset+bucketCnt*8+i*elemsize)`.
///
/// # Safety
/// As [`key64`].
#[inline(always)]
unsafe fn elem64(t: &MapType, b: *mut Bmap, i: usize) -> *mut u8 {
    // SAFETY: the elems follow the 8 keys; slot `i` ends before the overflow word.
    unsafe {
        add(
            b,
            DATA_OFFSET + BUCKET_CNT * KEYSIZE + i * t.elemsize as usize,
        )
    }
}

/// The search shared by [`mapaccess1_fast64`] and [`mapaccess2_fast64`] (Go repeats it in
/// both): the elem of `key`, or null.
///
/// # Safety
/// As [`mapaccess1_fast64`].
#[inline(always)]
unsafe fn access_fast64(t: &MapType, h: *const Hmap, key: u64) -> *mut u8 {
    if h.is_null() || {
        // SAFETY: non-null, so a live map (caller).
        unsafe { (*h).count == 0 }
    } {
        return ptr::null_mut();
    }
    // SAFETY: non-null, live (caller).
    let h = unsafe { &*h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentReadWrite);
    }
    if h.B == 0 {
        // One-bucket table. No need to hash. (A one-bucket map never grows in place: it
        // cannot have overflow buckets, so it is not growing either.)
        let b = h.buckets;
        for i in 0..BUCKET_CNT {
            // SAFETY: `b` is the live bucket, i < 8.
            unsafe {
                if *key64(b, i) == key && !isEmpty((*b).tophash[i]) {
                    return elem64(t, b, i);
                }
            }
        }
        return ptr::null_mut();
    }
    // SAFETY: `key` is a local u64.
    let hash = unsafe { hash64(t, ptr::addr_of!(key).cast(), h.hash0 as usize) };
    // SAFETY: count > 0, so the buckets are allocated.
    let b = unsafe { bucket_for_read(t, h, hash) };
    // SAFETY: `b` heads a live chain of this family.
    unsafe { search_fast64(t, b, key, tophash(hash)) }
}

/// In bucket arrays of at least this many bytes, `mapdelete_fast64` finds its key with
/// Go's own loop over the keys instead of the tophash match.
///
/// Measured (`map[int64]int64`, deletes of every key, in insertion and in shuffled
/// order, medians of 5, 2026-11-29, the Intel host): with the array in cache the tophash
/// match is the faster (10^3: 17-27 against 29-43 ns per delete, the key loop's exit
/// branch mispredicting; B = 15, 4.7 MB: 34-44 against 39-48), at B = 16 (9.4 MB) the
/// two are even, and beyond it the key loop wins (B = 17: 54 against 80 ns; B = 18,
/// 38 MB: 62-75 against 118-147). The tophash match must wait for the tophash word before
/// it can address the key, and a delete then writes both; Go's loop loads the keys at
/// fixed offsets, alongside the tophash word. Lookups keep the tophash match at every
/// size: a miss reads only the tophash word there, where the key loop reads every key.
pub const KEY_LOOP_MIN_BYTES: usize = 16 << 20;

/// Whether a map of `2^B` buckets of type `t` deletes with Go's key loop
/// ([`KEY_LOOP_MIN_BYTES`]).
#[inline(always)]
fn key_loop(t: &MapType, B: u8) -> bool {
    // bucketsize < 2^16, so the 64-bit shift cannot overflow below B = 48.
    B >= 48 || (t.bucketsize as u64) << B >= KEY_LOOP_MIN_BYTES as u64
}

/// Finds `key` (whose tophash is `top`) in the chain from `b`: its slot's bucket and
/// index, or `None`. The search is [`find_by_tophash`], shared with fast32, or with
/// `key_loop` (a delete in a large array, see [`KEY_LOOP_MIN_BYTES`]) Go's own loop,
/// [`find_by_key`]. Both find the same slot.
///
/// # Safety
/// `b` heads a live chain of a map of this family; `top` is `tophash(hash)` of `key`
/// under the map's seed.
#[inline(always)]
unsafe fn find_fast64(
    t: &MapType,
    b: *mut Bmap,
    key: u64,
    top: u8,
    key_loop: bool,
) -> Option<(*mut Bmap, usize)> {
    // SAFETY: both searches call the closure with live buckets of this map and slots
    // i < 8 only, which `key64` addresses.
    let is_key = |b, i| key == unsafe { *key64(b, i) };
    if key_loop {
        // SAFETY: forwarded; `is_key` is sound on the chain's buckets.
        unsafe { find_by_key(t, b, is_key) }
    } else {
        // SAFETY: as above.
        unsafe { find_by_tophash(t, b, top, is_key) }
    }
}

/// [`find_fast64`] returning the elem, or null.
///
/// # Safety
/// As [`find_fast64`].
#[inline(always)]
unsafe fn search_fast64(t: &MapType, b: *mut Bmap, key: u64, top: u8) -> *mut u8 {
    // SAFETY: forwarded.
    match unsafe { find_fast64(t, b, key, top, false) } {
        // SAFETY: a found slot is a live cell of a live bucket.
        Some((b, i)) => unsafe { elem64(t, b, i) },
        None => ptr::null_mut(),
    }
}

/// Port of `runtime.mapaccess1_fast64` (go1.19 map_fast64.go): a pointer to `h[key]`, or to
/// the shared zero value when the key is missing.
///
/// # Safety
/// `h` is null or a live map of type `t`, and `t` is of this family (8-byte inline keys,
/// inline elems). No write to `h` runs concurrently (detected best-effort, as in Go). The
/// result is valid until the next write to the map and must not be written through when it
/// is the zero value.
#[inline]
pub unsafe fn mapaccess1_fast64(t: &MapType, h: *const Hmap, key: u64) -> *mut u8 {
    debug_assert!(
        fits(t),
        "mapaccess1_fast64 on a map without 8-byte inline keys"
    );
    // SAFETY: forwarded.
    let e = unsafe { access_fast64(t, h, key) };
    if e.is_null() {
        zero_val()
    } else {
        e
    }
}

/// Port of `runtime.mapaccess2_fast64` (go1.19 map_fast64.go): as [`mapaccess1_fast64`],
/// also saying whether the key is present.
///
/// # Safety
/// As [`mapaccess1_fast64`].
#[inline]
pub unsafe fn mapaccess2_fast64(t: &MapType, h: *const Hmap, key: u64) -> (*mut u8, bool) {
    debug_assert!(
        fits(t),
        "mapaccess2_fast64 on a map without 8-byte inline keys"
    );
    // SAFETY: forwarded.
    let e = unsafe { access_fast64(t, h, key) };
    if e.is_null() {
        (zero_val(), false)
    } else {
        (e, true)
    }
}

/// The body of [`mapassign_fast64`] and [`mapassign_fast64ptr`]. Go repeats it in both, the
/// copy differing only in storing the key through a pointer type (for the write barrier);
/// without a collector the bytes written are the same.
///
/// # Safety
/// As [`mapassign_fast64`].
#[inline(always)]
unsafe fn assign_fast64(t: &MapType, h: *mut Hmap, key: u64) -> *mut u8 {
    if h.is_null() {
        raise(RuntimeError::NilMapWrite);
    }
    // SAFETY: non-null, live, and ours alone for the call (caller).
    let h = unsafe { &mut *h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    // SAFETY: `key` is a local u64.
    let hash = unsafe { hash64(t, ptr::addr_of!(key).cast(), h.hash0 as usize) };

    // Set hashWriting after calling t.hasher for consistency with mapassign.
    h.set_flags(h.flags() ^ HASH_WRITING);
    // gomap: give back a little of an old array that growth finished with (reclaim.rs).
    // SAFETY: a live map, being written.
    unsafe { reclaim::drain(t, h) };

    if h.buckets.is_null() {
        // newarray(t.bucket, 1)
        // SAFETY: bucketsize > 0; zeroed memory is an empty bucket.
        h.buckets = unsafe { t.alloc.alloc(t.bucketsize as usize, 8) }.cast();
    }

    let insertb: *mut Bmap;
    let inserti: usize;
    'again: loop {
        let bucket = hash & bucketMask(h.B);
        if h.growing() {
            // SAFETY: live, growing map being written.
            unsafe { growWork_fast64(t, h, bucket) };
        }
        // SAFETY: bucket < 2^B.
        let b = unsafe { bucket_at(t, h.buckets, bucket) };

        // Go's bucketloop, 8 slots at a time (see `find_for_assign`).
        // SAFETY: the closure is called by find_for_assign with live buckets of this map
        // and slots i < 8 only, which `key64` addresses.
        let is_key = |b, i| key == unsafe { *key64(b, i) };
        // SAFETY: `b` heads a live chain of the current array; `is_key` is sound on it.
        let (mut ib, mut ii, b) = match unsafe { find_for_assign(t, b, tophash(hash), is_key) } {
            Ok((b, i)) => {
                // goto done
                inserti = i;
                insertb = b;
                break 'again;
            }
            Err(missing) => missing,
        };

        // Did not find mapping for key. Allocate new cell & add entry.

        // If we hit the max load factor or we have too many overflow buckets, and we're
        // not already in the middle of growing, start growing.
        if !h.growing()
            && (overLoadFactor(h.count + 1, h.B, t.release())
                || tooManyOverflowBuckets(h.noverflow, h.B))
        {
            // SAFETY: live map, not growing, being written.
            unsafe { hashGrow(t, h) };
            continue 'again; // Growing the table invalidates everything, so try again
        }

        if ib.is_null() {
            // The current bucket and all the overflow buckets connected to it are full,
            // allocate a new one.
            // SAFETY: `b` is the last bucket of its chain in the current array.
            ib = unsafe { h.newoverflow(t, b) };
            ii = 0;
        }
        // SAFETY: `ib` is a live bucket; masking keeps the index in range, as in Go.
        unsafe {
            (*ib).tophash[ii & (BUCKET_CNT - 1)] = tophash(hash);
            // store new key at insert position
            *key64(ib, ii) = key;
        }
        h.count += 1;
        inserti = ii;
        insertb = ib;
        break 'again;
    }

    // done:
    // SAFETY: slot `inserti` of the live bucket `insertb`.
    let elem = unsafe { elem64(t, insertb, inserti) };
    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
    elem
}

/// Port of `runtime.mapassign_fast64` (go1.19 map_fast64.go): finds or makes the slot for
/// `key` and returns a pointer to its elem, which the caller then writes. A new entry's
/// elem is zero.
///
/// Panics with "assignment to entry in nil map" when `h` is null and with "concurrent map
/// writes" when another write is seen in progress.
///
/// # Safety
/// `h` is null or a live map of type `t`, and `t` is of this family (8-byte inline keys,
/// inline elems). No other thread uses the map during the call. The result is valid until
/// the next write to the map.
#[inline]
pub unsafe fn mapassign_fast64(t: &MapType, h: *mut Hmap, key: u64) -> *mut u8 {
    debug_assert!(
        fits(t),
        "mapassign_fast64 on a map without 8-byte inline keys"
    );
    // SAFETY: forwarded.
    unsafe { assign_fast64(t, h, key) }
}

/// Port of `runtime.mapassign_fast64ptr` (go1.19 map_fast64.go): [`mapassign_fast64`] for a
/// key that is a pointer (Go uses it where pointers are 8 bytes, `walk.mapfast`). The key
/// slot holds the address; the map does not own what it points at.
///
/// # Safety
/// As [`mapassign_fast64`].
#[inline]
pub unsafe fn mapassign_fast64ptr(t: &MapType, h: *mut Hmap, key: *mut u8) -> *mut u8 {
    debug_assert!(
        fits(t),
        "mapassign_fast64ptr on a map without 8-byte inline keys"
    );
    // SAFETY: forwarded; the 8 bytes of a pointer are its address.
    unsafe { assign_fast64(t, h, key as usize as u64) }
}

/// Port of `runtime.mapdelete_fast64` (go1.19 map_fast64.go): removes `key` if present.
///
/// As `mapdelete`: the cell becomes `emptyOne`, and `emptyRest` (with the `emptyOne`
/// cells before it) when nothing live follows; deleting the last entry re-seeds `hash0`
/// (Go issue 25237). A key that holds a pointer is zeroed (Go clears it for its collector;
/// the dump shows it), other key bytes are left in place; the elem is zeroed.
///
/// # Safety
/// As [`mapassign_fast64`] (a null `h` is allowed and is a no-op).
#[inline]
pub unsafe fn mapdelete_fast64(t: &MapType, h: *mut Hmap, key: u64) {
    // SAFETY: the caller's guarantees; the hook does nothing.
    unsafe { mapdelete_fast64_with(t, h, key, |_, _| {}) }
}

/// [`mapdelete_fast64`] that hands the entry (key and elem slots) to `found` before
/// clearing it; see [`super::mapdelete_with`] for why and for what `found` may do.
///
/// # Safety
/// As [`mapdelete_fast64`]; `found` must not write the map.
#[inline]
pub unsafe fn mapdelete_fast64_with(
    t: &MapType,
    h: *mut Hmap,
    key: u64,
    found: impl FnOnce(*mut u8, *mut u8),
) {
    debug_assert!(
        fits(t),
        "mapdelete_fast64 on a map without 8-byte inline keys"
    );
    if h.is_null() || {
        // SAFETY: non-null, so a live map (caller).
        unsafe { (*h).count == 0 }
    } {
        return;
    }
    // SAFETY: non-null, live, exclusive for the call (caller).
    let h = unsafe { &mut *h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }

    // SAFETY: `key` is a local u64.
    let hash = unsafe { hash64(t, ptr::addr_of!(key).cast(), h.hash0 as usize) };

    // Set hashWriting after calling t.hasher for consistency with mapdelete.
    h.set_flags(h.flags() ^ HASH_WRITING);
    // gomap: give back a little of an old array that growth finished with (reclaim.rs).
    // SAFETY: a live map, being written.
    unsafe { reclaim::drain(t, h) };

    let bucket = hash & bucketMask(h.B);
    if h.growing() {
        // SAFETY: live, growing map being written.
        unsafe { growWork_fast64(t, h, bucket) };
    }
    // SAFETY: bucket < 2^B.
    let bOrig = unsafe { bucket_at(t, h.buckets, bucket) };
    // Go walks the chain comparing every live slot's key; find_fast64 finds the same slot.
    // SAFETY: `bOrig` heads a live chain; the hash is the key's under this seed.
    if let Some((b, i)) = unsafe { find_fast64(t, bOrig, key, tophash(hash), key_loop(t, h.B)) } {
        // SAFETY: slot i of a live bucket.
        let k = unsafe { key64(b, i) };
        // gomap: the caller takes the entry (see mapdelete_with).
        // SAFETY: slot i of a live bucket.
        found(k.cast(), unsafe { elem64(t, b, i) });
        // Only clear key if there are pointers in it. (Go clears one pointer where
        // pointers are 8 bytes and calls memclrHasPointers on all 8 bytes where they
        // are 4: either way the 8 bytes become zero.)
        if t.key.ptrdata != 0 {
            // SAFETY: the key slot of a live cell.
            unsafe { *k = 0 };
        }
        // SAFETY: slot i of a live bucket; elem.size bytes (inline elem).
        unsafe { clear_slot(elem64(t, b, i), t.elem.size) };
        // SAFETY: slot i of `b`, in the chain from bOrig, was the key's and is cleared.
        unsafe { mark_deleted(t, h, bOrig, b, i) };
    }

    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
}

/// Port of `runtime.growWork_fast64` (go1.19 map_fast64.go): evacuates the old bucket
/// behind `bucket` (the one about to be used) and, to make progress, one more.
///
/// # Safety
/// `h` is a live, growing map of type `t` (of this family), being written by the caller;
/// `bucket < 2^h.B`.
pub unsafe fn growWork_fast64(t: &MapType, h: &mut Hmap, bucket: usize) {
    debug_assert!(
        fits(t),
        "growWork_fast64 on a map without 8-byte inline keys"
    );
    // make sure we evacuate the oldbucket corresponding to the bucket we're about to use
    let ob = bucket & h.oldbucketmask();
    prefetch_evacuation(t, h, ob);
    prefetch_evacuation(t, h, h.nevacuate);
    // SAFETY: ob < noldbuckets.
    unsafe { evacuate_fast64(t, h, ob) };

    // evacuate one more oldbucket to make progress on growing
    if h.growing() {
        let nv = h.nevacuate;
        // SAFETY: nevacuate < noldbuckets while growing.
        unsafe { evacuate_fast64(t, h, nv) };
    }
}

/// Port of Go's `evacDst` for this family: where the entries of one half go.
struct EvacDst {
    /// current destination bucket
    b: *mut Bmap,
    /// key/elem index into b
    i: usize,
    /// pointer to current key storage
    k: *mut u8,
    /// pointer to current elem storage
    e: *mut u8,
}

impl EvacDst {
    /// A destination at slot 0 of bucket `b` (null for an unused Y half).
    ///
    /// # Safety
    /// `b` is null or a live bucket of this family.
    #[inline(always)]
    unsafe fn at(b: *mut Bmap) -> EvacDst {
        if b.is_null() {
            return EvacDst {
                b,
                i: 0,
                k: ptr::null_mut(),
                e: ptr::null_mut(),
            };
        }
        // SAFETY: live bucket (caller); the keys start at DATA_OFFSET, the elems 8 keys on.
        let k = unsafe { add(b, DATA_OFFSET) };
        EvacDst {
            b,
            i: 0,
            k,
            e: k.wrapping_add(BUCKET_CNT * KEYSIZE),
        }
    }
}

/// Port of `runtime.evacuate_fast64` (go1.19 map_fast64.go): moves every entry of old
/// bucket `oldbucket` (and its overflow chain) to the new array, to bucket `oldbucket` (X)
/// or `oldbucket + newbit` (Y) by the hash bit the doubling adds, marking each old cell
/// evacuatedX, evacuatedY or evacuatedEmpty.
///
/// As in `evacuate`, when no iterator may be reading the old array and the buckets hold
/// pointers, the old bucket's data is cleared after the move; its overflow chain is then
/// retired (Go's collector would free it; see `reclaim.rs`).
///
/// # Safety
/// `h` is a live, growing map of type `t` (of this family), being written by the caller;
/// `oldbucket < noldbuckets`.
pub unsafe fn evacuate_fast64(t: &MapType, h: &mut Hmap, oldbucket: usize) {
    debug_assert!(
        fits(t),
        "evacuate_fast64 on a map without 8-byte inline keys"
    );
    // SAFETY: oldbucket < noldbuckets (caller).
    let mut b = unsafe { bucket_at(t, h.oldbuckets, oldbucket) };
    let newbit = h.noldbuckets();
    // SAFETY: `b` is live.
    if !unsafe { evacuated(b) } {
        // Go's source leaves as future work: reuse overflow buckets instead of using new ones, if there
        // is no iterator using the old buckets. (If !oldIterator.)

        // xy contains the x and y (low and high) evacuation destinations.
        // SAFETY: oldbucket < 2^B, and oldbucket + newbit < 2^B when doubling. Only
        // calculate y pointers if we're growing bigger (Go: otherwise GC can see bad
        // pointers).
        let mut xy = unsafe {
            [
                EvacDst::at(bucket_at(t, h.buckets, oldbucket)),
                EvacDst::at(if h.sameSizeGrow() {
                    ptr::null_mut()
                } else {
                    bucket_at(t, h.buckets, oldbucket + newbit)
                }),
            ]
        };

        while !b.is_null() {
            for i in 0..BUCKET_CNT {
                // SAFETY: slot i of the live old bucket `b`.
                let (k, e) = unsafe { (key64(b, i).cast::<u8>(), elem64(t, b, i)) };
                // SAFETY: live bucket, i < 8.
                let top = unsafe { (*b).tophash[i] };
                if isEmpty(top) {
                    // SAFETY: live bucket.
                    unsafe { (*b).tophash[i] = EVACUATED_EMPTY };
                    continue;
                }
                if top < MIN_TOP_HASH {
                    throw("bad map state");
                }
                let mut useY: u8 = 0;
                if !h.sameSizeGrow() {
                    // Compute hash to make our evacuation decision (whether we need to
                    // send this key/elem to bucket x or bucket y).
                    // SAFETY: `k` is the 8-byte key of a live cell.
                    let hash = unsafe { hash64(t, k, h.hash0 as usize) };
                    if hash & newbit != 0 {
                        useY = 1;
                    }
                }

                // SAFETY: live bucket; evacuatedX + 1 == evacuatedY (const-asserted).
                unsafe { (*b).tophash[i] = EVACUATED_X + useY };
                let dst = &mut xy[useY as usize]; // evacuation destination

                if dst.i == BUCKET_CNT {
                    // SAFETY: dst.b is the last bucket of its chain in the new array.
                    dst.b = unsafe { h.newoverflow(t, dst.b) };
                    // SAFETY: a fresh bucket.
                    *dst = unsafe { EvacDst::at(dst.b) };
                }
                // SAFETY: dst.i < 8 (masked, as Go does to avoid a bounds check), and
                // dst.k/dst.e are the key and elem slots of dst.i in the live bucket dst.b;
                // the old slots are live and do not overlap the new ones.
                unsafe {
                    (*dst.b).tophash[dst.i & (BUCKET_CNT - 1)] = top;
                    // Copy key.
                    *dst.k.cast::<u64>() = *k.cast::<u64>();
                    copy_slot(e, dst.e, t.elem.size);
                }
                dst.i += 1;
                // These updates might push these pointers past the end of the key or elem
                // arrays. That's ok, as we have the overflow pointer at the end of the
                // bucket to protect against pointing past the end of the bucket.
                dst.k = dst.k.wrapping_add(KEYSIZE);
                dst.e = dst.e.wrapping_add(t.elemsize as usize);
            }
            // SAFETY: live bucket.
            b = unsafe { Bmap::overflow(b, t) };
        }
        // Unlink the overflow buckets & clear key/elem to help GC.
        if h.flags() & OLD_ITERATOR == 0 && t.bucket_has_pointers {
            // SAFETY: oldbucket is inside the old array.
            let b = unsafe { bucket_at(t, h.oldbuckets, oldbucket) };
            // Go's GC would now free the chain; we retire it (see reclaim.rs).
            let oldB = h.oldB();
            // SAFETY: the chain is reachable only from `b`, whose link is cleared below.
            unsafe { reclaim::retire_chain(t, h, h.oldbuckets, oldB, b) };
            // Preserve b.tophash because the evacuation state is maintained there.
            // SAFETY: from DATA_OFFSET to the end of the bucket.
            unsafe {
                ptr::write_bytes(add(b, DATA_OFFSET), 0, t.bucketsize as usize - DATA_OFFSET)
            };
        }
    }

    if oldbucket == h.nevacuate {
        // SAFETY: live, growing map being written.
        unsafe { advanceEvacuationMark(h, t, newbit) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maptype::{GoKind, Type};
    use crate::runtime::{check, dump::dump_string, makemap, mapfree};
    use core::cell::Cell;

    thread_local! {
        static CALLS: Cell<usize> = const { Cell::new(0) };
    }

    /// Go's memhash64, counting its calls.
    unsafe extern "C-unwind" fn counting_hash(p: *const u8, seed: usize, _t: *const Type) -> usize {
        CALLS.with(|c| c.set(c.get() + 1));
        // SAFETY: the map hands an 8-byte key.
        unsafe { alg::memhash64(p, seed) }
    }

    #[test]
    fn one_bucket_lookup_does_not_hash() {
        let mut t = MapType::int64();
        t.hasher = counting_hash;
        t.hash_alg = HashAlg::Custom;
        // SAFETY: a fresh map of type t, freed at the end.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            for k in 0..8u64 {
                *mapassign_fast64(&t, h, k << 40).cast::<u64>() = k + 100;
            }
            let before = CALLS.with(|c| c.get());
            for k in 0..16u64 {
                let (e, ok) = mapaccess2_fast64(&t, h, k << 40);
                assert_eq!(ok, k < 8);
                assert_eq!(*e.cast::<u64>(), if k < 8 { k + 100 } else { 0 });
                assert_eq!(
                    *mapaccess1_fast64(&t, h, k << 40).cast::<u64>(),
                    *e.cast::<u64>()
                );
            }
            assert_eq!(CALLS.with(|c| c.get()), before, "B == 0 lookups hashed");
            check(&t, h).unwrap();
            mapfree(&t, h);
        }
    }

    #[test]
    fn delete_clears_pointer_keys_only() {
        let tp = MapType::for_go_types(GoKind::Pointer, GoKind::Int64).unwrap();
        assert_eq!(tp.fast, crate::maptype::MapFast::Fast64Ptr);
        let ti = MapType::int64();
        for (t, cleared) in [(tp, true), (ti, false)] {
            // SAFETY: a fresh map of type t, freed at the end; pointer keys are never read.
            unsafe {
                let h = makemap(&t, 0, ptr::null_mut());
                *mapassign_fast64ptr(&t, h, 0x1000usize as *mut u8).cast::<u64>() = 1;
                *mapassign_fast64(&t, h, 0x2000).cast::<u64>() = 2;
                assert_eq!(*mapaccess1_fast64(&t, h, 0x1000).cast::<u64>(), 1);
                mapdelete_fast64(&t, h, 0x1000);
                let b = (*h).buckets;
                assert_eq!((*b).tophash[0], EMPTY_ONE, "{}", dump_string(&t, h));
                let want = if cleared { 0 } else { 0x1000 };
                assert_eq!(*key64(b, 0), want, "{}", dump_string(&t, h));
                assert_eq!(*elem64(&t, b, 0).cast::<u64>(), 0);
                mapdelete_fast64(&t, h, 0x2000);
                assert_eq!((*h).count, 0);
                assert_eq!([(*b).tophash[0], (*b).tophash[1]], [EMPTY_REST, EMPTY_REST]);
                mapfree(&t, h);
            }
        }
    }

    #[test]
    #[should_panic(expected = "concurrent map read and map write")]
    fn read_during_write_is_fatal() {
        let t = MapType::int64();
        // SAFETY: a fresh map; the panic leaves it leaked, which is fine in a test.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            mapassign_fast64(&t, h, 1);
            (*h).set_flags(HASH_WRITING);
            mapaccess1_fast64(&t, h, 1);
        }
    }
}
