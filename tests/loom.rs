//! Model checking of the misuse detector with loom: the `hashWriting` flag protocol of
//! the map functions, run on the real [`Hmap`] flag accessors (`h.flags()`,
//! `h.set_flags()`, and `h.flags.fetch_or` as `mapiterinit` uses it), with loom's
//! `AtomicU8` in place of the flags byte (`src/runtime/types.rs` under `cfg(loom)`), so
//! that loom explores every interleaving of the flag accesses and every value a relaxed
//! load may return.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --test loom` (scripts/test-loom.sh,
//! which uses its own target directory).
//!
//! # Why the protocol and not the real functions
//!
//! Only the flags byte is atomic. The rest of the map (count, buckets, cells) is plain
//! memory, and two threads writing it concurrently is a data race: undefined behaviour in
//! Rust, as the same race is in Go. Running the real `mapassign` on two loom threads would
//! make the model itself undefined. So each model function below performs exactly the
//! sequence of flag loads and stores that the named runtime function performs, through the
//! same `Hmap` methods and therefore with the same (relaxed) orderings, with the rest of
//! the work elided:
//!
//! | model        | runtime functions | flag accesses |
//! |--------------|-------------------|---------------|
//! | [`write`]    | `mapassign`, `mapdelete`, `mapclear`, `mapassign_fast*`, `mapdelete_fast*` | load: panic "concurrent map writes" if hashWriting; (hash the key); store `flags ^ hashWriting`; ...work...; load: panic "concurrent map writes" if hashWriting is clear; store `flags &^ hashWriting` |
//! | [`read`]     | `mapaccess1/2`, `mapaccess*_fast*` | load: panic "concurrent map read and map write" if hashWriting |
//! | [`iter_next`]| `mapiternext` | load: panic "concurrent map iteration and map write" if hashWriting |
//! | [`iter_init`]| `mapiterinit` | load; if iterator/oldIterator missing, atomic `fetch_or` of both |
//!
//! # What Go guarantees
//!
//! Go's map is not safe for concurrent use with a writer. Its detector is best-effort: the
//! runtime *may* notice a concurrent write and then stops the program with "concurrent map
//! writes" (or "... read and map write", "... iteration and map write"). The race
//! detector, not the map, is the tool that finds every such race. Go reads and writes
//! `h.flags` with plain (racy) memory accesses.
//!
//! # What gomap guarantees, proved here in every execution loom explores
//!
//! 1. **No data race on the flag**: every access is atomic (relaxed), so a racing misuse
//!    is still defined behaviour *as far as the flag goes* (the map's other memory is not
//!    protected: a racing misuse that is not detected is undefined behaviour).
//! 2. **No false alarm**: operations ordered by happens-before (a mutex, a channel, a
//!    thread join) never panic, whatever the interleaving ([`ordered_writes_never_panic`],
//!    [`ordered_write_then_read_never_panics`]).
//! 3. **Observed writes are caught**: a write, read or iteration step that happens after
//!    another write has set `hashWriting` and before that write clears it (in
//!    happens-before terms: the setting store happens-before it, and it happens-before
//!    the clearing store) panics with Go's message ([`write_during_write_panics`],
//!    [`read_during_write_panics`], [`iteration_step_during_write_panics`]).
//! 4. **Concurrent readers and iterator starts are allowed**: any number of lookups,
//!    `mapiterinit`s and `mapiternext`s at once never panic, and the iterator flags set by
//!    concurrent `mapiterinit`s are never lost (an atomic or, as Go's `atomic.Or8`)
//!    ([`concurrent_readers_and_iterators_never_panic`]).
//! 5. **A silent race does not poison the flag**: when two racing writes both complete
//!    without a panic, `hashWriting` is clear afterwards ([`racing_writes`]).
//!
//! And what is *not* guaranteed, shown by loom finding the executions: two writes whose
//! critical sections (flag set to flag cleared) overlap in time may **both complete
//! silently** ([`racing_writes`]). Two ways, both shared with Go: the exit check and the
//! clearing store are a separate load and store, so both writers can pass their exit
//! checks before either clears the flag (this happens even on a sequentially consistent
//! interleaving); and with relaxed accesses a writer may read a stale flag on entry and
//! its own stale store on exit.

#![cfg(loom)]

use std::sync::atomic::{AtomicBool as StdBool, AtomicUsize as StdUsize, Ordering::SeqCst as Std};

use gomap::export_test::runtime::{
    Hmap, CONCURRENT_ITER_WRITE, CONCURRENT_READ_WRITE, CONCURRENT_WRITES, HASH_WRITING, ITERATOR,
    OLD_ITERATOR,
};
use loom::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

/// How a modelled operation ended: normally, or with Go's fatal error (a panic in gomap,
/// after which the panicking operation touches nothing more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Done,
    Fatal(&'static str),
}
use Outcome::*;

/// The flag protocol of `mapassign` (and `mapdelete`, `mapclear`, the fast paths): see
/// src/runtime/assign.rs. `work` stands for everything between setting and clearing
/// `hashWriting`.
fn write(h: &Hmap, work: impl FnOnce()) -> Outcome {
    if h.flags() & HASH_WRITING != 0 {
        return Fatal(CONCURRENT_WRITES);
    }
    // hash := t.hasher(key, uintptr(h.hash0)) runs here, before the flag is set.
    h.set_flags(h.flags() ^ HASH_WRITING);
    work();
    // done:
    if h.flags() & HASH_WRITING == 0 {
        return Fatal(CONCURRENT_WRITES);
    }
    h.set_flags(h.flags() & !HASH_WRITING);
    Done
}

/// The flag protocol of `mapaccess1`/`mapaccess2` and the fast lookups.
fn read(h: &Hmap) -> Outcome {
    if h.flags() & HASH_WRITING != 0 {
        return Fatal(CONCURRENT_READ_WRITE);
    }
    Done
}

/// The flag protocol of `mapiternext`.
fn iter_next(h: &Hmap) -> Outcome {
    if h.flags() & HASH_WRITING != 0 {
        return Fatal(CONCURRENT_ITER_WRITE);
    }
    Done
}

/// The flag protocol of `mapiterinit` ("can run concurrently with another mapiterinit").
fn iter_init(h: &Hmap) {
    let old = h.flags();
    if old & (ITERATOR | OLD_ITERATOR) != ITERATOR | OLD_ITERATOR {
        h.flags.fetch_or(ITERATOR | OLD_ITERATOR, Ordering::Relaxed);
    }
}

/// Guarantee 2: writes ordered by a mutex, or by a join, never panic, and leave the flag
/// clear.
#[test]
fn ordered_writes_never_panic() {
    loom::model(|| {
        let h = Arc::new(Hmap::new());
        let lock = Arc::new(Mutex::new(()));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (h, lock) = (h.clone(), lock.clone());
                thread::spawn(move || {
                    let _g = lock.lock().unwrap();
                    write(&h, || {})
                })
            })
            .collect();
        for t in ts {
            assert_eq!(t.join().unwrap(), Done);
        }
        // After the joins: a third write, ordered after both.
        assert_eq!(write(&h, || {}), Done);
        assert_eq!(h.flags() & HASH_WRITING, 0);
    });
}

/// Guarantee 2, for a reader and an iterator after a write (ordered by join).
#[test]
fn ordered_write_then_read_never_panics() {
    loom::model(|| {
        let h = Arc::new(Hmap::new());
        let h2 = h.clone();
        let w = thread::spawn(move || write(&h2, || {}));
        assert_eq!(w.join().unwrap(), Done);
        let h3 = h.clone();
        let r = thread::spawn(move || {
            iter_init(&h3);
            (read(&h3), iter_next(&h3))
        });
        assert_eq!(r.join().unwrap(), (Done, Done));
    });
}

/// A writer that, between setting and clearing `hashWriting`, publishes "I am inside"
/// (release) and waits for the other thread's acknowledgement (acquire). The other
/// thread's operation therefore happens after the flag was set and before it is cleared.
fn observed_during_write(op: fn(&Hmap) -> Outcome) -> (Outcome, Outcome) {
    let h = Arc::new(Hmap::new());
    let inside = Arc::new(AtomicBool::new(false));
    let ack = Arc::new(AtomicBool::new(false));
    let w = {
        let (h, inside, ack) = (h.clone(), inside.clone(), ack.clone());
        thread::spawn(move || {
            write(&h, || {
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
    let other = op(&h);
    ack.store(true, Ordering::Release);
    let writer = w.join().unwrap();
    (writer, other)
}

/// Guarantee 3 for writes: the second write panics with "concurrent map writes"; the
/// first completes.
#[test]
fn write_during_write_panics() {
    loom::model(|| {
        let (w, other) = observed_during_write(|h| write(h, || {}));
        assert_eq!(other, Fatal(CONCURRENT_WRITES));
        assert_eq!(w, Done);
    });
}

/// Guarantee 3 for lookups: "concurrent map read and map write".
#[test]
fn read_during_write_panics() {
    loom::model(|| {
        let (w, other) = observed_during_write(read);
        assert_eq!(other, Fatal(CONCURRENT_READ_WRITE));
        assert_eq!(w, Done);
    });
}

/// Guarantee 3 for iteration steps: "concurrent map iteration and map write".
#[test]
fn iteration_step_during_write_panics() {
    loom::model(|| {
        let (w, other) = observed_during_write(iter_next);
        assert_eq!(other, Fatal(CONCURRENT_ITER_WRITE));
        assert_eq!(w, Done);
    });
}

/// Guarantee 4: readers and iterator starts may run at once; none panics, and both
/// iterator bits survive.
#[test]
fn concurrent_readers_and_iterators_never_panic() {
    loom::model(|| {
        let h = Arc::new(Hmap::new());
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let h = h.clone();
                thread::spawn(move || {
                    iter_init(&h);
                    (read(&h), iter_next(&h))
                })
            })
            .collect();
        assert_eq!(read(&h), Done);
        for t in ts {
            assert_eq!(t.join().unwrap(), (Done, Done));
        }
        assert_eq!(
            h.flags() & (ITERATOR | OLD_ITERATOR),
            ITERATOR | OLD_ITERATOR
        );
        assert_eq!(h.flags() & HASH_WRITING, 0);
    });
}

/// Loom runs one thread at a time, so plain std atomics, which loom does not model, record
/// the real order of the steps it chose: how many writers are inside their critical
/// section right now (from just after setting `hashWriting` until the write returns, so
/// the exit check and the clearing store count as inside), and whether two ever were at
/// once. Each test has its own (the test harness runs tests in parallel).
struct Overlap {
    inside: StdUsize,
    overlapped: StdBool,
}

impl Overlap {
    const fn new() -> Overlap {
        Overlap {
            inside: StdUsize::new(0),
            overlapped: StdBool::new(false),
        }
    }

    /// Starts an execution.
    fn reset(&self) {
        self.inside.store(0, Std);
        self.overlapped.store(false, Std);
    }

    /// Runs `write` with a work step that enters the critical section and then reaches a
    /// scheduling point (a relaxed load of an unrelated loom atomic), so that loom can run
    /// the other writer there; leaves when `write` returns.
    fn write(&self, tick: &AtomicU8, write: impl FnOnce(&mut dyn FnMut()) -> Outcome) -> Outcome {
        let mut entered = false;
        let r = write(&mut || {
            entered = true;
            if self.inside.fetch_add(1, Std) == 1 {
                self.overlapped.store(true, Std);
            }
            tick.load(Ordering::Relaxed);
        });
        if entered {
            self.inside.fetch_sub(1, Std);
        }
        r
    }
}

/// Guarantee 5 and the limit of the detector. Two unsynchronised writers:
/// * whenever both complete silently, `hashWriting` is clear at the end (the last store
///   to the flag in modification order is a clearing store);
/// * loom finds executions where both were inside at once and neither panicked (so the
///   docs must not promise detection), and executions where one panicked.
#[test]
fn racing_writes() {
    static OV: Overlap = Overlap::new();
    static SILENT_OVERLAP_SEEN: StdBool = StdBool::new(false);
    static DETECTED_SEEN: StdBool = StdBool::new(false);
    loom::model(|| {
        OV.reset();
        let h = Arc::new(Hmap::new());
        let tick = Arc::new(AtomicU8::new(0));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (h, tick) = (h.clone(), tick.clone());
                thread::spawn(move || OV.write(&tick, |work| write(&h, work)))
            })
            .collect();
        let r: Vec<Outcome> = ts.into_iter().map(|t| t.join().unwrap()).collect();
        if r.iter().all(|&o| o == Done) {
            assert_eq!(
                h.flags() & HASH_WRITING,
                0,
                "a silent race left hashWriting set"
            );
            if OV.overlapped.load(Std) {
                SILENT_OVERLAP_SEEN.store(true, Std);
            }
        } else {
            assert!(r.contains(&Fatal(CONCURRENT_WRITES)));
            DETECTED_SEEN.store(true, Std);
        }
    });
    assert!(
        SILENT_OVERLAP_SEEN.load(Std),
        "loom found no silent overlap: the docs' caveat would be unfounded"
    );
    assert!(DETECTED_SEEN.load(Std), "loom found no detected race");
}
