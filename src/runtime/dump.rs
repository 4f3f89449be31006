//! The canonical dump of a map's state, as `docs/trace-and-dump.md` (version 1) defines
//! it: the one printer of map internals in the crate. Go's side of the differential test
//! prints the same text from Go's own map.

use core::fmt::Write;

use super::make::bucket_array_len;
use super::types::*;
use crate::base::hex::hex_into;
use crate::maptype::{spell, GoString, GoType, Kind, MapType};

/// Appends a value of the type `ty` stored at `p` (never a slot: indirection resolved),
/// as the spec spells values: strings as `s0` / `sL:HEX`, others as hex.
///
/// # Safety
/// `p` points at a value of the type (for strings, a header whose bytes are readable).
pub unsafe fn value(out: &mut String, kind: Kind, size: usize, p: *const u8) {
    if kind == Kind::String && size == core::mem::size_of::<GoString>() {
        // SAFETY: a string header whose bytes are readable (caller).
        unsafe { spell::format_string_slot(out, p) };
    } else {
        // SAFETY: `size` readable bytes (caller).
        unsafe { spell::format_bytes(out, p, size) };
    }
}

/// Appends one slot: inline value, or `*nil` / `*moved` / `*HEX` for an indirect slot.
///
/// # Safety
/// `slot` is a slot of a live bucket; an indirect slot's non-nil pointer is live unless
/// `evacuated_bucket` is set.
unsafe fn slot(
    out: &mut String,
    kind: Kind,
    size: usize,
    indirect: bool,
    slot: *mut u8,
    evacuated_bucket: bool,
) {
    if indirect {
        // SAFETY: an indirect slot holds a pointer (caller).
        let p = unsafe { load_ptr(slot) };
        if p.is_null() {
            out.push_str("*nil");
        } else if evacuated_bucket {
            out.push_str("*moved");
        } else {
            out.push('*');
            // SAFETY: live pointer (caller).
            unsafe { value(out, kind, size, p) };
        }
    } else {
        // SAFETY: the slot holds the value inline (caller).
        unsafe { value(out, kind, size, slot) };
    }
}

/// [`slot`] for a key of a Go type: the value spelled by [`spell::format_slot`].
///
/// # Safety
/// As [`slot`], the slot holding a value of `ty` (or zeroes).
unsafe fn go_slot(out: &mut String, ty: GoType, indirect: bool, slot: *mut u8, evacuated: bool) {
    let p = if indirect {
        // SAFETY: an indirect slot holds a pointer (caller).
        let p = unsafe { load_ptr(slot) };
        if p.is_null() {
            out.push_str("*nil");
            return;
        } else if evacuated {
            out.push_str("*moved");
            return;
        }
        out.push('*');
        p
    } else {
        slot
    };
    // SAFETY: a value of `ty` (caller).
    unsafe { spell::format_slot(out, ty, p) };
}

/// The `maptype` line printed after `make`.
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub fn maptype_line(t: &MapType) -> String {
    format!(
        "maptype keysize={} elemsize={} bucketsize={} flags={}",
        t.keysize,
        t.elemsize,
        t.bucketsize,
        t.flags.bits()
    )
}

/// Appends the dump of `h` (header line and bucket lines, each ending in `\n`).
///
/// # Safety
/// `h` is a live map of type `t` not being written concurrently, and every string key it
/// holds points at readable bytes.
pub unsafe fn dump(t: &MapType, h: *const Hmap, out: &mut String) {
    // SAFETY: live (caller).
    let h = unsafe { &*h };
    let alloc_len = bucket_array_len(t, h.B);
    // SAFETY: a live map made by makemap: `extra` is null or its Mapextra.
    let next = unsafe { h.next_overflow() };
    let nextoverflow = if next.is_null() {
        "-".to_string()
    } else {
        ((next as usize - h.buckets as usize) / t.bucketsize as usize).to_string()
    };
    // go1.24: the header has clearSeq, printed after nevacuate.
    let clearseq = if t.release().has_clear_seq() {
        format!(" clearseq={}", h.clearSeq)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "hmap count={} flags={} B={} noverflow={} hash0={:08x} nevacuate={}{} growing={} nextoverflow={}",
        h.count,
        h.flags(),
        h.B,
        h.noverflow,
        h.hash0,
        h.nevacuate,
        clearseq,
        h.growing() as u8,
        nextoverflow
    );
    if !h.buckets.is_null() {
        // SAFETY: the current array is live with 2^B buckets.
        unsafe { dump_array(t, out, "new", h.buckets, bucketShift(h.B), alloc_len) };
    }
    if h.growing() {
        let oldB = h.oldB();
        // SAFETY: the old array is live with 2^oldB buckets.
        unsafe {
            dump_array(
                t,
                out,
                "old",
                h.oldbuckets,
                bucketShift(oldB),
                bucket_array_len(t, oldB),
            )
        };
    }
}

/// Dumps every chain of an array.
///
/// # Safety
/// `base` is a live array of `n` buckets (allocation of `alloc_len`) of type `t`.
unsafe fn dump_array(
    t: &MapType,
    out: &mut String,
    tag: &str,
    base: *mut Bmap,
    n: usize,
    alloc_len: usize,
) {
    let start = base as usize;
    let end = start + alloc_len * t.bucketsize as usize;
    for i in 0..n {
        // SAFETY: i < n.
        let mut b = unsafe { bucket_at(t, base, i) };
        while !b.is_null() {
            let _ = write!(out, "{tag} {i} ");
            let a = b as usize;
            if (start..end).contains(&a) {
                let _ = write!(out, "@{}", (a - start) / t.bucketsize as usize);
            } else {
                out.push_str("@h");
            }
            out.push(' ');
            // SAFETY: `b` is a live bucket of the chain.
            let th = unsafe { (*b).tophash };
            hex_into(out, &th);
            let ev = th[0] > EMPTY_ONE && th[0] < MIN_TOP_HASH;
            for j in 0..BUCKET_CNT {
                out.push(' ');
                // SAFETY: slots of a live bucket; indirect targets are live unless evacuated.
                unsafe {
                    match t.key_type {
                        Some(kt) => go_slot(out, kt, t.indirectkey(), key_at(t, b, j), ev),
                        None => slot(
                            out,
                            t.key.kind,
                            t.key.size,
                            t.indirectkey(),
                            key_at(t, b, j),
                            ev,
                        ),
                    }
                    out.push('=');
                    slot(
                        out,
                        t.elem.kind,
                        t.elem.size,
                        t.indirectelem(),
                        elem_at(t, b, j),
                        ev,
                    );
                }
            }
            out.push('\n');
            // SAFETY: live bucket.
            b = unsafe { Bmap::overflow(b, t) };
        }
    }
}

/// The dump as a new string.
///
/// # Safety
/// As [`dump`].
pub unsafe fn dump_string(t: &MapType, h: *const Hmap) -> String {
    let mut s = String::new();
    // SAFETY: forwarded.
    unsafe { dump(t, h, &mut s) };
    s
}
