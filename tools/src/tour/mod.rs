//! `gomap tour` and `gomap viz`: pictures of a map's insides.
//!
//! The tour runs real maps through the life of a Go map (make, inserts, an overflow
//! bucket, doubling past the load factor of 6.5, incremental evacuation with reads served
//! from old buckets, deletes leaving `emptyOne`/`emptyRest`, a same-size grow after
//! churn, randomised iteration) and shows each stage three ways: a plain-words
//! explanation with the header facts, a compact text drawing on stdout, and an SVG
//! picture; one self-contained HTML page steps through them all. [`stages`] returns the
//! stages as data, so tests can check each stage's facts.
//!
//! The Swiss tour ([`swiss_stages`], `gomap tour --go 1.24` to `1.27`) does the same for
//! Go's Swiss-table map: a small map's one group, the h1/h2 split of the hash, probing,
//! tombstones and pruning, growth at 7/8 load, table splits and the directory,
//! iteration's random offsets, iteration across growth, `clear` and `maps.Clone`, drawn
//! by [`draw::swiss`] from the engine's dump.
//!
//! `gomap viz` draws the map of a trace (`docs/trace-and-dump.md`, or a Swiss trace,
//! `docs/swiss-dump.md`) after any step, with the same drawing code ([`draw`]), to look
//! at a differential mismatch.
//!
//! The hashes come from the map's real hash function with a random seed, as in Go, so
//! the keys land in different buckets on every run; the facts each stage states hold on
//! every run.

#![allow(non_snake_case)]

pub mod draw;
mod html;
mod stages;
mod swiss_stages;

use core::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use draw::{CellState, MapView, Marks};
use gomap::maptype::release::GoRelease;
use gomap::swiss::SwissRelease;

pub use swiss_stages::{
    ClearCaseFact, ClearFact, CloneFact, DeleteFact, GrowIterFact, IterStepFact, KeyFact,
    RebuildFact, SwissFacts, SwissIterFact, TableFact,
};

/// One stage of the tour.
#[derive(Clone, Debug)]
pub struct Stage {
    /// 1-based position.
    pub number: usize,
    /// File-name stem, e.g. `01-make`.
    pub slug: String,
    /// One-line title.
    pub title: String,
    /// What happened and why, in plain words (paragraphs).
    pub explanation: Vec<String>,
    /// Supporting lines: per-key hashes, per-write evacuation log, iteration order.
    pub details: Vec<String>,
    /// The map's facts after the stage (a classic map's; default for a Swiss stage).
    pub facts: Facts,
    /// A Swiss map's facts after the stage (`None` for a classic stage).
    pub swiss: Option<SwissFacts>,
    /// The compact text drawing.
    pub text: String,
    /// The SVG picture.
    pub svg: String,
}

/// A map's facts after a stage, plus what the stage did.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// `len(m)`.
    pub count: usize,
    /// log2 of the bucket count.
    pub B: u8,
    /// The flag bits.
    pub flags: u8,
    /// Overflow buckets counted by the map.
    pub noverflow: u16,
    /// The hash seed.
    pub hash0: u32,
    /// Buckets in the current array (`2^B`; 0 before the first allocation).
    pub nbuckets: usize,
    /// Preallocated overflow buckets in the current array's allocation.
    pub preallocated: usize,
    /// Overflow bmaps hanging from the current array's buckets.
    pub overflow_bmaps: usize,
    /// Preallocated overflow buckets of the current array in use in some chain.
    pub spare_in_use: usize,
    /// A grow is in progress.
    pub growing: bool,
    /// The grow in progress keeps the bucket count.
    pub same_size_grow: bool,
    /// Buckets in the old array (0 when not growing).
    pub noldbuckets: usize,
    /// Evacuation progress.
    pub nevacuate: usize,
    /// Old buckets already evacuated.
    pub old_evacuated: Vec<usize>,
    /// Live cells in the current array.
    pub live_cells: usize,
    /// `emptyOne` cells in the current array.
    pub empty_one_cells: usize,
    /// `emptyRest` cells in the current array.
    pub empty_rest_cells: usize,
    /// The grow this stage shows, if any.
    pub grow: Option<GrowFact>,
    /// The writes this stage made while growing, with the old buckets each moved.
    pub writes: Vec<WriteFact>,
    /// A lookup this stage made.
    pub lookup: Option<LookupFact>,
    /// An iteration this stage made.
    pub iteration: Option<IterFact>,
    /// Cells the stage is about, (bucket, chain position, slot) of the current array,
    /// with the state the stage expects.
    pub watched: Vec<((usize, usize, usize), CellState)>,
    /// The same cells' actual states.
    pub watched_actual: Vec<CellState>,
}

/// What started a grow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrowFact {
    /// Entries before the insert that started it.
    pub count_before: usize,
    /// B before it.
    pub B_before: u8,
    /// The most entries `2^B_before` buckets may hold: 6.5 per bucket.
    pub load_limit: usize,
    /// noverflow before it (for a same-size grow).
    pub noverflow_before: u16,
    /// It kept the bucket count.
    pub same_size: bool,
}

/// One write to a growing map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteFact {
    /// The write, as Go code.
    pub op: String,
    /// Old buckets this write evacuated.
    pub evacuated: Vec<usize>,
    /// nevacuate after it.
    pub nevacuate_after: usize,
    /// Still growing after it.
    pub growing_after: bool,
}

/// A lookup during a grow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupFact {
    /// The key looked up.
    pub key: String,
    /// The entry was found in an old bucket.
    pub from_old: bool,
    /// That old bucket.
    pub old_bucket: usize,
    /// The key's bucket in the new array.
    pub new_bucket: usize,
}

/// An iteration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IterFact {
    /// The random word given to `mapiterinit_r`.
    pub r: usize,
    /// `r & (2^B - 1)`.
    pub start_bucket: usize,
    /// `(r >> B) & 7`.
    pub offset: usize,
    /// Visited cells in order: (bucket, chain position, slot).
    pub order: Vec<(usize, usize, usize)>,
    /// Visited keys in order.
    pub keys: Vec<String>,
}

impl Facts {
    /// The facts a view shows (the stage-specific fields empty).
    pub fn of(v: &MapView) -> Facts {
        let new = v.new.as_ref();
        let cells = |s: CellState| new.map_or(0, |a| a.cells_in(s));
        Facts {
            count: v.count,
            B: v.B,
            flags: v.flags,
            noverflow: v.noverflow,
            hash0: v.hash0,
            nbuckets: new.map_or(0, |a| a.nbuckets),
            preallocated: new.map_or(0, |a| a.alloc_len - a.nbuckets),
            overflow_bmaps: new.map_or(0, |a| a.overflow_bmaps()),
            spare_in_use: new.map_or(0, |a| {
                a.spare.iter().filter(|x| x.used_by.is_some()).count()
            }),
            growing: v.growing,
            same_size_grow: v.same_size,
            noldbuckets: v.old.as_ref().map_or(0, |a| a.nbuckets),
            nevacuate: v.nevacuate,
            old_evacuated: v.old.as_ref().map_or(vec![], |a| a.evacuated_list()),
            live_cells: cells(CellState::Live),
            empty_one_cells: cells(CellState::EmptyOne),
            empty_rest_cells: cells(CellState::EmptyRest),
            ..Facts::default()
        }
    }

    pub(crate) fn fill_watched(&mut self, v: &MapView) {
        self.watched_actual = self
            .watched
            .iter()
            .map(|&((b, c, s), _)| {
                v.new
                    .as_ref()
                    .and_then(|a| a.chains.get(b)?.get(c).map(|bm| bm.state(s)))
                    .unwrap_or(CellState::EmptyRest)
            })
            .collect();
    }
}

impl fmt::Display for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "count={} B={} buckets={}",
            self.count, self.B, self.nbuckets
        )?;
        if self.preallocated > 0 {
            write!(f, " (+{} preallocated)", self.preallocated)?;
        }
        write!(
            f,
            " noverflow={} overflow-bmaps={} flags={} hash0={:08x}",
            self.noverflow, self.overflow_bmaps, self.flags, self.hash0
        )?;
        if self.growing {
            write!(
                f,
                " growing{} oldbuckets={} nevacuate={} evacuated={:?}",
                if self.same_size_grow {
                    " (same size)"
                } else {
                    ""
                },
                self.noldbuckets,
                self.nevacuate,
                self.old_evacuated
            )?;
        } else {
            write!(f, " not-growing")?;
        }
        Ok(())
    }
}

/// Runs the tour's maps (Go 1.19's) and returns the stages (nothing is written or
/// printed).
pub fn stages() -> Result<Vec<Stage>, String> {
    stages::build()
}

/// [`stages`] with Go release `r`'s map code (its load factor: 6 in 1.21, so the map
/// grows at other counts; its random numbers).
pub fn stages_for(r: GoRelease) -> Result<Vec<Stage>, String> {
    stages::build_for(r)
}

/// Runs the Swiss tour of Go release `r` (1.24 to 1.27) and returns its stages: a small
/// map, h1/h2, probing, tombstones and pruning, growth, splits and the directory,
/// iteration.
pub fn swiss_stages(r: SwissRelease) -> Result<Vec<Stage>, String> {
    swiss_stages::build_swiss(r)
}

/// Runs the tour on Go 1.19's map: prints each stage (explanation, facts, text drawing)
/// and writes one SVG per stage plus `tour.html` into `out`.
pub fn run_tour(out: &Path) -> Result<(), String> {
    run_tour_for(out, GoRelease::Go1_19)
}

/// [`run_tour`] on Go release `r`'s map.
pub fn run_tour_for(out: &Path, r: GoRelease) -> Result<(), String> {
    let stages = stages_for(r)?;
    print_and_write(out, &stages, r.name(), draw::TEXT_LEGEND)
}

/// [`run_tour`] on the Swiss map of Go release `r` (1.24 to 1.27).
pub fn run_swiss_tour(out: &Path, r: SwissRelease) -> Result<(), String> {
    let stages = swiss_stages(r)?;
    print_and_write(out, &stages, r.name(), draw::swiss::SWISS_TEXT_LEGEND)
}

fn print_and_write(
    out: &Path,
    stages: &[Stage],
    release: &str,
    legend: &str,
) -> Result<(), String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    println!("gomap tour: the life of a Go {release} map, seen from inside");
    println!();
    println!("{}", draw::wrap(legend, 92).join("\n"));
    for s in stages {
        let path = out.join(format!("{}.svg", s.slug));
        write(&path, &s.svg)?;
        println!();
        println!("== {}/{}: {} ==", s.number, stages.len(), s.title);
        for p in &s.explanation {
            println!("{}", draw::wrap(p, 92).join("\n"));
            println!();
        }
        for d in &s.details {
            println!("  {d}");
        }
        if !s.details.is_empty() {
            println!();
        }
        match &s.swiss {
            Some(f) => println!("facts: {f}"),
            None => println!("facts: {}", s.facts),
        }
        print!("{}", s.text);
        println!("picture: {}", path.display());
    }
    let page = out.join("tour.html");
    write(&page, &html::page(stages, release))?;
    println!();
    println!("wrote {} pictures to {}", stages.len(), out.display());
    println!("step through them all in {}", page.display());
    Ok(())
}

fn write(path: &Path, s: &str) -> Result<(), String> {
    fs::write(path, s).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Draws the map of a trace after step `at` (the `at`-th directive line, counting from 1
/// and skipping blank and comment lines; the end when `None`): prints the text drawing
/// and writes an SVG into `out`.
pub fn run_viz(trace: &Path, at: Option<usize>, out: &Path) -> Result<(), String> {
    run_viz_for(trace, at, out, None)
}

/// [`run_viz`], running a trace that names no release (`go RELEASE`) as release `go`
/// (a classic one, or 1.24 to 1.27 for the Swiss map).
pub fn run_viz_for(
    trace: &Path,
    at: Option<usize>,
    out: &Path,
    go: Option<&str>,
) -> Result<(), String> {
    let text =
        fs::read_to_string(trace).map_err(|e| format!("cannot read {}: {e}", trace.display()))?;
    let text = match go {
        Some(r) => with_release(&text, r)?,
        None => text,
    };
    let (picture, svg, steps) = viz(&text, at)?;
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let stem = trace
        .file_stem()
        .map_or("trace".into(), |s| s.to_string_lossy().into_owned());
    let path: PathBuf = out.join(format!("{stem}-step{steps}.svg"));
    write(&path, &svg)?;
    print!("{picture}");
    println!("picture: {}", path.display());
    Ok(())
}

/// `text` with a `go RELEASE` directive after its `gomap-trace 1` line, unless it has
/// one (which must then name `release`). The directive counts as a step.
pub fn with_release(text: &str, release: &str) -> Result<String, String> {
    use crate::trace::op::fields;
    let mut directives = text
        .lines()
        .enumerate()
        .filter(|(_, l)| matches!(fields(l), Ok(Some(_))));
    let Some((first, l)) = directives.next() else {
        return Err("empty trace".into());
    };
    if l.trim_end() != "gomap-trace 1" {
        return Err(format!("expected `gomap-trace 1` first, got {l:?}"));
    }
    if let Some((_, l)) = directives.next() {
        if let Some(named) = l.trim_end().strip_prefix("go ") {
            if named != release {
                return Err(format!(
                    "the trace names Go {named}, not the {release} asked for"
                ));
            }
            return Ok(text.to_string());
        }
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, l) in text.lines().enumerate() {
        out.push_str(l);
        out.push('\n');
        if i == first {
            out.push_str(&format!("go {release}\n"));
        }
    }
    Ok(out)
}

/// The replayer of a trace: the classic map's, or the Swiss map's for a trace naming
/// Go 1.24 to 1.27.
enum AnyReplayer {
    Classic(crate::trace::Replayer),
    Swiss(crate::trace::swiss::SwissReplayer),
}

impl AnyReplayer {
    fn run_line(
        &mut self,
        lineno: usize,
        line: &str,
        out: &mut String,
    ) -> Result<(), crate::trace::TraceError> {
        match self {
            AnyReplayer::Classic(r) => r.run_line(lineno, line, out),
            AnyReplayer::Swiss(r) => r.run_line(lineno, line, out),
        }
    }
}

/// Replays `text` up to step `at` and draws the map: (text drawing, SVG, steps run). A
/// Swiss trace (`go 1.24` ... `go 1.27`) runs on the Swiss engine and is drawn as one.
pub fn viz(text: &str, at: Option<usize>) -> Result<(String, String, usize), String> {
    use crate::trace::op::fields;
    let mut r = if crate::trace::swiss::swiss_release(text).is_some() {
        AnyReplayer::Swiss(crate::trace::swiss::SwissReplayer::new())
    } else {
        AnyReplayer::Classic(crate::trace::Replayer::new())
    };
    let mut step = 0;
    let mut output = String::new();
    let mut last = String::new();
    if at == Some(0) {
        return Err("steps are counted from 1".into());
    }
    for (i, line) in text.lines().enumerate() {
        // Lines that are not directives are not steps (a malformed one is: it fails).
        if let Ok(None) = fields(line) {
            continue;
        }
        let l = line.trim_end();
        if at.is_some_and(|n| step >= n) {
            break;
        }
        step += 1;
        let before = output.len();
        r.run_line(i + 1, line, &mut output)
            .map_err(|e| format!("trace step {step}: {e}"))?;
        last = format!("step {step} (line {}): {l}", i + 1);
        let printed = output[before..].trim_end();
        if !printed.is_empty() && !l.starts_with("dump") {
            last.push_str(&format!("  => {}", printed.replace('\n', " | ")));
        }
    }
    if let Some(n) = at {
        if step < n {
            return Err(format!("the trace has only {step} steps, not {n}"));
        }
    }
    let no_map = || format!("no map yet after step {step} (the trace has not run make)");
    let title = format!("after {last}");
    match &r {
        AnyReplayer::Classic(r) => {
            let (t, h) = r.map().ok_or_else(no_map)?;
            // SAFETY: the replayer owns a live map of type `t` and keeps the bytes of its
            // string keys alive; nothing writes it while we read.
            let v = unsafe { MapView::capture(t, h) };
            let marks = Marks::default();
            let picture = format!("{last}\n{}", draw::text(&v, &marks));
            let caption = format!(
                "{}: {} entries in {} buckets{}",
                v.type_name,
                v.count,
                1usize << v.B,
                if v.growing { ", growing" } else { "" }
            );
            let svg = draw::svg(&v, &marks, &title, &caption);
            Ok((picture, svg, step))
        }
        AnyReplayer::Swiss(r) => {
            let (t, m) = r.map().ok_or_else(no_map)?;
            // SAFETY: as above: the replayer's live map of type `t`, its strings in its
            // arena, no writer.
            let v = unsafe { draw::swiss::SwissView::capture(t, m) };
            let marks = draw::swiss::SwissMarks::default();
            let picture = format!("{last}\n{}", draw::swiss::swiss_text(&v, &marks));
            let caption = format!(
                "{}: {} entries, {}",
                v.type_name,
                v.used,
                if v.no_memory {
                    "no memory yet".to_string()
                } else if v.small.is_some() {
                    "a small map (one group)".to_string()
                } else {
                    format!(
                        "{} directory entries, {} tables, {} groups",
                        v.dirLen,
                        v.tables.len(),
                        v.groups().count()
                    )
                }
            );
            let svg = draw::swiss::swiss_svg(&v, &marks, &title, &caption);
            Ok((picture, svg, step))
        }
    }
}
