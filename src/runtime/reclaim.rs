//! Memory reclamation without a garbage collector.
//!
//! Go never frees map memory explicitly: an old bucket array, the overflow buckets an
//! evacuation unlinks, a deleted indirect key all become garbage, and the collector frees
//! them once nothing points at them. Two kinds of readers can still point at them:
//!
//! * an iterator (`Hiter`) keeps the bucket array it started on (`it.buckets`) and the
//!   bucket it stands in (`it.bptr`), and reads keys from evacuated old buckets to look
//!   them up again; the key and elem pointers it hands out point into buckets or at
//!   indirect keys and elems;
//! * nothing else: lookups and writes only follow `h.buckets`, `h.oldbuckets` and their
//!   chains, which never lead to retired memory.
//!
//! So gomap counts live iterators per map (`Reclaim::live_iters`, raised by `mapiterinit`,
//! lowered when an iterator runs out or is dropped). Memory that Go would leave to its
//! collector is *retired*: freed at once when no iterator is live, otherwise put on the
//! map's retired list, which the last iterator to finish frees. `mapfree` frees the list
//! too, so an iterator that is leaked (never dropped) costs memory until the map is freed,
//! never safety.
//!
//! What is retired, and when:
//! * the old bucket array and the overflow buckets still chained from it, when evacuation
//!   completes (`advanceEvacuationMark`) or the map is cleared;
//! * the overflow chain of one old bucket, when `evacuate` unlinks it (maps whose buckets
//!   hold pointers, with no iterator on the old array: Go clears them to help its GC);
//! * the current array's separately allocated overflow buckets, when `mapclear` resets it;
//! * an indirect key or elem, when `mapdelete` or `mapclear` drops its entry.
//!
//! The guarantee this gives: no memory an iterator or a pointer returned by `mapiternext`
//! can read is freed while that iterator is live. Pointers returned by the access
//! functions (`mapaccess1`, `mapassign`, ...) are valid until the next write to the map,
//! as they are in practice in Go's compiled code, which copies the value out at once.

use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use super::make::bucket_array_len;
use super::types::{bucketShift, Bmap, Hmap};
use crate::maptype::MapType;

/// One retired block: what to hand back to the allocator.
#[derive(Clone, Copy, Debug)]
struct Block {
    p: *mut u8,
    size: usize,
    align: usize,
}

/// Per-map reclamation state: the live-iterator count and the retired list.
///
/// Invariants: `retired` is null or a `Box<Vec<Block>>` owned by the map; it is non-empty
/// only while `live_iters > 0` or until the next `mapiterend`/`mapfree` that sees zero.
/// Writers push (one at a time, by Go's rules); whoever takes the list swaps it out
/// atomically, so two readers finishing iterators at once cannot both free it.
#[derive(Debug)]
pub struct Reclaim {
    live_iters: AtomicUsize,
    retired: AtomicPtr<Vec<Block>>,
}

impl Reclaim {
    /// No iterators, nothing retired.
    pub const fn new() -> Reclaim {
        Reclaim {
            live_iters: AtomicUsize::new(0),
            retired: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Number of iterators started and not yet finished or dropped.
    pub fn live_iters(&self) -> usize {
        self.live_iters.load(Ordering::Acquire)
    }

    /// Number of blocks waiting on the retired list.
    pub fn retired_len(&self) -> usize {
        let p = self.retired.load(Ordering::Acquire);
        if p.is_null() {
            0
        } else {
            // SAFETY: a non-null list is a live Box<Vec<Block>> owned by this map; only
            // writers and the taker touch it, and neither runs concurrently with this
            // read under Go's rules.
            unsafe { (*p).len() }
        }
    }
}

impl Default for Reclaim {
    fn default() -> Reclaim {
        Reclaim::new()
    }
}

/// Gives a block back: at once when no iterator is live, else onto the retired list.
///
/// # Safety
/// `p` came from `t.alloc` with this size and alignment, nothing reachable from `h` points
/// at it any more, and it is retired only once.
pub unsafe fn retire(t: &MapType, h: &Hmap, p: *mut u8, size: usize, align: usize) {
    if h.reclaim.live_iters.load(Ordering::Acquire) == 0 {
        // SAFETY: no iterator can read it and `h` no longer reaches it (caller).
        unsafe { t.alloc.dealloc(p, size, align) };
        return;
    }
    let mut l = h.reclaim.retired.load(Ordering::Acquire);
    if l.is_null() {
        l = Box::into_raw(Box::new(Vec::new()));
        h.reclaim.retired.store(l, Ordering::Release);
    }
    // SAFETY: `l` is the map's live list; the single writer is the only one pushing.
    unsafe { (*l).push(Block { p, size, align }) };
}

/// Frees everything on the retired list.
///
/// # Safety
/// No live iterator (or pointer it handed out) is still used.
pub unsafe fn free_retired(t: &MapType, h: &Hmap) {
    let l = h.reclaim.retired.swap(ptr::null_mut(), Ordering::AcqRel);
    if l.is_null() {
        return;
    }
    // SAFETY: we swapped the list out, so we own the Box exclusively.
    let v = unsafe { Box::from_raw(l) };
    for b in v.iter() {
        // SAFETY: every block came from `t.alloc` with this layout and was retired once.
        unsafe { t.alloc.dealloc(b.p, b.size, b.align) };
    }
}

/// Counts a new live iterator.
pub fn iter_register(h: &Hmap) {
    h.reclaim.live_iters.fetch_add(1, Ordering::AcqRel);
}

/// Un-counts an iterator; the last one out frees the retired list.
///
/// # Safety
/// The iterator was registered with [`iter_register`] on `h` and is not used again.
pub unsafe fn iter_unregister(t: &MapType, h: &Hmap) {
    if h.reclaim.live_iters.fetch_sub(1, Ordering::AcqRel) == 1 {
        // SAFETY: that was the last live iterator.
        unsafe { free_retired(t, h) };
    }
}

/// Whether `b` lies inside the bucket array `base` of `2^B` (plus preallocated) buckets.
#[inline]
pub fn in_array(t: &MapType, base: *mut Bmap, B: u8, b: *mut Bmap) -> bool {
    let start = base as usize;
    let end = start + bucket_array_len(t, B) * t.bucketsize as usize;
    (start..end).contains(&(b as usize))
}

/// Retires the separately allocated overflow buckets chained after `b` (not `b` itself).
/// The links are left as they are: the caller clears or drops `b` next.
///
/// # Safety
/// `b` is a live bucket of the array `base` (log2 size `B`) of `h`; the chain after it is
/// not reachable from anywhere else once unlinked.
pub unsafe fn retire_chain(t: &MapType, h: &Hmap, base: *mut Bmap, B: u8, b: *mut Bmap) {
    // SAFETY: `b` is live (caller).
    let mut o = unsafe { Bmap::overflow(b, t) };
    while !o.is_null() {
        // SAFETY: `o` is a live bucket of the chain; read its link before retiring it.
        let next = unsafe { Bmap::overflow(o, t) };
        if !in_array(t, base, B, o) {
            // SAFETY: `o` came from newobject(t.bucket) and only this chain linked it.
            unsafe { retire(t, h, o.cast(), t.bucketsize as usize, 8) };
        }
        o = next;
    }
}

/// Retires a whole bucket array: every separately allocated overflow bucket chained from
/// its `2^B` buckets, then the array itself.
///
/// # Safety
/// `base` is a bucket array of `h` with log2 size `B` that `h` no longer references.
pub unsafe fn retire_array(t: &MapType, h: &Hmap, base: *mut Bmap, B: u8) {
    for i in 0..bucketShift(B) {
        // SAFETY: i < 2^B, inside the array.
        let b = unsafe { super::types::bucket_at(t, base, i) };
        // SAFETY: as documented for retire_chain.
        unsafe { retire_chain(t, h, base, B, b) };
    }
    let size = bucket_array_len(t, B) * t.bucketsize as usize;
    // SAFETY: the array came from t.alloc with this size (makeBucketArray).
    unsafe { retire(t, h, base.cast(), size, 8) };
}
