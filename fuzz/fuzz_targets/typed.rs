//! Fuzz target `typed`: see `gomap_fuzz::typed` (fuzz/src/typed.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    gomap_fuzz::fix_random();
    gomap_fuzz::typed(data)
});
