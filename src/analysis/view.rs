//! One view's figures (a suite's or a component's): what [`super::views`] computes and the renderers show.

use serde::Serialize;

use super::gate::GateResult;
use super::patch::PatchFigures;
use crate::model::Summary;

/// What kind of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    Suite,
    Component,
}

/// One view's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewReport {
    pub kind: ViewKind,
    pub name: String,
    /// Files the view holds in either profile.
    pub files: usize,
    pub base: Summary,
    pub head: Summary,
    /// Head percent minus base percent; `None` when the base measures none of the view's files.
    pub delta: Option<f64>,
    pub patch: PatchFigures,
    /// The view's own gate, when it has thresholds.
    pub gate: Option<GateResult>,
    /// A suite whose tests failed: their exit status.
    pub failed: Option<i32>,
}

impl ViewReport {
    /// Whether the view's own gate (if any) passed.
    pub fn passed(&self) -> bool {
        self.gate.as_ref().is_none_or(|g| g.passed)
    }
}
