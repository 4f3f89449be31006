//! The facts of the study notes this project grew from, each checked on real maps.

use gomap::maptype::{GoKind, MapType};
use gomap::runtime::*;
use std::ptr;

fn put(t: &MapType, h: *mut Hmap, k: i64, v: i64) {
    unsafe {
        let e = mapassign(t, h, (&k as *const i64).cast());
        *(e as *mut i64) = v;
        check(t, h).unwrap_or_else(|e| panic!("{e}\n{}", dump::dump_string(t, h)));
    }
}

fn get(t: &MapType, h: *mut Hmap, k: i64) -> Option<i64> {
    unsafe {
        let (e, ok) = mapaccess2(t, h, (&k as *const i64).cast());
        ok.then(|| *(e as *const i64))
    }
}

#[test]
fn hint_10_gives_b_1() {
    let t = MapType::for_go_types(GoKind::String, GoKind::String).unwrap();
    unsafe {
        let h = makemap(&t, 10, ptr::null_mut());
        assert_eq!((*h).B, 1);
        assert!(!(*h).buckets.is_null());
        mapfree(&t, h);
    }
}

#[test]
fn hints_map_to_b() {
    let t = MapType::int64();
    for (hint, want) in [
        (0, 0),
        (8, 0),
        (9, 1),
        (13, 1),
        (14, 2),
        (26, 2),
        (27, 3),
        (52, 3),
        (53, 4),
    ] {
        unsafe {
            let h = makemap(&t, hint, ptr::null_mut());
            assert_eq!((*h).B, want, "hint {hint}");
            mapfree(&t, h);
        }
    }
}

#[test]
fn growth_doubles_at_load_6_5_and_reads_old_buckets() {
    let t = MapType::int64();
    unsafe {
        let h = makemap(&t, 0, ptr::null_mut());
        for k in 0..8 {
            put(&t, h, k, k * 10);
        }
        assert_eq!((*h).B, 0);
        put(&t, h, 8, 80); // 9 > 8 entries in one bucket: grow to B=1
        assert_eq!((*h).B, 1);
        for k in 9..200 {
            put(&t, h, k, k * 10);
            for j in 0..=k {
                assert_eq!(get(&t, h, j), Some(j * 10));
            }
        }
        for k in 0..200 {
            assert_eq!(get(&t, h, k), Some(k * 10));
        }
        assert_eq!(get(&t, h, 1000), None);
        mapfree(&t, h);
    }
}

#[test]
fn deletes_and_clear() {
    let t = MapType::int64();
    unsafe {
        let h = makemap(&t, 0, ptr::null_mut());
        for k in 0..1000 {
            put(&t, h, k, k);
        }
        for k in (0..1000i64).step_by(2) {
            mapdelete(&t, h, (&k as *const i64).cast());
            check(&t, h).unwrap();
        }
        assert_eq!((*h).count, 500);
        for k in 0..1000 {
            assert_eq!(get(&t, h, k), if k % 2 == 1 { Some(k) } else { None });
        }
        mapclear(&t, h);
        check(&t, h).unwrap();
        assert_eq!((*h).count, 0);
        mapfree(&t, h);
    }
}
