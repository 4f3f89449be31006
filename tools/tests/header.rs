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

/// The Rust sources of the C ABI: `src/ffi.rs`, then the file of each module it declares
/// (`mod name;` or `pub mod name;` at the start of a line), in the order it declares them.
/// cbindgen writes the declarations of its sources in the order it reads them, so this
/// order, kept in `src/ffi.rs`, is the header's.
fn ffi_sources() -> Vec<PathBuf> {
    let src = root().join("src");
    let root_file = src.join("ffi.rs");
    let text = std::fs::read_to_string(&root_file).expect("reading src/ffi.rs");
    let mut v = vec![root_file];
    for line in text.lines() {
        let decl = line.strip_prefix("pub ").unwrap_or(line);
        if let Some(name) = decl.strip_prefix("mod ").and_then(|m| m.strip_suffix(';')) {
            v.push(src.join("ffi").join(format!("{name}.rs")));
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
