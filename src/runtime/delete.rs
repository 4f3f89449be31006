//! Deletion and clearing. Port of `mapdelete` and `mapclear` (go1.19 map.go).
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::assign::key_equal_writing;
use super::grow::growWork;
use super::make::{bucket_array_len, for_each_live_cell, free_cell_indirect, makeBucketArray};
use super::reclaim;
use super::types::*;
use crate::base::rand::rand;
use crate::maptype::MapType;

/// Port of `runtime.mapdelete`: removes `key` if present.
///
/// The slot's tophash becomes `emptyOne`; if nothing live follows it in the chain, it and
/// the `emptyOne` cells before it (walking back across overflow buckets) become `emptyRest`,
/// so lookups stop early. Deleting the last entry re-seeds `hash0`, so an attacker who
/// found colliding keys for one seed cannot keep using them by emptying and refilling the
/// map (Go issue 25237).
///
/// # Safety
/// As [`super::mapassign`] (a null `h` is allowed and is a no-op).
pub unsafe fn mapdelete(t: &MapType, h: *mut Hmap, key: *const u8) {
    // SAFETY: the caller's guarantees; the hook does nothing.
    unsafe { mapdelete_with(t, h, key, |_, _| {}) }
}

/// [`mapdelete`] that hands the entry to `found` before clearing it.
///
/// gomap: Go's collector keeps a deleted value alive for whoever still holds it; without
/// one, a caller that owns the entry's key and value (the safe typed map) must move them
/// out before `mapdelete` zeroes the slot. Looking the key up first and deleting second
/// walks the chain twice; `found` is called once, with the stored key and elem (behind
/// their indirections, as `mapaccessK` returns them), after the key compared equal and
/// before anything of the entry is cleared. The map's bytes are `mapdelete`'s.
///
/// `found` runs while the map is being written (`hashWriting` set): if it panics, the map
/// is left marked as written, and every later write reports a concurrent write.
///
/// # Safety
/// As [`mapdelete`]. `found` may read the key and elem (they are cleared after it
/// returns); it must not write the map.
#[inline]
pub unsafe fn mapdelete_with(
    t: &MapType,
    h: *mut Hmap,
    key: *const u8,
    found: impl FnOnce(*mut u8, *mut u8),
) {
    if h.is_null() || {
        // SAFETY: non-null, live (caller).
        unsafe { (*h).count == 0 }
    } {
        // SAFETY: `key` is a key (caller).
        unsafe { super::access::emptyMapKeyCheck(t, key) };
        return;
    }
    // SAFETY: non-null, live, exclusive for the call (caller).
    let h = unsafe { &mut *h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }

    // SAFETY: `key` is a key (caller).
    let hash = unsafe { t.hash(key, h.hash0 as usize) };

    // Set hashWriting after calling t.hasher, since t.hasher may panic, in which case we
    // have not actually done a write (delete).
    h.set_flags(h.flags() ^ HASH_WRITING);
    // gomap: give back a little of an old array that growth finished with (reclaim.rs).
    // SAFETY: a live map, being written.
    unsafe { reclaim::drain(t, h) };

    let bucket = hash & bucketMask(h.B);
    if h.growing() {
        // SAFETY: live and growing.
        unsafe { growWork(t, h, bucket) };
    }
    // SAFETY: bucket < 2^B.
    let mut b = unsafe { bucket_at(t, h.buckets, bucket) };
    let bOrig = b;
    let top = tophash(hash);
    'search: while !b.is_null() {
        let mut i = 0;
        while i < BUCKET_CNT {
            // SAFETY: live bucket, i < 8.
            let th = unsafe { (*b).tophash[i] };
            if th != top {
                if th == EMPTY_REST {
                    break 'search;
                }
                i += 1;
                continue;
            }
            // SAFETY: slot i of a live bucket.
            let k = unsafe { key_at(t, b, i) };
            let mut k2 = k;
            if t.indirectkey() {
                // SAFETY: live cell.
                k2 = unsafe { load_ptr(k2) };
            }
            // SAFETY: keys of t; nothing of this delete is changed yet (see
            // key_equal_writing).
            if !unsafe { key_equal_writing(t, h, key, k2) } {
                i += 1;
                continue;
            }
            // SAFETY: slot i of a live bucket.
            let e = unsafe { elem_at(t, b, i) };
            // gomap: the caller takes the entry (see above).
            found(
                k2,
                if t.indirectelem() {
                    // SAFETY: a live indirect slot.
                    unsafe { load_ptr(e) }
                } else {
                    e
                },
            );
            // Only clear key if there are pointers in it.
            if t.indirectkey() {
                // SAFETY: the slot is a live indirect slot; its key is no longer reachable
                // once the slot is nulled.
                unsafe {
                    store_ptr(k, ptr::null_mut());
                    reclaim::retire(t, h, k2, t.key.size, t.key.align as usize);
                }
            } else if t.key.ptrdata != 0 {
                // SAFETY: key.size bytes of the slot.
                unsafe { ptr::write_bytes(k, 0, t.key.size) };
            }
            if t.indirectelem() {
                // SAFETY: live indirect slot, as for the key.
                unsafe {
                    let v = load_ptr(e);
                    store_ptr(e, ptr::null_mut());
                    reclaim::retire(t, h, v, t.elem.size, t.elem.align as usize);
                }
            } else {
                // Go clears the elem either way (memclrHasPointers or memclrNoHeapPointers).
                // SAFETY: elem.size bytes of the slot.
                unsafe { ptr::write_bytes(e, 0, t.elem.size) };
            }
            // SAFETY: slot i of `b`, in the chain from bOrig, was the key's and is cleared.
            unsafe { mark_deleted(t, h, bOrig, b, i) };
            break 'search;
        }
        // SAFETY: live bucket.
        b = unsafe { Bmap::overflow(b, t) };
    }

    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
}

/// The end of `mapdelete` and of every `mapdelete_fastN` (go1.19 map.go and
/// map_fast*.go): slot `i` of `b` becomes `emptyOne`; if the bucket now ends in a run of
/// `emptyOne` cells with nothing live after them in the chain, the run becomes
/// `emptyRest`, walking back across the chain from `bOrig`; then the count drops, and
/// an emptied map gets a new hash seed, to make it more difficult for attackers to
/// repeatedly trigger hash collisions (Go issue 25237). Go repeats this in each family
/// because "for loops are not currently inlineable"; here one inlined function serves
/// all four.
///
/// # Safety
/// `b` is a live bucket of the chain that starts at `bOrig`; slot `i < 8` of it held the
/// deleted entry, whose key and elem are already cleared; `h` is being written.
#[inline(always)]
pub(crate) unsafe fn mark_deleted(
    t: &MapType,
    h: &mut Hmap,
    bOrig: *mut Bmap,
    mut b: *mut Bmap,
    mut i: usize,
) {
    // SAFETY: `b` is a live bucket of the chain from bOrig, and so is its successor when
    // non-null; the walk back stays in that chain (caller).
    unsafe {
        (*b).tophash[i] = EMPTY_ONE;
        let notLast = if i == BUCKET_CNT - 1 {
            let o = Bmap::overflow(b, t);
            !o.is_null() && (*o).tophash[0] != EMPTY_REST
        } else {
            (*b).tophash[i + 1] != EMPTY_REST
        };
        if !notLast {
            loop {
                (*b).tophash[i] = EMPTY_REST;
                if i == 0 {
                    if b == bOrig {
                        break; // beginning of initial bucket, we're done.
                    }
                    // Find previous bucket, continue at its last entry.
                    let c = b;
                    b = bOrig;
                    while Bmap::overflow(b, t) != c {
                        b = Bmap::overflow(b, t);
                    }
                    i = BUCKET_CNT - 1;
                } else {
                    i -= 1;
                }
                if (*b).tophash[i] != EMPTY_ONE {
                    break;
                }
            }
        }
    }
    // notLast:
    h.count -= 1;
    if h.count == 0 {
        h.hash0 = rand(t.release()) as u32; // go1.22: uint32(rand())
    }
}

/// Port of `runtime.mapclear`: deletes all keys, keeping the bucket array (cleared) and
/// its preallocated overflow buckets. Separately allocated overflow buckets, the old array
/// of an unfinished growth and indirect keys and elems are retired (see `reclaim.rs`).
///
/// Like Go, it returns at once for an empty map, so the seed is kept then.
///
/// Later releases tell live iterators about the clear: go1.21 first marks every slot of
/// the current and old arrays `emptyRest`, so that an iterator standing in them finds
/// nothing more; go1.24 drops the marking and bumps `clearSeq` instead, and an iterator
/// that started before looks each entry it still finds up again (see `mapiternext`).
///
/// # Safety
/// As [`super::mapassign`] (a null `h` is allowed and is a no-op).
pub unsafe fn mapclear(t: &MapType, h: *mut Hmap) {
    if h.is_null() || {
        // SAFETY: non-null, live (caller).
        unsafe { (*h).count == 0 }
    } {
        return;
    }
    // SAFETY: non-null, live, exclusive (caller).
    let h = unsafe { &mut *h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() ^ HASH_WRITING);

    if t.release().clear_marks_empty() {
        // go1.21: mark buckets empty, so existing iterators can be terminated (Go issue
        // 59411). Before retiring anything: retired blocks may be freed at once.
        // SAFETY: exclusive access; both arrays are live with their chains.
        unsafe {
            markBucketsEmpty(t, h.buckets, h.B);
            if !h.oldbuckets.is_null() {
                let oldB = h.oldB();
                markBucketsEmpty(t, h.oldbuckets, oldB);
            }
        }
    }

    // What Go drops for its collector: live indirect entries, the old array with its
    // chains, and the current array's separately allocated overflow buckets.
    // SAFETY: exclusive access; each block is retired once (see the functions' docs).
    unsafe { retire_for_clear(t, h) };

    h.set_flags(h.flags() & !SAME_SIZE_GROW);
    h.oldbuckets = ptr::null_mut();
    h.nevacuate = 0;
    h.noverflow = 0;
    h.count = 0;
    if t.release().has_clear_seq() {
        // go1.24: iterators started before this clear re-look their entries up.
        h.clearSeq = h.clearSeq.wrapping_add(1);
    }

    // Reset the hash seed to make it more difficult for attackers to repeatedly trigger
    // hash collisions. See Go issue 25237.
    h.hash0 = rand(t.release()) as u32; // go1.22: uint32(rand())

    // Keep the mapextra allocation but clear any extra information.
    if !h.extra.is_null() {
        // SAFETY: `extra` is live.
        unsafe { (*h.extra).nextOverflow = ptr::null_mut() };
    }

    // makeBucketArray clears the memory pointed to by h.buckets and recovers any overflow
    // buckets by generating them as if h.buckets was newly alloced.
    // SAFETY: h.buckets was made by makeBucketArray(t, h.B, ..) (or is the lone B=0 bucket,
    // which is the same allocation).
    let (_, nextOverflow) = unsafe { makeBucketArray(t, h.B, h.buckets) };
    if !nextOverflow.is_null() {
        // If overflow buckets are created then h.extra will have been allocated during
        // initial bucket creation.
        // SAFETY: `extra` exists whenever the array has preallocated buckets.
        unsafe { (*h.extra).nextOverflow = nextOverflow };
    }

    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
}

/// The `markBucketsEmpty` closure of go1.21's `mapclear`: sets every tophash of the
/// `2^B` buckets at `base` and of their overflow chains to `emptyRest`.
///
/// # Safety
/// `base` is a live array of `2^B` buckets of type `t` with live chains; exclusive access.
unsafe fn markBucketsEmpty(t: &MapType, base: *mut Bmap, B: u8) {
    for i in 0..bucketShift(B) {
        // SAFETY: i < 2^B; the chain's buckets are live (caller).
        unsafe {
            let mut b = bucket_at(t, base, i);
            while !b.is_null() {
                (*b).tophash = [EMPTY_REST; BUCKET_CNT];
                b = Bmap::overflow(b, t);
            }
        }
    }
}

/// Retires what `mapclear` drops.
///
/// # Safety
/// Exclusive access to a live map with `count > 0`.
unsafe fn retire_for_clear(t: &MapType, h: &Hmap) {
    let indirect = t.indirectkey() || t.indirectelem();
    if !h.oldbuckets.is_null() {
        let oldB = h.oldB();
        if indirect {
            // Cells of unevacuated old buckets own their indirect entries; evacuated
            // cells (marked evacuatedX/Y) handed theirs to the new array.
            // SAFETY: the old array is live with 2^oldB buckets.
            unsafe { retire_live_indirect(t, h, h.oldbuckets, oldB) };
        }
        // SAFETY: the old array is dropped from `h` by mapclear right after this.
        unsafe { reclaim::retire_array(t, h, h.oldbuckets, oldB) };
    }
    if indirect {
        // SAFETY: the current array is live with 2^B buckets.
        unsafe { retire_live_indirect(t, h, h.buckets, h.B) };
    }
    let n = 1usize << h.B;
    debug_assert!(bucket_array_len(t, h.B) >= n);
    for i in 0..n {
        // SAFETY: i < 2^B; the chains are cleared by makeBucketArray right after.
        unsafe { reclaim::retire_chain(t, h, h.buckets, h.B, bucket_at(t, h.buckets, i)) };
    }
}

/// Retires the indirect keys and elems of every live cell of an array.
///
/// # Safety
/// `base` is a live array of `2^B` buckets of `h` whose live cells own their indirect
/// pointers.
unsafe fn retire_live_indirect(t: &MapType, h: &Hmap, base: *mut Bmap, B: u8) {
    // SAFETY: forwarded.
    unsafe {
        for_each_live_cell(t, base, B, |b, i| {
            free_cell_indirect(t, b, i, &mut |p, s, a| reclaim::retire(t, h, p, s, a));
        })
    };
}
