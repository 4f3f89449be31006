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
    let bindings = cbindgen::Builder::new()
        .with_src(root.join("src/ffi.rs"))
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
