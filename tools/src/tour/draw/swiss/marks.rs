//! Marks over a Swiss map picture: outlined or numbered slots, notes beside groups,
//! tables and directory entries.

use super::super::marks::MarkKind;
use super::capture::SlotAt;

/// A mark on one slot.
#[derive(Clone, Debug)]
pub struct SlotMark {
    /// The slot.
    pub at: SlotAt,
    /// What is written (the number, for [`MarkKind::Number`]).
    pub label: String,
    /// How it is drawn.
    pub kind: MarkKind,
}

/// Annotations drawn over a Swiss map picture.
#[derive(Clone, Debug, Default)]
pub struct SwissMarks {
    /// Marks on slots.
    pub slots: Vec<SlotMark>,
    /// Notes beside groups: (table, group, note); table `None` is the small map's group.
    pub groups: Vec<(Option<usize>, usize, String)>,
    /// Notes beside tables: (table, note).
    pub tables: Vec<(usize, String)>,
    /// Notes beside directory entries: (entry, note).
    pub entries: Vec<(usize, String)>,
}

impl SwissMarks {
    /// Outlines a slot with a label.
    pub fn slot(&mut self, at: SlotAt, label: impl Into<String>) {
        self.slots.push(SlotMark {
            at,
            label: label.into(),
            kind: MarkKind::Highlight,
        });
    }

    /// Puts a number on a slot.
    pub fn number(&mut self, at: SlotAt, n: usize) {
        self.slots.push(SlotMark {
            at,
            label: n.to_string(),
            kind: MarkKind::Number,
        });
    }

    /// Writes a note beside a group.
    pub fn group(&mut self, table: Option<usize>, group: usize, label: impl Into<String>) {
        self.groups.push((table, group, label.into()));
    }

    /// Writes a note beside a table.
    pub fn table(&mut self, table: usize, label: impl Into<String>) {
        self.tables.push((table, label.into()));
    }

    /// Writes a note beside a directory entry.
    pub fn entry(&mut self, entry: usize, label: impl Into<String>) {
        self.entries.push((entry, label.into()));
    }

    /// The group is marked (drawn in full even in a large table).
    pub fn touches(&self, table: Option<usize>, group: usize) -> bool {
        self.slots
            .iter()
            .any(|m| m.at.table == table && m.at.group == group)
            || self.groups.iter().any(|g| g.0 == table && g.1 == group)
    }

    /// The notes of a group.
    pub fn group_notes(&self, table: Option<usize>, group: usize) -> Vec<String> {
        let mut out: Vec<String> = self
            .groups
            .iter()
            .filter(|g| g.0 == table && g.1 == group)
            .map(|g| g.2.clone())
            .collect();
        for m in &self.slots {
            if m.at.table == table && m.at.group == group && m.kind == MarkKind::Highlight {
                out.push(format!("slot {}: {}", m.at.slot, m.label));
            }
        }
        out
    }
}

/// Tables of more groups than this are drawn compact (control bytes only), with their
/// marked groups repeated in full.
pub const COMPACT_GROUPS: usize = 16;
