//! The invariant checker: walks a whole map and names the first broken invariant. Tests
//! and fuzz targets call it after every operation; failing tests print the dump with it.

use super::make::bucket_array_len;
use super::types::*;
use crate::maptype::MapType;

/// Checks every structural invariant of `h`:
/// * `buckets` is null only for a never-written map (`B == 0`, `count == 0`, not growing);
/// * no `hashWriting` at rest, `sameSizeGrow` only while growing, `nevacuate` in range;
/// * every live cell's tophash is its key's top hash byte and the key sits in the chain
///   its hash selects (in the old array while that bucket is unevacuated, else in the
///   new), except keys that are not equal to themselves (NaN), whose hash is random;
/// * nothing live follows an `emptyRest` in a chain; the new array holds no evacuation
///   marks; old buckets below `nevacuate` are evacuated, and an evacuated chain holds only
///   evacuation marks;
/// * `count` equals the live cells of the new array plus unevacuated old buckets;
/// * `noverflow` equals the overflow buckets of the current array (for `B < 16`, where it
///   is exact);
/// * `nextOverflow` is null or a preallocated bucket of the current array.
///
/// # Safety
/// `h` is null or a live map of type `t` that no thread writes during the call.
pub unsafe fn check(t: &MapType, h: *const Hmap) -> Result<(), String> {
    if h.is_null() {
        return Ok(());
    }
    // SAFETY: live (caller).
    let h = unsafe { &*h };
    let f = h.flags();
    if f & HASH_WRITING != 0 {
        return Err("hashWriting set while no write is in progress".into());
    }
    if h.buckets.is_null() {
        if h.count != 0 || h.B != 0 || h.growing() {
            return Err(format!(
                "no buckets but count={} B={} growing={}",
                h.count,
                h.B,
                h.growing()
            ));
        }
        return Ok(());
    }
    if f & SAME_SIZE_GROW != 0 && !h.growing() {
        return Err("sameSizeGrow set while not growing".into());
    }
    let mut live = 0usize;
    let mut noverflow = 0usize;
    let nb = bucketShift(h.B);
    let alloc_len = bucket_array_len(t, h.B);
    let in_new = |b: *mut Bmap| {
        let s = h.buckets as usize;
        (s..s + alloc_len * t.bucketsize as usize).contains(&(b as usize))
    };
    // SAFETY: a live map made by makemap: `extra` is null or its Mapextra.
    let next = unsafe { h.next_overflow() };
    if !next.is_null() {
        let off = next as usize - h.buckets as usize;
        if !in_new(next) || off % t.bucketsize as usize != 0 || off / (t.bucketsize as usize) < nb {
            return Err("nextOverflow is not a preallocated bucket of the current array".into());
        }
    }
    let (oldn, oldmask) = if h.growing() {
        let n = h.noldbuckets();
        if h.nevacuate > n {
            return Err(format!("nevacuate {} > {} old buckets", h.nevacuate, n));
        }
        (n, n - 1)
    } else {
        (0, 0)
    };
    for i in 0..nb {
        // SAFETY: i < 2^B.
        let head = unsafe { bucket_at(t, h.buckets, i) };
        // In the new array, a bucket whose old bucket is unevacuated must be empty.
        let old_unevac = h.growing() && {
            // SAFETY: index masked into the old array.
            !unsafe { evacuated(bucket_at(t, h.oldbuckets, i & oldmask)) }
        };
        // SAFETY: `head` is live.
        let n = unsafe { check_chain(t, h, head, i, bucketMask(h.B), "new", false)? };
        if old_unevac && n != 0 {
            return Err(format!(
                "new bucket {i} holds entries while old bucket {} is unevacuated",
                i & oldmask
            ));
        }
        live += n;
        // SAFETY: live chain.
        let mut b = unsafe { Bmap::overflow(head, t) };
        while !b.is_null() {
            noverflow += 1;
            // SAFETY: live chain.
            b = unsafe { Bmap::overflow(b, t) };
        }
    }
    for i in 0..oldn {
        // SAFETY: i < noldbuckets.
        let head = unsafe { bucket_at(t, h.oldbuckets, i) };
        // SAFETY: live.
        let ev = unsafe { evacuated(head) };
        if i < h.nevacuate && !ev {
            return Err(format!(
                "old bucket {i} < nevacuate {} is not evacuated",
                h.nevacuate
            ));
        }
        // SAFETY: live chain.
        live += unsafe { check_chain(t, h, head, i, oldmask, "old", ev)? };
    }
    if live != h.count {
        return Err(format!("count {} but {} live cells", h.count, live));
    }
    if h.B < 16 && noverflow as u16 != h.noverflow {
        return Err(format!(
            "noverflow {} but {} overflow buckets",
            h.noverflow, noverflow
        ));
    }
    Ok(())
}

/// Checks one chain; returns its live cells (0 for an evacuated chain).
///
/// # Safety
/// `head` is a live chain of `t` in `h`.
unsafe fn check_chain(
    t: &MapType,
    h: &Hmap,
    head: *mut Bmap,
    index: usize,
    mask: usize,
    tag: &str,
    evac: bool,
) -> Result<usize, String> {
    let mut b = head;
    let mut live = 0;
    let mut rest = false;
    let mut depth = 0;
    while !b.is_null() {
        for j in 0..BUCKET_CNT {
            // SAFETY: live bucket.
            let th = unsafe { (*b).tophash[j] };
            let at = || format!("{tag} bucket {index} (chain depth {depth}) slot {j}");
            if evac {
                if !(EVACUATED_X..=EVACUATED_EMPTY).contains(&th) {
                    return Err(format!(
                        "{}: tophash {:?} in an evacuated chain",
                        at(),
                        TopHash(th)
                    ));
                }
                continue;
            }
            if (EVACUATED_X..=EVACUATED_EMPTY).contains(&th) {
                return Err(format!(
                    "{}: evacuation mark {:?} in a live chain",
                    at(),
                    TopHash(th)
                ));
            }
            if th == EMPTY_REST {
                rest = true;
                continue;
            }
            if th == EMPTY_ONE {
                continue;
            }
            if rest {
                return Err(format!("{}: live cell after emptyRest", at()));
            }
            live += 1;
            // SAFETY: slot of a live bucket.
            let mut k = unsafe { key_at(t, b, j) };
            if t.indirectkey() {
                // SAFETY: live indirect slot.
                k = unsafe { load_ptr(k) };
                if k.is_null() {
                    return Err(format!("{}: nil indirect key in a live cell", at()));
                }
            }
            if t.indirectelem() {
                // SAFETY: live indirect slot.
                if unsafe { load_ptr(elem_at(t, b, j)) }.is_null() {
                    return Err(format!("{}: nil indirect elem in a live cell", at()));
                }
            }
            // SAFETY: `k` is a key of t.
            if !t.reflexivekey() && !unsafe { t.key_equal(k, k) } {
                continue; // NaN: random hash, any bucket
            }
            // SAFETY: `k` is a key of t.
            let hash = unsafe { t.hash(k, h.hash0 as usize) };
            if hash & mask != index {
                return Err(format!("{}: key hashes to bucket {}", at(), hash & mask));
            }
            if tophash(hash) != th {
                return Err(format!(
                    "{}: tophash {:#04x} but the key's is {:#04x}",
                    at(),
                    th,
                    tophash(hash)
                ));
            }
        }
        // SAFETY: live bucket.
        b = unsafe { Bmap::overflow(b, t) };
        depth += 1;
        if depth > 1 << 24 {
            return Err(format!("{tag} bucket {index}: overflow chain does not end"));
        }
    }
    Ok(live)
}
