//! The fast paths (`map_fast32.go`, `map_fast64.go`, `map_faststr.go`) against the generic
//! functions and against a model:
//!
//! 1. the same random operations through the generic and the fast functions leave the
//!    same bytes, compared through the canonical dump after every operation (for string
//!    keys up to the one documented difference: `mapdelete_faststr` leaves `sL:nil`
//!    where `mapdelete` leaves `s0`);
//! 2. proptest: random operations with interleaved iterators against a `HashMap` model,
//!    with `runtime::check` after every step and Go's iteration promises checked;
//! 3. ports of Go's string-key lookup tests.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::ptr;

use common::Tracker;
use gomap::export_test::runtime::*;
use gomap::maptype::{GoKind, GoString, MapFast, MapType};
use gomap::runtime::dump_string;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// Allocation counting (for the zero-allocation lookups of TestMapStringBytesLookup)
// ---------------------------------------------------------------------------------------

/// The system allocator, counting allocations per thread.
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to System unchanged; the counter is a thread-local Cell.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded.
        unsafe { System.realloc(p, l, n) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(|c| c.get())
}

// ---------------------------------------------------------------------------------------
// Families, keys and values
// ---------------------------------------------------------------------------------------

/// The map types under test, one per runtime family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fam {
    /// `map[[12]byte]uint64`: the generic functions (`walk.mapfast` gives mapslow).
    Generic,
    /// `map[uint32]uint32`: map_fast32.go, buckets without pointers.
    F32,
    /// `map[uint64]*T`: map_fast64.go, buckets with pointers (evacuation clears them).
    F64,
    /// `map[*T]uint64`: map_fast64.go with `mapassign_fast64ptr`; deletes clear the key.
    F64Ptr,
    /// `map[string]int64`: map_faststr.go.
    Str,
}

impl Fam {
    fn map_type(self, alloc: Allocator) -> MapType {
        let (k, e) = match self {
            Fam::Generic => (GoKind::Bytes(12), GoKind::Uint64),
            Fam::F32 => (GoKind::Uint32, GoKind::Uint32),
            Fam::F64 => (GoKind::Uint64, GoKind::Pointer),
            Fam::F64Ptr => (GoKind::Pointer, GoKind::Uint64),
            Fam::Str => (GoKind::String, GoKind::Int64),
        };
        let t = MapType::for_go_types(k, e).unwrap().with_allocator(alloc);
        let want = match self {
            Fam::Generic => MapFast::Slow,
            Fam::F32 => MapFast::Fast32,
            Fam::F64 => MapFast::Fast64,
            Fam::F64Ptr => MapFast::Fast64Ptr,
            Fam::Str => MapFast::FastStr,
        };
        assert_eq!(t.fast(), want, "{self:?}");
        t
    }
}

/// A key as its slot bytes (an integer, 12 plain bytes, or a string header).
#[derive(Clone, Copy)]
struct Key {
    raw: [u8; 16],
}

impl Key {
    fn ptr(&self) -> *const u8 {
        self.raw.as_ptr()
    }
    fn u32(&self) -> u32 {
        u32::from_le_bytes(self.raw[..4].try_into().unwrap())
    }
    fn u64(&self) -> u64 {
        u64::from_le_bytes(self.raw[..8].try_into().unwrap())
    }
    fn gostr(&self) -> GoString {
        // SAFETY: Str keys hold a GoString header in their first 16 bytes.
        unsafe { self.raw.as_ptr().cast::<GoString>().read_unaligned() }
    }
}

/// Makes keys for ids, keeps string bytes alive, and maps key contents back to ids.
struct Keys {
    fam: Fam,
    /// Every string ever handed to a map; each key is built fresh, at a new address.
    arena: Vec<Box<[u8]>>,
    ids: HashMap<Vec<u8>, u64>,
}

impl Keys {
    fn new(fam: Fam) -> Keys {
        Keys {
            fam,
            arena: Vec::new(),
            ids: HashMap::new(),
        }
    }

    /// The content of key `id`: the slot bytes, or for strings the string bytes.
    fn content(&self, id: u64) -> Vec<u8> {
        match self.fam {
            Fam::Generic => {
                let mut v = id.to_le_bytes().to_vec();
                v.extend_from_slice(&(id as u32).wrapping_mul(7).to_le_bytes());
                v
            }
            Fam::F32 => (id as u32).wrapping_mul(0x9e37_79b1).to_le_bytes().to_vec(),
            Fam::F64 => id
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .to_le_bytes()
                .to_vec(),
            Fam::F64Ptr => (0x1000_0000u64 + id * 8).to_le_bytes().to_vec(),
            Fam::Str => match id % 4 {
                _ if id == 0 => Vec::new(),
                0 => format!("{id}").into_bytes(),
                1 => format!("key-{id:x}").into_bytes(),
                // Long keys of one length that agree in their first and last 4 bytes.
                2 => format!("long{:0>36}gnol", id).into_bytes(),
                _ => format!("long{:=>36}GNOL", id).into_bytes(),
            },
        }
    }

    fn key(&mut self, id: u64) -> Key {
        let c = self.content(id);
        self.ids.entry(c.clone()).or_insert(id);
        let mut raw = [0u8; 16];
        if self.fam == Fam::Str {
            let b: Box<[u8]> = c.into_boxed_slice();
            let s = GoString::from_bytes(&b);
            self.arena.push(b);
            // SAFETY: 16 bytes for a 16-byte header.
            unsafe { raw.as_mut_ptr().cast::<GoString>().write_unaligned(s) };
        } else {
            raw[..c.len()].copy_from_slice(&c);
        }
        Key { raw }
    }

    /// The hash of key `id` under `seed`, without keeping the key.
    fn hash_of(&self, t: &MapType, id: u64, seed: u32) -> usize {
        let c = self.content(id);
        // SAFETY: the hasher gets a key of `t`: a header over live bytes, or the slot bytes.
        unsafe {
            if self.fam == Fam::Str {
                let s = GoString::from_bytes(&c);
                t.hash(ptr::addr_of!(s).cast(), seed as usize)
            } else {
                t.hash(c.as_ptr(), seed as usize)
            }
        }
    }

    /// The id of the key stored at `k` (a key target as an iterator returns it).
    ///
    /// # Safety
    /// `k` points at a live key of this family's map type.
    unsafe fn id_at(&self, t: &MapType, k: *const u8) -> u64 {
        let c = if self.fam == Fam::Str {
            // SAFETY: a live string key whose bytes are in the arena.
            unsafe { k.cast::<GoString>().read().as_bytes().to_vec() }
        } else {
            // SAFETY: keysize readable bytes.
            unsafe { std::slice::from_raw_parts(k, t.keysize() as usize).to_vec() }
        };
        *self
            .ids
            .get(&c)
            .unwrap_or_else(|| panic!("iterator produced an unknown key {c:x?}"))
    }
}

/// Values are stored in the first min(8, elem size) bytes of an elem.
fn val_mask(t: &MapType) -> u64 {
    if t.elem().size >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * t.elem().size)) - 1
    }
}

/// # Safety
/// `e` is an elem slot of `t`.
unsafe fn put_val(t: &MapType, e: *mut u8, v: u64) {
    let n = t.elem().size.min(8);
    // SAFETY: n <= elem size bytes of the slot.
    unsafe { ptr::copy_nonoverlapping(v.to_le_bytes().as_ptr(), e, n) };
}

/// # Safety
/// `e` is an elem of `t`.
unsafe fn get_val(t: &MapType, e: *const u8) -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: as in put_val.
    unsafe { ptr::copy_nonoverlapping(e, b.as_mut_ptr(), t.elem().size.min(8)) };
    u64::from_le_bytes(b)
}

/// The fast functions of a family, called directly (not through the dispatch).
mod fast {
    use super::*;

    /// # Safety
    /// As the family's mapassign.
    pub unsafe fn assign(fam: Fam, t: &MapType, h: *mut Hmap, k: Key, alt: bool) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe {
            match fam {
                Fam::F32 if alt => mapassign_fast32ptr(t, h, k.u32() as usize as *mut u8),
                Fam::F32 => mapassign_fast32(t, h, k.u32()),
                Fam::F64 => mapassign_fast64(t, h, k.u64()),
                Fam::F64Ptr => mapassign_fast64ptr(t, h, k.u64() as usize as *mut u8),
                Fam::Str => mapassign_faststr(t, h, k.gostr()),
                Fam::Generic => unreachable!(),
            }
        }
    }

    /// # Safety
    /// As the family's mapaccess2; also checks mapaccess1 against it.
    pub unsafe fn access(fam: Fam, t: &MapType, h: *mut Hmap, k: Key) -> (*mut u8, bool) {
        // SAFETY: forwarded.
        unsafe {
            let (e2, ok, e1) = match fam {
                Fam::F32 => {
                    let (e, ok) = mapaccess2_fast32(t, h, k.u32());
                    (e, ok, mapaccess1_fast32(t, h, k.u32()))
                }
                Fam::F64 | Fam::F64Ptr => {
                    let (e, ok) = mapaccess2_fast64(t, h, k.u64());
                    (e, ok, mapaccess1_fast64(t, h, k.u64()))
                }
                Fam::Str => {
                    let (e, ok) = mapaccess2_faststr(t, h, k.gostr());
                    (e, ok, mapaccess1_faststr(t, h, k.gostr()))
                }
                Fam::Generic => unreachable!(),
            };
            assert_eq!(e1, e2, "mapaccess1 and mapaccess2 disagree");
            (e2, ok)
        }
    }

    /// # Safety
    /// As the family's mapdelete.
    pub unsafe fn delete(fam: Fam, t: &MapType, h: *mut Hmap, k: Key) {
        // SAFETY: forwarded.
        unsafe {
            match fam {
                Fam::F32 => mapdelete_fast32(t, h, k.u32()),
                Fam::F64 | Fam::F64Ptr => mapdelete_fast64(t, h, k.u64()),
                Fam::Str => mapdelete_faststr(t, h, k.gostr()),
                Fam::Generic => unreachable!(),
            }
        }
    }
}

/// Asserts `check`, with the dump on failure.
///
/// # Safety
/// `h` is a live map of `t` whose string keys are readable.
unsafe fn checked(t: &MapType, h: *const Hmap, what: &str) {
    // SAFETY: forwarded.
    unsafe { common::assert_check(t, h, what) };
}

// ---------------------------------------------------------------------------------------
// 1. Same bytes through the generic and the fast functions
// ---------------------------------------------------------------------------------------

/// A small deterministic generator (xorshift64*), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Replaces every `sL:nil` key (what `mapdelete_faststr` leaves) by `s0` (what `mapdelete`
/// leaves), counting the replacements.
fn normalize_faststr_delete(dump: &str, seen: &mut usize) -> String {
    let mut out = String::with_capacity(dump.len());
    for (li, line) in dump.split('\n').enumerate() {
        if li > 0 {
            out.push('\n');
        }
        for (ti, tok) in line.split(' ').enumerate() {
            if ti > 0 {
                out.push(' ');
            }
            if let Some((k, e)) = tok.split_once('=') {
                if let Some(len) = k.strip_prefix('s').and_then(|r| r.strip_suffix(":nil")) {
                    if !len.is_empty() && len.bytes().all(|b| b.is_ascii_digit()) {
                        *seen += 1;
                        out.push_str("s0=");
                        out.push_str(e);
                        continue;
                    }
                }
            }
            out.push_str(tok);
        }
    }
    out
}

/// What one run of [`same_bytes`] went through, to show the run was not vacuous.
#[derive(Debug, Default)]
struct Coverage {
    grows: usize,
    same_size_grows: usize,
    same_size_max_b: u8,
    max_b: u8,
    clears: usize,
    reseeds: usize,
    iter_steps: usize,
    nil_keys_seen: usize,
}

/// Runs one random operation sequence on two maps of `fam` with the same seed, one through
/// the generic functions, one through the fast ones, comparing the dumps after every
/// operation.
fn same_bytes(fam: Fam, seed: u64) -> Coverage {
    let tr = Tracker::new();
    let t = fam.map_type(tr.allocator());
    let mut keys = Keys::new(fam);
    let mut rng = Rng(seed | 1);
    let mut cov = Coverage::default();
    let mask = val_mask(&t);
    // SAFETY: two live maps of `t`, used from this thread only and freed at the end after
    // their iterators; every string key stays in `keys.arena` until then.
    unsafe {
        let hg = makemap(&t, 0, ptr::null_mut());
        let hf = makemap(&t, 0, ptr::null_mut());
        (*hg).hash0 = 0x5eed_0001;
        (*hf).hash0 = 0x5eed_0001;
        let mut live: Vec<u64> = Vec::new();
        let mut next_id = 0u64;
        let mut its: Option<(Hiter, Hiter)> = None;
        let mut step = 0usize;
        let mut was_growing = false;
        let mut prev_b = 0u8;

        // Keys inserted into the current "hot" bucket, and into earlier ones (see churn).
        let mut hot = 0usize;
        let mut hot_keys: Vec<u64> = Vec::new();
        let mut cold_keys: Vec<u64> = Vec::new();

        // The plan: (phase, number of operations, most entries). The most entries are 6.5
        // per bucket: all that B = 2, 5 and 6 hold.
        // grow: to the size with some updates and deletes; churn: delete one, add one, at
        // that size, so that overflow buckets pile up until a same-size grow; clear; drain:
        // delete everything one by one (count 0 re-seeds); refill.
        let plan: &[(&str, usize, usize)] = &[
            ("grow", 60, 26),
            ("churn", 300, 26),
            ("grow", 450, 208),
            ("churn", 500, 208),
            ("grow", 600, 416),
            ("clear", 1, 0),
            ("grow", 80, 26),
            ("drain", 200, 0),
            ("grow", 40, 26),
        ];
        for &(phase, n, target) in plan {
            hot_keys.clear();
            cold_keys.clear();
            for _ in 0..n {
                step += 1;
                // Pick the operation.
                enum Op {
                    Put(u64, u64),
                    Del(u64),
                    Clear,
                }
                let fresh = |live: &mut Vec<u64>, next_id: &mut u64| {
                    *next_id += 1;
                    live.push(*next_id);
                    Op::Put(*next_id, 0)
                };
                let op = match phase {
                    "clear" => Op::Clear,
                    "drain" => match live.pop() {
                        Some(id) => Op::Del(id),
                        None => fresh(&mut live, &mut next_id),
                    },
                    "grow" => {
                        let r = rng.below(10);
                        if live.len() >= target || (r < 2 && !live.is_empty()) {
                            let i = rng.below(live.len() as u64) as usize;
                            Op::Del(live.swap_remove(i))
                        } else if r < 4 && !live.is_empty() {
                            Op::Put(live[rng.below(live.len() as u64) as usize], 0)
                        } else {
                            fresh(&mut live, &mut next_id)
                        }
                    }
                    _ => {
                        // churn: insert fresh keys into one "hot" bucket until it has 16
                        // more, then move on to the next bucket; delete what earlier hot
                        // buckets got (else a random entry). Each hot bucket overflows,
                        // and its overflow buckets stay after the deletes, until the map
                        // has as many overflow buckets as buckets: a same-size grow.
                        if live.len() >= target {
                            // (A cold key may be gone already, deleted at random.)
                            let i = loop {
                                match cold_keys.pop() {
                                    Some(id) => match live.iter().position(|&x| x == id) {
                                        Some(i) => break i,
                                        None => continue,
                                    },
                                    None => break rng.below(live.len() as u64) as usize,
                                }
                            };
                            Op::Del(live.swap_remove(i))
                        } else {
                            if hot_keys.len() == 16 {
                                hot += 1;
                                cold_keys.append(&mut hot_keys);
                            }
                            let mask = bucketMask((*hf).B);
                            loop {
                                next_id += 1;
                                if keys.hash_of(&t, next_id, (*hf).hash0) & mask == hot & mask {
                                    break;
                                }
                            }
                            hot_keys.push(next_id);
                            live.push(next_id);
                            Op::Put(next_id, 0)
                        }
                    }
                };
                let op = match op {
                    Op::Put(id, _) => Op::Put(id, rng.next()),
                    o => o,
                };
                let rstate = rng.next();
                let what = match op {
                    Op::Put(id, v) => {
                        let k = keys.key(id);
                        let v = v & mask;
                        set_fastrand_state(rstate);
                        put_val(&t, mapassign(&t, hg, k.ptr()), v);
                        set_fastrand_state(rstate);
                        put_val(&t, fast::assign(fam, &t, hf, k, step % 2 == 0), v);
                        format!("step {step} ({phase}): put {id}")
                    }
                    Op::Del(id) => {
                        let k = keys.key(id);
                        let c = (*hg).count;
                        set_fastrand_state(rstate);
                        mapdelete(&t, hg, k.ptr());
                        set_fastrand_state(rstate);
                        fast::delete(fam, &t, hf, k);
                        if c == 1 {
                            cov.reseeds += 1;
                        }
                        format!("step {step} ({phase}): delete {id}")
                    }
                    Op::Clear => {
                        set_fastrand_state(rstate);
                        mapclear(&t, hg);
                        set_fastrand_state(rstate);
                        mapclear(&t, hf);
                        live.clear();
                        cov.clears += 1;
                        format!("step {step} ({phase}): clear")
                    }
                };
                checked(&t, hg, &format!("generic map after {what}"));
                checked(&t, hf, &format!("fast map after {what}"));

                // Bookkeeping of what the run covered.
                if (*hf).growing() && !was_growing && (*hf).sameSizeGrow() {
                    cov.same_size_grows += 1;
                    cov.same_size_max_b = cov.same_size_max_b.max((*hf).B);
                }
                was_growing = (*hf).growing();
                cov.grows += (*hf).B.saturating_sub(prev_b) as usize;
                prev_b = (*hf).B;
                cov.max_b = cov.max_b.max((*hf).B);

                // The bytes.
                let dg = dump_string(&t, hg);
                let df = dump_string(&t, hf);
                if fam == Fam::Str {
                    assert!(!dg.contains(":nil"), "mapdelete left a nil string: {dg}");
                    let n = normalize_faststr_delete(&df, &mut cov.nil_keys_seen);
                    assert!(
                        dg == n,
                        "{what}: the dumps differ beyond sL:nil/s0\ngeneric:\n{dg}\nfast:\n{df}"
                    );
                } else {
                    assert!(
                        dg == df,
                        "{what}: the dumps differ\ngeneric:\n{dg}\nfast:\n{df}"
                    );
                }

                // Lookups agree, present and missing keys alike.
                for _ in 0..3 {
                    let id = rng.below(next_id + 2);
                    let k = keys.key(id);
                    let (eg, okg) = mapaccess2(&t, hg, k.ptr());
                    let (ef, okf) = fast::access(fam, &t, hf, k);
                    assert_eq!(okg, okf, "{what}: lookup of {id}");
                    assert_eq!(get_val(&t, eg), get_val(&t, ef), "{what}: value of {id}");
                }

                // Iterators: one per map, started alike, advanced alike. Keeping them
                // across growth makes evacuation keep the old buckets (oldIterator). An
                // entry is compared right when it is produced (the key and elem pointers
                // are only good until the next write, as in Go).
                let same_entry = |ig: &Hiter, ifa: &Hiter, keys: &Keys| {
                    assert_eq!(
                        ig.key().is_null(),
                        ifa.key().is_null(),
                        "{what}: iterator ends"
                    );
                    if !ig.key().is_null() {
                        let (a, b) = (keys.id_at(&t, ig.key()), keys.id_at(&t, ifa.key()));
                        assert_eq!(a, b, "{what}: iterators differ");
                        assert_eq!(get_val(&t, ig.elem()), get_val(&t, ifa.elem()));
                    }
                };
                if its.is_none() && rng.below(40) == 0 {
                    let r = rng.next() as usize;
                    let (mut ig, mut ifa) = (Hiter::new(), Hiter::new());
                    mapiterinit_r(&t, hg, &mut ig, r);
                    mapiterinit_r(&t, hf, &mut ifa, r);
                    same_entry(&ig, &ifa, &keys);
                    its = Some((ig, ifa));
                }
                if let Some((ig, ifa)) = its.as_mut() {
                    for _ in 0..rng.below(3) {
                        if ig.key().is_null() {
                            break;
                        }
                        mapiternext(ig);
                        mapiternext(ifa);
                        same_entry(ig, ifa, &keys);
                        cov.iter_steps += 1;
                    }
                    if ig.key().is_null() {
                        its = None;
                    }
                }
            }
        }
        drop(its);
        mapfree(&t, hg);
        mapfree(&t, hf);
    }
    assert_eq!(tr.live(), 0, "{fam:?}: blocks leaked");
    cov
}

fn same_bytes_all_seeds(fam: Fam) {
    let mut total = Coverage::default();
    for seed in [1u64, 0x9e37_79b9] {
        let c = same_bytes(fam, seed);
        total.grows += c.grows;
        total.same_size_grows += c.same_size_grows;
        total.same_size_max_b = total.same_size_max_b.max(c.same_size_max_b);
        total.max_b = total.max_b.max(c.max_b);
        total.clears += c.clears;
        total.reseeds += c.reseeds;
        total.iter_steps += c.iter_steps;
        total.nil_keys_seen += c.nil_keys_seen;
    }
    eprintln!("{fam:?}: {total:?}");
    assert!(total.grows >= 12, "{fam:?}: too few grows: {total:?}");
    assert!(
        total.same_size_grows >= 6,
        "{fam:?}: too few same-size grows: {total:?}"
    );
    assert!(total.max_b >= 6 && total.same_size_max_b >= 5, "{total:?}");
    assert!(total.reseeds >= 2 && total.clears >= 2, "{total:?}");
    assert!(total.iter_steps > 100, "{total:?}");
    if fam == Fam::Str {
        assert!(
            total.nil_keys_seen > 0,
            "the sL:nil difference never showed"
        );
    }
}

#[test]
fn fast32_leaves_the_bytes_of_the_generic_path() {
    fixed_hash_keys();
    same_bytes_all_seeds(Fam::F32);
}

#[test]
fn fast64_leaves_the_bytes_of_the_generic_path() {
    fixed_hash_keys();
    same_bytes_all_seeds(Fam::F64);
}

#[test]
fn fast64ptr_leaves_the_bytes_of_the_generic_path() {
    fixed_hash_keys();
    same_bytes_all_seeds(Fam::F64Ptr);
}

#[test]
fn faststr_leaves_the_bytes_of_the_generic_path_but_nil_keys() {
    fixed_hash_keys();
    same_bytes_all_seeds(Fam::Str);
}

/// Installs fixed hash keys, once, before any test of this binary makes a map: with the
/// process's random keys a failure found in one run would not replay in the next (the
/// keys decide every bucket). Every test here calls it first.
fn fixed_hash_keys() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let mut k = gomap::maptype::alg::hash_keys();
        for (i, b) in k.aeskeysched.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(0x9d) ^ 0x5c;
        }
        k.hashkey = [
            0x9e37_79b9_7f4a_7c15,
            0xc2b2_ae3d_27d4_eb4f,
            0x1656_67b1_9e37_79f9,
            0x27d4_eb2f_1656_67c5,
        ];
        // SAFETY: every test of this binary calls this before it makes a map, and the
        // Once makes the others wait until the keys are installed, so no map exists yet.
        assert!(unsafe { gomap::maptype::alg::set_hash_keys(k) });
    });
}

// ---------------------------------------------------------------------------------------
// 2. Model test with interleaved iterators
// ---------------------------------------------------------------------------------------

/// Number of distinct key ids the model test uses.
const KEYS: u64 = 600;

#[derive(Clone, Debug)]
enum MOp {
    Put(u64, u64),
    Del(u64),
    Get(u64),
    /// Insert `n` keys from `base` on (enough to make the map grow under an iterator).
    Bulk(u64, u64),
    Clear,
    /// Start (or restart) iterator slot `s` with random word `r`.
    IterStart(usize, u64),
    /// Advance iterator slot `s` by `n` entries.
    IterNext(usize, usize),
}

fn mop() -> impl Strategy<Value = MOp> {
    prop_oneof![
        6 => (0..KEYS, any::<u64>()).prop_map(|(k, v)| MOp::Put(k, v)),
        4 => (0..KEYS).prop_map(MOp::Del),
        2 => (0..KEYS).prop_map(MOp::Get),
        1 => (1..150u64, 0..KEYS).prop_map(|(n, b)| MOp::Bulk(n, b)),
        1 => Just(MOp::Clear),
        2 => (0..2usize, any::<u64>()).prop_map(|(s, r)| MOp::IterStart(s, r)),
        8 => (0..2usize, 1..8usize).prop_map(|(s, n)| MOp::IterNext(s, n)),
    ]
}

/// One live iterator and what Go promises about it.
struct Track {
    it: Hiter,
    /// Entries present when the iteration started.
    start: HashSet<u64>,
    /// Entries produced (an entry deleted during the iteration is forgotten here: a
    /// re-inserted key is a new entry, which may be produced again).
    produced: HashSet<u64>,
    /// Keys deleted (or cleared) at some point during the iteration.
    deleted: HashSet<u64>,
    /// Keys removed by `mapclear` during the iteration. Go 1.19's `mapclear` drops
    /// `oldbuckets`, and an iterator that started before an unfinished grow keeps walking
    /// its own (old) array, where unevacuated cells still hold the cleared entries: Go
    /// produces them (checked against Go 1.19 itself). Such keys are exempt from the
    /// "not produced once deleted" and value checks.
    cleared: HashSet<u64>,
    /// Keys produced a second time after a `Clear` during the iteration (see `record`).
    twice: HashSet<u64>,
    /// Whether `mapclear` ran during the iteration.
    saw_clear: bool,
}

impl Track {
    fn new(start: HashSet<u64>) -> Track {
        Track {
            it: Hiter::new(),
            start,
            produced: HashSet::new(),
            deleted: HashSet::new(),
            cleared: HashSet::new(),
            twice: HashSet::new(),
            saw_clear: false,
        }
    }
}

/// A seed for the runtime's random source that is a function of the operations (FNV-1a
/// of their printed form): a run is then a function of its input, so a saved failure
/// replays exactly, and a fixed proptest seed (in CI) makes the whole test repeatable.
fn seed_of(ops: &[MOp]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in format!("{ops:?}").bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Runs one operation sequence on a map of `fam` through the dispatch functions (which
/// call the family's fast functions, or the generic ones), against a model.
fn model_run(fam: Fam, ops: &[MOp]) -> Result<(), TestCaseError> {
    let tr = Tracker::new();
    let t = fam.map_type(tr.allocator());
    let mask = val_mask(&t);
    let mut keys = Keys::new(fam);
    let mut model: HashMap<u64, u64> = HashMap::new();
    let mut tracks: [Option<Track>; 2] = [None, None];
    fixed_hash_keys();
    set_fastrand_state(seed_of(ops));
    // SAFETY: a live map of `t` used from this thread only, freed after its iterators;
    // string keys stay alive in `keys.arena`.
    unsafe {
        let h = makemap(&t, 0, ptr::null_mut());
        for (n, op) in ops.iter().enumerate() {
            let what = format!("op {n} {op:?}");
            match *op {
                MOp::Put(id, v) => {
                    let k = keys.key(id);
                    put_val(&t, map_assign(&t, h, k.ptr()), v & mask);
                    model.insert(id, v & mask);
                }
                MOp::Bulk(cnt, base) => {
                    for i in 0..cnt {
                        let id = (base + i) % KEYS;
                        let k = keys.key(id);
                        put_val(&t, map_assign(&t, h, k.ptr()), id & mask);
                        model.insert(id, id & mask);
                    }
                }
                MOp::Del(id) => {
                    let k = keys.key(id);
                    map_delete(&t, h, k.ptr());
                    if model.remove(&id).is_some() {
                        for tk in tracks.iter_mut().flatten() {
                            tk.produced.remove(&id);
                            tk.twice.remove(&id);
                            tk.deleted.insert(id);
                        }
                    }
                }
                MOp::Get(id) => {
                    let k = keys.key(id);
                    let (e, ok) = map_access2(&t, h, k.ptr());
                    prop_assert_eq!(ok, model.contains_key(&id), "{}", what);
                    prop_assert_eq!(get_val(&t, e), model.get(&id).copied().unwrap_or(0));
                    let e1 = map_access1(&t, h, k.ptr());
                    prop_assert_eq!(e1, e);
                }
                MOp::Clear => {
                    mapclear(&t, h);
                    for tk in tracks.iter_mut().flatten() {
                        tk.saw_clear = true;
                        for id in model.keys() {
                            tk.produced.remove(id);
                            tk.deleted.insert(*id);
                            tk.cleared.insert(*id);
                        }
                    }
                    model.clear();
                }
                MOp::IterStart(s, r) => {
                    tracks[s] = None; // abandons (and unregisters) the old one
                    let mut tk = Track::new(model.keys().copied().collect());
                    mapiterinit_r(&t, h, &mut tk.it, r as usize);
                    tracks[s] = Some(tk);
                    // mapiterinit already moved to the first entry.
                    record(&t, &keys, &model, &mut tracks[s], &what)?;
                }
                MOp::IterNext(s, cnt) => {
                    advance(&t, &keys, &model, &mut tracks[s], cnt, &what)?;
                }
            }
            if let Err(e) = check(&t, h) {
                return Err(TestCaseError::fail(format!(
                    "{what}: {e}\n{}",
                    dump_string(&t, h)
                )));
            }
            prop_assert_eq!((*h).count, model.len(), "{}", what);
        }
        // Iterate to the end what is still running, then the whole map once more.
        for tk in tracks.iter_mut() {
            advance(&t, &keys, &model, tk, usize::MAX, "final")?;
        }
        let mut fin = Some(Track::new(model.keys().copied().collect()));
        if let Some(tk) = fin.as_mut() {
            mapiterinit(&t, h, &mut tk.it);
        }
        record(&t, &keys, &model, &mut fin, "full iteration")?;
        advance(&t, &keys, &model, &mut fin, usize::MAX, "full iteration")?;
        drop(tracks);
        mapfree(&t, h);
    }
    prop_assert_eq!(tr.live(), 0, "blocks leaked");
    Ok(())
}

/// Checks and records the entry the tracked iterator has just produced, or, when it has
/// run out, checks that every entry present throughout was produced and frees the slot.
///
/// # Safety
/// The tracked iterator's map is live, with keys of `keys`' family.
unsafe fn record(
    t: &MapType,
    keys: &Keys,
    model: &HashMap<u64, u64>,
    slot: &mut Option<Track>,
    what: &str,
) -> Result<(), TestCaseError> {
    let Some(tk) = slot.as_mut() else {
        return Ok(());
    };
    if tk.it.key().is_null() {
        for id in &tk.start {
            if !tk.deleted.contains(id) {
                prop_assert!(
                    tk.produced.contains(id),
                    "{}: entry {} present throughout was not produced",
                    what,
                    id
                );
            }
        }
        *slot = None;
        return Ok(());
    }
    // SAFETY: a non-null `key` of a live iterator points at a live key and elem.
    let (id, v) = unsafe { (keys.id_at(t, tk.it.key()), get_val(t, tk.it.elem())) };
    // After a `Clear` during the iteration Go 1.19 can produce an entry twice, and so
    // must gomap:
    // * a cleared entry that an unevacuated cell of the iterator's old array still holds,
    //   and then the entry the key got when inserted again (checked against Go 1.19 on
    //   traces with that mix);
    // * as Go 1.19's `mapclear` reads, it re-initialises the bucket array in place (`makeBucketArray` with the
    //   array as `dirtyalloc`), which writes the end-of-array sentinel again into the
    //   last preallocated overflow bucket: an iterator standing in that bucket follows
    //   the sentinel to bucket 0 and walks its chain as if it were its own, then meets
    //   bucket 0 again in its walk.
    prop_assert!(
        tk.produced.insert(id) || (tk.saw_clear && tk.twice.insert(id)),
        "{}: entry {} produced twice",
        what,
        id
    );
    if !tk.cleared.contains(&id) {
        prop_assert!(
            model.contains_key(&id),
            "{}: deleted entry {} produced",
            what,
            id
        );
        prop_assert_eq!(Some(&v), model.get(&id), "{}: stale value for {}", what, id);
    }
    Ok(())
}

/// Moves the tracked iterator on by up to `n` entries, recording each.
///
/// # Safety
/// As [`record`].
unsafe fn advance(
    t: &MapType,
    keys: &Keys,
    model: &HashMap<u64, u64>,
    slot: &mut Option<Track>,
    n: usize,
    what: &str,
) -> Result<(), TestCaseError> {
    for _ in 0..n {
        let Some(tk) = slot.as_mut() else {
            return Ok(());
        };
        // SAFETY: the iterator is registered on a live map (it has not run out: a run-out
        // iterator's slot was freed by `record`).
        unsafe { mapiternext(&mut tk.it) };
        // SAFETY: forwarded.
        unsafe { record(t, keys, model, slot, what)? };
    }
    Ok(())
}

/// 160 cases each (or PROPTEST_CASES); saved failures (`fast_paths.proptest-regressions`) run first. With
/// `CI` set the cases come from a fixed seed, so that CI is repeatable; locally they are
/// new on every run.
fn model_config() -> ProptestConfig {
    let mut c = ProptestConfig {
        // PROPTEST_CASES (the sanitizer scripts lower it) or 160.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(160),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    };
    if std::env::var_os("CI").is_some() {
        c.rng_algorithm = proptest::test_runner::RngAlgorithm::ChaCha;
        c.rng_seed = proptest::test_runner::RngSeed::Fixed(0x676f_6d61_7031_3139);
    }
    c
}

proptest! {
    #![proptest_config(model_config())]

    #[test]
    fn model_generic(ops in prop::collection::vec(mop(), 1..240)) {
        model_run(Fam::Generic, &ops)?;
    }

    #[test]
    fn model_fast32(ops in prop::collection::vec(mop(), 1..240)) {
        model_run(Fam::F32, &ops)?;
    }

    #[test]
    fn model_fast64(ops in prop::collection::vec(mop(), 1..240)) {
        model_run(Fam::F64Ptr, &ops)?;
    }

    #[test]
    fn model_faststr(ops in prop::collection::vec(mop(), 1..240)) {
        model_run(Fam::Str, &ops)?;
    }
}

/// Saved failures of the model (`fast_paths.proptest-regressions`), kept as a plain
/// test on every family: after a `Clear` under a live iterator, Go 1.19 may produce an
/// entry twice (see `record`). The model used to fail these with "produced twice".
#[test]
fn model_cleared_entry_and_its_reinsertion_are_two_entries() {
    fixed_hash_keys();
    use MOp::*;
    let ops_a = [
        IterNext(0, 5),
        Bulk(89, 256),
        IterNext(1, 3),
        IterNext(0, 4),
        Put(191, 13753554724751411953),
        IterNext(1, 1),
        Put(524, 10536736786121332864),
        IterStart(1, 13505777598645290648),
        Put(5, 6702084858349847013),
        Del(49),
        Put(72, 5161720765761359634),
        Put(66, 13900374256088720365),
        Get(429),
        Del(418),
        Del(216),
        IterNext(0, 5),
        IterNext(0, 6),
        Put(51, 4148226799102908043),
        Put(333, 8826591567169589443),
        Del(416),
        Del(357),
        Put(191, 17109167331140493108),
        IterStart(0, 7864893790247456412),
        IterStart(0, 17205449383820188126),
        IterNext(0, 5),
        Del(91),
        IterNext(1, 2),
        IterNext(0, 3),
        Get(175),
        Clear,
        Clear,
        Del(570),
        Get(528),
        Get(166),
        Clear,
        Del(439),
        Put(189, 14443016867847579394),
        Put(488, 17551522501214269475),
        IterNext(1, 5),
        Put(506, 12974004580626192049),
        IterNext(1, 1),
        Put(294, 13119201360250439120),
        Get(162),
        IterNext(1, 2),
        IterNext(0, 2),
        IterNext(1, 2),
        IterNext(1, 3),
        IterNext(0, 7),
        Get(474),
        Get(541),
        Clear,
        Bulk(15, 475),
        IterNext(1, 4),
        IterStart(0, 1228887030360690726),
        IterStart(0, 9589424537674797890),
        IterNext(1, 4),
        IterNext(0, 3),
        Bulk(28, 387),
        Clear,
        Put(263, 1041298781957045234),
        IterStart(1, 8909771395785297843),
        Del(224),
        Put(267, 2580351932745860367),
        Put(63, 7391458659885799676),
        IterNext(0, 7),
        Bulk(75, 89),
        IterNext(0, 7),
        Put(471, 12599656139599972980),
        IterStart(0, 5287077884603044688),
        Put(424, 8560469340169102548),
        Put(368, 4506204942181476619),
        Put(244, 1958702931986196256),
    ];
    let ops_b = [
        Del(289),
        IterNext(0, 3),
        IterNext(0, 7),
        IterNext(1, 4),
        Del(462),
        IterStart(0, 8390959213692502195),
        IterNext(1, 1),
        Del(34),
        IterNext(1, 1),
        IterNext(0, 2),
        IterStart(1, 11351237424283467298),
        IterNext(0, 4),
        Put(322, 1004042563624217825),
        IterNext(1, 5),
        Bulk(6, 279),
        Bulk(40, 105),
        IterNext(0, 6),
        Put(252, 12086451546809584456),
        Del(356),
        Get(205),
        IterNext(1, 7),
        IterNext(0, 1),
        IterNext(1, 5),
        Bulk(40, 185),
        Del(69),
        Del(114),
        Bulk(144, 68),
        IterStart(0, 17160233686567018019),
        Put(214, 15633356958038785878),
        Bulk(48, 193),
        Del(66),
        IterStart(0, 8761906838879091552),
        Put(535, 6147249120289272842),
        Del(186),
        IterNext(0, 1),
        Get(300),
        Del(597),
        Put(198, 17874628000191727858),
        Del(26),
        IterNext(0, 3),
        IterNext(1, 6),
        Del(38),
        IterStart(1, 7580301688313263943),
        Del(89),
        Put(412, 13921039517765532705),
        IterNext(0, 3),
        Del(363),
        Put(165, 7525926014947718818),
        Put(0, 11423388558441385104),
        IterStart(0, 3211966694497272642),
        IterNext(0, 3),
        IterStart(0, 16451133380254949977),
        IterNext(1, 5),
        Put(186, 2137067801652937563),
        Put(497, 13396799862783960596),
        IterNext(0, 4),
        Del(444),
        IterNext(0, 3),
        IterStart(0, 951624874363170020),
        Put(7, 2549801306273369094),
        Bulk(32, 212),
        Put(574, 15003211351809078624),
        Put(140, 7452338747886794971),
        IterStart(0, 17969548648823687644),
        Get(213),
        Put(469, 3861316645857267818),
        Put(331, 17603096267061610868),
        IterNext(1, 2),
        IterNext(0, 7),
        Del(156),
        Get(317),
        IterNext(0, 1),
        IterNext(1, 4),
        Del(39),
        IterNext(1, 3),
        Del(219),
        Del(353),
        IterNext(1, 6),
        IterNext(1, 4),
        Get(41),
        IterNext(1, 2),
        Put(97, 15974327083266125680),
        IterNext(0, 7),
        Put(574, 9110877138199839571),
        Put(118, 1176817638908483371),
        Put(409, 8437475021038789147),
        Clear,
        Del(192),
        Get(209),
        Put(522, 5866715496023013434),
        IterNext(1, 1),
        Put(254, 6525253850211726713),
        IterNext(1, 5),
        Put(504, 7876793479424121087),
        IterStart(1, 2325296324213118103),
        IterNext(0, 5),
        IterNext(1, 1),
        IterNext(0, 3),
        IterStart(1, 18166995315031341376),
        IterNext(1, 3),
        IterNext(0, 3),
        IterNext(1, 5),
        IterNext(0, 2),
        Get(256),
        IterNext(1, 1),
        IterStart(0, 1250511709941822123),
        Bulk(135, 477),
        IterNext(0, 1),
        Put(125, 11626532986036567884),
        IterNext(0, 1),
        Get(55),
        IterNext(0, 3),
        Put(276, 653324087500304454),
        Clear,
        Put(181, 8429985907170125646),
        Del(475),
        Get(564),
        Clear,
        Bulk(2, 435),
        Put(389, 11372434805312313833),
        Del(309),
        IterStart(1, 5692958309054888940),
        Put(326, 16915328263552200532),
        Put(269, 8019257252158186939),
        Put(363, 3000002023605865955),
        Del(480),
        IterNext(0, 5),
        IterNext(0, 3),
        IterNext(0, 7),
        IterStart(1, 18234198832047892653),
        Bulk(137, 572),
        Put(493, 17635077369013260181),
        IterNext(0, 1),
        IterNext(1, 2),
        Get(247),
        Del(314),
        Del(180),
        Put(486, 489568153794661533),
        IterStart(0, 3694161892176117271),
        IterNext(1, 4),
        IterNext(1, 2),
        Del(533),
        IterNext(1, 3),
        IterNext(1, 4),
        IterNext(0, 5),
        IterStart(1, 10629421874995667212),
        IterNext(0, 1),
        Put(243, 10048415140102448348),
        Del(420),
        IterStart(1, 8313757305200605014),
        Get(492),
        Del(531),
        IterNext(0, 2),
        Del(369),
        Put(415, 7346165460322057198),
        Put(278, 2763814142953644681),
        Put(148, 16937640961591132613),
        Del(93),
        IterNext(1, 3),
        Del(129),
        IterNext(1, 7),
        Del(475),
        Clear,
        Put(262, 18194657425671733489),
        Put(506, 6962314494075150127),
        Get(181),
        IterNext(1, 6),
        IterNext(1, 2),
        Put(494, 14475518044766724241),
        Put(597, 2280390050121048876),
        Put(293, 7958941567004388080),
        Del(196),
        Put(595, 11652183539187449585),
        Put(473, 6608794378220406681),
        IterNext(0, 4),
        Del(73),
        Get(260),
        Put(529, 13772914931793420475),
        Put(314, 16119111907309552875),
        IterStart(0, 10648039604028037767),
        IterNext(0, 5),
        Del(253),
        Put(224, 1998228326443845737),
        IterNext(1, 2),
        Del(176),
        Put(597, 6724612745528294707),
        Del(271),
        Get(509),
        IterNext(1, 5),
        IterNext(1, 3),
        Del(380),
        Put(384, 9557263598948201326),
        IterNext(0, 4),
        Put(254, 14310225930739836820),
        IterNext(1, 2),
        IterNext(1, 7),
        Clear,
        Put(68, 4849973666271322576),
        IterNext(0, 4),
        Put(552, 5453860496702942051),
        Put(360, 16728686847121313850),
        Del(44),
        Put(348, 8424107888857001741),
        Get(171),
        Put(261, 14030058726585106562),
        IterNext(0, 7),
        IterStart(0, 15253479820701963243),
        IterNext(1, 3),
        IterStart(1, 2574214964277309971),
        Clear,
        Get(118),
        IterNext(1, 3),
        IterNext(1, 6),
        Put(57, 17258494647045269277),
        Clear,
        IterNext(1, 2),
        Put(57, 10603753996164117060),
        Bulk(88, 95),
        Del(565),
        Put(89, 16337189728055828656),
        Get(510),
        IterNext(1, 1),
        Put(117, 18290196051549426765),
        IterNext(0, 1),
        Put(237, 402467487303582541),
        Put(177, 17589527742979523336),
        Put(260, 5261510471050938189),
        Del(200),
        IterStart(1, 11832742694196132623),
    ];
    let ops_c = [
        Put(309, 92815623375510987),
        Put(535, 7857249651784315487),
        Put(265, 9747501168377061940),
        Del(75),
        Put(388, 6028909921252821413),
        IterStart(1, 17460550716404056342),
        Clear,
        Put(515, 10423736145840881948),
        IterNext(0, 6),
        Put(544, 4247799114206006074),
        IterNext(0, 6),
        Del(289),
        IterNext(0, 5),
        Put(454, 10790616975366872782),
        Del(235),
        IterNext(0, 2),
        Bulk(72, 277),
        IterStart(0, 14771267199913366515),
        Put(276, 15322192359091403057),
        IterNext(0, 2),
        IterNext(0, 4),
        Put(500, 15291316255398756682),
        IterNext(1, 2),
        Get(280),
        IterNext(0, 3),
        Del(67),
        IterNext(0, 2),
        Put(163, 178689431957395384),
        IterNext(1, 6),
        Put(574, 11324841080643975784),
        Put(292, 8145975920063927362),
        Del(529),
        IterNext(0, 2),
        Clear,
        Get(545),
        IterStart(1, 6643543356591921037),
        Put(253, 8735121292931972584),
        IterNext(1, 1),
        Put(16, 8547855354809889497),
        IterNext(1, 3),
        Put(234, 5181551595664791787),
        IterNext(1, 3),
        Put(333, 2884532260965945975),
        IterNext(1, 7),
        Put(542, 13090164414567415072),
        IterNext(0, 6),
        IterStart(0, 17956545084239312641),
        IterStart(0, 2656085496275831442),
        IterNext(1, 7),
        Put(96, 14749463594397663902),
        Get(83),
        IterNext(1, 1),
        Put(431, 15321603607097463180),
        IterNext(1, 6),
        Get(295),
        IterNext(0, 4),
        IterStart(0, 15225631205399942390),
        Put(357, 8312117948019422294),
        IterNext(0, 5),
        Get(73),
        IterNext(0, 2),
        Clear,
        IterNext(0, 5),
        Del(460),
        Del(91),
        Bulk(31, 58),
        Del(597),
        Put(506, 5245301915511260166),
        Del(236),
        Put(57, 5297937571432168202),
        Put(129, 14492103801209511377),
        Del(413),
        Del(464),
    ];
    let ops_d = [
        IterStart(1, 18427946439650786149),
        Get(551),
        IterNext(0, 4),
        Put(292, 9017748063446865242),
        Put(336, 15929225678886364687),
        IterNext(1, 2),
        IterNext(0, 2),
        Get(307),
        Clear,
        IterNext(1, 7),
        Clear,
        Put(365, 12512940006348428750),
        IterNext(1, 7),
        Del(408),
        Del(215),
        Get(71),
        Del(218),
        Del(438),
        Del(95),
        Del(272),
        Put(173, 2870702220900579710),
        Get(204),
        Put(275, 15712217981817237111),
        Put(223, 1533375024341687730),
        Clear,
        IterNext(0, 1),
        Clear,
        IterNext(0, 7),
        Del(92),
        IterStart(1, 8114162763520361329),
        IterNext(1, 5),
        IterStart(0, 1395453355063961822),
        Put(496, 2763112664477261200),
        IterNext(1, 3),
        IterNext(1, 7),
        Put(212, 8677318793653905722),
        Put(156, 4804438224474849692),
        IterNext(1, 5),
        IterNext(1, 7),
        Bulk(56, 418),
        IterNext(1, 6),
        IterNext(1, 4),
        Put(569, 12611966488945590361),
        Put(520, 16694618965061241655),
        Put(383, 12064693376970605898),
        Bulk(4, 300),
        Del(120),
        Get(550),
        Put(109, 7093339035411449559),
        IterStart(1, 17813629891635595400),
        Get(435),
        Put(589, 4950488979695773929),
        Put(447, 6684209146330118035),
        IterNext(0, 1),
        IterNext(1, 5),
        IterNext(1, 7),
        IterNext(0, 4),
        IterNext(1, 1),
        Put(335, 13804015202351852389),
        Put(450, 9838873608938029173),
        Del(561),
        IterStart(0, 7835737496921618063),
        Del(197),
        IterStart(0, 4295534377511899036),
        Put(122, 5791124529151453683),
        Put(549, 10477924773524247405),
        Del(187),
        IterStart(0, 12904885964852481382),
        IterNext(1, 1),
        Del(546),
        IterNext(0, 4),
        Clear,
        Bulk(38, 96),
        Put(220, 10982672217571144720),
        IterStart(0, 17056892284538857356),
        Get(97),
        IterNext(0, 1),
        Put(149, 12869045006898927840),
        IterStart(0, 15061179722346631171),
        Del(598),
        Get(240),
        Bulk(137, 22),
        Get(542),
        Del(135),
        Put(150, 10257851727942898975),
        Del(202),
        Put(76, 104453955333275896),
        Del(516),
        IterNext(0, 4),
        IterNext(0, 1),
        Del(173),
        Put(556, 3795047691503657352),
    ];
    for ops in [&ops_a[..], &ops_b[..], &ops_c[..], &ops_d[..]] {
        for fam in [Fam::Generic, Fam::F32, Fam::F64Ptr, Fam::Str] {
            model_run(fam, ops).unwrap();
        }
    }
}

/// A `map[int64]int64` whose bucket array is large enough (B = 17, 18.9 MB) for
/// `mapdelete_fast64` to search with Go's key loop instead of the tophash match: after
/// deleting every third key (whose bytes the delete leaves in the cell), deleting every
/// sixth once more (found only as such a stale cell, which the loop must skip) and
/// putting some back, every lookup agrees with the generic `mapaccess2` and with the
/// model, absent keys are absent, the count is the model's, and `check` holds.
#[test]
fn fast64_large_array_deletes_with_gos_key_loop() {
    fixed_hash_keys();
    let t = MapType::int64();
    let n = 600_000u64;
    let key = |i: u64| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5555;
    let absent = |i: u64| key(i + n);
    // SAFETY: a fresh map of `t`, used by this thread only and freed at the end; keys and
    // elems are 8-byte values of its types.
    unsafe {
        let h = makemap(&t, 0, ptr::null_mut());
        for i in 0..n {
            *mapassign_fast64(&t, h, key(i)).cast::<u64>() = i;
        }
        assert_eq!((*h).B, 17);
        assert!((*h).oldbuckets.is_null(), "growth finished");
        assert!(
            (t.bucketsize() as usize) << 17 >= KEY_LOOP_MIN_BYTES,
            "above the key loop's bound"
        );
        for i in (0..n).step_by(3) {
            mapdelete_fast64(&t, h, key(i));
        }
        for i in (0..n).step_by(6) {
            mapdelete_fast64(&t, h, key(i));
        }
        for i in (0..n).step_by(9) {
            *mapassign_fast64(&t, h, key(i)).cast::<u64>() = i + 1;
        }
        let want = |i: u64| match (i % 3, i % 9) {
            (0, 0) => Some(i + 1),
            (0, _) => None,
            _ => Some(i),
        };
        for i in 0..n {
            let k = key(i);
            let (e, ok) = mapaccess2_fast64(&t, h, k);
            let (ge, gok) = map_access2(&t, h, ptr::addr_of!(k).cast());
            assert_eq!(ok.then(|| *e.cast::<u64>()), want(i), "fast64, key {i}");
            assert_eq!(gok.then(|| *ge.cast::<u64>()), want(i), "generic, key {i}");
            let a = absent(i);
            assert!(!mapaccess2_fast64(&t, h, a).1, "absent key {i}");
        }
        checked(&t, h, "after the deletes");
        assert_eq!((*h).count, (0..n).filter(|&i| want(i).is_some()).count());
        mapfree(&t, h);
    }
}

// ---------------------------------------------------------------------------------------
// 3. String-key lookups
// ---------------------------------------------------------------------------------------

/// Port of Go's `TestMapStringBytesLookup`: lookups with keys built from a byte buffer (at
/// another address than the stored keys) find them, and allocate nothing.
#[test]
fn map_string_bytes_lookup() {
    fixed_hash_keys();
    let t = MapType::string_int64();
    // Use large string keys, as Go does (to avoid small-allocation coalescing there); at 49
    // bytes they also take the long-key path of the one-bucket lookup.
    let k1 = b"1000000000000000000000000000000000000000000000000".to_vec();
    let k2 = b"2000000000000000000000000000000000000000000000000".to_vec();
    // SAFETY: a fresh map of `t`, freed at the end; `k1`, `k2` outlive it.
    unsafe {
        let h = makemap(&t, 2, ptr::null_mut());
        *mapassign_faststr(&t, h, GoString::from_bytes(&k1)).cast::<i64>() = 1;
        *mapassign_faststr(&t, h, GoString::from_bytes(&k2)).cast::<i64>() = 2;
        assert_eq!((*h).B, 0);

        let mut buf = b"1000000000000000000000000000000000000000000000000".to_vec();
        let x = *mapaccess1_faststr(&t, h, GoString::from_bytes(&buf)).cast::<i64>();
        assert_eq!(x, 1, r#"m[string([]byte("1"))]"#);
        buf[0] = b'2';
        let x = *mapaccess1_faststr(&t, h, GoString::from_bytes(&buf)).cast::<i64>();
        assert_eq!(x, 2, r#"m[string([]byte("2"))]"#);

        // AllocsPerRun(100, ...) == 0, for m[k] and for v, ok := m[k], through the fast
        // functions and through the dispatch.
        let key = GoString::from_bytes(&buf);
        let mut sum = 0i64;
        let before = allocs();
        for _ in 0..100 {
            sum += *mapaccess1_faststr(&t, h, key).cast::<i64>();
            let (e, ok) = mapaccess2_faststr(&t, h, key);
            assert!(ok, "!ok");
            sum += *e.cast::<i64>();
            sum += *map_access1(&t, h, ptr::addr_of!(key).cast()).cast::<i64>();
            let (e, ok) = map_access2(&t, h, ptr::addr_of!(key).cast());
            assert!(ok, "!ok");
            sum += *e.cast::<i64>();
        }
        assert_eq!(allocs(), before, "lookups allocated");
        assert_eq!(sum, 800);
        mapfree(&t, h);
    }
}

/// A one-bucket `map[string]E` (B == 0, looked up without hashing) with short keys of equal
/// lengths, long keys of equal length that agree in their first and last 4 bytes (so that
/// the lookup must hash), long keys that differ only at the ends, deleted long keys (nil
/// data pointers of the same length), and keys at other addresses than the stored ones:
/// every lookup agrees with the generic `mapaccess2` on the same map and with the model.
#[test]
fn single_bucket_faststr_lookups_of_lookalike_keys() {
    fixed_hash_keys();
    let t = MapType::for_go_types(GoKind::String, GoKind::String).unwrap();
    let long = |mid: &str, head: &str, tail: &str| format!("{head}{mid:->40}{tail}");
    let stored: Vec<String> = vec![
        "ab".into(),
        "ba".into(),
        long("one", "HEAD", "TAIL"),
        long("two", "HEAD", "TAIL"),
        long("one", "HEAD", "LIAT"),
        long("one", "DAEH", "TAIL"),
        String::new(),
        "x".repeat(31),
    ];
    let probes: Vec<String> = stored
        .iter()
        .cloned()
        .chain([
            "aa".into(),
            long("three", "HEAD", "TAIL"),
            long("one", "HEAD", "TAI_"),
            long("one", "_EAD", "TAIL"),
            long("one", "HEAD", "TAIL") + "!",
            "x".repeat(32),
            "y".repeat(31),
        ])
        .collect();
    // Each case: which stored keys to delete (by index) before probing.
    let deletions: [&[usize]; 4] = [&[], &[2], &[2, 3], &[0, 4, 5, 6]];
    for del in deletions {
        let mut model: HashMap<&str, usize> = HashMap::new();
        // SAFETY: a fresh map of `t`, freed at the end; all strings outlive it.
        unsafe {
            let h = makemap(&t, 0, ptr::null_mut());
            for (i, k) in stored.iter().enumerate() {
                let e = mapassign_faststr(&t, h, GoString::from_bytes(k.as_bytes()));
                *e.cast::<GoString>() = GoString::from_bytes(stored[i].as_bytes());
                model.insert(k, i);
            }
            for &i in del {
                let copy = stored[i].clone();
                mapdelete_faststr(&t, h, GoString::from_bytes(copy.as_bytes()));
                model.remove(stored[i].as_str());
            }
            assert_eq!((*h).B, 0, "one bucket");
            assert_eq!((*h).count, model.len());
            checked(&t, h, "after the deletions");
            for p in &probes {
                for same_address in [true, false] {
                    let copy = p.clone();
                    let bytes = if same_address {
                        // The stored string itself (the data-pointer shortcut), if stored.
                        stored.iter().find(|s| *s == p).unwrap_or(p).as_bytes()
                    } else {
                        copy.as_bytes()
                    };
                    let k = GoString::from_bytes(bytes);
                    let (ef, okf) = mapaccess2_faststr(&t, h, k);
                    let (eg, okg) = mapaccess2(&t, h, ptr::addr_of!(k).cast());
                    let want = model.get(p.as_str());
                    assert_eq!(okf, want.is_some(), "{p:?} after deleting {del:?}");
                    assert_eq!((okf, ef), (okg, eg), "{p:?}: fast and generic disagree");
                    if let Some(&i) = want {
                        let v = (*ef.cast::<GoString>()).as_bytes();
                        assert_eq!(v, stored[i].as_bytes());
                    } else {
                        assert_eq!(ef, mapaccess1_faststr(&t, h, k));
                    }
                }
            }
            mapfree(&t, h);
        }
    }
}
