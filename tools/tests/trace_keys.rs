//! The trace language against the safe map: a trace may not change the hash keys
//! under live `GoMap`s.

use gomap::typed::GoMap;

/// A trace's `aeskey` line changes the process-wide hash keys, and `trace::replay` is
/// safe: once a `GoMap` exists it must refuse, or the map's entries become unfindable
/// (and `retain`/`remove` would own them twice).
#[test]
fn trace_aeskey_cannot_change_keys_under_a_gomap() {
    let mut m: GoMap<String, Vec<u8>> = (0..64).map(|i| (format!("k{i}"), vec![i])).collect();
    let before = gomap::maptype::alg::hash_keys();
    let key: String = (0..128).map(|i| format!("{:02x}", (i * 7) as u8)).collect();
    let trace =
        format!("gomap-trace 1\naeskey {key}\ntype str i64\nmake 0 00000001\nput \"a\" 1\n");
    let mut out = String::new();
    let r = gomap_tools::trace::replay(&trace, &mut out);
    assert!(r.is_err(), "aeskey accepted under a live GoMap: {out}");
    assert_eq!(gomap::maptype::alg::hash_keys(), before);
    assert_eq!(m.get("k5"), Some(&vec![5]));
    m.retain(|_, _| false);
    assert!(m.is_empty());
}
