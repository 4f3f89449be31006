//! Go's random numbers and portable hash against the real runtimes of each release.
//!
//! Random numbers: `gomap-oracle -randvec` (the oracle's
//! `randvec.go`) seeds the calling M's generator of each release (wyrand `m.fastrand` through 1.21, ChaCha8 `m.chacha8`
//! from 1.22) and prints draws and a new map's `hash0`; gomap's port must print the same.
//!
//! Hashes: `hashvec` (tests/go/hashvec) built with each later release prints the portable
//! hash's vectors and the composite keys' hashes (generated hash, `typehash`, equality),
//! which gomap's map types of that release must reproduce.
//!
//! A release whose toolchain is missing is skipped, unless `CI` is set (then it fails).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use gomap::export_test::runtime::{self, rand};
use gomap::maptype::alg;
use gomap::maptype::release::{GoRelease, CLASSIC_RELEASES};
use gomap::maptype::MapType;
use gomap::swiss::SwissRelease;
use gomap_tools::trace::toolchain::{go_build, go_build_swiss};

#[path = "../../tests/common/hashvec.rs"]
mod hashvec;

fn expected(r: GoRelease, seed: [u64; 4], n: usize) -> String {
    let mut s = String::new();
    runtime::seed_release(r, seed);
    for _ in 0..n {
        s += &format!("r64 {:016x}\n", rand::rand(r));
    }
    for _ in 0..n {
        s += &format!("r32 {:08x}\n", rand::rand(r) as u32);
    }
    runtime::seed_release(r, seed);
    let t = MapType::int64().with_release(r);
    let h = runtime::makemap_small(&t);
    // SAFETY: a live map from makemap_small.
    s += &format!("hash0 {:08x}\n", unsafe { (*h).hash0 });
    // SAFETY: made above with `t`.
    unsafe { runtime::mapfree(&t, h) };
    s
}

#[test]
fn generators_match_each_go_release() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let work = root.join("target/go-rand");
    let ci = std::env::var_os("CI").is_some();
    let mut compared = 0;
    for r in CLASSIC_RELEASES {
        let bin = work.join(format!("gomap-oracle-{}", r.name()));
        if let Err(e) = go_build(r, &root.join("tests/go/oracle"), &bin, &work) {
            assert!(!ci, "{e}");
            eprintln!("skipping Go {r}: {e}");
            continue;
        }
        // Seeds that cross ChaCha8's refills and its reseed after 124 values.
        for seed in [
            [1, 2, 3, 4],
            [0, 0, 0, 0],
            [u64::MAX, 0x9e37_79b9_7f4a_7c15, 7, 1 << 63],
        ] {
            let n = 150;
            let args: Vec<String> = seed.iter().map(|w| format!("{w:x}")).collect();
            let o = Command::new(&bin)
                .arg("-randvec")
                .args(&args)
                .arg(n.to_string())
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let out = String::from_utf8(o.stdout).unwrap();
            let (first, go) = out.split_once('\n').unwrap();
            assert!(first.starts_with("release go1."), "{first}");
            let ours = expected(r, seed, n);
            assert_eq!(ours, go, "Go {r} ({first}), seed {seed:x?}");
            compared += 1;
        }
    }
    assert!(compared > 0 || !ci);
}

/// A release's name, the release, and its `hashvec` binary or why it could not be built.
type HashvecBuild = (String, hashvec::HashRelease, Result<PathBuf, String>);

/// `hashvec` built once with each later release's toolchain (each classic release after
/// 1.19, each Swiss release), for both tests below, which run at the same time.
fn hashvec_builds() -> &'static [HashvecBuild] {
    static BUILDS: OnceLock<Vec<HashvecBuild>> = OnceLock::new();
    BUILDS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let work = root.join("target/hashvec-releases");
        let src = root.join("tests/go/hashvec");
        let classic = [
            GoRelease::Go1_21,
            GoRelease::Go1_22,
            GoRelease::Go1_23,
            GoRelease::Go1_24NoSwiss,
        ]
        .into_iter()
        .map(|r| (r.name().to_string(), hashvec::HashRelease::Classic(r)));
        let swiss = SwissRelease::ALL.into_iter().map(|r| {
            (
                format!("swiss-{}", r.name()),
                hashvec::HashRelease::Swiss(r),
            )
        });
        classic
            .chain(swiss)
            .map(|(name, rel)| {
                let bin = work.join(format!("hashvec-{name}"));
                let built = match rel {
                    hashvec::HashRelease::Classic(r) => go_build(r, &src, &bin, &work),
                    hashvec::HashRelease::Swiss(r) => go_build_swiss(r, &src, &bin, &work),
                };
                (name, rel, built.map(|()| bin))
            })
            .collect()
    })
}

/// The runtime hashes of each later release against that release's runtime: `hashvec
/// fallback` (the portable hash) and, where the CPU has AES, `hashvec aes`, built with
/// each classic release after 1.19 and each Swiss release (whose runtime hashes gomap
/// takes from Go 1.24, though Go 1.27 moved them to `internal/runtime/maps`). go1.23 keys
/// the portable hash with all of `hashkey` where go1.19-1.22 use fixed constants. A
/// missing toolchain skips the release, unless `CI` is set.
#[test]
fn runtime_hashes_match_each_go_release() {
    let ci = std::env::var_os("CI").is_some();
    let mut modes = vec!["fallback"];
    if alg::has_aes() {
        modes.push("aes");
    }
    let mut checked = 0;
    for (name, rel, built) in hashvec_builds() {
        let bin = match built {
            Ok(bin) => bin,
            Err(e) => {
                assert!(!ci, "{e}");
                eprintln!("skipping Go {name}: {e}");
                continue;
            }
        };
        // gomap's runtime hashes of a Swiss release are Go 1.24's.
        let r = match *rel {
            hashvec::HashRelease::Classic(r) => r,
            hashvec::HashRelease::Swiss(_) => GoRelease::Go1_24NoSwiss,
        };
        for mode in &modes {
            let o = Command::new(bin)
                .arg(mode)
                .output()
                .expect("running hashvec");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let v = hashvec::parse_vectors(&String::from_utf8(o.stdout).unwrap());
            assert_eq!(v.keys.use_aeshash, *mode == "aes", "Go {name}: {mode}");
            let _g = hashvec::KeyGuard::install(v.keys);
            let mut bad = 0;
            for x in &v.vectors {
                let key: Box<[u8]> = x.key.clone().into_boxed_slice();
                if hashvec::gomap_hash_rel(&x.func, &key, x.seed, r) != x.hash {
                    bad += 1;
                }
                // The other generation of the portable hash differs (the test can fail).
                if *mode == "fallback" && x.func == "memhash64" && x.seed == 0 {
                    let other = if r.hash64_uses_hashkey() {
                        GoRelease::Go1_22
                    } else {
                        GoRelease::Go1_23
                    };
                    assert_ne!(
                        hashvec::gomap_hash_rel(&x.func, &key, x.seed, other),
                        x.hash
                    );
                }
            }
            assert_eq!(
                bad,
                0,
                "Go {name}: {bad} of {} {mode} vectors differ",
                v.vectors.len()
            );
            assert!(v.vectors.len() > 1000);
            eprintln!("Go {name} {mode}: {} vectors equal", v.vectors.len());
            checked += 1;
        }
    }
    assert!(checked > 0 || !ci);
}

/// Struct, array and interface keys of each later release against that release's
/// runtime and compiler: `hashvec composite-fallback` and, where the CPU has AES,
/// `composite-aes`, built with each classic release after 1.19 and each Swiss release.
/// gomap's map types of the release (`MapType::with_release`, `SwissMapType::new`) must
/// give every generated hash, `typehash` and equality, and the map type's fields (Go
/// 1.27 generates hashes from type signatures, which its function names spell). A
/// missing toolchain skips the release, unless `CI` is set.
#[test]
fn composite_hashes_match_each_go_release() {
    let ci = std::env::var_os("CI").is_some();
    let mut modes = vec!["fallback"];
    if alg::has_aes() {
        modes.push("aes");
    } else {
        eprintln!("composite_hashes_match_each_go_release: this CPU lacks AES/SSSE3/SSE4.1; the AES hash is not compared");
    }
    let mut checked = 0;
    for (name, rel, built) in hashvec_builds() {
        let (rel, bin) = match built {
            Ok(bin) => (*rel, bin),
            Err(e) => {
                assert!(!ci, "{e}");
                eprintln!("skipping Go {name}: {e}");
                continue;
            }
        };
        for mode in &modes {
            let o = Command::new(bin)
                .arg(format!("composite-{mode}"))
                .output()
                .expect("running hashvec");
            assert!(
                o.status.success(),
                "Go {name} composite-{mode}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let out = String::from_utf8(o.stdout).unwrap();
            assert!(out.ends_with("end\n"), "Go {name}: output truncated");
            let c = hashvec::compare_composite(&out, rel);
            assert!(
                c.bad.is_empty(),
                "Go {name} ({}), composite-{mode}: {} lines differ:\n{}",
                out.lines().next().unwrap_or(""),
                c.bad.len(),
                c.bad[..c.bad.len().min(20)].join("\n")
            );
            assert!(
                c.counts["gen"] > 5000
                    && c.counts["typ"] > 5000
                    && c.counts["eq"] > 1500
                    && c.counts["mtype"] > 100,
                "Go {name} composite-{mode}: {:?}",
                c.counts
            );
            for k in hashvec::KEY_CLASSES {
                assert!(
                    c.classes.contains(&k),
                    "Go {name}: no key type of class {k:?}"
                );
            }
            eprintln!(
                "Go {name} composite-{mode}: {:?} equal over {} key types",
                c.counts, c.types
            );
            checked += 1;
        }
    }
    assert!(checked > 0 || !ci);
}
