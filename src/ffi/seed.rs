//! The calling thread's random source, seeded from C for reproducible hash seeds and
//! iteration starts.

use core::ffi::c_int;

use super::error::{fail, guard, guard_code, GOMAP_ERR_INVALID_ARG, GOMAP_OK};
use crate::base::rand::{set_chacha8_seed, set_fastrand_state};

/// Sets the calling thread's random state (hash seeds, iteration starts), so that what
/// follows on this thread is reproducible: Go 1.19-1.21's wyrand state becomes `state`,
/// and Go 1.22+'s ChaCha8 generator is seeded with `Init64([state, 0, 0, 0])`.
#[no_mangle]
pub extern "C" fn gomap_seed_thread(state: u64) {
    guard(|_| (), || seed_thread([state, 0, 0, 0]))
}

/// Sets the calling thread's random state from a full 32-byte ChaCha8 seed, the four
/// words `seed[0..4]`: Go 1.22+'s ChaCha8 generator is seeded with `Init64(seed)` (Go's
/// `(*chacha8rand.State).Init64`), and Go 1.19-1.21's wyrand state becomes `seed[0]`.
/// `gomap_seed_thread(s)` is this with the words `{s, 0, 0, 0}`. Returns
/// `GOMAP_ERR_INVALID_ARG`, changing nothing, when `seed` is NULL.
///
/// # Safety
/// `seed` is NULL or points at four readable `uint64_t`s.
#[no_mangle]
pub unsafe extern "C" fn gomap_seed_thread_chacha8(seed: *const u64) -> c_int {
    guard_code(|| {
        if seed.is_null() {
            return fail(GOMAP_ERR_INVALID_ARG, "seed is NULL");
        }
        // SAFETY: four readable words (caller); `read_unaligned` asks no alignment.
        let words = unsafe { seed.cast::<[u64; 4]>().read_unaligned() };
        seed_thread(words);
        GOMAP_OK
    })
}

/// Seeds both of the thread's generators from `seed`, as `runtime::seed_release` seeds
/// the one a release draws from.
fn seed_thread(seed: [u64; 4]) {
    set_fastrand_state(seed[0]);
    set_chacha8_seed(seed);
}
