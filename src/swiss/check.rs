//! The invariant checker of the Swiss engine (Go's `table_debug.go` `checkInvariants`,
//! extended to the whole map).

use super::group::{groupReference, CTRL_DELETED, CTRL_EMPTY, MAP_GROUP_SLOTS};
use super::map::{h2, Map};
use super::table::{deref, table};
use super::types::SwissMapType;

/// Checks every structural invariant of `m`: the header, the directory (runs of
/// `2^(globalDepth - localDepth)` entries per table, `index` on the first, every key in
/// its table's share of the hash space), each table's counts (`used`, `growthLeft` plus
/// tombstones), every full slot's control byte (its key's H2) and reachability (a lookup
/// of a key equal to itself finds that very slot), `tombstonePossible`. Returns the first
/// violation found.
///
/// # Safety
/// `m` is a live map of `typ`, not being written.
pub unsafe fn check(typ: &SwissMapType, m: &Map) -> Result<(), String> {
    if m.writing() != 0 {
        return Err(format!("writing={} outside a write", m.writing()));
    }
    if m.dirPtr.is_null() {
        if m.used != 0 || m.dirLen != 0 {
            return Err(format!("no memory but used={} dirLen={}", m.used, m.dirLen));
        }
        return Ok(());
    }
    // SAFETY: the map and all it reaches are live (caller).
    unsafe {
        if m.dirLen == 0 {
            let g = groupReference { data: m.dirPtr };
            let c = g.ctrls();
            if c.matchEmpty().count() != c.matchEmptyOrDeleted().count() {
                return Err("small map with a deleted slot".into());
            }
            if c.matchFull().count() as u64 != m.used {
                return Err(format!(
                    "small map: {} full slots, used={}",
                    c.matchFull().count(),
                    m.used
                ));
            }
            check_group_keys(typ, m, g, None)?;
            return Ok(());
        }
        if m.dirLen != 1 << m.globalDepth {
            return Err(format!("dirLen={} globalDepth={}", m.dirLen, m.globalDepth));
        }
        if m.globalShift as u32 != 64 - m.globalDepth as u32 {
            return Err(format!(
                "globalShift={} globalDepth={}",
                m.globalShift, m.globalDepth
            ));
        }
        let mut used = 0u64;
        let mut tombstones = false;
        let mut i = 0usize;
        while i < m.dirLen as usize {
            let t = m.directoryAt(i);
            if (*t).index != i as isize {
                return Err(format!("directory {i}: table index {}", (*t).index));
            }
            if (*t).localDepth > m.globalDepth {
                return Err(format!(
                    "directory {i}: localDepth {} > globalDepth",
                    (*t).localDepth
                ));
            }
            let entries = 1usize << (m.globalDepth - (*t).localDepth);
            if i % entries != 0 {
                return Err(format!("directory {i}: run of {entries} misaligned"));
            }
            for j in i..i + entries {
                if m.directoryAt(j) != t {
                    return Err(format!("directory {j}: not the table of run {i}"));
                }
            }
            let (u, d) = check_table(typ, m, t, i, i + entries)?;
            used += u;
            tombstones |= d > 0;
            i += entries;
        }
        if used != m.used {
            return Err(format!("tables hold {used} entries, used={}", m.used));
        }
        if tombstones && typ.release.has_tombstone_pruning() && !m.tombstonePossible {
            return Err("a tombstone but tombstonePossible=false".into());
        }
    }
    Ok(())
}

/// Checks one table; returns its full and deleted slot counts.
///
/// # Safety
/// `t` is a live table of `m`.
unsafe fn check_table(
    typ: &SwissMapType,
    m: &Map,
    t: *mut table,
    lo: usize,
    hi: usize,
) -> Result<(u64, u64), String> {
    // SAFETY: live (caller).
    unsafe {
        let cap = (*t).capacity as u64;
        if !cap.is_power_of_two()
            || !(8..=1024).contains(&cap)
            || cap != ((*t).groups.lengthMask + 1) * 8
        {
            return Err(format!(
                "table {lo}: capacity {cap}, {} groups",
                (*t).groups.lengthMask + 1
            ));
        }
        let (mut full, mut deleted, mut empty) = (0u64, 0u64, 0u64);
        for gi in 0..=(*t).groups.lengthMask {
            let g = (*t).groups.group(typ, gi);
            let c = g.ctrls();
            for s in 0..MAP_GROUP_SLOTS {
                match c.get(s) {
                    CTRL_EMPTY => empty += 1,
                    CTRL_DELETED => deleted += 1,
                    x if x & 0x80 != 0 => {
                        return Err(format!("table {lo} group {gi}: control byte {x:#x}"))
                    }
                    _ => full += 1,
                }
            }
            check_group_keys(typ, m, g, Some((t, lo, hi)))?;
        }
        if full != (*t).used as u64 {
            return Err(format!("table {lo}: {full} full slots, used={}", (*t).used));
        }
        if empty == 0 {
            return Err(format!("table {lo}: no empty slot (probes would not end)"));
        }
        let mgl = table::maxGrowthLeft(t) as u64;
        if (*t).growthLeft as u64 + full + deleted != mgl {
            return Err(format!(
                "table {lo}: growthLeft {} + used {full} + tombstones {deleted} != {mgl}",
                (*t).growthLeft
            ));
        }
        Ok((full, deleted))
    }
}

/// Checks the full slots of a group: H2, directory share and reachability.
///
/// # Safety
/// `g` is a live group of `m` (of table `t` when given).
unsafe fn check_group_keys(
    typ: &SwissMapType,
    m: &Map,
    g: groupReference,
    t: Option<(*mut table, usize, usize)>,
) -> Result<(), String> {
    // SAFETY: full slots of a live group (caller).
    unsafe {
        let c = g.ctrls();
        let mut full = c.matchFull();
        while !full.is_empty() {
            let s = full.first();
            full = full.removeFirst();
            let mut key = g.key(typ, s);
            if typ.IndirectKey() {
                key = deref(key);
                if key.is_null() {
                    return Err(format!("slot {s}: full with a nil indirect key"));
                }
            }
            if typ.IndirectElem() && deref(g.elem(typ, s)).is_null() {
                return Err(format!("slot {s}: full with a nil indirect elem"));
            }
            if !typ.KeyEqual(key, key) {
                continue; // NaN: hashed at random, never found
            }
            let hash = typ.Hasher(key, m.seed);
            if h2(hash) as u8 != c.get(s) {
                return Err(format!(
                    "slot {s}: control {:#x}, key's h2 {:#x}",
                    c.get(s),
                    h2(hash)
                ));
            }
            if let Some((_, lo, hi)) = t {
                let idx = m.directoryIndex(hash);
                if idx < lo || idx >= hi {
                    return Err(format!(
                        "slot {s}: key's directory index {idx} outside {lo}..{hi}"
                    ));
                }
            }
            let (k, _, ok) = m.getWithKey(typ, key);
            if !ok || k != key {
                return Err(format!("slot {s}: key not found by lookup"));
            }
        }
    }
    Ok(())
}
