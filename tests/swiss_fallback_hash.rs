//! The Swiss fast paths hash as the map type's own hasher does, with Go's AES hash and
//! with the portable fallback (no AES), whose Go 1.23+ version every Swiss release uses
//! (keyed by all of `hashkey`). A fast path that called Go 1.19's fallback put keys under
//! the wrong control bytes: `check` reported "control 0x5e, key's h2 0x34".
//!
//! One test in its own binary: it switches the process-wide hash keys and AES off.

use gomap::export_test::swiss::check::check;
use gomap::export_test::swiss::map::mapfree;
use gomap::maptype::{alg, GoKind, GoString, MapType};
use gomap::swiss::runtime::{makemap, mapaccess2_compiled, mapassign_compiled, mapdelete};
use gomap::swiss::{SwissMapType, SwissRelease};

/// Inserts, looks up and deletes through the entry points Go's compiler picks, with
/// `check` after each phase.
fn exercise(k: GoKind, r: SwissRelease) {
    let t = SwissMapType::new(&MapType::for_go_types(k, GoKind::Int64).unwrap(), r);
    let mut m = makemap(&t, 0);
    let strings: Vec<String> = (0..3000).map(|i| format!("key-{i}")).collect();
    // The key image of entry i for the kind.
    let key = |i: usize| -> [u8; 16] {
        let mut b = [0u8; 16];
        match k {
            GoKind::Uint32 => b[..4].copy_from_slice(&(i as u32).to_le_bytes()),
            GoKind::Uint64 => b[..8].copy_from_slice(&(i as u64).to_le_bytes()),
            GoKind::String => {
                let s = GoString::from_bytes(strings[i].as_bytes());
                // SAFETY: a GoString is 16 bytes.
                b = unsafe { core::mem::transmute::<GoString, [u8; 16]>(s) };
            }
            _ => unreachable!(),
        }
        b
    };
    // SAFETY: `m` is a live map of `t`; every key image is a readable key of its type whose
    // string bytes (in `strings`) outlive the map; the map is freed once, last.
    unsafe {
        for i in 0..3000 {
            *mapassign_compiled(&t, &mut *m, key(i).as_ptr()).cast::<i64>() = i as i64;
        }
        check(&t, &m).unwrap_or_else(|e| panic!("{k:?} {r:?} after inserts: {e}"));
        for i in 0..3000 {
            let (e, ok) = mapaccess2_compiled(&t, &*m, key(i).as_ptr());
            assert!(
                ok && *e.cast::<i64>() == i as i64,
                "{k:?} {r:?}: key {i} lost"
            );
        }
        for i in (0..3000).step_by(3) {
            mapdelete(&t, &mut *m, key(i).as_ptr());
        }
        check(&t, &m).unwrap_or_else(|e| panic!("{k:?} {r:?} after deletes: {e}"));
        assert_eq!(m.Used(), 2000);
        mapfree(&t, m);
    }
}

#[test]
fn swiss_fast_paths_hash_as_the_type_with_and_without_aes() {
    let releases = SwissRelease::ALL;
    let kinds = [GoKind::Uint32, GoKind::Uint64, GoKind::String];
    for aes in [true, false] {
        // SAFETY: no map exists while the hash settings change (each is made and dropped
        // inside `exercise`), and this binary runs no other test.
        unsafe {
            alg::set_use_aeshash(aes);
            // Odd words that differ, so a hash reading the wrong one is caught.
            alg::set_hashkey([
                0x9e37_79b9_7f4a_7c15,
                0xbf58_476d_1ce4_e5b9,
                0x94d0_49bb_1331_11eb,
                0x2545_f491_4f6c_dd1d,
            ]);
        }
        for r in releases {
            for k in kinds {
                exercise(k, r);
            }
        }
    }
}
