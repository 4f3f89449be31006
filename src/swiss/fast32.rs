//! The 4-byte key fast paths: port of `internal/runtime/maps/runtime_fast32.go` (`runtime_fast32_swiss.go` in Go
//! 1.24 and 1.25).
//!
//! Go's compiler routes keys of 4 bytes of plain memory (`int32`, `uint32`, `[4]byte` on amd64) through these. The lookups are Go's,
//! with the key compared as an integer and Go's hash called directly (a small map is
//! scanned without hashing). The assignment is Go's fast assignment
//! (one generic copy for the three families, `runtime::mapassign_fast`): the probing of
//! [`Map::PutSlot`] (first free-or-deleted slot, tombstone pruning from 1.25), not that of
//! the generic [`mapassign`](super::runtime::mapassign), so their bytes differ from it.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use super::group::groupReference;
use super::map::Map;
use super::map::{h1, h2};
use super::runtime::mapassign_fast;
use super::table::makeProbeSeq;
use super::types::SwissMapType;
use crate::maptype::{alg, HashAlg};
use crate::runtime::malloc::zero_val;
use crate::runtime::types::{fatal, CONCURRENT_READ_WRITE};

/// Port of `runtime_mapaccess1_fast32`.
///
/// # Safety
/// `m` is null or a live map of `typ`, whose key is 4 bytes of plain memory.
pub unsafe fn mapaccess1_fast32(typ: &SwissMapType, m: *const Map, key: u32) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe { mapaccess2_fast32(typ, m, key).0 }
}

/// The hash of a 4-byte key: Go's `memhash32` called directly when the map type's
/// hasher is it (as Go's fast paths do), else the map type's hasher.
///
/// # Safety
/// `key` points at 4 readable bytes.
#[inline(always)]
unsafe fn hash32(typ: &SwissMapType, key: *const u8, seed: usize) -> usize {
    if typ.mt.hash_alg == HashAlg::Mem32 {
        // SAFETY: 4 readable bytes (caller); `HashAlg::Mem32` records that the
        // hasher is memhash32.
        unsafe { alg::memhash32(key, seed) }
    } else {
        // SAFETY: the caller vouches for the key.
        unsafe { typ.Hasher(key, seed) }
    }
}

/// Port of `runtime_mapaccess2_fast32`: the lookup with the key compared as a `u32`. A
/// small map is scanned slot by slot without hashing, as in Go.
///
/// # Safety
/// As for [`mapaccess1_fast32`].
pub unsafe fn mapaccess2_fast32(typ: &SwissMapType, m: *const Map, key: u32) -> (*mut u8, bool) {
    debug_assert!(typ.keysize == 4 && !typ.IndirectKey());
    // SAFETY: null or live (caller).
    let Some(m) = (unsafe { m.as_ref() }) else {
        return (zero_val(), false);
    };
    if m.Used() == 0 {
        return (zero_val(), false);
    }
    if m.writing() != 0 {
        fatal(CONCURRENT_READ_WRITE);
    }
    // SAFETY: the map is live and of `typ`: groups, slots and keys of 4 bytes
    // (8-aligned groups, slots aligned for the key).
    unsafe {
        if m.dirLen == 0 {
            let g = groupReference { data: m.dirPtr };
            let mut full = g.ctrls().matchFull();
            let mut slotKey = g.key(typ, 0);
            while !full.is_empty() {
                if key == *(slotKey as *const u32) && full.lowestSet() {
                    return (slotKey.add(typ.ElemOff), true);
                }
                slotKey = slotKey.add(typ.SlotSize);
                full = full.shiftOutLowest();
            }
            return (zero_val(), false);
        }
        let hash = hash32(typ, (&key as *const u32).cast(), m.seed);
        // Select the table, then probe it.
        let t = m.directoryAt(m.directoryIndex(hash));
        let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
        let h2Hash = h2(hash);
        loop {
            let g = (*t).groups.group(typ, seq.offset);
            let mut match_ = g.ctrls().matchH2(h2Hash);
            while !match_.is_empty() {
                let i = match_.first();
                let slotKey = g.key(typ, i);
                if key == *(slotKey as *const u32) {
                    return (slotKey.add(typ.ElemOff), true);
                }
                match_ = match_.removeFirst();
            }
            if !g.ctrls().matchEmpty().is_empty() {
                // An empty slot ends the probe sequence.
                return (zero_val(), false);
            }
            seq = seq.next();
        }
    }
}

/// Port of `runtime_mapassign_fast32`: the elem slot for `key`.
///
/// # Safety
/// As for [`mapaccess1_fast32`]; a null `m` panics as Go does.
pub unsafe fn mapassign_fast32(typ: &SwissMapType, m: *mut Map, key: u32) -> *mut u8 {
    debug_assert!(typ.keysize == 4 && !typ.IndirectKey() && !typ.IndirectElem());
    // SAFETY: forwarded (a map type of this family, caller).
    unsafe { mapassign_fast(typ, m, key) }
}

/// Port of `runtime_mapdelete_fast32`.
///
/// # Safety
/// As for [`mapaccess1_fast32`].
pub unsafe fn mapdelete_fast32(typ: &SwissMapType, m: *mut Map, key: u32) {
    // SAFETY: null or live (caller); the key is readable for the call.
    if let Some(m) = unsafe { m.as_mut() } {
        // SAFETY: as above.
        unsafe { m.Delete(typ, (&key as *const u32).cast()) }
    }
}
