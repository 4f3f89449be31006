//! The C ABI from C: compiles `tests/c/ffi_test.c` with the system C compiler against the
//! `libgomap.a` that cargo built alongside this test (the library's crate types include
//! `staticlib`), runs it and checks its report. (That the checked-in `include/gomap.h`
//! is what cbindgen makes of `src/ffi.rs` is checked by the tools crate's test
//! `tools/tests/header.rs`, so that the library's builds and tests do not pay for
//! cbindgen.)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The newest modification time of the library's sources.
fn newest_source(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let t = if p.is_dir() {
            newest_source(&p)
        } else if p.extension().is_some_and(|x| x == "rs") {
            mtime(&p)
        } else {
            continue;
        };
        newest = newest.max(t);
    }
    newest
}

/// The static library built with this test: `target/<profile>/deps/libgomap.a` (or its
/// copy one level up), the newer of the two. Fails loudly if it is missing or older than
/// the sources.
fn staticlib() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let lib = [
        deps.join("libgomap.a"),
        deps.parent().unwrap().join("libgomap.a"),
    ]
    .into_iter()
    .filter(|p| p.exists())
    .max_by_key(|p| mtime(p))
    .unwrap_or_else(|| panic!("no libgomap.a next to {}", exe.display()));
    assert!(
        mtime(&lib) >= newest_source(&manifest().join("src")),
        "{} is older than the sources: run `cargo build --lib` (or `cargo test`) first",
        lib.display()
    );
    lib
}

const EXPECTED: &str = "\
ok custom key type: 5000 entries, indirect 200-byte elems, ctx hasher called
ok delete half, iterate the rest exactly once
ok clear and free
ok colliding hasher: overflow chains, all keys found
ok growth is incremental; delete and grow during iteration: every original seen once
ok string keys: lookups by bytes, key update on overwrite, dump
ok nil map: reads find nothing, writes fail with GOMAP_ERR_NIL_MAP
ok invalid types and arguments are refused with a reason
ok re-entrant writes from a callback fail with GOMAP_ERR_CONCURRENT_WRITES
ok a failing allocator gives GOMAP_ERR_OUT_OF_MEMORY
ok gomap_seed_thread_chacha8: the same 4 words give the same hash0, every word counts
ok allocator: every block came back (allocs == frees, 0 live bytes)
";

#[test]
fn c_program_runs_against_the_static_library() {
    let (status, stdout, stderr) = compile_and_run("ffi_test");
    assert!(
        status.success(),
        "ffi_test failed ({status}):\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(stdout, EXPECTED, "stderr:\n{stderr}");
    // The only panic the program provokes is the failing allocator's; every other error
    // is detected before calling into the runtime, so nothing else is printed.
    let panics = stderr.matches("panicked").count();
    assert_eq!(panics, 1, "stderr:\n{stderr}");
}

/// Compiles a C test of `tests/c` against the static library and runs it.
fn compile_and_run(name: &str) -> (std::process::ExitStatus, String, String) {
    let lib = staticlib();
    let dir = std::env::temp_dir().join(format!("gomap-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-g", "-I"])
        .arg(manifest().join("include"))
        .arg(manifest().join(format!("tests/c/{name}.c")))
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-lrt", "-lutil", "-o"])
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}`: {e}"));
    assert!(
        out.status.success(),
        "compiling tests/c/{name}.c failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        run.status,
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

/// Struct, array and interface types built from C (`src/ffi/types.rs`).
#[test]
fn c_program_builds_struct_array_and_interface_types() {
    let (status, stdout, stderr) = compile_and_run("ffi_types_test");
    assert!(
        status.success(),
        "ffi_types_test failed ({status}):\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout,
        "ok struct type: Go's offsets and size, one descriptor per type\n\
         ok padded struct keys: padding skipped, -0 finds +0, NaN never found\n\
         ok array types and spellings\n\
         ok interface keys: dynamic types, nil, unhashable values refused with Go's words\n",
        "stderr:\n{stderr}"
    );
}

/// Compiles and runs a C test of `tests/c` that provokes no panic, and checks its report.
fn runs_without_panics(name: &str, expected: &str) {
    let (status, stdout, stderr) = compile_and_run(name);
    assert!(
        status.success(),
        "{name} failed ({status}):\n{stdout}\n{stderr}"
    );
    assert_eq!(stdout, expected, "stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
}

/// Swiss maps from C (`gomap_maptype_with_release` with a Swiss release).
#[test]
fn c_program_uses_swiss_maps() {
    runs_without_panics(
        "ffi_swiss_test",
        "ok int64 keys on 1.27 and 1.24: insert, look up, delete a third, iterate, dump, check, clear\n\
         ok string keys on 1.27 and 1.24\n\
         ok a write from the hasher during a read fails as on a classic map\n\
         ok unknown releases fail with GOMAP_ERR_INVALID_ARG\n\
         ok allocator: every block came back\n",
    );
}

/// The typed entry points from C (`gomap_access_u64` and its kin, `src/ffi/fast.rs`).
#[test]
fn c_program_uses_typed_entry_points() {
    runs_without_panics(
        "ffi_typed_test",
        "ok int64 keys on 1.19 and 1.27: 10^5 through the typed entry points, the dump of the generic ones\n\
         ok int32 keys on 1.19 and 1.27\n\
         ok string keys: on 1.19 mapdelete_faststr keeps the deleted key's length, on 1.27 the bytes are the generic delete's\n\
         ok map types of another family are refused with GOMAP_ERR_INVALID_ARG\n\
         ok nil maps: reads find nothing, writes fail with GOMAP_ERR_NIL_MAP\n\
         ok allocator: every block came back\n",
    );
}
