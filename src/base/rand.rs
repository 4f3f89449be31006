//! Go's `fastrand`: the cheap per-thread generator behind hash seeds, iteration starts and
//! the sampled overflow count of big maps.
//!
//! Go 1.19 on 64-bit platforms uses wyrand over a per-M (per-thread) 64-bit state. gomap
//! keeps one state per thread, seeded from the operating system's randomness on first use.
//! Tests fix what it returns with [`set_fastrand_state`], which sets the calling thread's
//! state (the next value is then a pure function of it).
//
// Copyright 2022 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = Cell::new(os_seed());
}

/// 8 bytes from the operating system (`getrandom`), or the clock and the address of a
/// local when that fails.
fn os_seed() -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: `b` is 8 writable bytes; getrandom writes at most that many.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), 8, 0) };
    if n == 8 {
        return u64::from_ne_bytes(b);
    }
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ (&b as *const _ as u64).rotate_left(32)
}

#[inline(always)]
fn step() -> u64 {
    STATE.with(|s| {
        let x = s.get().wrapping_add(0xa0761d6478bd642f);
        s.set(x);
        let p = (x as u128) * ((x ^ 0xe7037ed1a0b428db) as u128);
        ((p >> 64) as u64) ^ (p as u64)
    })
}

/// Port of `runtime.fastrand` (go1.19 stubs.go, wyrand branch).
#[inline]
pub fn fastrand() -> u32 {
    step() as u32
}

/// Port of `runtime.fastrand64` (go1.19 stubs.go, wyrand branch).
#[inline]
pub fn fastrand64() -> u64 {
    step()
}

/// Sets the calling thread's generator state, so that what follows is reproducible.
pub fn set_fastrand_state(state: u64) {
    STATE.with(|s| s.set(state));
}

/// The calling thread's generator state.
pub fn fastrand_state() -> u64 {
    STATE.with(|s| s.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wyrand_is_reproducible_from_a_state() {
        set_fastrand_state(0);
        let a = (fastrand(), fastrand64());
        set_fastrand_state(0);
        let b = (fastrand(), fastrand64());
        assert_eq!(a, b);
        // First wyrand output from state 0, computed by hand from Go's formula.
        set_fastrand_state(0);
        let x: u64 = 0xa0761d6478bd642f;
        let p = (x as u128) * ((x ^ 0xe7037ed1a0b428db) as u128);
        assert_eq!(fastrand64(), ((p >> 64) as u64) ^ (p as u64));
    }

    #[test]
    fn threads_start_from_different_states() {
        let a = std::thread::spawn(fastrand64).join().unwrap();
        let b = std::thread::spawn(fastrand64).join().unwrap();
        assert_ne!(a, b);
    }
}
