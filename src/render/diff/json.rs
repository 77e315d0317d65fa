//! The diff JSON, schema 1: a versioned contract documented field by field in `docs/diff-json.md`. Fields are only
//! added within a schema version. `"schema"` is the first key, `"kind": "diff"` the second.

use std::io::{self, Write};

use serde::Serialize;

use super::DiffRenderOptions;
use crate::analysis::changes::{ChangeStatus, Refs};
use crate::analysis::filter::Skipped;
use crate::analysis::gate::GateResult;
use crate::analysis::patch::{LineRange, PatchFigures};
use crate::analysis::views::ViewKind;
use crate::analysis::{DiffReport, FileDiff};
use crate::model::{Summary, display_percent};

/// The schema version written in `"schema"`.
pub const SCHEMA: u32 = 1;

/// The document; field order is output order.
#[derive(Debug, Serialize)]
struct Document<'a> {
    schema: u32,
    kind: &'static str,
    tool: &'static str,
    version: &'static str,
    refs: &'a Refs,
    base: Totals,
    head: Totals,
    delta: f64,
    patch: Patch,
    files: Vec<File<'a>>,
    indirect_changes: Vec<Indirect<'a>>,
    skipped: &'a [Skipped],
    gate: &'a GateResult,
    /// `[[suites]]`, in configuration order; absent without them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suites: Vec<View<'a>>,
    /// `[[components]]`, in configuration order, then `other`; absent without them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<View<'a>>,
}

/// A suite's or component's figures.
#[derive(Debug, Serialize)]
struct View<'a> {
    name: &'a str,
    files: usize,
    base: Totals,
    head: Totals,
    delta: Option<f64>,
    patch: Patch,
    /// The component's own gate; `null` without thresholds.
    gate: Option<&'a GateResult>,
    /// A suite whose tests failed: their exit status.
    #[serde(skip_serializing_if = "Option::is_none")]
    tests_exit_status: Option<i32>,
}

#[derive(Debug, Serialize)]
struct Totals {
    covered: u64,
    total: u64,
    percent: f64,
    display: String,
    branches_covered: u64,
    branches_total: u64,
}

#[derive(Debug, Serialize)]
struct Patch {
    covered: u64,
    total: u64,
    /// Exact; `null` when no changed line is measured.
    percent: Option<f64>,
    /// As shown at the report's precision.
    display: Option<String>,
}

#[derive(Debug, Serialize)]
struct File<'a> {
    path: &'a str,
    old_path: Option<&'a str>,
    status: ChangeStatus,
    base_percent: Option<f64>,
    head_percent: Option<f64>,
    delta: Option<f64>,
    base_covered: Option<u64>,
    base_total: Option<u64>,
    head_covered: Option<u64>,
    head_total: Option<u64>,
    patch_covered: u64,
    patch_total: u64,
    patch_percent: Option<f64>,
    changed_lines: &'a [u32],
    /// `[start, end]` pairs, inclusive.
    missing_changed_lines: Vec<[u32; 2]>,
}

#[derive(Debug, Serialize)]
struct Indirect<'a> {
    path: &'a str,
    base_percent: Option<f64>,
    head_percent: Option<f64>,
    delta: Option<f64>,
}

fn totals(s: &Summary, precision: usize) -> Totals {
    Totals {
        covered: s.covered,
        total: s.total,
        percent: s.percent(),
        display: display_percent(s.percent(), precision),
        branches_covered: s.branches_covered,
        branches_total: s.branches_total,
    }
}

fn patch(p: &PatchFigures, precision: usize) -> Patch {
    Patch {
        covered: p.covered,
        total: p.total,
        percent: p.percent(),
        display: p.display(precision),
    }
}

fn file(f: &FileDiff) -> File<'_> {
    File {
        path: &f.path,
        old_path: f.old_path.as_deref(),
        status: f.status,
        base_percent: f.base.map(|s| s.percent()),
        head_percent: f.head.map(|s| s.percent()),
        delta: f.delta,
        base_covered: f.base.map(|s| s.covered),
        base_total: f.base.map(|s| s.total),
        head_covered: f.head.map(|s| s.covered),
        head_total: f.head.map(|s| s.total),
        patch_covered: f.patch.covered,
        patch_total: f.patch.total,
        patch_percent: f.patch.percent(),
        changed_lines: &f.changed_lines,
        missing_changed_lines: f
            .missing_changed_lines
            .iter()
            .map(|r: &LineRange| [r.start, r.end])
            .collect(),
    }
}

fn views(report: &DiffReport, kind: ViewKind, p: usize) -> Vec<View<'_>> {
    report
        .views
        .iter()
        .filter(|v| v.kind == kind)
        .map(|v| View {
            name: &v.name,
            files: v.files,
            base: totals(&v.base, p),
            head: totals(&v.head, p),
            delta: v.delta,
            patch: patch(&v.patch, p),
            gate: v.gate.as_ref(),
            tests_exit_status: v.failed,
        })
        .collect()
}

/// Writes the report as pretty-printed JSON with a trailing newline.
pub fn write(report: &DiffReport, options: DiffRenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let p = options.precision;
    let doc = Document {
        schema: SCHEMA,
        kind: "diff",
        tool: "prowcov",
        version: env!("CARGO_PKG_VERSION"),
        refs: &report.refs,
        base: totals(&report.base, p),
        head: totals(&report.head, p),
        delta: report.delta,
        patch: patch(&report.patch, p),
        files: report.files.iter().map(file).collect(),
        indirect_changes: report
            .indirect
            .iter()
            .map(|c| Indirect {
                path: &c.path,
                base_percent: c.base.map(|s| s.percent()),
                head_percent: c.head.map(|s| s.percent()),
                delta: c.delta,
            })
            .collect(),
        skipped: &report.skipped,
        gate: &report.gate,
        suites: views(report, ViewKind::Suite, p),
        components: views(report, ViewKind::Component, p),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
