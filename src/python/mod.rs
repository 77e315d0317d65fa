//! coverage.py specifics: its configuration files, `[paths]` remapping with its glob rules, `combine`, and running
//! coverage.py itself to learn which lines are statements.

pub mod analysis;
pub mod combine;
pub mod config;
mod expand;
pub mod globs;
pub(crate) mod ini;
pub mod paths;
mod pypath;
pub mod source;
