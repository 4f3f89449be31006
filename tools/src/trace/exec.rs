//! Running a trace: the [`Replayer`] gives each [`Op`] its meaning on a real map, through
//! the runtime functions Go's compiler would call for the trace's types
//! (`gomap::export_test::runtime::dispatch`, after `walk.mapfast`).

use core::fmt;
use std::collections::HashMap;
use std::ptr;

use gomap::export_test::maptype::spell::{self, ValueArena};
use gomap::export_test::runtime::dispatch::{map_access2, map_assign, map_delete};
use gomap::export_test::runtime::{self, dump, Hiter, Hmap};
use gomap::maptype::{alg, GoRelease, GoString, GoType, KeyHash, MapType};

use super::op::{named_type, parse_f64, unhex, Kind, Op, Value};

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

impl Value {
    /// The value's memory image as a `k`. Strings are interned in `arena` so the header
    /// stays valid while the map holds it.
    pub fn image(&self, k: Kind, arena: &mut Vec<Box<[u8]>>) -> Result<Vec<u8>, String> {
        let s = self.as_str();
        match k {
            Kind::I32 => s
                .parse::<i32>()
                .map(|v| v.to_ne_bytes().to_vec())
                .map_err(|_| format!("expected a decimal int32, got {s:?}")),
            Kind::I64 => s
                .parse::<i64>()
                .map(|v| v.to_ne_bytes().to_vec())
                .map_err(|_| format!("expected a decimal int64, got {s:?}")),
            Kind::F64 if s == "NaN" => Ok(f64::from_bits(GO_NAN_BITS).to_ne_bytes().to_vec()),
            Kind::F64 => parse_f64(s)
                .filter(|v| !v.is_nan())
                .map(|v| v.to_ne_bytes().to_vec())
                .ok_or_else(|| format!("expected a float64 (not NaN), got {s:?}")),
            Kind::Str => {
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
            Kind::B(n) => {
                let b =
                    unhex(s).ok_or_else(|| format!("expected {} hex digits, got {s:?}", 2 * n))?;
                if b.len() != n {
                    return Err(format!("expected {} hex digits, got {}", 2 * n, s.len()));
                }
                Ok(b)
            }
            Kind::E0 => {
                if s != "-" {
                    return Err(format!("expected '-' for a struct{{}} elem, got {s:?}"));
                }
                Ok(Vec::new())
            }
            Kind::Go { .. } => Err(format!(
                "a {k} value needs an arena for its parts (Value::image_any)"
            )),
        }
    }
}

impl Value {
    /// [`Value::image`] for any kind: composite values go into `values` (whose blocks hold
    /// their strings and interface data).
    /// `nan_ok`: the seeded-random mode, where a NaN inside a composite value is allowed
    /// (its hash draws from the seeded generator, as Go's does).
    pub fn image_any(
        &self,
        k: Kind,
        arena: &mut Vec<Box<[u8]>>,
        values: &mut ValueArena,
        nan_ok: bool,
    ) -> Result<Vec<u8>, String> {
        let Kind::Go { ty, .. } = k else {
            return self.image(k, arena);
        };
        let s = self.as_str();
        let p = values
            .parse_value(ty, s, 0, &named_type, nan_ok)
            .map_err(|e| format!("expected a value of {k}: {e}"))?;
        // SAFETY: `p` is a block of at least ty.size() bytes in `values`.
        Ok(unsafe { core::slice::from_raw_parts(p, ty.size()) }.to_vec())
    }
}

impl Kind {
    /// The map type of `map[K]E` for these kinds: Go's compiled one, or for a `reflect:`
    /// key `reflect.MapOf`'s. A composite key takes the elem kinds i64, i32 and e0; a
    /// `reflect:` key a bN kind (one Go never compiles with it, so that `reflect.MapOf`
    /// makes a new map type, hashed with `runtime.typehash`).
    pub fn maptype(k: Kind, e: Kind) -> Result<MapType, String> {
        let Kind::Go { ty, reflect } = k else {
            return MapType::for_go_types(k.go_kind(), e.go_kind()).map_err(|e| e.to_string());
        };
        let ok = if reflect {
            matches!(e, Kind::B(_))
        } else {
            matches!(e, Kind::I64 | Kind::I32 | Kind::E0)
        };
        if !ok {
            return Err(format!(
                "expected elem kind {} for key kind {k}",
                if reflect { "bN" } else { "i64, i32 or e0" }
            ));
        }
        let hash = if reflect {
            KeyHash::TypeHash
        } else {
            KeyHash::Compiled
        };
        let et = GoType::from_kind(e.go_kind()).map_err(|e| e.to_string())?;
        MapType::for_types(ty, et, hash).map_err(|e| e.to_string())
    }
}

/// Runs a map operation on a composite key, turning Go's runtime panics (an interface
/// holding an unhashable value) into the `panic MESSAGE` line; other panics propagate.
pub(crate) fn go_panics(out: &mut String, f: impl FnOnce()) {
    gomap::maptype::genalg::quiet_go_runtime_errors();
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        match gomap::maptype::genalg::go_runtime_error(&*p) {
            Some(m) => {
                out.push_str("panic ");
                out.push_str(m);
                out.push('\n');
            }
            None => std::panic::resume_unwind(p),
        }
    }
}

/// The bits of the float64 a trace spells `NaN`: Go's `math.NaN()`, which is what
/// `strconv.ParseFloat("NaN", 64)` returns. (Rust's `f64::NAN` has other bits.)
pub use gomap::export_test::base::strconv::GO_NAN_BITS;

/// Appends a value (never a slot) as the spec spells it.
///
/// # Safety
/// `p` points at a value of kind `k` (strings: a readable header).
pub unsafe fn print_value(out: &mut String, k: Kind, p: *const u8) {
    if let Kind::Go { ty, .. } = k {
        // SAFETY: a value of `ty` (caller).
        unsafe { spell::format_slot(out, ty, p) };
        return;
    }
    let kind = if k == Kind::Str {
        gomap::maptype::Kind::String
    } else {
        gomap::maptype::Kind::Array
    };
    // SAFETY: forwarded.
    unsafe { dump::value(out, kind, k.size(), p) };
}

/// The error of a trace that does not start with its header.
pub(crate) const FIRST_DIRECTIVE: &str = "expected `gomap-trace 1` as the first directive";

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
    kinds: Option<(Kind, Kind)>,
    t: Option<Box<MapType>>,
    h: *mut Hmap,
    iters: HashMap<String, TraceIter>,
    arena: Vec<Box<[u8]>>,
    /// Values of composite kinds (and their strings and interface data).
    values: ValueArena,
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
    /// The trace's Go release (`go RELEASE`; Go 1.19 without the directive).
    release: GoRelease,
    /// Seeded-random mode (`rand`): hash seeds, iterator starts and NaN hashes come from
    /// the release's generator, seeded by the trace.
    random: bool,
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
            values: ValueArena::new(),
            need_seed: 0,
            keyed: false,
            key_lock: None,
            steps: 0,
            release: GoRelease::Go1_19,
            random: false,
        }
    }

    /// The trace's Go release.
    pub fn release(&self) -> GoRelease {
        self.release
    }

    /// The map and its type, once `make` has run.
    pub fn map(&self) -> Option<(&MapType, *mut Hmap)> {
        match (&self.t, self.h.is_null()) {
            (Some(t), false) => Some((t, self.h)),
            _ => None,
        }
    }

    /// The key and elem kinds of the `type` line.
    pub fn kinds(&self) -> Option<(Kind, Kind)> {
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

    /// Runs one line (numbered `lineno`), appending what it prints to `out`. Lines that
    /// are not directives (blank, `#` comments) do nothing.
    pub fn run_line(
        &mut self,
        lineno: usize,
        line: &str,
        out: &mut String,
    ) -> Result<(), TraceError> {
        let parsed = Op::parse(line);
        if let Ok(None) = parsed {
            return Ok(());
        }
        self.steps += 1;
        let op = parsed.map_err(|msg| TraceError {
            line: lineno,
            msg: if self.started {
                msg
            } else {
                FIRST_DIRECTIVE.into()
            },
            panicked: false,
        })?;
        self.run(lineno, &op.expect("directives parse to an op"), out)
    }

    /// Runs one op (of line `lineno`, for errors), appending what it prints to `out`.
    pub fn run(&mut self, lineno: usize, op: &Op, out: &mut String) -> Result<(), TraceError> {
        let err = |msg: String| TraceError {
            line: lineno,
            msg,
            panicked: false,
        };
        if !self.started {
            if *op != (Op::Header { version: 1 }) {
                return Err(err(FIRST_DIRECTIVE.into()));
            }
            self.started = true;
            return Ok(());
        }
        match op {
            Op::Header { .. } => Err(err("`gomap-trace` may only be the first directive".into())),
            &Op::Go(r) => {
                if self.steps != 2 {
                    return Err(err(
                        "`go RELEASE` must come right after `gomap-trace 1`".into()
                    ));
                }
                self.release = r;
                Ok(())
            }
            &Op::Rand(seed) => {
                if self.t.is_none() {
                    return Err(err("`type` must come before `rand`".into()));
                }
                self.random = true;
                runtime::seed_release(self.release, seed);
                Ok(())
            }
            Op::AesKey(k) => {
                if !self.h.is_null() {
                    return Err(err("aeskey must come before make".into()));
                }
                if !alg::has_aes() {
                    return Err(err("this CPU has no AES instructions: Go would use its fallback hash and ignore aeskey".into()));
                }
                if self.key_lock.is_none() {
                    self.key_lock = Some(TRACE_KEY.lock().unwrap_or_else(|e| e.into_inner()));
                }
                // The trace holds TRACE_KEY while keyed, so no other trace's maps hash
                // meanwhile; a trace's own maps are raw runtime maps of plain bytes, where
                // a key set after making them only makes lookups miss, as in Go. Maps of
                // safe code (GoMap) are protected: the keys change only before any exists.
                let mut keys = alg::hash_keys();
                keys.use_aeshash = true;
                keys.aeskeysched = **k;
                alg::set_hash_keys_before_safe_maps(keys).map_err(|e| err(e.into()))?;
                self.keyed = true;
                Ok(())
            }
            &Op::Type { key, elem } => {
                if self.random {
                    return Err(err("`type` must come before `rand`".into()));
                }
                self.free_map();
                let t = Kind::maptype(key, elem)
                    .map_err(err)?
                    .with_release(self.release);
                self.kinds = Some((key, elem));
                self.t = Some(Box::new(t));
                // Outside the seeded-random mode the generator starts from `rand 0` at each
                // `type`, as the oracle's does: the one draw no directive replaces with a
                // value (incrnoverflow's sampling once B >= 16) is then Go's.
                runtime::seed_release(self.release, [0; 4]);
                Ok(())
            }
            &Op::Make { hint, seed } => {
                if seed.is_none() && !self.random {
                    return Err(err(
                        "expected `make HINT SEED` (or `make HINT` after `rand`)".into(),
                    ));
                }
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
                    if let Some(seed) = seed {
                        (*self.h).hash0 = seed;
                    }
                }
                self.need_seed = 0;
                out.push_str(&dump::maptype_line(t));
                out.push('\n');
                Ok(())
            }
            _ => self.run_map_op(op, lineno, out),
        }
    }

    /// The ops on a made map.
    fn run_map_op(&mut self, op: &Op, lineno: usize, out: &mut String) -> Result<(), TraceError> {
        let err = |msg: String| TraceError {
            line: lineno,
            msg,
            panicked: false,
        };
        let (Some(t), Some((kk, ek))) = (self.t.as_deref(), self.kinds) else {
            return Err(err(format!("`{}` before `type` and `make`", op.name())));
        };
        if self.h.is_null() {
            return Err(err(format!("`{}` before `make`", op.name())));
        }
        let h = self.h;
        if self.need_seed != 0 && matches!(op, Op::Put { .. } | Op::Dump | Op::Clone) {
            return Err(err(format!(
                "expected `seed SEED`: the del on line {} emptied the map and Go re-seeded it with fastrand",
                self.need_seed
            )));
        }
        match op {
            Op::Put { key, elem } => {
                let k = key
                    .image_any(kk, &mut self.arena, &mut self.values, self.random)
                    .map_err(&err)?;
                self.nan_check(&k, kk).map_err(&err)?;
                let e = elem.image(ek, &mut self.arena).map_err(&err)?;
                // SAFETY: `h` is our live map of type `t`; `k` is a key image of t.
                go_panics(out, || unsafe {
                    let p = map_assign(t, h, k.as_ptr());
                    ptr::copy_nonoverlapping(e.as_ptr(), p, e.len());
                });
            }
            Op::Del { key } => {
                let k = key
                    .image_any(kk, &mut self.arena, &mut self.values, self.random)
                    .map_err(&err)?;
                self.nan_check(&k, kk).map_err(&err)?;
                // SAFETY: live map.
                let before = unsafe { (*h).count };
                // SAFETY: as for put.
                go_panics(out, || unsafe { map_delete(t, h, k.as_ptr()) });
                // SAFETY: live map.
                let emptied = before != 0 && unsafe { (*h).count } == 0;
                if emptied && !self.random {
                    self.need_seed = lineno;
                }
            }
            Op::Get { key } => {
                let k = key
                    .image_any(kk, &mut self.arena, &mut self.values, self.random)
                    .map_err(&err)?;
                self.nan_check(&k, kk).map_err(&err)?;
                let mut found = None;
                go_panics(out, || {
                    // SAFETY: as for put.
                    found = Some(unsafe { map_access2(t, h, k.as_ptr()) })
                });
                let Some((p, ok)) = found else {
                    return Ok(());
                };
                if ok {
                    out.push_str(&format!("get {key} = "));
                    // SAFETY: `p` points at the elem of the entry found.
                    unsafe { print_value(out, ek, p) };
                    out.push('\n');
                } else {
                    out.push_str(&format!("get {key} absent\n"));
                }
            }
            Op::Len => {
                // SAFETY: live map.
                out.push_str(&format!("len {}\n", unsafe { (*h).count }));
            }
            &Op::Seed { seed } => {
                // SAFETY: live map, no concurrent use.
                unsafe {
                    if (*h).count != 0 {
                        return Err(err("`seed` on a non-empty map".into()));
                    }
                    (*h).hash0 = seed;
                }
                self.need_seed = 0;
            }
            &Op::Clear { seed } => {
                if seed.is_none() && !self.random {
                    return Err(err("expected `clear SEED` (or `clear` after `rand`)".into()));
                }
                // SAFETY: live map, no concurrent use.
                unsafe {
                    runtime::mapclear(t, h);
                    if let Some(seed) = seed {
                        (*h).hash0 = seed;
                    }
                }
                self.need_seed = 0;
            }
            Op::Clone => {
                if !t.release().has_mapclone() {
                    return Err(err("`clone` (maps.Clone) needs Go 1.21 or later".into()));
                }
                out.push_str("clone\n");
                // SAFETY: live map of type `t`, not written meanwhile; the clone is ours
                // alone, dumped (its string keys point into `arena` too) and freed.
                unsafe {
                    let c = runtime::mapclone2(t, h);
                    dump::dump(t, c, out);
                    runtime::mapfree(t, c);
                }
            }
            Op::Iter { id, r } => {
                if r.is_none() && !self.random {
                    return Err(err(
                        "expected `iter ID R` (or `iter ID` after `rand`)".into()
                    ));
                }
                let mut it = Box::new(Hiter::new());
                // Replacing an iterator of the same ID drops (ends) the old one first.
                self.iters.remove(id);
                // SAFETY: live map of type `t`; the iterator is ended (dropped) before the
                // map is freed (free_map clears `iters` first).
                unsafe {
                    match r {
                        Some(r) => runtime::mapiterinit_r(t, h, &mut it, *r as usize),
                        None => runtime::mapiterinit(t, h, &mut it), // Go draws the start
                    }
                };
                let done = it.key().is_null();
                self.iters.insert(
                    id.clone(),
                    TraceIter {
                        it,
                        fetched: true,
                        done,
                    },
                );
            }
            Op::Next { id, n } => {
                let ti = self
                    .iters
                    .get_mut(id)
                    .ok_or_else(|| err(format!("no iterator {id:?}")))?;
                let mut produced = 0;
                while produced < *n {
                    if !ti.done && !ti.fetched {
                        // SAFETY: the iterator was started on our live map.
                        unsafe { runtime::mapiternext(&mut ti.it) };
                        ti.fetched = true;
                    }
                    if ti.done || ti.it.key().is_null() {
                        ti.done = true;
                        out.push_str(&format!("next {id} end\n"));
                        break;
                    }
                    out.push_str(&format!("next {id} "));
                    // SAFETY: the iterator's current key and elem are live values.
                    unsafe {
                        print_value(out, kk, ti.it.key());
                        out.push('=');
                        print_value(out, ek, ti.it.elem());
                    }
                    out.push('\n');
                    produced += 1;
                    ti.fetched = false;
                }
            }
            Op::Dump => {
                // SAFETY: live map; string keys point into `arena`.
                unsafe { dump::dump(t, h, out) };
            }
            Op::Header { .. }
            | Op::Go(_)
            | Op::Rand(_)
            | Op::AesKey(_)
            | Op::Type { .. }
            | Op::Make { .. } => {
                unreachable!("run() handles {}", op.name())
            }
        }
        Ok(())
    }
}

impl Replayer {
    /// Refuses a NaN key outside the seeded-random mode: Go hashes NaN with a random
    /// number, which only that mode makes reproducible.
    fn nan_check(&self, k: &[u8], kk: Kind) -> Result<(), String> {
        if kk == Kind::F64 && !self.random {
            let v = f64::from_ne_bytes(k.try_into().expect("an f64 image"));
            if v.is_nan() {
                return Err("NaN keys need the seeded-random mode (`rand`)".into());
            }
        }
        Ok(())
    }
}

/// Replays a whole trace, appending its output to `out`.
pub fn replay(text: &str, out: &mut String) -> Result<(), TraceError> {
    if super::swiss::swiss_release(text).is_some() {
        return super::swiss::replay(text, out);
    }
    let mut r = Replayer::new();
    // The map stays consistent through the panics a trace can cause (an allocation failing
    // in makemap or hashGrow, see tests/regressions.rs), so dropping `r` frees it as usual.
    run_lines(text, out, |n, line, out| r.run_line(n, line, out))?;
    if !r.started {
        return Err(TraceError {
            line: 1,
            msg: FIRST_DIRECTIVE.into(),
            panicked: false,
        });
    }
    Ok(())
}

/// Runs `run_line` on each line of `text` (numbered from 1). A panic of the runtime (Go's
/// throw, e.g. "out of memory") ends the replay with an error naming the line.
pub(crate) fn run_lines(
    text: &str,
    out: &mut String,
    mut run_line: impl FnMut(usize, &str, &mut String) -> Result<(), TraceError>,
) -> Result<(), TraceError> {
    for (i, line) in text.lines().enumerate() {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_line(i + 1, line, out)))
        {
            Ok(res) => res?,
            Err(p) => {
                let msg = gomap::panic_message(&*p)
                    .unwrap_or("(not a string)")
                    .to_string();
                return Err(TraceError {
                    line: i + 1,
                    msg,
                    panicked: true,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = replay("gomap-trace 2\n", &mut out).unwrap_err();
        assert!(e.msg.contains("gomap-trace 1"), "{e}");
    }
}
