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
    /// Record, find and list baselines in object storage (a local folder, gs:// or s3://).
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Write a line-by-line HTML report: an index and one page per source file.
    Html(HtmlArgs),
    /// Write JUnit XML for TestGrid: one case for the total, each file and each directory.
    Junit(JunitArgs),
    /// What a PR did to coverage: changed lines from git, base vs head per file, patch coverage and the gate.
    Diff(DiffArgs),
    /// Post or update this job's PR comment (one per job, edited in place), and optionally set a commit status.
    /// Without a token (`--github-token-file`, `GITHUB_TOKEN`) nothing is sent: a dry run.
    CommentPost(CommentPostArgs),
    /// Check prowcov's configuration (`.prowcov.toml` or `[tool.prowcov]` in `pyproject.toml`); `--dump` prints the
    /// effective settings.
    Config(ConfigArgs),
    /// The Prow job: run the tests under coverage, then do the mode's work (`--mode`, or Prow's `JOB_TYPE`).
    Run(RunArgs),
    /// `run --mode presubmit`: compare with the baseline, write the changed files' HTML and the PR comment, apply
    /// the gate.
    Presubmit(JobArgs),
    /// `run --mode postsubmit`: record the baseline, write the HTML report and TestGrid's JUnit.
    Postsubmit(JobArgs),
    /// `run --mode periodic`: write TestGrid's JUnit, the HTML report and the coverage history.
    Periodic(JobArgs),
    /// `run --mode batch`: a pre-submit of several PRs at once, without a comment.
    Batch(JobArgs),
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

    /// coverage.py configuration file (default: `COVERAGE_RCFILE`, else .coveragerc, .coveragerc.toml, setup.cfg,
    /// tox.ini, pyproject.toml; the first with coverage settings wins).
    #[arg(long)]
    pub rcfile: Option<PathBuf>,

    /// The combined data file to write (default: `[run] data_file`, or `COVERAGE_FILE`, or `.coverage`).
    #[arg(long)]
    pub data_file: Option<PathBuf>,

    /// Debug options, comma-separated; `pathmap` shows how each `[paths]` rule was applied, `combine` names each
    /// input combined or skipped.
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

    /// coverage.py configuration file, used when reading `.coverage` data (default: `COVERAGE_RCFILE`, else
    /// coverage.py's own discovery).
    #[arg(long)]
    pub rcfile: Option<PathBuf>,

    /// Python interpreter with coverage.py installed, used to analyse `.coverage` data (default: `PROWCOV_PYTHON`,
    /// else `python3`, then `python`).
    #[arg(long)]
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

/// The formats of `prowcov diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
    /// The PR comment body.
    Comment,
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

/// `prowcov baseline ...`.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Record a post-submit's coverage as the baseline of its commit (profile, metadata, marker, index).
    Put(BaselinePutArgs),
    /// Find the baseline for a base commit: the commit, else its nearest ancestor, else the newest build.
    Find(BaselineFindArgs),
    /// List the builds of a post-submit job and whether each is a complete baseline.
    List(BaselineListArgs),
}

/// Where baselines are stored; shared by the `baseline` subcommands.
#[derive(Debug, Args)]
pub struct StorageArgs {
    /// gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, file://PATH or a folder. Default: `PROWCOV_STORAGE`, else the
    /// configuration's `storage.url`, else `.prowcov/` in the current directory.
    #[arg(long)]
    pub storage: Option<String>,

    /// The post-submit job whose builds hold the baselines (default: `PROWCOV_BASELINE_JOB`, else the
    /// configuration's `storage.postsubmit-job`).
    #[arg(long)]
    pub job: Option<String>,
}

#[derive(Debug, Args)]
pub struct BaselinePutArgs {
    #[command(flatten)]
    pub storage: StorageArgs,

    /// This build's id (default: Prow's decimal `BUILD_ID`); the build's files are never overwritten.
    #[arg(long)]
    pub build_id: Option<String>,

    /// The commit the coverage was measured on (default: `PULL_BASE_SHA`).
    #[arg(long)]
    pub sha: Option<String>,

    /// The branch the commit was pushed to (default: `PULL_BASE_REF`).
    #[arg(long)]
    pub branch: Option<String>,

    /// `org/repo`, recorded in the metadata (default: `REPO_OWNER/REPO_NAME` when both are set).
    #[arg(long)]
    pub repo_name: Option<String>,

    /// The test command's exit status; recorded so that the pre-submit can skip baselines from failed tests.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub tests_exit_status: i32,

    /// The time to record, in seconds since the epoch (default: `SOURCE_DATE_EPOCH`, else now).
    #[arg(long)]
    pub time: Option<u64>,

    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BaselineFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct BaselineFindArgs {
    #[command(flatten)]
    pub storage: StorageArgs,

    /// The base commit (default: the pre-submit's `PULL_BASE_SHA`).
    #[arg(long)]
    pub sha: Option<String>,

    /// The branch the base commit is on (default: `PULL_BASE_REF`).
    #[arg(long)]
    pub branch: Option<String>,

    /// A git repository holding the base commit, to try its first-parent ancestors. Default: the current
    /// directory when it is a repository.
    #[arg(long)]
    pub repo: Option<PathBuf>,

    /// Ancestors of the base to try, nearest first (default: the configuration's `storage.max-walk`, 50).
    #[arg(long)]
    pub max_walk: Option<usize>,

    /// Newest builds of the job to try when no ancestor has a baseline.
    #[arg(long, default_value_t = 20)]
    pub max_builds: usize,

    /// Also use baselines whose tests failed (default: the configuration's `storage.use-failed-baselines`, else skip
    /// them).
    #[arg(long)]
    pub use_failed: bool,

    #[arg(long, value_enum, default_value_t = BaselineFormat::Text)]
    pub format: BaselineFormat,

    /// Write the baseline's coverage (prowcov JSON) to this file.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BaselineListArgs {
    #[command(flatten)]
    pub storage: StorageArgs,

    #[arg(long, value_enum, default_value_t = BaselineFormat::Text)]
    pub format: BaselineFormat,
}

#[derive(Debug, Args)]
pub struct HtmlArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The output folder, created or replaced whole (only an empty folder or an earlier prowcov report is replaced).
    #[arg(short, long)]
    pub output: PathBuf,

    /// Only the changed files (pre-submit): give `--base-ref` or `--changed-files`.
    #[arg(long)]
    pub changed_only: bool,

    /// The changed files and lines: one `path` or `path:line,line,first-last` per line, paths as in the coverage
    /// data (relative to --root).
    #[arg(long, value_name = "FILE")]
    pub changed_files: Option<PathBuf>,

    /// Mark the lines the checkout's HEAD changed since its merge-base with this revision (as `prowcov diff` finds
    /// them); with --changed-only, only those files get pages.
    #[arg(long, value_name = "REV")]
    pub base_ref: Option<String>,

    /// Coverage over time for the index chart: one `label percent` pair per line (whitespace-separated), oldest first.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// The report's title.
    #[arg(long, default_value = "Coverage report")]
    pub title: String,

    /// A link shown under the title, as `LABEL=URL` (http or https); may be repeated.
    #[arg(long, value_name = "LABEL=URL")]
    pub link: Vec<String>,

    /// Print the generation time (UTC) in the pages; without it the output is reproducible byte for byte.
    #[arg(long)]
    pub timestamp: bool,
}

#[derive(Debug, Args)]
pub struct JunitArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The output file; its name must start with `junit_` and end with `.xml` (TestGrid reads `junit_<context>.xml`).
    #[arg(short, long)]
    pub output: PathBuf,

    /// Cases below this percentage get a `<failure>` (the exit code stays 0: the XML records the verdict).
    #[arg(long, value_name = "PCT")]
    pub threshold: Option<f64>,
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

    /// Report format; `comment` is the PR comment body (needs `--job`).
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,

    /// Write the report to this file instead of stdout (atomically).
    #[arg(short, long)]
    pub output: Option<PathBuf>,

    /// `--format comment`: the Prow job, named in the comment's marker and its `/test` hint (default: `JOB_NAME`).
    #[arg(long)]
    pub job: Option<String>,

    /// `--format comment`: the http(s) URL of the HTML report folder (`prowcov html -o`), to link files and lines.
    #[arg(long, value_name = "URL")]
    pub html_url: Option<String>,

    /// `--format comment`: the output of `prowcov baseline find --format json`, naming the baseline used (or that
    /// none exists). Without it the `--base` profile is taken to be the coverage of the base commit.
    #[arg(long, value_name = "FILE")]
    pub baseline_json: Option<PathBuf>,

    #[command(flatten)]
    pub gate: GateArgs,

    /// Ignore whitespace-only changes and blank lines in the diff.
    #[arg(long)]
    pub ignore_whitespace: bool,

    /// Digits after the decimal point in shown percentages and deltas (default: the configuration's
    /// `report.precision`, 2).
    #[arg(long)]
    pub precision: Option<usize>,

    /// coverage.py configuration file, used when reading `.coverage` data (default: `COVERAGE_RCFILE`).
    #[arg(long)]
    pub rcfile: Option<PathBuf>,

    /// Python interpreter with coverage.py installed, used to analyse `.coverage` data (default: `PROWCOV_PYTHON`).
    #[arg(long)]
    pub python: Option<PathBuf>,

    /// Skip `.coverage` source files coverage.py cannot find or parse, instead of failing.
    #[arg(short, long)]
    pub ignore_errors: bool,
}

/// The gate's thresholds and the file filter, shared by `diff` and `run`.
#[derive(Debug, Default, Args)]
pub struct GateArgs {
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
}

#[derive(Debug, Args)]
pub struct CommentPostArgs {
    /// The repository, `owner/name` (default: `PROWCOV_GITHUB_REPO`).
    #[arg(long)]
    pub repo: Option<String>,

    /// The pull request number.
    #[arg(long)]
    pub pr: u64,

    /// The job name in the comment's hidden marker and the status context (`coverage/<job>`).
    #[arg(long)]
    pub job: String,

    /// The PR head commit the coverage was measured on.
    #[arg(long)]
    pub head: String,

    /// The comment body (Markdown), for example `$ARTIFACTS/comment.md`.
    #[arg(long)]
    pub body_file: PathBuf,

    /// A file holding the token (Prow mounts a secret as a file; default: `PROWCOV_GITHUB_TOKEN_FILE`, else the
    /// configuration's `bot.token-file`); else `GITHUB_TOKEN`; else a dry run.
    #[arg(long)]
    pub github_token_file: Option<PathBuf>,

    /// The API base: `https://api.github.com` (the default; else `PROWCOV_GITHUB_URL` or the configuration's
    /// `bot.github-url`), or GitHub Enterprise's `https://<host>/api/v3`.
    #[arg(long)]
    pub github_url: Option<String>,

    /// The bot's login, to skip `GET /user` (needed for GitHub App installation tokens).
    #[arg(long)]
    pub bot_login: Option<String>,

    /// Also set the commit status `coverage/<job>` on `--head` with this state.
    #[arg(long, value_enum)]
    pub status: Option<StatusState>,

    /// The status description (the figures); cut to 140 characters.
    #[arg(long, default_value = "")]
    pub status_description: String,

    /// The status link: the HTML report.
    #[arg(long)]
    pub target_url: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusState {
    Success,
    Failure,
    Error,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print the effective settings (defaults < file < environment) as TOML, each key with the layer that set it.
    #[arg(long)]
    pub dump: bool,

    /// The configuration file, instead of `.prowcov.toml` or `[tool.prowcov]` in `pyproject.toml` under --root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The repository root to look for the configuration in. Default: the current directory.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// The modes of `prowcov run`, named as Prow's `JOB_TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Presubmit,
    Postsubmit,
    Periodic,
    Batch,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job's mode; default: Prow's `JOB_TYPE` (required outside Prow).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,

    #[command(flatten)]
    pub job: JobArgs,
}

/// The flags of `prowcov run` and of its per-mode subcommands. Unset flags fall back to the environment, then the
/// repository's configuration file, then the defaults (`prowcov config --dump` shows the result).
#[derive(Debug, Default, Args)]
pub struct JobArgs {
    /// The repository (default: the git work tree around the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// The configuration file: `.prowcov.toml` or a `pyproject.toml` with `[tool.prowcov]` (default: found at the root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where the reports go (default: `$ARTIFACTS`, else `.prowcov/artifacts/<mode>` under the root).
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,

    /// Baseline storage: `gs://BUCKET/PREFIX`, `s3://BUCKET/PREFIX`, `file://PATH` or a folder (env PROWCOV_STORAGE).
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,

    /// The post-submit job whose builds hold the baselines (env PROWCOV_BASELINE_JOB).
    #[arg(long, value_name = "NAME")]
    pub postsubmit_job: Option<String>,

    /// The language runner (default: the configuration's `run.runner`).
    #[arg(long, value_enum)]
    pub runner: Option<RunnerArg>,

    /// Use this coverage file instead of running the tests (repeatable; any supported format).
    #[arg(long, value_name = "FILE")]
    pub profile: Vec<PathBuf>,

    /// The pre-submit's base outside Prow (default: the merge-base with the main branch).
    #[arg(long, value_name = "REV")]
    pub base_ref: Option<String>,

    /// Run only this `[[suites]]` entry (repeatable; default: every suite).
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,

    /// Do not run this `[[suites]]` entry (repeatable).
    #[arg(long = "skip-suite", value_name = "NAME")]
    pub skip_suites: Vec<String>,

    #[command(flatten)]
    pub gate: GateArgs,

    /// The GitHub API base (env PROWCOV_GITHUB_URL).
    #[arg(long, value_name = "URL")]
    pub github_url: Option<String>,

    /// A file holding the bot's token (env PROWCOV_GITHUB_TOKEN_FILE; else GITHUB_TOKEN; none: a dry run).
    #[arg(long, value_name = "FILE")]
    pub github_token_file: Option<PathBuf>,

    /// The bot's login, to skip `GET /user`.
    #[arg(long, value_name = "LOGIN")]
    pub bot_login: Option<String>,

    /// Also set the commit status `coverage/<job>`.
    #[arg(long)]
    pub status: bool,

    /// Digits after the decimal point in percentages.
    #[arg(long)]
    pub precision: Option<usize>,

    /// The Python interpreter for coverage.py (env PROWCOV_PYTHON).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,

    /// Also skip `.coverage` source files coverage.py cannot find (files it cannot parse as Python are always
    /// skipped, each with a warning), instead of failing.
    #[arg(short, long)]
    pub ignore_errors: bool,

    /// The test command (after `--`); default: the configuration's `run.command`, else the runner's own.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `--runner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RunnerArg {
    Auto,
    Python,
    Go,
    Command,
    None,
}
