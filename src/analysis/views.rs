//! Views over a comparison: the figures of each suite (the files its run measured, or owns) and of each component
//! (a sub-project, as globs), like Codecov's flags and components. A view has its base and head totals, its delta,
//! its patch coverage and, for a component with thresholds, its own gate. Pure: the views are computed from the two
//! models and the [`DiffReport`] the whole comparison made; skipped files (generated, excluded) stay skipped.

use std::collections::{BTreeMap, BTreeSet};

use super::gate::{self, GateConfig, GateInputs};
use super::patch::PatchFigures;
use super::report::DiffReport;
pub use super::view::{ViewKind, ViewReport};
use crate::error::Result;
use crate::glob::Globs;
use crate::model::{Coverage, Summary};

/// Which files a view holds.
#[derive(Clone, Debug)]
pub enum Members {
    /// The files these globs match (repo-relative, prowcov's glob dialect).
    Globs(Vec<String>),
    /// These files (a suite without `paths`: the files its run measured, in the head or the base).
    Files(BTreeSet<String>),
    /// The files no other view of the same kind holds (components' `other`).
    Rest,
}

/// One view to compute.
#[derive(Clone, Debug)]
pub struct ViewSpec {
    pub kind: ViewKind,
    pub name: String,
    pub members: Members,
    /// The view's own thresholds; `None`: no gate of its own.
    pub gate: Option<GateConfig>,
    /// A suite's test exit status, when it ran and failed.
    pub failed: Option<i32>,
}

/// The figures of every view in `specs`, in order. `has_baseline`: without one there is no drop to gate. A bad glob
/// is a usage error naming it.
pub fn build(
    report: &DiffReport,
    base: &Coverage,
    head: &Coverage,
    specs: &[ViewSpec],
    has_baseline: bool,
) -> Result<Vec<ViewReport>> {
    // Every view's globs in one matcher, each pattern remembering its view: one match per file, however many views.
    let mut patterns = Vec::new();
    let mut owner = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        if let Members::Globs(globs) = &spec.members {
            patterns.extend(globs.iter().cloned());
            owner.extend(std::iter::repeat_n(i, globs.len()));
        }
    }
    let matcher = Globs::new(&patterns, "paths")?;
    let skipped: BTreeSet<&str> = report.skipped.iter().map(|s| s.path.as_str()).collect();
    let mut paths: BTreeSet<&str> = base.files.keys().chain(head.files.keys()).map(String::as_str).collect();
    paths.extend(report.files.iter().map(|f| f.path.as_str()));
    // For each file that counts, the views that hold it.
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for path in paths.into_iter().filter(|p| !skipped.contains(p)) {
        let mut views: Vec<usize> = matcher.matches(path).into_iter().map(|m| owner[m]).collect();
        views.extend(
            specs
                .iter()
                .enumerate()
                .filter(|(_, s)| matches!(&s.members, Members::Files(f) if f.contains(path)))
                .map(|(i, _)| i),
        );
        for (i, spec) in specs.iter().enumerate() {
            if matches!(spec.members, Members::Rest) && !views.iter().any(|&v| specs[v].kind == spec.kind) {
                views.push(i);
            }
        }
        views.sort_unstable();
        views.dedup();
        members.insert(path, views);
    }
    let holds = |view: usize, path: &str| members.get(path).is_some_and(|v| v.binary_search(&view).is_ok());

    Ok(specs
        .iter()
        .enumerate()
        // `other` only when some file is in no component.
        .filter(|(i, spec)| !matches!(spec.members, Members::Rest) || members.values().any(|v| v.contains(i)))
        .map(|(i, spec)| {
            let total = |coverage: &Coverage| {
                let files: Vec<Summary> = coverage
                    .files
                    .iter()
                    .filter(|(p, _)| holds(i, p))
                    .map(|(_, f)| Summary::of_file(f))
                    .collect();
                Summary::sum(files.iter())
            };
            let base_total = total(base);
            let head_total = total(head);
            let files = members.values().filter(|v| v.binary_search(&i).is_ok()).count();
            let changed: Vec<_> = report.files.iter().filter(|f| holds(i, &f.path)).collect();
            let patch = PatchFigures::sum(changed.iter().map(|f| &f.patch));
            let delta =
                (base_total.total > 0 && head_total.total > 0).then(|| head_total.percent() - base_total.percent());
            let gate = spec.gate.map(|mut config| {
                if !has_baseline {
                    config.max_drop = None;
                }
                let files: Vec<(&str, Option<Summary>)> = changed.iter().map(|f| (f.path.as_str(), f.head)).collect();
                gate::evaluate(
                    &config,
                    GateInputs {
                        patch,
                        base_total: &base_total,
                        head_total: &head_total,
                        files: &files,
                    },
                )
            });
            ViewReport {
                kind: spec.kind,
                name: spec.name.clone(),
                files,
                base: base_total,
                head: head_total,
                delta,
                patch,
                gate,
                failed: spec.failed,
            }
        })
        .collect())
}
