//! What the tour tests share (`tour.rs`, `swiss_tour.rs`).

use std::sync::{Mutex, MutexGuard};

use gomap_tools::tour::Stage;

/// Replaying a trace sets the process-wide AES key of Go's string hash (`aeskey`), which
/// would change the hashes under a tour running on another test thread; so the tests of
/// a file run one at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The stage whose slug ends with `slug`.
pub fn stage<'a>(stages: &'a [Stage], slug: &str) -> &'a Stage {
    stages
        .iter()
        .find(|s| s.slug.ends_with(slug))
        .unwrap_or_else(|| panic!("no stage {slug}"))
}

/// Parses `s` as XML (a picture or the tour page), failing the test with `what`.
pub fn parse_xml<'a>(what: &str, s: &'a str) -> roxmltree::Document<'a> {
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(s, opt)
        .unwrap_or_else(|e| panic!("{what} is not well-formed XML: {e}"))
}

/// Reads a written tour folder: every SVG and the HTML page must be well-formed XML.
/// Returns the number of SVG files and the page.
pub fn read_tour_dir(dir: &std::path::Path) -> (usize, String) {
    let mut svgs = 0;
    let mut html = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let s = std::fs::read_to_string(&p).unwrap();
        match p.extension().and_then(|x| x.to_str()) {
            Some("svg") => {
                parse_xml(&p.display().to_string(), &s);
                svgs += 1;
            }
            Some("html") => {
                parse_xml(&p.display().to_string(), &s);
                html = s;
            }
            _ => {}
        }
    }
    (svgs, html)
}
