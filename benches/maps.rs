//! Criterion benchmarks of the map runtime.
//!
//! Two families:
//!
//! * `workload/*`: the workloads of BENCHMARKS.md (insert without hint, lookup hit and miss,
//!   delete, iterate on `map[int64]int64`; insert and lookup with 16-byte string keys) at
//!   1e3, 1e5 and 1e6 entries (1e7 with `GOMAP_BENCH_1E7=1`), for gomap's raw fast
//!   functions (what Go's compiler calls), for `runtime::dispatch` (what an interpreter
//!   calls), for the safe wrapper `typed::GoMap`, and for hashbrown with foldhash as the
//!   yardstick. Throughput is in elements, so criterion prints time per operation.
//! * `go/*`: ports of the benchmarks of Go 1.19's `runtime/map_benchmark_test.go` and
//!   `map_test.go` that exercise the map itself (BenchmarkMapPopulate, MapIter,
//!   MapAssign and MapDelete Int32/Int64/Str, MegMap, SmallStrMap, IntMap, BigKeyMap,
//!   BigValMap, NewEmptyMap, GoMapClear, HashStringSpeed, HashInt64Speed), on the raw API
//!   through `runtime::dispatch`, the way Go's compiler picks the function.
//!
//! The side-by-side comparison with Go's own map is `examples/bench_driver.rs`
//! (`scripts/bench.sh`); its results are in `BENCHMARKS.md`.
//!
//! Run: `cargo bench --bench maps [-- FILTER]`. Keys are the splitmix64 sequence, as in
//! the side-by-side driver.

use std::hint::black_box;
use std::ptr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use gomap::maptype::GoKind;
use gomap::runtime::{
    makemap, makemap_small, map_access1, map_access2, map_assign, map_delete, mapaccess2_fast64,
    mapaccess2_faststr, mapassign_fast64, mapassign_faststr, mapclear, mapdelete_fast64, mapfree,
    mapiterinit, mapiternext, Hiter, Hmap,
};
use gomap::typed::GoMap;
use gomap::{GoString, MapType};

mod common;

use common::{keys, SEED_KEYS, SEED_MISS};

type Hb<K> = hashbrown::HashMap<K, i64, foldhash::fast::RandomState>;

/// A map made by `makemap` on a descriptor, freed on drop.
///
/// Invariant: `h` is a live map of type `t`; string keys stored in it point at bytes that
/// outlive it (the benchmark's key buffers).
struct Raw {
    t: MapType,
    h: *mut Hmap,
}

impl Raw {
    fn new(t: MapType, hint: usize) -> Raw {
        // SAFETY: a fresh map, freed in Drop.
        let h = unsafe { makemap(&t, hint as isize, ptr::null_mut()) };
        Raw { t, h }
    }

    fn of(k: GoKind, e: GoKind, hint: usize) -> Raw {
        Raw::new(MapType::for_go_types(k, e).expect("a valid map type"), hint)
    }

    /// `m[k] = v` through the fast64 function (`map[int64]int64` only).
    #[inline]
    fn put64(&mut self, k: i64, v: i64) {
        // SAFETY: `t` is map[int64]int64 wherever this is called (8-byte elem slot).
        unsafe { *mapassign_fast64(&self.t, self.h, k as u64).cast::<i64>() = v }
    }

    /// `m[k]` through the fast64 function.
    #[inline]
    fn get64(&self, k: i64) -> Option<i64> {
        // SAFETY: as in `put64`; the elem is read at once.
        unsafe {
            let (e, ok) = mapaccess2_fast64(&self.t, self.h, k as u64);
            ok.then(|| *e.cast::<i64>())
        }
    }

    /// `m[k] = v` through `runtime::dispatch`, for any key type; the elem is written as
    /// `size_of::<V>()` bytes.
    ///
    /// # Safety
    /// `K` and `V` are the map's key and elem types (string keys: a [`GoString`] whose
    /// bytes outlive the map).
    #[inline]
    unsafe fn put<K, V>(&mut self, k: &K, v: V) {
        // SAFETY: the caller vouches for the types; the elem slot is aligned for V (slots
        // are aligned for their type in Go's layout).
        unsafe {
            map_assign(&self.t, self.h, (k as *const K).cast())
                .cast::<V>()
                .write(v)
        }
    }

    /// `_, ok := m[k]` through `runtime::dispatch`.
    ///
    /// # Safety
    /// `K` is the map's key type.
    #[inline]
    unsafe fn has<K>(&self, k: &K) -> bool {
        // SAFETY: as in `put`.
        unsafe { map_access2(&self.t, self.h, (k as *const K).cast()).1 }
    }

    /// `delete(m, k)` through `runtime::dispatch`.
    ///
    /// # Safety
    /// `K` is the map's key type.
    #[inline]
    unsafe fn del<K>(&mut self, k: &K) {
        // SAFETY: as in `put`.
        unsafe { map_delete(&self.t, self.h, (k as *const K).cast()) }
    }

    fn len(&self) -> usize {
        // SAFETY: `h` is live.
        unsafe { (*self.h).count }
    }

    /// Sums the first 8 bytes of every elem, in iteration order (`for _, v := range m`).
    fn sum_elems(&self) -> u64 {
        let mut it = Hiter::new();
        let mut s = 0u64;
        // SAFETY: `h` is live and not written during the loop; elems are at least 8 bytes
        // wherever this is called.
        unsafe {
            mapiterinit(&self.t, self.h, &mut it);
            while !it.key().is_null() {
                s = s.wrapping_add(*it.elem().cast::<u64>());
                mapiternext(&mut it);
            }
        }
        s
    }

    /// Counts the entries by iterating (`for range m`).
    fn count_iter(&self) -> usize {
        let mut it = Hiter::new();
        let mut c = 0;
        // SAFETY: `h` is live and not written during the loop.
        unsafe {
            mapiterinit(&self.t, self.h, &mut it);
            while !it.key().is_null() {
                c += 1;
                mapiternext(&mut it);
            }
        }
        c
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        // SAFETY: `h` came from makemap with `t`; iterators end within their functions.
        unsafe { mapfree(&self.t, self.h) }
    }
}

fn raw_fill(k: &[i64]) -> Raw {
    let mut m = Raw::new(MapType::int64(), 0);
    for (i, &x) in k.iter().enumerate() {
        m.put64(x, i as i64);
    }
    m
}

fn hb_fill(k: &[i64]) -> Hb<i64> {
    let mut m = Hb::default();
    for (i, &x) in k.iter().enumerate() {
        m.insert(x, i as i64);
    }
    m
}

fn typed_fill(k: &[i64]) -> GoMap<i64, i64> {
    let mut m = GoMap::new();
    for (i, &x) in k.iter().enumerate() {
        m.insert(x, i as i64);
    }
    m
}

fn sizes() -> Vec<usize> {
    let mut s = vec![1_000, 100_000, 1_000_000];
    if std::env::var_os("GOMAP_BENCH_1E7").is_some() {
        s.push(10_000_000);
    }
    s
}

/// The i64 workloads of BENCHMARKS.md, for each implementation.
fn workloads_i64(c: &mut Criterion) {
    for n in sizes() {
        let k = keys(SEED_KEYS, n);
        let miss = keys(SEED_MISS, n);
        let mut g = c.benchmark_group(format!("workload/i64/{n}"));
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000_000 {
            g.sample_size(10);
        }

        // insert, no hint
        g.bench_function("insert/gomap", |b| b.iter_with_large_drop(|| raw_fill(&k)));
        g.bench_function("insert/dispatch", |b| {
            b.iter_with_large_drop(|| {
                let mut m = Raw::new(MapType::int64(), 0);
                for (i, x) in k.iter().enumerate() {
                    // SAFETY: map[int64]int64.
                    unsafe { m.put(x, i as i64) };
                }
                m
            })
        });
        g.bench_function("insert/typed", |b| {
            b.iter_with_large_drop(|| typed_fill(&k))
        });
        g.bench_function("insert/hashbrown", |b| {
            b.iter_with_large_drop(|| hb_fill(&k))
        });

        // lookups
        let raw = raw_fill(&k);
        let hb = hb_fill(&k);
        let typed = typed_fill(&k);
        for (what, q) in [("lookup_hit", &k), ("lookup_miss", &miss)] {
            g.bench_function(format!("{what}/gomap"), |b| {
                b.iter(|| {
                    q.iter()
                        .fold(0i64, |s, &x| s.wrapping_add(raw.get64(x).unwrap_or(0)))
                })
            });
            g.bench_function(format!("{what}/dispatch"), |b| {
                b.iter(|| {
                    q.iter().fold(0i64, |s, x| {
                        // SAFETY: map[int64]int64; the elem is read at once.
                        s.wrapping_add(unsafe {
                            *map_access1(&raw.t, raw.h, (x as *const i64).cast()).cast::<i64>()
                        })
                    })
                })
            });
            g.bench_function(format!("{what}/typed"), |b| {
                b.iter(|| {
                    q.iter()
                        .fold(0i64, |s, x| s.wrapping_add(*typed.get(x).unwrap_or(&0)))
                })
            });
            g.bench_function(format!("{what}/hashbrown"), |b| {
                b.iter(|| {
                    q.iter()
                        .fold(0i64, |s, x| s.wrapping_add(*hb.get(x).unwrap_or(&0)))
                })
            });
        }

        // iterate
        g.bench_function("iterate/gomap", |b| b.iter(|| raw.sum_elems()));
        g.bench_function("iterate/typed", |b| {
            b.iter(|| typed.iter().fold(0i64, |s, (_, &v)| s.wrapping_add(v)))
        });
        g.bench_function("iterate/hashbrown", |b| {
            b.iter(|| hb.values().fold(0i64, |s, &v| s.wrapping_add(v)))
        });
        drop((raw, hb, typed));

        // delete every key of a full map (the fill is not timed)
        let size = if n >= 1_000_000 {
            BatchSize::PerIteration
        } else {
            BatchSize::LargeInput
        };
        g.bench_function("delete/gomap", |b| {
            b.iter_batched_ref(
                || raw_fill(&k),
                |m| {
                    for &x in &k {
                        // SAFETY: map[int64]int64.
                        unsafe { mapdelete_fast64(&m.t, m.h, x as u64) };
                    }
                },
                size,
            )
        });
        g.bench_function("delete/typed", |b| {
            b.iter_batched_ref(
                || typed_fill(&k),
                |m| {
                    for x in &k {
                        m.remove(x);
                    }
                },
                size,
            )
        });
        g.bench_function("delete/hashbrown", |b| {
            b.iter_batched_ref(
                || hb_fill(&k),
                |m| {
                    for x in &k {
                        m.remove(x);
                    }
                },
                size,
            )
        });
        g.finish();
    }
}

/// Insert and lookup with 16-byte string keys (the hex digits of the i64 keys).
fn workloads_str(c: &mut Criterion) {
    for n in [1_000usize, 100_000] {
        let buf: String = keys(SEED_KEYS, n)
            .iter()
            .map(|x| format!("{:016x}", *x as u64))
            .collect();
        let k: Vec<&str> = (0..n).map(|i| &buf[16 * i..16 * i + 16]).collect();
        let mut g = c.benchmark_group(format!("workload/str16/{n}"));
        g.throughput(Throughput::Elements(n as u64));
        let fill = || {
            let m = Raw::new(MapType::string_int64(), 0);
            for (i, x) in k.iter().enumerate() {
                // SAFETY: map[string]int64; `buf` outlives every map of this function.
                unsafe {
                    *mapassign_faststr(&m.t, m.h, GoString::from_bytes(x.as_bytes()))
                        .cast::<i64>() = i as i64
                };
            }
            m
        };
        let hfill = || {
            let mut m: Hb<&str> = Hb::default();
            for (i, &x) in k.iter().enumerate() {
                m.insert(x, i as i64);
            }
            m
        };
        g.bench_function("insert/gomap", |b| b.iter_with_large_drop(fill));
        g.bench_function("insert/hashbrown", |b| b.iter_with_large_drop(hfill));
        let (m, hm) = (fill(), hfill());
        g.bench_function("lookup_hit/gomap", |b| {
            b.iter(|| {
                k.iter().fold(0i64, |s, x| {
                    // SAFETY: map[string]int64; the elem is read at once.
                    s.wrapping_add(unsafe {
                        *mapaccess2_faststr(&m.t, m.h, GoString::from_bytes(x.as_bytes()))
                            .0
                            .cast::<i64>()
                    })
                })
            })
        });
        g.bench_function("lookup_hit/hashbrown", |b| {
            b.iter(|| {
                k.iter()
                    .fold(0i64, |s, x| s.wrapping_add(*hm.get(x).unwrap_or(&0)))
            })
        });
        g.finish();
    }
}

/// Go's key strings: `strconv.Itoa(i)` for `i < n`, kept alive by the caller.
fn itoa_keys(n: usize) -> Vec<String> {
    (0..n).map(|i| i.to_string()).collect()
}

fn gs(s: &str) -> GoString {
    GoString::from_bytes(s.as_bytes())
}

/// Ports of Go 1.19's map benchmarks.
fn go_benchmarks(c: &mut Criterion) {
    // BenchmarkMapPopulate: m := make(map[int]bool); for j < size { m[j] = true }
    {
        let mut g = c.benchmark_group("go/MapPopulate");
        let mut size = 1;
        while size < 1_000_000 {
            g.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, &size| {
                b.iter(|| {
                    let mut m = Raw::of(GoKind::Int, GoKind::Bool, 0);
                    for j in 0..size as i64 {
                        // SAFETY: map[int]bool.
                        unsafe { m.put(&j, true) };
                    }
                    m
                })
            });
            size *= 10;
        }
        g.finish();
    }

    // BenchmarkMapIter: range over a map[int]bool of 8 entries.
    c.bench_function("go/MapIter", |b| {
        let mut m = Raw::of(GoKind::Int, GoKind::Bool, 0);
        for i in 0..8i64 {
            // SAFETY: map[int]bool.
            unsafe { m.put(&i, true) };
        }
        b.iter(|| black_box(m.count_iter()))
    });

    // BenchmarkMapAssign/{Int32,Int64,Str}/{256,65536}: a[k[i&(n-1)]] = i
    {
        let mut g = c.benchmark_group("go/MapAssign");
        for n in [1usize << 8, 1 << 16] {
            g.bench_function(format!("Int32/{n}"), |b| {
                let mut m = Raw::of(GoKind::Int32, GoKind::Int, 0);
                let mut i = 0usize;
                b.iter(|| {
                    let k = (i & (n - 1)) as i32;
                    // SAFETY: map[int32]int.
                    unsafe { m.put(&k, i as i64) };
                    i += 1;
                })
            });
            g.bench_function(format!("Int64/{n}"), |b| {
                let mut m = Raw::of(GoKind::Int64, GoKind::Int, 0);
                let mut i = 0usize;
                b.iter(|| {
                    let k = (i & (n - 1)) as i64;
                    // SAFETY: map[int64]int.
                    unsafe { m.put(&k, i as i64) };
                    i += 1;
                })
            });
            g.bench_function(format!("Str/{n}"), |b| {
                let ks = itoa_keys(n);
                let mut m = Raw::of(GoKind::String, GoKind::Int, 0);
                let mut i = 0usize;
                b.iter(|| {
                    let k = gs(&ks[i & (n - 1)]);
                    // SAFETY: map[string]int; `ks` outlives `m` (declared before it).
                    unsafe { m.put(&k, i as i64) };
                    i += 1;
                })
            });
        }
        g.finish();
    }

    // BenchmarkMapDelete/{Int32,Int64,Str}/{100,1000,10000}: delete one key per op from a
    // map refilled (untimed) whenever it runs empty.
    {
        let mut g = c.benchmark_group("go/MapDelete");
        for n in [100usize, 1000, 10000] {
            g.bench_function(format!("Int32/{n}"), |b| {
                b.iter_custom(|iters| {
                    let mut m = Raw::of(GoKind::Int32, GoKind::Int, n);
                    let mut t = Duration::ZERO;
                    let mut i = 0usize;
                    while (i as u64) < iters {
                        for j in i..i + n {
                            // SAFETY: map[int32]int.
                            unsafe { m.put(&(j as i32), j as i64) };
                        }
                        let t0 = Instant::now();
                        let end = (i + n).min(iters as usize);
                        while i < end {
                            // SAFETY: map[int32]int.
                            unsafe { m.del(&(i as i32)) };
                            i += 1;
                        }
                        t += t0.elapsed();
                        mapclear_raw(&mut m);
                    }
                    t
                })
            });
            g.bench_function(format!("Int64/{n}"), |b| {
                b.iter_custom(|iters| {
                    let mut m = Raw::of(GoKind::Int64, GoKind::Int, n);
                    let mut t = Duration::ZERO;
                    let mut i = 0usize;
                    while (i as u64) < iters {
                        for j in i..i + n {
                            // SAFETY: map[int64]int.
                            unsafe { m.put(&(j as i64), j as i64) };
                        }
                        let t0 = Instant::now();
                        let end = (i + n).min(iters as usize);
                        while i < end {
                            // SAFETY: map[int64]int.
                            unsafe { m.del(&(i as i64)) };
                            i += 1;
                        }
                        t += t0.elapsed();
                        mapclear_raw(&mut m);
                    }
                    t
                })
            });
            g.bench_function(format!("Str/{n}"), |b| {
                let ks = itoa_keys(n);
                b.iter_custom(|iters| {
                    let mut m = Raw::of(GoKind::String, GoKind::Int, n);
                    let mut t = Duration::ZERO;
                    let mut done = 0u64;
                    while done < iters {
                        for (j, s) in ks.iter().enumerate() {
                            // SAFETY: map[string]int; `ks` outlives `m`.
                            unsafe { m.put(&gs(s), j as i64) };
                        }
                        let t0 = Instant::now();
                        for s in ks.iter().take((iters - done).min(n as u64) as usize) {
                            // SAFETY: map[string]int.
                            unsafe { m.del(&gs(s)) };
                            done += 1;
                        }
                        t += t0.elapsed();
                        mapclear_raw(&mut m);
                    }
                    t
                })
            });
        }
        g.finish();
    }

    // BenchmarkMegMap: 7 keys of 1 MiB, look up a missing one of the same length.
    c.bench_function("go/MegMap", |b| {
        let base = "X".repeat((1 << 20) - 1);
        let ks: Vec<String> = ('A'..='G').map(|s| format!("{base}{}", s as u32)).collect();
        let key = format!("{base}k");
        let mut m = Raw::of(GoKind::String, GoKind::Bool, 0);
        for s in &ks {
            // SAFETY: map[string]bool; `ks` outlives `m`.
            unsafe { m.put(&gs(s), true) };
        }
        // SAFETY: map[string]bool.
        b.iter(|| black_box(unsafe { m.has(&gs(&key)) }))
    });

    // BenchmarkSmallStrMap: keys fmt.Sprint('A'..'G') ("65".."71"), look up "k".
    c.bench_function("go/SmallStrMap", |b| {
        let ks: Vec<String> = ('A'..='G').map(|s| (s as u32).to_string()).collect();
        let mut m = Raw::of(GoKind::String, GoKind::Bool, 0);
        for s in &ks {
            // SAFETY: map[string]bool; `ks` outlives `m`.
            unsafe { m.put(&gs(s), true) };
        }
        // SAFETY: map[string]bool.
        b.iter(|| black_box(unsafe { m.has(&gs(black_box("k"))) }))
    });

    // BenchmarkIntMap: map[int]bool of 8, look up 7.
    c.bench_function("go/IntMap", |b| {
        let mut m = Raw::of(GoKind::Int, GoKind::Bool, 0);
        for i in 0..8i64 {
            // SAFETY: map[int]bool.
            unsafe { m.put(&i, true) };
        }
        // SAFETY: map[int]bool.
        b.iter(|| black_box(unsafe { m.has(&black_box(7i64)) }))
    });

    // BenchmarkBigKeyMap / BigValMap: [3]int64 keys (generic path), bool or [3]int64 elems.
    for (name, elem) in [
        ("go/BigKeyMap", GoKind::Bool),
        ("go/BigValMap", GoKind::Bytes(24)),
    ] {
        c.bench_function(name, |b| {
            let mut m = Raw::of(GoKind::Memory { size: 24, align: 8 }, elem, 0);
            let k = [3i64, 4, 5];
            // SAFETY: a [3]int64 key; an elem of 24 bytes (or 1), written as its first byte
            // and left zero otherwise.
            unsafe { m.put(&k, 1u8) };
            b.iter(|| {
                let kp = black_box(&k as *const _ as *const u8);
                // SAFETY: as above; the elem is read at once.
                black_box(unsafe { *map_access1(&m.t, m.h, kp) })
            })
        });
    }

    // BenchmarkNewEmptyMap: make(map[int]int) (makemap_small), freed at once.
    c.bench_function("go/NewEmptyMap", |b| {
        let t = MapType::for_go_types(GoKind::Int, GoKind::Int).expect("valid");
        b.iter(|| {
            let h = makemap_small(&t);
            // SAFETY: a fresh map of type t, freed once.
            unsafe { mapfree(&t, black_box(h)) };
        })
    });

    // BenchmarkGoMapClear/{Reflexive,NonReflexive}/{1..10000}: add one entry, clear.
    {
        let mut g = c.benchmark_group("go/GoMapClear");
        for (name, kind) in [
            ("Reflexive", GoKind::Int),
            ("NonReflexive", GoKind::Float64),
        ] {
            let mut size = 1usize;
            while size < 100_000 {
                g.bench_function(format!("{name}/{size}"), |b| {
                    let mut m = Raw::of(kind, GoKind::Int, size);
                    let k = if kind == GoKind::Int {
                        0u64
                    } else {
                        1f64.to_bits()
                    };
                    b.iter(|| {
                        // SAFETY: an 8-byte key (int or float64 bits), an int elem.
                        unsafe { m.put(&k, size as i64) };
                        mapclear_raw(&mut m);
                    })
                });
                size *= 10;
            }
        }
        g.finish();
    }

    // BenchmarkHashStringSpeed / HashInt64Speed: cycle through 10 present keys.
    c.bench_function("go/HashStringSpeed", |b| {
        let ks: Vec<String> = (0..10).map(|i| format!("string#{i}")).collect();
        let mut m = Raw::of(GoKind::String, GoKind::Int, 10);
        for s in &ks {
            // SAFETY: map[string]int; `ks` outlives `m`.
            unsafe { m.put(&gs(s), 0i64) };
        }
        let mut idx = 0;
        b.iter(|| {
            // SAFETY: map[string]int; the elem is read at once.
            let v = unsafe { *map_access1(&m.t, m.h, (&gs(&ks[idx]) as *const GoString).cast()) };
            idx = if idx == 9 { 0 } else { idx + 1 };
            v
        })
    });
    c.bench_function("go/HashInt64Speed", |b| {
        let mut m = Raw::of(GoKind::Int64, GoKind::Int, 10);
        for i in 0..10i64 {
            // SAFETY: map[int64]int.
            unsafe { m.put(&i, 0i64) };
        }
        let mut idx = 0i64;
        b.iter(|| {
            // SAFETY: map[int64]int; the elem is read at once.
            let v = unsafe { *map_access1(&m.t, m.h, (&idx as *const i64).cast()) };
            idx = if idx == 9 { 0 } else { idx + 1 };
            v
        })
    });
}

/// `mapclear` on a [`Raw`] map (what Go compiles `for k := range m { delete(m, k) }` to).
fn mapclear_raw(m: &mut Raw) {
    // SAFETY: `h` is a live map of type `t`, used by this thread only.
    unsafe { mapclear(&m.t, m.h) };
    debug_assert_eq!(m.len(), 0);
}

/// Hash speed alone: Go's hash functions through the descriptor's hasher.
fn hashes(c: &mut Criterion) {
    let t = MapType::int64();
    let ts = MapType::string_int64();
    let s = gs("0123456789abcdef");
    c.bench_function("hash/memhash64", |b| {
        let mut x = 0u64;
        b.iter(|| {
            x = x.wrapping_add(1);
            // SAFETY: an 8-byte key.
            unsafe { t.hash((&x as *const u64).cast(), 42) }
        })
    });
    c.bench_function("hash/strhash16", |b| {
        b.iter(|| {
            // SAFETY: a string header over live bytes.
            unsafe { ts.hash(black_box(&s as *const GoString).cast(), 42) }
        })
    });
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = workloads_i64, workloads_str, go_benchmarks, hashes
}
criterion_main!(benches);
