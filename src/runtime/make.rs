//! Making maps and bucket arrays, overflow buckets, and the growth triggers. Port of the
//! corresponding part of go1.19 `runtime/map.go` (`makemap` .. `newoverflow`,
//! `overLoadFactor`, `tooManyOverflowBuckets`), plus `mapfree`, which Go leaves to its GC.
//
// Copyright 2014 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

#![allow(non_snake_case)]

use core::ptr;

use super::reclaim;
use super::types::*;
use crate::base::guard::defer;
use crate::base::malloc::{roundupsize, roundupsize_headers, MAX_ALLOC};
use crate::base::rand::rand;
use crate::maptype::release::GoRelease;
use crate::maptype::MapType;

impl Hmap {
    /// Port of `(*hmap).incrnoverflow`: counts one more overflow bucket. Exact while the map
    /// has fewer than 2^16 buckets; above that it counts with probability
    /// `1/(1<<(B-15))`, so that `noverflow` (a u16) approximates the number of overflow
    /// buckets in units of the same fraction. `tooManyOverflowBuckets` compares against
    /// `2^min(B,15)`, so the approximation stays on the right scale.
    ///
    /// `r` is the map's release, whose generator draws the sample (go1.22: `rand()`).
    pub fn incrnoverflow(&mut self, r: GoRelease) {
        if self.B < 16 {
            self.noverflow = self.noverflow.wrapping_add(1);
            return;
        }
        // Increment with probability 1/(1<<(B-15)); once we reach 1<<15 - 1 we will
        // have approximately as many overflow buckets as buckets.
        let mask = (1u32 << (self.B - 15)) - 1;
        // Example: B == 18 gives mask 7, and fastrand & 7 == 0 with probability 1/8.
        // (go1.22: uint32(rand()), the same low 32 bits of one draw.)
        if rand(r) as u32 & mask == 0 {
            self.noverflow = self.noverflow.wrapping_add(1);
        }
    }

    /// Port of `(*hmap).newoverflow`: links a fresh overflow bucket after `b` and returns
    /// it. Takes the next preallocated one when `makeBucketArray` left some.
    ///
    /// # Safety
    /// `b` is the last bucket of a chain of this map's current array, of type `t`.
    pub unsafe fn newoverflow(&mut self, t: &MapType, b: *mut Bmap) -> *mut Bmap {
        let ovf: *mut Bmap;
        // SAFETY: a live map made by makemap: `extra` is null or its Mapextra.
        let next = unsafe { self.next_overflow() };
        if !next.is_null() {
            // We have preallocated overflow buckets available (see makeBucketArray).
            ovf = next;
            // SAFETY: `ovf` is a preallocated bucket inside the current array.
            if unsafe { Bmap::overflow(ovf, t) }.is_null() {
                // Not the last preallocated one: bump the pointer.
                // SAFETY: the last preallocated bucket has a non-nil overflow sentinel,
                // so this one is followed by another inside the array; `extra` is live.
                unsafe { (*self.extra).nextOverflow = bucket_at(t, ovf, 1) };
            } else {
                // The last preallocated bucket: clear the sentinel that pointed back at
                // the array start, and stop handing out preallocated buckets.
                // SAFETY: as above.
                unsafe {
                    Bmap::setoverflow(ovf, t, ptr::null_mut());
                    (*self.extra).nextOverflow = ptr::null_mut();
                }
            }
        } else {
            // gomap: reuse an overflow bucket a drained old array gave back (see reclaim.rs).
            // SAFETY: this map is being written (caller).
            let spare = unsafe { reclaim::take_spare(t, self) };
            ovf = if spare.is_null() {
                // SAFETY: bucketsize > 0; buckets are 8-aligned.
                unsafe { t.alloc.alloc(t.bucketsize as usize, 8) }.cast()
            } else {
                spare
            };
        }
        self.incrnoverflow(t.release());
        // (Go also records `ovf` in `extra.overflow` for pointer-free buckets, for its GC;
        // see `Mapextra`.)
        // SAFETY: `b` is a live bucket (caller).
        unsafe { Bmap::setoverflow(b, t, ovf) };
        ovf
    }

    /// Allocates `extra` when missing (part of Go's `createOverflow`).
    fn ensure_extra(&mut self, t: &MapType) {
        if self.extra.is_null() {
            // SAFETY: size of Mapextra is non-zero; zeroed memory is a valid Mapextra (null).
            self.extra = unsafe {
                t.alloc.alloc(
                    core::mem::size_of::<Mapextra>(),
                    core::mem::align_of::<Mapextra>(),
                )
            }
            .cast();
        }
    }
}

/// Port of `runtime.makemap64`: a hint that does not fit `int` is ignored.
///
/// # Safety
/// As [`makemap`].
pub unsafe fn makemap64(t: &MapType, hint: i64, h: *mut Hmap) -> *mut Hmap {
    let hint = if hint as isize as i64 != hint {
        0
    } else {
        hint as isize
    };
    // SAFETY: forwarded.
    unsafe { makemap(t, hint, h) }
}

/// Port of `runtime.makemap_small`: a map for at most 8 entries (B = 0, buckets allocated
/// lazily). Free it with [`mapfree`] and `t`.
pub fn makemap_small(t: &MapType) -> *mut Hmap {
    let h = alloc_hmap(t);
    // SAFETY: alloc_hmap returns a live, initialised header.
    unsafe { (*h).hash0 = rand(t.release()) as u32 };
    h
}

fn alloc_hmap(t: &MapType) -> *mut Hmap {
    // SAFETY: an Hmap has non-zero size.
    let h: *mut Hmap = unsafe {
        t.alloc
            .alloc(core::mem::size_of::<Hmap>(), core::mem::align_of::<Hmap>())
    }
    .cast();
    // SAFETY: `h` is fresh, aligned memory for an Hmap.
    unsafe { h.write(Hmap::new()) };
    h
}

/// Port of `runtime.makemap` (go1.19 map.go): `make(map[k]v, hint)`.
///
/// With `h` null the header is allocated from `t.alloc`; otherwise `h` is initialised in
/// place (Go passes a stack header this way). A negative hint, or one whose buckets would
/// not fit in memory, is ignored as in Go. If the hint is large enough, the bucket array
/// is allocated now; otherwise on the first write.
///
/// # Safety
/// `h` is null or points at writable memory for an [`Hmap`] (any previous content is
/// overwritten without being freed). The returned map must only be used with `t` (or an
/// identical descriptor) and released with [`mapfree`] (or [`mapdestroy`] for a header
/// the caller owns).
pub unsafe fn makemap(t: &MapType, hint: isize, h: *mut Hmap) -> *mut Hmap {
    let mut hint = hint;
    let mem = (hint.max(0) as usize).checked_mul(t.bucketsize as usize);
    if hint < 0 || mem.is_none_or(|m| m > MAX_ALLOC) {
        hint = 0;
    }

    // initialize Hmap
    let fresh = h.is_null();
    let h = if fresh {
        alloc_hmap(t)
    } else {
        // SAFETY: the caller gives writable memory for an Hmap.
        unsafe { h.write(Hmap::new()) };
        h
    };
    // SAFETY: `h` is live and initialised; nothing else references it yet.
    let hm = unsafe { &mut *h };
    hm.hash0 = rand(t.release()) as u32; // go1.22: uint32(rand())

    // Find the size parameter B which will hold the requested # of elements.
    // For hint < 0 overLoadFactor returns false since hint < bucketCnt.
    let mut B: u8 = 0;
    while overLoadFactor(hint as usize, B, t.release()) {
        B += 1;
    }
    hm.B = B;

    // allocate initial hash table
    // if B == 0, the buckets field is allocated lazily later (in mapassign)
    if hm.B != 0 {
        // If an allocation below fails ("out of memory"), the caller never gets the map:
        // release what was made so far on the way out, everything with `mapfree` when
        // makemap allocated the header, else the header's buckets with `mapdestroy`.
        let undo = defer(move || {
            // SAFETY: runs only if a panic unwinds past this block, when `h` is an
            // initialised header of type `t` that nobody else has seen yet; its fields
            // name only blocks makemap allocated from t.alloc.
            unsafe {
                if fresh {
                    mapfree(t, h);
                } else {
                    mapdestroy(t, h);
                }
            }
        });
        // SAFETY: a fresh allocation (dirtyalloc null).
        let (buckets, nextOverflow) = unsafe { makeBucketArray(t, hm.B, ptr::null_mut()) };
        // Not in Go: a hinted array is about to be filled, so it is backed by huge pages
        // at once, as Go's heap is (growth's arrays stay on small pages, faulted in as
        // evacuation reaches them: see populate_huge_pages).
        let size = t.bucketsize as usize * bucket_array_len(t, hm.B);
        // SAFETY: `buckets` is the block makeBucketArray just allocated from t.alloc with
        // this size and alignment 8, nothing of it released.
        unsafe { t.alloc.populate_huge_pages(buckets.cast(), size, 8) };
        hm.buckets = buckets;
        if !nextOverflow.is_null() {
            hm.ensure_extra(t);
            // SAFETY: ensure_extra made `extra` live.
            unsafe { (*hm.extra).nextOverflow = nextOverflow };
        }
        undo.disarm();
    }
    h
}

/// Number of buckets in the allocation `makeBucketArray` makes for `b`: `2^b`, plus
/// `2^(b-4)` preallocated overflow buckets from `b = 4` on, rounded up to fill Go's malloc
/// size class.
pub fn bucket_array_len(t: &MapType, b: u8) -> usize {
    let base = bucketShift(b);
    let mut nbuckets = base;
    // For small b, overflow buckets are unlikely. Avoid the overhead of the calculation.
    if b >= 4 {
        // Add on the estimated number of overflow buckets required to insert the median
        // number of elements used with this value of b.
        nbuckets += bucketShift(b - 4);
        let sz = t.bucketsize as usize * nbuckets;
        // go1.22: roundupsize(sz, noscan) leaves room for the allocation header that
        // objects with pointers larger than 512 bytes carry.
        let up = if t.release().malloc_headers() {
            roundupsize_headers(sz, !t.bucket_has_pointers)
        } else {
            roundupsize(sz)
        };
        if up != sz {
            nbuckets = up / t.bucketsize as usize;
        }
    }
    nbuckets
}

/// Port of `runtime.makeBucketArray` (go1.19 map.go): allocates (or, given
/// `dirtyalloc`, clears) a bucket array for `2^b` buckets and returns it with the first
/// preallocated overflow bucket (null when there are none).
///
/// The preallocated overflow buckets sit after the `2^b` regular ones. The last of them
/// gets a non-nil overflow pointer (back at the array start) as a sentinel: `newoverflow`
/// knows it has reached the end when it finds one, and a nil overflow pointer means "more
/// follow" without the map having to remember where the array ends.
///
/// # Safety
/// `dirtyalloc` is null or an array previously made by `makeBucketArray(t, b, ..)`.
pub unsafe fn makeBucketArray(t: &MapType, b: u8, dirtyalloc: *mut Bmap) -> (*mut Bmap, *mut Bmap) {
    let base = bucketShift(b);
    let nbuckets = bucket_array_len(t, b);
    let size = t.bucketsize as usize * nbuckets;
    let buckets: *mut Bmap = if dirtyalloc.is_null() {
        // SAFETY: size > 0; the allocator returns zeroed memory.
        unsafe { t.alloc.alloc(size, 8) }.cast()
    } else {
        // dirtyalloc was previously generated by the above call with the same t and b;
        // clear it for reuse.
        // SAFETY: the caller vouches that dirtyalloc spans `size` bytes.
        unsafe { ptr::write_bytes(dirtyalloc.cast::<u8>(), 0, size) };
        dirtyalloc
    };
    let mut nextOverflow = ptr::null_mut();
    if base != nbuckets {
        // SAFETY: base < nbuckets, both inside the allocation.
        unsafe {
            nextOverflow = bucket_at(t, buckets, base);
            let last = bucket_at(t, buckets, nbuckets - 1);
            Bmap::setoverflow(last, t, buckets);
        }
    }
    (buckets, nextOverflow)
}

/// Port of `runtime.overLoadFactor`: would `count` items in `1<<B` buckets exceed the
/// load factor of release `r` (6.5; 6.0 in go1.21: see
/// [`GoRelease::loadFactorNum`])?
#[inline]
pub fn overLoadFactor(count: usize, B: u8, r: GoRelease) -> bool {
    count > BUCKET_CNT && count > r.loadFactorNum() * (bucketShift(B) / LOAD_FACTOR_DEN)
}

/// Port of `runtime.tooManyOverflowBuckets`: are there too many overflow buckets for a
/// map with `1<<B` buckets? "Too many" means (approximately) as many overflow buckets as
/// regular ones, counted up to `2^15` (see `incrnoverflow`).
#[inline]
pub fn tooManyOverflowBuckets(noverflow: u16, B: u8) -> bool {
    // If the threshold is too low, we do extraneous work.
    // If the threshold is too high, maps that grow and shrink can hold on to lots of
    // unused memory.
    let B = B.min(15);
    noverflow >= 1u16 << B
}

/// Releases everything a map owns except the header itself: bucket arrays, overflow
/// buckets, indirect keys and elems, retired memory, `extra`. The header is left as an
/// empty map (B = 0, no buckets) that may be reused or dropped. Go leaves all this to its
/// garbage collector.
///
/// # Safety
/// `h` is null or a map of type `t`; no iterator of it is used afterwards, and no other
/// thread uses the map during the call.
pub unsafe fn mapdestroy(t: &MapType, h: *mut Hmap) {
    if h.is_null() {
        return;
    }
    // SAFETY: the caller gives exclusive access to a live map.
    let hm = unsafe { &mut *h };
    // SAFETY: the caller promises no iterator is used again: nothing reads retired memory.
    unsafe {
        reclaim::drain_finish(t, hm);
        reclaim::free_spares(t, hm);
        reclaim::free_retired(t, hm);
    }
    // SAFETY: exclusive access; every entry, chain and array is freed exactly once.
    unsafe {
        free_entries_and_arrays(t, hm);
    }
    if !hm.extra.is_null() {
        // SAFETY: `extra` came from t.alloc with this layout.
        unsafe {
            t.alloc.dealloc(
                hm.extra.cast(),
                core::mem::size_of::<Mapextra>(),
                core::mem::align_of::<Mapextra>(),
            )
        };
        hm.extra = ptr::null_mut();
    }
    hm.count = 0;
    hm.B = 0;
    hm.noverflow = 0;
    hm.nevacuate = 0;
    hm.set_flags(0);
}

/// Frees every array, overflow bucket and live indirect key/elem of `h` immediately and
/// nulls `buckets` and `oldbuckets`.
///
/// # Safety
/// Exclusive access; nothing (no iterator) reads the map's memory afterwards.
unsafe fn free_entries_and_arrays(t: &MapType, hm: &mut Hmap) {
    if !hm.oldbuckets.is_null() {
        let oldB = hm.oldB();
        // SAFETY: the old array is live and has 2^oldB buckets.
        unsafe {
            free_indirect_entries(t, hm.oldbuckets, oldB);
            free_array_now(t, hm.oldbuckets, oldB);
        }
        hm.oldbuckets = ptr::null_mut();
    }
    if !hm.buckets.is_null() {
        // SAFETY: the current array is live and has 2^B buckets.
        unsafe {
            free_indirect_entries(t, hm.buckets, hm.B);
            free_array_now(t, hm.buckets, hm.B);
        }
        hm.buckets = ptr::null_mut();
    }
}

/// Frees the indirect keys and elems of every live cell (tophash >= minTopHash) of an
/// array. Evacuated cells are skipped: their pointers were copied to the new array, which
/// owns them now.
///
/// # Safety
/// `base` is a live array of `2^B` buckets whose live cells' indirect pointers are owned
/// by it and not referenced elsewhere.
pub(crate) unsafe fn free_indirect_entries(t: &MapType, base: *mut Bmap, B: u8) {
    if !t.indirectkey() && !t.indirectelem() {
        return;
    }
    // SAFETY: `base` is a live array (caller).
    unsafe {
        for_each_live_cell(t, base, B, |b, i| {
            // `b`, `i` name a live cell; its indirect pointers are owned (caller).
            free_cell_indirect(t, b, i, &mut |p, s, a| t.alloc.dealloc(p, s, a))
        })
    };
}

/// Calls `f(bucket, slot)` for every live cell of the array's chains.
///
/// # Safety
/// `base` is a live array of `2^B` buckets of type `t`.
pub(crate) unsafe fn for_each_live_cell(
    t: &MapType,
    base: *mut Bmap,
    B: u8,
    mut f: impl FnMut(*mut Bmap, usize),
) {
    for i in 0..bucketShift(B) {
        // SAFETY: i < 2^B.
        let mut b = unsafe { bucket_at(t, base, i) };
        while !b.is_null() {
            for j in 0..BUCKET_CNT {
                // SAFETY: `b` is a live bucket of the chain.
                if unsafe { (*b).tophash[j] } >= MIN_TOP_HASH {
                    f(b, j);
                }
            }
            // SAFETY: `b` is live.
            b = unsafe { Bmap::overflow(b, t) };
        }
    }
}

/// Hands the indirect key and elem of cell `i` of `b` (when non-null) to `free`. The slots
/// keep their pointers: `mapclear` drops an unfinished growth's old array without
/// touching it, as Go does, and an iterator still walking that array must read there
/// exactly what Go's would (the memory is retired, not freed, while it is live).
///
/// # Safety
/// `b` is a live bucket; the cell's indirect pointers are owned by it.
pub(crate) unsafe fn free_cell_indirect(
    t: &MapType,
    b: *mut Bmap,
    i: usize,
    free: &mut dyn FnMut(*mut u8, usize, usize),
) {
    if t.indirectkey() {
        // SAFETY: `b`/`i` name a slot; indirect slots hold pointers.
        let k = unsafe { key_at(t, b, i) };
        // SAFETY: as above.
        let p = unsafe { load_ptr(k) };
        if !p.is_null() {
            free(p, t.key.size, t.key.align as usize);
        }
    }
    if t.indirectelem() {
        // SAFETY: as above.
        let e = unsafe { elem_at(t, b, i) };
        // SAFETY: as above.
        let p = unsafe { load_ptr(e) };
        if !p.is_null() {
            free(p, t.elem.size, t.elem.align as usize);
        }
    }
}

/// Frees an array and its separately allocated overflow buckets now.
///
/// # Safety
/// `base` is an array of `2^B` buckets that nothing will read again.
unsafe fn free_array_now(t: &MapType, base: *mut Bmap, B: u8) {
    for i in 0..bucketShift(B) {
        // SAFETY: i < 2^B.
        let b = unsafe { bucket_at(t, base, i) };
        // SAFETY: `b` is live.
        let mut o = unsafe { Bmap::overflow(b, t) };
        while !o.is_null() {
            // SAFETY: `o` is live until freed below.
            let next = unsafe { Bmap::overflow(o, t) };
            if !reclaim::in_array(t, base, B, o) {
                // SAFETY: a separately allocated overflow bucket, freed once.
                unsafe { t.alloc.dealloc(o.cast(), t.bucketsize as usize, 8) };
            }
            o = next;
        }
    }
    // SAFETY: the array came from t.alloc with this size.
    unsafe {
        t.alloc.dealloc(
            base.cast(),
            bucket_array_len(t, B) * t.bucketsize as usize,
            8,
        )
    };
}

/// Releases a map made by [`makemap`] with a null `h` (or by [`makemap_small`]): everything
/// [`mapdestroy`] frees, then the header.
///
/// # Safety
/// `h` is null or such a map of type `t`, not used afterwards by anyone (iterators
/// included).
pub unsafe fn mapfree(t: &MapType, h: *mut Hmap) {
    if h.is_null() {
        return;
    }
    // SAFETY: forwarded.
    unsafe { mapdestroy(t, h) };
    // SAFETY: the header came from alloc_hmap with this layout.
    unsafe {
        t.alloc.dealloc(
            h.cast(),
            core::mem::size_of::<Hmap>(),
            core::mem::align_of::<Hmap>(),
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maptype::release::GoRelease::*;
    use crate::maptype::GoKind;

    /// `make(map[K]E, hint)`'s B, as makemap computes it for release `r`.
    fn hint_b(hint: usize, r: GoRelease) -> u8 {
        let mut b = 0;
        while overLoadFactor(hint, b, r) {
            b += 1;
        }
        b
    }

    #[test]
    fn go1_21_grows_at_six_per_bucket_and_picks_a_larger_b() {
        // hint 100: 13*16/2 = 104 >= 100 gives B = 4, but go1.21's 12*16/2 = 96 < 100.
        assert_eq!(hint_b(100, Go1_19), 4);
        assert_eq!(hint_b(100, Go1_21), 5);
        for r in [Go1_22, Go1_23, Go1_24NoSwiss] {
            assert_eq!(hint_b(100, r), 4, "{r}");
        }
        assert!(overLoadFactor(25, 2, Go1_21) && !overLoadFactor(25, 2, Go1_19));
    }

    #[test]
    fn go1_22_allocation_headers_change_preallocated_overflow() {
        // make(map[*byte][6]byte, 100): 16 buckets + 1 spare = 17 * 128 = 2176 bytes.
        // go1.19 rounds to the 2304-byte class: 18 buckets, 2 spare. go1.22 adds the
        // 8-byte header of an object with pointers: 2304 - 8 holds 17 buckets, 1 spare.
        let t = MapType::for_go_types(GoKind::Pointer, GoKind::Bytes(6)).unwrap();
        assert_eq!(t.bucketsize, 128);
        assert_eq!(bucket_array_len(&t, 4), 18);
        assert_eq!(bucket_array_len(&t.with_release(Go1_21), 4), 18);
        assert_eq!(bucket_array_len(&t.with_release(Go1_22), 4), 17);
        // Without pointers nothing changes.
        let p = MapType::for_go_types(GoKind::Int64, GoKind::Bytes(8)).unwrap();
        assert_eq!(
            bucket_array_len(&p, 4),
            bucket_array_len(&p.with_release(Go1_22), 4)
        );
    }

    #[test]
    fn over_load_factor_is_6_5_per_bucket() {
        assert!(!overLoadFactor(8, 0, GoRelease::Go1_19));
        assert!(overLoadFactor(9, 0, GoRelease::Go1_19));
        assert!(!overLoadFactor(13, 1, GoRelease::Go1_19));
        assert!(overLoadFactor(14, 1, GoRelease::Go1_19));
        assert!(!overLoadFactor(26, 2, GoRelease::Go1_19));
        assert!(overLoadFactor(27, 2, GoRelease::Go1_19));
        assert!(!overLoadFactor(6656, 10, GoRelease::Go1_19)); // 6.5 * 1024
        assert!(overLoadFactor(6657, 10, GoRelease::Go1_19));
    }

    #[test]
    fn too_many_overflow_buckets_caps_at_2_15() {
        assert!(!tooManyOverflowBuckets(0, 0));
        assert!(tooManyOverflowBuckets(1, 0));
        assert!(!tooManyOverflowBuckets(15, 4));
        assert!(tooManyOverflowBuckets(16, 4));
        assert!(!tooManyOverflowBuckets(32767, 20));
        assert!(tooManyOverflowBuckets(32768, 20));
    }

    #[test]
    fn bucket_array_len_adds_2_pow_b_minus_4() {
        let t = MapType::int64(); // bucketsize 144
        assert_eq!(bucket_array_len(&t, 0), 1);
        assert_eq!(bucket_array_len(&t, 3), 8);
        // 17 * 144 = 2448 -> size class 2688 -> 18 buckets.
        assert_eq!(bucket_array_len(&t, 4), 18);
        for b in 4..20u8 {
            let n = bucket_array_len(&t, b);
            assert!(n >= (1 << b) + (1 << (b - 4)), "B={b}");
        }
    }

    /// `makemap` backs a hinted bucket array too large for the block cache with huge
    /// pages at once, and no other: not a cacheable one, not one that growth allocated;
    /// an array of growth is advised once growth has written it through, its regular
    /// buckets only.
    #[test]
    #[cfg(target_os = "linux")]
    fn hinted_arrays_get_huge_pages_at_once_growth_arrays_once_written() {
        use crate::base::malloc::{is_mapped, smaps_field, vm_flags, CACHE_BLOCK_MAX};
        use crate::maptype::MapType;
        use crate::runtime::mapassign_fast64;
        let t = MapType::int64();
        let hg = |p: *const u8| vm_flags(p).split(' ').any(|x| x == "hg");
        // SAFETY: fresh maps of type `t`, used by this thread only and freed once.
        unsafe {
            // hint 10^6: B = 18, a 37.7 MB array.
            let h = makemap(&t, 1_000_000, core::ptr::null_mut());
            assert_eq!((*h).B, 18);
            assert!(
                hg((*h).buckets.cast()),
                "a hinted array over the cache bound"
            );
            // Populated at once: resident before any insert.
            let size = t.bucketsize as usize * bucket_array_len(&t, 18);
            let rss = smaps_field((*h).buckets.cast(), "Rss:");
            let rss: usize = rss.trim_end_matches("kB").trim().parse().unwrap();
            assert!(
                rss * 1024 >= size,
                "populated: Rss {rss} kB of {size} bytes"
            );
            mapfree(&t, h);
            // hint 10^5: B = 14, 2.4 MB, a mapping of its own that the cache may keep.
            let h = makemap(&t, 100_000, core::ptr::null_mut());
            assert_eq!((*h).B, 14);
            let size = t.bucketsize as usize * (1 << 14);
            assert!(is_mapped(size, 8) && size <= CACHE_BLOCK_MAX);
            assert!(!hg((*h).buckets.cast()), "a cacheable hinted array");
            mapfree(&t, h);
            // No hint: growth to B = 16 (9.4 MB) starts at 212,993 entries and ends
            // 2^15 / 2 inserts later. While it runs, the new array has no advice.
            let h = makemap(&t, 0, core::ptr::null_mut());
            let mut k = 0u64;
            while k < 220_000 {
                *mapassign_fast64(&t, h, k).cast::<u64>() = k;
                k += 1;
            }
            assert!((*h).B == 16 && (*h).growing());
            assert!(!hg((*h).buckets.cast()), "an array being evacuated into");
            // Once growth is done (3.4 entries per bucket), its regular buckets are
            // advised; the preallocated overflow buckets after them are not.
            while (*h).growing() {
                *mapassign_fast64(&t, h, k).cast::<u64>() = k;
                k += 1;
            }
            assert_eq!((*h).B, 16);
            let regular = t.bucketsize as usize * (1 << 16);
            assert_eq!(regular % 4096, 0);
            assert!(hg((*h).buckets.cast()), "a written-through array of growth");
            assert!(
                hg((*h).buckets.cast::<u8>().add(regular - 1)),
                "its last regular bucket"
            );
            assert!(
                !hg((*h).buckets.cast::<u8>().add(regular)),
                "its preallocated overflow buckets"
            );
            mapfree(&t, h);
            // Go 1.21 grows at 6.0 entries per bucket, so the new array starts at 3.0 per
            // bucket: with deletes while growth runs, it ends sparse (under 3 per
            // bucket), and a sparse array is not advised.
            let t21 = MapType::int64().with_release(crate::maptype::GoRelease::Go1_21);
            let h = makemap(&t21, 0, core::ptr::null_mut());
            let mut k = 0u64;
            while !(*h).growing() || (*h).B < 16 {
                *mapassign_fast64(&t21, h, k).cast::<u64>() = k;
                k += 1;
            }
            let mut d = 0u64;
            while (*h).growing() {
                crate::runtime::mapdelete_fast64(&t21, h, d);
                d += 1;
            }
            assert!((*h).B == 16 && (*h).count >> 16 < 3);
            assert!(!hg((*h).buckets.cast()), "a sparse array of growth");
            mapfree(&t21, h);
        }
    }
}
