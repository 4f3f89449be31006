// `GoMap` keyed by `go_struct!` structs and by `GoDyn` interface values: Go's struct
// hash (the compiled one, checked against Go's vectors in hash_vectors.rs) on the user's
// own types, Go's equality (+0/-0, NaN), and Go's panics for unhashable dynamic values.

use gomap::export_test::maptype::spell::parse_type;
use gomap::go_struct;
use gomap::maptype::{genalg, AlgKind, KeyHash, MapFast, MapType};
use gomap::typed::keys::{GoDyn, GoField};
use gomap::typed::GoMap;

go_struct! {
    /// `struct { a int8; b float64; c int16 }`: padded, with a float.
    #[derive(Copy)]
    pub struct Padded { a: i8, b: f64, c: i16 }
}

go_struct! {
    /// Plain memory: `struct { x int32; y int32 }` hashes as memhash64.
    pub struct Pair { x: i32, y: i32 }
}

go_struct! {
    /// Nested: `struct { p Padded; v [3]float32; ok bool }` (`Copy`, as it owns nothing).
    #[derive(Copy)]
    pub struct Nested { p: Padded, v: [f32; 3], ok: bool }
}

go_struct! {
    /// No fields: `struct {}`.
    pub struct Unit {}
}

#[test]
fn go_struct_types_are_gos_structs() {
    let t = Padded::go_type();
    assert_eq!(
        t,
        parse_type("struct{i8,f64,i16}", &|_| None)
            .map(|u| {
                // Same layout and hash as the spelled type; names differ (a, b, c vs F0, F1, F2).
                assert_eq!((u.size(), u.align()), (t.size(), t.align()));
                t
            })
            .unwrap()
    );
    assert_eq!(t.name(), "struct { a int8; b float64; c int16 }");
    assert_eq!((t.size(), t.alg_type()), (24, AlgKind::ASPECIAL));
    assert_eq!(Pair::go_type().reflect_alg_type(), AlgKind::AMEM64);
    assert_eq!(
        Nested::go_type().name(),
        "struct { p struct { a int8; b float64; c int16 }; v [3]float32; ok bool }"
    );
    assert_eq!(Unit::go_type().reflect_alg_type(), AlgKind::AMEM0);
}

/// `t`'s hash of the key image `img` is Go's compiled hash of the spelled type, for a few
/// seeds.
fn assert_hashes_as(t: &MapType, spelled: gomap::maptype::GoType, img: &[u8]) {
    assert_eq!(img.len(), spelled.size());
    for seed in [0usize, 1, 0xdead_beef] {
        // SAFETY: `img` is a value of both (layout-identical) struct types.
        unsafe {
            assert_eq!(
                t.hash(img.as_ptr(), seed),
                genalg::genhash(spelled, img.as_ptr(), seed)
            )
        };
    }
}

#[test]
fn go_map_hashes_struct_keys_as_gos_compiled_hash() {
    let m: GoMap<Padded, i64> = new_map();
    let t = m.map_type();
    let spelled = parse_type("struct{i8,f64,i16}", &|_| None).unwrap();
    let ref_t = MapType::for_types(spelled, spelled, KeyHash::Compiled).unwrap();
    assert_eq!(
        (t.keysize(), t.flags(), t.fast()),
        (24, ref_t.flags(), MapFast::Slow)
    );
    let k = Padded {
        a: 3,
        b: 2.5,
        c: -7,
    };
    let mut img = [0xa5u8; 24];
    // SAFETY: 24 writable bytes.
    unsafe { k.write_to(img.as_mut_ptr()) };
    assert_hashes_as(t, spelled, &img);
    let m: GoMap<Pair, i64> = new_map();
    assert_eq!(m.map_type().fast(), MapFast::Fast64);
}

#[test]
fn go_map_struct_keys_follow_gos_equality() {
    let mut m: GoMap<Padded, i64> = new_map();
    for i in 0..1000 {
        m.insert(
            Padded {
                a: (i % 7) as i8,
                b: i as f64 / 3.0,
                c: i as i16,
            },
            i,
        );
    }
    assert_eq!(m.len(), 1000);
    assert_eq!(
        m.get(&Padded {
            a: 5,
            b: 999.0 / 3.0,
            c: 999
        }),
        Some(&999)
    );
    m.insert(Padded { a: 0, b: 0.0, c: 0 }, -1);
    assert_eq!(m.len(), 1000, "{{0, 0, 0}} was there already");
    assert_eq!(
        m.get(&Padded {
            a: 0,
            b: -0.0,
            c: 0
        }),
        Some(&-1)
    );
    m.insert(
        Padded {
            a: 0,
            b: f64::NAN,
            c: 0,
        },
        1,
    );
    m.insert(
        Padded {
            a: 0,
            b: f64::NAN,
            c: 0,
        },
        2,
    );
    assert_eq!(m.len(), 1002);
    assert_eq!(
        m.remove(&Padded {
            a: 1,
            b: 1.0 / 3.0,
            c: 1
        }),
        Some(1)
    );
    m.check().unwrap();

    let mut n: GoMap<Nested, u8> = new_map();
    let p = Padded { a: 1, b: 2.0, c: 3 };
    n.insert(
        Nested {
            p,
            v: [0.0, 1.0, 2.0],
            ok: true,
        },
        7,
    );
    assert_eq!(
        n.get(&Nested {
            p,
            v: [-0.0, 1.0, 2.0],
            ok: true
        }),
        Some(&7)
    );
    assert_eq!(
        n.get(&Nested {
            p,
            v: [0.0, 1.0, 2.0],
            ok: false
        }),
        None
    );
    let keys: Vec<Nested> = n.keys().copied().collect();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].v[0].to_bits(), 0, "the first insert's +0 is stored");
    n.insert(
        Nested {
            p,
            v: [-0.0, 1.0, 2.0],
            ok: true,
        },
        8,
    );
    let keys: Vec<Nested> = n.keys().copied().collect();
    assert!(
        keys[0].v[0].is_sign_negative(),
        "needkeyupdate overwrote the key with -0"
    );

    let mut u: GoMap<Unit, i32> = new_map();
    u.insert(Unit {}, 1);
    u.insert(Unit {}, 2);
    assert_eq!((u.len(), u.get(&Unit {})), (1, Some(&2)));
}

#[test]
fn go_map_dynamic_keys() {
    let mut m: GoMap<GoDyn, i32> = new_map();
    assert!(m.map_type().hashMightPanic());
    let tup = |a: i64, s: &str| GoDyn::tuple(vec![GoDyn::new(a), GoDyn::string(s)]);
    for i in 0..300 {
        m.insert(GoDyn::new(i as i64), i);
        m.insert(GoDyn::string(&format!("s{i}")), 1000 + i);
        m.insert(tup(i as i64, "t"), 2000 + i);
    }
    m.insert(GoDyn::nil(), -1);
    m.insert(GoDyn::new(Pair { x: 1, y: 2 }), -2);
    m.insert(
        GoDyn::record("main.R", vec![GoDyn::new(1i64), GoDyn::string("t")]),
        -3,
    );
    assert_eq!(m.len(), 903);
    assert_eq!(m.get(&GoDyn::new(5i64)), Some(&5));
    assert_eq!(m.get(&GoDyn::new(5i32)), None);
    assert_eq!(m.get(&GoDyn::string("s7")), Some(&1007));
    assert_eq!(m.get(&tup(9, "t")), Some(&2009));
    assert_eq!(
        m.get(&tup(1, "t")),
        Some(&2001),
        "the record is another type"
    );
    assert_eq!(
        m.get(&GoDyn::record(
            "main.R",
            vec![GoDyn::new(1i64), GoDyn::string("t")]
        )),
        Some(&-3)
    );
    assert_eq!(m.get(&GoDyn::nil()), Some(&-1));
    assert_eq!(m.get(&GoDyn::new(Pair { x: 1, y: 2 })), Some(&-2));
    // Floats: -0 finds +0; NaN never found.
    m.insert(GoDyn::new(0.0f64), 1);
    assert_eq!(m.get(&GoDyn::new(-0.0f64)), Some(&1));
    m.insert(GoDyn::new(f64::NAN), 1);
    m.insert(GoDyn::new(f64::NAN), 1);
    assert_eq!(m.len(), 906);
    assert_eq!(m.remove(&tup(3, "t")), Some(2003));
    m.check().unwrap();

    // Unhashable values panic with Go's words, in lookups and inserts, and leave the map
    // as it was.
    let sl = GoDyn::uncomparable(parse_type("[]i64", &|_| None).unwrap()).unwrap();
    let msg = |r: Result<(), Box<dyn std::any::Any + Send>>| {
        r.expect_err("no panic")
            .downcast_ref::<String>()
            .cloned()
            .unwrap()
    };
    let e = msg(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || {
            let _ = m.get(&sl);
        },
    )));
    assert_eq!(e, "runtime error: hash of unhashable type []int64");
    let e = msg(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || {
            m.insert(GoDyn::tuple(vec![sl.clone()]), 0);
        },
    )));
    assert_eq!(
        e,
        // The tuple type is comparable; its field's dynamic type is the unhashable one.
        "runtime error: hash of unhashable type []int64",
    );
    assert_eq!(m.len(), 905);
    m.check().unwrap();
    let empty: GoMap<GoDyn, i32> = new_map();
    let e = msg(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || {
            let _ = empty.get(&sl);
        },
    )));
    assert!(e.contains("unhashable"), "empty maps hash too");
    // Comparing two uncomparable values panics; different types just differ.
    assert!(!sl.go_eq(&GoDyn::new(1i64)));
    let e = msg(std::panic::catch_unwind(|| {
        let _ = sl.go_eq(&sl.clone());
    }));
    assert_eq!(e, "runtime error: comparing uncomparable type []int64");
    // Entries move out with their keys intact.
    let mut n = 0;
    for (k, _) in m {
        n += usize::from(k.dyn_type().is_some());
    }
    assert_eq!(n, 904, "every entry but nil");
}

go_struct! {
    /// `struct { id int32; _ int32; at int64 }`: a blank field (named `_...` in Rust).
    pub struct WithBlank { id: i32, _reserved: i32, at: i64 }
}

/// A `_`-named field is Go's blank field: the key type is the spelled
/// `struct{i32,_:i32,i64}` of the differential suite (Go's vectors in hash_vectors.rs),
/// with its flags and hash, and keys differing only in the blank field are one key.
#[test]
fn go_struct_blank_fields_are_skipped_like_gos() {
    let m: GoMap<WithBlank, i64> = new_map();
    let t = m.map_type();
    let spelled = parse_type("struct{i32,_:i32,i64}", &|_| None).unwrap();
    let ref_t = MapType::for_types(spelled, spelled, KeyHash::Compiled).unwrap();
    assert_eq!(
        (t.keysize(), t.flags(), t.fast()),
        (16, ref_t.flags(), MapFast::Slow)
    );
    assert_eq!(WithBlank::go_type().alg_type(), AlgKind::ASPECIAL);
    for blank in [0i32, 1, -1, 0x5a5a_5a5a] {
        let k = WithBlank {
            id: 9,
            _reserved: blank,
            at: -3,
        };
        let mut img = [0u8; 16];
        // SAFETY: 16 writable bytes.
        unsafe { k.write_to(img.as_mut_ptr()) };
        assert_hashes_as(t, spelled, &img);
        // The blank field does not reach the hash.
        let mut other = img;
        other[4..8].copy_from_slice(&7i32.to_le_bytes());
        assert_hashes_as(t, spelled, &other);
        // SAFETY: both are 16-byte values of the key type.
        unsafe { assert_eq!(t.hash(img.as_ptr(), 5), t.hash(other.as_ptr(), 5)) };
    }
    let mut m: GoMap<WithBlank, i64> = new_map();
    for i in 0..200 {
        m.insert(
            WithBlank {
                id: i % 50,
                _reserved: i,
                at: 1,
            },
            i as i64,
        );
    }
    assert_eq!(m.len(), 50);
    let probe = WithBlank {
        id: 7,
        _reserved: -100,
        at: 1,
    };
    assert_eq!(m.get(&probe), Some(&157));
    // The stored key is the first one inserted (an int32 blank field needs no key update).
    let (k, _) = m.iter().find(|(k, _)| k.id == 7).unwrap();
    assert_eq!(k._reserved, 7);
    m.check().unwrap();
}
