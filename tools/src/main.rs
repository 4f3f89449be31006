//! `gomap`: the crate's command line.
//!
//! * `gomap tour` walks a real map through its life and draws each stage (`--go 1.24` to
//!   `--go 1.27`: the Swiss map).
//! * `gomap replay TRACE` runs a trace (`docs/trace-and-dump.md`) and prints its dump.
//! * `gomap gen` writes generated traces; `gomap diff` runs traces through this crate and
//!   through Go (1.19, or the release `--go` names) and reports the first difference.
//! * `gomap viz TRACE --at N` draws the map after step N of a trace (a Swiss trace, one
//!   naming Go 1.24 to 1.27, as a Swiss map).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "gomap",
    version,
    about = "Go 1.19's map, byte for byte, in Rust"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Walk a real map through its life (make, fill, overflow, grow, evacuate, same-size
    /// grow, delete, iterate; for a Swiss map: small group, h1/h2, probing, tombstones,
    /// growth, splits, iteration), printing each stage and writing pictures.
    Tour {
        /// Folder for the pictures and the HTML page.
        #[arg(long, default_value = "gomap-out/tour")]
        out: PathBuf,
        /// The Go release whose map the tour runs: the classic map of 1.19, 1.21, 1.22,
        /// 1.23 or 1.24-noswissmap (1.21 grows at 6 entries per bucket, not 6.5), or the
        /// Swiss map of 1.24, 1.25, 1.26, 1.27 or 1.27-mapsplitgroup.
        #[arg(long = "go", default_value = "1.19")]
        go: String,
    },
    /// Run a trace and print its output (the canonical dump) to stdout.
    Replay {
        /// Trace file, or `-` for standard input.
        trace: String,
    },
    /// Write generated traces covering every scenario and kind.
    Gen {
        /// Output folder.
        #[arg(long, default_value = "gomap-out/traces")]
        out: PathBuf,
        #[command(flatten)]
        suite: Suite,
        /// Write Swiss traces for this Go release (1.24, 1.25, 1.26, 1.27 or
        /// 1.27-mapsplitgroup) instead:
        /// the suite of `scripts/test-swiss.sh` (`trace::swiss_gen::swiss_suite`).
        #[arg(long = "go")]
        go: Option<String>,
    },
    /// Run traces through this crate and Go (1.19, or `--go RELEASE`) and compare the
    /// outputs.
    Diff {
        /// Trace files or folders of `*.trace` files; with none, traces are generated.
        traces: Vec<PathBuf>,
        /// The traces generated when none are given.
        #[command(flatten)]
        suite: Suite,
        /// The Go oracle binary (built from tests/go/oracle when absent).
        #[arg(long)]
        oracle: Option<PathBuf>,
        /// Where to keep generated traces and outputs.
        #[arg(long, default_value = "gomap-out/diff")]
        work: PathBuf,
        /// The Go release to compare with: 1.19 (default), 1.21, 1.22, 1.23 or
        /// 1.24-noswissmap; its toolchain builds the oracle (see scripts/test-releases.sh).
        /// Traces that name no release run as this one's.
        #[arg(long = "go", default_value = "1.19", value_parser = parse_release)]
        release: gomap::maptype::GoRelease,
        /// Also generate this many traces of the release suite (seeded-random mode,
        /// clear under iterators, clones, load-factor edges, NaN keys).
        #[arg(long, default_value_t = 0)]
        extra: usize,
    },
    /// Draw the map after step N of a trace (default: the end).
    Viz {
        /// Trace file.
        trace: PathBuf,
        /// Step (1-based, counting directives).
        #[arg(long)]
        at: Option<usize>,
        /// Output folder.
        #[arg(long, default_value = "gomap-out/viz")]
        out: PathBuf,
        /// Run a trace that names no release as this one's: a classic release, or 1.24,
        /// 1.25, 1.26 or 1.27 for the Swiss map (a trace's own `go` line decides
        /// otherwise, and must agree).
        #[arg(long = "go")]
        go: Option<String>,
    },
}

/// The generated suite (`trace::gen::suite`).
#[derive(Args)]
struct Suite {
    /// Number of traces.
    #[arg(long, default_value_t = 240)]
    count: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also this many large traces (10^5 operations or more each).
    #[arg(long, default_value_t = 2)]
    large: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Tour { out, go } => match gomap::swiss::SwissRelease::parse(&go) {
            Some(r) => gomap_tools::tour::run_swiss_tour(&out, r),
            None => gomap::maptype::release::GoRelease::parse(&go)
                .map_err(|e| e.to_string())
                .and_then(|r| gomap_tools::tour::run_tour_for(&out, r)),
        },
        Cmd::Replay { trace } => replay(&trace),
        Cmd::Gen {
            out,
            suite: g,
            go: None,
        } => gomap_tools::trace::gen::write_traces(&out, g.count, g.large, g.seed).map(|n| {
            eprintln!("wrote {n} traces to {}", out.display());
        }),
        Cmd::Gen {
            out,
            suite: g,
            go: Some(r),
        } => gomap_tools::trace::swiss_gen::write_swiss_traces(&out, &r, g.count, g.large, g.seed)
            .map(|n| {
                eprintln!("wrote {n} Swiss traces (go {r}) to {}", out.display());
            }),
        Cmd::Diff {
            traces,
            suite: g,
            oracle,
            work,
            release,
            extra,
        } => gomap_tools::trace::diff::run(
            &traces,
            g.count,
            g.large,
            g.seed,
            oracle.as_deref(),
            &work,
            release,
            extra,
        ),
        Cmd::Viz { trace, at, out, go } => {
            gomap_tools::tour::run_viz_for(&trace, at, &out, go.as_deref())
        }
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gomap: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_release(s: &str) -> Result<gomap::maptype::GoRelease, String> {
    gomap::maptype::GoRelease::parse(s).map_err(|e| e.to_string())
}

fn replay(path: &str) -> Result<(), String> {
    let text = if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("reading stdin: {e}"))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?
    };
    let mut out = String::new();
    let r = gomap_tools::trace::replay(&text, &mut out);
    use std::io::Write;
    let mut so = std::io::stdout().lock();
    let _ = so.write_all(out.as_bytes());
    let _ = so.flush();
    r.map_err(|e| format!("{path}: {e}"))
}
