//! Fuzz target `ops_swiss`: see `gomap_fuzz::ops_swiss` (fuzz/src/swiss.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    gomap_fuzz::fix_random();
    gomap_fuzz::ops_swiss(data)
});
