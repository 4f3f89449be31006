// `go_struct!` keys with string fields ([`GoStr`]): Go's `map[struct{name string; id
// int64}]V`. The struct hashes and compares as Go's compiled struct of the spelled type;
// the map owns the strings' bytes while a key is stored, copies a new equal key over the
// stored one as Go does (`needkeyupdate`), and frees every key exactly once.
//
// The test binary installs a global allocator that counts this thread's live blocks (so
// a leak or a double free shows as a changed count) and scribbles over every block it
// frees without reusing it (so a read of freed bytes, such as a dump printing a stale
// copy of a freed key, shows as changed output).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use gomap::export_test::maptype::spell::parse_type;
use gomap::go_struct;
use gomap::maptype::{genalg, GoKind, GoType, KeyHash, MapType};
use gomap::typed::keys::{GoDyn, GoField, GoStr};
use gomap::typed::{GoKey, GoMap};

#[path = "../common/mod.rs"]
mod common;

/// The byte freed blocks are filled with.
const SCRIBBLE: u8 = 0xa5;

thread_local! {
    /// Blocks allocated and not freed by this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

/// The system allocator, counting this thread's live blocks, scribbling over freed blocks
/// and never reusing them (these tests allocate little).
struct Counting;

// SAFETY: forwards to `System`, only writing into the block being freed, which the caller
// gives up; the block is then leaked.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        let _ = LIVE.try_with(|c| c.set(c.get() - 1));
        // SAFETY: `p` is a live block of `l.size()` bytes (caller), never used again.
        unsafe { p.write_bytes(SCRIBBLE, l.size()) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// This thread's live blocks.
fn live() -> isize {
    LIVE.with(Cell::get)
}

/// Whether a dump shows scribbled (freed) bytes.
fn shows_freed_bytes(dump: &str) -> bool {
    dump.contains("a5a5a5a5")
}

/// Runs `f` twice and checks that the second run leaves as many live blocks as it found
/// (the first one makes what is made once per process: type descriptors, hash keys).
fn no_leak(what: &str, f: impl Fn()) {
    f();
    let before = live();
    f();
    assert_eq!(live(), before, "{what}: blocks leaked (or freed twice)");
}

go_struct! {
    /// Go's `struct { name string; id int64 }`.
    pub struct Named { name: GoStr, id: i64 }
}

go_struct! {
    /// `struct { name string; x float64; _ int32 }`: a float and a blank field, both
    /// updated by Go's key update.
    pub struct Tagged { name: GoStr, x: f64, _pad: i32 }
}

go_struct! {
    /// `struct { tag string; n int32 }`, nested below.
    pub struct Inner { tag: GoStr, n: i32 }
}

go_struct! {
    /// `struct { inner struct { tag string; n int32 }; names [2]string; k uint8 }`.
    pub struct Outer { inner: Inner, names: [GoStr; 2], k: u8 }
}

go_struct! {
    /// A struct without strings stays plain data, and may be `Copy`.
    #[derive(Copy)]
    pub struct Plain { a: i32, b: i32 }
}

fn named(name: &str, id: i64) -> Named {
    Named {
        name: name.into(),
        id,
    }
}

/// `(growing, B)` of a classic map; a Swiss map grows at once, so it is never growing
/// (`(false, 0)`).
fn state<K: GoKey, V>(m: &GoMap<K, V>) -> (bool, u8) {
    let Some((_, h)) = m.raw_classic() else {
        return (false, 0);
    };
    // SAFETY: reading the header of a live map while it is borrowed.
    unsafe { ((*h).growing(), (*h).B) }
}

#[test]
fn go_str_is_an_owned_go_string_header() {
    no_leak("GoStr", || {
        let s = GoStr::from("gopher");
        let t = s.clone();
        assert_eq!((&*s, &*t), ("gopher", "gopher"));
        assert_ne!(s.as_ptr(), t.as_ptr(), "clone copies the bytes");
        assert_eq!(s, t);
        assert_eq!(s, "gopher");
        assert_eq!(format!("{s} {s:?}"), "gopher \"gopher\"");
        assert!(GoStr::from("a").cmp(&GoStr::from("b")).is_lt());
        let set: std::collections::HashSet<GoStr> = [s.clone(), t.clone()].into();
        assert_eq!(set.len(), 1);
        let owned: String = t.into();
        assert_eq!(owned, "gopher");
        assert_eq!(GoStr::from(String::from("x")).into_string(), "x");
        let e = GoStr::default();
        assert_eq!((e.len(), &*e), (0, ""));
        assert_eq!(GoStr::from(""), e);
        // The header Go stores: data pointer, then length.
        let mut img = [0u8; 16];
        // SAFETY: 16 writable bytes.
        unsafe { s.write_to(img.as_mut_ptr()) };
        assert_eq!(img[..8], (s.as_ptr() as usize).to_le_bytes());
        assert_eq!(img[8..], 6usize.to_le_bytes());
    });
    fn send_sync<T: Send + Sync>() {}
    send_sync::<GoStr>();
    send_sync::<Named>();
    send_sync::<GoMap<Named, String>>();
    assert_eq!(GoStr::go_type(), GoType::scalar(GoKind::String));
    assert_eq!(GoStr::go_type(), parse_type("str", &|_| None).unwrap());
    assert_eq!(
        (GoStr::OWNS, Named::OWNS, Outer::OWNS, <[GoStr; 2]>::OWNS),
        (true, true, true, true)
    );
    assert_eq!(
        (Plain::OWNS, <[GoStr; 0]>::OWNS, <[i64; 2]>::OWNS),
        (false, false, false)
    );
}

#[test]
fn go_struct_with_string_is_gos_compiled_struct() {
    let m: GoMap<Named, i64> = new_map();
    let t = m.map_type();
    let spelled = parse_type("struct{str,i64}", &|_| None).unwrap();
    let ref_t = MapType::for_types(spelled, spelled, KeyHash::Compiled).unwrap();
    assert_eq!(Named::go_type().name(), "struct { name string; id int64 }");
    assert_eq!(
        (Named::go_type().size(), Named::go_type().align()),
        (spelled.size(), spelled.align())
    );
    assert_eq!((t.keysize(), t.flags()), (24, ref_t.flags()));
    assert!(t.needkeyupdate() && t.reflexivekey() && !t.hashMightPanic());
    no_leak("hashing", || {
        // Equal keys in different memory hash alike, as the spelled type hashes them.
        let a = named("gopher", 7);
        let b = named("gopher", 7);
        assert_ne!(a.name.as_ptr(), b.name.as_ptr());
        let (mut ia, mut ib) = ([0u8; 24], [0u8; 24]);
        // SAFETY: 24 writable bytes each.
        unsafe {
            a.write_to(ia.as_mut_ptr());
            b.write_to(ib.as_mut_ptr());
        }
        for seed in [0usize, 1, 0xdead_beef] {
            // SAFETY: both images are values of both (layout-identical) struct types, their
            // strings alive.
            unsafe {
                let h = genalg::genhash(spelled, ia.as_ptr(), seed);
                assert_eq!(t.hash(ia.as_ptr(), seed), h);
                assert_eq!(t.hash(ib.as_ptr(), seed), h);
                assert!(t.key_equal(ia.as_ptr(), ib.as_ptr()));
            }
        }
        let c = named("gopher", 8);
        let mut ic = [0u8; 24];
        // SAFETY: 24 writable bytes.
        unsafe { c.write_to(ic.as_mut_ptr()) };
        // SAFETY: values of the key type.
        assert!(!unsafe { t.key_equal(ia.as_ptr(), ic.as_ptr()) });
    });
    // Nested structs and string arrays are Go's types too.
    assert_eq!(
        Outer::go_type(),
        parse_type("struct{struct{str,i32},[2]str,u8}", &|_| None)
            .map(|u| {
                assert_eq!((u.size(), u.align()), (64, 8));
                Outer::go_type()
            })
            .unwrap()
    );
    assert_eq!(
        Outer::go_type().name(),
        "struct { inner struct { tag string; n int32 }; names [2]string; k uint8 }"
    );
}

#[test]
fn string_struct_keys_grow_remove_retain_clear_and_free_everything() {
    no_leak("map", || {
        let mut m: GoMap<Named, String> = new_map();
        for i in 0..2000 {
            assert_eq!(
                m.insert(named(&format!("n{}", i % 500), i / 500), i.to_string()),
                None
            );
        }
        assert_eq!(m.len(), 2000);
        m.check().unwrap();
        assert_eq!(m.get(&named("n17", 3)).map(String::as_str), Some("1517"));
        assert_eq!(m.get(&named("n17", 4)), None);
        assert_eq!(m.get(&named("n1700", 0)), None);
        assert!(m.contains_key(&named("n0", 0)));
        assert_eq!(m.remove(&named("n3", 0)).as_deref(), Some("3"));
        assert_eq!(m.remove(&named("n3", 0)), None);
        let (k, v) = m.remove_entry(&named("n4", 1)).unwrap();
        assert_eq!((&*k.name, k.id, v.as_str()), ("n4", 1, "504"));
        *m.entry(named("n5", 0)).or_default() += "!";
        m.entry(named("new", 9)).or_insert_with(|| "fresh".into());
        assert_eq!(m[&named("n5", 0)], "5!");
        assert_eq!(m.len(), 1999);
        m.retain(|k, _| k.id != 2);
        assert_eq!(m.len(), 1999 - 500);
        assert!(m.iter().all(|(k, _)| k.id != 2 && k.name.starts_with('n')));
        m.check().unwrap();
        assert!(!shows_freed_bytes(&m.dump()));
        let c = m.clone();
        assert_eq!(c, m);
        m.clear();
        assert!(m.is_empty());
        m.check().unwrap();
        let mut n = 0;
        for (k, v) in c {
            n += 1;
            assert_eq!(k.name.is_empty(), v.is_empty());
        }
        assert_eq!(n, 1499);
        // Dropped with entries in it.
        let m: GoMap<Named, u8> = map_from((0..300).map(|i| (named(&format!("d{i}"), i), 1)));
        assert_eq!(m.len(), 300);
    });
}

#[test]
fn overwriting_an_equal_key_updates_the_stored_key_as_go_does() {
    no_leak("key update", || {
        let mut m: GoMap<Named, i32> = new_map();
        let first = named("gopher", 1);
        let p1 = first.name.as_ptr();
        m.insert(first, 1);
        let second = named("gopher", 1);
        let p2 = second.name.as_ptr();
        assert_eq!(m.insert(second, 2), Some(1));
        let (k, v) = m.get_key_value(&named("gopher", 1)).unwrap();
        assert_eq!(
            (*v, k.name.as_ptr()),
            (2, p2),
            "the new key's bytes are stored"
        );
        assert_ne!(p1, p2);
        assert_eq!(m.len(), 1);
        assert!(!shows_freed_bytes(&m.dump()));

        // A float and a blank field are copied over too, as Go copies the whole key.
        let mut t: GoMap<Tagged, u8> = new_map();
        t.insert(
            Tagged {
                name: "x".into(),
                x: 0.0,
                _pad: 1,
            },
            1,
        );
        t.insert(
            Tagged {
                name: "x".into(),
                x: -0.0,
                _pad: 2,
            },
            2,
        );
        let (k, v) = t.iter().next().unwrap();
        assert_eq!((t.len(), *v, k._pad), (1, 2, 2));
        assert!(k.x.is_sign_negative(), "needkeyupdate stored -0");
        // A NaN key is never found: each insert adds an entry, freed by drop.
        for _ in 0..3 {
            t.insert(
                Tagged {
                    name: "nan".into(),
                    x: f64::NAN,
                    _pad: 0,
                },
                0,
            );
        }
        assert_eq!(t.len(), 4);
        t.retain(|_, _| false);
        assert_eq!(t.len(), 3, "NaN keys cannot be deleted by key");
        t.check().unwrap();
    });
}

/// Overwrites and removals while the map grows with Go's old-iterator flag set (so
/// evacuated old buckets keep stale copies of their keys): the replaced keys stay alive
/// while a stale copy may show them, and are freed once the growth is over.
#[test]
fn key_updates_and_removals_during_growth_keep_stale_copies_readable() {
    no_leak("growth", || {
        let n = 13 << 4 >> 1; // 6.5 * 2^4: the most entries that do not grow
        let mut m: GoMap<Named, usize> = map_with_capacity(n);
        for i in 0..n {
            m.insert(named(&format!("key-{i:06}"), 1), i);
        }
        drop(m.iter());
        m.insert(named("key-last", 1), 0);
        assert!(swiss() || state(&m) == (true, 5), "{}", m.dump());
        for i in (0..n).step_by(3) {
            assert_eq!(m.insert(named(&format!("key-{i:06}"), 1), i + 1), Some(i));
            let d = m.dump();
            assert!(!shows_freed_bytes(&d), "{d}");
        }
        for i in (1..n).step_by(3) {
            assert_eq!(m.remove(&named(&format!("key-{i:06}"), 1)), Some(i));
        }
        let d = m.dump();
        assert!(!shows_freed_bytes(&d), "{d}");
        m.check().unwrap();
        // Finish the growth (each write evacuates), then everything is freed as usual.
        let mut i = 0;
        while state(&m).0 {
            m.insert(named(&format!("more-{i}"), 2), 0);
            i += 1;
        }
        assert!(!shows_freed_bytes(&m.dump()));
        for i in (0..n).step_by(3) {
            assert_eq!(m[&named(&format!("key-{i:06}"), 1)], i + 1);
        }
        m.check().unwrap();
    });
}

/// A panic in `retain`'s closure mid-growth: the removed keys are kept while stale copies
/// may show them, the map goes on working, and nothing leaks.
#[test]
fn retain_closure_panic_with_string_struct_keys() {
    no_leak("retain panic", || {
        let n = 13 << 5 >> 1;
        let mut m: GoMap<Named, Vec<u8>> = map_with_capacity(n);
        for i in 0..n {
            m.insert(named(&format!("r{i}"), i as i64), vec![1]);
        }
        drop(m.iter());
        m.insert(named("last", -1), vec![]);
        assert!(swiss() || state(&m).0);
        assert!(common::retain_panicking_at(&mut m, 6));
        assert_eq!(m.len(), n + 1 - 5);
        let d = m.dump();
        assert!(!shows_freed_bytes(&d), "{d}");
        m.check().unwrap();
        m.retain(|k, _| k.id % 2 == 0);
        assert!(m.iter().all(|(k, _)| k.id % 2 == 0));
        m.check().unwrap();
    });
}

/// A value whose `Drop` panics in `clear`: every string key is still freed.
#[test]
fn clear_with_a_panicking_value_drop_frees_every_key() {
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.0 {
                panic!("value drop panics");
            }
        }
    }
    no_leak("clear panic", || {
        let mut m: GoMap<Named, Bomb> = map_from((0..100).map(|i| (named("b", i), Bomb(i == 50))));
        assert!(catch_unwind(AssertUnwindSafe(|| m.clear())).is_err());
        assert!(m.is_empty());
        m.check().unwrap();
    });
}

#[test]
fn nested_structs_and_string_arrays() {
    no_leak("nested", || {
        let outer = |i: i32| Outer {
            inner: Inner {
                tag: format!("t{}", i % 10).into(),
                n: i,
            },
            names: [format!("a{i}").into(), GoStr::new()],
            k: (i % 3) as u8,
        };
        let mut m: GoMap<Outer, i32> = map_from((0..500).map(|i| (outer(i), i)));
        assert_eq!(m.len(), 500);
        assert_eq!(m.get(&outer(77)), Some(&77));
        let mut other = outer(77);
        other.names[1] = "b".into();
        assert_eq!(m.get(&other), None);
        assert_eq!(m.insert(outer(77), -77), Some(77));
        assert_eq!(m.remove(&outer(78)), Some(78));
        m.retain(|k, _| k.k != 0);
        assert!(m
            .iter()
            .all(|(k, v)| k.k != 0 && k.inner.n.abs() == v.abs()));
        m.check().unwrap();
        assert!(!shows_freed_bytes(&m.dump()));
        let keys: Vec<Outer> = m.into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys.len(), 500 - 1 - 166);
    });
}

/// `GoDyn::new` takes over a struct's strings: the interface value owns them.
#[test]
fn interface_values_take_over_struct_strings() {
    no_leak("GoDyn", || {
        let mut m: GoMap<GoDyn, u8> = new_map();
        m.insert(GoDyn::new(named("a", 1)), 1);
        m.insert(GoDyn::new(GoStr::from("s")), 2);
        m.insert(GoDyn::new([GoStr::from("x"), GoStr::from("")]), 3);
        assert_eq!(m.get(&GoDyn::new(named("a", 1))), Some(&1));
        assert_eq!(m.get(&GoDyn::string("s")), Some(&2), "GoStr is Go's string");
        assert_eq!(
            m.get(&GoDyn::new([GoStr::from("x"), GoStr::new()])),
            Some(&3)
        );
        let c = GoDyn::new(named("a", 1)).clone();
        assert!(c.go_eq(&GoDyn::new(named("a", 1))));
        m.check().unwrap();
    });
}
