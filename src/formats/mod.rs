//! Coverage formats: one module per format, each able to read (and most to write) its format. This module only
//! detects a file's format by its content and dispatches to the reader.

mod accumulate;
pub mod cobertura;
pub mod coveragepy;
pub mod coveragepy_json;
mod detect;
mod gomod;
pub mod goprofile;
pub mod gosource;
pub mod lcov;
pub mod prowcov_json;

use std::path::{Path, PathBuf};

pub use detect::{Format, detect};

use crate::error::Result;
use crate::model::Coverage;
use crate::warnings::Warnings;

/// What readers need to know besides the file itself.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// The repository root: absolute paths under it become repo-relative, and Go module paths are resolved from the
    /// `go.mod` files below it.
    pub root: PathBuf,
    /// Where a reader reports what it skipped (an unknown record) without failing.
    pub warnings: Warnings,
}

impl ReadOptions {
    /// Options for `root`, with a collector of their own.
    pub fn new(root: impl Into<PathBuf>) -> ReadOptions {
        ReadOptions {
            root: root.into(),
            warnings: Warnings::default(),
        }
    }
}

/// One input file, read.
#[derive(Debug)]
pub enum Input {
    /// Data that maps straight onto the model.
    Model(Coverage),
    /// coverage.py SQLite data: executed lines or arcs only. Turning it into the model needs the statements, which
    /// come from coverage.py's analysis of the source (see `python::analysis`).
    CoveragePy(coveragepy::CoverageData),
}

/// Reads one coverage file of any supported format, detected by content.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Input> {
    crate::fsutil::check_regular_file(path)?;
    // SQLite reads a database itself, page by page: check the header instead of loading the whole file first.
    if detect::is_sqlite(path)? {
        return Ok(Input::CoveragePy(coveragepy::read(path)?));
    }
    let bytes = crate::fsutil::read(path)?;
    read_bytes(path, &bytes, options)
}

/// Reads `bytes`, the content of `path`, detecting the format. SQLite data is read from `path` itself, since SQLite
/// reads a database from a file.
pub fn read_bytes(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Input> {
    match detect(path, bytes)? {
        Format::CoveragePy => Ok(Input::CoveragePy(coveragepy::read(path)?)),
        Format::CoveragePyJson => Ok(Input::Model(coveragepy_json::read(path, bytes, options)?)),
        Format::Cobertura => Ok(Input::Model(cobertura::read(path, bytes, options)?)),
        Format::Lcov => Ok(Input::Model(lcov::read(path, bytes, options)?)),
        Format::GoProfile => Ok(Input::Model(goprofile::read(path, bytes, options)?)),
        Format::ProwcovJson => Ok(Input::Model(prowcov_json::read(path, bytes)?)),
    }
}
