//! Insertion. Port of `mapassign` (go1.19 map.go).
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::grow::{growWork, hashGrow};
use super::make::{overLoadFactor, tooManyOverflowBuckets};
use super::reclaim;
use super::types::*;
use crate::base::guard::defer;
use crate::maptype::MapType;

/// `t.key_equal(a, b)` during a write (`hashWriting` set), for the bucket searches of
/// [`mapassign`] and [`super::mapdelete`]. If the key's `equal` panics, the write is
/// abandoned with the map consistent (nothing of this write is changed yet, or only
/// whole steps: a finished evacuation, a committed `hashGrow`), so `hashWriting` is
/// cleared on the way out and the map stays usable. Go leaves the flag set (its `equal`
/// panics only for uncomparable interface values, which its hasher rejects first), so
/// after a recovered panic every later write would throw "concurrent map writes"; an
/// embedder whose `equal` calls user code needs the map back instead.
///
/// # Safety
/// As [`MapType::key_equal`]; `h` is the live map being written, consistent at this point.
#[inline(always)]
pub(crate) unsafe fn key_equal_writing(
    t: &MapType,
    h: *const Hmap,
    a: *const u8,
    b: *const u8,
) -> bool {
    // Clears `hashWriting` if `equal` panics.
    let guard = defer(move || {
        // SAFETY: runs only if a panic unwinds past it, inside a write to the live map
        // `h`, whose `&mut` is no longer used once the panic unwinds; the flag is atomic.
        let h = unsafe { &*h };
        h.set_flags(h.flags() & !HASH_WRITING);
    });
    // SAFETY: forwarded from the caller.
    let eq = unsafe { t.key_equal(a, b) };
    guard.disarm();
    eq
}

/// Port of `runtime.mapassign`: finds or makes the slot for `key` and returns a pointer
/// to its elem, which the caller then writes (Go's compiler emits that store after the
/// call). A new entry's elem is zero.
///
/// Panics with "assignment to entry in nil map" when `h` is null and with "concurrent map
/// writes" when another write is seen in progress. A panic of the key's hasher (before
/// `hashWriting` is set, as in Go) or `equal` (see `key_equal_writing` in assign.rs) leaves the map
/// consistent and usable; see the module docs of [`super`] for the rest.
///
/// # Safety
/// `h` is null or a live map of type `t`; `key` points at a key of `t`. No other thread
/// uses the map during the call. The result is valid until the next write to the map.
pub unsafe fn mapassign(t: &MapType, h: *mut Hmap, key: *const u8) -> *mut u8 {
    // SAFETY: the caller's guarantees; the hook does nothing.
    unsafe { mapassign_with(t, h, key, |_| {}) }
}

/// [`mapassign`] that shows the stored key to `update` just before Go copies `key` over
/// it (an existing entry, `needkeyupdate`).
///
/// gomap: Go's collector frees the key that the copy makes unreachable; a caller that owns
/// the stored key's memory (the safe typed map's string keys) takes it here, in the same
/// walk, instead of looking the key up before assigning. `update` gets the stored key
/// (behind its indirection); it is not called for a new entry. The map's bytes are
/// `mapassign`'s. `update` runs while the map is being written: if it panics, every later
/// write reports a concurrent write.
///
/// # Safety
/// As [`mapassign`]; `update` may read the key, and must not write the map.
#[inline]
pub unsafe fn mapassign_with(
    t: &MapType,
    h: *mut Hmap,
    key: *const u8,
    update: impl FnOnce(*mut u8),
) -> *mut u8 {
    if h.is_null() {
        raise(RuntimeError::NilMapWrite);
    }
    // SAFETY: non-null, live, and ours alone for the call (caller).
    let h = unsafe { &mut *h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    // SAFETY: `key` points at a key (caller).
    let hash = unsafe { t.hash(key, h.hash0 as usize) };

    // Set hashWriting after calling t.hasher, since t.hasher may panic, in which case we
    // have not actually done a write.
    h.set_flags(h.flags() ^ HASH_WRITING);
    // gomap: give back a little of an old array that growth finished with (reclaim.rs).
    // SAFETY: a live map, being written.
    unsafe { reclaim::drain(t, h) };

    if h.buckets.is_null() {
        // newarray(t.bucket, 1)
        // SAFETY: bucketsize > 0; zeroed memory is an empty bucket.
        h.buckets = unsafe { t.alloc.alloc(t.bucketsize as usize, 8) }.cast();
    }

    let elem: *mut u8;
    'again: loop {
        let bucket = hash & bucketMask(h.B);
        if h.growing() {
            // SAFETY: `h` is live and growing.
            unsafe { growWork(t, h, bucket) };
        }
        // SAFETY: bucket < 2^B.
        let mut b = unsafe { bucket_at(t, h.buckets, bucket) };
        let top = tophash(hash);

        let mut inserti: *mut u8 = ptr::null_mut();
        let mut insertk: *mut u8 = ptr::null_mut();
        let mut ielem: *mut u8 = ptr::null_mut();
        'bucketloop: loop {
            for i in 0..BUCKET_CNT {
                // SAFETY: `b` is a live bucket of the chain, i < 8.
                let th = unsafe { (*b).tophash[i] };
                if th != top {
                    if isEmpty(th) && inserti.is_null() {
                        // SAFETY: slot `i` of a live bucket.
                        unsafe {
                            inserti = ptr::addr_of_mut!((*b).tophash[i]);
                            insertk = key_at(t, b, i);
                            ielem = elem_at(t, b, i);
                        }
                    }
                    if th == EMPTY_REST {
                        break 'bucketloop;
                    }
                    continue;
                }
                // SAFETY: slot `i` of a live bucket.
                let mut k = unsafe { key_at(t, b, i) };
                if t.indirectkey() {
                    // SAFETY: live cell, indirect slot holds a live key pointer.
                    k = unsafe { load_ptr(k) };
                }
                // SAFETY: both are keys of t; the map is consistent here (see
                // key_equal_writing).
                if !unsafe { key_equal_writing(t, h, key, k) } {
                    continue;
                }
                // already have a mapping for key. Update it.
                if t.needkeyupdate() {
                    // gomap: the caller takes the stored key (see mapassign_with).
                    update(k);
                    // SAFETY: `k` is a key of t, distinct from `key` storage.
                    unsafe { ptr::copy(key, k, t.key.size) };
                }
                // SAFETY: slot `i` of a live bucket.
                elem = unsafe { elem_at(t, b, i) };
                break 'again;
            }
            // SAFETY: `b` is live.
            let ovf = unsafe { Bmap::overflow(b, t) };
            if ovf.is_null() {
                break;
            }
            b = ovf;
        }

        // Did not find mapping for key. Allocate new cell & add entry.

        // If we hit the max load factor or we have too many overflow buckets, and we're
        // not already in the middle of growing, start growing.
        if !h.growing()
            && (overLoadFactor(h.count + 1, h.B, t.release())
                || tooManyOverflowBuckets(h.noverflow, h.B))
        {
            // SAFETY: live map, not growing.
            unsafe { hashGrow(t, h) };
            continue 'again; // Growing the table invalidates everything, so try again
        }

        if inserti.is_null() {
            // The current bucket and all the overflow buckets connected to it are full,
            // allocate a new one.
            // SAFETY: `b` is the last bucket of its chain.
            let newb = unsafe { h.newoverflow(t, b) };
            // SAFETY: `newb` is a fresh bucket.
            unsafe {
                inserti = ptr::addr_of_mut!((*newb).tophash[0]);
                insertk = key_at(t, newb, 0);
                ielem = elem_at(t, newb, 0);
            }
        }

        // store new key/elem at insert position
        let mut kmem = ptr::null_mut();
        if t.indirectkey() {
            // SAFETY: key.size > 128 > 0.
            kmem = unsafe { t.alloc.alloc(t.key.size, t.key.align as usize) };
            // SAFETY: `insertk` is an empty indirect slot.
            unsafe { store_ptr(insertk, kmem) };
            insertk = kmem;
        }
        if t.indirectelem() {
            // The cell is still empty, so nothing owns the key block stored above: if this
            // allocation fails ("out of memory"), give it back on the way out.
            let undo = defer(move || {
                if !kmem.is_null() {
                    // SAFETY: runs only if the allocation below unwinds. The block came
                    // from t.alloc with the key's size and alignment, and only an empty
                    // cell's slot points at it (never read, overwritten on reuse).
                    unsafe { t.alloc.dealloc(kmem, t.key.size, t.key.align as usize) };
                }
            });
            // SAFETY: elem.size > 128 > 0.
            let vmem = unsafe { t.alloc.alloc(t.elem.size, t.elem.align as usize) };
            undo.disarm();
            // SAFETY: `ielem` is an empty indirect slot.
            unsafe { store_ptr(ielem, vmem) };
        }
        // SAFETY: `insertk` has key.size writable bytes; `key` is a key of t.
        unsafe {
            ptr::copy(key, insertk, t.key.size);
            *inserti = top;
        }
        h.count += 1;
        elem = ielem;
        break 'again;
    }

    // done:
    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
    if t.indirectelem() {
        // SAFETY: `elem` is a live cell's indirect slot.
        return unsafe { load_ptr(elem) };
    }
    elem
}
