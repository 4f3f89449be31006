//! Fuzz target `maptype`: see `gomap_fuzz::maptype` (fuzz/src/lib.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    gomap_fuzz::fix_random();
    gomap_fuzz::maptype(data)
});
