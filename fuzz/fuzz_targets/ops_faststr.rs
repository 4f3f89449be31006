//! Fuzz target `ops_faststr`: see `gomap_fuzz::ops_faststr` (fuzz/src/lib.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    gomap_fuzz::fix_random();
    gomap_fuzz::ops_faststr(data)
});
