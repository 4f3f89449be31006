//! Fuzz target `ops_fast32`: see `gomap_fuzz::ops_fast32` (fuzz/src/lib.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    gomap_fuzz::fix_random();
    gomap_fuzz::ops_fast32(data)
});
