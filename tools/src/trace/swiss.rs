//! Swiss traces: version-1 traces with a `go 1.24` ... `go 1.27` (or
//! `go 1.27-mapsplitgroup`) directive after the
//! `gomap-trace 1` line, replayed through the Swiss engine ([`crate::swiss`]) of that
//! release. The language and the dump are specified in `docs/swiss-dump.md`; Go's side is
//! `tests/go/swiss_oracle`. (Swiss lines are read here, not as [`super::Op`]s: their
//! seeds are 64-bit, `iter` takes two draws and `clone` is Swiss-only.)

use std::collections::HashMap;

use super::exec::{go_panics, print_value, run_lines, TraceError, FIRST_DIRECTIVE, TRACE_KEY};
use super::op::{parse_decimal_u64, unhex, Kind, Value};
use gomap::export_test::maptype::spell::ValueArena;
use gomap::export_test::swiss::dump::{dump, maptype_line};
use gomap::export_test::swiss::map::{mapfree, Map};
use gomap::maptype::alg;
use gomap::swiss::runtime::{
    makemap64, mapaccess2_compiled, mapassign_compiled, mapclear, mapclone, mapclone2, mapdelete,
};
use gomap::swiss::{Iter, SwissMapType, SwissRelease};

/// The release a trace names in its `go` directive (the first directive after
/// `gomap-trace 1`), if it is a Swiss one.
pub fn swiss_release(text: &str) -> Option<SwissRelease> {
    let mut lines = text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    if lines.next()? != "gomap-trace 1" {
        return None;
    }
    SwissRelease::parse(lines.next()?.strip_prefix("go ")?)
}

/// An iterator of the trace. A clone replaces the current map; iterators of the old one
/// keep running on it (the replayer keeps it alive).
struct SwissTraceIter {
    it: Box<Iter>,
    fetched: bool,
    done: bool,
}

/// Runs a Swiss trace one line at a time.
///
/// Invariants: every map in `maps` is live and of type `t`; the current map is the last;
/// iterators are dropped before the maps; `arena` holds every string a key may point at,
/// `values` every composite key's strings and interface data.
pub struct SwissReplayer {
    started: bool,
    release: Option<SwissRelease>,
    kinds: Option<(Kind, Kind)>,
    t: Option<Box<SwissMapType>>,
    // Boxed: iterators hold pointers to the maps, which must not move as the Vec grows.
    #[allow(clippy::vec_box)]
    maps: Vec<Box<Map>>,
    iters: HashMap<String, SwissTraceIter>,
    arena: Vec<Box<[u8]>>,
    /// Values of composite kinds (and their strings and interface data).
    values: ValueArena,
    need_seed: usize,
    /// Seeded-random mode (`rand`): map seeds, iterator offsets and NaN hashes come from
    /// the seeded ChaCha8 generator, as they do from Go's.
    random: bool,
    keyed: bool,
    key_lock: Option<std::sync::MutexGuard<'static, ()>>,
    /// Number of directives run so far.
    pub steps: usize,
}

impl Drop for SwissReplayer {
    fn drop(&mut self) {
        self.free_maps();
    }
}

impl Default for SwissReplayer {
    fn default() -> SwissReplayer {
        SwissReplayer::new()
    }
}

/// A seed: exactly 16 hex digits (Go's `ParseUint(s, 16, 64)` of 16 characters: no sign).
fn parse_seed(s: &str) -> Result<usize, String> {
    if s.len() != 16 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("expected a seed of 16 hex digits, got {s:?}"));
    }
    u64::from_str_radix(s, 16)
        .map(|v| v as usize)
        .map_err(|_| format!("expected a seed of 16 hex digits, got {s:?}"))
}

impl SwissReplayer {
    /// A replayer before the `gomap-trace 1` line.
    pub fn new() -> SwissReplayer {
        SwissReplayer {
            started: false,
            release: None,
            kinds: None,
            t: None,
            maps: Vec::new(),
            iters: HashMap::new(),
            arena: Vec::new(),
            values: ValueArena::new(),
            need_seed: 0,
            random: false,
            keyed: false,
            key_lock: None,
            steps: 0,
        }
    }

    /// The current map and its type, once `make` has run.
    pub fn map(&self) -> Option<(&SwissMapType, &Map)> {
        Some((self.t.as_deref()?, self.maps.last()?))
    }

    fn free_maps(&mut self) {
        self.iters.clear();
        if let Some(t) = &self.t {
            for m in self.maps.drain(..) {
                // SAFETY: our map of type `t`; its iterators are gone.
                unsafe { mapfree(t, m) };
            }
        }
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
        let Some(f) = super::op::fields(line).map_err(err)? else {
            return Ok(());
        };
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
                return Err(err(FIRST_DIRECTIVE.into()));
            }
            self.started = true;
            return Ok(());
        }
        let Some(release) = self.release else {
            if f.len() == 2 && f[0] == "go" {
                if let Some(r) = SwissRelease::parse(f[1]) {
                    self.release = Some(r);
                    return Ok(());
                }
            }
            return Err(err(
                "expected `go 1.24|1.25|1.26|1.27` after `gomap-trace 1`".into(),
            ));
        };
        match f[0] {
            "gomap-trace" | "go" => {
                return Err(err(format!("`{}` may only come at the start", f[0])))
            }
            "aeskey" => {
                want(2, "aeskey HEX (256 hex digits)")?;
                let b = unhex(f[1])
                    .filter(|b| b.len() == 128)
                    .ok_or_else(|| err("expected 256 hex digits".into()))?;
                if !self.maps.is_empty() {
                    return Err(err("aeskey must come before make".into()));
                }
                if !alg::has_aes() {
                    return Err(err("this CPU has no AES instructions: Go would use its fallback hash and ignore aeskey".into()));
                }
                let mut k = [0u8; 128];
                k.copy_from_slice(&b);
                if self.key_lock.is_none() {
                    self.key_lock = Some(TRACE_KEY.lock().unwrap_or_else(|e| e.into_inner()));
                }
                // As the classic replayer: the trace holds TRACE_KEY while keyed, and the
                // keys change only before any map of safe code exists.
                let mut keys = alg::hash_keys();
                keys.use_aeshash = true;
                keys.aeskeysched = k;
                alg::set_hash_keys_before_safe_maps(keys).map_err(|e| err(e.into()))?;
                self.keyed = true;
                return Ok(());
            }
            "rand" => {
                if !(2..=5).contains(&f.len()) {
                    return Err(err("expected `rand S0 [S1 S2 S3]`".into()));
                }
                let seed = super::op::parse_rand_seed(&f[1..]).map_err(err)?;
                if self.t.is_none() {
                    return Err(err("`type` must come before `rand`".into()));
                }
                self.random = true;
                gomap::export_test::runtime::rand::set_chacha8_seed(seed);
                return Ok(());
            }
            "type" => {
                want(3, "type K E")?;
                if self.random {
                    return Err(err("`type` must come before `rand`".into()));
                }
                // Composite kinds (structs, arrays, interfaces, `reflect:K`) as in classic
                // traces: the same Go type, its map type the Swiss one of that release.
                let k = Kind::parse(f[1]).filter(|k| k.is_key());
                let e = Kind::parse(f[2]).filter(|e| e.is_elem());
                let (Some(k), Some(e)) = (k, e) else {
                    return Err(err(format!(
                        "expected key kind i32|i64|f64|str|bN or a composite kind and elem kind i32|i64|e0|bN (N 1..1024), got {} {}",
                        f[1], f[2]
                    )));
                };
                self.free_maps();
                let mt = Kind::maptype(k, e).map_err(err)?;
                self.kinds = Some((k, e));
                self.t = Some(Box::new(SwissMapType::new(&mt, release)));
                return Ok(());
            }
            "make" => {
                if f.len() != 3 && !(self.random && f.len() == 2) {
                    return Err(err(
                        "expected `make HINT SEED` (or `make HINT` after `rand`)".into(),
                    ));
                }
                let hint: i64 = f[1].parse().ok().filter(|h| *h >= 0).ok_or_else(|| {
                    err(format!(
                        "expected a non-negative decimal hint, got {:?}",
                        f[1]
                    ))
                })?;
                let seed = f.get(2).map(|s| parse_seed(s)).transpose().map_err(err)?;
                if self.t.is_none() {
                    return Err(err("`type` must come before `make`".into()));
                }
                if !self.keyed {
                    return Err(err(
                        "expected `aeskey HEX` before `make`: without it the hashes are random"
                            .into(),
                    ));
                }
                self.free_maps();
                let t = self.t.as_deref().expect("checked");
                // NewMap draws the seed with rand(); the trace fixes it unless random.
                let mut m = makemap64(t, hint);
                if let Some(seed) = seed {
                    m.seed = seed;
                }
                self.maps.push(m);
                self.need_seed = 0;
                out.push_str(&maptype_line(t));
                out.push('\n');
                return Ok(());
            }
            _ => {}
        }
        let (Some(t), Some(&(kk, ek))) = (self.t.as_deref(), self.kinds.as_ref()) else {
            return Err(err(format!("`make` must come before `{}`", f[0])));
        };
        if self.maps.is_empty() {
            return Err(err(format!("`make` must come before `{}`", f[0])));
        }
        let cur = self.maps.len() - 1;
        let random = self.random;
        let key_image = |v: &str,
                         arena: &mut Vec<Box<[u8]>>,
                         values: &mut ValueArena|
         -> Result<Vec<u8>, TraceError> {
            // A NaN inside a composite key only in the seeded-random mode, as for f64.
            let k = Value::token(v)
                .image_any(kk, arena, values, random)
                .map_err(|e| err(format!("key: {e}")))?;
            if kk == Kind::F64
                && !random
                && f64::from_ne_bytes(k[..8].try_into().expect("8 bytes")).is_nan()
            {
                return Err(err(
                    "NaN keys need the seeded-random mode (`rand`): Go hashes NaN with rand()"
                        .into(),
                ));
            }
            Ok(k)
        };
        let pending = |need: usize| {
            if need != 0 {
                Err(err(format!(
                    "expected `seed SEED`: del on line {need} emptied the map and Go re-seeded it with rand"
                )))
            } else {
                Ok(())
            }
        };
        match f[0] {
            "put" => {
                want(3, "put K E")?;
                let k = key_image(f[1], &mut self.arena, &mut self.values)?;
                let e = Value::token(f[2]).image(ek, &mut self.arena).map_err(|e| err(format!("elem: {e}")))?;
                pending(self.need_seed)?;
                let m: *mut Map = &mut *self.maps[cur];
                // SAFETY: a live map of `t`; `k` is a key of its type; the slot has the
                // elem's size. A hash that panics (an unhashable value in an interface)
                // leaves the map as it was, as in Go.
                go_panics(out, || unsafe {
                    let p = mapassign_compiled(t, m, k.as_ptr());
                    core::ptr::copy_nonoverlapping(e.as_ptr(), p, e.len());
                });
            }
            "del" => {
                want(2, "del K")?;
                let k = key_image(f[1], &mut self.arena, &mut self.values)?;
                let before = self.maps[cur].Used();
                let m: *mut Map = &mut *self.maps[cur];
                // SAFETY: as for put.
                go_panics(out, || unsafe { mapdelete(t, m, k.as_ptr()) });
                // Go re-seeds a map its last entry left with rand(): given by a `seed`
                // line, unless random.
                if before > 0 && self.maps[cur].Used() == 0 && !random {
                    self.need_seed = lineno;
                }
            }
            "get" => {
                want(2, "get K")?;
                let k = key_image(f[1], &mut self.arena, &mut self.values)?;
                let mut found = None;
                let m = &*self.maps[cur];
                // SAFETY: as for put.
                go_panics(out, || found = Some(unsafe { mapaccess2_compiled(t, m, k.as_ptr()) }));
                let Some((p, ok)) = found else {
                    return Ok(());
                };
                if ok {
                    out.push_str(&format!("get {} = ", f[1]));
                    // SAFETY: an elem of kind `ek`.
                    unsafe { print_value(out, ek, p) };
                    out.push('\n');
                } else {
                    out.push_str(&format!("get {} absent\n", f[1]));
                }
            }
            "len" => {
                want(1, "len")?;
                out.push_str(&format!("len {}\n", self.maps[cur].Used()));
            }
            "seed" => {
                want(2, "seed SEED")?;
                let s = parse_seed(f[1]).map_err(err)?;
                if self.maps[cur].Used() != 0 {
                    return Err(err("seed only on an empty map".into()));
                }
                self.maps[cur].seed = s;
                self.need_seed = 0;
            }
            "clear" => {
                if f.len() != 2 && !(random && f.len() == 1) {
                    return Err(err("expected `clear SEED` (or `clear` after `rand`)".into()));
                }
                let s = f.get(1).map(|s| parse_seed(s)).transpose().map_err(err)?;
                let m: *mut Map = &mut *self.maps[cur];
                // SAFETY: a live map of `t`.
                unsafe { mapclear(t, m) };
                if let Some(s) = s {
                    self.maps[cur].seed = s;
                }
                self.need_seed = 0;
            }
            "clone" => {
                // SEED R1 R2 are read (and must be well formed) on every release, though
                // from 1.25 the native Clone draws nothing for them to replace.
                let given = if random {
                    want(1, "clone (after `rand`)")?;
                    None
                } else {
                    want(4, "clone SEED R1 R2")?;
                    let s = parse_seed(f[1]).map_err(err)?;
                    let r1 = parse_decimal_u64(f[2]).map_err(err)?;
                    let r2 = parse_decimal_u64(f[3]).map_err(err)?;
                    Some((s, r1, r2))
                };
                pending(self.need_seed)?;
                let src = &*self.maps[cur];
                // SAFETY: a live map of `t`.
                let c = unsafe {
                    match given {
                        Some((s, r1, r2)) if !release.has_tombstone_pruning() => {
                            mapclone2(t, src, s, r1, r2)
                        }
                        // Go's own draws in the seeded-random mode (1.24); none from 1.25.
                        _ => mapclone(t, src),
                    }
                };
                self.maps.push(c);
            }
            "iter" => {
                let offsets = if random {
                    want(2, "iter ID (after `rand`)")?;
                    None
                } else {
                    want(4, "iter ID R1 R2")?;
                    Some((parse_decimal_u64(f[2]).map_err(err)?, parse_decimal_u64(f[3]).map_err(err)?))
                };
                let mut it = Box::new(Iter::new());
                let m: *mut Map = &mut *self.maps[cur];
                // SAFETY: the map outlives the iterator (iterators drop first).
                let done = unsafe {
                    match offsets {
                        Some((r1, r2)) => it.Init_r(t, m, r1, r2),
                        None => it.Init(t, m),
                    }
                    if it.m.is_null() {
                        true
                    } else {
                        it.Next();
                        false
                    }
                };
                self.iters.insert(
                    f[1].to_string(),
                    SwissTraceIter {
                        it,
                        fetched: true,
                        done,
                    },
                );
            }
            "next" => {
                want(3, "next ID N")?;
                let n = parse_decimal_u64(f[2]).map_err(err)?;
                let st = self
                    .iters
                    .get_mut(f[1])
                    .ok_or_else(|| err(format!("no iterator {:?} (start it with `iter`)", f[1])))?;
                for _ in 0..n {
                    if !st.done && !st.fetched {
                        // SAFETY: the iterator's map is live.
                        unsafe { st.it.Next() };
                        st.fetched = true;
                    }
                    if st.done || st.it.Key().is_null() {
                        st.done = true;
                        out.push_str(&format!("next {} end\n", f[1]));
                        break;
                    }
                    out.push_str(&format!("next {} ", f[1]));
                    // SAFETY: the current entry of a live iterator.
                    unsafe {
                        print_value(out, kk, st.it.Key());
                        out.push('=');
                        print_value(out, ek, st.it.Elem());
                    }
                    out.push('\n');
                    st.fetched = false;
                }
            }
            "dump" => {
                want(1, "dump")?;
                pending(self.need_seed)?;
                // SAFETY: a live map of `t`.
                out.push_str(&unsafe { dump(t, &self.maps[cur]) });
            }
            _ => {
                return Err(err(format!(
                    "unknown directive {:?} (aeskey, type, rand, make, put, del, get, len, seed, clear, clone, iter, next, dump)",
                    f[0]
                )))
            }
        }
        Ok(())
    }
}

/// Replays a whole Swiss trace, appending its output to `out`.
pub fn replay(text: &str, out: &mut String) -> Result<(), TraceError> {
    let mut r = SwissReplayer::new();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeds are 16 hex digits and R1 R2 decimal u64s without a sign, as the Swiss oracle
    /// reads them; `clone SEED R1 R2` is read on every release, though from 1.25 the native
    /// Clone uses none of them (found by an independent generator).
    #[test]
    fn seeds_and_offsets_are_read_as_go_reads_them() {
        assert!(parse_seed("0102030405060708").is_ok());
        assert!(parse_seed("+102030405060708").is_err());
        assert!(parse_decimal_u64("+2").is_err());
        assert!(parse_decimal_u64("2").is_ok());
        let trace = |clone: &str| {
            format!(
                "gomap-trace 1\ngo 1.25\naeskey {}\ntype i64 i64\nmake 0 0102030405060708\nput 1 1\n{clone}\ndump\n",
                "00".repeat(128)
            )
        };
        let mut out = String::new();
        for bad in [
            "clone -0102030405060708 1 2",
            "clone 0102030405060708 1x 2",
            "clone 0102030405060708 1 +2",
        ] {
            assert!(
                crate::trace::replay(&trace(bad), &mut out).is_err(),
                "{bad}"
            );
        }
        if gomap::export_test::maptype::alg::has_aes() {
            assert!(crate::trace::replay(&trace("clone 0102030405060708 1 2"), &mut out).is_ok());
        }
    }
}
