//! Loading and merging the inputs of `report` and `convert`: any mix of formats, every failure collected, coverage.py
//! data analysed by coverage.py, everything merged into one model.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::filter::Unmeasured;
use crate::cli::InputArgs;
use crate::error::{Error, Result};
use crate::formats::{self, Input, ReadOptions};
use crate::model::Coverage;
use crate::python::analysis::{self, AnalysisOptions, DataFile, SourceErrors};
use crate::python::config::{self, CoverageConfig};

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

/// Reads every input, reporting all that fail, and merges them.
pub fn load(args: &InputArgs) -> Result<Loaded> {
    let reader = Reader::new(args)?;
    let paths = input_paths(args, &reader.config, &reader.root)?;
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
}

impl Reader {
    pub fn new(args: &InputArgs) -> Result<Reader> {
        let root = resolve_root(args.root.as_deref())?;
        let config = config::load(args.rcfile.as_deref(), &root)?;
        let analysis = AnalysisOptions {
            python: args.python.clone(),
            rcfile: args.rcfile.clone(),
            root: root.clone(),
            // coverage.py's own setting counts as the flag does, so that `report` agrees with `coverage report`.
            source_errors: if args.ignore_errors || config.ignore_errors {
                SourceErrors::Skip
            } else {
                SourceErrors::Fail
            },
        };
        Ok(Reader { root, config, analysis })
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
                        eprintln!(
                            "warning: {} is left out of the report: {} (coverage.py's `report -i`)",
                            path.strip_prefix(&self.root).unwrap_or(path).display(),
                            skipped.message
                        );
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

/// The root as an absolute path: `--root` or the current directory, canonicalised when possible.
fn resolve_root(root: Option<&Path>) -> Result<PathBuf> {
    let root = match root {
        Some(root) => std::path::absolute(root).map_err(|e| Error::read(root, e))?,
        None => std::env::current_dir().map_err(|e| Error::read(".", e))?,
    };
    if !root.is_dir() {
        return Err(Error::Usage(format!("--root {}: not a directory", root.display())));
    }
    Ok(root.canonicalize().unwrap_or(root))
}

/// The inputs given, or else the coverage.py data file when it exists.
fn input_paths(args: &InputArgs, config: &CoverageConfig, root: &Path) -> Result<Vec<PathBuf>> {
    if !args.inputs.is_empty() {
        return Ok(args.inputs.clone());
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
