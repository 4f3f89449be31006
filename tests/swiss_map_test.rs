//! Go's `internal/runtime/maps` tests (`map_test.go`, go1.27), ported to the Swiss engine,
//! plus model tests with `check` after every step and a counting allocator.

use std::collections::HashMap;
use std::sync::atomic::{AtomicIsize, Ordering};

use gomap::export_test::runtime::malloc::Allocator;
use gomap::export_test::swiss::check::check;
use gomap::export_test::swiss::header::{set_tombstone_possible, set_used};
use gomap::export_test::swiss::map::{mapfree, Map};
use gomap::export_test::swiss::table::MAX_TABLE_CAPACITY;
use gomap::maptype::{GoKind, MapType};
use gomap::swiss::runtime::{
    makemap, makemap64, mapassign_compiled, mapclear, mapclone, mapdelete,
};
use gomap::swiss::{Iter, SwissMapType, SwissRelease};

fn typ(k: GoKind, e: GoKind, r: SwissRelease) -> SwissMapType {
    SwissMapType::new(&MapType::for_go_types(k, e).unwrap(), r)
}

/// Go's `NewTestMap[uint32, uint64](hint)`.
fn new_test_map(hint: isize) -> (Box<Map>, SwissMapType) {
    let t = typ(GoKind::Uint32, GoKind::Uint64, SwissRelease::Go1_27);
    (makemap(&t, hint), t)
}

fn put<K: Copy, E: Copy>(m: &mut Map, t: &SwissMapType, k: K, e: E) {
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { m.Put(t, (&k as *const K).cast(), (&e as *const E).cast()) }
}

fn get<K: Copy, E: Copy>(m: &Map, t: &SwissMapType, k: K) -> Option<E> {
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe {
        m.Get(t, (&k as *const K).cast())
            .map(|p| (p as *const E).read_unaligned())
    }
}

fn del<K: Copy>(m: &mut Map, t: &SwissMapType, k: K) {
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { m.Delete(t, (&k as *const K).cast()) }
}

/// Go's `TableCount`: distinct tables in the directory.
fn table_count(m: &Map) -> usize {
    let mut n = 0;
    let mut last = std::ptr::null_mut();
    for i in 0..m.dirLen().max(0) as usize {
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        let t = unsafe { m.directoryAt(i) };
        if t != last {
            n += 1;
            last = t;
        }
    }
    n
}

/// Go's `GroupCount`.
fn group_count(m: &Map) -> u64 {
    if m.dirLen() <= 0 {
        return if m.dirPtr().is_null() { 0 } else { 1 };
    }
    let mut n = 0;
    let mut last = std::ptr::null_mut();
    for i in 0..m.dirLen() as usize {
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        let t = unsafe { m.directoryAt(i) };
        if t != last {
            // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
            n += unsafe { (*t).groups.lengthMask } + 1;
            last = t;
        }
    }
    n
}

fn checked(t: &SwissMapType, m: &Map) {
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    if let Err(e) = unsafe { check(t, m) } {
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        panic!("{e}\n{}", unsafe { gomap::swiss::dump(t, m) });
    }
}

#[test]
fn ctrl_size() {
    // TestCtrlSize: a control word is 8 bytes, one per slot.
    assert_eq!(
        std::mem::size_of::<u64>(),
        gomap::export_test::swiss::group::MAP_GROUP_SLOTS
    );
}

#[test]
fn map_put() {
    let (mut m, t) = new_test_map(8);
    for i in 1..=31u32 {
        put(&mut m, &t, i, 256 + i as u64);
    }
    assert_eq!(m.Used(), 31);
    for i in 1..=31u32 {
        assert_eq!(get::<u32, u64>(&m, &t, i), Some(256 + i as u64));
    }
    checked(&t, &m);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn small_map_grow() {
    for r in SwissRelease::ALL {
        let t = typ(GoKind::Uint32, GoKind::Uint64, r);
        let mut m = makemap(&t, 8);
        for i in 1..=8u32 {
            put(&mut m, &t, i, 256 + i as u64);
        }
        assert_eq!(table_count(&m), 0);
        for i in 1..=8u32 {
            put(&mut m, &t, i, 266 + i as u64);
        }
        // Go 1.27 overwrites in the full group; 1.24 to 1.26 grow to a table first.
        let want = if r >= SwissRelease::Go1_27 { 0 } else { 1 };
        assert_eq!(table_count(&m), want, "{r}");
        put(&mut m, &t, 9u32, 300u64);
        assert_eq!(table_count(&m), 1);
        checked(&t, &m);
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe { mapfree(&t, m) };
    }
}

#[test]
fn map_split() {
    let (mut m, t) = new_test_map(0);
    let n = 2 * MAX_TABLE_CAPACITY as u32;
    for i in 1..=n {
        put(&mut m, &t, i, 256 + i as u64);
    }
    assert_eq!(m.Used(), n as u64);
    for i in 1..=n {
        assert_eq!(get::<u32, u64>(&m, &t, i), Some(256 + i as u64));
    }
    assert!(table_count(&m) > 1);
    checked(&t, &m);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn map_delete() {
    let (mut m, t) = new_test_map(32);
    for i in 1..=31u32 {
        put(&mut m, &t, i, 256 + i as u64);
    }
    for i in 1..=31u32 {
        del(&mut m, &t, i);
    }
    assert_eq!(m.Used(), 0);
    for i in 1..=31u32 {
        assert_eq!(get::<u32, u64>(&m, &t, i), None);
    }
    checked(&t, &m);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn table_clear() {
    let (mut m, t) = new_test_map(32);
    for i in 1..=31u32 {
        put(&mut m, &t, i, 256 + i as u64);
    }
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { m.Clear(&t) };
    assert_eq!(m.Used(), 0);
    for i in 1..=31u32 {
        assert_eq!(get::<u32, u64>(&m, &t, i), None);
    }
    checked(&t, &m);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn table_key_update() {
    // +0.0 and -0.0 compare equal, but overwriting must update the key slot.
    let t = typ(GoKind::Float64, GoKind::Uint64, SwissRelease::Go1_27);
    let mut m = makemap(&t, 8);
    put(&mut m, &t, 0.0f64, 0u64);
    put(&mut m, &t, -0.0f64, 1u64);
    assert_eq!(m.Used(), 1);
    let mut it = Iter::new();
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe {
        it.Init(&t, &mut *m);
        it.Next();
        assert!(!it.Key().is_null());
        let k = *(it.Key() as *const f64);
        let e = *(it.Elem() as *const u64);
        assert!(k.is_sign_negative(), "map key {k} has positive sign");
        assert_eq!(e, 1);
    }
    drop(it);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

fn iterate(
    t: &SwissMapType,
    m: &mut Map,
    mut body: impl FnMut(&mut Map, u32, u64),
) -> HashMap<u32, u64> {
    let mut got = HashMap::new();
    let mut it = Iter::new();
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe {
        it.Init(t, m);
        loop {
            it.Next();
            if it.Key().is_null() {
                break;
            }
            let k = *(it.Key() as *const u32);
            let e = *(it.Elem() as *const u64);
            assert!(got.insert(k, e).is_none(), "key {k} returned twice");
            body(&mut *(m as *mut Map), k, e);
        }
    }
    got
}

#[test]
fn table_iteration() {
    let (mut m, t) = new_test_map(8);
    for i in 1..=31u32 {
        put(&mut m, &t, i, 256 + i as u64);
    }
    let got = iterate(&t, &mut m, |_, _, _| {});
    assert_eq!(got.len(), 31);
    for i in 1..=31u32 {
        assert_eq!(got[&i], 256 + i as u64);
    }
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn table_iteration_delete() {
    let (mut m, t) = new_test_map(8);
    for i in 1..=31u32 {
        put(&mut m, &t, i, 256 + i as u64);
    }
    let t2 = t;
    let mut first = true;
    let mut deleted = 1u32;
    let got = iterate(&t, &mut m, |m, k, _| {
        if first {
            first = false;
            if k == deleted {
                deleted += 1;
            }
            del(m, &t2, deleted);
        }
    });
    assert_eq!(got.len(), 30);
    assert!(!got.contains_key(&deleted));
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn table_iteration_grow_delete() {
    // Deleted keys stay invisible to iteration after the map grows (and splits).
    for r in SwissRelease::ALL {
        let t = typ(GoKind::Uint32, GoKind::Uint64, r);
        let mut m = makemap(&t, 8);
        for i in 1..=31u32 {
            put(&mut m, &t, i, 256 + i as u64);
        }
        let mut first = true;
        let mut deleted = 1u32;
        let got = iterate(&t, &mut m, |m, k, _| {
            if first {
                first = false;
                if k == deleted {
                    deleted += 1;
                }
                // Grow through several doublings and a split, then delete.
                for i in 100..3000u32 {
                    put(m, &t, i, i as u64);
                }
                del(m, &t, deleted);
            }
        });
        assert!(!got.contains_key(&deleted));
        for i in 1..=31u32 {
            if i != deleted {
                assert_eq!(got.get(&i), Some(&(256 + i as u64)), "{r}: key {i}");
            }
        }
        checked(&t, &m);
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe { mapfree(&t, m) };
    }
}

#[test]
fn table_iteration_grow_duplicate() {
    // Growing halfway through iteration must not repeat keys: a small grow (table
    // doubling) and a large one (split).
    for grow in [32u32, 2 * MAX_TABLE_CAPACITY as u32] {
        let (mut m, t) = new_test_map(8);
        for i in 1..=31u32 {
            put(&mut m, &t, i, 256 + i as u64);
        }
        let mut i = 0;
        let got = iterate(&t, &mut m, |m, k, e| {
            assert_eq!(e, 256 + k as u64, "key {k}");
            if i == 16 {
                for j in 33..33 + grow {
                    put(m, &t, j, 256 + j as u64);
                }
            }
            i += 1;
        });
        assert!(got.len() >= 31);
        checked(&t, &m);
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe { mapfree(&t, m) };
    }
}

#[test]
fn align_up_pow2() {
    use gomap::export_test::swiss::group::alignUpPow2;
    assert_eq!(alignUpPow2(0), (0, false));
    assert_eq!(alignUpPow2(3), (4, false));
    assert_eq!(alignUpPow2(4), (4, false));
    assert_eq!(alignUpPow2(1 << 63), (1 << 63, false));
    assert_eq!(alignUpPow2((1 << 63) - 1), (1 << 63, false));
    assert!(alignUpPow2((1 << 63) + 1).1);
}

#[test]
fn map_zero_size_slot() {
    // A map with a zero-size slot is safe to use, and its elem pointer lies inside the
    // groups allocation (in both group layouts).
    for r in [SwissRelease::Go1_27, SwissRelease::Go1_27SplitGroup] {
        map_zero_size_slot_on(r);
    }
}

fn map_zero_size_slot_on(r: SwissRelease) {
    let t = typ(GoKind::EmptyStruct, GoKind::EmptyStruct, r);
    assert_eq!(t.GroupSize(), 16);
    let mut m = makemap(&t, 16);
    put(&mut m, &t, (), ());
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe {
        let got = m.Get(&t, [0u8; 0].as_ptr()).expect("present");
        let tab = m.directoryAt(0);
        let start = (*tab).groups.data as usize;
        let end = start + ((*tab).groups.lengthMask as usize + 1) * t.GroupSize() - 1;
        assert!(
            (start..=end).contains(&(got as usize)),
            "elem outside the groups"
        );
    }
    checked(&t, &m);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn map_indirect() {
    // Keys and elems of 256 bytes are stored indirectly (in both group layouts).
    for r in [SwissRelease::Go1_27, SwissRelease::Go1_27SplitGroup] {
        map_indirect_on(r);
    }
}

fn map_indirect_on(r: SwissRelease) {
    let t = typ(GoKind::Bytes(256), GoKind::Bytes(256), r);
    assert!(t.IndirectKey() && t.IndirectElem());
    let mut m = makemap(&t, 8);
    let (mut key, mut elem) = ([0u8; 256], [0u8; 256]);
    elem[0] = 128;
    for _ in 0..31 {
        key[0] += 1;
        elem[0] += 1;
        put(&mut m, &t, key, elem);
    }
    assert_eq!(m.Used(), 31);
    let (mut key, mut elem) = ([0u8; 256], [0u8; 256]);
    elem[0] = 128;
    for _ in 0..31 {
        key[0] += 1;
        elem[0] += 1;
        assert_eq!(get::<[u8; 256], [u8; 256]>(&m, &t, key), Some(elem));
    }
    checked(&t, &m);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn map_delete_clear() {
    // Delete clears the elem (Go issue 25936: compound assignments rely on it).
    let t = typ(GoKind::Int64, GoKind::Int64, SwissRelease::Go1_27);
    let mut m = makemap(&t, 8);
    put(&mut m, &t, 0i64, 128i64);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe {
        let got = m.Get(&t, (&0i64 as *const i64).cast()).expect("present");
        assert_eq!(*(got as *const i64), 128);
        del(&mut m, &t, 0i64);
        assert_eq!(
            *(got as *const i64),
            0,
            "Delete failed to clear the element"
        );
        mapfree(&t, m);
    }
}

#[test]
fn delete_then_clear_drops_tombstones() {
    // After deletes leave tombstones, Clear empties the tables and (1.25+) resets
    // tombstonePossible; the map stays usable.
    for r in SwissRelease::ALL {
        let t = typ(GoKind::Int64, GoKind::Int64, r);
        let mut m = makemap(&t, 0);
        for i in 0..100i64 {
            put(&mut m, &t, i, i);
        }
        for i in 0..50i64 {
            del(&mut m, &t, i);
        }
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe { m.Clear(&t) };
        assert_eq!(m.Used(), 0);
        if r.has_tombstone_pruning() {
            assert!(!m.tombstonePossible());
        }
        checked(&t, &m);
        put(&mut m, &t, 7i64, 7i64);
        assert_eq!(get::<i64, i64>(&m, &t, 7), Some(7));
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe { mapfree(&t, m) };
    }
}

#[test]
fn table_put_delete() {
    // Put reuses the first deleted slot it meets instead of consuming an empty one.
    let t = typ(GoKind::Uint32, GoKind::Uint32, SwissRelease::Go1_27);
    let mut m = makemap(&t, 16);
    let mut key = 0u32;
    // Fill until some group is full (only a full group gets a tombstone on delete).
    let full_key = loop {
        key += 1;
        put(&mut m, &t, key, 256 + key);
        if let Some(k) = key_from_full_group(&t, &m) {
            break k;
        }
    };
    del(&mut m, &t, full_key);
    let (tab_want, gl_want) = table_for(&t, &m, full_key);
    put(&mut m, &t, full_key, 256 + full_key);
    let (tab_got, gl_got) = table_for(&t, &m, full_key);
    assert_eq!(tab_got, tab_want, "Put grew the table");
    assert_eq!(gl_got, gl_want, "growthLeft changed");
    checked(&t, &m);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

/// Go's `KeyFromFullGroup`: a key of a group with no empty or deleted slot.
fn key_from_full_group(t: &SwissMapType, m: &Map) -> Option<u32> {
    for i in 0..m.dirLen().max(0) as usize {
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe {
            let tab = m.directoryAt(i);
            for gi in 0..=(*tab).groups.lengthMask {
                let g = (*tab).groups.group(t, gi);
                if g.ctrls().matchEmptyOrDeleted().is_empty() {
                    return Some(*(g.key(t, 0) as *const u32));
                }
            }
        }
    }
    None
}

/// Go's `TableFor` and the table's `growthLeft`.
fn table_for(t: &SwissMapType, m: &Map, k: u32) -> (usize, u16) {
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe {
        let hash = t.Hasher((&k as *const u32).cast(), m.seed);
        let tab = m.directoryAt(m.directoryIndex(hash));
        (tab as usize, (*tab).growthLeft)
    }
}

#[test]
fn nan_keys_iterate_across_growth() {
    // NaN keys are never found by lookup; iteration over a grown table must still return
    // each of them once (from the old table), and never after a clear.
    for r in SwissRelease::ALL {
        let t = typ(GoKind::Float64, GoKind::Int64, r);
        let mut m = makemap(&t, 0);
        for i in 0..20i64 {
            put(&mut m, &t, f64::NAN, i);
            put(&mut m, &t, i as f64, i);
        }
        assert_eq!(m.Used(), 40);
        checked(&t, &m);
        let mut seen = 0;
        let mut nans = 0;
        let mut it = Iter::new();
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe {
            it.Init(&t, &mut *m);
            loop {
                it.Next();
                if it.Key().is_null() {
                    break;
                }
                if (*(it.Key() as *const f64)).is_nan() {
                    nans += 1;
                }
                if seen == 3 {
                    for i in 100..3000i64 {
                        put(&mut m, &t, i as f64, i);
                    }
                }
                seen += 1;
            }
        }
        drop(it);
        assert_eq!(nans, 20, "{r}");
        // NaN keys cannot be deleted, only cleared.
        del(&mut m, &t, f64::NAN);
        assert!(m.Used() >= 40 + 2900);
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe {
            m.Clear(&t);
            mapfree(&t, m);
        }
    }
}

#[test]
fn concurrent_write_is_detected() {
    // A write that finds `writing` set panics with Go's words.
    let t = typ(GoKind::Int64, GoKind::Int64, SwissRelease::Go1_27);
    let mut m = makemap(&t, 0);
    put(&mut m, &t, 1i64, 1i64);
    m.toggle_writing();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| put(&mut m, &t, 2i64, 2i64)));
    let msg = r.unwrap_err();
    assert_eq!(
        msg.downcast_ref::<String>().map(String::as_str),
        Some("concurrent map writes")
    );
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| get::<i64, i64>(&m, &t, 1)));
    let msg = r.unwrap_err();
    assert_eq!(
        msg.downcast_ref::<String>().map(String::as_str),
        Some("concurrent map read and map write")
    );
    m.toggle_writing();
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    let r = std::panic::catch_unwind(|| unsafe {
        gomap::swiss::runtime::mapassign(&t, std::ptr::null_mut(), (&1i64 as *const i64).cast())
    });
    assert_eq!(
        r.unwrap_err().downcast_ref::<String>().map(String::as_str),
        Some("assignment to entry in nil map")
    );
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { mapfree(&t, m) };
}

#[test]
fn table_group_count() {
    const BELOW_MAX: isize = 8 * 3 / 2; // 1.5 groups at max load: 2 groups at 75%
    const AT_MAX: isize = 2 * 8 * 7 / 8;
    /// (tables, groups)
    type Count = (usize, u64);
    let cases: &[(isize, Count, Count)] = &[
        (-(1 << 30), (0, 0), (0, 0)),
        (-1, (0, 0), (0, 0)),
        (0, (0, 0), (0, 0)),
        (1, (0, 0), (0, 1)),
        (8, (0, 0), (0, 1)),
        (9, (1, 2), (1, 2)),
        (BELOW_MAX, (1, 2), (1, 2)),
        (AT_MAX, (1, 2), (1, 2)),
        (AT_MAX + 1, (1, 4), (1, 4)),
        (2 * BELOW_MAX, (1, 4), (1, 4)),
        (2 * AT_MAX + 1, (1, 8), (1, 8)),
    ];
    let t = typ(GoKind::Int, GoKind::Int, SwissRelease::Go1_27);
    for &(n, hinted, after) in cases {
        for (name, hint) in [("nohint", 0isize), ("makemap", n)] {
            let mut m = if name == "makemap" {
                makemap64(&t, hint as i64)
            } else {
                makemap(&t, 0)
            };
            let initial = if name == "makemap" { hinted } else { (0, 0) };
            assert_eq!(
                (table_count(&m), group_count(&m)),
                initial,
                "{name} n={n} initial"
            );
            for i in 0..n.max(0) as i64 {
                // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
                unsafe {
                    *(mapassign_compiled(&t, &mut *m, (&i as *const i64).cast()) as *mut i64) = i
                };
            }
            assert_eq!(
                (table_count(&m), group_count(&m)),
                after,
                "{name} n={n} after"
            );
            // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
            unsafe { mapfree(&t, m) };
        }
    }
}

#[test]
fn tombstone_grow() {
    // Deleting a key and adding a new one at constant size must not grow the table
    // without bound: pruning keeps tombstones in check (go1.25).
    for table_size in [16usize, 32, 64, 128, 256] {
        for load in ["low", "mid", "high"] {
            let capacity = table_size * 7 / 8;
            let initial = match load {
                "low" => capacity / 8,
                "mid" => capacity / 2,
                _ => capacity,
            };
            let t = typ(GoKind::Int, GoKind::Int, SwissRelease::Go1_27);
            let mut m = makemap(&t, capacity as isize);
            for i in 0..initial as i64 {
                put(&mut m, &t, i, i);
            }
            let mut grows = 0;
            let mut groups = group_count(&m);
            for next in initial as i64..initial as i64 + 100_000 {
                let mut it = Iter::new();
                // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
                unsafe {
                    it.Init(&t, &mut *m);
                    it.Next();
                    let k = *(it.Key() as *const i64);
                    drop(it);
                    del(&mut m, &t, k);
                }
                put(&mut m, &t, next, next);
                assert_eq!(m.Used() as usize, initial);
                if group_count(&m) != groups {
                    grows += 1;
                    groups = group_count(&m);
                }
            }
            let allowed = if initial == capacity { 2 } else { 1 };
            assert!(grows <= allowed, "size {table_size} {load}: {grows} grows");
            // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
            unsafe { mapfree(&t, m) };
        }
    }
}

// ---- a counting allocator, and model tests with check after every step ----

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe extern "C-unwind" fn counting_alloc(
    size: usize,
    align: usize,
    _: *mut core::ffi::c_void,
) -> *mut u8 {
    LIVE.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { std::alloc::alloc_zeroed(std::alloc::Layout::from_size_align(size, align).unwrap()) }
}

unsafe extern "C-unwind" fn counting_free(
    p: *mut u8,
    size: usize,
    align: usize,
    _: *mut core::ffi::c_void,
) {
    LIVE.fetch_sub(1, Ordering::SeqCst);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe { std::alloc::dealloc(p, std::alloc::Layout::from_size_align(size, align).unwrap()) }
}

fn counting(k: GoKind, e: GoKind, r: SwissRelease) -> SwissMapType {
    // SAFETY: the counting functions allocate zeroed blocks of the asked size and
    // alignment through the global allocator and free them with the same layout, from any
    // thread.
    let a = unsafe { Allocator::new(counting_alloc, counting_free, std::ptr::null_mut()) };
    SwissMapType::new(&MapType::for_go_types(k, e).unwrap().with_allocator(a), r)
}

/// xorshift, deterministic.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Random puts, deletes, clears, clones and iterations with writes in the loop body on an
/// indirect-key map (every kind of block the engine allocates), against a model, with
/// `check` after every step; the counting allocator balances to zero at the end.
/// `GOMAP_CHECK_EVERY=N` checks every N-th step only (the valgrind run, where the
/// whole-map checks are most of the time; every operation still runs under memcheck).
#[test]
fn model_with_counting_allocator_balances() {
    let check_every: usize = std::env::var("GOMAP_CHECK_EVERY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1);
    for r in SwissRelease::ALL {
        let before = LIVE.load(Ordering::SeqCst);
        let t = counting(GoKind::Bytes(136), GoKind::Bytes(130), r);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ r as u64);
        let mut m = makemap(&t, 0);
        let mut model: HashMap<u16, u8> = HashMap::new();
        let key = |k: u16| {
            let mut b = [0u8; 136];
            b[..2].copy_from_slice(&k.to_le_bytes());
            b
        };
        let mut clones = Vec::new();
        for step in 0..6000 {
            let k = (rng.next() % 3000) as u16;
            match rng.next() % 100 {
                0..=59 => {
                    let v = (rng.next() & 0xff) as u8;
                    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
                    unsafe {
                        let p = mapassign_compiled(&t, &mut *m, key(k).as_ptr());
                        std::ptr::write_bytes(p, v, 130);
                    }
                    model.insert(k, v);
                }
                60..=89 => {
                    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
                    unsafe { mapdelete(&t, &mut *m, key(k).as_ptr()) };
                    model.remove(&k);
                }
                90 => {
                    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
                    unsafe { mapclear(&t, &mut *m) };
                    model.clear();
                }
                // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
                91 => clones.push(unsafe { mapclone(&t, &m) }),
                _ => {
                    // Iterate with writes in the body; every entry seen is current.
                    let mut it = Iter::new();
                    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
                    unsafe {
                        it.Init(&t, &mut *m);
                        let mut n = 0;
                        loop {
                            it.Next();
                            if it.Key().is_null() || n > 50 {
                                break;
                            }
                            n += 1;
                            let kk = u16::from_le_bytes([*it.Key(), *it.Key().add(1)]);
                            assert_eq!(model.get(&kk), Some(&*it.Elem()), "step {step}");
                            let nk = (rng.next() % 3000) as u16;
                            let p = mapassign_compiled(&t, &mut *m, key(nk).as_ptr());
                            std::ptr::write_bytes(p, 1, 130);
                            model.insert(nk, 1);
                        }
                    }
                }
            }
            assert_eq!(m.Used() as usize, model.len());
            if step % check_every == 0 {
                checked(&t, &m);
            }
        }
        checked(&t, &m);
        for (k, v) in &model {
            // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
            let got = unsafe { gomap::swiss::runtime::mapaccess2(&t, &*m, key(*k).as_ptr()) };
            assert!(got.1);
            // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
            assert_eq!(unsafe { *got.0 }, *v);
        }
        for c in clones {
            checked(&t, &c);
            // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
            unsafe { mapfree(&t, c) };
        }
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe { mapfree(&t, m) };
        assert_eq!(
            LIVE.load(Ordering::SeqCst),
            before,
            "{r}: allocations do not balance"
        );
    }
}

/// The specialised fast32/fast64 lookups agree with the generic one on small maps and
/// maps with many tables, for present and absent keys.
#[test]
fn fast_lookups_agree_with_generic() {
    use gomap::swiss::runtime::mapaccess2;
    use gomap::swiss::{fast32, fast64};
    for n in [0u64, 1, 5, 8, 9, 100, 5000] {
        let t64 = typ(GoKind::Int64, GoKind::Int64, SwissRelease::Go1_27);
        let t32 = typ(GoKind::Int32, GoKind::Int32, SwissRelease::Go1_24);
        let mut m64 = makemap(&t64, 0);
        let mut m32 = makemap(&t32, 0);
        for i in 0..n {
            put(&mut m64, &t64, (i * 7) as i64, i as i64);
            put(&mut m32, &t32, (i * 7) as i32, i as i32);
        }
        for k in 0..n * 7 + 10 {
            // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
            unsafe {
                let (a, ok_a) = mapaccess2(&t64, &*m64, (&(k as i64) as *const i64).cast());
                let (b, ok_b) = fast64::mapaccess2_fast64(&t64, &*m64, k);
                assert_eq!(ok_a, ok_b, "fast64 n={n} k={k}");
                assert_eq!(*(a as *const i64), *(b as *const i64));
                let (a, ok_a) = mapaccess2(&t32, &*m32, (&(k as i32) as *const i32).cast());
                let (b, ok_b) = fast32::mapaccess2_fast32(&t32, &*m32, k as u32);
                assert_eq!(ok_a, ok_b, "fast32 n={n} k={k}");
                assert_eq!(*(a as *const i32), *(b as *const i32));
            }
        }
        // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
        unsafe {
            mapfree(&t64, m64);
            mapfree(&t32, m32);
        }
    }
}

/// The checker is not vacuous: a corrupted control byte, a wrong count and a stray
/// tombstone flag are each reported.
#[test]
fn check_detects_corruption() {
    let t = typ(GoKind::Int64, GoKind::Int64, SwissRelease::Go1_27);
    let mut m = makemap(&t, 0);
    for i in 0..100i64 {
        put(&mut m, &t, i, i);
    }
    checked(&t, &m);
    // SAFETY: the maps are live and of type `t`; keys and elems are values of its types; iterators end before their map.
    unsafe {
        let tab = m.directoryAt(0);
        let g = (*tab).groups.group(&t, 0);
        let i = g.ctrls().matchFull().first();
        let c = g.ctrls().get(i);
        g.set_ctrl(i, c ^ 1);
        assert!(check(&t, &m).is_err(), "a wrong h2 passed");
        g.set_ctrl(i, c);
        checked(&t, &m);
        let used = m.Used();
        set_used(&mut m, used + 1);
        assert!(check(&t, &m).is_err(), "a wrong used passed");
        set_used(&mut m, used);
        g.set_ctrl(i, gomap::export_test::swiss::group::CTRL_DELETED);
        (*tab).used -= 1;
        set_used(&mut m, used - 1);
        assert!(
            check(&t, &m).is_err(),
            "a tombstone without tombstonePossible passed"
        );
        set_tombstone_possible(&mut m, true);
        checked(&t, &m);
        mapfree(&t, m);
    }
}

/// Go's `runtime_mapaccess2_faststr` (no Go test of its own: Go's map benchmarks run it):
/// the small-map search without hashing long keys (the quick test of length, first and
/// last 8 bytes, with one, two or no quick matches) and the hashed search of short keys
/// and large maps find exactly what the generic lookup finds.
#[test]
fn faststr_lookup_matches_generic() {
    use gomap::maptype::GoString;
    use gomap::swiss::faststr::mapaccess2_faststr;
    use gomap::swiss::runtime::mapaccess2;
    for r in [
        SwissRelease::Go1_24,
        SwissRelease::Go1_27,
        SwissRelease::Go1_27SplitGroup,
    ] {
        let t = typ(GoKind::String, GoKind::Int64, r);
        for len in [0usize, 1, 7, 8, 16, 63, 64, 65, 100, 300] {
            // Keys of one length that differ only in their middle byte (so long ones all
            // pass the quick test) or in their last byte (so they fail it).
            let key = |i: usize, last: bool| -> Vec<u8> {
                let mut k = vec![b'a'; len];
                if len > 0 {
                    let at = if last { len - 1 } else { len / 2 };
                    k[at] = b'0' + i as u8;
                }
                k
            };
            for n in [1usize, 2, 8, 9, 40] {
                for last in [false, true] {
                    let keys: Vec<Vec<u8>> = (0..n).map(|i| key(i, last)).collect();
                    let mut m = makemap(&t, 0);
                    for (i, k) in keys.iter().enumerate() {
                        let g = GoString::from_bytes(k);
                        // SAFETY: a live map of `t`; the key's bytes outlive the map.
                        unsafe {
                            *mapassign_compiled(&t, &mut *m, (&g as *const GoString).cast())
                                .cast::<i64>() = i as i64
                        };
                    }
                    let probes: Vec<Vec<u8>> = (0..n + 3)
                        .map(|i| key(i, last))
                        .chain([key(0, !last), vec![b'b'; len], vec![b'a'; len + 1]])
                        .collect();
                    for p in &probes {
                        let g = GoString::from_bytes(p);
                        // SAFETY: as above; `p` outlives the calls.
                        let (fast, generic) = unsafe {
                            (
                                mapaccess2_faststr(&t, &*m, g),
                                mapaccess2(&t, &*m, (&g as *const GoString).cast()),
                            )
                        };
                        assert_eq!(fast, generic, "{r:?} len {len} n {n} last {last}: {p:?}");
                    }
                    checked(&t, &m);
                    // SAFETY: the map is live and of type `t`, and nothing uses it after.
                    unsafe { mapfree(&t, m) };
                }
            }
        }
    }
}

/// The split group layout (`1.27-mapsplitgroup`) with keys and elems of different sizes
/// on each fast path: the fast lookup (small-map scan, hashed probe) finds the same elem
/// slot as the generic one, holding the value stored through the compiled assignment,
/// and the elem lies in the group's elem array (after the 8 keys), not beside its key.
#[test]
fn split_group_fast_paths_find_the_generic_elem() {
    use gomap::export_test::swiss::group::groupReference;
    use gomap::maptype::GoString;
    use gomap::swiss::runtime::{mapaccess2, mapaccess2_compiled};
    for (k, e) in [
        (GoKind::Uint32, GoKind::Uint64),
        (GoKind::Uint64, GoKind::Uint32),
        (GoKind::String, GoKind::Int32),
    ] {
        let t = typ(k, e, SwissRelease::Go1_27SplitGroup);
        // The elems start after the 8 keys, at the elem's alignment.
        let align = t.elem().align as usize;
        assert_eq!(
            t.ElemsOff(),
            (8 + 8 * t.KeyStride()).div_ceil(align) * align
        );
        let esize = t.elem().size;
        for n in [3usize, 8, 9, 200, 3000] {
            let names: Vec<Vec<u8>> = (0..n).map(|i| format!("key-{i}").into_bytes()).collect();
            let strs: Vec<GoString> = names.iter().map(|b| GoString::from_bytes(b)).collect();
            let ints: Vec<u64> = (0..n as u64).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
            let key = |i: usize| -> *const u8 {
                match k {
                    GoKind::String => (&strs[i] as *const GoString).cast(),
                    // Little-endian: the low 4 bytes are the uint32 key.
                    _ => (&ints[i] as *const u64).cast(),
                }
            };
            let mut m = makemap(&t, 0);
            // SAFETY: a live map of `t`; keys of its key type; elems of `esize` bytes.
            unsafe {
                for i in 0..n {
                    let v = (i as u64 + 1).to_le_bytes();
                    let p = mapassign_compiled(&t, &mut *m, key(i));
                    std::ptr::copy_nonoverlapping(v.as_ptr(), p, esize);
                }
                for i in 0..n {
                    let (fast, ok) = mapaccess2_compiled(&t, &*m, key(i));
                    let (slow, ok2) = mapaccess2(&t, &*m, key(i));
                    assert!(ok && ok2, "{k:?} n={n} key {i}");
                    assert_eq!(fast, slow, "{k:?} n={n} key {i}");
                    let mut v = [0u8; 8];
                    std::ptr::copy_nonoverlapping(fast, v.as_mut_ptr(), esize);
                    assert_eq!(u64::from_le_bytes(v), i as u64 + 1, "{k:?} n={n} key {i}");
                }
                if m.dirLen() == 0 {
                    let g = groupReference { data: m.dirPtr() };
                    let base = g.data as usize;
                    for i in 0..8 {
                        assert_eq!(g.key(&t, i) as usize - base, 8 + i * t.KeyStride());
                        assert_eq!(
                            g.elem(&t, i) as usize - base,
                            t.ElemsOff() + i * t.ElemStride()
                        );
                    }
                }
            }
            checked(&t, &m);
            // SAFETY: a live map of `t`, no iterator.
            unsafe { mapfree(&t, m) };
        }
    }
}
