//! `gomap tour` and `gomap viz`: pictures of a map's insides (issue 8). Placeholder.
use std::path::Path;

/// Runs the tour, writing pictures under `out`.
pub fn run_tour(_out: &Path) -> Result<(), String> {
    Err("the tour is not written yet".into())
}

/// Draws the state of a trace's map after step `at` (or at the end).
pub fn run_viz(_trace: &Path, _at: Option<usize>, _out: &Path) -> Result<(), String> {
    Err("viz is not written yet".into())
}
