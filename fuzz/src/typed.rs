//! Target `typed`: operation sequences over the safe API, [`GoMap`], with `String`, `f64`
//! (NaN and ±0 included), `[u8; 3]` and `go_struct!` keys with a string field (Go's
//! `struct { name string; x float64 }`: owned bytes, Go's key update) and values (inline, or over-aligned and so
//! boxed) that own memory, count their
//! drops and may panic when dropped; closures that panic inside `retain`; `entry`,
//! `clear`, forgotten and dropped iterators, `into_iter`, `clone`; `dump` and `check`
//! after every step. A model (a list of entries, since NaN keys are all distinct) gives
//! the expected length and values; every value is dropped exactly once by the end.
//!
//! The harness uses no `unsafe` code: whatever it finds is a hole in the safe API.

#![forbid(unsafe_code)]

use std::cell::Cell;
use std::fmt::Debug;
use std::panic::{self, AssertUnwindSafe};

use gomap::typed::keys::GoStr;
use gomap::typed::{Entry, GoKey, GoMap};

use crate::Cursor;

thread_local! {
    /// Values alive (made and not yet dropped).
    static LIVE: Cell<i64> = const { Cell::new(0) };
}

/// Runs `f`, catching the panics the harness provokes on purpose. libFuzzer's harness
/// aborts on every panic, caught or not (its panic hook), so the hook is swapped for a
/// silent one meanwhile (the fuzzer runs one thread). Any other panic (gomap's own) is
/// passed on.
fn catch<R>(f: impl FnOnce() -> R) -> Result<R, ()> {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(hook);
    r.map_err(|e| {
        let msg = gomap::panic_message(&*e).unwrap_or_default().to_string();
        if !msg.ends_with("panics") {
            panic::resume_unwind(e);
        }
    })
}

/// A value that owns heap memory, counts itself, and panics when dropped if `bomb`.
#[derive(Debug)]
struct Val {
    id: u64,
    buf: Vec<u8>,
    bomb: bool,
}

impl Val {
    fn new(id: u64) -> Val {
        LIVE.with(|l| l.set(l.get() + 1));
        Val {
            id,
            buf: id.to_le_bytes()[..(id % 9) as usize].to_vec(),
            bomb: false,
        }
    }
}

impl Clone for Val {
    fn clone(&self) -> Val {
        let mut v = Val::new(self.id);
        v.buf = self.buf.clone();
        v
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        LIVE.with(|l| l.set(l.get() - 1));
        if self.bomb {
            panic!("Val {} drop panics", self.id);
        }
    }
}

/// A value type of the maps under test: [`Val`] itself (stored inline), or wrapped to be
/// aligned to 32 bytes (which `GoMap` stores boxed).
trait FuzzVal: std::ops::DerefMut<Target = Val> + Clone + Debug {
    fn make(id: u64) -> Self;
}

impl std::ops::Deref for Val {
    type Target = Val;
    fn deref(&self) -> &Val {
        self
    }
}

impl std::ops::DerefMut for Val {
    fn deref_mut(&mut self) -> &mut Val {
        self
    }
}

impl FuzzVal for Val {
    fn make(id: u64) -> Val {
        Val::new(id)
    }
}

/// [`Val`] aligned beyond a bucket's 8 bytes.
#[derive(Clone, Debug)]
#[repr(align(32))]
struct Aligned(Val);

impl std::ops::Deref for Aligned {
    type Target = Val;
    fn deref(&self) -> &Val {
        &self.0
    }
}

impl std::ops::DerefMut for Aligned {
    fn deref_mut(&mut self) -> &mut Val {
        &mut self.0
    }
}

impl FuzzVal for Aligned {
    fn make(id: u64) -> Aligned {
        Aligned(Val::new(id))
    }
}

/// The payload of an entry in the model: the id and the buffer the value should hold.
type Want = (u64, Vec<u8>);

/// Keys of one type, made from a byte.
trait FuzzKey: GoKey + Clone + Debug + PartialEq {
    fn make(b: u8) -> Self;
}

impl FuzzKey for String {
    fn make(b: u8) -> String {
        format!("k{}", b % 48)
    }
}

impl FuzzKey for f64 {
    fn make(b: u8) -> f64 {
        match b % 16 {
            0..=2 => f64::NAN,
            3 => -0.0,
            4 => 0.0,
            n => (n as f64) * 0.5 + (b / 16) as f64,
        }
    }
}

impl FuzzKey for [u8; 3] {
    fn make(b: u8) -> [u8; 3] {
        [b % 40, 0, b / 200]
    }
}

gomap::go_struct! {
    /// Go's `struct { name string; x float64 }`: a key that owns memory, compares its
    /// float as Go does (NaN, ±0) and is updated in place on overwrite.
    struct Named { name: GoStr, x: f64 }
}

impl FuzzKey for Named {
    fn make(b: u8) -> Named {
        Named {
            name: format!("k{}", b % 6).into(),
            x: f64::make(b / 6),
        }
    }
}

/// Runs `data` as operations on a `GoMap<K, Val>`. Returns whether a value's `Drop`
/// panicked inside the map (in `clear` or the map's drop), after which the map leaks the
/// values it had not dropped yet, as documented.
fn run<K: FuzzKey, V: FuzzVal>(c: &mut Cursor) -> bool {
    let mut leaks = false;
    let mut m: GoMap<K, V> = if c.u8() & 1 == 0 {
        GoMap::new()
    } else {
        GoMap::with_capacity(c.u8() as usize * 4)
    };
    let mut model: Vec<(K, Want)> = Vec::new();
    let mut next_id = 1u64;
    let mut steps = 0;
    while !c.done() && steps < 400 {
        steps += 1;
        let op = c.u8();
        let k = K::make(c.u8());
        let pos = model.iter().position(|(mk, _)| *mk == k);
        match op % 16 {
            0..=3 => {
                // insert
                let id = next_id;
                next_id += 1;
                let old = m.insert(k.clone(), V::make(id));
                let want = (id, Val::new(id).buf.clone());
                match pos {
                    Some(i) => {
                        let o = old.expect("a present key returns its value");
                        assert_eq!((o.id, &o.buf), (model[i].1 .0, &model[i].1 .1));
                        model[i].1 = want;
                    }
                    None => {
                        assert!(old.is_none(), "insert of an absent key {k:?}");
                        model.push((k.clone(), want));
                    }
                }
            }
            4 => {
                // remove
                let r = m.remove(k.as_query());
                match pos {
                    Some(i) => {
                        let v = r.expect("present");
                        assert_eq!(v.id, model[i].1 .0);
                        model.swap_remove(i);
                    }
                    None => assert!(r.is_none()),
                }
            }
            5 => {
                // get_mut: change the value in place
                let b = c.u8();
                match (m.get_mut(k.as_query()), pos) {
                    (Some(v), Some(i)) => {
                        v.buf.push(b);
                        model[i].1 .1.push(b);
                    }
                    (None, None) => {}
                    (g, p) => panic!("get_mut {k:?}: {:?} vs model {p:?}", g.map(|v| v.id)),
                }
                assert_eq!(m.contains_key(k.as_query()), pos.is_some());
                if let Some((_, v)) = m.get_key_value(k.as_query()) {
                    assert_eq!(v.id, model[pos.unwrap()].1 .0);
                }
            }
            6 => {
                // entry
                let sel = c.u8();
                let id = next_id;
                next_id += 1;
                match m.entry(k.clone()) {
                    Entry::Occupied(mut o) => {
                        let i = pos.expect("occupied only if present");
                        assert_eq!(o.get().id, model[i].1 .0);
                        if sel & 1 == 0 {
                            let (rk, v) = o.remove_entry();
                            assert!(rk == k || (unequal_to_itself(&rk) && unequal_to_itself(&k)));
                            assert_eq!(v.id, model[i].1 .0);
                            model.swap_remove(i);
                        } else {
                            o.get_mut().buf.push(sel);
                            model[i].1 .1.push(sel);
                        }
                    }
                    Entry::Vacant(v) => {
                        assert!(pos.is_none(), "vacant but present: {k:?}");
                        let val = v.insert(V::make(id));
                        model.push((k.clone(), (id, val.buf.clone())));
                    }
                }
            }
            7 => {
                // retain, with a closure that may panic part-way
                let keep_mask = c.u8();
                let panic_at = c.u8() as usize;
                let mut seen = 0usize;
                let r = catch(|| {
                    m.retain(|k, v| {
                        seen += 1;
                        if seen == panic_at {
                            panic!("closure panics");
                        }
                        v.buf.push(seen as u8);
                        let _ = k;
                        (v.id as u8 ^ keep_mask) & 1 == 0
                    })
                });
                let _ = r;
                // The model: rebuild from the map (which values survived and how their
                // buffers changed is what retain decided); check that every survivor is
                // a model entry and that ids are unique.
                resync(&m, &mut model);
            }
            8 => {
                // clear, perhaps with a value whose drop panics
                if c.u8() & 3 == 0 {
                    if let Some(v) = m.values_mut().next() {
                        v.bomb = true;
                    }
                }
                let r = catch(|| m.clear());
                leaks |= r.is_err();
                assert!(m.is_empty());
                model.clear();
            }
            9 => {
                // a partial iteration, dropped or forgotten
                let n = c.u8() as usize % 8;
                let mut it = m.iter();
                for _ in 0..n {
                    if let Some((_, v)) = it.next() {
                        assert!(model.iter().any(|(_, w)| w.0 == v.id));
                    }
                }
                if op & 0x10 != 0 {
                    std::mem::forget(it);
                }
            }
            10 => {
                // iter_mut over everything
                let b = c.u8();
                let mut n = 0;
                for (_, v) in m.iter_mut() {
                    v.buf.push(b);
                    n += 1;
                }
                assert_eq!(n, model.len());
                for (_, w) in model.iter_mut() {
                    w.1.push(b);
                }
            }
            11 => {
                // remove with a value whose drop panics, outside the map
                if let Some(v) = m.get_mut(k.as_query()) {
                    v.bomb = true;
                }
                let r = catch(|| drop(m.remove(k.as_query())));
                assert_eq!(r.is_err(), pos.is_some());
                if let Some(i) = pos {
                    model.swap_remove(i);
                }
            }
            12 => {
                // clone and compare, then drop the clone
                let m2 = m.clone();
                assert_eq!(m2.len(), m.len());
                let nan_free = !model.iter().any(|(k, _)| unequal_to_itself(k));
                if nan_free {
                    assert_eq!(m2.len(), m.len());
                }
                m2.check().unwrap();
            }
            13 => {
                // keys/values agree with the model
                let mut ids: Vec<u64> = m.values().map(|v| v.id).collect();
                ids.sort_unstable();
                let mut want: Vec<u64> = model.iter().map(|(_, w)| w.0).collect();
                want.sort_unstable();
                assert_eq!(ids, want);
                assert_eq!(m.keys().count(), model.len());
            }
            14 => {
                // extend with a few new entries
                let base = c.u8();
                let mut add = Vec::new();
                for j in 0..(base % 5) {
                    let k = K::make(base.wrapping_add(j * 37));
                    let id = next_id;
                    next_id += 1;
                    add.push((k, V::make(id)));
                }
                for (k, v) in &add {
                    let want = (v.id, v.buf.clone());
                    match model.iter().position(|(mk, _)| mk == k) {
                        Some(i) => model[i].1 = want,
                        None => model.push((k.clone(), want)),
                    }
                }
                m.extend(add);
            }
            _ => {
                // into_iter part of the map, rebuild from what comes out
                if op & 0x30 == 0 {
                    let v: Vec<(K, V)> = std::mem::take(&mut m).into_iter().collect();
                    assert_eq!(v.len(), model.len());
                    let n = c.u8() as usize % (v.len() + 1);
                    model.clear();
                    for (key, val) in v.into_iter().take(n) {
                        model.push((key.clone(), (val.id, val.buf.clone())));
                        m.insert(key, val);
                    }
                    // Re-inserting can merge ±0 keys: take the map's word for it.
                    resync(&m, &mut model);
                }
            }
        }
        assert_eq!(m.len(), model.len(), "after op {op:#x} on {k:?}");
        m.check().unwrap_or_else(|e| panic!("{e}\n{}", m.dump()));
        let d = m.dump();
        assert!(d.starts_with("hmap count="));
    }
    // Drop, perhaps with a panicking value inside.
    if c.u8() & 1 == 1 {
        if let Some(v) = m.values_mut().next() {
            v.bomb = true;
        }
    }
    leaks |= catch(|| drop(m)).is_err();
    leaks
}

/// Replaces the model by the map's entries (after an operation whose outcome the map
/// decides), checking that ids are unique and came from the model or are new.
fn resync<K: FuzzKey, V: FuzzVal>(m: &GoMap<K, V>, model: &mut Vec<(K, Want)>) {
    let mut ids: Vec<u64> = Vec::new();
    let mut fresh: Vec<(K, Want)> = Vec::new();
    for (k, v) in m.iter() {
        ids.push(v.id);
        let key = model
            .iter()
            .find(|(_, w)| w.0 == v.id)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| K::from_query(k));
        fresh.push((key, (v.id, v.buf.clone())));
    }
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "an entry produced twice");
    *model = fresh;
}

/// Whether `x != x`: a NaN, or a key holding one.
#[allow(clippy::eq_op)]
fn unequal_to_itself<T: PartialEq>(x: &T) -> bool {
    x != x
}

/// Target `typed`.
pub fn typed(data: &[u8]) {
    let mut c = Cursor::new(data);
    let before = LIVE.with(Cell::get);
    let leaks = match c.u8() % 8 {
        0 => run::<String, Val>(&mut c),
        1 => run::<f64, Val>(&mut c),
        2 => run::<[u8; 3], Val>(&mut c),
        3 => run::<String, Aligned>(&mut c),
        4 => run::<f64, Aligned>(&mut c),
        5 => run::<[u8; 3], Aligned>(&mut c),
        6 => run::<Named, Val>(&mut c),
        _ => run::<Named, Aligned>(&mut c),
    };
    // Every value made was dropped exactly once (a panicking drop still counts; the map
    // goes on dropping the others, and `leaks` only says a panic came out of it).
    let _ = leaks;
    assert_eq!(
        LIVE.with(Cell::get),
        before,
        "values leaked or dropped twice"
    );
}
