//! The gate: thresholds on patch coverage, on the drop of the total, and on each changed file. Each rule gives its
//! figure and pass/fail; the gate passes when every rule does. Figures are compared exactly (not as rounded for
//! display); a file or patch with nothing measurable never fails.

use serde::Serialize;

use super::patch::PatchFigures;
use crate::model::Summary;

/// Tolerance for float noise when comparing percentages (`80.0 - 79.9` is not exactly `0.1`).
const EPSILON: f64 = 1e-9;

/// The thresholds, in percent; `None` disables a rule.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GateConfig {
    /// Minimum patch coverage.
    pub min_patch: Option<f64>,
    /// Maximum drop of the total, in percentage points (base total minus head total).
    pub max_drop: Option<f64>,
    /// Minimum head coverage of each changed file that the head profile measures.
    pub min_file: Option<f64>,
}

impl From<&crate::config::Gate> for GateConfig {
    /// The thresholds of the configuration's `[gate]` (flags already applied to it).
    fn from(gate: &crate::config::Gate) -> GateConfig {
        GateConfig {
            min_patch: gate.min_patch.map(|p| p.get()),
            max_drop: gate.max_drop.map(|p| p.get()),
            min_file: gate.min_file.map(|p| p.get()),
        }
    }
}

/// Which rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    MinPatch,
    MaxDrop,
    MinFile,
}

/// One rule's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleResult {
    pub rule: RuleKind,
    pub threshold: f64,
    /// The figure compared: patch percent, the drop in points, or the lowest changed file's percent; `None` when
    /// nothing was measurable (the rule then passes).
    pub figure: Option<f64>,
    pub passed: bool,
    /// For `min_file`: the files below the threshold.
    pub failing_files: Vec<String>,
}

/// The outcome of all rules.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GateResult {
    pub passed: bool,
    pub rules: Vec<RuleResult>,
}

/// What the rules look at.
#[derive(Clone, Copy, Debug)]
pub struct GateInputs<'a> {
    pub patch: PatchFigures,
    pub base_total: &'a Summary,
    pub head_total: &'a Summary,
    /// Changed files still in the head, with their head summary (`None`: not in the head profile).
    pub files: &'a [(&'a str, Option<Summary>)],
}

/// Applies every configured rule.
pub fn evaluate(config: &GateConfig, inputs: GateInputs<'_>) -> GateResult {
    let mut rules = Vec::new();
    if let Some(threshold) = config.min_patch {
        let figure = inputs.patch.percent();
        rules.push(RuleResult {
            rule: RuleKind::MinPatch,
            threshold,
            figure,
            passed: figure.is_none_or(|pc| pc + EPSILON >= threshold),
            failing_files: Vec::new(),
        });
    }
    if let Some(threshold) = config.max_drop {
        let measurable = inputs.base_total.total > 0 && inputs.head_total.total > 0;
        let figure = measurable.then(|| inputs.base_total.percent() - inputs.head_total.percent());
        rules.push(RuleResult {
            rule: RuleKind::MaxDrop,
            threshold,
            figure,
            passed: figure.is_none_or(|drop| drop <= threshold + EPSILON),
            failing_files: Vec::new(),
        });
    }
    if let Some(threshold) = config.min_file {
        let measured: Vec<(&str, f64)> = inputs
            .files
            .iter()
            .filter_map(|(path, s)| s.filter(|s| s.total > 0).map(|s| (*path, s.percent())))
            .collect();
        let failing_files: Vec<String> = measured
            .iter()
            .filter(|(_, pc)| pc + EPSILON < threshold)
            .map(|(p, _)| p.to_string())
            .collect();
        rules.push(RuleResult {
            rule: RuleKind::MinFile,
            threshold,
            figure: measured.iter().map(|(_, pc)| *pc).reduce(f64::min),
            passed: failing_files.is_empty(),
            failing_files,
        });
    }
    GateResult {
        passed: rules.iter().all(|r| r.passed),
        rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileCoverage;

    fn summary(lines: &[(u32, u64)]) -> Summary {
        let mut f = FileCoverage::default();
        f.lines.extend(lines.iter().copied());
        Summary::of_file(&f)
    }

    #[test]
    fn each_rule_reports_figure_and_outcome() {
        let base = summary(&[(1, 1), (2, 1), (3, 1), (4, 0)]);
        let head = summary(&[(1, 1), (2, 1), (3, 0), (4, 0)]);
        let low = summary(&[(1, 0), (2, 1)]);
        let empty = summary(&[]);
        let files = [("a.py", Some(low)), ("empty.py", Some(empty)), ("gone.py", None)];
        let config = GateConfig {
            min_patch: Some(50.0),
            max_drop: Some(20.0),
            min_file: Some(60.0),
        };
        let inputs = GateInputs {
            patch: PatchFigures { covered: 1, total: 2 },
            base_total: &base,
            head_total: &head,
            files: &files,
        };
        let r = evaluate(&config, inputs);
        assert!(!r.passed);
        let got: Vec<_> = r.rules.iter().map(|r| (r.rule, r.figure, r.passed)).collect();
        assert_eq!(
            got,
            [
                (RuleKind::MinPatch, Some(50.0), true),
                (RuleKind::MaxDrop, Some(25.0), false),
                (RuleKind::MinFile, Some(50.0), false),
            ]
        );
        assert_eq!(
            r.rules[2].failing_files,
            ["a.py"],
            "files with nothing measurable never fail"
        );
    }

    #[test]
    fn nothing_measurable_passes() {
        let empty = Summary::default();
        let config = GateConfig {
            min_patch: Some(100.0),
            max_drop: Some(0.0),
            min_file: Some(100.0),
        };
        let inputs = GateInputs {
            patch: PatchFigures::default(),
            base_total: &empty,
            head_total: &empty,
            files: &[],
        };
        assert!(evaluate(&config, inputs).passed);
    }
}
