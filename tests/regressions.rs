//! Regression tests: inputs the fuzzers found (see fuzz/, scripts/test-fuzz.sh), and the
//! hostile-input cases tests/bad_descriptors.rs does not cover: what a panicking `equal`,
//! a hasher that panics in the middle of an evacuation, and an allocator that runs out of
//! memory leave behind (see "When the hasher, `equal` or the allocator panics" in the
//! `runtime` module docs).

mod common;

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Mutex;

use common::slot;
use common::*;
use gomap::export_test::runtime::*;
use gomap::maptype::{GoKind, MapType, MapTypeFlags, Type};

/// The payload of a caught panic as text.
fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    gomap::panic_message(&*e)
        .unwrap_or("<non-string panic>")
        .to_string()
}

/// Runs `f`, which must panic, and returns the message.
fn panics<R>(f: impl FnOnce() -> R) -> String {
    // The expected panics would print a message each; keep the output readable.
    let r = catch_unwind(AssertUnwindSafe(f));
    panic_text(r.err().expect("expected a panic"))
}

thread_local! {
    /// Key on which [`picky_equal`] panics (u64::MAX: never).
    static BAD_EQUAL: Cell<u64> = const { Cell::new(u64::MAX) };
    /// Keys on which [`flaky_hash`] panics: all but this one, while `FLAKY_ON` is set.
    static FLAKY_ON: Cell<bool> = const { Cell::new(false) };
    static FLAKY_SPARE: Cell<u64> = const { Cell::new(0) };
}

/// Equality of u64 keys that panics when either side is `BAD_EQUAL`.
unsafe extern "C-unwind" fn picky_equal(a: *const u8, b: *const u8, _t: *const Type) -> bool {
    // SAFETY: 8-byte keys.
    let (x, y) = unsafe {
        (
            ptr::read_unaligned(a.cast::<u64>()),
            ptr::read_unaligned(b.cast::<u64>()),
        )
    };
    let bad = BAD_EQUAL.with(|c| c.get());
    if x == bad || y == bad {
        panic!("equal: cannot compare {bad}");
    }
    x == y
}

/// A hash that sends every key to one chain (the worst case, so every lookup compares).
unsafe extern "C-unwind" fn one_chain(_p: *const u8, _seed: usize, _t: *const Type) -> usize {
    0x42 << 56
}

/// `map[uint64]int64` with [`picky_equal`] and `hasher`.
fn picky_map(hasher: gomap::maptype::HashFn) -> MapType {
    let mut key = GoKind::Uint64.go_type().unwrap();
    key.equal = Some(picky_equal);
    // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
    // type contract for every key used with it (a refused descriptor makes no map).
    unsafe {
        MapType::new(
            key,
            GoKind::Int64.go_type().unwrap(),
            hasher,
            MapTypeFlags::REFLEXIVE_KEY,
        )
    }
    .unwrap()
}

/// A panicking `equal` in `mapassign`/`mapdelete` abandons the write with the map
/// consistent: `hashWriting` is cleared, `check` passes, nothing changed, and the map
/// keeps working. (Go would leave `hashWriting` set: see the runtime module docs.)
#[test]
fn panicking_equal_leaves_the_map_consistent_and_usable() {
    let t = picky_map(one_chain);
    // SAFETY: a live map of t, freed at the end; after each caught panic it is checked
    // before further use.
    unsafe {
        let h = make(&t, 0);
        for k in 0..40u64 {
            put_checked(&t, h, k, k as i64);
        }
        let before = dump_of(&t, h);
        BAD_EQUAL.with(|c| c.set(666));
        let msg = panics(|| put(&t, h, 666u64, 1i64));
        assert!(msg.contains("cannot compare 666"), "{msg}");
        assert_eq!((*h).flags() & HASH_WRITING, 0, "hashWriting left set");
        assert_check(&t, h, "panicking equal in mapassign");
        assert_eq!(dump_of(&t, h), before, "the failed assign changed the map");
        let msg = panics(|| del(&t, h, 666u64));
        assert!(msg.contains("cannot compare"), "{msg}");
        assert_eq!((*h).flags() & HASH_WRITING, 0);
        assert_check(&t, h, "panicking equal in mapdelete");
        assert_eq!(dump_of(&t, h), before, "the failed delete changed the map");
        // A lookup that panics in equal changes nothing either (it sets no flag).
        let msg = panics(|| get::<u64, i64>(&t, h, 666));
        assert!(msg.contains("cannot compare"), "{msg}");
        BAD_EQUAL.with(|c| c.set(u64::MAX));
        put_checked(&t, h, 666u64, 6i64);
        del_checked(&t, h, 0u64);
        assert_eq!(get::<u64, i64>(&t, h, 666), Some(6));
        assert_eq!(len(h), 40);
        free(&t, h);
    }
}

/// The same while the map is growing: `growWork` has moved whole buckets before the
/// search panics, and the map is still consistent.
#[test]
fn panicking_equal_mid_growth_leaves_the_map_consistent() {
    let t = picky_map(identity_hash);
    // SAFETY: as above.
    unsafe {
        let h = make(&t, 0);
        let mut k = 0u64;
        while !(*h).growing() {
            put_checked(&t, h, k, k as i64);
            k += 1;
        }
        let n = len(h);
        // A key in the same bucket as key 0, so its search compares with key 0.
        let probe = 1u64 << 40;
        BAD_EQUAL.with(|c| c.set(probe));
        for _ in 0..3 {
            let msg = panics(|| put(&t, h, probe, 1i64));
            assert!(msg.contains("cannot compare"), "{msg}");
            assert_eq!((*h).flags() & HASH_WRITING, 0);
            assert_check(&t, h, "panicking equal while growing");
            assert_eq!(len(h), n);
        }
        BAD_EQUAL.with(|c| c.set(u64::MAX));
        finish_grow(&t, h);
        for i in 0..k {
            assert_eq!(get::<u64, i64>(&t, h, i), Some(i as i64));
        }
        free(&t, h);
    }
}

/// A hasher that panics for every key but `FLAKY_SPARE` while `FLAKY_ON` is set: it
/// breaks the contract (it hashed those keys before), which only an evacuation notices.
unsafe extern "C-unwind" fn flaky_hash(p: *const u8, _seed: usize, _t: *const Type) -> usize {
    // SAFETY: 8-byte keys.
    let k = unsafe { ptr::read_unaligned(p.cast::<u64>()) };
    if FLAKY_ON.with(|c| c.get()) && k != FLAKY_SPARE.with(|c| c.get()) {
        panic!("hash: key {k} is no longer hashable");
    }
    k as usize
}

/// A hasher panic in the middle of an evacuation leaves a bucket half moved: the map is
/// not consistent, and stays marked `hashWriting` (poisoned), detectably: writes, lookups
/// and iteration steps panic with Go's misuse messages, `check` names it, and `mapfree`
/// still releases every block (the tracking allocator sees none left).
#[test]
fn hasher_panic_during_evacuation_poisons_the_map_detectably() {
    let tr = Tracker::new();
    // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
    // type contract for every key used with it (a refused descriptor makes no map).
    let t = unsafe {
        MapType::new(
            GoKind::Uint64.go_type().unwrap(),
            GoKind::Bytes(200).go_type().unwrap(), // indirect elems: blocks to leak, if any
            flaky_hash,
            MapTypeFlags::REFLEXIVE_KEY,
        )
    }
    .unwrap()
    .with_allocator(tr.allocator());
    // SAFETY: a live map of t; after the poisoning only panicking calls and mapfree.
    unsafe {
        let h = make(&t, 0);
        let mut k = 0u64;
        while !(*h).growing() {
            *slot::<u64, [u8; 200]>(&t, h, k) = [k as u8; 200];
            k += 1;
        }
        // A new key whose old bucket is not evacuated yet, so the next write evacuates it.
        let oldmask = (*h).oldbucketmask() as u64;
        let spare = (1000..)
            .find(|&c| !bucketEvacuated(&t, &*h, (c & oldmask) as usize))
            .unwrap();
        FLAKY_SPARE.with(|c| c.set(spare));
        FLAKY_ON.with(|c| c.set(true));
        let msg = panics(|| slot::<u64, [u8; 200]>(&t, h, spare));
        assert!(msg.contains("no longer hashable"), "{msg}");
        FLAKY_ON.with(|c| c.set(false));
        assert_ne!(
            (*h).flags() & HASH_WRITING,
            0,
            "a half-moved map must stay poisoned"
        );
        let e = check(&t, h).unwrap_err();
        assert!(e.contains("hashWriting"), "{e}");
        let kp = (&spare as *const u64).cast::<u8>();
        assert_eq!(panics(|| mapassign(&t, h, kp)), CONCURRENT_WRITES);
        assert_eq!(panics(|| mapdelete(&t, h, kp)), CONCURRENT_WRITES);
        assert_eq!(panics(|| mapaccess2(&t, h, kp)), CONCURRENT_READ_WRITE);
        let mut it = Hiter::new();
        // mapiterinit reads no flag, then its first step panics.
        assert_eq!(
            panics(|| mapiterinit(&t, h, &mut it)),
            CONCURRENT_ITER_WRITE
        );
        drop(it);
        free(&t, h);
    }
    assert_eq!(
        tr.live(),
        0,
        "mapfree of a poisoned map leaked {} blocks",
        tr.live()
    );
}

// ---------------------------------------------------------------------------------------
// Out of memory
// ---------------------------------------------------------------------------------------

/// An allocator that fails (returns null) once its budget of allocations is spent, and
/// tracks live blocks so that a test can see what a failure leaves behind.
struct Budget {
    left: Mutex<(usize, HashMap<usize, usize>)>,
}

unsafe extern "C-unwind" fn budget_alloc(size: usize, align: usize, ctx: *mut c_void) -> *mut u8 {
    // SAFETY: ctx is the Budget that made this allocator, alive while maps use it.
    let b = unsafe { &*(ctx as *const Budget) };
    let mut s = b.left.lock().unwrap();
    if s.0 == 0 {
        return ptr::null_mut();
    }
    s.0 -= 1;
    let l = std::alloc::Layout::from_size_align(size, align).unwrap();
    // SAFETY: size > 0 (allocator contract).
    let p = unsafe { std::alloc::alloc_zeroed(l) };
    s.1.insert(p as usize, size);
    p
}

unsafe extern "C-unwind" fn budget_free(p: *mut u8, size: usize, align: usize, ctx: *mut c_void) {
    // SAFETY: as in budget_alloc.
    let b = unsafe { &*(ctx as *const Budget) };
    assert_eq!(
        b.left.lock().unwrap().1.remove(&(p as usize)),
        Some(size),
        "bad free"
    );
    // SAFETY: allocated by budget_alloc with this layout.
    unsafe { std::alloc::dealloc(p, std::alloc::Layout::from_size_align(size, align).unwrap()) };
}

impl Budget {
    fn new(n: usize) -> Box<Budget> {
        Box::new(Budget {
            left: Mutex::new((n, HashMap::new())),
        })
    }
    fn allocator(&self) -> Allocator {
        // SAFETY: the two functions meet the Allocator contract: zeroed blocks of the
        // size and alignment asked for (or null), each freed once, from any thread.
        unsafe {
            Allocator::new(
                budget_alloc,
                budget_free,
                (self as *const Budget).cast_mut().cast(),
            )
        }
    }
    fn live(&self) -> usize {
        self.left.lock().unwrap().1.len()
    }
}

/// Runs `writes` on a fresh map of `base` (with a [`Budget`] allocator) for budgets 1, 2,
/// ... up to `max`, until one run completes: each run that ran out of memory must panic
/// with Go's "out of memory" and leave the map poisoned (`hashWriting`), and `mapfree`
/// must then give back every block. Returns the number of runs and the `(budget, blocks
/// leaked)` of the runs that leaked.
fn sweep_out_of_memory(
    base: &MapType,
    max: usize,
    writes: impl Fn(&MapType, *mut Hmap),
) -> (usize, Vec<(usize, usize)>) {
    let mut failures = Vec::new();
    let mut points = 0;
    for budget in 1..max {
        let b = Budget::new(budget);
        let t = base.with_allocator(b.allocator());
        let mut done = false;
        let r = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: a live map of t; freed below whether or not a write panicked.
            unsafe {
                let h = makemap(&t, 0, ptr::null_mut());
                let r = catch_unwind(AssertUnwindSafe(|| writes(&t, h)));
                if let Err(e) = r {
                    assert_eq!(panic_text(e), "out of memory");
                    assert_ne!((*h).flags() & HASH_WRITING, 0, "budget {budget}");
                } else {
                    done = true;
                    check(&t, h).unwrap();
                }
                mapfree(&t, h);
            }
        }));
        if let Err(e) = r {
            // makemap itself ran out of memory.
            assert_eq!(panic_text(e), "out of memory", "budget {budget}");
        }
        if b.live() != 0 {
            failures.push((budget, b.live()));
        }
        points += 1;
        if done {
            break;
        }
    }
    (points, failures)
}

/// Out of memory at every possible allocation of a run of inserts (indirect keys and
/// elems, overflow buckets, growth) and deletes: the write panics with Go's "out of
/// memory", the map is left marked `hashWriting` (poisoned, as documented), and `mapfree`
/// gives back every block that was handed out.
#[test]
fn out_of_memory_anywhere_loses_nothing() {
    let base = MapType::for_go_types(GoKind::Bytes(130), GoKind::Bytes(200)).unwrap();
    let (_, failures) = sweep_out_of_memory(&base, 200, |t, h| {
        // SAFETY: a live map of t (the sweep's); keys of 130 bytes.
        unsafe {
            for i in 0..60u64 {
                let mut k = [0u8; 130];
                k[..8].copy_from_slice(&i.to_le_bytes());
                let e = mapassign(t, h, k.as_ptr());
                *e = i as u8;
                if i % 7 == 3 {
                    let mut d = [0u8; 130];
                    d[..8].copy_from_slice(&(i - 2).to_le_bytes());
                    mapdelete(t, h, d.as_ptr());
                }
            }
        }
    });
    assert_eq!(failures, [], "(budget, blocks leaked) after mapfree");
}

/// Out of memory inside `makemap` (the bucket array, or `extra` for a map with
/// preallocated overflow buckets) panics with "out of memory" and releases the header it
/// had allocated.
#[test]
fn out_of_memory_in_makemap_loses_nothing() {
    for hint in [100isize, 5000] {
        for budget in 0..3 {
            let b = Budget::new(budget);
            let t = MapType::int64().with_allocator(b.allocator());
            // SAFETY: a fresh map, freed if made.
            let r = catch_unwind(AssertUnwindSafe(|| unsafe {
                let h = makemap(&t, hint, ptr::null_mut());
                mapfree(&t, h);
            }));
            if let Err(e) = r {
                assert_eq!(panic_text(e), "out of memory");
            }
            assert_eq!(b.live(), 0, "hint {hint}, budget {budget}: blocks leaked");
        }
    }
}

/// Found by the `maptype` fuzz target (LeakSanitizer at exit, 33784 bytes in 3 blocks):
/// `runtime::dispatch` hands out a shared zero block for missing keys of maps with elems
/// over 1024 bytes and replaces it by a larger one when a larger elem asks; the smaller
/// blocks were dropped from every reference ("definitely lost" to valgrind and LSan,
/// though bounded). They are now kept on a list. This test grows the block three times;
/// scripts/test-valgrind.sh and scripts/test-asan.sh run it under the leak checkers.
#[test]
fn fat_zero_blocks_are_not_lost() {
    for (i, n) in [1500usize, 3000, 6000, 2000].into_iter().enumerate() {
        let t = MapType::for_go_types(GoKind::Int64, GoKind::Bytes(n)).unwrap();
        let k = i as i64;
        // SAFETY: a fresh map, freed at the end; `k` is an int64 key; the lookups return
        // at least `n` readable bytes.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            let z = map_access1(&t, h, (&k as *const i64).cast());
            assert!(std::slice::from_raw_parts(z, n).iter().all(|&b| b == 0));
            let (z2, ok) = map_access2(&t, h, (&k as *const i64).cast());
            assert!(!ok && z2 == z);
            mapfree(&t, h);
        }
    }
}

/// Out of memory inside `evacuate`, at every allocation of a run that grows a map whose
/// entries all share one chain (so evacuation needs new overflow buckets) and whose elems
/// are stored indirectly: an old cell is marked evacuated only once its destination slot
/// exists, so when `newoverflow` fails the entry is still owned by the old array, and
/// `mapfree` gives back every block (the 200-byte elems included).
#[test]
fn out_of_memory_in_evacuate_loses_nothing() {
    let base = identity_u64_map(GoKind::Bytes(200));
    assert!(base.indirectelem());
    let (points, failures) = sweep_out_of_memory(&base, 5000, |t, h| {
        // An iterator keeps the old cells' contents (Go's oldIterator), so evacuation
        // copies rather than moves what the old array shows.
        let mut it = Hiter::new();
        // SAFETY: a live map of t (the sweep's); u64 keys; the iterator ends first.
        unsafe {
            for i in 0..300u64 {
                let k = i << 12; // every key in bucket 0 up to B = 12
                let e = mapassign(t, h, (&k as *const u64).cast());
                *e = i as u8;
                if i % 50 == 10 {
                    mapiterinit(t, h, &mut it);
                }
                if i % 9 == 4 {
                    let d = (i - 3) << 12;
                    mapdelete(t, h, (&d as *const u64).cast());
                }
            }
        }
        drop(it);
    });
    assert!(points > 100, "only {points} allocation points");
    assert_eq!(failures, [], "(budget, blocks leaked) after mapfree");
}

/// `GoMap::clear` on a map that an out-of-memory panic left poisoned (`hashWriting` set)
/// refuses it, as Go's `mapclear` does, without dropping anything: it used to drop every
/// key and value first and only then have `mapclear` refuse the map, so that the map kept
/// entries whose keys were freed (a later `dump` read them: valgrind's invalid reads) and
/// whose values had been dropped. On every release, for every budget that poisons a map
/// holding entries.
#[test]
fn clear_of_a_poisoned_map_drops_nothing() {
    use gomap::typed::{GoMap, Release};

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
    }
    struct Val;
    impl Drop for Val {
        fn drop(&mut self) {
            LIVE.with(|c| c.set(c.get() - 1));
        }
    }
    fn val() -> Val {
        LIVE.with(|c| c.set(c.get() + 1));
        Val
    }

    let mut poisoned = 0;
    for r in Release::ALL {
        for budget in 1..12 {
            let b = Budget::new(budget);
            let mut m: GoMap<String, Val> = GoMap::with_capacity_for(r, 0, b.allocator());
            let filled = catch_unwind(AssertUnwindSafe(|| {
                for i in 0..2000 {
                    m.insert(format!("key {i}"), val());
                }
            }));
            if filled.is_ok() || m.is_empty() {
                continue;
            }
            poisoned += 1;
            let live = LIVE.with(|c| c.get());
            let e = panics(|| m.clear());
            assert!(
                e.contains("concurrent map writes"),
                "{r} budget {budget}: {e}"
            );
            assert_eq!(
                LIVE.with(|c| c.get()),
                live,
                "{r} budget {budget}: clear dropped values the map still holds"
            );
            // The keys are still there to read.
            assert!(m.dump().contains("6b6579"), "{r} budget {budget}"); // "key"
                                                                         // A poisoned map is freed without dropping its entries: they leak.
            drop(m);
            drop(b);
        }
    }
    assert!(poisoned > 10, "only {poisoned} poisoned maps");
}

gomap::go_struct! {
    /// A key whose `Drop` panics for the id `BOOM` names.
    pub struct BombKey { id: i64 }
}

thread_local! {
    /// The id whose key panics when dropped next (-1: none).
    static BOOM: Cell<i64> = const { Cell::new(-1) };
}

impl Drop for BombKey {
    fn drop(&mut self) {
        if BOOM.with(|b| b.get()) == self.id {
            BOOM.with(|b| b.set(-1));
            panic!("key {} panics when dropped", self.id);
        }
    }
}

/// An insert that runs out of memory frees the key the map never took from a scope guard,
/// while the "out of memory" panic unwinds: a panic of the key's `Drop` there used to
/// abort the process ("panic in a destructor during cleanup"). On every release.
#[test]
fn out_of_memory_inserting_a_key_whose_drop_panics_does_not_abort() {
    use gomap::typed::{GoMap, Release};
    let mut ran_out = 0;
    for r in Release::ALL {
        for budget in 1..6 {
            let b = Budget::new(budget);
            let mut m: GoMap<BombKey, i64> = GoMap::with_capacity_for(r, 0, b.allocator());
            let e = panics(|| {
                for i in 0..2000 {
                    BOOM.with(|x| x.set(i));
                    m.insert(BombKey { id: i }, i);
                }
            });
            BOOM.with(|x| x.set(-1));
            if e.contains("out of memory") {
                ran_out += 1;
            }
            drop(m);
            eprintln!("LIVE {r} {budget} {}", b.live());
            drop(b);
        }
    }
    assert!(ran_out > 10, "only {ran_out} inserts ran out of memory");
}

/// Runs `fill` on a `GoMap` of every Swiss release with a [`Budget`] allocator of 1, 2, ...
/// `max` blocks and `hint`, and returns the `(release, budget, blocks left)` of the runs
/// whose map, once dropped, did not give back every block.
fn swiss_out_of_memory_sweep<K: gomap::typed::GoKey, V>(
    max: usize,
    hint: usize,
    fill: impl Fn(&mut gomap::typed::GoMap<K, V>),
) -> Vec<(String, usize, usize)> {
    use gomap::typed::{GoMap, Release};
    let mut lost = Vec::new();
    for r in Release::ALL.into_iter().filter(|r| r.is_swiss()) {
        for budget in 1..max {
            let b = Budget::new(budget);
            // A hinted make may run out of memory itself.
            let _ = catch_unwind(AssertUnwindSafe(|| {
                let mut m: GoMap<K, V> = GoMap::with_capacity_for(r, hint, b.allocator());
                let _ = catch_unwind(AssertUnwindSafe(|| fill(&mut m)));
                drop(m);
            }));
            if b.live() != 0 {
                lost.push((r.to_string(), budget, b.live()));
            }
        }
    }
    lost
}

/// A Swiss map that runs out of memory anywhere (a table's groups, the second table of a
/// split, a doubled directory, the directory of a small map growing into a table, the
/// tables of a hinted make, an indirect elem after its indirect key) gives every block back
/// when dropped: each of those used to keep what it had allocated so far.
#[test]
fn swiss_out_of_memory_anywhere_loses_nothing() {
    let lost = swiss_out_of_memory_sweep::<u64, u64>(60, 0, |m| {
        for i in 0..5000u64 {
            m.insert(i, i);
        }
    });
    assert_eq!(lost, [], "u64 keys: (release, budget, blocks left)");
    let lost = swiss_out_of_memory_sweep::<[u8; 200], [u8; 300]>(120, 0, |m| {
        for i in 0..3000u64 {
            let mut k = [0u8; 200];
            k[..8].copy_from_slice(&i.to_le_bytes());
            m.insert(k, [1; 300]);
        }
    });
    assert_eq!(
        lost,
        [],
        "indirect keys and elems: (release, budget, blocks left)"
    );
    let lost = swiss_out_of_memory_sweep::<u64, u64>(12, 9000, |m| {
        m.insert(1, 1);
    });
    assert_eq!(lost, [], "hinted make: (release, budget, blocks left)");
}

/// A Swiss map type of `key` and `elem` for release `r` over a fresh [`Budget`] with no
/// limit, and an empty map of it (drop the map before the budget).
fn swiss_map_on_budget(
    key: gomap::maptype::GoType,
    elem: gomap::maptype::GoType,
    r: gomap::swiss::SwissRelease,
) -> (
    Box<Budget>,
    gomap::swiss::SwissMapType,
    Box<gomap::swiss::Map>,
) {
    let b = Budget::new(usize::MAX);
    let mt = MapType::for_types(key, elem, gomap::maptype::KeyHash::Compiled)
        .unwrap()
        .with_allocator(b.allocator());
    let t = gomap::swiss::SwissMapType::new(&mt, r);
    let m = gomap::swiss::runtime::makemap(&t, 0);
    (b, t, m)
}

/// `maps.Clone` of Swiss maps (`mapclone`: Go 1.25's `Map.Clone`, Go 1.24's clone by
/// iteration) with deleted slots (tombstones in large tables, emptied slots in a small
/// map) and indirect keys only, elems only, both or neither, running out of memory
/// anywhere (the directory, a table's header or groups, an indirect key or elem object):
/// each panics with Go's "out of memory", the source keeps every entry and its objects,
/// the clone that succeeds holds the same entries, and no block is lost or freed twice
/// (the half-made clone used to keep every block it had taken).
#[test]
fn swiss_clone_out_of_memory_with_deletes_keeps_the_source() {
    use gomap::maptype::GoType;
    use gomap::swiss::runtime::{mapaccess2, mapassign, mapclone, mapdelete, maplen};
    use gomap::swiss::SwissRelease;
    let u8s = |n| GoType::array(GoType::scalar(GoKind::Uint8), n).unwrap();
    let u64t = || GoType::scalar(GoKind::Uint64);
    let shapes = [
        (u8s(200), u64t(), 1500u64),
        (u64t(), u8s(300), 1500),
        (u8s(200), u8s(300), 1500),
        (u8s(200), u8s(300), 8),
        (u8s(200), u64t(), 7),
        (u64t(), u64t(), 3000),
    ];
    for r in SwissRelease::ALL {
        for (k, e, n) in &shapes {
            let (b, t, mut m) = swiss_map_on_budget(*k, *e, r);
            let key = |i: u64| {
                let mut v = vec![0u8; k.size()];
                v[..8].copy_from_slice(&i.to_le_bytes());
                v
            };
            // SAFETY: a live map of `t`; keys of its type; elems of at least 8 bytes.
            unsafe {
                for i in 0..*n {
                    let p = mapassign(&t, &mut *m, key(i).as_ptr());
                    p.cast::<u64>().write_unaligned(i ^ 0x5555);
                }
                for i in (0..*n).step_by(3) {
                    mapdelete(&t, &mut *m, key(i).as_ptr());
                }
            }
            let check = |m: &gomap::swiss::Map, what: &str| {
                // SAFETY: a live map of `t`.
                unsafe {
                    for i in 0..*n {
                        let (p, ok) = mapaccess2(&t, m, key(i).as_ptr());
                        assert_eq!(ok, i % 3 != 0, "{r:?} n={n} {what}: key {i}");
                        if ok {
                            assert_eq!(p.cast::<u64>().read_unaligned(), i ^ 0x5555);
                        }
                    }
                }
            };
            let live = b.live();
            let (mut budget, mut failures) = (0, 0);
            loop {
                b.left.lock().unwrap().0 = budget;
                // SAFETY: a live map of `t`, not being written.
                match catch_unwind(AssertUnwindSafe(|| unsafe { mapclone(&t, &m) })) {
                    Ok(c) => {
                        b.left.lock().unwrap().0 = usize::MAX;
                        check(&c, "clone");
                        // SAFETY: live maps.
                        assert_eq!(unsafe { maplen(&*c) }, unsafe { maplen(&*m) });
                        drop(c);
                        break;
                    }
                    Err(p) => {
                        b.left.lock().unwrap().0 = usize::MAX;
                        assert_eq!(panic_text(p), "out of memory");
                        assert_eq!(b.live(), live, "{r:?} n={n} budget {budget}");
                        if failures % 8 == 0 {
                            check(&m, "source");
                        }
                        failures += 1;
                    }
                }
                // Every budget while they are few; then a spread of them (every one is
                // quadratic in all, too slow under memcheck).
                budget += if budget < 100 { 1 } else { 1 + budget / 20 };
            }
            assert!(failures >= 2, "{r:?} n={n}: only {failures}");
            assert_eq!(b.live(), live);
            check(&m, "source at the end");
            // A clone of the clone of a map with tombstones, freed in either order.
            // SAFETY: live maps of `t`, not being written.
            let (c, c2) = unsafe {
                let c = mapclone(&t, &m);
                let c2 = mapclone(&t, &c);
                (c, c2)
            };
            drop(m);
            check(&c2, "clone of clone");
            drop(c);
            drop(c2);
            assert_eq!(b.live(), 0);
        }
    }
}
