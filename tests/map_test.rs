//! Ports of Go 1.19's `runtime/map_test.go` (core map behaviour) to the raw runtime API.
//!
//! Each test is named after the Go test it ports (`TestNegativeZero` -> `negative_zero`).
//! Go's `map[K]E` becomes a [`MapType`] (from `MapType::for_go_types`, or hand-made with a
//! hasher composed field by field, as Go's compiler composes struct hashes), and Go's map
//! syntax becomes `mapassign`/`mapaccess`/`mapdelete`/`mapiterinit` through the typed
//! wrappers of `common`. Where a Go test relies on something a byte-buffer map does not
//! have (the garbage collector, interfaces, stack-allocated maps), the port says how it
//! was adapted.
//!
//! Iteration-specific ports (`TestIterGrowAndDelete`, `TestMapIterOrder`, ...) are in
//! `tests/iter.rs`.

mod common;

use std::mem::{offset_of, size_of};
use std::ptr;

use common::*;
use gomap::export_test::runtime::*;
use gomap::maptype::{GoKind, GoString, Kind, MapType, MapTypeFlags, Type};

/// Port of TestHmapSize. Go requires `sizeof(hmap) == 8 + 5*PtrSize` (48 bytes) because
/// the compiler lays out the same struct. gomap's `Hmap` keeps Go's fields at Go's offsets
/// and appends its own memory-reclamation state after them, so the check is that Go's part
/// ends at 48 bytes; likewise `Hiter` keeps Go's leading fields.
#[test]
fn hmap_size() {
    let ptr_size = size_of::<usize>();
    let go_hmap_size = 8 + 5 * ptr_size;
    assert_eq!(offset_of!(Hmap, count), 0);
    assert_eq!(offset_of!(Hmap, flags), 8);
    assert_eq!(offset_of!(Hmap, B), 9);
    assert_eq!(offset_of!(Hmap, noverflow), 10);
    assert_eq!(offset_of!(Hmap, hash0), 12);
    assert_eq!(offset_of!(Hmap, buckets), 16);
    assert_eq!(offset_of!(Hmap, oldbuckets), 16 + ptr_size);
    assert_eq!(offset_of!(Hmap, nevacuate), 16 + 2 * ptr_size);
    // go1.24 adds clearSeq (8 bytes) before extra; earlier releases have extra here.
    assert_eq!(offset_of!(Hmap, clearSeq), 16 + 3 * ptr_size);
    assert_eq!(offset_of!(Hmap, extra), 16 + 3 * ptr_size + 8);
    assert_eq!(offset_of!(Hmap, extra) + ptr_size, go_hmap_size + 8);
    assert!(size_of::<Hmap>() >= go_hmap_size + 8);
    // bmap is just the tophash array; keys start at dataOffset = 8.
    assert_eq!(size_of::<Bmap>(), BUCKET_CNT);
    assert_eq!(DATA_OFFSET, 8);
    // hiter's key and elem come first (offsets 0 and PtrSize): checked next to the
    // private fields, in the library's iter tests.
}

/// Port of TestNegativeZero: +0 and -0 are equal keys with distinct bytes; storing one
/// over the other replaces the stored key (float keys need key update).
#[test]
fn negative_zero() {
    let t = MapType::for_go_types(GoKind::Float64, GoKind::Bool).unwrap();
    // SAFETY: every map below is live until freed at the end of its block; keys and elems
    // are f64 and bool as the type says.
    unsafe {
        let h = make(&t, 0);
        put(&t, h, 0.0f64, true);
        put(&t, h, -0.0f64, true); // should overwrite +0 entry
        assert_check(&t, h, "puts");
        assert_eq!(len(h), 1, "length wrong");
        for k in keys::<f64, bool>(&t, h) {
            assert!(k.is_sign_negative(), "wrong sign");
        }
        free(&t, h);

        let h = make(&t, 0);
        put(&t, h, -0.0f64, true);
        put(&t, h, 0.0f64, true); // should overwrite -0.0 entry
        assert_eq!(len(h), 1, "length wrong");
        for k in keys::<f64, bool>(&t, h) {
            assert!(k.is_sign_positive(), "wrong sign");
        }
        free(&t, h);
    }
}

/// Go's testMapNan: three NaN keys with values 1, 2, 4.
///
/// # Safety
/// `h` is a live `map[float64]int`.
unsafe fn test_map_nan(t: &MapType, h: *mut Hmap) {
    // SAFETY: forwarded.
    unsafe {
        assert_eq!(len(h), 3, "length wrong");
        let mut s = 0;
        for (k, v) in iterate::<f64, i64>(t, h) {
            assert!(k.is_nan(), "nan disappeared");
            assert_eq!(v & (v - 1), 0, "value wrong");
            s |= v;
        }
        assert_eq!(s, 7, "values wrong");
    }
}

/// Port of TestMapAssignmentNan: NaN != NaN, so every assignment adds an entry (and NaN
/// has a random hash).
#[test]
fn map_assignment_nan() {
    let t = MapType::for_go_types(GoKind::Float64, GoKind::Int).unwrap();
    // SAFETY: a live map[float64]int, freed at the end.
    unsafe {
        let h = make(&t, 0);
        let nan = f64::NAN;
        put(&t, h, nan, 1i64);
        put(&t, h, nan, 2i64);
        put(&t, h, nan, 4i64);
        assert_check(&t, h, "NaN puts");
        test_map_nan(&t, h);
        free(&t, h);
    }
}

/// Port of TestMapOperatorAssignmentNan: `m[nan] += x` gets a fresh zero elem each time.
#[test]
fn map_operator_assignment_nan() {
    let t = MapType::for_go_types(GoKind::Float64, GoKind::Int).unwrap();
    // SAFETY: a live map[float64]int; each slot pointer is used before the next write.
    unsafe {
        let h = make(&t, 0);
        let nan = f64::NAN;
        for x in [1i64, 2, 4] {
            let e = slot::<f64, i64>(&t, h, nan);
            *e += x;
        }
        test_map_nan(&t, h);
        free(&t, h);
    }
}

/// Port of TestGrowWithNaN: NaN entries survive a grow that happens during iteration
/// (their evacuation direction comes from the tophash's low bit while an iterator runs).
#[test]
fn grow_with_nan() {
    let t = MapType::for_go_types(GoKind::Float64, GoKind::Int).unwrap();
    // SAFETY: a live map[float64]int; the iterator is dropped before the map is freed.
    unsafe {
        let h = make(&t, 4);
        let nan = f64::NAN;
        put(&t, h, nan, 1i64);
        put(&t, h, nan, 2i64);
        *slot::<f64, i64>(&t, h, nan) += 4;

        let mut cnt = 0;
        let mut s = 0;
        let mut growflag = true;
        let mut it = iter_start(&t, h);
        while let Some((k, v)) = iter_kv::<f64, i64>(&it) {
            if growflag {
                // force a hashtable resize
                for i in 0..50 {
                    put(&t, h, i as f64, i as i64);
                }
                for i in 50..100 {
                    *slot::<f64, i64>(&t, h, i as f64) += i as i64;
                }
                assert_check(&t, h, "grow during iteration");
                growflag = false;
            }
            if k.is_nan() {
                cnt += 1;
                s |= v;
            }
            mapiternext(&mut it);
        }
        drop(it);
        assert_eq!(cnt, 3, "NaN keys lost during grow");
        assert_eq!(s, 7, "NaN values lost during grow");
        free(&t, h);
    }
}

/// Go's `FloatInt` struct key of TestGrowWithNegativeZero.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct FloatInt {
    x: f64,
    y: i64,
}

/// Hash of `FloatInt` as Go's compiler generates it: `f64hash` of x seeds `memhash64` of y.
unsafe extern "C-unwind" fn floatint_hash(p: *const u8, seed: usize, _t: *const Type) -> usize {
    let g = go_hashes();
    // SAFETY: `p` points at a FloatInt: x at 0, y at 8.
    unsafe { hash_with(&g.mem64, p.add(8), hash_with(&g.f64, p, seed)) }
}

/// Field-wise `==` of two `FloatInt`s (float compare: -0 == +0, NaN != NaN).
unsafe extern "C-unwind" fn floatint_equal(a: *const u8, b: *const u8, _t: *const Type) -> bool {
    // SAFETY: both point at FloatInts.
    let (a, b) = unsafe { (*a.cast::<FloatInt>(), *b.cast::<FloatInt>()) };
    a.x == b.x && a.y == b.y
}

/// `map[FloatInt]int` as Go's compiler describes it: not reflexive (float field), needs
/// key update (+0/-0).
fn floatint_map() -> MapType {
    // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
    // type contract for every key used with it (a refused descriptor makes no map).
    unsafe {
        MapType::new(
            plain_type(16, 8, Kind::Struct, Some(floatint_equal)),
            GoKind::Int.go_type().unwrap(),
            floatint_hash,
            MapTypeFlags::NEED_KEY_UPDATE,
        )
    }
    .unwrap()
}

/// Port of TestGrowWithNegativeZero: entries updated (key +0 -> -0, new value) during a
/// grow that an iteration started are seen updated, key and value together.
#[test]
fn grow_with_negative_zero() {
    let t = floatint_map();
    let negzero = -0.0f64;
    let fi = |x: f64, y: i64| FloatInt { x, y };
    // SAFETY: a live map[FloatInt]int; the iterator is dropped before the map is freed.
    unsafe {
        let h = make(&t, 4);
        put(&t, h, fi(0.0, 0), 1i64);
        *slot::<FloatInt, i64>(&t, h, fi(0.0, 1)) += 2;
        *slot::<FloatInt, i64>(&t, h, fi(0.0, 2)) += 4;
        put(&t, h, fi(0.0, 3), 8i64);
        let mut growflag = true;
        let (mut s, mut cnt, mut negcnt) = (0, 0, 0);
        // The first iteration should return the +0 key. The subsequent iterations should
        // return the -0 key.
        let mut it = iter_start(&t, h);
        while let Some((k, v)) = iter_kv::<FloatInt, i64>(&it) {
            if v != 0 {
                // (v == 0: entries added to grow the table are ignored)
                cnt += 1;
                if k.x.is_sign_negative() {
                    assert!(v & 16 != 0, "key/value not updated together 1");
                    negcnt += 1;
                    s |= v & 15;
                } else {
                    assert!(v & 16 != 16, "key/value not updated together 2: {k:?} {v}");
                    s |= v;
                }
                if growflag {
                    // force a hashtable resize
                    for i in 0..100 {
                        put(&t, h, fi(3.0, i), 0i64);
                    }
                    // then change all the entries to negative zero
                    put(&t, h, fi(negzero, 0), 1i64 | 16);
                    put(&t, h, fi(negzero, 1), 2i64 | 16);
                    put(&t, h, fi(negzero, 2), 4i64 | 16);
                    put(&t, h, fi(negzero, 3), 8i64 | 16);
                    assert_check(&t, h, "grow and update during iteration");
                    growflag = false;
                }
            }
            mapiternext(&mut it);
        }
        drop(it);
        assert_eq!(s, 15, "entry missing");
        assert_eq!(cnt, 4, "wrong number of entries returned by iterator");
        assert_eq!(negcnt, 3, "update to negzero missed by iteration");
        free(&t, h);
    }
}

/// Go's `[256]string` of TestBigItems: 4096 bytes, stored indirectly.
type Big = [GoString; 256];

unsafe extern "C-unwind" fn big_hash(p: *const u8, seed: usize, _t: *const Type) -> usize {
    let g = go_hashes();
    let mut h = seed;
    for i in 0..256 {
        // SAFETY: `p` points at a [256]GoString whose strings are live.
        h = unsafe { hash_with(&g.str, p.add(i * size_of::<GoString>()), h) };
    }
    h
}

unsafe extern "C-unwind" fn big_equal(a: *const u8, b: *const u8, _t: *const Type) -> bool {
    // SAFETY: both point at [256]GoString with live strings.
    unsafe {
        let (a, b) = (&*a.cast::<Big>(), &*b.cast::<Big>());
        a.iter()
            .zip(b.iter())
            .all(|(x, y)| x.as_bytes() == y.as_bytes())
    }
}

/// Port of TestBigItems: `map[[256]string][256]string`, keys and elems over 128 bytes,
/// hence indirect.
#[test]
fn big_items() {
    let big = Type {
        size: size_of::<Big>(),
        ptrdata: size_of::<Big>(),
        align: 8,
        kind: Kind::Array,
        equal: Some(big_equal),
        ctx: ptr::null_mut(),
    };
    // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
    // type contract for every key used with it (a refused descriptor makes no map).
    let t = unsafe {
        MapType::new(
            big,
            Type { equal: None, ..big },
            big_hash,
            MapTypeFlags::REFLEXIVE_KEY | MapTypeFlags::NEED_KEY_UPDATE,
        )
    }
    .unwrap();
    assert!(t.indirectkey() && t.indirectelem());
    let names: Vec<String> = (0..100).map(|i| format!("string{i:02}")).collect();
    let mut key: Big = [gs("foo"); 256];
    // SAFETY: a live map of t; every string its keys and elems point at (`names` and the
    // literal "foo") outlives it.
    unsafe {
        let h = make(&t, 4);
        for name in &names {
            key[37] = gs(name);
            put(&t, h, key, key);
        }
        assert_check(&t, h, "100 puts");
        let mut keys = Vec::new();
        let mut values = Vec::new();
        for (k, v) in iterate::<Big, Big>(&t, h) {
            keys.push(gs_str(k[37]));
            values.push(gs_str(v[37]));
        }
        keys.sort();
        values.sort();
        assert_eq!(keys.len(), 100);
        for i in 0..100 {
            assert_eq!(keys[i], names[i], "#{i}: missing key");
            assert_eq!(values[i], names[i], "#{i}: missing value");
        }
        free(&t, h);
    }
}

/// Port of TestMapHugeZero: a missing key of a map whose elem is larger than the shared
/// 1024-byte zero value reads as zero through `mapaccess1_fat`/`mapaccess2_fat`.
#[test]
fn map_huge_zero() {
    type T = [u8; 4000];
    let t = MapType::for_go_types(GoKind::Int, GoKind::Bytes(4000)).unwrap();
    let zero = [0u8; 4000];
    // SAFETY: a live map[int][4000]byte; `zero` is a zero elem of it.
    unsafe {
        let h = make(&t, 0);
        let x = get1::<i64, T>(&t, h, 0);
        assert_eq!(x, [0u8; 4000], "map value not zero");
        let y = get::<i64, T>(&t, h, 0);
        assert!(y.is_none(), "map value should be missing");
        let k = 0i64;
        let kp = (&k as *const i64).cast();
        // The fat variants hand back the caller's zero for a missing key.
        assert_eq!(
            mapaccess1_fat(&t, h, kp, zero.as_ptr()),
            zero.as_ptr().cast_mut()
        );
        assert_eq!(
            mapaccess2_fat(&t, h, kp, zero.as_ptr()),
            (zero.as_ptr().cast_mut(), false)
        );
        // And the stored elem once there is one.
        put(&t, h, 0i64, [7u8; 4000]);
        let (e, ok) = mapaccess2_fat(&t, h, kp, zero.as_ptr());
        assert!(ok && e != zero.as_ptr().cast_mut());
        assert_eq!(get1::<i64, T>(&t, h, 0), [7u8; 4000]);
        assert_eq!(get1::<i64, T>(&t, h, 1), [0u8; 4000]);
        free(&t, h);
    }
}

/// Port of TestEmptyKeyAndValue: zero-size keys and elems.
#[test]
fn empty_key_and_value() {
    let ta = MapType::for_go_types(GoKind::Int, GoKind::EmptyStruct).unwrap();
    let tb = MapType::for_go_types(GoKind::EmptyStruct, GoKind::Int).unwrap();
    let tc = MapType::for_go_types(GoKind::EmptyStruct, GoKind::EmptyStruct).unwrap();
    // SAFETY: three live maps of their types, freed at the end; () is the empty struct.
    unsafe {
        let a = make(&ta, 4);
        let b = make(&tb, 4);
        let c = make(&tc, 4);
        put(&ta, a, 0i64, ());
        put(&tb, b, (), 0i64);
        put(&tb, b, (), 1i64);
        put(&tc, c, (), ());
        assert_eq!(len(a), 1, "empty value insert problem");
        assert_eq!(
            get1::<(), i64>(&tb, b, ()),
            1,
            "empty key returned wrong value"
        );
        assert_eq!(len(b), 1);
        assert_eq!(len(c), 1);
        assert_eq!(get::<(), ()>(&tc, c, ()), Some(()));
        assert_check(&ta, a, "a");
        assert_check(&tb, b, "b");
        assert_check(&tc, c, "c");
        del(&tc, c, ());
        assert_eq!(len(c), 0);
        free(&ta, a);
        free(&tb, b);
        free(&tc, c);
    }
}

/// Go's testMapLookups for `map[string]string` built from a literal (hint = number of
/// entries): every key iterated finds its value. Run through the generic functions and
/// through `dispatch`, which takes the faststr family as Go's compiler does (its
/// single-bucket lookup compares short keys directly and long keys by their first and
/// last 4 bytes before comparing them whole).
fn test_map_lookups(entries: &[(&str, &str)]) {
    let t = MapType::for_go_types(GoKind::String, GoKind::String).unwrap();
    assert_eq!(t.fast(), gomap::maptype::MapFast::FastStr);
    for ops in PATHS {
        let p = ops.name;
        // SAFETY: a live map[string]string whose strings (`entries`, `copies`, literals)
        // outlive it.
        unsafe {
            let h = make(&t, entries.len() as isize);
            assert_eq!((*h).B, 0, "a single bucket");
            for &(k, v) in entries {
                ops.put(&t, h, gs(k), gs(v));
            }
            assert_check(&t, h, "literal");
            assert_eq!(len(h), entries.len());
            let all = iterate::<GoString, GoString>(&t, h);
            assert_eq!(all.len(), entries.len());
            for (k, v) in all {
                let got = ops.get1::<GoString, GoString>(&t, h, k);
                assert_eq!(
                    got.as_bytes(),
                    v.as_bytes(),
                    "{p}: m[{:?}] = {:?}; want {:?}",
                    gs_str(k),
                    gs_str(got),
                    gs_str(v)
                );
            }
            for &(k, v) in entries {
                assert_eq!(
                    gs_str(ops.get1::<GoString, GoString>(&t, h, gs(k))),
                    v,
                    "{p}"
                );
            }
            // Same lengths and bytes but other storage: found by content, not address.
            let copies: Vec<String> = entries.iter().map(|(k, _)| k.to_string()).collect();
            for (c, &(_, v)) in copies.iter().zip(entries) {
                assert_eq!(
                    gs_str(ops.get1::<GoString, GoString>(&t, h, gs(c))),
                    v,
                    "{p}"
                );
            }
            // Misses: absent short keys, the empty key, and long keys that share their
            // length and first and last bytes with a present one.
            let x128 = "x".repeat(128);
            let mut near = x128.clone().into_bytes();
            near[64] = b'z';
            let near = String::from_utf8(near).unwrap();
            let long_absent = "x".repeat(127) + "y";
            for miss in ["y", "", "xxx", "fob", &near, &long_absent, &"x".repeat(129)] {
                if entries.iter().any(|&(k, _)| k == miss) {
                    continue;
                }
                assert!(
                    ops.get::<GoString, GoString>(&t, h, gs(miss)).is_none(),
                    "{p}: found absent key of length {}",
                    miss.len()
                );
                assert_eq!(ops.get1::<GoString, GoString>(&t, h, gs(miss)).len, 0);
            }
            free(&t, h);
        }
    }
}

/// Port of TestSingleBucketMapStringKeys_DupLen: a single bucket with same-length short
/// keys and long keys.
#[test]
fn single_bucket_map_string_keys_dup_len() {
    let x128 = "x".repeat(128);
    let y128 = "y".repeat(128);
    test_map_lookups(&[
        ("x", "x1val"),
        ("xx", "x2val"),
        ("foo", "fooval"),
        ("bar", "barval"), // same key length as "foo"
        ("xxxx", "x4val"),
        (&x128, "longval1"),
        (&y128, "longval2"),
    ]);
}

/// Port of TestSingleBucketMapStringKeys_NoDupLen: a single bucket, all key lengths
/// different.
#[test]
fn single_bucket_map_string_keys_no_dup_len() {
    let x128 = "x".repeat(128);
    test_map_lookups(&[
        ("x", "x1val"),
        ("xx", "x2val"),
        ("foo", "fooval"),
        ("xxxx", "x4val"),
        ("xxxxx", "x5val"),
        ("xxxxxx", "x6val"),
        (&x128, "longval"),
    ]);
}

/// Port of TestMapLargeKeyNoPointer: `map[[64]int]int`, a 512-byte pointer-free key stored
/// indirectly. (Go's `runtime.GC()` between the phases has no counterpart.)
#[test]
fn map_large_key_no_pointer() {
    const I: i64 = 1000;
    const N: usize = 64;
    type T = [i64; N];
    let t = MapType::for_go_types(
        GoKind::Memory {
            size: 512,
            align: 8,
        },
        GoKind::Int,
    )
    .unwrap();
    assert!(t.indirectkey() && !t.indirectelem());
    let mk = |i: i64| -> T { core::array::from_fn(|j| i + j as i64) };
    // SAFETY: a live map[[64]int]int.
    unsafe {
        let h = make(&t, 0);
        for i in 0..I {
            put(&t, h, mk(i), i);
        }
        assert_check(&t, h, "1000 puts");
        for i in 0..I {
            assert_eq!(get1::<T, i64>(&t, h, mk(i)), i, "corrupted map");
        }
        free(&t, h);
    }
}

/// Port of TestMapLargeValNoPointer: `map[int][64]int`, a 512-byte elem stored indirectly.
#[test]
fn map_large_val_no_pointer() {
    const I: i64 = 1000;
    const N: usize = 64;
    type T = [i64; N];
    let t = MapType::for_go_types(
        GoKind::Int,
        GoKind::Memory {
            size: 512,
            align: 8,
        },
    )
    .unwrap();
    assert!(!t.indirectkey() && t.indirectelem());
    let mk = |i: i64| -> T { core::array::from_fn(|j| i + j as i64) };
    // SAFETY: a live map[int][64]int.
    unsafe {
        let h = make(&t, 0);
        for i in 0..I {
            put(&t, h, i, mk(i));
        }
        assert_check(&t, h, "1000 puts");
        for i in 0..I {
            assert_eq!(get1::<i64, T>(&t, h, i), mk(i), "corrupted map");
        }
        free(&t, h);
    }
}

/// Port of TestIgnoreBogusMapHint (Go issue 19926): a negative or huge hint is ignored, as
/// `makemap64` and `makemap` do, and the map works.
#[test]
fn ignore_bogus_map_hint() {
    let t = MapType::for_go_types(GoKind::Int, GoKind::Int).unwrap();
    for hint in [-1i64, 1 << 62, i64::MIN, i64::MAX] {
        // SAFETY: a live map[int]int, freed at the end.
        unsafe {
            let h = makemap64(&t, hint, ptr::null_mut());
            assert_eq!((*h).B, 0, "hint {hint}");
            assert!(
                (*h).buckets.is_null(),
                "hint {hint}: buckets allocated lazily"
            );
            put(&t, h, 1i64, 2i64);
            assert_eq!(get::<i64, i64>(&t, h, 1), Some(2));
            assert_check(&t, h, "put");
            free(&t, h);
        }
    }
}

/// Go's `mapBucketTests`: (number of elements, expected buckets).
const MAP_BUCKET_TESTS: [(isize, usize); 9] = [
    (-(1 << 30), 1),
    (-1, 1),
    (0, 1),
    (1, 1),
    (8, 1),
    (9, 2),
    (13, 2),
    (14, 4),
    (26, 4),
];

/// Go's `runtime.MapBucketsCount`.
///
/// # Safety
/// `h` is a live map.
unsafe fn map_buckets_count(h: *const Hmap) -> usize {
    // SAFETY: live (caller).
    1 << unsafe { (*h).B }
}

/// A map as each TestMapBuckets sub-test makes it: a literal (`makemap` without hint), no
/// hint (`makemap_small`, or `makemap` for a caller-owned header), or `makemap`/`makemap64`
/// with hint n.
///
/// # Safety
/// `h` is null or writable memory for an `Hmap`, as for `makemap`.
unsafe fn make_like(how: &str, t: &MapType, n: isize, h: *mut Hmap) -> *mut Hmap {
    // SAFETY: the caller vouches for `h`.
    unsafe {
        match how {
            "mapliteral" => makemap(t, 0, h),
            "nohint" if h.is_null() => makemap_small(t),
            "nohint" => makemap(t, 0, h),
            "makemap" => makemap(t, n, h),
            "makemap64" => makemap64(t, n as i64, h),
            _ => unreachable!(),
        }
    }
}

/// Port of TestMapBuckets: maps filled to n elements (after no hint, or a hint of n given
/// to `makemap`/`makemap64`) have the expected number of buckets.
///
/// Adapted: Go's non-escaping maps live on the stack with a preallocated bucket, so their
/// bucket pointer is never nil; gomap has no stack maps. The "no escape" case is played by
/// a caller-owned header initialised in place (`makemap` with non-null `h`, which is how
/// Go passes a stack header), whose buckets are allocated on the first write like any
/// small map's. The "escape" check (more than one bucket implies a non-nil bucket pointer)
/// applies as is.
#[test]
fn map_buckets() {
    let t = MapType::for_go_types(GoKind::Int, GoKind::Int).unwrap();
    // How each sub-test makes its map from n.
    let makers = ["mapliteral", "nohint", "makemap", "makemap64"];
    for name in makers {
        // SAFETY: `h` is null or the header on this loop's stack (see below).
        let mk = |t: &MapType, n: isize, h: *mut Hmap| unsafe { make_like(name, t, n, h) };
        for (n, want) in MAP_BUCKET_TESTS {
            // SAFETY: `local` is a header on our stack, destroyed with mapdestroy; the
            // escaping map comes from t.alloc and is freed with mapfree.
            unsafe {
                let mut local = core::mem::MaybeUninit::<Hmap>::uninit();
                let lh = mk(&t, n, local.as_mut_ptr());
                assert_eq!(lh, local.as_mut_ptr());
                for i in 0..n.max(0) as i64 {
                    put(&t, lh, i, i);
                }
                assert_check(&t, lh, name);
                assert_eq!(map_buckets_count(lh), want, "{name}: no escape: n={n}");
                mapdestroy(&t, lh);
                core::ptr::drop_in_place(lh);

                let eh = mk(&t, n, ptr::null_mut());
                let count = map_buckets_count(eh);
                assert!(
                    !(count > 1 && (*eh).buckets.is_null()),
                    "{name}: escape: buckets pointer is nil for n={count} buckets"
                );
                for i in 0..n.max(0) as i64 {
                    put(&t, eh, i, i);
                }
                assert_eq!(map_buckets_count(eh), want, "{name}: escape: n={n}");
                free(&t, eh);
            }
        }
    }
}

/// The allocation side of TestMapBuckets: from B = 4 on, `makeBucketArray` allocates
/// 2^B + 2^(B-4) buckets rounded up to Go's malloc size class, and the spare ones are the
/// preallocated overflow buckets. Expected counts for `map[int]int` (144-byte buckets)
/// worked out by hand from Go 1.19's `sizeclasses.go`.
#[test]
fn map_buckets_allocation_size() {
    let tr = Tracker::new();
    let t = MapType::for_go_types(GoKind::Int, GoKind::Int)
        .unwrap()
        .with_allocator(tr.allocator());
    assert_eq!(t.bucketsize(), 144);
    // (B, buckets in the allocation)
    let want = [
        (1u8, 2usize),
        (2, 4),
        (3, 8),
        (4, 18),  // 17*144 = 2448 -> class 2688
        (5, 37),  // 34*144 = 4896 -> class 5376
        (6, 71),  // 68*144 = 9792 -> class 10240
        (7, 142), // 136*144 = 19584 -> class 20480
        (8, 284), // 272*144 = 39168 -> large: 5 pages = 40960
        (9, 568), // 544*144 = 78336 -> 10 pages = 81920
    ];
    for (b, nb) in want {
        assert_eq!(bucket_array_len(&t, b), nb, "B={b}");
        if b >= 4 {
            let base = (1usize << b) + (1usize << (b - 4));
            assert_eq!(nb, roundupsize(base * 144) / 144, "B={b}");
        }
        // The largest hint for this B: 6.5 * 2^B.
        let hint = 13 * (1isize << b) / 2;
        tr.clear_sizes();
        // SAFETY: a live map of t, freed at once.
        unsafe {
            let h = make(&t, hint);
            assert_eq!((*h).B, b);
            assert!(
                tr.sizes().contains(&(nb * 144)),
                "B={b}: allocations {:?} lack the {}-byte bucket array",
                tr.sizes(),
                nb * 144
            );
            free(&t, h);
        }
        assert_eq!(tr.live(), 0, "B={b}: leak");
    }
}

/// The TestIncrementAfterDelete* family (Go issue 25936: a fast-path delete left the elem
/// behind, and the next new entry in that cell started from it instead of zero). Go
/// compiles these maps to the fast paths, so the test runs through `dispatch` as well as
/// the generic functions.
///
/// # Safety
/// `K` and `V` are the key and elem types of `t`; `k1`, `k2` outlive the map.
unsafe fn increment_after_delete<K: Copy, V: Copy + PartialEq + core::fmt::Debug>(
    t: &MapType,
    k1: K,
    k2: K,
    v99: V,
    incr: impl Fn(V) -> V,
    want: V,
) {
    for ops in PATHS {
        // SAFETY: forwarded (caller).
        unsafe {
            let h = make(t, 0);
            ops.put(t, h, k1, v99);
            ops.del(t, h, k1);
            assert_check(t, h, "delete");
            let e = ops.slot::<K, V>(t, h, k2);
            // The new entry's elem must be zero, not the deleted entry's 99.
            *e = incr(ptr::read(e));
            assert_eq!(
                ops.get1::<K, V>(t, h, k2),
                want,
                "{}: incremented zero wrongly",
                ops.name
            );
            assert_check(t, h, "increment");
            free(t, h);
        }
    }
}

/// Port of TestIncrementAfterDeleteValueInt (Go issue 25936).
#[test]
fn increment_after_delete_value_int() {
    let t = MapType::for_go_types(GoKind::Int, GoKind::Int).unwrap();
    // SAFETY: map[int]int with i64 keys and elems.
    unsafe { increment_after_delete(&t, 12i64, 13i64, 99i64, |v| v + 1, 1) };
}

/// Port of TestIncrementAfterDeleteValueInt32.
#[test]
fn increment_after_delete_value_int32() {
    let t = MapType::for_go_types(GoKind::Int, GoKind::Int32).unwrap();
    // SAFETY: map[int]int32.
    unsafe { increment_after_delete(&t, 12i64, 13i64, 99i32, |v| v + 1, 1) };
}

/// Port of TestIncrementAfterDeleteValueInt64.
#[test]
fn increment_after_delete_value_int64() {
    let t = MapType::for_go_types(GoKind::Int, GoKind::Int64).unwrap();
    // SAFETY: map[int]int64.
    unsafe { increment_after_delete(&t, 12i64, 13i64, 99i64, |v| v + 1, 1) };
}

/// Port of TestIncrementAfterDeleteKeyStringValueInt.
#[test]
fn increment_after_delete_key_string_value_int() {
    let t = MapType::for_go_types(GoKind::String, GoKind::Int).unwrap();
    // SAFETY: map[string]int; the keys are static strings.
    unsafe { increment_after_delete(&t, gs(""), gs("x"), 99i64, |v| v + 1, 1) };
}

/// Port of TestIncrementAfterDeleteKeyValueString: `m[key2] += "1"` appends to a zero
/// (empty) string, not to the deleted entry's "99".
#[test]
fn increment_after_delete_key_value_string() {
    let t = MapType::for_go_types(GoKind::String, GoKind::String).unwrap();
    let one = "1";
    // SAFETY: map[string]string; every string is static. "Appending" to a zero GoString
    // (nil pointer, length 0) gives `one`; anything else would be the stale "99".
    unsafe {
        increment_after_delete(
            &t,
            gs(""),
            gs("x"),
            gs("99"),
            |v: GoString| {
                assert_eq!(v.len, 0, "appended '1' to a non-empty string");
                assert!(v.ptr.is_null(), "a new elem's string header is not zero");
                gs(one)
            },
            gs(one),
        )
    };
}

/// Port of TestIncrementAfterBulkClearKeyStringValueInt: the `for k := range m {
/// delete(m, k) }` idiom, here both as written (iterate and delete) and as Go's compiler
/// lowers it for reflexive keys (`mapclear`).
#[test]
fn increment_after_bulk_clear_key_string_value_int() {
    let t = MapType::for_go_types(GoKind::String, GoKind::Int).unwrap();
    for ops in PATHS {
        for lowered in [false, true] {
            // SAFETY: map[string]int with static keys; the iterator is dropped before the
            // free.
            unsafe {
                let h = make(&t, 0);
                ops.put(&t, h, gs(""), 99i64);
                if lowered {
                    mapclear(&t, h);
                } else {
                    let mut it = iter_start(&t, h);
                    while let Some((k, _)) = iter_kv::<GoString, i64>(&it) {
                        ops.del(&t, h, k);
                        mapiternext(&mut it);
                    }
                }
                assert_check(&t, h, "bulk clear");
                *ops.slot::<GoString, i64>(&t, h, gs("x")) += 1;
                assert_eq!(
                    ops.get1::<GoString, i64>(&t, h, gs("x")),
                    1,
                    "{}: incremented 0 wrongly",
                    ops.name
                );
                free(&t, h);
            }
        }
    }
}

/// Port of TestMapTombstones: after deletions, every chain is live/emptyOne cells then
/// emptyRest cells only, and no emptyOne is left just before the emptyRest run.
#[test]
fn map_tombstones() {
    let t = MapType::for_go_types(GoKind::Int, GoKind::Int).unwrap();
    const N: i64 = 10000;
    // SAFETY: a live map[int]int.
    unsafe {
        let h = make(&t, 0);
        let tomb = |what: &str| {
            // (finishing any growth first: the check reads the current array only, as Go's
            // MapTombstoneCheck does)
            finish_grow(&t, h);
            assert_check(&t, h, what);
            if let Err(e) = tombstone_check(&t, h) {
                panic!("{what}: {e}\n{}", dump_of(&t, h));
            }
        };
        // Fill a map.
        for i in 0..N {
            put(&t, h, i, i);
        }
        tomb("fill");
        // Delete half of the entries.
        for i in (0..N).step_by(2) {
            del(&t, h, i);
        }
        tomb("delete half");
        // Add new entries to fill in holes.
        for i in N..3 * N / 2 {
            put(&t, h, i, i);
        }
        tomb("refill");
        // Delete everything.
        for i in 0..3 * N / 2 {
            del(&t, h, i);
        }
        tomb("delete all");
        assert_eq!(len(h), 0);
        // Every cell of the current array is emptyRest now.
        for x in 0..1usize << (*h).B {
            for th in chain_tophash(&t, (*h).buckets, x) {
                assert_eq!(th, [EMPTY_REST; 8], "bucket {x}");
            }
        }
        free(&t, h);
    }
}

/// Port of TestDeferDeleteSlow. Go deletes `complex128` keys from a `map[any]int` with
/// deferred calls, which takes the generic (slow) `mapdelete`. Adapted: gomap has no
/// interface keys, so the keys are `complex128` in a `map[complex128]int` (also the slow
/// path), deleted in the reverse order deferred calls run in.
#[test]
fn defer_delete_slow() {
    let t = MapType::for_go_types(GoKind::Complex128, GoKind::Int).unwrap();
    assert_eq!(t.fast(), gomap::maptype::MapFast::Slow);
    let ks: [[f64; 2]; 4] = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]];
    // SAFETY: a live map[complex128]int ([f64; 2] is a complex128).
    unsafe {
        let h = make(&t, 0);
        for (i, k) in ks.iter().enumerate() {
            put(&t, h, *k, i as i64);
        }
        assert_eq!(len(h), ks.len());
        for k in ks.iter().rev() {
            del_checked(&t, h, *k);
        }
        assert_eq!(len(h), 0);
        free(&t, h);
    }
}

/// TestMapInterfaceKey's `GrabBag`, less its two interface fields.
#[repr(C)]
#[derive(Clone, Copy)]
struct GrabBag {
    f32: f32,
    _pad: u32, // explicit, so that every byte of a key is initialised
    f64: f64,
    c64: [f32; 2],
    c128: [f64; 2],
    s: GoString,
    a: [GoString; 4],
}

impl GrabBag {
    fn zero() -> GrabBag {
        GrabBag {
            f32: 0.0,
            _pad: 0,
            f64: 0.0,
            c64: [0.0; 2],
            c128: [0.0; 2],
            s: GoString {
                ptr: ptr::null(),
                len: 0,
            },
            a: [GoString {
                ptr: ptr::null(),
                len: 0,
            }; 4],
        }
    }
}

/// Go's generated struct hash for GrabBag: each field's hash seeds the next.
unsafe extern "C-unwind" fn grabbag_hash(p: *const u8, seed: usize, _t: *const Type) -> usize {
    let g = go_hashes();
    // SAFETY: `p` points at a GrabBag whose strings are live; offsets per #[repr(C)].
    unsafe {
        let mut h = hash_with(&g.f32, p.add(offset_of!(GrabBag, f32)), seed);
        h = hash_with(&g.f64, p.add(offset_of!(GrabBag, f64)), h);
        h = hash_with(&g.c64, p.add(offset_of!(GrabBag, c64)), h);
        h = hash_with(&g.c128, p.add(offset_of!(GrabBag, c128)), h);
        h = hash_with(&g.str, p.add(offset_of!(GrabBag, s)), h);
        for i in 0..4 {
            h = hash_with(&g.str, p.add(offset_of!(GrabBag, a) + 16 * i), h);
        }
        h
    }
}

unsafe extern "C-unwind" fn grabbag_equal(a: *const u8, b: *const u8, _t: *const Type) -> bool {
    // SAFETY: both point at GrabBags with live strings.
    unsafe {
        let (a, b) = (&*a.cast::<GrabBag>(), &*b.cast::<GrabBag>());
        a.f32 == b.f32
            && a.f64 == b.f64
            && a.c64 == b.c64
            && a.c128 == b.c128
            && a.s.as_bytes() == b.s.as_bytes()
            && a.a
                .iter()
                .zip(b.a.iter())
                .all(|(x, y)| x.as_bytes() == y.as_bytes())
    }
}

/// Port of TestMapInterfaceKey, adapted. Go checks every special case of `typehash` (the
/// hash of a value inside an interface) with a `map[any]bool` holding ints and a `GrabBag`
/// struct of floats, complexes, strings, interfaces and a string array. gomap has no
/// interfaces, so the port keeps what carries over: a struct key whose hash is composed
/// from Go's f32/f64/c64/c128/string hashes field by field (as the compiler does for
/// structs), in a map filled with 1000 other entries so that a bad hash would likely pick
/// a bad bucket and miss. The two interface fields (`i0 any`, `i1 interface{String()}`)
/// have no counterpart and are left out.
#[test]
fn map_interface_key() {
    // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
    // type contract for every key used with it (a refused descriptor makes no map).
    let t = unsafe {
        MapType::new(
            Type {
                size: size_of::<GrabBag>(),
                ptrdata: size_of::<GrabBag>(),
                align: 8,
                kind: Kind::Struct,
                equal: Some(grabbag_equal),
                ctx: ptr::null_mut(),
            },
            GoKind::Bool.go_type().unwrap(),
            grabbag_hash,
            MapTypeFlags::NEED_KEY_UPDATE,
        )
    }
    .unwrap();
    assert_eq!(size_of::<GrabBag>(), 120);
    assert!(!t.indirectkey());
    let z = GrabBag::zero;
    let cases: Vec<(&str, GrabBag)> = vec![
        ("f32", GrabBag { f32: 1.0, ..z() }),
        ("f64", GrabBag { f64: 1.0, ..z() }),
        (
            "c64",
            GrabBag {
                c64: [0.0, 1.0],
                ..z()
            },
        ),
        (
            "c128",
            GrabBag {
                c128: [0.0, 1.0],
                ..z()
            },
        ),
        (
            "string",
            GrabBag {
                s: gs("foo"),
                ..z()
            },
        ),
        (
            "array",
            GrabBag {
                a: [gs("foo"), gs("bar"), gs("baz"), gs("bop")],
                ..z()
            },
        ),
    ];
    // SAFETY: a live map of t whose keys' strings are static.
    unsafe {
        let h = make(&t, 0);
        // Put a bunch of data in m, so that a bad hash is likely to lead to a bad bucket,
        // which will lead to a missed lookup.
        for i in 0..1000 {
            put(
                &t,
                h,
                GrabBag {
                    f64: 2.0 + i as f64,
                    c128: [i as f64, 0.0],
                    ..z()
                },
                true,
            );
        }
        for (what, k) in &cases {
            put(&t, h, *k, true);
            assert!(get1::<GrabBag, bool>(&t, h, *k), "{what} not found");
            // An equal key with other string storage is found too.
            let copy = GrabBag {
                s: GoString {
                    ptr: "xfoo".as_ptr().add(1),
                    len: k.s.len,
                },
                ..*k
            };
            if k.s.len == 3 {
                assert!(get1::<GrabBag, bool>(&t, h, copy), "{what} copy not found");
            }
        }
        // -0 and +0 are one key, in every float field.
        put(&t, h, GrabBag { f64: -0.0, ..z() }, true);
        assert!(get1::<GrabBag, bool>(&t, h, z()));
        assert_eq!(len(h), 1000 + cases.len() + 1);
        assert_check(&t, h, "all keys");
        free(&t, h);
    }
}
