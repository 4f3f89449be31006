//! The trace generator: deterministic traces that reach every path of the map code, for
//! the differential test against Go 1.19.
//!
//! Each trace is one [`Scenario`] over one pair of kinds. The generator keeps a model of
//! the key set so that it knows when a `del` empties the map: Go re-seeds `hash0` with
//! `fastrand` then, so the trace must say with what (`seed`), or the two sides would
//! diverge on purpose.

use std::collections::{HashMap, HashSet};

/// A set of keys with deterministic, indexable order (a HashMap's order is random).
#[derive(Default)]
struct KeySet {
    items: Vec<(Vec<u8>, Value)>,
    index: HashMap<Vec<u8>, usize>,
}

impl KeySet {
    fn len(&self) -> usize {
        self.items.len()
    }
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    fn clear(&mut self) {
        self.items.clear();
        self.index.clear();
    }
    fn insert(&mut self, c: Vec<u8>, s: Value) {
        if let Some(&i) = self.index.get(&c) {
            self.items[i].1 = s;
        } else {
            self.index.insert(c.clone(), self.items.len());
            self.items.push((c, s));
        }
    }
    /// Removes a key; true when it was present.
    fn remove(&mut self, c: &[u8]) -> bool {
        let Some(i) = self.index.remove(c) else {
            return false;
        };
        self.items.swap_remove(i);
        if i < self.items.len() {
            let moved = self.items[i].0.clone();
            self.index.insert(moved, i);
        }
        true
    }
    fn nth(&self, n: usize) -> &Value {
        &self.items[n].1
    }
}
use std::fmt::Write as _;
use std::path::Path;

use super::op::{self, parse_f64, unhex, Kind, Op, Value, AESKEY_LEN};
use gomap::export_test::base::hex::hex;
use gomap::export_test::maptype::{spell, GoKind, GoRelease, GoType};
use gomap::maptype::gotype::Shape;

/// A small deterministic generator (splitmix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    /// True with probability `p` percent.
    pub fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    /// Random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// What a trace exercises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// A random mix of every operation.
    Mix,
    /// `make` with one hint (swept over 0..=70 and size-class edges), then filling.
    Hint(i64),
    /// Insert/delete churn at constant size until overflow buckets pile up and a
    /// same-size grow happens, repeatedly.
    Churn,
    /// Iterators started and advanced while the table grows, then shrinks to empty.
    IterGrow,
    /// Fill, drain to empty (re-seeding), refill, several times; `clear` too.
    Drain,
    /// A large trace: 10^5+ operations, dumps now and then.
    Large,
    /// Iterators started (some while the map grows), then `clear` under them, then more
    /// entries and more steps: go1.21 marks the cleared slots emptyRest, go1.24 bumps
    /// clearSeq and re-looks entries up.
    ClearIter,
    /// `clone` (maps.Clone, go1.21+) at many points: small maps, mid-growth (entries
    /// still in old buckets), after deletions and same-size growth.
    Clone,
    /// A map of 2^16 buckets (`make` with a hint of 3 x 10^5) filled with 3 x 10^5 keys of
    /// an `i64` kind (an average load of 4.6): thousands of overflow buckets, each counted by `incrnoverflow`, which from
    /// B = 16 on draws a random number per call and counts only on some (so in the
    /// seeded-random mode every draw and decision must match Go's). One dump at the end.
    B16,
}

impl Scenario {
    fn name(self) -> String {
        match self {
            Scenario::Mix => "mix".into(),
            Scenario::Hint(h) => format!("hint{h}"),
            Scenario::Churn => "churn".into(),
            Scenario::IterGrow => "itergrow".into(),
            Scenario::Drain => "drain".into(),
            Scenario::Large => "large".into(),
            Scenario::ClearIter => "cleariter".into(),
            Scenario::Clone => "clone".into(),
            Scenario::B16 => "b16".into(),
        }
    }
}

/// The key kinds traces use, bN sizes chosen around Go's special cases (memhash8/16/32/
/// 64/128, the 128-byte indirect limit) and up to the largest the spec allows.
const KEY_KINDS: &[Kind] = &[
    Kind::I64,
    Kind::I32,
    Kind::Str,
    Kind::F64,
    Kind::B(4),
    Kind::B(8),
    Kind::B(1),
    Kind::B(16),
    Kind::B(3),
    Kind::B(129),
    Kind::B(2),
    Kind::B(17),
    Kind::B(128),
    Kind::B(200),
    Kind::B(33),
    Kind::B(1024),
];

const ELEM_KINDS: &[Kind] = &[
    Kind::I64,
    Kind::E0,
    Kind::I32,
    Kind::B(1),
    Kind::B(129),
    Kind::B(128),
    Kind::B(12),
    Kind::B(300),
];

/// Builds one trace, tracking the key set.
struct Builder {
    rng: Rng,
    k: Kind,
    e: Kind,
    out: String,
    /// The keys in the map (canonical bytes and trace spelling), in a deterministic order.
    keys: KeySet,
    /// Keys ever used, to draw hits and re-inserts from.
    pool: Vec<Value>,
    iters: Vec<String>,
    next_iter: usize,
    ops: usize,
    since_dump: usize,
    peak: usize,
    /// Dump after every operation while the map has at most this many entries.
    dump_small: usize,
    /// Otherwise dump every this many operations.
    dump_every: usize,
    /// Whether the random mix may `clear`.
    clears: bool,
    /// Seeded-random mode (`rand`): no fixed seeds or iterator starts; NaN keys.
    random: bool,
    /// Whether the random mix may `clone`.
    clones: bool,
}

impl Builder {
    fn new(seed: u64, k: Kind, e: Kind) -> Builder {
        let mut rng = Rng::new(seed);
        let aeskey = rng.bytes(AESKEY_LEN).into_boxed_slice().try_into();
        let mut g = Builder {
            rng,
            k,
            e,
            out: String::new(),
            keys: KeySet::default(),
            pool: Vec::new(),
            iters: Vec::new(),
            next_iter: 0,
            ops: 0,
            since_dump: 0,
            peak: 0,
            dump_small: 24,
            dump_every: 40,
            clears: true,
            random: false,
            clones: false,
        };
        g.op(Op::Header { version: 1 });
        g.op(Op::AesKey(aeskey.expect("AESKEY_LEN bytes")));
        g.op(Op::Type { key: k, elem: e });
        g
    }

    /// A builder for release `r`'s trace (`go R`), in the seeded-random mode: the trace
    /// seeds the generator with four random words and lets Go draw every seed,
    /// iterator start and NaN hash. `clone` joins the random mix from go1.21.
    fn for_release(seed: u64, k: Kind, e: Kind, r: GoRelease) -> Builder {
        let mut g = Builder::new(seed, k, e);
        let header = format!("{}\n", Op::Header { version: 1 });
        g.out = g
            .out
            .replacen(&header, &format!("{header}{}\n", Op::Go(r)), 1);
        let w = [(); 4].map(|_| g.rng.next_u64());
        g.op(Op::Rand(w));
        g.random = true;
        g.clones = r.has_mapclone();
        g
    }

    fn op(&mut self, op: Op) {
        let _ = writeln!(self.out, "{op}");
    }

    /// A hash seed, as Go's `fastrand` might return it.
    fn seed(&mut self) -> u32 {
        self.rng.next_u64() as u32
    }

    fn make(&mut self, hint: i64) {
        let seed = (!self.random).then(|| self.seed());
        self.op(Op::Make { hint, seed });
        self.keys.clear();
        self.iters.clear();
        self.peak = 0;
        self.op(Op::Dump);
    }

    /// A fresh random key: (trace spelling, canonical bytes).
    fn fresh_key(&mut self) -> (Value, Vec<u8>) {
        let nan = self.random;
        let r = &mut self.rng;
        match self.k {
            Kind::I32 => {
                let v = if r.pct(50) {
                    r.below(2000) as i32 - 1000
                } else {
                    r.next_u64() as i32
                };
                (Value::int(v.into()), v.to_le_bytes().to_vec())
            }
            Kind::I64 => {
                let v = if r.pct(50) {
                    r.below(4000) as i64 - 2000
                } else {
                    r.next_u64() as i64
                };
                (Value::int(v), v.to_le_bytes().to_vec())
            }
            Kind::F64 => {
                let v: f64 = match r.below(6) {
                    0 => 0.0,
                    1 => -0.0,
                    2 => (r.below(1000) as f64) / 8.0 - 60.0,
                    3 => {
                        f64::from_bits(r.next_u64() & !(0x7ffu64 << 52) | (r.below(2046) + 1) << 52)
                    }
                    4 => [
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                        f64::MIN_POSITIVE,
                        5e-324,
                        f64::MAX,
                    ][r.below(5) as usize],
                    _ => r.below(1 << 40) as f64 * 1.25,
                };
                let spelled = Value::float(v);
                // +0 and -0 are the same key.
                let canon = if v == 0.0 {
                    0f64.to_bits()
                } else {
                    v.to_bits()
                };
                (spelled, canon.to_le_bytes().to_vec())
            }
            Kind::Str => {
                let n = match r.below(10) {
                    0 => 0,
                    1..=5 => r.below(8) as usize,
                    6 | 7 => r.below(40) as usize,
                    _ => r.below(301) as usize,
                };
                let b = r.bytes(n);
                (Value::bytes(&b), b)
            }
            Kind::B(n) => {
                // Mostly-zero keys share prefixes, which exercises long compares.
                let mut b = vec![0u8; n];
                let m = n.min(1 + r.below(8) as usize);
                for x in b.iter_mut().take(m) {
                    *x = r.next_u64() as u8;
                }
                if r.pct(50) {
                    b.reverse();
                }
                (Value::bytes(&b), b)
            }
            Kind::E0 => unreachable!("e0 is not a key kind"),
            Kind::Go { ty, .. } => {
                let s = go_value(r, ty, nan);
                let c = canon_go(ty, &s);
                (Value::spelled(s), c)
            }
        }
    }

    fn canon(&self, spelled: &Value) -> Vec<u8> {
        let spelled = spelled.as_str();
        match self.k {
            Kind::I32 => spelled
                .parse::<i32>()
                .expect("own spelling")
                .to_le_bytes()
                .to_vec(),
            Kind::I64 => spelled
                .parse::<i64>()
                .expect("own spelling")
                .to_le_bytes()
                .to_vec(),
            Kind::F64 => {
                let v = parse_f64(spelled).expect("own spelling");
                (if v == 0.0 {
                    0f64.to_bits()
                } else {
                    v.to_bits()
                })
                .to_le_bytes()
                .to_vec()
            }
            Kind::Str => {
                if spelled == "-" {
                    Vec::new()
                } else {
                    unhex(spelled).expect("own spelling")
                }
            }
            Kind::B(_) => unhex(spelled).expect("own spelling"),
            Kind::E0 => unreachable!(),
            Kind::Go { ty, .. } => canon_go(ty, spelled),
        }
    }

    /// A key: fresh, or (when `hit` percent) one used before.
    fn key(&mut self, hit: u64) -> (Value, Vec<u8>) {
        if !self.pool.is_empty() && self.rng.pct(hit) {
            let s = self.pool[self.rng.below(self.pool.len() as u64) as usize].clone();
            let c = self.canon(&s);
            return (s, c);
        }
        let (s, c) = self.fresh_key();
        if self.pool.len() < 4096 {
            self.pool.push(s.clone());
        } else {
            let i = self.rng.below(4096) as usize;
            self.pool[i] = s.clone();
        }
        (s, c)
    }

    fn elem(&mut self) -> Value {
        let r = &mut self.rng;
        match self.e {
            Kind::I32 => Value::int((r.next_u64() as i32 % 100_000).into()),
            Kind::I64 => Value::int(r.next_u64() as i64 >> r.below(60)),
            Kind::E0 => Value::unit(),
            Kind::B(n) => {
                let mut b = vec![0u8; n];
                let m = n.min(1 + r.below(6) as usize);
                for x in b.iter_mut().take(m) {
                    *x = r.next_u64() as u8;
                }
                Value::bytes(&b)
            }
            _ => unreachable!("not an elem kind"),
        }
    }

    /// Dumps after every operation while the map is small, else every `dump_every`
    /// operations, spaced out further for big maps and big slots so that a trace's output
    /// stays proportional to its length.
    fn after_op(&mut self) {
        self.ops += 1;
        self.since_dump += 1;
        // A dump prints every bucket, and Go's maps never shrink: size it by the largest
        // the map has been.
        self.peak = self.peak.max(self.keys.len());
        let slot = (self.k.size() + self.e.size()).max(16) / 16;
        let spacing = self.dump_every.max(self.peak * slot / 4);
        if (self.peak <= self.dump_small && slot <= 4) || self.since_dump >= spacing {
            self.op(Op::Dump);
            self.since_dump = 0;
        }
    }

    fn put(&mut self, hit: u64) {
        let (s, c) = self.key(hit);
        self.put_entry(s, c);
    }

    fn put_key(&mut self, s: Value) {
        let c = self.canon(&s);
        self.put_entry(s, c);
    }

    /// `put` of the key `s` (canonical bytes `c`) with a random elem.
    fn put_entry(&mut self, s: Value, c: Vec<u8>) {
        let elem = self.elem();
        self.op(Op::Put {
            key: s.clone(),
            elem,
        });
        if !unhashable(s.as_str()) {
            self.keys.insert(c, s);
        }
        self.after_op();
    }

    fn del_key(&mut self, s: Value) {
        let c = self.canon(&s);
        self.op(Op::Del { key: s });
        if self.keys.remove(&c) && self.keys.is_empty() && !self.random {
            // Go re-seeds a map whose last entry was deleted; say with what.
            let seed = self.seed();
            self.op(Op::Seed { seed });
        }
        self.after_op();
    }

    /// Deletes a present key (most of the time) or a random one.
    fn del(&mut self, present: u64) {
        let s = if !self.keys.is_empty() && self.rng.pct(present) {
            let n = self.rng.below(self.keys.len() as u64) as usize;
            self.keys.nth(n).clone()
        } else {
            self.key(30).0
        };
        self.del_key(s);
    }

    fn get(&mut self) {
        let s = if !self.keys.is_empty() && self.rng.pct(60) {
            let n = self.rng.below(self.keys.len() as u64) as usize;
            self.keys.nth(n).clone()
        } else {
            self.key(20).0
        };
        self.op(Op::Get { key: s });
    }

    fn clear(&mut self) {
        let seed = (!self.random).then(|| self.seed());
        self.op(Op::Clear { seed });
        self.keys.clear();
        self.after_op();
    }

    fn iter(&mut self) {
        let id = format!("i{}", self.next_iter);
        self.next_iter += 1;
        let r = (!self.random).then(|| self.rng.next_u64());
        self.op(Op::Iter { id: id.clone(), r });
        self.iters.push(id);
        if self.iters.len() > 4 {
            self.iters.remove(0);
        }
    }

    fn next(&mut self) {
        if self.iters.is_empty() {
            self.iter();
        }
        let id = self.iters[self.rng.below(self.iters.len() as u64) as usize].clone();
        let n = 1 + self.rng.below(12);
        self.op(Op::Next { id, n });
    }

    /// One random operation of the mix.
    fn random_op(&mut self) {
        match self.rng.below(100) {
            0..=44 => self.put(25),
            45..=69 => self.del(70),
            70..=79 => self.get(),
            80..=81 => self.op(Op::Len),
            82..=85 => self.iter(),
            86..=97 => self.next(),
            98 if self.clears => self.clear(),
            99 if self.clones => self.op(Op::Clone),
            99 if self.random && self.k == Kind::F64 => self.nan_op(),
            _ => self.op(Op::Len),
        }
    }

    /// A NaN key (seeded-random mode only): a put adds a new entry each time, whose hash
    /// Go draws; a get or del draws a hash and finds nothing. The model leaves NaN
    /// entries out (they can never be deleted one by one).
    fn nan_op(&mut self) {
        match self.rng.below(3) {
            0 => {
                let elem = self.elem();
                self.op(Op::Put {
                    key: Value::nan(),
                    elem,
                });
                self.after_op();
            }
            1 => self.op(Op::Get { key: Value::nan() }),
            _ => self.op(Op::Del { key: Value::nan() }),
        }
    }

    fn finish(mut self) -> String {
        self.op(Op::Len);
        self.op(Op::Dump);
        self.out
    }
}

/// The dynamic types of interface values in composite traces (the Go oracle knows these),
/// with their weights' order: the last two are not comparable.
const DYN_TYPES: [&str; 10] = [
    "i64",
    "str",
    "f64",
    "bool",
    "struct{i64,i64}",
    "struct{i8,i64}",
    "[2]str",
    "struct{}",
    "[]i64",
    "struct{i64,[]i64}",
];

/// Whether a composite key spelling holds a value Go cannot hash: a slice, or a value of
/// an uncomparable defined type ([`op::named_types`]).
pub(crate) fn unhashable(s: &str) -> bool {
    s.contains("[]i64")
        || op::named_types()
            .iter()
            .any(|&(n, _)| !named_comparable(n) && s.contains(&format!("{n}:")))
}

/// Whether the defined type `n` of [`op::named_types`] is comparable.
fn named_comparable(n: &str) -> bool {
    op::named_type(n).is_some_and(|t| t.is_comparable())
}

/// A random value of `t` in the trace spelling, from small domains so that keys collide
/// often: ints near 0, floats from a few (±0, ±Inf, halves, one large), strings of 0-6
/// bytes from a 3-letter alphabet, interfaces nil or of [`DYN_TYPES`] (`any`) or of the
/// defined types of [`op::named_types`] (`iface`; rarely an unhashable one, whose
/// operations panic in Go). Floats are sometimes NaN when `nan`
/// (the seeded-random mode).
pub(crate) fn go_value(r: &mut Rng, t: GoType, nan: bool) -> String {
    match t.shape() {
        Shape::Scalar(k) => match k {
            GoKind::Bool => (r.below(2) == 1).to_string(),
            GoKind::String => {
                let n = r.below(7) as usize;
                if n == 0 {
                    "-".into()
                } else {
                    hex(&(0..n)
                        .map(|_| b"abc"[r.below(3) as usize])
                        .collect::<Vec<u8>>())
                }
            }
            GoKind::Float32 | GoKind::Float64 => go_float(r, t.size() == 4, nan),
            GoKind::Complex64 | GoKind::Complex128 => {
                let f32 = t.size() == 8;
                format!("({},{})", go_float(r, f32, nan), go_float(r, f32, nan))
            }
            GoKind::Uint8
            | GoKind::Uint16
            | GoKind::Uint32
            | GoKind::Uint64
            | GoKind::Uint
            | GoKind::Uintptr => r.below(6).to_string(),
            _ => {
                if r.pct(90) {
                    (r.below(9) as i64 - 4).to_string()
                } else {
                    let bits = 8 * t.size() as u32;
                    ((r.next_u64() as i64) >> (64 - bits)).to_string()
                }
            }
        },
        Shape::Array { elem, len } => {
            let v: Vec<String> = (0..*len).map(|_| go_value(r, *elem, nan)).collect();
            format!("[{}]", v.join(","))
        }
        Shape::Struct(fields) => {
            let v: Vec<String> = fields.iter().map(|f| go_value(r, f.ty, nan)).collect();
            format!("{{{}}}", v.join(","))
        }
        Shape::Interface(methods) if !methods.is_empty() => {
            if r.pct(12) {
                return "nil".into();
            }
            // The uncomparable defined types come last (named_types.txt).
            let named = op::named_types();
            let hashable = named.iter().filter(|(n, _)| named_comparable(n)).count();
            let n = if r.pct(4) { named.len() } else { hashable };
            let d = named[r.below(n as u64) as usize].0;
            let dt = op::named_type(d).expect("a named type");
            format!("{d}:{}", go_value(r, dt, nan))
        }
        Shape::Interface(_) => {
            if r.pct(12) {
                return "nil".into();
            }
            let n = if r.pct(4) {
                DYN_TYPES.len()
            } else {
                DYN_TYPES.len() - 2
            };
            let d = DYN_TYPES[r.below(n as u64) as usize];
            let dt = spell::parse_type(d, &|_| None).expect("own spelling");
            format!("{d}:{}", go_value(r, dt, nan))
        }
        _ => "-".into(),
    }
}

/// A float from a few values; a large one that float32 can hold when `f32`; NaN one time
/// in eight when `nan`.
fn go_float(r: &mut Rng, f32: bool, nan: bool) -> String {
    if nan && r.pct(12) {
        return "NaN".into();
    }
    let big = if f32 { "3e+38" } else { "1e+300" };
    [
        "0", "-0", "1", "-1", "0.5", "+Inf", "-Inf", big, "2.5", "-7.25",
    ][r.below(10) as usize]
        .to_string()
}

/// The canonical form of a composite key spelling of type `t`: equal keys (Go's `==`)
/// have equal forms: `-0` is `0`, and blank fields (which `==` ignores) are `_`.
pub(crate) fn canon_go(t: GoType, s: &str) -> Vec<u8> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    canon_into(t, &mut rest, &mut out);
    out.into_bytes()
}

/// Appends the canonical form of the value of `t` at the start of `s`, consuming it.
fn canon_into(t: GoType, s: &mut &str, out: &mut String) {
    fn word<'a>(s: &mut &'a str) -> &'a str {
        let n = s.find(|c: char| ",{}[]():".contains(c)).unwrap_or(s.len());
        let (w, r) = s.split_at(n);
        *s = r;
        w
    }
    fn lit(s: &mut &str, out: &mut String, c: char) {
        debug_assert!(s.starts_with(c), "own spelling");
        *s = &s[c.len_utf8()..];
        out.push(c);
    }
    match t.shape() {
        Shape::Array { elem, len } => {
            lit(s, out, '[');
            for i in 0..*len {
                if i > 0 {
                    lit(s, out, ',');
                }
                canon_into(*elem, s, out);
            }
            lit(s, out, ']');
        }
        Shape::Struct(fields) => {
            lit(s, out, '{');
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    lit(s, out, ',');
                }
                if f.is_blank() {
                    canon_into(f.ty, s, &mut String::new());
                    out.push('_');
                } else {
                    canon_into(f.ty, s, out);
                }
            }
            lit(s, out, '}');
        }
        Shape::Interface(_) => {
            if let Some(r) = s.strip_prefix("nil") {
                *s = r;
                out.push_str("nil");
                return;
            }
            // The type spelling ends at the first ':' outside brackets.
            let mut depth = 0i32;
            let end = s
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' | '[' => depth += 1,
                        '}' | ']' => depth -= 1,
                        _ => {}
                    }
                    c == ':' && depth == 0
                })
                .map(|(i, _)| i)
                .expect("own spelling");
            let dt = spell::parse_type(&s[..end], &op::named_type).expect("own spelling");
            out.push_str(&s[..=end]);
            *s = &s[end + 1..];
            canon_into(dt, s, out);
        }
        Shape::Scalar(GoKind::Complex64 | GoKind::Complex128) => {
            lit(s, out, '(');
            let re = word(s);
            out.push_str(if re == "-0" { "0" } else { re });
            lit(s, out, ',');
            let im = word(s);
            out.push_str(if im == "-0" { "0" } else { im });
            lit(s, out, ')');
        }
        _ => {
            let w = word(s);
            out.push_str(if w == "-0" { "0" } else { w });
        }
    }
}

/// The composite key kinds of the differential suite (the Go oracle compiles `map[K]E`
/// for each): padded structs, structs mixing strings, ints and floats, nested structs with
/// arrays, arrays of strings, floats and structs, interfaces, some random nested shapes.
pub fn composite_kinds() -> Vec<&'static str> {
    op::list_entries(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/go/oracle/composite_kinds.txt"
    )))
    .collect()
}

/// The key and elem kinds of composite trace number `i`, its key kind spelled `spelled`:
/// every fourth a `reflect.MapOf` map (`reflect:K`, elems b8, b3, b129 in turn), the
/// others compiled maps with elems i64, i32, e0, i64 in turn.
pub(crate) fn composite_pair(spelled: &str, i: usize) -> (Kind, Kind) {
    let ty = spell::parse_type(spelled, &|_| None).expect("own spelling");
    let reflect = i % 4 == 3;
    let e = if reflect {
        [Kind::B(8), Kind::B(3), Kind::B(129)][(i / 4) % 3]
    } else {
        [Kind::I64, Kind::I32, Kind::E0, Kind::I64][i % 4]
    };
    (Kind::Go { ty, reflect }, e)
}

/// The composite suite: `count` traces cycling through [`composite_kinds`] (elems i64,
/// i32, e0) and scenarios, every fourth one a `reflect.MapOf` map (`reflect:K`, elems b8,
/// b3, b129).
pub fn composite_suite(count: usize, seed: u64) -> Vec<(String, String)> {
    let scen = [
        Scenario::Mix,
        Scenario::Churn,
        Scenario::IterGrow,
        Scenario::Drain,
        Scenario::Hint(9),
        Scenario::Hint(0),
    ];
    let kinds = composite_kinds();
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for i in 0..count {
        let (k, e) = composite_pair(kinds[i % kinds.len()], i);
        let sc = scen[(i / kinds.len() + i) % scen.len()];
        let name = format!("c{i:03}-{}-{}", sc.name(), i % kinds.len());
        out.push((name, trace(sc, k, e, rng.next_u64())));
    }
    out
}

/// Hints around Go's size-class edges: counts just below and above each load-factor
/// threshold `6.5 * 2^B` for B up to 10.
fn edge_hints() -> Vec<i64> {
    let mut v = Vec::new();
    for b in 4..=10 {
        let t = 13 * (1i64 << b) / 2;
        v.extend([t, t + 1]);
    }
    v
}

/// Hints around each release's load-factor edges: `6.5 * 2^B` and go1.21's `6 * 2^B`,
/// one below, at and above, for B up to 10.
fn load_edge_hints() -> Vec<i64> {
    let mut v = Vec::new();
    for b in 0..=10 {
        for lf in [12i64, 13] {
            let t = lf * (1i64 << b) / 2;
            v.extend([t - 1, t, t + 1]);
        }
    }
    v.sort();
    v.dedup();
    v
}

/// Generates one trace of the scenario over the kinds.
pub fn trace(sc: Scenario, k: Kind, e: Kind, seed: u64) -> String {
    fill(Builder::new(seed, k, e), sc)
}

/// Runs the scenario on a started builder and returns the trace.
fn fill(mut g: Builder, sc: Scenario) -> String {
    let k = g.k;
    match sc {
        Scenario::Mix => {
            let hint = [0, 0, 8, 9, 30, 100][g.rng.below(6) as usize];
            g.make(hint);
            let n = 300 + g.rng.below(900);
            for _ in 0..n {
                g.random_op();
            }
        }
        Scenario::Hint(h) => {
            g.make(h);
            let n = (h.max(8) as u64) * 3 / 2 + g.rng.below(20);
            g.dump_small = 16;
            g.dump_every = 25;
            for _ in 0..n {
                g.put(10);
            }
            g.iter();
            g.next();
        }
        Scenario::Churn => {
            // Fill to just under a growth threshold, then delete one and insert one at a
            // time: chains fill unevenly and overflow buckets pile up until a same-size
            // grow packs them again. Repeat at a few sizes.
            g.make(0);
            g.dump_small = 0;
            g.dump_every = 16;
            let target = [12, 25, 50, 100][g.rng.below(4) as usize];
            for _ in 0..target {
                g.put(0);
            }
            let rounds = 800 + g.rng.below(800);
            for i in 0..rounds {
                g.del(100);
                g.put(0);
                if i % 97 == 0 {
                    g.iter();
                }
                if i % 13 == 0 {
                    g.next();
                }
            }
        }
        Scenario::IterGrow => {
            g.make(0);
            g.dump_every = 10;
            for round in 0..3 {
                for _ in 0..(10 + 30 * round) {
                    g.put(5);
                }
                g.iter();
                // Grow under live iterators.
                for _ in 0..(60 + 80 * round) {
                    g.put(5);
                    if g.rng.pct(30) {
                        g.next();
                    }
                    if g.rng.pct(10) {
                        g.del(80);
                    }
                    if g.rng.pct(3) {
                        g.iter();
                    }
                }
                // Shrink to empty under live iterators.
                while !g.keys.is_empty() {
                    g.del(100);
                    if g.rng.pct(40) {
                        g.next();
                    }
                }
                for _ in 0..3 {
                    g.next();
                }
            }
        }
        Scenario::Drain => {
            let hint = g.rng.below(40) as i64;
            g.make(hint);
            g.dump_every = 15;
            for round in 0..4 {
                let n = 5 + g.rng.below(60 + 60 * round);
                for _ in 0..n {
                    g.put(15);
                }
                if round % 2 == 1 {
                    g.clear();
                } else {
                    while !g.keys.is_empty() {
                        g.del(100);
                    }
                    g.del(0); // delete on an empty map: no re-seed
                }
                g.op(Op::Len);
                g.op(Op::Dump);
            }
            // Keys by pool reuse after refills.
            for _ in 0..50 {
                g.put(60);
            }
        }
        Scenario::Large => {
            g.make(0);
            g.dump_small = 0;
            g.dump_every = 20_000;
            g.clears = false;
            let n = 100_000 + g.rng.below(20_000);
            // Phases: grow to tens of thousands, churn, shrink, regrow.
            for i in 0..n {
                let phase = i * 4 / n;
                match phase {
                    0 => g.put(5),
                    1 => {
                        if g.rng.pct(50) {
                            g.put(10)
                        } else {
                            g.del(90)
                        }
                    }
                    2 => {
                        if g.rng.pct(25) {
                            g.put(10)
                        } else {
                            g.del(95)
                        }
                    }
                    _ => g.random_op(),
                }
                if i % 5000 == 0 {
                    g.iter();
                }
                if i % 1000 == 0 {
                    g.next();
                }
            }
        }
        Scenario::B16 => {
            g.make(300_000);
            g.dump_small = 0;
            g.dump_every = usize::MAX;
            g.clears = false;
            for i in 0..300_000 {
                // Keys from the whole range (the mix's keys cluster near 0 and repeat).
                let key = Value::int(g.rng.next_u64() as i64);
                g.put_key(key);
                if i % 50_000 == 0 {
                    g.iter();
                    g.next();
                }
            }
            for _ in 0..2_000 {
                g.del(90);
            }
            g.op(Op::Len);
            g.op(Op::Dump);
        }
        // Below, with the builder's helpers.
        Scenario::ClearIter | Scenario::Clone => {}
    }
    match sc {
        Scenario::ClearIter => {
            let hint = [0, 8, 30, 100][g.rng.below(4) as usize];
            g.make(hint);
            g.dump_every = 12;
            for _ in 0..3 {
                for _ in 0..(5 + g.rng.below(120)) {
                    g.put(10);
                }
                g.iter();
                g.next();
                g.iter();
                // Grow a little under the iterators, so some stand in an old array.
                for _ in 0..g.rng.below(60) {
                    g.put(0);
                    if g.rng.pct(30) {
                        g.next();
                    }
                }
                g.clear();
                g.op(Op::Dump);
                for _ in 0..3 {
                    g.next();
                }
                for _ in 0..g.rng.below(40) {
                    g.put(30);
                    if g.rng.pct(40) {
                        g.next();
                    }
                }
                for _ in 0..4 {
                    g.next();
                }
            }
        }
        Scenario::Clone => {
            let hint = [0, 0, 9, 27, 100][g.rng.below(5) as usize];
            g.make(hint);
            g.dump_every = 30;
            g.op(Op::Clone); // an empty map
            for round in 0..4u64 {
                let n = 3 + g.rng.below(40 + 60 * round);
                for i in 0..n {
                    g.put(10);
                    if g.rng.pct(8) || i + 1 == n {
                        g.op(Op::Clone);
                    }
                }
                // Deletions leave holes the clone compacts; churn piles up overflow
                // buckets until a same-size grow, cloned while it runs.
                for _ in 0..g.rng.below(60) {
                    g.del(90);
                    g.put(0);
                    if g.rng.pct(10) {
                        g.op(Op::Clone);
                    }
                }
            }
        }
        _ => {}
    }
    // Strings of every length 0..300 appear in the Mix and Hint scenarios of str keys;
    // make sure one trace per kind pair reaches the full range.
    if k == Kind::Str && sc == Scenario::Mix {
        for n in 0..=300usize {
            let s = Value::bytes(&g.rng.bytes(n));
            if g.rng.pct(50) {
                g.put_key(s);
            } else {
                g.op(Op::Get { key: s });
            }
        }
    }
    g.finish()
}

/// The generated suite: `count` traces cycling through scenarios and kinds (every key
/// kind with every elem kind appears), then `large` large ones. Names are unique.
pub fn suite(count: usize, large: usize, seed: u64) -> Vec<(String, String)> {
    let mut hints: Vec<i64> = (0..=70).collect();
    hints.extend(edge_hints());
    let mut scen = [
        Scenario::Mix,
        Scenario::Churn,
        Scenario::IterGrow,
        Scenario::Drain,
        Scenario::Mix,
    ];
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut hint_i = 0;
    for i in 0..count {
        let k = KEY_KINDS[i % KEY_KINDS.len()];
        let e = ELEM_KINDS[(i / KEY_KINDS.len() + i) % ELEM_KINDS.len()];
        let sc = if i % 3 == 2 {
            let h = hints[hint_i % hints.len()];
            hint_i += 1;
            Scenario::Hint(h)
        } else {
            scen.rotate_left(1);
            scen[0]
        };
        let s = rng.next_u64();
        let name = format!("{i:04}-{}-{}-{}", sc.name(), k, e);
        if seen.insert(name.clone()) {
            out.push((name, trace(sc, k, e, s)));
        }
    }
    for j in 0..large {
        let k = [Kind::I64, Kind::Str, Kind::I32, Kind::B(129)][j % 4];
        let e = [Kind::I64, Kind::E0, Kind::B(129), Kind::I32][j % 4];
        let name = format!("large{j:02}-{}-{}", k, e);
        out.push((name, trace(Scenario::Large, k, e, rng.next_u64())));
    }
    out
}

/// The release suite: `count` traces for Go release `r`, all in the seeded-random mode
/// (`rand`), over what changed between releases: `clear` under live iterators, clones
/// (go1.21+), `make` hints at both load factors' edges with pointer buckets (allocation
/// headers change the preallocated overflow buckets from go1.22), NaN keys, and the
/// usual scenarios with Go drawing every seed and iterator start; then one map at B = 16
/// and the composite key kinds (with seeds written out), when `count > 0`. Names are
/// unique.
pub fn release_suite(count: usize, seed: u64, r: GoRelease) -> Vec<(String, String)> {
    let hints = load_edge_hints();
    let mut scen = vec![
        Scenario::ClearIter,
        Scenario::Mix,
        Scenario::Churn,
        Scenario::IterGrow,
        Scenario::Drain,
    ];
    if r.has_mapclone() {
        scen.push(Scenario::Clone);
    }
    // Pointer buckets (string keys, indirect keys/elems) beside plain ones.
    let hint_kinds = [
        (Kind::Str, Kind::B(6)),
        (Kind::I64, Kind::I64),
        (Kind::Str, Kind::I64),
        (Kind::B(129), Kind::I32),
        (Kind::I32, Kind::B(129)),
        (Kind::F64, Kind::B(12)),
    ];
    let mut rng = Rng::new(seed ^ 0x005e_ed0f_5e1e_a5e5);
    let mut out = Vec::new();
    let mut hint_i = 0;
    for i in 0..count {
        let (sc, k, e) = if i % 3 == 2 {
            let h = hints[hint_i % hints.len()];
            let (k, e) = hint_kinds[hint_i % hint_kinds.len()];
            hint_i += 1;
            (Scenario::Hint(h), k, e)
        } else {
            let sc = scen[(i - i / 3) % scen.len()];
            // F64 keys often: NaN keys only exist in this mode.
            let k = if i % 4 == 0 {
                Kind::F64
            } else {
                KEY_KINDS[i % KEY_KINDS.len()]
            };
            let e = ELEM_KINDS[(i / KEY_KINDS.len() + i) % ELEM_KINDS.len()];
            (sc, k, e)
        };
        let name = format!("r{i:04}-go{}-{}-{k}-{e}", r.name(), sc.name());
        let g = Builder::for_release(rng.next_u64(), k, e, r);
        out.push((name, fill(g, sc)));
    }
    // One map at B = 16 (incrnoverflow's random draws), through the fast64 path.
    if count > 0 {
        let (k, e) = (Kind::I64, Kind::I32);
        let name = format!("r{count:04}-go{}-b16-{k}-{e}", r.name());
        let g = Builder::for_release(rng.next_u64(), k, e, r);
        out.push((name, fill(g, Scenario::B16)));
    }
    // The composite key kinds (structs, arrays, interfaces, reflect.MapOf maps), each
    // once, on this release's map.
    if count > 0 {
        let go = format!("gomap-trace 1\ngo {}\n", r.name());
        let kinds = composite_kinds().len();
        for (name, text) in composite_suite(kinds, seed ^ 0xc0_3905_17e5) {
            assert!(text.starts_with("gomap-trace 1\n"), "a version-1 trace");
            let text = text.replacen("gomap-trace 1\n", &go, 1);
            out.push((format!("c-go{}-{name}", r.name()), text));
        }
        // And in the seeded-random mode, where floats inside keys may be NaN (each such
        // key a new entry, its hash a draw): the kinds with a float or an interface.
        for (i, spelled) in composite_kinds().into_iter().enumerate() {
            if !["f32", "f64", "c64", "c128", "any", "iface"]
                .iter()
                .any(|f| spelled.contains(f))
            {
                continue;
            }
            let ty = spell::parse_type(spelled, &|_| None).expect("own spelling");
            let reflect = i % 4 == 3;
            let k = Kind::Go { ty, reflect };
            let e = if reflect { Kind::B(8) } else { Kind::I64 };
            let sc = [Scenario::Mix, Scenario::Churn, Scenario::Drain][i % 3];
            let g = Builder::for_release(rng.next_u64(), k, e, r);
            let name = format!("cr-go{}-{i:02}-{}", r.name(), sc.name());
            let mut text = fill(g, sc);
            if !r.uses_chacha8() {
                // Through 1.21, unwinding a panic draws from the same generator as the
                // map (the pcvalue cache's random replacement), as often as Go's stack
                // happens to need: keys whose hash panics cannot be in such a trace.
                text = text
                    .lines()
                    .filter(|l| !unhashable(l))
                    .map(|l| format!("{l}\n"))
                    .collect();
            }
            out.push((name, text));
        }
    }
    out
}

/// Writes [`release_suite`] to `dir` as `NAME.trace` files; returns how many.
pub fn write_release_traces(
    dir: &Path,
    count: usize,
    seed: u64,
    r: GoRelease,
) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let s = release_suite(count, seed, r);
    for (name, text) in &s {
        let p = dir.join(format!("{name}.trace"));
        std::fs::write(&p, text).map_err(|e| format!("writing {}: {e}", p.display()))?;
    }
    Ok(s.len())
}

/// Writes [`suite`] to `dir` as `NAME.trace` files; returns how many.
pub fn write_traces(dir: &Path, count: usize, large: usize, seed: u64) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let s = suite(count, large, seed);
    for (name, text) in &s {
        let p = dir.join(format!("{name}.trace"));
        std::fs::write(&p, text).map_err(|e| format!("writing {}: {e}", p.display()))?;
    }
    Ok(s.len())
}
