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
//! The pure core, each layer using only those before it: [`model`] (the per-file coverage model, its pure merge,
//! summaries, the report table) <- [`formats`] (one module per format, detected by content; prowcov JSON owns its
//! document) <- [`analysis`] (what a PR changed, which files count, base vs head, patch coverage and the gate, as
//! one [`analysis::DiffReport`]; git is read through [`analysis::changes::GitRepo`] only) <- [`render`] (reports
//! into any `impl Write` or into memory: text, markdown, the PR comment, HTML pages, JUnit).
//!
//! Above the core:
//! - [`python`]: coverage.py specifics: its configuration files, `[paths]` remapping, `combine`, and running
//!   coverage.py to learn a file's statements.
//! - [`load`]: the one loading path of every command: detect, read, analyse coverage.py data, merge.
//! - [`storage`]: baselines in object storage (local folder, GCS, S3): Prow's layout, the completion marker, the
//!   per-commit index, the lookup and the periodic history; the only module that talks to object storage.
//! - [`github`]: the metrics-bot: the sticky PR comment and the commit status; the only module that talks to
//!   GitHub.
//! - [`runner`]: runs the tests under coverage (Python, Go, any command) and returns the profiles they wrote.
//! - [`prow`]: the Prow job environment, read once; [`settings`]: every command's flags, the repository's
//!   configuration and the environment resolved into validated values.
//! - [`job`]: the Prow job's decisions per mode, as functions that return what to write, store and post.
//! - [`publish`]: reports onto the disk (the HTML folder, published whole).
//! - [`commands`]: one module per subcommand; orchestration and exit codes only.
//!
//! At the bottom: [`ids`] (job, build, commit and branch names, parsed once), [`env`](mod@env) (the environment, read once
//! by `main`), [`config`] (`.prowcov.toml` or `[tool.prowcov]`, layered defaults < file < environment < flags),
//! [`clock`], [`retry`], [`glob`], [`warnings`] (one collector the command prints), [`fsutil`] (atomic writes,
//! folders published whole, reads confined to the root), [`parallel`], [`error`] (error types and the exit-code
//! table), and [`cli`] (clap definitions).

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
pub mod zipsource;
