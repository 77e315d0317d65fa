//! Fuzzes the HTML report with hostile file names and sources.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| prowcov_fuzz::render_html(data));
