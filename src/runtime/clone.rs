//! `maps.Clone`. Port of `runtime.mapclone2` and `moveToBmap` (go1.21 and go1.22
//! map.go; the classic map has them from 1.21 on).
//!
//! A clone is a fresh map sized for the source's count, with the source's `hash0`, so
//! every key hashes as before: the entries of source bucket `i`, `i + 2^dst.B`,
//! `i + 2*2^dst.B`, ... all belong in destination bucket `i`, and are packed into it (and
//! its overflow chain) in walk order, dropping the holes deletions left. Entries of old
//! buckets not yet evacuated by a growth go after them: appended to the destination chain
//! when they all map to one destination bucket, else inserted one by one.
//!
//! One difference from Go: Go shares an indirect key between source and clone when
//! `needkeyupdate` is false (the key memory is immutable and its collector frees it when
//! both maps drop it). gomap frees memory explicitly, so a clone always owns a copy. The
//! bytes a dump shows are the same; only the pointer values differ, as any two
//! allocations' do.
//
// Copyright 2023 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::assign::mapassign;
use super::make::{makemap, overLoadFactor};
use super::types::*;
use crate::maptype::MapType;

/// Go's panic text for a clone that finds the source being written.
pub const CONCURRENT_CLONE_WRITE: &str = "concurrent map clone and map write";

/// Copies the key or elem at `src` (`size` bytes, stored indirectly when `indirect`) into
/// the slot `dst`, allocating a fresh block for an indirect one.
///
/// # Safety
/// `src` is a live slot of a map of type `t`; `dst` an empty slot of the same kind.
unsafe fn copy_entry(t: &MapType, src: *mut u8, dst: *mut u8, indirect: bool, key: bool) {
    let (size, align) = if key {
        (t.key.size, t.key.align as usize)
    } else {
        (t.elem.size, t.elem.align as usize)
    };
    // SAFETY: the caller vouches for both slots; a fresh block has `size` bytes.
    unsafe {
        if indirect {
            let from = load_ptr(src);
            let to = t.alloc.alloc(size, align);
            ptr::copy_nonoverlapping(from, to, size);
            store_ptr(dst, to);
        } else {
            ptr::copy_nonoverlapping(src, dst, size);
        }
    }
}

/// Port of `runtime.moveToBmap`: moves the live entries of bucket `src` into `dst` from
/// slot `pos` on, chaining a new overflow bucket when `dst` fills. Returns the bucket and
/// slot where the next entry goes (`pos == 8` means "in a new overflow bucket").
///
/// # Safety
/// `src` is a live bucket of a map of type `t`; `dst` a bucket of `h`'s current array or
/// its chains whose slots from `pos` on may be written; exclusive access to `h`.
pub unsafe fn moveToBmap(
    t: &MapType,
    h: &mut Hmap,
    mut dst: *mut Bmap,
    mut pos: usize,
    src: *mut Bmap,
) -> (*mut Bmap, usize) {
    for i in 0..BUCKET_CNT {
        // SAFETY: live buckets (caller); i, pos < 8 where indexed.
        unsafe {
            if isEmpty((*src).tophash[i]) {
                continue;
            }
            while pos < BUCKET_CNT {
                if isEmpty((*dst).tophash[pos]) {
                    break;
                }
                pos += 1;
            }
            if pos == BUCKET_CNT {
                dst = h.newoverflow(t, dst);
                pos = 0;
            }
            (*dst).tophash[pos] = (*src).tophash[i];
            copy_entry(
                t,
                key_at(t, src, i),
                key_at(t, dst, pos),
                t.indirectkey(),
                true,
            );
            copy_entry(
                t,
                elem_at(t, src, i),
                elem_at(t, dst, pos),
                t.indirectelem(),
                false,
            );
        }
        pos += 1;
        h.count += 1;
    }
    (dst, pos)
}

/// Port of `runtime.mapclone2` (go1.21 map.go; go1.22 caps the hint): `maps.Clone(m)` for
/// a non-nil map. Draws one random number (the new map's seed, which the source's then
/// replaces), as Go's `makemap` does. Free the clone with [`super::mapfree`].
///
/// # Safety
/// `src` is a live map of type `t`; no other thread writes it during the call.
pub unsafe fn mapclone2(t: &MapType, src: *mut Hmap) -> *mut Hmap {
    // SAFETY: live (caller); only read here.
    let src = unsafe { &*src };
    let mut hint = src.count;
    if t.release() >= crate::maptype::release::Go1_22 && overLoadFactor(hint, src.B, t.release()) {
        // go1.22: in rare cases (e.g. during a same-sized grow) the map can be overloaded.
        // Make sure we don't allocate a destination bucket array larger than the source
        // bucket array. This will cause the cloned map to be overloaded also, but that's
        // better than crashing. See Go issue 69110.
        hint = t.release().loadFactorNum() * (bucketShift(src.B) / LOAD_FACTOR_DEN);
    }
    // SAFETY: a fresh map.
    let dstp = unsafe { makemap(t, hint as isize, ptr::null_mut()) };
    // SAFETY: fresh, exclusively ours.
    let dst = unsafe { &mut *dstp };
    dst.hash0 = src.hash0;
    dst.nevacuate = 0;
    // flags do not need to be copied here, just like a new map has no flags.

    if src.count == 0 {
        return dstp;
    }

    if src.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::Fatal(CONCURRENT_CLONE_WRITE));
    }

    if src.B == 0 && !(t.indirectkey() && t.needkeyupdate()) && !t.indirectelem() {
        // Quick copy for small maps: the whole bucket, marks included. (gomap then gives
        // an indirect key a copy of its own, see the module doc.)
        // SAFETY: one zeroed bucket; src's lone bucket is live; B = 0 maps never chain
        // (a 9th entry grows the map), so the copied overflow word is nil.
        unsafe {
            dst.buckets = t.alloc.alloc(t.bucketsize as usize, 8).cast();
            dst.count = src.count;
            ptr::copy_nonoverlapping(
                src.buckets.cast::<u8>(),
                dst.buckets.cast::<u8>(),
                t.bucketsize as usize,
            );
            if t.indirectkey() {
                for i in 0..BUCKET_CNT {
                    if !isEmpty((*dst.buckets).tophash[i]) {
                        let k = key_at(t, src.buckets, i);
                        copy_entry(t, k, key_at(t, dst.buckets, i), true, true);
                    }
                }
            }
        }
        return dstp;
    }

    if dst.B == 0 {
        // SAFETY: bucketsize > 0; zeroed memory is an empty bucket.
        dst.buckets = unsafe { t.alloc.alloc(t.bucketsize as usize, 8) }.cast();
    }
    let dstArraySize = bucketShift(dst.B);
    let srcArraySize = bucketShift(src.B);
    if dstArraySize > srcArraySize {
        // Only go1.21 gets here (an overloaded source, e.g. during a same-size grow; Go
        // issue 69110): Go reads past the source array and faults. gomap stops instead.
        throw("mapclone: clone larger than its source (go1.21 faults here)");
    }
    for i in 0..dstArraySize {
        // SAFETY: i < 2^dst.B.
        let mut dstBmap = unsafe { bucket_at(t, dst.buckets, i) };
        let mut pos = 0;
        let mut j = 0;
        while j < srcArraySize {
            // SAFETY: i + j < 2^src.B (dst.B <= src.B: the hint never exceeds the source's
            // load); the chain is live.
            let mut srcBmap = unsafe { bucket_at(t, src.buckets, i + j) };
            while !srcBmap.is_null() {
                // SAFETY: as above; dst is exclusively ours.
                unsafe {
                    (dstBmap, pos) = moveToBmap(t, dst, dstBmap, pos, srcBmap);
                    srcBmap = Bmap::overflow(srcBmap, t);
                }
            }
            j += dstArraySize;
        }
    }

    if src.oldbuckets.is_null() {
        return dstp;
    }

    let mut oldB = src.B;
    let srcOldbuckets = src.oldbuckets;
    if !src.sameSizeGrow() {
        oldB -= 1;
    }
    let oldSrcArraySize = bucketShift(oldB);

    for i in 0..oldSrcArraySize {
        // SAFETY: i < 2^oldB, the old array's size.
        let mut srcBmap = unsafe { bucket_at(t, srcOldbuckets, i) };
        // SAFETY: live bucket.
        if unsafe { evacuated(srcBmap) } {
            continue;
        }

        if oldB >= dst.B {
            // main bucket bits in dst is less than oldB bits in src
            // SAFETY: masked index; dst's chains are live.
            let mut dstBmap = unsafe { bucket_at(t, dst.buckets, i & bucketMask(dst.B)) };
            // SAFETY: as above.
            unsafe {
                while !Bmap::overflow(dstBmap, t).is_null() {
                    dstBmap = Bmap::overflow(dstBmap, t);
                }
            }
            let mut pos = 0;
            while !srcBmap.is_null() {
                // SAFETY: live source chain; dst exclusively ours.
                unsafe {
                    (dstBmap, pos) = moveToBmap(t, dst, dstBmap, pos, srcBmap);
                    srcBmap = Bmap::overflow(srcBmap, t);
                }
            }
            continue;
        }

        // oldB < dst.B, so a single source bucket may go to multiple destination buckets.
        // Process entries one at a time.
        while !srcBmap.is_null() {
            // move from oldBucket to new bucket
            for k in 0..BUCKET_CNT {
                // SAFETY: live bucket, k < 8.
                if isEmpty(unsafe { (*srcBmap).tophash[k] }) {
                    continue;
                }
                if src.flags() & HASH_WRITING != 0 {
                    fatal(RuntimeError::Fatal(CONCURRENT_CLONE_WRITE));
                }
                // SAFETY: a live cell of the source; mapassign on our own map returns a
                // slot for elem.size bytes (an indirect elem's fresh block).
                unsafe {
                    let mut srcK = key_at(t, srcBmap, k);
                    if t.indirectkey() {
                        srcK = load_ptr(srcK);
                    }
                    let mut srcEle = elem_at(t, srcBmap, k);
                    if t.indirectelem() {
                        srcEle = load_ptr(srcEle);
                    }
                    let dstEle = mapassign(t, dstp, srcK);
                    ptr::copy_nonoverlapping(srcEle, dstEle, t.elem.size);
                }
            }
            // SAFETY: live bucket.
            srcBmap = unsafe { Bmap::overflow(srcBmap, t) };
        }
    }
    dstp
}
