//! `prowcov::runner::run` with the real tools: pytest under coverage.py (the user's config honoured, subprocesses
//! measured, `[paths]` applied, SIGTERM saving data), `go test` across packages, and the command runner.

mod common;

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use common::{go, python, run_ok, stdout_ok, write_tree};
use prowcov::config::{Glob, Runner};
use prowcov::env::Env;
use prowcov::error::exit;
use prowcov::runner::{RunSpec, TestRun, run};
use prowcov::warnings::Warnings;

/// The runner forwards signals the test process receives to every running child: the SIGTERM test runs alone.
static SIGNALS: RwLock<()> = RwLock::new(());

/// One test's folders: the project (`root`), the runner's folder and the log.
struct Dirs {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    work: PathBuf,
    log: PathBuf,
}

fn dirs(files: &[(&str, &str)]) -> Dirs {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Canonical, so that paths coverage.py records (real paths) compare with ours.
    let base = tmp.path().canonicalize().expect("canonical");
    let root = base.join("project");
    let work = base.join("work");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::fs::create_dir_all(&work).expect("mkdir");
    write_tree(&root, files);
    Dirs {
        root,
        work,
        log: base.join("logs/tests.log"),
        _tmp: tmp,
    }
}

fn run_in(
    d: &Dirs,
    runner: Runner,
    command: &[&str],
    profiles: &[&str],
    env_remove: &[&str],
) -> prowcov::error::Result<TestRun> {
    let command: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    let profiles: Vec<Glob> = profiles
        .iter()
        .map(|g| Glob::try_from(g.to_string()).expect("glob"))
        .collect();
    let python = (runner == Runner::Python).then(python);
    let _guard = SIGNALS.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    run(&RunSpec {
        runner,
        command: &command,
        profiles: &profiles,
        go_packages: &[],
        root: &d.root,
        work_dir: &d.work,
        log: &d.log,
        python: python.as_deref(),
        env_remove,
        env: &Env::capture(),
        warnings: &Warnings::default(),
    })
}

/// A project whose tests cover a package, one of them through a subprocess; `{CONFIG}` is replaced by the config.
const PROJECT: &[(&str, &str)] = &[
    ("pkg/__init__.py", ""),
    (
        "pkg/core.py",
        "def classify(n):\n    if n > 0:\n        return \"positive\"\n    return \"other\"\n\n\ndef unused():\n    return 1\n",
    ),
    (
        "pkg/helper.py",
        "import sys\n\n\ndef main():\n    print(\"helper ran\")\n    if len(sys.argv) > 1:\n        print(\"args\")\n    \
         return 0\n\n\nif __name__ == \"__main__\":\n    sys.exit(main())\n",
    ),
    ("pkg/skipped.py", "def skipped():\n    return 2\n"),
    (
        "tests/test_core.py",
        "import subprocess\nimport sys\n\nfrom pkg import skipped\nfrom pkg.core import classify\n\n\n\
         def test_classify():\n    assert classify(1) == \"positive\"\n\n\n\
         def test_helper_in_subprocess():\n    out = subprocess.run([sys.executable, \"pkg/helper.py\"], check=True, \
         capture_output=True, text=True)\n    assert \"helper ran\" in out.stdout\n",
    ),
];

const COVERAGERC: &str = "[run]\nbranch = True\nsource = pkg\nomit = pkg/skipped.py\n{PATCH}\n[report]\n\
                          show_missing = True\nexclude_lines =\n    pragma: no cover\n    def unused\n";

const PYPROJECT: &str = "[project]\nname = \"demo\"\n\n[tool.black]\nline-length = 100\n\n[tool.coverage.run]\n\
                         branch = true\nsource = [\"pkg\"]\nomit = [\"pkg/skipped.py\"]\n{PATCH}\n\n\
                         [tool.coverage.report]\nshow_missing = true\nexclude_also = [\"def unused\"]\n";

fn project_with(config_name: &str, config: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = PROJECT.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect();
    files.push((config_name.to_owned(), config.to_owned()));
    files
}

fn as_refs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect()
}

/// `coverage report` for the project run the plain way: `coverage run -p -m pytest` and `coverage combine`, with the
/// user's config plus `patch` (what a user measuring subprocesses writes by hand).
fn plain_report(config_name: &str, config: &str, patch: &str) -> String {
    let files = project_with(config_name, &config.replace("{PATCH}", patch));
    let d = dirs(&as_refs(&files));
    let py = || {
        let mut cmd = common::python_module("coverage");
        cmd.current_dir(&d.root);
        cmd
    };
    run_ok(py().args(["run", "-p", "-m", "pytest", "-q"]));
    run_ok(py().args(["combine", "-q"]));
    stdout_ok(py().arg("report"))
}

/// `coverage debug config` without the lines that say where the config came from or that the runner sets.
fn debug_config(root: &Path, rcfile: Option<&Path>) -> Vec<(String, String)> {
    let mut cmd = common::python_module("coverage");
    cmd.current_dir(root).args(["debug", "config"]);
    if let Some(rc) = rcfile {
        // `debug config` takes no `--rcfile`.
        cmd.env("COVERAGE_RCFILE", rc);
    }
    let text = stdout_ok(&mut cmd);
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("--")).collect();
    let col = lines.first().and_then(|l| l.find(": ")).expect("a `name: value` line");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in lines {
        let (head, value) = (line.get(..col).unwrap_or(""), line.get(col + 2..).unwrap_or(""));
        match (head.trim(), out.last_mut()) {
            ("", Some(last)) => last.1 += &format!("\n{}", value.trim()),
            (name, _) => out.push((name.to_owned(), value.to_owned())),
        }
    }
    out.retain(|(name, _)| {
        ![
            "config_file",
            "config_files_attempted",
            "config_files_read",
            "parallel",
            "patch",
            "sigterm",
        ]
        .contains(&name.as_str())
    });
    out
}

/// Runs the project through the runner and checks: `coverage report` is byte-identical to the plain way's, the
/// subprocess was measured, and the generated rc file is the user's config, setting for setting.
fn check_honours_config(config_name: &str, config: &str, patch: &str, generated: &str) {
    let expected = plain_report(config_name, config, patch);
    assert!(expected.contains("pkg/helper.py"), "{expected}");
    assert!(!expected.contains("skipped"), "omit not applied:\n{expected}");
    let helper = expected
        .lines()
        .find(|l| l.starts_with("pkg/helper.py"))
        .expect("helper row");
    assert!(!helper.contains(" 0%"), "the subprocess was not measured:\n{expected}");

    let files = project_with(config_name, &config.replace("{PATCH}", ""));
    let d = dirs(&as_refs(&files));
    let result = run_in(&d, Runner::Python, &[], &[], &[]).expect("run");
    assert_eq!(
        result.exit_code,
        0,
        "{}",
        std::fs::read_to_string(&d.log).unwrap_or_default()
    );
    assert_eq!(result.profiles, [d.work.join(".coverage")]);
    let report = stdout_ok(
        common::python_module("coverage")
            .current_dir(&d.root)
            .arg("report")
            .arg(format!("--data-file={}", result.profiles[0].display())),
    );
    assert_eq!(report, expected);

    // The same figures through prowcov's own reader.
    let total = expected
        .lines()
        .last()
        .and_then(|l| l.split_whitespace().find(|w| w.ends_with('%')))
        .expect("TOTAL");
    let ours = stdout_ok(
        common::prowcov()
            .arg("report")
            .arg("--root")
            .arg(&d.root)
            .arg("--python")
            .arg(python())
            .arg(&result.profiles[0]),
    );
    assert!(
        ours.lines().any(|l| l.starts_with("TOTAL") && l.contains(total)),
        "{total} in\n{ours}"
    );

    assert_copy_reads_like_the_original(&d, generated);
}

/// coverage.py reads prowcov's copy of the rc file (`generated`, in the work folder) exactly as it reads the user's.
fn assert_copy_reads_like_the_original(d: &Dirs, generated: &str) {
    let rc = d.work.join(generated);
    assert_eq!(
        debug_config(&d.root, Some(&rc)),
        debug_config(&d.root, None),
        "{}",
        std::fs::read_to_string(&rc).unwrap_or_default()
    );
}

#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn coveragerc_branch_source_omit_are_honoured_and_subprocesses_measured() {
    check_honours_config(".coveragerc", COVERAGERC, "patch = subprocess", "coveragerc");
}

#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn pyproject_tool_coverage_is_honoured() {
    check_honours_config(
        "pyproject.toml",
        PYPROJECT,
        "patch = [\"subprocess\"]",
        "coveragerc.toml",
    );
}

#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn setup_cfg_with_defaults_and_multiline_values_is_copied_setting_for_setting() {
    let cfg = "[metadata]\nname = demo\n\n[DEFAULT]\nbase = pkg\n\n[run]\nomit = not/coverage/s\n\n\
               [coverage:run]\nsource = pkg\nbranch = yes\nomit =\n    pkg/skipped.py\n\n    */nothing/*\n\
               patch = _exit\n\n[coverage:report]\nexclude_also =\n    def unused\n    if TYPE_CHECKING:\n\
               precision = 1\n\n[coverage:paths]\nsrc =\n    pkg/\n    /elsewhere/pkg/\n";
    let files = project_with("setup.cfg", cfg);
    let d = dirs(&as_refs(&files));
    let result = run_in(&d, Runner::Python, &["pytest", "-q"], &[], &[]).expect("run");
    assert_eq!(result.exit_code, 0);
    assert_copy_reads_like_the_original(&d, "coveragerc");
}

#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn data_recorded_under_another_root_is_remapped_by_the_users_paths() {
    // The tests run in a copy (as in a container with the checkout elsewhere); `[paths]` maps it to the original.
    let original = dirs(PROJECT);
    let copy = dirs(&[]);
    let rc = format!(
        "[run]\nsource = pkg\n\n[paths]\nsource =\n    {}/pkg\n    {}/pkg\n",
        original.root.display(),
        copy.root.display()
    );
    write_tree(&original.root, &[(".coveragerc", &rc)]);
    common::copy_tree(&original.root, &copy.root);

    let result = run_in(&copy, Runner::Python, &[], &[], &[]).expect("run");
    assert_eq!(result.exit_code, 0);
    let data = prowcov::formats::coveragepy::read(&result.profiles[0]).expect("read");
    let files: Vec<&String> = data.files.keys().collect();
    assert!(!files.is_empty());
    let prefix = format!("{}/pkg/", original.root.display());
    assert!(files.iter().all(|f| f.starts_with(&prefix)), "{files:?}");
    // The combined data reads against the original checkout.
    let report = stdout_ok(
        common::python_module("coverage")
            .current_dir(&original.root)
            .arg("report")
            .arg(format!("--data-file={}", result.profiles[0].display())),
    );
    assert!(report.contains("pkg/helper.py"), "{report}");
}

#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn failing_tests_are_an_exit_code_and_their_coverage_is_still_returned() {
    let d = dirs(&[
        ("mod.py", "def f():\n    return 1\n"),
        (
            "test_mod.py",
            "from mod import f\n\n\ndef test_f():\n    assert f() == 2\n",
        ),
    ]);
    let result = run_in(&d, Runner::Python, &["python", "-m", "pytest", "-q"], &[], &[]).expect("run");
    assert_eq!(result.exit_code, 1);
    assert_eq!(result.command[1..4], ["-m", "coverage", "run"]);
    let data = prowcov::formats::coveragepy::read(&result.profiles[0]).expect("read");
    let module = data
        .files
        .iter()
        .find(|(p, _)| p.ends_with("/mod.py"))
        .expect("mod.py measured");
    assert!(module.1.executed_lines().contains(&2), "{module:?}");
}

#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn a_custom_command_measures_the_python_processes_it_starts() {
    let d = dirs(PROJECT);
    let script = format!("'{}' -m pytest -q", python().display());
    let result = run_in(&d, Runner::Python, &["sh", "-c", &script], &[], &[]).expect("run");
    assert_eq!(
        result.exit_code,
        0,
        "{}",
        std::fs::read_to_string(&d.log).unwrap_or_default()
    );
    assert_eq!(result.command[0], "sh");
    let data = prowcov::formats::coveragepy::read(&result.profiles[0]).expect("read");
    for name in ["/pkg/core.py", "/pkg/helper.py", "/tests/test_core.py"] {
        assert!(
            data.files.keys().any(|p| p.ends_with(name)),
            "{name} not measured: {:?}",
            data.files.keys()
        );
    }
}

#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn sigterm_is_forwarded_and_coverage_py_saves_the_interrupted_run() {
    let _alone = SIGNALS.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    let d = dirs(&[(
        "test_slow.py",
        "import pathlib\nimport time\n\n\ndef test_slow():\n    pathlib.Path(\"started\").write_text(\"x\")\n    \
         time.sleep(60)\n    assert False\n",
    )]);
    let started = d.root.join("started");
    let result = std::thread::scope(|s| {
        let runner = s.spawn(|| {
            run(&RunSpec {
                runner: Runner::Python,
                command: &[],
                profiles: &[],
                go_packages: &[],
                root: &d.root,
                work_dir: &d.work,
                log: &d.log,
                python: Some(&python()),
                env_remove: &[],
                env: &Env::capture(),
                warnings: &Warnings::default(),
            })
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !started.exists() {
            assert!(std::time::Instant::now() < deadline, "the test never started");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // As Prow does at the grace period: SIGTERM to prowcov, which forwards it.
        nix::sys::signal::raise(nix::sys::signal::Signal::SIGTERM).expect("raise");
        runner.join().expect("runner thread")
    })
    .expect("run");
    assert_eq!(result.exit_code, 128 + 15);
    assert!(result.duration < std::time::Duration::from_secs(50));
    let data = prowcov::formats::coveragepy::read(&result.profiles[0]).expect("read");
    let test = data
        .files
        .iter()
        .find(|(p, _)| p.ends_with("/test_slow.py"))
        .expect("measured");
    let lines = test.1.executed_lines();
    assert!(
        lines.contains(&6) && lines.contains(&7) && !lines.contains(&8),
        "{lines:?}"
    );
}

#[test]
#[ignore = "needs coverage.py and pytest (scripts/test provisions them)"]
fn no_coverage_data_is_an_error_that_says_the_tests_failed() {
    let d = dirs(&[]);
    let err = run_in(
        &d,
        Runner::Python,
        &["sh", "-c", "echo no python here; exit 4"],
        &[],
        &[],
    )
    .expect_err("no data");
    let text = err.to_string();
    assert_eq!(err.exit_code(), exit::INPUT);
    assert!(
        text.contains("no coverage.py data in") && text.contains("the tests failed (exit code 4)"),
        "{text}"
    );
    assert!(text.contains("tests.log"), "{text}");
}

#[test]
fn log_holds_both_streams_and_removed_variables_are_hidden() {
    let d = dirs(&[]);
    let script = "echo out-line; echo err-line >&2; echo \"home=${HOME:-removed}\"; \
                  printf 'SF:a.py\\nDA:1,1\\nend_of_record\\n' > cov.lcov";
    let result = run_in(&d, Runner::Command, &["sh", "-c", script], &["*.lcov"], &["HOME"]).expect("run");
    assert_eq!(result.exit_code, 0);
    assert_eq!(result.profiles, [d.root.join("cov.lcov")]);
    let log = std::fs::read_to_string(&d.log).expect("log");
    assert!(log.starts_with("$ sh -c "), "{log}");
    for line in ["out-line\n", "err-line\n", "home=removed\n"] {
        assert!(log.contains(line), "{line:?} missing from\n{log}");
    }
}

#[test]
fn command_runner_returns_the_profiles_its_globs_match_sorted() {
    let d = dirs(&[]);
    let script = "mkdir -p out/b out/a .git && for f in out/b/x.info out/a/y.info .git/z.info; do \
                  printf 'SF:a.py\\nDA:1,1\\nend_of_record\\n' > $f; done; exit 2";
    let result = run_in(
        &d,
        Runner::Command,
        &["sh", "-c", script],
        &["out/**/*.info", "**/*.info"],
        &[],
    )
    .expect("run");
    assert_eq!(result.exit_code, 2);
    assert_eq!(
        result.profiles,
        [d.root.join("out/a/y.info"), d.root.join("out/b/x.info")]
    );
    let model = common::read_model(&result.profiles[0], &d.root);
    assert_eq!(model.files.keys().collect::<Vec<_>>(), ["a.py"]);
}

#[test]
fn command_runner_without_matches_names_the_globs() {
    let d = dirs(&[]);
    let err = run_in(&d, Runner::Command, &["true"], &["cov/*.lcov", "**/*.xml"], &[]).expect_err("no match");
    assert_eq!(err.exit_code(), exit::INPUT);
    let text = err.to_string();
    assert!(
        text.contains("(`cov/*.lcov`, `**/*.xml`)") && text.contains("the tests passed"),
        "{text}"
    );
}

#[test]
fn a_missing_program_is_unavailable_and_names_it() {
    let d = dirs(&[]);
    let err = run_in(&d, Runner::Command, &["prowcov-no-such-tool", "x"], &["*.lcov"], &[]).expect_err("missing");
    assert_eq!(err.exit_code(), exit::UNAVAILABLE);
    assert!(
        err.to_string().contains("`prowcov-no-such-tool` was not found"),
        "{err}"
    );
}

#[test]
fn the_command_runner_needs_a_command_and_globs() {
    let d = dirs(&[]);
    let err = run_in(&d, Runner::Command, &[], &["*.lcov"], &[]).expect_err("no command");
    assert_eq!(err.exit_code(), exit::CONFIG);
    assert!(err.to_string().contains("run.command"), "{err}");
    let err = run_in(&d, Runner::Command, &["true"], &[], &[]).expect_err("no globs");
    assert!(err.to_string().contains("run.profiles"), "{err}");
}

#[test]
#[ignore = "needs Go (scripts/test provisions it)"]
fn go_tests_measure_every_listed_package() {
    let d = dirs(&[
        ("go.mod", "module example.com/m\n\ngo 1.19\n"),
        (
            "a/a.go",
            "package a\n\nimport \"example.com/m/b\"\n\nfunc A(x int) int {\n\tif x > 0 {\n\t\treturn b.B(x)\n\t}\n\treturn 0\n}\n",
        ),
        (
            "a/a_test.go",
            "package a\n\nimport \"testing\"\n\nfunc TestA(t *testing.T) {\n\tif A(1) != 2 {\n\t\tt.Fatal(\"A(1)\")\n\t}\n}\n",
        ),
        (
            "b/b.go",
            "package b\n\nfunc B(x int) int {\n\treturn x * 2\n}\n\nfunc Unused() int {\n\treturn 3\n}\n",
        ),
    ]);
    // Fails loudly, with a hint, when Go is missing.
    run_ok(go().arg("version"));
    let result = run_in(&d, Runner::Go, &["-count=1"], &[], &[]).expect("run");
    assert_eq!(
        result.exit_code,
        0,
        "{}",
        std::fs::read_to_string(&d.log).unwrap_or_default()
    );
    assert_eq!(result.profiles, [d.work.join("go.cover")]);
    assert!(
        result.command.iter().any(|a| a == "-coverpkg=./..."),
        "{:?}",
        result.command
    );
    let model = common::read_model(&result.profiles[0], &d.root);
    let b = model.files.get("b/b.go").expect("b measured through a's tests");
    assert!(b.lines.get(&4).is_some_and(|&n| n > 0), "{b:?}");
    assert_eq!(b.lines.get(&8), Some(&0), "{b:?}");
}

#[test]
#[ignore = "needs Go (scripts/test provisions it)"]
fn go_without_a_profile_is_an_error_that_says_the_tests_failed() {
    let d = dirs(&[
        ("go.mod", "module example.com/m\n\ngo 1.19\n"),
        ("a/a.go", "package a\n\nfunc A( {\n"),
    ]);
    let err = run_in(&d, Runner::Go, &[], &[], &[]);
    match err {
        Err(e) => assert!(e.to_string().contains("the tests failed"), "{e}"),
        // Some Go versions write a profile that holds only its mode line.
        Ok(run) => assert_ne!(run.exit_code, 0),
    }
}
