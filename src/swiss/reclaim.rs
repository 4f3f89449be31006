//! Memory without a garbage collector, for the Swiss engine.
//!
//! Go's Swiss map drops memory and lets the collector find it: a table replaced by
//! `grow` or `split`, the small map's group when it becomes a table, an old directory,
//! the object of a deleted indirect key or elem. gomap frees those itself, at the
//! moment nothing can read them any more. The readers to worry about are iterators:
//!
//! * an [`Iter`](super::iter::Iter) keeps the table it walks (`it.tab`) after the map
//!   replaced it, and reads its groups to pick keys (then looks them up again in the
//!   map); on a small map it keeps the group (`it.group`) after the map grew to a
//!   table; the keys it picks from an old table may be indirect, and their objects
//!   now belong to the new table, which may have deleted them;
//! * directories are never read by iterators (they always go through `it.m`), so an
//!   old directory is freed at once.
//!
//! So, as in the classic engine (`crate::runtime::reclaim`), the map counts its live
//! iterators; a block the map drops is freed at once when none is live, else kept on
//! the map's retired list, which the last iterator to finish (run out or be dropped)
//! frees. [`super::map::mapfree`] frees the list too.

use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::map::Map;
use super::types::SwissMapType;

/// One block to hand back to the allocator.
#[derive(Clone, Copy, Debug)]
struct Block {
    p: *mut u8,
    size: usize,
    align: usize,
}

// SAFETY: a Block is an owned allocation waiting to be freed; whoever holds the list
// frees it, from whichever thread.
unsafe impl Send for Block {}

/// Per-map reclamation state.
///
/// Invariant: every block on `retired` came from the map type's allocator with the
/// recorded size and alignment, is unreachable from the map, and is on the list once;
/// the list is non-empty only while `live_iters > 0` (or until the next finish of an
/// iterator or `mapfree`).
#[derive(Debug, Default)]
pub struct Reclaim {
    live_iters: AtomicUsize,
    retired: Mutex<Vec<Block>>,
}

impl Reclaim {
    /// No iterators, nothing retired.
    pub const fn new() -> Reclaim {
        Reclaim {
            live_iters: AtomicUsize::new(0),
            retired: Mutex::new(Vec::new()),
        }
    }

    /// Number of iterators started and not yet finished or dropped.
    pub fn live_iters(&self) -> usize {
        self.live_iters.load(Ordering::Acquire)
    }

    /// Number of blocks waiting for the last iterator.
    pub fn retired_len(&self) -> usize {
        self.retired.lock().map(|l| l.len()).unwrap_or(0)
    }
}

/// Gives a block back: at once when no iterator is live, else onto the retired list.
///
/// # Safety
/// `p` came from `typ`'s allocator with this size and alignment, nothing reachable from
/// `m` points at it any more, and it is retired only once.
pub unsafe fn retire(typ: &SwissMapType, m: &Map, p: *mut u8, size: usize, align: usize) {
    if m.reclaim.live_iters.load(Ordering::Acquire) == 0 {
        // SAFETY: no iterator can read it and the map no longer reaches it (caller).
        unsafe { typ.alloc().dealloc(p, size.max(1), align) };
        return;
    }
    let mut l = m.reclaim.retired.lock().unwrap_or_else(|e| e.into_inner());
    l.push(Block { p, size, align });
}

/// Frees everything on the retired list.
///
/// # Safety
/// No live iterator (or pointer one handed out) is used any more.
pub unsafe fn free_retired(typ: &SwissMapType, m: &Map) {
    let v = core::mem::take(&mut *m.reclaim.retired.lock().unwrap_or_else(|e| e.into_inner()));
    for b in v {
        // SAFETY: each block came from this allocator with this layout, retired once.
        unsafe { typ.alloc().dealloc(b.p, b.size.max(1), b.align) };
    }
}

/// Counts a new live iterator of `m`.
pub fn iter_register(m: &Map) {
    m.reclaim.live_iters.fetch_add(1, Ordering::AcqRel);
}

/// Un-counts an iterator; the last one out frees the retired list.
///
/// # Safety
/// The iterator was registered on `m` and reads nothing of `m` any more.
pub unsafe fn iter_unregister(typ: &SwissMapType, m: &Map) {
    if m.reclaim.live_iters.fetch_sub(1, Ordering::AcqRel) == 1 {
        // SAFETY: that was the last live iterator.
        unsafe { free_retired(typ, m) };
    }
}
