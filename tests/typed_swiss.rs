//! Tests of the safe typed wrapper `GoMap<K, V>`: the suite
//! `tests/suites/typed.rs` on the Swiss map of Go 1.27 (`tests/typed.rs`: on the classic map).

// The classic-only tests are compiled out, and with them some helpers' only users.
#![allow(dead_code, unused_imports, unused_macros)]

include!("suites/on_swiss_1_27.rs");
include!("suites/typed.rs");
