//! The PR comment body (GitHub Markdown), one per job: a hidden marker naming the job and head commit, the headline
//! figures against the baseline, the gate, a table of changed files linked into the HTML report, collapsed sections
//! for indirect changes, unmeasured and skipped files, the `/test` hint and the report link.
//!
//! Pure and deterministic: [`render`] reads a [`CommentInput`] and returns the body. The body always stays under
//! [`BODY_BUDGET`] bytes (GitHub rejects more than 65,536 characters): the changed-files table is cut with
//! "and N more files" and every collapsed list has its own share; Markdown is never cut mid-element, and the closing
//! parts are always present.

mod format;
mod links;
mod marker;
mod sections;

pub use marker::{is_job_name, marker, parse_marker};

use crate::analysis::DiffReport;
use crate::analysis::compare::PushDelta;
use crate::analysis::views::ViewKind;

/// GitHub's limit on a comment body, in characters.
pub const GITHUB_MAX_BODY: usize = 65_536;

/// The most bytes [`render`] writes: GitHub's limit less a margin for anything the bot adds (a "stale" note, a
/// footer). Bytes, not characters, so that the bound holds however GitHub counts.
pub const BODY_BUDGET: usize = 60_000;

/// Everything the comment shows.
#[derive(Clone, Debug)]
pub struct CommentInput<'a> {
    /// The Prow job (`JOB_NAME`): named in the marker and in the `/test` hint.
    pub job: &'a str,
    /// The commit the comment is about, for the marker: in Prow, the PR's head (`PULL_PULL_SHA`), not the merge
    /// commit that is checked out, so the bot can compare it with the PR.
    pub head_sha: &'a str,
    pub report: &'a DiffReport,
    /// The baseline the base figures come from; `None` when none exists yet (head and patch figures only).
    pub baseline: Option<BaselineInfo>,
    pub links: CommentLinks,
    /// The tests' exit status when they failed: the comment warns that the coverage may be partial.
    pub head_tests_failed: Option<i32>,
    /// Whether the job runs in Prow, where `/test <job>` re-runs it (the comment says so).
    pub prow: bool,
    /// Digits after the decimal point in percentages and deltas.
    pub precision: usize,
    /// The PR's previous push, when one was recorded: what changed since.
    pub previous: Option<PreviousPush>,
}

/// The PR's previous push, against this one.
#[derive(Clone, Debug, PartialEq)]
pub struct PreviousPush {
    /// Its head commit.
    pub sha: String,
    /// Its build.
    pub build_id: String,
    /// Whether it is not an ancestor of this head (the PR was force-pushed since).
    pub force_pushed: bool,
    pub delta: PushDelta,
}

/// Which baseline was used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaselineInfo {
    /// The commit the baseline measured.
    pub sha: String,
    /// Commits between it and the PR's base; `None` when it is not a known ancestor (the newest build was used).
    pub commits_behind: Option<u32>,
    /// The baseline build's page (Spyglass or gcsweb), when known.
    pub build_url: Option<String>,
    /// Whether the baseline build's tests failed (its figures may then be low).
    pub tests_failed: bool,
    /// The branch the baseline was recorded for, when it is not the PR's base branch (the base commit had a
    /// baseline only there).
    pub other_branch: Option<String>,
}

/// Where the comment links to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommentLinks {
    /// The URL of the HTML report folder (holding `index.html` and `files/`); `None`: no links.
    pub html_report: Option<String>,
    /// Whether the HTML report has a page for every file (`prowcov html` without `--changed-only`), so that files
    /// with indirect changes can be linked too.
    pub html_all_files: bool,
}

/// Renders the comment body.
pub fn render(input: &CommentInput<'_>) -> String {
    let parts = sections::Parts::new(input);
    let top = parts.top();
    let tail = parts.tail();
    let (header, rows) = parts.file_table();

    let mut body = top;
    body.push_str(&parts.views(ViewKind::Suite));
    body.push_str(&parts.views(ViewKind::Component));
    if rows.is_empty() {
        body.push_str(&parts.no_files());
    } else {
        // The "and N more" line is at most this long; reserving it up front means adding it never overflows.
        let more_reserve = parts.more_files(usize::MAX).len();
        let mut room = BODY_BUDGET.saturating_sub(body.len() + tail.len() + header.len() + more_reserve);
        body.push_str(&header);
        let mut shown = 0;
        for row in &rows {
            if row.len() > room {
                break;
            }
            room -= row.len();
            body.push_str(row);
            shown += 1;
        }
        if shown < rows.len() {
            body.push_str(&parts.more_files(rows.len() - shown));
        }
    }
    body.push_str(&tail);
    body
}
