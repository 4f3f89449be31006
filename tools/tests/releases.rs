//! The hand-written release traces (`tests/go/oracle/testdata/releases`) against the
//! outputs each Go release printed for them (`NAME.goRELEASE.out`, written by the oracle
//! built with that toolchain; `scripts/test-releases.sh` re-checks them against live Go).
//! Each trace names no release and runs as the release of its output file.

use std::path::PathBuf;

use gomap::maptype::release::{GoRelease, CLASSIC_RELEASES};
use gomap_tools::trace::diff::{compare, run_ours};
use gomap_tools::trace::toolchain::retarget;
use gomap_tools::trace::Replayer;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/go/oracle/testdata/releases")
}

#[test]
fn release_traces_match_committed_go_outputs() {
    let mut n = 0;
    let mut per_release = [0usize; 5];
    for e in std::fs::read_dir(dir()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".out") else {
            continue;
        };
        let (trace, rel) = stem.split_once(".go").expect("NAME.goRELEASE.out");
        let r = GoRelease::parse(rel).unwrap();
        let text = std::fs::read_to_string(dir().join(format!("{trace}.trace"))).unwrap();
        let text = retarget(&text, r);
        let want = std::fs::read_to_string(&p).unwrap();
        let (ours, origin) = run_ours(&text);
        if let Err(report) = compare(&name, &text, &ours, &origin, &want) {
            panic!("{report}");
        }
        n += 1;
        per_release[CLASSIC_RELEASES.iter().position(|&q| q == r).unwrap()] += 1;
    }
    assert!(n >= 19, "expected the release traces' outputs, found {n}");
    assert!(per_release.iter().all(|&c| c >= 3), "{per_release:?}");
}

/// Replays `text`, returning the error message of the first failing line.
fn error_of(text: &str) -> String {
    let mut r = Replayer::new();
    let mut out = String::new();
    for (i, l) in text.lines().enumerate() {
        if let Err(e) = r.run_line(i + 1, l, &mut out) {
            return e.to_string();
        }
    }
    String::new()
}

#[test]
fn release_directives_are_checked() {
    let key = format!("aeskey {}", "00".repeat(128));
    let cases = [
        (
            "gomap-trace 1\ngo 1.24\n",
            "line 2: Go release \"1.24\" uses the Swiss-table map",
        ),
        (
            "gomap-trace 1\ngo 1.20\n",
            "line 2: Go release \"1.20\" is not supported",
        ),
        (
            &format!("gomap-trace 1\n{key}\ngo 1.21\n"),
            "line 3: `go RELEASE` must come right after",
        ),
        (
            &format!("gomap-trace 1\n{key}\ntype i64 i64\nmake 0 00000000\nclone\n"),
            "line 5: `clone` (maps.Clone) needs Go 1.21",
        ),
        (
            &format!("gomap-trace 1\n{key}\ntype i64 i64\nmake 0\n"),
            "line 4: expected `make HINT SEED`",
        ),
        (
            &format!("gomap-trace 1\n{key}\ntype i64 i64\nmake 0 00000000\niter a\n"),
            "line 5: expected `iter ID R`",
        ),
        (
            &format!("gomap-trace 1\n{key}\ntype f64 i64\nmake 0 00000000\nput NaN 1\n"),
            "line 5: NaN keys need",
        ),
        (
            &format!("gomap-trace 1\n{key}\nrand 1\n"),
            "line 3: `type` must come before `rand`",
        ),
        (
            &format!("gomap-trace 1\n{key}\ntype i64 i64\nrand 1\ntype i32 i32\n"),
            "line 5: `type` must come before `rand`",
        ),
        (
            &format!("gomap-trace 1\n{key}\ntype i64 i64\nrand 12345678901234567\n"),
            "line 4: expected seed words",
        ),
    ];
    for (text, want) in cases {
        let got = error_of(text);
        assert!(
            got.starts_with(want),
            "{text:?}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn seeded_random_mode_is_reproducible_and_seed_dependent() {
    let text = std::fs::read_to_string(dir().join("rand_mode.trace")).unwrap();
    for r in CLASSIC_RELEASES {
        let t = retarget(&text, r);
        let (a, _) = run_ours(&t);
        let (b, _) = run_ours(&t);
        assert_eq!(a, b, "{r}");
        assert!(!a.contains("error"), "{r}: {a}");
        let (c, _) = run_ours(&t.replace("rand 0123456789abcdef", "rand 0123456789abcdee"));
        assert_ne!(a, c, "{r}: another seed draws other hash seeds");
    }
}
