//! Map layouts the targets run on, key and elem images, the `HashMap` model, and thin
//! wrappers over the runtime's entry points.

use std::collections::HashMap;
use std::ptr;

use gomap::export_test::runtime::malloc::MAX_ZERO;
use gomap::export_test::runtime::{self, Hmap};
use gomap::maptype::{bucket_layout, GoString, HashAlg, Kind, MapFast, MapType, Type};
use gomap::{GoKind, MapTypeFlags};

/// How keys are made from an index and compared in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Plain memory of the key's size (possibly 0): equal exactly when the bytes are.
    Mem,
    /// `float64`: index 0 is a NaN, 1 is -0, 2 is +0; -0 == +0; NaN != NaN.
    F64,
    /// `string`: a `GoString` header over bytes the harness keeps alive.
    Str,
}

/// Which entry points a write or lookup goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// `mapassign`, `mapaccess2` (or `_fat`), `mapdelete`.
    Generic,
    /// `runtime::dispatch` (the fast family of `t.fast`).
    Dispatch,
}

/// A map type under test.
pub struct Layout {
    /// Name, for messages.
    pub name: &'static str,
    /// The descriptor (boxed: iterators keep a pointer to it).
    pub t: Box<MapType>,
    /// How keys are made.
    pub kind: KeyKind,
}

impl Layout {
    /// A layout of Go types.
    pub fn go(name: &'static str, k: GoKind, e: GoKind) -> Layout {
        let t = MapType::for_go_types(k, e).expect("valid Go types");
        let kind = match k {
            GoKind::Float64 => KeyKind::F64,
            GoKind::String => KeyKind::Str,
            _ => KeyKind::Mem,
        };
        Layout {
            name,
            t: Box::new(t),
            kind,
        }
    }

    /// Key size in bytes (the key itself, not the slot).
    pub fn ksize(&self) -> usize {
        self.t.key().size
    }

    /// Elem size in bytes.
    pub fn esize(&self) -> usize {
        self.t.elem().size
    }
}

/// A weak hash: only the key's first byte, two bits of it, and none of the seed. Every
/// key lands in one of four chains with the same tophash, so chains grow long, every
/// lookup compares keys, and deletions leave the sparse chains that trigger same-size
/// growth.
///
/// # Safety
/// `p` points at a key of at least one byte.
pub unsafe extern "C-unwind" fn weak_hash(p: *const u8, _seed: usize, _t: *const Type) -> usize {
    // SAFETY: at least one readable byte (caller).
    let b = unsafe { *p };
    (b & 3) as usize
}

/// A weak string hash: the length's low two bits and a seed bit.
///
/// # Safety
/// `p` points at a `GoString` header.
pub unsafe extern "C-unwind" fn weak_strhash(p: *const u8, seed: usize, _t: *const Type) -> usize {
    // SAFETY: a readable header (caller).
    let s = unsafe { p.cast::<GoString>().read_unaligned() };
    (s.len & 3) ^ (seed & 4) ^ (0xab << 56)
}

/// A layout with a custom hasher on key type `k`, run through the fast family `fast`
/// (`MapFast::Slow` for the generic functions).
pub fn custom(
    name: &'static str,
    k: GoKind,
    e: GoKind,
    hasher: gomap::maptype::HashFn,
    fast: MapFast,
    tweak: impl FnOnce(&mut Type),
) -> Layout {
    let mut key = k.go_type().expect("valid");
    tweak(&mut key);
    let elem = e.go_type().expect("valid");
    let t = if fast == MapFast::Slow {
        // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
        // type contract for every key used with it (a refused descriptor makes no map).
        unsafe { MapType::new(key, elem, hasher, MapTypeFlags::REFLEXIVE_KEY) }
    } else {
        let l = bucket_layout(&key, &elem).expect("layout");
        // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
        // type contract for every key used with it (a refused descriptor makes no map).
        unsafe {
            MapType::from_parts(
                key,
                elem,
                hasher,
                l.keysize,
                l.elemsize,
                l.bucketsize,
                MapTypeFlags::REFLEXIVE_KEY,
                HashAlg::Custom,
                fast,
                gomap::runtime::Allocator::system(),
            )
        }
    }
    .expect("valid custom descriptor");
    let kind = if k == GoKind::String {
        KeyKind::Str
    } else {
        KeyKind::Mem
    };
    Layout {
        name,
        t: Box::new(t),
        kind,
    }
}

/// The model's view of a key: its canonical bytes, or `None` for a NaN.
pub type Canon = Option<Vec<u8>>;

/// Owns every string a key header may point at, for the map's whole life.
#[derive(Default)]
pub struct Keys {
    arena: Vec<Box<[u8]>>,
    cache: HashMap<u32, usize>,
}

/// The string bytes of key `idx`: lengths 0..=50 (over 32 takes faststr's long-key path),
/// long keys sharing their first and last 4 bytes with others so that `keymaybe` has to
/// look further.
fn str_bytes(idx: u32) -> Vec<u8> {
    let len = (idx % 51) as usize;
    let mut v = vec![b'a' + (idx % 3) as u8; len];
    if len >= 12 {
        let x = (idx / 51).to_le_bytes();
        v[len / 2 - 2..len / 2 + 2].copy_from_slice(&x);
    } else if len > 0 {
        v[0] = b'a' + (idx / 51 % 26) as u8;
    }
    v
}

impl Keys {
    /// The key image (as stored in a key slot) of index `idx` for `l`, and its canonical
    /// form. For strings, `fresh` makes a new copy of the bytes (an equal key at another
    /// address); otherwise the copy made first for `idx` is reused.
    pub fn key(&mut self, l: &Layout, idx: u32, fresh: bool) -> (Vec<u8>, Canon) {
        match l.kind {
            KeyKind::Mem => {
                let n = l.ksize();
                let mut v = vec![0u8; n];
                for (i, b) in v.iter_mut().enumerate() {
                    *b = if i < 4 {
                        (idx >> (8 * i)) as u8
                    } else {
                        (idx as u8).wrapping_mul(31).wrapping_add(i as u8)
                    };
                }
                (v.clone(), Some(v))
            }
            KeyKind::F64 => {
                let f = match idx {
                    0 => f64::from_bits(0x7ff8_0000_0000_0000 | (idx as u64) << 8 | 1),
                    1 => -0.0,
                    2 => 0.0,
                    3 => f64::INFINITY,
                    _ => idx as f64 * 0.5 - 1000.0,
                };
                let img = f.to_ne_bytes().to_vec();
                let canon = if f.is_nan() {
                    None
                } else if f == 0.0 {
                    Some(0.0f64.to_ne_bytes().to_vec())
                } else {
                    Some(img.clone())
                };
                (img, canon)
            }
            KeyKind::Str => {
                let s = str_bytes(idx);
                let slot = match (fresh, self.cache.get(&idx)) {
                    (false, Some(&i)) => i,
                    _ => {
                        self.arena.push(s.clone().into_boxed_slice());
                        let i = self.arena.len() - 1;
                        self.cache.entry(idx).or_insert(i);
                        i
                    }
                };
                let g = GoString::from_bytes(&self.arena[slot]);
                let mut img = vec![0u8; 16];
                // SAFETY: 16 writable bytes; GoString is 16 bytes of plain data.
                unsafe { ptr::write_unaligned(img.as_mut_ptr().cast::<GoString>(), g) };
                (img, Some(s))
            }
        }
    }

    /// The canonical form of the key at `p` (a key as the map hands it out).
    ///
    /// # Safety
    /// `p` points at a live key of `l`'s type.
    pub unsafe fn canon_at(&self, l: &Layout, p: *const u8) -> Canon {
        match l.kind {
            // SAFETY: ksize readable bytes (caller).
            KeyKind::Mem => Some(unsafe { std::slice::from_raw_parts(p, l.ksize()) }.to_vec()),
            KeyKind::F64 => {
                // SAFETY: 8 readable bytes (caller).
                let f = unsafe { p.cast::<f64>().read_unaligned() };
                if f.is_nan() {
                    None
                } else if f == 0.0 {
                    Some(0.0f64.to_ne_bytes().to_vec())
                } else {
                    Some(f.to_ne_bytes().to_vec())
                }
            }
            KeyKind::Str => {
                // SAFETY: a live header whose bytes the arena keeps (caller).
                let g = unsafe { p.cast::<GoString>().read_unaligned() };
                // SAFETY: as above.
                Some(unsafe { g.as_bytes() }.to_vec())
            }
        }
    }
}

/// The elem image of value `val` for an elem of `n` bytes.
pub fn elem_image(n: usize, val: u64) -> Vec<u8> {
    let x = val.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5555;
    (0..n)
        .map(|i| (x >> ((i % 8) * 8)) as u8 ^ (i / 8) as u8)
        .collect()
}

/// Reads `n` bytes at `p`.
///
/// # Safety
/// `p` points at `n` readable bytes (or `n == 0`).
pub unsafe fn read(p: *const u8, n: usize) -> Vec<u8> {
    if n == 0 {
        return Vec::new();
    }
    // SAFETY: forwarded.
    unsafe { std::slice::from_raw_parts(p, n) }.to_vec()
}

/// What the map should hold.
#[derive(Default)]
pub struct Model {
    /// Non-NaN keys: canonical key -> (generation, elem image). The generation numbers
    /// entries: a key deleted and inserted again is a new entry.
    pub map: HashMap<Vec<u8>, (u64, Vec<u8>)>,
    /// NaN entries: (id, elem image), each insert a new entry.
    pub nan: Vec<(u64, Vec<u8>)>,
    /// Next generation number.
    pub next_gen: u64,
}

impl Model {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len() + self.nan.len()
    }
    /// Whether the model is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Records `key = elem`.
    pub fn put(&mut self, key: &Canon, elem: Vec<u8>) {
        self.next_gen += 1;
        match key {
            None => self.nan.push((self.next_gen, elem)),
            Some(k) => match self.map.get_mut(k) {
                Some(e) => e.1 = elem,
                None => {
                    self.map.insert(k.clone(), (self.next_gen, elem));
                }
            },
        }
    }
    /// Records `delete(m, key)`.
    pub fn del(&mut self, key: &Canon) {
        if let Some(k) = key {
            self.map.remove(k);
        }
    }
    /// The elem of `key`, if present.
    pub fn get(&self, key: &Canon) -> Option<&Vec<u8>> {
        key.as_ref().and_then(|k| self.map.get(k)).map(|e| &e.1)
    }
    /// Records `mapclear`.
    pub fn clear(&mut self) {
        self.map.clear();
        self.nan.clear();
    }
}

/// A big-enough block of zeros for `mapaccess1_fat`.
static FAT_ZERO: [u8; 4096] = [0; 4096];

/// `m[k] = e` through `path`; returns the elem slot.
///
/// # Safety
/// `h` is a live map of `l`'s type; `key` is a key image of it.
pub unsafe fn assign(l: &Layout, h: *mut Hmap, path: Path, key: &[u8]) -> *mut u8 {
    // SAFETY: forwarded.
    unsafe {
        match path {
            Path::Generic => runtime::mapassign(&l.t, h, key.as_ptr()),
            Path::Dispatch => runtime::map_assign(&l.t, h, key.as_ptr()),
        }
    }
}

/// `v, ok := m[k]` through `path`; the elem pointer when present. Also checks that a
/// missing key reads as zero.
///
/// # Safety
/// As [`assign`].
pub unsafe fn access(l: &Layout, h: *mut Hmap, path: Path, key: &[u8]) -> Option<*mut u8> {
    let n = l.esize();
    // SAFETY: forwarded; the fat variants get a zero block larger than any elem here.
    let (p, ok) = unsafe {
        match path {
            Path::Generic if n > MAX_ZERO => {
                assert!(n <= FAT_ZERO.len());
                runtime::mapaccess2_fat(&l.t, h, key.as_ptr(), FAT_ZERO.as_ptr())
            }
            Path::Generic => runtime::mapaccess2(&l.t, h, key.as_ptr()),
            Path::Dispatch => runtime::map_access2(&l.t, h, key.as_ptr()),
        }
    };
    // mapaccess1 agrees with mapaccess2.
    // SAFETY: forwarded.
    let p1 = unsafe {
        match path {
            Path::Generic if n > MAX_ZERO => {
                runtime::mapaccess1_fat(&l.t, h, key.as_ptr(), FAT_ZERO.as_ptr())
            }
            Path::Generic => runtime::mapaccess1(&l.t, h, key.as_ptr()),
            Path::Dispatch => runtime::map_access1(&l.t, h, key.as_ptr()),
        }
    };
    assert_eq!(p, p1, "{}: mapaccess1 and mapaccess2 disagree", l.name);
    if ok {
        Some(p)
    } else {
        // SAFETY: a missing key's result points at n zero bytes.
        let z = unsafe { read(p, n) };
        assert!(
            z.iter().all(|&b| b == 0),
            "{}: missing key reads non-zero",
            l.name
        );
        None
    }
}

/// `delete(m, k)` through `path`.
///
/// # Safety
/// As [`assign`].
pub unsafe fn delete(l: &Layout, h: *mut Hmap, path: Path, key: &[u8]) {
    // SAFETY: forwarded.
    unsafe {
        match path {
            Path::Generic => runtime::mapdelete(&l.t, h, key.as_ptr()),
            Path::Dispatch => runtime::map_delete(&l.t, h, key.as_ptr()),
        }
    }
}

/// Whether `l`'s key kind says strings (for messages).
pub fn is_str(l: &Layout) -> bool {
    l.t.key().kind == Kind::String
}
