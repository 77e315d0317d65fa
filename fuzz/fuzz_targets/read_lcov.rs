//! The lcov reader, through prowcov's format detection and dispatch; inputs detected as another format are skipped.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| prowcov_fuzz::read_as(data, prowcov::formats::Format::Lcov));
