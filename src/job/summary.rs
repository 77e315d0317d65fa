//! `summary.json`: what the run did, for people and for tools. Deterministic: no times, no durations. Written on
//! every path, a failure included (with `error`), so that no earlier run's summary passes for this one's.

use serde::Serialize;

use crate::model::Summary;
use crate::settings::JobSettings;
use crate::storage::BaselineReport;

/// The schema of `summary.json`.
pub const SCHEMA: u32 = 1;

/// `summary.json`.
#[derive(Debug, Default, Serialize)]
pub struct RunSummary {
    pub schema: u32,
    pub mode: String,
    pub job: String,
    pub build_id: String,
    pub repo: Option<String>,
    pub branch: Option<String>,
    /// The commit measured: the post-submit's or periodic's commit, the pre-submit's checkout.
    pub commit: Option<String>,
    pub pull: Option<PullSummary>,
    pub tests: TestsSummary,
    /// The `[[suites]]`, in order; absent without them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<SuiteSummary>,
    pub totals: Option<Totals>,
    pub baseline: Option<BaselineReport>,
    /// The PR's previous push, when one was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_push: Option<PreviousPushSummary>,
    pub recorded: Option<String>,
    pub patch: Option<Totals>,
    pub delta: Option<f64>,
    pub gate: Option<GateSummary>,
    pub comment: Option<String>,
    pub status: Option<String>,
    pub artifacts: Vec<String>,
    /// What the run warned about, in order.
    pub warnings: Vec<String>,
    pub exit_code: u8,
    /// Why the run failed, when it did.
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PullSummary {
    pub number: u64,
    pub sha: String,
}

#[derive(Debug, Default, Serialize)]
pub struct TestsSummary {
    /// The command run; `null` when existing coverage files were read.
    pub command: Option<Vec<String>>,
    pub exit_code: Option<i32>,
    /// The coverage files read, relative to the root where they are under it.
    pub profiles: Vec<String>,
}

/// The PR's previous push and what changed since.
#[derive(Debug, Serialize)]
pub struct PreviousPushSummary {
    pub sha: String,
    pub build_id: String,
    pub force_pushed: bool,
    /// This push's total minus that push's, in percentage points.
    pub delta: f64,
    pub files_moved: usize,
}

/// One suite's run.
#[derive(Debug, Serialize)]
pub struct SuiteSummary {
    pub name: String,
    /// Its directory, relative to the repository root; `null` for the root.
    pub root: Option<String>,
    pub command: Option<Vec<String>>,
    pub exit_code: Option<i32>,
    /// Why its coverage could not be read.
    pub error: Option<String>,
    pub profiles: Vec<String>,
    pub totals: Totals,
    /// Its output, among the artifacts; `null` when no test ran.
    pub log: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Totals {
    pub covered: u64,
    pub total: u64,
    pub percent: Option<f64>,
}

impl Totals {
    pub fn of(summary: &Summary) -> Totals {
        Totals {
            covered: summary.covered,
            total: summary.total,
            percent: Some(summary.percent()),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct GateSummary {
    pub passed: bool,
    pub failed: Vec<String>,
}

impl RunSummary {
    /// The summary's start: who and what, before anything ran.
    pub fn new(s: &JobSettings) -> RunSummary {
        RunSummary {
            schema: SCHEMA,
            mode: s.mode.to_string(),
            job: s.job_name.to_string(),
            build_id: s.build_id.to_string(),
            repo: s.repo_slug.clone(),
            pull: s.pull.as_ref().map(|p| PullSummary {
                number: p.number,
                sha: p.sha.clone(),
            }),
            ..RunSummary::default()
        }
    }
}
