//! The checked-in C header `include/gomap.h` is what cbindgen makes of the library's
//! `src/ffi.rs` with the settings of `cbindgen.toml`. `GOMAP_BLESS=1 cargo test -p
//! gomap-tools --test header` rewrites it. (Here, not in the library: neither the
//! library's builds nor its own tests pay for cbindgen.)

use std::path::{Path, PathBuf};

/// The repository root, where the library's manifest is.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What cbindgen generates now.
fn generate() -> String {
    let root = root();
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("reading cbindgen.toml: {e}"));
    // cbindgen does not follow `mod` items of a source file: give it each file.
    let mut builder = cbindgen::Builder::new();
    for p in ffi_sources() {
        builder = builder.with_src(p);
    }
    let bindings = builder
        .with_config(config)
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen on src/ffi.rs: {e}"));
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("cbindgen writes UTF-8")
}

#[test]
fn checked_in_header_is_current() {
    let want = generate();
    let path = root().join("include/gomap.h");
    if std::env::var_os("GOMAP_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "include/gomap.h is out of date with src/ffi.rs: \
         run `GOMAP_BLESS=1 cargo test -p gomap-tools --test header` to regenerate it"
    );
}

/// The Rust sources of the C ABI: `src/ffi.rs` and its child modules.
fn ffi_sources() -> Vec<PathBuf> {
    let src = root().join("src");
    let mut v = vec![src.join("ffi.rs")];
    let mut dirs = vec![src.join("ffi")];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                v.push(p);
            }
        }
    }
    v
}

#[test]
fn every_exported_function_is_declared() {
    // cbindgen skips an item it cannot translate with only a warning; this catches it.
    let header = generate();
    let mut n = 0;
    for p in ffi_sources() {
        let src = std::fs::read_to_string(&p).unwrap();
        for part in src.split("#[no_mangle]").skip(1) {
            let name = part
                .split("fn ")
                .nth(1)
                .and_then(|s| s.split('(').next())
                .unwrap_or_else(|| panic!("{}: no fn after #[no_mangle]", p.display()));
            assert!(
                header.contains(&format!(" {name}(")) || header.contains(&format!("*{name}(")),
                "{name} ({}) is not declared in the generated header",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n >= 20, "found only {n} exported functions");
}
