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

use super::map::Map;
use super::runtime::{mapaccess2_fast, mapassign_fast};
use super::types::SwissMapType;

/// Port of `runtime_mapaccess1_fast32`.
///
/// # Safety
/// `m` is null or a live map of `typ`, whose key is 4 bytes of plain memory.
#[inline]
pub unsafe fn mapaccess1_fast32(typ: &SwissMapType, m: *const Map, key: u32) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe { mapaccess2_fast32(typ, m, key).0 }
}

/// Port of `runtime_mapaccess2_fast32`: the lookup with the key compared as a `u32`
/// (see [`runtime::mapaccess2_fast`](super::runtime)).
///
/// # Safety
/// As for [`mapaccess1_fast32`].
#[inline]
pub unsafe fn mapaccess2_fast32(typ: &SwissMapType, m: *const Map, key: u32) -> (*mut u8, bool) {
    // SAFETY: forwarded (a map type of this family, caller).
    unsafe { mapaccess2_fast(typ, m, key) }
}

/// Port of `runtime_mapassign_fast32`: the elem slot for `key`.
///
/// # Safety
/// As for [`mapaccess1_fast32`]; a null `m` panics as Go does.
#[inline]
pub unsafe fn mapassign_fast32(typ: &SwissMapType, m: *mut Map, key: u32) -> *mut u8 {
    debug_assert!(typ.keysize == 4 && !typ.IndirectKey() && !typ.IndirectElem());
    // SAFETY: forwarded (a map type of this family, caller).
    unsafe { mapassign_fast(typ, m, key, |_| {}) }
}

/// Port of `runtime_mapdelete_fast32`.
///
/// # Safety
/// As for [`mapaccess1_fast32`].
#[inline]
pub unsafe fn mapdelete_fast32(typ: &SwissMapType, m: *mut Map, key: u32) {
    // SAFETY: forwarded; the hook does nothing.
    unsafe { mapdelete_fast32_with(typ, m, key, |_, _| {}) }
}

/// [`mapdelete_fast32`] that hands the entry (stored key and elem) to `found` just before Go
/// clears it; `found` is called only when the key is present. Go's `Map.Delete`, with the
/// key hashed and compared as a `u32` (the same slot as Go's generic hash and compare).
///
/// # Safety
/// As for [`mapaccess1_fast32`]; `found` must not write the map.
#[inline]
pub unsafe fn mapdelete_fast32_with(
    typ: &SwissMapType,
    m: *mut Map,
    key: u32,
    found: impl FnOnce(*mut u8, *mut u8),
) {
    debug_assert!(typ.keysize == core::mem::size_of::<u32>() && !typ.IndirectKey());
    // SAFETY: null or live (caller), of this family.
    if let Some(m) = unsafe { m.as_mut() } {
        // SAFETY: as above.
        unsafe { m.delete_with(typ, key, found) }
    }
}
