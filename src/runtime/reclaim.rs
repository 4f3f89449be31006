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
//!   completes (`advanceEvacuationMark`) or the map is cleared. A large array that
//!   evacuation completes with no iterator live is *drained* rather than freed at once:
//!   the following writes each free the overflow chains of a few of its buckets and give
//!   back its pages below them ([`retire_array_gradually`], [`drain`]), so that no single
//!   write pays for freeing a whole array (milliseconds at a few million entries), just as
//!   no single write pays for evacuating one;
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
use super::types::{bucketShift, bucket_at, Bmap, Hmap};
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
    /// The old array being drained, if any; only writers touch it.
    drain: Drain,
    /// Overflow buckets freed by a drain, kept for `newoverflow` to reuse (a list linked
    /// through their overflow words); only writers touch it. Handing them back to the
    /// system allocator one by one makes it return heap memory to the kernel in bursts of
    /// megabytes, milliseconds in a single write, while a growing map soon needs about as
    /// many new overflow buckets. Freed with the map.
    spare: *mut Bmap,
}

/// An old bucket array that growth finished with, given back a little per write (see
/// [`retire_array_gradually`]).
///
/// Invariants: `base` is null (nothing draining) or an array of `2^B` buckets (plus its
/// preallocated overflow buckets) that nothing reachable from the map, and no live
/// iterator, refers to; the overflow chains of its buckets below `next` are freed; its
/// first `released` bytes are given back (`Allocator::release_prefix`), and
/// `released <= next * bucketsize`.
#[derive(Debug)]
struct Drain {
    base: *mut Bmap,
    B: u8,
    next: usize,
    released: usize,
}

impl Drain {
    const NONE: Drain = Drain {
        base: ptr::null_mut(),
        B: 0,
        next: 0,
        released: 0,
    };
}

impl Reclaim {
    /// No iterators, nothing retired.
    pub const fn new() -> Reclaim {
        Reclaim {
            live_iters: AtomicUsize::new(0),
            retired: AtomicPtr::new(ptr::null_mut()),
            drain: Drain::NONE,
            spare: ptr::null_mut(),
        }
    }

    /// Whether an old bucket array is being drained.
    pub fn draining(&self) -> bool {
        !self.drain.base.is_null()
    }

    /// Number of iterators started and not yet finished or dropped.
    pub fn live_iters(&self) -> usize {
        self.live_iters.load(Ordering::Acquire)
    }

    /// Number of blocks waiting on the retired list.
    #[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
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

/// Arrays with fewer buckets than this are retired at once when growth completes (a few
/// microseconds); larger ones are drained.
pub const DRAIN_MIN_BUCKETS: usize = 1 << 10;
/// Buckets whose overflow chains each write frees while an array drains. Evacuation
/// completes in at least `2^B / 2` writes, so a drain of the previous, half-sized array
/// (`2^(B-1) / DRAIN_BUCKETS` writes) is always over before the next one starts.
pub const DRAIN_BUCKETS: usize = 32;
/// A draining array's pages go back to the system in runs of at least this many bytes.
const DRAIN_RELEASE: usize = 64 << 10;

/// Retires the old bucket array `base` (log2 size `B`) when evacuation has moved
/// everything out of it. Go's collector frees it some time later. gomap frees a small
/// array at once; a large one, when no iterator is live (none can be started on it any
/// more: `h` no longer reaches it), is drained by the following writes ([`drain`]); with
/// an iterator live it goes onto the retired list like everything else ([`retire_array`]).
///
/// # Safety
/// As [`retire_array`]; `h` is being written by the caller.
pub unsafe fn retire_array_gradually(t: &MapType, h: &mut Hmap, base: *mut Bmap, B: u8) {
    if bucketShift(B) < DRAIN_MIN_BUCKETS || h.reclaim.live_iters() > 0 {
        // SAFETY: forwarded.
        return unsafe { retire_array(t, h, base, B) };
    }
    if h.reclaim.draining() {
        // Cannot happen with growth alone (see DRAIN_BUCKETS); finish the old drain.
        // SAFETY: `h` is being written by the caller.
        unsafe { drain_finish(t, h) };
    }
    h.reclaim.drain = Drain {
        base,
        B,
        next: 0,
        released: 0,
    };
}

/// One write's share of draining an old array (nothing when none is draining; see
/// `drain_step`). Every write function calls it.
///
/// # Safety
/// `h` is a live map of type `t`, being written by the caller.
#[inline(always)]
pub unsafe fn drain(t: &MapType, h: &mut Hmap) {
    if h.reclaim.draining() {
        // SAFETY: forwarded.
        unsafe { drain_step(t, h, false) };
    }
}

/// Finishes draining at once (before the map is freed).
///
/// # Safety
/// As [`drain`].
pub unsafe fn drain_finish(t: &MapType, h: &mut Hmap) {
    if h.reclaim.draining() {
        // SAFETY: forwarded.
        unsafe { drain_step(t, h, true) };
    }
}

/// Drains the draining array a step further (or, with `finish`, to the end): frees the
/// overflow chains of the next [`DRAIN_BUCKETS`] buckets and gives back the pages below
/// them; once every chain is freed, gives back the rest (the preallocated overflow
/// buckets) a run of pages per step; then frees what is left of the array.
///
/// # Safety
/// As [`drain`], and an array is draining.
#[cold]
#[inline(never)]
unsafe fn drain_step(t: &MapType, h: &mut Hmap, finish: bool) {
    let Reclaim {
        drain: d, spare, ..
    } = &mut h.reclaim;
    let bs = t.bucketsize as usize;
    let size = bucket_array_len(t, d.B) * bs;
    let (start, limit) = (d.base as usize, d.base as usize + size);
    let nb = bucketShift(d.B);
    let end = if finish {
        nb
    } else {
        (d.next + DRAIN_BUCKETS).min(nb)
    };
    for i in d.next..end {
        // SAFETY: i < 2^B; buckets at and above `next` are untouched (Drain invariant).
        let mut o = unsafe { Bmap::overflow(bucket_at(t, d.base, i), t) };
        while !o.is_null() {
            // SAFETY: `o` is a live bucket of the chain (only this walk frees chains);
            // read its link before freeing it.
            let next = unsafe { Bmap::overflow(o, t) };
            if !(start..limit).contains(&(o as usize)) {
                // SAFETY: a separately allocated overflow bucket (newoverflow), linked only
                // from this chain, which nothing can reach any more (Drain invariant): it
                // becomes a spare.
                unsafe { Bmap::setoverflow(o, t, *spare) };
                *spare = o;
            }
            o = next;
        }
    }
    d.next = end;
    if !finish {
        // Give back the pages below the buckets done, or after the last bucket a run of
        // the preallocated overflow buckets, which nothing reads any more either.
        let upto = if end < nb {
            end * bs
        } else {
            (d.released + DRAIN_RELEASE).min(size)
        };
        if upto - d.released < DRAIN_RELEASE && end < nb {
            return;
        }
        let before = d.released;
        // SAFETY: no bucket below `end` is read again (its chain is freed; preallocated
        // overflow buckets lie above all 2^B buckets and are unreachable once every chain
        // is done).
        d.released = unsafe {
            t.alloc
                .release_prefix(d.base.cast(), size, 8, d.released, upto)
        };
        if end < nb || (d.released > before && size - d.released > DRAIN_RELEASE) {
            return;
        }
    }
    // SAFETY: the array came from t.alloc with this size (makeBucketArray); its first
    // `released` bytes were given back by release_prefix; nothing refers to it.
    unsafe { t.alloc.dealloc_released(d.base.cast(), size, 8, d.released) };
    *d = Drain::NONE;
}

/// A spare overflow bucket (see `Reclaim::spare`), zeroed, or null when there is none.
///
/// # Safety
/// `h` is a live map of type `t`, being written by the caller.
#[inline]
pub unsafe fn take_spare(t: &MapType, h: &mut Hmap) -> *mut Bmap {
    let b = h.reclaim.spare;
    if !b.is_null() {
        // SAFETY: a spare is a bucket of t.bucketsize bytes that only the list refers to.
        unsafe {
            h.reclaim.spare = Bmap::overflow(b, t);
            ptr::write_bytes(b.cast::<u8>(), 0, t.bucketsize as usize);
        }
    }
    b
}

/// Frees the spare overflow buckets.
///
/// # Safety
/// `h` is a map of type `t` that nobody else uses during the call.
pub unsafe fn free_spares(t: &MapType, h: &mut Hmap) {
    let mut b = h.reclaim.spare;
    h.reclaim.spare = ptr::null_mut();
    while !b.is_null() {
        // SAFETY: spares are buckets from t.alloc that only the list refers to.
        unsafe {
            let next = Bmap::overflow(b, t);
            t.alloc.dealloc(b.cast(), t.bucketsize as usize, 8);
            b = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{check, makemap, mapaccess2_fast64, mapassign_fast64, mapfree, Allocator};
    use core::ffi::c_void;
    use core::sync::atomic::AtomicIsize;

    static LIVE_BLOCKS: AtomicIsize = AtomicIsize::new(0);
    static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

    unsafe extern "C-unwind" fn counting_alloc(
        size: usize,
        align: usize,
        _: *mut c_void,
    ) -> *mut u8 {
        LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
        LIVE_BYTES.fetch_add(size as isize, Ordering::Relaxed);
        // SAFETY: size > 0 and align a power of two (allocator contract).
        unsafe {
            std::alloc::alloc_zeroed(std::alloc::Layout::from_size_align_unchecked(size, align))
        }
    }

    unsafe extern "C-unwind" fn counting_free(
        p: *mut u8,
        size: usize,
        align: usize,
        _: *mut c_void,
    ) {
        LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(size as isize, Ordering::Relaxed);
        // SAFETY: `p` came from counting_alloc with this layout.
        unsafe {
            std::alloc::dealloc(
                p,
                std::alloc::Layout::from_size_align_unchecked(size, align),
            )
        }
    }

    /// Inserts keys `from..to` (value = key) into a map[int64]int64.
    ///
    /// # Safety
    /// `h` is a live map of type `t`.
    unsafe fn put(t: &MapType, h: *mut Hmap, keys: core::ops::Range<u64>) {
        for k in keys {
            // SAFETY: as the caller says; the elem slot holds a u64.
            unsafe {
                *mapassign_fast64(t, h, k.wrapping_mul(0x9E37_79B9_7F4A_7C15)).cast::<u64>() = k
            };
        }
    }

    #[test]
    fn large_old_array_drains_over_later_writes() {
        let mut t = MapType::int64();
        // SAFETY: the two functions meet the Allocator contract: zeroed blocks of the
        // size and alignment asked for (or null), each freed once, from any thread.
        t.alloc = unsafe { Allocator::new(counting_alloc, counting_free, ptr::null_mut()) };
        // SAFETY: a fresh map of type t, used by this thread only, freed at the end.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            // Grow to B = 11: its old array has 2^10 = DRAIN_MIN_BUCKETS buckets.
            let mut n = 0u64;
            loop {
                put(&t, h, n..n + 1);
                n += 1;
                if (*h).B >= 11 {
                    break;
                }
            }
            while (*h).growing() {
                put(&t, h, n..n + 1);
                n += 1;
            }
            assert!((*h).reclaim.draining(), "the B=10 array should be draining");
            let bytes = LIVE_BYTES.load(Ordering::Relaxed);
            let mut writes = 0;
            while (*h).reclaim.draining() {
                put(&t, h, n..n + 1);
                n += 1;
                writes += 1;
                check(&t, h).unwrap();
            }
            let want = DRAIN_MIN_BUCKETS / DRAIN_BUCKETS;
            assert!(writes >= want && writes <= want + 1, "{writes} writes");
            let old = (bucket_array_len(&t, 10) * t.bucketsize as usize) as isize;
            assert!(LIVE_BYTES.load(Ordering::Relaxed) <= bytes - old);
            for k in 0..n {
                let (e, ok) = mapaccess2_fast64(&t, h, k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                assert!(ok && *e.cast::<u64>() == k);
            }
            // Grow further (spares are reused) and free while the next drain is under way.
            while !(*h).reclaim.draining() {
                put(&t, h, n..n + 1);
                n += 1;
            }
            put(&t, h, n..n + 3);
            check(&t, h).unwrap();
            mapfree(&t, h);
        }
        assert_eq!(LIVE_BLOCKS.load(Ordering::Relaxed), 0, "leaked blocks");
        assert_eq!(LIVE_BYTES.load(Ordering::Relaxed), 0, "leaked bytes");
    }

    #[test]
    fn system_allocator_gives_pages_back_in_runs() {
        // Old arrays of 2^14 buckets (2.4 MB) are mappings of their own, unmapped from the
        // front while they drain; the map must read the same throughout.
        let t = MapType::int64();
        // SAFETY: a fresh map of type t, used by this thread only, freed at the end.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            let mut n = 0u64;
            let mut drains = 0;
            let mut was = false;
            while (*h).B < 16 || (*h).growing() || (*h).reclaim.draining() {
                put(&t, h, n..n + 1);
                n += 1;
                let d = (*h).reclaim.draining();
                if d && !was {
                    drains += 1;
                }
                was = d;
            }
            assert!(drains >= 6, "{drains} drains (B = 10 .. 15)");
            check(&t, h).unwrap();
            for k in (0..n).step_by(7) {
                let (e, ok) = mapaccess2_fast64(&t, h, k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                assert!(ok && *e.cast::<u64>() == k);
            }
            mapfree(&t, h);
        }
    }
}
