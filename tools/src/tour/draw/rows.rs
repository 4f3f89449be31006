//! Rows: which lines an array's picture has (a bucket with its chain, a run of untouched
//! empty buckets, the preallocated overflow region), the same for the text and the SVG
//! picture.

use core::fmt::Write as _;

use super::capture::ArrayView;
use super::marks::Marks;

/// A row of an array picture: a bucket with its chain, or a run of untouched empty
/// buckets drawn as one line (only in arrays of more than 32 buckets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Row {
    Bucket(usize),
    Empty(usize, usize),
}

pub(super) fn rows(a: &ArrayView, marks: &Marks) -> Vec<Row> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < a.nbuckets {
        if a.nbuckets > 32 {
            let mut j = i;
            while j < a.nbuckets && a.pristine(j) && !marks.touches(a.which, j) {
                j += 1;
            }
            if j - i >= 4 {
                out.push(Row::Empty(i, j - 1));
                i = j;
                continue;
            }
        }
        out.push(Row::Bucket(i));
        i += 1;
    }
    out
}

/// The preallocated overflow region as lines: each spare in use on its own, runs of free
/// ones together; `true` marks a line about spares in use.
pub(super) fn spare_rows(a: &ArrayView) -> Vec<(String, bool)> {
    let mut out = vec![];
    let mut k = 0;
    while k < a.spare.len() {
        let sp = &a.spare[k];
        if let Some(u) = sp.used_by {
            out.push((
                format!("@{}  in use: overflow of bucket {u}", sp.index),
                true,
            ));
            k += 1;
            continue;
        }
        let mut e = k;
        while e + 1 < a.spare.len() && a.spare[e + 1].used_by.is_none() {
            e += 1;
        }
        let run = &a.spare[k..=e];
        let mut label = if k == e {
            format!("@{}  free", sp.index)
        } else {
            format!("@{}..@{}  free ({})", sp.index, a.spare[e].index, e - k + 1)
        };
        if let Some(n) = run.iter().find(|x| x.next) {
            let _ = write!(
                label,
                "; @{} is next to hand out (extra.nextOverflow)",
                n.index
            );
        }
        if let Some(n) = run.iter().find(|x| x.end_marker) {
            let _ = write!(
                label,
                "; @{} holds the end marker (its overflow word points at bucket 0)",
                n.index
            );
        }
        out.push((label, false));
        k = e + 1;
    }
    out
}
