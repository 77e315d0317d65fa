//! The pre-submit (and batch): what the PR changed, the baseline of its base commit, the comparison, the changed
//! files' HTML, the comment body, the commit status and what to post. Reads git and storage; writes nothing.

use std::collections::BTreeMap;

use super::links;
use super::measured::Measured;
use super::phases::Phases;
use crate::analysis::changes::{BaseRef, ChangeOptions, ChangeSet, GitRepo};
use crate::analysis::compare;
use crate::analysis::filter::{Filter, SkipReason};
use crate::analysis::gate::GateConfig;
use crate::analysis::views::{self, Members, ViewKind, ViewSpec};
use crate::analysis::{DiffInputs, DiffReport};
use crate::error::Result;
use crate::github::{GateState, RepoRef, StatusRequest};
use crate::ids::Sha;
use crate::model::{Coverage, display_percent};
use crate::prow::JobType;
use crate::render::comment::{self, BaselineInfo, CommentInput, CommentLinks, PreviousPush};
use crate::render::html::{HtmlOptions, HtmlOverlay};
use crate::settings::{Base, JobSettings};
use crate::storage::{self, BaselineReport, Found, Lookup, Query, Store};

/// The HTML report's folder among the artifacts, for the comment's link.
pub const HTML_INDEX: &str = "html/index.html";

/// What a pre-submit found and what it writes and posts.
#[derive(Debug)]
pub struct Presubmit {
    pub changes: ChangeSet,
    /// Why the base is the base (`Prow's PULL_BASE_SHA`, the main branch, ...), for the log.
    pub base_reason: String,
    /// The PR's previous push and what changed since (a Prow pre-submit after the PR's first push).
    pub previous: Option<PreviousPush>,
    /// Recorded pushes that could not be used, and why.
    pub push_skipped: Vec<String>,
    /// The PR's head (the marker's commit): `PULL_PULL_SHA`, else the checkout.
    pub head_sha: String,
    /// The branch whose baselines were looked for.
    pub branch: String,
    pub query: Query,
    pub lookup: Lookup,
    pub report: DiffReport,
    /// Each failed gate rule, as text.
    pub failed_rules: Vec<String>,
    pub html: HtmlOptions,
    /// The comment body.
    pub comment: String,
    /// Where the comment links the HTML report.
    pub html_url: Option<String>,
    /// What to post; `None` with the reason when nothing is posted.
    pub post: Result<Post, &'static str>,
}

/// What the metrics-bot posts for a PR.
#[derive(Debug)]
pub struct Post {
    pub repo: RepoRef,
    pub pr: u64,
    /// The commit status, when `bot.status` is set.
    pub status: Option<StatusRequest>,
}

impl Presubmit {
    /// The baseline, as `summary.json` records it.
    pub fn baseline(&self) -> BaselineReport {
        BaselineReport::of(&self.lookup, &self.query)
    }
}

/// The pre-submit of `measured` against the baseline in `store`, with the changes read from `repo`.
pub fn run(
    s: &JobSettings,
    measured: &Measured,
    store: &Store,
    repo: &GitRepo,
    phases: &mut Phases,
) -> Result<Presubmit> {
    let base = match &s.base {
        Base::Prow { sha, .. } => BaseRef::PullBaseSha(sha.clone()),
        Base::Local(Some(rev)) => BaseRef::Given(rev.clone()),
        Base::Local(None) => match &s.config.config.run.main_branch {
            Some(branch) => BaseRef::MainBranch(branch.to_string()),
            None => BaseRef::Default,
        },
    };
    let base_reason = base.reason();
    let changes = phases.time("changes", || repo.changes(&ChangeOptions::to_head(base)))?;
    let head_sha = s
        .pull
        .as_ref()
        .map_or_else(|| changes.refs.head_sha.clone(), |p| p.sha.clone());
    let branch = match &s.base {
        Base::Prow { branch, .. } => branch.clone(),
        Base::Local(_) => repo.branch_name(&changes.refs.base_ref).unwrap_or_else(|| {
            tracing::info!(
                "{} names no branch; looking for baselines of `main`",
                changes.refs.base_ref
            );
            "main".to_owned()
        }),
    };

    // The baseline of the commit the change starts from (in Prow, the base commit itself).
    let query = Query::for_presubmit(s, &branch, &changes.refs.merge_base_sha);
    let lookup = phases.time("baseline", || storage::find(store, &query, Some(repo)))?;

    let empty = Coverage::default();
    let base_coverage = lookup.found.as_ref().map_or(&empty, |f| &f.coverage);
    let has_baseline = lookup.found.is_some();
    let report = phases.time("compare", || -> Result<DiffReport> {
        let mut report = compare(s, base_coverage, &measured.coverage, &changes, repo, has_baseline)?;
        report.views = views::build(
            &report,
            base_coverage,
            &measured.coverage,
            &view_specs(s, measured),
            has_baseline,
        )?;
        Ok(report)
    })?;
    let precision = s.config.config.report.precision.get();
    let rule_text = |r: &crate::analysis::gate::RuleResult| crate::render::diff::text::rule_text(r, precision);
    let mut failed_rules: Vec<String> = report.gate.rules.iter().filter(|r| !r.passed).map(rule_text).collect();
    for view in &report.views {
        for rule in view.gate.iter().flat_map(|g| &g.rules).filter(|r| !r.passed) {
            failed_rules.push(format!("component {}: {}", view.name, rule_text(rule)));
        }
    }
    let html = HtmlOptions {
        title: format!("{} (changed files)", s.title(&head_sha)),
        links: links::html_links(s),
        overlay: Some(overlay(&changes, &report)),
        changed_only: true,
        ..HtmlOptions::default()
    };
    let html_url = links::artifact_url(s, HTML_INDEX);
    let mut push_skipped = Vec::new();
    let previous = phases.time("previous push", || {
        previous_push(s, store, repo, &head_sha, &report, measured, &mut push_skipped)
    })?;
    let comment = phases.time("comment", || {
        comment::render(&CommentInput {
            job: &s.job_name,
            head_sha: &head_sha,
            report: &report,
            baseline: lookup.found.as_ref().map(|f| baseline_info(s, f, &branch)),
            links: CommentLinks {
                html_report: html_url.clone(),
                html_all_files: false,
            },
            head_tests_failed: measured.tests_failed(),
            prow: s.prow.is_some(),
            precision,
            previous: previous.clone(),
        })
    });
    let post = post(s, &report, measured, &head_sha, html_url.clone())?;
    Ok(Presubmit {
        changes,
        base_reason,
        previous,
        push_skipped,
        head_sha,
        branch,
        query,
        lookup,
        report,
        failed_rules,
        html,
        comment,
        html_url,
        post,
    })
}

/// The comparison of `head` with `base` over what `changes` changed, with the configuration's filter and gate.
fn compare(
    s: &JobSettings,
    base: &Coverage,
    head: &Coverage,
    changes: &ChangeSet,
    repo: &GitRepo,
    has_baseline: bool,
) -> Result<DiffReport> {
    let config = &s.config.config;
    let filter = Filter::from_paths(&config.paths)?.with_unmeasured(crate::load::unmeasured(&s.coverage_py, &s.root)?);
    let mut gate = GateConfig::from(&config.gate);
    // Without a baseline there is no drop to measure.
    gate.max_drop = gate.max_drop.filter(|_| has_baseline);
    let mut paths: Vec<&str> = changes.files.iter().map(|f| f.path.as_str()).collect();
    paths.extend(base.files.keys().chain(head.files.keys()).map(String::as_str));
    paths.sort_unstable();
    paths.dedup();
    let attributes = repo.attributes(paths)?;
    Ok(DiffReport::build(DiffInputs {
        base,
        head,
        changes,
        attributes: &attributes,
        filter: &filter,
        gate: &gate,
    }))
}

/// The PR's previous push (the newest recorded one of another head) and what changed since, over the files that
/// count; `None` outside a Prow pre-submit or on the PR's first push.
fn previous_push(
    s: &JobSettings,
    store: &Store,
    repo: &GitRepo,
    head_sha: &str,
    report: &DiffReport,
    measured: &Measured,
    skipped: &mut Vec<String>,
) -> Result<Option<PreviousPush>> {
    let Some(pull) = &s.pull else { return Ok(None) };
    let head = Sha::try_from(head_sha).map_err(|e| crate::error::Error::Usage(e.0))?;
    let Some(push) = storage::pushes::previous_push(store, &s.job_name, pull.number, &head, skipped)? else {
        return Ok(None);
    };
    let excluded: std::collections::BTreeSet<&str> = report.skipped.iter().map(|k| k.path.as_str()).collect();
    let delta = compare::push_delta(&push.coverage, &measured.coverage, |p| !excluded.contains(p));
    Ok(Some(PreviousPush {
        force_pushed: repo.distance(&push.marker.sha, head_sha).is_none(),
        sha: push.marker.sha,
        build_id: push.marker.build_id,
        delta,
    }))
}

/// The views the comparison is shown by: each suite (the files it owns, or the files its run measured), each
/// component with its own gate, and `other` for the files in no component.
fn view_specs(s: &JobSettings, measured: &Measured) -> Vec<ViewSpec> {
    let mut specs: Vec<ViewSpec> = measured
        .suites
        .iter()
        .map(|suite| ViewSpec {
            kind: ViewKind::Suite,
            name: suite.name.clone(),
            members: if suite.paths.is_empty() {
                Members::Files(suite.coverage.files.keys().cloned().collect())
            } else {
                Members::Globs(suite.paths.clone())
            },
            gate: None,
            failed: suite.failed(),
        })
        .collect();
    let components = &s.config.config.components;
    specs.extend(components.iter().map(|c| ViewSpec {
        kind: ViewKind::Component,
        name: c.name.to_string(),
        members: Members::Globs(c.paths.iter().map(|g| g.as_str().to_owned()).collect()),
        gate: (!c.gate.is_empty()).then(|| GateConfig::from(&c.gate)),
        failed: None,
    }));
    if !components.is_empty() {
        specs.push(ViewSpec {
            kind: ViewKind::Component,
            name: crate::config::OTHER_COMPONENT.to_owned(),
            members: Members::Rest,
            gate: None,
            failed: None,
        });
    }
    specs
}

/// The baseline as the comment names it, with its build's page.
fn baseline_info(s: &JobSettings, found: &Found, branch: &str) -> BaselineInfo {
    BaselineInfo {
        sha: found.metadata.sha.clone(),
        commits_behind: found.commits_behind.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        build_url: links::baseline_build_url(s, &found.build),
        tests_failed: found.metadata.tests_exit_status != 0,
        other_branch: (found.metadata.branch != branch).then(|| found.metadata.branch.clone()),
    }
}

/// What to post: the comment on the PR and, with `bot.status`, the commit status; a reason when nothing is.
fn post(
    s: &JobSettings,
    report: &DiffReport,
    measured: &Measured,
    head_sha: &str,
    target_url: Option<String>,
) -> Result<Result<Post, &'static str>> {
    let Some(pull) = &s.pull else {
        return Ok(Err(match s.mode {
            JobType::Batch => "a batch job posts no comment",
            _ => "not a Prow pre-submit (no PR to comment on)",
        }));
    };
    let repo = RepoRef::parse(s.repo_slug.as_deref().unwrap_or_default())?;
    let status = s.config.config.bot.status.then(|| StatusRequest {
        repo: repo.clone(),
        sha: head_sha.to_owned(),
        job: s.job_name.to_string(),
        state: if measured.tests_failed().is_some() || !report.passed() {
            GateState::Failure
        } else {
            GateState::Success
        },
        description: status_text(
            report,
            measured.tests_failed().is_some(),
            s.config.config.report.precision.get(),
        ),
        target_url,
    });
    Ok(Ok(Post {
        repo,
        pr: pull.number,
        status,
    }))
}

/// The commit status's description: the figures, then why it failed.
pub fn status_text(report: &DiffReport, tests_failed: bool, precision: usize) -> String {
    let mut description = format!("{}% total", display_percent(report.head.percent(), precision));
    if let Some(p) = report.patch.display(precision) {
        description.push_str(&format!(", {p}% patch"));
    }
    if tests_failed {
        description.push_str(", tests failed");
    } else if !report.passed() {
        description.push_str(", gate failed");
    }
    description
}

/// The changed lines, baseline percentages and patch figures the HTML report marks.
fn overlay(changes: &ChangeSet, report: &DiffReport) -> HtmlOverlay {
    let mut base_percent = BTreeMap::new();
    let mut patch = BTreeMap::new();
    for file in &report.files {
        if let Some(base) = &file.base {
            base_percent.insert(file.path.clone(), base.percent());
        }
        patch.insert(file.path.clone(), (file.patch.covered, file.patch.total));
    }
    // A file the configuration leaves unmeasured is not "without coverage data" in the index.
    let mut changed_lines = changes.head_lines();
    for skipped in &report.skipped {
        if matches!(skipped.reason, SkipReason::NotMeasured(_)) {
            changed_lines.remove(&skipped.path);
        }
    }
    HtmlOverlay {
        changed_lines,
        base_percent,
        patch,
    }
}
