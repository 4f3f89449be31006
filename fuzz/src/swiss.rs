//! Target `ops_swiss`: operation sequences on the Swiss engine (`gomap::swiss`), for every
//! release, with `check` (see below for how often) and a `HashMap` model.
//!
//! Input: byte 0 picks the release, byte 1 the key/elem layout (4-, 8- and 16-byte keys,
//! an indirect 136-byte key, a zero-size and an indirect 200-byte elem), byte 2 the hint;
//! then one operation per byte and its operands: put, delete, get, clear, clone (which
//! then replaces the map), and up to three iterators started and advanced with writes
//! in between (`check` after each step while the map is small, every 16th step once
//! it is not, and at the end). Keys come from a small space (two bytes) so that they collide,
//! overwrite, and pile up tombstones. Every entry an iterator yields must be in the
//! model with its current elem (Go's iteration promises) and come at most once (a key
//! deleted and put again is a new entry, which may come again).

use std::collections::{HashMap, HashSet};

use gomap::export_test::swiss::check::check;
use gomap::export_test::swiss::dump::dump;
use gomap::export_test::swiss::map::{mapfree, Map};
use gomap::maptype::{GoKind, MapType};
use gomap::swiss::runtime::{
    makemap, mapaccess2, mapassign_compiled, mapclear, mapclone, mapdelete,
};
use gomap::swiss::{Iter, SwissMapType, SwissRelease};

use crate::Cursor;

const LAYOUTS: &[(GoKind, GoKind)] = &[
    (GoKind::Int64, GoKind::Int64),
    (GoKind::Int32, GoKind::Int32),
    (GoKind::Bytes(16), GoKind::Int64),
    (GoKind::Bytes(136), GoKind::Int32),
    (GoKind::Int64, GoKind::EmptyStruct),
    (GoKind::Int64, GoKind::Bytes(200)),
];

/// Panics with the dump when an invariant is broken.
///
/// # Safety
/// `m` is a live map of `t`.
unsafe fn check_or_die(t: &SwissMapType, m: &Map, what: &str) {
    // SAFETY: forwarded.
    if let Err(e) = unsafe { check(t, m) } {
        // SAFETY: forwarded.
        let d = unsafe { dump(t, m) };
        panic!("check failed after {what}: {e}\n{d}");
    }
}

struct It {
    it: Box<Iter>,
    seen: HashSet<u16>,
}

/// The `ops_swiss` target.
pub fn ops_swiss(data: &[u8]) {
    let mut c = Cursor::new(data);
    let r = SwissRelease::ALL[c.u8() as usize % SwissRelease::ALL.len()];
    let (kk, ek) = LAYOUTS[c.u8() as usize % LAYOUTS.len()];
    let hint = c.u8() as isize * 4;
    let t = SwissMapType::new(&MapType::for_go_types(kk, ek).expect("valid"), r);
    let ksize = t.key().size;
    let esize = t.elem().size;
    let key = |k: u16| {
        let mut b = vec![0u8; ksize];
        b[..2].copy_from_slice(&k.to_le_bytes());
        b
    };
    let mut m = makemap(&t, hint);
    let mut old: Vec<Box<Map>> = Vec::new();
    let mut model: HashMap<u16, u8> = HashMap::new();
    let mut iters: Vec<It> = Vec::new();
    let mut steps = 0;
    while !c.done() && steps < 4000 {
        steps += 1;
        let op = c.u8();
        let k = c.u16() % 1500;
        let what = format!("op {op} key {k} at step {steps}");
        // SAFETY: `m` and the maps in `old` are live maps of `t`; keys are `ksize`
        // bytes; iterators are dropped before their maps.
        unsafe {
            match op % 16 {
                0..=6 => {
                    let v = c.u8();
                    let p = mapassign_compiled(&t, &mut *m, key(k).as_ptr());
                    if esize > 0 {
                        std::ptr::write_bytes(p, v, esize);
                    }
                    model.insert(k, if esize > 0 { v } else { 0 });
                }
                7..=10 => {
                    mapdelete(&t, &mut *m, key(k).as_ptr());
                    // A key deleted and put again is a new entry, which an iterator
                    // may return again.
                    if model.remove(&k).is_some() {
                        for st in &mut iters {
                            st.seen.remove(&k);
                        }
                    }
                }
                11 => {
                    let (p, ok) = mapaccess2(&t, &*m, key(k).as_ptr());
                    assert_eq!(ok, model.contains_key(&k), "get {k}");
                    if ok && esize > 0 {
                        assert_eq!(*p, model[&k], "get {k}");
                    }
                }
                12 => {
                    if op & 0x10 != 0 {
                        mapclear(&t, &mut *m);
                        model.clear();
                        for st in &mut iters {
                            st.seen.clear();
                        }
                    } else {
                        // The clone replaces the map; the old one lives on for its
                        // iterators.
                        let c2 = mapclone(&t, &m);
                        check_or_die(&t, &c2, "clone");
                        old.push(std::mem::replace(&mut m, c2));
                        iters.clear();
                    }
                }
                13 => {
                    let (r1, r2) = (c.u64(), c.u64());
                    if iters.len() < 3 {
                        let mut it = Box::new(Iter::new());
                        it.Init_r(&t, &mut *m, r1, r2);
                        iters.push(It {
                            it,
                            seen: HashSet::new(),
                        });
                    }
                }
                _ => {
                    if !iters.is_empty() {
                        let i = k as usize % iters.len();
                        let st = &mut iters[i];
                        for _ in 0..1 + op % 4 {
                            st.it.Next();
                            if st.it.Key().is_null() {
                                break;
                            }
                            let kk = u16::from_le_bytes([*st.it.Key(), *st.it.Key().add(1)]);
                            assert!(st.seen.insert(kk), "iterator returned {kk} twice");
                            let want = model.get(&kk);
                            assert!(want.is_some(), "iterator returned deleted key {kk}");
                            if esize > 0 {
                                assert_eq!(Some(&*st.it.Elem()), want, "stale elem of {kk}");
                            }
                        }
                    }
                }
            }
            assert_eq!(m.Used() as usize, model.len(), "{what}");
            // The whole-map check is O(capacity): after every step while the map is
            // small, every 16th step once it is not (so an input runs in milliseconds,
            // not a second), and at the end. A broken invariant persists until the
            // next check, which then reports it.
            if model.len() < 64 || steps % 16 == 0 {
                check_or_die(&t, &m, &what);
            }
        }
    }
    // SAFETY: `m` is a live map of `t`.
    unsafe { check_or_die(&t, &m, "the last step") };
    if std::env::var_os("OPS_SWISS_STATS").is_some() {
        eprintln!(
            "ops_swiss: {r} {kk:?}/{ek:?}: {steps} steps, {} entries",
            model.len()
        );
    }
    drop(iters);
    // SAFETY: our maps of `t`, with no iterators left.
    unsafe {
        for o in old {
            mapfree(&t, o);
        }
        mapfree(&t, m);
    }
}
