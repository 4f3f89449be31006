//! Traces: the deterministic scripts of map operations of `spec/trace-and-dump.md`
//! (version 1), replayed through this crate's runtime functions. Go's side of the
//! differential test (`tests/go/oracle`) replays the same text on Go's own maps; both
//! must print the same output byte for byte.
//!
//! [`Replayer`] runs a trace one line at a time (so a picture can be drawn after any
//! step); [`replay`] runs a whole text. Keys and elems are handled as the Go types of the
//! trace's `type` line, through the runtime family Go's compiler would choose for them
//! (see `runtime::dispatch`).

pub mod diff;
pub mod gen;
mod ops;
pub mod swiss;
pub mod swiss_gen;

use core::fmt;
use std::collections::HashMap;
use std::ptr;

use crate::maptype::{alg, GoKind, GoString, Kind, MapType};
use crate::runtime::{self, dump, Hiter, Hmap};

/// A malformed trace line, an operation Go would refuse, or a runtime panic (Go's
/// `throw`/`panic`, e.g. "out of memory" for a `make` hint whose bucket array cannot be
/// allocated: Go 1.19 dies there too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    /// 1-based line number in the trace text.
    pub line: usize,
    /// What was expected or went wrong.
    pub msg: String,
    /// The line's operation panicked (the message is the panic's); the rest of the trace
    /// was not run.
    pub panicked: bool,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.panicked {
            write!(f, "line {}: runtime panic: {}", self.line, self.msg)
        } else {
            write!(f, "line {}: {}", self.line, self.msg)
        }
    }
}

impl std::error::Error for TraceError {}

/// A key or elem kind of the trace language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TKind {
    /// `int32`.
    I32,
    /// `int64`.
    I64,
    /// `float64` (keys only).
    F64,
    /// `string` (keys only).
    Str,
    /// `[N]uint8`, N in 1..=1024.
    B(usize),
    /// `struct{}` (elems only).
    E0,
}

impl TKind {
    /// Parses a kind name.
    pub fn parse(s: &str) -> Option<TKind> {
        Some(match s {
            "i32" => TKind::I32,
            "i64" => TKind::I64,
            "f64" => TKind::F64,
            "str" => TKind::Str,
            "e0" => TKind::E0,
            _ => {
                let n: usize = s.strip_prefix('b')?.parse().ok()?;
                if !(1..=1024).contains(&n) || s[1..].starts_with('0') || s[1..].starts_with('+') {
                    return None;
                }
                TKind::B(n)
            }
        })
    }

    /// The Go type.
    pub fn go_kind(self) -> GoKind {
        match self {
            TKind::I32 => GoKind::Int32,
            TKind::I64 => GoKind::Int64,
            TKind::F64 => GoKind::Float64,
            TKind::Str => GoKind::String,
            TKind::B(n) => GoKind::Bytes(n),
            TKind::E0 => GoKind::EmptyStruct,
        }
    }

    /// The name in the trace language.
    pub fn name(self) -> String {
        match self {
            TKind::I32 => "i32".into(),
            TKind::I64 => "i64".into(),
            TKind::F64 => "f64".into(),
            TKind::Str => "str".into(),
            TKind::B(n) => format!("b{n}"),
            TKind::E0 => "e0".into(),
        }
    }

    /// Size of a value in memory (a string is its 16-byte header).
    pub fn size(self) -> usize {
        match self {
            TKind::I32 => 4,
            TKind::I64 | TKind::F64 => 8,
            TKind::Str => 16,
            TKind::B(n) => n,
            TKind::E0 => 0,
        }
    }

    /// Whether the kind may be a key.
    pub fn is_key(self) -> bool {
        !matches!(self, TKind::E0)
    }

    /// Whether the kind may be an elem.
    pub fn is_elem(self) -> bool {
        matches!(self, TKind::I32 | TKind::I64 | TKind::E0 | TKind::B(_))
    }
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex digits (an even number of them).
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    b.chunks(2)
        .map(|p| Some(hexval(p[0])? << 4 | hexval(p[1])?))
        .collect()
}

/// Parses a float as Go's `strconv.ParseFloat(s, 64)` does for the spellings traces use:
/// decimal and exponent forms, `inf`/`infinity` with optional sign, and hex floats
/// (`0x1.8p3`). NaN is refused (the trace language does not use it).
pub fn parse_f64(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let hex = lower.starts_with("0x");
    // Go accepts `_` between digits (strconv's underscoreOK).
    let lower = if lower.contains('_') {
        let b = lower.as_bytes();
        let digit = |c: u8| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        };
        for (i, &c) in b.iter().enumerate() {
            if c == b'_' && !(i > 0 && i + 1 < b.len() && digit(b[i - 1]) && digit(b[i + 1])) {
                return None;
            }
        }
        lower.replace('_', "")
    } else {
        lower
    };
    let v = if lower == "inf" || lower == "infinity" {
        f64::INFINITY
    } else {
        let v = if let Some(h) = lower.strip_prefix("0x") {
            parse_hex_float(h)?
        } else {
            if !lower
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
            {
                return None;
            }
            lower.parse::<f64>().ok()?
        };
        if v.is_infinite() {
            return None; // Go: "value out of range"
        }
        v
    };
    Some(if neg { -v } else { v })
}

/// `MANTISSA[.FRACTION]pEXP` in hex, as Go's ParseFloat reads it after `0x`.
fn parse_hex_float(h: &str) -> Option<f64> {
    let (mant, exp) = h.split_once('p')?;
    let mut e2: i32 = exp.parse().ok()?;
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    if ip.is_empty() && fp.is_empty() {
        return None;
    }
    // Keep the first 30 hex digits (120 bits, more than f64 can hold) exactly.
    let mut m: u128 = 0;
    let mut digits = 0;
    for c in ip.bytes() {
        let d = hexval(c)? as u128;
        if digits < 30 {
            m = m << 4 | d;
            digits += 1;
        } else {
            e2 += 4;
        }
    }
    for c in fp.bytes() {
        let d = hexval(c)? as u128;
        if digits < 30 {
            m = m << 4 | d;
            digits += 1;
            e2 -= 4;
        }
    }
    Some(m as f64 * 2f64.powi(e2))
}

/// Parses a value of kind `k` into its memory image. Strings are interned in `arena` so
/// the header stays valid while the map holds it.
pub fn parse_value(k: TKind, s: &str, arena: &mut Vec<Box<[u8]>>) -> Result<Vec<u8>, String> {
    match k {
        TKind::I32 => s
            .parse::<i32>()
            .map(|v| v.to_ne_bytes().to_vec())
            .map_err(|_| format!("expected a decimal int32, got {s:?}")),
        TKind::I64 => s
            .parse::<i64>()
            .map(|v| v.to_ne_bytes().to_vec())
            .map_err(|_| format!("expected a decimal int64, got {s:?}")),
        TKind::F64 => parse_f64(s)
            .filter(|v| !v.is_nan())
            .map(|v| v.to_ne_bytes().to_vec())
            .ok_or_else(|| format!("expected a float64 (not NaN), got {s:?}")),
        TKind::Str => {
            let bytes = if s == "-" {
                Vec::new()
            } else {
                unhex(s)
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| format!("expected hex bytes or '-', got {s:?}"))?
            };
            let boxed: Box<[u8]> = bytes.into_boxed_slice();
            let g = GoString {
                ptr: if boxed.is_empty() {
                    ptr::null()
                } else {
                    boxed.as_ptr()
                },
                len: boxed.len(),
            };
            arena.push(boxed);
            let mut v = vec![0u8; 16];
            // SAFETY: `v` has 16 bytes, the size of a GoString header.
            unsafe { v.as_mut_ptr().cast::<GoString>().write_unaligned(g) };
            Ok(v)
        }
        TKind::B(n) => {
            let b = unhex(s).ok_or_else(|| format!("expected {} hex digits, got {s:?}", 2 * n))?;
            if b.len() != n {
                return Err(format!("expected {} hex digits, got {}", 2 * n, s.len()));
            }
            Ok(b)
        }
        TKind::E0 => {
            if s != "-" {
                return Err(format!("expected '-' for a struct{{}} elem, got {s:?}"));
            }
            Ok(Vec::new())
        }
    }
}

/// Appends a value (never a slot) as the spec spells it.
///
/// # Safety
/// `p` points at a value of kind `k` (strings: a readable header).
pub unsafe fn print_value(out: &mut String, k: TKind, p: *const u8) {
    let kind = if k == TKind::Str {
        Kind::String
    } else {
        Kind::Array
    };
    // SAFETY: forwarded.
    unsafe { dump::value(out, kind, k.size(), p) };
}

/// Serialises traces that set the process-wide AES key schedule (see `Replayer::key_lock`).
pub(crate) static TRACE_KEY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// An iterator of the trace (`iter ID R`).
///
/// Model (the same as the Go oracle's): `iter` runs `mapiterinit`, which already fetches
/// the first entry; `next` yields the current entry and calls `mapiternext` before each
/// later one. So the operations between two `next` lines run exactly where the body of a
/// Go `for k, e := range m` loop runs: after an entry is seen, before the next is fetched.
struct TraceIter {
    it: Box<Hiter>,
    /// `it.key`/`it.elem` hold an entry (or the end) not yet yielded.
    fetched: bool,
    done: bool,
}

/// Runs a trace one line at a time.
///
/// Invariants: `h` is null or a live map of type `t` (`t` is boxed so its address stays
/// fixed for the iterators); every live iterator belongs to `h` and is ended before `h` is
/// freed; `arena` holds every string a key header may point at.
pub struct Replayer {
    started: bool,
    kinds: Option<(TKind, TKind)>,
    t: Option<Box<MapType>>,
    h: *mut Hmap,
    iters: HashMap<String, TraceIter>,
    arena: Vec<Box<[u8]>>,
    /// The line of a `del` that emptied the map, until a `seed` or `clear` says what Go's
    /// re-seeding chose (0: none pending).
    need_seed: usize,
    /// An `aeskey` line was seen.
    keyed: bool,
    /// Held from the `aeskey` line until the replayer is dropped: the key schedule is
    /// process-wide (as in Go), so two traces replayed at once on different threads would
    /// change each other's hashes under their maps. A second replayer that reaches its
    /// `aeskey` line waits for the first to finish (on the same thread it would wait
    /// forever: replay one trace at a time per thread).
    key_lock: Option<std::sync::MutexGuard<'static, ()>>,
    /// Number of directives run so far (blank and comment lines not counted).
    pub steps: usize,
}

impl Default for Replayer {
    fn default() -> Replayer {
        Replayer::new()
    }
}

impl Drop for Replayer {
    fn drop(&mut self) {
        // Free the map while the key schedule is still ours; the guard drops after.
        self.free_map();
    }
}

fn parse_seed(s: &str) -> Result<u32, String> {
    if s.len() != 8 {
        return Err(format!("expected a seed of 8 hex digits, got {s:?}"));
    }
    u32::from_str_radix(s, 16).map_err(|_| format!("expected a seed of 8 hex digits, got {s:?}"))
}

impl Replayer {
    /// A replayer before the `gomap-trace 1` line.
    pub fn new() -> Replayer {
        Replayer {
            started: false,
            kinds: None,
            t: None,
            h: ptr::null_mut(),
            iters: HashMap::new(),
            arena: Vec::new(),
            need_seed: 0,
            keyed: false,
            key_lock: None,
            steps: 0,
        }
    }

    /// The map and its type, once `make` has run.
    pub fn map(&self) -> Option<(&MapType, *mut Hmap)> {
        match (&self.t, self.h.is_null()) {
            (Some(t), false) => Some((t, self.h)),
            _ => None,
        }
    }

    /// The key and elem kinds of the `type` line.
    pub fn kinds(&self) -> Option<(TKind, TKind)> {
        self.kinds
    }

    fn free_map(&mut self) {
        // End the iterators first: they are registered on the map.
        self.iters.clear();
        if let Some(t) = &self.t {
            // SAFETY: `h` is null or our live map of type `t`; no iterator remains.
            unsafe { runtime::mapfree(t, self.h) };
        }
        self.h = ptr::null_mut();
    }

    /// Runs one line (numbered `lineno`), appending what it prints to `out`.
    pub fn run_line(
        &mut self,
        lineno: usize,
        line: &str,
        out: &mut String,
    ) -> Result<(), TraceError> {
        let err = |msg: String| TraceError {
            line: lineno,
            msg,
            panicked: false,
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let f: Vec<&str> = line.split(' ').collect();
        if f.iter().any(|x| x.is_empty()) {
            return Err(err("fields must be separated by single spaces".into()));
        }
        let want = |n: usize, usage: &str| {
            if f.len() != n {
                Err(err(format!("expected `{usage}`")))
            } else {
                Ok(())
            }
        };
        self.steps += 1;
        if !self.started {
            if f != ["gomap-trace", "1"] {
                return Err(err("expected `gomap-trace 1` as the first directive".into()));
            }
            self.started = true;
            return Ok(());
        }
        match f[0] {
            "gomap-trace" => Err(err("`gomap-trace` may only be the first directive".into())),
            "aeskey" => {
                want(2, "aeskey HEX (256 hex digits)")?;
                let b = unhex(f[1])
                    .filter(|b| b.len() == 128)
                    .ok_or_else(|| err("expected 256 hex digits".into()))?;
                if !self.h.is_null() {
                    return Err(err("aeskey must come before make".into()));
                }
                let mut k = [0u8; 128];
                k.copy_from_slice(&b);
                if !alg::has_aes() {
                    return Err(err("this CPU has no AES instructions: Go would use its fallback hash and ignore aeskey".into()));
                }
                if self.key_lock.is_none() {
                    self.key_lock = Some(TRACE_KEY.lock().unwrap_or_else(|e| e.into_inner()));
                }
                alg::set_use_aeshash(true);
                alg::set_aeskeysched(&k);
                self.keyed = true;
                Ok(())
            }
            "type" => {
                want(3, "type K E")?;
                let k = TKind::parse(f[1]).filter(|k| k.is_key());
                let e = TKind::parse(f[2]).filter(|e| e.is_elem());
                let (Some(k), Some(e)) = (k, e) else {
                    return Err(err(format!(
                        "expected key kind i32|i64|f64|str|bN and elem kind i32|i64|e0|bN (N 1..1024), got {} {}",
                        f[1], f[2]
                    )));
                };
                self.free_map();
                let t = MapType::for_go_types(k.go_kind(), e.go_kind())
                    .map_err(|e| err(e.to_string()))?;
                self.kinds = Some((k, e));
                self.t = Some(Box::new(t));
                Ok(())
            }
            "make" => {
                want(3, "make HINT SEED")?;
                let hint: i64 = f[1]
                    .parse()
                    .map_err(|_| err(format!("expected a decimal hint, got {:?}", f[1])))?;
                let seed = parse_seed(f[2]).map_err(err)?;
                if self.t.is_none() {
                    return Err(err("`type` must come before `make`".into()));
                }
                if !self.keyed {
                    return Err(err(
                        "expected `aeskey HEX` before `make`: without it the hashes are random"
                            .into(),
                    ));
                }
                self.free_map();
                let t = self.t.as_deref().expect("checked");
                // SAFETY: a fresh map of type `t`.
                unsafe {
                    self.h = runtime::makemap64(t, hint, ptr::null_mut());
                    (*self.h).hash0 = seed;
                }
                self.need_seed = 0;
                out.push_str(&dump::maptype_line(t));
                out.push('\n');
                Ok(())
            }
            _ => self.run_op(&f, lineno, out),
        }
    }

    fn run_op(&mut self, f: &[&str], lineno: usize, out: &mut String) -> Result<(), TraceError> {
        let err = |msg: String| TraceError {
            line: lineno,
            msg,
            panicked: false,
        };
        let want = |n: usize, usage: &str| {
            if f.len() != n {
                Err(err(format!("expected `{usage}`")))
            } else {
                Ok(())
            }
        };
        let known = matches!(
            f[0],
            "put" | "del" | "get" | "len" | "seed" | "clear" | "iter" | "next" | "dump"
        );
        if !known {
            return Err(err(format!(
                "unknown directive {:?}; expected one of aeskey, type, make, put, del, get, len, seed, clear, iter, next, dump",
                f[0]
            )));
        }
        let (Some(t), Some((kk, ek))) = (self.t.as_deref(), self.kinds) else {
            return Err(err(format!("`{}` before `type` and `make`", f[0])));
        };
        if self.h.is_null() {
            return Err(err(format!("`{}` before `make`", f[0])));
        }
        let h = self.h;
        if self.need_seed != 0 && matches!(f[0], "put" | "dump") {
            return Err(err(format!(
                "expected `seed SEED`: the del on line {} emptied the map and Go re-seeded it with fastrand",
                self.need_seed
            )));
        }
        match f[0] {
            "put" => {
                want(3, "put K E")?;
                let k = parse_value(kk, f[1], &mut self.arena).map_err(&err)?;
                let e = parse_value(ek, f[2], &mut self.arena).map_err(&err)?;
                // SAFETY: `h` is our live map of type `t`; `k` is a key image of t.
                unsafe {
                    let p = ops::map_assign(t, h, k.as_ptr());
                    ptr::copy_nonoverlapping(e.as_ptr(), p, e.len());
                }
            }
            "del" => {
                want(2, "del K")?;
                let k = parse_value(kk, f[1], &mut self.arena).map_err(&err)?;
                // SAFETY: as for put.
                let emptied = unsafe {
                    let before = (*h).count;
                    ops::map_delete(t, h, k.as_ptr());
                    before != 0 && (*h).count == 0
                };
                if emptied {
                    self.need_seed = lineno;
                }
            }
            "get" => {
                want(2, "get K")?;
                let k = parse_value(kk, f[1], &mut self.arena).map_err(&err)?;
                // SAFETY: as for put.
                let (p, ok) = unsafe { ops::map_access2(t, h, k.as_ptr()) };
                if ok {
                    out.push_str(&format!("get {} = ", f[1]));
                    // SAFETY: `p` points at the elem of the entry found.
                    unsafe { print_value(out, ek, p) };
                    out.push('\n');
                } else {
                    out.push_str(&format!("get {} absent\n", f[1]));
                }
            }
            "len" => {
                want(1, "len")?;
                // SAFETY: live map.
                out.push_str(&format!("len {}\n", unsafe { (*h).count }));
            }
            "seed" => {
                want(2, "seed SEED")?;
                let s = parse_seed(f[1]).map_err(&err)?;
                // SAFETY: live map, no concurrent use.
                unsafe {
                    if (*h).count != 0 {
                        return Err(err("`seed` on a non-empty map".into()));
                    }
                    (*h).hash0 = s;
                }
                self.need_seed = 0;
            }
            "clear" => {
                want(2, "clear SEED")?;
                let s = parse_seed(f[1]).map_err(&err)?;
                // SAFETY: live map, no concurrent use.
                unsafe {
                    runtime::mapclear(t, h);
                    (*h).hash0 = s;
                }
                self.need_seed = 0;
            }
            "iter" => {
                want(3, "iter ID R")?;
                let r: u64 = f[2]
                    .parse()
                    .map_err(|_| err(format!("expected a decimal u64 R, got {:?}", f[2])))?;
                let mut it = Box::new(Hiter::new());
                // Replacing an iterator of the same ID drops (ends) the old one first.
                self.iters.remove(f[1]);
                // SAFETY: live map of type `t`; the iterator is ended (dropped) before the
                // map is freed (free_map clears `iters` first).
                unsafe { runtime::mapiterinit_r(t, h, &mut it, r as usize) };
                let done = it.key.is_null();
                self.iters.insert(
                    f[1].to_string(),
                    TraceIter {
                        it,
                        fetched: true,
                        done,
                    },
                );
            }
            "next" => {
                want(3, "next ID N")?;
                let n: u64 = f[2]
                    .parse()
                    .map_err(|_| err(format!("expected a decimal count N, got {:?}", f[2])))?;
                let ti = self
                    .iters
                    .get_mut(f[1])
                    .ok_or_else(|| err(format!("no iterator {:?}", f[1])))?;
                let mut produced = 0;
                while produced < n {
                    if !ti.done && !ti.fetched {
                        // SAFETY: the iterator was started on our live map.
                        unsafe { runtime::mapiternext(&mut ti.it) };
                        ti.fetched = true;
                    }
                    if ti.done || ti.it.key.is_null() {
                        ti.done = true;
                        out.push_str(&format!("next {} end\n", f[1]));
                        break;
                    }
                    out.push_str(&format!("next {} ", f[1]));
                    // SAFETY: the iterator's current key and elem are live values.
                    unsafe {
                        print_value(out, kk, ti.it.key);
                        out.push('=');
                        print_value(out, ek, ti.it.elem);
                    }
                    out.push('\n');
                    produced += 1;
                    ti.fetched = false;
                }
            }
            "dump" => {
                want(1, "dump")?;
                // SAFETY: live map; string keys point into `arena`.
                unsafe { dump::dump(t, h, out) };
            }
            _ => unreachable!("checked above"),
        }
        Ok(())
    }
}

/// Replays a whole trace, appending its output to `out`.
pub fn replay(text: &str, out: &mut String) -> Result<(), TraceError> {
    if swiss::swiss_release(text).is_some() {
        return swiss::replay(text, out);
    }
    let mut r = Replayer::new();
    for (i, line) in text.lines().enumerate() {
        // A panic of the runtime (Go's throw, e.g. "out of memory") ends the replay with an
        // error naming the line. The map stays consistent through the panics a trace can
        // cause (an allocation failing in makemap or hashGrow, see tests/regressions.rs),
        // so dropping `r` frees it as usual.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            r.run_line(i + 1, line, out)
        })) {
            Ok(res) => res?,
            Err(p) => {
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(not a string)".into());
                return Err(TraceError {
                    line: i + 1,
                    msg,
                    panicked: true,
                });
            }
        }
    }
    if !r.started {
        return Err(TraceError {
            line: 1,
            msg: "expected `gomap-trace 1` as the first directive".into(),
            panicked: false,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_float_spellings() {
        assert_eq!(parse_f64("-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(parse_f64("1.5"), Some(1.5));
        assert_eq!(parse_f64("1e3"), Some(1000.0));
        assert_eq!(parse_f64("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64("0x1.8p1"), Some(3.0));
        assert_eq!(parse_f64("NaN"), None);
        assert_eq!(parse_f64("abc"), None);
        assert_eq!(parse_f64("1e400"), None, "out of range in Go");
        assert_eq!(parse_f64("1e-400"), Some(0.0));
        assert_eq!(parse_f64("1_000"), Some(1000.0));
        assert_eq!(parse_f64("1__0"), None);
        assert_eq!(parse_f64(" 1"), None);
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(TKind::parse("b1024"), Some(TKind::B(1024)));
        assert_eq!(TKind::parse("b0"), None);
        assert_eq!(TKind::parse("b1025"), None);
        assert_eq!(TKind::parse("b01"), None);
        assert_eq!(TKind::parse("u8"), None);
    }

    #[test]
    fn malformed_lines_name_the_line() {
        let mut out = String::new();
        let e = replay("gomap-trace 1\ntype i64 i64\nmake 0 1234567\n", &mut out).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.msg.contains("8 hex digits"), "{e}");
        let e = replay("gomap-trace 1\nput 1 2\n", &mut out).unwrap_err();
        assert_eq!(e.line, 2);
        let e = replay("hello\n", &mut out).unwrap_err();
        assert!(e.msg.contains("gomap-trace 1"));
        assert!(!e.panicked);
    }
}
