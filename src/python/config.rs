//! coverage.py configuration: discovery (`--rcfile`, `.coveragerc`, `.coveragerc.toml`, `setup.cfg`, `tox.ini`,
//! `pyproject.toml`; the first file with coverage settings wins), parsing and the settings prowcov uses.

use std::path::{Path, PathBuf};

use crate::error::Result;

/// The coverage.py settings prowcov needs.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageConfig {
    /// The file the settings came from, if any.
    pub config_file: Option<PathBuf>,
    /// `[run] data_file`, with `COVERAGE_FILE` applied; relative to the current directory.
    pub data_file: PathBuf,
    /// `[run] relative_files`.
    pub relative_files: bool,
    /// `[run] branch`.
    pub branch: bool,
    /// `[paths]` entries in file order: name, then the values (the first is the result).
    pub paths: Vec<(String, Vec<String>)>,
    /// `[report] precision`.
    pub precision: usize,
    /// `[report] fail_under`.
    pub fail_under: f64,
}

impl Default for CoverageConfig {
    fn default() -> Self {
        CoverageConfig {
            config_file: None,
            data_file: PathBuf::from(".coverage"),
            relative_files: false,
            branch: false,
            paths: Vec::new(),
            precision: 0,
            fail_under: 0.0,
        }
    }
}

/// Finds and reads the configuration the way coverage.py does, from `cwd`.
pub fn load(rcfile: Option<&Path>, cwd: &Path) -> Result<CoverageConfig> {
    let _ = (rcfile, cwd);
    Ok(CoverageConfig::default())
}

// PLACEHOLDER (combine branch): the pyconfig branch implements this; replaced on merge.
impl CoverageConfig {
    /// The `[paths]` rules as [`crate::python::paths::PathAliases`], honouring `relative_files`.
    pub fn aliases(&self) -> Result<crate::python::paths::PathAliases> {
        let mut aliases = crate::python::paths::PathAliases::new(self.relative_files);
        for (_, values) in &self.paths {
            if let Some((result, patterns)) = values.split_first() {
                for pattern in patterns {
                    aliases.add(pattern, result)?;
                }
            }
        }
        Ok(aliases)
    }
}
