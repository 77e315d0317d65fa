//! [`DiffReport`]: the one result of change analysis, assembled purely from the two profiles, the change set, the
//! attributes and the settings. Every renderer (text, JSON, markdown, the PR comment, HTML) reads this and nothing
//! else.

use std::collections::{BTreeMap, BTreeSet};

use super::changes::{ChangeSet, ChangeStatus, Refs};
use super::compare::{self, IndirectChange};
use super::filter::{FileAttributes, Filter, Skipped};
use super::gate::{self, GateConfig, GateInputs, GateResult};
use super::patch::{self, LineRange, PatchFigures};
use super::view::ViewReport;
use crate::model::{Coverage, Summary};

/// What a PR did to coverage.
#[derive(Clone, Debug)]
pub struct DiffReport {
    /// The revisions used: base as named and how it was chosen, its SHA, the head, and the merge-base the diff
    /// starts from.
    pub refs: Refs,
    /// Totals of the base profile over the files that count (skipped files excluded).
    pub base: Summary,
    /// Totals of the head profile over the files that count.
    pub head: Summary,
    /// Head total percent minus base total percent, in percentage points.
    pub delta: f64,
    /// Patch coverage over all changed files that count.
    pub patch: PatchFigures,
    /// The changed files that count, sorted by path, whether or not a profile measures them.
    pub files: Vec<FileDiff>,
    /// Files the PR did not touch whose coverage moved, sorted by path.
    pub indirect: Vec<IndirectChange>,
    /// Changed or profiled files that do not count, and why, sorted by path.
    pub skipped: Vec<Skipped>,
    pub gate: GateResult,
    /// The suites' and components' figures (built by [`super::views`]); empty unless the job configures them.
    pub views: Vec<ViewReport>,
}

impl DiffReport {
    /// Whether the gate passed, the views' own gates included.
    pub fn passed(&self) -> bool {
        self.gate.passed && self.views.iter().all(ViewReport::passed)
    }
}

/// One changed file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileDiff {
    /// The path in the head (for a deleted file, in the base).
    pub path: String,
    /// For a renamed file, its old path; its base figures are those of this path.
    pub old_path: Option<String>,
    pub status: ChangeStatus,
    /// The base profile's figures (of `old_path` for a rename); `None` when the base does not measure the file.
    pub base: Option<Summary>,
    /// The head profile's figures; `None` when the head does not measure the file (or it was deleted).
    pub head: Option<Summary>,
    /// Head percent minus base percent; `None` unless both are known.
    pub delta: Option<f64>,
    /// Added or modified head lines, ascending, measured or not.
    pub changed_lines: Vec<u32>,
    /// Of the changed lines the head measures, how many ran.
    pub patch: PatchFigures,
    /// Measured changed lines that did not run, as ranges.
    pub missing_changed_lines: Vec<LineRange>,
    /// Measured changed lines that did not run, one by one (diff-cover's violation lines).
    pub missing_lines: Vec<u32>,
}

impl FileDiff {
    /// Whether either profile measures this file.
    pub fn measured(&self) -> bool {
        self.base.is_some() || self.head.is_some()
    }
}

/// What [`DiffReport::build`] needs.
#[derive(Clone, Copy, Debug)]
pub struct DiffInputs<'a> {
    pub base: &'a Coverage,
    pub head: &'a Coverage,
    pub changes: &'a ChangeSet,
    /// The `.gitattributes` of changed and profiled paths; a path that is absent has none set.
    pub attributes: &'a BTreeMap<String, FileAttributes>,
    pub filter: &'a Filter,
    pub gate: &'a GateConfig,
}

impl DiffReport {
    /// Compares the profiles over the change set.
    pub fn build(inputs: DiffInputs<'_>) -> DiffReport {
        let skip = |path: &str| {
            let attributes = inputs.attributes.get(path).copied().unwrap_or_default();
            inputs.filter.skip_reason(path, attributes)
        };

        let mut skipped: BTreeMap<String, Skipped> = BTreeMap::new();
        let mut note_skip = |path: &str| match skip(path) {
            Some(reason) => {
                skipped.entry(path.to_string()).or_insert_with(|| Skipped {
                    path: path.to_string(),
                    reason,
                });
                false
            }
            None => true,
        };

        let mut files = Vec::new();
        let mut not_measured = Vec::new();
        for change in &inputs.changes.files {
            if !note_skip(&change.path) {
                continue;
            }
            let base_path = change.old_path.as_deref().unwrap_or(&change.path);
            let base = compare::summary_of(inputs.base, base_path);
            let head_file = match change.status {
                ChangeStatus::Deleted => None,
                _ => inputs.head.files.get(&change.path),
            };
            let head = head_file.map(Summary::of_file);
            if base.is_none() && head.is_none() {
                // Left out on purpose (coverage.py's `omit`, a Go test file): not a path problem.
                if let Some(reason) = inputs.filter.unmeasured_reason(&change.path) {
                    not_measured.push(Skipped {
                        path: change.path.clone(),
                        reason,
                    });
                    continue;
                }
            }
            let p = patch::file_patch(head_file, &change.changed_lines);
            files.push(FileDiff {
                path: change.path.clone(),
                old_path: change.old_path.clone(),
                status: change.status,
                delta: compare::delta(base.as_ref(), head.as_ref()),
                base,
                head,
                changed_lines: change.changed_lines.clone(),
                patch: p.figures,
                missing_changed_lines: p.missing_ranges,
                missing_lines: p.missing_lines,
            });
        }

        // Every profiled path is classified once; the totals and indirect changes then use the verdicts.
        let mut counts: BTreeMap<&str, bool> = BTreeMap::new();
        for path in inputs.base.files.keys().chain(inputs.head.files.keys()) {
            if !counts.contains_key(path.as_str()) {
                counts.insert(path, note_skip(path));
            }
        }
        let counted = |path: &str| counts.get(path).copied().unwrap_or(true);
        let base = compare::total(inputs.base, counted);
        let head = compare::total(inputs.head, counted);

        let touched: BTreeSet<&str> = inputs
            .changes
            .files
            .iter()
            .flat_map(|c| std::iter::once(c.path.as_str()).chain(c.old_path.as_deref()))
            .collect();
        let indirect = compare::indirect_changes(inputs.base, inputs.head, &touched, counted);

        for s in not_measured {
            skipped.entry(s.path.clone()).or_insert(s);
        }
        let patch = PatchFigures::sum(files.iter().map(|f| &f.patch));
        let gate_files: Vec<(&str, Option<Summary>)> = files
            .iter()
            .filter(|f| f.status != ChangeStatus::Deleted)
            .map(|f| (f.path.as_str(), f.head))
            .collect();
        let gate = gate::evaluate(
            inputs.gate,
            GateInputs {
                patch,
                base_total: &base,
                head_total: &head,
                files: &gate_files,
            },
        );

        DiffReport {
            refs: inputs.changes.refs.clone(),
            delta: head.percent() - base.percent(),
            base,
            head,
            patch,
            files,
            indirect,
            skipped: skipped.into_values().collect(),
            gate,
            views: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::changes::{FileChange, Refs};
    use crate::analysis::gate::RuleKind;
    use proptest::prelude::*;

    fn changes_of(coverage: &Coverage, picks: &[(usize, Vec<u32>)]) -> ChangeSet {
        let paths: Vec<&String> = coverage.files.keys().collect();
        let mut files: BTreeMap<String, FileChange> = BTreeMap::new();
        for (i, lines) in picks {
            if let Some(path) = paths.get(i % paths.len().max(1)) {
                let mut changed_lines = lines.clone();
                changed_lines.sort_unstable();
                changed_lines.dedup();
                files.insert(
                    path.to_string(),
                    FileChange {
                        path: path.to_string(),
                        old_path: None,
                        status: ChangeStatus::Modified,
                        changed_lines,
                    },
                );
            }
        }
        ChangeSet {
            refs: Refs {
                base_ref: "main".into(),
                base_source: "--base-ref".into(),
                base_sha: "b".into(),
                head_ref: "HEAD".into(),
                head_sha: "h".into(),
                merge_base_sha: "b".into(),
            },
            files: files.into_values().collect(),
        }
    }

    fn arb_picks() -> impl Strategy<Value = Vec<(usize, Vec<u32>)>> {
        prop::collection::vec((0usize..4, prop::collection::vec(1u32..50, 0..10)), 0..4)
    }

    const GATE: GateConfig = GateConfig {
        min_patch: None,
        max_drop: Some(0.0),
        min_file: None,
    };

    proptest! {
        #[test]
        fn a_profile_diffed_against_itself_changes_nothing(
            cov in crate::model::testing::arb_coverage("[a-c]/[xy]\\.py", "[ab]"),
            picks in arb_picks(),
        ) {
            let changes = changes_of(&cov, &picks);
            let report = DiffReport::build(DiffInputs {
                base: &cov,
                head: &cov,
                changes: &changes,
                attributes: &BTreeMap::new(),
                filter: &Filter::everything(),
                gate: &GATE,
            });
            prop_assert!(report.indirect.is_empty());
            prop_assert_eq!(report.base, report.head);
            prop_assert_eq!(report.delta, 0.0);
            for f in &report.files {
                prop_assert_eq!(f.delta, Some(0.0));
            }
            prop_assert!(report.gate.passed);
            prop_assert_eq!(report.gate.rules[0].rule, RuleKind::MaxDrop);
        }

        #[test]
        fn totals_equal_the_sums_of_files(
            base in crate::model::testing::arb_coverage("[a-c]/[xy]\\.py", "[ab]"),
            head in crate::model::testing::arb_coverage("[a-c]/[xy]\\.py", "[ab]"),
            picks in arb_picks(),
            excluded in "[a-c]/[xy]\\.py",
        ) {
            let changes = changes_of(&head, &picks);
            let filter = Filter::new(&[], std::slice::from_ref(&excluded)).unwrap();
            let report = DiffReport::build(DiffInputs {
                base: &base,
                head: &head,
                changes: &changes,
                attributes: &BTreeMap::new(),
                filter: &filter,
                gate: &GateConfig::default(),
            });
            let sum = |c: &Coverage| {
                let parts: Vec<Summary> = c
                    .files
                    .iter()
                    .filter(|(p, _)| **p != excluded)
                    .map(|(_, f)| Summary::of_file(f))
                    .collect();
                Summary::sum(&parts)
            };
            prop_assert_eq!(report.base, sum(&base));
            prop_assert_eq!(report.head, sum(&head));
            prop_assert_eq!(report.patch, PatchFigures::sum(report.files.iter().map(|f| &f.patch)));
            prop_assert!(report.files.iter().all(|f| f.path != excluded));
            for f in &report.files {
                prop_assert_eq!(f.patch.total as usize, f.changed_lines.iter().filter(|l| head.files[&f.path].lines.contains_key(l)).count());
            }
        }
    }
}
