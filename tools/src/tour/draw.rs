//! Pictures of a map's insides: the one place that reads a live map for drawing.
//!
//! [`MapView::capture`] copies what a picture needs out of a live map (header fields, every
//! bmap of both bucket arrays with its tophash bytes and decoded keys and elems, where each
//! bmap lives, the preallocated overflow region). Everything after that is plain data:
//! [`text`] draws a compact text picture (one line per bmap) and [`svg()`] an SVG picture.
//! `gomap tour` and `gomap viz` both draw through here.
//!
//! Reading goes through the runtime's own helpers (`bucket_at`, `key_at`, `elem_at`,
//! `Bmap::overflow`, `bucket_array_len`), so the pictures show exactly the bytes the map
//! code works on.

#![allow(non_snake_case)]

use core::fmt::Write as _;

use svg::node::element::{
    Circle, Definitions, Group, Line, Marker, Path, Rectangle, Text as SvgText, Title,
};
use svg::Document;

use gomap::export_test::runtime::make::bucket_array_len;
use gomap::export_test::runtime::types::*;
use gomap::maptype::{GoString, Kind, MapType, Type};

/// Which of a map's two bucket arrays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// `h.buckets`, the current array.
    New,
    /// `h.oldbuckets`, the array being evacuated while the map grows.
    Old,
}

/// Where a bmap's memory lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Inside its array's allocation, at this bucket offset (`>= 2^B`: a preallocated
    /// overflow bucket).
    Array(usize),
    /// An overflow bucket allocated on its own.
    Heap,
}

/// The meaning of one tophash byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellState {
    /// `emptyRest`: empty, and nothing live follows in the chain.
    EmptyRest,
    /// `emptyOne`: empty (a hole left by a delete).
    EmptyOne,
    /// `evacuatedX`: moved to the same index in the new array.
    EvacX,
    /// `evacuatedY`: moved to index + old size in the new array.
    EvacY,
    /// `evacuatedEmpty`: was empty when its bucket was evacuated.
    EvacEmpty,
    /// A live entry; the byte is the top 8 bits of its hash.
    Live,
}

impl CellState {
    /// The state a tophash byte encodes.
    pub fn of(th: u8) -> CellState {
        match th {
            EMPTY_REST => CellState::EmptyRest,
            EMPTY_ONE => CellState::EmptyOne,
            EVACUATED_X => CellState::EvacX,
            EVACUATED_Y => CellState::EvacY,
            EVACUATED_EMPTY => CellState::EvacEmpty,
            _ => CellState::Live,
        }
    }

    /// Go's name of the mark.
    pub fn name(self) -> &'static str {
        match self {
            CellState::EmptyRest => "emptyRest",
            CellState::EmptyOne => "emptyOne",
            CellState::EvacX => "evacuatedX",
            CellState::EvacY => "evacuatedY",
            CellState::EvacEmpty => "evacuatedEmpty",
            CellState::Live => "live",
        }
    }

    /// Two characters for the text picture (a live cell prints its byte in hex instead).
    pub fn letters(self) -> &'static str {
        match self {
            CellState::EmptyRest => "..",
            CellState::EmptyOne => "--",
            CellState::EvacX => "X>",
            CellState::EvacY => "Y>",
            CellState::EvacEmpty => "E>",
            CellState::Live => "??",
        }
    }

    /// Short label inside an SVG cell.
    fn short(self) -> &'static str {
        match self {
            CellState::EmptyRest => "emptyRest",
            CellState::EmptyOne => "emptyOne",
            CellState::EvacX => "evacX",
            CellState::EvacY => "evacY",
            CellState::EvacEmpty => "evacEmpty",
            CellState::Live => "",
        }
    }

    /// Fill colour of the SVG cell.
    pub fn color(self) -> &'static str {
        match self {
            CellState::EmptyRest => "#f4f4f4",
            CellState::EmptyOne => "#ffd27a",
            CellState::EvacX => "#8db8f0",
            CellState::EvacY => "#c6a6f0",
            CellState::EvacEmpty => "#c9c9c9",
            CellState::Live => "#8fd48f",
        }
    }

    /// Every state, in legend order.
    pub const ALL: [CellState; 6] = [
        CellState::Live,
        CellState::EmptyRest,
        CellState::EmptyOne,
        CellState::EvacX,
        CellState::EvacY,
        CellState::EvacEmpty,
    ];
}

/// The legend of the text picture's tophash cells.
pub const TEXT_LEGEND: &str = "tophash cells: 2 hex digits = a live entry's top hash byte; \
.. emptyRest; -- emptyOne; X> Y> moved to the new array's low/high half (evacuatedX/Y); \
E> was empty when moved (evacuatedEmpty). @J = J-th bucket of the array's allocation, \
@h = overflow bucket allocated on its own, -> next bucket in the overflow chain.";

/// A key or elem as drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Val {
    /// Up to 9 characters, for a cell.
    pub short: String,
    /// The whole value, for tooltips.
    pub full: String,
    /// Leftover bytes of a dead cell (not part of the map's contents).
    pub stale: bool,
}

impl Val {
    fn live(full: String) -> Val {
        Val {
            short: shorten(&full, 9),
            full,
            stale: false,
        }
    }
    fn stale(full: String) -> Val {
        Val {
            short: shorten(&full, 9),
            full,
            stale: true,
        }
    }
    /// Nothing to show (the slot's bytes are zero).
    pub fn is_blank(&self) -> bool {
        self.full.is_empty()
    }
}

/// One bmap as drawn.
#[derive(Clone, Debug)]
pub struct BmapView {
    /// Where it lies.
    pub origin: Origin,
    /// Its address (for locating slots; never dereferenced after capture).
    pub addr: usize,
    /// Its 8 tophash bytes.
    pub tophash: [u8; BUCKET_CNT],
    /// Its 8 keys.
    pub keys: Vec<Val>,
    /// Its 8 elems.
    pub elems: Vec<Val>,
}

impl BmapView {
    /// The state of slot `i`.
    pub fn state(&self, i: usize) -> CellState {
        CellState::of(self.tophash[i])
    }
}

/// One preallocated overflow bucket (the spare region `makeBucketArray` adds from B = 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpareView {
    /// Offset in buckets from the array start (`>= 2^B`).
    pub index: usize,
    /// The bucket whose overflow chain uses it, if any.
    pub used_by: Option<usize>,
    /// `extra.nextOverflow` points at it: the next one `newoverflow` hands out.
    pub next: bool,
    /// Its overflow word holds the end marker (a pointer back at the array start).
    pub end_marker: bool,
}

/// One bucket array as drawn.
#[derive(Clone, Debug)]
pub struct ArrayView {
    /// New or old.
    pub which: Which,
    /// log2 of the bucket count.
    pub B: u8,
    /// `2^B`.
    pub nbuckets: usize,
    /// Buckets in the allocation (`2^B` plus the preallocated overflow buckets).
    pub alloc_len: usize,
    /// For each bucket, its chain: the bucket itself, then its overflow buckets in order.
    pub chains: Vec<Vec<BmapView>>,
    /// The preallocated overflow buckets.
    pub spare: Vec<SpareView>,
}

impl ArrayView {
    /// Go's `evacuated(b)` for bucket `i`: its first tophash byte is an evacuation mark.
    pub fn evacuated(&self, i: usize) -> bool {
        let th = self.chains[i][0].tophash[0];
        th > EMPTY_ONE && th < MIN_TOP_HASH
    }

    /// Indices of the evacuated buckets.
    pub fn evacuated_list(&self) -> Vec<usize> {
        (0..self.nbuckets).filter(|&i| self.evacuated(i)).collect()
    }

    /// Live cells in bucket `i`'s chain.
    pub fn cells_in_bucket(&self, i: usize) -> usize {
        self.chains[i]
            .iter()
            .flat_map(|b| b.tophash.iter())
            .filter(|&&th| CellState::of(th) == CellState::Live)
            .count()
    }

    /// Number of overflow bmaps hanging from the buckets.
    pub fn overflow_bmaps(&self) -> usize {
        self.chains.iter().map(|c| c.len() - 1).sum()
    }

    /// How many cells of every chain are in `state`.
    pub fn cells_in(&self, state: CellState) -> usize {
        self.chains
            .iter()
            .flatten()
            .flat_map(|b| b.tophash.iter())
            .filter(|&&th| CellState::of(th) == state)
            .count()
    }

    /// Finds the slot whose key or elem lies at `addr`: (bucket, chain position, slot).
    pub fn locate(&self, addr: usize, t: &MapType) -> Option<(usize, usize, usize)> {
        let ks = t.keysize() as usize;
        let es = t.elemsize() as usize;
        for (i, chain) in self.chains.iter().enumerate() {
            for (c, b) in chain.iter().enumerate() {
                for s in 0..BUCKET_CNT {
                    let k = b.addr + DATA_OFFSET + s * ks;
                    let e = b.addr + DATA_OFFSET + BUCKET_CNT * ks + s * es;
                    if (ks > 0 && addr == k) || (es > 0 && addr == e) {
                        return Some((i, c, s));
                    }
                }
            }
        }
        None
    }

    /// A bucket with nothing in it at all: one bmap, every cell emptyRest, no bytes.
    fn pristine(&self, i: usize) -> bool {
        let c = &self.chains[i];
        c.len() == 1
            && c[0].tophash.iter().all(|&t| t == EMPTY_REST)
            && c[0].keys.iter().chain(c[0].elems.iter()).all(Val::is_blank)
    }
}

/// Everything a picture shows of a map, copied out of it.
#[derive(Clone, Debug)]
pub struct MapView {
    /// `count` (len).
    pub count: usize,
    /// The flag bits.
    pub flags: u8,
    /// log2 of the current bucket count.
    pub B: u8,
    /// The (approximate) number of overflow buckets of the current array.
    pub noverflow: u16,
    /// The hash seed.
    pub hash0: u32,
    /// Evacuation progress.
    pub nevacuate: usize,
    /// A grow is in progress.
    pub growing: bool,
    /// The grow in progress keeps the bucket count.
    pub same_size: bool,
    /// Bucket offset of `extra.nextOverflow`, if set.
    pub next_overflow: Option<usize>,
    /// The map's Go type, e.g. `map[string]string`.
    pub type_name: String,
    /// The current array (None before the first write of a lazily allocated map).
    pub new: Option<ArrayView>,
    /// The old array while growing.
    pub old: Option<ArrayView>,
}

impl MapView {
    /// Copies the map's state.
    ///
    /// # Safety
    /// `h` is a live map of type `t` that nobody writes during the call, and the bytes of
    /// every string key or elem in a live cell are readable.
    pub unsafe fn capture(t: &MapType, h: *const Hmap) -> MapView {
        // SAFETY: live map (caller).
        let hm = unsafe { &*h };
        // SAFETY: a live map made by makemap: `extra` is null or its Mapextra.
        let next = unsafe { hm.next_overflow() };
        let next_overflow = (!next.is_null() && !hm.buckets.is_null())
            .then(|| (next as usize - hm.buckets as usize) / t.bucketsize() as usize);
        let new = (!hm.buckets.is_null()).then(|| {
            // SAFETY: the current array is live with 2^B buckets (caller).
            unsafe { capture_array(t, Which::New, hm.buckets, hm.B, next_overflow) }
        });
        let old = hm.growing().then(|| {
            let oldB = if hm.sameSizeGrow() { hm.B } else { hm.B - 1 };
            // SAFETY: while growing the old array is live with 2^oldB buckets.
            unsafe { capture_array(t, Which::Old, hm.oldbuckets, oldB, None) }
        });
        MapView {
            count: hm.count,
            flags: hm.flags(),
            B: hm.B,
            noverflow: hm.noverflow,
            hash0: hm.hash0,
            nevacuate: hm.nevacuate,
            growing: hm.growing(),
            same_size: hm.sameSizeGrow(),
            next_overflow,
            type_name: format!("map[{}]{}", type_name(t.key()), type_name(t.elem())),
            new,
            old,
        }
    }

    /// The flag bits with Go's names, e.g. `iterator|oldIterator`.
    pub fn flag_names(&self) -> String {
        let names = [
            (ITERATOR, "iterator"),
            (OLD_ITERATOR, "oldIterator"),
            (HASH_WRITING, "hashWriting"),
            (SAME_SIZE_GROW, "sameSizeGrow"),
        ];
        let v: Vec<&str> = names
            .iter()
            .filter(|(b, _)| self.flags & b != 0)
            .map(|(_, n)| *n)
            .collect();
        if v.is_empty() {
            "none".into()
        } else {
            v.join("|")
        }
    }

    /// The array `w`, if the map has it.
    pub fn array(&self, w: Which) -> Option<&ArrayView> {
        match w {
            Which::New => self.new.as_ref(),
            Which::Old => self.old.as_ref(),
        }
    }
}

/// A Go spelling of a key or elem type, for captions.
fn type_name(ty: &Type) -> String {
    match ty.kind {
        Kind::String => "string".into(),
        Kind::Bool => "bool".into(),
        Kind::Int => "int".into(),
        Kind::Int8 => "int8".into(),
        Kind::Int16 => "int16".into(),
        Kind::Int32 => "int32".into(),
        Kind::Int64 => "int64".into(),
        Kind::Uint => "uint".into(),
        Kind::Uint8 => "uint8".into(),
        Kind::Uint16 => "uint16".into(),
        Kind::Uint32 => "uint32".into(),
        Kind::Uint64 => "uint64".into(),
        Kind::Uintptr => "uintptr".into(),
        Kind::Float32 => "float32".into(),
        Kind::Float64 => "float64".into(),
        Kind::Complex64 => "complex64".into(),
        Kind::Complex128 => "complex128".into(),
        Kind::Array => format!("[{}]byte", ty.size),
        Kind::Struct if ty.size == 0 => "struct{}".into(),
        _ => format!("T{}", ty.size),
    }
}

/// Copies one array.
///
/// # Safety
/// `base` is a live array of `2^B` buckets of type `t` (allocation of
/// `bucket_array_len(t, B)` buckets); live string cells point at readable bytes.
unsafe fn capture_array(
    t: &MapType,
    which: Which,
    base: *mut Bmap,
    B: u8,
    next_overflow: Option<usize>,
) -> ArrayView {
    let nbuckets = bucketShift(B);
    let alloc_len = bucket_array_len(t, B);
    let bs = t.bucketsize() as usize;
    let start = base as usize;
    let end = start + alloc_len * bs;
    let mut chains = Vec::with_capacity(nbuckets);
    let mut used_by = vec![None; alloc_len];
    for i in 0..nbuckets {
        let mut chain = Vec::new();
        // SAFETY: i < 2^B (caller's array).
        let mut b = unsafe { bucket_at(t, base, i) };
        while !b.is_null() {
            let a = b as usize;
            let origin = if (start..end).contains(&a) {
                let j = (a - start) / bs;
                used_by[j] = Some(i);
                Origin::Array(j)
            } else {
                Origin::Heap
            };
            // SAFETY: `b` is a live bmap of the chain.
            chain.push(unsafe { capture_bmap(t, b, origin) });
            // SAFETY: live bmap.
            b = unsafe { Bmap::overflow(b, t) };
            if chain.len() > 1 << 16 {
                break; // a broken (cyclic) chain: draw what we have
            }
        }
        chains.push(chain);
    }
    let spare = (nbuckets..alloc_len)
        .map(|j| {
            // SAFETY: j < alloc_len: inside the allocation.
            let o = unsafe { Bmap::overflow(bucket_at(t, base, j), t) };
            SpareView {
                index: j,
                used_by: used_by[j].filter(|&u| u != j),
                next: next_overflow == Some(j),
                end_marker: o as usize == start,
            }
        })
        .collect();
    ArrayView {
        which,
        B,
        nbuckets,
        alloc_len,
        chains,
        spare,
    }
}

/// Copies one bmap.
///
/// # Safety
/// `b` is a live bmap of type `t`; its live string cells point at readable bytes.
unsafe fn capture_bmap(t: &MapType, b: *mut Bmap, origin: Origin) -> BmapView {
    // SAFETY: live bmap (caller).
    let tophash = unsafe { (*b).tophash };
    let evac = tophash[0] > EMPTY_ONE && tophash[0] < MIN_TOP_HASH;
    let mut keys = Vec::with_capacity(BUCKET_CNT);
    let mut elems = Vec::with_capacity(BUCKET_CNT);
    for (i, &th) in tophash.iter().enumerate() {
        let live = th >= MIN_TOP_HASH && !evac;
        // SAFETY: slot i < 8 of a live bmap; a live cell's values are readable (caller).
        unsafe {
            keys.push(slot_val(t.key(), t.indirectkey(), key_at(t, b, i), live));
            elems.push(slot_val(t.elem(), t.indirectelem(), elem_at(t, b, i), live));
        }
    }
    BmapView {
        origin,
        addr: b as usize,
        tophash,
        keys,
        elems,
    }
}

/// Decodes a key or elem slot. A dead cell's leftover bytes are shown without following
/// any pointer in them (what they pointed at may be gone).
///
/// # Safety
/// `slot` is a slot of a live bmap for `ty` (a pointer when `indirect`); when `live`, the
/// value (and a string's bytes) is readable.
unsafe fn slot_val(ty: &Type, indirect: bool, slot: *mut u8, live: bool) -> Val {
    if indirect {
        // SAFETY: an indirect slot holds a pointer (caller).
        let p = unsafe { load_ptr(slot) };
        return if p.is_null() {
            Val::default()
        } else if live {
            // SAFETY: a live cell's pointer is live (caller).
            Val::live(unsafe { decode(ty, p) })
        } else {
            Val::stale(format!("*{:#x}", p as usize))
        };
    }
    if ty.size == 0 {
        return if live {
            Val::live("{}".into())
        } else {
            Val::default()
        };
    }
    // SAFETY: the slot holds `ty.size` inline bytes (caller).
    let raw = unsafe { core::slice::from_raw_parts(slot, ty.size) };
    if live {
        // SAFETY: a live inline value (caller).
        return Val::live(unsafe { decode(ty, slot) });
    }
    if raw.iter().all(|&b| b == 0) {
        return Val::default();
    }
    if ty.kind == Kind::String && ty.size == core::mem::size_of::<GoString>() {
        // SAFETY: a string header's bytes; only the length is used.
        let s = unsafe { slot.cast::<GoString>().read_unaligned() };
        return Val {
            short: format!("len {}", s.len),
            full: if s.ptr.is_null() {
                format!("(string header: len {}, ptr nil)", s.len)
            } else {
                format!("(string header: len {})", s.len)
            },
            stale: true,
        };
    }
    // SAFETY: as above: inline bytes, decoded without following pointers.
    Val::stale(unsafe { decode_inline(ty, raw) })
}

/// Decodes a value: strings as text, integers as numbers, anything else as hex.
///
/// # Safety
/// `p` points at a readable value of `ty` (a string header's bytes readable too).
unsafe fn decode(ty: &Type, p: *const u8) -> String {
    if ty.kind == Kind::String && ty.size == core::mem::size_of::<GoString>() {
        // SAFETY: a string header (caller).
        let s = unsafe { p.cast::<GoString>().read_unaligned() };
        if s.len == 0 {
            return "\"\"".into();
        }
        if s.ptr.is_null() {
            return format!("(len {}, ptr nil)", s.len);
        }
        // SAFETY: the header's bytes are readable (caller).
        let bytes = unsafe { core::slice::from_raw_parts(s.ptr, s.len) };
        return string_text(bytes);
    }
    // SAFETY: `ty.size` readable bytes (caller).
    let raw = unsafe { core::slice::from_raw_parts(p, ty.size) };
    // SAFETY: not a string: nothing is followed.
    unsafe { decode_inline(ty, raw) }
}

/// A string's bytes as text when printable, else as hex.
fn string_text(bytes: &[u8]) -> String {
    match core::str::from_utf8(bytes) {
        Ok(s) if !s.chars().any(char::is_control) => s.to_string(),
        _ => format!("0x{}", hex(bytes)),
    }
}

/// Decodes inline bytes of a non-string value.
///
/// # Safety
/// None beyond `raw` being the value's bytes; marked unsafe only to keep the call sites'
/// reasoning in one place (it never dereferences anything).
unsafe fn decode_inline(ty: &Type, raw: &[u8]) -> String {
    let le = |n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&raw[..n]);
        u64::from_le_bytes(b)
    };
    let n = raw.len();
    match ty.kind {
        Kind::Int | Kind::Int8 | Kind::Int16 | Kind::Int32 | Kind::Int64 if n <= 8 => {
            let v = le(n);
            let shift = 64 - 8 * n as u32;
            (((v << shift) as i64) >> shift).to_string()
        }
        Kind::Uint | Kind::Uint8 | Kind::Uint16 | Kind::Uint32 | Kind::Uint64 | Kind::Uintptr
            if n <= 8 =>
        {
            le(n).to_string()
        }
        Kind::Bool if n == 1 => (raw[0] != 0).to_string(),
        Kind::Float64 if n == 8 => format!("{:?}", f64::from_bits(le(8))),
        Kind::Float32 if n == 4 => format!("{:?}", f32::from_bits(le(4) as u32)),
        Kind::String => format!("0x{}", hex(raw)),
        _ if n == 0 => "{}".into(),
        _ => format!("0x{}", hex(raw)),
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// At most `n` characters, with `…` when cut.
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

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
    pub which: Which,
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
    pub which: Which,
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
    pub fn cell(&mut self, which: Which, at: (usize, usize, usize), label: impl Into<String>) {
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
    pub fn number(&mut self, which: Which, at: (usize, usize, usize), n: usize) {
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
    pub fn bucket(&mut self, which: Which, bucket: usize, label: impl Into<String>) {
        self.buckets.push(BucketMark {
            which,
            bucket,
            label: label.into(),
        });
    }

    fn touches(&self, which: Which, bucket: usize) -> bool {
        self.cells
            .iter()
            .any(|m| m.which == which && m.bucket == bucket)
            || self
                .buckets
                .iter()
                .any(|m| m.which == which && m.bucket == bucket)
    }
}

/// A row of an array picture: a bucket with its chain, or a run of untouched empty
/// buckets drawn as one line (only in arrays of more than 32 buckets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Row {
    Bucket(usize),
    Empty(usize, usize),
}

fn rows(a: &ArrayView, marks: &Marks) -> Vec<Row> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < a.nbuckets {
        if a.nbuckets > 32 {
            let mut j = i;
            while j < a.nbuckets && a.pristine(j) && !marks.touches(a.which, j) {
                j += 1;
            }
            if j - i >= 4 {
                out.push(Row::Empty(i, j - 1));
                i = j;
                continue;
            }
        }
        out.push(Row::Bucket(i));
        i += 1;
    }
    out
}

fn origin_text(o: Origin, nbuckets: usize) -> String {
    match o {
        Origin::Array(j) if j >= nbuckets => format!("@{j}*"),
        Origin::Array(j) => format!("@{j}"),
        Origin::Heap => "@h".into(),
    }
}

/// The compact text picture: the header line, then one line per bmap (index, origin,
/// tophash cells, live entries as `key=elem` with `_` for holes), old array after new.
pub fn text(v: &MapView, marks: &Marks) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "hmap count={} flags={} ({}) B={} noverflow={} hash0={:08x} nevacuate={} nextOverflow={}",
        v.count,
        v.flags,
        v.flag_names(),
        v.B,
        v.noverflow,
        v.hash0,
        v.nevacuate,
        v.next_overflow.map_or("-".into(), |j| format!("@{j}"))
    );
    match &v.new {
        None => s.push_str("buckets: nil (allocated on the first write)\n"),
        Some(a) => text_array(&mut s, a, v, marks),
    }
    if let Some(a) = &v.old {
        text_array(&mut s, a, v, marks);
    }
    s
}

fn text_array(s: &mut String, a: &ArrayView, v: &MapView, marks: &Marks) {
    let spare = a.alloc_len - a.nbuckets;
    match a.which {
        Which::New => {
            let _ = write!(s, "buckets: {} buckets", a.nbuckets);
        }
        Which::Old => {
            let ev = a.evacuated_list();
            let _ = write!(
                s,
                "oldbuckets: {} buckets, nevacuate={}, evacuated: {}",
                a.nbuckets,
                v.nevacuate,
                if ev.is_empty() {
                    "none".to_string()
                } else {
                    ev.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            );
        }
    }
    if spare > 0 {
        let used = a.spare.iter().filter(|x| x.used_by.is_some()).count();
        let _ = write!(
            s,
            " + {spare} preallocated overflow ({used} in use; @J* marks them)"
        );
    }
    s.push('\n');
    let tag = match a.which {
        Which::New => "new",
        Which::Old => "old",
    };
    for row in rows(a, marks) {
        let i = match row {
            Row::Empty(x, y) => {
                let _ = writeln!(s, "  {tag}[{x}..{y}]  all empty (every cell emptyRest)");
                continue;
            }
            Row::Bucket(i) => i,
        };
        for (c, b) in a.chains[i].iter().enumerate() {
            let lead = if c == 0 {
                format!("{tag}[{i}]")
            } else {
                "   ->".to_string()
            };
            let _ = write!(s, "  {lead:<8} {:<5} ", origin_text(b.origin, a.nbuckets));
            for j in 0..BUCKET_CNT {
                let st = b.state(j);
                if st == CellState::Live {
                    let _ = write!(s, "{:02x} ", b.tophash[j]);
                } else {
                    s.push_str(st.letters());
                    s.push(' ');
                }
            }
            // live entries, with `_` for holes before the last one
            let last = (0..BUCKET_CNT)
                .rev()
                .find(|&j| b.state(j) == CellState::Live);
            if let Some(last) = last {
                s.push(' ');
                for j in 0..=last {
                    if b.state(j) == CellState::Live {
                        let _ = write!(s, "{}={}", b.keys[j].full, b.elems[j].full);
                    } else {
                        s.push('_');
                    }
                    if j < last {
                        s.push(' ');
                    }
                }
            }
            if a.which == Which::Old && c == 0 {
                s.push_str(if a.evacuated(i) {
                    "  (moved)"
                } else {
                    "  (waiting)"
                });
                if i == v.nevacuate {
                    s.push_str(" <- nevacuate");
                }
            }
            for m in &marks.buckets {
                if m.which == a.which && m.bucket == i && c == 0 {
                    let _ = write!(s, "  <- {}", m.label);
                }
            }
            let nums: Vec<&CellMark> = marks
                .cells
                .iter()
                .filter(|m| {
                    m.which == a.which
                        && m.bucket == i
                        && m.chain == c
                        && m.kind == MarkKind::Number
                })
                .collect();
            if !nums.is_empty() {
                let mut nums = nums;
                nums.sort_by_key(|m| m.label.parse::<usize>().unwrap_or(0));
                let _ = write!(
                    s,
                    "  visits #{}-#{}: slots {}",
                    nums[0].label,
                    nums[nums.len() - 1].label,
                    nums.iter()
                        .map(|m| m.slot.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
            for m in &marks.cells {
                if m.which == a.which
                    && m.bucket == i
                    && m.chain == c
                    && m.kind == MarkKind::Highlight
                {
                    let _ = write!(s, "  <- slot {}: {}", m.slot, m.label);
                }
            }
            let trimmed = s.trim_end_matches(' ').len();
            s.truncate(trimmed);
            s.push('\n');
        }
    }
    for (label, _) in spare_rows(a) {
        let _ = writeln!(s, "  spare  {label}");
    }
}

/// The preallocated overflow region as lines: each spare in use on its own, runs of free
/// ones together; `true` marks a line about spares in use.
fn spare_rows(a: &ArrayView) -> Vec<(String, bool)> {
    let mut out = vec![];
    let mut k = 0;
    while k < a.spare.len() {
        let sp = &a.spare[k];
        if let Some(u) = sp.used_by {
            out.push((
                format!("@{}  in use: overflow of bucket {u}", sp.index),
                true,
            ));
            k += 1;
            continue;
        }
        let mut e = k;
        while e + 1 < a.spare.len() && a.spare[e + 1].used_by.is_none() {
            e += 1;
        }
        let run = &a.spare[k..=e];
        let mut label = if k == e {
            format!("@{}  free", sp.index)
        } else {
            format!("@{}..@{}  free ({})", sp.index, a.spare[e].index, e - k + 1)
        };
        if let Some(n) = run.iter().find(|x| x.next) {
            let _ = write!(
                label,
                "; @{} is next to hand out (extra.nextOverflow)",
                n.index
            );
        }
        if let Some(n) = run.iter().find(|x| x.end_marker) {
            let _ = write!(
                label,
                "; @{} holds the end marker (its overflow word points at bucket 0)",
                n.index
            );
        }
        out.push((label, false));
        k = e + 1;
    }
    out
}

// ---------------------------------------------------------------------------------------
// SVG

/// Width of one slot column.
const CW: f64 = 66.0;
/// Height of one strip (tophash, keys, elems).
const SH: f64 = 18.0;
/// Label area at the left of a bmap.
const LBL: f64 = 110.0;
/// Overflow pointer cell at the right of a bmap.
const OV: f64 = 34.0;
/// Width of a bmap.
const BW: f64 = LBL + 8.0 * CW + OV;
/// Height of a bmap.
const BH: f64 = 3.0 * SH;
/// Room for notes to the right of a bmap.
const NOTES: f64 = 210.0;
/// Gap between a bmap and its overflow bmap below (the arrow's room).
const CHAIN_GAP: f64 = 16.0;
/// Gap between buckets.
const ROW_GAP: f64 = 10.0;
/// Page margin.
const M: f64 = 20.0;
/// Left gutter of the old array (for the nevacuate marker).
const GUTTER: f64 = 96.0;

fn txt(x: f64, y: f64, s: &str, size: f64) -> SvgText {
    SvgText::new(clean(s))
        .set("x", x)
        .set("y", y)
        .set("font-size", size)
}

/// Keeps only characters XML allows in text.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

fn rect(x: f64, y: f64, w: f64, h: f64, fill: &str) -> Rectangle {
    Rectangle::new()
        .set("x", x)
        .set("y", y)
        .set("width", w)
        .set("height", h)
        .set("fill", fill)
        .set("stroke", "#555")
        .set("stroke-width", 0.8)
}

fn arrow(x1: f64, y1: f64, x2: f64, y2: f64, color: &str) -> Line {
    Line::new()
        .set("x1", x1)
        .set("y1", y1)
        .set("x2", x2)
        .set("y2", y2)
        .set("stroke", color)
        .set("stroke-width", 1.4)
        .set("marker-end", "url(#arrow)")
}

/// Splits `s` into lines of at most `n` characters at spaces.
pub fn wrap(s: &str, n: usize) -> Vec<String> {
    let mut lines = vec![];
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > n {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// The SVG picture of a map: title and caption, the hmap header, the bucket array (and
/// the old one beside it while growing), marks, legend.
pub fn svg(v: &MapView, marks: &Marks, title: &str, caption: &str) -> String {
    let has_old = v.old.is_some();
    let panel_w = BW + NOTES;
    let new_x = M;
    let old_x = M + panel_w + GUTTER;
    let width = if has_old {
        old_x + panel_w + M
    } else {
        (M + panel_w + M).max(2.0 * M + 9.0 * 104.0)
    };

    let mut g = Group::new();
    // title and caption
    g = g.add(
        txt(M, 28.0, title, 19.0)
            .set("font-weight", "bold")
            .set("font-family", "sans-serif"),
    );
    let mut cap = wrap(caption, ((width - 2.0 * M) / 6.6) as usize);
    if cap.len() > 5 {
        cap.truncate(5);
        cap[4].push_str(" …");
    }
    let mut y = 50.0;
    for line in &cap {
        g = g.add(
            txt(M, y, line, 13.0)
                .set("font-family", "sans-serif")
                .set("fill", "#333"),
        );
        y += 17.0;
    }

    // header
    let hy = y + 6.0;
    let (hg, buckets_box, old_box) = header(v, M, hy);
    g = g.add(hg);
    let top = hy + 50.0 + 34.0;

    let mut height = top;
    if let Some(a) = &v.new {
        let (ag, h) = array_svg(a, v, marks, new_x, top);
        g = g.add(ag);
        g = g.add(elbow(buckets_box, new_x, top));
        height = height.max(top + h);
    } else {
        g = g.add(
            txt(
                new_x,
                top + 14.0,
                "buckets: nil, allocated on the first write",
                13.0,
            )
            .set("font-family", "sans-serif"),
        );
        height = height.max(top + 30.0);
    }
    if let Some(a) = &v.old {
        let (ag, h) = array_svg(a, v, marks, old_x, top);
        g = g.add(ag);
        g = g.add(elbow(old_box, old_x, top));
        height = height.max(top + h);
    }

    // legend
    let ly = height + 14.0;
    let (lg, lh) = legend(M, ly, width - 2.0 * M);
    g = g.add(lg);
    let height = ly + lh + M;

    let defs = Definitions::new().add(
        Marker::new()
            .set("id", "arrow")
            .set("viewBox", "0 0 10 10")
            .set("refX", 9)
            .set("refY", 5)
            .set("markerWidth", 7)
            .set("markerHeight", 7)
            .set("orient", "auto")
            .add(
                Path::new()
                    .set("d", "M 0 0 L 10 5 L 0 10 z")
                    .set("fill", "#333"),
            ),
    );
    let doc = Document::new()
        .set("width", width.ceil())
        .set("height", height.ceil())
        .set("viewBox", (0, 0, width.ceil(), height.ceil()))
        .set(
            "font-family",
            "DejaVu Sans Mono, Menlo, Consolas, monospace",
        )
        .add(defs)
        .add(rect(0.0, 0.0, width.ceil(), height.ceil(), "#ffffff").set("stroke", "none"))
        .add(g);
    doc.to_string()
}

/// The hmap header boxes. Returns the group and the bottom centres of the `buckets` and
/// `oldbuckets` boxes (arrow starts).
fn header(v: &MapView, x: f64, y: f64) -> (Group, (f64, f64), (f64, f64)) {
    let nold = v.old.as_ref().map_or(0, |a| a.nbuckets);
    let fields: Vec<(&str, String, String)> = vec![
        ("count", v.count.to_string(), "entries (len)".into()),
        ("flags", v.flags.to_string(), v.flag_names()),
        (
            "B",
            v.B.to_string(),
            format!("2^B = {} buckets", 1usize << v.B),
        ),
        (
            "noverflow",
            v.noverflow.to_string(),
            "overflow buckets".into(),
        ),
        ("hash0", format!("{:08x}", v.hash0), "hash seed".into()),
        (
            "buckets",
            if v.new.is_some() { "ptr" } else { "nil" }.into(),
            "current array".into(),
        ),
        (
            "oldbuckets",
            if v.growing { "ptr" } else { "nil" }.into(),
            if v.growing {
                "array being moved".into()
            } else {
                "not growing".into()
            },
        ),
        (
            "nevacuate",
            v.nevacuate.to_string(),
            if v.growing {
                format!("of {nold} old moved")
            } else {
                "grow progress".into()
            },
        ),
        (
            "nextOverflow",
            v.next_overflow.map_or("nil".into(), |j| format!("@{j}")),
            "next spare bucket".into(),
        ),
    ];
    let w = 104.0;
    let h = 50.0;
    let mut g = Group::new().add(
        txt(x, y + 10.0, &format!("hmap ({})", v.type_name), 11.0)
            .set("fill", "#555")
            .set("font-family", "sans-serif"),
    );
    let y = y + 14.0;
    let mut bpos = (0.0, 0.0);
    let mut opos = (0.0, 0.0);
    for (k, (name, val, note)) in fields.iter().enumerate() {
        let bx = x + k as f64 * w;
        g = g
            .add(rect(bx, y, w, h, "#eef3fb"))
            .add(txt(bx + 5.0, y + 13.0, name, 10.0).set("fill", "#555"))
            .add(txt(bx + 5.0, y + 30.0, val, 14.0).set("font-weight", "bold"))
            .add(
                txt(bx + 5.0, y + 44.0, &shorten(note, 21), 9.0)
                    .set("fill", "#555")
                    .set("font-family", "sans-serif"),
            );
        if *name == "buckets" {
            bpos = (bx + w / 2.0, y + h);
        }
        if *name == "oldbuckets" {
            opos = (bx + w / 2.0, y + h);
        }
    }
    (g, bpos, opos)
}

/// The title line of an array panel.
fn array_title(a: &ArrayView) -> String {
    let spare = a.alloc_len - a.nbuckets;
    match a.which {
        Which::New => format!(
            "buckets: the current array, {} buckets{}",
            a.nbuckets,
            if spare > 0 {
                format!(" + {spare} preallocated overflow")
            } else {
                String::new()
            }
        ),
        Which::Old => format!(
            "oldbuckets: {} buckets being moved, {} done",
            a.nbuckets,
            a.evacuated_list().len()
        ),
    }
}

/// An arrow from a header box's bottom `from` to the panel at `x` whose title line is at
/// `top`: straight down into the array when the box is above the panel, else down to the
/// title line and across to its start.
fn elbow(from: (f64, f64), x: f64, top: f64) -> Path {
    let d = if (x..x + BW).contains(&from.0) {
        format!("M {} {} V {}", from.0, from.1, top + 20.0)
    } else {
        let tx = if from.0 < x { x - 4.0 } else { x + BW + 4.0 };
        format!("M {} {} V {} H {}", from.0, from.1, top + 7.0, tx)
    };
    Path::new()
        .set("d", d)
        .set("fill", "none")
        .set("stroke", "#333")
        .set("stroke-width", 1.4)
        .set("marker-end", "url(#arrow)")
}

/// One array panel at (x, y). Returns the group and its height.
fn array_svg(a: &ArrayView, v: &MapView, marks: &Marks, x: f64, y: f64) -> (Group, f64) {
    let mut g = Group::new();
    let title = array_title(a);
    g = g.add(
        txt(x, y + 12.0, &title, 13.0)
            .set("font-weight", "bold")
            .set("font-family", "sans-serif"),
    );
    let mut cy = y + 22.0;
    for row in rows(a, marks) {
        match row {
            Row::Empty(i, j) => {
                g = g.add(rect(x, cy, BW, 24.0, "#f4f4f4")).add(
                    txt(
                        x + 8.0,
                        cy + 16.0,
                        &format!("buckets {i}..{j}: empty (every cell emptyRest)"),
                        11.0,
                    )
                    .set("fill", "#555"),
                );
                cy += 24.0 + ROW_GAP;
            }
            Row::Bucket(i) => {
                let chain = &a.chains[i];
                for (c, b) in chain.iter().enumerate() {
                    g = g.add(bmap_svg(a, b, i, c, x, cy));
                    // overflow arrow
                    let ox = x + LBL + 8.0 * CW + OV / 2.0;
                    if c + 1 < chain.len() {
                        g = g.add(arrow(ox, cy + BH / 2.0, ox, cy + BH + CHAIN_GAP, "#333"));
                    }
                    // notes beside the bmap
                    let mut notes: Vec<(String, &str)> = vec![];
                    if c == 0 && a.which == Which::Old {
                        if a.evacuated(i) {
                            let dest = if v.same_size {
                                format!("moved to new {i}")
                            } else {
                                format!("moved to new {i} / {}", i + a.nbuckets)
                            };
                            notes.push((dest, "#2a62b8"));
                        } else {
                            notes.push(("waiting to be moved".into(), "#b36b00"));
                        }
                    }
                    if c == 0 {
                        for m in &marks.buckets {
                            if m.which == a.which && m.bucket == i {
                                notes.push((m.label.clone(), "#c0202a"));
                            }
                        }
                    }
                    for m in &marks.cells {
                        if m.which == a.which
                            && m.bucket == i
                            && m.chain == c
                            && m.kind == MarkKind::Highlight
                        {
                            notes.push((format!("slot {}: {}", m.slot, m.label), "#c0202a"));
                        }
                    }
                    let mut ny = cy + 13.0;
                    for (n, color) in notes {
                        for line in wrap(&n, 30) {
                            g = g.add(
                                txt(x + BW + 8.0, ny, &line, 11.0)
                                    .set("fill", color)
                                    .set("font-family", "sans-serif"),
                            );
                            ny += 13.0;
                        }
                    }
                    // marks on cells
                    for m in &marks.cells {
                        if m.which != a.which || m.bucket != i || m.chain != c {
                            continue;
                        }
                        let cx = x + LBL + m.slot as f64 * CW;
                        match m.kind {
                            MarkKind::Highlight => {
                                g = g.add(
                                    Rectangle::new()
                                        .set("x", cx + 1.0)
                                        .set("y", cy + 1.0)
                                        .set("width", CW - 2.0)
                                        .set("height", BH - 2.0)
                                        .set("fill", "none")
                                        .set("stroke", "#c0202a")
                                        .set("stroke-width", 2.5),
                                );
                            }
                            MarkKind::Number => {
                                g = g
                                    .add(
                                        Circle::new()
                                            .set("cx", cx + CW - 9.0)
                                            .set("cy", cy + 9.0)
                                            .set("r", 8)
                                            .set("fill", "#c0202a"),
                                    )
                                    .add(
                                        txt(cx + CW - 9.0, cy + 12.0, &m.label, 9.0)
                                            .set("fill", "#fff")
                                            .set("text-anchor", "middle")
                                            .set("font-weight", "bold"),
                                    );
                            }
                        }
                    }
                    if a.which == Which::Old && c == 0 && i == v.nevacuate {
                        g = g
                            .add(
                                txt(x - GUTTER + 4.0, cy + BH / 2.0 - 4.0, "nevacuate", 11.0)
                                    .set("fill", "#c0202a")
                                    .set("font-weight", "bold"),
                            )
                            .add(arrow(
                                x - GUTTER + 4.0,
                                cy + BH / 2.0 + 4.0,
                                x - 3.0,
                                cy + BH / 2.0 + 4.0,
                                "#c0202a",
                            ));
                    }
                    cy += BH;
                    if c + 1 < chain.len() {
                        cy += CHAIN_GAP;
                    }
                }
                cy += ROW_GAP;
            }
        }
    }
    if !a.spare.is_empty() {
        g = g.add(
            txt(
                x,
                cy + 14.0,
                "preallocated overflow buckets (after the 2^B buckets, same allocation)",
                11.0,
            )
            .set("fill", "#333")
            .set("font-family", "sans-serif"),
        );
        cy += 22.0;
        for (label, used) in spare_rows(a) {
            let fill = if used { "#dff0df" } else { "#f4f4f4" };
            let lines = wrap(&label, 100);
            let h = 7.0 + 13.0 * lines.len() as f64;
            g = g.add(rect(x, cy, BW, h, fill));
            for (k, line) in lines.iter().enumerate() {
                g = g.add(txt(x + 8.0, cy + 14.0 + 13.0 * k as f64, line, 10.5));
            }
            cy += h + 4.0;
        }
    }
    (g, cy - y)
}

/// One bmap at (x, y): label area, 8 tophash cells, 8 keys, 8 elems, overflow cell.
fn bmap_svg(a: &ArrayView, b: &BmapView, bucket: usize, c: usize, x: f64, y: f64) -> Group {
    let mut g = Group::new();
    let lab = if c == 0 {
        format!("[{bucket}]")
    } else {
        "overflow".to_string()
    };
    let (origin, note) = match b.origin {
        Origin::Array(j) if j >= a.nbuckets => (format!("@{j}"), "spare"),
        Origin::Array(j) => (format!("@{j}"), ""),
        Origin::Heap => ("@h".to_string(), "own alloc"),
    };
    g = g
        .add(rect(
            x,
            y,
            LBL,
            BH,
            if c == 0 { "#e8e8e8" } else { "#f2f2f2" },
        ))
        .add(
            txt(x + 5.0, y + 15.0, &lab, if c == 0 { 13.0 } else { 10.0 })
                .set("font-weight", "bold"),
        )
        .add(txt(x + 5.0, y + 32.0, &origin, 10.0).set("fill", "#444"))
        .add(
            txt(x + 5.0, y + 47.0, note, 9.0)
                .set("fill", "#444")
                .set("font-family", "sans-serif"),
        );
    for (k, name) in ["tophash", "key", "elem"].iter().enumerate() {
        g = g.add(
            txt(x + LBL - 4.0, y + k as f64 * SH + 13.0, name, 8.0)
                .set("fill", "#777")
                .set("text-anchor", "end"),
        );
    }
    for s in 0..BUCKET_CNT {
        let cx = x + LBL + s as f64 * CW;
        let st = b.state(s);
        let tlabel = if st == CellState::Live {
            format!("{:02x}", b.tophash[s])
        } else {
            st.short().to_string()
        };
        let mut cell = Group::new()
            .add(Title::new(clean(&format!(
                "slot {s}: tophash {:#04x} ({})\nkey: {}\nelem: {}",
                b.tophash[s],
                st.name(),
                if b.keys[s].is_blank() {
                    "-"
                } else {
                    &b.keys[s].full
                },
                if b.elems[s].is_blank() {
                    "-"
                } else {
                    &b.elems[s].full
                },
            ))))
            .add(rect(cx, y, CW, SH, st.color()))
            .add(
                txt(
                    cx + CW / 2.0,
                    y + 13.0,
                    &tlabel,
                    if st == CellState::Live { 11.0 } else { 9.0 },
                )
                .set("text-anchor", "middle")
                .set(
                    "fill",
                    if st == CellState::EmptyRest {
                        "#aaa"
                    } else {
                        "#000"
                    },
                ),
            );
        for (k, val) in [(1.0, &b.keys[s]), (2.0, &b.elems[s])] {
            let fill = if st == CellState::Live {
                "#ffffff"
            } else {
                "#fafafa"
            };
            cell = cell.add(rect(cx, y + k * SH, CW, SH, fill));
            if !val.is_blank() {
                cell = cell.add(
                    txt(cx + 4.0, y + k * SH + 13.0, &val.short, 10.0)
                        .set("fill", if val.stale { "#999" } else { "#000" })
                        .set("font-style", if val.stale { "italic" } else { "normal" }),
                );
            }
        }
        g = g.add(cell);
    }
    // overflow pointer cell
    let ox = x + LBL + 8.0 * CW;
    let next = c + 1 < a.chains[bucket].len();
    g = g.add(rect(ox, y, OV, BH, "#e8e8e8")).add(
        txt(ox + OV / 2.0, y + 12.0, "ovf", 8.0)
            .set("fill", "#777")
            .set("text-anchor", "middle"),
    );
    if next {
        g = g.add(
            Circle::new()
                .set("cx", ox + OV / 2.0)
                .set("cy", y + BH / 2.0)
                .set("r", 3)
                .set("fill", "#333"),
        );
    } else {
        g = g.add(
            txt(ox + OV / 2.0, y + BH / 2.0 + 8.0, "nil", 9.0)
                .set("fill", "#777")
                .set("text-anchor", "middle"),
        );
    }
    g
}

/// The colour legend. Returns the group and its height.
fn legend(x: f64, y: f64, width: f64) -> (Group, f64) {
    let mut g = Group::new().add(
        txt(x, y + 12.0, "tophash cell colours:", 11.0)
            .set("font-weight", "bold")
            .set("font-family", "sans-serif"),
    );
    let notes = [
        "live entry: top 8 bits of its hash",
        "empty; nothing live after it",
        "empty; a hole left by a delete",
        "moved to new bucket i (X half)",
        "moved to new bucket i+2^oldB (Y half)",
        "was empty when its bucket was moved",
    ];
    let per_row = ((width / 310.0) as usize).max(1);
    let mut cy = y + 20.0;
    for (k, st) in CellState::ALL.iter().enumerate() {
        let col = k % per_row;
        if k > 0 && col == 0 {
            cy += 20.0;
        }
        let cx = x + col as f64 * 310.0;
        let name = if *st == CellState::Live {
            "9c"
        } else {
            st.short()
        };
        g = g
            .add(rect(cx, cy, 62.0, 16.0, st.color()))
            .add(txt(cx + 31.0, cy + 12.0, name, 9.0).set("text-anchor", "middle"))
            .add(
                txt(cx + 68.0, cy + 12.0, notes[k], 10.0)
                    .set("font-family", "sans-serif")
                    .set("fill", "#333"),
            );
    }
    cy += 26.0;
    g = g.add(
        txt(
            x,
            cy + 10.0,
            "@J: the J-th bucket of the array's allocation; @h: an overflow bucket allocated on its own; grey italic: bytes left in a dead slot; hover a cell for details",
            10.0,
        )
        .set("font-family", "sans-serif")
        .set("fill", "#555"),
    );
    (g, cy + 16.0 - y)
}
