//! prowcov: coverage for CI jobs.
//!
//! Data flows one way:
//!
//! ```text
//! inputs (formats::*) ──► model::Coverage ──► render::* (text, json, markdown) ──► files / stdout
//!    │                        ▲
//!    └─ coverage.py .coverage ┘  via python::combine (paths remapping) and python::analysis (statements)
//!
//! base + head model::Coverage ─┐
//! git (analysis::changes) ─────┴─► analysis::DiffReport ──► render::diff::* (text, json, markdown)
//! ```
//!
//! - [`model`]: the per-file coverage model and its pure merge; summaries and percentages.
//! - [`formats`]: one module per input/output format, detected by content.
//! - [`python`]: coverage.py specifics: its configuration files, `[paths]` remapping, `combine`, and running
//!   coverage.py to learn a file's statements.
//! - [`analysis`]: what a PR changed (git2), which files count, base vs head, patch coverage and the gate, as one
//!   [`analysis::DiffReport`]; pure except for reading git.
//! - [`render`]: reports written to any `impl Write`.
//! - [`storage`]: baselines in object storage (local folder, GCS, S3): Prow's layout, the completion marker, the
//!   per-commit index and the lookup; the only module that talks to object storage.
//! - [`github`]: the metrics-bot: the sticky PR comment (found by its hidden marker, edited in place, never stale)
//!   and the commit status; the only module that talks to GitHub.
//! - [`config`]: prowcov's own configuration (`.prowcov.toml` or `[tool.prowcov]`), layered defaults < file <
//!   environment < flags.
//! - [`runner`]: runs the tests under coverage (Python with the user's coverage.py config, Go, any command) and
//!   returns the profiles they wrote; output teed to a log, SIGTERM/SIGINT forwarded.
//! - [`prow`]: the Prow job environment (`JOB_TYPE`, `PULL_*`, `JOB_SPEC`, ...), read once; [`settings`]: `prowcov
//!   run`'s flags, configuration and Prow environment resolved into one validated value.
//! - [`commands`]: one module per subcommand; orchestration only (`run` chains runner → model → storage/analysis →
//!   render → GitHub for the Prow job).
//! - [`error`]: error types and the exit-code table; [`fsutil`]: atomic writes.

pub mod analysis;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod env;
pub mod error;
pub mod formats;
pub mod fsutil;
pub mod github;
pub mod glob;
pub mod ids;
pub mod job;
pub mod load;
pub mod model;
pub mod parallel;
pub mod prow;
pub mod publish;
pub mod python;
pub mod render;
pub mod retry;
pub mod runner;
pub mod settings;
pub mod storage;
pub mod warnings;
