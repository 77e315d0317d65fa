//! Fuzzes the git diff behind `prowcov diff`: changed lines of two committed versions of a file.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| prowcov_fuzz::git_diff(data));
