//! Target `maptype`: arbitrary descriptor fields into `MapType::from_parts` and
//! `MapType::new`. A refused descriptor must come back as an error (never a panic); an
//! accepted one must satisfy every invariant the runtime relies on (the `MapType` docs),
//! and then survive a few hundred operations with `check` after each.
//!
//! Input: for key and elem, a size (from a table of edge values or raw), `ptrdata`,
//! `align`, kind, and which equal function; then the hasher choice, slot sizes and bucket
//! size (the layout's, or raw), flags, hash algorithm and fast family, then operations.

use std::ptr;

use gomap::maptype::{bucket_layout, HashAlg, HashFn, Kind, MapFast, MapType, Type};
use gomap::runtime::{self, Allocator};
use gomap::{GoKind, MapTypeFlags};

use crate::layout::{elem_image, read, KeyKind, Keys, Layout, Model, Path};
use crate::ops::{hint_of, key_idx};
use crate::{check_or_die, Cursor};

const KINDS: [Kind; 27] = [
    Kind::Invalid,
    Kind::Bool,
    Kind::Int,
    Kind::Int8,
    Kind::Int16,
    Kind::Int32,
    Kind::Int64,
    Kind::Uint,
    Kind::Uint8,
    Kind::Uint16,
    Kind::Uint32,
    Kind::Uint64,
    Kind::Uintptr,
    Kind::Float32,
    Kind::Float64,
    Kind::Complex64,
    Kind::Complex128,
    Kind::Array,
    Kind::Chan,
    Kind::Func,
    Kind::Interface,
    Kind::Map,
    Kind::Pointer,
    Kind::Slice,
    Kind::String,
    Kind::Struct,
    Kind::UnsafePointer,
];

const HASH_ALGS: [HashAlg; 13] = [
    HashAlg::Custom,
    HashAlg::Mem0,
    HashAlg::Mem8,
    HashAlg::Mem16,
    HashAlg::Mem32,
    HashAlg::Mem64,
    HashAlg::Mem128,
    HashAlg::MemVarlen,
    HashAlg::Str,
    HashAlg::F32,
    HashAlg::F64,
    HashAlg::C64,
    HashAlg::C128,
];

const FASTS: [MapFast; 6] = [
    MapFast::Slow,
    MapFast::Fast32,
    MapFast::Fast32Ptr,
    MapFast::Fast64,
    MapFast::Fast64Ptr,
    MapFast::FastStr,
];

/// Sizes worth trying.
const SIZES: [usize; 16] = [
    0, 1, 2, 3, 4, 7, 8, 12, 16, 24, 127, 128, 129, 136, 1024, 4096,
];

fn size(c: &mut Cursor) -> usize {
    let b = c.u8();
    match b >> 5 {
        0..=3 => SIZES[(b & 15) as usize],
        4 | 5 => c.u16() as usize,
        6 => c.u64() as usize,
        _ => usize::MAX - (b & 31) as usize,
    }
}

/// Go's memory-equal functions, taken from descriptors of Go types, by size.
fn mem_type(size: usize) -> (HashFn, gomap::maptype::EqualFn) {
    let t = MapType::for_go_types(GoKind::Memory { size, align: 1 }, GoKind::Int64)
        .expect("valid memory type");
    (t.hasher(), t.key().equal.expect("comparable"))
}

fn varlen() -> (HashFn, gomap::maptype::EqualFn) {
    mem_type(3)
}

/// A type from the input, and whether its equal function is Go's `strequal` (else it is
/// none or the varlen memory equality).
fn a_type(c: &mut Cursor) -> (Type, bool) {
    let size = size(c);
    let ptrdata = match c.u8() >> 6 {
        0 => 0,
        1 => size,
        2 => size.wrapping_add(1),
        _ => c.u16() as usize,
    };
    let align = match c.u8() {
        b @ 0..=127 => 1 << (b % 4),
        b => b & 15,
    };
    let kind = KINDS[c.u8() as usize % KINDS.len()];
    let (equal, streq) = match c.u8() % 4 {
        0 => (None, false),
        _ if kind == Kind::String && size == 16 => (
            MapType::for_go_types(GoKind::String, GoKind::Int64)
                .expect("valid")
                .key()
                .equal,
            true,
        ),
        _ => (Some(varlen().1), false),
    };
    let t = Type {
        size,
        ptrdata,
        align,
        kind,
        equal,
        ctx: ptr::null_mut(),
    };
    (t, streq)
}

/// The hasher Go's compiler pairs with `alg` for a key of `size` bytes.
fn go_hasher(alg: HashAlg, key: &Type) -> HashFn {
    let k = match alg {
        HashAlg::Str => GoKind::String,
        HashAlg::F32 => GoKind::Float32,
        HashAlg::F64 => GoKind::Float64,
        HashAlg::C64 => GoKind::Complex64,
        HashAlg::C128 => GoKind::Complex128,
        _ => return mem_type(key.size.min(1 << 20)).0,
    };
    MapType::for_go_types(k, GoKind::Int64)
        .expect("valid")
        .hasher()
}

/// Checks the invariants the runtime relies on.
fn assert_invariants(t: &MapType) {
    const PTR: usize = 8;
    assert!(t.key().equal.is_some());
    for ty in [&t.key(), &t.elem()] {
        assert!(ty.align.is_power_of_two() && ty.align <= 8, "{t:?}");
        assert_eq!(ty.size % ty.align as usize, 0, "{t:?}");
        assert!(ty.ptrdata <= ty.size, "{t:?}");
    }
    let (ik, ie) = (t.indirectkey(), t.indirectelem());
    assert_eq!(ik, t.key().size > 128, "{t:?}");
    assert_eq!(ie, t.elem().size > 128, "{t:?}");
    assert_eq!(
        t.keysize() as usize,
        if ik { PTR } else { t.key().size },
        "{t:?}"
    );
    assert_eq!(
        t.elemsize() as usize,
        if ie { PTR } else { t.elem().size },
        "{t:?}"
    );
    assert_eq!(
        t.bucketsize() as usize,
        8 + 8 * t.keysize() as usize + 8 * t.elemsize() as usize + 8,
        "{t:?}"
    );
    match t.fast() {
        MapFast::Slow => {}
        MapFast::Fast32 | MapFast::Fast32Ptr => assert!(t.keysize() == 4 && !ik && !ie),
        MapFast::Fast64 | MapFast::Fast64Ptr => assert!(t.keysize() == 8 && !ik && !ie),
        MapFast::FastStr => assert!(t.key().kind == Kind::String && t.keysize() == 16 && !ie),
    }
}

/// Target `maptype`.
pub fn maptype(data: &[u8]) {
    let mut c = Cursor::new(data);
    let (key, key_streq) = a_type(&mut c);
    let (elem, _) = a_type(&mut c);
    let mode = c.u8();
    let alg = HASH_ALGS[c.u8() as usize % HASH_ALGS.len()];
    let fast = FASTS[c.u8() as usize % FASTS.len()];
    // The hasher: Go's for the named algorithm (what a real descriptor carries), or the
    // varlen memory hash.
    let hasher = if mode & 1 == 0 {
        go_hasher(alg, &key)
    } else {
        varlen().0
    };
    let r = if mode & 2 == 0 {
        let flags = MapTypeFlags::from_bits_retain(c.u32());
        // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
        // type contract for every key used with it (a refused descriptor makes no map).
        unsafe { MapType::new(key, elem, hasher, flags) }
    } else {
        let l = bucket_layout(&key, &elem);
        let (mut ks, mut es, mut bs) = match &l {
            Ok(l) => (l.keysize, l.elemsize, l.bucketsize),
            Err(_) => (c.u8(), c.u8(), c.u16()),
        };
        let mut flags = match &l {
            Ok(l) => {
                let mut f = MapTypeFlags::from_bits_retain(c.u8() as u32 & !3);
                if l.indirect_key {
                    f |= MapTypeFlags::INDIRECT_KEY;
                }
                if l.indirect_elem {
                    f |= MapTypeFlags::INDIRECT_ELEM;
                }
                f
            }
            Err(_) => MapTypeFlags::from_bits_retain(c.u32()),
        };
        // Now and then spoil one field.
        match mode >> 5 {
            1 => ks = c.u8(),
            2 => es = c.u8(),
            3 => bs = c.u16(),
            4 => flags = MapTypeFlags::from_bits_retain(c.u32()),
            _ => {}
        }
        // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
        // type contract for every key used with it (a refused descriptor makes no map).
        unsafe {
            MapType::from_parts(
                key,
                elem,
                hasher,
                ks,
                es,
                bs,
                flags,
                alg,
                fast,
                Allocator::system(),
            )
        }
    };
    let Ok(t) = r else {
        let e = r.unwrap_err();
        assert!(!e.to_string().is_empty());
        return;
    };
    assert_invariants(&t);
    // Operations only on descriptors whose hasher and equal agree with each other and with
    // the bytes the harness makes: the named algorithm's Go hasher, or the varlen hasher
    // with memory equality on a non-string key, and sizes a test can allocate.
    let coherent = if t.key().kind == Kind::String && t.key().size == 16 {
        mode & 1 == 0 && alg == HashAlg::Str && key_streq
    } else {
        !key_streq
            && (alg == HashAlg::Custom || alg == HashAlg::MemVarlen || mode & 1 == 0)
            && !matches!(
                alg,
                HashAlg::Str | HashAlg::F32 | HashAlg::F64 | HashAlg::C64 | HashAlg::C128
            )
    };
    if !coherent || t.key().size > 1 << 16 || t.elem().size > 1 << 16 {
        return;
    }
    exercise(t, &mut c);
}

/// A few hundred operations on a map of `t`, checked against the model.
fn exercise(t: MapType, c: &mut Cursor) {
    let kind = if t.key().kind == Kind::String && t.key().size == 16 {
        KeyKind::Str
    } else {
        KeyKind::Mem
    };
    let l = Layout {
        name: "fuzzed maptype",
        t: Box::new(t),
        kind,
    };
    let path = Path::Dispatch;
    let mut keys = Keys::default();
    let mut m = Model::default();
    // SAFETY: a fresh map of l.t, freed below.
    let h = unsafe { runtime::makemap(&l.t, hint_of(c.u8()), ptr::null_mut()) };
    let mut val = 0u64;
    for n in 0..400 {
        if c.done() {
            break;
        }
        let op = c.u8();
        let (img, canon) = keys.key(&l, key_idx(c, op), op & 0x20 != 0);
        // SAFETY: our live map; `img` is a key image of l.
        unsafe {
            match op & 3 {
                0 | 1 => {
                    val += 1;
                    let ei = elem_image(l.esize(), val);
                    let e = crate::layout::assign(&l, h, path, &img);
                    ptr::copy_nonoverlapping(ei.as_ptr(), e, ei.len());
                    m.put(&canon, ei);
                }
                2 => {
                    let got = crate::layout::access(&l, h, path, &img).map(|p| read(p, l.esize()));
                    assert_eq!(got.as_ref(), m.get(&canon), "lookup {n}");
                }
                _ => {
                    crate::layout::delete(&l, h, path, &img);
                    m.del(&canon);
                }
            }
            check_or_die(&l.t, h, &format_args!("op {n}"));
            assert_eq!((*h).count, m.len());
        }
    }
    // SAFETY: our map, no iterators.
    unsafe { runtime::mapfree(&l.t, h) };
}
