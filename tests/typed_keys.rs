//! `GoMap` keyed by `go_struct!` structs and by `GoDyn` interface values: the suite
//! `tests/suites/typed_keys.rs` on the classic map (`tests/typed_keys_swiss.rs`: on the Swiss map).

include!("suites/on_classic.rs");
include!("suites/typed_keys.rs");
