//! Model checking of the Swiss engine's misuse detector with loom: the `writing` protocol
//! of Go's `internal/runtime/maps`, run on the real [`Map`] accessors (`writing()`,
//! `toggle_writing()`), with loom's `AtomicU8` in place of the byte
//! (`src/swiss/map.rs` under `cfg(loom)`).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --test swiss_loom` (as
//! scripts/test-loom.sh does for tests/loom.rs).
//!
//! As in tests/loom.rs, the models perform exactly the sequence of loads and stores of the
//! named runtime functions with the rest of the work elided (two threads really writing
//! the map's plain memory would be a data race, undefined behaviour):
//!
//! | model       | runtime functions | `writing` accesses |
//! |-------------|-------------------|--------------------|
//! | [`write`]   | `PutSlot`, `runtime_mapassign*`, `Delete`, `Clear` | load: fatal "concurrent map writes" if set; (hash); store `writing ^ 1`; ...; load: fatal "concurrent map writes" if clear; store `writing ^ 1` |
//! | [`read`]    | `runtime_mapaccess*`, `getWithKey` | load: fatal "concurrent map read and map write" if set |
//! | [`iter_next`] | `Iter.Next` | load: fatal "concurrent map iteration and map write" if set |
//!
//! Go toggles the byte (xor 1) rather than setting it, so that two racing writers are more
//! likely to see each other. Proved here in every execution loom explores: writes ordered
//! by a mutex never panic; a write, read or iteration step that happens while another
//! write is inside its critical section panics with Go's message. Not guaranteed (and
//! found by loom): two racing writes may both complete silently, and may then leave
//! `writing` set, so that the next operation reports the misuse
//! ([`racing_writes_may_leave_writing_set`]).

#![cfg(loom)]

use gomap::export_test::runtime::{
    CONCURRENT_ITER_WRITE, CONCURRENT_READ_WRITE, CONCURRENT_WRITES,
};
use gomap::export_test::swiss::map::{Map, NewEmptyMap};
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    Fatal(&'static str),
}
use Outcome::*;

/// The `writing` protocol of a Swiss write.
fn write(m: &Map, work: impl FnOnce()) -> Outcome {
    if m.writing() != 0 {
        return Fatal(CONCURRENT_WRITES);
    }
    // hash := typ.Hasher(key, m.seed) runs here, before the toggle.
    m.toggle_writing();
    work();
    if m.writing() == 0 {
        return Fatal(CONCURRENT_WRITES);
    }
    m.toggle_writing();
    Done
}

/// The protocol of a lookup.
fn read(m: &Map) -> Outcome {
    if m.writing() != 0 {
        return Fatal(CONCURRENT_READ_WRITE);
    }
    Done
}

/// The protocol of `Iter.Next`.
fn iter_next(m: &Map) -> Outcome {
    if m.writing() != 0 {
        return Fatal(CONCURRENT_ITER_WRITE);
    }
    Done
}

fn new_map() -> Arc<Map> {
    Arc::new(*NewEmptyMap())
}

#[test]
fn ordered_writes_never_panic() {
    loom::model(|| {
        let m = new_map();
        let lock = Arc::new(Mutex::new(()));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (m, lock) = (m.clone(), lock.clone());
                thread::spawn(move || {
                    let _g = lock.lock().unwrap();
                    write(&m, || {})
                })
            })
            .collect();
        for t in ts {
            assert_eq!(t.join().unwrap(), Done);
        }
        assert_eq!(write(&m, || {}), Done);
        assert_eq!((read(&m), iter_next(&m)), (Done, Done));
        assert_eq!(m.writing(), 0);
    });
}

/// Runs `op` on another thread while a write is inside its critical section (ordered by
/// a release/acquire handshake).
fn observed_during_write(op: fn(&Map) -> Outcome) -> (Outcome, Outcome) {
    let m = new_map();
    let inside = Arc::new(AtomicBool::new(false));
    let ack = Arc::new(AtomicBool::new(false));
    let w = {
        let (m, inside, ack) = (m.clone(), inside.clone(), ack.clone());
        thread::spawn(move || {
            write(&m, || {
                inside.store(true, Ordering::Release);
                while !ack.load(Ordering::Acquire) {
                    thread::yield_now();
                }
            })
        })
    };
    while !inside.load(Ordering::Acquire) {
        thread::yield_now();
    }
    let other = op(&m);
    ack.store(true, Ordering::Release);
    (w.join().unwrap(), other)
}

#[test]
fn write_during_write_panics() {
    loom::model(|| {
        let (w, o) = observed_during_write(|m| write(m, || {}));
        assert_eq!((w, o), (Done, Fatal(CONCURRENT_WRITES)));
    });
}

#[test]
fn read_during_write_panics() {
    loom::model(|| {
        assert_eq!(
            observed_during_write(read),
            (Done, Fatal(CONCURRENT_READ_WRITE))
        );
    });
}

#[test]
fn iteration_step_during_write_panics() {
    loom::model(|| {
        assert_eq!(
            observed_during_write(iter_next),
            (Done, Fatal(CONCURRENT_ITER_WRITE))
        );
    });
}

/// Two racing writes: loom finds executions where both complete without a panic and
/// `writing` ends at 1, so that the map's next operation reports the misuse. The exit
/// check and the toggle are two loads (as Go's `if m.writing == 0 { fatal }; m.writing
/// ^= 1`), so the other writer's exit store can fall between them and the toggle sets the
/// byte again. This is Go's behaviour (toggling, unlike the classic map's clearing of
/// `hashWriting`, can leave the flag set after a silent race), recorded here; the
/// executions where each write ends cleanly leave it at 0 or make one of them panic.
#[test]
fn racing_writes_may_leave_writing_set() {
    use std::sync::atomic::{AtomicBool as StdBool, Ordering::SeqCst};
    static SILENT_SET: StdBool = StdBool::new(false);
    static SILENT_CLEAR: StdBool = StdBool::new(false);
    loom::model(|| {
        let m = new_map();
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || write(&m, || {}))
            })
            .collect();
        let r: Vec<_> = ts.into_iter().map(|t| t.join().unwrap()).collect();
        if r == [Done, Done] {
            if m.writing() == 0 {
                SILENT_CLEAR.store(true, SeqCst);
            } else {
                SILENT_SET.store(true, SeqCst);
                // The next write, ordered after both, reports the misuse.
                assert_eq!(write(&m, || {}), Fatal(CONCURRENT_WRITES));
            }
        }
    });
    assert!(SILENT_CLEAR.load(SeqCst) && SILENT_SET.load(SeqCst));
}
