//! Growth: starting it, and moving entries to the new array a little at a time. Port of
//! `hashGrow`, `growWork`, `bucketEvacuated`, `evacuate` and `advanceEvacuationMark`
//! (go1.19 map.go).
//!
//! A map grows when a write would push it past the load factor (twice as many buckets)
//! or when it has as many overflow buckets as buckets (a *same-size* grow, which packs
//! entries tightly again after deletions left chains sparse). `hashGrow` only allocates
//! the new array; the entries move later, in `growWork`, two old buckets per write: the
//! one the write is about to use, and the next one in order (`nevacuate`). Readers look in
//! the old array while a bucket there is not evacuated yet.
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::make::{bucket_array_len, makeBucketArray, overLoadFactor};
use super::reclaim;
use super::types::*;
use crate::maptype::MapType;

/// Port of `runtime.hashGrow`: allocates the new bucket array and makes the current one
/// the old one.
///
/// # Safety
/// `h` is a live map of type `t`, not growing, being written by the caller.
pub unsafe fn hashGrow(t: &MapType, h: &mut Hmap) {
    // If we've hit the load factor, get bigger. Otherwise, there are too many overflow
    // buckets, so keep the same number of buckets and "grow" laterally.
    let mut bigger = 1u8;
    if !overLoadFactor(h.count + 1, h.B, t.release()) {
        bigger = 0;
        h.set_flags(h.flags() | SAME_SIZE_GROW);
    }
    let oldbuckets = h.buckets;
    // SAFETY: a fresh allocation.
    let (newbuckets, nextOverflow) = unsafe { makeBucketArray(t, h.B + bigger, ptr::null_mut()) };

    let mut flags = h.flags() & !(ITERATOR | OLD_ITERATOR);
    if h.flags() & ITERATOR != 0 {
        flags |= OLD_ITERATOR;
    }
    // commit the grow (atomic wrt gc)
    h.B += bigger;
    h.set_flags(flags);
    h.oldbuckets = oldbuckets;
    h.buckets = newbuckets;
    h.nevacuate = 0;
    h.noverflow = 0;

    // (Go moves extra.overflow to extra.oldoverflow here; see `Mapextra`.)
    if !nextOverflow.is_null() {
        if h.extra.is_null() {
            // SAFETY: a zeroed Mapextra is valid.
            h.extra = unsafe {
                t.alloc.alloc(
                    core::mem::size_of::<Mapextra>(),
                    core::mem::align_of::<Mapextra>(),
                )
            }
            .cast();
        }
        // SAFETY: `extra` is live.
        unsafe { (*h.extra).nextOverflow = nextOverflow };
    }

    // the actual copying of the hash table data is done incrementally
    // by growWork() and evacuate().
}

/// Port of `runtime.growWork`: evacuates the old bucket behind `bucket` (the one about to
/// be used) and, to make progress, one more.
///
/// # Safety
/// `h` is a live, growing map of type `t`, being written by the caller.
pub unsafe fn growWork(t: &MapType, h: &mut Hmap, bucket: usize) {
    // make sure we evacuate the oldbucket corresponding to the bucket we're about to use
    let ob = bucket & h.oldbucketmask();
    prefetch_evacuation(t, h, ob);
    prefetch_evacuation(t, h, h.nevacuate);
    // SAFETY: ob < noldbuckets.
    unsafe { evacuate(t, h, ob) };

    // evacuate one more oldbucket to make progress on growing
    if h.growing() {
        let nv = h.nevacuate;
        // SAFETY: nevacuate < noldbuckets while growing.
        unsafe { evacuate(t, h, nv) };
    }
}

/// Starts loading the buckets that evacuating old bucket `ob` reads and writes: the old
/// bucket and its X and Y destinations (see [`prefetch_bucket`]). Not in Go: the growth
/// functions call it for both buckets a write evacuates, so that their cache misses
/// overlap instead of following one another (on a large map each is a trip to memory).
#[inline(always)]
pub(crate) fn prefetch_evacuation(t: &MapType, h: &Hmap, ob: usize) {
    let bs = t.bucketsize as usize;
    prefetch_bucket(t, h.oldbuckets.cast::<u8>().wrapping_add(ob * bs).cast());
    prefetch_bucket(t, h.buckets.cast::<u8>().wrapping_add(ob * bs).cast());
    if !h.sameSizeGrow() {
        let y = ob + h.noldbuckets();
        prefetch_bucket(t, h.buckets.cast::<u8>().wrapping_add(y * bs).cast());
    }
}

/// Port of `runtime.bucketEvacuated`.
///
/// # Safety
/// `h` is growing and `bucket < noldbuckets`.
pub unsafe fn bucketEvacuated(t: &MapType, h: &Hmap, bucket: usize) -> bool {
    // SAFETY: bucket is inside the old array (caller).
    unsafe { evacuated(bucket_at(t, h.oldbuckets, bucket)) }
}

/// Port of Go's `evacDst`: where entries of one half go.
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

/// Port of `runtime.evacuate`: moves every entry of old bucket `oldbucket` (and its
/// overflow chain) to the new array, to bucket `oldbucket` (X, the low half) or
/// `oldbucket + newbit` (Y, the high half) by the hash bit the doubling adds, marking
/// each old cell evacuatedX, evacuatedY or evacuatedEmpty.
///
/// # Safety
/// `h` is a live, growing map of type `t`, being written by the caller;
/// `oldbucket < noldbuckets`.
pub unsafe fn evacuate(t: &MapType, h: &mut Hmap, oldbucket: usize) {
    // SAFETY: oldbucket < noldbuckets (caller).
    let mut b = unsafe { bucket_at(t, h.oldbuckets, oldbucket) };
    let newbit = h.noldbuckets();
    // SAFETY: `b` is live.
    if !unsafe { evacuated(b) } {
        // Go's source leaves as future work: reuse overflow buckets instead of using new ones, if there
        // is no iterator using the old buckets. (If !oldIterator.)

        // xy contains the x and y (low and high) evacuation destinations.
        // SAFETY: oldbucket < 2^B, and oldbucket + newbit < 2^B when doubling.
        let mut xy = unsafe {
            let xb = bucket_at(t, h.buckets, oldbucket);
            let x = EvacDst {
                b: xb,
                i: 0,
                k: key_at(t, xb, 0),
                e: elem_at(t, xb, 0),
            };
            let y = if !h.sameSizeGrow() {
                // Only calculate y pointers if we're growing bigger.
                // Otherwise GC can see bad pointers.
                let yb = bucket_at(t, h.buckets, oldbucket + newbit);
                EvacDst {
                    b: yb,
                    i: 0,
                    k: key_at(t, yb, 0),
                    e: elem_at(t, yb, 0),
                }
            } else {
                EvacDst {
                    b: ptr::null_mut(),
                    i: 0,
                    k: ptr::null_mut(),
                    e: ptr::null_mut(),
                }
            };
            [x, y]
        };

        while !b.is_null() {
            for i in 0..BUCKET_CNT {
                // SAFETY: live bucket, i < 8.
                let mut top = unsafe { (*b).tophash[i] };
                if isEmpty(top) {
                    // SAFETY: live bucket.
                    unsafe { (*b).tophash[i] = EVACUATED_EMPTY };
                    continue;
                }
                if top < MIN_TOP_HASH {
                    throw("bad map state");
                }
                // SAFETY: slot i of a live bucket.
                let k = unsafe { key_at(t, b, i) };
                // SAFETY: slot i of a live bucket.
                let e = unsafe { elem_at(t, b, i) };
                let mut k2 = k;
                if t.indirectkey() {
                    // SAFETY: live cell.
                    k2 = unsafe { load_ptr(k2) };
                }
                let mut useY: u8 = 0;
                if !h.sameSizeGrow() {
                    // Compute hash to make our evacuation decision (whether we need to
                    // send this key/elem to bucket x or bucket y).
                    // SAFETY: `k2` is a key of t.
                    let hash = unsafe { t.hash(k2, h.hash0 as usize) };
                    if h.flags() & ITERATOR != 0
                        && !t.reflexivekey()
                        // SAFETY: `k2` is a key of t.
                        && !unsafe { t.key_equal(k2, k2) }
                    {
                        // If key != key (NaNs), then the hash could be (and probably will
                        // be) entirely different from the old hash. Moreover, it isn't
                        // reproducible. Reproducibility is required in the presence of
                        // iterators, as our evacuation decision must match whatever
                        // decision the iterator made. Fortunately, we have the freedom to
                        // send these keys either way. Also, tophash is meaningless for
                        // these kinds of keys. We let the low bit of tophash drive the
                        // evacuation decision. We recompute a new random tophash for the
                        // next level so these keys will get evenly distributed across all
                        // buckets after multiple grows.
                        useY = top & 1;
                        top = tophash(hash);
                    } else if hash & newbit != 0 {
                        useY = 1;
                    }
                }

                let dst = &mut xy[useY as usize]; // evacuation destination

                if dst.i == BUCKET_CNT {
                    // SAFETY: dst.b is the last bucket of its chain in the new array.
                    dst.b = unsafe { h.newoverflow(t, dst.b) };
                    dst.i = 0;
                    // SAFETY: a fresh bucket.
                    unsafe {
                        dst.k = key_at(t, dst.b, 0);
                        dst.e = elem_at(t, dst.b, 0);
                    }
                }
                // Go marks the old cell before it allocates the overflow bucket; gomap
                // marks it after, with the same result, so that "out of memory" in
                // `newoverflow` leaves the entry in a live old cell, owned by the old
                // array (mapfree frees an evacuated cell's indirect key and elem with the
                // new array's copy, which does not exist then).
                // SAFETY: live bucket; evacuatedX + 1 == evacuatedY (const-asserted).
                unsafe { (*b).tophash[i] = EVACUATED_X + useY };
                // SAFETY: dst.i < 8 (masked as in Go); dst.k/dst.e are the slots of dst.i.
                unsafe {
                    (*dst.b).tophash[dst.i & (BUCKET_CNT - 1)] = top;
                    if t.indirectkey() {
                        store_ptr(dst.k, k2); // copy pointer
                    } else {
                        ptr::copy_nonoverlapping(k, dst.k, t.key.size); // copy key (Go comments this line "copy elem")
                    }
                    if t.indirectelem() {
                        store_ptr(dst.e, load_ptr(e));
                    } else {
                        ptr::copy_nonoverlapping(e, dst.e, t.elem.size);
                    }
                }
                dst.i += 1;
                // These updates might push these pointers past the end of the key or elem
                // arrays. That's ok, as we have the overflow pointer at the end of the
                // bucket to protect against pointing past the end of the bucket.
                dst.k = dst.k.wrapping_add(t.keysize as usize);
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
        // SAFETY: live, growing map.
        unsafe { advanceEvacuationMark(h, t, newbit) };
    }
}

/// Port of `runtime.advanceEvacuationMark`: moves `nevacuate` past evacuated buckets
/// (looking at most 1024 ahead, to keep a write's cost bounded), and ends the growth
/// once every old bucket is evacuated. The old array is then retired (a large one drained
/// over the following writes, see `reclaim::retire_array_gradually`).
///
/// # Safety
/// `h` is a live, growing map of type `t`, being written by the caller.
pub unsafe fn advanceEvacuationMark(h: &mut Hmap, t: &MapType, newbit: usize) {
    h.nevacuate += 1;
    // Experiments suggest that 1024 is overkill by at least an order of magnitude.
    // Put it in there as a safeguard anyway, to ensure O(1) behavior.
    let stop = (h.nevacuate + 1024).min(newbit);
    // SAFETY: nevacuate < stop <= newbit == noldbuckets.
    while h.nevacuate != stop && unsafe { bucketEvacuated(t, h, h.nevacuate) } {
        h.nevacuate += 1;
    }
    if h.nevacuate == newbit {
        // newbit == # of oldbuckets
        // Growing is all done. Free old main bucket array.
        let old = h.oldbuckets;
        let oldB = h.oldB();
        h.oldbuckets = ptr::null_mut();
        // (Go also drops extra.oldoverflow here, which can then be garbage collected.)
        h.set_flags(h.flags() & !SAME_SIZE_GROW);
        // SAFETY: `h` no longer references the old array; every entry was moved.
        unsafe { reclaim::retire_array_gradually(t, h, old, oldB) };
        // gomap: the new array's regular buckets are written through now, so huge pages
        // can back them without any insert taking a 2 MiB fault (Go's heap is on huge
        // pages; see Allocator::advise_huge_pages). Only a dense array: at 3 entries per
        // bucket a 4 KiB page holding no entry is all but impossible, where a sparse one
        // (a same-size growth after many deletes) would leave untouched pages that the
        // advice turns into 2 MiB faults and khugepaged into memory.
        if h.count >> h.B >= 3 {
            let len = t.bucketsize as usize * bucketShift(h.B);
            let size = t.bucketsize as usize * bucket_array_len(t, h.B);
            // SAFETY: h.buckets is the array makeBucketArray(t, h.B) allocated from t.alloc
            // (hashGrow), live, never released in part; len <= size.
            unsafe { t.alloc.advise_huge_pages(h.buckets.cast(), len, size, 8) };
        }
    }
}
