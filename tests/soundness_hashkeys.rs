//! The process-wide hash keys changed under a live `GoMap` (which only `unsafe` code can
//! do): removing an entry then fails loudly instead of owning it twice. A test binary of
//! its own, since changing the keys under other tests' maps would break them.

use std::panic::{catch_unwind, AssertUnwindSafe};

use gomap::maptype::alg;
use gomap::typed::GoMap;

/// `retain` after the keys changed: `mapdelete` no longer finds the entries, and the
/// wrapper must not drop a value or free a key the map still holds (it used to, and then
/// freed both again at drop).
#[test]
fn remove_after_hash_key_change_does_not_free_twice() {
    let mut m: GoMap<String, Vec<u8>> = GoMap::new();
    for i in 0..64 {
        m.insert(format!("key {i}"), vec![i as u8; 3]);
    }
    let saved = alg::hash_keys();
    let mut other = saved;
    other.hashkey = other.hashkey.map(|w| w.wrapping_mul(3) | 1);
    other.aeskeysched.iter_mut().for_each(|b| *b ^= 0x5a);
    // SAFETY: the contract is broken on purpose, under a map this test alone uses; the
    // keys are restored before anything else hashes.
    assert!(unsafe { alg::set_hash_keys(other) });
    let r = catch_unwind(AssertUnwindSafe(|| m.retain(|_, _| false)));
    let r2 = catch_unwind(AssertUnwindSafe(|| m.remove("key 1")));
    // SAFETY: as above: back to the keys the entries were stored under.
    assert!(unsafe { alg::set_hash_keys(saved) });
    assert!(r.is_err(), "a delete that misses must not pass silently");
    // `remove` looks the key up first: with other keys it is simply not found.
    assert!(matches!(r2, Ok(None)));
    assert_eq!(m.len(), 64);
    m.check().unwrap();
    assert_eq!(m.get("key 5"), Some(&vec![5u8; 3]));
    m.retain(|_, _| false);
    assert!(m.is_empty());
}
