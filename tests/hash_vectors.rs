//! gomap's hash functions against real Go 1.19, bit for bit, with aeshash and with the
//! fallback; the map descriptors of `MapType::for_go_types` against the `maptype`s gc
//! compiles; and the placement of keys (tophash, bucket, X/Y half) by those hashes.
//!
//! The reference is `tests/go/hashvec`, a Go program built here (into `target/`) that
//! fixes `runtime.aeskeysched`/`runtime.hashkey`/`runtime.useAeshash` through
//! `//go:linkname` and prints hashes. Go is found through `$GO`, then `go` on `PATH`,
//! then `/usr/lib/go-1.19/bin/go`; these tests fail when none is found.
//!
//! The key state is process-wide and the tests of this file run in parallel threads:
//! every test that changes it (or makes maps) holds `KEY_STATE` and restores the state
//! it found.

use gomap::export_test::maptype::{
    aeshash, hash64, AlgKind, GoKind, GoString, HashAlg, Kind, MapType, MapTypeFlags,
};
use gomap::export_test::runtime::{self, Bmap, Hmap};
use gomap::maptype::alg;
use gomap::maptype::GoRelease;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

#[path = "common/hashvec.rs"]
mod hashvec;
use hashvec::*;

fn go_tool() -> PathBuf {
    if let Some(g) = std::env::var_os("GO") {
        return PathBuf::from(g);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&paths) {
            let g = d.join("go");
            if g.is_file() {
                return g;
            }
        }
    }
    let g = PathBuf::from("/usr/lib/go-1.19/bin/go");
    assert!(
        g.is_file(),
        "Go 1.19 not found: set $GO, put `go` on PATH or install /usr/lib/go-1.19"
    );
    g
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// Builds tests/go/hashvec once per test process, offline, with caches under target/.
fn hashvec() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let t = target_dir();
        let t = if t.is_absolute() {
            t
        } else {
            std::env::current_dir().unwrap().join(t)
        };
        let out = t.join("hashvec").join("hashvec");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/hashvec");
        let r = Command::new(go_tool())
            .args(["build", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(&src)
            .env("GOCACHE", t.join("go-cache"))
            .env("GOPATH", t.join("go-path"))
            .env("GOFLAGS", "")
            .env("GOPROXY", "off")
            .env("GO111MODULE", "on")
            .env("GOWORK", "off")
            .env("GOTOOLCHAIN", "local")
            .env("CGO_ENABLED", "0")
            .output()
            .expect("running go build");
        assert!(
            r.status.success(),
            "go build of tests/go/hashvec failed:\n{}{}",
            String::from_utf8_lossy(&r.stdout),
            String::from_utf8_lossy(&r.stderr)
        );
        out
    })
}

fn run_hashvec(mode: &str) -> String {
    let r = Command::new(hashvec())
        .arg(mode)
        .output()
        .expect("running hashvec");
    assert!(
        r.status.success(),
        "hashvec {mode} failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    let s = String::from_utf8(r.stdout).unwrap();
    assert!(
        s.starts_with("go go1.19"),
        "hashvec must be built by Go 1.19: {}",
        s.lines().next().unwrap_or("")
    );
    assert!(s.ends_with("end\n"), "hashvec {mode} output truncated");
    s
}

/// Compares every vector of one hashvec mode; returns the count per function.
fn compare_all(mode: &str) -> BTreeMap<String, usize> {
    let v = parse_vectors(&run_hashvec(mode));
    assert_eq!(v.keys.use_aeshash, mode == "aes");
    assert!(v.vectors.len() > 15_000, "only {} vectors", v.vectors.len());
    let _g = KeyGuard::install(v.keys);
    let mut counts = BTreeMap::new();
    let mut bad = Vec::new();
    let mut lens = std::collections::BTreeSet::new();
    let mut seeds = std::collections::BTreeSet::new();
    for t in &v.vectors {
        let key = t.key.clone().into_boxed_slice();
        let got = gomap_hash(&t.func, &key, t.seed);
        if got != t.hash {
            bad.push(format!(
                "{mode} {} seed {:#x} len {} key {:02x?}: gomap {:#018x}, Go {:#018x}",
                t.func,
                t.seed,
                t.key.len(),
                &t.key[..t.key.len().min(20)],
                got,
                t.hash
            ));
        }
        // The functions that take the key as an argument agree too.
        if t.func == "memhash" {
            let pure = if mode == "aes" {
                aeshash::try_memhash(&key, t.seed, &v.keys.aeskeysched).unwrap()
            } else {
                // SAFETY: `key` has key.len() readable bytes.
                unsafe {
                    hash64::memhashFallback(key.as_ptr(), t.seed, key.len(), v.keys.hashkey[0])
                }
            };
            assert_eq!(pure, got, "{mode} pure memhash, len {}", key.len());
            lens.insert(key.len());
            seeds.insert(t.seed);
        }
        *counts.entry(t.func.clone()).or_insert(0) += 1;
    }
    assert!(
        bad.is_empty(),
        "{} of {} vectors differ from Go 1.19:\n{}",
        bad.len(),
        v.vectors.len(),
        bad[..bad.len().min(30)].join("\n")
    );
    assert_eq!(lens, (0..=300).collect(), "memhash lengths");
    assert!(seeds.len() >= 6, "seeds: {seeds:x?}");
    // Page ends: keys of every length ending at an unreadable page, and starting right
    // after one, hash as Go hashed them (a read outside the key would fault).
    page_edges(&v.vectors);
    eprintln!(
        "{mode}: {} vectors equal to Go 1.19 ({counts:?}); memhash/strhash lengths 0..=300, seeds {seeds:x?}",
        v.vectors.len()
    );
    counts
}

/// Hashes each memhash vector's key placed (a) to end at the last byte of a page followed
/// by an inaccessible page and (b) to start at the first byte of a page preceded by one.
fn page_edges(vectors: &[Vector]) {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    // SAFETY: an anonymous private mapping of three pages; checked below.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            3 * page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED);
    let base = base.cast::<u8>();
    // SAFETY: the mapping is 3 pages; pages 0 and 2 become guards, page 1 stays usable.
    unsafe {
        assert_eq!(libc::mprotect(base.cast(), page, libc::PROT_NONE), 0);
        assert_eq!(
            libc::mprotect(base.add(2 * page).cast(), page, libc::PROT_NONE),
            0
        );
    }
    // SAFETY: page 1 is readable and writable.
    let mid = unsafe { base.add(page) };
    let mut n_checked = 0;
    for t in vectors
        .iter()
        .filter(|t| t.func == "memhash" || t.func == "strhash")
    {
        let n = t.key.len();
        // SAFETY: both placements lie inside page 1 (n <= 300 < page).
        for p in unsafe { [mid.add(page - n), mid] } {
            // SAFETY: `p..p+n` is inside page 1.
            let key = unsafe {
                std::ptr::copy_nonoverlapping(t.key.as_ptr(), p, n);
                std::slice::from_raw_parts(p, n)
            };
            assert_eq!(
                gomap_hash(&t.func, key, t.seed),
                t.hash,
                "{} len {n} at a page edge",
                t.func
            );
            n_checked += 1;
        }
    }
    assert!(n_checked > 0);
    // SAFETY: unmapping the mapping made above; nothing refers to it any more.
    unsafe { assert_eq!(libc::munmap(base.cast(), 3 * page), 0) };
}

#[test]
fn hashes_match_go_with_aeshash() {
    if !alg::has_aes() {
        // Neither Go nor gomap can run aeshash here; the fallback test still runs.
        eprintln!("hashes_match_go_with_aeshash: this CPU lacks AES/SSSE3/SSE4.1; not run");
        return;
    }
    let counts = compare_all("aes");
    assert!(counts["memhash"] == 7224 && counts["strhash"] == 7224);
}

#[test]
fn hashes_match_go_with_fallback() {
    let counts = compare_all("fallback");
    assert!(counts["memhash"] == 7224 && counts["strhash"] == 7224);
}

/// The GoKind a hashvec type name stands for.
fn kind_of(name: &str) -> GoKind {
    match name {
        "i32" => GoKind::Int32,
        "i64" => GoKind::Int64,
        "f64" => GoKind::Float64,
        "s" => GoKind::String,
        "e" => GoKind::EmptyStruct,
        b => GoKind::Bytes(b.strip_prefix('b').unwrap().parse().unwrap()),
    }
}

/// Port of the idea of TestHmapSize (go1.19 map_test.go), for map types: every field of
/// the `maptype` gc compiles for `map[K]E` equals what `MapType::for_go_types` builds, and
/// the hasher is the function gc picks (`reflectdata.genhash`).
#[test]
fn maptype_matches_gc() {
    let out = run_hashvec("types");
    let _g = KeyGuard::install(alg::hash_keys()); // the hashers run below
    let mut n = 0;
    let mut bad = Vec::new();
    for line in out.lines().filter(|l| l.starts_with("maptype ")) {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 17, "{line}");
        let num = |i: usize| f[i].parse::<usize>().unwrap();
        let (k, e) = f[1].split_once(':').unwrap();
        let (kk, ek) = (kind_of(k), kind_of(e));
        let t = MapType::for_go_types(kk, ek).unwrap_or_else(|e| panic!("{line}: {e:?}"));
        let mine = format!(
            "{} {} {} {} {} {} {} {} {} {} {} {} {} {}",
            t.keysize(),
            t.elemsize(),
            t.bucketsize(),
            t.flags().bits(),
            hasher_name(&t),
            t.key().size,
            t.key().align,
            t.key().ptrdata,
            t.key().kind as u8,
            equal_name(&t),
            t.elem().size,
            t.elem().align,
            t.elem().ptrdata,
            t.bucketsize(),
        );
        let go = f[2..16].join(" ");
        if mine != go {
            bad.push(format!(
                "{}: gomap {mine}\n{}  Go    {go}",
                f[1],
                " ".repeat(f[1].len())
            ));
        }
        // Go's bucket type holds pointers iff gomap's bucket_has_pointers.
        if (num(16) != 0) != t.bucket_has_pointers() {
            bad.push(format!(
                "{}: bucket pointers gomap {} Go ptrdata {}",
                f[1],
                t.bucket_has_pointers(),
                num(16)
            ));
        }
        check_hasher_behaves(&t, f[1]);
        n += 1;
    }
    assert!(
        bad.is_empty(),
        "{} of {n} map types differ from gc:\n{}",
        bad.len(),
        bad.join("\n")
    );
    assert!(n >= 900, "only {n} map types");
    eprintln!("{n} map types equal to gc's maptype (keysize, elemsize, bucketsize, flags, hasher, key/elem types)");
}

/// `t.hasher` computes what the Go function `hash_alg` names computes, and `t.key.equal`
/// compares keys bytewise (or as floats/strings).
fn check_hasher_behaves(t: &MapType, name: &str) {
    let size = t.key().size;
    let bytes: Vec<u8> = (0..size.max(16)).map(|i| (i * 37 + 11) as u8).collect();
    let s = GoString::from_bytes(b"a string key");
    let key: *const u8 = if t.key().kind == Kind::String {
        (&s as *const GoString).cast()
    } else {
        bytes.as_ptr()
    };
    let seed = 0x1234_5678usize;
    // SAFETY: `key` points at a key of t.key.size readable bytes (or a GoString).
    unsafe {
        let want = match t.hash_alg() {
            HashAlg::Mem32 => alg::memhash32(key, seed),
            HashAlg::Mem64 => alg::memhash64(key, seed),
            HashAlg::Str => alg::strhash(key, seed),
            HashAlg::F64 => alg::f64hash(key, seed),
            HashAlg::F32 => alg::f32hash(key, seed),
            HashAlg::Mem0 => seed,
            _ => alg::memhash(key, seed, size),
        };
        assert_eq!(t.hash(key, seed), want, "{name}: hasher");
        assert!(
            t.key_equal(key, key) || t.key().kind == Kind::Float64,
            "{name}: equal"
        );
        if size > 0 && t.key().kind != Kind::String {
            let mut other = bytes.clone();
            other[size - 1] ^= 0x40;
            assert!(
                !t.key_equal(key, other.as_ptr()),
                "{name}: equal ignores the last byte"
            );
        }
    }
}

/// Port of the idea of TestHmapSize (go1.19 map_test.go) for hashes: in a `map[int64]int64`
/// with a fixed seed, each key's tophash and bucket (`hash & bucketMask(B)`) follow from
/// `alg::memhash64`, and during growth each evacuated cell's mark says X or Y as
/// `hash & newbit` does. Run with aeshash (when the CPU has it) and with the fallback.
#[test]
fn hash_decides_tophash_bucket_and_xy() {
    let base = alg::hash_keys();
    let mut modes = vec![false];
    if alg::has_aes() {
        modes.push(true);
    }
    for aes in modes {
        let mut k = base;
        k.aeskeysched = core::array::from_fn(|i| (i as u8).wrapping_mul(7).wrapping_add(1));
        k.hashkey = [0x0123_4567_89ab_cdef, 3, 5, 7];
        k.use_aeshash = aes;
        let _g = KeyGuard::install(k);
        let (mut saw_x, mut saw_y) = (0, 0);
        let t = MapType::int64();
        // SAFETY: the map is made, used and freed here, with keys of 8 bytes.
        unsafe {
            let h = runtime::makemap(&t, 0, std::ptr::null_mut());
            (*h).hash0 = 0x9f3c_1e27;
            for i in 0..3000i64 {
                let key = i.wrapping_mul(0x9e37_79b9_7f4a_7c15u64 as i64);
                *(runtime::mapassign(&t, h, (&key as *const i64).cast()) as *mut i64) = i;
                runtime::check(&t, h)
                    .unwrap_or_else(|e| panic!("{e}\n{}", runtime::dump_string(&t, h)));
                let (x, y) = check_placement(&t, h);
                saw_x += x;
                saw_y += y;
            }
            assert_eq!((*h).count, 3000);
            runtime::mapfree(&t, h);
        }
        assert!(
            saw_x > 100 && saw_y > 100,
            "aes={aes}: X marks {saw_x}, Y marks {saw_y}"
        );
    }
}

/// Checks every cell of `h` against `memhash64`; returns the numbers of X and Y marks seen
/// in evacuated old buckets.
///
/// # Safety
/// `h` is a live `map[int64]E` of `t`.
unsafe fn check_placement(t: &MapType, h: *mut Hmap) -> (usize, usize) {
    use runtime::{bucketMask, bucket_at, key_at, tophash, EVACUATED_X, EVACUATED_Y, MIN_TOP_HASH};
    // SAFETY: the caller vouches for `h`; every bucket reached is a live bucket of it.
    unsafe {
        let hm = &*h;
        let seed = hm.hash0 as usize;
        let hash_of = |b: *mut Bmap, j: usize| alg::memhash64(key_at(t, b, j), seed);
        let chain = |mut b: *mut Bmap, f: &mut dyn FnMut(*mut Bmap, usize, u8)| {
            while !b.is_null() {
                for j in 0..8 {
                    f(b, j, (*b).tophash[j]);
                }
                b = Bmap::overflow(b, t);
            }
        };
        for i in 0..(1usize << hm.B) {
            chain(bucket_at(t, hm.buckets, i), &mut |b, j, th| {
                if th >= MIN_TOP_HASH {
                    let hash = hash_of(b, j);
                    assert_eq!(th, tophash(hash), "tophash of a key in bucket {i}");
                    assert_eq!(hash & bucketMask(hm.B), i, "bucket of a key");
                }
            });
        }
        let (mut x, mut y) = (0, 0);
        if hm.growing() {
            let newbit = hm.noldbuckets();
            for i in 0..newbit {
                chain(bucket_at(t, hm.oldbuckets, i), &mut |b, j, th| {
                    if th >= MIN_TOP_HASH {
                        let hash = hash_of(b, j);
                        assert_eq!(th, tophash(hash), "tophash in old bucket {i}");
                        assert_eq!(hash & hm.oldbucketmask(), i, "old bucket of a key");
                    } else if th == EVACUATED_X || th == EVACUATED_Y {
                        // int64 buckets hold no pointers, so evacuate leaves the keys.
                        let hash = hash_of(b, j);
                        let want = if hash & newbit != 0 {
                            EVACUATED_Y
                        } else {
                            EVACUATED_X
                        };
                        assert_eq!(th, want, "X/Y mark of an evacuated key (hash {hash:#x})");
                        if th == EVACUATED_X {
                            x += 1
                        } else {
                            y += 1
                        }
                    }
                });
            }
        }
        (x, y)
    }
}

#[test]
fn builders_pick_gcs_hash_for_byte_arrays() {
    // genhash/AlgType: [1]byte memhash8, [2]byte memhash16, [4]byte memhash32, [8]byte
    // memhash64, [16]byte memhash128, others memhash_varlen.
    for n in 1..=300 {
        let t = MapType::for_go_types(GoKind::Bytes(n), GoKind::EmptyStruct).unwrap();
        let want = match n {
            1 => HashAlg::Mem8,
            2 => HashAlg::Mem16,
            4 => HashAlg::Mem32,
            8 => HashAlg::Mem64,
            16 => HashAlg::Mem128,
            _ => HashAlg::MemVarlen,
        };
        assert_eq!(t.hash_alg(), want, "[{n}]byte");
        assert_eq!(
            t.flags().contains(MapTypeFlags::INDIRECT_KEY),
            n > 128,
            "[{n}]byte"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Composite keys: structs, arrays and interfaces
// ---------------------------------------------------------------------------------------

/// Compares every line of `hashvec composite-MODE` with gomap (see
/// [`hashvec::compare_composite`]), for Go 1.19.
fn compare_composite(mode: &str) -> (BTreeMap<String, usize>, Vec<AlgKind>) {
    let out = run_hashvec(&format!("composite-{mode}"));
    let c = hashvec::compare_composite(&out, HashRelease::Classic(GoRelease::Go1_19));
    assert!(
        c.bad.is_empty(),
        "{mode}: {} composite vectors differ from Go 1.19:\n{}",
        c.bad.len(),
        c.bad[..c.bad.len().min(20)].join("\n")
    );
    eprintln!(
        "composite {mode}: {:?} equal to Go 1.19 over {} key types",
        c.counts, c.types
    );
    (c.counts, c.classes)
}

#[test]
fn composite_hashes_match_go_with_aeshash() {
    if !alg::has_aes() {
        eprintln!(
            "composite_hashes_match_go_with_aeshash: this CPU lacks AES/SSSE3/SSE4.1; not run"
        );
        return;
    }
    let (counts, classes) = compare_composite("aes");
    assert!(counts["gen"] > 5000 && counts["typ"] > 5000 && counts["eq"] > 1500);
    for c in KEY_CLASSES {
        assert!(classes.contains(&c), "no key type of class {c:?}");
    }
}

#[test]
fn composite_hashes_match_go_with_fallback() {
    let (counts, classes) = compare_composite("fallback");
    assert!(counts["gen"] > 5000 && counts["typ"] > 5000 && counts["eq"] > 1500);
    for c in KEY_CLASSES {
        assert!(classes.contains(&c), "no key type of class {c:?}");
    }
}
