//! Times prowcov's Python source analysis (`prowcov::python::source::analyse`) for `scripts/bench pyparse`.
//!
//!     cargo run --release --example pyanalyse -- ROOT...
//!
//! Reads every `.py` file under each ROOT (skipping `site-packages` and `__pycache__`, as scripts/pyoracle.py
//! does) into memory, then analyses them all on one thread with coverage.py's default exclusions, five times,
//! and prints the median seconds, the bytes, the files and the files that did not parse: `SECONDS BYTES FILES
//! ERRORS`. One thread, so the figure compares with coverage.py's `PythonParser` in one process.

use std::path::{Path, PathBuf};
use std::time::Instant;

use prowcov::python::source::{Exclusions, analyse};

// The allocator the prowcov binary uses, so the figure is the shipped one.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn collect(root: &Path, out: &mut Vec<PathBuf>) {
    if root.is_file() {
        out.push(root.to_path_buf());
        return;
    }
    for entry in walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| !matches!(e.file_name().to_str(), Some("site-packages" | "__pycache__")))
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|x| x == "py") {
            out.push(entry.into_path());
        }
    }
}

fn main() {
    let mut paths = Vec::new();
    for root in std::env::args_os().skip(1) {
        collect(Path::new(&root), &mut paths);
    }
    paths.sort();
    let sources: Vec<(PathBuf, Vec<u8>)> = paths
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect();
    let bytes: usize = sources.iter().map(|(_, b)| b.len()).sum();
    let exclusions = Exclusions::coverage_defaults();
    let mut times = Vec::new();
    let mut errors = 0;
    for _ in 0..5 {
        let start = Instant::now();
        errors = sources
            .iter()
            .filter(|(p, b)| analyse(p, b, &exclusions).is_err())
            .count();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!("{:.4} {bytes} {} {errors}", times[times.len() / 2], sources.len());
}
