//! Re-entry through callbacks in the C ABI: a hasher or `equal` that writes (or frees) the
//! map whose call it serves fails with Go's words and changes nothing, instead of
//! freeing the buckets the running call reads. And the codes of the runtime's own panics:
//! an `equal` callback that calls the Rust runtime directly (past the C layer's re-entry
//! check, as another thread could) while the map is marked as being written makes the
//! runtime raise its failure, which comes out of the C entry point as its code, with Go's
//! words in `gomap_last_error`.

use std::cell::{Cell, RefCell};
use std::ffi::{c_void, CStr};
use std::ptr;

use gomap::ffi::*;
use gomap::runtime::{self, Hiter};

thread_local! {
    /// The map the callbacks reach back into, and whether they should.
    static TARGET: Cell<(*mut gomap_map, bool)> = const { Cell::new((ptr::null_mut(), false)) };
    /// The codes the re-entering calls returned, with their messages.
    static CODES: RefCell<Vec<(i32, String)>> = const { RefCell::new(Vec::new()) };
    /// The map type.
    static TYPE: Cell<*mut gomap_maptype> = const { Cell::new(ptr::null_mut()) };
    /// What the next `equal` call runs before comparing (the runtime-panic test).
    static INNER: Cell<Option<(Inner, *mut gomap_maptype, *mut gomap_map)>> = const { Cell::new(None) };
}

fn last_error() -> String {
    // SAFETY: gomap_last_error returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(gomap_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Writes 200 entries into the target map (enough to grow it several times), then
/// tries to free it, recording every code.
fn reenter() {
    let (h, armed) = TARGET.with(Cell::get);
    if !armed {
        return;
    }
    TARGET.with(|c| c.set((h, false)));
    let t = TYPE.with(Cell::get);
    for k in 1000..1200u64 {
        let v = k;
        // SAFETY: a live map of `t`; key and elem are u64s.
        let c = unsafe { gomap_insert(t, h, (&k as *const u64).cast(), (&v as *const u64).cast()) };
        CODES.with(|v| v.borrow_mut().push((c, last_error())));
    }
    // SAFETY: as above.
    let c = unsafe { gomap_delete(t, h, (&1u64 as *const u64).cast()) };
    CODES.with(|v| v.borrow_mut().push((c, last_error())));
    // SAFETY: as above.
    let c = unsafe { gomap_clear(t, h) };
    CODES.with(|v| v.borrow_mut().push((c, last_error())));
    // SAFETY: as above (refused, so the map stays).
    let c = unsafe { gomap_free(t, h) };
    CODES.with(|v| v.borrow_mut().push((c, last_error())));
    TARGET.with(|c| c.set((h, true)));
}

unsafe extern "C-unwind" fn hash(key: *const c_void, seed: usize, _t: *const gomap_type) -> usize {
    reenter();
    // SAFETY: an 8-byte key (the map type's).
    let k = unsafe { key.cast::<u64>().read_unaligned() };
    (k ^ seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) as usize
}

unsafe extern "C-unwind" fn equal(
    a: *const c_void,
    b: *const c_void,
    _t: *const gomap_type,
) -> bool {
    reenter();
    if let Some((inner, t, h)) = INNER.with(Cell::take) {
        inner(t, h);
    }
    // SAFETY: 8-byte keys.
    unsafe { a.cast::<u64>().read_unaligned() == b.cast::<u64>().read_unaligned() }
}

fn u64_type(eq: bool) -> gomap_type {
    gomap_type {
        size: 8,
        ptrdata: 0,
        align: 8,
        kind: GOMAP_KIND_UINT64,
        equal: if eq { Some(equal) } else { None },
        ctx: ptr::null_mut(),
    }
}

/// A read (`gomap_access`, `gomap_access_key`, an iteration step) whose callbacks try to
/// write, clear and free the same map: every such call fails with
/// "concurrent map read and map write", the read completes, and the map is intact.
#[test]
fn callbacks_cannot_write_the_map_they_serve() {
    callbacks_cannot_write(None);
}

/// The same on Swiss maps: the same codes, in Go's words.
#[test]
fn callbacks_cannot_write_the_swiss_map_they_serve() {
    for r in [c"1.24", c"1.27"] {
        callbacks_cannot_write(Some(r));
    }
}

/// The reads of `callbacks_cannot_write_the_map_they_serve` on a map type of `release`
/// (None: Go 1.19's), then a write whose callbacks try the same: every inner call fails
/// with "concurrent map writes".
fn callbacks_cannot_write(release: Option<&CStr>) {
    let (k, e) = (u64_type(true), u64_type(false));
    let mut t = ptr::null_mut();
    // SAFETY: readable types, a writable out.
    let c = unsafe {
        gomap_maptype_new(
            &k,
            &e,
            Some(hash),
            GOMAP_FLAG_REFLEXIVE_KEY,
            ptr::null(),
            &mut t,
        )
    };
    assert_eq!(c, GOMAP_OK, "{}", last_error());
    if let Some(r) = release {
        let mut s = ptr::null_mut();
        // SAFETY: a live type, a NUL-terminated name, a writable out.
        let c = unsafe { gomap_maptype_with_release(t, r.as_ptr(), &mut s) };
        assert_eq!(c, GOMAP_OK, "{}", last_error());
        // SAFETY: made above; the copy does not depend on it.
        unsafe { gomap_maptype_free(t) };
        t = s;
    }
    TYPE.with(|c| c.set(t));
    let mut h = ptr::null_mut();
    // SAFETY: a live type, a writable out.
    assert_eq!(unsafe { gomap_make(t, 0, &mut h) }, GOMAP_OK);
    for k in 0..20u64 {
        // SAFETY: a live map of `t`; u64 key and elem.
        let c = unsafe { gomap_insert(t, h, (&k as *const u64).cast(), (&k as *const u64).cast()) };
        assert_eq!(c, GOMAP_OK);
    }
    let reads: [&dyn Fn() -> i32; 3] = [
        &|| {
            let (mut el, mut found) = (ptr::null_mut(), false);
            // SAFETY: as above; writable outs.
            let c =
                unsafe { gomap_access(t, h, (&7u64 as *const u64).cast(), &mut el, &mut found) };
            assert!(found);
            // SAFETY: the found elem, a u64 (the map was not written).
            assert_eq!(unsafe { *el.cast::<u64>() }, 7);
            c
        },
        &|| {
            let (mut sk, mut el) = (ptr::null_mut(), ptr::null_mut());
            // SAFETY: as above.
            unsafe { gomap_access_key(t, h, (&9u64 as *const u64).cast(), &mut sk, &mut el) }
        },
        &|| {
            let mut it = ptr::null_mut();
            // SAFETY: a live map; the iterator is freed before the map.
            unsafe {
                let c = gomap_iter_init(t, h, &mut it);
                let mut n = 0;
                while !gomap_iter_key(it).is_null() {
                    n += 1;
                    assert_eq!(gomap_iter_next(it), GOMAP_OK);
                }
                gomap_iter_free(it);
                assert_eq!(n, 20);
                c
            }
        },
    ];
    for (i, read) in reads.iter().enumerate() {
        CODES.with(|v| v.borrow_mut().clear());
        TARGET.with(|c| c.set((h, true)));
        assert_eq!(read(), GOMAP_OK, "read {i}");
        TARGET.with(|c| c.set((h, false)));
        let codes = CODES.with(|v| v.take());
        if i < 2 {
            assert!(!codes.is_empty(), "read {i}: the callbacks ran");
        }
        for (c, msg) in codes {
            assert_eq!(c, GOMAP_ERR_CONCURRENT_READ_WRITE, "read {i}: {msg}");
            assert_eq!(msg, "concurrent map read and map write");
        }
        // SAFETY: a live map.
        assert_eq!(unsafe { gomap_len(h) }, 20, "read {i}");
        // SAFETY: a live map; the message is freed.
        unsafe {
            let m = gomap_check(t, h);
            assert!(m.is_null(), "{:?}", CStr::from_ptr(m));
        }
    }
    // Inside a write (an overwrite, whose hash and equal calls re-enter), every inner
    // call is a concurrent write.
    CODES.with(|v| v.borrow_mut().clear());
    TARGET.with(|c| c.set((h, true)));
    let k = 7u64;
    // SAFETY: as above.
    let c = unsafe { gomap_insert(t, h, (&k as *const u64).cast(), (&k as *const u64).cast()) };
    TARGET.with(|c| c.set((h, false)));
    assert_eq!(c, GOMAP_OK);
    let codes = CODES.with(|v| v.take());
    assert!(!codes.is_empty());
    for (c, msg) in codes {
        assert_eq!(c, GOMAP_ERR_CONCURRENT_WRITES, "{msg}");
        assert_eq!(msg, "concurrent map writes");
    }
    // SAFETY: a live map.
    assert_eq!(unsafe { gomap_len(h) }, 20);
    // Outside callbacks the same writes work.
    let k = 1000u64;
    // SAFETY: as above.
    let c = unsafe { gomap_insert(t, h, (&k as *const u64).cast(), (&k as *const u64).cast()) };
    assert_eq!(c, GOMAP_OK);
    // SAFETY: the map and type are freed once, the map first.
    unsafe {
        assert_eq!(gomap_free(t, h), GOMAP_OK);
        gomap_maptype_free(t);
    }
}

fn error_name(code: i32) -> String {
    // SAFETY: gomap_error_name returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(gomap_error_name(code)) }
        .to_string_lossy()
        .into_owned()
}

/// `map[u64]u64` with the callbacks above.
fn map_type() -> *mut gomap_maptype {
    let (k, e) = (u64_type(true), u64_type(false));
    let mut t = ptr::null_mut();
    // SAFETY: readable types, a writable out pointer; the callbacks keep their contracts.
    let c = unsafe { gomap_maptype_new(&k, &e, Some(hash), 0, ptr::null(), &mut t) };
    assert_eq!(c, GOMAP_OK, "{}", last_error());
    t
}

/// Overwrites key 1 of a fresh map, whose `equal` call runs `inner(t, h)` while the map
/// is marked as being written; returns the code of the overwrite and the last error.
fn overwrite_running(inner: Inner) -> (i32, String) {
    let t = map_type();
    let mut h = ptr::null_mut();
    // SAFETY: a live type and a writable out pointer.
    assert_eq!(unsafe { gomap_make(t, 0, &mut h) }, GOMAP_OK);
    let k = 1u64;
    let kp = (&k as *const u64).cast::<c_void>();
    // SAFETY: a live map of `t`; key and elem are u64s.
    assert_eq!(unsafe { gomap_insert(t, h, kp, kp) }, GOMAP_OK);
    INNER.with(|i| i.set(Some((inner, t, h))));
    // SAFETY: as above.
    let c = unsafe { gomap_insert(t, h, kp, kp) };
    let msg = last_error();
    INNER.with(|i| i.set(None));
    // SAFETY: made above; a map left marked as being written can still be freed.
    unsafe {
        assert_eq!(gomap_free(t, h), GOMAP_OK);
        gomap_maptype_free(t);
    }
    (c, msg)
}

/// The key every inner call uses.
const KEY: u64 = 1;

/// The runtime calls the `equal` callback makes, on the type and map of the running call.
type Inner = fn(*mut gomap_maptype, *mut gomap_map);

fn write_nil_map(t: *mut gomap_maptype, _h: *mut gomap_map) {
    // SAFETY: a live type; a nil map and a u64 key.
    unsafe { runtime::mapassign(&*t, ptr::null_mut(), (&KEY as *const u64).cast()) };
}

fn write_during_write(t: *mut gomap_maptype, h: *mut gomap_map) {
    // SAFETY: the live type and map of the running call; the runtime raises its panic
    // before touching the buckets.
    unsafe { runtime::mapassign(&*t, h, (&KEY as *const u64).cast()) };
}

fn read_during_write(t: *mut gomap_maptype, h: *mut gomap_map) {
    // SAFETY: as in write_during_write.
    unsafe { runtime::mapaccess2(&*t, h, (&KEY as *const u64).cast()) };
}

fn iterate_during_write(t: *mut gomap_maptype, h: *mut gomap_map) {
    let mut it = Box::new(Hiter::new());
    // SAFETY: as in write_during_write; the boxed iterator does not move, and its first
    // step (inside mapiterinit) is what fails.
    unsafe { runtime::mapiterinit(&*t, h, &mut it) };
}

fn callback_panics(_t: *mut gomap_maptype, _h: *mut gomap_map) {
    panic!("concurrent map writes")
}

#[test]
fn runtime_panics_come_out_as_their_codes() {
    let cases: [(Inner, i32, &str); 5] = [
        (
            write_nil_map,
            GOMAP_ERR_NIL_MAP,
            "assignment to entry in nil map",
        ),
        (
            write_during_write,
            GOMAP_ERR_CONCURRENT_WRITES,
            "concurrent map writes",
        ),
        (
            read_during_write,
            GOMAP_ERR_CONCURRENT_READ_WRITE,
            "concurrent map read and map write",
        ),
        (
            iterate_during_write,
            GOMAP_ERR_CONCURRENT_READ_WRITE,
            "concurrent map iteration and map write",
        ),
        // A callback's own panic is not the runtime's, whatever its words.
        (callback_panics, GOMAP_ERR_PANIC, "concurrent map writes"),
    ];
    for (inner, code, words) in cases {
        let (c, msg) = overwrite_running(inner);
        assert_eq!(
            (error_name(c).as_str(), msg.as_str()),
            (error_name(code).as_str(), words)
        );
    }
}
