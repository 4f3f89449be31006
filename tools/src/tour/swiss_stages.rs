//! The Swiss tour's script: real Swiss maps (Go 1.24 to 1.27, `gomap::swiss`) taken
//! through the life of a map, one stage at a time: a small map filling its one group,
//! the H1/H2 split of the hash once it becomes a table, quadratic probing over groups,
//! tombstones (and their pruning from Go 1.25), growth by doubling at 7/8 load, the split
//! of a full 1024-slot table and the directory doubling, iteration's random offsets, a
//! range loop whose body grows the table it walks, `clear(m)`, and `maps.Clone`.
//!
//! Every operation goes through the runtime functions Go's compiler calls for a
//! `map[string]int` (`mapassign_compiled`, `mapdelete`, `mapclear`, `mapclone`, `Iter`),
//! as `gomap replay` does for a Swiss trace. The map seeds, the iterator's two draws and
//! the seeds Clear and Go 1.24's clone draw are fixed, so a run depends only on the
//! process's hash key; the facts each stage states hold for any key
//! (the tests check them for many). Where a key is found (its group and slot, the groups
//! its probe visited) is asked of the engine's own lookup helpers (`directoryIndex`,
//! `makeProbeSeq`, `findKey`), and the pictures read the engine's canonical dump.

#![allow(non_snake_case)]

use core::fmt;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::draw::swiss::{swiss_svg, swiss_text, Ctrl, SlotAt, SwissMarks, SwissView};
use super::Stage;
use gomap::export_test::swiss::dump::dump;
use gomap::export_test::swiss::group::{groupReference, MAP_GROUP_SLOTS};
use gomap::export_test::swiss::map::{h1, h2, mapfree, Map};
use gomap::export_test::swiss::table::{makeProbeSeq, table, MAX_TABLE_CAPACITY};
use gomap::maptype::{GoKind, GoString, MapType};
use gomap::swiss::runtime::{
    makemap, mapaccess2, mapassign_compiled, mapclear, mapclone, mapclone2, mapdelete,
};
use gomap::swiss::{Iter, SwissMapType, SwissRelease};

/// The seeds the tour's maps get (Go draws them with `rand()`; fixed here, as a trace
/// fixes them).
const SEEDS: [usize; 5] = [
    0x0123_4567_89ab_cdef,
    0x5eed_5eed_0000_0001,
    0x0f0f_1234_5678_9abc,
    0x2545_f491_4f6c_dd1d,
    0x6a09_e667_f3bc_c908,
];

/// Entries a range loop takes before its body grows the map (the iteration stage
/// across growth).
const TAKE_BEFORE_GROWTH: usize = 5;

/// Entries a range loop takes before its body clears the map.
const TAKE_BEFORE_CLEAR: usize = 3;

/// The iterator's two draws: `entryOffset`, then `dirOffset` (Go's order).
const ITER_DRAWS: (u64, u64) = (0x9e37_79b9_7f4a_7c15, 0xc2b2_ae3d_27d4_eb4f);

/// A table's facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableFact {
    /// `index`.
    pub index: isize,
    /// `localDepth`.
    pub localDepth: u8,
    /// `used`.
    pub used: u16,
    /// `capacity`.
    pub capacity: u16,
    /// `growthLeft`.
    pub growthLeft: u16,
    /// Directory entries pointing at it.
    pub entries: usize,
}

/// Where a key went, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFact {
    /// The key.
    pub key: String,
    /// Its hash (with the map's seed).
    pub hash: u64,
    /// `h1(hash)`: the upper 57 bits.
    pub h1: u64,
    /// `h2(hash)`: the low 7 bits.
    pub h2: u8,
    /// Where it is now.
    pub at: SlotAt,
    /// The groups its lookup probed, in order (the last is `at.group`).
    pub probed: Vec<usize>,
    /// The control byte at `at`, from the picture's data.
    pub ctrl: u8,
}

/// A delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteFact {
    /// The key deleted.
    pub key: String,
    /// Its slot.
    pub at: SlotAt,
    /// Its group had no empty slot when the key was deleted.
    pub group_was_full: bool,
    /// The slot's control byte after the delete.
    pub ctrl_after: u8,
}

/// A table rebuilt or spared by an insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebuildFact {
    /// Entries before the insert.
    pub used_before: u64,
    /// The capacity of the table the insert went to, before it.
    pub capacity_before: u16,
    /// Its tombstones before the insert.
    pub tombstones_before: usize,
    /// Tables before and after.
    pub tables: (usize, usize),
    /// `globalDepth` before and after.
    pub globalDepth: (u8, u8),
    /// Capacities of the tables after.
    pub capacities_after: Vec<u16>,
    /// Tombstones in the whole map after.
    pub tombstones_after: usize,
}

impl RebuildFact {
    /// The rebuild between `before` and `after`, of a table of `capacity_before` slots
    /// holding `tombstones_before` tombstones.
    fn of(
        before: &SwissView,
        capacity_before: u16,
        tombstones_before: usize,
        after: &SwissView,
    ) -> RebuildFact {
        RebuildFact {
            used_before: before.used,
            capacity_before,
            tombstones_before,
            tables: (before.tables.len(), after.tables.len()),
            globalDepth: (before.globalDepth, after.globalDepth),
            capacities_after: after.tables.iter().map(|t| t.capacity).collect(),
            tombstones_after: after.ctrl_count(Ctrl::Deleted),
        }
    }
}

/// An iteration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwissIterFact {
    /// The first draw (`entryOffset`).
    pub entryOffset: u64,
    /// The second draw (`dirOffset`).
    pub dirOffset: u64,
    /// Visited slots in order.
    pub order: Vec<SlotAt>,
    /// Visited keys in order.
    pub keys: Vec<String>,
}

/// One entry a range loop got from `Iter.Next`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IterStepFact {
    /// The key.
    pub key: String,
    /// The elem `Next` returned.
    pub elem: i64,
    /// The key's slot in the table the iterator walks (`it.tab`), as it was at `Init`.
    pub snapshot_at: SlotAt,
    /// The key and elem `Next` returned lie outside the groups of `it.tab`: they came
    /// from a lookup in the map (`grownKeyElem`), not from the walked slot.
    pub relooked: bool,
}

/// A range loop whose body grows the table the iterator walks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrowIterFact {
    /// The iterator's draws (`entryOffset`, `dirOffset`).
    pub draws: (u64, u64),
    /// The map's keys at `Init`.
    pub keys_at_init: Vec<String>,
    /// Entries returned before the growth.
    pub before: Vec<IterStepFact>,
    /// Entries returned after it.
    pub after: Vec<IterStepFact>,
    /// The key inserted by the loop body (the insert that grew the table).
    pub inserted: String,
    /// The key the body deleted after the growth.
    pub deleted: String,
    /// Its slot in `it.tab`.
    pub deleted_at: SlotAt,
    /// The key the body updated after the growth, its elem before and after.
    pub updated: (String, i64, i64),
    /// `it.tab == directoryAt(0)` before and after the growth.
    pub same_table: (bool, bool),
    /// `it.tab.index` before and after the growth.
    pub snapshot_index: (isize, isize),
    /// `it.tab.capacity`.
    pub snapshot_capacity: u16,
    /// The capacity of the directory's table after the growth.
    pub current_capacity: u16,
    /// The control words of the table at `Init`, from the dump.
    pub ctrl_at_init: Vec<String>,
    /// The control words read through `it.tab` after the growth, delete and update.
    pub ctrl_after_writes: Vec<String>,
}

/// A small map or a table of tombstones only, before and after `clear(m)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClearCaseFact {
    /// `used` before.
    pub used_before: u64,
    /// Tombstones before and after.
    pub tombstones: (usize, usize),
    /// Empty control bytes after.
    pub empty_after: usize,
    /// Groups after.
    pub groups_after: usize,
    /// Still a small map afterwards (the small case).
    pub small_after: bool,
    /// `dirPtr` is the same before and after.
    pub same_memory: bool,
    /// `clearSeq` before and after.
    pub clearSeq: (u64, u64),
}

/// `clear(m)`, with an iterator running across it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClearFact {
    /// `used` before.
    pub used_before: u64,
    /// Table capacities before.
    pub capacities_before: Vec<u16>,
    /// Every directory entry points at the same table before and after.
    pub same_tables: bool,
    /// `clearSeq` before and after.
    pub clearSeq: (u64, u64),
    /// Clear drew a new seed.
    pub reseeded: bool,
    /// The iterator's `clearSeq` (from `Init`).
    pub iter_clearSeq: u64,
    /// Entries the iterator returned before the clear, and after.
    pub iter_returned: (usize, usize),
    /// Slots that are not full but still hold nonzero bytes after the clear.
    pub stale_slots: usize,
    /// A small map cleared.
    pub small: ClearCaseFact,
    /// A map whose entries were all deleted, leaving tombstones, cleared.
    pub tombstones_only: ClearCaseFact,
}

/// `maps.Clone(m)`, then writes to each map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloneFact {
    /// `Map.Clone` (1.25+), or Go 1.24's insert-by-iteration `mapclone2`.
    pub native: bool,
    /// The source's canonical dump at the clone.
    pub source_dump: String,
    /// The clone's dump right after the clone.
    pub clone_dump: String,
    /// No table or group of the clone is one of the source's.
    pub no_shared_memory: bool,
    /// The key put into the clone afterwards, and its value in the source and the clone.
    pub added: (String, Option<i64>, Option<i64>),
    /// The key deleted from the source, and its value in the source and the clone.
    pub deleted: (String, Option<i64>, Option<i64>),
    /// The key updated in the source, and its value in the source and the clone.
    pub updated: (String, Option<i64>, Option<i64>),
}

/// A Swiss map's facts after a stage, plus what the stage did.
#[derive(Clone, Debug)]
pub struct SwissFacts {
    /// The release.
    pub release: SwissRelease,
    /// `used`.
    pub used: u64,
    /// `seed`.
    pub seed: u64,
    /// `dirLen`.
    pub dirLen: usize,
    /// `globalDepth`.
    pub globalDepth: u8,
    /// `tombstonePossible` (1.25+).
    pub tombstonePossible: Option<bool>,
    /// No memory yet.
    pub no_memory: bool,
    /// A small map (one group, no table).
    pub small: bool,
    /// The tables, in directory order.
    pub tables: Vec<TableFact>,
    /// For each directory entry, its table's position in `tables`.
    pub directory: Vec<usize>,
    /// Groups in the map.
    pub groups: usize,
    /// Full control bytes.
    pub full: usize,
    /// Empty control bytes.
    pub empty: usize,
    /// Deleted control bytes (tombstones).
    pub deleted: usize,
    /// Keys the stage follows.
    pub keys: Vec<KeyFact>,
    /// Deletes the stage made.
    pub deletes: Vec<DeleteFact>,
    /// The rebuild (grow, split) or pruning the stage shows.
    pub rebuild: Option<RebuildFact>,
    /// An iteration the stage made.
    pub iteration: Option<SwissIterFact>,
    /// An iteration across a growth.
    pub grow_iter: Option<GrowIterFact>,
    /// A `clear(m)`.
    pub clear: Option<ClearFact>,
    /// A `maps.Clone(m)`.
    pub clone: Option<CloneFact>,
}

impl SwissFacts {
    /// The facts a view shows (the stage-specific fields empty).
    pub fn of(v: &SwissView) -> SwissFacts {
        SwissFacts {
            release: v.release,
            used: v.used,
            seed: v.seed,
            dirLen: v.dirLen,
            globalDepth: v.globalDepth,
            tombstonePossible: v.tombstonePossible,
            no_memory: v.no_memory,
            small: v.small.is_some(),
            tables: v
                .tables
                .iter()
                .map(|t| TableFact {
                    index: t.index,
                    localDepth: t.localDepth,
                    used: t.used,
                    capacity: t.capacity,
                    growthLeft: t.growthLeft,
                    entries: t.entries.len(),
                })
                .collect(),
            directory: v.directory.clone(),
            groups: v.groups().count(),
            full: v.ctrl_count(Ctrl::Full(0)),
            empty: v.ctrl_count(Ctrl::Empty),
            deleted: v.ctrl_count(Ctrl::Deleted),
            keys: vec![],
            deletes: vec![],
            rebuild: None,
            iteration: None,
            grow_iter: None,
            clear: None,
            clone: None,
        }
    }
}

impl fmt::Display for SwissFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "used={} seed={:016x} dirLen={} globalDepth={}",
            self.used, self.seed, self.dirLen, self.globalDepth
        )?;
        if let Some(t) = self.tombstonePossible {
            write!(f, " tombstonePossible={}", t as u8)?;
        }
        if self.no_memory {
            return write!(f, " (no memory)");
        }
        if self.small {
            write!(f, " small map: 1 group")?;
        } else {
            write!(f, " tables={}", self.tables.len())?;
            for t in &self.tables {
                write!(
                    f,
                    " [cap {} used {} growthLeft {} localDepth {}]",
                    t.capacity, t.used, t.growthLeft, t.localDepth
                )?;
            }
        }
        write!(
            f,
            " groups={} ctrl: {} full, {} empty, {} deleted",
            self.groups, self.full, self.empty, self.deleted
        )
    }
}

/// The bytes of the tour's string keys: boxes that never move or shrink, shared by a
/// map and its clones (`maps.Clone` copies string headers, not their bytes).
type Arena = Rc<RefCell<Vec<Box<[u8]>>>>;

/// A map of the tour, with the bytes its string keys point at.
///
/// Invariants: `m` is a live map of type `t`; every string header stored in it points
/// into `arena`; `m` is freed (by `Drop`) before this map's share of `arena`.
struct SwissTourMap {
    t: Box<SwissMapType>,
    m: Option<Box<Map>>,
    arena: Arena,
}

impl SwissTourMap {
    fn new(r: SwissRelease, hint: isize, seed: usize) -> Result<SwissTourMap, String> {
        let mt = MapType::for_go_types(GoKind::String, GoKind::Int).map_err(|e| e.to_string())?;
        let t = Box::new(SwissMapType::new(&mt, r));
        let mut m = makemap(&t, hint);
        // NewMap drew the seed with rand(); the tour fixes it, as a trace's `make` does.
        m.seed = seed;
        Ok(SwissTourMap {
            t,
            m: Some(m),
            arena: Arena::default(),
        })
    }

    /// `maps.Clone(m)` as release `r`'s runtime does it: `Map.Clone` from 1.25; in 1.24
    /// `mapclone2`, a new map for `len(m)` entries filled in iteration order, with its
    /// three random draws (the new seed, then the iterator's offsets) fixed as given.
    fn clone_map(&self, seed: usize, draws: (u64, u64)) -> SwissTourMap {
        // SAFETY: a live map of `t` (invariant); the clone's strings point into the
        // shared arena.
        let c = unsafe {
            if self.t.release().has_tombstone_pruning() {
                mapclone(&self.t, self.map())
            } else {
                mapclone2(&self.t, self.map(), seed, draws.0, draws.1)
            }
        };
        SwissTourMap {
            t: Box::new(*self.t),
            m: Some(c),
            arena: Rc::clone(&self.arena),
        }
    }

    /// `v, ok := m[k]`.
    fn get(&self, k: &str) -> Option<i64> {
        let g = GoString::from_bytes(k.as_bytes());
        // SAFETY: a live map of map[string]int; `g` is read during the call only; a
        // found elem is an int.
        unsafe {
            let (e, ok) = mapaccess2(&self.t, self.map(), (&g as *const GoString).cast());
            ok.then(|| e.cast::<i64>().read_unaligned())
        }
    }

    /// `clear(m)`. Clear draws a new seed with `rand()`; the tour fixes it to `seed`
    /// afterwards, as a trace fixes each draw. Returns whether Clear changed the seed.
    fn clear(&mut self, seed: usize) -> bool {
        let before = self.map().seed;
        let m = self.map_ptr();
        // SAFETY: a live map of `t`.
        unsafe { mapclear(&self.t, m) };
        let reseeded = self.map().seed != before;
        if reseeded {
            self.map_ptr_mut().seed = seed;
        }
        reseeded
    }

    fn map_ptr_mut(&mut self) -> &mut Map {
        self.m.as_deref_mut().expect("live until drop")
    }

    fn map(&self) -> &Map {
        self.m.as_deref().expect("live until drop")
    }

    fn map_ptr(&mut self) -> *mut Map {
        self.m.as_deref_mut().expect("live until drop")
    }

    fn view(&self) -> SwissView {
        // SAFETY: a live map of `t` (invariant), no write meanwhile (writes take
        // `&mut self`); its strings point into the arena.
        unsafe { SwissView::capture(&self.t, self.map()) }
    }

    /// The hash of `k` as the map computes it.
    fn hash(&self, k: &str) -> usize {
        let g = GoString::from_bytes(k.as_bytes());
        // SAFETY: a string key of the map's type, read during the call only.
        unsafe {
            self.t
                .Hasher((&g as *const GoString).cast(), self.map().seed)
        }
    }

    /// `m[k] = v`.
    fn put(&mut self, k: &str, v: i64) {
        let kb: Box<[u8]> = k.as_bytes().into();
        let kg = GoString::from_bytes(&kb);
        self.arena.borrow_mut().push(kb);
        let m = self.map_ptr();
        // SAFETY: a live map of map[string]int (an iterator may be running: Go allows
        // writes between its steps); the key header points into the arena, which
        // outlives the map; the elem slot holds an int.
        unsafe {
            let e = mapassign_compiled(&self.t, m, (&kg as *const GoString).cast());
            e.cast::<i64>().write_unaligned(v);
        }
    }

    /// `delete(m, k)`.
    fn del(&mut self, k: &str) {
        let g = GoString::from_bytes(k.as_bytes());
        let m = self.map_ptr();
        // SAFETY: a live map of string keys; `g` is read during the call only.
        unsafe { mapdelete(&self.t, m, (&g as *const GoString).cast()) };
    }

    /// The canonical dump (`docs/swiss-dump.md`).
    fn dump(&self) -> String {
        // SAFETY: a live map of `t`, no write meanwhile; its strings point into the
        // arena.
        unsafe { dump(&self.t, self.map()) }
    }

    /// The directory's table pointers (empty for a small map).
    fn directory(&self) -> Vec<*mut table> {
        let m = self.map();
        (0..m.dirLen().max(0) as usize)
            // SAFETY: each index is below dirLen.
            .map(|i| unsafe { m.directoryAt(i) })
            .collect()
    }

    /// The addresses of the group arrays: the small map's group, or each directory
    /// entry's table's groups.
    fn group_arrays(&self) -> Vec<usize> {
        if self.map().dirLen() == 0 {
            return vec![self.map().dirPtr() as usize];
        }
        self.directory()
            .into_iter()
            // SAFETY: the tables of the map's directory are live.
            .map(|t| unsafe { (*t).groups.data as usize })
            .collect()
    }

    /// The table a hash goes to (the map has a directory).
    fn table_for(&self, hash: usize) -> *mut table {
        let m = self.map();
        assert!(m.dirLen() > 0, "the map has no directory");
        // SAFETY: directoryIndex is below dirLen.
        unsafe { m.directoryAt(m.directoryIndex(hash)) }
    }

    /// The first group of `k`'s probe sequence in its table (`h1 & lengthMask`).
    fn start_group(&self, k: &str) -> usize {
        let h = self.hash(k);
        let t = self.table_for(h);
        // SAFETY: a live table of the map's directory.
        (h1(h) as u64 & unsafe { (*t).groups.lengthMask }) as usize
    }

    /// The table a key goes to: its `growthLeft` and `capacity`.
    fn room_for(&self, k: &str) -> (u16, u16) {
        let t = self.table_for(self.hash(k));
        // SAFETY: a live table of the map's directory.
        unsafe { ((*t).growthLeft, (*t).capacity) }
    }

    /// Where `k` is, with the groups the lookup probed, as the engine's lookup
    /// (`getWithKey`) walks: the small map's group, or the key's directory entry's table
    /// from group `h1 & lengthMask` on, by `probeSeq`, until `findKey` finds it or a
    /// group with an empty slot ends the probe.
    fn locate(&self, v: &SwissView, k: &str) -> Option<(SlotAt, Vec<usize>)> {
        let m = self.map();
        let g = GoString::from_bytes(k.as_bytes());
        let key: *const u8 = (&g as *const GoString).cast();
        let hash = self.hash(k);
        let h2h = h2(hash);
        if m.dirPtr().is_null() {
            return None;
        }
        // SAFETY: the map's group or tables are live; `key` is readable for the calls.
        unsafe {
            if m.dirLen() == 0 {
                let grp = groupReference { data: m.dirPtr() };
                let slot = grp.findKey(&self.t, h2h, key)?;
                return Some((
                    SlotAt {
                        table: None,
                        group: 0,
                        slot,
                    },
                    vec![0],
                ));
            }
            let idx = m.directoryIndex(hash);
            let t = m.directoryAt(idx);
            let pos = *v.directory.get(idx)?;
            let mut seq = makeProbeSeq(h1(hash), (*t).groups.lengthMask);
            let mut probed = vec![];
            loop {
                let grp = (*t).groups.group(&self.t, seq.offset);
                probed.push(seq.offset as usize);
                if let Some(slot) = grp.findKey(&self.t, h2h, key) {
                    return Some((
                        SlotAt {
                            table: Some(pos),
                            group: seq.offset as usize,
                            slot,
                        },
                        probed,
                    ));
                }
                if !grp.ctrls().matchEmpty().is_empty() || probed.len() > 128 {
                    return None;
                }
                seq = seq.next();
            }
        }
    }

    /// [`KeyFact`] of `k` (present).
    fn key_fact(&self, v: &SwissView, k: &str) -> Result<KeyFact, String> {
        let hash = self.hash(k);
        let (at, probed) = self
            .locate(v, k)
            .ok_or_else(|| format!("tour: key {k:?} not found"))?;
        Ok(KeyFact {
            key: k.to_string(),
            hash: hash as u64,
            h1: h1(hash) as u64,
            h2: h2(hash) as u8,
            at,
            probed,
            ctrl: v.slot(at).map_or(0, |s| s.ctrl),
        })
    }

    /// Tombstones in the table key `k` goes to.
    fn tombstones_for(&self, v: &SwissView, k: &str) -> usize {
        let m = self.map();
        if m.dirLen() == 0 {
            return 0;
        }
        let Some(&pos) = v.directory.get(m.directoryIndex(self.hash(k))) else {
            return 0;
        };
        v.tables[pos]
            .groups
            .iter()
            .map(|g| g.count(Ctrl::Deleted))
            .sum()
    }
}

impl Drop for SwissTourMap {
    fn drop(&mut self) {
        if let Some(m) = self.m.take() {
            // SAFETY: our live map of `t`, no iterator alive; freed before the arena.
            unsafe { mapfree(&self.t, m) };
        }
    }
}

/// The candidate keys: words, then `w<n>`.
struct Words {
    next: usize,
    elem: i64,
}

impl Words {
    fn word(&mut self) -> String {
        let w = match super::stages::WORDS.get(self.next) {
            Some(w) => w.to_string(),
            None => format!("w{}", self.next),
        };
        self.next += 1;
        w
    }

    fn elem(&mut self) -> i64 {
        self.elem += 1;
        self.elem
    }

    /// The next word whose probe starts at group `g` of the map's table (`None`: any).
    fn word_at(&mut self, m: &SwissTourMap, g: Option<usize>) -> Result<String, String> {
        for _ in 0..100_000 {
            let w = self.word();
            if g.is_none_or(|g| m.start_group(&w) == g) {
                return Ok(w);
            }
        }
        Err("tour: no key lands in the group wanted".into())
    }
}

/// Builds the stages.
struct SwissTour {
    stages: Vec<Stage>,
    words: Words,
}

impl SwissTour {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        v: &SwissView,
        slug: &str,
        title: &str,
        explanation: Vec<String>,
        details: Vec<String>,
        marks: SwissMarks,
        facts: SwissFacts,
    ) {
        let n = self.stages.len() + 1;
        let caption = explanation.first().cloned().unwrap_or_default();
        let text = swiss_text(v, &marks);
        let svg = swiss_svg(v, &marks, &format!("{n}. {title}"), &caption);
        self.stages.push(Stage {
            number: n,
            slug: format!("{n:02}-{slug}"),
            title: title.to_string(),
            explanation,
            details,
            facts: super::Facts::default(),
            swiss: Some(facts),
            text,
            svg,
        });
    }

    /// Inserts the next word (landing anywhere); returns it.
    fn insert(&mut self, m: &mut SwissTourMap) -> String {
        let k = self.words.word();
        let e = self.words.elem();
        m.put(&k, e);
        k
    }

    /// Inserts words until one goes to a table with no room left (`growthLeft` 0) of
    /// `capacity` slots (any, for 0), which the insert rebuilds: grows, or splits at
    /// 1024 slots. Returns the map before that insert, the key, and the capacity.
    fn insert_until_rebuild(
        &mut self,
        m: &mut SwissTourMap,
        capacity: u16,
    ) -> Result<(SwissView, String, u16), String> {
        loop {
            let k = self.words.word();
            let (left, cap) = m.room_for(&k);
            let e = self.words.elem();
            if left == 0 && (capacity == 0 || cap == capacity) {
                let before = m.view();
                m.put(&k, e);
                return Ok((before, k, cap));
            }
            m.put(&k, e);
            if m.map().Used() > 100_000 {
                return Err("tour: the table never filled".into());
            }
        }
    }

    /// Inserts the next word whose probe starts at group `g`; returns it.
    fn insert_at(&mut self, m: &mut SwissTourMap, g: usize) -> Result<String, String> {
        let k = self.words.word_at(m, Some(g))?;
        let e = self.words.elem();
        m.put(&k, e);
        Ok(k)
    }
}

fn hash_line(f: &KeyFact, mask: Option<usize>) -> String {
    let place = match f.at.table {
        None => format!("slot {} of the one group", f.at.slot),
        Some(t) => format!(
            "h1 & {} = group {} -> table {t} group {} slot {}",
            mask.unwrap_or(0),
            f.probed[0],
            f.at.group,
            f.at.slot
        ),
    };
    format!(
        "{:>8}: hash {:016x}  h1 = hash >> 7 = {:x}  h2 = hash & 0x7f = {:02x}  {place}, control byte {:02x}",
        f.key, f.hash, f.h1, f.h2, f.ctrl
    )
}

fn at_text(at: SlotAt) -> String {
    match at.table {
        None => format!("slot {}", at.slot),
        Some(t) => format!("table {t} group {} slot {}", at.group, at.slot),
    }
}

/// Runs the Swiss tour's maps as Go release `r`'s code does and returns its stages.
pub fn build_swiss(r: SwissRelease) -> Result<Vec<Stage>, String> {
    let mut tour = SwissTour {
        stages: Vec::new(),
        words: Words { next: 0, elem: 0 },
    };
    let mut m = SwissTourMap::new(r, 0, SEEDS[0])?;

    // 1. make
    let v = m.view();
    tour.push(
        &v,
        "make",
        "make(map[string]int): no memory yet",
        vec![
            format!(
                "From Go 1.24 a Go map is a Swiss table (internal/runtime/maps). make with a \
                 hint of at most 8 (map.go: NewMap) allocates only the Map header: dirPtr is \
                 nil, and the first insert allocates one group. This is Go {}'s map.",
                r.name()
            ),
            "The header's fields: used is len(m); seed is a random number mixed into every \
             hash, so that two maps place the same keys differently; dirPtr and dirLen are the \
             directory of tables (dirLen 0 while the map is small); globalDepth is how many top \
             bits of the hash index the directory, globalShift = 64 - globalDepth; clearSeq \
             counts clear(m) calls, for iterators; writing catches concurrent writes."
                .into(),
        ],
        vec![],
        SwissMarks::default(),
        SwissFacts::of(&v),
    );

    // 2. small map: five inserts fill the one group in order.
    let mut keys = vec![];
    for _ in 0..5 {
        keys.push(tour.insert(&mut m));
    }
    let v = m.view();
    let mut facts = SwissFacts::of(&v);
    let mut details = vec![];
    for k in &keys {
        let f = m.key_fact(&v, k)?;
        details.push(hash_line(&f, None));
        facts.keys.push(f);
    }
    tour.push(
        &v,
        "small",
        "A small map: one group of 8 slots",
        vec![
            "The first insert allocated a single group (group.go): an 8-byte control word, \
             then 8 slots, each a key and its elem. Up to 8 entries the map is just this group \
             (Go calls it a small map: dirLen 0, dirPtr points at the group), and an insert \
             takes the first free slot (map.go: putSlotSmall)."
                .into(),
            "Each control byte describes its slot: 0x80 (ctrlEmpty) for an empty slot, else \
             the low 7 bits of the key's hash, h2. A lookup (getWithKeySmall) compares h2 with \
             all 8 bytes at once (ctrlGroup.matchH2) and compares whole keys only where a byte \
             matches. The string key slot holds the 16-byte string header (pointer and length), not the characters; the int elem its 8 bytes."
                .into(),
        ],
        details,
        SwissMarks::default(),
        facts,
    );

    // 3. the group full.
    for _ in 0..3 {
        keys.push(tour.insert(&mut m));
    }
    let v = m.view();
    tour.push(
        &v,
        "small-full",
        "Eight entries: the small group is full",
        vec![
            "Three more inserts fill the group: 8 full control bytes, no empty slot left. A \
             small map has no probing and no tombstones: a delete just empties its slot \
             (map.go: deleteSmall). The 9th different key cannot fit, so the next insert will \
             turn the map into a table."
                .into(),
        ],
        vec![],
        SwissMarks::default(),
        SwissFacts::of(&v),
    );

    // 4. the 9th key: a table, and the hash split in h1 and h2.
    let ninth = tour.insert(&mut m);
    keys.push(ninth.clone());
    let v = m.view();
    let mut facts = SwissFacts::of(&v);
    let mut details = vec![];
    let mut marks = SwissMarks::default();
    let mask = v.tables.first().map(|t| t.groups.len() - 1);
    for k in &keys {
        let f = m.key_fact(&v, k)?;
        details.push(hash_line(&f, mask));
        if *k == ninth {
            marks.slot(f.at, format!("{ninth:?}, the 9th key"));
        }
        facts.keys.push(f);
    }
    let cap = v.tables.first().map_or(0, |t| t.capacity);
    tour.push(
        &v,
        "table",
        "The 9th key: a table of groups, and the hash split into h1 and h2",
        vec![
            format!(
                "The 9th key made the small map a table (map.go: growToTable): a directory of \
                 one entry (dirLen 1, globalDepth 0) pointing at a table of {cap} slots, {} \
                 groups, into which all 9 entries were put again. The table (table.go) records \
                 used, capacity, growthLeft (how many more inserts into empty slots it takes \
                 before it must grow: 7/8 of the capacity, minus used), localDepth and index \
                 (its first directory entry).",
                cap as usize / MAP_GROUP_SLOTS
            ),
            "Each key's 64-bit hash is split in two (map.go): h1 = hash >> 7, the upper 57 \
             bits, picks the group where its probe starts (h1 & lengthMask, the group count \
             minus one); h2 = hash & 0x7f, the low 7 bits, is stored in the control byte of \
             the slot the key takes. The lines below give both for every key."
                .into(),
        ],
        details,
        marks,
        facts,
    );

    // 5. probing: a map of 16 groups, keys all starting at one group.
    let mut p = SwissTourMap::new(r, 100, SEEDS[1])?;
    let first = tour.words.word_at(&p, None)?;
    let g0 = p.start_group(&first);
    let e = tour.words.elem();
    p.put(&first, e);
    let mut probe_keys = vec![first];
    for _ in 1..17 {
        probe_keys.push(tour.insert_at(&mut p, g0)?);
    }
    let v = p.view();
    let mut facts = SwissFacts::of(&v);
    let mut marks = SwissMarks::default();
    let mut details = vec![];
    let ngroups = v.tables.first().map_or(0, |t| t.groups.len());
    for (i, k) in probe_keys.iter().enumerate() {
        let f = p.key_fact(&v, k)?;
        if i == 8 || i == 16 {
            marks.slot(
                f.at,
                format!("{k:?}, key {}: probed groups {:?}", i + 1, f.probed),
            );
        }
        details.push(format!(
            "{:>8}: starts at group {}, probed {:?}, took slot {} (control byte {:02x})",
            k, f.probed[0], f.probed, f.at.slot, f.ctrl
        ));
        facts.keys.push(f);
    }
    marks.group(Some(0), g0, "where all 17 keys' probes start");
    tour.push(
        &v,
        "probe",
        "Probing: a full group sends the key on, quadratically",
        vec![
            format!(
                "A new map, make(map[string]int, 100): 100 entries at 7/8 load need a table \
                 of 128 slots, {ngroups} groups. Into it go 17 keys chosen so that their probes \
                 all start at group {g0} (h1 & {} = {g0}).",
                ngroups - 1
            ),
            format!(
                "The first 8 fill group {g0}. The 9th finds no empty or deleted slot there, so \
                 the probe sequence (table.go: probeSeq) moves on to the next group, {g0} + 1. \
                 Once that one is full too, the 17th goes on by 2 more, to group {g0} + 3: the \
                 steps grow by one each time (offsets 0, 1, 3, 6, 10, ... modulo the group \
                 count, a triangular sequence that visits every group once).",
            ),
            "A lookup walks the same sequence: in each group it checks the slots whose control \
             byte equals the key's h2 (matchH2, a few false matches are possible: 7 bits) and \
             stops at the first group with an empty slot (matchEmpty), since an insert would \
             have put the key there."
                .into(),
        ],
        details,
        marks,
        facts,
    );

    // 6. tombstones: a table of 2 groups; deletes from a full and from a not-full group.
    let mut d = SwissTourMap::new(r, 14, SEEDS[2])?;
    let a = 0usize;
    let b = 1usize;
    let mut in_a = vec![];
    for _ in 0..8 {
        in_a.push(tour.insert_at(&mut d, a)?);
    }
    let mut in_b = vec![];
    for _ in 0..3 {
        in_b.push(tour.insert_at(&mut d, b)?);
    }
    let mut deletes = vec![];
    let mut marks = SwissMarks::default();
    for k in [in_a[2].clone(), in_a[5].clone(), in_b[1].clone()] {
        let before = d.view();
        let (at, _) = d
            .locate(&before, &k)
            .ok_or("tour: a key to delete is missing")?;
        let group_was_full = before
            .group(at.table, at.group)
            .is_some_and(|g| g.count(Ctrl::Empty) == 0);
        d.del(&k);
        let after = d.view();
        let ctrl_after = after.slot(at).map_or(0, |s| s.ctrl);
        marks.slot(
            at,
            format!(
                "delete({k:?}): {}",
                if group_was_full {
                    "fe, a tombstone"
                } else {
                    "80, empty again"
                }
            ),
        );
        deletes.push(DeleteFact {
            key: k,
            at,
            group_was_full,
            ctrl_after,
        });
    }
    in_a.retain(|k| deletes.iter().all(|d| d.key != *k));
    in_b.retain(|k| deletes.iter().all(|d| d.key != *k));
    let v = d.view();
    let mut facts = SwissFacts::of(&v);
    facts.deletes = deletes;
    let pruning = r.has_tombstone_pruning();
    tour.push(
        &v,
        "tombstone",
        "Deletes: tombstones in a full group, empty slots elsewhere",
        vec![
            "A third map, make(map[string]int, 14): one table of 16 slots, 2 groups, room \
             for 14 entries. 8 keys fill group 0, 3 more land in group 1; then two keys of \
             group 0 and one of group 1 are deleted."
                .into(),
            "table.go (Delete) cannot simply empty a slot of a full group: some key may have \
             probed past that group when it was full, and an empty slot would end its lookup \
             too early. So in a group with no empty slot the control byte becomes 0xFE \
             (ctrlDeleted, a tombstone): lookups go on past it, inserts may reuse it. In a \
             group that still has an empty slot no probe ever went past, so the slot becomes \
             0x80 again and growthLeft grows back by one; a tombstone gives nothing back."
                .into(),
            if pruning {
                "From Go 1.25 the Map also sets tombstonePossible when a delete leaves a \
                 tombstone."
                    .to_string()
            } else {
                "Go 1.24 keeps tombstones until the table is rebuilt.".to_string()
            },
        ],
        vec![],
        marks,
        facts,
    );

    // 7. pruning (1.25+) or growing (1.24) when the table runs out of room.
    let mut filled = vec![];
    loop {
        let probe = tour.words.word_at(&d, Some(b))?;
        if d.room_for(&probe).0 == 0 {
            // The next insert finds growthLeft 0.
            let before = d.view();
            let tomb = d.tombstones_for(&before, &probe);
            let cap_before = d.room_for(&probe).1;
            let e = tour.words.elem();
            d.put(&probe, e);
            let v = d.view();
            let mut facts = SwissFacts::of(&v);
            facts.rebuild = Some(RebuildFact::of(&before, cap_before, tomb, &v));
            let mut marks = SwissMarks::default();
            let f = d.key_fact(&v, &probe)?;
            marks.slot(
                f.at,
                format!("{probe:?}, the insert that found growthLeft 0"),
            );
            facts.keys.push(f);
            let cap_after = v.tables.first().map_or(0, |t| t.capacity);
            let (title, text) = if pruning {
                (
                    "Out of room: Go 1.25 prunes tombstones instead of growing",
                    format!(
                        "{} more keys went to group 1 until growthLeft reached 0 ({} entries and \
                         {tomb} tombstones in {cap_before} slots). The next insert (table.go: \
                         PutSlot) first tries pruneTombstones (new in Go 1.25): a tombstone that \
                         no key's probe sequence passes is turned back into an empty slot, if \
                         that frees at least a tenth of the capacity. Here both tombstones of \
                         group 0 were unneeded (every key of group 0 starts there), so they \
                         became 0x80 again and the insert fit: the table keeps its {cap_after} \
                         slots. Pruning never moves an entry, which a running iteration could \
                         not follow.",
                        filled.len(),
                        before.used
                    ),
                )
            } else {
                (
                    "Out of room: Go 1.24 grows, dropping the tombstones",
                    format!(
                        "{} more keys went to group 1 until growthLeft reached 0 ({} entries and \
                         {tomb} tombstones in {cap_before} slots). Go 1.24 cannot reclaim \
                         tombstones in place: the next insert (table.go: PutSlot, rehash) \
                         rebuilds the table at double the size, {cap_after} slots, copying only \
                         the full slots, so the tombstones are gone. (Go 1.25 added \
                         pruneTombstones, which turns unneeded tombstones back into empty slots \
                         without growing.)",
                        filled.len(),
                        before.used
                    ),
                )
            };
            tour.push(&v, "prune", title, vec![text], vec![], marks, facts);
            break;
        }
        let e = tour.words.elem();
        d.put(&probe, e);
        filled.push(probe);
        if filled.len() > 16 {
            return Err("tour: the table never ran out of room".into());
        }
    }

    // 8. growth by doubling at 7/8 load: back to the first map (16 slots).
    let (grow_before, grow_after, cap_b) = tour.insert_until_rebuild(&mut m, 0)?;
    let v = m.view();
    let mut facts = SwissFacts::of(&v);
    facts.rebuild = Some(RebuildFact::of(&grow_before, cap_b, 0, &v));
    let mut marks = SwissMarks::default();
    let f = m.key_fact(&v, &grow_after)?;
    marks.slot(
        f.at,
        format!("{grow_after:?}, the insert that grew the table"),
    );
    facts.keys.push(f);
    let cap_a = v.tables.first().map_or(0, |t| t.capacity);
    tour.push(
        &v,
        "grow",
        "Growth at 7/8 load: the table doubles",
        vec![format!(
            "Back to the first map. A table may fill only 7/8 of its slots (group.go: \
             maxAvgGroupLoad = 7 of 8), so that probes stay short and every probe sequence \
             meets an empty slot: with {cap_b} slots, growthLeft started at {} and reached 0 \
             at {} entries. The next new key found no room, and the table was rebuilt \
             (table.go: rehash, grow) at double the capacity, {cap_a} slots: every entry was \
             inserted again by its h1 into the new, larger group array, all at once (a Swiss \
             map has no incremental evacuation).",
            cap_b as usize * 7 / 8,
            grow_before.used
        )],
        vec![],
        marks,
        facts,
    );

    // 9. split: grow the table to 1024 slots and past.
    let (before_split, _, _) = tour.insert_until_rebuild(&mut m, MAX_TABLE_CAPACITY)?;
    let v = m.view();
    let mut facts = SwissFacts::of(&v);
    facts.rebuild = Some(RebuildFact::of(&before_split, MAX_TABLE_CAPACITY, 0, &v));
    let mut marks = SwissMarks::default();
    for t in 0..v.tables.len() {
        marks.table(t, format!("keys whose hash's top bit is {t}"));
    }
    tour.push(
        &v,
        "split",
        "A full table of 1024 slots splits in two",
        vec![
            format!(
                "The table kept doubling (32, 64, ... slots) until it reached 1024 slots, the \
                 most a table may have (table.go: maxTableCapacity), so that growing one never \
                 copies more than 1024 entries at once. When that table was full too ({} \
                 entries, 7/8 of 1024), the next insert split it instead (table.go: split): \
                 two new tables of 1024 slots, each taking the keys whose hash has a 0, or a 1, \
                 in the bit below the localDepth bits the table's keys shared (here the top \
                 bit).",
                before_split.used
            ),
            "The directory doubled to 2 entries (map.go: installTableSplit): globalDepth 1, \
             so the top bit of a hash picks the entry, and each table has localDepth 1. Large \
             tables are drawn by their control words only, one small strip per group."
                .into(),
        ],
        vec![],
        marks,
        facts,
    );

    // 10. one of the two tables splits again: the directory doubles, entries share.
    let (before_dir, _, _) = tour.insert_until_rebuild(&mut m, MAX_TABLE_CAPACITY)?;
    let v = m.view();
    let mut facts = SwissFacts::of(&v);
    facts.rebuild = Some(RebuildFact::of(&before_dir, MAX_TABLE_CAPACITY, 0, &v));
    let mut marks = SwissMarks::default();
    let mut shared = String::new();
    for (t, tab) in v.tables.iter().enumerate() {
        if tab.entries.len() > 1 {
            shared = format!(
                "table {t} (localDepth {}) is pointed at by entries {:?}",
                tab.localDepth, tab.entries
            );
            for e in &tab.entries {
                marks.entry(*e, format!("shares table {t}"));
            }
            marks.table(
                t,
                format!(
                    "localDepth {} < globalDepth {}: {} entries",
                    tab.localDepth,
                    v.globalDepth,
                    tab.entries.len()
                ),
            );
        }
    }
    tour.push(
        &v,
        "directory",
        "A second split doubles the directory; entries share a table",
        vec![
            format!(
                "At {} entries one of the two tables was full again and split. Its two halves \
                 have localDepth 2, one more than the directory's globalDepth was, so the \
                 directory doubled (globalDepth 2, 4 entries indexed by the top 2 bits of the \
                 hash). The table that did not split keeps localDepth 1: it holds every key \
                 whose top bit it owns, whatever the next bit, so 2^(globalDepth - localDepth) \
                 = 2 consecutive entries point at it: {shared}.",
                before_dir.used
            ),
            "This is extendible hashing: only the full table is rebuilt, and the directory \
             (map.go: directoryIndex, hash >> globalShift) just gains entries pointing at the \
             tables that did not change."
                .into(),
        ],
        vec![],
        marks,
        facts,
    );

    // 11. iteration.
    let (entryOffset, dirOffset) = ITER_DRAWS;
    let mut it = Box::new(Iter::new());
    let mut order = vec![];
    let mut seen = vec![];
    let v = m.view();
    let mp = m.map_ptr();
    // SAFETY: the map outlives the iterator, which is dropped below, and nothing writes
    // the map while it runs.
    unsafe {
        it.Init_r(&m.t, mp, entryOffset, dirOffset);
        it.Next();
        while !it.Key().is_null() {
            let g = it.Key().cast::<GoString>().read_unaligned();
            seen.push(String::from_utf8_lossy(g.as_bytes()).into_owned());
            it.Next();
        }
    }
    drop(it);
    for k in &seen {
        order.push(
            m.locate(&v, k)
                .ok_or_else(|| format!("tour: iterated key {k:?} not found"))?
                .0,
        );
    }
    let mut marks = SwissMarks::default();
    for (i, at) in order.iter().take(12).enumerate() {
        marks.number(*at, i + 1);
    }
    let details: Vec<String> = seen
        .iter()
        .zip(&order)
        .take(12)
        .enumerate()
        .map(|(i, (k, at))| format!("{:>3}. {k:?} at {}", i + 1, at_text(*at)))
        .collect();
    let start_entry = (dirOffset & (v.dirLen as u64 - 1)) as usize;
    let first_cap = v.tables[v.directory[start_entry]].capacity as u64;
    let mut facts = SwissFacts::of(&v);
    facts.iteration = Some(SwissIterFact {
        entryOffset,
        dirOffset,
        order,
        keys: seen,
    });
    tour.push(
        &v,
        "iterate",
        "for k, v := range m: random directory and slot offsets",
        vec![
            format!(
                "Iteration order is deliberately unpredictable. Iter.Init (table.go) draws two \
                 random numbers: entryOffset and dirOffset (fixed here: {entryOffset:#x} and \
                 {dirOffset:#x}). Iter.Next walks the directory from entry (i + dirOffset) & \
                 (dirLen - 1) = {start_entry} on, wrapping, visiting each table once (entries \
                 that share a table are skipped, and a start in the middle of a table's run of \
                 entries moves back to its first)."
            ),
            format!(
                "Inside a table it walks the slots from (j + entryOffset) & (capacity - 1) on, \
                 wrapping (group = that >> 3, slot = that & 7; here {} in the first table), and \
                 yields the full ones. The numbers mark the first 12 entries. If the map grows \
                 meanwhile, the iterator keeps walking the old table and looks each key up in \
                 the new one (stage 12).",
                entryOffset & (first_cap - 1)
            ),
        ],
        details,
        marks,
        facts,
    );

    // 12-14: a range loop across growth, clear, maps.Clone.
    let g = stage_iterate_grow(&mut tour, r)?;
    stage_clear(&mut tour, r, g)?;
    stage_clone(&mut tour, r, &mut m, &keys)?;
    Ok(tour.stages)
}

/// One step of a range loop: `it.Next()`, then the key and elem it returned and whether
/// they lie outside the groups of the table the iterator walks (`it.tab`), that is,
/// came from a lookup in the map. `None` at the end.
///
/// # Safety
/// `it` was initialised on a live `map[string]int` of `typ` whose string keys point at
/// live bytes, and the map was not freed since.
unsafe fn iter_step(it: &mut Iter, typ: &SwissMapType) -> Option<(String, i64, bool)> {
    // SAFETY: the iterator's map and tables are live (caller); a returned key is a
    // string header, a returned elem an int; `it.tab` is live while the iterator runs.
    unsafe {
        it.Next();
        let k = it.Key();
        if k.is_null() {
            return None;
        }
        let g = k.cast::<GoString>().read_unaligned();
        let key = String::from_utf8_lossy(g.as_bytes()).into_owned();
        let elem = it.Elem().cast::<i64>().read_unaligned();
        let tab = it.tab;
        let inside = !tab.is_null() && {
            let start = (*tab).groups.data as usize;
            let len = ((*tab).groups.lengthMask as usize + 1) * typ.GroupSize();
            (start..start + len).contains(&(k as usize))
                && (start..start + len).contains(&(it.Elem() as usize))
        };
        Some((key, elem, !inside))
    }
}

/// The control words of table `t` as the dump spells them (slot 0's byte first).
///
/// # Safety
/// `t` is a live table of `typ` (possibly replaced, kept alive by an iterator).
unsafe fn ctrl_words(t: *const table, typ: &SwissMapType) -> Vec<String> {
    // SAFETY: every group index is within the live table (caller).
    unsafe {
        (0..=(*t).groups.lengthMask)
            .map(|i| {
                (*t).groups
                    .group(typ, i)
                    .ctrls()
                    .0
                    .to_le_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            })
            .collect()
    }
}

/// Slots whose control byte is not full but whose key or elem bytes are not all zero.
fn stale_slots(v: &SwissView) -> usize {
    v.groups()
        .flat_map(|(_, _, g)| g.slots.iter())
        .filter(|s| !s.state().is_full() && (!s.key.full.is_empty() || !s.elem.full.is_empty()))
        .count()
}

/// Stage 12: a range loop whose body grows the table it walks. Returns the map, for the
/// clear stage.
fn stage_iterate_grow(tour: &mut SwissTour, r: SwissRelease) -> Result<SwissTourMap, String> {
    let mut g = SwissTourMap::new(r, 14, SEEDS[3])?;
    let mut keys = vec![];
    for _ in 0..14 {
        keys.push(tour.insert(&mut g));
    }
    let at_init = g.view();
    if at_init.tables.len() != 1 || at_init.tables[0].growthLeft != 0 {
        return Err("tour: the fourth map is not one full table".into());
    }
    let mut snapshot_at = HashMap::new();
    for k in &keys {
        let (at, _) = g
            .locate(&at_init, k)
            .ok_or_else(|| format!("tour: key {k:?} not found"))?;
        snapshot_at.insert(k.clone(), at);
    }
    let ctrl_at_init: Vec<String> = at_init.tables[0]
        .groups
        .iter()
        .map(|g| g.ctrl_hex())
        .collect();
    let step = |(key, elem, relooked): (String, i64, bool)| -> Result<IterStepFact, String> {
        let at = *snapshot_at
            .get(&key)
            .ok_or_else(|| format!("tour: the iterator returned {key:?}, not in the map"))?;
        Ok(IterStepFact {
            key,
            elem,
            snapshot_at: at,
            relooked,
        })
    };

    let draws = ITER_DRAWS;
    let mut it = Box::new(Iter::new());
    let gp = g.map_ptr();
    let mut before = vec![];
    // SAFETY: `g` outlives the iterator (dropped below, before `g` leaves this
    // function); the map is written only between steps, as Go allows.
    unsafe { it.Init_r(&g.t, gp, draws.0, draws.1) };
    for _ in 0..TAKE_BEFORE_GROWTH {
        // SAFETY: as above.
        let s = unsafe { iter_step(&mut it, &g.t) }.ok_or("tour: the iteration ended early")?;
        before.push(step(s)?);
    }
    let snap = it.tab;
    if snap.is_null() {
        return Err("tour: the iterator has no table".into());
    }
    let dir0 = |g: &SwissTourMap| g.directory().first().copied();
    let same_before = dir0(&g) == Some(snap);
    // SAFETY: the iterator's table is live while it runs (replaced tables included).
    let index_before = unsafe { (*snap).index };

    // The loop body: a new key grows the table; then a delete and an update.
    let inserted = tour.insert(&mut g);
    let remaining: Vec<String> = keys
        .iter()
        .filter(|k| before.iter().all(|s| s.key != **k))
        .cloned()
        .collect();
    let deleted = remaining[0].clone();
    let updated = remaining[1].clone();
    g.del(&deleted);
    let updated_from = g
        .get(&updated)
        .ok_or("tour: the key to update is missing")?;
    let updated_to = -updated_from;
    g.put(&updated, updated_to);
    let same_after = dir0(&g) == Some(snap);
    let current_capacity = g.view().tables.first().map_or(0, |t| t.capacity);
    // SAFETY: as above: kept alive by the running iterator.
    let (index_after, snapshot_capacity, ctrl_after_writes) =
        unsafe { ((*snap).index, (*snap).capacity, ctrl_words(snap, &g.t)) };
    let mut after = vec![];
    // SAFETY: as above.
    while let Some(s) = unsafe { iter_step(&mut it, &g.t) } {
        after.push(step(s)?);
        if after.len() > keys.len() {
            return Err("tour: the iteration does not end".into());
        }
    }
    drop(it);

    let v = g.view();
    let mut marks = SwissMarks::default();
    let spaced = |w: &String| {
        w.as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut details = vec![format!(
        "it.tab after the writes: {snapshot_capacity} slots, index {index_after}, the control words \
         of the loop's start:"
    )];
    for (j, w) in ctrl_after_writes.iter().enumerate() {
        details.push(format!("  g{j}   ctrl {}", spaced(w)));
    }
    details.push(format!(
        "the directory's table: {current_capacity} slots, drawn below. The loop's entries, in order:"
    ));
    for (i, s) in before.iter().chain(&after).enumerate() {
        if let Some((at, _)) = g.locate(&v, &s.key) {
            marks.number(at, i + 1);
        }
        details.push(format!(
            "{:>3}. {:?} = {:<5} from it.tab {}{}",
            i + 1,
            s.key,
            s.elem,
            at_text(s.snapshot_at).replace("table 0 ", ""),
            if s.relooked {
                ", key and elem looked up in the grown table"
            } else {
                ", read from the slot"
            }
        ));
    }
    details.push(format!(
        "     {deleted:?} skipped: its slot in it.tab ({}) is still full, but the lookup finds nothing",
        at_text(snapshot_at[&deleted]).replace("table 0 ", "")
    ));
    details.push(format!(
        "     {inserted:?} not returned: it is not in it.tab"
    ));
    if let Some((at, _)) = g.locate(&v, &inserted) {
        marks.slot(
            at,
            format!("{inserted:?}, added during the loop: not returned"),
        );
    }
    if let Some((at, _)) = g.locate(&v, &updated) {
        marks.slot(
            at,
            format!("{updated:?} = {updated_to}, set after the growth"),
        );
    }
    let relooked = after.iter().filter(|s| s.relooked).count();
    let updated_returned = after
        .iter()
        .find(|s| s.key == updated)
        .map_or(0, |s| s.elem);
    let total = before.len() + after.len();
    let mut facts = SwissFacts::of(&v);
    facts.grow_iter = Some(GrowIterFact {
        draws,
        keys_at_init: keys.clone(),
        before: before.clone(),
        after: after.clone(),
        inserted: inserted.clone(),
        deleted: deleted.clone(),
        deleted_at: snapshot_at[&deleted],
        updated: (updated.clone(), updated_from, updated_to),
        same_table: (same_before, same_after),
        snapshot_index: (index_before, index_after),
        snapshot_capacity,
        current_capacity,
        ctrl_at_init,
        ctrl_after_writes,
    });
    tour.push(
        &v,
        "iterate-grow",
        "Writing while iterating: the iterator keeps its old table",
        vec![
            format!(
                "A fourth map, make(map[string]int, 14), with {} entries: one table of \
                 {snapshot_capacity} slots and growthLeft 0, so the next new key makes it grow. \
                 A range loop starts (Iter.Init, the same two draws as before) and takes {} \
                 entries. The iterator remembers the table it is walking in it.tab; so far that \
                 is the directory's table (index {index_before}).",
                keys.len(),
                before.len()
            ),
            format!(
                "Go lets the loop body write to the map. Here it inserts {inserted:?}, which \
                 finds no room: the table is rebuilt at {current_capacity} slots (table.go: \
                 grow), and the directory now points at the new one. The old table is not \
                 freed while an iterator can still read it: it.tab keeps pointing at it, its \
                 index is now {index_after} (the mark of a replaced table), and its control \
                 words are those the map had when the loop began, with all {} keys in their \
                 old slots. The body then deletes {deleted:?} and sets {updated:?} from \
                 {updated_from} to {updated_to}: both writes reach only the new table.",
                keys.len()
            ),
            format!(
                "Why not move to the new table? It places keys by their h1 over twice as many \
                 groups, in another order, so the iterator could not tell which keys it has \
                 already returned: it would repeat some and miss others. So Iter.Next (table.go) \
                 goes on walking it.tab, which decides which keys come and in what order. But \
                 the old table no longer sees writes, so for each full slot it finds there once \
                 the table is replaced (it.tab.index == -1) it looks the key up in the map \
                 (grownKeyElem, getWithKey) and returns the key and elem found there, or skips \
                 the key when the lookup fails. Of the {} entries after the growth, {relooked} came \
                 from that lookup (their key and elem lie in the new table, not in it.tab): \
                 {updated:?} came back as {updated_returned}, {deleted:?} was skipped, and \
                 {inserted:?}, absent from it.tab, was not returned (Go: entries added during \
                 iteration may or may not be returned).",
                after.len()
            ),
            format!(
                "In all the loop got {total} entries, every key of the map exactly once: the {} \
                 present when it began, less the one deleted. A key not equal to itself (a NaN) \
                 can never be found by a lookup; grownKeyElem then returns the entry of the old \
                 slot, since only clear can remove such a key, unless clearSeq says the map was \
                 cleared meanwhile (next stage). The numbers mark where the keys are now.",
                keys.len()
            ),
        ],
        details,
        marks,
        facts,
    );
    Ok(g)
}

/// A map of `n` entries (all in one group: the small map's, or group 0 of a table made
/// for 14), before and after `clear(m)`; with `delete_all`, every entry is deleted
/// before the clear (leaving tombstones in a full group of a table).
fn clear_case(
    tour: &mut SwissTour,
    r: SwissRelease,
    hint: isize,
    n: usize,
    delete_all: bool,
) -> Result<ClearCaseFact, String> {
    let mut c = SwissTourMap::new(r, hint, SEEDS[4])?;
    let mut keys = vec![];
    for _ in 0..n {
        keys.push(if hint > 8 {
            tour.insert_at(&mut c, 0)?
        } else {
            tour.insert(&mut c)
        });
    }
    if delete_all {
        for k in &keys {
            c.del(k);
        }
    }
    let before = c.view();
    let dir = c.map().dirPtr();
    c.clear(SEEDS[4]);
    let after = c.view();
    Ok(ClearCaseFact {
        used_before: before.used,
        tombstones: (
            before.ctrl_count(Ctrl::Deleted),
            after.ctrl_count(Ctrl::Deleted),
        ),
        empty_after: after.ctrl_count(Ctrl::Empty),
        groups_after: after.groups().count(),
        small_after: after.small.is_some(),
        same_memory: c.map().dirPtr() == dir,
        clearSeq: (before.clearSeq, after.clearSeq),
    })
}

/// Stage 13: `clear(m)` on the map of stage 12, with a range loop across it.
fn stage_clear(tour: &mut SwissTour, r: SwissRelease, mut g: SwissTourMap) -> Result<(), String> {
    let before = g.view();
    let tabs = g.directory();
    let mut it = Box::new(Iter::new());
    let gp = g.map_ptr();
    let mut returned_before = 0;
    // SAFETY: `g` outlives the iterator (dropped below); writes happen between steps.
    unsafe { it.Init_r(&g.t, gp, ITER_DRAWS.0, ITER_DRAWS.1) };
    for _ in 0..TAKE_BEFORE_CLEAR {
        // SAFETY: as above.
        unsafe { iter_step(&mut it, &g.t) }.ok_or("tour: the iteration ended early")?;
        returned_before += 1;
    }
    let iter_clearSeq = it.clearSeq;
    let reseeded = g.clear(SEEDS[4]);
    let same_tables = g.directory() == tabs;
    let mut returned_after = 0;
    // SAFETY: as above.
    while unsafe { iter_step(&mut it, &g.t) }.is_some() {
        returned_after += 1;
        if returned_after > before.used {
            return Err("tour: the iteration does not end".into());
        }
    }
    drop(it);
    let v = g.view();
    let small = clear_case(tour, r, 0, 3, false)?;
    let tombstones_only = clear_case(tour, r, 14, MAP_GROUP_SLOTS, true)?;
    let fact = ClearFact {
        used_before: before.used,
        capacities_before: before.tables.iter().map(|t| t.capacity).collect(),
        same_tables,
        clearSeq: (before.clearSeq, v.clearSeq),
        reseeded,
        iter_clearSeq,
        iter_returned: (returned_before, returned_after as usize),
        stale_slots: stale_slots(&v),
        small: small.clone(),
        tombstones_only: tombstones_only.clone(),
    };
    let mut marks = SwissMarks::default();
    for t in 0..v.tables.len() {
        marks.table(t, "the same table as before the clear, emptied");
    }
    let cap = v.tables.first().map_or(0, |t| t.capacity);
    let growth_left = v.tables.first().map_or(0, |t| t.growthLeft);
    let zeroing = match r {
        SwissRelease::Go1_24 => {
            "Go 1.24 zeroes every group of every table (typedmemclr) before resetting its \
             control word."
        }
        SwissRelease::Go1_25 => {
            "From Go 1.25 table.Clear skips a table that has neither entries nor tombstones, \
             and zeroes only the groups holding a full slot: the others have nothing worth \
             clearing, so only their control word is reset."
        }
        _ => {
            "From Go 1.25 table.Clear skips a table that has neither entries nor tombstones. \
             From Go 1.26 it zeroes every group outright, except in a sparse table (at most one \
             entry per 4 groups) or with large slots (over 32 bytes), where it first checks \
             each group for a full slot and zeroes only those: there the test saves much \
             clearing, while in a fuller table it would seldom save any and would only \
             confuse the branch predictor."
        }
    };
    let tomb = &tombstones_only;
    let tomb_text = if r.has_tombstone_pruning() {
        format!(
            "From Go 1.25 Clear also runs when used is 0 but tombstonePossible is set: a map \
             whose {} entries were all deleted from a full group (used 0, {} tombstones) is \
             cleared like any other: {} tombstones left, clearSeq {} to {}. (Go 1.24 returned \
             at once when used was 0 and kept such tombstones.)",
            tomb.tombstones.0,
            tomb.tombstones.0,
            tomb.tombstones.1,
            tomb.clearSeq.0,
            tomb.clearSeq.1
        )
    } else {
        format!(
            "Go 1.24's Clear returns at once when used is 0: a map whose {} entries were all \
             deleted from a full group (used 0, {} tombstones) is left as it is: {} tombstones \
             remain and clearSeq stays {}. (From Go 1.25 Clear also runs when tombstonePossible \
             is set, and removes them.)",
            tomb.tombstones.0, tomb.tombstones.0, tomb.tombstones.1, tomb.clearSeq.1
        )
    };
    let mut facts = SwissFacts::of(&v);
    facts.clear = Some(fact);
    tour.push(
        &v,
        "clear",
        "clear(m): the tables stay, emptied in place",
        vec![
            format!(
                "clear(m) on the fourth map ({} entries in one table of {cap} slots). Map.Clear \
                 (map.go) keeps the map's memory: the directory and its tables stay ({}), \
                 and each table is emptied in place (table.go: table.Clear): every control byte back to 0x80, \
                 used 0, growthLeft back to 7/8 of the capacity ({growth_left}). No release \
                 from 1.24 to 1.27 shrinks a map (Go leaves a TODO, \"shrink directory?\"): a \
                 map that held many entries is likely to hold many again.",
                before.used,
                if same_tables {
                    "every directory entry points at the same table as before"
                } else {
                    "though here a directory entry changed tables"
                }
            ),
            format!(
                "The map's used becomes 0, clearSeq goes from {} to {}, and Clear draws a new \
                 seed (fixed here afterwards, as a trace fixes each draw), so that keys found \
                 to collide under the old seed land elsewhere now. {zeroing}",
                before.clearSeq, v.clearSeq
            ),
            format!(
                "A range loop had taken {returned_before} entries when its body called clear. \
                 The iterator recorded clearSeq {iter_clearSeq} at Init; the map's is now {}. \
                 Its next Next walks the same table, sees only empty control bytes and ends: \
                 {returned_after} more entries. Go reads clearSeq only where Next looks again for \
                 a key picked from a replaced table or from a small map's group that became a \
                 table (grownKeyElem): a NaN key that no lookup can find is still in the map \
                 unless a clear happened since Init, as only clear removes such keys.",
                v.clearSeq
            ),
            format!(
                "A small map is cleared the same way (map.go: clearSmall): its one group is \
                 zeroed and its control word reset, and it stays the map's memory (here {} \
                 entries, then {} empty control bytes in {} group, clearSeq {} to {}). {tomb_text}",
                small.used_before,
                small.empty_after,
                small.groups_after,
                small.clearSeq.0,
                small.clearSeq.1
            ),
        ],
        vec![],
        marks,
        facts,
    );
    Ok(())
}

/// Stage 14: `maps.Clone` of the first map, then writes to each copy.
fn stage_clone(
    tour: &mut SwissTour,
    r: SwissRelease,
    m: &mut SwissTourMap,
    keys: &[String],
) -> Result<(), String> {
    let native = r.has_tombstone_pruning();
    let source_dump = m.dump();
    let mut c = m.clone_map(SEEDS[3], ITER_DRAWS);
    let clone_dump = c.dump();
    let src_tabs = m.directory();
    let clone_tabs = c.directory();
    let src_groups = m.group_arrays();
    let no_shared_memory = clone_tabs.iter().all(|t| !src_tabs.contains(t))
        && c.group_arrays().iter().all(|g| !src_groups.contains(g))
        && c.map().dirPtr() != m.map().dirPtr();
    let src_view = m.view();
    let clone_view = c.view();
    let same_ctrl = src_view
        .groups()
        .zip(clone_view.groups())
        .filter(|(a, b)| a.2.ctrl == b.2.ctrl)
        .count();
    let ngroups = clone_view.groups().count();

    // Writes to each map afterwards.
    let added = loop {
        let w = tour.words.word();
        if c.room_for(&w).0 > 0 {
            break w;
        }
    };
    let e = tour.words.elem();
    c.put(&added, e);
    let deleted = keys[0].clone();
    m.del(&deleted);
    let updated = keys[1].clone();
    let e = -m
        .get(&updated)
        .ok_or("tour: the key to update is missing")?;
    m.put(&updated, e);
    let fact = CloneFact {
        native,
        source_dump,
        clone_dump,
        no_shared_memory,
        added: (added.clone(), m.get(&added), c.get(&added)),
        deleted: (deleted.clone(), m.get(&deleted), c.get(&deleted)),
        updated: (updated.clone(), m.get(&updated), c.get(&updated)),
    };
    let v = c.view();
    let mut marks = SwissMarks::default();
    for (t, tab) in v.tables.iter().enumerate() {
        if native && tab.entries.len() > 1 {
            marks.table(
                t,
                format!(
                    "one copy, shared by entries {:?} as m's table is",
                    tab.entries
                ),
            );
        }
    }
    if let Some((at, _)) = c.locate(&v, &added) {
        marks.slot(at, format!("{added:?}: put into the clone only"));
    }
    if let Some((at, _)) = c.locate(&v, &deleted) {
        marks.slot(at, format!("{deleted:?}: deleted from m, still here"));
    }
    let shape = |v: &SwissView| {
        format!(
            "dirLen {}, {} tables of {:?} slots",
            v.dirLen,
            v.tables.len(),
            v.tables.iter().map(|t| t.capacity).collect::<Vec<_>>()
        )
    };
    let how = if native {
        format!(
            "maps.Clone(m) on the first map ({} entries, {}). From Go 1.25 the runtime's \
             mapclone calls Map.Clone (map.go), which copies the map as it is: a new header \
             with the same fields (the same seed, so every key still hashes the same), a new \
             directory of the same {} entries, and for each table a copy (table.clone) whose \
             groups are copied byte for byte (cloneGroup); directory entries that shared a \
             table share its copy. No key is hashed or moved, so the clone has the same shape \
             ({}) and the same control bytes in the same places ({same_ctrl} of {ngroups} \
             control words equal): {}. Cloning costs a few memory copies instead of an insert per entry.",
            src_view.used,
            shape(&src_view),
            src_view.dirLen,
            shape(&clone_view),
            if fact.source_dump == fact.clone_dump {
                "its canonical dump is the source's, line for line"
            } else {
                "yet its canonical dump differs from the source's"
            }
        )
    } else {
        format!(
            "maps.Clone(m) on the first map ({} entries, {}). Go 1.24's runtime builds the copy \
             the slow way (map_swiss.go: mapclone2): make(map[K]V, len(m)), which draws a new \
             seed (fixed here too) and sizes the directory for the hint, then an iteration \
             over m putting each entry into the new map. The clone holds the same entries, \
             but hashed with another seed they have other h1 and h2: other control bytes in \
             other places ({same_ctrl} of {ngroups} control words happen to be equal), and \
             the directory is sized for the hint (NewMap), not copied from m: {}. Go 1.25 replaced this \
             with Map.Clone, which copies the tables and groups as they are.",
            src_view.used,
            shape(&src_view),
            shape(&clone_view)
        )
    };
    let show = |v: Option<i64>| v.map_or("absent".to_string(), |e| e.to_string());
    let mut facts = SwissFacts::of(&v);
    facts.clone = Some(fact.clone());
    tour.push(
        &v,
        "clone",
        "maps.Clone: a copy that shares nothing",
        vec![
            how,
            format!(
                "The two maps share no memory but the bytes of the string keys, which Go never \
                 changes: the clone has its own directory and groups ({}). So writes to one do not reach the other: after putting {added:?} into the \
                 clone, deleting {deleted:?} from m and setting m[{updated:?}] = {e}, m[{added:?}] \
                 is {} and the clone's {}; m[{deleted:?}] is {} and the clone's {}; \
                 m[{updated:?}] is {} and the clone's {}. The picture shows the clone after \
                 these writes.",
                if no_shared_memory {
                    "none of them is one of m's"
                } else {
                    "though here some are m's"
                },
                show(fact.added.1),
                show(fact.added.2),
                show(fact.deleted.1),
                show(fact.deleted.2),
                show(fact.updated.1),
                show(fact.updated.2)
            ),
        ],
        vec![],
        marks,
        facts,
    );
    drop(c);
    Ok(())
}
