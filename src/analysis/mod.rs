//! Change analysis: what a PR changed (git), which files count, how coverage moved between base and head, patch
//! coverage, and the gate. Everything but [`changes`] is pure: functions over the model and a [`changes::ChangeSet`].
//!
//! The result is one value, [`DiffReport`], which the renderers (text, JSON, markdown, the PR comment, HTML) consume.

pub mod changes;
pub mod compare;
pub mod filter;
pub mod gate;
pub mod patch;
mod report;
pub mod view;
pub mod views;

pub use report::{DiffInputs, DiffReport, FileDiff};
