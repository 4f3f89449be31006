//! The string key fast paths: port of `internal/runtime/maps/runtime_faststr.go` (`runtime_faststr_swiss.go` in Go
//! 1.24 and 1.25).
//!
//! Go's compiler routes string keys through these. The lookup is Go's: a small map is
//! searched without hashing a long key (a quick test of length and first and last 8 bytes
//! first), a short key is hashed and matched against the group's control bytes, a large map
//! is probed as the integer families probe it (`probe_fast`). Lookups change no byte, so
//! this is about speed only. The assignment is Go's fast assignment
//! (one generic copy for the three families, `runtime::mapassign_fast`): the probing of
//! [`Map::PutSlot`] (first free-or-deleted slot, tombstone pruning from 1.25), not that of
//! the generic [`mapassign`](super::runtime::mapassign), so their bytes differ from it;
//! an existing key's header is overwritten, as Go does.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use super::group::{groupReference, MAP_GROUP_SLOTS};
use super::map::{h2, Map};
use super::runtime::{map_for_read, mapassign_fast, probe_fast, FastKey};
use super::types::SwissMapType;
use crate::base::malloc::zero_val;
use crate::maptype::GoString;

/// Port of `Map.getWithoutKeySmallFastStr`: the elem of `key` in a small map (one group,
/// no directory), or null.
///
/// # Safety
/// `m` is a live small map of `typ` (`dirLen == 0`, `dirPtr` its group), whose keys are
/// strings with readable bytes; `key`'s bytes are readable.
unsafe fn getWithoutKeySmallFastStr(typ: &SwissMapType, m: &Map, key: GoString) -> *mut u8 {
    // SAFETY: the map's one group, of `typ`'s layout (caller).
    unsafe {
        let g = groupReference { data: m.dirPtr };
        let mut ctrls = g.ctrls().0;
        // Keys are KeyStride apart in both layouts (contiguous when split).
        let mut slotKey = g.key(typ, 0);

        // Go's threshold of 64 comes from its BenchmarkMapStringKeysEight: 8 keys to check,
        // none quick-matching; for keys that long, skipping the hash pays for this code.
        'dohash: {
            if key.len > 64 {
                // String hashing and equality might be expensive. Do a quick check first.
                let mut j = MAP_GROUP_SLOTS;
                for i in 0..MAP_GROUP_SLOTS {
                    if ctrls & (1 << 7) == 0
                        && longStringQuickEqualityTest(key, slotKey.cast::<GoString>().read())
                    {
                        if j < MAP_GROUP_SLOTS {
                            // Two strings both passed the quick test: do it the slow way.
                            break 'dohash;
                        }
                        j = i;
                    }
                    slotKey = slotKey.add(typ.KeyStride);
                    ctrls >>= 8;
                }
                if j == MAP_GROUP_SLOTS {
                    // No slot passed the quick test.
                    return core::ptr::null_mut();
                }
                // Exactly one slot passed the quick test: the one expensive comparison.
                slotKey = g.key(typ, j);
                if key.eq_slot(slotKey) {
                    return g.elem(typ, j);
                }
                return core::ptr::null_mut();
            }
        }

        // dohash: this path costs one hash and 1+ε comparisons. (Go 1.24-1.26 call
        // typ.Hasher here, which for a string map type is this same hash.)
        let hash = key.hash(typ, m.seed);
        let h2 = h2(hash) as u64;
        ctrls = g.ctrls().0;
        slotKey = g.key(typ, 0);
        for i in 0..MAP_GROUP_SLOTS {
            if ctrls & 0xff == h2 && key.eq_slot(slotKey) {
                return g.elem(typ, i);
            }
            slotKey = slotKey.add(typ.KeyStride);
            ctrls >>= 8;
        }
        core::ptr::null_mut()
    }
}

/// Port of `longStringQuickEqualityTest`: false when `a` and `b` are certainly different
/// (lengths, first 8 or last 8 bytes differ), true when they may be equal.
///
/// # Safety
/// Both strings' bytes are readable and `a.len >= 8`.
#[inline]
unsafe fn longStringQuickEqualityTest(a: GoString, b: GoString) -> bool {
    if a.len != b.len {
        return false;
    }
    // SAFETY: both are at least 8 readable bytes long (caller, equal lengths).
    unsafe {
        let (x, y) = (a.ptr, b.ptr);
        // Check first 8 bytes.
        if x.cast::<[u8; 8]>().read_unaligned() != y.cast::<[u8; 8]>().read_unaligned() {
            return false;
        }
        // Check last 8 bytes.
        let (x, y) = (x.add(a.len - 8), y.add(a.len - 8));
        x.cast::<[u8; 8]>().read_unaligned() == y.cast::<[u8; 8]>().read_unaligned()
    }
}

/// Port of `runtime_mapaccess1_faststr`.
///
/// # Safety
/// `m` is null or a live map of `typ`, whose key is a string (the header and the bytes it points at readable).
#[inline]
pub unsafe fn mapaccess1_faststr(typ: &SwissMapType, m: *const Map, key: GoString) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe { mapaccess2_faststr(typ, m, key).0 }
}

/// Port of `runtime_mapaccess2_faststr`.
///
/// # Safety
/// As for [`mapaccess1_faststr`].
#[inline]
pub unsafe fn mapaccess2_faststr(
    typ: &SwissMapType,
    m: *const Map,
    key: GoString,
) -> (*mut u8, bool) {
    debug_assert!(typ.keysize == 16 && !typ.IndirectKey());
    // SAFETY: null or live (caller).
    let Some(m) = (unsafe { map_for_read(m) }) else {
        return (zero_val(), false);
    };
    if m.dirLen <= 0 {
        // SAFETY: a live small map of string keys; the key's bytes are readable (caller).
        let elem = unsafe { getWithoutKeySmallFastStr(typ, m, key) };
        if elem.is_null() {
            return (zero_val(), false);
        }
        return (elem, true);
    }
    // SAFETY: as above; the map has a directory.
    unsafe {
        let hash = key.hash(typ, m.seed);
        probe_fast(typ, m, key, hash)
    }
}

/// Port of `runtime_mapassign_faststr`: the elem slot for `key`.
///
/// # Safety
/// As for [`mapaccess1_faststr`]; a null `m` panics as Go does.
#[inline]
pub unsafe fn mapassign_faststr(typ: &SwissMapType, m: *mut Map, key: GoString) -> *mut u8 {
    // SAFETY: forwarded; the hook does nothing.
    unsafe { mapassign_faststr_with(typ, m, key, |_| {}) }
}

/// [`mapassign_faststr`] that shows the stored key header to `update` just before Go
/// overwrites it with `key` (an existing entry; never called for a new one).
///
/// # Safety
/// As for [`mapassign_faststr`]; `update` must not write the map.
#[inline]
pub unsafe fn mapassign_faststr_with(
    typ: &SwissMapType,
    m: *mut Map,
    key: GoString,
    update: impl FnOnce(*mut u8),
) -> *mut u8 {
    debug_assert!(typ.keysize == 16 && !typ.IndirectKey() && !typ.IndirectElem());
    // SAFETY: forwarded (a map type of this family, caller).
    unsafe { mapassign_fast(typ, m, key, update) }
}

/// Port of `runtime_mapdelete_faststr`.
///
/// # Safety
/// As for [`mapaccess1_faststr`].
#[inline]
pub unsafe fn mapdelete_faststr(typ: &SwissMapType, m: *mut Map, key: GoString) {
    // SAFETY: forwarded; the hook does nothing.
    unsafe { mapdelete_faststr_with(typ, m, key, |_, _| {}) }
}

/// [`mapdelete_faststr`] that hands the entry (stored key and elem) to `found` just
/// before Go clears it; `found` is called only when the key is present. Go's
/// `Map.Delete`, with the key hashed by Go's string hash and compared as a string (the
/// same slot as through the map type).
///
/// # Safety
/// As for [`mapaccess1_faststr`]; `found` must not write the map.
#[inline]
pub unsafe fn mapdelete_faststr_with(
    typ: &SwissMapType,
    m: *mut Map,
    key: GoString,
    found: impl FnOnce(*mut u8, *mut u8),
) {
    debug_assert!(typ.keysize == 16 && !typ.IndirectKey());
    // SAFETY: null or live (caller), of this family.
    if let Some(m) = unsafe { m.as_mut() } {
        // SAFETY: as above.
        unsafe { m.delete_with(typ, key, found) }
    }
}
