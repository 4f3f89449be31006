//! The text picture of a Swiss map: the header, the directory, then one line per group
//! (its control bytes, then its slots), or four control words per line for a large
//! table.

use core::fmt::Write as _;

use super::super::marks::MarkKind;
use super::capture::{Ctrl, SwissGroup, SwissView};
use super::marks::{SwissMarks, COMPACT_GROUPS};

/// What the text picture's signs mean.
pub const SWISS_TEXT_LEGEND: &str = "Text drawing: each group line shows its 8 control \
bytes in hex (80 = ctrlEmpty, fe = ctrlDeleted, 00-7f = the H2 of a full slot's key), \
then its 8 slots: key=elem for a full slot, `.` for an empty one, `x` for a tombstone; \
`*` marks a slot holding a pointer (indirect key or elem); [n] numbers and <-- notes are \
the stage's marks. Tables of more than 16 groups list their control words four to a \
line, and their marked groups again in full.";

/// The header line.
pub fn header_line(v: &SwissView) -> String {
    let mut s = format!(
        "{} (Go {} Swiss map): used={} seed={:016x} dirLen={} globalDepth={} globalShift={} clearSeq={} writing={}",
        v.type_name,
        v.release.name(),
        v.used,
        v.seed,
        v.dirLen,
        v.globalDepth,
        v.globalShift,
        v.clearSeq,
        v.writing
    );
    if let Some(t) = v.tombstonePossible {
        let _ = write!(s, " tombstonePossible={}", t as u8);
    }
    s
}

/// The text picture of `v` with `marks`.
pub fn swiss_text(v: &SwissView, marks: &SwissMarks) -> String {
    let mut s = header_line(v);
    s.push('\n');
    if v.no_memory {
        s.push_str("dirPtr: nil (no memory until the first insert)\n");
        return s;
    }
    if let Some(g) = &v.small {
        s.push_str("dirPtr: one group, a small map (no directory, no table)\n");
        group_line(&mut s, "  group 0", g, None, 0, marks);
        return s;
    }
    let _ = writeln!(
        s,
        "directory: {} entries (2^globalDepth), {} tables",
        v.dirLen,
        v.tables.len()
    );
    for (t, tab) in v.tables.iter().enumerate() {
        let first = tab.entries[0];
        let last = *tab.entries.last().expect("a table has an entry");
        let ent = if first == last {
            format!("entry {first}")
        } else {
            format!("entries {first}-{last}")
        };
        let _ = write!(s, "table {t} <- directory {ent}: {}", tab.fields());
        for (e, note) in &marks.entries {
            if tab.entries.contains(e) {
                let _ = write!(s, "  <-- entry {e}: {note}");
            }
        }
        for (mt, note) in &marks.tables {
            if *mt == t {
                let _ = write!(s, "  <-- {note}");
            }
        }
        s.push('\n');
        if tab.groups.len() <= COMPACT_GROUPS {
            for (j, g) in tab.groups.iter().enumerate() {
                group_line(&mut s, &format!("  g{j:<3}"), g, Some(t), j, marks);
            }
            continue;
        }
        for (row, chunk) in tab.groups.chunks(4).enumerate() {
            s.push(' ');
            for (k, g) in chunk.iter().enumerate() {
                let _ = write!(s, " g{:<4}{}", row * 4 + k, g.ctrl_hex());
            }
            s.push('\n');
        }
        for (j, g) in tab.groups.iter().enumerate() {
            if marks.touches(Some(t), j) {
                group_line(&mut s, &format!("  in full: g{j}"), g, Some(t), j, marks);
            }
        }
    }
    s
}

fn group_line(
    s: &mut String,
    label: &str,
    g: &SwissGroup,
    table: Option<usize>,
    j: usize,
    marks: &SwissMarks,
) {
    let _ = write!(s, "{label} ctrl");
    for b in g.ctrl {
        let _ = write!(s, " {b:02x}");
    }
    s.push_str(" |");
    for (i, sl) in g.slots.iter().enumerate() {
        s.push(' ');
        for m in &marks.slots {
            if m.at.table == table
                && m.at.group == j
                && m.at.slot == i
                && m.kind == MarkKind::Number
            {
                let _ = write!(s, "[{}]", m.label);
            }
        }
        match sl.state() {
            Ctrl::Empty => s.push('.'),
            Ctrl::Deleted => s.push('x'),
            Ctrl::Full(_) => {
                let star = |b: bool| if b { "*" } else { "" };
                let _ = write!(
                    s,
                    "{}{}={}{}",
                    star(sl.indirect_key),
                    sl.key.short,
                    star(sl.indirect_elem),
                    sl.elem.short
                );
            }
        }
    }
    for n in marks.group_notes(table, j) {
        let _ = write!(s, "  <-- {n}");
    }
    s.push('\n');
}
