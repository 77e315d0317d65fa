//! `prowcov run`, end to end, as Prow runs it: real git repositories (the pre-submit's checkout is the PR merged
//! into the base, as Prow's clonerefs makes it), the variables Prow sets, baselines in the GCS emulator, the PR comment
//! in the in-process fake GitHub, and real tests under coverage.py and `go test`. Plus the embedded default (no Prow,
//! no config: local storage, the comment in a file) on the README's bundled example, and the errors a misconfigured
//! job gets.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use common::GitRepo;
use common::fake_github::{BOT, Fixture};
use serde_json::Value;

const TOKEN: &str = "ghp_prowcovRunTestToken0123456789abcdefQ";
const BUCKET: &str = "prow-artifacts";
const POST_JOB: &str = "post-demo-coverage";
const PRE_JOB: &str = "pull-demo-coverage";
const PERIODIC_JOB: &str = "ci-demo-coverage";

fn text(out: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// `prowcov ARGS` in `dir` with exactly `env` from Prow's variables (none leak in from the test's environment).
fn prowcov_in(dir: &Path, env: &BTreeMap<String, String>, args: &[&str]) -> Output {
    let mut cmd = common::prowcov();
    cmd.current_dir(dir).args(args);
    for var in prowcov::prow::VARIABLES {
        cmd.env_remove(var);
    }
    for var in [
        "GITHUB_TOKEN",
        "PROWCOV_GITHUB_TOKEN_FILE",
        "PROWCOV_STORAGE",
        "PROWCOV_BASELINE_JOB",
        "BUILD_NUMBER",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env);
    cmd.output().expect("run prowcov")
}

// ---------------------------------------------------------------------------------------------------------------
// The embedded default and the README's first command

/// The README's first command, `scripts/demo`: post-submit then pre-submit on the bundled example with local storage
/// and no token, printing the comment and where the HTML is. Needs only git (the coverage is recorded).
#[test]
fn readme_first_command_runs_the_job_on_the_bundled_example() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let first = readme
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.starts_with("```") && l.starts_with("scripts/"))
        .expect("a command in the README");
    assert_eq!(
        first, "scripts/demo",
        "the README's first command is the one tested here"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/demo"))
        .env("PROWCOV_BIN", env!("CARGO_BIN_EXE_prowcov"))
        .env("PROWCOV_DEMO_DIR", dir.path())
        .env_remove("JOB_TYPE")
        .env_remove("ARTIFACTS")
        .output()
        .expect("run scripts/demo");
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("## Coverage · `local-presubmit`"), "{all}");
    assert!(
        stdout.contains("- **Total**: **63.64%** (**+8.08** points against the baseline's 55.56%)"),
        "{all}"
    );
    assert!(
        stdout.contains("| python/src/demo/calc.py | 44.00% | 53.85% | +9.85 | 75.00% (6/8) | 32, 36 |"),
        "{all}"
    );
    let artifacts = dir.path().join("repo/.prowcov/artifacts/presubmit");
    assert!(
        stdout.contains(&format!("{}", artifacts.join("html/index.html").display())),
        "{all}"
    );
    let index = std::fs::read_to_string(artifacts.join("html/index.html")).expect("HTML index");
    assert!(index.contains("calc.py"), "the changed files' report lists calc.py");
    let summary = read_json(&artifacts.join("summary.json"));
    assert_eq!(summary["baseline"]["found"], true, "{summary:#}");
    assert_eq!(summary["baseline"]["match"], "exact", "{summary:#}");
    assert_eq!(summary["comment"], "not posted", "{summary:#}");
    assert_eq!(summary["exit_code"], 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a Prow pre-submit (no PR to comment on); the comment is in"),
        "{all}"
    );
    assert!(
        stderr.contains("phases: settings"),
        "the job prints where its time went: {all}"
    );
}

/// Outside Prow with no `--profile`, `auto` reads the coverage a plain `coverage run` left (`.coverage`), or the other
/// well-known names, without running anything; and a pre-submit's base defaults to the merge-base with `main`.
#[test]
fn auto_uses_the_coverage_already_in_the_repository_and_the_merge_base_with_main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("repo"));
    repo.commit(
        "base",
        &[
            (".gitignore", ".prowcov/\nlcov.info\n"),
            ("src/a.c", "int a(void) {\n  return 1;\n}\n"),
        ],
    );
    std::fs::write(
        repo.dir.join("lcov.info"),
        "SF:src/a.c\nDA:1,1\nDA:2,1\nend_of_record\n",
    )
    .expect("lcov");
    let env = BTreeMap::new();
    let out = prowcov_in(&repo.dir, &env, &["run", "--mode", "postsubmit"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("reading lcov.info (no tests run)"),
        "{}",
        text(&out)
    );

    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit(
        "change",
        &[(
            "src/a.c",
            "int a(void) {\n  return 1;\n}\nint b(void) {\n  return 2;\n}\n",
        )],
    );
    std::fs::write(
        repo.dir.join("lcov.info"),
        "SF:src/a.c\nDA:1,1\nDA:2,1\nDA:4,1\nDA:5,0\nend_of_record\n",
    )
    .expect("lcov");
    let out = prowcov_in(&repo.dir, &env, &["presubmit"]);
    assert!(out.status.success(), "{}", text(&out));
    let artifacts = repo.dir.join(".prowcov/artifacts/presubmit");
    // `run --help` names the folder the job used.
    let help = prowcov_in(&repo.dir, &env, &["run", "--help"]);
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("else `.prowcov/artifacts/<mode>` under the root"),
        "{}",
        text(&help)
    );
    let comment = std::fs::read_to_string(artifacts.join("comment.md")).expect("comment.md");
    assert!(
        comment.contains("- **Patch**: **50.00%** of changed lines ran (1 of the 2"),
        "{comment}"
    );
    // LCOV counts lines, and the rounding named is not coverage.py's.
    assert!(comment.contains("3 of 4 lines covered"), "{comment}");
    assert!(comment.contains("Percentages are rounded half to even"), "{comment}");
    assert!(!comment.contains("coverage.py"), "{comment}");
    let summary = read_json(&artifacts.join("summary.json"));
    assert_eq!(
        summary["branch"], "main",
        "baselines of the merge-base's branch: {summary:#}"
    );
    assert_eq!(summary["baseline"]["match"], "exact", "{summary:#}");

    // A gate from the flags: 50% patch coverage is below 80%.
    let out = prowcov_in(&repo.dir, &env, &["presubmit", "--min-patch", "80"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("coverage gate failed"),
        "{}",
        text(&out)
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Misconfigured jobs

#[test]
fn missing_and_contradictory_prow_variables_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(dir.path());
    let sha = repo.commit("base", &[("a.txt", "a\n")]);
    let base: BTreeMap<String, String> = [
        ("JOB_TYPE", "presubmit"),
        ("JOB_NAME", PRE_JOB),
        ("BUILD_ID", "7"),
        ("REPO_OWNER", "acme"),
        ("REPO_NAME", "demo"),
        ("PULL_BASE_REF", "main"),
        ("PULL_BASE_SHA", sha.as_str()),
        ("PULL_NUMBER", "3"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let out = prowcov_in(&repo.dir, &base, &["run"]);
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("PULL_PULL_SHA is not set"),
        "{}",
        text(&out)
    );

    let mut env = base.clone();
    env.insert("PULL_PULL_SHA".into(), sha.clone());
    let out = prowcov_in(&repo.dir, &env, &["run", "--mode", "postsubmit"]);
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--mode postsubmit contradicts JOB_TYPE=presubmit"),
        "{}",
        text(&out)
    );

    let out = prowcov_in(&repo.dir, &env, &["run", "--profile", "x.info"]);
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("PROWCOV_BASELINE_JOB"),
        "a Prow pre-submit must name its post-submit: {}",
        text(&out)
    );

    let out = prowcov_in(&repo.dir, &BTreeMap::new(), &["run"]);
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no mode"),
        "{}",
        text(&out)
    );
}

// ---------------------------------------------------------------------------------------------------------------
// As Prow runs it

/// A small Python project with real pytest tests; `fail` makes one test fail.
fn python_project(extra_function: bool, fail: bool) -> Vec<(&'static str, String)> {
    let mut calc = String::from(
        "def add(a, b):\n    return a + b\n\n\ndef sign(x):\n    if x > 0:\n        return 1\n    if x < 0:\n        return -1\n    return 0\n",
    );
    let mut tests = String::from(
        "import os\n\nfrom app.calc import add, sign\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n\
         def test_sign():\n    assert sign(3) == 1\n\n\ndef test_no_token():\n    assert \"GITHUB_TOKEN\" not in os.environ\n\
         assert \"PROWCOV_GITHUB_TOKEN_FILE\" not in os.environ\n",
    );
    if extra_function {
        calc.push_str("\n\ndef clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n    return x\n");
        tests.push_str("\n\ndef test_clamp():\n    from app.calc import clamp\n    assert clamp(5, 0, 9) == 5\n");
    }
    if fail {
        tests.push_str("\n\ndef test_broken():\n    assert add(2, 2) == 5\n");
    }
    vec![
        (
            "pyproject.toml",
            "[tool.pytest.ini_options]\npythonpath = [\"src\"]\n\n[tool.coverage.run]\nbranch = true\nsource = [\"src\"]\n\n\
             [tool.prowcov.storage]\npostsubmit-job = \"post-demo-coverage\"\n\n[tool.prowcov.gate]\nmin-patch = 50\n\n\
             [tool.prowcov.links]\nartifacts = \"https://gcsweb.example.com/gcs/{bucket}/{path}\"\n"
                .to_owned(),
        ),
        (".gitignore", ".prowcov/\n__pycache__/\n.pytest_cache/\n".to_owned()),
        ("src/app/__init__.py", String::new()),
        ("src/app/calc.py", calc),
        ("tests/test_calc.py", tests),
    ]
}

fn commit_files(repo: &GitRepo, message: &str, files: &[(&str, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    repo.commit(message, &borrowed)
}

/// What Prow sets for a job, plus the storage emulator, the fake GitHub and the token file.
struct ProwJob {
    env: BTreeMap<String, String>,
}

impl ProwJob {
    fn new(job_type: &str, job: &str, build: &str, artifacts: &Path) -> ProwJob {
        let mut env = BTreeMap::new();
        for (k, v) in [
            ("CI", "true"),
            ("JOB_TYPE", job_type),
            ("JOB_NAME", job),
            ("BUILD_ID", build),
            ("PROW_JOB_ID", "1ce07fa2-0831-11e8-b07e-0a58ac101036"),
        ] {
            env.insert(k.to_owned(), v.to_owned());
        }
        env.insert("ARTIFACTS".into(), artifacts.display().to_string());
        ProwJob { env }
    }

    fn set(mut self, k: &str, v: &str) -> ProwJob {
        self.env.insert(k.to_owned(), v.to_owned());
        self
    }

    /// Prow's refs for a post-submit of `sha` on main, or a pre-submit of PR 7 at `pr_sha`.
    fn refs(self, base_sha: &str, pr: Option<&str>) -> ProwJob {
        let mut job = self
            .set("REPO_OWNER", "acme")
            .set("REPO_NAME", "demo")
            .set("PULL_BASE_REF", "main")
            .set("PULL_BASE_SHA", base_sha);
        let mut refs = format!("main:{base_sha}");
        if let Some(pr_sha) = pr {
            job = job.set("PULL_NUMBER", "7").set("PULL_PULL_SHA", pr_sha);
            refs.push_str(&format!(",7:{pr_sha}"));
        }
        let job_type = job.env["JOB_TYPE"].clone();
        let job_name = job.env["JOB_NAME"].clone();
        let build = job.env["BUILD_ID"].clone();
        let spec = serde_json::json!({
            "type": job_type, "job": job_name, "buildid": build,
            "refs": {"org": "acme", "repo": "demo", "base_ref": "main", "base_sha": base_sha,
                     "pulls": pr.map(|s| vec![serde_json::json!({"number": 7, "sha": s})]).unwrap_or_default()},
            "decoration_config": {"gcs_configuration": {"bucket": BUCKET, "path_strategy": "explicit"}}
        });
        job.set("PULL_REFS", &refs).set("JOB_SPEC", &spec.to_string())
    }

    fn services(self, gcs: &common::emulators::Server, github: &Fixture, token_file: &Path) -> ProwJob {
        self.set("PROWCOV_STORAGE", &format!("gs://{BUCKET}/prow"))
            .set("PROWCOV_GCS_ENDPOINT", &gcs.endpoint())
            .set("PROWCOV_GITHUB_URL", &github.server.uri())
            .set("PROWCOV_GITHUB_TOKEN_FILE", &token_file.display().to_string())
            .set("PROWCOV_PYTHON", &common::python().display().to_string())
            .set(
                "PATH",
                &format!(
                    "{}:{}",
                    common::python().parent().expect("venv bin").display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
    }
}

/// Every file under `dir`, read as text where it is text.
fn all_text_under(dir: &Path) -> String {
    let mut all = String::new();
    for rel in common::list_tree(dir) {
        if let Ok(bytes) = std::fs::read(dir.join(&rel)) {
            all.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    all
}

/// The whole life of a Python repository in Prow: a post-submit on main records the baseline in GCS; a pre-submit on
/// PR 7 (merged into main, as Prow checks it out) compares, writes the HTML and the comment, and posts the comment; a
/// second pre-submit edits the same comment; a pre-submit whose tests fail still reports; a periodic writes JUnit and
/// the history. The token never appears in any output or artifact.
#[test]
#[ignore = "needs coverage.py, pytest and fake-gcs-server (scripts/test provisions them)"]
fn a_python_repository_through_postsubmit_presubmit_and_periodic() {
    let (gcs, _gcs_data) = common::emulators::fake_gcs(BUCKET);
    let github = Fixture::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("oauth");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token");
    let repo = GitRepo::init(&dir.path().join("demo"));
    let base = commit_files(&repo, "base", &python_project(false, false));
    let mut logs = String::new();
    let mut run = |job: ProwJob, expect: i32| -> Output {
        // GITHUB_TOKEN is set too: the file wins, and the tests must not see either (test_no_token checks).
        let job = job.services(&gcs, &github, &token_file).set("GITHUB_TOKEN", TOKEN);
        let status = job.env["JOB_TYPE"] == "presubmit";
        let out = prowcov_in(
            &repo.dir,
            &job.env,
            if status { &["run", "--status"] } else { &["run"] },
        );
        logs.push_str(&text(&out));
        assert_eq!(out.status.code(), Some(expect), "{}", text(&out));
        out
    };

    // Post-submit on main.
    let post_artifacts = dir.path().join("post-artifacts");
    run(
        ProwJob::new("postsubmit", POST_JOB, "100", &post_artifacts).refs(&base, None),
        0,
    );
    let post = read_json(&post_artifacts.join("summary.json"));
    assert_eq!(post["commit"], base.as_str(), "{post:#}");
    assert!(
        post["recorded"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("prow/logs/{POST_JOB}/100/artifacts/prowcov/complete"))),
        "{post:#}"
    );
    assert!(post_artifacts.join("html/index.html").is_file());
    let junit = std::fs::read_to_string(post_artifacts.join("junit_coverage.xml")).expect("junit");
    assert!(junit.contains("src/app/calc.py"), "{junit}");
    let log = std::fs::read_to_string(post_artifacts.join("tests.log")).expect("tests.log");
    assert!(
        log.contains("3 passed"),
        "the tests' output is saved, and they saw no token: {log}"
    );

    // PR 7 adds clamp(); Prow checks out the PR merged into main.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let pr_sha = commit_files(&repo, "add clamp", &python_project(true, false));
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge PR 7", "feature"]);
    github.fake.state().pr_head = pr_sha.clone();
    let pre_artifacts = dir.path().join("pre-artifacts");
    run(
        ProwJob::new("presubmit", PRE_JOB, "200", &pre_artifacts).refs(&base, Some(&pr_sha)),
        0,
    );
    let pre = read_json(&pre_artifacts.join("summary.json"));
    assert_eq!(pre["baseline"]["found"], true, "{pre:#}");
    assert_eq!(pre["baseline"]["build_id"], "100", "{pre:#}");
    assert_eq!(pre["comment"], "created", "{pre:#}");
    assert!(
        pre.get("previous_push").is_none(),
        "the PR's first push has none: {pre:#}"
    );
    assert_eq!(pre["gate"]["passed"], true, "{pre:#}");
    let comments = github.fake.state().comments.clone();
    assert_eq!(comments.len(), 1, "one comment");
    let (id, author, body) = &comments[0];
    assert_eq!(author, BOT);
    assert!(
        body.starts_with(&format!("<!-- prowcov:{PRE_JOB} head={pr_sha} -->")),
        "{body}"
    );
    assert!(body.contains("src/app/calc.py"), "{body}");
    let report_url = format!(
        "https://gcsweb.example.com/gcs/{BUCKET}/pr-logs/pull/acme_demo/7/{PRE_JOB}/200/artifacts/html/index.html"
    );
    assert!(
        body.contains(&report_url),
        "the comment links the uploaded HTML report: {body}"
    );
    assert_eq!(pre["status"], "set", "{pre:#}");
    assert_eq!(
        github.fake.count("POST", &format!("/statuses/{pr_sha}")),
        1,
        "the status is set on the PR's head"
    );
    assert_eq!(
        body,
        &std::fs::read_to_string(pre_artifacts.join("comment.md")).expect("comment.md")
    );
    let index = std::fs::read_to_string(pre_artifacts.join("html/index.html")).expect("html");
    assert!(index.contains("calc.py"), "{index}");
    assert!(pre_artifacts.join("diff.json").is_file());

    // A re-run (a new build of the same head) edits the comment in place.
    run(
        ProwJob::new("presubmit", PRE_JOB, "201", &pre_artifacts).refs(&base, Some(&pr_sha)),
        0,
    );
    assert_eq!(read_json(&pre_artifacts.join("summary.json"))["comment"], "updated");
    let comments = github.fake.state().comments.clone();
    assert_eq!(comments.len(), 1, "still one comment");
    assert_eq!(&comments[0].0, id, "the same comment");
    assert_eq!(github.fake.count("POST", "/comments"), 1, "created once, then edited");

    // The PR's next commit breaks a test: coverage is still reported and posted, and the exit code says so.
    repo.git(&["checkout", "-q", "feature"]);
    let broken = commit_files(&repo, "break a test", &python_project(true, true));
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["reset", "-q", "--hard", &base]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge PR 7", "feature"]);
    github.fake.state().pr_head = broken.clone();
    run(
        ProwJob::new("presubmit", PRE_JOB, "202", &pre_artifacts).refs(&base, Some(&broken)),
        3,
    );
    let pre = read_json(&pre_artifacts.join("summary.json"));
    assert_eq!(pre["tests"]["exit_code"], 1, "{pre:#}");
    assert_eq!(pre["exit_code"], 3, "{pre:#}");
    let comments = github.fake.state().comments.clone();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].2.contains(&format!("head={broken}")), "{}", comments[0].2);
    assert!(
        comments[0].2.contains("The tests failed (exit status 1)"),
        "{}",
        comments[0].2
    );
    // The PR's previous push (the re-run of `pr_sha`) is compared with this one (issue 12).
    assert_eq!(pre["previous_push"]["sha"], pr_sha.as_str(), "{pre:#}");
    assert_eq!(pre["previous_push"]["build_id"], "201", "{pre:#}");
    assert_eq!(pre["previous_push"]["force_pushed"], false, "{pre:#}");
    assert!(
        comments[0]
            .2
            .contains(&format!("- **Since the previous push** {} (build 201)", &pr_sha[..10])),
        "{}",
        comments[0].2
    );
    // The whole suite ran (pytest reports the failure at the end): the banner must not say it stopped.
    assert!(
        comments[0]
            .2
            .contains("what the test run measured, failing tests included")
            && !comments[0].2.contains("before they did"),
        "{}",
        comments[0].2
    );

    // The periodic: JOB_SPEC's extra_refs, no REPO_*/PULL_*; JUnit for TestGrid and the history.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["reset", "-q", "--hard", &base]);
    let periodic_artifacts = dir.path().join("periodic-artifacts");
    let spec = serde_json::json!({
        "type": "periodic", "job": PERIODIC_JOB, "buildid": "300",
        "extra_refs": [{"org": "acme", "repo": "demo", "base_ref": "main"}],
        "decoration_config": {"gcs_configuration": {"bucket": BUCKET, "path_strategy": "explicit"}}
    });
    let periodic =
        || ProwJob::new("periodic", PERIODIC_JOB, "300", &periodic_artifacts).set("JOB_SPEC", &spec.to_string());
    run(periodic(), 0);
    let junit = std::fs::read_to_string(periodic_artifacts.join("junit_coverage.xml")).expect("junit");
    assert!(junit.contains("<property name=\"coverage\""), "{junit}");
    let history = std::fs::read_to_string(periodic_artifacts.join("coverage-history.txt")).expect("history");
    assert_eq!(history.lines().count(), 1, "{history}");
    assert!(
        history.starts_with("2024-01-01@"),
        "labelled by commit date and SHA: {history}"
    );
    run(periodic(), 0);
    let again = std::fs::read_to_string(periodic_artifacts.join("coverage-history.txt")).expect("history");
    assert_eq!(again, history, "a rerun of the same commit replaces its point");

    // The token is nowhere: not in the logs, not in any artifact.
    assert!(!logs.contains(TOKEN), "the token leaked into the output");
    for artifacts in [&post_artifacts, &pre_artifacts, &periodic_artifacts] {
        assert!(
            !all_text_under(artifacts).contains(TOKEN),
            "the token leaked into {}",
            artifacts.display()
        );
    }
    assert!(!all_text_under(&repo.dir.join(".prowcov")).contains(TOKEN));
    let seen = github.fake.state().authorization_seen.clone();
    assert!(
        seen.iter().all(|a| a.ends_with(TOKEN)),
        "the bot did authenticate with it"
    );
}

/// A project whose tests execute a template compiled as Python code (as jinja2's do): coverage.py measures the
/// template, then cannot parse it. The job reports it as `coverage report -i` would, with a warning naming it, instead
/// of dying; `report` fails as `coverage report` does, with a hint naming a flag that exists, and `-i` or coverage.py's
/// `[report] ignore_errors` skip the file with the same figure as `coverage report -i`.
#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn a_template_the_tests_execute_is_skipped_with_a_warning_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("tpl"));
    let files: Vec<(&str, String)> = vec![
        (
            "pyproject.toml",
            "[tool.pytest.ini_options]\npythonpath = [\"src\"]\n\n[tool.coverage.run]\nsource = [\"src\"]\n".to_owned(),
        ),
        (".gitignore", ".prowcov/\n__pycache__/\n.pytest_cache/\n.coverage\n".to_owned()),
        (
            "src/app/__init__.py",
            "import os\n\n\ndef render(name):\n    path = os.path.join(os.path.dirname(__file__), \"templates\", name)\n    \
             code = compile(\"x = 1\\ny = 2\\n\", path, \"exec\")\n    scope = {}\n    exec(code, scope)\n    \
             return scope[\"y\"]\n\n\ndef unused():\n    return 0\n"
                .to_owned(),
        ),
        ("src/app/templates/greeting", "Hello {{ name }}!\n{% if x %}\n".to_owned()),
        (
            "tests/test_render.py",
            "from app import render\n\n\ndef test_render():\n    assert render(\"greeting\") == 2\n".to_owned(),
        ),
    ];
    commit_files(&repo, "base", &files);
    let python = common::python();
    let mut env = BTreeMap::new();
    env.insert("PROWCOV_PYTHON".to_owned(), python.display().to_string());

    let out = prowcov_in(&repo.dir, &env, &["run", "--mode", "postsubmit", "--runner", "python"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: src/app/templates/greeting is left out of the report: Couldn't parse Python file"),
        "{}",
        text(&out)
    );
    let coverage = read_json(&repo.dir.join(".prowcov/artifacts/postsubmit/coverage.json"));
    let listed = coverage["files"].to_string();
    assert!(
        listed.contains("\"src/app/__init__.py\"") && !listed.contains("greeting"),
        "{listed}"
    );

    // The same data through `report`: coverage.py's own verdicts.
    common::run_ok(common::python_module("coverage").current_dir(&repo.dir).args([
        "run",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
    ]));
    let theirs = common::python_module("coverage")
        .current_dir(&repo.dir)
        .args(["report"])
        .output()
        .expect("coverage report");
    assert!(!theirs.status.success(), "coverage report fails without -i");
    let ours = prowcov_in(&repo.dir, &env, &["report"]);
    assert_eq!(ours.status.code(), Some(2), "{}", text(&ours));
    assert!(
        String::from_utf8_lossy(&ours.stderr).contains("pass -i/--ignore-errors"),
        "{}",
        text(&ours)
    );
    let total = |report: &str| -> String {
        report
            .lines()
            .find(|l| l.starts_with("TOTAL"))
            .and_then(|l| l.split_whitespace().last())
            .unwrap_or_else(|| panic!("no TOTAL in {report}"))
            .to_owned()
    };
    let theirs = common::stdout_ok(
        common::python_module("coverage")
            .current_dir(&repo.dir)
            .args(["report", "-i"]),
    );
    for args in [&["report", "-i"][..], &["report", "--ignore-errors"][..]] {
        let ours = prowcov_in(&repo.dir, &env, args);
        assert_eq!(ours.status.code(), Some(0), "{}", text(&ours));
        assert_eq!(
            total(&String::from_utf8_lossy(&ours.stdout)),
            total(&theirs),
            "{}\n{theirs}",
            text(&ours)
        );
        assert!(
            String::from_utf8_lossy(&ours.stderr).contains("src/app/templates/greeting"),
            "{}",
            text(&ours)
        );
    }
    // A missing source means the job runs where the sources are not: it fails, unless `run -i` says to skip it.
    std::fs::remove_file(repo.dir.join("src/app/templates/greeting")).expect("rm");
    let args = ["run", "--mode", "postsubmit", "--profile", ".coverage"];
    let out = prowcov_in(&repo.dir, &env, &args);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no source for 1 measured file(s)") && stderr.contains("pass -i/--ignore-errors"),
        "{}",
        text(&out)
    );
    let out = prowcov_in(&repo.dir, &env, &[&args[..], &["-i"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No source for code"),
        "{}",
        text(&out)
    );
    // coverage.py's `[report] ignore_errors` counts as `-i`.
    std::fs::write(
        repo.dir.join("pyproject.toml"),
        format!("{}\n[tool.coverage.report]\nignore_errors = true\n", files[0].1),
    )
    .expect("pyproject");
    let ours = prowcov_in(&repo.dir, &env, &["report"]);
    assert_eq!(
        ours.status.code(),
        Some(0),
        "[report] ignore_errors is honoured: {}",
        text(&ours)
    );
    let theirs = common::stdout_ok(
        common::python_module("coverage")
            .current_dir(&repo.dir)
            .args(["report"]),
    );
    assert_eq!(
        total(&String::from_utf8_lossy(&ours.stdout)),
        total(&theirs),
        "{}",
        text(&ours)
    );
    let out = prowcov_in(&repo.dir, &env, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A Go module in Prow: `go test -covermode=atomic -coverpkg` over two packages, post-submit then pre-submit.
#[test]
#[ignore = "needs Go and fake-gcs-server (scripts/test provisions them)"]
fn a_go_module_through_postsubmit_and_presubmit() {
    let (gcs, _gcs_data) = common::emulators::fake_gcs(BUCKET);
    let github = Fixture::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("oauth");
    std::fs::write(&token_file, TOKEN).expect("token");
    let repo = GitRepo::init(&dir.path().join("shapes"));
    let module = |extra: &str| -> Vec<(&'static str, String)> {
        vec![
            ("go.mod", "module example.com/shapes\n\ngo 1.19\n".to_owned()),
            (".gitignore", ".prowcov/\n".to_owned()),
            (
                ".prowcov.toml",
                format!("[run]\nrunner = \"go\"\n\n[storage]\npostsubmit-job = \"{POST_JOB}\"\n"),
            ),
            (
                "area/area.go",
                format!("package area\n\nfunc Rect(w, h int) int {{\n\tif w < 0 || h < 0 {{\n\t\treturn 0\n\t}}\n\treturn w * h\n}}\n{extra}"),
            ),
            (
                "area/area_test.go",
                "package area\n\nimport \"testing\"\n\nfunc TestRect(t *testing.T) {\n\tif Rect(2, 3) != 6 {\n\t\tt.Fatal(\"Rect\")\n\t}\n}\n"
                    .to_owned(),
            ),
            (
                "square/square.go",
                "package square\n\nimport \"example.com/shapes/area\"\n\nfunc Of(s int) int {\n\treturn area.Rect(s, s)\n}\n".to_owned(),
            ),
            (
                "square/square_test.go",
                "package square\n\nimport \"testing\"\n\nfunc TestOf(t *testing.T) {\n\tif Of(3) != 9 {\n\t\tt.Fatal(\"Of\")\n\t}\n}\n"
                    .to_owned(),
            ),
        ]
    };
    let base = commit_files(&repo, "base", &module(""));
    let go_env = |job: ProwJob| {
        let go = common::go();
        let mut job = job.services(&gcs, &github, &token_file);
        for (k, v) in go.get_envs() {
            if let Some(v) = v {
                job = job.set(&k.to_string_lossy(), &v.to_string_lossy());
            }
        }
        job
    };
    let post_artifacts = dir.path().join("post");
    let job = go_env(ProwJob::new("postsubmit", POST_JOB, "10", &post_artifacts).refs(&base, None));
    let out = prowcov_in(&repo.dir, &job.env, &["run"]);
    assert!(out.status.success(), "{}", text(&out));
    let coverage = read_json(&post_artifacts.join("coverage.json"));
    let files = coverage["files"].to_string();
    assert!(
        files.contains("area/area.go") && files.contains("square/square.go"),
        "{files}"
    );

    repo.git(&["checkout", "-q", "-b", "feature"]);
    let pr_sha = commit_files(
        &repo,
        "add Perimeter",
        &module("\nfunc Perimeter(w, h int) int {\n\treturn 2 * (w + h)\n}\n"),
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge", "feature"]);
    let pre_artifacts = dir.path().join("pre");
    let job = go_env(ProwJob::new("presubmit", PRE_JOB, "20", &pre_artifacts).refs(&base, Some(&pr_sha)));
    let out = prowcov_in(&repo.dir, &job.env, &["run"]);
    assert!(out.status.success(), "{}", text(&out));
    let comments = github.fake.state().comments.clone();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].2.contains("| area/area.go |"), "{}", comments[0].2);
    assert!(
        comments[0].2.contains("| 0.00% (0/3) | 10-12 |"),
        "the new function is not tested: {}",
        comments[0].2
    );
    // Go's unit and rounding, not coverage.py's.
    assert!(comments[0].2.contains(" statements covered"), "{}", comments[0].2);
    assert!(
        comments[0].2.contains("as `go tool cover` rounds them"),
        "{}",
        comments[0].2
    );
    assert!(!comments[0].2.contains("coverage.py"), "{}", comments[0].2);
    let index = std::fs::read_to_string(pre_artifacts.join("html/index.html")).expect("index");
    assert!(
        index.contains("<th data-sort=\"num\">Statements</th>") && index.contains(" statements</span>"),
        "{index}"
    );
    assert!(!text(&out).contains(TOKEN));
}

/// A Prow post-submit measures the commit Prow names: a checkout elsewhere would record one commit's coverage as
/// another's baseline, so it is refused before anything runs, and nothing is recorded.
#[test]
fn a_postsubmit_whose_checkout_is_not_pull_base_sha_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("repo"));
    let first = repo.commit("one", &[(".gitignore", ".prowcov/\n"), ("a.c", "int a;\n")]);
    repo.commit("two", &[("a.c", "int a;\nint b;\n")]);
    std::fs::write(repo.dir.join("a.info"), "SF:a.c\nDA:1,1\nend_of_record\n").expect("lcov");
    let artifacts = dir.path().join("artifacts");
    let job = ProwJob::new("postsubmit", POST_JOB, "5", &artifacts).refs(&first, None);
    let out = prowcov_in(&repo.dir, &job.env, &["run", "--profile", "a.info"]);
    assert_eq!(out.status.code(), Some(78), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("PULL_BASE_SHA is {first} but the checkout at")),
        "{}",
        text(&out)
    );
    assert!(!repo.dir.join(".prowcov/logs").exists(), "nothing recorded");
}

/// Artifacts of an earlier run in the same folder never pass for this run's: they are removed first, and a run that
/// fails still writes `summary.json`, with the error and its exit code.
#[test]
fn a_failed_rerun_leaves_no_earlier_artifacts_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("repo"));
    repo.commit("base", &[(".gitignore", ".prowcov/\n*.info\n"), ("a.c", "int a;\n")]);
    std::fs::write(repo.dir.join("a.info"), "SF:a.c\nDA:1,1\nend_of_record\n").expect("lcov");
    std::fs::write(repo.dir.join("bad.info"), "SF:a.c\nDA:one,1\nend_of_record\n").expect("lcov");
    let env = BTreeMap::new();
    let artifacts = repo.dir.join(".prowcov/artifacts/postsubmit");
    let out = prowcov_in(&repo.dir, &env, &["postsubmit", "--profile", "a.info"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(artifacts.join("junit_coverage.xml").is_file() && artifacts.join("html/index.html").is_file());

    let out = prowcov_in(&repo.dir, &env, &["postsubmit", "--profile", "bad.info"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        !artifacts.join("junit_coverage.xml").exists(),
        "the earlier JUnit is gone"
    );
    assert!(!artifacts.join("html").exists(), "the earlier HTML is gone");
    let summary = read_json(&artifacts.join("summary.json"));
    assert_eq!(summary["exit_code"], 2, "{summary:#}");
    assert!(
        summary["error"].as_str().is_some_and(|e| e.contains("bad.info:2")),
        "{summary:#}"
    );
}

/// The command runner reads only the coverage files its command wrote: an old file matching `run.profiles` (or an
/// earlier run's `coverage.json` under `.prowcov/`) is left out with a warning, never taken for this run's coverage.
#[test]
fn the_command_runner_never_takes_an_old_profile_for_this_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("repo"));
    repo.commit(
        "base",
        &[
            (".gitignore", ".prowcov/\n"),
            ("a.c", "int a;\n"),
            ("old.info", "SF:a.c\nDA:1,1\nend_of_record\n"),
            (
                ".prowcov.toml",
                "[run]\nrunner = \"command\"\ncommand = [\"true\"]\nprofiles = [\"*.info\", \"*.json\"]\n",
            ),
        ],
    );
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(repo.dir.join("old.info"))
        .and_then(|f| f.set_modified(old))
        .expect("age old.info");
    let out = prowcov_in(&repo.dir, &BTreeMap::new(), &["postsubmit"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("old.info matches run.profiles but was not written by this run"),
        "{}",
        text(&out)
    );
    assert!(
        stderr.contains("no coverage files written by `true` match run.profiles"),
        "{}",
        text(&out)
    );
}

// ---------------------------------------------------------------------------------------------------------------
// What a newcomer meets outside Prow

/// A repository whose tests wrote `lcov.info` at its root, not ignored by the project: `.prowcov/` must ignore
/// itself, so that `git add -A` after a local run commits none of prowcov's files (issue 16).
#[test]
fn the_local_folder_ignores_itself_so_git_add_commits_none_of_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("repo"));
    repo.commit("base", &[("src/a.c", "int a(void) {\n  return 1;\n}\n")]);
    std::fs::write(
        repo.dir.join("lcov.info"),
        "SF:src/a.c\nDA:1,1\nDA:2,1\nend_of_record\n",
    )
    .expect("lcov");
    let out = prowcov_in(
        &repo.dir,
        &BTreeMap::new(),
        &["run", "--mode", "postsubmit", "--profile", "lcov.info"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let ignore = std::fs::read_to_string(repo.dir.join(".prowcov/.gitignore")).expect(".prowcov/.gitignore");
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    repo.git(&["add", "-A"]);
    let staged = repo.git(&["diff", "--cached", "--name-only"]);
    assert_eq!(staged, "lcov.info", "only the project's own file is staged");
}

/// A clone whose `origin/HEAD` points at a feature branch: the base is the main branch (said in the log, with why),
/// and its baseline is used (issue 16).
#[test]
fn the_main_branch_is_the_base_even_when_origin_head_points_elsewhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let upstream = GitRepo::init(&dir.path().join("upstream"));
    upstream.commit("base", &[("src/a.c", "int a(void) {\n  return 1;\n}\n")]);
    upstream.git(&["checkout", "-q", "-b", "feature-x"]);
    upstream.commit("feature work", &[("src/x.c", "int x(void) {\n  return 0;\n}\n")]);
    // Cloned while the upstream had feature-x checked out: the clone's origin/HEAD is origin/feature-x.
    common::run_ok(
        Command::new("git")
            .current_dir(dir.path())
            .args(["clone", "-q", "upstream", "clone"]),
    );
    let clone = GitRepo {
        dir: dir.path().join("clone"),
    };
    assert_eq!(
        clone.git(&["rev-parse", "--abbrev-ref", "origin/HEAD"]),
        "origin/feature-x"
    );
    clone.git(&["checkout", "-q", "-b", "main", "origin/main"]);
    let lcov = |lines: &str| std::fs::write(clone.dir.join("lcov.info"), lines).expect("lcov");
    lcov("SF:src/a.c\nDA:1,1\nDA:2,1\nend_of_record\n");
    let out = prowcov_in(&clone.dir, &BTreeMap::new(), &["postsubmit", "--profile", "lcov.info"]);
    assert!(out.status.success(), "{}", text(&out));

    clone.git(&["checkout", "-q", "-b", "my-pr"]);
    clone.commit("change", &[("src/a.c", "int a(void) {\n  return 2;\n}\n")]);
    lcov("SF:src/a.c\nDA:1,1\nDA:2,0\nend_of_record\n");
    let out = prowcov_in(&clone.dir, &BTreeMap::new(), &["presubmit", "--profile", "lcov.info"]);
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("base main (the first of main, master, origin/main, origin/master, origin/HEAD that exists)"),
        "the base and why: {}",
        text(&out)
    );
    let summary = read_json(&clone.dir.join(".prowcov/artifacts/presubmit/summary.json"));
    assert_eq!(summary["branch"], "main", "{summary:#}");
    assert_eq!(summary["baseline"]["match"], "exact", "{summary:#}");
    assert_eq!(summary["baseline"]["branch"], "main", "{summary:#}");
}

/// A coverage file older than the checked-out commit is read, with a warning that says how old it is (issue 16).
#[test]
fn a_coverage_file_older_than_the_commit_is_read_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("repo"));
    // The test repository's commits are dated 2024-01-01.
    repo.commit("base", &[("src/a.c", "int a(void) {\n  return 1;\n}\n")]);
    let profile = repo.dir.join("lcov.info");
    std::fs::write(&profile, "SF:src/a.c\nDA:1,1\nDA:2,1\nend_of_record\n").expect("lcov");
    common::run_ok(Command::new("touch").args(["-d", "2023-12-29T00:00:00Z"]).arg(&profile));
    let out = prowcov_in(&repo.dir, &BTreeMap::new(), &["postsubmit", "--profile", "lcov.info"]);
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: lcov.info was written 3 days before the checked-out commit"),
        "{}",
        text(&out)
    );
    let summary = read_json(&repo.dir.join(".prowcov/artifacts/postsubmit/summary.json"));
    let warnings = summary["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("lcov.info was written"))),
        "{summary:#}"
    );
    // A file written after the commit gets no such warning.
    common::run_ok(Command::new("touch").arg(&profile));
    let out = prowcov_in(&repo.dir, &BTreeMap::new(), &["postsubmit", "--profile", "lcov.info"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("was written"),
        "{}",
        text(&out)
    );
}
