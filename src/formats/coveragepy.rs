//! coverage.py's SQLite data file (`.coverage`, schema 7): read (read-only) and write, faithfully: lines or arcs,
//! contexts and file tracers.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Coverage;

/// The content of one coverage.py data file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoverageData {
    /// `Some(true)` for arc (branch) data, `Some(false)` for line data, `None` when nothing was measured yet.
    pub has_arcs: Option<bool>,
    /// Measured files by path as stored (absolute unless `relative_files`).
    pub files: BTreeMap<String, FileData>,
}

/// What one file holds: per context name, the executed lines or arcs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileData {
    pub tracer: Option<String>,
    pub lines: BTreeMap<String, std::collections::BTreeSet<u32>>,
    pub arcs: BTreeMap<String, std::collections::BTreeSet<(i32, i32)>>,
}

impl CoverageData {
    /// PLACEHOLDER in the `report` branch so that `python::analysis` compiles; the real merge comes from the
    /// `combine` branch and replaces this at integration.
    pub fn update(&mut self, other: &CoverageData, map_path: &dyn Fn(&str) -> String) -> Result<()> {
        let _ = (other, map_path);
        Err(Error::Data("SKELETON CoverageData::update pending".into()))
    }
}

/// Reads a `.coverage` file.
pub fn read(path: &Path) -> Result<CoverageData> {
    Err(Error::Data(format!(
        "{}: SKELETON coveragepy reader pending",
        path.display()
    )))
}

/// Writes `data` to `path` atomically.
pub fn write(data: &CoverageData, path: &Path) -> Result<()> {
    let _ = data;
    Err(Error::Data(format!(
        "{}: SKELETON coveragepy writer pending",
        path.display()
    )))
}

/// The executed lines of a model, as coverage.py line data (for `prowcov convert --to coveragepy`).
pub fn from_model(coverage: &Coverage) -> CoverageData {
    let _ = coverage;
    CoverageData::default()
}
