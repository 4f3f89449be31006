//! The scope guard: a closure that runs when the guard is dropped, unless it is disarmed
//! first (hashbrown's `ScopeGuard`, Go's `defer`).
//!
//! Two uses, one type:
//! * **cleanup on unwind**: arm the guard before a step that may panic (an allocation that
//!   fails with "out of memory", a key's `equal`), disarm it once the step returned; the
//!   closure runs only if a panic unwinds past it. `makemap` releases a half-made map,
//!   `mapassign` frees a key block nothing owns yet, `key_equal_writing` clears
//!   `hashWriting`, the safe map frees a key's memory the runtime never took;
//! * **cleanup on every path**: a guard that is never disarmed runs its closure when its
//!   scope ends, panic or not (the safe map zeroes or frees the runtime map even when a
//!   value's `Drop` panics).
//!
//! It costs nothing on the happy path: no allocation, no `dyn`, no flag. The closure is
//! stored by value and called directly, and disarming only drops the closure (a no-op
//! for one that captures references and pointers), so a disarmed guard compiles to what
//! `mem::forget` on a hand-written guard did.

use core::mem::ManuallyDrop;

/// Runs its closure once when dropped, unless [`Defer::disarm`] was called.
///
/// Invariant: `f` is initialised from [`defer`] until `drop` or `disarm` takes it, which
/// each happen at most once (both consume the guard), so the closure runs at most once
/// and is dropped exactly once (by running or by disarming).
///
/// The closure runs inside `drop`: if it runs during an unwind and panics too, the
/// process aborts, so an on-unwind closure must not panic (the ones in this crate only
/// free memory or clear a flag).
#[must_use = "the closure runs when the guard is dropped: bind the guard to a name"]
pub(crate) struct Defer<F: FnOnce()> {
    f: ManuallyDrop<F>,
}

/// A guard that runs `f` when dropped, unless disarmed.
#[inline]
pub(crate) fn defer<F: FnOnce()>(f: F) -> Defer<F> {
    Defer {
        f: ManuallyDrop::new(f),
    }
}

impl<F: FnOnce()> Defer<F> {
    /// Drops the guard without running its closure (the closure itself is dropped).
    #[inline]
    pub(crate) fn disarm(self) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `f` is initialised (invariant) and, `this` never being dropped, taken
        // only here.
        unsafe { ManuallyDrop::drop(&mut this.f) }
    }
}

impl<F: FnOnce()> Drop for Defer<F> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `f` is initialised (invariant: `disarm` forgets the guard, so a disarmed
        // guard never gets here) and taken once, as `drop` runs once.
        let f = unsafe { ManuallyDrop::take(&mut self.f) };
        f();
    }
}

#[cfg(test)]
mod tests {
    use super::defer;
    use core::cell::Cell;

    #[test]
    fn runs_on_drop() {
        let ran = Cell::new(0);
        {
            let _g = defer(|| ran.set(ran.get() + 1));
            assert_eq!(ran.get(), 0);
        }
        assert_eq!(ran.get(), 1);
    }

    #[test]
    fn disarmed_does_not_run_but_drops_the_closure() {
        let ran = Cell::new(false);
        let owned = std::rc::Rc::new(());
        let (held, flag) = (owned.clone(), &ran);
        let g = defer(move || {
            let _ = &held;
            flag.set(true);
        });
        assert_eq!(std::rc::Rc::strong_count(&owned), 2);
        g.disarm();
        assert!(!ran.get());
        assert_eq!(std::rc::Rc::strong_count(&owned), 1);
    }

    #[test]
    fn runs_on_unwind() {
        let ran = Cell::new(false);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let g = defer(|| ran.set(true));
            if std::hint::black_box(true) {
                panic!("boom");
            }
            g.disarm();
        }));
        assert!(r.is_err());
        assert!(ran.get());
    }
}
