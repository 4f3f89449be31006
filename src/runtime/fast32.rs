//! The fast paths for maps with 4-byte plain-memory keys (`map[int32]E`, `map[uint32]E`,
//! `map[[4]byte]E`, ...). Port of go1.19 `runtime/map_fast32.go`.
//!
//! Go's compiler calls these instead of the generic `mapaccess1` .. `mapdelete` when the
//! key is 4 bytes of plain memory and the elem at most 128 bytes (`walk.mapfast`; see
//! [`super::dispatch`]). They run the generic algorithm with the key passed by value and
//! compared as an integer, and leave exactly the bytes the generic functions leave. What
//! differs from the generic code:
//!
//! * lookups compare the key first and look at the tophash only to skip empty cells, and
//!   a one-bucket map (`B == 0`) is searched without hashing the key at all;
//! * nothing is indirect (keys are 4 bytes, elems at most 128: the descriptor must say so,
//!   which every function checks with a `debug_assert!`), and a 4-byte memory key always
//!   equals itself, so [`evacuate_fast32`] needs none of the NaN handling of `evacuate`;
//! * the key is hashed with the descriptor's hasher, called directly (and inlined) when
//!   [`MapType::hash_alg`] says it is Go's `memhash32`.
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
const KEYSIZE: usize = 4;

/// Whether `t` is a descriptor this family serves: 4-byte inline keys, inline elems.
#[inline(always)]
fn fits(t: &MapType) -> bool {
    t.keysize as usize == KEYSIZE && !t.indirectkey() && !t.indirectelem()
}

/// Go's `t.hasher(key, seed)` for a 4-byte key: Go's `memhash32` called directly when the
/// descriptor names it (the same function, so the same hash, but inlinable), else the
/// descriptor's own function.
///
/// # Safety
/// `key` points at 4 readable bytes.
#[inline(always)]
unsafe fn hash32(t: &MapType, key: *const u8, seed: usize) -> usize {
    if t.hash_alg == HashAlg::Mem32 {
        // SAFETY: 4 readable bytes (caller); `HashAlg::Mem32` records that `t.hasher` is
        // memhash32, so this is the call Go makes.
        // go1.23: the portable (no-AES) memhash32 is keyed by all of hashkey.
        unsafe { alg::memhash32_rel(key, seed, t.release().hash64_uses_hashkey()) }
    } else {
        // SAFETY: the caller vouches for the key.
        unsafe { t.hash(key, seed) }
    }
}

/// Key slot `i` of `b`: `add(b, dataOffset+i*4)`.
///
/// # Safety
/// `b` is a live bucket of a map of this family; `i < BUCKET_CNT`.
#[inline(always)]
unsafe fn key32(b: *mut Bmap, i: usize) -> *mut u32 {
    // SAFETY: 8 keys of 4 bytes follow the tophash bytes (caller vouches for `b`, `i`); the
    // offset is a multiple of 4 in an 8-aligned bucket, so the slot is aligned for a u32.
    unsafe { add(b, DATA_OFFSET + i * KEYSIZE).cast() }
}

/// Elem slot `i` of `b`: `add(b, dataOffset+bucketCnt*4+i*elemsize)`.
///
/// # Safety
/// As [`key32`].
#[inline(always)]
unsafe fn elem32(t: &MapType, b: *mut Bmap, i: usize) -> *mut u8 {
    // SAFETY: the elems follow the 8 keys; slot `i` ends before the overflow word.
    unsafe {
        add(
            b,
            DATA_OFFSET + BUCKET_CNT * KEYSIZE + i * t.elemsize as usize,
        )
    }
}

/// The search shared by [`mapaccess1_fast32`] and [`mapaccess2_fast32`] (Go repeats it in
/// both): the elem of `key`, or null.
///
/// # Safety
/// As [`mapaccess1_fast32`].
#[inline(always)]
unsafe fn access_fast32(t: &MapType, h: *const Hmap, key: u32) -> *mut u8 {
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
                if *key32(b, i) == key && !isEmpty((*b).tophash[i]) {
                    return elem32(t, b, i);
                }
            }
        }
        return ptr::null_mut();
    }
    // SAFETY: `key` is a local u32.
    let hash = unsafe { hash32(t, ptr::addr_of!(key).cast(), h.hash0 as usize) };
    // SAFETY: count > 0, so the buckets are allocated.
    let b = unsafe { bucket_for_read(t, h, hash) };
    // The same tophash search as fast64 (see `find_by_tophash` for why it finds Go's slot).
    // SAFETY: the closure is called by find_by_tophash with live buckets of this map and
    // slots i < 8 only, which `key32` addresses.
    let is_key = |b, i| key == unsafe { *key32(b, i) };
    // SAFETY: `b` heads a live chain of this family; `is_key` is sound on its buckets.
    match unsafe { find_by_tophash(t, b, tophash(hash), is_key) } {
        // SAFETY: a found slot is a live cell of a live bucket.
        Some((b, i)) => unsafe { elem32(t, b, i) },
        None => ptr::null_mut(),
    }
}

/// Port of `runtime.mapaccess1_fast32` (go1.19 map_fast32.go): a pointer to `h[key]`, or to
/// the shared zero value when the key is missing.
///
/// # Safety
/// `h` is null or a live map of type `t`, and `t` is of this family (4-byte inline keys,
/// inline elems). No write to `h` runs concurrently (detected best-effort, as in Go). The
/// result is valid until the next write to the map and must not be written through when it
/// is the zero value.
#[inline]
pub unsafe fn mapaccess1_fast32(t: &MapType, h: *const Hmap, key: u32) -> *mut u8 {
    debug_assert!(
        fits(t),
        "mapaccess1_fast32 on a map without 4-byte inline keys"
    );
    // SAFETY: forwarded.
    let e = unsafe { access_fast32(t, h, key) };
    if e.is_null() {
        zero_val()
    } else {
        e
    }
}

/// Port of `runtime.mapaccess2_fast32` (go1.19 map_fast32.go): as [`mapaccess1_fast32`],
/// also saying whether the key is present.
///
/// # Safety
/// As [`mapaccess1_fast32`].
#[inline]
pub unsafe fn mapaccess2_fast32(t: &MapType, h: *const Hmap, key: u32) -> (*mut u8, bool) {
    debug_assert!(
        fits(t),
        "mapaccess2_fast32 on a map without 4-byte inline keys"
    );
    // SAFETY: forwarded.
    let e = unsafe { access_fast32(t, h, key) };
    if e.is_null() {
        (zero_val(), false)
    } else {
        (e, true)
    }
}

/// The body of [`mapassign_fast32`] and [`mapassign_fast32ptr`]. Go repeats it in both, the
/// copy differing only in storing the key through a pointer type (for the write barrier);
/// without a collector the bytes written are the same.
///
/// # Safety
/// As [`mapassign_fast32`].
#[inline(always)]
unsafe fn assign_fast32(t: &MapType, h: *mut Hmap, key: u32) -> *mut u8 {
    if h.is_null() {
        raise(RuntimeError::NilMapWrite);
    }
    // SAFETY: non-null, live, and ours alone for the call (caller).
    let h = unsafe { &mut *h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    // SAFETY: `key` is a local u32.
    let hash = unsafe { hash32(t, ptr::addr_of!(key).cast(), h.hash0 as usize) };

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
            unsafe { growWork_fast32(t, h, bucket) };
        }
        // SAFETY: bucket < 2^B.
        let b = unsafe { bucket_at(t, h.buckets, bucket) };

        // Go's bucketloop, 8 slots at a time (see `find_for_assign`).
        // SAFETY: the closure is called by find_for_assign with live buckets of this map
        // and slots i < 8 only, which `key32` addresses.
        let is_key = |b, i| key == unsafe { *key32(b, i) };
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
            *key32(ib, ii) = key;
        }
        h.count += 1;
        inserti = ii;
        insertb = ib;
        break 'again;
    }

    // done:
    // SAFETY: slot `inserti` of the live bucket `insertb`.
    let elem = unsafe { elem32(t, insertb, inserti) };
    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
    elem
}

/// Port of `runtime.mapassign_fast32` (go1.19 map_fast32.go): finds or makes the slot for
/// `key` and returns a pointer to its elem, which the caller then writes. A new entry's
/// elem is zero.
///
/// Panics with "assignment to entry in nil map" when `h` is null and with "concurrent map
/// writes" when another write is seen in progress.
///
/// # Safety
/// `h` is null or a live map of type `t`, and `t` is of this family (4-byte inline keys,
/// inline elems). No other thread uses the map during the call. The result is valid until
/// the next write to the map.
#[inline]
pub unsafe fn mapassign_fast32(t: &MapType, h: *mut Hmap, key: u32) -> *mut u8 {
    debug_assert!(
        fits(t),
        "mapassign_fast32 on a map without 4-byte inline keys"
    );
    // SAFETY: forwarded.
    unsafe { assign_fast32(t, h, key) }
}

/// Port of `runtime.mapassign_fast32ptr` (go1.19 map_fast32.go): [`mapassign_fast32`] for a
/// key that is a 4-byte pointer.
///
/// Go only uses it where pointers are 4 bytes (`walk.mapfast`). On a 64-bit target the
/// address must fit in 32 bits (it is the pointer of a 32-bit address space the embedder
/// models); the key slot holds those 4 bytes. Panics otherwise.
///
/// # Safety
/// As [`mapassign_fast32`]. The map does not own what `key` points at.
#[inline]
pub unsafe fn mapassign_fast32ptr(t: &MapType, h: *mut Hmap, key: *mut u8) -> *mut u8 {
    debug_assert!(
        fits(t),
        "mapassign_fast32ptr on a map without 4-byte inline keys"
    );
    let k = key as usize;
    assert!(
        k <= u32::MAX as usize,
        "mapassign_fast32ptr: pointer key does not fit a 4-byte slot"
    );
    // SAFETY: forwarded; the 4 bytes of a 32-bit pointer are its address.
    unsafe { assign_fast32(t, h, k as u32) }
}

/// Port of `runtime.mapdelete_fast32` (go1.19 map_fast32.go): removes `key` if present.
///
/// As `mapdelete`: the cell becomes `emptyOne`, and `emptyRest` (with the `emptyOne`
/// cells before it) when nothing live follows; deleting the last entry re-seeds `hash0`
/// (Go issue 25237). The key bytes are left in place (they can hold a pointer only where
/// pointers are 4 bytes); the elem is zeroed.
///
/// # Safety
/// As [`mapassign_fast32`] (a null `h` is allowed and is a no-op).
#[inline]
pub unsafe fn mapdelete_fast32(t: &MapType, h: *mut Hmap, key: u32) {
    // SAFETY: the caller's guarantees; the hook does nothing.
    unsafe { mapdelete_fast32_with(t, h, key, |_, _| {}) }
}

/// [`mapdelete_fast32`] that hands the entry (key and elem slots) to `found` before
/// clearing it; see [`super::mapdelete_with`] for why and for what `found` may do.
///
/// # Safety
/// As [`mapdelete_fast32`]; `found` must not write the map.
#[inline]
pub unsafe fn mapdelete_fast32_with(
    t: &MapType,
    h: *mut Hmap,
    key: u32,
    found: impl FnOnce(*mut u8, *mut u8),
) {
    debug_assert!(
        fits(t),
        "mapdelete_fast32 on a map without 4-byte inline keys"
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

    // SAFETY: `key` is a local u32.
    let hash = unsafe { hash32(t, ptr::addr_of!(key).cast(), h.hash0 as usize) };

    // Set hashWriting after calling t.hasher for consistency with mapdelete.
    h.set_flags(h.flags() ^ HASH_WRITING);
    // gomap: give back a little of an old array that growth finished with (reclaim.rs).
    // SAFETY: a live map, being written.
    unsafe { reclaim::drain(t, h) };

    let bucket = hash & bucketMask(h.B);
    if h.growing() {
        // SAFETY: live, growing map being written.
        unsafe { growWork_fast32(t, h, bucket) };
    }
    // SAFETY: bucket < 2^B.
    let bOrig = unsafe { bucket_at(t, h.buckets, bucket) };
    // SAFETY: find_by_key calls the closure with live buckets of this map and slots i < 8
    // only, which `key32` addresses.
    let is_key = |b, i| key == unsafe { *key32(b, i) };
    // Go's loop: every slot's key compared, empty cells skipped.
    // SAFETY: `bOrig` heads a live chain; `is_key` is sound on it.
    if let Some((b, i)) = unsafe { find_by_key(t, bOrig, is_key) } {
        // SAFETY: slot i of a live bucket.
        let k = unsafe { key32(b, i) };
        // gomap: the caller takes the entry (see mapdelete_with).
        // SAFETY: slot i of a live bucket.
        found(k.cast(), unsafe { elem32(t, b, i) });
        // Only clear key if there are pointers in it. This can only happen if pointers
        // are 32 bit wide as 64 bit pointers do not fit into a 32 bit key.
        if core::mem::size_of::<usize>() == 4 && t.key.ptrdata != 0 {
            // The key must be a pointer as we checked pointers are 32 bits wide and
            // the key is 32 bits wide also.
            // SAFETY: the key slot of a live cell.
            unsafe { *k = 0 };
        }
        // SAFETY: slot i of a live bucket; elem.size bytes (inline elem).
        unsafe { ptr::write_bytes(elem32(t, b, i), 0, t.elem.size) };
        // SAFETY: slot i of `b`, in the chain from bOrig, was the key's and is cleared.
        unsafe { mark_deleted(t, h, bOrig, b, i) };
    }

    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
}

/// Port of `runtime.growWork_fast32` (go1.19 map_fast32.go): evacuates the old bucket
/// behind `bucket` (the one about to be used) and, to make progress, one more.
///
/// # Safety
/// `h` is a live, growing map of type `t` (of this family), being written by the caller;
/// `bucket < 2^h.B`.
pub unsafe fn growWork_fast32(t: &MapType, h: &mut Hmap, bucket: usize) {
    debug_assert!(
        fits(t),
        "growWork_fast32 on a map without 4-byte inline keys"
    );
    // make sure we evacuate the oldbucket corresponding to the bucket we're about to use
    let ob = bucket & h.oldbucketmask();
    prefetch_evacuation(t, h, ob);
    prefetch_evacuation(t, h, h.nevacuate);
    // SAFETY: ob < noldbuckets.
    unsafe { evacuate_fast32(t, h, ob) };

    // evacuate one more oldbucket to make progress on growing
    if h.growing() {
        let nv = h.nevacuate;
        // SAFETY: nevacuate < noldbuckets while growing.
        unsafe { evacuate_fast32(t, h, nv) };
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

/// Port of `runtime.evacuate_fast32` (go1.19 map_fast32.go): moves every entry of old
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
pub unsafe fn evacuate_fast32(t: &MapType, h: &mut Hmap, oldbucket: usize) {
    debug_assert!(
        fits(t),
        "evacuate_fast32 on a map without 4-byte inline keys"
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
                let (k, e) = unsafe { (key32(b, i).cast::<u8>(), elem32(t, b, i)) };
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
                    // SAFETY: `k` is the 4-byte key of a live cell.
                    let hash = unsafe { hash32(t, k, h.hash0 as usize) };
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
                    *dst.k.cast::<u32>() = *k.cast::<u32>();
                    ptr::copy_nonoverlapping(e, dst.e, t.elem.size);
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

    /// Go's memhash32, counting its calls.
    unsafe extern "C-unwind" fn counting_hash(p: *const u8, seed: usize, _t: *const Type) -> usize {
        CALLS.with(|c| c.set(c.get() + 1));
        // SAFETY: the map hands a 4-byte key.
        unsafe { alg::memhash32(p, seed) }
    }

    fn counting_type() -> MapType {
        let mut t = MapType::for_go_types(GoKind::Uint32, GoKind::Uint32).unwrap();
        t.hasher = counting_hash;
        t.hash_alg = HashAlg::Custom;
        t
    }

    #[test]
    fn one_bucket_lookup_does_not_hash() {
        let t = counting_type();
        // SAFETY: a fresh map of type t, freed at the end.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            for k in 0..8u32 {
                *mapassign_fast32(&t, h, k).cast::<u32>() = k + 100;
            }
            assert_eq!((*h).B, 0);
            let before = CALLS.with(|c| c.get());
            for k in 0..16u32 {
                let (e, ok) = mapaccess2_fast32(&t, h, k);
                assert_eq!(ok, k < 8);
                assert_eq!(*e.cast::<u32>(), if k < 8 { k + 100 } else { 0 });
                assert_eq!(*mapaccess1_fast32(&t, h, k).cast::<u32>(), *e.cast::<u32>());
            }
            assert_eq!(CALLS.with(|c| c.get()), before, "B == 0 lookups hashed");
            *mapassign_fast32(&t, h, 8).cast::<u32>() = 108; // grows to B = 1
            assert_eq!((*h).B, 1);
            let before = CALLS.with(|c| c.get());
            assert!(mapaccess2_fast32(&t, h, 3).1);
            assert_eq!(
                CALLS.with(|c| c.get()),
                before + 1,
                "B > 0 lookups hash once"
            );
            check(&t, h).unwrap();
            mapfree(&t, h);
        }
    }

    #[test]
    fn delete_zeroes_elem_and_keeps_key_bytes() {
        let t = MapType::for_go_types(GoKind::Uint32, GoKind::Uint64).unwrap();
        // SAFETY: a fresh map of type t, freed at the end.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            *mapassign_fast32(&t, h, 0xdead_beef).cast::<u64>() = u64::MAX;
            *mapassign_fast32(&t, h, 7).cast::<u64>() = 1;
            mapdelete_fast32(&t, h, 0xdead_beef);
            let b = (*h).buckets;
            assert_eq!((*b).tophash[0], EMPTY_ONE, "{}", dump_string(&t, h));
            assert_eq!(
                *key32(b, 0),
                0xdead_beef,
                "4-byte keys hold no pointer here"
            );
            assert_eq!(*elem32(&t, b, 0).cast::<u64>(), 0);
            mapdelete_fast32(&t, h, 7);
            assert_eq!([(*b).tophash[0], (*b).tophash[1]], [EMPTY_REST, EMPTY_REST]);
            assert_eq!((*h).count, 0);
            assert!(
                !mapaccess2_fast32(&t, h, 0xdead_beef).1,
                "deleted key bytes matched"
            );
            mapfree(&t, h);
        }
    }

    #[test]
    fn fast32ptr_stores_the_address() {
        let t = MapType::for_go_types(GoKind::Uint32, GoKind::Uint32).unwrap();
        // SAFETY: a fresh map of type t, freed at the end; the "pointers" are never read.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            *mapassign_fast32ptr(&t, h, 0x1234usize as *mut u8).cast::<u32>() = 5;
            assert_eq!(*mapaccess1_fast32(&t, h, 0x1234).cast::<u32>(), 5);
            *mapassign_fast32(&t, h, 0x1234).cast::<u32>() = 6;
            assert_eq!((*h).count, 1);
            assert_eq!(*mapaccess1_fast32(&t, h, 0x1234).cast::<u32>(), 6);
            mapfree(&t, h);
        }
    }

    #[test]
    #[should_panic(expected = "assignment to entry in nil map")]
    fn assign_to_nil_map_panics() {
        let t = MapType::int32();
        // SAFETY: a null map is allowed; it panics before touching anything.
        unsafe { mapassign_fast32(&t, ptr::null_mut(), 1) };
    }

    #[test]
    fn nil_and_empty_maps_read_zero() {
        let t = MapType::int32();
        // SAFETY: null maps are allowed for reads and deletes.
        unsafe {
            assert_eq!(mapaccess1_fast32(&t, ptr::null(), 1), zero_val());
            assert_eq!(mapaccess2_fast32(&t, ptr::null(), 1), (zero_val(), false));
            mapdelete_fast32(&t, ptr::null_mut(), 1);
        }
    }

    #[test]
    #[should_panic(expected = "concurrent map writes")]
    fn write_during_write_is_fatal() {
        let t = MapType::int32();
        // SAFETY: a fresh map; the panic leaves it leaked, which is fine in a test.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            (*h).set_flags(HASH_WRITING);
            mapassign_fast32(&t, h, 1);
        }
    }
}
