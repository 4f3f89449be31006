//! Targets `ops_generic`, `ops_fast32`, `ops_fast64`, `ops_faststr`: operation sequences
//! on one map, mirrored on a `HashMap` model, `check` after every operation.
//!
//! Input: byte 0 picks the layout, byte 1 the `make` hint (0, small, negative, or up to
//! 504), then operations. An operation is one byte `op` and its arguments:
//!
//! * `op & 7`: 0-1 put, 2 get, 3 delete, 4 put a run of keys, 5 delete a run, 6 iterate
//!   everything and compare with the model (when `op & 0x30 == 0`, else a get), 7 clear
//!   (when `op >> 4 == 0xf`, else a put);
//! * `op & 8`: in the fast targets, go through the generic functions instead of
//!   `runtime::dispatch` (so the two paths are mixed on one map);
//! * `op & 0x20`: for string keys, use a fresh copy of the key's bytes (an equal key at
//!   another address);
//! * `op >> 6`: the key space: 16 keys, 256 keys (twice as likely), or 65536 keys.

use std::collections::HashMap;
use std::ptr;

use gomap::export_test::runtime::{self, Hiter, Hmap};
use gomap::maptype::MapFast;
use gomap::{GoKind, MapType};

use crate::layout::{
    access, assign, custom, delete, elem_image, read, weak_hash, weak_strhash, Canon, Keys, Layout,
    Model, Path,
};
use crate::{check_or_die, Cursor};

/// At most this many operations per input.
const MAX_OPS: usize = 2000;
/// Puts are skipped while the map holds this many entries (each check walks the map).
const MAX_ENTRIES: usize = 3000;

fn generic_layout(i: u8) -> Layout {
    match i % 16 {
        0 => Layout::go("b1_b1", GoKind::Bytes(1), GoKind::Bytes(1)),
        1 => Layout::go("i32_i64", GoKind::Int32, GoKind::Int64),
        2 => Layout::go("b3_b200", GoKind::Bytes(3), GoKind::Bytes(200)),
        3 => Layout::go("b130_b5", GoKind::Bytes(130), GoKind::Bytes(5)),
        4 => Layout::go("b200_b300", GoKind::Bytes(200), GoKind::Bytes(300)),
        5 => Layout::go("i64_e0", GoKind::Int64, GoKind::EmptyStruct),
        6 => Layout::go("e0_i64", GoKind::EmptyStruct, GoKind::Int64),
        7 => Layout::go("f64_i32", GoKind::Float64, GoKind::Int32),
        8 => Layout::go("str_b16", GoKind::String, GoKind::Bytes(16)),
        9 => custom(
            "weak_u64",
            GoKind::Uint64,
            GoKind::Int64,
            weak_hash,
            MapFast::Slow,
            |_| {},
        ),
        10 => custom(
            "weak_b136_b129",
            GoKind::Bytes(136),
            GoKind::Bytes(129),
            weak_hash,
            MapFast::Slow,
            |_| {},
        ),
        11 => Layout::go("i64_b2000", GoKind::Int64, GoKind::Bytes(2000)),
        12 => Layout::go("u16_e0", GoKind::Uint16, GoKind::EmptyStruct),
        13 => Layout::go("b7_b128", GoKind::Bytes(7), GoKind::Bytes(128)),
        14 => Layout::go("e0_e0", GoKind::EmptyStruct, GoKind::EmptyStruct),
        _ => Layout::go("str_b129", GoKind::String, GoKind::Bytes(129)),
    }
}

/// Go's own hash function for key kind `k` (the descriptor `for_go_types` picks).
fn go_hasher(k: GoKind) -> gomap::maptype::HashFn {
    MapType::for_go_types(k, GoKind::Int64)
        .expect("valid")
        .hasher()
}

fn fast32_layout(i: u8) -> Layout {
    match i % 8 {
        0 => Layout::go("u32_i64", GoKind::Uint32, GoKind::Int64),
        1 => Layout::go("i32_b1", GoKind::Int32, GoKind::Bytes(1)),
        2 => Layout::go("u32_b128", GoKind::Uint32, GoKind::Bytes(128)),
        3 => Layout::go("u32_e0", GoKind::Uint32, GoKind::EmptyStruct),
        4 => custom(
            "weak_u32",
            GoKind::Uint32,
            GoKind::Int64,
            weak_hash,
            MapFast::Fast32,
            |_| {},
        ),
        5 => custom(
            "ptr32",
            GoKind::Uint32,
            GoKind::Int64,
            go_hasher(GoKind::Uint32),
            MapFast::Fast32Ptr,
            |k| k.ptrdata = 4,
        ),
        6 => Layout::go("u32_b129", GoKind::Uint32, GoKind::Bytes(129)),
        _ => Layout::go("b4_i32", GoKind::Bytes(4), GoKind::Int32),
    }
}

fn fast64_layout(i: u8) -> Layout {
    match i % 8 {
        0 => Layout::go("i64_i64", GoKind::Int64, GoKind::Int64),
        1 => Layout::go("u64_b1", GoKind::Uint64, GoKind::Bytes(1)),
        2 => Layout::go("i64_b128", GoKind::Int64, GoKind::Bytes(128)),
        3 => Layout::go("i64_e0", GoKind::Int64, GoKind::EmptyStruct),
        4 => custom(
            "weak_u64",
            GoKind::Uint64,
            GoKind::Int64,
            weak_hash,
            MapFast::Fast64,
            |_| {},
        ),
        5 => Layout::go("ptr_i64", GoKind::Pointer, GoKind::Int64),
        6 => Layout::go("b8_i32", GoKind::Bytes(8), GoKind::Int32),
        _ => custom(
            "weak_ptr64",
            GoKind::Uint64,
            GoKind::Int64,
            weak_hash,
            MapFast::Fast64Ptr,
            |k| k.ptrdata = 8,
        ),
    }
}

fn faststr_layout(i: u8) -> Layout {
    match i % 7 {
        0 => Layout::go("str_i64", GoKind::String, GoKind::Int64),
        1 => Layout::go("str_b1", GoKind::String, GoKind::Bytes(1)),
        2 => Layout::go("str_b128", GoKind::String, GoKind::Bytes(128)),
        3 => Layout::go("str_e0", GoKind::String, GoKind::EmptyStruct),
        4 => custom(
            "weak_str",
            GoKind::String,
            GoKind::Int64,
            weak_strhash,
            MapFast::FastStr,
            |_| {},
        ),
        5 => custom(
            "weak_str_slow",
            GoKind::String,
            GoKind::Int64,
            weak_strhash,
            MapFast::Slow,
            |_| {},
        ),
        _ => Layout::go("str_b129", GoKind::String, GoKind::Bytes(129)),
    }
}

/// Target `ops_generic`: the generic entry points on every kind of layout.
pub fn ops_generic(data: &[u8]) {
    run(data, generic_layout, false)
}

/// Target `ops_fast32`: `map[uint32]E`-like maps through `runtime::dispatch`.
pub fn ops_fast32(data: &[u8]) {
    run(data, fast32_layout, true)
}

/// Target `ops_fast64`: `map[uint64]E`-like and pointer-keyed maps through dispatch.
pub fn ops_fast64(data: &[u8]) {
    run(data, fast64_layout, true)
}

/// Target `ops_faststr`: `map[string]E` maps through dispatch.
pub fn ops_faststr(data: &[u8]) {
    run(data, faststr_layout, true)
}

/// The `make` hint of byte `b`: 0, 1..63, -1..-64, or a multiple of 8 up to 504.
pub fn hint_of(b: u8) -> isize {
    match b >> 6 {
        0 => 0,
        1 => (b & 63) as isize,
        2 => -((b & 63) as isize) - 1,
        _ => ((b & 63) as isize) << 3,
    }
}

/// A key index from the key space `op >> 6` names.
pub fn key_idx(c: &mut Cursor, op: u8) -> u32 {
    match op >> 6 {
        0 => (c.u8() % 16) as u32,
        1 | 2 => c.u8() as u32,
        _ => c.u16() as u32,
    }
}

/// One map and its model.
pub struct Harness {
    /// The layout.
    pub l: Layout,
    /// The map (freed on drop).
    pub h: *mut Hmap,
    /// Key images.
    pub keys: Keys,
    /// The model.
    pub m: Model,
    /// Next elem value.
    pub val: u64,
}

impl Drop for Harness {
    fn drop(&mut self) {
        // SAFETY: our live map; every iterator on it is gone (iterators live in the
        // targets' own state, dropped before the harness).
        unsafe { runtime::mapfree(&self.l.t, self.h) };
    }
}

impl Harness {
    /// A map of layout `l` made with `hint`.
    pub fn new(l: Layout, hint: isize) -> Harness {
        // SAFETY: a fresh map of l.t.
        let h = unsafe { runtime::makemap(&l.t, hint, ptr::null_mut()) };
        Harness {
            l,
            h,
            keys: Keys::default(),
            m: Model::default(),
            val: 0,
        }
    }

    /// `m[idx] = next value`.
    pub fn put(&mut self, path: Path, idx: u32, fresh: bool) {
        if self.m.len() >= MAX_ENTRIES {
            return;
        }
        let (img, canon) = self.keys.key(&self.l, idx, fresh);
        self.val += 1;
        let ei = elem_image(self.l.esize(), self.val);
        // SAFETY: our live map; `img` is a key image of l (string bytes in the arena).
        unsafe {
            let e = assign(&self.l, self.h, path, &img);
            ptr::copy_nonoverlapping(ei.as_ptr(), e, ei.len());
        }
        self.m.put(&canon, ei);
    }

    /// `m[idx]`, compared with the model.
    pub fn get(&mut self, path: Path, idx: u32, fresh: bool) {
        let (img, canon) = self.keys.key(&self.l, idx, fresh);
        // SAFETY: as in put.
        let got = unsafe { access(&self.l, self.h, path, &img) };
        let want = self.m.get(&canon);
        match (got, want) {
            (Some(p), Some(w)) => {
                // SAFETY: the elem of a present key: esize readable bytes.
                let g = unsafe { read(p, self.l.esize()) };
                assert!(
                    &g == w,
                    "{}: key {idx} reads {g:?}, model {w:?}",
                    self.l.name
                );
            }
            (None, None) => {}
            (Some(_), None) => panic!(
                "{}: key {idx} ({canon:?}) found but absent in the model",
                self.l.name
            ),
            (None, Some(_)) => panic!("{}: key {idx} missing", self.l.name),
        }
    }

    /// `delete(m, idx)`.
    pub fn del(&mut self, path: Path, idx: u32, fresh: bool) {
        let (img, canon) = self.keys.key(&self.l, idx, fresh);
        // SAFETY: as in put.
        unsafe { delete(&self.l, self.h, path, &img) };
        self.m.del(&canon);
    }

    /// `mapclear`.
    pub fn clear(&mut self) {
        // SAFETY: our live map.
        unsafe { runtime::mapclear(&self.l.t, self.h) };
        self.m.clear();
    }

    /// Iterates the whole map and compares with the model.
    pub fn iterate_all(&mut self) {
        let mut it = Hiter::new();
        // SAFETY: our live map; `it` is dropped before the map is freed.
        unsafe { runtime::mapiterinit(&self.l.t, self.h, &mut it) };
        let mut seen: HashMap<Vec<u8>, ()> = HashMap::new();
        let mut nans: Vec<Vec<u8>> = Vec::new();
        while !it.key().is_null() {
            // SAFETY: the iterator's current key and elem are live.
            let (k, e): (Canon, Vec<u8>) = unsafe {
                (
                    self.keys.canon_at(&self.l, it.key()),
                    read(it.elem(), self.l.esize()),
                )
            };
            match k {
                Some(k) => {
                    let w = self.m.map.get(&k);
                    assert!(
                        w.map(|w| &w.1) == Some(&e),
                        "{}: iteration produced {k:?}={e:?}, model {w:?}",
                        self.l.name
                    );
                    assert!(
                        seen.insert(k.clone(), ()).is_none(),
                        "{}: {k:?} produced twice",
                        self.l.name
                    );
                }
                None => nans.push(e),
            }
            // SAFETY: a started iterator on our live map.
            unsafe { runtime::mapiternext(&mut it) };
        }
        assert_eq!(
            seen.len(),
            self.m.map.len(),
            "{}: iteration missed keys",
            self.l.name
        );
        let mut want: Vec<Vec<u8>> = self.m.nan.iter().map(|x| x.1.clone()).collect();
        nans.sort();
        want.sort();
        assert_eq!(nans, want, "{}: NaN entries differ", self.l.name);
    }

    /// Checks the invariants and the count.
    pub fn check(&self, what: &dyn std::fmt::Display) {
        // SAFETY: our live map, string keys in the arena.
        unsafe {
            check_or_die(&self.l.t, self.h, what);
            assert_eq!(
                (*self.h).count,
                self.m.len(),
                "{}: count after {what}",
                self.l.name
            );
        }
    }
}

fn run(data: &[u8], layout: fn(u8) -> Layout, fast: bool) {
    let mut c = Cursor::new(data);
    let l = layout(c.u8());
    let mut hs = Harness::new(l, hint_of(c.u8()));
    let mut nops = 0;
    while !c.done() && nops < MAX_OPS {
        nops += 1;
        let op = c.u8();
        let path = if fast && op & 8 == 0 {
            Path::Dispatch
        } else {
            Path::Generic
        };
        let fresh = op & 0x20 != 0;
        match op & 7 {
            0 | 1 => {
                let k = key_idx(&mut c, op);
                hs.put(path, k, fresh);
            }
            2 => {
                let k = key_idx(&mut c, op);
                hs.get(path, k, fresh);
            }
            3 => {
                let k = key_idx(&mut c, op);
                hs.del(path, k, fresh);
            }
            4 | 5 => {
                let start = key_idx(&mut c, op);
                let n = c.u8() % 64 + 1;
                for i in 0..n as u32 {
                    if op & 7 == 4 {
                        hs.put(path, start.wrapping_add(i) & 0xffff, fresh);
                    } else {
                        hs.del(path, start.wrapping_add(i) & 0xffff, fresh);
                    }
                }
            }
            6 if op & 0x30 == 0 => hs.iterate_all(),
            6 => {
                let k = key_idx(&mut c, op);
                hs.get(path, k, fresh);
            }
            _ if op >> 4 == 0xf => hs.clear(),
            _ => {
                let k = key_idx(&mut c, op);
                hs.put(path, k, fresh);
            }
        }
        hs.check(&format_args!("op {nops} ({op:#04x})"));
    }
    hs.iterate_all();
}
