//! Marks: what a picture highlights over a map (outlined slots, numbered slots, notes
//! beside buckets).

use super::capture::ArrayId;

/// What a mark on a slot means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// Outline the slot and write the label beside its bmap.
    Highlight,
    /// A small numbered disc on the slot (iteration order); the label is the number.
    Number,
}

/// A mark on one slot.
#[derive(Clone, Debug)]
pub struct CellMark {
    /// The array.
    pub which: ArrayId,
    /// The bucket.
    pub bucket: usize,
    /// Position in the bucket's chain (0 = the bucket itself).
    pub chain: usize,
    /// The slot.
    pub slot: usize,
    /// What is written.
    pub label: String,
    /// How it is drawn.
    pub kind: MarkKind,
}

/// A note beside a bucket.
#[derive(Clone, Debug)]
pub struct BucketMark {
    /// The array.
    pub which: ArrayId,
    /// The bucket.
    pub bucket: usize,
    /// The note.
    pub label: String,
}

/// Annotations drawn over a map picture.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    /// Marks on slots.
    pub cells: Vec<CellMark>,
    /// Notes beside buckets.
    pub buckets: Vec<BucketMark>,
}

impl Marks {
    /// Outlines a slot with a label.
    pub fn cell(&mut self, which: ArrayId, at: (usize, usize, usize), label: impl Into<String>) {
        self.cells.push(CellMark {
            which,
            bucket: at.0,
            chain: at.1,
            slot: at.2,
            label: label.into(),
            kind: MarkKind::Highlight,
        });
    }

    /// Puts a number on a slot.
    pub fn number(&mut self, which: ArrayId, at: (usize, usize, usize), n: usize) {
        self.cells.push(CellMark {
            which,
            bucket: at.0,
            chain: at.1,
            slot: at.2,
            label: n.to_string(),
            kind: MarkKind::Number,
        });
    }

    /// Writes a note beside a bucket.
    pub fn bucket(&mut self, which: ArrayId, bucket: usize, label: impl Into<String>) {
        self.buckets.push(BucketMark {
            which,
            bucket,
            label: label.into(),
        });
    }

    pub(super) fn touches(&self, which: ArrayId, bucket: usize) -> bool {
        self.cells
            .iter()
            .any(|m| m.which == which && m.bucket == bucket)
            || self
                .buckets
                .iter()
                .any(|m| m.which == which && m.bucket == bucket)
    }
}
