//! The string key fast paths: port of `internal/runtime/maps/runtime_faststr.go` (`runtime_faststr_swiss.go` in Go
//! 1.24 and 1.25).
//!
//! Go's compiler routes string keys through these. The assignment is Go's fast assignment
//! (one generic copy for the three families, `runtime::mapassign_fast`): the probing of
//! [`Map::PutSlot`] (first free-or-deleted slot, tombstone pruning from 1.25), not that of
//! the generic [`mapassign`](super::runtime::mapassign), so their bytes differ from it;
//! an existing key's header is overwritten, as Go does.
//
// Copyright 2024 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use super::map::Map;
use super::runtime::{mapaccess2, mapassign_fast};
use super::types::SwissMapType;
use crate::maptype::GoString;

/// Port of `runtime_mapaccess1_faststr`.
///
/// # Safety
/// `m` is null or a live map of `typ`, whose key is a string (the header and the bytes it points at readable).
pub unsafe fn mapaccess1_faststr(typ: &SwissMapType, m: *const Map, key: GoString) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe { mapaccess2_faststr(typ, m, key).0 }
}

/// Port of `runtime_mapaccess2_faststr`.
///
/// # Safety
/// As for [`mapaccess1_faststr`].
pub unsafe fn mapaccess2_faststr(
    typ: &SwissMapType,
    m: *const Map,
    key: GoString,
) -> (*mut u8, bool) {
    debug_assert!(typ.keysize == 16 && !typ.IndirectKey());
    // SAFETY: `key` is a readable key of the map's type (caller).
    unsafe { mapaccess2(typ, m, (&key as *const GoString).cast()) }
}

/// Port of `runtime_mapassign_faststr`: the elem slot for `key`.
///
/// # Safety
/// As for [`mapaccess1_faststr`]; a null `m` panics as Go does.
pub unsafe fn mapassign_faststr(typ: &SwissMapType, m: *mut Map, key: GoString) -> *mut u8 {
    debug_assert!(typ.keysize == 16 && !typ.IndirectKey() && !typ.IndirectElem());
    // SAFETY: forwarded (a map type of this family, caller).
    unsafe { mapassign_fast(typ, m, key) }
}

/// Port of `runtime_mapdelete_faststr`.
///
/// # Safety
/// As for [`mapaccess1_faststr`].
pub unsafe fn mapdelete_faststr(typ: &SwissMapType, m: *mut Map, key: GoString) {
    // SAFETY: null or live (caller); the key is readable for the call.
    if let Some(m) = unsafe { m.as_mut() } {
        // SAFETY: as above.
        unsafe { m.Delete(typ, (&key as *const GoString).cast()) }
    }
}
