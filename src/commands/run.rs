//! `prowcov run` and its per-mode subcommands: the Prow job. Resolve the settings once ([`JobSettings`]), run the
//! tests under coverage (or read the given profiles), load the coverage, then do the mode's work:
//!
//! - post-submit: record the baseline in storage (marker last), write the HTML report and TestGrid's JUnit;
//! - pre-submit and batch: find the baseline of the base commit, compare, write the changed files' HTML, the diff
//!   and the comment, post or update the comment (pre-submit with a PR only), set the status, apply the gate;
//! - periodic: write TestGrid's JUnit and the HTML report, and append the total to the history.
//!
//! Every mode writes `coverage.json` and `summary.json` to the artifacts. A test failure does not hide the
//! coverage: everything is still written, and the exit code says the tests failed (3, which wins over the gate's 1).
//! The time of each phase is printed at the end, for the benchmark and for anyone wondering where a job's time goes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::analysis::changes::{BaseRef, ChangeOptions, ChangeSet, GitRepo};
use crate::analysis::filter::{Filter, SkipReason};
use crate::analysis::gate::GateConfig;
use crate::analysis::{DiffInputs, DiffReport};
use crate::cli::{InputArgs, JobArgs, Mode};
use crate::commands::inputs;
use crate::config::{LinkTemplate, LinkVars};
use crate::error::{Error, Result, exit};
use crate::fsutil::write_atomic;
use crate::github::{
    BotOptions, CommentRequest, GateState, MetricsBot, RepoRef, RetryPolicy, StatusOutcome, StatusRequest, TokenSource,
};
use crate::model::{Coverage, Summary};
use crate::prow::{self, JobType};
use crate::render::comment::{self, BaselineInfo, CommentInput, CommentLinks};
use crate::render::diff::DiffRenderOptions;
use crate::render::html::{self, HtmlOptions, HtmlOverlay};
use crate::render::json::{self as json_report, JsonOptions};
use crate::render::junit::{self, JunitOptions};
use crate::render::{self, Table};
use crate::runner::{self, RunSpec};
use crate::settings::{Base, JobSettings, TEST_ENV_REMOVE, Tests};
use crate::storage::{self, BuildRef, FailedTests, Query, Record, Store, StoreOptions};

/// The schema of `summary.json`.
const SCHEMA: u32 = 1;

/// The artifacts, by name.
pub const SUMMARY: &str = "summary.json";
pub const TESTS_LOG: &str = "tests.log";
pub const COVERAGE: &str = "coverage.json";
pub const HTML_DIR: &str = "html";
pub const JUNIT: &str = "junit_coverage.xml";
pub const COMMENT: &str = "comment.md";
pub const DIFF: &str = "diff.json";
pub const HISTORY: &str = "coverage-history.txt";

/// Newest builds of the post-submit job tried when no ancestor of the base has a baseline.
const MAX_BUILDS: usize = 20;

pub fn run(mode: Option<Mode>, args: JobArgs) -> Result<u8> {
    let started = Instant::now();
    let settings = JobSettings::resolve(mode, &args, &prow::process_env)?;
    let mut job = Job::new(settings);
    job.started = started;
    job.phases.push(("settings", started.elapsed()));
    job.run()
}

/// One run of the job.
struct Job {
    s: JobSettings,
    phases: Vec<(&'static str, Duration)>,
    summary: RunSummary,
    /// The exit code of a failure to post the comment or status, which the job survives.
    post_failure: Option<u8>,
    started: Instant,
}

/// `summary.json`: what the run did, for people and for tools. Deterministic: no times, no durations.
#[derive(Debug, Default, Serialize)]
struct RunSummary {
    schema: u32,
    mode: String,
    job: String,
    build_id: String,
    repo: Option<String>,
    branch: Option<String>,
    /// The commit measured: the post-submit's or periodic's commit, the pre-submit's checkout.
    commit: Option<String>,
    pull: Option<PullSummary>,
    tests: TestsSummary,
    totals: Option<Totals>,
    baseline: Option<BaselineSummary>,
    recorded: Option<String>,
    patch: Option<Totals>,
    delta: Option<f64>,
    gate: Option<GateSummary>,
    comment: Option<String>,
    status: Option<String>,
    artifacts: Vec<String>,
    exit_code: u8,
    /// Why the run failed, when it did.
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct PullSummary {
    number: u64,
    sha: String,
}

#[derive(Debug, Default, Serialize)]
struct TestsSummary {
    /// The command run; `null` when existing coverage files were read.
    command: Option<Vec<String>>,
    exit_code: Option<i32>,
    /// The coverage files read, relative to the root where they are under it.
    profiles: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Totals {
    covered: u64,
    total: u64,
    percent: Option<f64>,
}

#[derive(Debug, Serialize)]
struct BaselineSummary {
    found: bool,
    job: String,
    build_id: Option<String>,
    sha: Option<String>,
    #[serde(rename = "match")]
    matched: Option<storage::Match>,
    commits_behind: Option<usize>,
    percent: Option<f64>,
    skipped: Vec<storage::Skipped>,
}

#[derive(Debug, Serialize)]
struct GateSummary {
    passed: bool,
    failed: Vec<String>,
}

/// The coverage obtained and how.
struct Measured {
    coverage: Coverage,
    /// The tests' exit status; `None` when existing files were read.
    tests_exit: Option<i32>,
}

impl Measured {
    fn tests_failed(&self) -> Option<i32> {
        self.tests_exit.filter(|s| *s != 0)
    }
}

impl Job {
    fn new(s: JobSettings) -> Job {
        let summary = RunSummary {
            schema: SCHEMA,
            mode: s.mode.to_string(),
            job: s.job_name.clone(),
            build_id: s.build_id.clone(),
            repo: s.repo_slug.clone(),
            pull: s.pull.as_ref().map(|p| PullSummary {
                number: p.number,
                sha: p.sha.clone(),
            }),
            ..RunSummary::default()
        };
        Job {
            s,
            phases: Vec::new(),
            summary,
            post_failure: None,
            started: Instant::now(),
        }
    }

    fn time<T>(&mut self, phase: &'static str, f: impl FnOnce(&mut Self) -> T) -> T {
        let started = Instant::now();
        let out = f(self);
        self.phases.push((phase, started.elapsed()));
        out
    }

    fn run(mut self) -> Result<u8> {
        eprintln!(
            "prowcov {}: job {} build {}{}, repository {}, artifacts in {}",
            self.s.mode,
            self.s.job_name,
            self.s.build_id,
            if self.s.prow.is_some() {
                ""
            } else {
                " (not in Prow: the local defaults apply)"
            },
            self.s.root.display(),
            self.s.artifacts.display()
        );
        self.clear_artifacts()?;
        let outcome = self.work();
        // summary.json is written on every path, so a failed run never leaves an earlier run's summary behind.
        let (code, error) = match &outcome {
            Ok(code) => (*code, None),
            Err(e) => (e.exit_code(), Some(e.to_string())),
        };
        self.summary.exit_code = code;
        self.summary.error = error;
        self.summary.artifacts.push(SUMMARY.to_owned());
        self.summary.artifacts.sort();
        let summary_path = self.s.artifacts.join(SUMMARY);
        let written = write_atomic(&summary_path, |w| {
            serde_json::to_writer_pretty(&mut *w, &self.summary)?;
            w.write_all(b"\n")
        });
        self.print_phases();
        let code = outcome?;
        written?;
        Ok(code)
    }

    /// Removes what an earlier run left under the artifact names this run writes (and nothing else), so that no
    /// earlier file passes for this run's.
    fn clear_artifacts(&self) -> Result<()> {
        let dir = &self.s.artifacts;
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        for name in [SUMMARY, TESTS_LOG, COVERAGE, JUNIT, COMMENT, DIFF, HISTORY] {
            let path = dir.join(name);
            if path.is_file() {
                std::fs::remove_file(&path).map_err(|e| Error::write(&path, e))?;
            }
        }
        let html = dir.join(HTML_DIR);
        if html.is_dir() {
            std::fs::remove_dir_all(&html).map_err(|e| Error::write(&html, e))?;
        }
        Ok(())
    }

    /// Everything between the settings and `summary.json`; the exit code.
    fn work(&mut self) -> Result<u8> {
        let url = self.s.storage_url();
        if self.s.prow.is_some() && !url.contains("://") {
            eprintln!(
                "warning: baselines are kept in the local folder {url}, which goes away with the pod; set \
                 storage.url or PROWCOV_STORAGE to a gs:// or s3:// URL so that pre-submits can find them"
            );
        }
        // Storage is opened first: a wrong URL or missing credentials fail in a second, not after the tests.
        let store = self.time("storage", |_| Store::open(&url, &StoreOptions::from_env()))?;
        let measured = self.measure()?;
        self.summary.totals = Some(totals(&total(&measured.coverage)));

        let gate_failed = match self.s.mode {
            JobType::Postsubmit => {
                self.postsubmit(&store, &measured)?;
                false
            }
            JobType::Periodic => {
                self.periodic(&store, &measured)?;
                false
            }
            JobType::Presubmit | JobType::Batch => self.presubmit(&store, &measured)?,
        };
        if let Some(status) = measured.tests_failed() {
            eprintln!(
                "prowcov {}: the tests failed (exit status {status}); the coverage was still reported. Their output: {}",
                self.s.mode,
                self.s.artifacts.join(TESTS_LOG).display()
            );
        }
        // The order: the tests' failure first (what to fix), then a failure to post, then the gate.
        Ok(if measured.tests_failed().is_some() {
            exit::TESTS_FAILED
        } else if let Some(code) = self.post_failure {
            code
        } else if gate_failed {
            exit::THRESHOLD_FAILED
        } else {
            exit::OK
        })
    }

    /// One line: each phase, then the wall time since the job started and the part of it that was not the tests.
    fn print_phases(&self) {
        let total = self.started.elapsed();
        let tests: Duration = self.phases.iter().filter(|(p, _)| *p == "tests").map(|(_, d)| *d).sum();
        let own = total.saturating_sub(tests);
        let list: Vec<String> = self
            .phases
            .iter()
            .map(|(p, d)| format!("{p} {:.3}s", d.as_secs_f64()))
            .collect();
        eprintln!(
            "prowcov {}: phases: {}; total {:.3}s, prowcov's own {:.3}s",
            self.s.mode,
            list.join(", "),
            total.as_secs_f64(),
            own.as_secs_f64()
        );
    }

    fn artifact(&mut self, name: &str) -> PathBuf {
        self.summary.artifacts.push(name.to_owned());
        self.s.artifacts.join(name)
    }

    /// Runs the tests under coverage (or takes the given files) and loads the coverage.
    fn measure(&mut self) -> Result<Measured> {
        let (profiles, tests_exit) = match self.s.tests.clone() {
            Tests::Existing(files) => {
                eprintln!(
                    "prowcov {}: reading {} (no tests run)",
                    self.s.mode,
                    files.iter().map(|f| self.relative(f)).collect::<Vec<_>>().join(", ")
                );
                (files, None)
            }
            Tests::Run { runner, command } => {
                let log = self.artifact(TESTS_LOG);
                // Not in the artifacts: Prow would upload the raw data files too.
                let work_dir = self.s.root.join(crate::settings::LOCAL_DIR).join("data");
                if work_dir.exists() {
                    std::fs::remove_dir_all(&work_dir).map_err(|e| Error::write(&work_dir, e))?;
                }
                std::fs::create_dir_all(&work_dir).map_err(|e| Error::write(&work_dir, e))?;
                let run = self.s.config.config.run.clone();
                let spec = RunSpec {
                    runner,
                    command: &command,
                    profiles: &run.profiles,
                    go_packages: &run.go_packages,
                    root: &self.s.root,
                    work_dir: &work_dir,
                    log: &log,
                    python: self.s.python.as_deref(),
                    env_remove: TEST_ENV_REMOVE,
                };
                let started = Instant::now();
                let done = runner::run(&spec);
                self.phases.push(("tests", started.elapsed()));
                let done = done?;
                eprintln!(
                    "prowcov {}: `{}` exited with {} after {:.1}s",
                    self.s.mode,
                    done.command.join(" "),
                    done.exit_code,
                    done.duration.as_secs_f64()
                );
                self.summary.tests.command = Some(done.command.clone());
                (done.profiles, Some(done.exit_code))
            }
        };
        self.summary.tests.exit_code = tests_exit;
        self.summary.tests.profiles = profiles.iter().map(|p| self.relative(p)).collect();
        let coverage = self.time("load", |job| {
            let reader = inputs::Reader::new(&InputArgs {
                inputs: Vec::new(),
                root: Some(job.s.root.clone()),
                rcfile: None,
                python: job.s.python.clone(),
                ignore_errors: job.s.ignore_errors,
            })?
            .tolerate_unparsable();
            reader.read(&profiles)
        });
        let coverage = match (coverage, tests_exit) {
            (Ok(c), _) => c,
            (Err(e), Some(status)) if status != 0 => {
                return Err(Error::Data(format!(
                    "the tests failed (exit status {status}) and left no usable coverage: {e}"
                )));
            }
            (Err(e), _) => return Err(e),
        };
        if coverage.files.is_empty() {
            let tests = match tests_exit {
                Some(0) | None => String::new(),
                Some(status) => format!("; the tests failed (exit status {status}): see {TESTS_LOG}"),
            };
            return Err(Error::Data(format!(
                "the coverage data measures no files ({}); check the runner's source/include settings{tests}",
                self.summary.tests.profiles.join(", ")
            )));
        }
        let path = self.artifact(COVERAGE);
        self.time("write coverage.json", |_| {
            write_atomic(&path, |w| {
                json_report::write(&Table::new(&coverage), JsonOptions { detail: true }, w)
            })
        })?;
        Ok(Measured { coverage, tests_exit })
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.s.root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    fn git(&self) -> Result<GitRepo> {
        GitRepo::open(&self.s.root)
    }

    /// The commit and branch a post-submit or periodic measured (checked by `settings` before the tests ran).
    fn measured_commit(&self) -> Result<(String, String)> {
        let branch = self
            .s
            .branch
            .clone()
            .ok_or_else(|| Error::Usage(format!("{} needs a branch to record the coverage of", self.s.mode)))?;
        Ok((self.s.head_sha.clone(), branch))
    }

    fn title(&self, sha: &str) -> String {
        let name = self.s.repo_slug.clone().unwrap_or_else(|| {
            self.s
                .root
                .file_name()
                .map_or_else(|| "repository".to_owned(), |n| n.to_string_lossy().into_owned())
        });
        format!("Coverage of {name} at {}", &sha[..sha.len().min(12)])
    }

    /// Links for the HTML report's header: the build's page (Spyglass) when configured and known.
    fn html_links(&self) -> Vec<(String, String)> {
        let mut links = Vec::new();
        if let (Some(template), Some(upload)) = (&self.s.config.config.links.build, self.upload()) {
            links.push((
                "Prow build".to_owned(),
                expand(template, &upload.bucket, &upload.build_path, &self.s),
            ));
        }
        links
    }

    fn upload(&self) -> Option<&prow::Upload> {
        self.s.prow.as_ref().and_then(|p| p.upload.as_ref())
    }

    /// The URL of an artifact once Prow has uploaded it, when `links.artifacts` and the upload path are known.
    fn artifact_url(&self, name: &str) -> Option<String> {
        let template = self.s.config.config.links.artifacts.as_ref()?;
        let upload = self.upload()?;
        Some(expand(
            template,
            &upload.bucket,
            &format!("{}/artifacts/{name}", upload.build_path),
            &self.s,
        ))
    }

    fn write_html(&mut self, coverage: &Coverage, options: &HtmlOptions) -> Result<()> {
        let dir = self.artifact(HTML_DIR);
        let stats = self.time("html", |job| html::write_report(coverage, &job.s.root, options, &dir))?;
        if stats.missing_sources > 0 {
            eprintln!(
                "warning: {} of {} files have no source under {}; their pages say so",
                stats.missing_sources,
                stats.pages,
                self.s.root.display()
            );
        }
        eprintln!(
            "prowcov {}: HTML report: {}",
            self.s.mode,
            dir.join("index.html").display()
        );
        Ok(())
    }

    fn write_junit(&mut self, coverage: &Coverage) -> Result<()> {
        let path = self.artifact(JUNIT);
        self.time("junit", |_| {
            write_atomic(&path, |w| {
                junit::write(&Table::new(coverage), JunitOptions { threshold: None }, w)
            })
        })?;
        eprintln!("prowcov {}: TestGrid JUnit: {}", self.s.mode, path.display());
        Ok(())
    }

    fn postsubmit(&mut self, store: &Store, measured: &Measured) -> Result<()> {
        let (sha, branch) = self.measured_commit()?;
        self.summary.commit = Some(sha.clone());
        self.summary.branch = Some(branch.clone());
        let record = Record {
            build: BuildRef {
                job: self.s.job_name.clone(),
                build_id: self.s.build_id.clone(),
            },
            repo: self.s.repo_slug.clone(),
            branch,
            sha: sha.clone(),
            time: super::baseline::now()?,
            tests_exit_status: measured.tests_exit.unwrap_or(0),
        };
        let outcome = self.time("baseline", |_| storage::put(store, &record, &measured.coverage))?;
        eprintln!(
            "prowcov postsubmit: recorded the baseline of {sha} ({:.2}%): {}",
            outcome.metadata.totals.percent, outcome.marker_url
        );
        self.summary.recorded = Some(outcome.marker_url.clone());
        let options = HtmlOptions {
            title: self.title(&sha),
            links: self.html_links(),
            ..HtmlOptions::default()
        };
        self.write_html(&measured.coverage, &options)?;
        self.write_junit(&measured.coverage)
    }

    fn periodic(&mut self, store: &Store, measured: &Measured) -> Result<()> {
        let repo = self.git()?;
        let (sha, branch) = self.measured_commit()?;
        self.summary.commit = Some(sha.clone());
        self.summary.branch = Some(branch.clone());
        let label = format!("{}@{}", repo.commit_date(&sha)?, &sha[..sha.len().min(7)]);
        let percent = total(&measured.coverage).percent();
        let job = self.s.job_name.clone();
        let history = self.time("history", |_| {
            storage::history::append(store, &job, &branch, &label, percent)
        })?;
        let path = self.artifact(HISTORY);
        write_atomic(&path, |w| w.write_all(storage::history::render(&history).as_bytes()))?;
        let options = HtmlOptions {
            title: self.title(&sha),
            links: self.html_links(),
            history,
            ..HtmlOptions::default()
        };
        self.write_html(&measured.coverage, &options)?;
        self.write_junit(&measured.coverage)
    }

    /// The pre-submit (and batch): returns whether the gate failed.
    fn presubmit(&mut self, store: &Store, measured: &Measured) -> Result<bool> {
        let repo = self.git()?;
        let base = match &self.s.base {
            Base::Prow { sha, .. } => BaseRef::PullBaseSha(sha.clone()),
            Base::Local(Some(rev)) => BaseRef::Given(rev.clone()),
            Base::Local(None) => BaseRef::Default,
        };
        let changes = self.time("changes", |_| repo.changes(&ChangeOptions::to_head(base)))?;
        let head_sha = self
            .s
            .pull
            .as_ref()
            .map_or_else(|| changes.refs.head_sha.clone(), |p| p.sha.clone());
        self.summary.commit = Some(changes.refs.head_sha.clone());
        let branch = match &self.s.base {
            Base::Prow { branch, .. } => branch.clone(),
            Base::Local(_) => repo.branch_name(&changes.refs.base_ref).unwrap_or_else(|| {
                tracing::info!(
                    "{} names no branch; looking for baselines of `main`",
                    changes.refs.base_ref
                );
                "main".to_owned()
            }),
        };
        self.summary.branch = Some(branch.clone());

        // The baseline of the commit the change starts from (in Prow, the base commit itself).
        let config = &self.s.config.config;
        let query = Query {
            job: self.s.postsubmit_job.clone(),
            branch,
            sha: changes.refs.merge_base_sha.clone(),
            repo: Some(self.s.root.clone()),
            max_walk: config.storage.max_walk,
            max_builds: MAX_BUILDS,
            failed_tests: if config.storage.use_failed_baselines {
                FailedTests::Use
            } else {
                FailedTests::Skip
            },
        };
        let lookup = self.time("baseline", |_| storage::find(store, &query))?;
        for skipped in &lookup.skipped {
            eprintln!(
                "prowcov: skipped baseline candidate {}: {}",
                skipped.object, skipped.reason
            );
        }
        match &lookup.found {
            Some(found) => eprintln!(
                "prowcov {}: baseline: build {} of {} at {} ({:.2}%)",
                self.s.mode, found.build.build_id, found.build.job, found.metadata.sha, found.metadata.totals.percent
            ),
            None => eprintln!(
                "prowcov {}: no baseline of {} (job {}) yet; head and patch coverage need none. Hint: a post-submit \
                 run records them",
                self.s.mode, query.sha, query.job
            ),
        }
        self.summary.baseline = Some(BaselineSummary {
            found: lookup.found.is_some(),
            job: query.job.clone(),
            build_id: lookup.found.as_ref().map(|f| f.build.build_id.clone()),
            sha: lookup.found.as_ref().map(|f| f.metadata.sha.clone()),
            matched: lookup.found.as_ref().map(|f| f.matched),
            commits_behind: lookup.found.as_ref().and_then(|f| f.commits_behind),
            percent: lookup.found.as_ref().map(|f| f.metadata.totals.percent),
            skipped: lookup.skipped.clone(),
        });

        let empty = Coverage::default();
        let base_coverage = lookup.found.as_ref().map_or(&empty, |f| &f.coverage);
        let report = self.time("compare", |job| -> Result<DiffReport> {
            let config = &job.s.config.config;
            let include: Vec<String> = config.paths.include.iter().map(|g| g.as_str().to_owned()).collect();
            let exclude: Vec<String> = config.paths.exclude.iter().map(|g| g.as_str().to_owned()).collect();
            let coverage_py = crate::python::config::load(None, &job.s.root)?;
            let filter =
                Filter::new(&include, &exclude)?.with_unmeasured(inputs::unmeasured(&coverage_py, &job.s.root)?);
            let gate = GateConfig {
                min_patch: config.gate.min_patch.map(|p| p.get()),
                // Without a baseline there is no drop to measure.
                max_drop: config.gate.max_drop.map(|p| p.get()).filter(|_| lookup.found.is_some()),
                min_file: config.gate.min_file.map(|p| p.get()),
            };
            let mut paths: Vec<&str> = changes.files.iter().map(|f| f.path.as_str()).collect();
            paths.extend(
                base_coverage
                    .files
                    .keys()
                    .chain(measured.coverage.files.keys())
                    .map(String::as_str),
            );
            paths.sort_unstable();
            paths.dedup();
            let attributes = repo.attributes(paths)?;
            Ok(DiffReport::build(DiffInputs {
                base: base_coverage,
                head: &measured.coverage,
                changes: &changes,
                attributes: &attributes,
                filter: &filter,
                gate: &gate,
            }))
        })?;
        let precision = self.s.config.config.report.precision.get();
        self.summary.patch = Some(Totals {
            covered: report.patch.covered,
            total: report.patch.total,
            percent: report.patch.percent(),
        });
        self.summary.delta = lookup.found.is_some().then_some(report.delta);
        let failed: Vec<String> = report
            .gate
            .rules
            .iter()
            .filter(|r| !r.passed)
            .map(|r| render::diff::text::rule_text(r, precision))
            .collect();
        self.summary.gate = Some(GateSummary {
            passed: report.gate.passed,
            failed: failed.clone(),
        });

        let diff_path = self.artifact(DIFF);
        self.time("diff.json", |_| {
            write_atomic(&diff_path, |w| {
                render::diff::json::write(&report, DiffRenderOptions { precision }, w)
            })
        })?;
        let options = HtmlOptions {
            title: format!("{} (changed files)", self.title(&head_sha)),
            links: self.html_links(),
            overlay: Some(overlay(&changes, &report)),
            changed_only: true,
            ..HtmlOptions::default()
        };
        self.write_html(&measured.coverage, &options)?;

        let comment_started = Instant::now();
        let html_url = self.artifact_url(&format!("{HTML_DIR}/index.html"));
        let body = comment::render(&CommentInput {
            job: &self.s.job_name,
            head_sha: &head_sha,
            report: &report,
            baseline: lookup.found.as_ref().map(|f| BaselineInfo {
                sha: f.metadata.sha.clone(),
                commits_behind: f.commits_behind.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
                build_url: self.baseline_build_url(&f.build),
                tests_failed: f.metadata.tests_exit_status != 0,
            }),
            links: CommentLinks {
                html_report: html_url.clone(),
                html_all_files: false,
            },
            head_tests_failed: measured.tests_failed(),
            prow: self.s.prow.is_some(),
            precision,
        });
        let comment_path = self.artifact(COMMENT);
        write_atomic(&comment_path, |w| w.write_all(body.as_bytes()))?;
        self.phases.push(("comment", comment_started.elapsed()));
        // A GitHub failure does not stop the job: the reports are written, and the exit code says it (after the tests).
        let posted = self.time("github", |job| {
            job.post(&body, &comment_path, &head_sha, &report, measured, html_url)
        });
        if let Err(e) = posted {
            eprintln!("error: {e}");
            self.summary.comment = Some(format!("failed: {e}"));
            self.post_failure = Some(e.exit_code());
        }
        for rule in &failed {
            eprintln!("coverage gate failed: {rule}");
        }
        Ok(!report.gate.passed)
    }

    /// The baseline build's page, when `links.build` is set and the storage is the Prow bucket (`gs://`).
    fn baseline_build_url(&self, build: &BuildRef) -> Option<String> {
        let template = self.s.config.config.links.build.as_ref()?;
        let url = self.s.config.config.storage.url.as_str();
        let rest = url.strip_prefix("gs://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/');
        let path = if prefix.is_empty() {
            build.dir()
        } else {
            format!("{prefix}/{}", build.dir())
        };
        Some(template.expand(&LinkVars {
            bucket,
            path: &path,
            job: &build.job,
            build: &build.build_id,
        }))
    }

    /// Posts or updates the PR comment and sets the commit status (a pre-submit with a PR only).
    fn post(
        &mut self,
        body: &str,
        saved_at: &Path,
        head_sha: &str,
        report: &DiffReport,
        measured: &Measured,
        html_url: Option<String>,
    ) -> Result<()> {
        let Some(pull) = self.s.pull.clone() else {
            let why = match self.s.mode {
                JobType::Batch => "a batch job posts no comment",
                _ => "not a Prow pre-submit (no PR to comment on)",
            };
            eprintln!(
                "prowcov {}: {why}; the comment is in {}",
                self.s.mode,
                saved_at.display()
            );
            self.summary.comment = Some("not posted".to_owned());
            return Ok(());
        };
        let repo = RepoRef::parse(self.s.repo_slug.as_deref().unwrap_or_default())?;
        let bot_config = &self.s.config.config.bot;
        let token = TokenSource::new(self.s.token_file()).load()?;
        let bot = MetricsBot::new(BotOptions {
            base_url: bot_config.github_url.as_str().to_owned(),
            token,
            login: bot_config.login.clone(),
            retry: RetryPolicy::default(),
        })?;
        let outcome = bot.upsert_comment(&CommentRequest {
            repo: repo.clone(),
            pr: pull.number,
            job: self.s.job_name.clone(),
            head_sha: head_sha.to_owned(),
            body: body.to_owned(),
            saved_at: Some(saved_at.to_path_buf()),
        })?;
        eprintln!(
            "prowcov {}: {}",
            self.s.mode,
            outcome.describe(&repo, pull.number, saved_at)
        );
        self.summary.comment = Some(outcome.as_str().to_owned());
        if bot_config.status {
            let precision = self.s.config.config.report.precision.get();
            let state = if measured.tests_failed().is_some() || !report.gate.passed {
                GateState::Failure
            } else {
                GateState::Success
            };
            let mut description = format!(
                "{}% total",
                crate::model::display_percent(report.head.percent(), precision)
            );
            if let Some(p) = report.patch.display(precision) {
                description.push_str(&format!(", {p}% patch"));
            }
            if measured.tests_failed().is_some() {
                description.push_str(", tests failed");
            } else if !report.gate.passed {
                description.push_str(", gate failed");
            }
            let status = bot.set_status(&StatusRequest {
                repo,
                sha: head_sha.to_owned(),
                job: self.s.job_name.clone(),
                state,
                description,
                target_url: html_url,
            })?;
            self.summary.status = Some(match status {
                StatusOutcome::Set => "set".to_owned(),
                StatusOutcome::DryRun => "dry run".to_owned(),
            });
        }
        Ok(())
    }
}

fn expand(template: &LinkTemplate, bucket: &str, path: &str, s: &JobSettings) -> String {
    template.expand(&LinkVars {
        bucket,
        path,
        job: &s.job_name,
        build: &s.build_id,
    })
}

/// The total of a model, as the reports compute it.
fn total(coverage: &Coverage) -> Summary {
    let files: Vec<Summary> = coverage.files.values().map(Summary::of_file).collect();
    Summary::sum(files.iter())
}

fn totals(summary: &Summary) -> Totals {
    Totals {
        covered: summary.covered,
        total: summary.total,
        percent: Some(summary.percent()),
    }
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
    for s in &report.skipped {
        if matches!(s.reason, SkipReason::NotMeasured(_)) {
            changed_lines.remove(&s.path);
        }
    }
    HtmlOverlay {
        changed_lines,
        base_percent,
        patch,
    }
}
