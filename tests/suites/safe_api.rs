// The whole safe API, driven from a crate that may not use `unsafe` at all: everything
// here must be sound whatever it is given, so whatever goes wrong in this file is a bug
// of gomap's safe surface (run under AddressSanitizer by scripts/test-asan.sh).


use std::panic::{catch_unwind, AssertUnwindSafe};

use gomap::export_test::runtime::{
    bucketMask, bucketShift, bucket_array_len, fastrand, fastrand64, isEmpty, overLoadFactor,
    roundupsize, set_fastrand_state, tooManyOverflowBuckets, tophash, Allocator,
};
use gomap::maptype::{alg, GoKind, MapType, MapTypeFlags};
use gomap::typed::{Entry, GoMap};
use gomap::{Hiter, Hmap};

/// Every `GoMap` method, on one key type, with owned values.
fn exercise<K>(keys: &[K])
where
    K: gomap::typed::GoKey + Clone + std::fmt::Debug + PartialEq,
    K::Query: std::fmt::Debug,
{
    let mut m: GoMap<K, Vec<u32>> = new_map();
    assert!(m.is_empty());
    for (i, k) in keys.iter().enumerate() {
        m.insert(k.clone(), vec![i as u32]);
    }
    m.check().unwrap();
    let _ = m.dump();
    let n = m.len();
    for k in keys {
        let q = k.as_query();
        assert_eq!(m.contains_key(q), m.get(q).is_some());
        if let Some(v) = m.get_mut(q) {
            v.push(7);
        }
        let _ = m.get_key_value(q);
    }
    // Iterators of every kind, consumed, partly consumed, forgotten.
    assert_eq!(m.iter().len(), n);
    assert_eq!(m.keys().count(), n);
    assert_eq!(m.values().count(), n);
    for v in m.values_mut() {
        v.push(1);
    }
    for (_, v) in m.iter_mut() {
        v.push(2);
    }
    for (_, v) in &m {
        assert!(!v.is_empty());
    }
    for (_, v) in &mut m {
        v.pop();
    }
    let mut it = m.iter();
    let _ = it.next();
    std::mem::forget(it);
    let _ = format!("{m:?}");
    // Entry API.
    for k in keys {
        match m.entry(k.clone()) {
            Entry::Occupied(mut o) => {
                let _ = o.key();
                let _ = o.get();
                o.get_mut().push(3);
                let old = o.insert(vec![9]);
                assert!(!old.is_empty());
            }
            Entry::Vacant(v) => {
                let _ = v.key();
                v.insert(vec![]);
            }
        }
        m.entry(k.clone()).and_modify(|v| v.push(4)).or_default();
        let _ = m.entry(k.clone()).or_insert_with(|| vec![8]);
        let _ = m.entry(k.clone()).key();
    }
    // Clone, compare, extend, collect.
    let c = m.clone();
    assert_eq!(c.len(), m.len());
    let c_len = c.len();
    let _ = c == m;
    let mut e: GoMap<K, Vec<u32>> = map_with_capacity(3);
    e.extend(keys.iter().cloned().map(|k| (k, vec![1])));
    let f: GoMap<K, Vec<u32>> = map_from(keys.iter().cloned().map(|k| (k, vec![2])));
    assert_eq!(e.len(), f.len());
    // Removal in every form, then retain with panics, then clear.
    if let Some(k) = keys.first() {
        let _ = m.remove(k.as_query());
        let _ = m.remove_entry(k.as_query());
        if let Entry::Occupied(o) = m.entry(k.clone()) {
            let _ = o.remove_entry();
        }
        m.insert(k.clone(), vec![5]);
        if let Entry::Occupied(o) = m.entry(k.clone()) {
            let _ = o.remove();
        }
    }
    let mut seen = 0;
    let r = catch_unwind(AssertUnwindSafe(|| {
        m.retain(|_, v| {
            seen += 1;
            v.push(6);
            if seen == 3 {
                panic!("retain closure panics");
            }
            seen % 2 == 0
        })
    }));
    assert_eq!(r.is_err(), seen >= 3);
    m.check().unwrap();
    let _ = m.dump();
    m.retain(|_, v| v.len() % 2 == 0);
    let v: Vec<(K, Vec<u32>)> = c.into_iter().collect();
    assert_eq!(v.len(), c_len);
    m.clear();
    assert!(m.is_empty());
    m.check().unwrap();
}

#[test]
fn every_key_kind_through_the_safe_api() {
    let ints: Vec<i64> = (0..300).collect();
    exercise(&ints);
    exercise(&(0..300u32).collect::<Vec<_>>());
    exercise(&(0..200u16).collect::<Vec<_>>());
    exercise(&(0..=255u8).collect::<Vec<_>>());
    exercise(&(-100..100i8).collect::<Vec<_>>());
    exercise(&[true, false]);
    exercise(&(0..50usize).chain([usize::MAX]).collect::<Vec<_>>());
    exercise(&(-50..50isize).collect::<Vec<_>>());
    let floats: Vec<f64> = (0..100)
        .map(|i| i as f64 / 3.0)
        .chain([0.0, -0.0, f64::NAN, f64::NAN, f64::INFINITY, f64::NAN])
        .collect();
    exercise(&floats);
    let floats32: Vec<f32> = (0..100).map(|i| i as f32).chain([-0.0, f32::NAN]).collect();
    exercise(&floats32);
    exercise(&(0..100u8).map(|i| [i; 3]).collect::<Vec<_>>());
    exercise(&(0..40u8).map(|i| [i; 200]).collect::<Vec<_>>()); // indirect keys
    let strings: Vec<String> = (0..300).map(|i| format!("key number {i}")).collect();
    exercise(&strings);
    exercise(&[String::new(), "a".repeat(100)]);
}

/// Values with panicking drops, big values (stored indirectly) and over-aligned values
/// (boxed), through insert, remove, clear and drop.
#[test]
fn odd_values_through_the_safe_api() {
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.0 {
                panic!("value drop panics");
            }
        }
    }
    let mut m: GoMap<String, Bomb> = map_from((0..50).map(|i| (i.to_string(), Bomb(false))));
    m.get_mut("3").unwrap().0 = true;
    assert!(catch_unwind(AssertUnwindSafe(|| m.clear())).is_err());
    assert!(m.is_empty());
    m.insert("x".into(), Bomb(true));
    assert!(catch_unwind(AssertUnwindSafe(|| drop(m))).is_err());

    #[derive(Clone, PartialEq, Debug)]
    #[repr(align(64))]
    struct Aligned(u64);
    let mut a: GoMap<u64, Aligned> = map_from((0..100).map(|i| (i, Aligned(i))));
    assert_eq!(a[&7], Aligned(7));
    a.retain(|k, _| k % 2 == 0);
    assert_eq!(a.len(), 50);
    let mut b: GoMap<u8, [u64; 40]> = GoMap::with_capacity_for(RELEASE, 10, Allocator::system_huge_pages());
    b.insert(1, [1; 40]);
    assert_eq!(b.get(&1).map(|v| v[39]), Some(1));
    let d: GoMap<u8, ()> = map_new_in(Allocator::system());
    let _ = d.map_type().keysize();
    let g: GoMap<u8, u8> = Default::default();
    assert!(g.is_empty());
    let h = map_from([(1u8, 'a')]);
    assert_eq!(h[&1], 'a');
}

/// The safe pieces of the lower layers: descriptors, their accessors, a fresh iterator
/// and header, the arithmetic helpers, the random source and the hash-key getters.
#[test]
fn lower_layers_safe_pieces() {
    let t = MapType::for_go_types(GoKind::String, GoKind::Bytes(300)).unwrap();
    assert!(t.indirectelem() && !t.indirectkey());
    let _ = (
        t.key(),
        t.elem(),
        t.hasher(),
        t.keysize(),
        t.elemsize(),
        t.bucketsize(),
        t.flags(),
        t.bucket_has_pointers(),
        t.hash_alg(),
        t.fast(),
        t.alloc().ctx(),
        format!("{t:?}"),
    );
    assert!(t.flags().contains(MapTypeFlags::NEED_KEY_UPDATE));
    for k in [
        GoKind::Float32,
        GoKind::Complex128,
        GoKind::Memory { size: 3, align: 1 },
    ] {
        let _ = MapType::for_go_types(k, GoKind::EmptyStruct)
            .map(|t| t.with_allocator(Allocator::default()));
    }
    let _ = MapType::for_go_types(GoKind::Memory { size: 3, align: 4 }, GoKind::Int8)
        .map_err(|e| e.to_string());
    let _ = (
        MapType::int32(),
        MapType::int64(),
        MapType::string_int64(),
        MapType::float64_int64(),
    );
    // A fresh iterator and header do nothing when dropped.
    let it = Hiter::new();
    assert!(it.key().is_null() && !it.is_registered());
    let _ = (
        it.elem(),
        it.t(),
        it.h(),
        it.B(),
        it.bucket(),
        it.checkBucket(),
        it.offset(),
    );
    drop(it);
    let h = Hmap::new();
    assert!(!h.growing());
    let _ = format!("{h:?}");
    let _ = (
        bucketShift(5),
        bucketMask(5),
        tophash(usize::MAX),
        isEmpty(0),
    );
    let _ = (
        bucket_array_len(&t, 6),
        overLoadFactor(100, 3, gomap::maptype::GoRelease::Go1_19),
        tooManyOverflowBuckets(9, 3),
    );
    let _ = roundupsize(1000);
    set_fastrand_state(42);
    let _ = (fastrand(), fastrand64());
    let _ = (
        alg::hash_keys(),
        alg::aeskeysched(),
        alg::hashkey(),
        alg::use_aeshash(),
        alg::has_aes(),
    );
}

/// A caller's macros named like those `go_struct!` once used (`assert`, `concat`,
/// `stringify`, `panic`) change nothing: a struct Go lays out alike still compiles and
/// hashes as Go's struct (its compile_fail doctests show that a layout Go would not give
/// is refused with the same macros in scope).
mod shadowed_macros {
    #![allow(unused_macros)]
    macro_rules! assert {
        ($($t:tt)*) => {};
    }
    macro_rules! concat {
        ($($t:tt)*) => {
            ""
        };
    }
    macro_rules! stringify {
        ($($t:tt)*) => {
            "shadowed"
        };
    }
    macro_rules! panic {
        ($($t:tt)*) => {};
    }
    gomap::go_struct! { pub struct Pair { a: u8, b: u64 } }

    #[test]
    fn go_struct_ignores_callers_macros() {
        let mut m: gomap::typed::GoMap<Pair, i32> = super::new_map();
        m.insert(Pair { a: 1, b: 2 }, 7);
        ::core::assert_eq!(m.get(&Pair { a: 1, b: 2 }), Some(&7));
        ::core::assert_eq!(m.get(&Pair { a: 2, b: 1 }), None);
        ::core::assert_eq!(::core::mem::size_of::<Pair>(), 16);
    }
}
