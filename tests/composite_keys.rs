//! Struct, array and interface keys through the runtime: Go's panics for unhashable and
//! uncomparable dynamic values (on insert, lookup and delete, in nil, empty and full
//! maps), NaN inside an interface, fast-path routing of one-field string structs, and maps
//! of padded and float-holding structs behaving as Go's `==` says.

use gomap::export_test::maptype::spell::{parse_type, ValueArena};
use gomap::export_test::runtime::{self, rand, Hmap};
use gomap::maptype::alg::{C0, C1};
use gomap::maptype::{genalg, GoKind, GoType, KeyHash, MapFast, MapType, MapTypeFlags};

fn ty(s: &str) -> GoType {
    parse_type(s, &|_| None).unwrap()
}

fn i64t() -> GoType {
    GoType::scalar(GoKind::Int64)
}

/// The panic message of `f`.
fn panic_of(f: impl FnOnce()) -> String {
    let e = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("no panic");
    gomap::panic_message(&*e).unwrap().to_string()
}

struct Map {
    t: MapType,
    h: *mut Hmap,
    arena: ValueArena,
    key: GoType,
}

impl Map {
    fn new(key: &str, hash: KeyHash) -> Map {
        let key = ty(key);
        let t = MapType::for_types(key, i64t(), hash).unwrap();
        // SAFETY: a new map of `t`, freed in Drop.
        let h = unsafe { runtime::makemap(&t, 0, std::ptr::null_mut()) };
        Map {
            t,
            h,
            arena: ValueArena::new(),
            key,
        }
    }
    fn k(&mut self, v: &str) -> *const u8 {
        self.arena
            .parse_value(self.key, v, 0xa5, &|_| None, true)
            .unwrap()
    }
    fn put(&mut self, k: &str, v: i64) {
        let p = self.k(k);
        // SAFETY: a key of the map's type, kept alive by the arena as long as the map.
        unsafe { *runtime::map_assign(&self.t, self.h, p).cast::<i64>() = v };
    }
    fn get(&mut self, k: &str) -> Option<i64> {
        let p = self.k(k);
        // SAFETY: as in put.
        let (e, ok) = unsafe { runtime::map_access2(&self.t, self.h, p) };
        // SAFETY: a found elem is an i64.
        ok.then(|| unsafe { *e.cast::<i64>() })
    }
    fn del(&mut self, k: &str) {
        let p = self.k(k);
        // SAFETY: as in put.
        unsafe { runtime::map_delete(&self.t, self.h, p) };
    }
    fn len(&self) -> usize {
        // SAFETY: live map.
        unsafe { (*self.h).count }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: made in new, freed once.
        unsafe { runtime::mapfree(&self.t, self.h) };
    }
}

const UNHASHABLE: &str = "runtime error: hash of unhashable type []int64";

#[test]
fn unhashable_dynamic_values_panic_on_insert_lookup_and_delete_even_when_empty() {
    let mut m = Map::new("any", KeyHash::Compiled);
    assert!(m.t.hashMightPanic());
    // Empty map: lookup and delete still hash (hashMightPanic, Go issue 23734).
    assert_eq!(
        panic_of(|| {
            let _ = m.get("[]i64:-");
        }),
        UNHASHABLE
    );
    assert_eq!(panic_of(|| m.del("[]i64:-")), UNHASHABLE);
    assert_eq!(panic_of(|| m.put("[]i64:-", 1)), UNHASHABLE);
    assert_eq!(m.len(), 0);
    m.put("i64:1", 10);
    m.put("str:6162", 20);
    m.put("nil", 30);
    m.put("struct{i64,i64}:{1,2}", 40);
    assert_eq!(
        panic_of(|| m.put("struct{i64,[]i64}:{1,-}", 1)),
        "runtime error: hash of unhashable type struct { F0 int64; F1 []int64 }"
    );
    assert_eq!(
        panic_of(|| {
            let _ = m.get("[]i64:-");
        }),
        UNHASHABLE
    );
    // The map is intact and usable after the panics (the hasher runs before hashWriting).
    assert_eq!(m.len(), 4);
    assert_eq!(m.get("i64:1"), Some(10));
    assert_eq!(m.get("i32:1"), None, "another dynamic type is another key");
    assert_eq!(m.get("str:6162"), Some(20));
    assert_eq!(m.get("nil"), Some(30));
    assert_eq!(m.get("struct{i64,i64}:{1,2}"), Some(40));
    m.del("nil");
    assert_eq!(m.len(), 3);
    // SAFETY: live map of its type.
    unsafe { runtime::check(&m.t, m.h).unwrap() };

    // A nil map hashes too.
    let t = m.t;
    let p = m.k("[]i64:-");
    // SAFETY: a null map is Go's nil map; `p` is a key.
    let msg = panic_of(|| unsafe {
        runtime::map_access2(&t, std::ptr::null_mut(), p);
    });
    assert_eq!(msg, UNHASHABLE);
}

#[test]
fn comparing_uncomparable_values_panics_in_lookups() {
    // Two keys whose hashes collide only by value: an uncomparable value cannot even be
    // hashed, so the comparison panic is reached through a struct key's equal function.
    let t = ty("struct{any,i64}");
    let mt = MapType::for_types(t, i64t(), KeyHash::Compiled).unwrap();
    let mut a = ValueArena::new();
    let x = a.parse_value(t, "{[]i64:-,1}", 0, &|_| None, true).unwrap();
    let y = a.parse_value(t, "{[]i64:-,1}", 0, &|_| None, true).unwrap();
    let z = a.parse_value(t, "{[]i64:-,2}", 0, &|_| None, true).unwrap();
    // SAFETY: values of the key type.
    unsafe {
        assert_eq!(
            panic_of(|| {
                let _ = mt.key_equal(x, y);
            }),
            "runtime error: comparing uncomparable type []int64"
        );
        // Different types or a difference before the interface: no comparison, no panic.
        let w = a.parse_value(t, "{i64:1,1}", 0, &|_| None, true).unwrap();
        assert!(!mt.key_equal(x, w));
        // The interface comes first: compared (and panicking) before the int differs.
        assert!(panic_of(|| {
            let _ = mt.key_equal(x, z);
        })
        .contains("uncomparable"));
    }
    // With the int first, a difference there settles it without reaching the interface.
    let t = ty("struct{i64,any}");
    let mt = MapType::for_types(t, i64t(), KeyHash::Compiled).unwrap();
    let x = a.parse_value(t, "{1,[]i64:-}", 0, &|_| None, true).unwrap();
    let z = a.parse_value(t, "{2,[]i64:-}", 0, &|_| None, true).unwrap();
    // SAFETY: values of the key type.
    assert!(!unsafe { mt.key_equal(x, z) });
}

#[test]
fn nil_interface_hashes_to_the_seed_and_nan_draws_fastrand() {
    let any = GoType::any();
    let mut a = ValueArena::new();
    let nil = a.parse_value(any, "nil", 0, &|_| None, true).unwrap();
    let nan = a.parse_value(any, "f64:NaN", 0, &|_| None, true).unwrap();
    for seed in [0usize, 7, usize::MAX] {
        // SAFETY: interface values in the arena.
        assert_eq!(unsafe { genalg::nilinterhash(nil, seed) }, seed);
    }
    rand::set_fastrand_state(99);
    let r = rand::fastrand() as usize;
    rand::set_fastrand_state(99);
    // SAFETY: as above.
    let h = unsafe { genalg::nilinterhash(nan, 5) };
    // c1 * f64hash(NaN, 5^c0) = c1 * (c1 * (c0 ^ (5^c0) ^ fastrand())).
    assert_eq!(h, C1.wrapping_mul(C1.wrapping_mul(C0 ^ (5 ^ C0) ^ r)));

    // In a map: every NaN is a new key.
    let mut m = Map::new("any", KeyHash::Compiled);
    for i in 0..20 {
        m.put("f64:NaN", i);
    }
    assert_eq!(m.len(), 20);
    assert_eq!(m.get("f64:NaN"), None);
    m.put("f64:0", 1);
    m.put("f64:-0", 2);
    assert_eq!((m.len(), m.get("f64:0")), (21, Some(2)), "+0 == -0");
}

#[test]
fn struct_keys_follow_gos_equality_and_routing() {
    // Padded struct with floats: -0 finds +0, NaN never found, padding never read.
    let mut m = Map::new("struct{i8,f64,str}", KeyHash::Compiled);
    assert!(!m.t.reflexivekey() && m.t.needkeyupdate() && !m.t.hashMightPanic());
    assert_eq!(m.t.fast(), MapFast::Slow);
    for i in 0..200 {
        m.put(&format!("{{{},{}.5,{:02x}}}", i % 100, i, i), i);
    }
    assert_eq!(m.len(), 200);
    m.put("{1,0,-}", 1000);
    assert_eq!(m.get("{1,-0,-}"), Some(1000));
    m.put("{1,NaN,-}", 1);
    m.put("{1,NaN,-}", 1);
    assert_eq!(m.len(), 203);
    // SAFETY: live map.
    unsafe { runtime::check(&m.t, m.h).unwrap() };

    // One-field string structs and one-element string arrays are strings to Go:
    // strhash and the faststr family.
    for s in ["struct{str}", "[1]str"] {
        let mut m = Map::new(s, KeyHash::Compiled);
        assert_eq!(m.t.fast(), MapFast::FastStr, "{s}");
        let k = |i: i32| {
            if s.starts_with('[') {
                format!("[{i:04x}]")
            } else {
                format!("{{{i:04x}}}")
            }
        };
        for i in 0..100 {
            m.put(&k(i), i as i64);
        }
        assert_eq!((m.len(), m.get(&k(42))), (100, Some(42)));
        m.del(&k(42));
        assert_eq!(m.get(&k(42)), None);
    }
    // AMEM64 structs take the fast64 family; a reflect.MapOf map of the same key the
    // generic one, hashed by typehash.
    let m = Map::new("struct{i32,i32}", KeyHash::Compiled);
    assert_eq!(m.t.fast(), MapFast::Fast64);
    let m = Map::new("struct{i32,i32}", KeyHash::TypeHash);
    assert_eq!(m.t.fast(), MapFast::Slow);
    let m = Map::new("struct{[200]u8}", KeyHash::Compiled);
    assert!(m.t.flags().contains(MapTypeFlags::INDIRECT_KEY));
}

#[test]
fn typehash_maps_and_compiled_maps_hash_differently_but_agree_on_contents() {
    let mut c = Map::new("struct{i64,str}", KeyHash::Compiled);
    let mut r = Map::new("struct{i64,str}", KeyHash::TypeHash);
    let mut a = ValueArena::new();
    let t = ty("struct{i64,str}");
    let v = a.parse_value(t, "{7,6869}", 0, &|_| None, true).unwrap();
    // SAFETY: a value of the key type.
    unsafe {
        assert_ne!(
            c.t.hash(v, 1),
            r.t.hash(v, 1),
            "memhash of the run vs memhash64"
        );
        assert_eq!(r.t.hash(v, 1), genalg::typehash(t, v, 1));
    }
    for i in 0..50 {
        c.put(&format!("{{{i},6869}}"), i);
        r.put(&format!("{{{i},6869}}"), i);
    }
    for i in 0..50 {
        assert_eq!(c.get(&format!("{{{i},6869}}")), Some(i));
        assert_eq!(r.get(&format!("{{{i},6869}}")), Some(i));
    }
}

#[test]
fn direct_interface_values_compare_and_hash_their_data_word() {
    use gomap::maptype::alg::{memhash64, C0, C1};
    use gomap::maptype::GoIface;
    let p = GoType::pointer(Some(i64t()));
    let (x, y) = (5i64, 5i64);
    let a = GoIface {
        typ: p.as_ptr(),
        data: (&x as *const i64).cast(),
    };
    let b = GoIface {
        typ: p.as_ptr(),
        data: (&y as *const i64).cast(),
    };
    let (pa, pb): (*const u8, *const u8) =
        ((&a as *const GoIface).cast(), (&b as *const GoIface).cast());
    // SAFETY: interface values of a pointer type (the data word is the value).
    unsafe {
        assert!(genalg::nilinterequal(pa, pa));
        assert!(
            !genalg::nilinterequal(pa, pb),
            "pointers to equal ints differ"
        );
        let word = (&a.data as *const *const u8).cast::<u8>();
        assert_eq!(
            genalg::nilinterhash(pa, 9),
            C1.wrapping_mul(memhash64(word, 9 ^ C0))
        );
    }
}
