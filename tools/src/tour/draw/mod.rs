//! Pictures of a map's insides: the one place that reads a live map for drawing.
//!
//! [`MapView::capture`] copies what a picture needs out of a live map (header fields, every
//! bmap of both bucket arrays with its tophash bytes and decoded keys and elems, where each
//! bmap lives, the preallocated overflow region). Everything after that is plain data:
//! [`text()`] draws a compact text picture (one line per bmap) and [`svg()`] an SVG picture.
//! `gomap tour` and `gomap viz` both draw through here.
//!
//! Reading goes through the runtime's own helpers (`bucket_at`, `key_at`, `elem_at`,
//! `Bmap::overflow`, `bucket_array_len`), so the pictures show exactly the bytes the map
//! code works on.
//!
//! One job per file:
//!
//! * `capture.rs`: the snapshot types ([`MapView`], [`ArrayView`], [`BmapView`], ...) and
//!   the code that fills them from a live map;
//! * `marks.rs`: [`Marks`], what a stage highlights (slots, numbers, notes);
//! * `rows.rs`: which rows an array's picture has (both renderers draw the same ones);
//! * `text.rs`: the text picture;
//! * `svg.rs`: the SVG picture;
//! * `swiss/`: the same for the Swiss map of Go 1.24 to 1.27, read from its canonical dump.

mod capture;
mod marks;
mod rows;
mod svg;
pub mod swiss;
mod text;

pub use self::svg::svg;
pub use capture::{ArrayId, ArrayView, BmapView, CellState, MapView, Origin, SpareView, Val};
pub use marks::{BucketMark, CellMark, MarkKind, Marks};
pub use text::{text, wrap, TEXT_LEGEND};
