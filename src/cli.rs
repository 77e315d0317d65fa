//! Command-line definitions (clap) and nothing else; commands turn these into settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "prowcov",
    version,
    about = "Coverage for CI: combine, report and convert coverage data"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// More diagnostics on stderr (-v info, -vv debug); `PROWCOV_LOG` takes a tracing filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Combine coverage.py data files, as `coverage combine` does (a drop-in, independent of input order).
    Combine(CombineArgs),
    /// Merge coverage inputs of any supported format and print a report.
    Report(ReportArgs),
    /// Merge coverage inputs and write them in another format.
    Convert(ConvertArgs),
    /// What a PR did to coverage: changed lines from git, base vs head per file, patch coverage and the gate.
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct CombineArgs {
    /// Data files, or directories holding `<data file>.*` files. Default: the data file's own directory.
    pub paths: Vec<PathBuf>,

    /// Combine into the existing data file instead of replacing it.
    #[arg(short, long)]
    pub append: bool,

    /// Keep the combined input files instead of deleting them.
    #[arg(long)]
    pub keep: bool,

    /// Print nothing but errors and warnings.
    #[arg(short, long)]
    pub quiet: bool,

    /// coverage.py configuration file (default: .coveragerc, .coveragerc.toml, setup.cfg, tox.ini, pyproject.toml;
    /// the first with coverage settings wins).
    #[arg(long, env = "COVERAGE_RCFILE")]
    pub rcfile: Option<PathBuf>,

    /// The combined data file to write (default: `[run] data_file`, or `COVERAGE_FILE`, or `.coverage`).
    #[arg(long)]
    pub data_file: Option<PathBuf>,

    /// Debug options, comma-separated; `pathmap` shows how each `[paths]` rule was applied.
    #[arg(long, value_delimiter = ',')]
    pub debug: Vec<String>,
}

/// Where the inputs come from and how to read them; shared by `report` and `convert`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Coverage files of any supported format (coverage.py `.coverage` or JSON, Cobertura XML, LCOV, Go cover
    /// profile, prowcov JSON), detected by content. Default: the coverage.py data file, if it exists.
    pub inputs: Vec<PathBuf>,

    /// Repository root: absolute paths under it are shown relative to it, and `go.mod` files below it map Go import
    /// paths to files. Default: the current directory.
    #[arg(long)]
    pub root: Option<PathBuf>,

    /// coverage.py configuration file, used when reading `.coverage` data.
    #[arg(long, env = "COVERAGE_RCFILE")]
    pub rcfile: Option<PathBuf>,

    /// Python interpreter with coverage.py installed, used to analyse `.coverage` data (default: `python3`, then
    /// `python`).
    #[arg(long, env = "PROWCOV_PYTHON")]
    pub python: Option<PathBuf>,

    /// Skip `.coverage` source files coverage.py cannot find or parse, instead of failing.
    #[arg(short, long)]
    pub ignore_errors: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// Write the report to this file instead of stdout (atomically).
    #[arg(short, long)]
    pub output: Option<PathBuf>,

    /// Exit with code 1 when the total is below this percentage.
    #[arg(long)]
    pub fail_under: Option<f64>,

    /// Digits after the decimal point in percentages (default: coverage.py's `[report] precision`, else 0).
    #[arg(long)]
    pub precision: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConvertFormat {
    /// coverage.py SQLite data (executed lines).
    Coveragepy,
    Cobertura,
    Lcov,
    /// prowcov JSON: the report's JSON plus line detail; prowcov reads it back losslessly.
    Json,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The output format.
    #[arg(long, value_enum)]
    pub to: ConvertFormat,

    /// The output file (written atomically).
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Coverage of the base (any supported format; several are merged). Prefer a format that carries statements
    /// (Cobertura, LCOV, JSON, Go): `.coverage` data is analysed against the checked-out (head) sources.
    #[arg(long, required = true, num_args = 1..)]
    pub base: Vec<PathBuf>,

    /// Coverage of the head (any supported format; several are merged).
    #[arg(long, required = true, num_args = 1..)]
    pub head: Vec<PathBuf>,

    /// The git checkout; coverage paths are relative to its root. Default: the current directory.
    #[arg(long)]
    pub repo: Option<PathBuf>,

    /// The base revision. Default: `PULL_BASE_SHA` when set (Prow), else the first of origin/HEAD, main, master,
    /// origin/main, origin/master that exists. The diff starts at its merge-base with the head.
    #[arg(long)]
    pub base_ref: Option<String>,

    /// The head revision (in Prow, `HEAD` is the PR merged into the base).
    #[arg(long, default_value = "HEAD")]
    pub head_ref: String,

    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// Write the report to this file instead of stdout (atomically).
    #[arg(short, long)]
    pub output: Option<PathBuf>,

    /// Gate: minimum patch coverage, in percent.
    #[arg(long, value_name = "PCT")]
    pub min_patch: Option<f64>,

    /// Gate: maximum drop of the total coverage, in percentage points.
    #[arg(long, value_name = "PCT")]
    pub max_drop: Option<f64>,

    /// Gate: minimum head coverage of each changed file the head measures, in percent.
    #[arg(long, value_name = "PCT")]
    pub min_file: Option<f64>,

    /// Count only files matching one of these globs (`*` stays within a directory, `**` crosses; a glob without `/`
    /// matches the file name anywhere).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Skip files matching any of these globs.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Ignore whitespace-only changes and blank lines in the diff.
    #[arg(long)]
    pub ignore_whitespace: bool,

    /// Digits after the decimal point in shown percentages and deltas.
    #[arg(long, default_value_t = 2)]
    pub precision: usize,

    /// coverage.py configuration file, used when reading `.coverage` data.
    #[arg(long, env = "COVERAGE_RCFILE")]
    pub rcfile: Option<PathBuf>,

    /// Python interpreter with coverage.py installed, used to analyse `.coverage` data.
    #[arg(long, env = "PROWCOV_PYTHON")]
    pub python: Option<PathBuf>,
}
