//! Fuzz target `ops_generic`: see `gomap_fuzz::ops_generic` (fuzz/src/lib.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    gomap_fuzz::fix_random();
    gomap_fuzz::ops_generic(data)
});
