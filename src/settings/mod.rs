//! Settings: the command line, the repository's configuration (`.prowcov.toml` or `[tool.prowcov]`) and one
//! snapshot of the environment ([`crate::env::Env`], taken in `main`), resolved once per command into validated
//! values, so that the commands only orchestrate and a misconfiguration fails before any work starts. Every command
//! layers them the same way: defaults < file < environment < flags.
//!
//! - [`root`]: the one meaning of "root" and how it defaults;
//! - [`inputs`]: how the commands that read coverage load it ([`crate::load::LoadOptions`]) and the configuration
//!   they honour;
//! - [`diff`], [`baseline`], [`bot`]: the building blocks' own settings;
//! - [`job`]: `prowcov run`'s settings, with the Prow job environment; [`suites`]: its `[[suites]]` and
//!   `[[components]]`, checked against the checkout.

pub mod baseline;
pub mod bot;
pub mod diff;
pub mod inputs;
pub mod job;
pub mod root;
pub mod suites;

pub use job::{Base, JobSettings, TEST_ENV_REMOVE, WELL_KNOWN_PROFILES};
pub use root::{RootDefault, resolve_root};
pub use suites::Tests;
