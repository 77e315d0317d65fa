//! `prowcov run` and its per-mode subcommands: the Prow job's edge. Resolve the settings once ([`JobSettings`]), run
//! the tests under coverage (or read the given profiles) and load the coverage, let the mode decide (`crate::job`),
//! then write the artifacts, store the baseline or the history point, post the comment, and map the outcome to an
//! exit code.
//!
//! Every mode writes `coverage.json` and `summary.json` to the artifacts. A test failure does not hide the
//! coverage: everything is still written, and the exit code says the tests failed (3, which wins over a posting
//! failure and the gate's 1). The time of each phase is printed at the end.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::analysis::changes::GitRepo;
use crate::cli::{JobArgs, Mode};
use crate::env::Env;
use crate::error::{Error, Result, exit};
use crate::formats::prowcov_json::{self, JsonOptions};
use crate::fsutil::{LOCAL_DIR, write_atomic};
use crate::github::{CommentRequest, MetricsBot, StatusOutcome};
use crate::job::measured::SuiteResult;
use crate::job::presubmit::Presubmit;
use crate::job::summary::{GateSummary, PreviousPushSummary, SuiteSummary, Totals};
use crate::job::{self, Measured, Phases, RunSummary};
use crate::load;
use crate::model::{Coverage, Table};
use crate::prow::JobType;
use crate::render::html::HtmlOptions;
use crate::render::junit::{self, JunitOptions};
use crate::runner::{self, RunSpec};
use crate::settings::bot::BotSettings;
use crate::settings::suites::SuitePlan;
use crate::settings::{JobSettings, TEST_ENV_REMOVE, Tests};
use crate::storage::{self, Store, StoreOptions};
use crate::warnings::Warnings;

/// The artifacts, by name.
pub const SUMMARY: &str = "summary.json";
pub const TESTS_LOG: &str = "tests.log";
pub const COVERAGE: &str = "coverage.json";
pub const HTML_DIR: &str = "html";
pub const JUNIT: &str = "junit_coverage.xml";
pub const COMMENT: &str = "comment.md";
pub const DIFF: &str = "diff.json";
pub const HISTORY: &str = "coverage-history.txt";

pub fn run(mode: Option<Mode>, args: JobArgs, env: &Env, warnings: &Warnings) -> Result<u8> {
    let mut phases = Phases::new(Instant::now());
    let settings = phases.time("settings", || JobSettings::resolve(mode, &args, env))?;
    Job {
        summary: RunSummary::new(&settings),
        s: settings,
        phases,
        post_failure: None,
        env,
        warnings,
    }
    .run()
}

/// What running one suite gave.
struct SuiteRun {
    /// The command run; `None` when existing files were read.
    command: Option<Vec<String>>,
    exit_code: Option<i32>,
    profiles: Vec<PathBuf>,
}

/// One run of the job.
struct Job<'a> {
    s: JobSettings,
    phases: Phases,
    summary: RunSummary,
    /// The exit code of a failure to post the comment or status, which the job survives.
    post_failure: Option<u8>,
    env: &'a Env,
    warnings: &'a Warnings,
}

impl Job<'_> {
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
        self.summary.warnings = self.warnings.list();
        self.summary.artifacts.push(SUMMARY.to_owned());
        self.summary.artifacts.sort();
        let summary_path = self.s.artifacts.join(SUMMARY);
        let written = write_atomic(&summary_path, |w| {
            serde_json::to_writer_pretty(&mut *w, &self.summary)?;
            w.write_all(b"\n")
        });
        eprintln!("{}", self.phases.line(self.s.mode.as_str()));
        let code = outcome?;
        written?;
        Ok(code)
    }

    /// Removes what an earlier run left under the artifact names this run writes (and nothing else), so that no
    /// earlier file passes for this run's.
    fn clear_artifacts(&self) -> Result<()> {
        let dir = &self.s.artifacts;
        crate::fsutil::create_dir(dir)?;
        for name in [SUMMARY, TESTS_LOG, COVERAGE, JUNIT, COMMENT, DIFF, HISTORY] {
            let path = dir.join(name);
            if path.is_file() {
                std::fs::remove_file(&path).map_err(|e| Error::write(&path, e))?;
            }
        }
        // A suite's log and coverage (`tests-<suite>.log`, `coverage-<suite>.json`), of this or another suite.
        for entry in std::fs::read_dir(dir).map_err(|e| Error::read(dir, e))? {
            let path = entry.map_err(|e| Error::read(dir, e))?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let suite_file = (name.starts_with("tests-") && name.ends_with(".log"))
                || (name.starts_with("coverage-") && name.ends_with(".json"));
            if suite_file && path.is_file() {
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
            self.warnings.warn(format!(
                "baselines are kept in the local folder {url}, which goes away with the pod; set storage.url or \
                 PROWCOV_STORAGE to a gs:// or s3:// URL so that pre-submits can find them"
            ));
        }
        // Storage is opened first: a wrong URL or missing credentials fail in a second, not after the tests.
        let options = StoreOptions::from_env(self.env);
        let store = self.phases.time("storage", || Store::open(&url, &options))?;
        let measured = self.measure()?;
        self.summary.totals = Some(Totals::of(&measured.total()));

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

    fn artifact(&mut self, name: &str) -> PathBuf {
        self.summary.artifacts.push(name.to_owned());
        self.s.artifacts.join(name)
    }

    /// Runs the tests under coverage (or takes the given files) and loads the coverage: the one implicit suite, or
    /// every `[[suites]]` entry, each merged with its language's rules and then with the others.
    fn measure(&mut self) -> Result<Measured> {
        if !self.s.suites.is_empty() {
            return self.measure_suites();
        }
        let implicit = SuitePlan {
            name: String::new(),
            root: self.s.root.clone(),
            prefix: String::new(),
            tests: self.s.tests.clone(),
            profiles: self.s.config.config.run.profiles.clone(),
            go_packages: self.s.config.config.run.go_packages.clone(),
            paths: Vec::new(),
        };
        let runs = matches!(implicit.tests, Tests::Run { .. });
        let log = if runs {
            self.artifact(TESTS_LOG)
        } else {
            self.s.artifacts.join(TESTS_LOG)
        };
        let started = Instant::now();
        let ran = self.run_suite(&implicit, &log);
        if runs {
            self.phases.push("tests", started.elapsed());
        }
        let ran = ran?;
        self.summary.tests.command = ran.command.clone();
        self.summary.tests.exit_code = ran.exit_code;
        self.summary.tests.profiles = ran.profiles.iter().map(|p| self.relative(p)).collect();
        let tests_exit = ran.exit_code;
        let (env, warnings) = (self.env, self.warnings);
        let started = Instant::now();
        let coverage = self.load(&implicit, &ran.profiles, env, warnings);
        self.phases.push("load", started.elapsed());
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
        self.write_coverage(COVERAGE, &coverage)?;
        Ok(Measured::single(coverage, tests_exit))
    }

    /// Every `[[suites]]` entry, `run.parallel-suites` at a time. A suite that fails (its tests, or its coverage)
    /// does not stop the others: each is reported, and the job's exit code says a suite failed.
    fn measure_suites(&mut self) -> Result<Measured> {
        let plans = self.s.suites.clone();
        let parallel = self.s.config.config.run.parallel_suites.get().max(1);
        let logs: Vec<PathBuf> = plans
            .iter()
            .map(|p| {
                let name = format!("tests-{}.log", p.name);
                match p.tests {
                    Tests::Run { .. } => self.artifact(&name),
                    Tests::Existing(_) => self.s.artifacts.join(name),
                }
            })
            .collect();
        let started = Instant::now();
        let runs: Vec<Result<SuiteRun>> = {
            let job = &*self;
            let mut runs = Vec::with_capacity(plans.len());
            for (batch, batch_logs) in plans.chunks(parallel).zip(logs.chunks(parallel)) {
                std::thread::scope(|scope| {
                    let handles: Vec<_> = batch
                        .iter()
                        .zip(batch_logs)
                        .map(|(plan, log)| scope.spawn(move || job.run_suite(plan, log)))
                        .collect();
                    for handle in handles {
                        runs.push(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
                    }
                });
            }
            runs
        };
        if plans.iter().any(|p| matches!(p.tests, Tests::Run { .. })) {
            self.phases.push("tests", started.elapsed());
        } else {
            self.phases.push("read", started.elapsed());
        }

        let (env, warnings) = (self.env, self.warnings);
        let mut merged = Coverage::default();
        let mut results = Vec::with_capacity(plans.len());
        let load_started = Instant::now();
        for (plan, run) in plans.iter().zip(runs) {
            let (run, error) = match run {
                Ok(run) => (Some(run), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let loaded = match (&run, &error) {
                (Some(run), None) => self.load(plan, &run.profiles, env, warnings).map_err(|e| e.to_string()),
                (_, Some(e)) => Err(e.clone()),
                (None, None) => Err("the suite did not run".to_owned()),
            };
            let (coverage, error) = match loaded {
                Ok(coverage) => (coverage, None),
                Err(e) => (Coverage::default(), Some(e)),
            };
            if let Some(e) = &error {
                eprintln!("prowcov {}: suite {}: {e}", self.s.mode, plan.name);
            }
            let result = SuiteResult {
                name: plan.name.clone(),
                paths: plan.paths.clone(),
                exit_code: run.as_ref().and_then(|r| r.exit_code),
                error,
                coverage,
            };
            self.summary.suites.push(SuiteSummary {
                name: plan.name.clone(),
                root: (!plan.prefix.is_empty()).then(|| plan.prefix.clone()),
                command: run.as_ref().and_then(|r| r.command.clone()),
                exit_code: result.exit_code,
                error: result.error.clone(),
                profiles: run
                    .as_ref()
                    .map(|r| r.profiles.iter().map(|p| self.relative(p)).collect())
                    .unwrap_or_default(),
                totals: Totals::of(&job::measured::total(&result.coverage)),
                log: matches!(plan.tests, Tests::Run { .. }).then(|| format!("tests-{}.log", plan.name)),
            });
            merged.absorb(result.coverage.clone());
            results.push(result);
        }
        self.phases.push("load", load_started.elapsed());
        if merged.files.is_empty() {
            return Err(Error::Data(format!(
                "no suite measured any file (suites {}); see their logs",
                plans.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
        for result in &results {
            self.write_coverage(&format!("coverage-{}.json", result.name), &result.coverage)?;
        }
        self.write_coverage(COVERAGE, &merged)?;
        let tests_exit = results
            .iter()
            .find_map(SuiteResult::failed)
            .or_else(|| results.iter().any(|r| r.exit_code.is_some()).then_some(0));
        self.summary.tests.exit_code = tests_exit;
        let measured = Measured {
            coverage: merged,
            tests_exit,
            suites: results,
        };
        let failed = measured.failed_suites();
        if !failed.is_empty() {
            self.warnings.warn(format!("suites that failed: {}", failed.join(", ")));
        }
        Ok(measured)
    }

    /// Runs one suite's tests (or takes its files); its output goes to `log`.
    fn run_suite(&self, plan: &SuitePlan, log: &Path) -> Result<SuiteRun> {
        let label = if plan.name.is_empty() {
            String::new()
        } else {
            format!(" suite {}", plan.name)
        };
        match &plan.tests {
            Tests::Existing(files) => {
                eprintln!(
                    "prowcov {}{label}: reading {} (no tests run)",
                    self.s.mode,
                    files.iter().map(|f| self.relative(f)).collect::<Vec<_>>().join(", ")
                );
                self.warn_stale(files);
                Ok(SuiteRun {
                    command: None,
                    exit_code: None,
                    profiles: files.clone(),
                })
            }
            Tests::Run { runner, command } => {
                // Not in the artifacts: Prow would upload the raw data files too.
                let mut work_dir = self.s.root.join(LOCAL_DIR).join("data");
                if !plan.name.is_empty() {
                    work_dir.push(&plan.name);
                }
                if work_dir.exists() {
                    std::fs::remove_dir_all(&work_dir).map_err(|e| Error::write(&work_dir, e))?;
                }
                crate::fsutil::create_dir(&work_dir)?;
                let spec = RunSpec {
                    runner: *runner,
                    command,
                    profiles: &plan.profiles,
                    go_packages: &plan.go_packages,
                    root: &plan.root,
                    work_dir: &work_dir,
                    log,
                    python: self.s.python.as_deref(),
                    env_remove: TEST_ENV_REMOVE,
                    env: self.env,
                    warnings: self.warnings,
                };
                let done = runner::run(&spec)?;
                eprintln!(
                    "prowcov {}{label}: `{}` exited with {} after {:.1}s",
                    self.s.mode,
                    done.command.join(" "),
                    done.exit_code,
                    done.duration.as_secs_f64()
                );
                Ok(SuiteRun {
                    command: Some(done.command),
                    exit_code: Some(done.exit_code),
                    profiles: done.profiles,
                })
            }
        }
    }

    /// Loads a suite's profiles: paths relative to its directory become repo-relative, and a suite with `paths`
    /// keeps only the files it owns.
    fn load(&self, plan: &SuitePlan, profiles: &[PathBuf], env: &Env, warnings: &Warnings) -> Result<Coverage> {
        let options = load::LoadOptions {
            root: plan.root.clone(),
            rcfile: None,
            python: self.s.python.clone(),
            ignore_errors: self.s.ignore_errors,
        };
        let coverage = load::Reader::new(&options, env, warnings)?
            .tolerate_unparsable()
            .read(profiles)?;
        load::rebase(coverage, &plan.prefix, &self.s.root, &plan.paths)
    }

    /// Writes `coverage` as the artifact `name` (prowcov JSON with line detail).
    fn write_coverage(&mut self, name: &str, coverage: &Coverage) -> Result<()> {
        let path = self.artifact(name);
        let started = Instant::now();
        let written = write_atomic(&path, |w| {
            prowcov_json::write(&Table::new(coverage), JsonOptions { detail: true }, w)
        });
        self.phases.push("write coverage.json", started.elapsed());
        written
    }

    /// Warns about each coverage file older than the checkout's commit: it was written before the code it would
    /// describe, so it may not measure this checkout (the `command` runner leaves such files out; given files are
    /// read, with this warning).
    fn warn_stale(&self, files: &[PathBuf]) {
        let Some(committed) = self.s.head_time else {
            return;
        };
        for file in files {
            let Some(written) = std::fs::metadata(file)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            else {
                continue;
            };
            let written = i64::try_from(written.as_secs()).unwrap_or(i64::MAX);
            if written < committed {
                self.warnings.warn(format!(
                    "{} was written {} before the checked-out commit {} was made; it may not measure this \
                     checkout (hint: run the tests again)",
                    self.relative(file),
                    crate::clock::age(committed.abs_diff(written)),
                    short(&self.s.head_sha)
                ));
            }
        }
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.s.root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    fn git(&self) -> Result<GitRepo> {
        GitRepo::open(&self.s.root, self.env)
    }

    fn write_html(&mut self, coverage: &Coverage, options: &HtmlOptions) -> Result<()> {
        let dir = self.artifact(HTML_DIR);
        let root = self.s.root.clone();
        let stats = self
            .phases
            .time("html", || crate::publish::html_report(coverage, &root, options, &dir))?;
        if stats.missing_sources > 0 {
            self.warnings.warn(format!(
                "{} of {} files have no source under {}; their pages say so",
                stats.missing_sources,
                stats.pages,
                self.s.root.display()
            ));
        }
        eprintln!(
            "prowcov {}: HTML report: {}",
            self.s.mode,
            dir.join("index.html").display()
        );
        Ok(())
    }

    fn write_junit(&mut self, measured: &Measured) -> Result<()> {
        let path = self.artifact(JUNIT);
        let suites: Vec<(String, crate::model::Summary)> = measured
            .suites
            .iter()
            .map(|r| (r.name.clone(), job::measured::total(&r.coverage)))
            .collect();
        self.phases.time("junit", || {
            write_atomic(&path, |w| {
                junit::write_with_suites(
                    &Table::new(&measured.coverage),
                    &suites,
                    JunitOptions { threshold: None },
                    w,
                )
            })
        })?;
        eprintln!("prowcov {}: TestGrid JUnit: {}", self.s.mode, path.display());
        Ok(())
    }

    fn postsubmit(&mut self, store: &Store, measured: &Measured) -> Result<()> {
        let plan = job::postsubmit::plan(&self.s, measured, self.env)?;
        self.summary.commit = Some(plan.record.sha.clone());
        self.summary.branch = Some(plan.record.branch.clone());
        let outcome = self
            .phases
            .time("baseline", || storage::put(store, &plan.record, &measured.coverage))?;
        eprintln!(
            "prowcov postsubmit: recorded the baseline of {} ({:.2}%): {}",
            plan.record.sha, outcome.metadata.totals.percent, outcome.marker_url
        );
        self.summary.recorded = Some(outcome.marker_url.clone());
        self.write_html(&measured.coverage, &plan.html)?;
        self.write_junit(measured)
    }

    fn periodic(&mut self, store: &Store, measured: &Measured) -> Result<()> {
        let repo = self.git()?;
        let point = job::periodic::plan(&self.s, measured, &repo)?;
        self.summary.commit = Some(point.commit.clone());
        self.summary.branch = Some(point.branch.clone());
        let (job, warnings) = (self.s.job_name.clone(), self.warnings);
        let history = self.phases.time("history", || {
            storage::history::append(store, &job, &point.branch, &point.label, point.percent, warnings)
        })?;
        let path = self.artifact(HISTORY);
        write_atomic(&path, |w| w.write_all(storage::history::render(&history).as_bytes()))?;
        let options = point.html(&self.s, history);
        self.write_html(&measured.coverage, &options)?;
        self.write_junit(measured)
    }

    /// The pre-submit (and batch): returns whether the gate failed.
    fn presubmit(&mut self, store: &Store, measured: &Measured) -> Result<bool> {
        let repo = self.git()?;
        let pre = job::presubmit::run(&self.s, measured, store, &repo, &mut self.phases)?;
        self.summary.commit = Some(pre.changes.refs.head_sha.clone());
        self.summary.branch = Some(pre.branch.clone());
        self.report_lookup(&pre);
        self.summary.baseline = Some(pre.baseline());
        self.summary.patch = Some(Totals {
            covered: pre.report.patch.covered,
            total: pre.report.patch.total,
            percent: pre.report.patch.percent(),
        });
        self.summary.delta = pre.lookup.found.is_some().then_some(pre.report.delta);
        self.summary.gate = Some(GateSummary {
            passed: pre.report.passed(),
            failed: pre.failed_rules.clone(),
        });

        let precision = self.s.config.config.report.precision.get();
        let diff_path = self.artifact(DIFF);
        self.phases.time("diff.json", || {
            write_atomic(&diff_path, |w| {
                crate::render::diff::json::write(&pre.report, crate::render::diff::DiffRenderOptions { precision }, w)
            })
        })?;
        self.write_html(&measured.coverage, &pre.html)?;
        let comment_path = self.artifact(COMMENT);
        write_atomic(&comment_path, |w| w.write_all(pre.comment.as_bytes()))?;
        for skipped in &pre.push_skipped {
            self.warnings.warn(format!("skipped a recorded push: {skipped}"));
        }
        if let Some(previous) = &pre.previous {
            self.summary.previous_push = Some(PreviousPushSummary {
                sha: previous.sha.clone(),
                build_id: previous.build_id.clone(),
                force_pushed: previous.force_pushed,
                delta: previous.delta.delta(),
                files_moved: previous.delta.moved.len(),
            });
        }
        self.record_push(store, &pre, measured);
        // A GitHub failure does not stop the job: the reports are written, and the exit code says it (after the tests).
        let started = Instant::now();
        let posted = self.post(&pre, &comment_path);
        self.phases.push("github", started.elapsed());
        if let Err(e) = posted {
            eprintln!("error: {e}");
            self.summary.comment = Some(format!("failed: {e}"));
            self.post_failure = Some(e.exit_code());
        }
        for rule in &pre.failed_rules {
            eprintln!("coverage gate failed: {rule}");
        }
        Ok(!pre.report.passed())
    }

    /// Records this push's coverage for the PR's next push (a Prow pre-submit only). A failure is reported, and the
    /// job goes on: the comment matters more.
    fn record_push(&mut self, store: &Store, pre: &Presubmit, measured: &Measured) {
        let Some(pull) = &self.s.pull else { return };
        let recorded = crate::ids::Sha::try_from(pre.head_sha.as_str())
            .map_err(|e| Error::Usage(e.0))
            .and_then(|sha| {
                let time = crate::clock::now(self.env)?;
                storage::pushes::put_push(
                    store,
                    &self.s.job_name,
                    pull.number,
                    &sha,
                    &self.s.build_id,
                    time,
                    &measured.coverage,
                )
            });
        if let Err(e) = recorded {
            eprintln!("error: cannot record this push for the next one's comparison: {e}");
            self.post_failure.get_or_insert(e.exit_code());
        }
    }

    /// Prints the base and why, which baseline the pre-submit compares with, and the candidates skipped on the way.
    fn report_lookup(&self, pre: &Presubmit) {
        let refs = &pre.changes.refs;
        eprintln!(
            "prowcov {}: base {} ({}) at {}, merge-base {}; baselines of branch {}",
            self.s.mode,
            refs.base_ref,
            pre.base_reason,
            short(&refs.base_sha),
            short(&refs.merge_base_sha),
            pre.branch
        );
        for skipped in &pre.lookup.skipped {
            eprintln!(
                "prowcov: skipped baseline candidate {}: {}",
                skipped.object, skipped.reason
            );
        }
        match &pre.lookup.found {
            Some(found) => eprintln!(
                "prowcov {}: baseline: build {} of {} at {} ({:.2}%)",
                self.s.mode, found.build.build_id, found.build.job, found.metadata.sha, found.metadata.totals.percent
            ),
            None => eprintln!(
                "prowcov {}: no baseline of {} (job {}) yet; head and patch coverage need none. Hint: a post-submit \
                 run records them",
                self.s.mode, pre.query.sha, pre.query.job
            ),
        }
    }

    /// Posts or updates the PR comment and sets the commit status (a pre-submit with a PR only).
    fn post(&mut self, pre: &Presubmit, saved_at: &Path) -> Result<()> {
        let post = match &pre.post {
            Ok(post) => post,
            Err(why) => {
                eprintln!(
                    "prowcov {}: {why}; the comment is in {}",
                    self.s.mode,
                    saved_at.display()
                );
                self.summary.comment = Some("not posted".to_owned());
                return Ok(());
            }
        };
        let bot = MetricsBot::new(BotSettings::of(&self.s.config, &self.s.root, self.env).options()?)?;
        let outcome = bot.upsert_comment(&CommentRequest {
            repo: post.repo.clone(),
            pr: post.pr,
            job: self.s.job_name.to_string(),
            head_sha: pre.head_sha.clone(),
            body: pre.comment.clone(),
            saved_at: Some(saved_at.to_path_buf()),
        })?;
        eprintln!(
            "prowcov {}: {}",
            self.s.mode,
            outcome.describe(&post.repo, post.pr, saved_at)
        );
        self.summary.comment = Some(outcome.as_str().to_owned());
        if let Some(status) = &post.status {
            self.summary.status = Some(match bot.set_status(status)? {
                StatusOutcome::Set => "set".to_owned(),
                StatusOutcome::DryRun => "dry run".to_owned(),
            });
        }
        Ok(())
    }
}

/// The first 12 digits of a SHA, for the log.
fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}
