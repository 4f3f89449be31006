//! `gomap_maptype_with_release` from Rust: a copy of a map type for another Go release,
//! whose maps follow that release (go1.21 sizes `make(map, 100)` with B = 5, not 4).

use core::ffi::c_int;
use gomap::ffi::*;

fn b_of_hint_100(t: *const gomap_maptype) -> u8 {
    let mut h: *mut gomap_map = core::ptr::null_mut();
    // SAFETY: a live map type and a writable out pointer.
    assert_eq!(unsafe { gomap_make(t, 100, &mut h) }, GOMAP_OK);
    // SAFETY: `gomap_map` is the map header; live until freed below.
    let b = unsafe { (*h).B };
    // SAFETY: made above from `t`.
    assert_eq!(unsafe { gomap_free(t, h) }, GOMAP_OK);
    b
}

#[test]
fn maptype_with_release_makes_maps_of_that_release() {
    let mut t: *mut gomap_maptype = core::ptr::null_mut();
    // SAFETY: out pointer writable; NULL allocator means the system one.
    let rc: c_int = unsafe {
        gomap_maptype_go(
            GOMAP_KIND_INT64,
            0,
            GOMAP_KIND_INT64,
            0,
            core::ptr::null(),
            &mut t,
        )
    };
    assert_eq!(rc, GOMAP_OK);
    let mut t21: *mut gomap_maptype = core::ptr::null_mut();
    // SAFETY: live type, NUL-terminated name, writable out pointer.
    let rc = unsafe { gomap_maptype_with_release(t, c"1.21".as_ptr(), &mut t21) };
    assert_eq!(rc, GOMAP_OK);
    assert_eq!(b_of_hint_100(t), 4);
    assert_eq!(b_of_hint_100(t21), 5);
    let mut bad: *mut gomap_maptype = core::ptr::null_mut();
    // SAFETY: as above.
    let rc = unsafe { gomap_maptype_with_release(t, c"1.20".as_ptr(), &mut bad) };
    assert_eq!(rc, GOMAP_ERR_INVALID_ARG);
    assert!(bad.is_null());
    // SAFETY: made above, no map left.
    unsafe {
        gomap_maptype_free(t21);
        gomap_maptype_free(t);
    }
}
