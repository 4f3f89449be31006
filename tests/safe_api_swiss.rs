//! The whole safe API, from a crate that may not use `unsafe` at all: the suite
//! `tests/suites/safe_api.rs` on the Swiss map of Go 1.27 (`tests/safe_api.rs`: on the classic map).

#![forbid(unsafe_code)]
// The classic-only tests are compiled out, and with them some helpers' only users.
#![allow(dead_code, unused_imports, unused_macros)]

include!("suites/on_swiss_1_27.rs");
include!("suites/safe_api.rs");
