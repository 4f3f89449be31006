//! The C ABI on Swiss maps (`gomap_maptype_with_release` with "1.24" ... "1.27",
//! "1.27-mapsplitgroup"), from
//! Rust: every map and iterator entry point on 10^4 int64 and string keys, the dump
//! against the same map built through `gomap::swiss` with the same ChaCha8 seed, writes
//! during iteration, nil maps, maps and types of different engines, and the releases
//! refused. (Re-entry from callbacks: `tests/ffi_reentry.rs`; the caller's allocator:
//! `tests/c/ffi_swiss_test.c`.)

use std::ffi::{c_void, CStr};
use std::ptr;

use gomap::ffi::*;
use gomap::maptype::{GoKind, GoString, MapType};
use gomap::swiss::{self, runtime as sr, SwissMapType, SwissRelease};

const N: i64 = 10_000;
const SEED: [u64; 4] = [0x0123_4567_89ab_cdef, 2, 3, 0xfeed];

fn last_error() -> String {
    // SAFETY: gomap_last_error returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(gomap_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Takes a string from `gomap_dump` or `gomap_check` (NULL: none).
fn take(s: *mut std::ffi::c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string from gomap, freed once here.
    unsafe {
        let r = CStr::from_ptr(s).to_string_lossy().into_owned();
        gomap_string_free(s);
        Some(r)
    }
}

/// `map[K]int64` of Go's kind `key_kind` for `release`, and its release-less original.
fn go_type(key_kind: u8, release: &CStr, alloc: *const gomap_allocator) -> *mut gomap_maptype {
    let mut base = ptr::null_mut();
    // SAFETY: a writable out pointer; `alloc` NULL or readable.
    let c = unsafe { gomap_maptype_go(key_kind, 0, GOMAP_KIND_INT64, 0, alloc, &mut base) };
    assert_eq!(c, GOMAP_OK, "{}", last_error());
    let mut t = ptr::null_mut();
    // SAFETY: a live type, a NUL-terminated name, a writable out pointer.
    let c = unsafe { gomap_maptype_with_release(base, release.as_ptr(), &mut t) };
    assert_eq!(c, GOMAP_OK, "{}", last_error());
    // SAFETY: made above; the copy does not depend on it.
    unsafe { gomap_maptype_free(base) };
    t
}

/// What the scenario does with a key of index `i`.
trait Keys {
    /// The key of index `i` (its bytes stay valid while `self` lives).
    fn key(&self, i: i64) -> *const c_void;
}

struct IntKeys(Vec<i64>);
impl Keys for IntKeys {
    fn key(&self, i: i64) -> *const c_void {
        (&self.0[i as usize] as *const i64).cast()
    }
}

struct StrKeys(#[allow(dead_code)] Vec<String>, Vec<GoString>);
impl StrKeys {
    fn new() -> StrKeys {
        let s: Vec<String> = (0..N).map(|i| format!("key-{i}-{}", i * 7919)).collect();
        let g = s
            .iter()
            .map(|s| GoString::from_bytes(s.as_bytes()))
            .collect();
        StrKeys(s, g)
    }
}
impl Keys for StrKeys {
    fn key(&self, i: i64) -> *const c_void {
        (&self.1[i as usize] as *const GoString).cast()
    }
}

/// The dump, through the C ABI.
fn dump(t: *const gomap_maptype, h: *const gomap_map) -> String {
    // SAFETY: a live map of `t`.
    take(unsafe { gomap_dump(t, h) }).unwrap_or_else(|| panic!("dump: {}", last_error()))
}

/// Counts the entries of an iteration, checking each elem against its key's index
/// (the elem of key `i` is `2 * i`, found by looking the key up).
fn iterate_count(t: *const gomap_maptype, h: *mut gomap_map) -> usize {
    let mut it = ptr::null_mut();
    let mut n = 0;
    // SAFETY: a live map of `t`; the iterator is freed before the map.
    unsafe {
        assert_eq!(gomap_iter_init(t, h, &mut it), GOMAP_OK);
        while !gomap_iter_key(it).is_null() {
            let (mut e, mut found) = (ptr::null_mut(), false);
            let c = gomap_access(t, h, gomap_iter_key(it), &mut e, &mut found);
            assert!(c == GOMAP_OK && found);
            assert_eq!(e, gomap_iter_elem(it));
            n += 1;
            assert_eq!(gomap_iter_next(it), GOMAP_OK);
        }
        gomap_iter_free(it);
    }
    n
}

/// The scenario on one Swiss release and key kind, through the C ABI and, for the dumps,
/// again through `gomap::swiss` with the same seed.
fn scenario(release: &CStr, key_kind: u8, go_key: GoKind, keys: &dyn Keys) {
    let t = go_type(key_kind, release, ptr::null());
    let r = SwissRelease::parse(release.to_str().unwrap()).unwrap();
    let st = SwissMapType::new(&MapType::for_go_types(go_key, GoKind::Int64).unwrap(), r);

    // SAFETY: four readable words.
    let c = unsafe { gomap_seed_thread_chacha8(SEED.as_ptr()) };
    assert_eq!(c, GOMAP_OK);
    let mut h = ptr::null_mut();
    // SAFETY: a live type, a writable out pointer.
    assert_eq!(unsafe { gomap_make(t, 0, &mut h) }, GOMAP_OK);
    // SAFETY: a live map.
    assert!(!unsafe { gomap_growing(h) });
    for i in 0..N {
        let v = 2 * i;
        // SAFETY: a live map of `t`; a key and an int64 elem.
        let c = unsafe { gomap_insert(t, h, keys.key(i), (&v as *const i64).cast()) };
        assert_eq!(c, GOMAP_OK, "{}", last_error());
    }
    // SAFETY: a live map.
    assert_eq!(unsafe { gomap_len(h) }, N as usize);
    for i in 0..N {
        let (mut e, mut found) = (ptr::null_mut(), false);
        // SAFETY: as above; writable outs.
        let c = unsafe { gomap_access(t, h, keys.key(i), &mut e, &mut found) };
        assert!(c == GOMAP_OK && found, "key {i}");
        // SAFETY: the entry's int64 elem.
        assert_eq!(unsafe { *e.cast::<i64>() }, 2 * i);
    }
    // gomap_assign overwrites in place; gomap_access_key returns the stored key.
    let (mut e, mut k) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: as above.
    unsafe {
        assert_eq!(gomap_assign(t, h, keys.key(5), &mut e), GOMAP_OK);
        assert_eq!(*e.cast::<i64>(), 10);
        let mut e2 = ptr::null_mut();
        assert_eq!(
            gomap_access_key(t, h, keys.key(5), &mut k, &mut e2),
            GOMAP_OK
        );
        assert_eq!(e, e2);
        assert!(!k.is_null());
    }
    for i in (0..N).filter(|i| i % 3 == 0) {
        // SAFETY: as above.
        assert_eq!(unsafe { gomap_delete(t, h, keys.key(i)) }, GOMAP_OK);
    }
    let left = (0..N).filter(|i| i % 3 != 0).count();
    // SAFETY: a live map.
    assert_eq!(unsafe { gomap_len(h) }, left);
    for i in (0..N).step_by(7) {
        let (mut e, mut found) = (ptr::null_mut(), true);
        // SAFETY: as above.
        let c = unsafe { gomap_access(t, h, keys.key(i), &mut e, &mut found) };
        assert!(c == GOMAP_OK && found == (i % 3 != 0));
    }
    // SAFETY: a live map of `t`.
    assert_eq!(take(unsafe { gomap_check(t, h) }), None);
    let d = dump(t, h);
    assert!(d.starts_with("map used="), "{}", &d[..80.min(d.len())]);

    // The same map through the Rust API, from the same seed.
    // SAFETY: four readable words.
    let c = unsafe { gomap_seed_thread_chacha8(SEED.as_ptr()) };
    assert_eq!(c, GOMAP_OK);
    let m = Box::into_raw(sr::makemap(&st, 0));
    // SAFETY: a live map of `st`, keys of its key type, int64 elems.
    unsafe {
        for i in 0..N {
            *sr::mapassign_compiled(&st, m, keys.key(i).cast()).cast::<i64>() = 2 * i;
        }
        sr::mapassign_compiled(&st, m, keys.key(5).cast());
        for i in (0..N).filter(|i| i % 3 == 0) {
            sr::mapdelete(&st, m, keys.key(i).cast());
        }
        assert_eq!(swiss::dump(&st, &*m), d, "release {release:?}");
    }

    // Iterate (two draws) and clear (a draw) on each side from the same seed, and
    // compare again.
    // SAFETY: four readable words; live maps, no iterator.
    unsafe {
        assert_eq!(gomap_seed_thread_chacha8(SEED.as_ptr()), GOMAP_OK);
        assert_eq!(iterate_count(t, h), left);
        assert_eq!(gomap_clear(t, h), GOMAP_OK);
        assert_eq!(gomap_len(h), 0);
        assert_eq!(gomap_seed_thread_chacha8(SEED.as_ptr()), GOMAP_OK);
    }
    let mut n = 0;
    // SAFETY: a live map of `st`; the iterator ends before the map is cleared.
    unsafe {
        let mut it = swiss::Iter::new();
        sr::mapIterStart(&st, m, &mut it);
        while !it.Key().is_null() {
            n += 1;
            sr::mapIterNext(&mut it);
        }
    }
    assert_eq!(n, left);
    // SAFETY: live maps, no iterator.
    unsafe {
        sr::mapclear(&st, m);
        assert_eq!(dump(t, h), swiss::dump(&st, &*m));
        swiss::mapfree(&st, Box::from_raw(m));
    }
    // SAFETY: a live map of `t`.
    assert_eq!(take(unsafe { gomap_check(t, h) }), None);
    assert_eq!(iterate_count(t, h), 0);
    // SAFETY: made above, freed once, the map first.
    unsafe {
        assert_eq!(gomap_free(t, h), GOMAP_OK);
        gomap_maptype_free(t);
    }
}

#[test]
fn int64_keys_on_1_27_and_1_24() {
    let keys = IntKeys((0..N).map(|i| i.wrapping_mul(0x9e37_79b9)).collect());
    for r in [c"1.27", c"1.24", c"1.27-mapsplitgroup"] {
        scenario(r, GOMAP_KIND_INT64, GoKind::Int64, &keys);
    }
}

#[test]
fn string_keys_on_1_27_and_1_24() {
    let keys = StrKeys::new();
    for r in [c"1.27", c"1.24", c"1.27-mapsplitgroup"] {
        scenario(r, GOMAP_KIND_STRING, GoKind::String, &keys);
    }
}

/// Every Swiss release (and the "go" and patch spellings) is taken; other names are
/// refused with `GOMAP_ERR_INVALID_ARG` and leave `*out` alone.
#[test]
fn releases_taken_and_refused() {
    let mut base = ptr::null_mut();
    // SAFETY: a writable out pointer.
    let c = unsafe {
        gomap_maptype_go(
            GOMAP_KIND_INT64,
            0,
            GOMAP_KIND_INT64,
            0,
            ptr::null(),
            &mut base,
        )
    };
    assert_eq!(c, GOMAP_OK);
    for name in [
        c"1.24",
        c"1.25",
        c"1.26",
        c"1.27",
        c"go1.27",
        c"1.25.3",
        c"1.21",
        c"1.27-mapsplitgroup",
        c"go1.27.3-mapsplitgroup",
    ] {
        let mut t = ptr::null_mut();
        // SAFETY: a live type, a NUL-terminated name, a writable out pointer.
        let c = unsafe { gomap_maptype_with_release(base, name.as_ptr(), &mut t) };
        assert_eq!(c, GOMAP_OK, "{name:?}: {}", last_error());
        // SAFETY: made above.
        unsafe { gomap_maptype_free(t) };
    }
    for name in [
        c"1.28",
        c"1.20",
        c"2.0",
        c"1.27-noswissmap",
        c"1.26-mapsplitgroup",
        c"1.27-splitgroup",
        c"swiss",
        c"",
    ] {
        let mut t = ptr::null_mut();
        // SAFETY: as above.
        let c = unsafe { gomap_maptype_with_release(base, name.as_ptr(), &mut t) };
        assert_eq!(c, GOMAP_ERR_INVALID_ARG, "{name:?}");
        assert!(t.is_null());
        assert!(!last_error().is_empty());
    }
    // SAFETY: made above.
    unsafe { gomap_maptype_free(base) };
}

/// A Swiss map with a classic map type (and the reverse) is refused; the layout of a
/// Swiss map type is its group's; NULL maps behave as nil maps.
#[test]
fn engines_do_not_mix_and_nil_maps() {
    let s = go_type(GOMAP_KIND_INT64, c"1.27", ptr::null());
    let c = go_type(GOMAP_KIND_INT64, c"1.23", ptr::null());
    let (mut hs, mut hc) = (ptr::null_mut(), ptr::null_mut());
    let k = 1i64;
    let kp = (&k as *const i64).cast::<c_void>();
    // SAFETY: live types and maps; int64 keys and elems; freed once at the end.
    unsafe {
        assert_eq!(gomap_make(s, 100, &mut hs), GOMAP_OK);
        assert_eq!(gomap_make(c, 100, &mut hc), GOMAP_OK);
        assert_eq!(gomap_insert(s, hc, kp, kp), GOMAP_ERR_INVALID_ARG);
        assert_eq!(gomap_insert(c, hs, kp, kp), GOMAP_ERR_INVALID_ARG);
        assert!(last_error().contains("engine"));
        assert_eq!(gomap_len(hs), 0);
        assert_eq!(gomap_insert(s, hs, kp, kp), GOMAP_OK);
        assert_eq!(gomap_len(hs), 1);
        let mut l = gomap_layout {
            keysize: 0,
            elemsize: 0,
            bucketsize: 0,
            flags: 0,
        };
        assert_eq!(gomap_maptype_layout(s, &mut l), GOMAP_OK);
        assert_eq!((l.keysize, l.elemsize, l.bucketsize), (8, 8, 136));
        // map[int32]int64: 8 slots of 16 bytes interleaved; 8 keys of 4 bytes, then 8
        // elems of 8 bytes when split.
        for (r, group) in [(c"1.27", 136), (c"1.27-mapsplitgroup", 104)] {
            let t = go_type(GOMAP_KIND_INT32, r, ptr::null());
            assert_eq!(gomap_maptype_layout(t, &mut l), GOMAP_OK);
            assert_eq!(
                (l.keysize, l.elemsize, l.bucketsize),
                (4, 8, group),
                "{r:?}"
            );
            gomap_maptype_free(t);
        }
        // The nil Swiss map.
        let (mut e, mut found) = (ptr::null_mut(), true);
        assert_eq!(
            gomap_access(s, ptr::null(), kp, &mut e, &mut found),
            GOMAP_OK
        );
        assert!(!found && !e.is_null());
        assert_eq!(gomap_insert(s, ptr::null_mut(), kp, kp), GOMAP_ERR_NIL_MAP);
        assert_eq!(gomap_delete(s, ptr::null_mut(), kp), GOMAP_OK);
        assert_eq!(gomap_clear(s, ptr::null_mut()), GOMAP_OK);
        assert!(gomap_check(s, ptr::null()).is_null());
        let mut it = ptr::null_mut();
        assert_eq!(gomap_iter_init(s, ptr::null_mut(), &mut it), GOMAP_OK);
        assert!(gomap_iter_key(it).is_null());
        gomap_iter_free(it);
        assert_eq!(gomap_free(s, ptr::null_mut()), GOMAP_OK);
        assert_eq!(gomap_free(s, hs), GOMAP_OK);
        assert_eq!(gomap_free(c, hc), GOMAP_OK);
        gomap_maptype_free(s);
        gomap_maptype_free(c);
    }
}

/// Go's iteration guarantees under writes: keys deleted before they are reached are not
/// produced, every other original key is produced exactly once, keys added during the
/// iteration (enough to grow and split tables) at most once.
#[test]
fn writes_during_iteration() {
    for r in [c"1.24", c"1.27", c"1.27-mapsplitgroup"] {
        let t = go_type(GOMAP_KIND_INT64, r, ptr::null());
        let mut h = ptr::null_mut();
        const M: i64 = 2000;
        // SAFETY: live type and map, int64 keys and elems; the iterator is freed before
        // the map.
        unsafe {
            assert_eq!(gomap_make(t, 0, &mut h), GOMAP_OK);
            for k in 0..M {
                assert_eq!(
                    gomap_insert(t, h, (&k as *const i64).cast(), (&k as *const i64).cast()),
                    GOMAP_OK
                );
            }
            let mut seen = vec![0u8; 3 * M as usize];
            let mut deleted = vec![false; M as usize];
            let mut it = ptr::null_mut();
            assert_eq!(gomap_iter_init(t, h, &mut it), GOMAP_OK);
            let mut step = 0i64;
            while !gomap_iter_key(it).is_null() {
                let k = *gomap_iter_key(it).cast::<i64>();
                assert_eq!(*gomap_iter_elem(it).cast::<i64>(), k);
                seen[k as usize] += 1;
                assert!(k >= M || !deleted[k as usize], "deleted key {k} produced");
                // Delete a key not seen yet, add a new one.
                let d = (k * 7 + 3) % M;
                if seen[d as usize] == 0 && !deleted[d as usize] {
                    assert_eq!(gomap_delete(t, h, (&d as *const i64).cast()), GOMAP_OK);
                    deleted[d as usize] = true;
                }
                let n = M + step;
                if n < 3 * M {
                    assert_eq!(
                        gomap_insert(t, h, (&n as *const i64).cast(), (&n as *const i64).cast()),
                        GOMAP_OK
                    );
                }
                step += 1;
                assert_eq!(gomap_iter_next(it), GOMAP_OK);
            }
            gomap_iter_free(it);
            for k in 0..M as usize {
                assert_eq!(seen[k], u8::from(!deleted[k]), "key {k}");
            }
            assert!(seen.iter().all(|&s| s <= 1));
            assert!(take(gomap_check(t, h)).is_none());
            // An unfinished iterator, freed early, after the map grew under it.
            assert_eq!(gomap_iter_init(t, h, &mut it), GOMAP_OK);
            for k in 3 * M..5 * M {
                assert_eq!(
                    gomap_insert(t, h, (&k as *const i64).cast(), (&k as *const i64).cast()),
                    GOMAP_OK
                );
            }
            assert_eq!(gomap_iter_next(it), GOMAP_OK);
            gomap_iter_free(it);
            assert_eq!(gomap_free(t, h), GOMAP_OK);
            gomap_maptype_free(t);
        }
    }
}
