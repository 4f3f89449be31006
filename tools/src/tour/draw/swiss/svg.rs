//! The SVG picture of a Swiss map: the `Map` header, the directory with an arrow from
//! each entry to its table, each table's header and groups (control bytes over keys over
//! elems), or for a large table a grid of control words with its marked groups in full;
//! then the colour legend.
//!
//! The elements carry classes and data attributes that say what they show, so tests can
//! count them: `sw-dir` per directory entry (`data-entry`, `data-table`), `sw-table` per
//! table, `sw-group` once per group (`data-table`, `data-group`, `data-ctrl` = the control
//! word's 16 hex digits), `sw-ctrl` per control byte of those (`data-ctrl`).

use svg::node::element::{Circle, Group, Title};

use super::super::marks::MarkKind;
use super::super::svg::{arrow, clean, document, rect, title_block, txt, M};
use super::super::text::wrap;
use super::capture::{Ctrl, SwissGroup, SwissSlot, SwissView};
use super::marks::{SwissMarks, COMPACT_GROUPS};

impl Ctrl {
    /// Fill colour of a control byte's cell.
    pub fn color(self) -> &'static str {
        match self {
            Ctrl::Empty => "#f4f4f4",
            Ctrl::Deleted => "#f0a08c",
            Ctrl::Full(_) => "#8fd48f",
        }
    }
}

/// Width of one slot column.
const CW: f64 = 66.0;
/// Height of one strip (control byte, key, elem).
const SH: f64 = 18.0;
/// Label area at the left of a group.
const LBL: f64 = 74.0;
/// Width of a group row.
const GW: f64 = LBL + 8.0 * CW;
/// Height of a group row.
const GH: f64 = 3.0 * SH;
/// Room for notes to the right of a group row.
const NOTES: f64 = 300.0;
/// Width of a directory entry box.
const DW: f64 = 92.0;
/// Gap between the directory and the tables (the arrows' room).
const DGAP: f64 = 70.0;
/// A compact control byte's cell.
const CB: f64 = 9.0;
/// Compact groups per row.
const PER_ROW: usize = 8;
/// Width of one compact group (8 cells and a gap).
const CGW: f64 = 8.0 * CB + 16.0;

/// The SVG picture of a Swiss map.
pub fn swiss_svg(v: &SwissView, marks: &SwissMarks, title: &str, caption: &str) -> String {
    let has_dir = !v.tables.is_empty();
    let tx = if has_dir { M + DW + DGAP } else { M };
    let width = (tx + GW + NOTES + M).max(2.0 * M + 9.0 * 120.0);

    let (mut g, y) = title_block(title, caption, width);
    let (hg, hh) = header(v, M, y + 6.0);
    g = g.add(hg);
    let top = y + 6.0 + hh + 24.0;
    let mut height = top;

    if v.no_memory {
        g = g.add(
            txt(
                M,
                top + 14.0,
                "dirPtr: nil, allocated on the first insert",
                13.0,
            )
            .set("font-family", "sans-serif"),
        );
        height += 30.0;
    } else if let Some(sg) = &v.small {
        g = g.add(
            txt(
                M,
                top + 12.0,
                "dirPtr points at one group: a small map (at most 8 entries, no directory, no table)",
                13.0,
            )
            .set("font-weight", "bold")
            .set("font-family", "sans-serif"),
        );
        let gy = top + 22.0;
        g = g.add(group_row(sg, None, 0, M, gy, marks, true));
        height = gy + GH + 10.0;
    } else {
        // Tables first, remembering where each title line is, then the directory.
        let mut ty = top;
        let mut title_y = vec![];
        for (t, tab) in v.tables.iter().enumerate() {
            title_y.push(ty + 8.0);
            let mut tg = Group::new()
                .set("class", "sw-table")
                .set("data-table", t)
                .set("data-index", tab.index)
                .set("data-capacity", tab.capacity)
                .set("data-used", tab.used);
            let mut head = format!("table {t}: {}", tab.fields());
            for (mt, note) in &marks.tables {
                if *mt == t {
                    head.push_str(&format!("  ← {note}"));
                }
            }
            tg = tg.add(
                txt(tx, ty + 12.0, &head, 13.0)
                    .set("font-weight", "bold")
                    .set("font-family", "sans-serif"),
            );
            ty += 22.0;
            if tab.groups.len() <= COMPACT_GROUPS {
                for (j, grp) in tab.groups.iter().enumerate() {
                    tg = tg.add(group_row(grp, Some(t), j, tx, ty, marks, true));
                    ty += GH + 8.0;
                }
            } else {
                for (j, grp) in tab.groups.iter().enumerate() {
                    let (col, row) = (j % PER_ROW, j / PER_ROW);
                    let cx = tx + col as f64 * CGW;
                    let cy = ty + row as f64 * (CB + 14.0);
                    if col == 0 {
                        tg = tg.add(
                            txt(cx - 4.0, cy + 8.0, &format!("g{j}"), 8.0)
                                .set("fill", "#777")
                                .set("text-anchor", "end"),
                        );
                    }
                    tg = tg.add(compact_group(grp, Some(t), j, cx, cy, marks));
                }
                ty += tab.groups.len().div_ceil(PER_ROW) as f64 * (CB + 14.0) + 6.0;
                for (j, grp) in tab.groups.iter().enumerate() {
                    if marks.touches(Some(t), j) {
                        tg = tg.add(group_row(grp, Some(t), j, tx, ty, marks, false));
                        ty += GH + 8.0;
                    }
                }
            }
            g = g.add(tg);
            ty += 14.0;
        }
        // The directory: one box per entry, an arrow to its table.
        let n = v.directory.len();
        let eh = if n > 32 { 12.0 } else { 22.0 };
        g = g.add(
            txt(M, top + 12.0, &format!("directory ({n})"), 12.0)
                .set("font-weight", "bold")
                .set("font-family", "sans-serif"),
        );
        for (e, &t) in v.directory.iter().enumerate() {
            let ey = top + 20.0 + e as f64 * eh;
            let mut eg = Group::new()
                .set("class", "sw-dir")
                .set("data-entry", e)
                .set("data-table", t)
                .add(Title::new(format!("directory entry {e} -> table {t}")))
                .add(rect(M, ey, DW, eh, "#eef3fb"))
                .add(txt(
                    M + 4.0,
                    ey + eh - 4.0,
                    &format!("[{e}] → t{t}"),
                    eh.min(22.0) * 0.5,
                ));
            for (me, note) in &marks.entries {
                if *me == e {
                    eg = eg.add(Title::new(clean(note)));
                }
            }
            g = g.add(eg);
            g = g.add(arrow(M + DW, ey + eh / 2.0, tx - 6.0, title_y[t], "#335"));
        }
        height = ty.max(top + 20.0 + n as f64 * eh + 10.0);
    }

    let ly = height + 10.0;
    let (lg, lh) = legend(M, ly);
    g = g.add(lg);
    let height = ly + lh + M;

    document(g, width, height)
}

/// The `Map` header boxes. Returns the group and its height.
fn header(v: &SwissView, x: f64, y: f64) -> (Group, f64) {
    let dir = if v.no_memory {
        "nil".to_string()
    } else if v.small.is_some() {
        "group".to_string()
    } else {
        "directory".to_string()
    };
    let mut fields: Vec<(&str, String, String)> = vec![
        ("used", v.used.to_string(), "entries (len)".into()),
        ("seed", format!("{:016x}", v.seed), "hash seed".into()),
        ("dirPtr", dir, "small group or directory".into()),
        ("dirLen", v.dirLen.to_string(), "directory entries".into()),
        (
            "globalDepth",
            v.globalDepth.to_string(),
            "top hash bits index dir".into(),
        ),
        (
            "globalShift",
            v.globalShift.to_string(),
            "64 - globalDepth".into(),
        ),
        ("clearSeq", v.clearSeq.to_string(), "clear count".into()),
        (
            "writing",
            v.writing.to_string(),
            "a write is running".into(),
        ),
    ];
    if let Some(t) = v.tombstonePossible {
        fields.push((
            "tombstonePossible",
            (t as u8).to_string(),
            "a table may hold tombstones".into(),
        ));
    }
    let w = 120.0;
    let h = 50.0;
    let mut g = Group::new().add(
        txt(
            x,
            y + 10.0,
            &format!("Map ({}, Go {} Swiss map)", v.type_name, v.release.name()),
            11.0,
        )
        .set("fill", "#555")
        .set("font-family", "sans-serif"),
    );
    let y = y + 14.0;
    for (k, (name, val, note)) in fields.iter().enumerate() {
        let bx = x + k as f64 * w;
        let size = if val.len() > 12 { 10.0 } else { 14.0 };
        g = g
            .add(rect(bx, y, w, h, "#eef3fb"))
            .add(txt(bx + 5.0, y + 13.0, name, 10.0).set("fill", "#555"))
            .add(txt(bx + 5.0, y + 30.0, val, size).set("font-weight", "bold"))
            .add(
                txt(bx + 5.0, y + 44.0, note, 8.0)
                    .set("fill", "#555")
                    .set("font-family", "sans-serif"),
            );
    }
    (g, 14.0 + h)
}

/// A group drawn in full at (x, y): a label, then per slot its control byte over its key
/// over its elem, and the group's notes to the right. `counted` marks the group's one
/// counted representation (`sw-group`); a large table's marked groups are repeated in
/// full as `sw-zoom`.
fn group_row(
    grp: &SwissGroup,
    table: Option<usize>,
    j: usize,
    x: f64,
    y: f64,
    marks: &SwissMarks,
    counted: bool,
) -> Group {
    let mut g = Group::new()
        .set("class", if counted { "sw-group" } else { "sw-zoom" })
        .set("data-table", table.map_or(-1, |t| t as i64))
        .set("data-group", j)
        .set("data-ctrl", grp.ctrl_hex())
        .add(rect(x, y, LBL, GH, "#e8e8e8"))
        .add(txt(x + 5.0, y + 15.0, "group", 10.0).set("fill", "#444"))
        .add(txt(x + 5.0, y + 33.0, &j.to_string(), 13.0).set("font-weight", "bold"));
    for (k, name) in ["ctrl", "key", "elem"].iter().enumerate() {
        g = g.add(
            txt(x + LBL - 4.0, y + k as f64 * SH + 13.0, name, 8.0)
                .set("fill", "#777")
                .set("text-anchor", "end"),
        );
    }
    for (s, sl) in grp.slots.iter().enumerate() {
        let cx = x + LBL + s as f64 * CW;
        g = g.add(slot_cell(sl, s, cx, y, counted));
    }
    for m in &marks.slots {
        if m.at.table != table || m.at.group != j {
            continue;
        }
        let cx = x + LBL + m.at.slot as f64 * CW;
        g = match m.kind {
            MarkKind::Highlight => g.add(
                rect(cx - 1.5, y - 1.5, CW + 3.0, GH + 3.0, "none")
                    .set("stroke", "#d62728")
                    .set("stroke-width", 2.5),
            ),
            MarkKind::Number => g
                .add(
                    Circle::new()
                        .set("cx", cx + CW - 9.0)
                        .set("cy", y + SH + 9.0)
                        .set("r", 8)
                        .set("fill", "#1f3b63"),
                )
                .add(
                    txt(cx + CW - 9.0, y + SH + 12.5, &m.label, 9.0)
                        .set("fill", "#fff")
                        .set("text-anchor", "middle"),
                ),
        };
    }
    let mut ny = y + 12.0;
    for note in marks.group_notes(table, j) {
        g = g.add(
            txt(x + GW + 8.0, ny, &format!("← {note}"), 10.0)
                .set("font-family", "sans-serif")
                .set("fill", "#b22"),
        );
        ny += 14.0;
    }
    g
}

/// One slot's column: control byte, key, elem.
fn slot_cell(sl: &SwissSlot, s: usize, cx: f64, y: f64, counted: bool) -> Group {
    let st = sl.state();
    let label = match st {
        Ctrl::Empty => "80 empty".to_string(),
        Ctrl::Deleted => "fe deleted".to_string(),
        Ctrl::Full(h2) => format!("{h2:02x}"),
    };
    let mut ctrl = rect(cx, y, CW, SH, st.color());
    if counted {
        ctrl = ctrl
            .set("class", "sw-ctrl")
            .set("data-ctrl", format!("{:02x}", sl.ctrl));
    }
    let mut cell = Group::new()
        .add(Title::new(clean(&format!(
            "slot {s}: control byte {:#04x} ({})\nkey: {}{}\nelem: {}{}",
            sl.ctrl,
            st.name(),
            if sl.indirect_key { "(indirect) " } else { "" },
            if sl.key.is_blank() { "-" } else { &sl.key.full },
            if sl.indirect_elem { "(indirect) " } else { "" },
            if sl.elem.is_blank() {
                "-"
            } else {
                &sl.elem.full
            },
        ))))
        .add(ctrl)
        .add(
            txt(
                cx + CW / 2.0,
                y + 13.0,
                &label,
                if st.is_full() { 11.0 } else { 9.0 },
            )
            .set("text-anchor", "middle")
            .set("fill", if st == Ctrl::Empty { "#aaa" } else { "#000" }),
        );
    for (k, val, ind) in [
        (1.0, &sl.key, sl.indirect_key),
        (2.0, &sl.elem, sl.indirect_elem),
    ] {
        let mut r = rect(
            cx,
            y + k * SH,
            CW,
            SH,
            if st.is_full() { "#ffffff" } else { "#fafafa" },
        );
        if ind {
            // An indirect slot holds a pointer: dashed outline, `*` before the value.
            r = r.set("stroke-dasharray", "3 2");
        }
        cell = cell.add(r);
        if !val.is_blank() {
            let shown = if ind {
                format!("*{}", val.short)
            } else {
                val.short.clone()
            };
            cell = cell.add(
                txt(cx + 4.0, y + k * SH + 13.0, &shown, 10.0)
                    .set("fill", if val.stale { "#999" } else { "#000" })
                    .set("font-style", if val.stale { "italic" } else { "normal" }),
            );
        } else if ind {
            cell = cell.add(txt(cx + 4.0, y + k * SH + 13.0, "*nil", 9.0).set("fill", "#aaa"));
        }
    }
    cell
}

/// A group of a large table as a strip of 8 control-byte cells.
fn compact_group(
    grp: &SwissGroup,
    table: Option<usize>,
    j: usize,
    x: f64,
    y: f64,
    marks: &SwissMarks,
) -> Group {
    let mut g = Group::new()
        .set("class", "sw-group")
        .set("data-table", table.map_or(-1, |t| t as i64))
        .set("data-group", j)
        .set("data-ctrl", grp.ctrl_hex())
        .add(Title::new(format!(
            "group {j}: control word {} ({} full, {} deleted, {} empty)",
            grp.ctrl_hex(),
            grp.count(Ctrl::Full(0)),
            grp.count(Ctrl::Deleted),
            grp.count(Ctrl::Empty)
        )));
    for (s, b) in grp.ctrl.iter().enumerate() {
        g = g.add(
            rect(x + s as f64 * CB, y, CB, CB, Ctrl::of(*b).color())
                .set("stroke-width", 0.4)
                .set("class", "sw-ctrl")
                .set("data-ctrl", format!("{b:02x}")),
        );
    }
    if marks.touches(table, j) {
        g = g.add(
            rect(x - 1.5, y - 1.5, 8.0 * CB + 3.0, CB + 3.0, "none")
                .set("stroke", "#d62728")
                .set("stroke-width", 1.5),
        );
    }
    g
}

/// The colour legend. Returns the group and its height.
fn legend(x: f64, y: f64) -> (Group, f64) {
    let mut g = Group::new().add(
        txt(x, y + 12.0, "control byte colours:", 11.0)
            .set("font-weight", "bold")
            .set("font-family", "sans-serif"),
    );
    let items = [
        (
            Ctrl::Full(0x4b),
            "4b",
            "full: the low 7 bits of its key's hash (H2)",
        ),
        (Ctrl::Empty, "80", "ctrlEmpty: never used (ends a probe)"),
        (
            Ctrl::Deleted,
            "fe",
            "ctrlDeleted: a tombstone (probes go on)",
        ),
    ];
    let cy = y + 20.0;
    for (k, (c, name, note)) in items.iter().enumerate() {
        let cx = x + k as f64 * 380.0;
        g = g
            .add(rect(cx, cy, 40.0, 16.0, c.color()))
            .add(txt(cx + 20.0, cy + 12.0, name, 9.0).set("text-anchor", "middle"))
            .add(
                txt(cx + 46.0, cy + 12.0, note, 10.0)
                    .set("font-family", "sans-serif")
                    .set("fill", "#333"),
            );
    }
    let note = "dashed cell with *: the slot holds a pointer (indirect key or elem); grey \
                italic: bytes left in a slot that is not full; tables of more than 16 groups \
                show their control words only, and their marked groups again in full; hover a \
                cell for details";
    let mut ny = cy + 34.0;
    for line in wrap(note, 150) {
        g = g.add(
            txt(x, ny, &line, 10.0)
                .set("font-family", "sans-serif")
                .set("fill", "#555"),
        );
        ny += 14.0;
    }
    (g, ny - y)
}
