//! A toy interpreted language whose maps are gomap maps.
//!
//! The VM keeps its own value representation, a 16-byte tagged [`value::Value`], and
//! one map type `map[interface {}]Value` built by `MapType::for_types`: keys are stored
//! as Go interface values ([`keys`]) with dynamic types the VM registers once, so they
//! hash and compare exactly as Go's `interface {}` keys do (numbers as `float64`, strings,
//! booleans, tuples as structs of interfaces; maps and functions are unhashable, with Go's
//! panic words), and a counting allocator. Every map the program makes
//! is freed through `mapfree` when the VM ends, and [`run`] reports the allocator's
//! counts, so a leak shows.
//!
//! The language: numbers, strings, `true`/`false`/`nil`, map literals `{k: v}`, `m[k]`,
//! `m[k] = v`, `delete(m, k)`, `len(m)`, `for k, v in m { }` (Go's range semantics: the
//! body may insert and delete), `fn`, recursion, `if`/`else`, `while`, `break`,
//! `return`, and the builtins `print`, `has`, `get(m, k, default)`, `keys`, `values`,
//! `sort` (of a list, a map `{0: .., 1: ..}`), `str`, `num`, `type`, `lower`, `words`,
//! `tuple(a, b, ..)` (a value usable as a map key, compared element by element),
//! `read` (a file next to the program) and `dump` (gomap's canonical dump of a map).

pub mod interp;
pub mod keys;
pub mod lexer;
pub mod parser;
pub mod value;

use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;

/// What the VM's allocator saw over a whole run, read after every map was freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocStats {
    /// Blocks allocated (headers, bucket arrays, overflow buckets).
    pub allocs: usize,
    /// Blocks freed.
    pub frees: usize,
    /// Bytes still allocated at the end: 0 unless something leaked.
    pub live_bytes: usize,
    /// Most bytes allocated at once.
    pub peak_bytes: usize,
    /// Maps the program made.
    pub maps: usize,
}

/// Runs the program `src` (files it reads are looked up in `dir`), printing to `out`.
/// Returns the allocator's counts, read after the VM freed every map, and the first
/// error (with its line) if the program failed: the counts hold either way.
pub fn run(src: &str, dir: &Path, out: &mut dyn Write) -> (AllocStats, Result<(), String>) {
    let heap = value::Heap::new();
    let counters = heap.counters.clone();
    let mut maps = 0;
    let result = (|| {
        let toks = lexer::lex(src)?;
        let prog = parser::Parser::new(toks, &heap).program()?;
        let mut vm = interp::Interp::new(heap, out, dir.to_path_buf());
        let r = vm.run(&prog);
        maps = vm.heap.nmaps();
        r
    })(); // the heap, and with it every map, is dropped by now
    let stats = AllocStats {
        allocs: counters.allocs.load(Ordering::Relaxed),
        frees: counters.frees.load(Ordering::Relaxed),
        live_bytes: counters.live_bytes.load(Ordering::Relaxed),
        peak_bytes: counters.peak_bytes.load(Ordering::Relaxed),
        maps,
    };
    (stats, result)
}
