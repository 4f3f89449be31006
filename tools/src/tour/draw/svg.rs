//! SVG rendering: the picture of a map as an SVG document (hmap header, bucket arrays,
//! marks, colour legend).

use svg::node::element::{
    Circle, Definitions, Group, Line, Marker, Path, Rectangle, Text as SvgText, Title,
};
use svg::Document;

use gomap::export_test::runtime::types::BUCKET_CNT;

use super::capture::{shorten, ArrayId, ArrayView, BmapView, CellState, MapView, Origin};
use super::marks::{MarkKind, Marks};
use super::rows::{rows, spare_rows, Row};
use super::text::wrap;

impl CellState {
    /// Short label inside an SVG cell.
    fn short(self) -> &'static str {
        match self {
            CellState::EmptyRest => "emptyRest",
            CellState::EmptyOne => "emptyOne",
            CellState::EvacX => "evacX",
            CellState::EvacY => "evacY",
            CellState::EvacEmpty => "evacEmpty",
            CellState::Live => "",
        }
    }

    /// Fill colour of the SVG cell.
    pub fn color(self) -> &'static str {
        match self {
            CellState::EmptyRest => "#f4f4f4",
            CellState::EmptyOne => "#ffd27a",
            CellState::EvacX => "#8db8f0",
            CellState::EvacY => "#c6a6f0",
            CellState::EvacEmpty => "#c9c9c9",
            CellState::Live => "#8fd48f",
        }
    }
}

/// Width of one slot column.
const CW: f64 = 66.0;
/// Height of one strip (tophash, keys, elems).
const SH: f64 = 18.0;
/// Label area at the left of a bmap.
const LBL: f64 = 110.0;
/// Overflow pointer cell at the right of a bmap.
const OV: f64 = 34.0;
/// Width of a bmap.
const BW: f64 = LBL + 8.0 * CW + OV;
/// Height of a bmap.
const BH: f64 = 3.0 * SH;
/// Room for notes to the right of a bmap.
const NOTES: f64 = 210.0;
/// Gap between a bmap and its overflow bmap below (the arrow's room).
const CHAIN_GAP: f64 = 16.0;
/// Gap between buckets.
const ROW_GAP: f64 = 10.0;
/// Page margin.
pub(super) const M: f64 = 20.0;
/// Left gutter of the old array (for the nevacuate marker).
const GUTTER: f64 = 96.0;

pub(super) fn txt(x: f64, y: f64, s: &str, size: f64) -> SvgText {
    SvgText::new(clean(s))
        .set("x", x)
        .set("y", y)
        .set("font-size", size)
}

/// Keeps only characters XML allows in text.
pub(super) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

pub(super) fn rect(x: f64, y: f64, w: f64, h: f64, fill: &str) -> Rectangle {
    Rectangle::new()
        .set("x", x)
        .set("y", y)
        .set("width", w)
        .set("height", h)
        .set("fill", fill)
        .set("stroke", "#555")
        .set("stroke-width", 0.8)
}

pub(super) fn arrow(x1: f64, y1: f64, x2: f64, y2: f64, color: &str) -> Line {
    Line::new()
        .set("x1", x1)
        .set("y1", y1)
        .set("x2", x2)
        .set("y2", y2)
        .set("stroke", color)
        .set("stroke-width", 1.4)
        .set("marker-end", "url(#arrow)")
}

/// The SVG picture of a map: title and caption, the hmap header, the bucket array (and
/// the old one beside it while growing), marks, legend.
pub fn svg(v: &MapView, marks: &Marks, title: &str, caption: &str) -> String {
    let has_old = v.old.is_some();
    let panel_w = BW + NOTES;
    let new_x = M;
    let old_x = M + panel_w + GUTTER;
    let width = if has_old {
        old_x + panel_w + M
    } else {
        (M + panel_w + M).max(2.0 * M + 9.0 * 104.0)
    };

    let (mut g, y) = title_block(title, caption, width);

    // header
    let hy = y + 6.0;
    let (hg, buckets_box, old_box) = header(v, M, hy);
    g = g.add(hg);
    let top = hy + 50.0 + 34.0;

    let mut height = top;
    if let Some(a) = &v.new {
        let (ag, h) = array_svg(a, v, marks, new_x, top);
        g = g.add(ag);
        g = g.add(elbow(buckets_box, new_x, top));
        height = height.max(top + h);
    } else {
        g = g.add(
            txt(
                new_x,
                top + 14.0,
                "buckets: nil, allocated on the first write",
                13.0,
            )
            .set("font-family", "sans-serif"),
        );
        height = height.max(top + 30.0);
    }
    if let Some(a) = &v.old {
        let (ag, h) = array_svg(a, v, marks, old_x, top);
        g = g.add(ag);
        g = g.add(elbow(old_box, old_x, top));
        height = height.max(top + h);
    }

    // legend
    let ly = height + 14.0;
    let (lg, lh) = legend(M, ly, width - 2.0 * M);
    g = g.add(lg);
    let height = ly + lh + M;

    document(g, width, height)
}

/// The title (bold) and the caption (wrapped, at most 5 lines) at the top of a picture
/// `width` wide. Returns the group and the y below them.
pub(super) fn title_block(title: &str, caption: &str, width: f64) -> (Group, f64) {
    let mut g = Group::new().add(
        txt(M, 28.0, title, 19.0)
            .set("font-weight", "bold")
            .set("font-family", "sans-serif"),
    );
    let mut cap = wrap(caption, ((width - 2.0 * M) / 6.6) as usize);
    if cap.len() > 5 {
        cap.truncate(5);
        cap[4].push_str(" …");
    }
    let mut y = 50.0;
    for line in &cap {
        g = g.add(
            txt(M, y, line, 13.0)
                .set("font-family", "sans-serif")
                .set("fill", "#333"),
        );
        y += 17.0;
    }
    (g, y)
}

/// The SVG document of a picture: the arrow marker, a white page, then `g`.
pub(super) fn document(g: Group, width: f64, height: f64) -> String {
    let defs = Definitions::new().add(
        Marker::new()
            .set("id", "arrow")
            .set("viewBox", "0 0 10 10")
            .set("refX", 9)
            .set("refY", 5)
            .set("markerWidth", 7)
            .set("markerHeight", 7)
            .set("orient", "auto")
            .add(
                Path::new()
                    .set("d", "M 0 0 L 10 5 L 0 10 z")
                    .set("fill", "#333"),
            ),
    );
    Document::new()
        .set("width", width.ceil())
        .set("height", height.ceil())
        .set("viewBox", (0, 0, width.ceil(), height.ceil()))
        .set(
            "font-family",
            "DejaVu Sans Mono, Menlo, Consolas, monospace",
        )
        .add(defs)
        .add(rect(0.0, 0.0, width.ceil(), height.ceil(), "#ffffff").set("stroke", "none"))
        .add(g)
        .to_string()
}

/// The hmap header boxes. Returns the group and the bottom centres of the `buckets` and
/// `oldbuckets` boxes (arrow starts).
fn header(v: &MapView, x: f64, y: f64) -> (Group, (f64, f64), (f64, f64)) {
    let nold = v.old.as_ref().map_or(0, |a| a.nbuckets);
    let fields: Vec<(&str, String, String)> = vec![
        ("count", v.count.to_string(), "entries (len)".into()),
        ("flags", v.flags.to_string(), v.flag_names()),
        (
            "B",
            v.B.to_string(),
            format!("2^B = {} buckets", 1usize << v.B),
        ),
        (
            "noverflow",
            v.noverflow.to_string(),
            "overflow buckets".into(),
        ),
        ("hash0", format!("{:08x}", v.hash0), "hash seed".into()),
        (
            "buckets",
            if v.new.is_some() { "ptr" } else { "nil" }.into(),
            "current array".into(),
        ),
        (
            "oldbuckets",
            if v.growing { "ptr" } else { "nil" }.into(),
            if v.growing {
                "array being moved".into()
            } else {
                "not growing".into()
            },
        ),
        (
            "nevacuate",
            v.nevacuate.to_string(),
            if v.growing {
                format!("of {nold} old moved")
            } else {
                "grow progress".into()
            },
        ),
        (
            "nextOverflow",
            v.next_overflow.map_or("nil".into(), |j| format!("@{j}")),
            "next spare bucket".into(),
        ),
    ];
    let w = 104.0;
    let h = 50.0;
    let mut g = Group::new().add(
        txt(x, y + 10.0, &format!("hmap ({})", v.type_name), 11.0)
            .set("fill", "#555")
            .set("font-family", "sans-serif"),
    );
    let y = y + 14.0;
    let mut bpos = (0.0, 0.0);
    let mut opos = (0.0, 0.0);
    for (k, (name, val, note)) in fields.iter().enumerate() {
        let bx = x + k as f64 * w;
        g = g
            .add(rect(bx, y, w, h, "#eef3fb"))
            .add(txt(bx + 5.0, y + 13.0, name, 10.0).set("fill", "#555"))
            .add(txt(bx + 5.0, y + 30.0, val, 14.0).set("font-weight", "bold"))
            .add(
                txt(bx + 5.0, y + 44.0, &shorten(note, 21), 9.0)
                    .set("fill", "#555")
                    .set("font-family", "sans-serif"),
            );
        if *name == "buckets" {
            bpos = (bx + w / 2.0, y + h);
        }
        if *name == "oldbuckets" {
            opos = (bx + w / 2.0, y + h);
        }
    }
    (g, bpos, opos)
}

/// The title line of an array panel.
fn array_title(a: &ArrayView) -> String {
    let spare = a.alloc_len - a.nbuckets;
    match a.which {
        ArrayId::New => format!(
            "buckets: the current array, {} buckets{}",
            a.nbuckets,
            if spare > 0 {
                format!(" + {spare} preallocated overflow")
            } else {
                String::new()
            }
        ),
        ArrayId::Old => format!(
            "oldbuckets: {} buckets being moved, {} done",
            a.nbuckets,
            a.evacuated_list().len()
        ),
    }
}

/// An arrow from a header box's bottom `from` to the panel at `x` whose title line is at
/// `top`: straight down into the array when the box is above the panel, else down to the
/// title line and across to its start.
fn elbow(from: (f64, f64), x: f64, top: f64) -> Path {
    let d = if (x..x + BW).contains(&from.0) {
        format!("M {} {} V {}", from.0, from.1, top + 20.0)
    } else {
        let tx = if from.0 < x { x - 4.0 } else { x + BW + 4.0 };
        format!("M {} {} V {} H {}", from.0, from.1, top + 7.0, tx)
    };
    Path::new()
        .set("d", d)
        .set("fill", "none")
        .set("stroke", "#333")
        .set("stroke-width", 1.4)
        .set("marker-end", "url(#arrow)")
}

/// One array panel at (x, y). Returns the group and its height.
fn array_svg(a: &ArrayView, v: &MapView, marks: &Marks, x: f64, y: f64) -> (Group, f64) {
    let mut g = Group::new();
    let title = array_title(a);
    g = g.add(
        txt(x, y + 12.0, &title, 13.0)
            .set("font-weight", "bold")
            .set("font-family", "sans-serif"),
    );
    let mut cy = y + 22.0;
    for row in rows(a, marks) {
        match row {
            Row::Empty(i, j) => {
                g = g.add(rect(x, cy, BW, 24.0, "#f4f4f4")).add(
                    txt(
                        x + 8.0,
                        cy + 16.0,
                        &format!("buckets {i}..{j}: empty (every cell emptyRest)"),
                        11.0,
                    )
                    .set("fill", "#555"),
                );
                cy += 24.0 + ROW_GAP;
            }
            Row::Bucket(i) => {
                let chain = &a.chains[i];
                for (c, b) in chain.iter().enumerate() {
                    g = g.add(bmap_svg(a, b, i, c, x, cy));
                    // overflow arrow
                    let ox = x + LBL + 8.0 * CW + OV / 2.0;
                    if c + 1 < chain.len() {
                        g = g.add(arrow(ox, cy + BH / 2.0, ox, cy + BH + CHAIN_GAP, "#333"));
                    }
                    // notes beside the bmap
                    let mut notes: Vec<(String, &str)> = vec![];
                    if c == 0 && a.which == ArrayId::Old {
                        if a.evacuated(i) {
                            let dest = if v.same_size {
                                format!("moved to new {i}")
                            } else {
                                format!("moved to new {i} / {}", i + a.nbuckets)
                            };
                            notes.push((dest, "#2a62b8"));
                        } else {
                            notes.push(("waiting to be moved".into(), "#b36b00"));
                        }
                    }
                    if c == 0 {
                        for m in &marks.buckets {
                            if m.which == a.which && m.bucket == i {
                                notes.push((m.label.clone(), "#c0202a"));
                            }
                        }
                    }
                    for m in &marks.cells {
                        if m.which == a.which
                            && m.bucket == i
                            && m.chain == c
                            && m.kind == MarkKind::Highlight
                        {
                            notes.push((format!("slot {}: {}", m.slot, m.label), "#c0202a"));
                        }
                    }
                    let mut ny = cy + 13.0;
                    for (n, color) in notes {
                        for line in wrap(&n, 30) {
                            g = g.add(
                                txt(x + BW + 8.0, ny, &line, 11.0)
                                    .set("fill", color)
                                    .set("font-family", "sans-serif"),
                            );
                            ny += 13.0;
                        }
                    }
                    // marks on cells
                    for m in &marks.cells {
                        if m.which != a.which || m.bucket != i || m.chain != c {
                            continue;
                        }
                        let cx = x + LBL + m.slot as f64 * CW;
                        match m.kind {
                            MarkKind::Highlight => {
                                g = g.add(
                                    Rectangle::new()
                                        .set("x", cx + 1.0)
                                        .set("y", cy + 1.0)
                                        .set("width", CW - 2.0)
                                        .set("height", BH - 2.0)
                                        .set("fill", "none")
                                        .set("stroke", "#c0202a")
                                        .set("stroke-width", 2.5),
                                );
                            }
                            MarkKind::Number => {
                                g = g
                                    .add(
                                        Circle::new()
                                            .set("cx", cx + CW - 9.0)
                                            .set("cy", cy + 9.0)
                                            .set("r", 8)
                                            .set("fill", "#c0202a"),
                                    )
                                    .add(
                                        txt(cx + CW - 9.0, cy + 12.0, &m.label, 9.0)
                                            .set("fill", "#fff")
                                            .set("text-anchor", "middle")
                                            .set("font-weight", "bold"),
                                    );
                            }
                        }
                    }
                    if a.which == ArrayId::Old && c == 0 && i == v.nevacuate {
                        g = g
                            .add(
                                txt(x - GUTTER + 4.0, cy + BH / 2.0 - 4.0, "nevacuate", 11.0)
                                    .set("fill", "#c0202a")
                                    .set("font-weight", "bold"),
                            )
                            .add(arrow(
                                x - GUTTER + 4.0,
                                cy + BH / 2.0 + 4.0,
                                x - 3.0,
                                cy + BH / 2.0 + 4.0,
                                "#c0202a",
                            ));
                    }
                    cy += BH;
                    if c + 1 < chain.len() {
                        cy += CHAIN_GAP;
                    }
                }
                cy += ROW_GAP;
            }
        }
    }
    if !a.spare.is_empty() {
        g = g.add(
            txt(
                x,
                cy + 14.0,
                "preallocated overflow buckets (after the 2^B buckets, same allocation)",
                11.0,
            )
            .set("fill", "#333")
            .set("font-family", "sans-serif"),
        );
        cy += 22.0;
        for (label, used) in spare_rows(a) {
            let fill = if used { "#dff0df" } else { "#f4f4f4" };
            let lines = wrap(&label, 100);
            let h = 7.0 + 13.0 * lines.len() as f64;
            g = g.add(rect(x, cy, BW, h, fill));
            for (k, line) in lines.iter().enumerate() {
                g = g.add(txt(x + 8.0, cy + 14.0 + 13.0 * k as f64, line, 10.5));
            }
            cy += h + 4.0;
        }
    }
    (g, cy - y)
}

/// One bmap at (x, y): label area, 8 tophash cells, 8 keys, 8 elems, overflow cell.
fn bmap_svg(a: &ArrayView, b: &BmapView, bucket: usize, c: usize, x: f64, y: f64) -> Group {
    let mut g = Group::new();
    let lab = if c == 0 {
        format!("[{bucket}]")
    } else {
        "overflow".to_string()
    };
    let (origin, note) = match b.origin {
        Origin::Array(j) if j >= a.nbuckets => (format!("@{j}"), "spare"),
        Origin::Array(j) => (format!("@{j}"), ""),
        Origin::Heap => ("@h".to_string(), "own alloc"),
    };
    g = g
        .add(rect(
            x,
            y,
            LBL,
            BH,
            if c == 0 { "#e8e8e8" } else { "#f2f2f2" },
        ))
        .add(
            txt(x + 5.0, y + 15.0, &lab, if c == 0 { 13.0 } else { 10.0 })
                .set("font-weight", "bold"),
        )
        .add(txt(x + 5.0, y + 32.0, &origin, 10.0).set("fill", "#444"))
        .add(
            txt(x + 5.0, y + 47.0, note, 9.0)
                .set("fill", "#444")
                .set("font-family", "sans-serif"),
        );
    for (k, name) in ["tophash", "key", "elem"].iter().enumerate() {
        g = g.add(
            txt(x + LBL - 4.0, y + k as f64 * SH + 13.0, name, 8.0)
                .set("fill", "#777")
                .set("text-anchor", "end"),
        );
    }
    for s in 0..BUCKET_CNT {
        let cx = x + LBL + s as f64 * CW;
        let st = b.state(s);
        let tlabel = if st == CellState::Live {
            format!("{:02x}", b.tophash[s])
        } else {
            st.short().to_string()
        };
        let mut cell = Group::new()
            .add(Title::new(clean(&format!(
                "slot {s}: tophash {:#04x} ({})\nkey: {}\nelem: {}",
                b.tophash[s],
                st.name(),
                if b.keys[s].is_blank() {
                    "-"
                } else {
                    &b.keys[s].full
                },
                if b.elems[s].is_blank() {
                    "-"
                } else {
                    &b.elems[s].full
                },
            ))))
            .add(rect(cx, y, CW, SH, st.color()))
            .add(
                txt(
                    cx + CW / 2.0,
                    y + 13.0,
                    &tlabel,
                    if st == CellState::Live { 11.0 } else { 9.0 },
                )
                .set("text-anchor", "middle")
                .set(
                    "fill",
                    if st == CellState::EmptyRest {
                        "#aaa"
                    } else {
                        "#000"
                    },
                ),
            );
        for (k, val) in [(1.0, &b.keys[s]), (2.0, &b.elems[s])] {
            let fill = if st == CellState::Live {
                "#ffffff"
            } else {
                "#fafafa"
            };
            cell = cell.add(rect(cx, y + k * SH, CW, SH, fill));
            if !val.is_blank() {
                cell = cell.add(
                    txt(cx + 4.0, y + k * SH + 13.0, &val.short, 10.0)
                        .set("fill", if val.stale { "#999" } else { "#000" })
                        .set("font-style", if val.stale { "italic" } else { "normal" }),
                );
            }
        }
        g = g.add(cell);
    }
    // overflow pointer cell
    let ox = x + LBL + 8.0 * CW;
    let next = c + 1 < a.chains[bucket].len();
    g = g.add(rect(ox, y, OV, BH, "#e8e8e8")).add(
        txt(ox + OV / 2.0, y + 12.0, "ovf", 8.0)
            .set("fill", "#777")
            .set("text-anchor", "middle"),
    );
    if next {
        g = g.add(
            Circle::new()
                .set("cx", ox + OV / 2.0)
                .set("cy", y + BH / 2.0)
                .set("r", 3)
                .set("fill", "#333"),
        );
    } else {
        g = g.add(
            txt(ox + OV / 2.0, y + BH / 2.0 + 8.0, "nil", 9.0)
                .set("fill", "#777")
                .set("text-anchor", "middle"),
        );
    }
    g
}

/// The colour legend. Returns the group and its height.
fn legend(x: f64, y: f64, width: f64) -> (Group, f64) {
    let mut g = Group::new().add(
        txt(x, y + 12.0, "tophash cell colours:", 11.0)
            .set("font-weight", "bold")
            .set("font-family", "sans-serif"),
    );
    let notes = [
        "live entry: top 8 bits of its hash",
        "empty; nothing live after it",
        "empty; a hole left by a delete",
        "moved to new bucket i (X half)",
        "moved to new bucket i+2^oldB (Y half)",
        "was empty when its bucket was moved",
    ];
    let per_row = ((width / 310.0) as usize).max(1);
    let mut cy = y + 20.0;
    for (k, st) in CellState::ALL.iter().enumerate() {
        let col = k % per_row;
        if k > 0 && col == 0 {
            cy += 20.0;
        }
        let cx = x + col as f64 * 310.0;
        let name = if *st == CellState::Live {
            "9c"
        } else {
            st.short()
        };
        g = g
            .add(rect(cx, cy, 62.0, 16.0, st.color()))
            .add(txt(cx + 31.0, cy + 12.0, name, 9.0).set("text-anchor", "middle"))
            .add(
                txt(cx + 68.0, cy + 12.0, notes[k], 10.0)
                    .set("font-family", "sans-serif")
                    .set("fill", "#333"),
            );
    }
    cy += 26.0;
    g = g.add(
        txt(
            x,
            cy + 10.0,
            "@J: the J-th bucket of the array's allocation; @h: an overflow bucket allocated on its own; grey italic: bytes left in a dead slot; hover a cell for details",
            10.0,
        )
        .set("font-family", "sans-serif")
        .set("fill", "#555"),
    );
    (g, cy + 16.0 - y)
}
