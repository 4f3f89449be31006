//! The fuzz harnesses of gomap, one public function per cargo-fuzz target
//! (`fuzz/fuzz_targets/<name>.rs` is a one-line `fuzz_target!` calling it), so that the
//! same code also runs without libFuzzer: `examples/corpus_replay.rs` replays the seed
//! corpus under valgrind and AddressSanitizer.
//!
//! Each map target decodes its input into a sequence of map operations, mirrors them on a
//! `std::collections::HashMap` model and calls [`gomap::runtime::check`] after every
//! operation; any disagreement or broken invariant panics with the map's dump, which
//! libFuzzer reports as a crash.
//!
//! | target        | what it drives |
//! |---------------|----------------|
//! | `ops_generic` | `mapassign`/`mapaccess1/2(_fat)`/`mapdelete`/`mapclear`/iteration on many layouts: tiny, indirect keys and elems (>128 bytes), zero-size keys and elems, fat elems (>1024 bytes), floats (NaN, ±0), strings, and weak custom hashers that force long overflow chains |
//! | `ops_fast32`, `ops_fast64`, `ops_faststr` | the same through `runtime::dispatch` (the fast paths), with generic calls mixed in, including custom weak hashers on the fast families and the `ptr` variants |
//! | `iter_mutate` | up to three live iterators advanced while inserting, deleting, growing and clearing; checks Go's iteration promises |
//! | `maptype`     | arbitrary descriptor fields into `MapType::from_parts` / `MapType::new` |
//! | `hash`        | every function of `gomap::maptype::alg` on keys placed against guard pages |
//! | `replay`      | arbitrary text into `gomap_tools::trace::replay`; each parsed `Op` printed and parsed again |
//! | `ops_swiss`   | operation sequences on the Swiss engine (`gomap::swiss`) of every release: puts, deletes, clears, clones and iterators with writes between their steps, `check` after each step of a small map and every 16th of a large one |
//! | `typed`       | the safe API only (`GoMap` with `String`, `f64`, `[u8; 3]` and `go_struct!` (string field) keys, NaN keys, owned values with panicking `Drop`s, panicking `retain` closures, `entry`, `clear`, forgotten iterators, `into_iter`), with `check` and `dump` after every step; no `unsafe` in the harness |

#![allow(clippy::missing_safety_doc)]

pub mod descr;
pub mod hash;
pub mod iter;
pub mod layout;
pub mod ops;
pub mod swiss;
pub mod typed;

pub use descr::maptype;
pub use hash::hash;
pub use iter::iter_mutate;
pub use ops::{ops_fast32, ops_fast64, ops_faststr, ops_generic};
pub use swiss::ops_swiss;
pub use typed::typed;

use gomap_tools::trace::Op;

/// Reads an input front to back; past the end every read gives zero and [`Cursor::done`]
/// turns true, so a harness never indexes out of bounds.
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Cursor<'a> {
        Cursor { data, pos: 0 }
    }
    /// Whether every byte has been read.
    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
    /// The next byte, or 0.
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    /// The next four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    /// The next eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        (self.u32() as u64) | (self.u32() as u64) << 32
    }
    /// Up to `n` next bytes (fewer at the end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let end = (start + n).min(self.data.len());
        self.pos += n;
        &self.data[start..end]
    }
    /// The rest of the input.
    pub fn rest(&mut self) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        self.pos = self.data.len();
        &self.data[start..]
    }
}

/// Runs `runtime::check` and panics with the dump when an invariant is broken.
///
/// # Safety
/// `h` is null or a live map of type `t`, not written during the call, whose string keys
/// (if any) point at live bytes.
pub unsafe fn check_or_die(
    t: &gomap::MapType,
    h: *const gomap::Hmap,
    what: &dyn std::fmt::Display,
) {
    // SAFETY: forwarded.
    if let Err(e) = unsafe { gomap::runtime::check(t, h) } {
        // SAFETY: forwarded.
        let d = unsafe { gomap::runtime::dump_string(t, h) };
        panic!("check failed after {what}: {e}\n{d}");
    }
}

/// Seeds the calling thread's random sources (wyrand and ChaCha8: hash seeds, iteration
/// starts, NaN hashes) with fixed values, so that one input always runs the same way:
/// a crash replays as it was found, and a fuzzing run with a fixed `-seed` and `-runs`
/// explores the same inputs each time (CI runs the targets so, to not fail by chance).
/// Each target calls it before each input. The process-wide hash keys are reset to fixed
/// ones too (a replayed trace may have set its own), as long as no `GoMap` was made in the
/// process (after that they can no longer change, and nothing else changes them).
pub fn fix_random() {
    let mut aeskeysched = [0u8; 128];
    for (i, b) in aeskeysched.iter_mut().enumerate() {
        *b = i as u8;
    }
    let k = gomap::maptype::alg::HashKeys {
        aeskeysched,
        hashkey: [0x2545_f491, 0x9e37_79b9, 0x85eb_ca6b, 0xc2b2_ae35],
        use_aeshash: gomap::maptype::alg::has_aes(),
    };
    // Refused once a GoMap exists (the `typed` target), which never changes the keys.
    let _ = gomap::maptype::alg::set_hash_keys_before_safe_maps(k);
    gomap::export_test::runtime::rand::set_fastrand_state(0x9e37_79b9_7f4a_7c15);
    gomap::export_test::runtime::rand::set_chacha8_seed([1, 2, 3, 4]);
}

/// Runs every target on one input whose target is named: used by the corpus replayer.
pub fn run_target(name: &str, data: &[u8]) -> bool {
    fix_random();
    match name {
        "ops_generic" => ops_generic(data),
        "ops_fast32" => ops_fast32(data),
        "ops_fast64" => ops_fast64(data),
        "ops_faststr" => ops_faststr(data),
        "iter_mutate" => iter_mutate(data),
        "maptype" => maptype(data),
        "hash" => hash(data),
        "replay" => replay(data),
        "ops_swiss" => ops_swiss(data),
        "typed" => typed(data),
        _ => return false,
    }
    true
}

/// Every target's name.
pub const TARGETS: &[&str] = &[
    "ops_generic",
    "ops_fast32",
    "ops_fast64",
    "ops_faststr",
    "iter_mutate",
    "maptype",
    "hash",
    "replay",
    "ops_swiss",
    "typed",
];

/// Largest `make` hint a replayed trace may carry: larger ones would only measure the
/// machine's memory (Go's makemap allocates the whole bucket array at once, and so does
/// gomap; a hint of 10^9 asks for gigabytes).
pub const REPLAY_MAX_HINT: i64 = 1 << 20;

/// Target `replay`: arbitrary text into `gomap_tools::trace::replay`, which must return `Ok` or
/// a `TraceError` that is not a caught panic; and every line that parses as an [`Op`]
/// must print as a line that parses to the same op. Traces whose `make` hint exceeds [`REPLAY_MAX_HINT`]
/// are skipped (see there).
pub fn replay(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        let Ok(Some(op)) = Op::parse(line) else {
            continue;
        };
        // Printing is the inverse of parsing (the generator writes traces by printing).
        let again = Op::parse(&op.to_string());
        assert_eq!(again, Ok(Some(op.clone())), "{line:?} printed as {op}");
        if let Op::Make { hint, .. } = op {
            if hint > REPLAY_MAX_HINT {
                return;
            }
        }
    }
    let mut out = String::new();
    // replay turns a runtime panic into an error naming the line; within the hint limit
    // none may happen, so that is still a finding.
    if let Err(e) = gomap_tools::trace::replay(&text, &mut out) {
        assert!(!e.panicked, "replay panicked: {e}");
    }
}
