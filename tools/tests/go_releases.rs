//! Go's random numbers and portable hash against the real runtimes of each release.
//!
//! Random numbers: `gomap-oracle -randvec` (the oracle's
//! `randvec.go`) seeds the calling M's generator of each release (wyrand `m.fastrand` through 1.21, ChaCha8 `m.chacha8`
//! from 1.22) and prints draws and a new map's `hash0`; gomap's port must print the same.
//! A release whose toolchain is missing is skipped, unless `CI` is set (then it fails).

use std::path::PathBuf;
use std::process::Command;

use gomap::export_test::runtime::{self, rand};
use gomap::maptype::release::{GoRelease, CLASSIC_RELEASES};
use gomap::maptype::MapType;
use gomap_tools::trace::toolchain::go_build;

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

/// The portable (no-AES) hash of each later release against that release's runtime:
/// `hashvec fallback` built with its toolchain. go1.23 keys it with all of `hashkey`
/// where go1.19-1.22 use fixed constants. A missing toolchain skips the release, unless
/// `CI` is set.
#[test]
fn fallback_hashes_match_each_go_release() {
    let ci = std::env::var_os("CI").is_some();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let work = root.join("target/hashvec-releases");
    let src = root.join("tests/go/hashvec");
    let mut checked = 0;
    for r in [
        GoRelease::Go1_21,
        GoRelease::Go1_22,
        GoRelease::Go1_23,
        GoRelease::Go1_24NoSwiss,
    ] {
        let bin = work.join(format!("hashvec-{}", r.name()));
        if let Err(e) = go_build(r, &src, &bin, &work) {
            assert!(!ci, "{e}");
            eprintln!("skipping Go {r}: {e}");
            continue;
        }
        let o = Command::new(&bin)
            .arg("fallback")
            .output()
            .expect("running hashvec");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v = hashvec::parse_vectors(&String::from_utf8(o.stdout).unwrap());
        let _g = hashvec::KeyGuard::install(v.keys);
        let mut bad = 0;
        for x in &v.vectors {
            let key: Box<[u8]> = x.key.clone().into_boxed_slice();
            if hashvec::gomap_hash_rel(&x.func, &key, x.seed, r) != x.hash {
                bad += 1;
            }
            // The other generation of the portable hash differs (the test can fail).
            if x.func == "memhash64" && x.seed == 0 {
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
            "Go {r}: {bad} of {} fallback vectors differ",
            v.vectors.len()
        );
        assert!(v.vectors.len() > 1000);
        checked += 1;
    }
    assert!(checked > 0 || !ci);
}
