//! Lookups. Port of `mapaccess1`, `mapaccess2`, `mapaccessK`, `mapaccess1_fat` and
//! `mapaccess2_fat` (go1.19 map.go).
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::types::*;
use crate::base::malloc::zero_val;
use crate::maptype::MapType;

/// Finds the bucket chain `hash` selects: in the old array while that bucket is not yet
/// evacuated, else in the current one. The shared head of Go's access functions.
///
/// # Safety
/// `h` is a live map of type `t` with `count > 0` (so `buckets` is allocated).
#[inline(always)]
pub(crate) unsafe fn bucket_for_read(t: &MapType, h: &Hmap, hash: usize) -> *mut Bmap {
    let mut m = bucketMask(h.B);
    // SAFETY: hash & m < 2^B.
    let mut b = unsafe { bucket_at(t, h.buckets, hash & m) };
    let c = h.oldbuckets;
    if !c.is_null() {
        if !h.sameSizeGrow() {
            // There used to be half as many buckets; mask down one more power of two.
            m >>= 1;
        }
        // SAFETY: the old array has 2^B or 2^(B-1) buckets, matching `m`.
        let oldb = unsafe { bucket_at(t, c, hash & m) };
        // SAFETY: `oldb` is live.
        if !unsafe { evacuated(oldb) } {
            b = oldb;
        }
    }
    b
}

/// Searches the chain from `b` for `key`; returns the key and elem slots' targets (the
/// pointed-to key and elem when indirect), or nulls.
///
/// # Safety
/// `b` heads a live chain of `t`; `key` points at a key of `t`.
#[inline(always)]
pub(crate) unsafe fn search_chain(
    t: &MapType,
    mut b: *mut Bmap,
    key: *const u8,
    top: u8,
) -> (*mut u8, *mut u8) {
    'bucketloop: while !b.is_null() {
        for i in 0..BUCKET_CNT {
            // SAFETY: `b` is a live bucket, i < 8.
            let th = unsafe { (*b).tophash[i] };
            if th != top {
                if th == EMPTY_REST {
                    break 'bucketloop;
                }
                continue;
            }
            // SAFETY: slot `i` of a live bucket.
            let mut k = unsafe { key_at(t, b, i) };
            if t.indirectkey() {
                // SAFETY: an indirect key slot of a live cell holds a live key pointer.
                k = unsafe { load_ptr(k) };
            }
            // SAFETY: both point at keys of `t`.
            if unsafe { t.key_equal(key, k) } {
                // SAFETY: slot `i` of a live bucket.
                let mut e = unsafe { elem_at(t, b, i) };
                if t.indirectelem() {
                    // SAFETY: a live cell's indirect elem slot holds a live pointer.
                    e = unsafe { load_ptr(e) };
                }
                return (k, e);
            }
        }
        // SAFETY: `b` is live.
        b = unsafe { Bmap::overflow(b, t) };
    }
    (ptr::null_mut(), ptr::null_mut())
}

/// Port of `runtime.mapaccess1`: returns a pointer to `h[key]`. Never returns null; it
/// returns a pointer to the shared zero value if the key is not in the map. The elem must
/// fit the zero value (1024 bytes), else use [`mapaccess1_fat`].
///
/// # Safety
/// `h` is null or a live map of type `t`; `key` points at a key of `t`. No write to `h`
/// runs concurrently (detected best-effort, as in Go). The result is valid until the next
/// write to the map and must not be written through when it is the zero value.
pub unsafe fn mapaccess1(t: &MapType, h: *const Hmap, key: *const u8) -> *mut u8 {
    // SAFETY: forwarded.
    let (e, _) = unsafe { mapaccess2(t, h, key) };
    e
}

/// Port of `runtime.mapaccess2`: as [`mapaccess1`], also saying whether the key is present.
///
/// # Safety
/// As [`mapaccess1`].
pub unsafe fn mapaccess2(t: &MapType, h: *const Hmap, key: *const u8) -> (*mut u8, bool) {
    if h.is_null() || {
        // SAFETY: `h` is non-null here, so a live map (caller).
        unsafe { (*h).count == 0 }
    } {
        // SAFETY: `key` points at a key (caller).
        unsafe { emptyMapKeyCheck(t, key) };
        return (zero_val(), false);
    }
    // SAFETY: non-null, live (caller).
    let h = unsafe { &*h };
    if h.flags() & HASH_WRITING != 0 {
        fatal(RuntimeError::ConcurrentReadWrite);
    }
    // SAFETY: `key` points at a key (caller).
    let hash = unsafe { t.hash(key, h.hash0 as usize) };
    // SAFETY: count > 0, so buckets are allocated.
    let b = unsafe { bucket_for_read(t, h, hash) };
    // SAFETY: `b` heads a live chain; `key` is a key of t.
    let (k, e) = unsafe { search_chain(t, b, key, tophash(hash)) };
    if k.is_null() {
        (zero_val(), false)
    } else {
        (e, true)
    }
}

/// Port of `runtime.mapaccessK`: returns both the key and elem (targets, for indirect
/// slots), or two nulls. Used by map iterators to find an entry that moved.
///
/// # Safety
/// As [`mapaccess1`].
pub unsafe fn mapaccessK(t: &MapType, h: *const Hmap, key: *const u8) -> (*mut u8, *mut u8) {
    if h.is_null() || {
        // SAFETY: non-null, live (caller).
        unsafe { (*h).count == 0 }
    } {
        return (ptr::null_mut(), ptr::null_mut());
    }
    // SAFETY: non-null, live (caller).
    let h = unsafe { &*h };
    // SAFETY: `key` points at a key (caller).
    let hash = unsafe { t.hash(key, h.hash0 as usize) };
    // SAFETY: count > 0.
    let b = unsafe { bucket_for_read(t, h, hash) };
    // SAFETY: as in mapaccess2.
    unsafe { search_chain(t, b, key, tophash(hash)) }
}

/// Port of `runtime.mapaccess1_fat`: as [`mapaccess1`] for elems larger than the shared
/// zero value; returns `zero` (the caller's zero elem) for a missing key.
///
/// # Safety
/// As [`mapaccess1`]; `zero` points at a zero elem of `t`.
pub unsafe fn mapaccess1_fat(
    t: &MapType,
    h: *const Hmap,
    key: *const u8,
    zero: *const u8,
) -> *mut u8 {
    // SAFETY: forwarded.
    let e = unsafe { mapaccess1(t, h, key) };
    if e == zero_val() {
        return zero as *mut u8;
    }
    e
}

/// Port of `runtime.mapaccess2_fat`.
///
/// # Safety
/// As [`mapaccess1_fat`].
pub unsafe fn mapaccess2_fat(
    t: &MapType,
    h: *const Hmap,
    key: *const u8,
    zero: *const u8,
) -> (*mut u8, bool) {
    // SAFETY: forwarded.
    let e = unsafe { mapaccess1(t, h, key) };
    if e == zero_val() {
        return (zero as *mut u8, false);
    }
    (e, true)
}

/// What Go does with the key of a lookup or delete in a nil or empty map, so that an
/// unhashable key panics there too (Go issue 23734): hash it, when the key's hash might
/// panic (go1.19-1.21), or check it with `mapKeyError` (go1.22 on), which hashes nothing.
///
/// # Safety
/// `key` points at a key of `t`.
#[inline]
pub(crate) unsafe fn emptyMapKeyCheck(t: &MapType, key: *const u8) {
    if t.hashMightPanic() {
        if t.release().uses_map_key_error() {
            // SAFETY: forwarded.
            unsafe { crate::maptype::genalg::mapKeyError(t, key) }
        } else {
            // SAFETY: forwarded.
            unsafe { t.hash(key, 0) };
        }
    }
}
