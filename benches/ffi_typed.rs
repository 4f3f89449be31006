//! The C ABI's typed entry points against its generic ones, on `map[int64]int64`:
//! `gomap_access_u64` / `gomap_insert_u64` / `gomap_delete_u64` (the key by value, Go's
//! fast64 functions) against `gomap_access` / `gomap_insert` / `gomap_delete` (the key
//! by pointer; on a classic map the generic runtime functions, which hash and compare
//! through the map type's function pointers; on a Swiss map the same fast functions,
//! picked at run time). Lookups of present and absent keys, inserts into a map made
//! without a hint, deletes of every key, at 10^3 and 10^6 entries, on a classic Go 1.19
//! map and a Swiss Go 1.27 one.
//!
//! Every entry point is called through a function pointer hidden from the optimiser, as
//! a C caller calls the library: nothing is inlined into the loop. Keys are the splitmix64
//! sequence of `benches/maps.rs` (absent keys from another seed).
//!
//! Each measurement repeats the timed loop (about 2 million operations in all, at least
//! 3 repetitions) and keeps the median repetition, in ns per operation. A round measures
//! every cell once, the generic and the typed entry point of a cell back to back, in an
//! order that alternates between rounds; the report gives the median over the rounds with
//! the range, and the typed/generic ratio of the medians.
//!
//! Run: `cargo bench --bench ffi_typed` (`GOMAP_BENCH_ROUNDS`, default 5).

use std::ffi::c_void;
use std::hint::black_box;
use std::ptr;
use std::time::Instant;

use gomap::ffi::*;

mod common;

use common::{keys, SEED_KEYS, SEED_MISS};

/// The entry points, as a C caller holds them.
type Access = unsafe extern "C" fn(
    *const gomap_maptype,
    *const gomap_map,
    *const c_void,
    *mut *mut c_void,
    *mut bool,
) -> i32;
type AccessU64 = unsafe extern "C" fn(
    *const gomap_maptype,
    *const gomap_map,
    u64,
    *mut *mut c_void,
    *mut bool,
) -> i32;
type Insert =
    unsafe extern "C" fn(*const gomap_maptype, *mut gomap_map, *const c_void, *const c_void) -> i32;
type InsertU64 =
    unsafe extern "C" fn(*const gomap_maptype, *mut gomap_map, u64, *const c_void) -> i32;
type Delete = unsafe extern "C" fn(*const gomap_maptype, *mut gomap_map, *const c_void) -> i32;
type DeleteU64 = unsafe extern "C" fn(*const gomap_maptype, *mut gomap_map, u64) -> i32;

/// The workloads.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    LookupHit,
    LookupMiss,
    Insert,
    Delete,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::LookupHit => "lookup_hit",
            Op::LookupMiss => "lookup_miss",
            Op::Insert => "insert",
            Op::Delete => "delete",
        }
    }
}

/// `map[int64]int64` for `release`.
fn map_type(release: &std::ffi::CStr) -> *mut gomap_maptype {
    let (mut base, mut t) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: writable outs; a live type; a NUL-terminated name.
    unsafe {
        let c = gomap_maptype_go(
            GOMAP_KIND_INT64,
            0,
            GOMAP_KIND_INT64,
            0,
            ptr::null(),
            &mut base,
        );
        assert_eq!(c, GOMAP_OK);
        assert_eq!(
            gomap_maptype_with_release(base, release.as_ptr(), &mut t),
            GOMAP_OK
        );
        gomap_maptype_free(base);
    }
    t
}

/// A fresh map of `t` (the same hash seed every time).
fn make(t: *const gomap_maptype) -> *mut gomap_map {
    gomap_seed_thread(1);
    let mut h = ptr::null_mut();
    // SAFETY: a live type, a writable out.
    assert_eq!(unsafe { gomap_make(t, 0, &mut h) }, GOMAP_OK);
    h
}

/// Fills `h` with `keys` (elem = key), through the typed entry point (untimed).
fn fill(t: *const gomap_maptype, h: *mut gomap_map, keys: &[i64]) {
    for k in keys {
        // SAFETY: a live map of `t`; an int64 elem.
        let c = unsafe { gomap_insert_u64(t, h, *k as u64, (k as *const i64).cast()) };
        assert_eq!(c, GOMAP_OK);
    }
}

fn free(t: *const gomap_maptype, h: *mut gomap_map) {
    // SAFETY: a live map of `t`, no iterator.
    assert_eq!(unsafe { gomap_free(t, h) }, GOMAP_OK);
}

/// One measurement: the median repetition, ns per operation, of about `ops` operations
/// in all (at least 3 repetitions).
fn measure(
    t: *const gomap_maptype,
    op: Op,
    typed: bool,
    hit: &[i64],
    miss: &[i64],
    ops: usize,
) -> f64 {
    let n = hit.len();
    let reps = (ops / n).max(3);
    // Hidden from the optimiser: called as C calls them.
    let access: Access = black_box(gomap_access);
    let access_u64: AccessU64 = black_box(gomap_access_u64);
    let insert: Insert = black_box(gomap_insert);
    let insert_u64: InsertU64 = black_box(gomap_insert_u64);
    let delete: Delete = black_box(gomap_delete);
    let delete_u64: DeleteU64 = black_box(gomap_delete_u64);
    let lookup_map = match op {
        Op::LookupHit | Op::LookupMiss => {
            let h = make(t);
            fill(t, h, hit);
            h
        }
        _ => ptr::null_mut(),
    };
    let mut times = Vec::with_capacity(reps);
    let mut sum = 0i64;
    for _ in 0..reps {
        let h = match op {
            Op::LookupHit | Op::LookupMiss => lookup_map,
            Op::Insert => make(t),
            Op::Delete => {
                let h = make(t);
                fill(t, h, hit);
                h
            }
        };
        let ks = if op == Op::LookupMiss { miss } else { hit };
        let start = Instant::now();
        // SAFETY: a live map of `t` (map[int64]int64); keys and elems are int64s; the
        // elems found are read before the next write.
        unsafe {
            match (op, typed) {
                (Op::LookupHit | Op::LookupMiss, false) => {
                    for k in ks {
                        let (mut e, mut found) = (ptr::null_mut(), false);
                        access(t, h, (k as *const i64).cast(), &mut e, &mut found);
                        sum = sum.wrapping_add(*e.cast::<i64>() + found as i64);
                    }
                }
                (Op::LookupHit | Op::LookupMiss, true) => {
                    for k in ks {
                        let (mut e, mut found) = (ptr::null_mut(), false);
                        access_u64(t, h, *k as u64, &mut e, &mut found);
                        sum = sum.wrapping_add(*e.cast::<i64>() + found as i64);
                    }
                }
                (Op::Insert, false) => {
                    for k in ks {
                        insert(t, h, (k as *const i64).cast(), (k as *const i64).cast());
                    }
                }
                (Op::Insert, true) => {
                    for k in ks {
                        insert_u64(t, h, *k as u64, (k as *const i64).cast());
                    }
                }
                (Op::Delete, false) => {
                    for k in ks {
                        delete(t, h, (k as *const i64).cast());
                    }
                }
                (Op::Delete, true) => {
                    for k in ks {
                        delete_u64(t, h, *k as u64);
                    }
                }
            }
        }
        times.push(start.elapsed().as_secs_f64() * 1e9 / n as f64);
        // SAFETY: a live map.
        sum = sum.wrapping_add(unsafe { gomap_len(h) } as i64);
        if !matches!(op, Op::LookupHit | Op::LookupMiss) {
            free(t, h);
        }
    }
    if !lookup_map.is_null() {
        free(t, lookup_map);
    }
    black_box(sum);
    median(&mut times)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then one quick
    // round at 10^3 checks that the benchmark runs. A filter argument, if any, selects
    // workloads.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let rounds: usize = match std::env::var("GOMAP_BENCH_ROUNDS") {
        _ if !bench => 1,
        Ok(r) => r.parse().expect("GOMAP_BENCH_ROUNDS is a number"),
        Err(_) => 5,
    };
    let engines = [(c"1.19", "classic 1.19"), (c"1.27", "Swiss 1.27")];
    let ops = [Op::LookupHit, Op::LookupMiss, Op::Insert, Op::Delete];
    let sizes: &[usize] = if bench { &[1_000, 1_000_000] } else { &[1_000] };
    let total_ops = if bench { 2_000_000 } else { 0 };
    let types: Vec<_> = engines.iter().map(|(r, _)| map_type(r)).collect();
    let hit: Vec<Vec<i64>> = sizes.iter().map(|&n| keys(SEED_KEYS, n)).collect();
    let miss: Vec<Vec<i64>> = sizes.iter().map(|&n| keys(SEED_MISS, n)).collect();
    // results[cell] = (generic ns/op per round, typed ns/op per round)
    let mut cells = Vec::new();
    for (e, _) in engines.iter().enumerate() {
        for &op in &ops {
            for s in 0..sizes.len() {
                if filter.is_empty() || filter.iter().any(|f| op.name().contains(f.as_str())) {
                    cells.push((e, op, s, Vec::new(), Vec::new()));
                }
            }
        }
    }
    for round in 0..rounds {
        for (e, op, s, generic, typed) in cells.iter_mut() {
            let (t, h, m) = (types[*e], &hit[*s], &miss[*s]);
            // Alternate which of the two goes first.
            if round % 2 == 0 {
                generic.push(measure(t, *op, false, h, m, total_ops));
                typed.push(measure(t, *op, true, h, m, total_ops));
            } else {
                typed.push(measure(t, *op, true, h, m, total_ops));
                generic.push(measure(t, *op, false, h, m, total_ops));
            }
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }
    println!("{rounds} rounds; ns/op, median over the rounds (min-max)\n");
    println!("| engine | workload | n | generic (`gomap_access`, ...) | typed (`gomap_access_u64`, ...) | typed/generic |");
    println!("|---|---|---|---|---|---|");
    for (e, op, s, generic, typed) in cells.iter_mut() {
        let range = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(0.0, f64::max);
            (lo, hi)
        };
        let (gl, gh) = range(generic);
        let (tl, th) = range(typed);
        let (g, t) = (median(generic), median(typed));
        println!(
            "| {} | {} | 1e{} | {g:.2} ({gl:.2}-{gh:.2}) | {t:.2} ({tl:.2}-{th:.2}) | {:.2} |",
            engines[*e].1,
            op.name(),
            (sizes[*s] as f64).log10() as u32,
            t / g
        );
    }
    for t in types {
        // SAFETY: made above; every map is freed.
        unsafe { gomap_maptype_free(t) };
    }
}
