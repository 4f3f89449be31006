//! `go_struct!` keys with string fields (`GoStr`): the suite
//! `tests/suites/typed_gostr.rs` on the classic map (`tests/typed_gostr_swiss.rs`: on the Swiss map).

include!("suites/on_classic.rs");
include!("suites/typed_gostr.rs");
