//! The library's floors import one way (src/lib.rs, "Floors"): base -> maptype ->
//! runtime and swiss -> typed and ffi. A file that reaches a floor above its own fails
//! here, naming the line.

use std::path::Path;

/// The modules a floor's files must not name (as `crate::NAME`).
const RULES: &[(&str, &[&str])] = &[
    (
        "base",
        &["maptype", "runtime", "swiss", "typed", "ffi", "export_test"],
    ),
    (
        "maptype",
        &["runtime", "swiss", "typed", "ffi", "export_test"],
    ),
    ("runtime", &["swiss", "typed", "ffi", "export_test"]),
    ("swiss", &["typed", "ffi", "export_test"]),
    ("typed", &["ffi", "export_test"]),
    ("ffi", &["export_test"]),
];

fn rs_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn floors_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    let mut checked = 0;
    for (floor, above) in RULES {
        let mut files = Vec::new();
        let dir = src.join(floor);
        if dir.is_dir() {
            rs_files(&dir, &mut files);
        }
        let single = src.join(format!("{floor}.rs"));
        if single.is_file() {
            files.push(single);
        }
        assert!(!files.is_empty(), "no files for floor {floor}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for up in *above {
                    if code.contains(&format!("crate::{up}::"))
                        || code.contains(&format!("crate::{up};"))
                    {
                        bad.push(format!(
                            "{}:{}: {floor} names crate::{up}",
                            f.display(),
                            n + 1
                        ));
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} files read");
    assert!(
        bad.is_empty(),
        "imports against the floors:\n{}",
        bad.join("\n")
    );
}
