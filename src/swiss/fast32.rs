//! The 4-byte key fast paths: port of `internal/runtime/maps/runtime_fast32.go` (`runtime_fast32_swiss.go` in Go
//! 1.24 and 1.25).
//!
//! Go's compiler routes keys of 4 bytes of plain memory (`int32`, `uint32`, `[4]byte` on amd64) through these. They repeat the generic code with the key
//! compare specialised; the probing and insertion are those of [`Map::PutSlot`]
//! (first free-or-deleted slot, tombstone pruning from 1.25), not those of the generic
//! [`mapassign`](super::runtime::mapassign), so their bytes differ from it. gomap keeps
//! one copy of that shape and reaches it through `Map::PutSlot`, whose key compare
//! (Go's `memequal32`) finds the same slots as the specialised one.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use super::map::Map;
use super::runtime::{mapaccess2, nil_assign};
use super::types::SwissMapType;

/// Port of `runtime_mapaccess1_fast32`.
///
/// # Safety
/// `m` is null or a live map of `typ`, whose key is 4 bytes of plain memory.
pub unsafe fn mapaccess1_fast32(typ: &SwissMapType, m: *const Map, key: u32) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe { mapaccess2_fast32(typ, m, key).0 }
}

/// Port of `runtime_mapaccess2_fast32`.
///
/// # Safety
/// As for [`mapaccess1_fast32`].
pub unsafe fn mapaccess2_fast32(typ: &SwissMapType, m: *const Map, key: u32) -> (*mut u8, bool) {
    debug_assert!(typ.keysize == 4 && !typ.IndirectKey());
    // SAFETY: `key` is a readable key of the map's type (caller).
    unsafe { mapaccess2(typ, m, (&key as *const u32).cast()) }
}

/// Port of `runtime_mapassign_fast32`: the elem slot for `key`.
///
/// # Safety
/// As for [`mapaccess1_fast32`]; a null `m` panics as Go does.
pub unsafe fn mapassign_fast32(typ: &SwissMapType, m: *mut Map, key: u32) -> *mut u8 {
    debug_assert!(typ.keysize == 4 && !typ.IndirectKey() && !typ.IndirectElem());
    // SAFETY: null or live (caller).
    let Some(m) = (unsafe { m.as_mut() }) else {
        nil_assign()
    };
    // SAFETY: the key is readable for the call.
    unsafe { m.PutSlot(typ, (&key as *const u32).cast()) }
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
