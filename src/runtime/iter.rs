//! Iteration. Port of `hiter`, `mapiterinit` and `mapiternext` (go1.19 map.go).
//!
//! An iterator walks the buckets of the array that was current when it started
//! (`it.buckets`), from a random bucket and a random offset inside each bucket, so that
//! programs cannot come to rely on an order. The map may grow underneath it:
//! * while the growth that was in progress at the start is still going (`it.B == h.B`),
//!   a bucket whose old bucket is not evacuated yet is read from the old bucket, keeping
//!   only the entries that will land in the bucket being walked (`checkBucket`);
//! * an entry found in a bucket that has since been evacuated is looked up again
//!   (`mapaccessK`), so a deleted entry is skipped and an updated elem is seen.
//!
//! gomap adds one thing Go leaves to its collector: a started iterator is counted as
//! live on its map until it runs out, [`mapiterend`] is called, or it is dropped. While
//! any iterator is live the map defers freeing the memory an iterator may still read (see
//! `reclaim.rs`).
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::access::mapaccessK;
use super::reclaim;
use super::types::*;
use crate::base::rand::rand;
use crate::maptype::MapType;

/// A hash iteration structure. Port of Go's `hiter`, fields in Go's order (`key` and
/// `elem` first; a null `key` means the iteration is over).
///
/// The fields are private: `Drop` trusts them (a registered iterator's `h` and `t` are
/// live), so only [`mapiterinit`] sets them; accessors keep Go's names.
///
/// ```compile_fail
/// let mut it = gomap::Hiter::new();
/// it.h = std::ptr::null_mut(); // private: `Drop` trusts it
/// ```
///
/// Invariants: while `registered`, the iterator is counted in its map's live iterators
/// and `h` and `t` are live. `bucket` is the next bucket to enter (wrapping at `2^B`),
/// `bptr` the bucket being read, `i` the next slot in it.
#[repr(C)]
#[derive(Debug)]
pub struct Hiter {
    /// The current entry's key, or null when the iteration is over.
    key: *mut u8,
    /// The current entry's elem.
    elem: *mut u8,
    /// The map type.
    t: *const MapType,
    /// The map.
    h: *mut Hmap,
    /// `h.buckets` at initialisation.
    buckets: *mut Bmap,
    /// The current bucket.
    bptr: *mut Bmap,
    /// Go keeps the overflow buckets alive for its GC here; unused in gomap.
    overflow: *mut u8,
    /// As `overflow`, for the old array; unused in gomap.
    oldoverflow: *mut u8,
    /// The bucket iteration started at.
    startBucket: usize,
    /// Intra-bucket offset to start from during iteration.
    offset: u8,
    /// Already wrapped around from the end of the bucket array to the beginning.
    wrapped: bool,
    /// `h.B` at initialisation.
    B: u8,
    /// Next slot to look at in `bptr`.
    i: u8,
    /// The next bucket to enter.
    bucket: usize,
    /// The new-array bucket whose entries are wanted when reading an old bucket, or
    /// [`NO_CHECK`].
    checkBucket: usize,
    /// go1.24: `h.clearSeq` at initialisation; when the map's differs, a clear happened
    /// since and every entry found is looked up again.
    clearSeq: u64,
    /// Counted in the map's live iterators.
    registered: bool,
    /// gomap's step cache (see [`mapiternext_current`]): when non-zero, the live slots of
    /// `bptr` from slot `i` on in walk order (bit 7 of byte j for the j-th), as `bptr`'s
    /// tophash word `snap` shows them; it may be used only while that word is unchanged.
    rest: u64,
    /// `bptr`'s tophash word when `rest` was computed.
    snap: u64,
    /// The first bucket of the chain the full port is reading (`bptr` is in it), and its
    /// index and array's `B`: what [`mapiter_golden`] needs to follow an evacuated cell.
    head: *mut Bmap,
    /// The index of `head` in its array.
    head_bucket: usize,
    /// log2 of the size of `head`'s array.
    head_B: u8,
}

// SAFETY: an Hiter only reads its map; sending it to another thread is allowed under Go's
// rules (no concurrent writer), which the caller upholds as for the map itself.
unsafe impl Send for Hiter {}

impl Hiter {
    /// A zero iterator, as Go's compiler lays one down before `mapiterinit`.
    pub const fn new() -> Hiter {
        Hiter {
            key: ptr::null_mut(),
            elem: ptr::null_mut(),
            t: ptr::null(),
            h: ptr::null_mut(),
            buckets: ptr::null_mut(),
            bptr: ptr::null_mut(),
            overflow: ptr::null_mut(),
            oldoverflow: ptr::null_mut(),
            startBucket: 0,
            offset: 0,
            wrapped: false,
            B: 0,
            i: 0,
            bucket: 0,
            checkBucket: 0,
            clearSeq: 0,
            registered: false,
            rest: 0,
            snap: 0,
            head: ptr::null_mut(),
            head_bucket: 0,
            head_B: 0,
        }
    }

    /// The current entry's key (indirection resolved), or null when the iteration is over.
    #[inline(always)]
    pub fn key(&self) -> *mut u8 {
        self.key
    }
    /// The current entry's elem (indirection resolved).
    #[inline(always)]
    pub fn elem(&self) -> *mut u8 {
        self.elem
    }
    /// The map type.
    pub fn t(&self) -> *const MapType {
        self.t
    }
    /// The map.
    pub fn h(&self) -> *mut Hmap {
        self.h
    }
    /// `h.buckets` at initialisation.
    pub fn buckets(&self) -> *mut Bmap {
        self.buckets
    }
    /// The current bucket.
    pub fn bptr(&self) -> *mut Bmap {
        self.bptr
    }
    /// The bucket iteration started at.
    pub fn startBucket(&self) -> usize {
        self.startBucket
    }
    /// Intra-bucket offset to start from.
    pub fn offset(&self) -> u8 {
        self.offset
    }
    /// Whether the walk wrapped around from the end of the array to the beginning.
    pub fn wrapped(&self) -> bool {
        self.wrapped
    }
    /// `h.B` at initialisation.
    pub fn B(&self) -> u8 {
        self.B
    }
    /// Next slot to look at in `bptr`.
    pub fn i(&self) -> u8 {
        self.i
    }
    /// The next bucket to enter.
    pub fn bucket(&self) -> usize {
        self.bucket
    }
    /// The new-array bucket being filtered for in an old bucket, or [`NO_CHECK`].
    pub fn checkBucket(&self) -> usize {
        self.checkBucket
    }

    /// Whether this iterator is counted as live on its map.
    pub fn is_registered(&self) -> bool {
        self.registered
    }
}

impl Default for Hiter {
    fn default() -> Hiter {
        Hiter::new()
    }
}

impl Drop for Hiter {
    fn drop(&mut self) {
        // SAFETY: a registered iterator's map and type are live (mapiterinit's contract).
        unsafe { mapiterend(self) };
    }
}

/// Port of `runtime.mapiterinit`: initializes `it` for ranging over `h` and advances it to
/// the first entry (`it.key` null when there is none).
///
/// # Safety
/// `h` is null or a live map of type `t`; `it` is not registered on another map (a fresh or
/// finished iterator). While `it` is registered, `h` and `t` must stay alive and no other
/// thread may write `h`. `it` must be dropped or passed to [`mapiterend`] before `h` is
/// freed.
pub unsafe fn mapiterinit(t: &MapType, h: *mut Hmap, it: &mut Hiter) {
    // A nil or empty map's iteration returns before Go decides where to start: no draw.
    // SAFETY: non-null, live (caller).
    if h.is_null() || unsafe { (*h).count == 0 } {
        // SAFETY: forwarded; r is unused for an empty map.
        unsafe { mapiterinit_r(t, h, it, 0) };
        return;
    }
    // SAFETY: non-null, live (caller).
    let B = unsafe { (*h).B };
    // decide where to start
    // go1.22: uintptr(rand()), always 64 bits; before: fastrand64() only when B > 28
    // (the start needs more than 32 bits), else fastrand(), the low 32 bits of one step.
    let r = if t.release().uses_chacha8() || B > 31 - BUCKET_CNT_BITS as u8 {
        rand(t.release()) as usize
    } else {
        rand(t.release()) as u32 as usize
    };
    // SAFETY: forwarded.
    unsafe { mapiterinit_r(t, h, it, r) }
}

/// [`mapiterinit`] with the random word given: `startBucket = r & (2^B - 1)` and
/// `offset = (r >> B) & 7`, as Go computes them from `fastrand`. Used by the differential
/// traces (`iter ID R`).
///
/// # Safety
/// As [`mapiterinit`].
pub unsafe fn mapiterinit_r(t: &MapType, h: *mut Hmap, it: &mut Hiter, r: usize) {
    // SAFETY: `it` is fresh or finished; ending it is a no-op or unregisters from its
    // (still live) map.
    unsafe { mapiterend(it) };
    *it = Hiter::new();
    it.t = t;
    if h.is_null() || {
        // SAFETY: non-null, live (caller).
        unsafe { (*h).count == 0 }
    } {
        return;
    }

    // SAFETY: non-null, live (caller).
    let hm = unsafe { &*h };
    it.h = h;

    // grab snapshot of bucket state
    it.B = hm.B;
    it.buckets = hm.buckets;
    it.clearSeq = hm.clearSeq; // go1.24 (always 0 before)

    // decide where to start
    it.startBucket = r & bucketMask(hm.B);
    it.offset = ((r >> hm.B) & (BUCKET_CNT - 1)) as u8;

    // iterator state
    it.bucket = it.startBucket;

    // Remember we have an iterator. Can run concurrently with another mapiterinit().
    let old = hm.flags();
    if old & (ITERATOR | OLD_ITERATOR) != ITERATOR | OLD_ITERATOR {
        hm.flags.fetch_or(
            ITERATOR | OLD_ITERATOR,
            core::sync::atomic::Ordering::Relaxed,
        );
    }
    reclaim::iter_register(hm);
    it.registered = true;

    // SAFETY: `it` is initialised on a live map.
    unsafe { mapiternext(it) };
}

/// Port of `runtime.mapiternext`: advances `it` to the next entry; `it.key` becomes null
/// when there are no more (and the iterator stops being live).
///
/// gomap takes a shortcut (inlined into the caller) in the common case: the map is not
/// growing, the iterator walks its current array, and keys and elems are inline. The
/// bucket then holds no evacuation marks, so Go's loop reduces to "the next non-empty
/// slot in iteration order", which all 8 tophash bytes give at once. Everything else
/// goes through the full port.
///
/// # Safety
/// `it` was initialised by [`mapiterinit`] and its map and type are still live; no other
/// thread writes the map during the call.
#[inline(always)]
pub unsafe fn mapiternext(it: &mut Hiter) {
    if it.registered && it.checkBucket == NO_CHECK {
        // SAFETY: a registered iterator's map and type are live (caller).
        let (h, t) = unsafe { (&*it.h, &*it.t) };
        if !h.growing()
            && it.buckets == h.buckets
            && !t.indirectkey()
            && !t.indirectelem()
            && h.flags() & HASH_WRITING == 0
            && it.clearSeq == h.clearSeq
        {
            // SAFETY: as for mapiternext, and the conditions just checked.
            if unsafe { mapiternext_current(it, t) } {
                return;
            }
        }
    }
    // SAFETY: forwarded.
    unsafe { mapiternext_full(it) }
}

/// [`mapiternext`]'s shortcut: the same walk, when `it` walks `h`'s current array (which
/// holds no evacuation marks, as the map is not growing and marks only ever appear in an
/// old array) and keys and elems are inline. Returns false, having changed nothing, at
/// the end of the iteration (the full port finishes it).
///
/// # Safety
/// As [`mapiternext`]; `it` is registered with `checkBucket == NO_CHECK` and walks the
/// current array of its map, which is not growing; `t` has inline keys and elems.
///
/// The common step, another live slot further on in the same bucket, is taken from the
/// step cache (`rest`, `snap`) when the bucket's 8 tophash bytes are still what they were
/// at the previous step. The walk then visits exactly the slots the full computation
/// would: which slots it visits depends on those 8 bytes and on `i` alone, and a write
/// that adds or removes an entry of this bucket changes them (keys and elems are read
/// afresh either way). The cache shortens the chain of dependent operations from one
/// step to the next to a bit-clear, which is what bounds iteration speed when the
/// buckets are in cache.
#[inline(always)]
unsafe fn mapiternext_current(it: &mut Hiter, t: &MapType) -> bool {
    let rest = it.rest;
    if rest != 0 {
        let b = it.bptr;
        // SAFETY: `rest != 0` only while `bptr` is a live bucket of the current array or
        // one of its chains (set below, cleared by the full port).
        if unsafe { tophash_word(b) } == it.snap {
            let j = lowest_slot(rest);
            it.rest = rest & (rest - 1);
            let offi = (j + it.offset as usize) & (BUCKET_CNT - 1);
            // SAFETY: slot offi < 8 of a live bucket; inline key and elem.
            unsafe {
                it.key = key_at(t, b, offi);
                it.elem = elem_at(t, b, offi);
            }
            it.i = (j + 1) as u8;
            return true;
        }
    }
    let mut bucket = it.bucket;
    let mut b = it.bptr;
    let mut i = it.i as usize;
    let mut wrapped = it.wrapped;
    let rot = 8 * it.offset as u32;
    loop {
        if b.is_null() {
            if bucket == it.startBucket && wrapped {
                return false;
            }
            // SAFETY: bucket < 2^it.B, the current array's size (it.buckets == h.buckets).
            b = unsafe { bucket_at(t, it.buckets, bucket) };
            bucket += 1;
            if bucket == bucketShift(it.B) {
                bucket = 0;
                wrapped = true;
            }
            i = 0;
        }
        // Byte j of `w` is the tophash of slot (j + offset) & 7, the j-th in walk order.
        // SAFETY: `b` is a live bucket of the current array or one of its chains.
        let snap = unsafe { tophash_word(b) };
        let w = snap.rotate_right(rot);
        let live = !match_empty(w) & 0x8080_8080_8080_8080;
        let m = if i < BUCKET_CNT {
            live & (!0u64 << (8 * i))
        } else {
            0
        };
        if m != 0 {
            let j = lowest_slot(m);
            let offi = (j + it.offset as usize) & (BUCKET_CNT - 1);
            // SAFETY: slot offi < 8 of a live bucket; inline key and elem.
            unsafe {
                it.key = key_at(t, b, offi);
                it.elem = elem_at(t, b, offi);
            }
            it.bucket = bucket;
            it.bptr = b;
            it.i = (j + 1) as u8;
            it.wrapped = wrapped;
            it.rest = m & (m - 1);
            it.snap = snap;
            return true;
        }
        // SAFETY: `b` is live.
        b = unsafe { Bmap::overflow(b, t) };
        i = 0;
    }
}

/// The full port of `runtime.mapiternext` (see [`mapiternext`]).
///
/// # Safety
/// As [`mapiternext`].
#[inline(never)]
unsafe fn mapiternext_full(it: &mut Hiter) {
    // The step cache holds only what the shortcut computed.
    it.rest = 0;
    if !it.registered {
        // An iteration over an empty map, or one that already ended.
        it.key = ptr::null_mut();
        it.elem = ptr::null_mut();
        return;
    }
    // SAFETY: a registered iterator's map is live (caller).
    let h = unsafe { &*it.h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentIterWrite);
    }
    // SAFETY: a registered iterator's type is live (caller).
    let t = unsafe { &*it.t };
    let mut bucket = it.bucket;
    let mut b = it.bptr;
    let mut i = it.i as usize;
    let mut checkBucket = it.checkBucket;

    loop {
        // next:
        if b.is_null() {
            if bucket == it.startBucket && it.wrapped {
                it.key = ptr::null_mut();
                it.elem = ptr::null_mut();
                // SAFETY: the iteration is over; the map is live.
                unsafe { mapiterend(it) };
                return;
            }
            // SAFETY: the arrays below are live (current, old, or the iterator's own,
            // which reclamation keeps while the iterator is live); indexes are masked.
            unsafe {
                if h.growing() && it.B == h.B {
                    // Iterator was started in the middle of a grow, and the grow isn't
                    // done yet. If the bucket we're looking at hasn't been filled in yet
                    // (i.e. the old bucket hasn't been evacuated) then we need to iterate
                    // through the old bucket and only return the ones that will be
                    // migrated to this bucket.
                    let oldbucket = bucket & h.oldbucketmask();
                    b = bucket_at(t, h.oldbuckets, oldbucket);
                    if !evacuated(b) {
                        checkBucket = bucket;
                        (it.head_bucket, it.head_B) = (oldbucket, h.oldB());
                    } else {
                        b = bucket_at(t, it.buckets, bucket);
                        checkBucket = NO_CHECK;
                        (it.head_bucket, it.head_B) = (bucket, it.B);
                    }
                } else {
                    b = bucket_at(t, it.buckets, bucket);
                    checkBucket = NO_CHECK;
                    (it.head_bucket, it.head_B) = (bucket, it.B);
                }
                it.head = b;
            }
            bucket += 1;
            if bucket == bucketShift(it.B) {
                bucket = 0;
                it.wrapped = true;
            }
            i = 0;
        }
        while i < BUCKET_CNT {
            let offi = (i + it.offset as usize) & (BUCKET_CNT - 1);
            // SAFETY: `b` is a live bucket (see above), offi < 8.
            let th = unsafe { (*b).tophash[offi] };
            if isEmpty(th) || th == EVACUATED_EMPTY {
                // Go notes that emptyRest is hard to use here, as we start iterating in the
                // middle of a bucket. It's feasible, just tricky.
                i += 1;
                continue;
            }
            // SAFETY: slot offi of a live bucket.
            let mut k = unsafe { key_at(t, b, offi) };
            if t.indirectkey() {
                // SAFETY: a non-empty cell's indirect slot.
                k = unsafe { load_ptr(k) };
                if k.is_null() {
                    // Only an old bucket that a write evacuated and cleared while this
                    // iterator stood in it has a nil here; Go would fault. Its entries
                    // live on in the new array, where a later bucket of this walk (or the
                    // re-lookup) covers them.
                    i += 1;
                    continue;
                }
            }
            // SAFETY: slot offi of a live bucket.
            let mut e = unsafe { elem_at(t, b, offi) };
            if checkBucket != NO_CHECK && !h.sameSizeGrow() {
                // Special case: iterator was started during a grow to a larger size and
                // the grow is not done yet. We're working on a bucket whose oldbucket has
                // not been evacuated yet. Or at least, it wasn't evacuated when we
                // started the bucket. So we're iterating through the oldbucket, skipping
                // any keys that will go to the other new bucket (each oldbucket expands to
                // two buckets during a grow).
                // SAFETY: `k` is a key of t.
                if t.reflexivekey() || unsafe { t.key_equal(k, k) } {
                    // If the item in the oldbucket is not destined for the current new
                    // bucket in the iteration, skip it.
                    // SAFETY: `k` is a key of t.
                    let hash = unsafe { t.hash(k, h.hash0 as usize) };
                    if hash & bucketMask(it.B) != checkBucket {
                        i += 1;
                        continue;
                    }
                } else {
                    // Hash isn't repeatable if k != k (NaNs). We need a repeatable and
                    // randomish choice of which direction to send NaNs during evacuation.
                    // We'll use the low bit of tophash to decide which way NaNs go.
                    // NOTE: this case is why we need two evacuate tophash values,
                    // evacuatedX and evacuatedY, that differ in their low bit.
                    if checkBucket >> (it.B - 1) != (th & 1) as usize {
                        i += 1;
                        continue;
                    }
                }
            }
            // go1.24: `it.clearSeq == h.clearSeq &&` (always true before 1.24, where
            // clearSeq stays 0): after a clear, every entry is looked up again.
            if it.clearSeq == h.clearSeq
                && ((th != EVACUATED_X && th != EVACUATED_Y)
                    // SAFETY: `k` is a key of t.
                    || !(t.reflexivekey() || unsafe { t.key_equal(k, k) }))
            {
                // This is the golden data, we can return it. OR key!=key, so the entry
                // can't be deleted or updated, so we can just return it. That's lucky for
                // us because when key!=key we can't look it up successfully.
                it.key = k;
                if t.indirectelem() {
                    // SAFETY: a non-empty cell's indirect elem slot.
                    e = unsafe { load_ptr(e) };
                }
                it.elem = e;
            } else {
                // The hash table has grown since the iterator was started. The golden data
                // for this key is now somewhere else. Check the current hash table for the
                // data. This code handles the case where the key has been deleted,
                // updated, or deleted and reinserted. NOTE: we need to regrab the key as it
                // has potentially been updated to an equal() but not identical key (e.g.
                // +0.0 vs -0.0).
                // SAFETY: `k` is a key of t; the map is live.
                let (rk, re) = unsafe { mapaccessK(t, h, k) };
                if rk.is_null() {
                    i += 1;
                    continue; // key has been deleted
                }
                it.key = rk;
                it.elem = re;
            }
            it.bucket = bucket;
            it.bptr = b;
            it.i = (i + 1) as u8;
            it.checkBucket = checkBucket;
            return;
        }
        // SAFETY: `b` is live.
        b = unsafe { Bmap::overflow(b, t) };
        i = 0;
    }
}

/// Where the entry `it` stands on lives now: `(it.key, it.elem)`, except for a stale
/// copy. Not in Go.
///
/// When a key is not equal to itself (a NaN) and its old bucket was evacuated after the
/// iterator entered it, Go's `mapiternext` returns the old cell as it is, since such a key
/// cannot be looked up (see the comment there). For Go that is a copy of a value nothing
/// can change; for a caller that writes through `it.elem`, or owns what the value points
/// at, the copy is not the entry. This finds the cell the entry was moved to: evacuation
/// fills each destination chain in the old chain's order, so the entry is the n-th cell
/// of its destination chain, n being the number of cells before it in the old chain that
/// went the same way. Keys never move within their new bucket and such a key can never be
/// deleted, so it is still there.
///
/// # Safety
/// As [`mapiternext`]: `it` was initialised by [`mapiterinit`] and its map and type are
/// live; no write runs during the call.
pub unsafe fn mapiter_golden(it: &Hiter) -> (*mut u8, *mut u8) {
    let (k, e) = (it.key, it.elem);
    if k.is_null() || !it.registered || it.head.is_null() {
        return (k, e);
    }
    // SAFETY: a registered iterator's map and type are live (caller).
    let (h, t) = unsafe { (&*it.h, &*it.t) };
    if t.reflexivekey() {
        return (k, e);
    }
    let b = it.bptr;
    let offi = (it.i as usize)
        .wrapping_sub(1)
        .wrapping_add(it.offset as usize)
        & (BUCKET_CNT - 1);
    // SAFETY: `bptr` is the live bucket the current entry was read from (the old arrays an
    // iterator reads are kept while it is live, see reclaim.rs).
    let mark = unsafe { (*b).tophash[offi] };
    if mark != EVACUATED_X && mark != EVACUATED_Y {
        return (k, e);
    }
    // Count the cells of the old chain before the current one that went the same way.
    let mut n = 0usize;
    let mut c = it.head;
    'walk: loop {
        if c.is_null() {
            throw("bad map state");
        }
        for j in 0..BUCKET_CNT {
            if c == b && j == offi {
                break 'walk;
            }
            // SAFETY: `c` is a live bucket of the chain that holds `b`.
            if unsafe { (*c).tophash[j] } == mark {
                n += 1;
            }
        }
        // SAFETY: as above.
        c = unsafe { Bmap::overflow(c, t) };
    }
    // The destination: bucket head_bucket (X) or head_bucket + 2^head_B (Y) of the array
    // that replaced the chain's one.
    let dst = if h.B == it.head_B {
        it.head_bucket
    } else if h.B == it.head_B + 1 {
        it.head_bucket + ((mark - EVACUATED_X) as usize) * bucketShift(it.head_B)
    } else {
        throw("bad map state")
    };
    // SAFETY: dst < 2^h.B; the current array and its chains are live; the n-th cell of the
    // chain exists (evacuation wrote it) and still holds the entry (see above).
    unsafe {
        let mut d = bucket_at(t, h.buckets, dst);
        for _ in 0..n / BUCKET_CNT {
            d = Bmap::overflow(d, t);
            if d.is_null() {
                throw("bad map state");
            }
        }
        let j = n % BUCKET_CNT;
        if isEmpty((*d).tophash[j]) {
            throw("bad map state");
        }
        let mut k = key_at(t, d, j);
        if t.indirectkey() {
            k = load_ptr(k);
        }
        let mut e = elem_at(t, d, j);
        if t.indirectelem() {
            e = load_ptr(e);
        }
        (k, e)
    }
}

/// Ends an iteration early: the iterator stops being live on its map, which may then free
/// memory it held back. Idempotent; [`Hiter`]'s `Drop` calls it. Not in Go, whose
/// collector makes it unnecessary.
///
/// # Safety
/// If `it` is registered, its map and type are live.
pub unsafe fn mapiterend(it: &mut Hiter) {
    if it.registered {
        it.registered = false;
        // SAFETY: registered iterators have a live map and type (caller).
        unsafe { reclaim::iter_unregister(&*it.t, &*it.h) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{makemap, mapassign_fast64, mapdelete_fast64, mapfree};

    /// Go's compiler reads `hiter.key` and `hiter.elem` at offsets 0 and PtrSize.
    #[test]
    fn hiter_key_and_elem_first() {
        assert_eq!(core::mem::offset_of!(Hiter, key), 0);
        assert_eq!(
            core::mem::offset_of!(Hiter, elem),
            core::mem::size_of::<usize>()
        );
    }

    /// The shortcut with its step cache visits exactly what the full port visits, when the
    /// map is written between steps (deletes and inserts landing in the bucket being
    /// read, updates, growth): two identical maps take the same writes, one iterator steps
    /// with `mapiternext`, the other with `mapiternext_full` only.
    #[test]
    fn step_cache_walks_as_the_full_port_under_writes() {
        let t = MapType::int64();
        let mut g = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            g ^= g << 13;
            g ^= g >> 7;
            g ^= g << 17;
            g
        };
        for round in 0..300 {
            let n = next() % 60;
            let keyspace = n + 1 + next() % 40;
            // SAFETY: two fresh maps of type t, used by this thread only; iterators end
            // before the maps are freed.
            unsafe {
                let (h1, h2) = (
                    makemap(&t, 0, ptr::null_mut()),
                    makemap(&t, 0, ptr::null_mut()),
                );
                (*h2).hash0 = (*h1).hash0;
                for k in 0..n {
                    *mapassign_fast64(&t, h1, k).cast::<u64>() = k;
                    *mapassign_fast64(&t, h2, k).cast::<u64>() = k;
                }
                let r = next() as usize;
                let (mut a, mut b) = (Hiter::new(), Hiter::new());
                mapiterinit_r(&t, h1, &mut a, r);
                mapiterinit_r(&t, h2, &mut b, r);
                let mut steps = 0;
                loop {
                    assert_eq!(
                        a.key.is_null(),
                        b.key.is_null(),
                        "round {round} step {steps}"
                    );
                    if a.key.is_null() {
                        break;
                    }
                    let (ka, kb) = (*a.key.cast::<u64>(), *b.key.cast::<u64>());
                    assert_eq!(ka, kb, "round {round} step {steps}");
                    assert_eq!(*a.elem.cast::<u64>(), *b.elem.cast::<u64>());
                    // Writes between steps: mostly none, so the cache is used.
                    match next() % 8 {
                        0 => {
                            let k = next() % keyspace;
                            mapdelete_fast64(&t, h1, k);
                            mapdelete_fast64(&t, h2, k);
                        }
                        1 => {
                            let (k, v) = (next() % keyspace, next());
                            *mapassign_fast64(&t, h1, k).cast::<u64>() = v;
                            *mapassign_fast64(&t, h2, k).cast::<u64>() = v;
                        }
                        _ => {}
                    }
                    mapiternext(&mut a);
                    mapiternext_full(&mut b);
                    steps += 1;
                }
                mapiterend(&mut a);
                mapiterend(&mut b);
                mapfree(&t, h1);
                mapfree(&t, h2);
            }
        }
    }
}
