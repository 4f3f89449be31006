//! The classic and the Swiss engine behind one set of handles.
//!
//! A map type knows its engine (`gomap_maptype::swiss`). A map or iterator handle
//! carries it in its lowest address bit, so that `gomap_len`, `gomap_growing` and the
//! iterator functions, which take no map type, know it too:
//!
//! ```text
//!   classic: the address of an Hmap (from the type's allocator) or a Box<Hiter>
//!            ...aligned to 8...........0
//!   Swiss:   the address of a Map (from the type's allocator) or a Box<Iter>, plus 1
//!            ...aligned to 8...........1
//! ```
//!
//! Both objects are 8-aligned (`Hmap`, `Map`, `Hiter` and `Iter` hold pointers; the C
//! allocator returns memory aligned as asked), so the bit is free. A classic handle is
//! the object's address itself, as it always was: C never looks inside, and Rust code
//! may keep reading a classic `gomap_map` as an [`Hmap`]. Decoding costs one test of a
//! register bit, no load. The re-entry check ([`super::error::InUse`]) keys on the
//! handle, which is unique per live object in both engines.
//!
//! Every entry point that takes a map type and a map checks that both are of one engine
//! (`GOMAP_ERR_INVALID_ARG` otherwise).

use core::ffi::c_int;

use super::error::{fail, fail_runtime, GOMAP_ERR_INVALID_ARG};
use super::{gomap_iter, gomap_map, gomap_maptype};
use crate::base::panic::RuntimeError;
use crate::maptype::MapType;
use crate::runtime::types::HASH_WRITING;
use crate::runtime::{Hiter, Hmap};
use crate::swiss::{self, SwissMapType};

/// The reason a map handle is refused with the map type given.
pub(super) const ENGINE_MISMATCH: &str =
    "the map was made from a map type of the other engine (classic or Swiss)";

/// The low bit of a handle of the Swiss engine.
const SWISS_TAG: usize = 1;

// The tag bit is free in the address of every object a handle can name.
const _: () = {
    use core::mem::align_of;
    assert!(align_of::<Hmap>() > SWISS_TAG && align_of::<swiss::Map>() > SWISS_TAG);
    assert!(align_of::<Hiter>() > SWISS_TAG && align_of::<swiss::Iter>() > SWISS_TAG);
};

/// Whether a handle is of the Swiss engine.
#[inline(always)]
fn is_swiss<T>(p: *const T) -> bool {
    p as usize & SWISS_TAG != 0
}

/// The handle of a Swiss object: its address plus the tag (a byte offset, so that the
/// handle keeps the object's provenance).
#[inline(always)]
fn tag<T, U>(p: *mut T) -> *mut U {
    p.cast::<u8>().wrapping_add(SWISS_TAG).cast()
}

/// The Swiss object of a tagged handle.
#[inline(always)]
fn untag<T, U>(p: *const T) -> *mut U {
    debug_assert!(is_swiss(p));
    p.cast::<u8>().wrapping_sub(SWISS_TAG).cast_mut().cast()
}

/// The handle of a Swiss map.
pub(super) fn swiss_map_handle(m: *mut swiss::Map) -> *mut gomap_map {
    tag(m)
}

/// The handle of a Swiss iterator.
pub(super) fn swiss_iter_handle(it: *mut swiss::Iter) -> *mut gomap_iter {
    tag(it)
}

/// A map handle, decoded: the map type's engine, its descriptor and the map (null for
/// the nil map).
pub(super) enum MapRef<'a> {
    /// A classic map.
    Classic(&'a MapType, *mut Hmap),
    /// A Swiss map.
    Swiss(&'a SwissMapType, *mut swiss::Map),
}

impl<'a> MapRef<'a> {
    /// The map type and map of an entry point, checked to be of one engine.
    ///
    /// # Safety
    /// `t` is a live map type that outlives `'a`; `h` is NULL or a handle from
    /// `gomap_make`.
    #[inline(always)]
    pub(super) unsafe fn of(t: *const gomap_maptype, h: *const gomap_map) -> Result<Self, c_int> {
        // SAFETY: live (caller).
        let t = unsafe { &*t };
        match (&t.swiss, is_swiss(h)) {
            (None, false) => Ok(MapRef::Classic(&t.mt, h.cast_mut())),
            (Some(st), true) => Ok(MapRef::Swiss(st, untag(h))),
            // NULL (untagged) is the nil map of either engine.
            (Some(st), false) if h.is_null() => Ok(MapRef::Swiss(st, core::ptr::null_mut())),
            _ => Err(fail(GOMAP_ERR_INVALID_ARG, ENGINE_MISMATCH)),
        }
    }

    /// The prologue of an entry point that reads the map (a lookup, an iterator's
    /// start): [`MapRef::of`], then the runtime's check that no write is in progress
    /// ("concurrent map read and map write"), made before calling into it. The caller
    /// then enters the call (`enter!`).
    ///
    /// # Safety
    /// As [`MapRef::of`], and the map is NULL or live.
    #[inline(always)]
    pub(super) unsafe fn for_read(
        t: *const gomap_maptype,
        h: *const gomap_map,
    ) -> Result<Self, c_int> {
        // SAFETY: forwarded (caller).
        unsafe { MapRef::of(t, h)?.unless_writing(RuntimeError::ConcurrentReadWrite) }
    }

    /// The prologue of an entry point that writes the map (assign, insert, delete,
    /// clear): as [`MapRef::for_read`], failing with "concurrent map writes".
    ///
    /// # Safety
    /// As [`MapRef::for_read`].
    #[inline(always)]
    pub(super) unsafe fn for_write(
        t: *const gomap_maptype,
        h: *const gomap_map,
    ) -> Result<Self, c_int> {
        // SAFETY: forwarded (caller).
        unsafe { MapRef::of(t, h)?.unless_writing(RuntimeError::ConcurrentWrites) }
    }

    /// `self`, or the failure `e` (Go's words for the runtime's check that would panic)
    /// when a write is in progress on the map: checked before calling into it.
    ///
    /// # Safety
    /// The map is NULL or live.
    #[inline(always)]
    unsafe fn unless_writing(self, e: RuntimeError) -> Result<Self, c_int> {
        // SAFETY: NULL or live (caller); plain reads of the write flag.
        let w = unsafe {
            match self {
                MapRef::Classic(_, h) => !h.is_null() && (*h).flags() & HASH_WRITING != 0,
                MapRef::Swiss(_, m) => !m.is_null() && (*m).writing() != 0,
            }
        };
        if w {
            Err(fail_runtime(e))
        } else {
            Ok(self)
        }
    }
}

/// A handle without its map type, decoded: a map (for `gomap_len` and
/// `gomap_growing`) or an iterator.
pub(super) enum Handle<C, S> {
    /// Of the classic engine (or NULL).
    Classic(*mut C),
    /// Of the Swiss engine.
    Swiss(*mut S),
}

/// A map handle without its type.
pub(super) type MapHandle = Handle<Hmap, swiss::Map>;

/// An iterator handle.
pub(super) type IterHandle = Handle<Hiter, swiss::Iter>;

impl<C, S> Handle<C, S> {
    /// Decodes `p`.
    #[inline(always)]
    pub(super) fn of<T>(p: *const T) -> Handle<C, S> {
        if is_swiss(p) {
            Handle::Swiss(untag(p))
        } else {
            Handle::Classic(p.cast_mut().cast())
        }
    }
}
