//! The canonical dump of a Swiss map (`docs/swiss-dump.md`): the one printer of Swiss
//! map state, shared by the trace executor and failing tests.

use core::fmt::Write;

use super::group::{groupReference, CTRL_EMPTY, MAP_GROUP_SLOTS};
use super::map::Map;
use super::table::{deref, table};
use super::types::{SwissMapType, SwissRelease};
use crate::base::hex::hex_into;
use crate::maptype::{spell, GoString, GoType, Kind};

/// The line printed after `make`: the descriptor's layout and Go's flag bits. The
/// split group layout (`1.27-mapsplitgroup`) has no slot struct, so its line names
/// Go's four offset fields instead of `slotsize` and `elemoff`.
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub fn maptype_line(typ: &SwissMapType) -> String {
    let offsets = if typ.release.split_group() {
        format!(
            "keysoff={} keystride={} elemsoff={} elemstride={}",
            typ.KeysOff, typ.KeyStride, typ.ElemsOff, typ.ElemStride
        )
    } else {
        format!("slotsize={} elemoff={}", typ.SlotSize, typ.ElemOff)
    };
    format!(
        "swissmaptype keysize={} elemsize={} {offsets} groupsize={} flags={}",
        typ.key().size,
        typ.elem().size,
        typ.GroupSize,
        typ.Flags
    )
}

/// Spells the value at `p`: a string header as `s0`, `sL:nil` or `sL:HEX`, anything
/// else as the hex of its `size` bytes (`-` for none).
///
/// # Safety
/// `p` points at a readable value of that size (a string header's bytes readable).
pub unsafe fn push_value(out: &mut String, p: *const u8, size: usize, str_: bool) {
    if !str_ {
        // SAFETY: `size` readable bytes at `p` (caller).
        unsafe { spell::format_bytes(out, p, size) };
        return;
    }
    // SAFETY: caller: a string header.
    let s = unsafe { (p as *const GoString).read_unaligned() };
    let _ = write!(out, "s{}", s.len);
    if s.len == 0 {
        return;
    }
    if s.ptr.is_null() {
        out.push_str(":nil");
        return;
    }
    out.push(':');
    // SAFETY: a live string's bytes (caller).
    hex_into(out, unsafe { s.as_bytes() });
}

/// How a slot's value is spelled: as a string header, structurally for a key of a Go
/// type (`spell::format_slot`, as the classic dump spells such keys), or as hex.
#[derive(Clone, Copy)]
enum Spelling {
    Str,
    Go(GoType),
    Hex,
}

/// Spells the value at `p` as `how` says.
///
/// # Safety
/// As [`push_value`]; for [`Spelling::Go`], a value of that type whose strings' bytes and
/// interfaces' values are readable.
unsafe fn push_spelled(out: &mut String, p: *const u8, size: usize, how: Spelling) {
    match how {
        // SAFETY: a value of `t` (caller).
        Spelling::Go(t) => unsafe { spell::format_slot(out, t, p) },
        // SAFETY: forwarded.
        _ => unsafe { push_value(out, p, size, matches!(how, Spelling::Str)) },
    }
}

/// Spells a key or elem slot from its raw bytes: inline as [`push_spelled`]; indirect as
/// `*nil`, or `*` and the pointed-to value for a full slot (`*dead` for a non-nil
/// pointer in a slot that is not full, which Go never leaves).
///
/// # Safety
/// `p` is a slot of a live group.
unsafe fn push_slot(
    out: &mut String,
    p: *const u8,
    indirect: bool,
    size: usize,
    how: Spelling,
    full: bool,
) {
    if indirect {
        // SAFETY: an indirect slot holds a pointer (caller).
        let target = unsafe { deref(p as *mut u8) };
        if target.is_null() {
            out.push_str("*nil");
        } else if !full {
            out.push_str("*dead");
        } else {
            out.push('*');
            // SAFETY: a full slot's object is live.
            unsafe { push_spelled(out, target, size, how) };
        }
        return;
    }
    // SAFETY: caller.
    unsafe { push_spelled(out, p, size, how) }
}

/// Appends one group: its 8 control bytes as 16 hex digits (slot 0 first), then every
/// slot `K=E`.
///
/// # Safety
/// `g` is a live group of `typ`.
unsafe fn push_group(out: &mut String, typ: &SwissMapType, g: groupReference) {
    // SAFETY: live (caller).
    unsafe {
        hex_into(out, core::slice::from_raw_parts(g.data, 8));
        let c = g.ctrls();
        let key_spelling = match typ.mt.key_type {
            Some(t) => Spelling::Go(t),
            None if typ.key().kind == Kind::String => Spelling::Str,
            None => Spelling::Hex,
        };
        for s in 0..MAP_GROUP_SLOTS {
            let full = c.get(s) & CTRL_EMPTY == 0;
            out.push(' ');
            push_slot(
                out,
                g.key(typ, s),
                typ.IndirectKey(),
                typ.key().size,
                key_spelling,
                full,
            );
            out.push('=');
            push_slot(
                out,
                g.elem(typ, s),
                typ.IndirectElem(),
                typ.elem().size,
                Spelling::Hex,
                full,
            );
        }
        out.push('\n');
    }
}

/// The dump of `m` (see `docs/swiss-dump.md`).
///
/// # Safety
/// `m` is a live map of `typ`.
pub unsafe fn dump(typ: &SwissMapType, m: &Map) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "map used={} seed={:016x} dirLen={} globalDepth={} globalShift={} writing={}",
        m.used,
        m.seed,
        m.dirLen,
        m.globalDepth,
        m.globalShift,
        m.writing()
    );
    if typ.release >= SwissRelease::Go1_25 {
        let _ = write!(out, " tombstonePossible={}", m.tombstonePossible as u8);
    }
    let _ = writeln!(out, " clearSeq={}", m.clearSeq);
    if m.dirPtr.is_null() {
        return out;
    }
    // SAFETY: the map and all it reaches are live (caller).
    unsafe {
        if m.dirLen == 0 {
            out.push_str("small ");
            push_group(&mut out, typ, groupReference { data: m.dirPtr });
            return out;
        }
        let mut prev: *mut table = core::ptr::null_mut();
        for i in 0..m.dirLen as usize {
            let t = m.directoryAt(i);
            let _ = writeln!(
                out,
                "table {i} index={} localDepth={} used={} capacity={} growthLeft={} same={}",
                (*t).index,
                (*t).localDepth,
                (*t).used,
                (*t).capacity,
                (*t).growthLeft,
                (t == prev) as u8
            );
            if t != prev {
                for gi in 0..=(*t).groups.lengthMask {
                    let _ = write!(out, "group {gi} ");
                    push_group(&mut out, typ, (*t).groups.group(typ, gi));
                }
            }
            prev = t;
        }
    }
    out
}
