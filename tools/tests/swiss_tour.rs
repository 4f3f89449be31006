//! The Swiss tour and `gomap viz` on Swiss maps: every stage renders and states facts
//! that hold on the real engine; the pictures show exactly the map's groups, control
//! words, directory entries and tables, read back here through the engine's own
//! accessors.

use std::collections::HashMap;

use gomap::export_test::swiss::map::Map;
use gomap::export_test::swiss::table::table;
use gomap::maptype::{alg, GoKind, MapType};
use gomap::swiss::runtime::makemap;
use gomap::swiss::{SwissMapType, SwissRelease};
use gomap_tools::tour::draw::swiss::{SwissView, SWISS_TEXT_LEGEND};
use gomap_tools::tour::{self, Stage, SwissFacts};
use gomap_tools::trace::swiss::SwissReplayer;

/// Every Swiss release, the split group layout of 1.27 included.
const RELEASES: [SwissRelease; 5] = SwissRelease::ALL;

mod tour_common;
use tour_common::{parse_xml, read_tour_dir, serial, stage};

fn facts<'a>(stages: &'a [Stage], slug: &str) -> &'a SwissFacts {
    stage(stages, slug)
        .swiss
        .as_ref()
        .unwrap_or_else(|| panic!("{slug}: no Swiss facts"))
}

/// Installs hash keys derived from `i` (the tour's facts must hold for any key).
fn fix_keys(i: u64) {
    let mut keys = alg::hash_keys();
    keys.use_aeshash = alg::has_aes();
    for (j, b) in keys.aeskeysched.iter_mut().enumerate() {
        *b = (j as u64 * 13 + i * 7 + 1) as u8;
    }
    alg::set_hash_keys_before_safe_maps(keys).expect("no GoMap in this test binary");
}

/// Checks the facts every Swiss stage states.
fn check_stages(st: &[Stage], r: SwissRelease) {
    let slugs: Vec<&str> = st.iter().map(|s| &s.slug[3..]).collect();
    assert_eq!(
        slugs,
        [
            "make",
            "small",
            "small-full",
            "table",
            "probe",
            "tombstone",
            "prune",
            "grow",
            "split",
            "directory",
            "iterate",
            "iterate-grow",
            "clear",
            "clone"
        ]
    );
    for s in st {
        let f = s.swiss.as_ref().expect("Swiss facts");
        assert_eq!(f.release, r);
        assert_eq!(f.tombstonePossible.is_some(), r.has_tombstone_pruning());
        assert_eq!(f.full + f.empty + f.deleted, 8 * f.groups, "{}", s.slug);
        assert_eq!(
            f.full as u64, f.used,
            "{}: one full control byte per entry",
            s.slug
        );
        assert!(s.text.contains(&format!("used={}", f.used)), "{}", s.text);
        assert!(!s.explanation.is_empty() && !s.svg.is_empty());
    }

    let f = facts(st, "make");
    assert!(f.no_memory && f.used == 0 && f.groups == 0);

    // A small map: one group, filled in slot order, control byte = h2.
    let f = facts(st, "small");
    assert!(f.small && f.groups == 1 && f.dirLen == 0);
    assert_eq!((f.used, f.full, f.empty), (5, 5, 3));
    for (i, k) in f.keys.iter().enumerate() {
        assert_eq!((k.at.table, k.at.slot), (None, i), "{k:?}");
        assert_eq!(k.ctrl, k.h2, "{k:?}");
        assert_eq!(k.h2 as u64, k.hash & 0x7f);
        assert_eq!(k.h1, k.hash >> 7);
    }
    let f = facts(st, "small-full");
    assert!(f.small && f.full == 8 && f.empty == 0);

    // The 9th key: one table of 16 slots; probes start at h1 & 1.
    let f = facts(st, "table");
    assert!(!f.small);
    assert_eq!((f.dirLen, f.globalDepth, f.groups, f.used), (1, 0, 2, 9));
    let t = &f.tables[0];
    assert_eq!(
        (t.capacity, t.used, t.growthLeft, t.localDepth),
        (16, 9, 5, 0)
    );
    assert_eq!(f.keys.len(), 9);
    for k in &f.keys {
        assert_eq!(k.ctrl, k.h2, "{k:?}");
        assert_eq!(k.probed[0] as u64, k.h1 & 1, "{k:?}");
    }

    // Probing: 17 keys starting at one group of 16: 8 there, 8 in the next, 1 three on.
    let f = facts(st, "probe");
    assert_eq!((f.groups, f.used), (16, 17));
    let g0 = f.keys[0].probed[0];
    for (i, k) in f.keys.iter().enumerate() {
        let want: Vec<usize> = match i {
            0..=7 => vec![g0],
            8..=15 => vec![g0, (g0 + 1) % 16],
            _ => vec![g0, (g0 + 1) % 16, (g0 + 3) % 16],
        };
        assert_eq!(k.probed, want, "key {i}: {k:?}");
        assert_eq!(k.at.group, *want.last().unwrap());
        assert_eq!(k.ctrl, k.h2);
    }

    // Deletes: tombstones in the full group, an empty slot in the other.
    let f = facts(st, "tombstone");
    assert_eq!(f.deletes.len(), 3);
    for d in &f.deletes {
        let want = if d.group_was_full { 0xfe } else { 0x80 };
        assert_eq!(d.ctrl_after, want, "{d:?}");
    }
    assert_eq!(f.deletes.iter().filter(|d| d.group_was_full).count(), 2);
    assert_eq!(f.deleted, 2);
    assert_eq!(f.tables[0].growthLeft, 14 - 11 + 1);
    if r.has_tombstone_pruning() {
        assert_eq!(f.tombstonePossible, Some(true));
    }

    // Out of room: 1.25+ prunes the two tombstones and keeps 16 slots; 1.24 grows.
    let f = facts(st, "prune");
    let rb = f.rebuild.as_ref().unwrap();
    assert_eq!((rb.capacity_before, rb.tombstones_before), (16, 2));
    assert_eq!(rb.tombstones_after, 0);
    if r.has_tombstone_pruning() {
        assert_eq!(rb.capacities_after, [16]);
        assert_eq!(f.tables[0].growthLeft, 1);
    } else {
        assert_eq!(rb.capacities_after, [32]);
    }

    // Growth at 7/8: 14 entries in 16 slots, the 15th doubles the table.
    let f = facts(st, "grow");
    let rb = f.rebuild.as_ref().unwrap();
    assert_eq!((rb.used_before, rb.capacity_before), (14, 16));
    assert_eq!(rb.capacities_after, [32]);
    assert_eq!(f.tables[0].growthLeft, 28 - 15);

    // Split: a full table of 1024 (896 entries) splits in two, the directory doubles.
    let f = facts(st, "split");
    let rb = f.rebuild.as_ref().unwrap();
    assert_eq!((rb.used_before, rb.capacity_before), (896, 1024));
    assert_eq!((rb.tables, rb.globalDepth), ((1, 2), (0, 1)));
    assert_eq!(rb.capacities_after, [1024, 1024]);
    assert_eq!(f.dirLen, 2);
    assert!(f.tables.iter().all(|t| t.localDepth == 1 && t.entries == 1));
    assert_eq!(f.tables.iter().map(|t| t.used as u64).sum::<u64>(), 897);

    // The second split: 4 entries, 3 tables, one shared by 2 entries.
    let f = facts(st, "directory");
    let rb = f.rebuild.as_ref().unwrap();
    assert_eq!((rb.tables, rb.globalDepth), ((2, 3), (1, 2)));
    assert_eq!((f.dirLen, f.globalDepth, f.tables.len()), (4, 2, 3));
    let shared: Vec<_> = f.tables.iter().filter(|t| t.entries == 2).collect();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].localDepth, 1);
    assert_eq!(
        f.tables.iter().filter(|t| t.localDepth == 2).count(),
        2,
        "the split table's halves"
    );
    for (e, &t) in f.directory.iter().enumerate() {
        let tab = &f.tables[t];
        let run = 1usize << (f.globalDepth - tab.localDepth);
        assert_eq!(tab.index as usize, e / run * run, "entry {e}");
    }

    // Iteration: every entry once; tables in directory order from the random entry;
    // slots in each table from the random offset, wrapping.
    let f = facts(st, "iterate");
    let it = f.iteration.as_ref().unwrap();
    assert_eq!(it.order.len() as u64, f.used);
    let mut seen = it.order.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), it.order.len());
    let start = f.directory[(it.dirOffset & (f.dirLen as u64 - 1)) as usize];
    let first_entry = f.tables[start].index as usize;
    let mut tables_in_order = vec![];
    for e in 0..f.dirLen {
        let t = f.directory[(first_entry + e) % f.dirLen];
        if !tables_in_order.contains(&t) {
            tables_in_order.push(t);
        }
    }
    let rank = |at: &gomap_tools::tour::draw::swiss::SlotAt| {
        let t = at.table.unwrap();
        let cap = f.tables[t].capacity as u64;
        let pos = tables_in_order.iter().position(|&x| x == t).unwrap();
        let e = (at.group * 8 + at.slot) as u64;
        (pos, e.wrapping_sub(it.entryOffset) & (cap - 1))
    };
    let ranks: Vec<_> = it.order.iter().map(rank).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] < w[1]),
        "{:?}",
        &it.order[..20]
    );

    check_iterate_grow(st);
    check_clear(st, r);
    check_clone(st, r);
}

/// The explanation and details of stage `slug`, in one string.
fn text_of(st: &[Stage], slug: &str) -> String {
    let s = stage(st, slug);
    format!("{}\n{}", s.explanation.join("\n"), s.details.join("\n"))
}

/// Asserts that `text` says `want`.
fn says(text: &str, want: &str) {
    assert!(text.contains(want), "the text lacks {want:?}:\n{text}");
}

/// A range loop whose body grows the table: the iterator walks its old table (a
/// snapshot whose control words do not change), in order from entryOffset; every key
/// present at Init comes exactly once except the one deleted; the added key does not
/// come; entries after the growth come from a lookup, with their current value.
fn check_iterate_grow(st: &[Stage]) {
    let f = facts(st, "iterate-grow");
    let g = f.grow_iter.as_ref().expect("iterate-grow facts");
    let text = text_of(st, "iterate-grow");
    assert_eq!(g.keys_at_init.len(), 14);
    assert_eq!((g.snapshot_capacity, g.current_capacity), (16, 32));
    assert_eq!(g.snapshot_index, (0, -1), "a replaced table has index -1");
    assert_eq!(
        g.same_table,
        (true, false),
        "it.tab vs the directory's table"
    );
    assert_eq!(
        g.ctrl_at_init, g.ctrl_after_writes,
        "the old table is a snapshot: the writes after the growth do not reach it"
    );
    assert_eq!((f.used, f.tables.len(), f.tables[0].capacity), (14, 1, 32));
    assert!(g.before.iter().all(|s| !s.relooked), "{:?}", g.before);
    assert!(g.after.iter().all(|s| s.relooked), "{:?}", g.after);
    assert!(!g.after.is_empty());
    let returned: Vec<&str> = g
        .before
        .iter()
        .chain(&g.after)
        .map(|s| s.key.as_str())
        .collect();
    for k in &g.keys_at_init {
        let n = returned.iter().filter(|r| **r == k.as_str()).count();
        let want = usize::from(*k != g.deleted);
        assert_eq!(n, want, "{k:?} returned {n} times: {returned:?}");
    }
    assert_eq!(returned.len(), g.keys_at_init.len() - 1);
    assert!(!returned.contains(&g.inserted.as_str()));
    assert!(g.keys_at_init.contains(&g.deleted));
    // The walk follows it.tab's slots from entryOffset, wrapping, the deleted key's
    // slot (still full in the snapshot) skipped.
    let rank = |at: &gomap_tools::tour::draw::swiss::SlotAt| {
        ((at.group * 8 + at.slot) as u64).wrapping_sub(g.draws.0) & 15
    };
    let ranks: Vec<u64> = g
        .before
        .iter()
        .chain(&g.after)
        .map(|s| rank(&s.snapshot_at))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
    let full = |ctrl: &[String], at: &gomap_tools::tour::draw::swiss::SlotAt| {
        let b = u8::from_str_radix(&ctrl[at.group][at.slot * 2..at.slot * 2 + 2], 16).unwrap();
        b & 0x80 == 0
    };
    for s in g.before.iter().chain(&g.after) {
        assert!(full(&g.ctrl_at_init, &s.snapshot_at), "{s:?}");
    }
    assert!(
        full(&g.ctrl_after_writes, &g.deleted_at),
        "the deleted key's slot is still full in the snapshot"
    );
    says(
        &text,
        &format!(
            "{:?} skipped: its slot in it.tab (group {} slot {}) is still full",
            g.deleted, g.deleted_at.group, g.deleted_at.slot
        ),
    );
    // The updated key comes back with its new value.
    let (uk, from, to) = &g.updated;
    assert_ne!(from, to);
    let u = g
        .after
        .iter()
        .find(|s| s.key == *uk)
        .expect("the updated key comes after");
    assert_eq!(u.elem, *to);
    // The text's figures are the engine's.
    says(&text, &format!("takes {} entries", g.before.len()));
    says(&text, &format!("rebuilt at {} slots", g.current_capacity));
    says(&text, &format!("index is now {}", g.snapshot_index.1));
    says(&text, &format!("from {from} to {to}"));
    says(&text, &format!("came back as {to}"));
    says(&text, &format!("{:?} was skipped", g.deleted));
    says(
        &text,
        &format!("{:?}, absent from it.tab, was not returned", g.inserted),
    );
    says(
        &text,
        &format!(
            "Of the {} entries after the growth, {} came from that lookup",
            g.after.len(),
            g.after.iter().filter(|s| s.relooked).count()
        ),
    );
    says(
        &text,
        &format!("In all the loop got {} entries", returned.len()),
    );
}

/// clear(m): the same tables, emptied; clearSeq bumped; the running iterator ends; the
/// small map keeps its group; a map of tombstones only is cleared from 1.25 only.
fn check_clear(st: &[Stage], r: SwissRelease) {
    let f = facts(st, "clear");
    let c = f.clear.as_ref().expect("clear facts");
    let text = text_of(st, "clear");
    assert_eq!(c.used_before, 14);
    assert_eq!(c.capacities_before, [32]);
    assert!(c.same_tables, "the tables are kept");
    assert_eq!(
        f.tables.iter().map(|t| t.capacity).collect::<Vec<_>>(),
        [32]
    );
    assert_eq!((f.used, f.full, f.deleted), (0, 0, 0));
    assert_eq!(f.empty, 8 * f.groups);
    assert_eq!((f.tables[0].used, f.tables[0].growthLeft), (0, 28));
    assert_eq!(c.clearSeq, (0, 1));
    assert!(c.reseeded);
    assert_eq!(c.iter_clearSeq, 0);
    assert_eq!(c.iter_returned, (3, 0));
    assert_eq!(c.stale_slots, 0, "every slot zeroed");
    let s = &c.small;
    assert!(s.small_after && s.same_memory);
    assert_eq!((s.used_before, s.empty_after, s.groups_after), (3, 8, 1));
    assert_eq!(s.clearSeq, (0, 1));
    let t = &c.tombstones_only;
    assert_eq!((t.used_before, t.tombstones.0), (0, 8));
    assert!(t.same_memory && !t.small_after);
    if r.has_tombstone_pruning() {
        assert_eq!((t.tombstones.1, t.clearSeq), (0, (0, 1)));
        assert_eq!(t.empty_after, 8 * t.groups_after);
    } else {
        assert_eq!((t.tombstones.1, t.clearSeq), (8, (0, 0)));
    }
    says(
        &text,
        "every directory entry points at the same table as before",
    );
    says(
        &text,
        &format!(
            "growthLeft back to 7/8 of the capacity ({})",
            f.tables[0].growthLeft
        ),
    );
    says(
        &text,
        &format!("clearSeq goes from {} to {}", c.clearSeq.0, c.clearSeq.1),
    );
    says(&text, &format!("had taken {} entries", c.iter_returned.0));
    says(
        &text,
        &format!("recorded clearSeq {} at Init", c.iter_clearSeq),
    );
    says(&text, &format!("ends: {} more entries", c.iter_returned.1));
    says(
        &text,
        &format!("clearSeq {} to {})", s.clearSeq.0, s.clearSeq.1),
    );
    if r.has_tombstone_pruning() {
        says(
            &text,
            &format!(
                "{} tombstones left, clearSeq {} to {}",
                t.tombstones.1, t.clearSeq.0, t.clearSeq.1
            ),
        );
    } else {
        says(
            &text,
            &format!(
                "{} tombstones remain and clearSeq stays {}",
                t.tombstones.1, t.clearSeq.1
            ),
        );
    }
    let zeroing = match r {
        SwissRelease::Go1_24 => "Go 1.24 zeroes every group",
        SwissRelease::Go1_25 => "zeroes only the groups holding a full slot",
        _ => "From Go 1.26 it zeroes every group outright",
    };
    says(&text, zeroing);
}

/// The full slots of a dump, as (key, elem) texts, sorted.
fn entries(v: &SwissView) -> Vec<(String, String)> {
    let mut e: Vec<(String, String)> = v
        .groups()
        .flat_map(|(_, _, g)| g.slots.iter())
        .filter(|s| s.state().is_full())
        .map(|s| (s.key.full.clone(), s.elem.full.clone()))
        .collect();
    e.sort();
    e
}

/// maps.Clone: from 1.25 the clone's dump is the source's; in 1.24 the same entries
/// under another seed. Either way no shared memory, and writes stay in their map.
fn check_clone(st: &[Stage], r: SwissRelease) {
    let f = facts(st, "clone");
    let c = f.clone.as_ref().expect("clone facts");
    let text = text_of(st, "clone");
    let mt = MapType::for_go_types(GoKind::String, GoKind::Int).unwrap();
    let t = SwissMapType::new(&mt, r);
    let src = SwissView::parse(&t, &c.source_dump).unwrap();
    let cl = SwissView::parse(&t, &c.clone_dump).unwrap();
    assert_eq!(c.native, r.has_tombstone_pruning());
    assert_eq!(src.used, cl.used);
    assert_eq!(entries(&src), entries(&cl), "the same entries");
    assert!(
        src.tables.len() >= 3,
        "the first map, with its shared table"
    );
    if c.native {
        assert_eq!(
            c.source_dump, c.clone_dump,
            "Map.Clone copies byte for byte"
        );
        says(&text, "its canonical dump is the source's, line for line");
        let n = cl.groups().count();
        says(&text, &format!("({n} of {n} control words equal)"));
    } else {
        assert_ne!(src.seed, cl.seed, "mapclone2's map has its own seed");
        let hinted = makemap(&t, src.used as isize);
        assert!(cl.dirLen >= hinted.dirLen() as usize, "sized for the hint");
        drop(hinted);
        says(&text, "mapclone2");
    }
    let shape = format!(
        "dirLen {}, {} tables of {:?} slots",
        cl.dirLen,
        cl.tables.len(),
        cl.tables.iter().map(|t| t.capacity).collect::<Vec<_>>()
    );
    says(&text, &shape);
    assert!(c.no_shared_memory);
    says(&text, "none of them is one of m's");
    // After the writes: the clone has the added key and still the deleted one; m has
    // its update, the clone the old value.
    let (ak, a_src, a_cl) = &c.added;
    assert!(a_src.is_none() && a_cl.is_some());
    let (dk, d_src, d_cl) = &c.deleted;
    assert!(d_src.is_none() && d_cl.is_some());
    let (uk, u_src, u_cl) = &c.updated;
    assert_eq!(u_src.map(|v| -v), *u_cl);
    assert_ne!(u_src, u_cl);
    assert_eq!(
        f.used,
        cl.used + 1,
        "the picture: the clone after its one insert"
    );
    let show = |v: &Option<i64>| v.map_or("absent".to_string(), |e| e.to_string());
    says(
        &text,
        &format!(
            "m[{ak:?}] is {} and the clone's {}",
            show(a_src),
            show(a_cl)
        ),
    );
    says(
        &text,
        &format!(
            "m[{dk:?}] is {} and the clone's {}",
            show(d_src),
            show(d_cl)
        ),
    );
    says(
        &text,
        &format!(
            "m[{uk:?}] is {} and the clone's {}",
            show(u_src),
            show(u_cl)
        ),
    );
}

#[test]
fn swiss_stages_hold_for_every_release_and_many_keys() {
    let _serial = serial();
    for r in RELEASES {
        for i in 0..10 {
            fix_keys(i);
            let st = tour::swiss_stages(r).unwrap();
            check_stages(&st, r);
        }
    }
}

#[test]
fn swiss_tour_writes_well_formed_pictures() {
    let _serial = serial();
    let dir = std::env::temp_dir().join(format!("gomap-swiss-tour-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    tour::run_swiss_tour(&dir, SwissRelease::Go1_25).unwrap();
    let n = tour::swiss_stages(SwissRelease::Go1_25).unwrap().len();
    let (svgs, s) = read_tour_dir(&dir);
    assert_eq!(s.matches("<svg").count(), n, "every picture inline");
    assert!(
        s.contains("internal/runtime/maps"),
        "the Swiss page's header"
    );
    assert!(s.contains("control bytes"), "the Swiss facts table");
    assert_eq!(svgs, n);
    assert!(SWISS_TEXT_LEGEND.contains("ctrlDeleted"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Swiss trace putting keys `0..n` (of kind `key`, spelled by `spell`).
fn trace(r: SwissRelease, kinds: &str, n: usize, spell: impl Fn(usize) -> String) -> String {
    let mut t = format!(
        "gomap-trace 1\ngo {}\naeskey {}\ntype {kinds}\nmake 0 00000000deadbeef\n",
        r.name(),
        (0..128u8).map(|b| format!("{b:02x}")).collect::<String>()
    );
    for i in 0..n {
        t.push_str(&format!("put {} {}\n", spell(i), i + 1));
    }
    t
}

/// Replays `text`. The replayer holds the process's trace key lock until dropped: drop
/// it before replaying another trace.
fn replay(text: &str) -> SwissReplayer {
    let mut r = SwissReplayer::new();
    let mut out = String::new();
    for (i, l) in text.lines().enumerate() {
        r.run_line(i + 1, l, &mut out).unwrap();
    }
    r
}

/// The map's groups as (table position, control word hex), read through the engine's
/// accessors (`directoryAt`, `groups.group`, `ctrls`), and its directory as table
/// positions.
fn engine_state(t: &SwissMapType, m: &Map) -> (Vec<(i64, String)>, Vec<usize>) {
    let hex = |w: u64| {
        w.to_le_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let mut groups = vec![];
    let mut dir = vec![];
    if m.dirPtr().is_null() {
        return (groups, dir);
    }
    // SAFETY: a live map of `t` owned by the replayer; nothing writes it meanwhile.
    unsafe {
        if m.dirLen() == 0 {
            let g = gomap::export_test::swiss::group::groupReference { data: m.dirPtr() };
            groups.push((-1, hex(g.ctrls().0)));
            return (groups, dir);
        }
        let mut seen: HashMap<*mut table, usize> = HashMap::new();
        for i in 0..m.dirLen() as usize {
            let tab = m.directoryAt(i);
            let n = seen.len();
            let pos = *seen.entry(tab).or_insert(n);
            dir.push(pos);
            if pos == n {
                for j in 0..=(*tab).groups.lengthMask {
                    groups.push((pos as i64, hex((*tab).groups.group(t, j).ctrls().0)));
                }
            }
        }
    }
    (groups, dir)
}

/// The picture of a trace's map shows exactly the engine's groups (one `sw-group` each,
/// with its control word), control bytes (`sw-ctrl`), directory entries (`sw-dir`,
/// pointing at the right table) and tables (`sw-table`); the text picture lists every
/// control word too.
fn check_drawing(
    text: &str,
    want_groups: std::ops::RangeInclusive<usize>,
    want_tables: std::ops::RangeInclusive<usize>,
) {
    let rp = replay(text);
    let (t, m) = rp.map().unwrap();
    let (groups, dir) = engine_state(t, m);
    let ntables = dir.iter().max().map_or(0, |t| t + 1);
    // The replayer holds the trace key lock while alive; viz takes it again.
    drop(rp);
    assert!(
        want_groups.contains(&groups.len()),
        "{} groups",
        groups.len()
    );
    assert!(want_tables.contains(&ntables), "{ntables} tables");
    let (picture, svg, _) = tour::viz(text, None).unwrap();
    let doc = parse_xml("viz svg", &svg);
    let class = |c: &str| {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(c))
            .collect::<Vec<_>>()
    };
    let drawn: Vec<(i64, String)> = class("sw-group")
        .iter()
        .map(|n| {
            (
                n.attribute("data-table").unwrap().parse().unwrap(),
                n.attribute("data-ctrl").unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(drawn, groups, "groups and control words as drawn");
    let ctrl_bytes: String = class("sw-ctrl")
        .iter()
        .map(|n| n.attribute("data-ctrl").unwrap())
        .collect();
    let words: String = groups.iter().map(|g| g.1.as_str()).collect();
    assert_eq!(ctrl_bytes, words, "every control byte, in order");
    let entries: Vec<usize> = class("sw-dir")
        .iter()
        .map(|n| n.attribute("data-table").unwrap().parse().unwrap())
        .collect();
    assert_eq!(entries, dir, "directory entries and their tables");
    assert_eq!(class("sw-table").len(), ntables);
    let mut from = 0;
    for (_, w) in &groups {
        let spaced: String = w
            .as_bytes()
            .chunks(2)
            .map(|c| format!(" {}", std::str::from_utf8(c).unwrap()))
            .collect();
        let at = picture[from..]
            .find(w.as_str())
            .or_else(|| picture[from..].find(&spaced))
            .unwrap_or_else(|| panic!("control word {w} missing from the text picture"));
        from += at + 1;
    }
}

#[test]
fn viz_draws_the_swiss_map_exactly() {
    let _serial = serial();
    for r in [SwissRelease::Go1_24, SwissRelease::Go1_27] {
        let i64s = |i: usize| (i as i64 * 7919).to_string();
        // 5 entries: a small map, one group, no table.
        check_drawing(&trace(r, "i64 i64", 5, i64s), 1..=1, 0..=0);
        // 9 entries: one table of 16 slots.
        check_drawing(&trace(r, "i64 i64", 9, i64s), 2..=2, 1..=1);
        // 1000 entries: a table of 1024 slots, or two after a split (at 897).
        check_drawing(&trace(r, "i64 i64", 1000, i64s), 128..=256, 1..=2);
        // ~3000 entries: several splits, entries sharing tables (dirLen >= 4).
        let text = trace(r, "i64 i64", 3000, i64s);
        let rp = replay(&text);
        let m = rp.map().unwrap().1;
        assert!(m.dirLen() >= 4, "splits: dirLen {}", m.dirLen());
        drop(rp);
        check_drawing(&text, 384..=1024, 3..=8);
    }
}

#[test]
fn viz_marks_indirect_slots_and_stale_bytes() {
    let _serial = serial();
    // Keys of 130 bytes are stored indirectly (a pointer in the slot).
    let text = trace(SwissRelease::Go1_25, "b130 i64", 3, |i| {
        format!("{i:02x}").repeat(130)
    });
    let rp = replay(&text);
    let (t, m) = rp.map().unwrap();
    assert!(t.IndirectKey());
    // SAFETY: the replayer's live map.
    let v = unsafe { SwissView::capture(t, m) };
    let g = v.small.as_ref().unwrap();
    assert!(g.slots[..3]
        .iter()
        .all(|s| s.indirect_key && !s.indirect_elem));
    drop(rp);
    let (picture, svg, _) = tour::viz(&text, None).unwrap();
    assert!(picture.contains("*0x0000"), "{picture}");
    assert!(
        svg.contains("stroke-dasharray"),
        "indirect slots drawn dashed"
    );
    // Deleting leaves no full slot: the control byte says empty.
    let text = format!("{text}del {}\n", "01".repeat(130));
    let (picture, _, _) = tour::viz(&text, None).unwrap();
    assert!(
        picture.contains("ctrl") && picture.contains(" 80"),
        "{picture}"
    );
}

#[test]
fn viz_takes_the_release_from_go_flag() {
    let _serial = serial();
    let text = trace(SwissRelease::Go1_26, "i64 i64", 3, |i| i.to_string());
    let bare = text.replacen("go 1.26\n", "", 1);
    assert!(
        tour::viz(&bare, None).is_err(),
        "a classic trace wants a 32-bit seed"
    );
    let with = tour::with_release(&bare, "1.26").unwrap();
    assert_eq!(with, text);
    let (picture, svg, steps) = tour::viz(&with, None).unwrap();
    assert_eq!(steps, 8);
    assert!(picture.contains("Go 1.26 Swiss map"), "{picture}");
    parse_xml("viz", &svg);
    assert!(
        tour::with_release(&text, "1.25").is_err(),
        "the trace names 1.26"
    );
    // After step 5 (make): no memory yet; after step 6: a small map.
    let (p, _, _) = tour::viz(&text, Some(5)).unwrap();
    assert!(p.contains("dirPtr: nil"), "{p}");
    let (p, _, _) = tour::viz(&text, Some(6)).unwrap();
    assert!(p.contains("small map") && p.contains("used=1"), "{p}");
}
