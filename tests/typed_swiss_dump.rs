//! `GoMap` on the Swiss releases (1.24 to 1.27) against the raw Swiss API: the same
//! operations, from the same ChaCha8 seed (so the same hash seed and iteration offsets),
//! through the entry points Go's compiler calls for `map[K]int64`
//! (`mapassign_compiled`, `mapaccess2_compiled`, `mapdelete`, `mapIterStart`/`mapIterNext`,
//! `mapclear`) must leave the same bytes: the dumps agree at every checkpoint, through the
//! small group, growth past 8 entries, table growth and splits up to 10^5 entries,
//! deletes (tombstones, and their pruning from 1.25), a `retain` that updates and deletes
//! while it iterates, the Entry API and `clear`.
//!
//! The binary's allocator (`tests/common/counting.rs`) counts this thread's live bytes, for the leak checks of the
//! maps `makemap` and `mapclone` return (dropping them frees everything) and of `GoMap`
//! on every Swiss release.

use gomap::export_test::base::rand::set_chacha8_seed;
use gomap::maptype::{GoKind, GoString, MapType};
use gomap::swiss::runtime::{
    makemap, mapIterNext, mapIterStart, mapaccess2_compiled, mapassign_compiled, mapclear,
    mapclone, mapdelete,
};
use gomap::swiss::{self, Iter, Map, SwissMapType, SwissRelease};
use gomap::typed::{GoKey, GoMap};

mod common {
    pub mod counting;
}
use common::counting::{live_bytes, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and asserts it left no live bytes behind on this thread.
fn no_leaks<R>(what: &str, f: impl FnOnce() -> R) -> R {
    // Process-wide state made once on first use (hash keys, the thread's generators).
    let mut warm: GoMap<String, u8> = GoMap::with_release(SwissRelease::Go1_27);
    warm.insert("warm".into(), 1);
    drop(warm);
    let before = live_bytes();
    let r = f();
    assert_eq!(
        live_bytes(),
        before,
        "{what}: bytes leaked (or freed twice)"
    );
    r
}

const SEED: [u64; 4] = [0x676f6d6170, 0x7377697373, 0x1234_5678_9abc_def0, 42];

/// A `GoMap<K, i64>` and a raw Swiss map of the same type and hash seed, driven in step.
struct Twin<'k, K: GoKey> {
    g: GoMap<K, i64>,
    t: SwissMapType,
    raw: Box<Map>,
    /// Each key as the raw map takes it (a string key's header points into the test's
    /// own strings, which outlive the map).
    raw_key: &'k dyn Fn(&K) -> Vec<u8>,
}

impl<'k, K: GoKey + Clone> Twin<'k, K> {
    fn new(r: SwissRelease, hint: usize, raw_key: &'k dyn Fn(&K) -> Vec<u8>) -> Self {
        set_chacha8_seed(SEED);
        let g = GoMap::with_capacity_and_release(hint, r);
        let t = *g.raw_swiss().expect("a Swiss release makes a Swiss map").0;
        set_chacha8_seed(SEED);
        let raw = makemap(&t, hint as isize);
        let tw = Twin { g, t, raw, raw_key };
        assert_eq!(tw.g_map().seed, tw.raw.seed, "same ChaCha8 draw, same seed");
        tw
    }

    fn g_map(&self) -> &Map {
        // SAFETY: the GoMap's map is live while `self.g` is borrowed.
        unsafe { &*self.g.raw_swiss().unwrap().1 }
    }

    /// Both dumps, values included (an `i64` has no padding), the typed dump's shape, and
    /// the checker.
    fn same(&self, what: &str) {
        // SAFETY: both maps are live and not written during the calls.
        let (a, b) = unsafe {
            (
                swiss::dump(&self.t, self.g_map()),
                swiss::dump(&self.t, &self.raw),
            )
        };
        if a != b {
            let line = a.lines().zip(b.lines()).position(|(x, y)| x != y);
            panic!("{what}: dumps differ (first differing line {line:?})\nGoMap:\n{a}\nraw:\n{b}");
        }
        // The typed dump is the same one, each elem printed as `-`.
        let d = self.g.dump();
        assert_eq!(d.lines().count(), a.lines().count(), "{what}");
        assert_eq!(d.lines().next(), a.lines().next(), "{what}");
        if let Err(e) = self.g.check() {
            panic!("{what}: {e}");
        }
    }

    fn assign(&mut self, k: &K, v: i64) {
        let rk = (self.raw_key)(k);
        // SAFETY: a live map of `t`; the key bytes are a key of `t`; the elem an i64.
        unsafe { *mapassign_compiled(&self.t, &mut *self.raw, rk.as_ptr()).cast::<i64>() = v };
    }

    fn delete(&mut self, k: &K) {
        let rk = (self.raw_key)(k);
        // SAFETY: as in `assign`.
        unsafe { mapdelete(&self.t, &mut *self.raw, rk.as_ptr()) };
    }

    fn get(&self, k: &K) -> Option<i64> {
        let rk = (self.raw_key)(k);
        // SAFETY: as in `assign`.
        let (e, ok) = unsafe { mapaccess2_compiled(&self.t, &*self.raw, rk.as_ptr()) };
        // SAFETY: a found elem is an i64.
        ok.then(|| unsafe { *e.cast::<i64>() })
    }
}

/// Whether to compare the dumps after the `i`th of `n` steps: every step of a small
/// map, then at powers of two and at the end.
fn checkpoint(i: usize, n: usize) -> bool {
    i < 20 || i.is_power_of_two() || i + 1 == n
}

/// The whole script on one key type and release: inserts (growth, splits), overwrites,
/// deletes of two keys in three, a `retain` that updates every value and deletes some
/// entries as it iterates, reinserts into the tombstones, inserts of new keys until the
/// tables are full of tombstones, the Entry API, `clear`.
fn script<K: GoKey + Clone>(r: SwissRelease, all: &[K], raw_key: &dyn Fn(&K) -> Vec<u8>)
where
    K::Query: PartialEq,
{
    // Half the keys is kept for inserts into tables full of tombstones.
    let (keys, fresh) = all.split_at(all.len() / 2);
    let n = keys.len();
    let mut tw = Twin::new(r, 0, raw_key);
    tw.same("made");
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(tw.g.insert(k.clone(), i as i64), None);
        tw.assign(k, i as i64);
        if checkpoint(i, n) {
            tw.same(&format!("{r} insert {i}"));
        }
    }
    assert_eq!(tw.g.len(), n);
    // Overwrites keep the entries where they are.
    for (i, k) in keys.iter().enumerate().step_by(7) {
        assert_eq!(tw.g.insert(k.clone(), -(i as i64)), Some(i as i64));
        tw.assign(k, -(i as i64));
    }
    tw.same(&format!("{r} overwrite"));
    // Delete two keys in three (the first stays, so the seed is never re-drawn).
    for (i, k) in keys.iter().enumerate().skip(1) {
        if i % 3 != 0 {
            assert!(tw.g.remove(k.as_query()).is_some());
            tw.delete(k);
            if checkpoint(i, n) {
                tw.same(&format!("{r} delete {i}"));
            }
        }
    }
    tw.same(&format!("{r} deletes"));
    // Iteration with writes in between: `retain` updates each value and deletes every
    // other entry it visits, in Go's order from the same two random draws on each side.
    set_chacha8_seed([7, 7, 7, 7]);
    let mut visit = 0u64;
    tw.g.retain(|_, v| {
        *v += 1_000_000;
        visit += 1;
        visit % 2 == 0
    });
    set_chacha8_seed([7, 7, 7, 7]);
    let mut it = Iter::new();
    let mut visit = 0u64;
    // SAFETY: the raw map is live of `t` and outlives `it`; the only writes during the
    // iteration are deletes of the current entry, which Go allows.
    unsafe {
        mapIterStart(&tw.t, &mut *tw.raw, &mut it);
        while !it.Key().is_null() {
            *it.Elem().cast::<i64>() += 1_000_000;
            visit += 1;
            if visit % 2 != 0 {
                let key = std::slice::from_raw_parts(it.Key(), tw.t.keysize()).to_vec();
                mapdelete(&tw.t, &mut *tw.raw, key.as_ptr());
            }
            mapIterNext(&mut it);
        }
    }
    drop(it);
    tw.same(&format!("{r} retain"));
    // Reinserts land in tombstones (and prune them from 1.25).
    for (i, k) in keys.iter().enumerate().skip(1).step_by(4) {
        let old = tw.g.insert(k.clone(), 5);
        assert_eq!(old, tw.get(k), "{r} the typed map agrees with the raw one");
        tw.assign(k, 5);
        if checkpoint(i / 4, n / 4) {
            tw.same(&format!("{r} reinsert {i}"));
        }
    }
    tw.same(&format!("{r} reinserts"));
    // New keys fill the tables up to their tombstones: Go 1.25's fast paths prune them
    // before growing, the generic assignment (and 1.24) grows.
    for (i, k) in fresh.iter().enumerate() {
        assert_eq!(tw.g.insert(k.clone(), i as i64), None);
        tw.assign(k, i as i64);
        if checkpoint(i, fresh.len()) {
            tw.same(&format!("{r} fresh insert {i}"));
        }
    }
    // The Entry API: `or_insert` assigns only absent keys; an occupied entry's remove
    // deletes.
    for (i, k) in keys.iter().enumerate().step_by(5) {
        if tw.get(k).is_none() {
            tw.assign(k, i as i64);
        }
        *tw.g.entry(k.clone()).or_insert(i as i64) += 0;
    }
    tw.same(&format!("{r} entry or_insert"));
    for k in keys.iter().skip(2).step_by(11) {
        if let gomap::typed::Entry::Occupied(o) = tw.g.entry(k.clone()) {
            o.remove();
            tw.delete(k);
        }
    }
    tw.same(&format!("{r} entry remove"));
    // Go's clear keeps the memory and re-seeds (one draw on each side).
    set_chacha8_seed([9, 9, 9, 9]);
    tw.g.clear();
    set_chacha8_seed([9, 9, 9, 9]);
    // SAFETY: a live map of `t`, no iterator.
    unsafe { mapclear(&tw.t, &mut *tw.raw) };
    tw.same(&format!("{r} clear"));
    for (i, k) in keys.iter().enumerate().take(100) {
        tw.g.insert(k.clone(), i as i64);
        tw.assign(k, i as i64);
    }
    tw.same(&format!("{r} after clear"));
}

fn le_i64(k: &i64) -> Vec<u8> {
    k.to_le_bytes().to_vec()
}

/// A string key's raw form: Go's header over the test's own bytes.
fn header(k: &String) -> Vec<u8> {
    let g = GoString::from_bytes(k.as_bytes());
    let mut v = (g.ptr as usize).to_le_bytes().to_vec();
    v.extend_from_slice(&g.len.to_le_bytes());
    v
}

#[test]
fn int64_keys_same_bytes_as_raw_swiss_calls_through_splits() {
    for r in SwissRelease::ALL {
        let keys: Vec<i64> = (0..30_000).map(|i| i * 0x9e37_79b9).collect();
        no_leaks(&format!("{r} int64"), || script(r, &keys, &le_i64));
        // 896 keys fill one table of 1,024 slots to its 7/8 limit: the deletes leave
        // tombstones in full groups, and the new keys then fill the table up to them
        // (where Go 1.25's fast paths prune them instead of splitting).
        let keys: Vec<i64> = (0..2 * 896).map(|i| i * 0x9e37_79b9).collect();
        script(r, &keys, &le_i64);
    }
}

#[test]
fn int32_string_and_float_keys_same_bytes_as_raw_swiss_calls() {
    for r in [SwissRelease::Go1_24, SwissRelease::Go1_27] {
        let keys: Vec<u32> = (0..4500).map(|i| i * 7 + 1).collect();
        script(r, &keys, &|k: &u32| k.to_le_bytes().to_vec());
        let strings: Vec<String> = (0..4500)
            .map(|i| format!("key-{i}-{}", "x".repeat(i % 19)))
            .collect();
        no_leaks(&format!("{r} strings"), || script(r, &strings, &header));
        // Floats take the generic `mapassign` (Go's compiler has no fast path for them).
        let floats: Vec<f64> = (0..4500).map(|i| i as f64 / 3.0 - 100.0).collect();
        script(r, &floats, &|k: &f64| k.to_le_bytes().to_vec());
    }
}

/// A table filled to its limit, then emptied of most keys from its full groups (which
/// leaves tombstones, not empty slots): the next new keys reuse tombstones on their
/// probe sequences or take empty slots until none is left, and then Go 1.25's fast
/// paths prune the tombstones where 1.24 (and the generic assignment) splits the table.
#[test]
fn inserts_into_a_table_of_tombstones_prune_or_split_as_go_does() {
    for r in SwissRelease::ALL {
        let mut tw = Twin::new(r, 0, &le_i64);
        for k in 0..896i64 {
            tw.g.insert(k, k);
            tw.assign(&k, k);
        }
        tw.same(&format!("{r} full"));
        for k in (0..896i64).filter(|k| k % 8 != 0) {
            tw.g.remove(&k);
            tw.delete(&k);
        }
        tw.same(&format!("{r} emptied"));
        for k in 1000..2000i64 {
            tw.g.insert(k, k);
            tw.assign(&k, k);
            tw.same(&format!("{r} insert {k}"));
        }
    }
}

/// `clear` of a map emptied by deletes: from Go 1.25 the Swiss `Clear` still runs when
/// tombstones may remain (it clears them, bumps `clearSeq` and reseeds from the random
/// source); Go 1.24's returns at once. GoMap must leave it to the engine.
#[test]
fn clear_after_deleting_everything_is_gos_clear() {
    for r in SwissRelease::ALL {
        let mut tw = Twin::new(r, 0, &le_i64);
        for k in 0..896i64 {
            tw.g.insert(k, k);
            tw.assign(&k, k);
        }
        // Emptying a map and clearing it draw a new seed: each twin draws from the same
        // generator state.
        for k in 0..896i64 {
            set_chacha8_seed(SEED);
            tw.g.remove(&k);
            set_chacha8_seed(SEED);
            tw.delete(&k);
        }
        tw.same(&format!("{r} emptied"));
        set_chacha8_seed([1, 2, 3, 4]);
        tw.g.clear();
        set_chacha8_seed([1, 2, 3, 4]);
        // SAFETY: a live map of `t`, ours alone.
        unsafe { mapclear(&tw.t, &mut *tw.raw) };
        tw.same(&format!("{r} cleared"));
        if r >= SwissRelease::Go1_25 {
            assert!(tw.g.dump().contains("clearSeq=1"), "{r}: Go's Clear ran");
        }
        for k in 0..20i64 {
            tw.g.insert(k, k);
            tw.assign(&k, k);
        }
        tw.same(&format!("{r} refilled"));
    }
}

/// 10^5 entries: the directory doubles many times and every table splits.
#[test]
fn a_hundred_thousand_entries_same_bytes_as_raw_swiss_calls() {
    let r = SwissRelease::Go1_27;
    let n = 100_000i64;
    let mut tw = Twin::new(r, 0, &le_i64);
    for k in 0..n {
        tw.g.insert(k, k);
        tw.assign(&k, k);
    }
    assert!(
        tw.g_map().globalDepth() >= 6,
        "{}",
        tw.g_map().globalDepth()
    );
    tw.same("100k inserts");
    for k in (0..n).filter(|k| k % 5 != 0) {
        tw.g.remove(&k);
        tw.delete(&k);
    }
    tw.same("100k deletes");
}

/// `make(map, hint)` on both sides: the same directory of tables from the start.
#[test]
fn capacity_hints_same_bytes_as_makemap() {
    for r in SwissRelease::ALL {
        for hint in [0, 8, 9, 100, 5000] {
            let mut tw = Twin::new(r, hint, &le_i64);
            tw.same(&format!("{r} make {hint}"));
            for k in 0..hint as i64 + 3 {
                tw.g.insert(k, k);
                tw.assign(&k, k);
            }
            tw.same(&format!("{r} make {hint} filled"));
        }
    }
}

/// Dropping what `makemap`, `makemap64`, `makemap_small` or `mapclone` returns frees the
/// map's groups, tables and directory, and its indirect keys and elems.
#[test]
fn dropping_a_swiss_map_box_frees_everything() {
    let mt = MapType::for_go_types(GoKind::Bytes(200), GoKind::Bytes(300)).unwrap();
    for r in SwissRelease::ALL {
        let t = SwissMapType::new(&mt, r);
        no_leaks(&format!("{r} makemap"), || {
            for hint in [0isize, 8, 9, 3000] {
                let m = makemap(&t, hint);
                drop(m);
                let mut m = swiss::runtime::makemap64(&t, hint as i64);
                let mut small = swiss::runtime::makemap_small();
                for i in 0..(hint.max(20) as u32) {
                    let mut k = [0u8; 200];
                    k[..4].copy_from_slice(&i.to_le_bytes());
                    // SAFETY: live maps of `t`; a readable key of `t`.
                    unsafe {
                        mapassign_compiled(&t, &mut *m, k.as_ptr());
                        mapassign_compiled(&t, &mut *small, k.as_ptr());
                    }
                }
                // SAFETY: a live map of `t`.
                let c = unsafe { mapclone(&t, &m) };
                drop((m, small, c));
            }
        });
    }
}

/// `GoMap` leaks nothing on any Swiss release, through growth, splits, iteration,
/// removal, `into_iter` and drop, with owned keys and values.
#[test]
fn go_map_leaks_nothing_on_every_swiss_release() {
    for r in SwissRelease::ALL {
        no_leaks(&format!("{r} GoMap"), || {
            let mut m: GoMap<String, Vec<u8>> = GoMap::with_capacity_and_release(3, r);
            for i in 0..5000 {
                m.insert(format!("k{i}"), vec![i as u8; i % 50]);
            }
            m.retain(|k, v| {
                v.push(1);
                k.len() % 2 == 0
            });
            for i in 0..5000 {
                m.remove(format!("k{i}").as_str());
                if i % 7 == 0 {
                    m.insert(format!("n{i}"), vec![]);
                }
            }
            let c = m.clone();
            assert_eq!(c, m);
            assert_eq!(c.into_iter().count(), m.len());
            let mut big: GoMap<[u8; 200], [u64; 40]> = GoMap::with_release(r);
            for i in 0..300u32 {
                let mut k = [0u8; 200];
                k[..4].copy_from_slice(&i.to_le_bytes());
                big.insert(k, [i as u64; 40]);
            }
            big.check().unwrap();
        });
    }
}

/// An interface key's raw form: its two words (type, data), whose value the key keeps
/// alive.
fn eface(k: &gomap::typed::keys::GoDyn) -> Vec<u8> {
    // SAFETY: a GoDyn is Go's 16-byte interface value.
    unsafe { std::slice::from_raw_parts((k as *const gomap::typed::keys::GoDyn).cast::<u8>(), 16) }
        .to_vec()
}

/// A NaN inside an interface hashes to a random value drawn from the generator, once per
/// `m[k] = v` in Go. An insert that looked the key up before assigning would draw twice
/// and place the entry by the second draw: the dumps would differ.
#[test]
fn interface_nan_keys_draw_once_per_insert() {
    use gomap::typed::keys::GoDyn;
    let keys: Vec<GoDyn> = (0..24)
        .map(|i| {
            if i % 3 == 0 {
                GoDyn::new(i as i64)
            } else {
                GoDyn::new(f64::NAN)
            }
        })
        .collect();
    for r in SwissRelease::ALL {
        let mut tw = Twin::new(r, 0, &eface);
        for (i, k) in keys.iter().enumerate() {
            let s = [i as u64 + 1, 7, 8, 9];
            set_chacha8_seed(s);
            tw.g.insert(k.clone(), i as i64);
            set_chacha8_seed(s);
            tw.assign(k, i as i64);
            tw.same(&format!("{r} insert {i}"));
        }
        assert_eq!(tw.g.len(), keys.len());
    }
}

/// Go's `delete(m, k)` checks the key of an empty map (`mapKeyError`): an unhashable
/// dynamic type panics there as on a full map, with the release's words.
#[test]
fn removing_an_unhashable_key_from_an_empty_map_panics_as_go_does() {
    use gomap::typed::keys::GoDyn;
    let bad = GoDyn::uncomparable(gomap::maptype::GoType::slice(gomap::maptype::GoType::any()))
        .expect("a slice type is uncomparable");
    let message = |f: &mut dyn FnMut()| -> String {
        let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("no panic");
        p.downcast_ref::<String>().cloned().unwrap_or_default()
    };
    for r in SwissRelease::ALL {
        let mut tw = Twin::new(r, 0, &eface);
        let typed = message(&mut || {
            let _ = tw.g.remove(&bad);
        });
        let raw = message(&mut || tw.delete(&bad));
        assert_eq!(typed, raw, "{r}");
        assert!(typed.contains("hash of unhashable type"), "{r}: {typed}");
        let typed = message(&mut || drop(tw.g.remove_entry(&bad)));
        assert_eq!(typed, raw, "{r}");
    }
}
