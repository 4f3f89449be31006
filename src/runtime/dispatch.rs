//! Entry points that make Go's compiler's choice of runtime function at run time, for
//! callers that hold only a pointer to the key (an interpreter, the C ABI, the traces).
//!
//! Go's compiler picks the function for each map operation from the map's static type
//! (`walk.mapfast` in go1.19 `cmd/compile/internal/walk/walk.go`, with the name tables
//! `mapaccess1`, `mapaccess2`, `mapassign`, `mapdelete` built by `mkmapnames`). gomap
//! records that choice in [`MapType::fast`] (see `MapType::for_go_types`), and these
//! functions switch on it:
//!
//! | `t.fast`    | lookup (`m[k]`, `v, ok := m[k]`) | `m[k] = v`              | `delete(m, k)`      |
//! |-------------|----------------------------------|-------------------------|---------------------|
//! | `Slow`      | `mapaccess1/2`, or `mapaccess1/2_fat` for elems over 1024 bytes | `mapassign` | `mapdelete` |
//! | `Fast32`    | `mapaccess1/2_fast32`            | `mapassign_fast32`      | `mapdelete_fast32`  |
//! | `Fast32Ptr` | `mapaccess1/2_fast32`            | `mapassign_fast32ptr`   | `mapdelete_fast32`  |
//! | `Fast64`    | `mapaccess1/2_fast64`            | `mapassign_fast64`      | `mapdelete_fast64`  |
//! | `Fast64Ptr` | `mapaccess1/2_fast64`            | `mapassign_fast64ptr`   | `mapdelete_fast64`  |
//! | `FastStr`   | `mapaccess1/2_faststr`           | `mapassign_faststr`     | `mapdelete_faststr` |
//!
//! `walk.mapfast` gives `Slow` to every map whose elem is larger than 128 bytes, whatever
//! the key; so such maps never reach a fast path, and the `_fat` lookups (elems over
//! 1024 bytes) are only ever generic. One visible consequence: deleting from a
//! `map[string]E` clears only the key's data pointer when `E` is at most 128 bytes
//! (`mapdelete_faststr`), but the whole 16-byte key when `E` is larger (`mapdelete`).
//!
//! The key is read from `key` without any alignment requirement; for the fast families it
//! is passed on by value, as Go's compiled code does.

use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::access::{mapaccess1, mapaccess1_fat, mapaccess2, mapaccess2_fat};
use super::assign::{mapassign, mapassign_with};
use super::delete::{mapdelete, mapdelete_with};
use super::fast32::*;
use super::fast64::*;
use super::faststr::*;
use super::types::Hmap;
use crate::base::malloc::MAX_ZERO;
use crate::maptype::{GoString, MapFast, MapType};

/// Reads a key of type `K` at `key`.
///
/// # Safety
/// `key` points at `size_of::<K>()` readable bytes.
#[inline(always)]
unsafe fn read<K: Copy>(key: *const u8) -> K {
    // SAFETY: readable (caller); read_unaligned has no alignment requirement.
    unsafe { key.cast::<K>().read_unaligned() }
}

/// The largest zero block handed out so far for elems over [`MAX_ZERO`] bytes, and its
/// size. Blocks are never freed (a pointer to one may be held anywhere) and never written.
static BIG_ZERO: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
static BIG_ZERO_LEN: AtomicUsize = AtomicUsize::new(0);
/// Serialises growing the block, and keeps the addresses of the smaller blocks it replaced,
/// so that they stay reachable: leak checkers (valgrind, LeakSanitizer) then count them as
/// still in use rather than lost.
static BIG_ZERO_GROW: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// A read-only block of at least `size` zero bytes, for the `_fat` lookups: Go's compiler
/// passes the address of a zero symbol that its linker sizes to the largest elem any
/// `mapaccess1_fat` in the program needs (`go.map.zero`). gomap keeps one such block per
/// process and grows it (once per new largest size, keeping the smaller one) the first time
/// a larger elem asks.
fn zero_block(size: usize) -> *const u8 {
    // Release/acquire: a length seen here was stored after its block (or a larger one).
    if BIG_ZERO_LEN.load(Ordering::Acquire) >= size {
        return BIG_ZERO.load(Ordering::Acquire);
    }
    let mut replaced = BIG_ZERO_GROW.lock().unwrap_or_else(|e| e.into_inner());
    if BIG_ZERO_LEN.load(Ordering::Acquire) < size {
        let layout = std::alloc::Layout::from_size_align(size, 16)
            .unwrap_or_else(|_| super::types::raise(super::types::RuntimeError::OutOfMemory));
        // SAFETY: size > MAX_ZERO > 0.
        let p = unsafe { std::alloc::alloc_zeroed(layout) };
        if p.is_null() {
            super::types::raise(super::types::RuntimeError::OutOfMemory);
        }
        let old = BIG_ZERO.load(Ordering::Acquire);
        if !old.is_null() {
            replaced.push(old as usize);
        }
        BIG_ZERO.store(p, Ordering::Release);
        BIG_ZERO_LEN.store(size, Ordering::Release);
    }
    BIG_ZERO.load(Ordering::Acquire)
}

/// `m[k]`: a pointer to the elem of the key at `key`, or to a zero elem when it is missing.
/// Calls the function Go's compiler calls for this map type (module table).
///
/// # Safety
/// `h` is null or a live map of type `t`; `key` points at a key of `t` (for strings, a
/// [`GoString`] over readable bytes). No write to `h` runs concurrently. The result is
/// valid until the next write to the map and must not be written through.
#[inline]
pub unsafe fn map_access1(t: &MapType, h: *const Hmap, key: *const u8) -> *mut u8 {
    // SAFETY: (all arms) the caller's duties are those of the function called; the key is
    // read as the type the family says it is (MapType::from_parts checked the sizes).
    unsafe {
        match t.fast {
            MapFast::Slow => {
                if t.elem.size <= MAX_ZERO {
                    mapaccess1(t, h, key)
                } else {
                    mapaccess1_fat(t, h, key, zero_block(t.elem.size))
                }
            }
            MapFast::Fast32 | MapFast::Fast32Ptr => mapaccess1_fast32(t, h, read::<u32>(key)),
            MapFast::Fast64 | MapFast::Fast64Ptr => mapaccess1_fast64(t, h, read::<u64>(key)),
            MapFast::FastStr => mapaccess1_faststr(t, h, read::<GoString>(key)),
        }
    }
}

/// `v, ok := m[k]`: as [`map_access1`], also saying whether the key is present.
///
/// # Safety
/// As [`map_access1`].
#[inline]
pub unsafe fn map_access2(t: &MapType, h: *const Hmap, key: *const u8) -> (*mut u8, bool) {
    // SAFETY: as in map_access1.
    unsafe {
        match t.fast {
            MapFast::Slow => {
                if t.elem.size <= MAX_ZERO {
                    mapaccess2(t, h, key)
                } else {
                    mapaccess2_fat(t, h, key, zero_block(t.elem.size))
                }
            }
            MapFast::Fast32 | MapFast::Fast32Ptr => mapaccess2_fast32(t, h, read::<u32>(key)),
            MapFast::Fast64 | MapFast::Fast64Ptr => mapaccess2_fast64(t, h, read::<u64>(key)),
            MapFast::FastStr => mapaccess2_faststr(t, h, read::<GoString>(key)),
        }
    }
}

/// `m[k] = ...`: the elem slot for the key at `key` (made if missing, zeroed), for the
/// caller to write. Calls the function Go's compiler calls for this map type.
///
/// For string keys the map stores the header, not the bytes: the caller keeps the bytes
/// alive while the map holds the key (see `faststr.rs`; the generic path stores the header
/// the same way).
///
/// # Safety
/// `h` is null (which panics, as in Go) or a live map of type `t`; `key` points at a key of
/// `t`. No other thread uses the map during the call. The result is valid until the next
/// write to the map.
#[inline]
pub unsafe fn map_assign(t: &MapType, h: *mut Hmap, key: *const u8) -> *mut u8 {
    // SAFETY: as in map_access1. For Fast32Ptr the 4 key bytes are the pointer of a 32-bit
    // address space, so they fit the 32-bit check of mapassign_fast32ptr.
    unsafe {
        match t.fast {
            MapFast::Slow => mapassign(t, h, key),
            MapFast::Fast32 => mapassign_fast32(t, h, read::<u32>(key)),
            MapFast::Fast32Ptr => mapassign_fast32ptr(t, h, read::<u32>(key) as usize as *mut u8),
            MapFast::Fast64 => mapassign_fast64(t, h, read::<u64>(key)),
            MapFast::Fast64Ptr => mapassign_fast64ptr(t, h, read::<*mut u8>(key)),
            MapFast::FastStr => mapassign_faststr(t, h, read::<GoString>(key)),
        }
    }
}

/// [`map_assign`] through the `_with` form of the function Go's compiler calls, for the
/// families that copy a new key over a stored one (`mapassign` when the descriptor says
/// `needkeyupdate`, `mapassign_faststr` always): `update` sees the stored key first (see
/// [`super::mapassign_with`]). The integer families never update a stored key, so for
/// them this is `map_assign` and `update` is not called. The map's bytes are `map_assign`'s.
///
/// # Safety
/// As [`map_assign`]; `update` must not write the map.
#[inline]
pub unsafe fn map_assign_with(
    t: &MapType,
    h: *mut Hmap,
    key: *const u8,
    update: impl FnOnce(*mut u8),
) -> *mut u8 {
    // SAFETY: as in map_assign.
    unsafe {
        match t.fast {
            MapFast::Slow => mapassign_with(t, h, key, update),
            MapFast::FastStr => mapassign_faststr_with(t, h, read::<GoString>(key), update),
            _ => map_assign(t, h, key),
        }
    }
}

/// `delete(m, k)`. Calls the function Go's compiler calls for this map type (so a string
/// key's slot keeps its length when the elem is at most 128 bytes; see the module notes).
///
/// # Safety
/// As [`map_assign`] (a null `h` is allowed and is a no-op).
#[inline]
pub unsafe fn map_delete(t: &MapType, h: *mut Hmap, key: *const u8) {
    // SAFETY: as in map_access1.
    unsafe {
        match t.fast {
            MapFast::Slow => mapdelete(t, h, key),
            MapFast::Fast32 | MapFast::Fast32Ptr => mapdelete_fast32(t, h, read::<u32>(key)),
            MapFast::Fast64 | MapFast::Fast64Ptr => mapdelete_fast64(t, h, read::<u64>(key)),
            MapFast::FastStr => mapdelete_faststr(t, h, read::<GoString>(key)),
        }
    }
}

/// [`map_delete`] through the `_with` form of the function Go's compiler calls: `found`
/// gets the stored key and elem once, before they are cleared (see
/// [`super::mapdelete_with`]). The map's bytes are `map_delete`'s.
///
/// # Safety
/// As [`map_delete`]; `found` must not write the map.
#[inline]
pub unsafe fn map_delete_with(
    t: &MapType,
    h: *mut Hmap,
    key: *const u8,
    found: impl FnOnce(*mut u8, *mut u8),
) {
    // SAFETY: as in map_access1.
    unsafe {
        match t.fast {
            MapFast::Slow => mapdelete_with(t, h, key, found),
            MapFast::Fast32 | MapFast::Fast32Ptr => {
                mapdelete_fast32_with(t, h, read::<u32>(key), found)
            }
            MapFast::Fast64 | MapFast::Fast64Ptr => {
                mapdelete_fast64_with(t, h, read::<u64>(key), found)
            }
            MapFast::FastStr => mapdelete_faststr_with(t, h, read::<GoString>(key), found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maptype::GoKind;
    use crate::runtime::{dump::dump_string, makemap, mapfree};
    use core::ptr;

    #[test]
    fn string_delete_follows_walk_mapfast() {
        // map[string]int64 goes through mapdelete_faststr; map[string][129]byte through
        // mapdelete, which clears the whole key.
        let small = MapType::for_go_types(GoKind::String, GoKind::Int64).unwrap();
        let big = MapType::for_go_types(GoKind::String, GoKind::Bytes(129)).unwrap();
        assert_eq!((small.fast, big.fast), (MapFast::FastStr, MapFast::Slow));
        let k = b"key".to_vec();
        let ks = GoString::from_bytes(&k);
        for (t, want) in [(&small, " s3:nil="), (&big, " s0=")] {
            // SAFETY: a fresh map, freed at the end; `k` outlives it.
            unsafe {
                let h = makemap(t, 0, ptr::null_mut());
                map_assign(t, h, ptr::addr_of!(ks).cast());
                let k2 = b"key".to_vec();
                let ks2 = GoString::from_bytes(&k2);
                assert!(map_access2(t, h, ptr::addr_of!(ks2).cast()).1);
                map_delete(t, h, ptr::addr_of!(ks2).cast());
                assert_eq!((*h).count, 0);
                let d = dump_string(t, h);
                assert!(d.contains(want), "{:?}: {d}", t.fast);
                mapfree(t, h);
            }
        }
    }

    #[test]
    fn fat_elems_read_a_big_zero() {
        let t = MapType::for_go_types(GoKind::Int64, GoKind::Bytes(4000)).unwrap();
        assert_eq!(t.fast, MapFast::Slow);
        // SAFETY: a fresh map, freed at the end.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            let k = 5i64;
            let e = map_assign(&t, h, ptr::addr_of!(k).cast());
            ptr::write_bytes(e, 0xab, 4000);
            let (e, ok) = map_access2(&t, h, ptr::addr_of!(k).cast());
            assert!(ok && *e.add(3999) == 0xab);
            let missing = 6i64;
            let z = map_access1(&t, h, ptr::addr_of!(missing).cast());
            assert!(core::slice::from_raw_parts(z, 4000).iter().all(|&b| b == 0));
            let (z2, ok) = map_access2(&t, h, ptr::addr_of!(missing).cast());
            assert!(!ok && z2 == z);
            mapfree(&t, h);
        }
    }

    #[test]
    fn every_family_round_trips_through_dispatch() {
        let types = [
            MapType::for_go_types(GoKind::Float64, GoKind::Int64).unwrap(),
            MapType::for_go_types(GoKind::Uint32, GoKind::Int64).unwrap(),
            MapType::for_go_types(GoKind::Uint64, GoKind::Int64).unwrap(),
            MapType::for_go_types(GoKind::Pointer, GoKind::Int64).unwrap(),
        ];
        let fams: Vec<MapFast> = types.iter().map(|t| t.fast).collect();
        assert_eq!(
            fams,
            [
                MapFast::Slow,
                MapFast::Fast32,
                MapFast::Fast64,
                MapFast::Fast64Ptr
            ]
        );
        for t in &types {
            // SAFETY: a fresh map, freed at the end; keys are read as t's key size, and
            // the 8-byte buffer covers every size here.
            unsafe {
                let h = makemap(t, 0, ptr::null_mut());
                for i in 1..200u64 {
                    let k = if t.key.size == 4 { i } else { i << 33 | i };
                    let k = if t.key.kind == crate::maptype::Kind::Float64 {
                        (i as f64).to_bits()
                    } else {
                        k
                    };
                    *map_assign(t, h, ptr::addr_of!(k).cast()).cast::<u64>() = i;
                    assert_eq!(*map_access1(t, h, ptr::addr_of!(k).cast()).cast::<u64>(), i);
                    if i % 3 == 0 {
                        map_delete(t, h, ptr::addr_of!(k).cast());
                        assert!(!map_access2(t, h, ptr::addr_of!(k).cast()).1);
                    }
                }
                crate::runtime::check(t, h).unwrap();
                assert_eq!((*h).count, 199 - 66);
                mapfree(t, h);
            }
        }
    }
}
