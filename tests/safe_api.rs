//! The whole safe API, from a crate that may not use `unsafe` at all: the suite
//! `tests/suites/safe_api.rs` on the classic map (`tests/safe_api_swiss.rs`: on the Swiss map).

#![forbid(unsafe_code)]
include!("suites/on_classic.rs");
include!("suites/safe_api.rs");
