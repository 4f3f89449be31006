//! Text rendering: the compact text picture of a map (one line per bmap), its legend,
//! and line wrapping.

use core::fmt::Write as _;

use gomap::export_test::runtime::types::BUCKET_CNT;

use super::capture::{ArrayId, ArrayView, CellState, MapView, Origin};
use super::marks::{CellMark, MarkKind, Marks};
use super::rows::{rows, spare_rows, Row};

impl CellState {
    /// Two characters for the text picture (a live cell prints its byte in hex instead).
    pub fn letters(self) -> &'static str {
        match self {
            CellState::EmptyRest => "..",
            CellState::EmptyOne => "--",
            CellState::EvacX => "X>",
            CellState::EvacY => "Y>",
            CellState::EvacEmpty => "E>",
            CellState::Live => "??",
        }
    }
}

/// The legend of the text picture's tophash cells.
pub const TEXT_LEGEND: &str = "tophash cells: 2 hex digits = a live entry's top hash byte; \
.. emptyRest; -- emptyOne; X> Y> moved to the new array's low/high half (evacuatedX/Y); \
E> was empty when moved (evacuatedEmpty). @J = J-th bucket of the array's allocation, \
@h = overflow bucket allocated on its own, -> next bucket in the overflow chain.";

fn origin_text(o: Origin, nbuckets: usize) -> String {
    match o {
        Origin::Array(j) if j >= nbuckets => format!("@{j}*"),
        Origin::Array(j) => format!("@{j}"),
        Origin::Heap => "@h".into(),
    }
}

/// The compact text picture: the header line, then one line per bmap (index, origin,
/// tophash cells, live entries as `key=elem` with `_` for holes), old array after new.
pub fn text(v: &MapView, marks: &Marks) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "hmap count={} flags={} ({}) B={} noverflow={} hash0={:08x} nevacuate={} nextOverflow={}",
        v.count,
        v.flags,
        v.flag_names(),
        v.B,
        v.noverflow,
        v.hash0,
        v.nevacuate,
        v.next_overflow.map_or("-".into(), |j| format!("@{j}"))
    );
    match &v.new {
        None => s.push_str("buckets: nil (allocated on the first write)\n"),
        Some(a) => text_array(&mut s, a, v, marks),
    }
    if let Some(a) = &v.old {
        text_array(&mut s, a, v, marks);
    }
    s
}

fn text_array(s: &mut String, a: &ArrayView, v: &MapView, marks: &Marks) {
    let spare = a.alloc_len - a.nbuckets;
    match a.which {
        ArrayId::New => {
            let _ = write!(s, "buckets: {} buckets", a.nbuckets);
        }
        ArrayId::Old => {
            let ev = a.evacuated_list();
            let _ = write!(
                s,
                "oldbuckets: {} buckets, nevacuate={}, evacuated: {}",
                a.nbuckets,
                v.nevacuate,
                if ev.is_empty() {
                    "none".to_string()
                } else {
                    ev.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            );
        }
    }
    if spare > 0 {
        let used = a.spare.iter().filter(|x| x.used_by.is_some()).count();
        let _ = write!(
            s,
            " + {spare} preallocated overflow ({used} in use; @J* marks them)"
        );
    }
    s.push('\n');
    let tag = match a.which {
        ArrayId::New => "new",
        ArrayId::Old => "old",
    };
    for row in rows(a, marks) {
        let i = match row {
            Row::Empty(x, y) => {
                let _ = writeln!(s, "  {tag}[{x}..{y}]  all empty (every cell emptyRest)");
                continue;
            }
            Row::Bucket(i) => i,
        };
        for (c, b) in a.chains[i].iter().enumerate() {
            let lead = if c == 0 {
                format!("{tag}[{i}]")
            } else {
                "   ->".to_string()
            };
            let _ = write!(s, "  {lead:<8} {:<5} ", origin_text(b.origin, a.nbuckets));
            for j in 0..BUCKET_CNT {
                let st = b.state(j);
                if st == CellState::Live {
                    let _ = write!(s, "{:02x} ", b.tophash[j]);
                } else {
                    s.push_str(st.letters());
                    s.push(' ');
                }
            }
            // live entries, with `_` for holes before the last one
            let last = (0..BUCKET_CNT)
                .rev()
                .find(|&j| b.state(j) == CellState::Live);
            if let Some(last) = last {
                s.push(' ');
                for j in 0..=last {
                    if b.state(j) == CellState::Live {
                        let _ = write!(s, "{}={}", b.keys[j].full, b.elems[j].full);
                    } else {
                        s.push('_');
                    }
                    if j < last {
                        s.push(' ');
                    }
                }
            }
            if a.which == ArrayId::Old && c == 0 {
                s.push_str(if a.evacuated(i) {
                    "  (moved)"
                } else {
                    "  (waiting)"
                });
                if i == v.nevacuate {
                    s.push_str(" <- nevacuate");
                }
            }
            for m in &marks.buckets {
                if m.which == a.which && m.bucket == i && c == 0 {
                    let _ = write!(s, "  <- {}", m.label);
                }
            }
            let nums: Vec<&CellMark> = marks
                .cells
                .iter()
                .filter(|m| {
                    m.which == a.which
                        && m.bucket == i
                        && m.chain == c
                        && m.kind == MarkKind::Number
                })
                .collect();
            if !nums.is_empty() {
                let mut nums = nums;
                nums.sort_by_key(|m| m.label.parse::<usize>().unwrap_or(0));
                let _ = write!(
                    s,
                    "  visits #{}-#{}: slots {}",
                    nums[0].label,
                    nums[nums.len() - 1].label,
                    nums.iter()
                        .map(|m| m.slot.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
            for m in &marks.cells {
                if m.which == a.which
                    && m.bucket == i
                    && m.chain == c
                    && m.kind == MarkKind::Highlight
                {
                    let _ = write!(s, "  <- slot {}: {}", m.slot, m.label);
                }
            }
            let trimmed = s.trim_end_matches(' ').len();
            s.truncate(trimmed);
            s.push('\n');
        }
    }
    for (label, _) in spare_rows(a) {
        let _ = writeln!(s, "  spare  {label}");
    }
}

/// Splits `s` into lines of at most `n` characters at spaces.
pub fn wrap(s: &str, n: usize) -> Vec<String> {
    let mut lines = vec![];
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > n {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}
