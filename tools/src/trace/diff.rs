//! `gomap diff`: run traces through this crate and through Go 1.19 (the oracle program in
//! `tests/go/oracle`), compare the outputs byte for byte, and report the first difference
//! with the trace line that produced it and a few lines of context.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Replayer;
use gomap::maptype::GoRelease;

/// Finds the Go 1.19 toolchain: `$GO`, then `go` on PATH if it is 1.19, then Debian's
/// `/usr/lib/go-1.19/bin/go`.
pub fn find_go() -> Result<PathBuf, String> {
    let mut cands: Vec<PathBuf> = Vec::new();
    if let Ok(g) = std::env::var("GO") {
        cands.push(g.into());
    }
    cands.push("/usr/lib/go-1.19/bin/go".into());
    cands.push("go".into());
    for c in cands {
        if let Ok(o) = Command::new(&c).arg("version").output() {
            let v = String::from_utf8_lossy(&o.stdout);
            if o.status.success() && v.contains("go1.19") {
                return Ok(c);
            }
        }
    }
    Err(
        "Go 1.19 not found: install it with `apt-get update && apt-get install -y golang-1.19-go` \
         (or set $GO to a go1.19 binary)"
            .into(),
    )
}

/// The repository root (where `tests/go/oracle` lives): the parent of this crate's
/// manifest directory (`tools/`) when built from the repository, else the current
/// directory.
pub(crate) fn repo_root() -> PathBuf {
    let m = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if m.join("tests/go/oracle").is_dir() {
        m
    } else {
        PathBuf::from(".")
    }
}

/// Builds the Go 1.19 oracle into `dir` and returns its path (`dir/gomap-oracle`).
pub fn build_oracle(dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let dir = dir.canonicalize().map_err(|e| e.to_string())?;
    let bin = dir.join("gomap-oracle");
    let src = repo_root().join("tests/go/oracle");
    super::toolchain::go_build(GoRelease::Go1_19, &src, &bin, &dir)?;
    Ok(bin)
}

/// Runs a trace through this crate; returns the output and, for each output line, the
/// trace line that printed it. A trace error is returned as the last line of output
/// (`error: line N: ...`), as the oracle reports it, so that both can be compared.
pub fn run_ours(text: &str) -> (String, Vec<usize>) {
    let mut r = Replayer::new();
    let mut out = String::new();
    let mut origin = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let before = out.len();
        if let Err(e) = r.run_line(i + 1, line, &mut out) {
            out.push_str(&format!("error: {e}\n"));
            origin.push(i + 1);
            break;
        }
        let n = out[before..].matches('\n').count();
        origin.extend(std::iter::repeat_n(i + 1, n));
    }
    (out, origin)
}

/// Runs a trace file through the oracle.
pub fn run_oracle(oracle: &Path, trace: &Path) -> Result<String, String> {
    let o = Command::new(oracle)
        .arg(trace)
        .output()
        .map_err(|e| format!("running {}: {e}", oracle.display()))?;
    let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        s.push_str(&format!("error: {}\n", err.trim()));
    }
    Ok(s)
}

/// How many more times [`run_oracle_settled`] runs the oracle on a seeded-random trace
/// whose output differs from ours.
pub const ORACLE_RERUNS: usize = 2;

/// The oracle's output for `trace` (text `text`), compared by `same` with ours: when they
/// differ and the trace is in the seeded-random mode, the oracle runs again, up to
/// [`ORACLE_RERUNS`] more times, and the first output that `same` accepts is taken.
/// Returns the output and how many runs it took beyond the first.
///
/// Why: in that mode Go's runtime must draw nothing on the oracle's thread but what the
/// map code draws, and a long run of independent trace generation saw Go 1.26's oracle
/// once print an iterator start that no rerun (of over 200) gave again, gomap's output
/// being every rerun's: a draw of the runtime's own at a time that depends on scheduling.
/// gomap's replay is deterministic, so a wrong gomap output is still caught: every
/// rerun of a correct oracle repeats the correct output.
pub fn run_oracle_settled(
    oracle: &Path,
    trace: &Path,
    text: &str,
    same: impl Fn(&str) -> bool,
) -> Result<(String, usize), String> {
    let first = run_oracle(oracle, trace)?;
    if same(&first) || !is_seeded_random(text) {
        return Ok((first, 0));
    }
    for i in 1..=ORACLE_RERUNS {
        let again = run_oracle(oracle, trace)?;
        if same(&again) {
            return Ok((again, i));
        }
    }
    Ok((first, 0))
}

/// Whether a trace enters the seeded-random mode (a `rand` directive).
pub fn is_seeded_random(text: &str) -> bool {
    text.lines()
        .any(|l| l.split_whitespace().next() == Some("rand"))
}

/// Compares two outputs; on a difference returns a report naming the first differing
/// line, the trace line behind it, and context.
pub fn compare(
    name: &str,
    trace: &str,
    ours: &str,
    origin: &[usize],
    go: &str,
) -> Result<(), String> {
    if ours == go {
        return Ok(());
    }
    let a: Vec<&str> = ours.lines().collect();
    let b: Vec<&str> = go.lines().collect();
    let i = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let tl = origin.get(i).or(origin.last()).copied().unwrap_or(0);
    let tlines: Vec<&str> = trace.lines().collect();
    let mut r = format!(
        "{name}: outputs differ at output line {} (trace line {tl})\n",
        i + 1
    );
    let lo = tl.saturating_sub(4).max(1);
    for n in lo..=tl.min(tlines.len()) {
        r.push_str(&format!("  trace {n:>6}: {}\n", clip(tlines[n - 1])));
    }
    let from = i.saturating_sub(2);
    for (j, l) in a.iter().enumerate().take(i).skip(from) {
        r.push_str(&format!("  both   {:>6}: {}\n", j + 1, clip(l)));
    }
    r.push_str(&format!(
        "  gomap  {:>6}: {}\n",
        i + 1,
        a.get(i).map_or("<end of output>", |s| clip(s))
    ));
    r.push_str(&format!(
        "  go     {:>6}: {}\n",
        i + 1,
        b.get(i).map_or("<end of output>", |s| clip(s))
    ));
    if let (Some(x), Some(y)) = (a.get(i), b.get(i)) {
        let c = x
            .bytes()
            .zip(y.bytes())
            .position(|(p, q)| p != q)
            .unwrap_or(x.len().min(y.len()));
        r.push_str(&format!("  first differing column: {}\n", c + 1));
    }
    Err(r)
}

fn clip(s: &str) -> &str {
    if s.len() > 400 {
        let mut e = 400;
        while !s.is_char_boundary(e) {
            e -= 1;
        }
        &s[..e]
    } else {
        s
    }
}

fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut v = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut d: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "trace"))
                .collect();
            d.sort();
            v.extend(d);
        } else {
            v.push(p.clone());
        }
    }
    Ok(v)
}

/// `gomap diff`: compares every trace (given, or generated into `work/traces`); prints a
/// line per mismatch and a summary; fails when any differs.
#[allow(clippy::too_many_arguments)] // the CLI's options, one for one
pub fn run(
    traces: &[PathBuf],
    count: usize,
    large: usize,
    seed: u64,
    oracle: Option<&Path>,
    work: &Path,
    release: GoRelease,
    extra: usize,
) -> Result<(), String> {
    let oracle = match oracle {
        Some(o) => o.to_path_buf(),
        None if release == GoRelease::Go1_19 => build_oracle(&work.join("bin"))?,
        None => super::toolchain::build_oracle_for(release, &work.join("bin"))?,
    };
    let retargeted = work.join(format!("traces-go{}", release.name()));
    let files = if traces.is_empty() {
        let dir = work.join("traces");
        let _ = std::fs::remove_dir_all(&dir);
        super::gen::write_traces(&dir, count, large, seed)?;
        super::gen::write_release_traces(&dir, extra, seed, release)?;
        collect(&[dir])?
    } else {
        collect(traces)?
    };
    let t0 = std::time::Instant::now();
    let mut failed = 0;
    let mut lines = 0usize;
    for f in &files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        // Traces that name no release run as this release's (see toolchain::retarget).
        let (text, f) = if release == GoRelease::Go1_19 {
            (text, f.clone())
        } else {
            let t = super::toolchain::retarget(&text, release);
            std::fs::create_dir_all(&retargeted).map_err(|e| e.to_string())?;
            let p = retargeted.join(f.file_name().unwrap_or_default());
            std::fs::write(&p, &t).map_err(|e| format!("{}: {e}", p.display()))?;
            (t, p)
        };
        let f = &f;
        let (ours, origin) = run_ours(&text);
        let name = f.display().to_string();
        let (go, reruns) = run_oracle_settled(&oracle, f, &text, |go| {
            compare(&name, &text, &ours, &origin, go).is_ok()
        })?;
        if reruns > 0 {
            println!("{name}: the oracle's first output differed; its rerun {reruns} matched");
        }
        lines += go.lines().count();
        if let Err(r) = compare(&name, &text, &ours, &origin, &go) {
            failed += 1;
            println!("{r}");
        }
    }
    println!(
        "{} traces, {} output lines compared in {:.1}s",
        files.len(),
        lines,
        t0.elapsed().as_secs_f64()
    );
    println!("diff: {} passed, {} failed", files.len() - failed, failed);
    if failed > 0 {
        Err(format!(
            "{failed} of {} traces differ from Go {release}",
            files.len()
        ))
    } else {
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A fake oracle (a shell script) that prints `bad` on its first run and `good` on the
    /// later ones: a seeded-random trace takes the rerun that matches; a trace outside the
    /// mode, or an oracle that never matches, gets the first output.
    #[test]
    fn oracle_reruns_only_for_seeded_random_traces() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("gomap-rerun-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let oracle = dir.join("oracle.sh");
        let count = dir.join("count");
        std::fs::write(
            &oracle,
            format!(
                "#!/bin/sh\nc={0}\nif [ -e $c ]; then echo good; else touch $c; echo bad; fi\n",
                count.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&oracle, std::fs::Permissions::from_mode(0o755)).unwrap();
        let trace = dir.join("t.trace");
        let random = "gomap-trace 1\ntype i64 i64\nrand 1\nmake 0\n";
        let plain = "gomap-trace 1\ntype i64 i64\nmake 0 00000001\n";
        for (text, want, reruns) in [(random, "good\n", 1), (plain, "bad\n", 0)] {
            let _ = std::fs::remove_file(&count);
            let (out, n) = run_oracle_settled(&oracle, &trace, text, |o| o == "good\n").unwrap();
            assert_eq!((out.as_str(), n), (want, reruns), "{text}");
        }
        // Never matching: the first output, after ORACLE_RERUNS more runs.
        let _ = std::fs::remove_file(&count);
        let (out, n) = run_oracle_settled(&oracle, &trace, random, |o| o == "other\n").unwrap();
        assert_eq!((out.as_str(), n), ("bad\n", 0));
        assert!(is_seeded_random(random) && !is_seeded_random(plain));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
