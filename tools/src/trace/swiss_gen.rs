//! The Swiss trace generator: deterministic traces for the differential test of the
//! Swiss engine against Go 1.24 to 1.27 (`docs/swiss-dump.md`).
//!
//! Each trace is one [`SwissScenario`] over one pair of kinds. The generator keeps a
//! model of the key set, to know when a `del` empties the map (Go re-seeds it with
//! `rand()`, so the trace says with what) and to pick present keys.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::gen::{canon_go, composite_kinds, composite_pair, go_value, unhashable, Rng};
use super::op::{parse_f64, unhex, Kind, Value};
use gomap::export_test::base::hex::hex;
use gomap::swiss::SwissRelease;

/// What a Swiss trace exercises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwissScenario {
    /// A random mix of every operation after `make` with the given hint.
    Mix(i64),
    /// The small map: up to 8 entries, overwrites of a full group, the 8 -> 9 growth,
    /// deletes, with a dump after every operation.
    Small,
    /// Growth by doubling and splits up to `n` entries, with iterators advanced across
    /// the growth and writes between their steps.
    Grow(usize),
    /// Tombstones: a table kept near its load limit by deleting and inserting, so that
    /// tombstones pile up and are pruned (1.25+) or force growth.
    Tombstones(i64),
    /// `clear` and `clone` between fills, with iterators over old and new maps.
    ClearClone,
    /// `make` with every hint from 0 to 2000 (the table and directory sizes `NewMap`
    /// picks), a few entries put and the map dumped each time. Meant for a key and elem
    /// of small slots (`b1`/`e0`: 2-byte slots), which keep the dumps short.
    Hints,
}

impl SwissScenario {
    fn name(self) -> String {
        match self {
            SwissScenario::Mix(h) => format!("mix-h{h}"),
            SwissScenario::Small => "small".into(),
            SwissScenario::Grow(n) => format!("grow-{n}"),
            SwissScenario::Tombstones(h) => format!("tomb-h{h}"),
            SwissScenario::ClearClone => "clearclone".into(),
            SwissScenario::Hints => "hints".into(),
        }
    }
}

struct Builder {
    rng: Rng,
    k: Kind,
    e: Kind,
    out: String,
    /// Present keys: canonical bytes -> spelling, with an index for picking.
    keys: Vec<String>,
    index: HashMap<Vec<u8>, usize>,
    fresh: u64,
    iters: Vec<String>,
    next_iter: usize,
    /// Seeded-random mode (`rand`): Go draws every seed and iterator offset from the
    /// seeded generator, and `f64` traces get NaN keys (composite ones NaN inside keys).
    random: bool,
    /// Puts that found no new key (a composite kind's values are drawn from small
    /// domains, which a trace may exhaust: `struct{}` has one value).
    stalls: u32,
}

impl Builder {
    fn new(seed: u64, r: SwissRelease, k: Kind, e: Kind, random: bool) -> Builder {
        let mut rng = Rng::new(seed);
        let mut out = String::from("gomap-trace 1\n");
        let _ = writeln!(out, "go {}", r.name());
        let key = hex(&rng.bytes(128));
        let _ = writeln!(out, "aeskey {key}");
        let _ = writeln!(out, "type {} {}", k, e);
        if random {
            let w: Vec<String> = (0..4).map(|_| format!("{:x}", rng.next_u64())).collect();
            let _ = writeln!(out, "rand {}", w.join(" "));
        }
        Builder {
            random,
            rng,
            k,
            e,
            out,
            keys: Vec::new(),
            index: HashMap::new(),
            fresh: 0,
            iters: Vec::new(),
            next_iter: 0,
            stalls: 0,
        }
    }

    /// Whether the key domain seems exhausted: loops that fill the map to a size stop.
    fn stalled(&self) -> bool {
        self.stalls > 200
    }

    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn seed_word(&mut self) -> String {
        format!("{:016x}", self.rng.next_u64())
    }

    fn make(&mut self, hint: i64) {
        if self.random {
            self.line(&format!("make {hint}"));
        } else {
            let s = self.seed_word();
            self.line(&format!("make {hint} {s}"));
        }
        self.keys.clear();
        self.index.clear();
        self.iters.clear();
        self.line("dump");
    }

    /// Key number `i` of a deterministic sequence (distinct for distinct `i`), spelled,
    /// with its canonical bytes.
    fn key_of(&mut self, i: u64) -> (String, Vec<u8>) {
        let mix = i.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17);
        match self.k {
            Kind::I32 => {
                let v = if i % 3 == 0 {
                    i as i32
                } else {
                    (mix as i32) ^ (i as i32)
                };
                (v.to_string(), v.to_le_bytes().to_vec())
            }
            Kind::I64 => {
                let v = if i % 3 == 0 {
                    i as i64 - 50
                } else {
                    mix as i64
                };
                (v.to_string(), v.to_le_bytes().to_vec())
            }
            Kind::F64 => {
                // 0 then -0 (the same key), then halves and large values.
                let v: f64 = match i {
                    0 => 0.0,
                    1 => -0.0,
                    2 => f64::INFINITY,
                    3 => f64::NEG_INFINITY,
                    _ if i % 2 == 0 => i as f64 / 2.0 - 100.0,
                    _ => (i as f64) * 1.0e10 + 0.25,
                };
                let s = Value::float(v).to_string();
                let c = if v == 0.0 {
                    0f64.to_bits()
                } else {
                    v.to_bits()
                };
                (s, c.to_le_bytes().to_vec())
            }
            Kind::Str => {
                let n = (mix % 24) as usize;
                let len = (64 - i.leading_zeros() as usize).div_ceil(8).max(1);
                let mut b = i.to_le_bytes()[..len].to_vec();
                b.extend((0..n).map(|j| (mix >> (j % 8 * 8)) as u8));
                if i == 0 {
                    b.clear();
                }
                let s = if b.is_empty() { "-".into() } else { hex(&b) };
                (s, b)
            }
            Kind::B(n) => {
                let mut b = vec![0u8; n];
                let src = [i.to_le_bytes(), mix.to_le_bytes()].concat();
                for (j, x) in b.iter_mut().enumerate().take(16) {
                    *x = src[j];
                }
                if n > 16 {
                    b[n - 1] = i as u8;
                }
                (hex(&b), b)
            }
            Kind::Go { ty, .. } => {
                // A random value (`i` unused): the classic generator's small domains, so
                // that keys collide often; NaN inside floats in the seeded-random mode.
                let s = go_value(&mut self.rng, ty, self.random);
                let c = canon_go(ty, &s);
                (s, c)
            }
            Kind::E0 => unreachable!("not a kind of Swiss trace keys"),
        }
    }

    /// A new key (not yet used in this trace). For a composite kind, after 64 draws of
    /// present keys, a present one (the put then overwrites it); or one that is never in
    /// the map (unhashable, or holding a NaN), which counts as a stall too.
    fn new_key(&mut self) -> (String, Vec<u8>) {
        if let Kind::Go { .. } = self.k {
            for _ in 0..64 {
                let (s, c) = self.key_of(0);
                if unhashable(&s) || s.contains("NaN") {
                    self.stalls += 1;
                    return (s, c);
                }
                if !self.index.contains_key(&c) {
                    return (s, c);
                }
            }
            self.stalls += 1;
            return self.key_of(0);
        }
        loop {
            let i = self.fresh;
            self.fresh += 1;
            let (s, c) = self.key_of(i);
            if !self.index.contains_key(&c) {
                return (s, c);
            }
        }
    }

    fn elem(&mut self) -> String {
        let r = &mut self.rng;
        match self.e {
            Kind::I32 => (r.next_u64() as i32 % 100_000).to_string(),
            Kind::I64 => (r.next_u64() as i64 >> r.below(60)).to_string(),
            Kind::E0 => "-".into(),
            Kind::B(n) => {
                let mut b = vec![0u8; n];
                let m = n.min(1 + r.below(6) as usize);
                for x in b.iter_mut().take(m) {
                    *x = r.next_u64() as u8;
                }
                hex(&b)
            }
            _ => unreachable!("not an elem kind"),
        }
    }

    fn insert(&mut self, s: String, c: Vec<u8>) {
        // A composite key Go cannot hash (the put panics) or holding a NaN (never found:
        // each put a new entry) is not in the model.
        if matches!(self.k, Kind::Go { .. }) && (unhashable(&s) || s.contains("NaN")) {
            return;
        }
        if !self.index.contains_key(&c) {
            self.index.insert(c, self.keys.len());
            self.keys.push(s);
        }
    }

    fn remove(&mut self, c: &[u8]) -> bool {
        let Some(i) = self.index.remove(c) else {
            return false;
        };
        self.keys.swap_remove(i);
        if i < self.keys.len() {
            let moved = self.canon(&self.keys[i].clone());
            self.index.insert(moved, i);
        }
        true
    }

    fn canon(&self, s: &str) -> Vec<u8> {
        match self.k {
            Kind::I32 => s.parse::<i32>().expect("own").to_le_bytes().to_vec(),
            Kind::I64 => s.parse::<i64>().expect("own").to_le_bytes().to_vec(),
            Kind::F64 => {
                let v = parse_f64(s).expect("own");
                (if v == 0.0 {
                    0f64.to_bits()
                } else {
                    v.to_bits()
                })
                .to_le_bytes()
                .to_vec()
            }
            Kind::Str => {
                if s == "-" {
                    Vec::new()
                } else {
                    unhex(s).expect("own")
                }
            }
            Kind::B(_) => unhex(s).expect("own"),
            Kind::Go { ty, .. } => canon_go(ty, s),
            Kind::E0 => unreachable!("not a kind of Swiss trace keys"),
        }
    }

    /// Whether this op should use a NaN key: sometimes, for `f64` keys in the
    /// seeded-random mode (a NaN is never found, so each put adds an entry).
    fn nan(&mut self, pct: u64) -> bool {
        self.random && self.k == Kind::F64 && self.rng.pct(pct)
    }

    /// Puts a new key, or (with probability `upd` percent) overwrites a present one.
    fn put(&mut self, upd: u64) {
        if self.nan(3) {
            let e = self.elem();
            self.line(&format!("put NaN {e}"));
            return;
        }
        let (s, c) = if !self.keys.is_empty() && self.rng.pct(upd) {
            let s = self.keys[self.rng.below(self.keys.len() as u64) as usize].clone();
            // -0 overwriting 0 (need key update) when the key is a float zero.
            let s = if s == "0e0" && self.rng.pct(50) {
                "-0".to_string()
            } else {
                s
            };
            let c = self.canon(&s);
            (s, c)
        } else {
            self.new_key()
        };
        let e = self.elem();
        self.line(&format!("put {s} {e}"));
        self.insert(s, c);
    }

    /// Deletes a present key (with probability `present` percent) or an absent one.
    fn del(&mut self, present: u64) {
        if self.nan(3) {
            self.line("del NaN");
            return;
        }
        let s = if !self.keys.is_empty() && self.rng.pct(present) {
            self.keys[self.rng.below(self.keys.len() as u64) as usize].clone()
        } else {
            let i = self.fresh + 1_000_000 + self.rng.below(1000);
            self.key_of(i).0
        };
        let c = self.canon(&s);
        self.line(&format!("del {s}"));
        // Go re-seeds a map its last entry left: given by the trace unless random. (A
        // map holding NaN entries is not emptied by this; `seed` is refused then, so
        // the generator only writes it without NaN entries, which it only makes in the
        // random mode.)
        if self.remove(&c) && self.keys.is_empty() && !self.random {
            let w = self.seed_word();
            self.line(&format!("seed {w}"));
        }
    }

    fn get(&mut self) {
        if self.nan(5) {
            self.line("get NaN");
            return;
        }
        let s = if !self.keys.is_empty() && self.rng.pct(70) {
            self.keys[self.rng.below(self.keys.len() as u64) as usize].clone()
        } else {
            self.key_of(self.fresh + 2_000_000).0
        };
        self.line(&format!("get {s}"));
    }

    fn clear(&mut self) {
        if self.random {
            self.line("clear");
        } else {
            let w = self.seed_word();
            self.line(&format!("clear {w}"));
        }
        self.keys.clear();
        self.index.clear();
    }

    fn clone_map(&mut self) {
        if self.random {
            self.line("clone");
        } else {
            let w = self.seed_word();
            let (a, b) = (self.rng.next_u64(), self.rng.next_u64());
            self.line(&format!("clone {w} {a} {b}"));
        }
        self.line("dump");
    }

    fn iter(&mut self) {
        let id = format!("i{}", self.next_iter);
        self.next_iter += 1;
        if self.random {
            self.line(&format!("iter {id}"));
        } else {
            let (a, b) = (self.rng.next_u64(), self.rng.next_u64());
            self.line(&format!("iter {id} {a} {b}"));
        }
        self.iters.push(id);
        if self.iters.len() > 3 {
            self.iters.remove(0);
        }
    }

    fn next(&mut self, max: u64) {
        if self.iters.is_empty() {
            self.iter();
        }
        let id = self.iters[self.rng.below(self.iters.len() as u64) as usize].clone();
        let n = 1 + self.rng.below(max);
        self.line(&format!("next {id} {n}"));
    }

    fn random_op(&mut self) {
        match self.rng.below(100) {
            0..=44 => self.put(25),
            45..=67 => self.del(75),
            68..=75 => self.get(),
            76 => self.line("len"),
            77..=80 => self.iter(),
            81..=93 => self.next(6),
            94 => self.clear(),
            95 => self.clone_map(),
            _ => self.line("dump"),
        }
    }
}

/// The kinds a trace may use: (key, elem) pairs covering every entry-point family
/// (fast32, fast64, faststr, the generic path), zero-size elems, indirect keys and
/// elems (over 128 bytes), and keys and elems of different sizes on each fast path (the
/// split group layout then places elem `i` apart from key `i`'s stride).
pub const KIND_PAIRS: &[(Kind, Kind)] = &[
    (Kind::I64, Kind::I64),
    (Kind::I32, Kind::I32),
    (Kind::I32, Kind::E0),
    (Kind::F64, Kind::I64),
    (Kind::Str, Kind::I64),
    (Kind::Str, Kind::E0),
    (Kind::B(4), Kind::I32),
    (Kind::B(8), Kind::I64),
    (Kind::B(3), Kind::E0),
    (Kind::B(16), Kind::B(8)),
    (Kind::B(130), Kind::I64),
    (Kind::I64, Kind::B(200)),
    (Kind::I32, Kind::I64),
    (Kind::I64, Kind::I32),
    (Kind::Str, Kind::I32),
];

/// One Swiss trace: seeds, iterator offsets and clone draws written out, or, when
/// `random`, in the seeded-random mode (`rand`: Go draws them; NaN keys for `f64`).
pub fn swiss_trace(
    sc: SwissScenario,
    r: SwissRelease,
    k: Kind,
    e: Kind,
    seed: u64,
    random: bool,
) -> String {
    let mut b = Builder::new(seed, r, k, e, random);
    match sc {
        SwissScenario::Mix(hint) => {
            b.make(hint);
            let ops = 200 + b.rng.below(400);
            for _ in 0..ops {
                b.random_op();
            }
            b.line("dump");
        }
        SwissScenario::Small => {
            let hint = b.rng.below(10) as i64;
            b.make(hint);
            for round in 0..3 {
                let target = 6 + b.rng.below(3 + round);
                while (b.keys.len() as u64) < target && !b.stalled() {
                    b.put(10);
                    b.line("dump");
                }
                b.iter();
                b.next(2);
                // Overwrites of a (nearly) full small group, then the 9th entry.
                for _ in 0..4 {
                    b.put(90);
                    b.line("dump");
                    b.next(2);
                }
                b.put(0);
                b.line("dump");
                b.next(8);
                for _ in 0..3 {
                    b.del(80);
                    b.line("dump");
                }
                if round == 1 {
                    b.clear();
                    b.line("dump");
                }
            }
        }
        SwissScenario::Grow(n) => {
            b.make(0);
            let mut next_dump = 1usize;
            b.iter();
            while b.keys.len() < n && !b.stalled() {
                b.put(5);
                if b.rng.pct(3) {
                    b.next(4);
                }
                if b.rng.pct(2) {
                    b.del(80);
                }
                if b.rng.pct(1) && b.iters.len() < 3 {
                    b.iter();
                }
                if b.keys.len() >= next_dump {
                    b.line("dump");
                    next_dump = (next_dump * 4).max(next_dump + 1);
                }
            }
            for _ in 0..20 {
                b.next(50);
                b.put(50);
                b.del(90);
            }
            b.next(1_000_000);
            b.line("dump");
        }
        SwissScenario::Tombstones(hint) => {
            b.make(hint);
            let fill = (hint.max(8) as u64 * 7 / 8).max(8);
            while (b.keys.len() as u64) < fill && !b.stalled() {
                b.put(0);
            }
            b.line("dump");
            let rounds = 300 + b.rng.below(700);
            for i in 0..rounds {
                b.del(100);
                b.put(0);
                if i % 100 == 99 {
                    b.line("dump");
                    b.iter();
                    b.next(5);
                }
            }
            b.line("dump");
        }
        SwissScenario::Hints => {
            let hints = 0..=2000;
            for h in hints {
                b.make(h);
                for _ in 0..3 {
                    b.put(0);
                }
                b.line("dump");
            }
        }
        SwissScenario::ClearClone => {
            let h = b.rng.below(40) as i64;
            b.make(h);
            for _ in 0..4 {
                let n = b.rng.below(300);
                for _ in 0..n {
                    b.put(20);
                    if b.rng.pct(10) {
                        b.del(80);
                    }
                }
                b.iter();
                b.next(3);
                b.clone_map();
                b.put(0);
                b.next(3);
                b.del(100);
                b.line("dump");
                if b.rng.pct(50) {
                    b.clear();
                    b.line("dump");
                    b.next(3);
                }
            }
        }
    }
    b.out
}

/// The composite key kinds on release `r`: one trace per kind of [`composite_kinds`]
/// (structs, arrays, interfaces; the classic suite's list) with the classic suite's elems
/// (`gen::composite_pair`: every fourth a `reflect.MapOf` map), the scenarios in turn
/// (growth and tombstones kept small: the values come from small domains), and every
/// second kind with a float or an interface in the seeded-random mode (NaN inside keys).
/// Named `cNN-scenario-elem[-rand]`.
pub fn swiss_composite_suite(r: SwissRelease, seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed ^ 0xc0_3905_17e5 ^ (r as u64) << 40);
    let mut v = Vec::new();
    for (i, spelled) in composite_kinds().into_iter().enumerate() {
        let (k, e) = composite_pair(spelled, i);
        let sc = match i % 6 {
            0 => SwissScenario::Small,
            1 => SwissScenario::Mix(rng.below(60) as i64),
            2 => SwissScenario::ClearClone,
            3 => SwissScenario::Tombstones(14),
            4 => SwissScenario::Grow(300 + rng.below(300) as usize),
            _ => SwissScenario::Mix(rng.below(9) as i64),
        };
        let floaty = ["f32", "f64", "c64", "c128", "any", "iface"]
            .iter()
            .any(|f| spelled.contains(f));
        let random = floaty && i % 2 == 1;
        let name = format!(
            "c{i:02}-{}-{e}{}",
            sc.name(),
            if random { "-rand" } else { "" }
        );
        v.push((name, swiss_trace(sc, r, k, e, rng.next_u64(), random)));
    }
    v
}

/// A suite for release `r`: the hint sweep, `count` traces, and `large` growth traces of
/// over 10^5 entries, named `NNN-scenario-kinds`, and (when `count > 0`) the composite
/// key kinds ([`swiss_composite_suite`]).
pub fn swiss_suite(
    r: SwissRelease,
    count: usize,
    large: usize,
    seed: u64,
) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed ^ (r as u64) << 32);
    let mut v = vec![(
        "hints-i32-e0".to_string(),
        swiss_trace(
            SwissScenario::Hints,
            r,
            Kind::I32,
            Kind::E0,
            rng.next_u64(),
            false,
        ),
    )];
    for i in 0..count + large {
        let (k, e) = KIND_PAIRS[if i < KIND_PAIRS.len() {
            i
        } else {
            rng.below(KIND_PAIRS.len() as u64) as usize
        }];
        let sc = if i >= count {
            SwissScenario::Grow(100_000 + rng.below(20_000) as usize)
        } else {
            match i % 6 {
                0 => SwissScenario::Small,
                1 => SwissScenario::Mix(rng.below(2001) as i64),
                2 => SwissScenario::Grow(1_000 + rng.below(9_000) as usize),
                3 => SwissScenario::Tombstones(
                    [14, 28, 56, 112, 224, 448, 896][rng.below(7) as usize],
                ),
                4 => SwissScenario::ClearClone,
                _ => SwissScenario::Mix(rng.below(12) as i64),
            }
        };
        let ts = rng.next_u64();
        // Every fourth trace in the seeded-random mode (every scenario gets some, as
        // 4 and the 6 scenarios interleave), and every `f64` one after the first of
        // each pair list, so that NaN keys are common.
        let random = i % 4 == 3 || (k == Kind::F64 && i >= KIND_PAIRS.len());
        let name = format!(
            "{i:03}-{}-{}-{}{}",
            sc.name(),
            k,
            e,
            if random { "-rand" } else { "" }
        );
        v.push((name, swiss_trace(sc, r, k, e, ts, random)));
    }
    if count > 0 {
        v.extend(swiss_composite_suite(r, seed));
    }
    v
}

/// Writes [`swiss_suite`] for release `release` (`1.24` ... `1.27`, `1.27-mapsplitgroup`)
/// into `dir` as
/// `NAME.trace` files; returns how many (`gomap gen --go RELEASE`).
pub fn write_swiss_traces(
    dir: &std::path::Path,
    release: &str,
    count: usize,
    large: usize,
    seed: u64,
) -> Result<usize, String> {
    let r = SwissRelease::parse(release).ok_or_else(|| {
        format!("unknown Swiss release {release:?} (1.24, 1.25, 1.26, 1.27 or 1.27-mapsplitgroup)")
    })?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let suite = swiss_suite(r, count, large, seed);
    for (name, text) in &suite {
        let p = dir.join(format!("{name}.trace"));
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(suite.len())
}
