//! The job's decisions, mode by mode, without emulators: in-memory storage, a git repository made in the test and
//! Prow's variables handed over as an `Env`. The end-to-end runs of `prowcov run` are in tests/run.rs.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use common::GitRepo as TestRepo;
use prowcov::analysis::changes::GitRepo;
use prowcov::cli::{JobArgs, Mode};
use prowcov::env::Env;
use prowcov::github::GateState;
use prowcov::job::{self, Measured, Phases};
use prowcov::model::{Coverage, FileCoverage, PercentRule};
use prowcov::settings::JobSettings;
use prowcov::storage::{self, Match, Store};

const POST_JOB: &str = "post-demo-coverage";
const PULL_JOB: &str = "pull-demo-coverage";
const SOURCE: &str = "def f(x):\n    if x:\n        return 1\n    return 2\n";
const CHANGED: &str = "def f(x):\n    if x:\n        return 1\n    if x is None:\n        return 3\n    return 2\n";

fn memory_store() -> Store {
    Store::from_object_store(Arc::new(object_store::memory::InMemory::new()), "memory://cov").expect("store")
}

/// Coverage of `a.py` with these lines executed (1) or not (0).
fn coverage(lines: &[(u32, u64)]) -> Coverage {
    let mut file = FileCoverage::new(PercentRule::Lines);
    for &(line, hits) in lines {
        file.lines.insert(line, hits);
    }
    Coverage {
        files: [("a.py".to_owned(), file)].into(),
    }
}

fn measured(lines: &[(u32, u64)], tests_exit: i32) -> Measured {
    Measured::single(coverage(lines), Some(tests_exit))
}

/// A repository with `main` at the base commit (`a.py` and `config`), and a PR branch changing `a.py`.
struct Project {
    _dir: tempfile::TempDir,
    repo: TestRepo,
    base: String,
    head: String,
}

fn project(config: &str) -> Project {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = TestRepo::init(&dir.path().join("demo"));
    let base = repo.commit("base", &[("a.py", SOURCE), (".prowcov.toml", config)]);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    let head = repo.commit("change", &[("a.py", CHANGED)]);
    Project {
        _dir: dir,
        repo,
        base,
        head,
    }
}

impl Project {
    fn root(&self) -> PathBuf {
        self.repo.dir.clone()
    }

    fn args(&self) -> JobArgs {
        JobArgs {
            root: Some(self.root()),
            profile: vec![self.root().join("coverage.json")],
            artifacts: Some(self.root().join("artifacts")),
            ..JobArgs::default()
        }
    }

    fn prow(&self, pairs: &[(&str, &str)]) -> Env {
        let mut env = Env::from_pairs([
            ("REPO_OWNER", "acme"),
            ("REPO_NAME", "demo"),
            ("PULL_BASE_REF", "main"),
            ("SOURCE_DATE_EPOCH", "1700000000"),
        ]);
        for (k, v) in pairs {
            env.set(*k, *v);
        }
        env
    }

    fn postsubmit_env(&self, build: &str) -> Env {
        self.repo.git(&["checkout", "-q", "main"]);
        self.prow(&[
            ("JOB_TYPE", "postsubmit"),
            ("JOB_NAME", POST_JOB),
            ("BUILD_ID", build),
            ("PULL_BASE_SHA", &self.base),
        ])
    }

    fn presubmit_env(&self) -> Env {
        self.repo.git(&["checkout", "-q", "pr"]);
        self.prow(&[
            ("JOB_TYPE", "presubmit"),
            ("JOB_NAME", PULL_JOB),
            ("BUILD_ID", "200"),
            ("PULL_BASE_SHA", &self.base),
            ("PULL_NUMBER", "7"),
            ("PULL_PULL_SHA", &self.head),
            ("PROWCOV_BASELINE_JOB", POST_JOB),
        ])
    }

    /// Records the base commit's baseline in `store` as build `build`, as a post-submit would.
    fn record_baseline(&self, store: &Store, build: &str, m: &Measured) -> job::postsubmit::Postsubmit {
        let env = self.postsubmit_env(build);
        let s = JobSettings::resolve(None, &self.args(), &env).expect("post-submit settings");
        let plan = job::postsubmit::plan(&s, m, &env).expect("plan");
        storage::put(store, &plan.record, &m.coverage).expect("put");
        plan
    }

    fn presubmit(&self, store: &Store, m: &Measured, env: &Env) -> job::presubmit::Presubmit {
        let s = JobSettings::resolve(None, &self.args(), env).expect("pre-submit settings");
        let repo = GitRepo::open(&self.root(), env).expect("open");
        job::presubmit::run(&s, m, store, &repo, &mut Phases::new(Instant::now())).expect("pre-submit")
    }
}

/// The base's coverage: lines 1-4, line 4 missed.
fn base_lines() -> Measured {
    measured(&[(1, 1), (2, 1), (3, 1), (4, 0)], 0)
}

/// The head's coverage: the two added lines (4, 5) missed.
fn head_lines() -> Measured {
    measured(&[(1, 1), (2, 1), (3, 1), (4, 0), (5, 0), (6, 1)], 0)
}

#[test]
fn a_postsubmit_records_its_commit_on_its_branch_with_the_tests_status() {
    let p = project("");
    let store = memory_store();
    let plan = p.record_baseline(&store, "100", &measured(&[(1, 1), (2, 0)], 1));
    let r = &plan.record;
    assert_eq!((r.build.job.as_str(), r.build.build_id.as_str()), (POST_JOB, "100"));
    assert_eq!((r.sha.as_str(), r.branch.as_str()), (p.base.as_str(), "main"));
    assert_eq!(r.repo.as_deref(), Some("acme/demo"));
    assert_eq!(r.time, 1_700_000_000, "SOURCE_DATE_EPOCH fixes the time");
    assert_eq!(r.tests_exit_status, 1, "a failed run is recorded, with its status");
    assert_eq!(plan.html.title, format!("Coverage of acme/demo at {}", &p.base[..12]));
    assert!(
        !plan.html.changed_only && plan.html.overlay.is_none(),
        "the full report"
    );
}

#[test]
fn a_presubmit_compares_with_the_base_commits_baseline_and_says_what_to_post() {
    let p = project("[gate]\nmin-patch = 80\n\n[bot]\nstatus = true\n");
    let store = memory_store();
    p.record_baseline(&store, "100", &base_lines());
    let pre = p.presubmit(&store, &head_lines(), &p.presubmit_env());

    let found = pre.lookup.found.as_ref().expect("the baseline of the base commit");
    assert_eq!((found.build.build_id.as_str(), found.matched), ("100", Match::Exact));
    assert_eq!(pre.query.job, POST_JOB);
    assert_eq!(pre.query.sha, p.base);
    assert_eq!(pre.branch, "main");
    // Lines 4 and 5 of the head are the PR's (`if x is None:` / `return 3`), both missed.
    assert_eq!((pre.report.patch.covered, pre.report.patch.total), (0, 2));
    assert!(!pre.report.gate.passed);
    assert_eq!(pre.failed_rules.len(), 1, "{:?}", pre.failed_rules);
    assert!(pre.failed_rules[0].contains("patch"), "{:?}", pre.failed_rules);

    assert_eq!(pre.head_sha, p.head, "the marker names PULL_PULL_SHA");
    assert!(
        pre.comment
            .starts_with(&format!("<!-- prowcov:{PULL_JOB} head={} -->", p.head)),
        "{}",
        pre.comment
    );
    assert!(pre.html.changed_only);
    let changed = &pre.html.overlay.as_ref().expect("overlay").changed_lines["a.py"];
    assert_eq!(changed.iter().copied().collect::<Vec<_>>(), [4, 5]);

    let post = pre.post.as_ref().expect("a PR to post on");
    assert_eq!((post.repo.to_string(), post.pr), ("acme/demo".to_owned(), 7));
    let status = post.status.as_ref().expect("bot.status is set");
    assert_eq!(status.state, GateState::Failure);
    assert_eq!(status.sha, p.head);
    assert_eq!(status.job, PULL_JOB);
    assert_eq!(status.description, "66.67% total, 0.00% patch, gate failed");

    let baseline = pre.baseline();
    assert!(baseline.found);
    assert_eq!(baseline.build_id.as_deref(), Some("100"));
    assert_eq!(baseline.base_sha, p.base);
}

#[test]
fn without_a_baseline_the_drop_rule_is_skipped_and_head_figures_stand() {
    let p = project("[gate]\nmax-drop = 0\n");
    let pre = p.presubmit(&memory_store(), &head_lines(), &p.presubmit_env());
    assert!(pre.lookup.found.is_none());
    assert!(pre.report.gate.passed, "no drop to measure: {:?}", pre.report.gate);
    assert!(pre.report.gate.rules.is_empty(), "{:?}", pre.report.gate.rules);
    assert!(!pre.baseline().found);
    assert!(pre.post.as_ref().expect("post").status.is_none(), "bot.status is off");
}

#[test]
fn a_baseline_whose_tests_failed_is_skipped_unless_configured() {
    let store = memory_store();
    let p = project("");
    p.record_baseline(&store, "100", &measured(&[(1, 1), (2, 0), (3, 0), (4, 0)], 1));
    let pre = p.presubmit(&store, &head_lines(), &p.presubmit_env());
    assert!(pre.lookup.found.is_none(), "skipped by default");
    assert!(!pre.lookup.skipped.is_empty(), "and said why");

    let q = project("[storage]\nuse-failed-baselines = true\n");
    let store = memory_store();
    q.record_baseline(&store, "100", &measured(&[(1, 1), (2, 0), (3, 0), (4, 0)], 1));
    let pre = q.presubmit(&store, &head_lines(), &q.presubmit_env());
    let found = pre.lookup.found.as_ref().expect("used when configured");
    assert_eq!(found.metadata.tests_exit_status, 1);
}

#[test]
fn outside_prow_a_presubmit_takes_main_as_its_base_and_posts_nothing() {
    let p = project("");
    let store = memory_store();
    // A local post-submit on main records `local-postsubmit`'s baseline.
    p.repo.git(&["checkout", "-q", "main"]);
    let env = Env::from_pairs([("SOURCE_DATE_EPOCH", "1")]);
    let s = JobSettings::resolve(Some(Mode::Postsubmit), &p.args(), &env).expect("settings");
    let plan = job::postsubmit::plan(&s, &base_lines(), &env).expect("plan");
    assert_eq!(plan.record.build.job, "local-postsubmit");
    storage::put(&store, &plan.record, &base_lines().coverage).expect("put");

    p.repo.git(&["checkout", "-q", "pr"]);
    let s = JobSettings::resolve(Some(Mode::Presubmit), &p.args(), &env).expect("settings");
    let repo = GitRepo::open(&p.root(), &env).expect("open");
    let pre = job::presubmit::run(&s, &head_lines(), &store, &repo, &mut Phases::new(Instant::now())).expect("run");
    assert_eq!(pre.branch, "main");
    assert!(pre.lookup.found.is_some(), "the local baseline of the merge-base");
    assert_eq!(
        pre.post.as_ref().err(),
        Some(&"not a Prow pre-submit (no PR to comment on)")
    );
    assert!(
        pre.comment.contains("local-presubmit"),
        "the marker names the local job"
    );
}

#[test]
fn a_periodic_labels_its_point_with_the_commit_date_and_sha() {
    let p = project("");
    p.repo.git(&["checkout", "-q", "main"]);
    let env = Env::default();
    let s = JobSettings::resolve(Some(Mode::Periodic), &p.args(), &env).expect("settings");
    let repo = GitRepo::open(&p.root(), &env).expect("open");
    let point = job::periodic::plan(&s, &base_lines(), &repo).expect("plan");
    assert_eq!(point.label, format!("2024-01-01@{}", &p.base[..7]));
    assert_eq!(point.branch, "main");
    assert!((point.percent - 75.0).abs() < 1e-9, "{}", point.percent);
    let history = vec![
        ("2023-12-31@abcdef0".to_owned(), 70.0),
        (point.label.clone(), point.percent),
    ];
    let html = point.html(&s, history.clone());
    assert_eq!(html.history, history);
    assert!(html.title.starts_with("Coverage of demo at "), "{}", html.title);
}

#[test]
fn the_status_text_names_the_figures_then_what_failed() {
    let p = project("");
    let pre = p.presubmit(&memory_store(), &head_lines(), &p.presubmit_env());
    assert_eq!(
        job::presubmit::status_text(&pre.report, false, 1),
        "66.7% total, 0.0% patch"
    );
    assert_eq!(
        job::presubmit::status_text(&pre.report, true, 1),
        "66.7% total, 0.0% patch, tests failed"
    );
}

#[test]
fn a_checkout_that_is_not_prows_commit_is_refused_before_anything_runs() {
    let p = project("");
    let mut env = p.presubmit_env();
    env.set("PULL_PULL_SHA", "0123456789abcdef0123456789abcdef01234567");
    let e = JobSettings::resolve(None, &p.args(), &env).expect_err("wrong checkout");
    assert_eq!(e.exit_code(), 78);
    assert!(e.to_string().contains("PULL_PULL_SHA"), "{e}");
}

#[test]
fn the_base_commits_baseline_under_another_branch_is_used_and_named() {
    let p = project("");
    let store = memory_store();
    p.record_baseline(&store, "100", &base_lines());
    let repo = GitRepo::open(&p.root(), &Env::default()).expect("open");
    let query = storage::Query {
        job: POST_JOB.to_owned(),
        branch: "release-1".to_owned(),
        sha: p.base.clone(),
        max_walk: 5,
        max_builds: 0,
        failed_tests: storage::FailedTests::Skip,
    };
    let lookup = storage::find(&store, &query, Some(&repo)).expect("find");
    let found = lookup.found.as_ref().expect("the same commit, recorded for main");
    assert_eq!((found.matched, found.commits_behind), (Match::Exact, Some(0)));
    assert_eq!(found.metadata.branch, "main");
    assert_eq!(
        storage::BaselineReport::of(&lookup, &query).branch.as_deref(),
        Some("main")
    );

    // The comment says so.
    let info = prowcov::render::comment::BaselineInfo {
        sha: found.metadata.sha.clone(),
        commits_behind: Some(0),
        build_url: None,
        tests_failed: false,
        other_branch: Some("main".to_owned()),
    };
    let pre = p.presubmit(&store, &head_lines(), &p.presubmit_env());
    let body = prowcov::render::comment::render(&prowcov::render::comment::CommentInput {
        job: PULL_JOB,
        head_sha: &p.head,
        report: &pre.report,
        baseline: Some(info),
        links: Default::default(),
        head_tests_failed: None,
        prow: true,
        precision: 2,
        previous: None,
    });
    assert!(body.contains("itself, recorded for branch main"), "{body}");
}

#[test]
fn a_pushs_comparison_with_the_prs_previous_push_says_when_it_was_force_pushed() {
    let p = project("");
    let store = memory_store();
    p.record_baseline(&store, "100", &base_lines());
    let job = prowcov::ids::JobName::try_from(PULL_JOB).expect("job");
    let build = prowcov::ids::BuildId::try_from("200").expect("build");
    let first = prowcov::ids::Sha::try_from(p.head.as_str()).expect("sha");
    // The first push: nothing to compare with; then it is recorded.
    let pre = p.presubmit(&store, &head_lines(), &p.presubmit_env());
    assert!(pre.previous.is_none());
    storage::pushes::put_push(&store, &job, 7, &first, &build, 10, &head_lines().coverage).expect("put");

    // The next push covers line 4 too: +16.67 points since the previous push, one file moved.
    let next = p.repo.commit("cover it", &[("b.txt", "x\n")]);
    let mut env = p.presubmit_env();
    env.set("PULL_PULL_SHA", &next);
    let better = measured(&[(1, 1), (2, 1), (3, 1), (4, 1), (5, 0), (6, 1)], 0);
    let pre = p.presubmit(&store, &better, &env);
    let previous = pre.previous.as_ref().expect("the previous push");
    assert_eq!(previous.sha, p.head);
    assert_eq!(previous.build_id, "200");
    assert!(!previous.force_pushed, "the previous head is an ancestor");
    assert!(
        (previous.delta.delta() - 100.0 / 6.0).abs() < 1e-9,
        "{}",
        previous.delta.delta()
    );
    assert_eq!(previous.delta.moved.len(), 1);
    assert!(
        pre.comment.contains(&format!(
            "- **Since the previous push** {} (build 200): **+16.67** points",
            &p.head[..10]
        )),
        "{}",
        pre.comment
    );
    storage::pushes::put_push(
        &store,
        &job,
        7,
        &prowcov::ids::Sha::try_from(next.as_str()).expect("sha"),
        &build,
        20,
        &better.coverage,
    )
    .expect("put");

    // A force-push: the PR's branch rewritten from the base; the newest recorded push is not an ancestor.
    p.repo.git(&["reset", "-q", "--hard", &p.base]);
    let rewritten = p.repo.commit("rewritten", &[("a.py", CHANGED)]);
    env.set("PULL_PULL_SHA", &rewritten);
    let pre = p.presubmit(&store, &head_lines(), &env);
    let previous = pre.previous.as_ref().expect("the previous push");
    assert_eq!(previous.sha, next, "the newest recorded push");
    assert!(previous.force_pushed);
    assert!(pre.comment.contains("force-pushed"), "{}", pre.comment);

    // A push whose profile was damaged is skipped, with a reason.
    let key = format!("prowcov-pushes/{PULL_JOB}/7/{next}/profile.json");
    store.put(&key, b"{}".to_vec()).expect("damage");
    let pre = p.presubmit(&store, &head_lines(), &env);
    assert_eq!(
        pre.previous.as_ref().map(|x| x.sha.as_str()),
        Some(p.head.as_str()),
        "the one before"
    );
    assert!(
        pre.push_skipped.iter().any(|s| s.contains("digest")),
        "{:?}",
        pre.push_skipped
    );
}
