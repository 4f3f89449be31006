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
//! `gomap viz` draws the map of a trace (`docs/trace-and-dump.md`) after any step, with
//! the same drawing code ([`draw`]), to look at a differential mismatch.
//!
//! The hashes come from the map's real hash function with a random seed, as in Go, so
//! the keys land in different buckets on every run; the facts each stage states hold on
//! every run.

#![allow(non_snake_case)]

pub mod draw;
mod html;
mod stages;

use core::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use draw::{CellState, MapView, Marks};
use gomap::maptype::release::GoRelease;

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
    /// The map's facts after the stage.
    pub facts: Facts,
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

/// Runs the tour on Go 1.19's map: prints each stage (explanation, facts, text drawing)
/// and writes one SVG per stage plus `tour.html` into `out`.
pub fn run_tour(out: &Path) -> Result<(), String> {
    run_tour_for(out, GoRelease::Go1_19)
}

/// [`run_tour`] on Go release `r`'s map.
pub fn run_tour_for(out: &Path, r: GoRelease) -> Result<(), String> {
    let stages = stages_for(r)?;
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    println!(
        "gomap tour: the life of a Go {} map, seen from inside",
        r.name()
    );
    println!();
    println!("{}", draw::wrap(draw::TEXT_LEGEND, 92).join("\n"));
    for s in &stages {
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
        println!("facts: {}", s.facts);
        print!("{}", s.text);
        println!("picture: {}", path.display());
    }
    let page = out.join("tour.html");
    write(&page, &html::page(&stages, r.name()))?;
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
    let text =
        fs::read_to_string(trace).map_err(|e| format!("cannot read {}: {e}", trace.display()))?;
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

/// Replays `text` up to step `at` and draws the map: (text drawing, SVG, steps run).
pub fn viz(text: &str, at: Option<usize>) -> Result<(String, String, usize), String> {
    use crate::trace::{Op, Replayer};
    let mut r = Replayer::new();
    let mut step = 0;
    let mut output = String::new();
    let mut last = String::new();
    if at == Some(0) {
        return Err("steps are counted from 1".into());
    }
    for (i, line) in text.lines().enumerate() {
        // Lines that are not directives are not steps (a malformed one is: it fails).
        if let Ok(None) = Op::parse(line) {
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
    let (t, h) = r
        .map()
        .ok_or_else(|| format!("no map yet after step {step} (the trace has not run make)"))?;
    // SAFETY: the replayer owns a live map of type `t` and keeps the bytes of its string
    // keys alive; nothing writes it while we read.
    let v = unsafe { MapView::capture(t, h) };
    let marks = Marks::default();
    let title = format!("after {last}");
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
