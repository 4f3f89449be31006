//! Soundness regressions of the safe API: scenarios where safe calls on a `GoMap` used to
//! free memory still in use, own an entry twice, or lose writes.
//!
//! The test binary installs a global allocator that scribbles over every block it frees
//! and never reuses it, so that a read of freed key bytes (the dump printing a stale copy
//! of a removed key) shows up as changed output rather than passing by luck.

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{catch_unwind, AssertUnwindSafe};

use gomap::typed::GoMap;

mod common;

/// The byte freed blocks are filled with.
const SCRIBBLE: u8 = 0xa5;

thread_local! {
    /// Blocks of 64-byte alignment allocated and not freed, by this thread.
    static LIVE64: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
}

/// Live blocks of alignment `align` (64 only) allocated by this thread.
fn live_blocks_of(align: usize) -> isize {
    assert_eq!(align, 64);
    LIVE64.with(|c| c.get())
}

/// The system allocator, scribbling over blocks instead of freeing them (a quarantine
/// that never ends: the allocator's own bookkeeping would overwrite the scribble, and
/// reuse would hide it; these tests allocate little).
struct Scribble;

// SAFETY: forwards to `System`, only writing into the block being freed, which the
// caller gives up; the block is then leaked.
unsafe impl GlobalAlloc for Scribble {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if l.align() == 64 {
            let _ = LIVE64.try_with(|c| c.set(c.get() + 1));
        }
        // SAFETY: forwarded.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if l.align() == 64 {
            let _ = LIVE64.try_with(|c| c.set(c.get() - 1));
        }
        // SAFETY: `p` is a live block of `l.size()` bytes (caller), never used again.
        unsafe { p.write_bytes(SCRIBBLE, l.size()) }
    }
}

#[global_allocator]
static ALLOC: Scribble = Scribble;

/// Whether a dump shows scribbled (freed) bytes.
fn shows_freed_bytes(dump: &str) -> bool {
    dump.contains("a5a5a5a5")
}

/// `(B, growing, sameSizeGrow, noverflow)` of a map.
fn state<K: gomap::typed::GoKey, V>(m: &GoMap<K, V>) -> (u8, bool, bool, u16) {
    let (_, h) = m.raw();
    // SAFETY: reading the header of a live map while it is borrowed.
    unsafe { ((*h).B, (*h).growing(), (*h).sameSizeGrow(), (*h).noverflow) }
}

/// A `String` map growing to twice `2^b` buckets, with Go's old-iterator flag set (so
/// evacuated old buckets keep their keys), right after the insert that started growing.
fn string_map_mid_doubling(b: u8) -> GoMap<String, u64> {
    let n = (13usize << b) / 2; // 6.5 * 2^b: the most entries that do not grow
    let mut m: GoMap<String, u64> = GoMap::with_capacity(n);
    assert_eq!(state(&m).0, b);
    for i in 0..n {
        m.insert(format!("key-{i:06}"), i as u64);
    }
    drop(m.iter());
    m.insert("key-last".to_string(), 0);
    let (nb, growing, same, _) = state(&m);
    assert!(growing && !same && nb == b + 1, "{}", m.dump());
    m
}

/// `retain` over NaN keys while the map grows: a delete inside `retain` evacuates the old
/// bucket the walk is in, and Go's iterator then returns the old cell of a NaN key (a
/// bitwise copy of the entry). The closure must reach the entry itself: every increment
/// lands, and no `Vec` is changed through a copy (which freed the live one's buffer).
#[test]
fn retain_nan_keys_during_growth_reaches_the_entries() {
    for round in 0..40 {
        let mut m: GoMap<f64, (u64, Vec<u8>)> = GoMap::with_capacity(52);
        for i in 0..52 {
            let k = if i % 2 == 0 { f64::NAN } else { i as f64 };
            m.insert(k, (100, Vec::with_capacity(1)));
        }
        m.insert(1000.0, (100, Vec::new()));
        assert!(state(&m).1, "round {round}: growing");
        m.retain(|k, (n, v)| {
            *n += 1;
            // Fill, then outgrow, the buffer: a push through a copy would free the
            // entry's buffer.
            v.push(1);
            v.push(2);
            k.is_nan()
        });
        assert_eq!(m.len(), 26, "round {round}");
        for (k, (n, v)) in m.iter() {
            assert!(k.is_nan());
            assert_eq!((*n, v.as_slice()), (101, &[1u8, 2][..]), "round {round}");
        }
        m.check().unwrap();
    }
}

/// `clear()` on an empty map whose same-size growth is unfinished is a no-op in Go
/// (`mapclear` returns at once): the old buckets still show the removed keys, whose bytes
/// must stay alive.
#[test]
fn clear_empty_map_mid_growth_keeps_removed_keys() {
    let mut m: GoMap<String, u64> = GoMap::with_capacity(100);
    assert_eq!(state(&m).0, 4);
    // Churn at 100 entries until the 16th overflow bucket appears (same-size growth is
    // due at 2^4 of them), then drop to one key.
    let mut oldest = 0u64;
    let mut found = false;
    for next in 0..200_000u64 {
        if m.len() == 100 {
            m.remove(format!("k{oldest}").as_str());
            oldest += 1;
        }
        m.insert(format!("k{next}"), next);
        let (b, growing, _, noverflow) = state(&m);
        assert!(b == 4 && !growing, "{}", m.dump());
        if noverflow == 16 {
            found = true;
            break;
        }
    }
    assert!(found, "no 16th overflow bucket");
    while m.len() > 1 {
        let k = m.keys().next().unwrap().to_string();
        m.remove(k.as_str());
    }
    drop(m.iter());
    m.insert("new".to_string(), 1);
    let (_, growing, same, _) = state(&m);
    assert!(growing && same, "{}", m.dump());
    let keys: Vec<String> = m.keys().map(str::to_string).collect();
    for k in &keys {
        m.remove(k.as_str());
    }
    assert!(m.is_empty() && state(&m).1, "{}", m.dump());
    let before = m.dump();
    m.clear();
    let after = m.dump();
    assert!(!shows_freed_bytes(&after), "{after}");
    assert_eq!(before, after);
    m.check().unwrap();
}

/// A panic in `retain`'s closure after some deletes: the removed keys that evacuated old
/// buckets still show stay alive until the growth is over.
#[test]
fn retain_closure_panic_keeps_removed_keys() {
    let mut m = string_map_mid_doubling(6);
    assert!(common::retain_panicking_at(&mut m, 6));
    assert_eq!(m.len(), 417 - 5);
    assert!(state(&m).1, "still growing");
    let d = m.dump();
    assert!(!shows_freed_bytes(&d), "{d}");
    m.check().unwrap();
    // The map goes on working, and frees the buried keys once the growth is done.
    m.retain(|_, _| false);
    assert!(m.is_empty());
    assert!(!shows_freed_bytes(&m.dump()));
}

/// A value whose `Drop` panics, removed by `retain` mid-growth: as with a panicking closure.
#[test]
fn retain_value_drop_panic_keeps_removed_keys() {
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            if self.0 {
                panic!("value drop panics");
            }
        }
    }
    let src = string_map_mid_doubling(6);
    let mut m: GoMap<String, Bomb> = GoMap::with_capacity(416);
    // Same keys, same growth point (a new seed, so another layout).
    let mut keys: Vec<String> = src.keys().map(str::to_string).collect();
    keys.sort();
    let last = keys.pop().unwrap();
    for k in keys {
        m.insert(k, Bomb(false));
    }
    drop(m.iter());
    m.insert(last, Bomb(false));
    assert!(state(&m).1);
    let mut seen = 0;
    let r = catch_unwind(AssertUnwindSafe(|| {
        m.retain(|_, b| {
            seen += 1;
            b.0 = seen == 6;
            false
        })
    }));
    assert!(r.is_err());
    assert_eq!(m.len(), 417 - 6);
    let d = m.dump();
    assert!(!shows_freed_bytes(&d), "{d}");
    m.check().unwrap();
}

/// Values aligned to more than 8 bytes live in boxes; `clear` and drop used to skip the
/// boxes of values without a `Drop` of their own, leaking them (LeakSanitizer: 64 bytes
/// per entry). Counted here with a value whose alignment forces the box.
#[test]
fn boxed_values_are_freed_by_clear_and_drop() {
    #[derive(Clone, Copy)]
    #[repr(align(64))]
    struct Aligned(#[allow(dead_code)] u64);
    let before = live_blocks_of(64);
    let mut m: GoMap<u64, Aligned> = (0..100).map(|i| (i, Aligned(i))).collect();
    assert_eq!(live_blocks_of(64) - before, 100);
    m.clear();
    assert_eq!(live_blocks_of(64), before, "clear leaked boxes");
    m.extend((0..10).map(|i| (i, Aligned(i))));
    drop(m);
    assert_eq!(live_blocks_of(64), before, "drop leaked boxes");
}

/// `GoDyn::uncomparable` of a type far larger than memory panics with Go's "out of memory"
/// (it aborted the process: `vec!` on a failed allocation).
#[test]
fn dyn_value_of_a_huge_type_panics_out_of_memory() {
    use gomap::maptype::GoType;
    use gomap::typed::keys::GoDyn;
    use gomap::GoKind;
    let huge = GoType::struct_of([
        ("s", GoType::slice(GoType::scalar(GoKind::Int64))),
        (
            "a",
            GoType::array(GoType::scalar(GoKind::Uint8), 1 << 60).unwrap(),
        ),
    ])
    .unwrap();
    let e = catch_unwind(|| GoDyn::uncomparable(huge).map(drop)).unwrap_err();
    assert_eq!(gomap::panic_message(&*e), Some("out of memory"));
    // Ordinary values still get their blocks, and free them.
    let small = GoType::slice(GoType::scalar(GoKind::Int64));
    drop(GoDyn::uncomparable(small).unwrap().clone());
}
