//! Capture: copies a live map's state (header, both bucket arrays, every bmap with its
//! tophash bytes and decoded keys and elems, the preallocated overflow region) into plain
//! data that the pictures draw from.

#![allow(non_snake_case)]

use gomap::export_test::base::hex::hex;
use gomap::export_test::runtime::make::bucket_array_len;
use gomap::export_test::runtime::types::*;
use gomap::maptype::{GoString, Kind, MapType, Type};

/// Which of a map's two bucket arrays: `h.buckets` or `h.oldbuckets`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayId {
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
    pub which: ArrayId,
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
    pub(super) fn pristine(&self, i: usize) -> bool {
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
            unsafe { capture_array(t, ArrayId::New, hm.buckets, hm.B, next_overflow) }
        });
        let old = hm.growing().then(|| {
            // SAFETY: while growing the old array is live with 2^oldB buckets.
            unsafe { capture_array(t, ArrayId::Old, hm.oldbuckets, hm.oldB(), None) }
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
    pub fn array(&self, w: ArrayId) -> Option<&ArrayView> {
        match w {
            ArrayId::New => self.new.as_ref(),
            ArrayId::Old => self.old.as_ref(),
        }
    }
}

/// A Go spelling of a key or elem type, for captions.
pub(super) fn type_name(ty: &Type) -> String {
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
    which: ArrayId,
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
pub(super) fn string_text(bytes: &[u8]) -> String {
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
pub(super) unsafe fn decode_inline(ty: &Type, raw: &[u8]) -> String {
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

/// At most `n` characters, with `…` when cut.
pub(super) fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
