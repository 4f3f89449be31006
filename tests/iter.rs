//! Iteration: ports of the iteration tests of Go 1.19's `runtime/map_test.go`
//! (`TestIterGrowAndDelete` -> `iter_grow_and_delete`, ...) and a memory-safety test of
//! iterators that stay live while the map grows, shrinks its chains, deletes and clears
//! (meant to be run under valgrind as well).
//!
//! Go's `for k, v := range m` becomes `mapiterinit`/`mapiternext` on a [`Hiter`]; a body
//! that writes the map writes it between two `mapiternext` calls, as Go's does.

mod common;

use std::collections::{HashMap, HashSet};
use std::ptr;

use common::*;
use gomap::export_test::runtime::*;
use gomap::maptype::{GoKind, MapType};

fn int_map() -> MapType {
    MapType::for_go_types(GoKind::Int, GoKind::Int).unwrap()
}

/// Port of TestIterGrowAndDelete: the first step of an iteration grows the table (to
/// 1000 entries) and deletes every odd key; no odd key may come after that. Also checked
/// (Go's iteration guarantee): every even key present from the start is produced exactly
/// once.
#[test]
fn iter_grow_and_delete() {
    let t = int_map();
    // SAFETY: a live map[int]int; the iterator is dropped before the free.
    unsafe {
        let h = make(&t, 4);
        for i in 0..100i64 {
            put(&t, h, i, i);
        }
        let mut growflag = true;
        let mut seen = HashMap::<i64, usize>::new();
        let mut it = iter_start(&t, h);
        while let Some((k, v)) = iter_kv::<i64, i64>(&it) {
            assert_eq!(k, v);
            *seen.entry(k).or_default() += 1;
            if growflag {
                // grow the table
                for i in 100..1000i64 {
                    put(&t, h, i, i);
                }
                // delete all odd keys
                for i in (1..1000i64).step_by(2) {
                    del(&t, h, i);
                }
                assert_check(&t, h, "grow and delete");
                growflag = false;
            } else {
                assert!(k & 1 == 0, "odd value returned: {k}");
            }
            mapiternext(&mut it);
        }
        drop(it);
        for i in (0..100i64).step_by(2) {
            assert_eq!(seen.get(&i), Some(&1), "key {i} not produced exactly once");
        }
        assert!(seen.values().all(|&n| n == 1), "a key was produced twice");
        free(&t, h);
    }
}

/// Port of TestIterGrowWithGC, adapted. Go checks that old bucket arrays are not collected
/// while an iterator still reads them, by calling `runtime.GC()` right after growing during
/// an iteration. gomap has no collector: it frees old arrays itself once evacuation ends,
/// deferring the free while an iterator is live (`reclaim.rs`). So the port grows and keeps
/// churning (inserts and deletes of other keys) at every step of the iteration, through
/// several doublings, and checks that the 16 original keys are each produced exactly once
/// with their values. The tracking allocator poisons freed memory, so an iterator reading
/// a freed array would produce garbage here.
#[test]
fn iter_grow_with_gc() {
    let tr = Tracker::new();
    let t = int_map().with_allocator(tr.allocator());
    // SAFETY: a live map[int]int; the iterator is dropped before the free.
    unsafe {
        let h = make(&t, 4);
        for i in 0..8i64 {
            put(&t, h, i, i);
        }
        for i in 8..16i64 {
            *slot::<i64, i64>(&t, h, i) += i;
        }
        let mut bitmask = 0u32;
        let mut seen_big = HashSet::new();
        let mut next = 100i64;
        let mut step = 0;
        let mut it = iter_start(&t, h);
        while let Some((k, v)) = iter_kv::<i64, i64>(&it) {
            assert_eq!(k, v, "key and value disagree");
            if k < 16 {
                assert_eq!(bitmask & (1 << k), 0, "key {k} produced twice");
                bitmask |= 1 << k;
            } else {
                assert!(seen_big.insert(k), "key {k} produced twice");
            }
            // grow the table, and churn: insert 40 new keys and delete 30 older ones
            let n = if step == 0 { 900 } else { 40 };
            for _ in 0..n {
                put(&t, h, next, next);
                next += 1;
            }
            for d in 0..30 {
                del(&t, h, 100 + (step * 37 + d * 13) % (next - 100));
            }
            if step % 16 == 0 {
                assert_check(&t, h, "churn during iteration");
            }
            step += 1;
            mapiternext(&mut it);
        }
        drop(it);
        assert_eq!(bitmask, (1 << 16) - 1, "missing key: {bitmask:#x}");
        assert!((*h).B >= 7, "the map grew several times (B={})", (*h).B);
        for i in 0..16i64 {
            assert_eq!(get::<i64, i64>(&t, h, i), Some(i));
        }
        assert_check(&t, h, "end");
        free(&t, h);
    }
    assert_eq!(tr.live(), 0, "leaked blocks");
}

/// Port of TestMapNanGrowIterator: an iterator started in the middle of a grow over NaN
/// keys (whose hash is random, so they are sent by the tophash's low bit) returns each
/// entry once, also when the grow completes halfway through the iteration.
#[test]
fn map_nan_grow_iterator() {
    let t = MapType::for_go_types(GoKind::Float64, GoKind::Int).unwrap();
    const N_BUCKETS: usize = 16;
    // To fill nBuckets buckets takes LOAD * nBuckets keys (Go's runtime.HashLoad = 6.5).
    let n_keys = N_BUCKETS * 13 / 2;
    // SAFETY: a live map[float64]int; the iterator is dropped before the free.
    unsafe {
        let h = make(&t, 0);
        let nan = f64::NAN;
        // Get map to full point with nan keys.
        for i in 0..n_keys {
            put(&t, h, nan, i as i64);
        }
        assert_eq!((*h).B, 4);
        assert!(!(*h).growing());
        // Trigger grow
        put(&t, h, 1.0f64, 1i64);
        del(&t, h, 1.0f64);
        assert!((*h).growing() && (*h).B == 5, "{}", dump_of(&t, h));
        assert_check(&t, h, "grow started");

        // Run iterator
        let mut found = HashSet::new();
        let mut it = iter_start(&t, h);
        while let Some((_, v)) = iter_kv::<f64, i64>(&it) {
            if v != -1 {
                assert!(found.insert(v), "repeat of value {v}");
            }
            if found.len() == n_keys / 2 {
                // Halfway through iteration, finish grow.
                for _ in 0..N_BUCKETS {
                    del(&t, h, 1.0f64);
                }
                assert!(!(*h).growing(), "grow not finished");
            }
            mapiternext(&mut it);
        }
        drop(it);
        assert_eq!(found.len(), n_keys, "missing value");
        assert_check(&t, h, "end");
        free(&t, h);
    }
}

/// Port of TestMapIterOrder: iterating the same small map repeatedly produces at least
/// two orders (the start bucket and offset come from `fastrand`). Run from several fixed
/// `fastrand` states, so that a failure is reproducible; plus: the same state gives the
/// same order, and different start words (`mapiterinit_r`) give different orders.
#[test]
fn map_iter_order() {
    let t = int_map();
    for seed in [1u64, 0xdead_beef, 42 << 40] {
        set_fastrand_state(seed);
        for n in [3i64, 7, 9, 15] {
            for _ in 0..200 {
                // SAFETY: a live map[int]bool-like map[int]int, freed at the end.
                unsafe {
                    // Make m be {0: 0, 1: 1, ..., n-1: n-1}.
                    let h = make(&t, 0);
                    for i in 0..n {
                        put(&t, h, i, i);
                    }
                    // Check that iterating over the map produces at least two different
                    // orderings.
                    let ord = || keys::<i64, i64>(&t, h);
                    let first = ord();
                    assert_eq!(first.len(), n as usize);
                    let ok = (0..100).any(|_| ord() != first);
                    assert!(
                        ok,
                        "map with n={n} elements had consistent iteration order: {first:?}"
                    );
                    free(&t, h);
                }
            }
        }
    }

    // The order is a function of the map's bytes and the iterator's random word.
    // SAFETY: as above; iterators are dropped before the free.
    unsafe {
        let h = make(&t, 0);
        for i in 0..13i64 {
            put(&t, h, i, i);
        }
        assert_eq!((*h).B, 1);
        let ord_r = |r: usize| {
            let mut it = Hiter::new();
            mapiterinit_r(&t, h, &mut it, r);
            let mut v = Vec::new();
            while let Some((k, _)) = iter_kv::<i64, i64>(&it) {
                v.push(k);
                mapiternext(&mut it);
            }
            v
        };
        let mut orders = HashSet::new();
        // startBucket = r & 1, offset = (r >> 1) & 7: 16 starting points.
        for r in 0..16 {
            let o = ord_r(r);
            assert_eq!(o, ord_r(r), "same start word, different order");
            let mut s = o.clone();
            s.sort();
            assert_eq!(s, (0..13).collect::<Vec<_>>());
            orders.insert(o);
        }
        assert!(
            orders.len() > 8,
            "only {} orders from 16 start words",
            orders.len()
        );
        set_fastrand_state(7);
        let a = keys::<i64, i64>(&t, h);
        set_fastrand_state(7);
        let b = keys::<i64, i64>(&t, h);
        assert_eq!(a, b, "same fastrand state, different order");
        free(&t, h);
    }
}

/// Port of TestMapSparseIterOrder (Go issue 8410): a map of 1000 entries of which 980 were
/// deleted still iterates in varying orders.
#[test]
fn map_sparse_iter_order() {
    let t = int_map();
    'next_round: for round in 0..10 {
        // SAFETY: a live map[int]int, freed on both paths out of the round.
        unsafe {
            let h = make(&t, 0);
            // Add 1000 items, remove 980.
            for i in 0..1000i64 {
                put(&t, h, i, i);
            }
            for i in 20..1000i64 {
                del(&t, h, i);
            }
            assert_check(&t, h, "sparse");
            let first = keys::<i64, i64>(&t, h);
            assert_eq!(first.len(), 20);
            // 800 chances to get a different iteration order. See bug 8736 for why we
            // need so many tries.
            for _ in 0..800 {
                if keys::<i64, i64>(&t, h) != first {
                    // iteration order changed.
                    free(&t, h);
                    continue 'next_round;
                }
            }
            free(&t, h);
        }
        panic!("constant iteration order on round {round}");
    }
}

/// Port of TestConcurrentReadsAfterGrowth: after each write (which may leave the map in
/// the middle of a grow), many threads iterate and look up at once. Readers only read
/// (iterators set the iterator flags atomically), as Go allows. Go's loop counts are
/// scaled down (threads here are OS threads, not goroutines).
#[test]
fn concurrent_reads_after_growth() {
    let t = int_map();
    let (num_loop, num_grow_step, num_reader) = (4, 250i64, 4);
    for _ in 0..num_loop {
        // SAFETY: a live map[int]int. The writes happen on this thread only, while no
        // reader runs (the scope joins them all before the next write); the readers only
        // call read functions and their iterators end inside their threads.
        unsafe {
            let h = SendPtr(make(&t, 0));
            for gs in 0..num_grow_step {
                put(&t, h.0, gs, gs);
                let t = &t;
                std::thread::scope(|s| {
                    for _ in 0..num_reader {
                        s.spawn(move || {
                            let h = h;
                            let all = iterate::<i64, i64>(t, h.0);
                            assert_eq!(all.len() as i64, gs + 1);
                            assert!(all.iter().all(|&(k, v)| k == v));
                        });
                        s.spawn(move || {
                            let h = h;
                            for key in 0..gs {
                                assert_eq!(get::<i64, i64>(t, h.0, key), Some(key));
                            }
                        });
                    }
                });
            }
            assert_check(&t, h.0, "end");
            free(&t, h.0);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Memory safety with live iterators
// ---------------------------------------------------------------------------------------

type Blob = [u8; 200];

/// Key `id`: its id in the first 8 bytes (so `identity_hash` aims it), then a pattern.
fn key_of(id: u64) -> Blob {
    let mut b = [0u8; 200];
    b[..8].copy_from_slice(&id.to_le_bytes());
    for (j, x) in b.iter_mut().enumerate().skip(8) {
        *x = (id as u8).wrapping_mul(31) ^ j as u8;
    }
    b
}

/// Elem of key `id` at version `ver`.
fn elem_of(id: u64, ver: u8) -> Blob {
    let mut b = [0u8; 200];
    b[..8].copy_from_slice(&(!id).to_le_bytes());
    b[8] = ver;
    for (j, x) in b.iter_mut().enumerate().skip(9) {
        *x = (id as u8).wrapping_add(ver) ^ (j as u8).wrapping_mul(7);
    }
    b
}

/// Checks that an entry an iterator produced is a well-formed key with its own elem (freed
/// memory is poisoned by the tracker and would fail this); returns the id and version.
fn entry_ok(k: &Blob, v: &Blob) -> (u64, u8) {
    let id = u64::from_le_bytes(k[..8].try_into().unwrap());
    assert_eq!(*k, key_of(id), "corrupt key (id {id:#x})");
    assert_eq!(*v, elem_of(id, v[8]), "corrupt elem of key {id:#x}");
    (id, v[8])
}

/// An iterator with what it produced.
struct Walker {
    it: Hiter,
    seen: HashMap<u64, usize>,
    done: bool,
}

impl Walker {
    /// Starts an iterator and takes its first entry.
    ///
    /// # Safety
    /// As `mapiterinit`, for the walker's whole life: the map stays live, and is written
    /// only on this thread, between calls of the walker's methods; the walker is dropped
    /// or has run out before the map is freed.
    unsafe fn start(t: &MapType, h: *mut Hmap) -> Walker {
        let mut w = Walker {
            // SAFETY: forwarded.
            it: unsafe { iter_start(t, h) },
            seen: HashMap::new(),
            done: false,
        };
        w.take();
        w
    }

    fn take(&mut self) {
        // SAFETY: the walker's map is live (start's contract, kept by the test).
        match unsafe { iter_kv::<Blob, Blob>(&self.it) } {
            Some((k, v)) => {
                let (id, _) = entry_ok(&k, &v);
                *self.seen.entry(id).or_default() += 1;
            }
            None => self.done = true,
        }
    }

    /// Advances up to `n` entries.
    fn advance(&mut self, n: usize) {
        for _ in 0..n {
            if self.done {
                return;
            }
            // SAFETY: the map is live and written only between calls on this thread
            // (`start`'s contract).
            unsafe { mapiternext(&mut self.it) };
            self.take();
        }
    }
}

/// The map under test with a model of its contents.
struct Scene<'a> {
    t: &'a MapType,
    h: *mut Hmap,
    model: HashMap<u64, u8>,
}

impl Scene<'_> {
    fn put(&mut self, id: u64) {
        let ver = self.model.get(&id).map_or(0, |v| v + 1);
        // SAFETY: `h` is a live map of t with Blob keys and elems.
        unsafe { put(self.t, self.h, key_of(id), elem_of(id, ver)) };
        self.model.insert(id, ver);
    }

    fn del(&mut self, id: u64) {
        // SAFETY: as in put.
        unsafe { del(self.t, self.h, key_of(id)) };
        self.model.remove(&id);
    }

    fn check(&self, what: &str) {
        // SAFETY: as in put.
        unsafe {
            assert_check(self.t, self.h, what);
            assert_eq!(len(self.h), self.model.len(), "{what}: len");
        }
    }

    fn verify_all(&self, what: &str) {
        self.check(what);
        for (&id, &ver) in &self.model {
            // SAFETY: as in put.
            let got = unsafe { get::<Blob, Blob>(self.t, self.h, key_of(id)) };
            assert_eq!(got, Some(elem_of(id, ver)), "{what}: key {id:#x}");
        }
    }

    fn b(&self) -> u8 {
        // SAFETY: live.
        unsafe { (*self.h).B }
    }

    fn flags(&self) -> u8 {
        // SAFETY: live.
        unsafe { (*self.h).flags() }
    }
}

/// Grows, same-size grows, deletes and clears a map of 200-byte keys and elems (both
/// stored indirectly) while iterators are live, advancing them in between, then finishes
/// them and frees the map. Checks that:
/// * every entry an iterator produces is intact (the tracker poisons freed memory);
/// * nothing is freed while an iterator is live (the retired memory waits), and the
///   retired memory is freed once the last iterator ends;
/// * an iterator that ran from before the growth to its end produced every key that was
///   present throughout exactly once;
/// * `mapfree` gives back every block.
///
/// `same_size` needs the identity hasher (to aim keys at buckets).
fn live_iterators_scenario(t: &MapType, tr: &Tracker, same_size: bool) {
    let h = {
        // SAFETY: a fresh map, freed at the end of this function.
        unsafe { make(t, 0) }
    };
    let mut s = Scene {
        t,
        h,
        model: HashMap::new(),
    };
    for id in 0..40 {
        s.put(id);
    }
    s.verify_all("fill");
    let frees = || tr.counts().1;

    // A full walk across doublings and deletions. Every walker below is started on the
    // map, which lives until the end of the function; all writes happen on this thread
    // between advances; every walker ends (runs out or is dropped) before the free.
    // SAFETY: see above (Walker::start's contract).
    let mut w0 = unsafe { Walker::start(t, h) };
    // SAFETY: as for w0.
    let mut w1 = unsafe { Walker::start(t, h) };
    // An anchor that stays live (and unadvanced) until the end, whatever the others do.
    // SAFETY: as for w0.
    let mut wa = unsafe { Walker::start(t, h) };
    let f0 = frees();
    w0.advance(5);
    w1.advance(3);
    let b0 = s.b();
    for id in 40..300 {
        s.put(id);
        if id % 16 == 0 {
            w0.advance(1);
            s.check("doubling with live iterators");
        }
    }
    assert!(s.b() >= b0 + 2, "the map doubled at least twice");
    // Mid-grow (or not), a third iterator.
    // SAFETY: as for w0.
    let mut w2 = unsafe { Walker::start(t, h) };
    w2.advance(7);
    // Delete a third of the keys, and update some others.
    for id in (0..300).step_by(3) {
        s.del(id);
        if id % 30 == 0 {
            w1.advance(2);
            w2.advance(2);
        }
    }
    for id in (1..300).step_by(7) {
        s.put(id);
    }
    s.verify_all("deletes with live iterators");
    assert_eq!(frees(), f0, "memory was freed while iterators were live");

    if same_size {
        // Churn keys aimed at one bucket after another: nine of them overflow a bucket
        // and are deleted again, until the overflow buckets trigger a same-size grow.
        let mut n = 0u64;
        let mut round = 0usize;
        loop {
            let b = s.b();
            let mask = (1u64 << b) - 1;
            let j = round as u64 & mask;
            let ids: Vec<u64> = (0..9)
                .map(|_| {
                    n += 1;
                    (1u64 << 40) + j + (n << b)
                })
                .collect();
            let mut hit = false;
            for &id in &ids {
                let before = (s.b(), s.flags() & SAME_SIZE_GROW != 0);
                s.put(id);
                if !before.1 && s.flags() & SAME_SIZE_GROW != 0 {
                    assert_eq!(s.b(), before.0, "a same-size grow changed B");
                    hit = true;
                }
            }
            for &id in &ids {
                s.del(id);
            }
            w2.advance(1);
            s.check("churn");
            round += 1;
            if hit {
                break;
            }
            assert!(round < 10_000, "no same-size grow");
        }
        // Half the same-size grow, then a new iterator on it.
        // SAFETY: as for w0.
        let mut w3 = unsafe { Walker::start(t, h) };
        for id in 300..310 {
            s.put(id);
        }
        w3.advance(10);
        s.verify_all("same-size grow with live iterators");
        assert_eq!(frees(), f0, "memory was freed while iterators were live");
        drop(w3); // ended early: unregisters, frees nothing while others are live
        assert_eq!(frees(), f0);
    }

    // w0 runs to its end before any clear: exactly-once for the keys present throughout
    // (0..40, except those deleted, i.e. the multiples of 3).
    w0.advance(usize::MAX);
    assert!(w0.done);
    for id in (0..40).filter(|id| id % 3 != 0) {
        assert_eq!(
            w0.seen.get(&id),
            Some(&1),
            "w0: key {id} not seen exactly once"
        );
    }
    assert!(w0.seen.values().all(|&c| c == 1), "w0 produced a key twice");

    // Clear while w1 and w2 are live, then keep writing and advancing.
    // SAFETY: live map, written on this thread only.
    unsafe { mapclear(t, h) };
    s.model.clear();
    s.verify_all("clear with live iterators");
    w1.advance(5);
    for id in 1000..1200 {
        s.put(id);
    }
    w2.advance(5);
    for id in (1000..1200).step_by(2) {
        s.del(id);
    }
    s.verify_all("refill after clear");
    assert_eq!(frees(), f0, "memory was freed while iterators were live");

    // Finish the last iterators: the retired memory goes back.
    let live_before = tr.live_bytes();
    w1.advance(usize::MAX);
    w2.advance(usize::MAX);
    assert!(w1.done && w2.done);
    assert!(!w1.it.is_registered() && !w2.it.is_registered());
    assert_eq!(
        frees(),
        f0,
        "memory was freed while the anchor iterator was live"
    );
    assert!(wa.it.is_registered());
    wa.advance(usize::MAX);
    assert!(wa.done && !wa.it.is_registered());
    assert!(
        frees() > f0,
        "the retired memory was not freed after the last iterator"
    );
    assert!(tr.live_bytes() < live_before);

    // Without iterators, what a write drops is freed at once.
    // SAFETY: live map, no iterator.
    unsafe { finish_grow(t, h) };
    let f1 = frees();
    s.del(1001);
    assert_eq!(
        frees(),
        f1 + 2,
        "an indirect key and elem are freed at delete"
    );

    // A final iterator sees exactly the model.
    // SAFETY: as for w0.
    let mut w4 = unsafe { Walker::start(t, h) };
    w4.advance(usize::MAX);
    let got: HashSet<u64> = w4.seen.keys().copied().collect();
    let want: HashSet<u64> = s.model.keys().copied().collect();
    assert_eq!(got, want);
    assert!(w4.seen.values().all(|&c| c == 1));

    drop((w0, w1, w2, wa, w4));
    // SAFETY: no iterator of the map is registered any more.
    unsafe { free(t, h) };
    assert_eq!(tr.live(), 0, "mapfree leaked {} blocks", tr.live());
}

/// Live iterators over a map with indirect keys and elems (`[200]byte` keys, Go's hash)
/// while it doubles, deletes, clears; then everything is freed.
#[test]
fn live_iterators_memory_safety() {
    let tr = Tracker::new();
    let t = MapType::for_go_types(GoKind::Bytes(200), GoKind::Bytes(200))
        .unwrap()
        .with_allocator(tr.allocator());
    assert!(t.indirectkey() && t.indirectelem());
    live_iterators_scenario(&t, &tr, false);
}

/// As [`live_iterators_memory_safety`], with a weak hash so that the test can also force
/// a same-size grow (overflow chains built and emptied) while iterators are live.
#[test]
fn live_iterators_memory_safety_same_size_grow() {
    let tr = Tracker::new();
    let t = identity_bytes_map(200, GoKind::Bytes(200)).with_allocator(tr.allocator());
    assert!(t.indirectkey() && t.indirectelem());
    live_iterators_scenario(&t, &tr, true);
}

/// An iterator that is never ended (leaked with `mem::forget`) keeps the map's retired
/// memory until `mapfree`, which frees it: memory, never safety.
#[test]
fn leaked_iterator_memory_is_freed_by_mapfree() {
    let tr = Tracker::new();
    let t = MapType::for_go_types(GoKind::Bytes(200), GoKind::Bytes(200))
        .unwrap()
        .with_allocator(tr.allocator());
    // SAFETY: a live map; the forgotten iterator is never used again, so freeing the map
    // under it is allowed.
    unsafe {
        let h = make(&t, 0);
        for id in 0..100u64 {
            put(&t, h, key_of(id), elem_of(id, 0));
        }
        let mut it = iter_start(&t, h);
        mapiternext(&mut it);
        std::mem::forget(it);
        let f0 = tr.counts().1;
        for id in 0..100u64 {
            del(&t, h, key_of(id));
        }
        for id in 100..400u64 {
            put(&t, h, key_of(id), elem_of(id, 0));
        }
        assert_check(&t, h, "after churn");
        assert_eq!(tr.counts().1, f0, "freed while an iterator was live");
        free(&t, h);
    }
    assert_eq!(tr.live(), 0, "mapfree leaked {} blocks", tr.live());
}

/// Iterating a nil or empty map produces nothing and registers nothing.
#[test]
fn iterate_nil_and_empty() {
    let t = int_map();
    // SAFETY: a null map and a live empty map.
    unsafe {
        let it = iter_start(&t, ptr::null_mut());
        assert!(it.key().is_null() && !it.is_registered());
        let h = make(&t, 100);
        let it = iter_start(&t, h);
        assert!(it.key().is_null() && !it.is_registered());
        drop(it);
        free(&t, h);
    }
}

/// Go's mapiterinit returns for a nil or empty map before it draws the random start
/// (go1.19 map.go), so ranging over one leaves `fastrand`'s sequence where it was.
#[test]
fn mapiterinit_nil_or_empty_draws_no_random() {
    let t = int_map();
    set_fastrand_state(0x1234_5678);
    let want = fastrand();
    // SAFETY: a null map and a live empty map, freed at the end; the iterators end first.
    unsafe {
        let h = makemap(&t, 0, ptr::null_mut());
        set_fastrand_state(0x1234_5678);
        let mut it = Hiter::new();
        mapiterinit(&t, ptr::null_mut(), &mut it);
        mapiterinit(&t, h, &mut it);
        assert!(it.key().is_null());
        assert_eq!(fastrand(), want, "an empty range drew a random number");
        drop(it);
        mapfree(&t, h);
    }
}
