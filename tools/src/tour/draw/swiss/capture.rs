//! Capture of a Swiss map: reads the engine's canonical dump (`docs/swiss-dump.md`,
//! `gomap::swiss::dump`) back into plain data. The dump already spells every field the
//! pictures show (the `Map` header, each directory entry's table, each group's control
//! word and raw slots), so the pictures see exactly what the differential tests compare
//! with Go, and nothing here walks the engine's memory itself.

#![allow(non_snake_case)]

use gomap::export_test::base::hex::unhex;
use gomap::export_test::swiss::dump::dump;
use gomap::export_test::swiss::group::{CTRL_DELETED, CTRL_EMPTY, MAP_GROUP_SLOTS};
use gomap::export_test::swiss::map::Map;
use gomap::maptype::{Kind, Type};
use gomap::swiss::{SwissMapType, SwissRelease};

use super::super::capture::{decode_inline, shorten, string_text, type_name, Val};

/// The meaning of one control byte (`group.go`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctrl {
    /// `ctrlEmpty` (0x80): never used since the table was built or last cleared.
    Empty,
    /// `ctrlDeleted` (0xFE): a tombstone, an entry deleted from a full group.
    Deleted,
    /// A full slot; the byte is the H2 (low 7 bits of the hash) of its key.
    Full(u8),
}

impl Ctrl {
    /// The state a control byte encodes.
    pub fn of(b: u8) -> Ctrl {
        match b {
            CTRL_EMPTY => Ctrl::Empty,
            CTRL_DELETED => Ctrl::Deleted,
            b => Ctrl::Full(b),
        }
    }

    /// Go's name of the state (`ctrlEmpty`, `ctrlDeleted`, or `full`).
    pub fn name(self) -> &'static str {
        match self {
            Ctrl::Empty => "ctrlEmpty",
            Ctrl::Deleted => "ctrlDeleted",
            Ctrl::Full(_) => "full",
        }
    }

    /// A full slot.
    pub fn is_full(self) -> bool {
        matches!(self, Ctrl::Full(_))
    }
}

/// One slot as drawn.
#[derive(Clone, Debug)]
pub struct SwissSlot {
    /// Its control byte.
    pub ctrl: u8,
    /// The key (stale bytes in a slot that is not full).
    pub key: Val,
    /// The elem.
    pub elem: Val,
    /// The slot holds a pointer to the key (`*K`, keys over 128 bytes).
    pub indirect_key: bool,
    /// The slot holds a pointer to the elem.
    pub indirect_elem: bool,
}

impl SwissSlot {
    /// The state of the control byte.
    pub fn state(&self) -> Ctrl {
        Ctrl::of(self.ctrl)
    }
}

/// One group: its control word and 8 slots.
#[derive(Clone, Debug)]
pub struct SwissGroup {
    /// The 8 control bytes, slot 0 first (the control word's low byte first).
    pub ctrl: [u8; MAP_GROUP_SLOTS],
    /// The slots.
    pub slots: Vec<SwissSlot>,
}

impl SwissGroup {
    /// Slots in state `c` (any H2 for `Full`).
    pub fn count(&self, c: Ctrl) -> usize {
        self.ctrl
            .iter()
            .filter(|&&b| match c {
                Ctrl::Full(_) => Ctrl::of(b).is_full(),
                c => Ctrl::of(b) == c,
            })
            .count()
    }

    /// The control word as the dump spells it: 16 hex digits, slot 0's byte first.
    pub fn ctrl_hex(&self) -> String {
        self.ctrl.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Nothing ever stored in it (all control bytes empty).
    pub fn pristine(&self) -> bool {
        self.count(Ctrl::Empty) == MAP_GROUP_SLOTS
    }
}

/// One table, as reached from the directory.
#[derive(Clone, Debug)]
pub struct SwissTable {
    /// `index`: its first directory entry.
    pub index: isize,
    /// `localDepth`: the hash's top bits all its keys share.
    pub localDepth: u8,
    /// `used`: entries.
    pub used: u16,
    /// `capacity`: slots (a power of two, at most 1024).
    pub capacity: u16,
    /// `growthLeft`: inserts into empty slots before it must grow.
    pub growthLeft: u16,
    /// The directory entries pointing at it (consecutive, `2^(globalDepth-localDepth)`).
    pub entries: Vec<usize>,
    /// Its groups, `capacity / 8`.
    pub groups: Vec<SwissGroup>,
}

impl SwissTable {
    /// Its header fields as the pictures print them.
    pub fn fields(&self) -> String {
        format!(
            "index={} localDepth={} used={} capacity={} growthLeft={} groups={}",
            self.index,
            self.localDepth,
            self.used,
            self.capacity,
            self.growthLeft,
            self.groups.len()
        )
    }
}

/// Where a slot is: a table (its position in [`SwissView::tables`]) or the small map's
/// group (`table` `None`), then group and slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotAt {
    /// The table, or `None` for a small map's group.
    pub table: Option<usize>,
    /// The group in the table (0 for a small map).
    pub group: usize,
    /// The slot in the group.
    pub slot: usize,
}

/// A Swiss map's state, as drawn.
#[derive(Clone, Debug)]
pub struct SwissView {
    /// `map[K]E`.
    pub type_name: String,
    /// The release whose map it is.
    pub release: SwissRelease,
    /// `used`: `len(m)`.
    pub used: u64,
    /// `seed`.
    pub seed: u64,
    /// `dirLen`: directory entries (0 for a small map or no memory).
    pub dirLen: usize,
    /// `globalDepth`.
    pub globalDepth: u8,
    /// `globalShift`.
    pub globalShift: u8,
    /// `writing`.
    pub writing: u8,
    /// `tombstonePossible` (from 1.25).
    pub tombstonePossible: Option<bool>,
    /// `clearSeq`.
    pub clearSeq: u64,
    /// `dirPtr` is nil: no memory yet.
    pub no_memory: bool,
    /// The small map's group (`dirLen` 0 with memory).
    pub small: Option<SwissGroup>,
    /// The directory: for each entry, the table's position in `tables`.
    pub directory: Vec<usize>,
    /// The distinct tables, in directory order.
    pub tables: Vec<SwissTable>,
}

impl SwissView {
    /// Captures a live map through its canonical dump.
    ///
    /// # Safety
    /// `m` is a live map of `typ`; string keys point at live bytes; nothing writes it
    /// meanwhile.
    pub unsafe fn capture(typ: &SwissMapType, m: &Map) -> SwissView {
        // SAFETY: caller.
        let d = unsafe { dump(typ, m) };
        SwissView::parse(typ, &d).unwrap_or_else(|e| panic!("unreadable Swiss dump: {e}\n{d}"))
    }

    /// Reads a dump (`docs/swiss-dump.md`) of a map of `typ`.
    pub fn parse(typ: &SwissMapType, dump: &str) -> Result<SwissView, String> {
        let mut lines = dump.lines();
        let head = lines.next().ok_or("empty dump")?;
        let f = fields(head, "map")?;
        let num = |k: &str| -> Result<u64, String> {
            f.iter()
                .find(|(n, _)| *n == k)
                .ok_or(format!("no {k} in {head:?}"))?
                .1
                .parse::<u64>()
                .map_err(|e| format!("{k}: {e}"))
        };
        let seed = f
            .iter()
            .find(|(n, _)| *n == "seed")
            .and_then(|(_, v)| u64::from_str_radix(v, 16).ok())
            .ok_or("no seed")?;
        let mut v = SwissView {
            type_name: format!("map[{}]{}", type_name(typ.key()), type_name(typ.elem())),
            release: typ.release(),
            used: num("used")?,
            seed,
            dirLen: num("dirLen")? as usize,
            globalDepth: num("globalDepth")? as u8,
            globalShift: num("globalShift")? as u8,
            writing: num("writing")? as u8,
            tombstonePossible: num("tombstonePossible").ok().map(|t| t != 0),
            clearSeq: num("clearSeq")?,
            no_memory: true,
            small: None,
            directory: vec![],
            tables: vec![],
        };
        for line in lines {
            v.no_memory = false;
            if let Some(g) = line.strip_prefix("small ") {
                v.small = Some(group(typ, g)?);
            } else if line.starts_with("table ") {
                let f = fields(line, "table")?;
                let get = |k: &str| -> Result<i64, String> {
                    f.iter()
                        .find(|(n, _)| *n == k)
                        .ok_or(format!("no {k} in {line:?}"))?
                        .1
                        .parse::<i64>()
                        .map_err(|e| format!("{k}: {e}"))
                };
                let entry = v.directory.len();
                if get("same")? == 1 {
                    let t = v.tables.len().checked_sub(1).ok_or("same=1 first")?;
                    v.tables[t].entries.push(entry);
                    v.directory.push(t);
                } else {
                    v.directory.push(v.tables.len());
                    v.tables.push(SwissTable {
                        index: get("index")? as isize,
                        localDepth: get("localDepth")? as u8,
                        used: get("used")? as u16,
                        capacity: get("capacity")? as u16,
                        growthLeft: get("growthLeft")? as u16,
                        entries: vec![entry],
                        groups: vec![],
                    });
                }
            } else if let Some(rest) = line.strip_prefix("group ") {
                let (_, g) = rest.split_once(' ').ok_or("group line")?;
                let t = v.tables.last_mut().ok_or("group before table")?;
                t.groups.push(group(typ, g)?);
            } else {
                return Err(format!("unknown dump line {line:?}"));
            }
        }
        Ok(v)
    }

    /// The group at `table` (`None`: the small map's) and `group`.
    pub fn group(&self, table: Option<usize>, group: usize) -> Option<&SwissGroup> {
        match table {
            None => self.small.as_ref().filter(|_| group == 0),
            Some(t) => self.tables.get(t)?.groups.get(group),
        }
    }

    /// The slot at `at`.
    pub fn slot(&self, at: SlotAt) -> Option<&SwissSlot> {
        self.group(at.table, at.group)?.slots.get(at.slot)
    }

    /// Every group: the small map's, or each table's in directory order.
    pub fn groups(&self) -> impl Iterator<Item = (Option<usize>, usize, &SwissGroup)> {
        self.small
            .iter()
            .map(|g| (None, 0, g))
            .chain(self.tables.iter().enumerate().flat_map(|(t, tab)| {
                tab.groups
                    .iter()
                    .enumerate()
                    .map(move |(j, g)| (Some(t), j, g))
            }))
    }

    /// Control bytes in state `c` over the whole map (any H2 for `Full`).
    pub fn ctrl_count(&self, c: Ctrl) -> usize {
        self.groups().map(|(_, _, g)| g.count(c)).sum()
    }
}

/// The `name=value` fields of a dump line starting with `word`.
fn fields<'a>(line: &'a str, word: &str) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut it = line.split(' ');
    if it.next() != Some(word) {
        return Err(format!("expected {word:?}: {line:?}"));
    }
    Ok(it.filter_map(|f| f.split_once('=')).collect())
}

/// A group's spelling: 16 hex digits of control bytes, then 8 ` K=E` slots.
fn group(typ: &SwissMapType, s: &str) -> Result<SwissGroup, String> {
    let mut it = s.split(' ');
    let c = unhex(it.next().ok_or("no control word")?)
        .filter(|c| c.len() == MAP_GROUP_SLOTS)
        .ok_or("bad control word")?;
    let mut ctrl = [0u8; MAP_GROUP_SLOTS];
    ctrl.copy_from_slice(&c);
    let mut slots = Vec::with_capacity(MAP_GROUP_SLOTS);
    for (i, kv) in it.enumerate() {
        let (k, e) = kv.split_once('=').ok_or(format!("bad slot {kv:?}"))?;
        let full = Ctrl::of(*ctrl.get(i).ok_or("more than 8 slots")?).is_full();
        let (key, indirect_key) = value(typ.key(), k, full);
        let (elem, indirect_elem) = value(typ.elem(), e, full);
        slots.push(SwissSlot {
            ctrl: ctrl[i],
            key,
            elem,
            indirect_key,
            indirect_elem,
        });
    }
    if slots.len() != MAP_GROUP_SLOTS {
        return Err(format!("{} slots in a group", slots.len()));
    }
    Ok(SwissGroup { ctrl, slots })
}

/// A slot's spelling decoded for the picture, and whether it is indirect.
fn value(ty: &Type, s: &str, full: bool) -> (Val, bool) {
    let (s, indirect) = match s.strip_prefix('*') {
        Some(r) => (r, true),
        None => (s, false),
    };
    let text = match s {
        "nil" | "dead" if indirect => None,
        "-" => Some("{}".to_string()),
        "s0" => Some(String::new()).filter(|_| full),
        s if s.starts_with('s') && ty.kind == Kind::String => {
            let (_, h) = s.split_once(':').unwrap_or((s, "nil"));
            match unhex(h) {
                Some(b) => Some(string_text(&b)),
                None => Some(format!("({s})")),
            }
        }
        s => match unhex(s) {
            // An all-zero slot that is not full holds nothing worth showing.
            Some(b) if !full && b.iter().all(|&x| x == 0) => None,
            // SAFETY: `b` is the value's own bytes; nothing is dereferenced.
            Some(b) => Some(unsafe { decode_inline(ty, &b) }),
            None => Some(s.to_string()),
        },
    };
    let v = match text {
        None => Val::default(),
        Some(t) if full => Val {
            short: shorten(&t, 9),
            full: t,
            stale: false,
        },
        Some(t) => Val {
            short: shorten(&t, 9),
            full: t,
            stale: true,
        },
    };
    (v, indirect)
}
