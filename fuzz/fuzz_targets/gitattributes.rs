//! Fuzzes the `.gitattributes` lookup of the change analysis.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| prowcov_fuzz::gitattributes(data));
