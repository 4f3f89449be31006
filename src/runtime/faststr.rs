//! The fast paths for maps with string keys (`map[string]E`). Port of go1.19
//! `runtime/map_faststr.go`.
//!
//! Go's compiler calls these instead of the generic functions when the key is a string and
//! the elem at most 128 bytes (`walk.mapfast`; see [`super::dispatch`]). A key is a
//! [`GoString`] header (data pointer, length) passed by value. The algorithm is the generic
//! one, with the string compare spelled out: lengths first, then the data pointers (the
//! same pointer means the same bytes), then the bytes. What differs from the generic code:
//!
//! * a one-bucket map (`B == 0`) is searched without hashing: for a short key (under 32
//!   bytes) by comparing every key of the same length; for a long key by comparing the
//!   data pointers and the first and last 4 bytes, hashing only if two keys still could
//!   match (`keymaybe`);
//! * updating an entry replaces only the stored data pointer (the lengths are equal);
//! * [`mapdelete_faststr`] clears only the data pointer of the deleted key and leaves its
//!   length, where the generic `mapdelete` clears the whole 16-byte key. This is the one
//!   place where the two paths leave different bytes (the dump shows `sL:nil` against
//!   `s0`), and it is Go's behaviour.
//!
//! # Who owns the string bytes
//!
//! The map stores the header, not the bytes: as in Go, where the collector keeps a stored
//! string alive, the caller must keep the bytes of every stored key alive and unchanged
//! while the map holds it, and an update stores the caller's new pointer in place of the
//! old one (the map then refers to the new copy only).
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
use crate::maptype::{alg, GoString, HashAlg, Kind, MapType};

/// Size of a key slot in this family: a string header, `2*goarch.PtrSize`.
const KEYSIZE: usize = 2 * core::mem::size_of::<usize>();

// The key slots hold GoString headers, laid out as Go's stringStruct.
const _: () = assert!(core::mem::size_of::<GoString>() == KEYSIZE);

/// Whether `t` is a descriptor this family serves: inline string keys, inline elems.
#[inline(always)]
fn fits(t: &MapType) -> bool {
    t.keysize as usize == KEYSIZE
        && (t.key.kind == Kind::String || t.hash_alg == HashAlg::Str)
        && !t.indirectkey()
        && !t.indirectelem()
}

/// Go's `t.hasher(&key, seed)` for a string key: Go's `strhash` called directly when the
/// descriptor names it (the same function, so the same hash, but inlinable), else the
/// descriptor's own function.
///
/// # Safety
/// `key` points at a string header whose bytes are readable.
#[inline(always)]
unsafe fn hashstr(t: &MapType, key: *const GoString, seed: usize) -> usize {
    if t.hash_alg == HashAlg::Str {
        // SAFETY: a readable string (caller); `HashAlg::Str` records that `t.hasher` is
        // strhash, so this is the call Go makes.
        // go1.23: the portable (no-AES) hash is keyed by all of hashkey.
        unsafe { alg::strhash_rel(key.cast(), seed, t.release().hash64_uses_hashkey()) }
    } else {
        // SAFETY: the caller vouches for the key.
        unsafe { t.hash(key.cast(), seed) }
    }
}

/// Go's `memequal(a, b, n)` on string bytes. Empty strings are equal whatever their
/// (possibly dangling or nil) data pointers.
///
/// # Safety
/// `a` and `b` point at `n` readable bytes each, or `n == 0`.
#[inline(always)]
unsafe fn memequal(a: *const u8, b: *const u8, n: usize) -> bool {
    // Up to 16 bytes: two (possibly overlapping) word loads per side, all inside the
    // strings, instead of a call to memcmp.
    // SAFETY: n readable bytes at each (caller); every load below lies in [p, p + n).
    unsafe {
        if (8..=16).contains(&n) {
            let (a0, b0) = (
                a.cast::<u64>().read_unaligned(),
                b.cast::<u64>().read_unaligned(),
            );
            let (a1, b1) = (
                a.add(n - 8).cast::<u64>().read_unaligned(),
                b.add(n - 8).cast::<u64>().read_unaligned(),
            );
            return (a0 ^ b0) | (a1 ^ b1) == 0;
        }
        if (4..8).contains(&n) {
            let (a0, b0) = (
                a.cast::<u32>().read_unaligned(),
                b.cast::<u32>().read_unaligned(),
            );
            let (a1, b1) = (
                a.add(n - 4).cast::<u32>().read_unaligned(),
                b.add(n - 4).cast::<u32>().read_unaligned(),
            );
            return (a0 ^ b0) | (a1 ^ b1) == 0;
        }
        n == 0 || alg::memequal(a, b, n)
    }
}

/// Finds the key `key` (whose tophash is `top`) in the chain from `b`: its slot's bucket
/// and index, or `None`. Looks only at the slots whose tophash is `top` (all 8 matched at
/// once, see [`match_top`]), in chain order, comparing length, data pointer, then bytes,
/// as Go's loops do for those slots; like Go's lookup it walks the whole chain. Go's loops
/// skip every other slot, so this finds the slot they find.
///
/// # Safety
/// `b` heads a live chain of a map of this family whose live keys' bytes are readable;
/// `key` is readable.
#[inline(always)]
unsafe fn find_faststr(
    t: &MapType,
    mut b: *mut Bmap,
    key: GoString,
    top: u8,
) -> Option<(*mut Bmap, usize)> {
    while !b.is_null() {
        // SAFETY: `b` is a live bucket of the chain.
        let mut m = match_top(unsafe { tophash_word(b) }, top);
        while m != 0 {
            let i = lowest_slot(m);
            // SAFETY: slot i < 8 holds a live key (tophash top >= minTopHash), readable.
            unsafe {
                let k = *keystr(b, i);
                if k.len == key.len && (k.ptr == key.ptr || memequal(k.ptr, key.ptr, key.len)) {
                    return Some((b, i));
                }
            }
            m &= m - 1;
        }
        // SAFETY: `b` is live.
        b = unsafe { Bmap::overflow(b, t) };
    }
    None
}

/// The 4 bytes at `p`, for the long-key prefix and suffix checks (`*(*[4]byte)(p)`).
///
/// # Safety
/// `p` points at 4 readable bytes.
#[inline(always)]
unsafe fn load4(p: *const u8) -> [u8; 4] {
    // SAFETY: 4 readable bytes (caller), any alignment.
    unsafe { p.cast::<[u8; 4]>().read_unaligned() }
}

/// Key slot `i` of `b`: `add(b, dataOffset+i*2*goarch.PtrSize)`.
///
/// # Safety
/// `b` is a live bucket of a map of this family; `i < BUCKET_CNT`.
#[inline(always)]
unsafe fn keystr(b: *mut Bmap, i: usize) -> *mut GoString {
    // SAFETY: 8 headers follow the tophash bytes (caller vouches for `b`, `i`), at
    // 8-aligned offsets of an 8-aligned bucket.
    unsafe { add(b, DATA_OFFSET + i * KEYSIZE).cast() }
}

/// Elem slot `i` of `b`: `add(b, dataOffset+bucketCnt*2*goarch.PtrSize+i*elemsize)`.
///
/// # Safety
/// As [`keystr`].
#[inline(always)]
unsafe fn elemstr(t: &MapType, b: *mut Bmap, i: usize) -> *mut u8 {
    // SAFETY: the elems follow the 8 keys; slot `i` ends before the overflow word.
    unsafe {
        add(
            b,
            DATA_OFFSET + BUCKET_CNT * KEYSIZE + i * t.elemsize as usize,
        )
    }
}

/// The search shared by [`mapaccess1_faststr`] and [`mapaccess2_faststr`] (Go repeats it
/// in both): the elem of `ky`, or null.
///
/// # Safety
/// As [`mapaccess1_faststr`].
#[inline(always)]
unsafe fn access_faststr(t: &MapType, h: *const Hmap, ky: GoString) -> *mut u8 {
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
    let key = ky;
    'dohash: {
        if h.B == 0 {
            // One-bucket table. (It cannot have overflow buckets, so it is not growing.)
            let b = h.buckets;
            if key.len < 32 {
                // short key, doing lots of comparisons is ok
                for i in 0..BUCKET_CNT {
                    // SAFETY: slot i of the live bucket; a cell whose tophash is not empty
                    // holds a live key whose bytes are readable (the caller keeps them).
                    unsafe {
                        let k = *keystr(b, i);
                        let th = (*b).tophash[i];
                        if k.len != key.len || isEmpty(th) {
                            if th == EMPTY_REST {
                                break;
                            }
                            continue;
                        }
                        if k.ptr == key.ptr || memequal(k.ptr, key.ptr, key.len) {
                            return elemstr(t, b, i);
                        }
                    }
                }
                return ptr::null_mut();
            }
            // long key, try not to do more comparisons than necessary
            let mut keymaybe = BUCKET_CNT;
            for i in 0..BUCKET_CNT {
                // SAFETY: as above; both strings are at least 32 bytes long here, so the
                // first and last 4 bytes are readable.
                unsafe {
                    let k = *keystr(b, i);
                    let th = (*b).tophash[i];
                    if k.len != key.len || isEmpty(th) {
                        if th == EMPTY_REST {
                            break;
                        }
                        continue;
                    }
                    if k.ptr == key.ptr {
                        return elemstr(t, b, i);
                    }
                    // check first 4 bytes
                    if load4(key.ptr) != load4(k.ptr) {
                        continue;
                    }
                    // check last 4 bytes
                    if load4(key.ptr.add(key.len - 4)) != load4(k.ptr.add(key.len - 4)) {
                        continue;
                    }
                }
                if keymaybe != BUCKET_CNT {
                    // Two keys are potential matches. Use hash to distinguish them.
                    break 'dohash;
                }
                keymaybe = i;
            }
            if keymaybe != BUCKET_CNT {
                // SAFETY: slot keymaybe is a live cell of the bucket, with a key of the
                // same length as `key`.
                unsafe {
                    let k = *keystr(b, keymaybe);
                    if memequal(k.ptr, key.ptr, key.len) {
                        return elemstr(t, b, keymaybe);
                    }
                }
            }
            return ptr::null_mut();
        }
    }
    // dohash:
    // SAFETY: `ky` is a local header over readable bytes (caller).
    let hash = unsafe { hashstr(t, &ky, h.hash0 as usize) };
    // SAFETY: count > 0, so the buckets are allocated.
    let b = unsafe { bucket_for_read(t, h, hash) };
    // SAFETY: `b` heads a live chain; stored keys and `key` are readable (caller).
    match unsafe { find_faststr(t, b, key, tophash(hash)) } {
        // SAFETY: a found slot of a live bucket.
        Some((b, i)) => unsafe { elemstr(t, b, i) },
        None => ptr::null_mut(),
    }
}

/// Port of `runtime.mapaccess1_faststr` (go1.19 map_faststr.go): a pointer to `h[ky]`, or
/// to the shared zero value when the key is missing.
///
/// # Safety
/// `h` is null or a live map of type `t`, and `t` is of this family (inline string keys,
/// inline elems); `ky` points at `ky.len` readable bytes (or is empty), as does every key
/// stored in the map. No write to `h` runs concurrently (detected best-effort, as in Go).
/// The result is valid until the next write to the map and must not be written through
/// when it is the zero value.
#[inline]
pub unsafe fn mapaccess1_faststr(t: &MapType, h: *const Hmap, ky: GoString) -> *mut u8 {
    debug_assert!(
        fits(t),
        "mapaccess1_faststr on a map without inline string keys"
    );
    // SAFETY: forwarded.
    let e = unsafe { access_faststr(t, h, ky) };
    if e.is_null() {
        zero_val()
    } else {
        e
    }
}

/// Port of `runtime.mapaccess2_faststr` (go1.19 map_faststr.go): as
/// [`mapaccess1_faststr`], also saying whether the key is present.
///
/// # Safety
/// As [`mapaccess1_faststr`].
#[inline]
pub unsafe fn mapaccess2_faststr(t: &MapType, h: *const Hmap, ky: GoString) -> (*mut u8, bool) {
    debug_assert!(
        fits(t),
        "mapaccess2_faststr on a map without inline string keys"
    );
    // SAFETY: forwarded.
    let e = unsafe { access_faststr(t, h, ky) };
    if e.is_null() {
        (zero_val(), false)
    } else {
        (e, true)
    }
}

/// Port of `runtime.mapassign_faststr` (go1.19 map_faststr.go): finds or makes the slot
/// for `s` and returns a pointer to its elem, which the caller then writes. A new entry's
/// elem is zero. A new entry stores the header `s`; an existing one gets `s.ptr` as its
/// data pointer (see the module notes on ownership).
///
/// Panics with "assignment to entry in nil map" when `h` is null and with "concurrent map
/// writes" when another write is seen in progress.
///
/// # Safety
/// `h` is null or a live map of type `t`, and `t` is of this family; `s` points at
/// `s.len` readable bytes, which the caller keeps alive and unchanged while the map holds
/// the key, as for every key stored in the map. No other thread uses the map during the
/// call. The result is valid until the next write to the map.
#[inline]
pub unsafe fn mapassign_faststr(t: &MapType, h: *mut Hmap, s: GoString) -> *mut u8 {
    // SAFETY: the caller's guarantees; the hook does nothing.
    unsafe { mapassign_faststr_with(t, h, s, |_| {}) }
}

/// [`mapassign_faststr`] that shows the stored key header to `update` just before its
/// data pointer is overwritten (an existing entry); see [`super::mapassign_with`] for why
/// and for what `update` may do.
///
/// # Safety
/// As [`mapassign_faststr`]; `update` must not write the map.
#[inline]
pub unsafe fn mapassign_faststr_with(
    t: &MapType,
    h: *mut Hmap,
    s: GoString,
    update: impl FnOnce(*mut u8),
) -> *mut u8 {
    debug_assert!(
        fits(t),
        "mapassign_faststr on a map without inline string keys"
    );
    if h.is_null() {
        raise(RuntimeError::NilMapWrite);
    }
    // SAFETY: non-null, live, and ours alone for the call (caller).
    let h = unsafe { &mut *h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    let key = s;
    // SAFETY: `s` is a local header over readable bytes (caller).
    let hash = unsafe { hashstr(t, &s, h.hash0 as usize) };

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
            unsafe { growWork_faststr(t, h, bucket) };
        }
        // SAFETY: bucket < 2^B.
        let b = unsafe { bucket_at(t, h.buckets, bucket) };
        let top = tophash(hash);

        // Go's bucketloop, 8 slots at a time (see `find_for_assign`), comparing keys as Go
        // does.
        // SAFETY: the closure is called by find_for_assign with live buckets of this map
        // and slots i < 8 only, whose keys are live and readable (caller).
        let is_key = |b, i| unsafe {
            let k = keystr(b, i);
            (*k).len == key.len && ((*k).ptr == key.ptr || memequal((*k).ptr, key.ptr, key.len))
        };
        // SAFETY: `b` heads a live chain of the current array; `is_key` is sound on it.
        let (mut ib, mut ii, b) = match unsafe { find_for_assign(t, b, top, is_key) } {
            Ok((b, i)) => {
                // already have a mapping for key. Update it.
                // Overwrite existing key, so it can be garbage collected. The size is
                // already guaranteed to be set correctly.
                // gomap: the caller takes the stored key (see mapassign_with).
                // SAFETY: slot i of a live bucket.
                update(unsafe { keystr(b, i) }.cast());
                // SAFETY: a found slot is a live key cell.
                unsafe { (*keystr(b, i)).ptr = key.ptr };
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
            (*ib).tophash[ii & (BUCKET_CNT - 1)] = top;
            // store new key at insert position
            *keystr(ib, ii) = key;
        }
        h.count += 1;
        inserti = ii;
        insertb = ib;
        break 'again;
    }

    // done:
    // SAFETY: slot `inserti` of the live bucket `insertb`.
    let elem = unsafe { elemstr(t, insertb, inserti) };
    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
    elem
}

/// Port of `runtime.mapdelete_faststr` (go1.19 map_faststr.go): removes `ky` if present.
///
/// As `mapdelete`: the cell becomes `emptyOne`, and `emptyRest` (with the `emptyOne` cells
/// before it) when nothing live follows; deleting the last entry re-seeds `hash0` (Go issue
/// 25237); the elem is zeroed. Unlike `mapdelete`, only the key's data pointer is cleared
/// (`k.str = nil`); its length stays in the slot.
///
/// # Safety
/// As [`mapassign_faststr`] (a null `h` is allowed and is a no-op).
#[inline]
pub unsafe fn mapdelete_faststr(t: &MapType, h: *mut Hmap, ky: GoString) {
    // SAFETY: the caller's guarantees; the hook does nothing.
    unsafe { mapdelete_faststr_with(t, h, ky, |_, _| {}) }
}

/// [`mapdelete_faststr`] that hands the entry (key and elem slots) to `found` before
/// clearing it; see [`super::mapdelete_with`] for why and for what `found` may do.
///
/// # Safety
/// As [`mapdelete_faststr`]; `found` must not write the map.
#[inline]
pub unsafe fn mapdelete_faststr_with(
    t: &MapType,
    h: *mut Hmap,
    ky: GoString,
    found: impl FnOnce(*mut u8, *mut u8),
) {
    debug_assert!(
        fits(t),
        "mapdelete_faststr on a map without inline string keys"
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

    let key = ky;
    // SAFETY: `ky` is a local header over readable bytes (caller).
    let hash = unsafe { hashstr(t, &ky, h.hash0 as usize) };

    // Set hashWriting after calling t.hasher for consistency with mapdelete.
    h.set_flags(h.flags() ^ HASH_WRITING);
    // gomap: give back a little of an old array that growth finished with (reclaim.rs).
    // SAFETY: a live map, being written.
    unsafe { reclaim::drain(t, h) };

    let bucket = hash & bucketMask(h.B);
    if h.growing() {
        // SAFETY: live, growing map being written.
        unsafe { growWork_faststr(t, h, bucket) };
    }
    // SAFETY: bucket < 2^B.
    let bOrig = unsafe { bucket_at(t, h.buckets, bucket) };
    // SAFETY: `bOrig` heads a live chain; stored keys and `key` are readable (caller).
    if let Some((b, i)) = unsafe { find_faststr(t, bOrig, key, tophash(hash)) } {
        // gomap: the caller takes the entry (see mapdelete_with).
        // SAFETY: slot i of a live bucket.
        found(unsafe { keystr(b, i) }.cast(), unsafe { elemstr(t, b, i) });
        // Clear key's pointer.
        // SAFETY: slot i of a live bucket.
        unsafe { (*keystr(b, i)).ptr = ptr::null() };
        // SAFETY: slot i of a live bucket; elem.size bytes (inline elem).
        unsafe { clear_slot(elemstr(t, b, i), t.elem.size) };
        // SAFETY: slot i of `b`, in the chain from bOrig, was the key's and is cleared.
        unsafe { mark_deleted(t, h, bOrig, b, i) };
    }

    if h.flags() & HASH_WRITING == 0 {
        fatal(RuntimeError::ConcurrentWrites);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
}

/// Port of `runtime.growWork_faststr` (go1.19 map_faststr.go): evacuates the old bucket
/// behind `bucket` (the one about to be used) and, to make progress, one more.
///
/// # Safety
/// `h` is a live, growing map of type `t` (of this family), being written by the caller;
/// `bucket < 2^h.B`.
pub unsafe fn growWork_faststr(t: &MapType, h: &mut Hmap, bucket: usize) {
    debug_assert!(
        fits(t),
        "growWork_faststr on a map without inline string keys"
    );
    // make sure we evacuate the oldbucket corresponding to the bucket we're about to use
    let ob = bucket & h.oldbucketmask();
    prefetch_evacuation(t, h, ob);
    prefetch_evacuation(t, h, h.nevacuate);
    // SAFETY: ob < noldbuckets.
    unsafe { evacuate_faststr(t, h, ob) };

    // evacuate one more oldbucket to make progress on growing
    if h.growing() {
        let nv = h.nevacuate;
        // SAFETY: nevacuate < noldbuckets while growing.
        unsafe { evacuate_faststr(t, h, nv) };
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

/// Port of `runtime.evacuate_faststr` (go1.19 map_faststr.go): moves every entry of old
/// bucket `oldbucket` (and its overflow chain) to the new array, to bucket `oldbucket` (X)
/// or `oldbucket + newbit` (Y) by the hash bit the doubling adds, marking each old cell
/// evacuatedX, evacuatedY or evacuatedEmpty. String keys equal themselves, so none of the
/// NaN handling of `evacuate` is needed.
///
/// The buckets hold pointers (the keys' data pointers), so when no iterator may be reading
/// the old array the old bucket's data is cleared after the move and its overflow chain
/// retired (Go's collector would free it; see `reclaim.rs`).
///
/// # Safety
/// `h` is a live, growing map of type `t` (of this family), being written by the caller;
/// `oldbucket < noldbuckets`; the map's keys point at readable bytes.
pub unsafe fn evacuate_faststr(t: &MapType, h: &mut Hmap, oldbucket: usize) {
    debug_assert!(
        fits(t),
        "evacuate_faststr on a map without inline string keys"
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
                let (k, e) = unsafe { (keystr(b, i), elemstr(t, b, i)) };
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
                    // SAFETY: `k` is the key of a live cell; its bytes are readable.
                    let hash = unsafe { hashstr(t, k, h.hash0 as usize) };
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
                    *dst.k.cast::<GoString>() = *k;
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

    /// Go's strhash, counting its calls.
    unsafe extern "C-unwind" fn counting_hash(p: *const u8, seed: usize, _t: *const Type) -> usize {
        CALLS.with(|c| c.set(c.get() + 1));
        // SAFETY: the map hands a readable string header.
        unsafe { alg::strhash(p, seed) }
    }

    fn calls() -> usize {
        CALLS.with(|c| c.get())
    }

    fn s(b: &[u8]) -> GoString {
        GoString::from_bytes(b)
    }

    /// Keys that are long (>= 32 bytes), of equal length, and agree in their first and
    /// last 4 bytes: the one-bucket lookup cannot tell them apart without hashing.
    fn lookalikes(n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| format!("head{:0>32}tail", i).into_bytes())
            .collect()
    }

    #[test]
    fn short_memequal_matches_byte_compare() {
        // Exact-size allocations, so a read past either string would be caught by ASan or
        // valgrind; every length up to 40, a difference at every position.
        for n in 0..=40usize {
            let a: Box<[u8]> = (0..n as u8).map(|x| x.wrapping_mul(37)).collect();
            let same: Box<[u8]> = a.clone();
            // SAFETY: n readable bytes each.
            assert!(unsafe { memequal(a.as_ptr(), same.as_ptr(), n) }, "n={n}");
            for d in 0..n {
                let mut b = a.clone();
                b[d] ^= 0x40;
                // SAFETY: as above.
                let eq = unsafe { memequal(a.as_ptr(), b.as_ptr(), n) };
                assert!(!eq, "n={n} d={d}");
            }
        }
    }

    #[test]
    fn one_bucket_long_keys_hash_only_when_two_may_match() {
        let mut t = MapType::string_int64();
        t.hasher = counting_hash;
        t.hash_alg = HashAlg::Custom;
        let keys = lookalikes(2);
        let copies: Vec<Vec<u8>> = keys.clone(); // same bytes, other addresses
        let unlike = b"HEAD0000000000000000000000000000000000TAIL".to_vec();
        // SAFETY: a fresh map of type t, freed at the end; all strings outlive it.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            *mapassign_faststr(&t, h, s(&keys[0])).cast::<i64>() = 10;
            *mapassign_faststr(&t, h, s(&unlike)).cast::<i64>() = 30;

            // One candidate: found by pointer, then by memequal, without hashing.
            let c = calls();
            assert_eq!(*mapaccess1_faststr(&t, h, s(&keys[0])).cast::<i64>(), 10);
            assert_eq!(*mapaccess1_faststr(&t, h, s(&copies[0])).cast::<i64>(), 10);
            assert_eq!(
                *mapaccess1_faststr(&t, h, s(&unlike.clone())).cast::<i64>(),
                30
            );
            assert!(!mapaccess2_faststr(&t, h, s(&copies[1])).1);
            assert_eq!(calls(), c, "a single candidate must not need the hash");

            // Two candidates (same length, first and last 4 bytes): the lookup hashes.
            *mapassign_faststr(&t, h, s(&keys[1])).cast::<i64>() = 11;
            let c = calls();
            let (e, ok) = mapaccess2_faststr(&t, h, s(&copies[1]));
            assert!(ok && *e.cast::<i64>() == 11);
            assert_eq!(calls(), c + 1, "two candidates must go to the hash");
            let c = calls();
            assert_eq!(*mapaccess1_faststr(&t, h, s(&keys[1])).cast::<i64>(), 11);
            assert_eq!(calls(), c, "a pointer match ends the scan first");
            check(&t, h).unwrap();
            mapfree(&t, h);
        }
    }

    #[test]
    fn one_bucket_short_keys_of_equal_length() {
        let t = MapType::string_int64();
        let keys: Vec<&[u8]> = vec![b"", b"a", b"b", b"ab", b"ba", b"abc", b"xyz", b"q"];
        // SAFETY: a fresh map of type t, freed at the end; all strings outlive it.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            for (i, k) in keys.iter().enumerate() {
                *mapassign_faststr(&t, h, s(k)).cast::<i64>() = i as i64;
            }
            assert_eq!(((*h).B, (*h).count), (0, 8));
            for (i, k) in keys.iter().enumerate() {
                let copy = k.to_vec();
                let (e, ok) = mapaccess2_faststr(&t, h, s(&copy));
                assert!(ok && *e.cast::<i64>() == i as i64, "{:?}", k);
            }
            for k in [&b"c"[..], b"aa", b"abd", b"abcd"] {
                assert!(!mapaccess2_faststr(&t, h, s(k)).1, "{:?}", k);
            }
            // The empty key, with a nil data pointer, is the empty key.
            let nil = GoString {
                ptr: ptr::null(),
                len: 0,
            };
            assert_eq!(*mapaccess1_faststr(&t, h, nil).cast::<i64>(), 0);
            assert!(mapaccess2_faststr(&t, h, nil).1);
            mapfree(&t, h);
        }
    }

    #[test]
    fn delete_clears_only_the_data_pointer() {
        let t = MapType::for_go_types(GoKind::String, GoKind::String).unwrap();
        let (k1, k2, v) = (b"hello".to_vec(), b"world!".to_vec(), b"value".to_vec());
        // SAFETY: a fresh map of type t, freed at the end; all strings outlive it.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            *mapassign_faststr(&t, h, s(&k1)).cast::<GoString>() = s(&v);
            *mapassign_faststr(&t, h, s(&k2)).cast::<GoString>() = s(&v);
            mapdelete_faststr(&t, h, s(&k1.clone()));
            let b = (*h).buckets;
            assert_eq!((*b).tophash[0], EMPTY_ONE);
            assert_eq!(
                *keystr(b, 0),
                GoString {
                    ptr: ptr::null(),
                    len: 5
                }
            );
            assert_eq!(*elemstr(&t, b, 0).cast::<[usize; 2]>(), [0, 0]);
            let d = dump_string(&t, h);
            assert!(d.contains(" s5:nil=s0 "), "{d}");
            check(&t, h).unwrap();
            mapfree(&t, h);
        }
    }

    #[test]
    fn update_replaces_the_data_pointer() {
        let t = MapType::string_int64();
        let (a, b) = (b"same bytes".to_vec(), b"same bytes".to_vec());
        // SAFETY: a fresh map of type t, freed at the end; all strings outlive it.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            *mapassign_faststr(&t, h, s(&a)).cast::<i64>() = 1;
            *mapassign_faststr(&t, h, s(&b)).cast::<i64>() = 2;
            assert_eq!((*h).count, 1);
            assert_eq!((*keystr((*h).buckets, 0)).ptr, b.as_ptr());
            assert_eq!(*mapaccess1_faststr(&t, h, s(&a)).cast::<i64>(), 2);
            mapfree(&t, h);
        }
    }
}
