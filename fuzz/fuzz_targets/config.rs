//! Fuzzes the configuration loaders: coverage.py rc files (`.coveragerc`, setup.cfg, tox.ini, pyproject.toml) and `.prowcov.toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| prowcov_fuzz::config(data));
