//! The one loading path of every command and of the job: detect each input's format, read it, analyse coverage.py
//! data, and merge everything into one model, reporting every input that fails. No command-line types: the caller
//! resolves a [`LoadOptions`] (the root, the coverage.py configuration file, the interpreter) once.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::filter::Unmeasured;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::formats::{self, Input, ReadOptions};
use crate::model::Coverage;
use crate::python::analysis::{self, AnalysisOptions, DataFile, SourceErrors};
use crate::python::config::{self, CoverageConfig};
use crate::warnings::Warnings;

/// Inputs, read and merged.
#[derive(Debug)]
pub struct Loaded {
    pub coverage: Coverage,
    /// The coverage.py configuration of the root (defaults when there is none): precision and fail-under apply to
    /// every report.
    pub config: CoverageConfig,
    /// The repository root, absolute (canonical when it exists, so that it matches the real paths coverage.py
    /// records).
    pub root: PathBuf,
}

/// Below this many inputs a progress bar would only flicker.
const PROGRESS_MIN_INPUTS: usize = 20;

/// How to load: resolved by `settings` from flags, configuration and environment.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The repository root, absolute: relative paths in the data are relative to it, and `go.mod` files below it map
    /// Go import paths to files.
    pub root: PathBuf,
    /// coverage.py's configuration file (`--rcfile`, `COVERAGE_RCFILE`); default: coverage.py's own discovery.
    pub rcfile: Option<PathBuf>,
    /// The interpreter with coverage.py, for `.coverage` data.
    pub python: Option<PathBuf>,
    /// Skip `.coverage` source files coverage.py cannot find or parse, instead of failing.
    pub ignore_errors: bool,
}

/// Reads every input (`inputs`, or the coverage.py data file when none are given), reporting all that fail, and
/// merges them.
pub fn load(options: &LoadOptions, inputs: &[PathBuf], env: &Env, warnings: &Warnings) -> Result<Loaded> {
    let reader = Reader::new(options, env, warnings)?;
    let paths = input_paths(inputs, &reader.config, &reader.root)?;
    let coverage = reader.read(&paths)?;
    Ok(Loaded {
        coverage,
        config: reader.config,
        root: reader.root,
    })
}

/// The root and the coverage.py configuration, resolved once, for reading any number of input sets (`diff` reads a
/// base and a head).
pub struct Reader {
    pub root: PathBuf,
    pub config: CoverageConfig,
    analysis: AnalysisOptions,
    warnings: Warnings,
}

impl Reader {
    pub fn new(options: &LoadOptions, env: &Env, warnings: &Warnings) -> Result<Reader> {
        let root = options.root.clone();
        let config = config::load(options.rcfile.as_deref(), &root, env)?;
        let analysis = AnalysisOptions {
            python: options.python.clone(),
            rcfile: options.rcfile.clone(),
            root: root.clone(),
            // coverage.py's own setting counts as the flag does, so that `report` agrees with `coverage report`.
            source_errors: if options.ignore_errors || config.ignore_errors {
                SourceErrors::Skip
            } else {
                SourceErrors::Fail
            },
        };
        Ok(Reader {
            root,
            config,
            analysis,
            warnings: warnings.clone(),
        })
    }

    /// The job's reading: a measured file that is not Python (a template the tests executed) is skipped with a
    /// warning instead of failing the job, as `coverage report -i` would; a missing source still fails unless
    /// `-i` or `[report] ignore_errors` is given.
    pub fn tolerate_unparsable(mut self) -> Reader {
        if self.analysis.source_errors == SourceErrors::Fail {
            self.analysis.source_errors = SourceErrors::SkipUnparsable;
        }
        self
    }

    /// Reads and merges `paths`, reporting every one that fails.
    pub fn read(&self, paths: &[PathBuf]) -> Result<Coverage> {
        let options = ReadOptions {
            root: self.root.clone(),
            warnings: self.warnings.clone(),
        };
        let progress = progress_bar(paths.len());
        let mut coverage = Coverage::default();
        let mut data_files = Vec::new();
        let mut errors = Vec::new();
        for path in paths {
            progress.set_message(path.display().to_string());
            match formats::read(path, &options) {
                Ok(Input::Model(part)) => coverage.absorb(part),
                Ok(Input::CoveragePy(data)) => data_files.push(DataFile {
                    path: path.clone(),
                    data,
                }),
                Err(e) => errors.push(e),
            }
            progress.inc(1);
        }
        progress.finish_and_clear();

        if !data_files.is_empty() {
            match analysis::analyze(&data_files, &self.analysis) {
                Ok(part) => {
                    for skipped in &part.skipped {
                        let path = Path::new(&skipped.path);
                        self.warnings.warn(format!(
                            "{} is left out of the report: {} (coverage.py's `report -i`)",
                            path.strip_prefix(&self.root).unwrap_or(path).display(),
                            skipped.message
                        ));
                    }
                    coverage.absorb(part.coverage);
                }
                Err(e) => errors.push(e),
            }
        }
        // A partial report would look like a real one, so any failure fails the whole run (after naming every cause).
        Error::collect(errors)?;
        Ok(coverage)
    }
}

/// What the coverage tools leave unmeasured on purpose, for the change analysis: coverage.py's `omit` (from `config`,
/// relative to `root`) and Go's test files.
pub fn unmeasured(config: &CoverageConfig, root: &Path) -> Result<Vec<Unmeasured>> {
    let mut rules = config.unmeasured(root)?;
    rules.push(Unmeasured::go_test_files());
    Ok(rules)
}

/// Frees `loaded` on a background thread. A large report's model is millions of map nodes, and freeing them one by
/// one takes longer than writing the report; the command's result does not wait for it (the process exits, or, in a
/// long-lived host, the thread finishes the job).
pub fn discard(loaded: Loaded) {
    std::thread::spawn(move || drop(loaded));
}

/// The inputs given, or else the coverage.py data file when it exists.
fn input_paths(inputs: &[PathBuf], config: &CoverageConfig, root: &Path) -> Result<Vec<PathBuf>> {
    if !inputs.is_empty() {
        return Ok(inputs.to_vec());
    }
    let data_file = root.join(&config.data_file);
    if data_file.is_file() {
        return Ok(vec![data_file]);
    }
    Err(Error::Usage(format!(
        "no inputs given, and there is no coverage.py data file at {}; pass coverage files as arguments \
         (.coverage, coverage.xml, coverage.json, lcov.info, a Go cover profile or prowcov JSON)",
        data_file.display()
    )))
}

/// A bar on stderr for long runs; indicatif draws nothing when stderr is not a terminal.
fn progress_bar(len: usize) -> ProgressBar {
    if len < PROGRESS_MIN_INPUTS {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    bar
}
