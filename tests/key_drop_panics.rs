//! A `go_struct!` key may have a `Drop` of its own, and it may panic. Whatever it does, the
//! map drops every value it owns exactly once and returns or drops the value an operation
//! hands over: nothing leaks. On every release (both engines).

#![forbid(unsafe_code)]

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use gomap::typed::{Entry, GoMap, Release};

gomap::go_struct! {
    /// A key whose `Drop` panics for the id `BOOM` names (once, then disarms).
    pub struct Key { id: i64 }
}

thread_local! {
    /// The id whose key panics when dropped next (-1: none).
    static BOOM: Cell<i64> = const { Cell::new(-1) };
    /// Values alive (made and not yet dropped) on this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

impl Drop for Key {
    fn drop(&mut self) {
        if BOOM.with(|b| b.get()) == self.id {
            BOOM.with(|b| b.set(-1));
            panic!("key {} panics when dropped", self.id);
        }
    }
}

/// A value that counts itself alive.
struct Val(#[allow(dead_code)] String);

impl Val {
    fn new(i: i64) -> Val {
        LIVE.with(|c| c.set(c.get() + 1));
        Val(format!("value {i}"))
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        LIVE.with(|c| c.set(c.get() - 1));
    }
}

/// Silences the panics of the keys' drops (the others still print).
fn quiet_key_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.to_string().contains("panics when dropped") {
                prev(info)
            }
        }));
    });
}

fn live() -> isize {
    LIVE.with(|c| c.get())
}

fn arm(id: i64) {
    BOOM.with(|b| b.set(id));
}

fn map_of(r: Release, n: i64) -> GoMap<Key, Val> {
    let mut m = GoMap::with_release(r);
    for i in 0..n {
        m.insert(Key { id: i }, Val::new(i));
    }
    m
}

/// `clear` and drop go on dropping the other entries when a key's `Drop` panics (they
/// dropped the values only, and stopped at the first key that panicked).
#[test]
fn clear_and_drop_drop_every_entry_when_a_key_drop_panics() {
    quiet_key_panics();
    for r in Release::ALL {
        let mut m = map_of(r, 50);
        arm(7);
        assert!(catch_unwind(AssertUnwindSafe(|| m.clear())).is_err(), "{r}");
        assert!(m.is_empty(), "{r}");
        assert_eq!(live(), 0, "{r}: values leaked by clear");
        m.check().unwrap();

        let m = map_of(r, 50);
        arm(9);
        assert!(catch_unwind(AssertUnwindSafe(|| drop(m))).is_err(), "{r}");
        assert_eq!(live(), 0, "{r}: values leaked by drop");
    }
}

/// `insert` over a present key whose descriptor needs no key update keeps the stored key
/// and drops the new one: when that drop panics, the replaced value is dropped, not leaked.
#[test]
fn insert_over_a_key_whose_drop_panics_drops_the_old_value() {
    quiet_key_panics();
    for r in Release::ALL {
        let mut m = map_of(r, 20);
        arm(3);
        assert!(catch_unwind(AssertUnwindSafe(|| m.insert(Key { id: 3 }, Val::new(3)))).is_err());
        assert_eq!(m.len(), 20, "{r}");
        drop(m);
        assert_eq!(live(), 0, "{r}: a value leaked by insert");
    }
}

/// `OccupiedEntry::remove` and `remove_entry` drop the keys they do not hand back (the
/// entry's own, the stored one) without losing the value when such a drop panics.
#[test]
fn occupied_entry_remove_with_a_panicking_key_drop_loses_no_value() {
    quiet_key_panics();
    for r in Release::ALL {
        let mut m = map_of(r, 20);
        for (id, whole) in [(4, false), (5, true)] {
            let Entry::Occupied(o) = m.entry(Key { id }) else {
                panic!("{r}: key {id} absent");
            };
            arm(id);
            let res = catch_unwind(AssertUnwindSafe(|| {
                if whole {
                    drop(o.remove_entry());
                } else {
                    drop(o.remove());
                }
            }));
            assert!(res.is_err(), "{r}");
            BOOM.with(|b| b.set(-1));
        }
        m.check().unwrap();
        drop(m);
        assert_eq!(live(), 0, "{r}: a value leaked by OccupiedEntry::remove");
    }
}

/// `into_iter` of a classic map mid-growth drops the keys buried by earlier removals: when
/// one of their `Drop`s panics, the entries already moved out are dropped, not leaked (the
/// graveyard was cleared while they were still untyped copies).
#[test]
fn into_iter_with_a_panicking_buried_key_loses_no_value() {
    quiet_key_panics();
    for r in Release::ALL.into_iter().filter(|r| !r.is_swiss()) {
        let mut m: GoMap<Key, Val> = GoMap::with_release(r);
        let mut i = 0;
        while i < 200 || !m.dump().contains(" growing=1 ") {
            m.insert(Key { id: i }, Val::new(i));
            i += 1;
        }
        assert!(m.remove(&Key { id: 0 }).is_some());
        assert!(m.dump().contains(" growing=1 "), "{r}: the growth ended");
        arm(0); // the buried key
        assert!(
            catch_unwind(AssertUnwindSafe(|| m.into_iter().count())).is_err(),
            "{r}"
        );
        assert_eq!(live(), 0, "{r}: values leaked by into_iter");
    }
}
