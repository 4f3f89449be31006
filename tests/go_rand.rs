//! Go's random numbers against the real runtimes: `gomap-oracle -randvec` (the oracle's
//! `randvec.go`) seeds the calling M's generator of each release (wyrand `m.fastrand` through 1.21, ChaCha8 `m.chacha8`
//! from 1.22) and prints draws and a new map's `hash0`; gomap's port must print the same.
//! A release whose toolchain is missing is skipped, unless `CI` is set (then it fails).

use std::path::PathBuf;
use std::process::Command;

use gomap::maptype::release::{GoRelease, CLASSIC_RELEASES};
use gomap::maptype::MapType;
use gomap::runtime::{self, rand};
use gomap::trace::toolchain::go_build;

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
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
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
