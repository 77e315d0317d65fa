//! One job over a monorepo, end to end with the real tools: a Python package measured by coverage.py, a Go module
//! by `go test`, and a C-like library whose `command` suite writes LCOV, as `[[suites]]`; components with a gate of
//! their own; a failing suite that hides no other; and the misconfigurations refused before any test runs.

mod common;

use std::path::Path;
use std::process::Output;

use common::GitRepo;
use serde_json::Value;

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

/// `prowcov ARGS` in `dir`, outside Prow (none of Prow's variables leak in).
fn prowcov(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = common::prowcov();
    cmd.current_dir(dir).args(args);
    for var in prowcov::prow::VARIABLES {
        cmd.env_remove(var);
    }
    for var in ["GITHUB_TOKEN", "PROWCOV_STORAGE", "PROWCOV_BASELINE_JOB"] {
        cmd.env_remove(var);
    }
    cmd.output().expect("run prowcov")
}

const CONFIG: &str = r#"[run]
parallel-suites = 2

[[suites]]
name = "api"
runner = "python"
root = "services/api"
paths = ["services/api/**"]

[[suites]]
name = "engine"
runner = "go"
root = "engine"

[[suites]]
name = "native"
runner = "command"
root = "native"
command = ["sh", "coverage.sh"]
profiles = ["out/*.info"]

[[components]]
name = "api"
paths = ["services/api/**"]
[components.gate]
min-patch = 90

[[components]]
name = "core"
paths = ["engine/**", "native/**"]
"#;

/// The monorepo's files; `extra` adds an untested function to the Python package, `fail` a failing Python test.
fn monorepo(extra: bool, fail: bool) -> Vec<(&'static str, String)> {
    let mut calc = String::from("def add(a, b):\n    return a + b\n\n\ndef neg(a):\n    return -a\n");
    if extra {
        calc.push_str("\n\ndef twice(a):\n    if a:\n        return 2 * a\n    return 0\n");
    }
    let mut tests = String::from("from api.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n");
    if fail {
        tests.push_str("\n\ndef test_broken():\n    assert add(2, 2) == 5\n");
    }
    vec![
        (".prowcov.toml", CONFIG.to_owned()),
        (".gitignore", "__pycache__/\n.pytest_cache/\nout/\n".to_owned()),
        (
            "services/api/pyproject.toml",
            "[tool.pytest.ini_options]\npythonpath = [\"src\"]\n\n[tool.coverage.run]\nsource = [\"src\"]\n".to_owned(),
        ),
        ("services/api/src/api/__init__.py", String::new()),
        ("services/api/src/api/calc.py", calc),
        ("services/api/tests/test_calc.py", tests),
        ("engine/go.mod", "module example.com/engine\n\ngo 1.19\n".to_owned()),
        (
            "engine/gear/gear.go",
            "package gear\n\nfunc Ratio(a, b int) int {\n\tif b == 0 {\n\t\treturn 0\n\t}\n\treturn a / b\n}\n".to_owned(),
        ),
        (
            "engine/gear/gear_test.go",
            "package gear\n\nimport \"testing\"\n\nfunc TestRatio(t *testing.T) {\n\tif Ratio(6, 3) != 2 {\n\t\tt.Fatal(\"Ratio\")\n\t}\n}\n"
                .to_owned(),
        ),
        ("native/lib.c", "int lib(int x) {\n  if (x)\n    return 1;\n  return 0;\n}\n".to_owned()),
        (
            "native/coverage.sh",
            "mkdir -p out\nprintf 'SF:lib.c\\nDA:1,1\\nDA:2,1\\nDA:3,1\\nDA:4,0\\nend_of_record\\n' > out/lib.info\n"
                .to_owned(),
        ),
    ]
}

fn commit(repo: &GitRepo, message: &str, files: &[(&str, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    repo.commit(message, &borrowed)
}

#[test]
#[ignore = "needs coverage.py, pytest and Go (scripts/test provisions them)"]
fn a_monorepo_of_three_suites_through_postsubmit_presubmits_and_periodic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("mono"));
    commit(&repo, "base", &monorepo(false, false));

    let out = prowcov(&repo.dir, &["postsubmit"]);
    assert!(out.status.success(), "{}", text(&out));
    let post = repo.dir.join(".prowcov/artifacts/postsubmit");
    let summary = read_json(&post.join("summary.json"));
    let suites = summary["suites"].as_array().expect("suites");
    let names: Vec<&str> = suites.iter().map(|s| s["name"].as_str().unwrap_or_default()).collect();
    assert_eq!(names, ["api", "engine", "native"], "{summary:#}");
    for suite in suites {
        assert_eq!(suite["exit_code"], 0, "{summary:#}");
        let name = suite["name"].as_str().unwrap_or_default();
        assert!(
            post.join(format!("tests-{name}.log")).is_file(),
            "each suite has its log"
        );
        assert!(post.join(format!("coverage-{name}.json")).is_file(), "and its coverage");
    }
    // Paths are repository-relative whatever directory the suite ran in.
    let merged = read_json(&post.join("coverage.json"));
    let files: Vec<&str> = merged["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        files,
        [
            "engine/gear/gear.go",
            "native/lib.c",
            "services/api/src/api/__init__.py",
            "services/api/src/api/calc.py"
        ],
        "{merged:#}"
    );
    // api's own figure: calc.py's 4 statements (two `def`s and add's body ran, neg's body did not).
    let api = &suites[0]["totals"];
    assert_eq!(
        (api["covered"].as_u64(), api["total"].as_u64()),
        (Some(3), Some(4)),
        "{summary:#}"
    );
    let junit = std::fs::read_to_string(post.join("junit_coverage.xml")).expect("junit");
    for case in ["OVERALL", "suite:api", "suite:engine", "suite:native"] {
        assert!(junit.contains(&format!("name=\"{case}\"")), "{case} in {junit}");
    }

    // A PR that adds an untested function to the API: the api component's gate (90% patch) fails the job.
    repo.git(&["checkout", "-q", "-b", "pr"]);
    commit(&repo, "twice", &monorepo(true, false));
    let out = prowcov(&repo.dir, &["presubmit"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("coverage gate failed: component api: patch coverage"),
        "{}",
        text(&out)
    );
    let pre = repo.dir.join(".prowcov/artifacts/presubmit");
    let comment = std::fs::read_to_string(pre.join("comment.md")).expect("comment");
    assert!(comment.contains("### Suites (3 suites)"), "{comment}");
    assert!(
        comment.contains("### Components (2 components)"),
        "no file is in no component: {comment}"
    );
    let api_row = comment
        .lines()
        .find(|l| l.starts_with("| api |") && l.contains("❌"))
        .unwrap_or_default();
    assert!(
        api_row.contains("patch coverage"),
        "the api component's failed gate: {comment}"
    );
    let diff = read_json(&pre.join("diff.json"));
    let components = diff["components"].as_array().expect("components");
    assert_eq!(components.len(), 2, "{diff:#}");
    assert_eq!(components[0]["name"], "api");
    assert_eq!(components[0]["gate"]["passed"], false, "{diff:#}");
    assert_eq!(components[1]["gate"], Value::Null, "core has no thresholds");
    let suites = diff["suites"].as_array().expect("suites");
    assert_eq!(suites.len(), 3);
    assert!(
        suites[0]["delta"].as_f64().is_some_and(|d| d < 0.0),
        "the api suite dropped: {diff:#}"
    );
    assert_eq!(
        suites[1]["delta"].as_f64(),
        Some(0.0),
        "the engine did not move: {diff:#}"
    );

    // A failing Python test: every suite is still reported, the comment says which failed, and the exit code is 3.
    commit(&repo, "broken", &monorepo(true, true));
    let out = prowcov(&repo.dir, &["presubmit"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let summary = read_json(&pre.join("summary.json"));
    let exits: Vec<&Value> = summary["suites"]
        .as_array()
        .expect("suites")
        .iter()
        .map(|s| &s["exit_code"])
        .collect();
    assert_ne!(exits[0], &Value::from(0), "api failed: {summary:#}");
    assert_eq!((exits[1], exits[2]), (&Value::from(0), &Value::from(0)), "{summary:#}");
    let comment = std::fs::read_to_string(pre.join("comment.md")).expect("comment");
    assert!(
        comment
            .lines()
            .any(|l| l.starts_with("| api |") && l.contains("tests failed (exit status")),
        "{comment}"
    );
    assert!(comment.lines().any(|l| l.starts_with("| engine |")), "{comment}");

    // Only one suite: --suite.
    let out = prowcov(&repo.dir, &["presubmit", "--suite", "native"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary = read_json(&pre.join("summary.json"));
    assert_eq!(summary["suites"].as_array().map(Vec::len), Some(1), "{summary:#}");
    assert!(
        !pre.join("tests-api.log").exists(),
        "an earlier run's suite log is gone"
    );
    // The periodic on main: TestGrid's JUnit has a case per suite beside OVERALL, and the history a point.
    repo.git(&["checkout", "-q", "main"]);
    let out = prowcov(&repo.dir, &["periodic"]);
    assert!(out.status.success(), "{}", text(&out));
    let periodic = repo.dir.join(".prowcov/artifacts/periodic");
    let junit = std::fs::read_to_string(periodic.join("junit_coverage.xml")).expect("junit");
    assert!(junit.contains("name=\"suite:engine\""), "{junit}");
    let history = std::fs::read_to_string(periodic.join("coverage-history.txt")).expect("history");
    assert_eq!(history.lines().count(), 1, "{history}");
}

/// Each misconfiguration is refused naming the table and key, with exit 78, before any test runs, and nothing is
/// stored.
#[test]
fn misconfigured_suites_and_components_are_refused_before_any_test_runs() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "a suite name used twice",
            "[[suites]]\nname = \"a\"\nrunner = \"none\"\nprofiles = [\"x.info\"]\n\n[[suites]]\nname = \"a\"\nrunner = \"none\"\nprofiles = [\"x.info\"]\n",
            ".prowcov.toml:7: [[suites]] a: the name is used by another suite",
        ),
        (
            "a glob that matches nothing",
            "[[suites]]\nname = \"a\"\nrunner = \"none\"\nprofiles = [\"x.info\"]\npaths = [\"nowhere/**\"]\n",
            "[[suites]] a: paths: `nowhere/**` matches no file in the checkout",
        ),
        (
            "a component glob that matches nothing",
            "[[components]]\nname = \"c\"\npaths = [\"gone/**\"]\n",
            "[[components]] c: paths: `gone/**` matches no file in the checkout",
        ),
        (
            "a suite without a runner",
            "[[suites]]\nname = \"a\"\nprofiles = [\"x.info\"]\n",
            "missing field `runner`",
        ),
        (
            "a suite with the auto runner",
            "[[suites]]\nname = \"a\"\nrunner = \"auto\"\n",
            "[[suites]] a: runner \"auto\" is not a suite runner",
        ),
        (
            "a name that is not kebab-case",
            "[[suites]]\nname = \"My Suite\"\nrunner = \"go\"\n",
            "expected a kebab-case name",
        ),
        (
            "a root outside the repository",
            "[[suites]]\nname = \"a\"\nrunner = \"go\"\nroot = \"../elsewhere\"\n",
            "expected a sub-directory of the repository root",
        ),
        (
            "a component named other",
            "[[components]]\nname = \"other\"\npaths = [\"x.info\"]\n",
            "`other` is reserved",
        ),
    ];
    for (what, config, message) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = GitRepo::init(&dir.path().join("r"));
        repo.commit(
            "base",
            &[
                (".prowcov.toml", config),
                ("x.info", "SF:a.c\nDA:1,1\nend_of_record\n"),
                ("a.c", "int a;\n"),
            ],
        );
        let out = prowcov(&repo.dir, &["postsubmit"]);
        assert_eq!(out.status.code(), Some(78), "{what}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(message),
            "{what}: expected {message:?} in {}",
            text(&out)
        );
        assert!(
            !repo.dir.join(".prowcov/logs").exists() && !repo.dir.join(".prowcov/prowcov-index").exists(),
            "{what}: nothing stored"
        );
    }
    // Flags that name no suite are usage errors.
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = GitRepo::init(&dir.path().join("r"));
    repo.commit(
        "base",
        &[
            (
                ".prowcov.toml",
                "[[suites]]\nname = \"a\"\nrunner = \"none\"\nprofiles = [\"x.info\"]\n",
            ),
            ("x.info", "SF:a.c\nDA:1,1\nend_of_record\n"),
            ("a.c", "int a;\n"),
        ],
    );
    let out = prowcov(&repo.dir, &["postsubmit", "--suite", "b"]);
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--suite b: no such suite; the suites are a"),
        "{}",
        text(&out)
    );
    let out = prowcov(&repo.dir, &["postsubmit", "--skip-suite", "a"]);
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
    // And the suite alone works.
    let out = prowcov(&repo.dir, &["postsubmit"]);
    assert!(out.status.success(), "{}", text(&out));
}
