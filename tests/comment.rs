//! The PR comment body: a snapshot from a real git repository measured by coverage.py (a modified, a new, a renamed
//! and a deleted file, an indirect change, a skipped file, a failed gate), with and without a baseline, through the
//! library and through `prowcov diff --format comment`; hostile file names; a 5,000-file PR against GitHub's limit.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::GitRepo;
use prowcov::analysis::changes::{self, BaseRef, ChangeOptions, ChangeSet, ChangeStatus, FileChange, Refs};
use prowcov::analysis::filter::Filter;
use prowcov::analysis::gate::GateConfig;
use prowcov::analysis::{DiffInputs, DiffReport};
use prowcov::env::Env;
use prowcov::model::{Coverage, FileCoverage, PercentRule};
use prowcov::render::comment::{
    self, BODY_BUDGET, BaselineInfo, CommentInput, CommentLinks, GITHUB_MAX_BODY, parse_marker,
};
use prowcov::render::html::names::page_names;

const NEEDS_TOOLS: &str = "needs coverage.py (scripts/test provides it)";

const JOB: &str = "pull-demo-coverage";
const HTML: &str = "https://gcsweb.example/gcs/bucket/pr-logs/pull/org_demo/7/pull-demo-coverage/42/artifacts/html";

/// Long enough that git's similarity detection calls the edited copy a rename.
const GREET: &str = "def greet(name):\n    return \"hello \" + name\n\n\ndef farewell(name):\n    return \"bye \" + \
                     name\n\n\ndef ask(name):\n    return name + \"?\"\n";

const BASE_FILES: &[(&str, &str)] = &[
    ("README.md", "# demo\n"),
    (
        "calc.py",
        "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
    ),
    ("greet.py", GREET),
    ("gone.py", "def gone():\n    return 1\n"),
    (
        "shared.py",
        "def sign(x):\n    if x > 0:\n        return \"pos\"\n    return \"neg\"\n",
    ),
    (
        "run.py",
        "import calc, greet, gone, shared\n\ncalc.add(1, 2)\ncalc.sub(3, 1)\ngreet.greet(\"a\")\ngone.gone()\n\
         shared.sign(1)\n",
    ),
];

const HEAD_FILES: &[(&str, &str)] = &[
    ("README.md", "# demo\n\nNow with division.\n"),
    (
        "calc.py",
        "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n\n\ndef div(a, b):\n    if b == 0:\n\
         \x20       raise ZeroDivisionError(\"b\")\n    return a / b\n",
    ),
    (
        "salute.py",
        concat!(
            "def greet(name):\n    return \"hello \" + name\n\n\ndef farewell(name):\n    return \"bye \" + name\n\n\n",
            "def ask(name):\n    return name + \"?\"\n\n\ndef shout(name):\n    return greet(name).upper()\n"
        ),
    ),
    (
        "fresh.py",
        "def fresh():\n    return 4\n\n\ndef unused():\n    return 5\n",
    ),
    (
        "run.py",
        "import calc, salute, shared, fresh\n\ncalc.add(1, 2)\ncalc.sub(3, 1)\ncalc.div(4, 2)\nsalute.greet(\"a\")\n\
         shared.sign(1)\nshared.sign(-1)\nfresh.fresh()\n",
    ),
];

/// A feature branch off main, with coverage.py's JSON report of each.
struct Scenario {
    _tmp: tempfile::TempDir,
    repo: GitRepo,
    base_sha: String,
    head_sha: String,
    base_json: PathBuf,
    head_json: PathBuf,
}

impl Scenario {
    fn measured() -> Scenario {
        let tmp = tempfile::tempdir().expect("tempdir");
        let repo = GitRepo::init(&tmp.path().join("repo"));
        let base_sha = repo.commit("base", BASE_FILES);
        repo.git(&["checkout", "-q", "-b", "feature"]);
        std::fs::remove_file(repo.dir.join("gone.py")).expect("rm");
        std::fs::remove_file(repo.dir.join("greet.py")).expect("rm");
        let head_sha = repo.commit("feature", HEAD_FILES);
        let s = Scenario {
            base_json: tmp.path().join("base.json"),
            head_json: tmp.path().join("head.json"),
            _tmp: tmp,
            repo,
            base_sha,
            head_sha,
        };
        s.repo.git(&["checkout", "-q", "main"]);
        s.measure(&s.base_json);
        s.repo.git(&["checkout", "-q", "feature"]);
        s.measure(&s.head_json);
        s
    }

    /// `coverage run --branch run.py` then `coverage json`, leaving the checkout clean.
    fn measure(&self, out: &Path) {
        let data = self._tmp.path().join(".coverage");
        let out = out.to_str().expect("UTF-8 temp path");
        for args in [&["run", "--branch", "run.py"][..], &["json", "-q", "-o", out]] {
            common::run_ok(
                common::python_module("coverage")
                    .args(args)
                    .current_dir(&self.repo.dir)
                    .env("COVERAGE_FILE", &data),
            );
        }
        let _ = std::fs::remove_dir_all(self.repo.dir.join("__pycache__"));
    }

    /// The report of `feature` against `main`, with `run.py` excluded and a gate whose patch rule fails.
    /// `prowcov diff --format comment` on this scenario's profiles and repository.
    fn diff(&self) -> std::process::Command {
        let mut cmd = common::prowcov();
        cmd.args(["diff", "--format", "comment", "--base"])
            .arg(&self.base_json)
            .arg("--head")
            .arg(&self.head_json)
            .arg("--repo")
            .arg(&self.repo.dir);
        cmd
    }

    fn report(&self) -> DiffReport {
        let repo = changes::GitRepo::open(&self.repo.dir, &Env::capture()).expect("open");
        let change_set = repo
            .changes(&ChangeOptions {
                base: BaseRef::Given(self.base_sha.clone()),
                head_ref: "feature".into(),
                ignore_whitespace: false,
            })
            .expect("changes");
        let root = self.repo.dir.canonicalize().expect("canonical");
        let base = common::read_model(&self.base_json, &root);
        let head = common::read_model(&self.head_json, &root);
        DiffReport::build(DiffInputs {
            base: &base,
            head: &head,
            changes: &change_set,
            attributes: &BTreeMap::new(),
            filter: &Filter::new(&[], &["run.py".to_string()]).expect("glob"),
            gate: &GateConfig {
                min_patch: Some(90.0),
                max_drop: Some(5.0),
                min_file: Some(50.0),
            },
        })
    }

    /// `body` with both SHAs (full and as shown) replaced by placeholders.
    fn redact(&self, body: &str) -> String {
        let mut out = body.to_string();
        for (sha, name) in [(&self.head_sha, "HEAD"), (&self.base_sha, "BASE")] {
            out = out.replace(sha.as_str(), &format!("[{name}_SHA]"));
            out = out.replace(&sha[..10], &format!("[{name}]"));
        }
        out
    }
}

fn input<'a>(report: &'a DiffReport, head_sha: &'a str, baseline: Option<BaselineInfo>) -> CommentInput<'a> {
    CommentInput {
        job: JOB,
        head_sha,
        report,
        baseline,
        links: CommentLinks {
            html_report: Some(HTML.to_string()),
            html_all_files: false,
        },
        head_tests_failed: None,
        prow: true,
        precision: 1,
        previous: None,
    }
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn comment_for_a_real_pr() {
    let s = Scenario::measured();
    let report = s.report();
    let statuses: Vec<(&str, ChangeStatus)> = report.files.iter().map(|f| (f.path.as_str(), f.status)).collect();
    for expected in [
        ("calc.py", ChangeStatus::Modified),
        ("fresh.py", ChangeStatus::Added),
        ("salute.py", ChangeStatus::Renamed),
        ("gone.py", ChangeStatus::Deleted),
    ] {
        assert!(
            statuses.contains(&expected),
            "{expected:?} in {statuses:?}: {NEEDS_TOOLS}"
        );
    }
    assert!(
        report.indirect.iter().any(|c| c.path == "shared.py"),
        "an indirect change"
    );
    assert!(!report.gate.passed, "the patch rule fails");

    let baseline = BaselineInfo {
        sha: s.base_sha.clone(),
        commits_behind: Some(2),
        build_url: Some("https://prow.example/view/gs/bucket/logs/post-demo-coverage/41/".into()),
        tests_failed: false,
        other_branch: None,
    };
    let body = comment::render(&input(&report, &s.head_sha, Some(baseline)));
    assert_eq!(parse_marker(&body), Some((JOB.to_string(), s.head_sha.clone())));
    let names = page_names(["calc.py", "fresh.py", "salute.py"]);
    assert!(
        body.contains(&format!("{HTML}/files/{}#L", names["calc.py"])),
        "first missed line"
    );
    insta::assert_snapshot!("comment_with_baseline", s.redact(&body));

    let body = comment::render(&input(&report, &s.head_sha, None));
    assert!(body.contains("none exists yet"));
    assert!(!body.contains("| Base |"), "no base column without a baseline");
    insta::assert_snapshot!("comment_without_baseline", s.redact(&body));
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn diff_writes_the_comment_file() {
    let s = Scenario::measured();
    let out = s._tmp.path().join("artifacts/comment.md");
    std::fs::create_dir_all(out.parent().expect("parent")).expect("mkdir");
    let result = s
        .diff()
        .args(["--job", JOB, "--html-url", HTML, "--min-patch", "90"])
        .args(["--base-ref", &s.base_sha, "--head-ref", "feature", "-o"])
        .arg(&out)
        .env_remove("PULL_BASE_SHA")
        .env("PULL_PULL_SHA", "ab12")
        .output()
        .expect("run prowcov");
    assert_eq!(
        result.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let body = std::fs::read_to_string(&out).expect("comment.md");
    assert_eq!(
        parse_marker(&body),
        Some((JOB.to_string(), "ab12".to_string())),
        "PULL_PULL_SHA names the head"
    );
    assert!(body.contains("❌ **failed**: patch coverage"));

    let missing_job = s.diff().env_remove("JOB_NAME").output().expect("run prowcov");
    assert_eq!(missing_job.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&missing_job.stderr).contains("--job"));
}

// --- built reports: no tools needed ------------------------------------------------------------------------------

/// A file of `n` measured lines, the first `covered` of them run.
fn file(n: u32, covered: u32) -> FileCoverage {
    let mut f = FileCoverage::new(PercentRule::Lines);
    for line in 1..=n {
        f.lines.insert(line, u64::from(line <= covered));
    }
    f
}

fn refs() -> Refs {
    Refs {
        base_ref: "main".into(),
        base_source: "--base-ref".into(),
        base_sha: "b".repeat(40),
        head_ref: "HEAD".into(),
        head_sha: "c".repeat(40),
        merge_base_sha: "b".repeat(40),
    }
}

/// A report where every path in `paths` is modified on all of its `n` lines, less covered in the head.
fn built_report(paths: &[String], n: u32, extra_base: &[String]) -> DiffReport {
    let mut base = Coverage::default();
    let mut head = Coverage::default();
    let mut files = Vec::new();
    for path in paths {
        base.files.insert(path.clone(), file(n, n));
        head.files.insert(path.clone(), file(n, n / 2));
        files.push(FileChange {
            path: path.clone(),
            old_path: None,
            status: ChangeStatus::Modified,
            changed_lines: (1..=n).collect(),
        });
    }
    for path in extra_base {
        base.files.insert(path.clone(), file(4, 4));
        head.files.insert(path.clone(), file(4, 1));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    DiffReport::build(DiffInputs {
        base: &base,
        head: &head,
        changes: &ChangeSet { refs: refs(), files },
        attributes: &BTreeMap::new(),
        filter: &Filter::everything(),
        gate: &GateConfig {
            min_patch: Some(80.0),
            max_drop: None,
            min_file: None,
        },
    })
}

fn baseline() -> Option<BaselineInfo> {
    Some(BaselineInfo {
        sha: "b".repeat(40),
        commits_behind: Some(0),
        build_url: None,
        tests_failed: false,
        other_branch: None,
    })
}

/// The lines of the changed-files table, header included.
fn table_lines(body: &str) -> Vec<&str> {
    body.lines()
        .skip_while(|l| !l.starts_with("### Changed files"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect()
}

/// Pipes that separate cells (a `\|` is text).
fn cell_separators(line: &str) -> usize {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
        .count()
}

#[test]
fn hostile_names_keep_the_table_intact_and_inert() {
    let long = format!("{}deep.py", "very/long/directory/".repeat(40));
    let paths = vec![
        "a|b*_c_@user<script>#12.py".to_string(),
        "new\nline.py".to_string(),
        "`tick`[x](javascript:alert(1)).py".to_string(),
        long.clone(),
    ];
    let report = built_report(&paths, 4, &[]);
    let body = comment::render(&input(&report, &"c".repeat(40), baseline()));

    let table = table_lines(&body);
    assert_eq!(table.len(), 2 + paths.len(), "one line per file:\n{body}");
    for line in &table {
        assert_eq!(cell_separators(line), 7, "six columns: {line}");
    }
    for raw in ["@user", "<script", "#12", "\nline.py", "](javascript:"] {
        assert!(!body.contains(raw), "{raw:?} survived:\n{body}");
    }
    assert!(body.contains("@&#8203;user") && body.contains("&lt;script&gt;"));

    let names = page_names(paths.iter().map(String::as_str));
    for path in &paths {
        let page = format!("{HTML}/files/{}", names[path.as_str()]);
        assert!(body.contains(&format!("]({page})")), "{path:?} links to {page}");
        assert!(
            body.contains(&format!("]({page}#L3)")),
            "{path:?} links to its first missed line"
        );
    }
    assert!(!body.contains(&long), "a very long name is shortened");
    assert!(body.contains("…"));
}

#[test]
fn a_5000_file_pr_stays_under_githubs_limit() {
    let paths: Vec<String> = (0..5000)
        .map(|i| format!("pkg/dir{:02}/module_{i:04}.py", i / 100))
        .collect();
    let untouched: Vec<String> = (0..800).map(|i| format!("lib/other_{i:03}.py")).collect();
    let report = built_report(&paths, 10, &untouched);
    let body = comment::render(&input(&report, &"c".repeat(40), baseline()));

    assert!(body.len() <= BODY_BUDGET, "{} bytes", body.len());
    assert!(body.chars().count() < GITHUB_MAX_BODY);
    let rows = table_lines(&body).len() - 2;
    assert!(rows > 50, "the table is not cut too early: {rows} rows");
    assert!(
        body.contains(&format!("and {} more files", 5000 - rows)),
        "the count of files left out"
    );
    assert!(body.contains("<summary>Coverage moved in 800 files this PR did not change</summary>"));
    assert_eq!(body.matches("<details>").count(), body.matches("</details>").count());
    assert!(
        body.ends_with(&format!(
            "Say `/test {JOB}` to re-run this coverage report.\n\n📊 [Full HTML report]({HTML}/index.html)\n"
        )),
        "ends with the hint and the link:\n{}",
        body.get(body.len().saturating_sub(300)..).unwrap_or(&body)
    );
    assert_eq!(parse_marker(&body), Some((JOB.to_string(), "c".repeat(40))));
}

/// 200 components on a 5,000-file PR: every component row fits beside a cut file table, the largest drop first,
/// and the body stays under GitHub's limit.
#[test]
fn two_hundred_components_stay_under_githubs_limit_largest_drop_first() {
    use prowcov::analysis::views::{self, Members, ViewKind, ViewSpec};
    let paths: Vec<String> = (0..5000)
        .map(|i| format!("components/team-{:03}/module_{i:04}.py", i % 200))
        .collect();
    let mut report = built_report(&paths, 10, &[]);
    // Component k's files drop by a share that grows with k, so the largest drop is the last component's.
    let specs: Vec<ViewSpec> = (0..200)
        .map(|k| ViewSpec {
            kind: ViewKind::Component,
            name: format!("team-{k:03}-with-a-long-descriptive-component-name"),
            members: Members::Globs(vec![format!("components/team-{k:03}/**")]),
            gate: Some(GateConfig {
                min_patch: Some(80.0),
                max_drop: None,
                min_file: None,
            }),
            failed: None,
        })
        .collect();
    let (mut base, mut head) = (Coverage::default(), Coverage::default());
    for (i, path) in paths.iter().enumerate() {
        let k = (i % 200) as u32;
        base.files.insert(path.clone(), file(200, 200));
        head.files.insert(path.clone(), file(200, 199 - k));
    }
    report.views = views::build(&report, &base, &head, &specs, true).expect("views");
    assert_eq!(report.views.len(), 200);
    assert!(!report.passed(), "the components' gates fail the report");
    let body = comment::render(&input(&report, &"c".repeat(40), baseline()));
    assert!(body.len() <= BODY_BUDGET, "{} bytes", body.len());
    assert!(
        body.contains("### Components (200 components)"),
        "{}",
        &body[..2000.min(body.len())]
    );
    let rows: Vec<&str> = body
        .lines()
        .skip_while(|l| !l.starts_with("### Components"))
        .skip(4)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(rows.len(), 200, "every component is shown");
    assert!(
        rows[0].starts_with("| team-199-"),
        "the largest drop first: {}",
        rows[0]
    );
    assert!(
        rows[199].starts_with("| team-000-"),
        "the smallest drop last: {}",
        rows[199]
    );
    assert!(body.contains("### Changed files"), "the changed files still have room");
}
