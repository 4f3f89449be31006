//! The calling thread's random source, seeded from C for reproducible hash seeds and
//! iteration starts.

use super::error::guard;
use crate::base::rand::{set_chacha8_seed, set_fastrand_state};

/// Sets the calling thread's random state (hash seeds, iteration starts), so that what
/// follows on this thread is reproducible: Go 1.19-1.21's wyrand state becomes `state`,
/// and Go 1.22+'s ChaCha8 generator is seeded with `Init64([state, 0, 0, 0])`.
#[no_mangle]
pub extern "C" fn gomap_seed_thread(state: u64) {
    guard(
        |_| (),
        || {
            set_fastrand_state(state);
            set_chacha8_seed([state, 0, 0, 0]);
        },
    )
}
