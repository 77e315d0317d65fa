//! Fuzzes TestGrid's JUnit XML with hostile file names.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| prowcov_fuzz::render_junit(data));
