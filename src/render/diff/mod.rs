//! Renderers of an [`crate::analysis::DiffReport`]: text for a terminal or a build log, JSON (schema 1, documented in
//! `docs/diff-json.md`) for machines, markdown for a job summary.

pub mod json;
pub mod markdown;
pub mod text;

/// How figures are shown.
#[derive(Clone, Copy, Debug)]
pub struct DiffRenderOptions {
    /// Digits after the decimal point in percentages and deltas.
    pub precision: usize,
}
