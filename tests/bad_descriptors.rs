//! Hostile inputs: hand-made map descriptors that `MapType::from_parts` / `MapType::new`
//! must refuse (one test per `MapTypeError` variant, checking the error and that its
//! message says what is wrong), bogus hints, nil maps, NaN keys, panicking hashers and
//! detected misuse.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use common::*;
use gomap::export_test::runtime::*;
use gomap::maptype::{
    GoKind, HashAlg, HashFn, Kind, MapFast, MapType, MapTypeError, MapTypeFlags, Type, Which,
};

/// Every field `from_parts` takes, starting from a valid `map[int64]int64` descriptor.
#[derive(Clone, Copy)]
struct Parts {
    key: Type,
    elem: Type,
    hasher: HashFn,
    keysize: u8,
    elemsize: u8,
    bucketsize: u16,
    flags: MapTypeFlags,
    hash_alg: HashAlg,
    fast: MapFast,
}

impl Parts {
    fn int64() -> Parts {
        let t = MapType::int64();
        Parts {
            key: *t.key(),
            elem: *t.elem(),
            hasher: t.hasher(),
            keysize: t.keysize(),
            elemsize: t.elemsize(),
            bucketsize: t.bucketsize(),
            flags: t.flags(),
            hash_alg: t.hash_alg(),
            fast: t.fast(),
        }
    }

    fn build(self) -> Result<MapType, MapTypeError> {
        // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
        // type contract for every key used with it (a refused descriptor makes no map).
        unsafe {
            MapType::from_parts(
                self.key,
                self.elem,
                self.hasher,
                self.keysize,
                self.elemsize,
                self.bucketsize,
                self.flags,
                self.hash_alg,
                self.fast,
                Allocator::system(),
            )
        }
    }
}

/// Asserts that `r` is the error `want` and that its message contains every one of `words`.
#[track_caller]
fn refused(r: Result<MapType, MapTypeError>, want: MapTypeError, words: &[&str]) {
    match r {
        Ok(t) => panic!("accepted a bad descriptor: {t:?}; wanted {want:?}"),
        Err(e) => {
            assert_eq!(e, want);
            let msg = e.to_string();
            for w in words {
                assert!(msg.contains(w), "message {msg:?} does not say {w:?}");
            }
        }
    }
}

#[test]
fn the_base_descriptor_is_valid() {
    let t = Parts::int64().build().unwrap();
    assert_eq!((t.keysize(), t.elemsize(), t.bucketsize()), (8, 8, 144));
}

#[test]
fn no_equal_function() {
    let mut p = Parts::int64();
    p.key.equal = None;
    refused(
        p.build(),
        MapTypeError::UnsupportedKeyType,
        &["unsupported map key type", "equal"],
    );
    // MapType::new refuses it too.
    refused(
        // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
        // type contract for every key used with it (a refused descriptor makes no map).
        unsafe { MapType::new(p.key, p.elem, p.hasher, MapTypeFlags::empty()) },
        MapTypeError::UnsupportedKeyType,
        &["unsupported"],
    );
    // The elem needs none.
    let mut p = Parts::int64();
    p.elem.equal = None;
    assert!(p.build().is_ok());
}

#[test]
fn key_size_wrong() {
    // A slot narrower than the key.
    let mut p = Parts::int64();
    p.keysize = 4;
    p.fast = MapFast::Slow;
    refused(
        p.build(),
        MapTypeError::KeySizeWrong {
            size: 8,
            keysize: 4,
            indirect: false,
        },
        &["key size wrong", "key.size=8", "keysize=4"],
    );
    // A small key marked indirect.
    let mut p = Parts::int64();
    p.flags |= MapTypeFlags::INDIRECT_KEY;
    refused(
        p.build(),
        MapTypeError::KeySizeWrong {
            size: 8,
            keysize: 8,
            indirect: true,
        },
        &["key size wrong", "indirect=true"],
    );
    // A 200-byte key stored inline (it must be indirect, in an 8-byte slot).
    let mut p = Parts::int64();
    p.key = GoKind::Bytes(200).go_type().unwrap();
    p.keysize = 200;
    p.fast = MapFast::Slow;
    p.hash_alg = HashAlg::MemVarlen;
    refused(
        p.build(),
        MapTypeError::KeySizeWrong {
            size: 200,
            keysize: 200,
            indirect: false,
        },
        &["key size wrong", "over 128 bytes"],
    );
}

#[test]
fn elem_size_wrong() {
    let mut p = Parts::int64();
    p.elemsize = 16;
    refused(
        p.build(),
        MapTypeError::ElemSizeWrong {
            size: 8,
            elemsize: 16,
            indirect: false,
        },
        &["elem size wrong", "elem.size=8", "elemsize=16"],
    );
    let mut p = Parts::int64();
    p.elem = GoKind::Bytes(129).go_type().unwrap();
    p.elemsize = 129;
    refused(
        p.build(),
        MapTypeError::ElemSizeWrong {
            size: 129,
            elemsize: 129,
            indirect: false,
        },
        &["elem size wrong", "indirect=false"],
    );
}

#[test]
fn align_too_big() {
    let mut p = Parts::int64();
    p.key = plain_type(16, 16, Kind::Struct, p.key.equal);
    p.keysize = 16;
    p.bucketsize = 8 + 8 * 16 + 8 * 8 + 8;
    p.fast = MapFast::Slow;
    p.hash_alg = HashAlg::Custom;
    refused(
        p.build(),
        MapTypeError::AlignTooBig {
            which: Which::Key,
            align: 16,
        },
        &["key align too big", "16"],
    );
    refused(
        // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
        // type contract for every key used with it (a refused descriptor makes no map).
        unsafe { MapType::new(p.key, p.elem, p.hasher, MapTypeFlags::empty()) },
        MapTypeError::AlignTooBig {
            which: Which::Key,
            align: 16,
        },
        &["key align too big"],
    );
    let mut p = Parts::int64();
    p.elem = plain_type(32, 32, Kind::Struct, None);
    p.elemsize = 32;
    p.bucketsize = 8 + 8 * 8 + 8 * 32 + 8;
    refused(
        p.build(),
        MapTypeError::AlignTooBig {
            which: Which::Elem,
            align: 32,
        },
        &["elem align too big"],
    );
    // What Go's compiler would never lay out, for_go_types refuses as well.
    refused(
        MapType::for_go_types(
            GoKind::Memory {
                size: 16,
                align: 16,
            },
            GoKind::Int,
        ),
        MapTypeError::AlignTooBig {
            which: Which::Key,
            align: 16,
        },
        &["align too big"],
    );
}

#[test]
fn size_not_a_multiple_of_align() {
    let mut p = Parts::int64();
    p.key = plain_type(6, 4, Kind::Struct, p.key.equal);
    p.keysize = 6;
    p.bucketsize = 8 + 8 * 6 + 8 * 8 + 8;
    p.fast = MapFast::Slow;
    p.hash_alg = HashAlg::Custom;
    refused(
        p.build(),
        MapTypeError::SizeNotMultipleOfAlign {
            which: Which::Key,
            size: 6,
            align: 4,
        },
        &["key size not a multiple of key align", "6", "4"],
    );
    refused(
        MapType::for_go_types(GoKind::Int, GoKind::Memory { size: 12, align: 8 }),
        MapTypeError::SizeNotMultipleOfAlign {
            which: Which::Elem,
            size: 12,
            align: 8,
        },
        &["elem size not a multiple of elem align"],
    );
}

#[test]
fn align_not_a_power_of_two() {
    for align in [0u8, 3, 6] {
        let mut p = Parts::int64();
        p.key = plain_type(6, align, Kind::Struct, p.key.equal);
        p.keysize = 6;
        p.bucketsize = 8 + 8 * 6 + 8 * 8 + 8;
        p.fast = MapFast::Slow;
        p.hash_alg = HashAlg::Custom;
        refused(
            p.build(),
            MapTypeError::AlignNotPowerOfTwo {
                which: Which::Key,
                align,
            },
            &["key align", "not a power of two"],
        );
        refused(
            // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
            // type contract for every key used with it (a refused descriptor makes no map).
            unsafe { MapType::new(p.key, p.elem, p.hasher, MapTypeFlags::empty()) },
            MapTypeError::AlignNotPowerOfTwo {
                which: Which::Key,
                align,
            },
            &["not a power of two"],
        );
    }
}

/// Go's `reflect_makemap` throws "need padding in bucket" when `dataOffset` is not a
/// multiple of the key or elem alignment. With `dataOffset == 8` and alignments limited to
/// powers of two up to 8, that cannot happen (Go's check is dead on 64-bit platforms too):
/// every alignment is refused earlier or accepted. The variant's message is checked
/// directly.
#[test]
fn need_padding() {
    for align in 0..=255u8 {
        for which in [Which::Key, Which::Elem] {
            let mut p = Parts::int64();
            p.fast = MapFast::Slow;
            p.hash_alg = HashAlg::Custom;
            let ty = plain_type(8, align, Kind::Struct, p.key.equal);
            match which {
                Which::Key => p.key = ty,
                Which::Elem => p.elem = ty,
            }
            if let Err(e) = p.build() {
                assert!(
                    !matches!(e, MapTypeError::NeedPadding { .. }),
                    "align {align} gave {e}"
                );
            }
        }
    }
    let e = MapTypeError::NeedPadding { which: Which::Elem };
    assert!(e.to_string().contains("need padding in bucket"));
    assert!(e.to_string().contains("elem"));
}

#[test]
fn ptrdata_too_big() {
    let mut p = Parts::int64();
    p.key.ptrdata = 16;
    refused(
        p.build(),
        MapTypeError::PtrdataTooBig {
            which: Which::Key,
            ptrdata: 16,
            size: 8,
        },
        &["key ptrdata 16 exceeds its size 8"],
    );
    let mut p = Parts::int64();
    p.elem.ptrdata = 9;
    refused(
        // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
        // type contract for every key used with it (a refused descriptor makes no map).
        unsafe { MapType::new(p.key, p.elem, p.hasher, MapTypeFlags::empty()) },
        MapTypeError::PtrdataTooBig {
            which: Which::Elem,
            ptrdata: 9,
            size: 8,
        },
        &["elem ptrdata"],
    );
}

#[test]
fn bucketsize_wrong() {
    for bs in [0u16, 136, 152, 288] {
        let mut p = Parts::int64();
        p.bucketsize = bs;
        refused(
            p.build(),
            MapTypeError::BucketSizeWrong {
                bucketsize: bs,
                want: 144,
            },
            &["bucketsize wrong", &bs.to_string(), "144"],
        );
    }
}

#[test]
fn unknown_flags() {
    for bit in [32u32, 64, 1 << 31] {
        let mut p = Parts::int64();
        p.flags = MapTypeFlags::from_bits_retain(p.flags.bits() | bit);
        let all = p.flags.bits();
        refused(
            p.build(),
            MapTypeError::UnknownFlags(all),
            &["unknown maptype flag bits", &format!("{all:#x}")],
        );
        refused(
            // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
            // type contract for every key used with it (a refused descriptor makes no map).
            unsafe { MapType::new(p.key, p.elem, p.hasher, p.flags) },
            MapTypeError::UnknownFlags(all),
            &["unknown"],
        );
    }
}

/// `MapType::new` derives the indirect flags from the sizes, whatever the caller passes.
#[test]
fn new_recomputes_indirect_flags() {
    let p = Parts::int64();
    // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
    // type contract for every key used with it (a refused descriptor makes no map).
    let t = unsafe {
        MapType::new(
            p.key,
            p.elem,
            p.hasher,
            MapTypeFlags::INDIRECT_KEY | MapTypeFlags::INDIRECT_ELEM | MapTypeFlags::REFLEXIVE_KEY,
        )
    }
    .unwrap();
    assert!(!t.indirectkey() && !t.indirectelem() && t.reflexivekey());
    let big = GoKind::Bytes(129).go_type().unwrap();
    // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
    // type contract for every key used with it (a refused descriptor makes no map).
    let t = unsafe { MapType::new(big, big, p.hasher, MapTypeFlags::empty()) }.unwrap();
    assert!(t.indirectkey() && t.indirectelem());
    assert_eq!((t.keysize(), t.elemsize(), t.bucketsize()), (8, 8, 144));
}

#[test]
fn fast_family_mismatched() {
    // Fast32 for an 8-byte key.
    let mut p = Parts::int64();
    p.fast = MapFast::Fast32;
    refused(
        p.build(),
        MapTypeError::FastFamilyWrong(MapFast::Fast32),
        &["Fast32", "does not fit"],
    );
    // FastStr for an integer key.
    let mut p = Parts::int64();
    p.fast = MapFast::FastStr;
    refused(
        p.build(),
        MapTypeError::FastFamilyWrong(MapFast::FastStr),
        &["FastStr"],
    );
    // Fast64 for a 16-byte key.
    let mut p = Parts::int64();
    p.key = GoKind::Memory { size: 16, align: 8 }.go_type().unwrap();
    p.keysize = 16;
    p.bucketsize = 8 + 8 * 16 + 8 * 8 + 8;
    p.hash_alg = HashAlg::Mem128;
    refused(
        p.build(),
        MapTypeError::FastFamilyWrong(MapFast::Fast64),
        &["Fast64"],
    );
    // Fast64 with an elem over 128 bytes (Go's compiler uses the slow calls then).
    let mut p = Parts::int64();
    p.elem = GoKind::Bytes(200).go_type().unwrap();
    p.elemsize = 8;
    p.flags |= MapTypeFlags::INDIRECT_ELEM;
    refused(
        p.build(),
        MapTypeError::FastFamilyWrong(MapFast::Fast64),
        &["Fast64", "elem"],
    );
    // The same with the slow family is fine.
    p.fast = MapFast::Slow;
    assert!(p.build().is_ok());
}

#[test]
fn hash_alg_mismatched() {
    let mut p = Parts::int64();
    p.hash_alg = HashAlg::Mem32;
    refused(
        p.build(),
        MapTypeError::HashAlgWrong(HashAlg::Mem32),
        &["Mem32", "does not fit"],
    );
    let mut p = Parts::int64();
    p.hash_alg = HashAlg::Str;
    refused(
        p.build(),
        MapTypeError::HashAlgWrong(HashAlg::Str),
        &["Str"],
    );
    let mut p = Parts::int64();
    p.hash_alg = HashAlg::C128;
    refused(
        p.build(),
        MapTypeError::HashAlgWrong(HashAlg::C128),
        &["C128"],
    );
    // Custom and varlen fit anything.
    for a in [HashAlg::Custom, HashAlg::MemVarlen] {
        let mut p = Parts::int64();
        p.hash_alg = a;
        assert!(p.build().is_ok(), "{a:?}");
    }
}

/// A hasher that is not Go's memhash64 must not claim `HashAlg::Mem64`: the fast paths
/// call memhash64 directly for that name, the generic paths call `hasher`, and the map
/// would hash one key two ways. Likewise `Mem32` and `Str`.
#[test]
fn hasher_not_the_named_hash() {
    unsafe extern "C-unwind" fn weak(k: *const u8, seed: usize, _: *const Type) -> usize {
        // SAFETY: the map hands 8 readable key bytes.
        (unsafe { k.cast::<u64>().read_unaligned() } as usize) ^ seed
    }
    let mut p = Parts::int64();
    p.hasher = weak;
    refused(
        p.build(),
        MapTypeError::HasherNotHashAlg(HashAlg::Mem64),
        &["Mem64", "Custom"],
    );
    let mut p = Parts::int64();
    p.hasher = weak;
    p.hash_alg = HashAlg::Custom;
    assert!(p.build().is_ok(), "the same hasher named Custom");
    // Go's own function under another pointer (a wrapper) still passes: it agrees.
    unsafe extern "C-unwind" fn wrapped(k: *const u8, seed: usize, t: *const Type) -> usize {
        // SAFETY: forwarded.
        unsafe { (MapType::int64().hasher())(k, seed, t) }
    }
    let mut p = Parts::int64();
    p.hasher = wrapped;
    assert!(p.build().is_ok(), "a wrapper of memhash64");
    // A string map whose hasher is memhash64 on the header bytes is not Go's strhash.
    let st = MapType::string_int64();
    // SAFETY: as in `Parts::build`.
    let r = unsafe {
        MapType::from_parts(
            *st.key(),
            *st.elem(),
            MapType::int64().hasher(),
            st.keysize(),
            st.elemsize(),
            st.bucketsize(),
            st.flags(),
            HashAlg::Str,
            st.fast(),
            Allocator::system(),
        )
    };
    refused(r, MapTypeError::HasherNotHashAlg(HashAlg::Str), &["Str"]);
}

/// `TooLarge` guards the u16 bucket size; with slots of at most 128 bytes a bucket is at
/// most 2064 bytes, so no key or elem reaches it (larger ones are stored indirectly).
#[test]
fn too_large_is_unreachable_and_says_so() {
    for n in [128usize, 129, 4096, 1 << 20] {
        let t = MapType::for_go_types(GoKind::Bytes(n), GoKind::Bytes(n)).unwrap();
        assert!(t.bucketsize() <= 2064);
    }
    assert!(MapTypeError::TooLarge.to_string().contains("too large"));
}

// ---------------------------------------------------------------------------------------
// Hints, nil maps, NaN keys, panics
// ---------------------------------------------------------------------------------------

/// Negative hints, and hints whose buckets would not fit in memory, are ignored (B = 0),
/// as Go's `makemap` does.
#[test]
fn makemap_negative_and_huge_hints() {
    let t = MapType::int64();
    for hint in [
        -1isize,
        -1000,
        isize::MIN,
        isize::MAX,
        1 << 50,
        (1 << 48) / 144 + 1,
    ] {
        // SAFETY: a fresh map, used and freed.
        unsafe {
            let h = make(&t, hint);
            assert_eq!((*h).B, 0, "hint {hint}");
            assert!((*h).buckets.is_null(), "hint {hint}");
            put_checked(&t, h, 1i64, 1i64);
            free(&t, h);
        }
    }
    for hint in [-1i64, i64::MIN, i64::MAX, 1 << 62] {
        // SAFETY: as above.
        unsafe {
            let h = makemap64(&t, hint, ptr::null_mut());
            assert_eq!((*h).B, 0, "hint {hint}");
            free(&t, h);
        }
    }
}

/// The payload of a caught panic as text.
fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    gomap::panic_message(&*e)
        .unwrap_or("<non-string panic>")
        .to_string()
}

/// Reads on a nil map give the zero value, delete and clear are no-ops, iteration produces
/// nothing, and an assignment panics with Go's exact message.
#[test]
fn nil_map_operations() {
    let t = MapType::int64();
    let nil: *mut Hmap = ptr::null_mut();
    let k = 5i64;
    let kp = (&k as *const i64).cast::<u8>();
    // SAFETY: every function takes a null map; `kp` is an int64 key.
    unsafe {
        assert_eq!(*(mapaccess1(&t, nil, kp) as *const i64), 0);
        let (e, ok) = mapaccess2(&t, nil, kp);
        assert!(!ok);
        assert_eq!(*(e as *const i64), 0);
        let zero = [0u8; 8];
        assert_eq!(
            mapaccess1_fat(&t, nil, kp, zero.as_ptr()),
            zero.as_ptr().cast_mut()
        );
        assert_eq!(get::<i64, i64>(&t, nil, 5), None);
        assert_eq!(get1::<i64, i64>(&t, nil, 5), 0);
        mapdelete(&t, nil, kp);
        mapclear(&t, nil);
        assert_eq!(len(nil), 0);
        assert!(iterate::<i64, i64>(&t, nil).is_empty());
        check(&t, nil).unwrap();
    }
    let r = catch_unwind(|| {
        // SAFETY: a null map; mapassign panics before touching anything.
        unsafe { mapassign(&t, ptr::null_mut(), kp) };
    });
    let msg = panic_text(r.expect_err("assignment to a nil map did not panic"));
    assert_eq!(msg, "assignment to entry in nil map");
    assert_eq!(msg, NIL_MAP_WRITE);
}

/// NaN keys: every insert adds an entry, no lookup finds one, delete cannot remove them,
/// `mapclear` can.
#[test]
fn nan_keys() {
    let t = MapType::float64_int64();
    assert!(!t.reflexivekey());
    let nan = f64::NAN;
    // SAFETY: a live map[float64]int64, freed at the end.
    unsafe {
        let h = make(&t, 0);
        for i in 0..20i64 {
            put_checked(&t, h, nan, i);
            assert_eq!(len(h), i as usize + 1, "a NaN insert did not add an entry");
        }
        put_checked(&t, h, 1.5f64, 100i64);
        assert_eq!(
            get::<f64, i64>(&t, h, nan),
            None,
            "a NaN lookup found an entry"
        );
        assert_eq!(get1::<f64, i64>(&t, h, nan), 0);
        for _ in 0..5 {
            del_checked(&t, h, nan);
        }
        assert_eq!(len(h), 21, "delete removed a NaN entry");
        let all = iterate::<f64, i64>(&t, h);
        assert_eq!(all.iter().filter(|(k, _)| k.is_nan()).count(), 20);
        let mut vals: Vec<i64> = all
            .iter()
            .filter(|(k, _)| k.is_nan())
            .map(|&(_, v)| v)
            .collect();
        vals.sort();
        assert_eq!(vals, (0..20).collect::<Vec<_>>());
        // Other payloads of NaN are NaN too.
        let other_nan = f64::from_bits(0x7ff8_dead_beef_0001);
        put_checked(&t, h, other_nan, 7i64);
        assert_eq!(len(h), 22);
        mapclear(&t, h);
        assert_check(&t, h, "clear");
        assert_eq!(len(h), 0);
        assert!(iterate::<f64, i64>(&t, h).is_empty());
        assert_eq!(get::<f64, i64>(&t, h, 1.5), None);
        free(&t, h);
    }
}

/// A hasher that panics on the key 666 (an "unhashable" value).
unsafe extern "C-unwind" fn picky_hash(p: *const u8, seed: usize, _t: *const Type) -> usize {
    // SAFETY: `p` points at an 8-byte key.
    let k = unsafe { ptr::read_unaligned(p.cast::<u64>()) };
    if k == 666 {
        panic!("runtime error: hash of unhashable type");
    }
    (k as usize ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn picky_map(flags: MapTypeFlags) -> MapType {
    // SAFETY: the hasher and equal given are Go's own or test functions that keep the map
    // type contract for every key used with it (a refused descriptor makes no map).
    unsafe {
        MapType::new(
            GoKind::Uint64.go_type().unwrap(),
            GoKind::Int64.go_type().unwrap(),
            picky_hash,
            flags,
        )
    }
    .unwrap()
}

/// Go hashes the key even on a nil or empty map when the hash might panic (Go issue 23734),
/// so that `m[unhashable]` panics consistently; without the flag it does not hash.
#[test]
fn hash_might_panic_hashes_on_empty_maps() {
    let t = picky_map(MapTypeFlags::REFLEXIVE_KEY | MapTypeFlags::HASH_MIGHT_PANIC);
    let quiet = picky_map(MapTypeFlags::REFLEXIVE_KEY);
    let k = 666u64;
    let kp = (&k as *const u64).cast::<u8>();
    // SAFETY: null and empty live maps of the picky types; `kp` is a u64 key.
    unsafe {
        let h = make(&t, 0);
        for m in [ptr::null_mut(), h] {
            let r = catch_unwind(AssertUnwindSafe(|| mapaccess2(&t, m, kp)));
            assert!(panic_text(r.unwrap_err()).contains("unhashable"));
            let r = catch_unwind(AssertUnwindSafe(|| mapdelete(&t, m, kp)));
            assert!(panic_text(r.unwrap_err()).contains("unhashable"));
        }
        free(&t, h);
        let h = make(&quiet, 0);
        for m in [ptr::null_mut(), h] {
            assert!(!mapaccess2(&quiet, m, kp).1);
            mapdelete(&quiet, m, kp);
        }
        free(&quiet, h);
    }
}

/// A hasher that panics inside `mapassign`/`mapdelete` leaves the map consistent and not
/// marked as being written (Go sets hashWriting only after hashing).
#[test]
fn panicking_hasher_leaves_the_map_usable() {
    let t = picky_map(MapTypeFlags::REFLEXIVE_KEY | MapTypeFlags::HASH_MIGHT_PANIC);
    // SAFETY: a live map of t, freed at the end; after each caught panic the map is
    // checked before further use.
    unsafe {
        let h = make(&t, 0);
        for k in 0..100u64 {
            put(&t, h, k, k as i64);
        }
        let r = catch_unwind(AssertUnwindSafe(|| put(&t, h, 666u64, 1i64)));
        assert!(panic_text(r.unwrap_err()).contains("unhashable"));
        assert_eq!((*h).flags() & HASH_WRITING, 0);
        assert_check(&t, h, "panicking put");
        let r = catch_unwind(AssertUnwindSafe(|| del(&t, h, 666u64)));
        assert!(r.is_err());
        assert_check(&t, h, "panicking delete");
        put_checked(&t, h, 100u64, 100i64);
        del_checked(&t, h, 0u64);
        assert_eq!(len(h), 100);
        free(&t, h);
    }
}

/// Misuse detection: a write or read that finds `hashWriting` set panics with Go's
/// messages.
#[test]
fn concurrent_write_detection_messages() {
    let t = MapType::int64();
    let k = 1i64;
    let kp = (&k as *const i64).cast::<u8>();
    // SAFETY: a live map; the flag is set by hand to simulate a write in progress, and
    // cleared before the map is freed.
    unsafe {
        let h = make(&t, 0);
        put(&t, h, 1i64, 1i64);
        (*h).set_flags((*h).flags() | HASH_WRITING);
        let r = catch_unwind(AssertUnwindSafe(|| mapassign(&t, h, kp)));
        assert_eq!(panic_text(r.unwrap_err()), CONCURRENT_WRITES);
        let r = catch_unwind(AssertUnwindSafe(|| mapdelete(&t, h, kp)));
        assert_eq!(panic_text(r.unwrap_err()), "concurrent map writes");
        let r = catch_unwind(AssertUnwindSafe(|| mapaccess2(&t, h, kp)));
        assert_eq!(
            panic_text(r.unwrap_err()),
            "concurrent map read and map write"
        );
        (*h).set_flags((*h).flags() & !HASH_WRITING);
        assert_eq!(get::<i64, i64>(&t, h, 1), Some(1));
        free(&t, h);
    }
}

/// Go's `walk.mapfast` gives a fast family only to keys compared bitwise (AMEM32, AMEM64)
/// and strings: a float key, whose `+0 == -0`, must take the generic routines, or
/// `m[+0] = 1; m[-0] = 2` would leave two entries. Nor is a float key ever reflexive.
#[test]
fn fast_family_refuses_float_keys() {
    let f = MapType::for_go_types(GoKind::Float64, GoKind::Int64).unwrap();
    // A float64 key with memhash64 (so the hash check passes) and Fast64.
    let mut p = Parts::int64();
    p.key = *f.key();
    p.flags = MapTypeFlags::empty();
    refused(
        p.build(),
        MapTypeError::FastFamilyWrong(MapFast::Fast64),
        &["Fast64"],
    );
    // Claimed reflexive.
    let mut p = Parts::int64();
    p.key = *f.key();
    refused(
        p.build(),
        MapTypeError::ReflexiveKindWrong(Kind::Float64),
        &["reflexive", "Float64"],
    );
    // A uint64 kind carrying float64 equality: the equality is not bitwise.
    let mut p = Parts::int64();
    p.key.equal = f.key().equal;
    refused(
        p.build(),
        MapTypeError::FastFamilyWrong(MapFast::Fast64),
        &["Fast64"],
    );
    // The same on the 4-byte family.
    let f32t = MapType::for_go_types(GoKind::Float32, GoKind::Int64).unwrap();
    let i32t = MapType::for_go_types(GoKind::Int32, GoKind::Int64).unwrap();
    assert_eq!(i32t.fast(), MapFast::Fast32);
    // SAFETY: Go's own functions; the descriptor is only checked.
    let r = unsafe {
        MapType::from_parts(
            *f32t.key(),
            *i32t.elem(),
            i32t.hasher(),
            4,
            8,
            i32t.bucketsize(),
            MapTypeFlags::empty(),
            HashAlg::Mem32,
            MapFast::Fast32,
            Allocator::system(),
        )
    };
    refused(
        r,
        MapTypeError::FastFamilyWrong(MapFast::Fast32),
        &["Fast32"],
    );
    // What Go's compiler builds for float keys is accepted and keeps one entry for +0/-0.
    assert_eq!(f.fast(), MapFast::Slow);
    let mut m: gomap::typed::GoMap<f64, i64> = gomap::typed::GoMap::new();
    m.insert(0.0, 1);
    m.insert(-0.0, 2);
    assert_eq!(m.len(), 1);
}
