// Tests of the safe typed wrapper `GoMap<K, V>`: Go's map tests that the safe API can
// express, drop counting (every value dropped exactly once), string-key memory (every
// owned key freed), and a differential run against `std::collections::HashMap`.

use std::alloc::Layout;
use std::collections::HashMap;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use gomap::runtime::Allocator;
use gomap::typed::{Entry, GoMap};

// ---------------------------------------------------------------------------------------
// A global allocator that counts live bytes per thread, so a test can see that everything
// it allocated (string key boxes, boxed values, buckets) was freed, while other tests run
// on other threads.

#[path = "../common/counting.rs"]
mod counting;
use counting::{live_blocks, live_bytes};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// Runs `f` and asserts it left no live bytes behind on this thread.
fn no_leaks<R>(f: impl FnOnce() -> R) -> R {
    // Process-wide state made once on first use (the hash keys, this thread's random
    // state) is not the map's: make it before counting.
    map_from([(0u8, ())]).insert(1, ());
    map_from([(String::from("warm"), ())]).insert(String::new(), ());
    let before = live_bytes();
    let r = f();
    assert_eq!(live_bytes(), before, "bytes leaked (or freed twice)");
    r
}

/// A tiny deterministic generator (splitmix64) for the differential runs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn check<K: gomap::typed::GoKey, V>(m: &GoMap<K, V>) {
    if let Err(e) = m.check() {
        panic!("{e}\n{}", m.dump());
    }
}

// ---------------------------------------------------------------------------------------
// Go's map tests, through the safe API.

#[test]
fn negative_zero() {
    let mut m: GoMap<f64, bool> = new_map();
    m.insert(0.0, true);
    m.insert(-0.0, true); // overwrites the +0 entry, and its key
    assert_eq!(m.len(), 1);
    assert!(m.keys().all(|k| k.is_sign_negative()), "wrong sign");

    let mut m: GoMap<f64, bool> = new_map();
    m.insert(-0.0, true);
    m.insert(0.0, true);
    assert_eq!(m.len(), 1);
    assert!(m.keys().all(|k| k.is_sign_positive()), "wrong sign");
}

#[test]
fn map_assignment_nan() {
    let mut m: GoMap<f64, i32> = new_map();
    for v in [1, 2, 4] {
        assert_eq!(m.insert(f64::NAN, v), None, "a NaN key never matches");
    }
    assert_eq!(m.len(), 3);
    let mut s = 0;
    for (k, v) in &m {
        assert!(k.is_nan(), "nan disappeared");
        assert_eq!(v & (v - 1), 0, "value wrong");
        s |= v;
    }
    assert_eq!(s, 7);
    assert_eq!(m.get(&f64::NAN), None);
    assert_eq!(m.remove(&f64::NAN), None);
    // retain cannot delete NaN keys by key, as in Go; clear can.
    m.retain(|_, _| false);
    assert_eq!(m.len(), 3);
    m.clear();
    assert!(m.is_empty());
    check(&m);
}

#[test]
fn grow_with_nan() {
    let mut m: GoMap<f64, i32> = map_with_capacity(4);
    m.insert(f64::NAN, 1);
    m.insert(f64::NAN, 2);
    m.insert(f64::NAN, 4);
    for i in 0..50 {
        m.insert(i as f64, i);
    }
    for i in 50..100 {
        *m.entry(i as f64).or_insert(0) += i;
    }
    let (mut cnt, mut s) = (0, 0);
    for (k, v) in &m {
        if k.is_nan() {
            cnt += 1;
            s |= v;
        }
    }
    assert_eq!((cnt, s), (3, 7), "NaN keys or values lost during grow");
    assert_eq!(m.len(), 103);
    check(&m);
}

/// Deleting during iteration (Go allows deleting any entry while ranging) on a map that
/// is in the middle of growing, so the iterator reads old buckets filtered by
/// `checkBucket` while the deletes evacuate them under it. (A Swiss map grows at once:
/// there the map is a small group, one table, or split tables.)
#[test]
fn retain_deletes_during_iteration_while_growing() {
    for n in [9i64, 27, 100, 1000] {
        let mut m: GoMap<i64, i64> = new_map();
        let mut i = 0;
        // Insert until a growth is in progress (and at least n entries).
        // SAFETY: reading the header while `m` is borrowed.
        let growing = |m: &GoMap<i64, i64>| m.raw_classic().is_none_or(|(_, h)| unsafe { (*h).growing() });
        while i < n || !growing(&m) {
            m.insert(i, i);
            i += 1;
        }
        let total = i;
        let mut seen = Vec::new();
        m.retain(|&k, v| {
            seen.push(k);
            assert_eq!(*v, k);
            k & 1 == 0
        });
        seen.sort();
        assert_eq!(
            seen,
            (0..total).collect::<Vec<_>>(),
            "each entry visited once"
        );
        assert_eq!(m.len() as i64, (total + 1) / 2);
        assert!(m.keys().all(|k| k & 1 == 0), "odd value returned");
        check(&m);
    }
}

#[test]
fn big_items() {
    // Keys and values over 128 bytes are stored behind pointers.
    let mut m: GoMap<[u8; 256], [u64; 40]> = map_with_capacity(4);
    for i in 0..100u8 {
        let mut k = [b'f'; 256];
        k[37] = i;
        let mut v = [0u64; 40];
        v[37] = i as u64;
        m.insert(k, v);
    }
    let t = m.map_type();
    assert!(t.indirectkey() && t.indirectelem());
    let mut keys: Vec<u8> = m.keys().map(|k| k[37]).collect();
    let mut vals: Vec<u64> = m.values().map(|v| v[37]).collect();
    keys.sort();
    vals.sort();
    assert_eq!(keys, (0..100).collect::<Vec<u8>>());
    assert_eq!(vals, (0..100).collect::<Vec<u64>>());
    check(&m);
}

#[test]
fn empty_key_and_value() {
    let mut a: GoMap<i64, ()> = map_with_capacity(4);
    let mut b: GoMap<[u8; 0], i32> = map_with_capacity(4);
    let mut c: GoMap<[u8; 0], ()> = map_with_capacity(4);
    a.insert(0, ());
    b.insert([], 0);
    b.insert([], 1);
    c.insert([], ());
    assert_eq!(a.len(), 1, "empty value insert problem");
    assert_eq!(b[&[]], 1, "empty key returned wrong value");
    assert_eq!(c.len(), 1);
}

#[test]
fn map_iter_order() {
    for n in [3i64, 7, 9, 15] {
        let m: GoMap<i64, bool> = map_from((0..n).map(|i| (i, true)));
        let ord = || m.keys().copied().collect::<Vec<i64>>();
        let first = ord();
        assert!(
            (0..100).any(|_| ord() != first),
            "map with n={n} elements had consistent iteration order: {first:?}"
        );
    }
}

#[test]
fn single_bucket_map_string_keys_dup_len() {
    let pairs = [
        ("x", "x1val"),
        ("xx", "x2val"),
        ("foo", "fooval"),
        ("bar", "barval"),
        ("xxxx", "x4val"),
        (
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "longval1",
        ),
        (
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy",
            "longval2",
        ),
    ];
    no_leaks(|| {
        let m: GoMap<String, &str> = map_from(pairs.iter().map(|&(k, v)| (k.to_string(), v)));
        match (m.raw_classic(), m.raw_swiss()) {
            // SAFETY: reading B while `m` is borrowed.
            (Some((_, h)), _) => assert_eq!(unsafe { (*h).B }, 0, "one bucket"),
            // SAFETY: reading dirLen while `m` is borrowed.
            (_, Some((_, sm))) => assert_eq!(unsafe { (*sm).dirLen() }, 0, "one group"),
            _ => unreachable!(),
        }
        for (k, v) in pairs {
            assert_eq!(m.get(k), Some(&v));
        }
        assert_eq!(m.get("xxxxx"), None);
    });
}

#[test]
fn increment_after_delete_key_string_value_int() {
    no_leaks(|| {
        let mut m: GoMap<String, i32> = new_map();
        let key = "a".to_string();
        m.insert(key.clone(), 1);
        m.remove(&key);
        *m.entry(key.clone()).or_default() += 1;
        assert_eq!(m[&*key], 1);
    });
}

#[test]
fn increment_after_bulk_clear_key_string_value_int() {
    no_leaks(|| {
        let mut m: GoMap<String, i32> = new_map();
        let (k1, k2) = ("a".to_string(), "b".to_string());
        m.insert(k1.clone(), 1);
        m.insert(k2.clone(), 1);
        m.clear();
        *m.entry(k1.clone()).or_default() += 1;
        assert_eq!(m[&*k1], 1);
        assert_eq!(m.get(&k2), None);
    });
}

// ---------------------------------------------------------------------------------------
// Ownership: every value dropped exactly once, every owned key freed.

/// Values that count their live instances.
fn counted(n: &Rc<()>) -> Rc<()> {
    Rc::clone(n)
}
fn live(n: &Rc<()>) -> usize {
    Rc::strong_count(n) - 1
}

#[test]
fn values_dropped_once_on_overwrite_remove_clear_and_drop() {
    let n = Rc::new(());
    no_leaks(|| {
        let mut m: GoMap<String, Rc<()>> = new_map();
        for i in 0..200 {
            m.insert(format!("k{i}"), counted(&n));
        }
        assert_eq!(live(&n), 200);
        for i in 0..200 {
            let old = m.insert(format!("k{i}"), counted(&n));
            assert!(old.is_some());
        }
        assert_eq!(
            live(&n),
            200,
            "overwrite returns the old value to be dropped"
        );
        for i in (0..200).step_by(2) {
            assert!(m.remove(&format!("k{i}")).is_some());
        }
        assert_eq!(live(&n), 100);
        check(&m);
        m.clear();
        assert_eq!(live(&n), 0);
        for i in 0..300 {
            m.insert(format!("again{i}"), counted(&n));
        }
        assert_eq!(live(&n), 300);
        drop(m);
        assert_eq!(live(&n), 0);
    });
}

#[test]
fn values_dropped_once_through_entries_retain_and_into_iter() {
    let n = Rc::new(());
    no_leaks(|| {
        let mut m: GoMap<i32, Rc<()>> = map_from((0..500).map(|i| (i, counted(&n))));
        for i in 0..100 {
            match m.entry(i) {
                Entry::Occupied(o) => drop(o.remove()),
                Entry::Vacant(_) => panic!("key {i} missing"),
            }
        }
        assert_eq!(live(&n), 400);
        for i in 0..100 {
            m.entry(i).or_insert_with(|| counted(&n));
            m.entry(i).or_insert_with(|| panic!("present"));
        }
        assert_eq!(live(&n), 500);
        m.retain(|k, _| k % 5 == 0);
        assert_eq!((m.len(), live(&n)), (100, 100));
        let c = m.clone();
        assert_eq!(live(&n), 200);
        let v: Vec<(i32, Rc<()>)> = c.into_iter().collect();
        assert_eq!((v.len(), live(&n)), (100, 200));
        drop(v);
        let mut it = m.into_iter();
        let _first = it.next();
        drop(it);
        drop(_first);
        assert_eq!(live(&n), 0);
    });
}

#[test]
fn big_and_overaligned_values_are_dropped() {
    #[derive(Clone)]
    struct Big(#[allow(dead_code)] Rc<()>, [u64; 30]); // 248 bytes: stored indirectly
    #[derive(Clone)]
    #[repr(align(32))]
    struct Aligned(#[allow(dead_code)] Rc<()>, u128); // align 32: stored as a Box
    let n = Rc::new(());
    no_leaks(|| {
        let mut big: GoMap<u64, Big> = new_map();
        let mut al: GoMap<u64, Aligned> = new_map();
        for i in 0..300u64 {
            big.insert(i, Big(counted(&n), [i; 30]));
            al.insert(i, Aligned(counted(&n), i as u128));
        }
        assert!(big.map_type().indirectelem() && !al.map_type().indirectelem());
        for i in 0..300u64 {
            assert_eq!(big[&i].1[29], i);
            let a = &al[&i];
            assert_eq!(a.1, i as u128);
            assert_eq!(a as *const Aligned as usize % 32, 0);
        }
        assert_eq!(live(&n), 600);
        for i in 0..150 {
            big.remove(&i);
            al.insert(i, Aligned(counted(&n), 0));
        }
        assert_eq!(live(&n), 450);
        drop(big);
        drop(al);
        assert_eq!(live(&n), 0);
    });
}

#[test]
fn a_panicking_drop_leaks_but_never_double_drops() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
            if self.0 {
                panic!("boom");
            }
        }
    }
    let mut m: GoMap<u32, Bomb> = new_map();
    for i in 0..50 {
        m.insert(i, Bomb(i == 7));
    }
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| m.clear()));
    assert!(r.is_err());
    assert!(m.is_empty(), "the guard cleared the map");
    check(&m);
    let dropped = DROPS.load(Ordering::SeqCst);
    assert!((1..=50).contains(&dropped));
    m.insert(1, Bomb(false));
    drop(m);
    assert_eq!(DROPS.load(Ordering::SeqCst), dropped + 1);
}

/// Removing string keys while the map grows with an old-array iterator flag set: the
/// evacuated old buckets keep stale key headers (Go leaves them to its collector), and the
/// dump prints them, so the removed keys' bytes must outlive the growth.
#[test]
fn removed_string_keys_outlive_stale_copies() {
    no_leaks(|| {
        let mut m: GoMap<String, u64> = new_map();
        for round in 0..20u64 {
            for i in 0..64 {
                m.insert(format!("r{round}k{i}"), i);
            }
            // Iterating sets the iterator flags, which stop evacuation from clearing
            // old buckets.
            assert!(m.iter().count() > 0);
            for i in 0..64 {
                if i % 3 != 0 {
                    let removed = m.remove_entry(&format!("r{round}k{i}"));
                    assert_eq!(removed, Some((format!("r{round}k{i}"), i)));
                }
                // Reads every slot, stale ones included: each string key printed must be
                // one we inserted, not freed (poisoned) memory.
                let d = m.dump();
                assert!(d.starts_with(if swiss() { "map used=" } else { "hmap count=" }));
                for key in d.split([' ', '\n']).filter_map(|t| t.split_once('=')) {
                    if let Some((_, hex)) = key.0.split_once(':') {
                        // `sL:nil`: a slot `mapdelete_faststr` cleared keeps only its
                        // length, as in Go.
                        if hex == "nil" {
                            continue;
                        }
                        let bytes: Vec<u8> = (0..hex.len())
                            .step_by(2)
                            .map(|j| u8::from_str_radix(&hex[j..j + 2], 16).unwrap())
                            .collect();
                        let s = String::from_utf8_lossy(&bytes);
                        assert!(
                            s.starts_with('r')
                                && s[1..].split('k').all(|n| n.parse::<u32>().is_ok()),
                            "stale key {s:?} read from freed memory"
                        );
                    }
                }
            }
            check(&m);
        }
    });
}

#[test]
fn custom_allocator_sees_every_block_back() {
    static ALLOCS: AtomicUsize = AtomicUsize::new(0);
    static FREES: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C-unwind" fn alloc(size: usize, align: usize, _: *mut c_void) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: size > 0 by the Allocator contract; the layout is valid.
        unsafe { std::alloc::alloc_zeroed(Layout::from_size_align(size, align).unwrap()) }
    }
    unsafe extern "C-unwind" fn free(p: *mut u8, size: usize, align: usize, _: *mut c_void) {
        FREES.fetch_add(1, Ordering::SeqCst);
        // SAFETY: `p` came from `alloc` with this layout.
        unsafe { std::alloc::dealloc(p, Layout::from_size_align(size, align).unwrap()) }
    }
    // SAFETY: the two functions meet the Allocator contract: zeroed blocks of the
    // size and alignment asked for (or null), each freed once, from any thread.
    let a = unsafe { Allocator::new(alloc, free, std::ptr::null_mut()) };
    no_leaks(|| {
        let mut m: GoMap<u64, [u8; 200]> = map_new_in(a);
        for i in 0..2000 {
            m.insert(i, [i as u8; 200]);
        }
        for i in 0..1500 {
            m.remove(&i);
        }
        let c = m.clone();
        m.clear();
        drop((m, c));
    });
    let (x, y) = (ALLOCS.load(Ordering::SeqCst), FREES.load(Ordering::SeqCst));
    assert!(x > 2000, "the allocator was used ({x})");
    assert_eq!(x, y, "every block came back");
}

// ---------------------------------------------------------------------------------------
// Differential test against std's HashMap.

fn differential<K, Q>(seed: u64, ops: usize, key_space: u64, mk: impl Fn(u64) -> K, q: Q)
where
    K: gomap::typed::GoKey + Clone + std::hash::Hash + Eq + std::fmt::Debug,
    K::Query: std::fmt::Debug,
    Q: Fn(&K) -> &K::Query,
{
    let n = Rc::new(());
    let mut rng = Rng(seed);
    let mut g: GoMap<K, (u64, Rc<()>)> = new_map();
    let mut s: HashMap<K, u64> = HashMap::new();
    for step in 0..ops {
        let k = mk(rng.below(key_space));
        match rng.below(100) {
            0..=44 => {
                let v = rng.next();
                let a = g.insert(k.clone(), (v, counted(&n))).map(|x| x.0);
                assert_eq!(a, s.insert(k, v), "insert, step {step}");
            }
            45..=69 => {
                let a = g.remove(q(&k)).map(|x| x.0);
                assert_eq!(a, s.remove(&k), "remove, step {step}");
            }
            70..=84 => assert_eq!(g.get(q(&k)).map(|x| x.0), s.get(&k).copied()),
            85..=92 => {
                let e = g.entry(k.clone()).or_insert_with(|| (7, counted(&n)));
                e.0 += 1;
                *s.entry(k).or_insert(7) += 1;
            }
            93..=97 => {
                let m = rng.below(7) + 2;
                g.retain(|_, v| v.0 % m != 0);
                s.retain(|_, v| *v % m != 0);
            }
            _ => {
                if rng.below(4) == 0 {
                    g.clear();
                    s.clear();
                }
            }
        }
        assert_eq!(g.len(), s.len(), "len, step {step}");
        assert_eq!(live(&n), s.len(), "live values, step {step}");
        if step % 97 == 0 {
            check(&g);
            let mut seen = 0;
            for (k, v) in &g {
                seen += 1;
                let owned = s.keys().find(|x| format!("{:?}", q(x)) == format!("{k:?}"));
                assert_eq!(Some(v.0), owned.and_then(|o| s.get(o)).copied());
            }
            assert_eq!(seen, s.len());
        }
    }
    check(&g);
    drop(g);
    assert_eq!(live(&n), 0);
}

#[test]
fn differential_against_std_hashmap_int_keys() {
    for seed in 0..6 {
        no_leaks(|| differential(seed, 4000, 300, |x| x as i64, |k| k));
    }
}

#[test]
fn differential_against_std_hashmap_string_keys() {
    for seed in 0..4 {
        no_leaks(|| differential(seed, 3000, 200, |x| format!("key-{x}"), |k| k.as_str()));
    }
}

#[test]
fn differential_against_std_hashmap_byte_array_keys() {
    no_leaks(|| differential(9, 3000, 150, |x| [x as u8, (x >> 8) as u8, 1], |k| k));
}

// ---------------------------------------------------------------------------------------
// Threads.

#[test]
fn send_and_sync_follow_the_contents() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<GoMap<String, Vec<u8>>>();
    sync::<GoMap<String, Vec<u8>>>();
    send::<GoMap<u8, std::sync::Mutex<u8>>>();
    // GoMap<u8, Rc<()>> is neither (checked by the compiler: it would not build here).
}

/// Go's TestConcurrentReadsAfterGrowth: readers and iterators from several threads on a
/// map that has grown (and may still be growing).
#[test]
fn concurrent_reads_after_growth() {
    for n in [10i64, 100, 1000, 5000] {
        let m: GoMap<i64, i64> = map_from((0..n).map(|i| (i, i * 2)));
        std::thread::scope(|s| {
            for t in 0..4 {
                let m = &m;
                s.spawn(move || {
                    for i in 0..n {
                        assert_eq!(m.get(&((i + t) % n)), Some(&(((i + t) % n) * 2)));
                    }
                    assert_eq!(m.iter().count() as i64, n);
                });
            }
        });
        check(&m);
    }
}

#[test]
fn debug_clone_eq_and_from() {
    let m = map_from([(1u8, "a")]);
    assert_eq!(format!("{m:?}"), r#"{1: "a"}"#);
    let c = m.clone();
    assert_eq!(c, m);
    let mut d = c.clone();
    d.insert(2, "b");
    assert_ne!(d, m);
    let s: GoMap<String, u8> = map_from([("k".to_string(), 1)]);
    assert_eq!(format!("{s:?}"), r#"{"k": 1}"#);
}

// The classic map's bytes; tests/typed_swiss_dump.rs does the same for the Swiss map.
classic_only! {
/// Applies the same inserts and deletes to a `GoMap<K, i64>` and, through the entry points
/// that make Go's compiler's choice (`map_assign`/`map_delete`, on a copy of its
/// descriptor and seed), to a raw map; the dumps must agree after every step, so `GoMap`
/// calls the functions Go's compiler calls for `map[K]int64` (for string keys
/// `mapdelete_faststr`, which keeps the deleted key's length).
fn same_bytes_as_compiled_calls<K: gomap::typed::GoKey + Clone>(
    keys: &[K],
    raw_key: impl Fn(&K) -> Vec<u8>,
    remove: impl Fn(&mut GoMap<K, i64>, &K) -> Option<i64>,
) {
    use gomap::runtime::{dump_string, makemap, map_assign, map_delete, mapfree};
    let mut m: GoMap<K, i64> = new_map();
    m.insert(keys[0].clone(), -1);
    let t = *m.raw().0;
    // SAFETY: a fresh map of type `t`, freed below; its seed is set before any use.
    let h = unsafe { makemap(&t, 0, std::ptr::null_mut()) };
    // SAFETY: both maps are live; no other user.
    unsafe { (*h).hash0 = (*m.raw().1).hash0 };
    let raw_keys: Vec<Vec<u8>> = keys.iter().map(&raw_key).collect();
    let assign = |i: usize, v: i64| {
        // SAFETY: `h` is live of type `t`; the key bytes (a string's header pointing into
        // `raw_keys`'s strings, alive to the end) are a key of `t`.
        unsafe { *map_assign(&t, h, raw_keys[i].as_ptr()).cast::<i64>() = v };
    };
    assign(0, -1);
    let step = |m: &GoMap<K, i64>, what: &str| {
        // SAFETY: both maps are live and read only.
        let (a, b) = unsafe { (dump_string(m.raw().0, m.raw().1), dump_string(&t, h)) };
        assert_eq!(a, b, "{what}");
    };
    for (i, k) in keys.iter().enumerate().skip(1) {
        m.insert(k.clone(), i as i64);
        assign(i, i as i64);
        step(&m, "insert");
    }
    // Delete two keys in three, keeping the first (so the seed is never re-drawn).
    for (i, k) in keys.iter().enumerate().skip(1) {
        if i % 3 != 0 {
            assert_eq!(remove(&mut m, k), Some(i as i64));
            // SAFETY: as for `assign`.
            unsafe { map_delete(&t, h, raw_keys[i].as_ptr()) };
            step(&m, "delete");
        }
    }
    for (i, k) in keys.iter().enumerate().skip(1).step_by(4) {
        m.insert(k.clone(), 7);
        assign(i, 7);
        step(&m, "reinsert");
    }
    // SAFETY: the raw map is ours and no longer used.
    unsafe { mapfree(&t, h) };
}

#[test]
fn typed_bytes_equal_compiled_calls() {
    let n = 300;
    let le = |b: &[u8]| b.to_vec();
    same_bytes_as_compiled_calls(
        &(0..n).map(|i| i as i32 * 7).collect::<Vec<_>>(),
        |k| le(&k.to_le_bytes()),
        |m, k| m.remove(k),
    );
    same_bytes_as_compiled_calls(
        &(0..n).map(|i| i as i64 * -11).collect::<Vec<_>>(),
        |k| le(&k.to_le_bytes()),
        |m, k| m.remove(k),
    );
    same_bytes_as_compiled_calls(
        &(0..n).map(|i| (i as u64) << 40).collect::<Vec<_>>(),
        |k| le(&k.to_le_bytes()),
        |m, k| m.remove_entry(k).map(|(_, v)| v),
    );
    same_bytes_as_compiled_calls(
        &(0..n).map(|i| i as f64 / 3.0).collect::<Vec<_>>(),
        |k| le(&k.to_le_bytes()),
        |m, k| m.remove(k),
    );
    // String keys: the raw map's headers point at these strings, which outlive it.
    let strings: Vec<String> = (0..n)
        .map(|i| format!("key-{i}-{}", "x".repeat(i % 9)))
        .collect();
    same_bytes_as_compiled_calls(
        &strings,
        |k| {
            let g = gomap::maptype::GoString::from_bytes(k.as_bytes());
            let mut v = (g.ptr as usize).to_le_bytes().to_vec();
            v.extend_from_slice(&g.len.to_le_bytes());
            v
        },
        |m, k| m.remove(k.as_str()),
    );
}
}


// ---------------------------------------------------------------------------------------
// Go's key update (`needkeyupdate`) for the owning keys `String` and `GoDyn`: the stored
// key becomes the new one, and the old one is freed exactly once.

/// Runs `f` three times and checks that the third run leaves as many live blocks as it
/// found: the first runs make what is made once per process (interned type descriptors,
/// the panic machinery's state). Blocks, not bytes: the test harness's buffer of captured
/// output grows (a `realloc`) with each panic message.
fn no_leaks_warmed_up(f: impl Fn()) {
    f();
    f();
    let before = live_blocks();
    f();
    assert_eq!(live_blocks(), before, "blocks leaked (or freed twice)");
}

/// The stored key of the entry equal to `q`, as the address of its bytes (for a `String`,
/// where the stored header points).
fn stored_str_ptr<V>(m: &GoMap<String, V>, q: &str) -> *const u8 {
    m.get_key_value(q).expect("present").0.as_ptr()
}

/// A `String` whose boxed bytes keep its buffer (length equal to capacity), so the map
/// stores a header pointing at the same bytes.
fn exact_string(s: &str) -> (String, *const u8) {
    let s = String::from(s).into_boxed_str().into_string();
    let p = s.as_ptr();
    (s, p)
}

#[test]
fn string_keys_take_the_new_keys_bytes_on_overwrite() {
    fn run<V: Clone + PartialEq + std::fmt::Debug>(a: V, b: V) {
        let mut m: GoMap<String, V> = new_map();
        for i in 0..100 {
            m.insert(format!("other-{i}"), a.clone());
        }
        let (k1, p1) = exact_string("gopher");
        m.insert(k1, a.clone());
        assert_eq!(stored_str_ptr(&m, "gopher"), p1);
        let (k2, p2) = exact_string("gopher");
        assert_ne!(p1, p2);
        assert_eq!(m.insert(k2, b.clone()), Some(a.clone()));
        assert_eq!(
            stored_str_ptr(&m, "gopher"),
            p2,
            "the stored header points at the new key's bytes, as Go's mapassign leaves it"
        );
        assert_eq!((m.len(), m.get("gopher")), (101, Some(&b)));
        // The empty string too (a header of length 0).
        m.insert(String::new(), a.clone());
        assert_eq!(m.insert(String::new(), b.clone()), Some(a.clone()));
        // Overwriting the same key many times frees each replaced key: the map's memory
        // stays as it was after the first overwrite.
        m.insert("many".to_string(), a.clone());
        m.insert("many".to_string(), a.clone());
        let before = live_bytes();
        for _ in 0..1000 {
            m.insert("many".to_string(), b.clone());
        }
        assert_eq!(live_bytes(), before, "replaced keys are freed at once");
        check(&m);
    }
    no_leaks_warmed_up(|| {
        // `mapassign_faststr`, and `mapassign` when the elem is over 128 bytes.
        run(1u8, 2u8);
        run([1u8; 200], [2u8; 200]);
    });
}

// The classic map's bytes beside a raw map's (the Swiss engine's: tests/typed_swiss_dump.rs).
classic_only! {
/// Applies the same inserts to a `GoMap<GoDyn, i64>` and, through `map_assign` with the
/// same interface words (borrowed from `keys`, which outlive it), to a raw map of the same
/// descriptor and seed; after every step the dumps must be equal (an overwrite prints the
/// new key's bytes, `+0` after `-0`). `iterate_at` runs an iteration on both after that
/// many inserts, so that a later growth keeps stale copies of old buckets.
fn dyn_same_bytes_as_mapassign(keys: &[gomap::typed::keys::GoDyn], iterate_at: Option<usize>) {
    use gomap::runtime::{dump_string, makemap, map_assign, mapfree, mapiterinit, Hiter};
    let mut m: GoMap<gomap::typed::keys::GoDyn, i64> = new_map();
    let t = *m.raw().0;
    assert!(t.needkeyupdate());
    // SAFETY: a fresh map of type `t`, freed below; its seed is set before any use.
    let h = unsafe { makemap(&t, 0, std::ptr::null_mut()) };
    // SAFETY: both maps are live; no other user.
    unsafe { (*h).hash0 = (*m.raw().1).hash0 };
    for (i, k) in keys.iter().enumerate() {
        let v = i as i64;
        m.insert(k.clone(), v);
        // SAFETY: `h` is live of type `t`; a GoDyn is Go's eface, whose value `keys`
        // keeps alive to the end.
        unsafe {
            *map_assign(&t, h, (k as *const gomap::typed::keys::GoDyn).cast()).cast::<i64>() = v
        };
        // SAFETY: both maps are live and read only.
        let (a, b) = unsafe { (dump_string(m.raw().0, m.raw().1), dump_string(&t, h)) };
        assert_eq!(a, b, "after inserting key {i} ({k:?})");
        assert!(!a.contains("dddddddd"), "a dump read freed bytes:\n{a}");
        if iterate_at == Some(i) {
            assert!(m.iter().count() > 0);
            let mut it = Hiter::new();
            // SAFETY: `h` is live of type `t`; the iterator is dropped at once.
            unsafe { mapiterinit(&t, h, &mut it) };
            drop(it);
        }
    }
    check(&m);
    // SAFETY: the raw map is ours and no longer used.
    unsafe { mapfree(&t, h) };
}

#[test]
fn interface_keys_are_updated_on_overwrite_as_go_does() {
    use gomap::typed::keys::GoDyn;
    no_leaks_warmed_up(|| {
        let neg = |x: f64| GoDyn::new(-x);
        let tup = |x: f64, s: &str| GoDyn::tuple(vec![GoDyn::new(x), GoDyn::string(s)]);
        // -0 then +0: Go stores the second key (`f64:0000000000000000`).
        let mut keys = vec![GoDyn::new(-0.0f64), GoDyn::new(1i64), GoDyn::new(0.0f64)];
        // Floats inside tuples and arrays, strings whose bytes move.
        keys.extend([
            tup(-0.0, "a"),
            tup(0.0, "a"),
            GoDyn::new([-0.0f32, 0.0]),
            GoDyn::new([0.0f32, -0.0]),
            GoDyn::string("s"),
            GoDyn::string("s"),
            neg(0.0),
        ]);
        dyn_same_bytes_as_mapassign(&keys, None);

        // Through a growth whose evacuated old buckets keep stale copies (an iteration
        // before it): the replaced keys stay readable until the growth is over.
        let n = 13 << 3 >> 1; // 6.5 * 2^3: the most entries that do not grow
        let mut keys: Vec<GoDyn> = (0..n).map(|i| tup(-(i as f64), "k")).collect();
        keys.extend((0..n).map(|i| tup(i as f64, "k")));
        keys.extend((0..n).map(|i| GoDyn::new(i as i64)));
        keys.extend((0..n).map(|i| tup(-(i as f64), "k")));
        dyn_same_bytes_as_mapassign(&keys, Some(n - 1));
    });
}
}

/// The stored interface value after an overwrite is the new one, and every replaced
/// value is freed once, also when the overwrite happens while the map grows.
#[test]
fn interface_key_updates_free_each_replaced_key_once() {
    use gomap::typed::keys::GoDyn;
    no_leaks_warmed_up(|| {
        let mut m: GoMap<GoDyn, u32> = new_map();
        m.insert(GoDyn::string("k"), 0);
        m.insert(GoDyn::string("k"), 0);
        let before = live_bytes();
        for i in 0..1000 {
            assert_eq!(m.insert(GoDyn::string("k"), i + 1), Some(i));
        }
        assert_eq!(live_bytes(), before, "replaced keys are freed at once");
        // A stored key's address is the new key's: moving the new value in.
        let k = GoDyn::tuple(vec![GoDyn::string("x")]);
        let words = |d: &GoDyn| {
            // SAFETY: a GoDyn is two words (Go's eface).
            unsafe { std::ptr::read((d as *const GoDyn).cast::<[usize; 2]>()) }
        };
        m.insert(k.clone(), 1);
        let w = words(&k);
        m.insert(k, 2);
        assert_eq!(
            words(
                m.get_key_value(&GoDyn::tuple(vec![GoDyn::string("x")]))
                    .unwrap()
                    .0
            ),
            w
        );

        // Overwrites during growth, with stale copies kept by an iteration.
        let n = 13 << 4 >> 1;
        let mut g: GoMap<GoDyn, usize> = map_with_capacity(n);
        for i in 0..n {
            g.insert(GoDyn::string(&format!("key-{i}")), i);
        }
        drop(g.iter());
        g.insert(GoDyn::nil(), 0);
        for i in (0..n).step_by(2) {
            assert_eq!(g.insert(GoDyn::string(&format!("key-{i}")), i + 1), Some(i));
            let d = g.dump();
            assert!(!d.contains("dddddddd"), "{d}");
        }
        check(&g);
        let mut i = 0;
        // SAFETY: reading the header of a live classic map (the Swiss map does not grow
        // incrementally).
        while !swiss() && unsafe { (*g.raw().1).growing() } {
            g.insert(GoDyn::new(i as u64), 0);
            i += 1;
        }
        assert_eq!(g[&GoDyn::string("key-10")], 11);
        check(&g);
    });
}

/// Panics around an overwrite: an unhashable key panics before the map changes (Go's
/// words), and a replaced value whose `Drop` panics leaves the new key and value stored.
#[test]
fn interface_key_update_panics_leave_a_sound_map() {
    use gomap::typed::keys::GoDyn;
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.0 {
                panic!("value drop panics");
            }
        }
    }
    no_leaks_warmed_up(|| {
        let sl = GoDyn::uncomparable(gomap::maptype::GoType::slice(gomap::maptype::GoType::any()))
            .unwrap();
        let mut m: GoMap<GoDyn, Bomb> = new_map();
        m.insert(GoDyn::string("a"), Bomb(true));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            m.insert(
                GoDyn::tuple(vec![GoDyn::string("a"), sl.clone()]),
                Bomb(false),
            );
        }));
        let e = r.expect_err("no panic");
        assert_eq!(
            e.downcast_ref::<String>().map(String::as_str),
            Some("runtime error: hash of unhashable type []interface {}")
        );
        assert_eq!(m.len(), 1);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            drop(m.insert(GoDyn::string("a"), Bomb(false)));
        }));
        assert!(r.is_err(), "the replaced value's drop panicked");
        assert_eq!(m.len(), 1);
        assert!(!m[&GoDyn::string("a")].0);
        check(&m);
        drop(sl);
    });
}
