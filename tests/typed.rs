//! Tests of the safe typed wrapper `GoMap<K, V>`: the suite
//! `tests/suites/typed.rs` on the classic map (`tests/typed_swiss.rs`: on the Swiss map).

include!("suites/on_classic.rs");
include!("suites/typed.rs");
