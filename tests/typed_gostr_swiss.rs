//! `go_struct!` keys with string fields (`GoStr`): the suite
//! `tests/suites/typed_gostr.rs` on the Swiss map of Go 1.24 (`tests/typed_gostr.rs`: on the classic map).

// The classic-only tests are compiled out, and with them some helpers' only users.
#![allow(dead_code, unused_imports, unused_macros)]

include!("suites/on_swiss_1_24.rs");
include!("suites/typed_gostr.rs");
