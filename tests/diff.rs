//! `prowcov diff` on real git repositories built here with the `git` CLI (a feature branch merged into an advanced
//! main, as Prow checks out a PR; renames, deletions, a whitespace-only edit, `.gitattributes`, shallow clones) and
//! real coverage from coverage.py and `go test`. Patch coverage is checked against diff-cover 11.0.1 on the same
//! repository and the same Cobertura XML.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::GitRepo;
use prowcov::analysis::changes::{self, BaseRef, ChangeOptions, ChangeStatus};
use prowcov::analysis::filter::{FileAttributes, Filter, SkipReason};
use prowcov::analysis::gate::GateConfig;
use prowcov::analysis::{DiffInputs, DiffReport};
use prowcov::env::Env;
use serde_json::Value;

const NEEDS_TOOLS: &str = "needs coverage.py and diff-cover (scripts/test provides them)";

const ATTRIBUTES: &str = "gen.py linguist-generated\nnotgen.py linguist-generated=false\nunset.py \
                          -coverage-excluded\nexcl.py coverage-excluded=true\n";

/// Large enough that git's and libgit2's similarity measures agree it is renamed below (git does not call a 2-line
/// file grown to 6 lines a rename; libgit2 does).
const OLD_NAME: &str = "def greet(name):\n    return \"hello \" + name\n\n\ndef farewell(name):\n    return \"bye \" + name\n\n\ndef ask(name):\n    return name + \"?\"\n";

const BASE_FILES: &[(&str, &str)] = &[
    (".gitattributes", ATTRIBUTES),
    (
        "calc.py",
        "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
    ),
    ("old_name.py", OLD_NAME),
    ("gone.py", "def gone():\n    return 1\n"),
    ("spaces.py", "def spaced(x):\n    y = x + 1\n    return y\n"),
    ("gen.py", "def generated():\n    return 1\n"),
    ("notgen.py", "def notgen():\n    return 2\n"),
    ("unset.py", "def unset():\n    return 2\n"),
    ("excl.py", "def excl():\n    return 3\n"),
    (
        "indirect.py",
        "def helper(x):\n    if x > 0:\n        return \"pos\"\n    return \"neg\"\n",
    ),
    (
        "run.py",
        "import calc, old_name, gone, spaces, gen, notgen, unset, excl, indirect\n\ncalc.add(1, 2)\n\
         old_name.greet(\"a\")\ngone.gone()\nspaces.spaced(1)\ngen.generated()\nnotgen.notgen()\nunset.unset()\n\
         excl.excl()\nindirect.helper(1)\n",
    ),
];

const CALC_HEAD: &str = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n\n\n\
def mul(a, b):\n    # multiply\n    result = a * b\n    return result\n\n\n\
def div(a, b):\n    if b == 0:\n        raise ZeroDivisionError(\"b\")\n    return a / b\n";

const FEATURE_FILES: &[(&str, &str)] = &[
    ("calc.py", CALC_HEAD),
    (
        "new_name.py",
        concat!(
            "def greet(name):\n    return \"hello \" + name\n\n\ndef farewell(name):\n    return \"bye \" + name\n\n\n",
            "def ask(name):\n    return name + \"?\"\n\n\ndef shout(name):\n    return greet(name).upper()\n"
        ),
    ),
    ("spaces.py", "def spaced(x):\n    y = x  +  1\n    return y\n"),
    (
        "gen.py",
        "def generated():\n    return 1\n\n\ndef gen2():\n    return 2\n",
    ),
    (
        "notgen.py",
        "def notgen():\n    return 2\n\n\ndef notgen2():\n    return 3\n",
    ),
    (
        "unset.py",
        "def unset():\n    return 2\n\n\ndef unset2():\n    return 3\n",
    ),
    ("excl.py", "def excl():\n    return 3\n\n\ndef excl2():\n    return 4\n"),
    ("new.py", "def new():\n    return 4\n\n\ndef unused():\n    return 5\n"),
    (
        "run.py",
        "import calc, new_name, spaces, gen, notgen, unset, excl, indirect, new\n\ncalc.add(1, 2)\n\
         calc.mul(2, 3)\ncalc.div(4, 2)\nnew_name.greet(\"a\")\nspaces.spaced(1)\ngen.generated()\n\
         notgen.notgen()\nunset.unset()\nexcl.excl()\nindirect.helper(1)\nindirect.helper(-1)\nnew.new()\n",
    ),
];

/// A PR as Prow checks it out: `feature` branched from main, main advanced, then the PR merged into main's tip.
/// `base_sha` is `PULL_BASE_SHA`; HEAD is the merge commit. Coverage XML of both, made by coverage.py.
struct Scenario {
    _tmp: tempfile::TempDir,
    repo: GitRepo,
    base_sha: String,
    base_xml: PathBuf,
    head_xml: PathBuf,
}

impl Scenario {
    fn repo_only() -> Scenario {
        let tmp = tempfile::tempdir().expect("tempdir");
        let repo = GitRepo::init(&tmp.path().join("repo"));
        repo.commit("base", BASE_FILES);
        repo.git(&["checkout", "-q", "-b", "feature"]);
        std::fs::remove_file(repo.dir.join("gone.py")).expect("rm");
        std::fs::remove_file(repo.dir.join("old_name.py")).expect("rm");
        repo.commit("feature", FEATURE_FILES);
        repo.git(&["checkout", "-q", "main"]);
        let base_sha = repo.commit("main moves on", &[("other.py", "def other():\n    return 6\n")]);
        repo.git(&["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]);
        Scenario {
            base_xml: tmp.path().join("base.xml"),
            head_xml: tmp.path().join("head.xml"),
            _tmp: tmp,
            repo,
            base_sha,
        }
    }

    /// The repository plus coverage of the base commit and of the merged head.
    fn measured() -> Scenario {
        let s = Scenario::repo_only();
        s.repo.git(&["checkout", "-q", &s.base_sha]);
        s.measure(&s.base_xml);
        s.repo.git(&["checkout", "-q", "main"]);
        s.measure(&s.head_xml);
        s
    }

    fn measure(&self, xml: &Path) {
        let data = self._tmp.path().join(".coverage");
        for args in [&["run", "run.py"][..], &["xml", "-q", "-o", path_str(xml)]] {
            common::run_ok(
                common::python_module("coverage")
                    .args(args)
                    .current_dir(&self.repo.dir)
                    .env("COVERAGE_FILE", &data),
            );
        }
        clean_pycache(&self.repo.dir);
    }

    fn prowcov(&self, extra: &[&str]) -> Output {
        let mut cmd = common::prowcov();
        cmd.arg("diff")
            .arg("--base")
            .arg(&self.base_xml)
            .arg("--head")
            .arg(&self.head_xml)
            .arg("--repo")
            .arg(&self.repo.dir)
            .args(extra)
            .env("PULL_BASE_SHA", &self.base_sha)
            .env("PROWCOV_TEST_NO_COLOR", "1");
        cmd.output().expect("run prowcov")
    }

    /// The report built through the library with no file skipped (diff-cover knows no `.gitattributes`).
    fn report(&self, ignore_whitespace: bool) -> DiffReport {
        let repo = changes::GitRepo::open(&self.repo.dir, &Env::capture()).expect("open");
        let change_set = repo
            .changes(&ChangeOptions {
                base: BaseRef::Given(self.base_sha.clone()),
                head_ref: "HEAD".into(),
                ignore_whitespace,
            })
            .expect("changes");
        let root = self.repo.dir.canonicalize().expect("canonical");
        let base = common::read_model(&self.base_xml, &root);
        let head = common::read_model(&self.head_xml, &root);
        DiffReport::build(DiffInputs {
            base: &base,
            head: &head,
            changes: &change_set,
            attributes: &BTreeMap::new(),
            filter: &Filter::everything(),
            gate: &GateConfig::default(),
        })
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// Python writes `__pycache__` into the checkout; it is untracked, but diff-cover and checkouts do not need it.
fn clean_pycache(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir.join("__pycache__"));
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "prowcov diff failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// --- git: changes, statuses, attributes (git CLI only) ----------------------------------------------------------

#[test]
fn prow_merge_layout_diffs_from_pull_base_sha_and_detects_renames_and_deletions() {
    let s = Scenario::repo_only();
    let repo = changes::GitRepo::open(&s.repo.dir, &Env::capture()).unwrap();
    let set = repo
        .changes(&ChangeOptions::to_head(BaseRef::PullBaseSha(s.base_sha.clone())))
        .unwrap();
    assert_eq!(
        set.refs.merge_base_sha, s.base_sha,
        "in Prow's layout the merge-base is the base itself"
    );
    assert_eq!(set.refs.base_source, "PULL_BASE_SHA");
    let got: Vec<(&str, Option<&str>, ChangeStatus)> = set
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.old_path.as_deref(), f.status))
        .collect();
    assert!(
        !got.iter().any(|(p, ..)| *p == "other.py"),
        "main's own commit is not part of the PR"
    );
    assert!(got.contains(&("new_name.py", Some("old_name.py"), ChangeStatus::Renamed)));
    assert!(got.contains(&("gone.py", None, ChangeStatus::Deleted)));
    assert!(got.contains(&("new.py", None, ChangeStatus::Added)));
    assert!(got.contains(&("spaces.py", None, ChangeStatus::Modified)));
    let calc = set.files.iter().find(|f| f.path == "calc.py").unwrap();
    assert_eq!(calc.changed_lines, (7..=18).collect::<Vec<u32>>());
    let renamed = set.files.iter().find(|f| f.path == "new_name.py").unwrap();
    assert_eq!(
        renamed.changed_lines,
        [11, 12, 13, 14],
        "only the edit, not the moved lines"
    );

    // The same PR as a plain branch: base `main` before the merge, head `feature`.
    let plain = repo
        .changes(&ChangeOptions {
            base: BaseRef::Given(s.base_sha.clone()),
            head_ref: "feature".into(),
            ignore_whitespace: false,
        })
        .unwrap();
    let paths = |c: &changes::ChangeSet| c.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&plain), paths(&set));
    assert_ne!(
        plain.refs.merge_base_sha, s.base_sha,
        "the branch point, not main's tip"
    );
}

#[test]
fn ignore_whitespace_drops_whitespace_only_edits() {
    let s = Scenario::repo_only();
    let repo = changes::GitRepo::open(&s.repo.dir, &Env::capture()).unwrap();
    let options = |ignore_whitespace| ChangeOptions {
        base: BaseRef::Given(s.base_sha.clone()),
        head_ref: "HEAD".into(),
        ignore_whitespace,
    };
    let with = repo.changes(&options(false)).unwrap();
    let without = repo.changes(&options(true)).unwrap();
    assert!(with.files.iter().any(|f| f.path == "spaces.py"));
    assert!(!without.files.iter().any(|f| f.path == "spaces.py"));
    assert_eq!(with.files.len(), without.files.len() + 1);
}

#[test]
fn gitattributes_exclude_only_when_set_or_true() {
    let s = Scenario::repo_only();
    let repo = changes::GitRepo::open(&s.repo.dir, &Env::capture()).unwrap();
    let attrs = repo
        .attributes(["gen.py", "notgen.py", "unset.py", "excl.py", "calc.py"])
        .unwrap();
    let filter = Filter::everything();
    let reason = |p: &str| filter.skip_reason(p, attrs[p]);
    assert_eq!(reason("gen.py"), Some(SkipReason::Generated));
    assert_eq!(reason("excl.py"), Some(SkipReason::CoverageExcluded));
    assert_eq!(reason("notgen.py"), None, "linguist-generated=false does not exclude");
    assert_eq!(reason("unset.py"), None, "-coverage-excluded does not exclude");
    assert_eq!(reason("calc.py"), None);
}

fn lcov(files: &[(&str, &[(u32, u64)])]) -> String {
    let mut out = String::new();
    for (path, lines) in files {
        out.push_str(&format!("SF:{path}\n"));
        for (l, h) in *lines {
            out.push_str(&format!("DA:{l},{h}\n"));
        }
        out.push_str("end_of_record\n");
    }
    out
}

#[test]
fn shallow_clone_without_the_base_is_an_error_with_a_fetch_hint() {
    let s = Scenario::repo_only();
    let shallow = s._tmp.path().join("shallow");
    let url = format!("file://{}", s.repo.dir.display());
    common::run_ok(std::process::Command::new("git").args(["clone", "-q", "--depth", "1", &url, path_str(&shallow)]));
    let cov = s._tmp.path().join("cov.info");
    std::fs::write(&cov, lcov(&[("calc.py", &[(1, 1)])])).unwrap();
    let run = |extra: &[&str], env_base: Option<&str>| {
        let mut cmd = common::prowcov();
        cmd.args([
            "diff",
            "--base",
            path_str(&cov),
            "--head",
            path_str(&cov),
            "--repo",
            path_str(&shallow),
        ])
        .args(extra)
        .env_remove("PULL_BASE_SHA");
        if let Some(sha) = env_base {
            cmd.env("PULL_BASE_SHA", sha);
        }
        cmd.output().unwrap()
    };

    // The base commit is not in the clone at all.
    let out = run(&[], Some(&s.base_sha));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("base revision `{}` not found", s.base_sha)),
        "{err}"
    );
    assert!(
        err.contains("shallow clone") && err.contains("git fetch --deepen"),
        "{err}"
    );

    // Both tips are there, but not the history between them: no merge-base, never an empty diff.
    GitRepo { dir: shallow.clone() }.git(&["fetch", "-q", "--depth", "1", "origin", "feature:feature"]);
    let out = run(&["--base-ref", "feature"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("no merge-base between base `feature`"), "{err}");
    assert!(err.contains("--unshallow"), "{err}");
}

#[test]
fn bad_inputs_are_exit_2_naming_the_file() {
    let s = Scenario::repo_only();
    let good = s._tmp.path().join("good.info");
    let bad = s._tmp.path().join("bad.info");
    std::fs::write(&good, lcov(&[("calc.py", &[(1, 1)])])).unwrap();
    std::fs::write(&bad, "this is not coverage\n").unwrap();
    let diff = |head: &Path, extra: &[&str]| {
        common::prowcov()
            .args([
                "diff",
                "--base",
                path_str(&good),
                "--head",
                path_str(head),
                "--repo",
                path_str(&s.repo.dir),
            ])
            .args(extra)
            .env("PULL_BASE_SHA", &s.base_sha)
            .output()
            .unwrap()
    };

    let out = diff(&bad, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.info"), "{}", stderr(&out));

    let out = diff(&good, &["--base-ref", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("base revision `no-such-branch` not found"),
        "{}",
        stderr(&out)
    );

    let out = diff(&good, &["--exclude", "src/[a"]);
    assert_eq!(out.status.code(), Some(64), "a bad glob is a usage error");
}

#[test]
fn default_base_is_main_and_the_report_says_so() {
    let s = Scenario::repo_only();
    s.repo.git(&["checkout", "-q", "feature"]);
    // main as it was before the PR was merged.
    s.repo.git(&["branch", "-f", "main", &s.base_sha]);
    let cov = s._tmp.path().join("cov.info");
    std::fs::write(&cov, lcov(&[("calc.py", &[(9, 1), (11, 0), (12, 1)])])).unwrap();
    let out = common::prowcov()
        .args([
            "diff",
            "--base",
            path_str(&cov),
            "--head",
            path_str(&cov),
            "--repo",
            path_str(&s.repo.dir),
        ])
        .args(["--format", "json"])
        .env_remove("PULL_BASE_SHA")
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["refs"]["base_ref"], "main");
    assert_eq!(doc["refs"]["base_source"], "default");
    assert_eq!(doc["patch"]["covered"], 2);
    assert_eq!(doc["patch"]["total"], 3);
}

// --- real coverage: coverage.py, diff-cover, Go -------------------------------------------------------------------

/// diff-cover's JSON for the scenario's head XML, compared with the merge-base of `PULL_BASE_SHA`.
fn diff_cover(s: &Scenario, extra: &[&str]) -> Value {
    let out = s._tmp.path().join("diff-cover.json");
    let format = format!("json:{}", path_str(&out));
    common::run_ok(
        common::python_module("diff_cover.diff_cover_tool")
            .arg(&s.head_xml)
            .args(["--compare-branch", &s.base_sha, "--format", &format])
            .args(extra)
            .current_dir(&s.repo.dir),
    );
    let text = std::fs::read_to_string(&out).expect("diff-cover wrote its JSON");
    serde_json::from_str(&text).expect("diff-cover JSON")
}

fn assert_parity(ignore_whitespace: bool) {
    let s = Scenario::measured();
    let extra: &[&str] = if ignore_whitespace {
        &["--ignore-whitespace"]
    } else {
        &[]
    };
    let theirs = diff_cover(&s, extra);
    let ours = s.report(ignore_whitespace);

    // diff-cover lists the changed files its report measures; so do we (the others have patch total 0).
    let stats = theirs["src_stats"].as_object().expect("src_stats");
    let listed: BTreeSet<&str> = stats.keys().map(String::as_str).collect();
    let measured: BTreeSet<&str> = ours
        .files
        .iter()
        .filter(|f| f.head.is_some() && !f.changed_lines.is_empty())
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(listed, measured);
    for (path, stat) in stats {
        let f = ours
            .files
            .iter()
            .find(|f| f.path == *path)
            .expect("diff-cover file in our report");
        let violations: Vec<u32> = serde_json::from_value(stat["violation_lines"].clone()).expect("violation_lines");
        let covered: Vec<u32> = serde_json::from_value(stat["covered_lines"].clone()).expect("covered_lines");
        assert_eq!(f.missing_lines, violations, "{path}: violation lines");
        assert_eq!(
            f.patch.total as usize,
            violations.len() + covered.len(),
            "{path}: measured changed lines"
        );
        assert_eq!(f.patch.covered as usize, covered.len(), "{path}: covered changed lines");
        match stat["percent_covered"].as_f64() {
            Some(pc) => assert_eq!(
                f.patch.percent().map(|ours| (ours - pc).abs() < 1e-9),
                Some(true),
                "{path}: {pc}"
            ),
            None => assert_eq!(f.patch.percent(), None),
        }
    }
    assert_eq!(theirs["total_num_lines"], ours.patch.total);
    assert_eq!(theirs["total_num_violations"], ours.patch.total - ours.patch.covered);

    // The deliberate difference: diff-cover truncates the total to an int (37.5 -> 37); we keep the exact figure
    // and round only for display.
    let exact = ours.patch.percent().expect("changed lines are measured");
    assert_eq!(theirs["total_percent_covered"], exact.trunc() as i64);
    if ignore_whitespace {
        // Without spaces.py's covered line the total is fractional, so the difference shows.
        assert_ne!(exact.fract(), 0.0, "the scenario is chosen so that truncation shows");
        assert_ne!(theirs["total_percent_covered"].as_f64(), Some(exact));
    }
}

#[test]
#[ignore = "needs coverage.py and diff-cover (scripts/test provides them)"]
fn patch_coverage_equals_diff_cover() {
    let _ = NEEDS_TOOLS;
    assert_parity(false);
}

#[test]
#[ignore = "needs coverage.py and diff-cover (scripts/test provides them)"]
fn patch_coverage_equals_diff_cover_ignoring_whitespace() {
    assert_parity(true);
}

#[test]
#[ignore = "needs coverage.py and diff-cover (scripts/test provides them)"]
fn comparison_of_real_coverage() {
    let s = Scenario::measured();
    let out = s.prowcov(&["--format", "json"]);
    let doc = json(&out);
    let file = |path: &str| {
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .cloned()
            .unwrap_or(Value::Null)
    };
    // A rename compares against the old path's baseline.
    let renamed = file("new_name.py");
    assert_eq!(renamed["status"], "renamed");
    assert_eq!(renamed["old_path"], "old_name.py");
    // The base ran greet only: 4 of old_name.py's 6 statements (the defs and greet's body).
    assert_eq!(renamed["base_percent"], 400.0 / 6.0);
    assert_eq!(renamed["missing_changed_lines"], serde_json::json!([[14, 14]]));
    assert_eq!(file("gone.py")["status"], "deleted");
    assert_eq!(file("gone.py")["head_percent"], Value::Null);
    assert_eq!(file("new.py")["base_percent"], Value::Null);
    // calc.py: 9 def mul, 11-12 body, 15 def div, 16 if, 17 raise (missed), 18 return; line 10 is a comment.
    let calc = file("calc.py");
    assert_eq!(calc["patch_total"], 7);
    assert_eq!(calc["patch_covered"], 6);
    assert_eq!(calc["missing_changed_lines"], serde_json::json!([[17, 17]]));
    // Generated and excluded files are skipped and say why; `=false` and `-attr` are not.
    let skipped: Vec<(String, String)> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].as_str().unwrap().into(), s["reason"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("excl.py".to_string(), "coverage_excluded".to_string()),
            ("gen.py".to_string(), "generated".to_string())
        ]
    );
    assert!(file("notgen.py").is_object() && file("unset.py").is_object());
    // indirect.py was not touched, but the head's tests reach its other branch.
    let indirect = &doc["indirect_changes"];
    assert_eq!(indirect.as_array().unwrap().len(), 1, "{indirect}");
    assert_eq!(indirect[0]["path"], "indirect.py");
    assert_eq!(indirect[0]["base_percent"], 75.0);
    assert_eq!(indirect[0]["head_percent"], 100.0);
}

#[test]
#[ignore = "needs coverage.py and diff-cover (scripts/test provides them)"]
fn gate_failure_is_exit_1_and_distinct_from_errors() {
    let s = Scenario::measured();
    let out = s.prowcov(&["--min-patch", "100"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("coverage gate failed: patch coverage"),
        "{}",
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Gate FAILED"));

    let out = s.prowcov(&["--min-patch", "50", "--max-drop", "10", "--min-file", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = s.prowcov(&["--min-file", "90", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["gate"]["passed"], false);
    let rule = &doc["gate"]["rules"][0];
    assert_eq!(rule["rule"], "min_file");
    assert!(rule["failing_files"].as_array().unwrap().iter().any(|f| f == "calc.py"));
}

#[test]
#[ignore = "needs coverage.py and diff-cover (scripts/test provides them)"]
fn json_shape() {
    let s = Scenario::measured();
    let out = s.prowcov(&["--format", "json", "--min-patch", "80", "--max-drop", "1"]);
    let doc = json(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("{\n  \"schema\": 1,"), "schema is the first key");
    let mut redacted = text.replace(env!("CARGO_PKG_VERSION"), "[version]");
    for (key, name) in [
        ("base_sha", "[base]"),
        ("head_sha", "[head]"),
        ("merge_base_sha", "[merge-base]"),
    ] {
        let sha = doc["refs"][key].as_str().unwrap();
        redacted = redacted.replace(sha, name);
    }
    insta::assert_snapshot!("diff_json", redacted);
}

#[test]
#[ignore = "needs coverage.py and diff-cover (scripts/test provides them)"]
fn go_profiles_from_go_test() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = GitRepo::init(&tmp.path().join("repo"));
    let base_sha = repo.commit(
        "base",
        &[
            ("go.mod", "module example.com/shapes\n\ngo 1.21\n"),
            (
                "shapes.go",
                "package shapes\n\nfunc Area(w, h int) int {\n\treturn w * h\n}\n",
            ),
            (
                "shapes_test.go",
                "package shapes\n\nimport \"testing\"\n\nfunc TestArea(t *testing.T) {\n\tif Area(2, 3) != 6 {\n\
                 \t\tt.Fatal(\"area\")\n\t}\n}\n",
            ),
        ],
    );
    let profile = |name: &str| {
        let out = tmp.path().join(name);
        common::run_ok(
            common::go()
                .args(["test", &format!("-coverprofile={}", path_str(&out)), "./..."])
                .current_dir(&repo.dir)
                .env("GOCACHE", tmp.path().join("gocache")),
        );
        out
    };
    let base = profile("base.out");
    repo.commit(
        "perimeter",
        &[
            (
                "shapes.go",
                "package shapes\n\nfunc Area(w, h int) int {\n\treturn w * h\n}\n\n\
                 func Perimeter(w, h int) int {\n\tif w < 0 {\n\t\treturn 0\n\t}\n\treturn 2 * (w + h)\n}\n",
            ),
            (
                "shapes_test.go",
                "package shapes\n\nimport \"testing\"\n\nfunc TestArea(t *testing.T) {\n\tif Area(2, 3) != 6 {\n\
                 \t\tt.Fatal(\"area\")\n\t}\n\tif Perimeter(1, 2) != 6 {\n\t\tt.Fatal(\"perimeter\")\n\t}\n}\n",
            ),
        ],
    );
    let head = profile("head.out");
    let out = common::prowcov()
        .args([
            "diff",
            "--base",
            path_str(&base),
            "--head",
            path_str(&head),
            "--repo",
            path_str(&repo.dir),
        ])
        .args(["--base-ref", &base_sha, "--format", "json"])
        .output()
        .unwrap();
    let doc = json(&out);
    let shapes = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "shapes.go")
        .unwrap();
    assert_eq!(shapes["status"], "modified");
    // The block of `return 0` (line 9 to the `}` on line 10) never ran; the others did.
    assert_eq!(shapes["missing_changed_lines"], serde_json::json!([[9, 10]]));
    assert!(shapes["patch_covered"].as_u64().unwrap() >= 3);
    assert_eq!(
        doc["patch"]["total"].as_u64().unwrap() - doc["patch"]["covered"].as_u64().unwrap(),
        2
    );
    assert_eq!(shapes["base_percent"], 100.0);
    // The changed test file is not missing data: `go test` never measures `_test.go` files.
    assert!(
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["path"] != "shapes_test.go"),
        "{doc:#}"
    );
    assert_eq!(
        doc["skipped"],
        serde_json::json!([{"path": "shapes_test.go", "reason": "not_measured",
                            "pattern": "a Go test file (`go test` measures no `_test.go` file)"}])
    );
}

/// A test file the project omits on purpose (`[run] omit`) and changes in a PR is "not measured by configuration",
/// not a changed file without coverage data with a hint that paths may not match.
#[test]
#[ignore = "needs coverage.py and diff-cover (scripts/test provides them)"]
fn files_coverage_py_omits_are_not_measured_by_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = GitRepo::init(&tmp.path().join("repo"));
    let base_sha = repo.commit(
        "base",
        &[
            (".coveragerc", "[run]\nomit =\n    tests/*\n"),
            (".gitignore", "__pycache__/\n"),
            ("app.py", "def twice(x):\n    return 2 * x\n"),
            ("tests/__init__.py", ""),
            ("tests/check.py", "import app\n\nassert app.twice(2) == 4\n"),
        ],
    );
    let measure = |name: &str| {
        let out = tmp.path().join(name);
        let data = tmp.path().join(".coverage");
        for args in [&["run", "-m", "tests.check"][..], &["json", "-q", "-o", path_str(&out)]] {
            common::run_ok(
                common::python_module("coverage")
                    .args(args)
                    .current_dir(&repo.dir)
                    .env("COVERAGE_FILE", &data),
            );
        }
        out
    };
    let base = measure("base.json");
    repo.commit(
        "thrice",
        &[
            (
                "app.py",
                "def twice(x):\n    return 2 * x\n\n\ndef thrice(x):\n    return 3 * x\n",
            ),
            (
                "tests/check.py",
                "import app\n\nassert app.twice(2) == 4\nassert app.thrice(1) == 3\n",
            ),
        ],
    );
    let head = measure("head.json");
    let diff = |format: &str| {
        common::prowcov()
            .args([
                "diff",
                "--base",
                path_str(&base),
                "--head",
                path_str(&head),
                "--repo",
                path_str(&repo.dir),
            ])
            .args([
                "--base-ref",
                &base_sha,
                "--format",
                format,
                "--job",
                "pull-app-coverage",
            ])
            .output()
            .unwrap()
    };
    let doc = json(&diff("json"));
    assert_eq!(
        doc["skipped"],
        serde_json::json!([{"path": "tests/check.py", "reason": "not_measured",
                            "pattern": "coverage.py's `[run] omit` has `tests/*`"}]),
        "{doc:#}"
    );
    let out = diff("comment");
    assert!(out.status.success(), "{}", stderr(&out));
    let comment = String::from_utf8_lossy(&out.stdout);
    assert!(!comment.contains("without coverage data"), "{comment}");
    assert!(
        comment
            .contains("| tests/check.py | not measured by configuration\\: coverage.py\\'s \\`\\[run\\] omit\\` has"),
        "{comment}"
    );
}

/// Above 1,024 paths the lookups are split over threads, each with its own repository handle.
#[test]
fn attributes_of_many_paths_are_read_in_parallel_with_the_same_result() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = GitRepo::init(&tmp.path().join("repo"));
    let names: Vec<String> = (0..1500).map(|i| format!("d{}/f{i}.py", i % 7)).collect();
    let mut files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x = 1\n")).collect();
    files.push((".gitattributes", "d3/f1403.py linguist-generated\n"));
    files.push((
        "d5/.gitattributes",
        "*.py coverage-excluded=true\nf5.py -coverage-excluded\n",
    ));
    repo.commit("many", &files);
    let attrs = changes::GitRepo::open(&repo.dir, &Env::capture())
        .unwrap()
        .attributes(names.iter().map(String::as_str))
        .unwrap();
    assert_eq!(attrs.len(), 1500);
    let generated: Vec<&String> = attrs.iter().filter(|(_, a)| a.generated).map(|(p, _)| p).collect();
    assert_eq!(generated, ["d3/f1403.py"]);
    let excluded = attrs.values().filter(|a| a.coverage_excluded).count();
    assert_eq!(
        excluded,
        names
            .iter()
            .filter(|n| n.starts_with("d5/") && *n != "d5/f5.py")
            .count()
    );
}

/// Lookups are skipped when no attribute source mentions the attributes; these sources must still be found: a
/// `.gitattributes` two directories down, and the repository's `info/attributes`.
#[test]
fn attributes_from_nested_files_and_info_attributes_are_not_missed() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = GitRepo::init(&tmp.path().join("repo"));
    repo.commit(
        "nested",
        &[
            ("a/b/gen.py", "x = 1\n"),
            ("a/b/.gitattributes", "gen.py linguist-generated\n"),
            ("c/skip.py", "x = 1\n"),
            ("c/keep.py", "x = 1\n"),
        ],
    );
    let paths = ["a/b/gen.py", "c/skip.py", "c/keep.py"];
    let read = || {
        changes::GitRepo::open(&repo.dir, &Env::capture())
            .unwrap()
            .attributes(paths)
            .unwrap()
    };
    assert!(read()["a/b/gen.py"].generated, "nested .gitattributes");
    assert!(!read()["c/skip.py"].coverage_excluded);
    std::fs::write(repo.dir.join(".git/info/attributes"), "c/skip.py coverage-excluded\n").unwrap();
    let attrs = read();
    assert!(attrs["c/skip.py"].coverage_excluded, "info/attributes");
    assert!(!attrs["c/keep.py"].coverage_excluded && !attrs["c/keep.py"].generated);
}

/// Without any mention of the attributes nothing is excluded (and no lookup is needed to know it).
#[test]
fn without_attribute_files_nothing_is_excluded() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = GitRepo::init(&tmp.path().join("repo"));
    repo.commit("plain", &[("a.py", "x = 1\n"), (".gitattributes", "*.py text\n")]);
    let attrs = changes::GitRepo::open(&repo.dir, &Env::capture())
        .unwrap()
        .attributes(["a.py"])
        .unwrap();
    assert_eq!(attrs["a.py"], FileAttributes::default());
}

/// `prowcov diff --format json` of the repository's HEAD against `base_sha`, with `lcov` as both profiles.
fn diff_json_since(repo: &GitRepo, base_sha: &str, lcov: &str) -> Value {
    let tmp = tempfile::tempdir().expect("tempdir");
    let profile = tmp.path().join("c.info");
    std::fs::write(&profile, lcov).expect("lcov");
    let out = common::prowcov()
        .args(["diff", "--base", path_str(&profile), "--head", path_str(&profile)])
        .args([
            "--repo",
            path_str(&repo.dir),
            "--base-ref",
            base_sha,
            "--format",
            "json",
        ])
        .output()
        .expect("run prowcov");
    json(&out)
}

/// The new lines of each file as `git diff -U0` shows them (its hunk headers' `+start,count`).
fn git_diff_new_lines(repo: &GitRepo, from: &str) -> BTreeMap<String, Vec<u64>> {
    let text = repo.git(&["diff", "-U0", "--no-color", from, "HEAD"]);
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut file = String::new();
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("+++ b/") {
            file = path.to_owned();
        } else if let Some(rest) = line.strip_prefix("@@ ") {
            let new = rest
                .split(' ')
                .nth(1)
                .and_then(|n| n.strip_prefix('+'))
                .expect("+start[,count]");
            let (start, count) = new.split_once(',').unwrap_or((new, "1"));
            let (start, count): (u64, u64) = (start.parse().expect("a line"), count.parse().expect("a count"));
            out.entry(file.clone()).or_default().extend(start..start + count);
        }
    }
    out
}

/// An inserted C function whose first and last lines repeat its neighbours' can be shown in two places; git (since
/// 2.14) uses its indent heuristic to put it where the function starts, and the changed lines must be those
/// reviewers see in `git diff` (bzip2's style: a comment rule, `static` on its own line, the brace below).
#[test]
fn changed_lines_are_those_git_diff_shows_with_its_indent_heuristic() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = GitRepo::init(&tmp.path().join("repo"));
    let func = |name: &str, body: &str| format!("/*---*/\nstatic\nvoid {name} ( void )\n{{\n   {body};\n}}\n\n\n");
    let base_sha = repo.commit(
        "base",
        &[(
            "x.c",
            &format!(
                "{}/*---*/\nstatic\nvoid c ( void )\n{{\n   z = 3;\n}}\n",
                func("a", "x = 1")
            ),
        )],
    );
    repo.commit(
        "insert b",
        &[(
            "x.c",
            &format!(
                "{}{}/*---*/\nstatic\nvoid c ( void )\n{{\n   z = 3;\n}}\n",
                func("a", "x = 1"),
                func("b", "y = 2")
            ),
        )],
    );
    let shown = git_diff_new_lines(&repo, &base_sha);
    let without = repo.git(&["diff", "-U0", "--no-indent-heuristic", &base_sha, "HEAD"]);
    assert!(
        !without.contains(&format!("+{},", shown["x.c"][0])),
        "the case is exercised: without the heuristic git shows other lines\n{without}"
    );
    let doc = diff_json_since(&repo, &base_sha, "SF:x.c\nDA:5,1\nend_of_record\n");
    let ours: Vec<u64> = doc["files"][0]["changed_lines"]
        .as_array()
        .expect("changed_lines")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(ours, shown["x.c"], "{doc:#}");
}

/// After a local run and `git add -A`, the job's own `.prowcov/` artifacts were committed and then listed in the next
/// comment as changed files without coverage data; they are never the PR's change.
#[test]
fn committed_prowcov_artifacts_are_not_changed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = GitRepo::init(&tmp.path().join("repo"));
    let base_sha = repo.commit("base", &[("a.c", "int a;\n")]);
    repo.commit(
        "change and artifacts",
        &[
            ("a.c", "int a;\nint b;\n"),
            (".prowcov/artifacts/presubmit/comment.md", "## Coverage\n"),
            (".prowcov/storage/index/abc.json", "{}\n"),
        ],
    );
    let doc = diff_json_since(&repo, &base_sha, "SF:a.c\nDA:1,1\nDA:2,0\nend_of_record\n");
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, ["a.c"], "{doc:#}");
    assert_eq!(doc["skipped"], serde_json::json!([]), "{doc:#}");
}
