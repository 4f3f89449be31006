//! The tour as one self-contained HTML page: every stage with its explanation, facts,
//! inline SVG picture and text drawing, and prev/next buttons (also the arrow keys) to
//! step through them. The page is well-formed XML (XHTML syntax) and needs no network.

use core::fmt::Write as _;

use super::Stage;

/// Escapes text for XML content and attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #222; background: #fafafa; }
nav { position: sticky; top: 0; background: #1f3b63; color: #fff; padding: 8px 16px; z-index: 2; display: flex; gap: 12px; align-items: center; }
nav button { font-size: 15px; padding: 4px 14px; cursor: pointer; }
nav select { font-size: 14px; max-width: 60ch; }
header, section { max-width: 1700px; margin: 0 auto; padding: 12px 24px; }
section { border-top: 1px solid #ccc; background: #fff; margin-bottom: 24px; }
section p { max-width: 100ch; line-height: 1.45; }
table.facts { border-collapse: collapse; font-family: monospace; font-size: 13px; margin: 8px 0; }
table.facts td, table.facts th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
table.facts th { background: #eef3fb; }
.pic { overflow-x: auto; border: 1px solid #ddd; }
.pic svg { max-width: 100%; height: auto; }
pre { background: #f3f3f3; padding: 8px; overflow-x: auto; font-size: 12px; }
";

const SCRIPT: &str = "
var secs = document.querySelectorAll('section.stage');
var cur = 0;
function show(i) {
  i = Math.max(0, Math.min(secs.length - 1, i));
  cur = i;
  secs[i].scrollIntoView({behavior: 'smooth', block: 'start'});
  document.getElementById('pick').value = String(i);
}
document.getElementById('prev').addEventListener('click', function () { show(cur - 1); });
document.getElementById('next').addEventListener('click', function () { show(cur + 1); });
document.getElementById('pick').addEventListener('change', function (e) { show(Number(e.target.value)); });
document.addEventListener('keydown', function (e) {
  if (e.key === 'ArrowRight' || e.key === 'j') { show(cur + 1); }
  if (e.key === 'ArrowLeft' || e.key === 'k') { show(cur - 1); }
});
window.addEventListener('scroll', function () {
  var best = 0, bestD = Infinity;
  secs.forEach(function (s, i) {
    var d = Math.abs(s.getBoundingClientRect().top - 50);
    if (bestD > d) { best = i; bestD = d; }
  });
  cur = best;
  document.getElementById('pick').value = String(best);
});
";

/// The whole page.
pub fn page(stages: &[Stage], release: &str) -> String {
    let mut h = String::new();
    h.push_str(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n",
    );
    h.push_str("<meta charset=\"utf-8\"/>\n<title>gomap tour: inside a Go map</title>\n");
    let _ = writeln!(h, "<style>{}</style>\n</head>\n<body>", raw(STYLE));
    h.push_str("<nav><button id=\"prev\" type=\"button\">\u{25c0} prev</button>");
    h.push_str("<select id=\"pick\">");
    for (i, s) in stages.iter().enumerate() {
        let _ = write!(
            h,
            "<option value=\"{i}\">{}. {}</option>",
            s.number,
            esc(&s.title)
        );
    }
    h.push_str("</select><button id=\"next\" type=\"button\">next \u{25b6}</button>");
    h.push_str("<span>arrow keys step too</span></nav>\n");
    if stages.iter().any(|s| s.swiss.is_some()) {
        h.push_str(&format!(
            "<header><h1>Inside a Go map</h1>\n<p>Real Swiss maps, built by gomap (a \
             byte-exact port of Go {release}'s internal/runtime/maps), taken through their \
             life: each stage shows what happened and why, the Map header's fields, and a \
             picture of the directory, every table and every group. In the pictures each group \
             is one row: its 8 control bytes (coloured by state: 80 empty, fe deleted, else \
             the key's h2), under them its 8 keys and 8 elems; tables of more than 16 groups \
             show only their control words, and the groups a stage is about again in full. \
             Hover a cell for its raw values. The map seeds are fixed; the hash key of the \
             process is random, as in Go, so keys land differently on every run.</p></header>\n",
        ));
    } else {
        h.push_str(&format!(
            "<header><h1>Inside a Go map</h1>\n<p>A real map, built by gomap (a byte-exact port \
             of Go {release}'s runtime/map.go), taken through its life: each stage shows what \
             happened and why, the map header's fields, and a picture of every bucket. In the \
             pictures each bucket (bmap) is one row: its 8 tophash bytes (coloured by state), \
             under them its 8 keys and 8 elems, and at the right its overflow pointer. Hover a \
             cell for its raw values. The keys land in different buckets on every run, because \
             the hash seed is random, as in Go.</p></header>\n",
        ));
    }
    for (i, s) in stages.iter().enumerate() {
        let _ = writeln!(
            h,
            "<section class=\"stage\" id=\"{}\" data-index=\"{i}\">",
            esc(&s.slug)
        );
        let _ = writeln!(h, "<h2>{}. {}</h2>", s.number, esc(&s.title));
        for p in &s.explanation {
            let _ = writeln!(h, "<p>{}</p>", esc(p));
        }
        h.push_str(&facts_table(s));
        let _ = writeln!(h, "<div class=\"pic\">{}</div>", s.svg);
        if !s.details.is_empty() {
            let _ = writeln!(h, "<pre>{}</pre>", esc(&s.details.join("\n")));
        }
        let _ = writeln!(
            h,
            "<details><summary>text drawing</summary><pre>{}</pre></details>",
            esc(&s.text)
        );
        h.push_str("</section>\n");
    }
    let _ = writeln!(h, "<script>{}</script>\n</body>\n</html>", raw(SCRIPT));
    h
}

/// Style and script text goes in unescaped (HTML reads it raw), so it must contain no `<`
/// or `&`, which would break the page as XML; checked here.
fn raw(s: &str) -> &str {
    assert!(
        !s.contains('<') && !s.contains('&'),
        "the tour page's style and script must not contain < or &"
    );
    s
}

fn facts_table(s: &Stage) -> String {
    if let Some(f) = &s.swiss {
        return swiss_facts_table(f);
    }
    let f = &s.facts;
    let mut rows: Vec<(&str, String)> = vec![
        ("count", f.count.to_string()),
        ("B", format!("{} ({} buckets)", f.B, f.nbuckets)),
        ("preallocated overflow", f.preallocated.to_string()),
        ("noverflow", f.noverflow.to_string()),
        ("overflow bmaps", f.overflow_bmaps.to_string()),
        ("flags", f.flags.to_string()),
        ("hash0", format!("{:08x}", f.hash0)),
        (
            "growing",
            if f.growing {
                format!(
                    "yes{}: {} old buckets, nevacuate = {}, evacuated {:?}",
                    if f.same_size_grow { " (same size)" } else { "" },
                    f.noldbuckets,
                    f.nevacuate,
                    f.old_evacuated
                )
            } else {
                "no".into()
            },
        ),
    ];
    if let Some(g) = &f.grow {
        rows.push((
            "grow trigger",
            if g.same_size {
                format!(
                    "noverflow {} >= 2^min(B,15) = {}",
                    g.noverflow_before,
                    1usize << g.B_before.min(15)
                )
            } else {
                format!(
                    "count {} + 1 > loadFactorNum x 2^{} / 2 = {}",
                    g.count_before, g.B_before, g.load_limit
                )
            },
        ));
    }
    table_of(&rows)
}

fn swiss_facts_table(f: &super::SwissFacts) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("used", f.used.to_string()),
        ("seed", format!("{:016x}", f.seed)),
        ("dirLen", f.dirLen.to_string()),
        ("globalDepth", f.globalDepth.to_string()),
    ];
    if let Some(t) = f.tombstonePossible {
        rows.push(("tombstonePossible", (t as u8).to_string()));
    }
    rows.push((
        "tables",
        if f.no_memory {
            "none (dirPtr nil)".into()
        } else if f.small {
            "none (small map)".into()
        } else {
            f.tables
                .iter()
                .map(|t| {
                    format!(
                        "{}/{} (growthLeft {}, localDepth {})",
                        t.used, t.capacity, t.growthLeft, t.localDepth
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        },
    ));
    rows.push(("groups", f.groups.to_string()));
    rows.push((
        "control bytes",
        format!("{} full, {} empty, {} deleted", f.full, f.empty, f.deleted),
    ));
    table_of(&rows)
}

fn table_of(rows: &[(&str, String)]) -> String {
    let mut t = String::from("<table class=\"facts\"><tr>");
    for (k, _) in rows {
        let _ = write!(t, "<th>{}</th>", esc(k));
    }
    t.push_str("</tr><tr>");
    for (_, v) in rows {
        let _ = write!(t, "<td>{}</td>", esc(v));
    }
    t.push_str("</tr></table>\n");
    t
}
