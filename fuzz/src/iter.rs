//! Target `iter_mutate`: up to three live iterators on one map, advanced while entries
//! are inserted, deleted, grown into new arrays and cleared. Checks Go's promises for
//! `for k, v := range m` (the spec's "For statements with range clause", and what
//! go1.19's `mapiternext` implements):
//!
//! 1. an entry is never produced twice (a key may come again only as a new entry: deleted
//!    and inserted again after it was produced);
//! 2. what is produced is in the map at that moment, with its current elem (so an entry
//!    deleted before it is reached is not produced, and an update is seen);
//! 3. every entry present for the whole iteration (never deleted) is produced exactly once.
//!
//! NaN keys (the `f64` layout) are entries that cannot be looked up or deleted; they are
//! told apart by their elems and obey the same three rules. After a `mapclear` an
//! iterator is only required not to crash: go1.19's `mapclear` (emitted only for the
//! `for k := range m { delete(m, k) }` idiom) leaves the old array of an unfinished growth
//! to iterators that still walk it, so they may produce entries from before the clear.
//!
//! Input: byte 0 the layout, byte 1 the hint, then operations `op` (low 3 bits: 0 start
//! iterator `op>>3 & 3`, 1-2 advance it by 1..16, 3-4 put, 5 delete, 6 put or delete a
//! run of keys, 7 clear when `op >> 4 == 0xf` or drop an iterator) with key bytes as in
//! `ops` (see [`crate::ops::key_idx`]).

use std::collections::{HashMap, HashSet};

use gomap::maptype::MapFast;
use gomap::runtime::{self, Hiter};
use gomap::GoKind;

use crate::layout::{custom, read, weak_hash, weak_strhash, Layout, Path};
use crate::ops::{hint_of, key_idx, Harness};
use crate::Cursor;

fn layout(i: u8) -> (Layout, Path) {
    match i % 7 {
        0 => (
            Layout::go("i64_i64", GoKind::Int64, GoKind::Int64),
            Path::Dispatch,
        ),
        1 => (
            custom(
                "weak_u32",
                GoKind::Uint32,
                GoKind::Int64,
                weak_hash,
                MapFast::Fast32,
                |_| {},
            ),
            Path::Dispatch,
        ),
        2 => (
            Layout::go("f64_i64", GoKind::Float64, GoKind::Int64),
            Path::Generic,
        ),
        3 => (
            Layout::go("str_i64", GoKind::String, GoKind::Int64),
            Path::Dispatch,
        ),
        4 => (
            Layout::go("b130_b200", GoKind::Bytes(130), GoKind::Bytes(200)),
            Path::Generic,
        ),
        5 => (
            custom(
                "weak_u64",
                GoKind::Uint64,
                GoKind::Int64,
                weak_hash,
                MapFast::Slow,
                |_| {},
            ),
            Path::Generic,
        ),
        _ => (
            custom(
                "weak_str",
                GoKind::String,
                GoKind::Int64,
                weak_strhash,
                MapFast::FastStr,
                |_| {},
            ),
            Path::Dispatch,
        ),
    }
}

/// One live iterator and what it has seen.
struct IterState {
    it: Box<Hiter>,
    /// Entries present at the start: key -> generation.
    start: HashMap<Vec<u8>, u64>,
    /// NaN entries (by id) present at the start.
    nan_start: HashSet<u64>,
    /// Key -> generation of the entry produced last for it.
    produced: HashMap<Vec<u8>, u64>,
    /// NaN ids produced.
    nan_produced: HashSet<u64>,
    /// A `mapclear` happened since the start: only crash-freedom is checked.
    cleared: bool,
    /// The iteration has ended.
    done: bool,
}

/// Checks the entry the iterator stands on (or the end), rule by rule.
fn observe(hs: &Harness, st: &mut IterState) {
    if st.done {
        return;
    }
    let name = hs.l.name;
    if st.it.key().is_null() {
        st.done = true;
        if st.cleared {
            return;
        }
        // Rule 3: everything present throughout was produced.
        for (k, g) in &st.start {
            if hs.m.map.get(k).map(|e| e.0) == Some(*g) {
                assert!(
                    st.produced.get(k) == Some(g),
                    "{name}: {k:?} (entry {g}) was present throughout but not produced"
                );
            }
        }
        for id in &st.nan_start {
            if hs.m.nan.iter().any(|e| e.0 == *id) {
                assert!(
                    st.nan_produced.contains(id),
                    "{name}: NaN entry {id} not produced"
                );
            }
        }
        return;
    }
    // SAFETY: the iterator's current key and elem are live.
    let (k, e) = unsafe {
        (
            hs.keys.canon_at(&hs.l, st.it.key()),
            read(st.it.elem(), hs.l.esize()),
        )
    };
    if st.cleared {
        return;
    }
    match k {
        Some(k) => {
            // Rule 2: present now, current elem.
            let Some((g, want)) = hs.m.map.get(&k) else {
                panic!("{name}: produced {k:?}, which is not in the map");
            };
            assert!(
                &e == want,
                "{name}: produced {k:?}={e:?}, current elem {want:?}"
            );
            // Rule 1: not the same entry again.
            if let Some(prev) = st.produced.insert(k.clone(), *g) {
                assert!(prev < *g, "{name}: entry {g} of {k:?} produced twice");
            }
        }
        None => {
            let Some(&(id, _)) = hs.m.nan.iter().find(|x| x.1 == e) else {
                panic!("{name}: produced a NaN entry {e:?} that is not in the map");
            };
            assert!(
                st.nan_produced.insert(id),
                "{name}: NaN entry {id} produced twice"
            );
        }
    }
}

/// Target `iter_mutate`.
pub fn iter_mutate(data: &[u8]) {
    let mut c = Cursor::new(data);
    let (l, path) = layout(c.u8());
    let mut hs = Harness::new(l, hint_of(c.u8()));
    // Declared after `hs`, so dropped (ended) before the map is freed.
    let mut iters: [Option<IterState>; 3] = [None, None, None];
    let mut nops = 0;
    while !c.done() && nops < 2000 {
        nops += 1;
        let op = c.u8();
        let slot = ((op >> 3) & 3) as usize % 3;
        let fresh = op & 0x20 != 0;
        match op & 7 {
            0 => {
                iters[slot] = None; // end the old one first
                let mut st = IterState {
                    it: Box::new(Hiter::new()),
                    start: hs.m.map.iter().map(|(k, e)| (k.clone(), e.0)).collect(),
                    nan_start: hs.m.nan.iter().map(|e| e.0).collect(),
                    produced: HashMap::new(),
                    nan_produced: HashSet::new(),
                    cleared: false,
                    done: false,
                };
                let r = c.u64() as usize;
                // SAFETY: our live map; the iterator is dropped before the map is freed.
                unsafe { runtime::mapiterinit_r(&hs.l.t, hs.h, &mut st.it, r) };
                observe(&hs, &mut st);
                iters[slot] = Some(st);
            }
            1 | 2 => {
                let n = c.u8() % 16 + 1;
                if let Some(st) = &mut iters[slot] {
                    for _ in 0..n {
                        if st.done {
                            break;
                        }
                        // SAFETY: a started iterator on our live map.
                        unsafe { runtime::mapiternext(&mut st.it) };
                        observe(&hs, st);
                    }
                }
            }
            3 | 4 => {
                let k = key_idx(&mut c, op);
                hs.put(path, k, fresh);
            }
            5 => {
                let k = key_idx(&mut c, op);
                hs.del(path, k, fresh);
            }
            6 => {
                let start = key_idx(&mut c, op);
                let n = c.u8();
                for i in 0..(n % 64 + 1) as u32 {
                    let k = start.wrapping_add(i) & 0xffff;
                    if n & 0x80 == 0 {
                        hs.put(path, k, fresh);
                    } else {
                        hs.del(path, k, fresh);
                    }
                }
            }
            _ if op >> 4 == 0xf => {
                hs.clear();
                for st in iters.iter_mut().flatten() {
                    st.cleared = true;
                }
            }
            _ => iters[slot] = None,
        }
        hs.check(&format_args!("op {nops} ({op:#04x})"));
    }
    // Run every iterator to its end: rule 3 is checked there. A finished iterator stays
    // finished.
    for st in iters.iter_mut().flatten() {
        while !st.done {
            // SAFETY: a started iterator on our live map.
            unsafe { runtime::mapiternext(&mut st.it) };
            observe(&hs, st);
        }
        // SAFETY: a finished iterator: mapiternext only reports the end again.
        unsafe { runtime::mapiternext(&mut st.it) };
        assert!(
            st.it.key().is_null() && !st.it.is_registered(),
            "{}: a finished iterator moved",
            hs.l.name
        );
    }
    drop(iters);
}
