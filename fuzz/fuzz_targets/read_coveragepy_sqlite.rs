//! Fuzzes the coverage.py SQLite reader (`.coverage` files).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| prowcov_fuzz::read_coveragepy_sqlite(data));
