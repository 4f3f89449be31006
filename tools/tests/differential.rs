//! The differential test against Go 1.19 (`docs/trace-and-dump.md`), run by `cargo test`:
//! the hand-written traces of the oracle have committed Go outputs, compared without Go;
//! generated traces are compared against the Go oracle built from `tests/go/oracle`. CI
//! also runs the full suite (`gomap diff`, 240 + 2 large traces) from `scripts/test.sh`.

use gomap_tools::trace::diff::{build_oracle, compare, run_oracle, run_oracle_settled, run_ours};
use gomap_tools::trace::gen;
use std::path::{Path, PathBuf};

/// The repository root: the parent of this crate's directory (`tools/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Go 1.19 oracle, built once for this binary's tests (they run in parallel; the
/// first to ask builds it). Fails loudly without Go 1.19: this comparison is the point of
/// the crate.
fn oracle() -> &'static Path {
    static ORACLE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ORACLE.get_or_init(|| {
        build_oracle(&root().join("target/differential-test/bin")).unwrap_or_else(|e| panic!("{e}"))
    })
}

#[test]
fn committed_go_outputs_match() {
    let dir = root().join("tests/go/oracle/testdata");
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.extension().is_none_or(|x| x != "trace") {
            continue;
        }
        let want = p.with_extension("out");
        let Ok(go) = std::fs::read_to_string(&want) else {
            continue;
        };
        let text = std::fs::read_to_string(&p).unwrap();
        let (ours, origin) = run_ours(&text);
        if let Err(r) = compare(&p.display().to_string(), &text, &ours, &origin, &go) {
            panic!("{r}");
        }
        n += 1;
    }
    assert!(
        n >= 5,
        "expected the oracle's testdata traces with outputs, found {n}"
    );
}

#[test]
fn generated_traces_match_go() {
    let work = root().join("target/differential-test");
    let oracle = oracle();
    let dir = work.join("traces");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A different seed from the CI suite's, so `cargo test` adds coverage.
    let suite = gen::suite(48, 0, 0x5eed);
    let (failures, _) = compare_suite(oracle, &dir, &suite);
    assert!(
        failures.is_empty(),
        "{} of {} traces differ:\n{}",
        failures.len(),
        suite.len(),
        failures.join("\n")
    );
}

/// Writes each trace of `suite` to `dir`, replays it here and in the oracle, and returns
/// the comparisons that failed and our outputs.
fn compare_suite(oracle: &Path, dir: &Path, suite: &[(String, String)]) -> (Vec<String>, String) {
    let mut failures = Vec::new();
    let mut all = String::new();
    for (name, text) in suite {
        let p: &Path = &dir.join(format!("{name}.trace"));
        std::fs::write(p, text).unwrap();
        let (ours, origin) = run_ours(text);
        assert!(
            !ours.lines().any(|l| l.starts_with("error:")),
            "{name}: our replay failed:\n{}",
            ours.lines().last().unwrap_or("")
        );
        let (go, _) = run_oracle_settled(oracle, p, text, |go| {
            compare(name, text, &ours, &origin, go).is_ok()
        })
        .unwrap();
        if let Err(r) = compare(name, text, &ours, &origin, &go) {
            failures.push(r);
        }
        all.push_str(&ours);
    }
    (failures, all)
}

/// In a bucket array of 16 MiB or more `mapdelete_fast64` finds its key with Go's loop
/// over the keys (`KEY_LOOP_MIN_BYTES`) instead of the tophash match: a `map[int64][128]uint8`
/// at B = 14 (buckets of 1104 bytes, 18 MB) deleting a third of its keys, a sixth of them
/// twice (a cell keeping a deleted key's bytes), and putting some back, leaves Go 1.19's
/// bytes.
#[test]
fn deletes_in_a_large_array_match_go() {
    let work = root().join("target/differential-keyloop");
    let oracle = oracle();
    std::fs::create_dir_all(&work).unwrap();
    let mut t = format!(
        "gomap-trace 1\naeskey {}\ntype i64 b128\nmake 0 1234abcd\n",
        (0..128u32)
            .map(|i| format!("{:02x}", (i * 11 + 5) as u8))
            .collect::<String>()
    );
    let n = 56_000u64;
    let key = |i: u64| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5555) >> 1;
    let val = |i: u64| format!("{:02x}", i % 251).repeat(128);
    for i in 0..n {
        t.push_str(&format!("put {} {}\n", key(i), val(i)));
    }
    for step in [3, 6] {
        for i in (0..n).step_by(step) {
            t.push_str(&format!("del {}\n", key(i)));
        }
    }
    for i in (0..n).step_by(9) {
        t.push_str(&format!("put {} {}\n", key(i), val(i + 1)));
    }
    for i in (0..n).step_by(97) {
        t.push_str(&format!("get {}\n", key(i)));
    }
    t.push_str("len\ndump\n");
    let p = work.join("keyloop.trace");
    std::fs::write(&p, &t).unwrap();
    let (ours, origin) = run_ours(&t);
    assert!(
        ours.lines()
            .any(|l| l.starts_with("hmap ") && l.contains(" B=14 ")),
        "the map reaches B = 14"
    );
    let go = run_oracle(oracle, &p).unwrap();
    if let Err(r) = compare("keyloop", &t, &ours, &origin, &go) {
        panic!("{r}");
    }
}

/// Outside the seeded-random mode a classic map at B >= 16 samples `incrnoverflow` with
/// fastrand, the one draw no directive fixes: both sides seed the generator as `rand 0` at
/// `type`, so the trace has one output (`noverflow` and, through it, when same-size
/// growth starts). Found by an independent trace generator: the output differed from run
/// to run on both sides.
#[test]
fn sampled_overflow_count_at_b16_matches_go_outside_rand() {
    let work = root().join("target/differential-b16");
    let oracle = oracle();
    std::fs::create_dir_all(&work).unwrap();
    let mut t = format!(
        "gomap-trace 1\naeskey {}\ntype i64 i64\nmake 0 01020304\n",
        (0..128u32)
            .map(|i| format!("{:02x}", (i * 7 + 3) as u8))
            .collect::<String>()
    );
    let mut x: u64 = 1;
    for i in 0..260_000 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let k = (x ^ (x >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) as i64;
        t.push_str(&format!("put {k} {i}\n"));
    }
    t.push_str("len\ndump\n");
    let p = work.join("b16.trace");
    std::fs::write(&p, &t).unwrap();
    let (ours, origin) = run_ours(&t);
    assert_eq!(run_ours(&t).0, ours, "two replays differ");
    let b16 = ours
        .lines()
        .find(|l| l.starts_with("hmap ") && l.contains(" B=16 "))
        .expect("the map reaches B = 16");
    let noverflow: usize = b16
        .split(" noverflow=")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    // At B = 16 a new overflow bucket counts only when a draw says so (1 in 2): the
    // count is well below the chains' overflow buckets, and above B = 15's limit.
    assert!(noverflow > 0, "{b16}");
    let go = run_oracle(oracle, &p).unwrap();
    if let Err(r) = compare("b16", &t, &ours, &origin, &go) {
        panic!("{r}");
    }
}

#[test]
fn generator_is_deterministic_and_reseeds() {
    let a = gen::suite(20, 0, 7);
    let b = gen::suite(20, 0, 7);
    assert_eq!(a, b);
    // Every del that empties a map is followed by a seed line (Go re-seeds with fastrand).
    for (name, text) in &a {
        let (out, _) = run_ours(text);
        assert!(
            !out.contains("error:"),
            "{name}: {}",
            out.lines().last().unwrap()
        );
    }
}

#[test]
fn a_make_hint_too_large_to_allocate_is_an_error_naming_the_line() {
    // Go 1.19 makes this map (hint * bucket size is under maxAlloc) and dies with
    // "out of memory" allocating 2^34 + 2^30 buckets (2.6 TB); so does gomap, and the
    // replay reports it as the line's error. (An unlimited overcommit policy would let
    // the mapping succeed; this machine's kind uses the kernel's default heuristic.) Here,
    // not among the library's unit tests: a replay installs a process-wide hash key, which
    // only this binary's tests (all replays, serialised by the trace key lock) tolerate.
    let mut out = String::new();
    let t = format!(
        "gomap-trace 1\naeskey {}\ntype i64 i64\nmake 100000000000 00000001\nput 1 2\n",
        "00".repeat(128)
    );
    let e = gomap_tools::trace::replay(&t, &mut out).unwrap_err();
    assert_eq!(e.line, 4, "{e}");
    assert!(e.panicked && e.msg == "out of memory", "{e}");
    assert_eq!(e.to_string(), "line 4: runtime panic: out of memory");
}

/// Composite keys (structs, arrays, interfaces; compiled maps and `reflect.MapOf` maps)
/// against the Go oracle's compiled `map[K]int64` for each kind.
#[test]
fn composite_traces_match_go() {
    let work = root().join("target/differential-composite");
    let oracle = oracle();
    let dir = work.join("traces");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let suite = gen::composite_suite(2 * gen::composite_kinds().len(), 0xc0de);
    let (failures, ours) = compare_suite(oracle, &dir, &suite);
    let panics = ours
        .matches("\npanic runtime error: hash of unhashable type")
        .count();
    assert!(
        failures.is_empty(),
        "{} of {} composite traces differ:\n{}",
        failures.len(),
        suite.len(),
        failures.join("\n")
    );
    assert!(panics > 0, "no unhashable-value panic was compared");
    eprintln!(
        "{} composite traces equal to Go 1.19 ({panics} unhashable-key panics)",
        suite.len()
    );
}
