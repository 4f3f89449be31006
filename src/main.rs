//! `gomap`: the crate's command line.
//!
//! * `gomap tour` walks a real map through its life and draws each stage.
//! * `gomap replay TRACE` runs a trace (`spec/trace-and-dump.md`) and prints its dump.
//! * `gomap gen` writes generated traces; `gomap diff` runs traces through this crate and
//!   through Go 1.19 and reports the first difference.
//! * `gomap viz TRACE --at N` draws the map after step N of a trace.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// grow, delete, iterate), printing each stage and writing pictures.
    Tour {
        /// Folder for the pictures and the HTML page.
        #[arg(long, default_value = "gomap-out/tour")]
        out: PathBuf,
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
        /// Number of traces.
        #[arg(long, default_value_t = 240)]
        count: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write this many large traces (10^5 operations or more each).
        #[arg(long, default_value_t = 2)]
        large: usize,
    },
    /// Run traces through this crate and Go 1.19 and compare the outputs.
    Diff {
        /// Trace files or folders of `*.trace` files; with none, traces are generated.
        traces: Vec<PathBuf>,
        /// Number of traces to generate when none are given.
        #[arg(long, default_value_t = 240)]
        count: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Large generated traces (10^5+ operations).
        #[arg(long, default_value_t = 2)]
        large: usize,
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Tour { out } => gomap::tour::run_tour(&out),
        Cmd::Replay { trace } => replay(&trace),
        Cmd::Gen {
            out,
            count,
            seed,
            large,
        } => gomap::trace::gen::write_traces(&out, count, large, seed).map(|n| {
            eprintln!("wrote {n} traces to {}", out.display());
        }),
        Cmd::Diff {
            traces,
            count,
            seed,
            large,
            oracle,
            work,
            release,
            extra,
        } => gomap::trace::diff::run(
            &traces,
            count,
            large,
            seed,
            oracle.as_deref(),
            &work,
            release,
            extra,
        ),
        Cmd::Viz { trace, at, out } => gomap::tour::run_viz(&trace, at, &out),
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
    let r = gomap::trace::replay(&text, &mut out);
    use std::io::Write;
    let mut so = std::io::stdout().lock();
    let _ = so.write_all(out.as_bytes());
    let _ = so.flush();
    r.map_err(|e| format!("{path}: {e}"))
}
