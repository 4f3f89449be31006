//! Pictures of a Swiss map (Go 1.24 to 1.27, `gomap::swiss`): the same three ways as the
//! classic map's, from the engine's canonical dump.
//!
//! * `capture.rs`: [`SwissView`] and its parts, read from `gomap::swiss::dump`;
//! * `marks.rs`: [`SwissMarks`], what a stage highlights;
//! * `text.rs`: the text picture;
//! * `svg.rs`: the SVG picture.

mod capture;
mod marks;
mod svg;
mod text;

pub use capture::{Ctrl, SlotAt, SwissGroup, SwissSlot, SwissTable, SwissView};
pub use marks::{SlotMark, SwissMarks, COMPACT_GROUPS};
pub use svg::swiss_svg;
pub use text::{header_line, swiss_text, SWISS_TEXT_LEGEND};
