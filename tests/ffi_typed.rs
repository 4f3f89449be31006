//! The typed C entry points (`gomap_access_u32`, `_u64`, `_str` and the same for assign,
//! insert and delete; `src/ffi/fast.rs`) on classic Go 1.19 and Swiss Go 1.27 maps:
//! growth to 10^5 keys with the dump equal to that of the same map built through the
//! Rust API's compiled-path functions (`runtime::map_assign` ... for the classic map,
//! `mapassign_compiled` and the `fast*` functions for the Swiss one); the bytes where
//! they differ from the generic entry points (a classic `mapdelete_faststr` keeps the
//! deleted key's length); map types of another family refused; the error codes and
//! re-entry checks of the generic entry points.

use std::cell::Cell;
use std::ffi::{c_int, c_void, CStr};
use std::ptr;

use gomap::ffi::*;
use gomap::maptype::{GoKind, GoString, MapType};
use gomap::runtime::{self, Hmap};
use gomap::swiss::{self, runtime as sr, SwissMapType, SwissRelease};

const SEED: [u64; 4] = [0x0123_4567_89ab_cdef, 2, 3, 0xfeed];

fn last_error() -> String {
    // SAFETY: gomap_last_error returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(gomap_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Seeds the calling thread's random source (hash seeds, iteration starts) with `SEED`.
fn seed_thread() {
    // SAFETY: four readable words.
    let c = unsafe { gomap_seed_thread_chacha8(SEED.as_ptr()) };
    assert_eq!(c, GOMAP_OK);
}

/// The dump, through the C ABI.
fn dump(t: *const gomap_maptype, h: *const gomap_map) -> String {
    // SAFETY: a live map of `t`.
    let s = unsafe { gomap_dump(t, h) };
    assert!(!s.is_null(), "dump: {}", last_error());
    // SAFETY: a NUL-terminated string from gomap, freed once here.
    unsafe {
        let r = CStr::from_ptr(s).to_string_lossy().into_owned();
        gomap_string_free(s);
        r
    }
}

/// Checks the map's invariants through the C ABI.
fn check(t: *const gomap_maptype, h: *const gomap_map) {
    // SAFETY: a live map of `t`.
    let s = unsafe { gomap_check(t, h) };
    if !s.is_null() {
        // SAFETY: a NUL-terminated string from gomap.
        panic!("check: {:?}", unsafe { CStr::from_ptr(s) });
    }
}

/// `map[K]E` of Go's kinds for `release`.
fn go_type(
    key: u8,
    elem: u8,
    elem_size: usize,
    release: &CStr,
    alloc: *const gomap_allocator,
) -> *mut gomap_maptype {
    let mut base = ptr::null_mut();
    // SAFETY: a writable out pointer; `alloc` NULL or readable.
    let c = unsafe { gomap_maptype_go(key, 0, elem, elem_size, alloc, &mut base) };
    assert_eq!(c, GOMAP_OK, "{}", last_error());
    let mut t = ptr::null_mut();
    // SAFETY: a live type, a NUL-terminated name, a writable out pointer.
    let c = unsafe { gomap_maptype_with_release(base, release.as_ptr(), &mut t) };
    assert_eq!(c, GOMAP_OK, "{}", last_error());
    // SAFETY: made above; the copy does not depend on it.
    unsafe { gomap_maptype_free(base) };
    t
}

/// The releases: classic Go 1.19 and Swiss Go 1.27.
const RELEASES: [&CStr; 2] = [c"1.19", c"1.27"];

/// The keys of one family, by index: the value the typed entry point takes, and its
/// bytes for the Rust API (which takes a pointer to the key).
enum Keys {
    U32(Vec<u32>),
    U64(Vec<u64>),
    /// The strings' bytes and their headers.
    Str(Vec<Vec<u8>>, Vec<GoString>),
}

impl Keys {
    fn new(kind: u8, n: usize) -> Keys {
        // Odd multipliers: distinct indexes give distinct keys.
        let mix = |i: usize| (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        match kind {
            GOMAP_KIND_INT32 | GOMAP_KIND_UINT32 => Keys::U32(
                (0..n)
                    .map(|i| (i as u32).wrapping_mul(0x9e37_79b9))
                    .collect(),
            ),
            GOMAP_KIND_STRING => {
                let b: Vec<Vec<u8>> = (0..n)
                    .map(|i| format!("k{i}-{}", mix(i)).into_bytes())
                    .collect();
                let g = b.iter().map(|s| GoString::from_bytes(s)).collect();
                Keys::Str(b, g)
            }
            _ => Keys::U64((0..n).map(mix).collect()),
        }
    }

    /// The key of index `i`, for the Rust API.
    fn ptr(&self, i: usize) -> *const u8 {
        match self {
            Keys::U32(v) => (&v[i] as *const u32).cast(),
            Keys::U64(v) => (&v[i] as *const u64).cast(),
            Keys::Str(_, g) => (&g[i] as *const GoString).cast(),
        }
    }

    /// `gomap_insert_*` of key `i`.
    ///
    /// # Safety
    /// `h` is NULL or a live map of `t`; `e` an elem of `t`.
    unsafe fn insert(
        &self,
        t: *const gomap_maptype,
        h: *mut gomap_map,
        i: usize,
        e: *const c_void,
    ) -> c_int {
        // SAFETY: forwarded; a string key's bytes live as long as `self`.
        unsafe {
            match self {
                Keys::U32(v) => gomap_insert_u32(t, h, v[i], e),
                Keys::U64(v) => gomap_insert_u64(t, h, v[i], e),
                Keys::Str(b, _) => gomap_insert_str(t, h, b[i].as_ptr().cast(), b[i].len(), e),
            }
        }
    }

    /// `gomap_assign_*` of key `i`.
    ///
    /// # Safety
    /// As `insert`.
    unsafe fn assign(
        &self,
        t: *const gomap_maptype,
        h: *mut gomap_map,
        i: usize,
        e: *mut *mut c_void,
    ) -> c_int {
        // SAFETY: forwarded.
        unsafe {
            match self {
                Keys::U32(v) => gomap_assign_u32(t, h, v[i], e),
                Keys::U64(v) => gomap_assign_u64(t, h, v[i], e),
                Keys::Str(b, _) => gomap_assign_str(t, h, b[i].as_ptr().cast(), b[i].len(), e),
            }
        }
    }

    /// `gomap_access_*` of key `i` (`found` NULL or not).
    ///
    /// # Safety
    /// As `insert`; `e` writable, `found` NULL or writable.
    unsafe fn access(
        &self,
        t: *const gomap_maptype,
        h: *const gomap_map,
        i: usize,
        e: *mut *mut c_void,
        found: *mut bool,
    ) -> c_int {
        // SAFETY: forwarded.
        unsafe {
            match self {
                Keys::U32(v) => gomap_access_u32(t, h, v[i], e, found),
                Keys::U64(v) => gomap_access_u64(t, h, v[i], e, found),
                Keys::Str(b, _) => {
                    gomap_access_str(t, h, b[i].as_ptr().cast(), b[i].len(), e, found)
                }
            }
        }
    }

    /// `gomap_delete_*` of key `i`.
    ///
    /// # Safety
    /// As `insert`.
    unsafe fn delete(&self, t: *const gomap_maptype, h: *mut gomap_map, i: usize) -> c_int {
        // SAFETY: forwarded.
        unsafe {
            match self {
                Keys::U32(v) => gomap_delete_u32(t, h, v[i]),
                Keys::U64(v) => gomap_delete_u64(t, h, v[i]),
                Keys::Str(b, _) => gomap_delete_str(t, h, b[i].as_ptr().cast(), b[i].len()),
            }
        }
    }
}

/// The same map through the Rust API: the functions Go's compiler calls for the map
/// type (the classic `runtime::map_*` switch on `walk.mapfast`'s family; the Swiss
/// `mapassign_compiled`, `mapaccess2_compiled` and `mapdelete_fast*`).
enum Reference {
    Classic(MapType, *mut Hmap),
    Swiss(SwissMapType, *mut swiss::Map),
}

impl Reference {
    /// A map of `map[key]elem` for `release`, made after seeding the thread with `SEED`.
    fn new(key: GoKind, elem: GoKind, release: &CStr) -> Reference {
        let mt = MapType::for_go_types(key, elem).unwrap();
        seed_thread();
        match SwissRelease::parse(release.to_str().unwrap()) {
            Some(r) => {
                let st = SwissMapType::new(&mt, r);
                let m = Box::into_raw(sr::makemap(&st, 0));
                Reference::Swiss(st, m)
            }
            // SAFETY: a valid map type; a null header asks for a new one.
            None => Reference::Classic(mt, unsafe { runtime::makemap(&mt, 0, ptr::null_mut()) }),
        }
    }

    /// `m[k] = e`.
    ///
    /// # Safety
    /// `k` points at a key of the map's type.
    unsafe fn insert(&self, k: *const u8, e: i64) {
        // SAFETY: a live map; an int64 elem slot.
        unsafe {
            let p = match self {
                Reference::Classic(t, h) => runtime::map_assign(t, *h, k),
                Reference::Swiss(st, m) => sr::mapassign_compiled(st, *m, k),
            };
            *p.cast::<i64>() = e;
        }
    }

    /// `delete(m, k)`.
    ///
    /// # Safety
    /// As `insert`.
    unsafe fn delete(&self, k: *const u8) {
        use gomap::maptype::MapFast;
        // SAFETY: a live map; the key read as its family's type.
        unsafe {
            match self {
                Reference::Classic(t, h) => runtime::map_delete(t, *h, k),
                Reference::Swiss(st, m) => match st.fast() {
                    MapFast::Fast32 | MapFast::Fast32Ptr => {
                        swiss::fast32::mapdelete_fast32(st, *m, k.cast::<u32>().read())
                    }
                    MapFast::Fast64 | MapFast::Fast64Ptr => {
                        swiss::fast64::mapdelete_fast64(st, *m, k.cast::<u64>().read())
                    }
                    MapFast::FastStr => {
                        swiss::faststr::mapdelete_faststr(st, *m, k.cast::<GoString>().read())
                    }
                    MapFast::Slow => sr::mapdelete(st, *m, k),
                },
            }
        }
    }

    /// Whether `k` is present.
    ///
    /// # Safety
    /// As `insert`.
    unsafe fn has(&self, k: *const u8) -> bool {
        // SAFETY: a live map.
        unsafe {
            match self {
                Reference::Classic(t, h) => runtime::map_access2(t, *h, k).1,
                Reference::Swiss(st, m) => sr::mapaccess2_compiled(st, *m, k).1,
            }
        }
    }

    fn dump(&self) -> String {
        // SAFETY: a live map.
        unsafe {
            match self {
                Reference::Classic(t, h) => runtime::dump_string(t, *h),
                Reference::Swiss(st, m) => swiss::dump(st, &**m),
            }
        }
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        // SAFETY: live maps made in `new`, freed once.
        unsafe {
            match self {
                Reference::Classic(t, h) => runtime::mapfree(t, *h),
                Reference::Swiss(st, m) => swiss::mapfree(st, Box::from_raw(*m)),
            }
        }
    }
}

/// Grows a map to `n` keys through the typed entry points of `kind`'s family (insert
/// and assign), reads every key back (`found` given and not), misses, overwrites,
/// deletes a third (and absent keys), and compares the dump with the same operations
/// through the Rust API.
fn scenario(release: &CStr, kind: u8, go_key: GoKind, n: usize) {
    let t = go_type(kind, GOMAP_KIND_INT64, 0, release, ptr::null());
    let keys = Keys::new(kind, n + n / 10);
    let what = format!("{release:?} kind {kind}");
    seed_thread();
    let mut h = ptr::null_mut();
    // SAFETY: a live type, a writable out; then a live map of `t` with keys of its
    // family and int64 elems, freed once at the end.
    unsafe {
        assert_eq!(gomap_make(t, 0, &mut h), GOMAP_OK);
        for i in 0..n {
            let v = 2 * i as i64;
            if i % 2 == 0 {
                assert_eq!(
                    keys.insert(t, h, i, (&v as *const i64).cast()),
                    GOMAP_OK,
                    "{what}: {}",
                    last_error()
                );
            } else {
                let mut e = ptr::null_mut();
                assert_eq!(
                    keys.assign(t, h, i, &mut e),
                    GOMAP_OK,
                    "{what}: {}",
                    last_error()
                );
                assert_eq!(*e.cast::<i64>(), 0, "{what}: a new entry's elem is zero");
                *e.cast::<i64>() = v;
            }
        }
        assert_eq!(gomap_len(h), n, "{what}");
        for i in 0..n {
            let (mut e, mut found) = (ptr::null_mut(), false);
            assert_eq!(keys.access(t, h, i, &mut e, &mut found), GOMAP_OK);
            assert!(found, "{what}: key {i}");
            assert_eq!(*e.cast::<i64>(), 2 * i as i64);
            let mut e1 = ptr::null_mut();
            assert_eq!(keys.access(t, h, i, &mut e1, ptr::null_mut()), GOMAP_OK);
            assert_eq!(e1, e);
        }
        for i in n..keys_len(&keys) {
            let (mut e, mut found) = (ptr::null_mut(), true);
            assert_eq!(keys.access(t, h, i, &mut e, &mut found), GOMAP_OK);
            assert!(
                !found && !e.is_null() && *e.cast::<i64>() == 0,
                "{what}: absent key {i}"
            );
        }
        // An overwrite finds the entry in place.
        let mut e = ptr::null_mut();
        assert_eq!(keys.assign(t, h, 5, &mut e), GOMAP_OK);
        assert_eq!(*e.cast::<i64>(), 10);
        *e.cast::<i64>() = 77;
        for i in (0..n).step_by(3) {
            assert_eq!(keys.delete(t, h, i), GOMAP_OK);
        }
        for i in n..n + 10 {
            assert_eq!(keys.delete(t, h, i), GOMAP_OK);
        }
        let left = n - n.div_ceil(3);
        assert_eq!(gomap_len(h), left, "{what}");
    }
    check(t, h);
    let d = dump(t, h);

    // The Rust API, the same operations in the same order from the same seed.
    let r = Reference::new(go_key, GoKind::Int64, release);
    // SAFETY: keys of the map's type.
    unsafe {
        for i in 0..n {
            r.insert(keys.ptr(i), 2 * i as i64);
        }
        r.insert(keys.ptr(5), 77);
        for i in (0..n).step_by(3) {
            r.delete(keys.ptr(i));
        }
        for i in n..n + 10 {
            r.delete(keys.ptr(i));
        }
        assert!(r.has(keys.ptr(1)) && !r.has(keys.ptr(0)));
    }
    assert!(d == r.dump(), "{what}: the dumps differ");
    // SAFETY: made above, the map first.
    unsafe {
        assert_eq!(gomap_free(t, h), GOMAP_OK);
        gomap_maptype_free(t);
    }
}

fn keys_len(k: &Keys) -> usize {
    match k {
        Keys::U32(v) => v.len(),
        Keys::U64(v) => v.len(),
        Keys::Str(b, _) => b.len(),
    }
}

#[test]
fn int64_keys_grow_to_1e5_on_1_19_and_1_27() {
    for r in RELEASES {
        scenario(r, GOMAP_KIND_INT64, GoKind::Int64, 100_000);
    }
}

#[test]
fn uint64_and_pointer_keys() {
    for r in RELEASES {
        scenario(r, GOMAP_KIND_UINT64, GoKind::Uint64, 3_000);
        // A pointer key (mapassign_fast64ptr on a classic map): the keys are never
        // dereferenced, so any bits do.
        scenario(r, GOMAP_KIND_UNSAFE_POINTER, GoKind::UnsafePointer, 3_000);
    }
}

#[test]
fn int32_keys_grow_to_1e4_on_1_19_and_1_27() {
    for r in RELEASES {
        scenario(r, GOMAP_KIND_INT32, GoKind::Int32, 20_000);
    }
}

#[test]
fn string_keys_grow_to_1e4_on_1_19_and_1_27() {
    for r in RELEASES {
        scenario(r, GOMAP_KIND_STRING, GoKind::String, 20_000);
    }
}

/// The typed and the generic entry points, the same operations on two maps from the
/// same seed: on a classic `map[string]int64` the deleted slots differ (the typed
/// delete is `mapdelete_faststr`, which keeps the key's length; `gomap_delete` is
/// `mapdelete`, which clears the key); everywhere else the bytes are the same.
#[test]
fn typed_and_generic_bytes() {
    for r in RELEASES {
        for kind in [GOMAP_KIND_INT64, GOMAP_KIND_INT32, GOMAP_KIND_STRING] {
            let t = go_type(kind, GOMAP_KIND_INT64, 0, r, ptr::null());
            let keys = Keys::new(kind, 60);
            let (mut typed, mut generic) = (ptr::null_mut(), ptr::null_mut());
            // SAFETY: live maps of `t`, keys of its family, int64 elems; freed once.
            unsafe {
                assert_eq!(gomap_seed_thread_chacha8(SEED.as_ptr()), GOMAP_OK);
                assert_eq!(gomap_make(t, 0, &mut typed), GOMAP_OK);
                assert_eq!(gomap_seed_thread_chacha8(SEED.as_ptr()), GOMAP_OK);
                assert_eq!(gomap_make(t, 0, &mut generic), GOMAP_OK);
                for i in 0..60 {
                    let v = i as i64;
                    assert_eq!(
                        keys.insert(t, typed, i, (&v as *const i64).cast()),
                        GOMAP_OK
                    );
                    let c = gomap_insert(t, generic, keys.ptr(i).cast(), (&v as *const i64).cast());
                    assert_eq!(c, GOMAP_OK);
                }
                assert_eq!(
                    dump(t, typed),
                    dump(t, generic),
                    "{r:?} {kind}: after inserts"
                );
                for i in (0..60).step_by(4) {
                    assert_eq!(keys.delete(t, typed, i), GOMAP_OK);
                    assert_eq!(gomap_delete(t, generic, keys.ptr(i).cast()), GOMAP_OK);
                }
                let (dt, dg) = (dump(t, typed), dump(t, generic));
                let kept_len = |d: &str| d.matches(":nil=").count();
                if kind == GOMAP_KIND_STRING && r == c"1.19" {
                    assert_ne!(dt, dg);
                    assert_eq!(kept_len(&dg), 0, "{dg}");
                    assert!(kept_len(&dt) >= 1, "{dt}");
                    // Only the deleted slots differ: with each length put back to 0 they
                    // are the generic map's.
                    let mut z = dt.clone();
                    for i in (0..60).step_by(4) {
                        let Keys::Str(b, _) = &keys else {
                            unreachable!()
                        };
                        z = z.replace(&format!(" s{}:nil=", b[i].len()), " s0=");
                    }
                    assert_eq!(z, dg);
                } else {
                    assert_eq!(dt, dg, "{r:?} {kind}: after deletes");
                }
                assert_eq!(gomap_free(t, typed), GOMAP_OK);
                assert_eq!(gomap_free(t, generic), GOMAP_OK);
                gomap_maptype_free(t);
            }
        }
    }
}

/// Runs every typed entry point of the family that does not match `t` and checks each
/// is refused with `GOMAP_ERR_INVALID_ARG`, naming itself, and changes nothing.
fn refused(t: *const gomap_maptype, h: *mut gomap_map, families: &[&str]) {
    let e8 = [0u8; 256];
    let ep = e8.as_ptr().cast::<c_void>();
    // SAFETY: a live map of `t`; the entry points refuse before reading anything but
    // the map type.
    unsafe {
        let n = gomap_len(h);
        let (mut out, mut found) = (ptr::null_mut(), false);
        let (o, f): (*mut *mut c_void, *mut bool) = (&mut out, &mut found);
        let a = c"a".as_ptr().cast::<c_void>();
        let calls: [(&str, &dyn Fn() -> c_int); 12] = [
            ("gomap_access_u32", &|| gomap_access_u32(t, h, 1, o, f)),
            ("gomap_assign_u32", &|| gomap_assign_u32(t, h, 1, o)),
            ("gomap_insert_u32", &|| gomap_insert_u32(t, h, 1, ep)),
            ("gomap_delete_u32", &|| gomap_delete_u32(t, h, 1)),
            ("gomap_access_u64", &|| gomap_access_u64(t, h, 1, o, f)),
            ("gomap_assign_u64", &|| gomap_assign_u64(t, h, 1, o)),
            ("gomap_insert_u64", &|| gomap_insert_u64(t, h, 1, ep)),
            ("gomap_delete_u64", &|| gomap_delete_u64(t, h, 1)),
            ("gomap_access_str", &|| gomap_access_str(t, h, a, 1, o, f)),
            ("gomap_assign_str", &|| gomap_assign_str(t, h, a, 1, o)),
            ("gomap_insert_str", &|| gomap_insert_str(t, h, a, 1, ep)),
            ("gomap_delete_str", &|| gomap_delete_str(t, h, a, 1)),
        ];
        for (name, call) in calls {
            let fam = &name[name.len() - 3..];
            if families.contains(&fam) {
                continue;
            }
            assert_eq!(call(), GOMAP_ERR_INVALID_ARG, "{name}");
            let e = last_error();
            assert!(e.starts_with(name) && e.contains("fast"), "{name}: {e}");
            assert_eq!(gomap_len(h), n, "{name}");
        }
    }
}

/// Every typed entry point refuses a map type whose key Go's compiler would not pass
/// to its family: the other fast families, and the generic one (float keys, elems over
/// 128 bytes, embedder-defined keys).
#[test]
fn mismatched_key_kinds_are_refused() {
    unsafe extern "C-unwind" fn hash(
        key: *const c_void,
        seed: usize,
        _t: *const gomap_type,
    ) -> usize {
        // SAFETY: an 8-byte key.
        unsafe { key.cast::<u64>().read_unaligned() as usize ^ seed }
    }
    unsafe extern "C-unwind" fn equal(
        a: *const c_void,
        b: *const c_void,
        _t: *const gomap_type,
    ) -> bool {
        // SAFETY: 8-byte keys.
        unsafe { a.cast::<u64>().read_unaligned() == b.cast::<u64>().read_unaligned() }
    }
    for r in RELEASES {
        let cases: [(u8, u8, usize, &[&str]); 8] = [
            (GOMAP_KIND_INT64, GOMAP_KIND_INT64, 0, &["u64"]),
            (GOMAP_KIND_UINTPTR, GOMAP_KIND_INT64, 0, &["u64"]),
            (GOMAP_KIND_UINT32, GOMAP_KIND_INT64, 0, &["u32"]),
            (GOMAP_KIND_STRING, GOMAP_KIND_INT64, 0, &["str"]),
            // Go's compiler calls the generic functions for these.
            (GOMAP_KIND_FLOAT64, GOMAP_KIND_INT64, 0, &[]),
            (GOMAP_KIND_FLOAT32, GOMAP_KIND_INT64, 0, &[]),
            (GOMAP_KIND_INT64, GOMAP_KIND_ARRAY, 129, &[]),
            (GOMAP_KIND_STRING, GOMAP_KIND_ARRAY, 200, &[]),
        ];
        for (k, e, es, fams) in cases {
            let t = go_type(k, e, es, r, ptr::null());
            let mut h = ptr::null_mut();
            // SAFETY: a live type; the map is freed before it.
            unsafe {
                assert_eq!(gomap_make(t, 0, &mut h), GOMAP_OK);
                refused(t, h, fams);
                refused(t, ptr::null_mut(), fams);
                assert_eq!(gomap_free(t, h), GOMAP_OK);
                gomap_maptype_free(t);
            }
        }
        // An embedder's 8-byte key with its own hasher: generic.
        let ty = gomap_type {
            size: 8,
            ptrdata: 0,
            align: 8,
            kind: GOMAP_KIND_UINT64,
            equal: Some(equal),
            ctx: ptr::null_mut(),
        };
        let mut base = ptr::null_mut();
        let mut t = ptr::null_mut();
        let mut h = ptr::null_mut();
        // SAFETY: readable types, writable outs; freed once, the map first.
        unsafe {
            let c = gomap_maptype_new(
                &ty,
                &ty,
                Some(hash),
                GOMAP_FLAG_REFLEXIVE_KEY,
                ptr::null(),
                &mut base,
            );
            assert_eq!(c, GOMAP_OK, "{}", last_error());
            assert_eq!(
                gomap_maptype_with_release(base, r.as_ptr(), &mut t),
                GOMAP_OK
            );
            gomap_maptype_free(base);
            assert_eq!(gomap_make(t, 0, &mut h), GOMAP_OK);
            refused(t, h, &[]);
            assert_eq!(gomap_free(t, h), GOMAP_OK);
            gomap_maptype_free(t);
        }
    }
}

/// The checks of the generic entry points: NULL arguments, nil maps, a map of the other
/// engine, string keys without bytes.
#[test]
fn errors_of_the_generic_entry_points() {
    let s = go_type(GOMAP_KIND_INT64, GOMAP_KIND_INT64, 0, c"1.27", ptr::null());
    let c = go_type(GOMAP_KIND_INT64, GOMAP_KIND_INT64, 0, c"1.19", ptr::null());
    let st = go_type(GOMAP_KIND_STRING, GOMAP_KIND_INT64, 0, c"1.27", ptr::null());
    let ct = go_type(GOMAP_KIND_STRING, GOMAP_KIND_INT64, 0, c"1.19", ptr::null());
    let v = 9i64;
    let vp = (&v as *const i64).cast::<c_void>();
    // SAFETY: live types and maps, int64 elems; freed once at the end.
    unsafe {
        for (t, other) in [(s, c), (c, s)] {
            let (mut e, mut found) = (ptr::null_mut(), true);
            // The nil map: reads find nothing, writes fail, deletes are no-ops.
            assert_eq!(
                gomap_access_u64(t, ptr::null(), 1, &mut e, &mut found),
                GOMAP_OK
            );
            assert!(!found && !e.is_null() && *e.cast::<i64>() == 0);
            assert_eq!(
                gomap_insert_u64(t, ptr::null_mut(), 1, vp),
                GOMAP_ERR_NIL_MAP
            );
            assert_eq!(last_error(), "assignment to entry in nil map");
            assert_eq!(
                gomap_assign_u64(t, ptr::null_mut(), 1, &mut e),
                GOMAP_ERR_NIL_MAP
            );
            assert_eq!(gomap_delete_u64(t, ptr::null_mut(), 1), GOMAP_OK);
            // NULL arguments.
            let mut h = ptr::null_mut();
            assert_eq!(gomap_make(t, 0, &mut h), GOMAP_OK);
            assert_eq!(
                gomap_access_u64(ptr::null(), h, 1, &mut e, &mut found),
                GOMAP_ERR_INVALID_ARG
            );
            assert_eq!(
                gomap_access_u64(t, h, 1, ptr::null_mut(), &mut found),
                GOMAP_ERR_INVALID_ARG
            );
            assert_eq!(
                gomap_assign_u64(t, h, 1, ptr::null_mut()),
                GOMAP_ERR_INVALID_ARG
            );
            assert_eq!(
                gomap_insert_u64(t, h, 1, ptr::null()),
                GOMAP_ERR_INVALID_ARG
            );
            assert_eq!(gomap_delete_u64(ptr::null(), h, 1), GOMAP_ERR_INVALID_ARG);
            // The other engine's map type.
            assert_eq!(gomap_insert_u64(other, h, 1, vp), GOMAP_ERR_INVALID_ARG);
            assert!(last_error().contains("engine"));
            assert_eq!(
                gomap_access_u64(other, h, 1, &mut e, &mut found),
                GOMAP_ERR_INVALID_ARG
            );
            assert_eq!(gomap_delete_u64(other, h, 1), GOMAP_ERR_INVALID_ARG);
            assert_eq!(gomap_len(h), 0);
            assert_eq!(gomap_insert_u64(t, h, 1, vp), GOMAP_OK);
            assert_eq!(gomap_access_u64(t, h, 1, &mut e, ptr::null_mut()), GOMAP_OK);
            assert_eq!(*e.cast::<i64>(), 9);
            assert_eq!(gomap_free(t, h), GOMAP_OK);
        }
        for t in [st, ct] {
            let mut h = ptr::null_mut();
            assert_eq!(gomap_make(t, 0, &mut h), GOMAP_OK);
            let (mut e, mut found) = (ptr::null_mut(), false);
            // A string key of non-zero length needs its bytes.
            assert_eq!(
                gomap_insert_str(t, h, ptr::null(), 3, vp),
                GOMAP_ERR_INVALID_ARG
            );
            assert_eq!(
                gomap_access_str(t, h, ptr::null(), 3, &mut e, &mut found),
                GOMAP_ERR_INVALID_ARG
            );
            assert_eq!(
                gomap_delete_str(t, h, ptr::null(), 3),
                GOMAP_ERR_INVALID_ARG
            );
            // The empty string, with or without a pointer, is one key.
            assert_eq!(gomap_insert_str(t, h, ptr::null(), 0, vp), GOMAP_OK);
            assert_eq!(
                gomap_access_str(t, h, c"xyz".as_ptr().cast(), 0, &mut e, &mut found),
                GOMAP_OK
            );
            assert!(found && *e.cast::<i64>() == 9);
            let empty = gomap_string {
                ptr: c"".as_ptr().cast(),
                len: 0,
            };
            assert_eq!(
                gomap_access(
                    t,
                    h,
                    (&empty as *const gomap_string).cast(),
                    &mut e,
                    &mut found
                ),
                GOMAP_OK
            );
            assert!(found);
            // A key found by another copy of its bytes.
            let k1 = b"hello".to_vec();
            let k2 = b"hello".to_vec();
            assert_eq!(gomap_insert_str(t, h, k1.as_ptr().cast(), 5, vp), GOMAP_OK);
            assert_eq!(
                gomap_access_str(t, h, k2.as_ptr().cast(), 5, &mut e, &mut found),
                GOMAP_OK
            );
            assert!(found);
            assert_eq!(gomap_len(h), 2);
            assert_eq!(gomap_delete_str(t, h, k2.as_ptr().cast(), 5), GOMAP_OK);
            assert_eq!(gomap_delete_str(t, h, ptr::null(), 0), GOMAP_OK);
            assert_eq!(gomap_len(h), 0);
            check(t, h);
            assert_eq!(gomap_free(t, h), GOMAP_OK);
        }
        for t in [s, c, st, ct] {
            gomap_maptype_free(t);
        }
    }
}

thread_local! {
    /// The map the allocator reaches back into (while armed), the codes of its calls,
    /// and the allocations left before one fails (-1: none fails).
    static REENTER: Cell<(*mut gomap_maptype, *mut gomap_map, bool)> =
        const { Cell::new((ptr::null_mut(), ptr::null_mut(), false)) };
    static CODES: std::cell::RefCell<Vec<(c_int, String)>> = const { std::cell::RefCell::new(Vec::new()) };
    static FAIL_AFTER: Cell<i64> = const { Cell::new(-1) };
}

unsafe extern "C-unwind" fn alloc(size: usize, align: usize, _ctx: *mut c_void) -> *mut c_void {
    let (t, h, armed) = REENTER.with(Cell::get);
    if armed {
        REENTER.with(|c| c.set((t, h, false)));
        let v = 1i64;
        let mut e = ptr::null_mut();
        let mut found = false;
        let log = |c: c_int| CODES.with(|v| v.borrow_mut().push((c, last_error())));
        // SAFETY: a live map of `t`, inside a write to it: each call is refused.
        unsafe {
            log(gomap_insert_u64(t, h, 123_456, (&v as *const i64).cast()));
            log(gomap_assign_u64(t, h, 7, &mut e));
            log(gomap_delete_u64(t, h, 7));
            log(gomap_access_u64(t, h, 7, &mut e, &mut found));
        }
        REENTER.with(|c| c.set((t, h, true)));
    }
    let f = FAIL_AFTER.with(Cell::get);
    if f == 0 {
        return ptr::null_mut();
    }
    if f > 0 {
        FAIL_AFTER.with(|c| c.set(f - 1));
    }
    let l = std::alloc::Layout::from_size_align(size, align).unwrap();
    // SAFETY: a non-zero size (the allocator's contract).
    unsafe { std::alloc::alloc_zeroed(l).cast() }
}

unsafe extern "C-unwind" fn free(p: *mut c_void, size: usize, align: usize, _ctx: *mut c_void) {
    let l = std::alloc::Layout::from_size_align(size, align).unwrap();
    // SAFETY: from `alloc` with this layout.
    unsafe { std::alloc::dealloc(p.cast(), l) }
}

/// A callback (here the allocator, called while the map grows) cannot write or read
/// the map whose write it serves: each typed call fails as the generic ones do, with
/// Go's words. A write that failed half-way (out of memory) leaves the map marked as
/// being written, and the typed entry points then fail as the generic ones do.
#[test]
fn reentry_and_a_write_left_half_done() {
    let a = gomap_allocator {
        alloc_zeroed: Some(alloc),
        free: Some(free),
        ctx: ptr::null_mut(),
    };
    for r in RELEASES {
        let t = go_type(GOMAP_KIND_INT64, GOMAP_KIND_INT64, 0, r, &a);
        let mut h = ptr::null_mut();
        // SAFETY: a live type and map, int64 keys and elems; freed once at the end.
        unsafe {
            assert_eq!(gomap_make(t, 0, &mut h), GOMAP_OK);
            REENTER.with(|c| c.set((t, h, true)));
            for k in 0..100u64 {
                assert_eq!(
                    gomap_insert_u64(t, h, k, (&k as *const u64).cast()),
                    GOMAP_OK
                );
            }
            REENTER.with(|c| c.set((t, h, false)));
            let codes = CODES.with(|c| c.take());
            assert!(
                codes.len() >= 4,
                "{r:?}: the allocator was called during growth"
            );
            for (i, (c, msg)) in codes.iter().enumerate() {
                if i % 4 == 3 {
                    assert_eq!(*c, GOMAP_ERR_CONCURRENT_READ_WRITE, "{msg}");
                    assert_eq!(msg, "concurrent map read and map write");
                } else {
                    assert_eq!(*c, GOMAP_ERR_CONCURRENT_WRITES, "{msg}");
                    assert_eq!(msg, "concurrent map writes");
                }
            }
            assert_eq!(gomap_len(h), 100);
            check(t, h);

            // Out of memory half-way through a write.
            FAIL_AFTER.with(|c| c.set(0));
            let mut k = 100u64;
            let c = loop {
                let c = gomap_insert_u64(t, h, k, (&k as *const u64).cast());
                if c != GOMAP_OK {
                    break c;
                }
                k += 1;
            };
            FAIL_AFTER.with(|c| c.set(-1));
            assert_eq!(c, GOMAP_ERR_OUT_OF_MEMORY, "{r:?}: {}", last_error());
            let (mut e, mut found) = (ptr::null_mut(), false);
            assert_eq!(
                gomap_insert_u64(t, h, 1, (&k as *const u64).cast()),
                GOMAP_ERR_CONCURRENT_WRITES
            );
            assert_eq!(
                gomap_assign_u64(t, h, 1, &mut e),
                GOMAP_ERR_CONCURRENT_WRITES
            );
            assert_eq!(gomap_delete_u64(t, h, 1), GOMAP_ERR_CONCURRENT_WRITES);
            assert_eq!(
                gomap_access_u64(t, h, 1, &mut e, &mut found),
                GOMAP_ERR_CONCURRENT_READ_WRITE
            );
            assert_eq!(
                gomap_access_u64(t, h, 1, &mut e, ptr::null_mut()),
                GOMAP_ERR_CONCURRENT_READ_WRITE
            );
            assert_eq!(gomap_free(t, h), GOMAP_OK);
            gomap_maptype_free(t);
        }
    }
}
