//! The toy VM example (`examples/toyvm`), included here as a module: its programs must
//! print exactly their `.out` files, whatever the random seeds (each runs several times),
//! and every block its allocator handed out must come back, also when a program fails.

use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "../examples/toyvm/vm/mod.rs"]
mod vm;

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/toyvm/programs")
}

/// Runs `src`, returning its output and error, after checking the allocator balanced.
fn run(src: &str) -> (String, Result<(), String>) {
    let (out, result, _) = run_stats(src);
    (out, result)
}

fn run_stats(src: &str) -> (String, Result<(), String>, vm::AllocStats) {
    let mut out = Vec::new();
    let (stats, result) = vm::run(src, &programs(), &mut out);
    assert_eq!(
        stats.allocs, stats.frees,
        "every block came back: {stats:?}"
    );
    assert_eq!(stats.live_bytes, 0, "{stats:?}");
    (String::from_utf8(out).unwrap(), result, stats)
}

fn check_program(name: &str) {
    let dir = programs();
    let src = std::fs::read_to_string(dir.join(format!("{name}.toy"))).unwrap();
    let want = std::fs::read_to_string(dir.join(format!("{name}.out"))).unwrap();
    for round in 0..3 {
        let (got, result, stats) = run_stats(&src);
        assert!(
            stats.allocs > 0 && stats.maps > 0,
            "maps were made: {stats:?}"
        );
        if let Err(e) = result {
            panic!("{name}.toy failed: {e}\noutput so far:\n{got}");
        }
        assert_eq!(got, want, "{name}.toy, run {round}");
    }
}

#[test]
fn word_frequency() {
    check_program("wordfreq");
}

#[test]
fn memoized_recursion() {
    check_program("fib");
}

#[test]
fn mutation_during_iteration() {
    check_program("mutate");
}

#[test]
fn every_program_has_expected_output() {
    for e in std::fs::read_dir(programs()).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "toy") {
            assert!(
                p.with_extension("out").exists(),
                "{} has no .out",
                p.display()
            );
        }
    }
}

#[test]
fn unhashable_keys_are_runtime_errors_and_leave_the_map_intact() {
    let (out, r) = run("let m = {1: 2}\nprint(len(m))\nm[{}] = 3\nprint(\"unreachable\")");
    assert_eq!(out, "1\n");
    assert_eq!(
        r.unwrap_err(),
        "line 3: runtime error: hash of unhashable type map[interface {}]interface {}"
    );
    // The hasher panics before the map is marked as being written (Go's order), so the
    // map keeps working; and on an empty map the key is still hashed (Go issue 23734).
    let src = "let m = {}\nfn f() { return 1 }\nlet caught = has(m, f)";
    assert_eq!(
        run(src).1.unwrap_err(),
        "line 3: runtime error: hash of unhashable type func()"
    );
}

#[test]
fn tuple_keys() {
    check_program("tuples");
    // A tuple holding a map is comparable as a type (a struct of interfaces) but its
    // field's dynamic type is not: Go panics naming the field's type.
    let (out, r) = run("let m = {}\nm[tuple(1, 2)] = 3\nprint(len(m))\nm[tuple(1, {})] = 4");
    assert_eq!(out, "1\n");
    assert_eq!(
        r.unwrap_err(),
        "line 4: runtime error: hash of unhashable type map[interface {}]interface {}"
    );
}

#[test]
fn strings_are_keys_by_content() {
    let src = r#"
        let m = {}
        m["a" + "b"] = 1
        m[str("ab")] = m["ab"] + 1
        print(len(m), m["ab"], m["abc"])
        let n = {1: "one", "1": "string one", true: "yes"}
        print(len(n), n[1], n["1"], n[true], n[2])
    "#;
    let (out, r) = run(src);
    r.unwrap();
    assert_eq!(out, "1 2 nil\n3 one string one yes nil\n");
}

#[test]
fn errors_name_their_line() {
    assert_eq!(
        run("let x = 1\nprint(y)").1.unwrap_err(),
        "line 2: undefined variable y"
    );
    assert_eq!(
        run("let x = \"s\" - 1").1.unwrap_err(),
        "line 1: bad operands for -: string and number"
    );
    assert!(run("let x = (1")
        .1
        .unwrap_err()
        .starts_with("line 1: expected \")\""));
    assert_eq!(
        run("fn f() { return f() }\nf()").1.unwrap_err(),
        "line 1: call stack too deep"
    );
}
