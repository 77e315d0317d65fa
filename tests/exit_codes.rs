//! One table: for each condition docs/exit-codes.md names, every command where it can arise, and the code the document
//! gives it. The codes are read from the document itself (and checked against `src/error.rs`), so that the document,
//! the code table and the behaviour cannot drift apart.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::GitRepo;

const LCOV: &str = "SF:a.c\nDA:1,1\nDA:2,0\nend_of_record\n";
const BAD_LCOV: &str = "SF:a.c\nDA:x\nend_of_record\n";

/// `name -> code` from the table of docs/exit-codes.md.
fn documented_codes() -> BTreeMap<String, u8> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/exit-codes.md")).expect("doc");
    doc.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.get(1)?.parse::<u8>().ok()?;
            Some((cells.get(2)?.to_string(), code))
        })
        .collect()
}

#[test]
fn the_code_table_matches_the_document() {
    let doc = documented_codes();
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/error.rs")).expect("error.rs");
    let constants: BTreeMap<&str, u8> = source
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub const ")?;
            let (name, value) = rest.split_once(": u8 = ")?;
            Some((name, value.trim_end_matches(';').parse().ok()?))
        })
        .collect();
    let pairs = [
        ("OK", "ok"),
        ("THRESHOLD_FAILED", "threshold failed"),
        ("INPUT", "input"),
        ("TESTS_FAILED", "tests failed"),
        ("USAGE", "usage"),
        ("UNAVAILABLE", "unavailable"),
        ("IO", "I/O"),
        ("CONFIG", "config"),
    ];
    assert_eq!(constants.len(), pairs.len(), "{constants:?}");
    assert_eq!(doc.len(), pairs.len(), "{doc:?}");
    for (constant, name) in pairs {
        assert_eq!(
            constants.get(constant),
            doc.get(name),
            "exit::{constant} against `{name}` in the document"
        );
    }
}

/// A scratch folder with a git repository (`repo/`, two commits) and the inputs the cases use.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    common::write_tree(
        d,
        &[
            ("good.info", LCOV),
            ("bad.info", BAD_LCOV),
            ("a-file", "not a folder\n"),
            ("fake.coverage", ""),
            ("bad-rc/.coveragerc", "not ini at all\n[run\n"),
            ("bad-config/.prowcov.toml", "[gate]\nmin-patchh = 1\n"),
            ("body.md", "hello\n"),
        ],
    );
    // A real (empty) coverage.py data file: SQLite with coverage.py's schema needs coverage.py to be analysed.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/coveragepy/good.coverage"),
        d.join("data.coverage"),
    )
    .expect("copy .coverage");
    let repo = GitRepo::init(&d.join("repo"));
    repo.commit(
        "base",
        &[
            (".gitignore", ".prowcov/\n*.info\n"),
            // The command runner's coverage: what `sh -c 'cp good.info lcov.info'` writes.
            (".prowcov.toml", "[run]\nprofiles = [\"lcov.info\"]\n"),
            ("a.c", "int a;\n"),
        ],
    );
    repo.commit("head", &[("a.c", "int a;\nint b;\n")]);
    for (name, text) in [("good.info", LCOV), ("bad.info", BAD_LCOV)] {
        std::fs::write(repo.dir.join(name), text).expect("write");
    }
    dir
}

struct Case {
    condition: &'static str,
    command: &'static str,
    args: &'static [&'static str],
    /// Working directory, relative to the workspace.
    cwd: &'static str,
    env: &'static [(&'static str, &'static str)],
}

const fn case(condition: &'static str, command: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        condition,
        command,
        args,
        cwd: ".",
        env: &[],
    }
}

const fn in_dir(mut c: Case, cwd: &'static str) -> Case {
    c.cwd = cwd;
    c
}

const fn with_env(mut c: Case, env: &'static [(&'static str, &'static str)]) -> Case {
    c.env = env;
    c
}

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
/// `baseline put` of build 1 of job `post`, for commit [`SHA`] on `main`.
const PUT: &str = "baseline put --job post --build-id 1 --sha 0123456789abcdef0123456789abcdef01234567 --branch main";
const NO_PYTHON: &[(&str, &str)] = &[("PROWCOV_PYTHON", "/nonexistent/python3")];

/// Every command under every condition that applies to it. `run` is `run --mode postsubmit` in the repository.
fn cases() -> Vec<Case> {
    vec![
        // 0: success.
        case("ok", "report", &["good.info"]),
        case("ok", "convert", &["--to", "lcov", "-o", "out.info", "good.info"]),
        case("ok", "html", &["-o", "html", "good.info"]),
        case("ok", "junit", &["-o", "junit_cov.xml", "good.info"]),
        in_dir(
            case(
                "ok",
                "diff",
                &["--base-ref", "HEAD~1", "--base", "good.info", "--head", "good.info"],
            ),
            "repo",
        ),
        case("ok", PUT, &["--storage", "store", "good.info"]),
        case(
            "ok",
            "baseline find",
            &["--storage", "store", "--job", "post", "--sha", SHA, "--branch", "main"],
        ),
        case("ok", "baseline list", &["--storage", "store", "--job", "post"]),
        case(
            "ok",
            "comment-post",
            &[
                "--repo",
                "o/r",
                "--pr",
                "1",
                "--job",
                "j",
                "--head",
                SHA,
                "--body-file",
                "body.md",
            ],
        ),
        case("ok", "config", &[]),
        in_dir(
            case("ok", "run", &["--mode", "postsubmit", "--profile", "good.info"]),
            "repo",
        ),
        // 1: a threshold failed.
        case("threshold failed", "report", &["--fail-under", "90", "good.info"]),
        in_dir(
            case(
                "threshold failed",
                "diff",
                &[
                    "--base-ref",
                    "HEAD~1",
                    "--base",
                    "good.info",
                    "--head",
                    "good.info",
                    "--min-file",
                    "90",
                ],
            ),
            "repo",
        ),
        // 2: bad input.
        case("input", "report", &["bad.info"]),
        case("input", "convert", &["--to", "lcov", "-o", "out.info", "bad.info"]),
        case("input", "html", &["-o", "html", "bad.info"]),
        case("input", "junit", &["-o", "junit_cov.xml", "bad.info"]),
        in_dir(
            case(
                "input",
                "diff",
                &["--base-ref", "HEAD~1", "--base", "good.info", "--head", "bad.info"],
            ),
            "repo",
        ),
        case("input", PUT, &["--storage", "store", "bad.info"]),
        case("input", "combine", &["--data-file", "out.coverage", "fake.coverage"]),
        in_dir(
            case("input", "run", &["--mode", "postsubmit", "--profile", "bad.info"]),
            "repo",
        ),
        // 3: the tests failed.
        in_dir(
            case(
                "tests failed",
                "run",
                &[
                    "--mode",
                    "postsubmit",
                    "--runner",
                    "command",
                    "--",
                    "sh",
                    "-c",
                    "cp good.info lcov.info; exit 7",
                ],
            ),
            "repo",
        ),
        // 64: usage.
        case("usage", "report", &["--no-such-flag"]),
        case("usage", "convert", &["--to", "nope", "-o", "x", "good.info"]),
        case("usage", "html", &["--no-such-flag"]),
        case("usage", "junit", &["-o", "not-junit.xml", "good.info"]),
        case("usage", "diff", &["--precision", "many"]),
        case("usage", "baseline put", &["--no-such-flag"]),
        case("usage", "baseline find", &["--no-such-flag"]),
        case("usage", "baseline list", &["--no-such-flag"]),
        case("usage", "combine", &["--no-such-flag"]),
        case("usage", "comment-post", &["--pr", "one"]),
        case("usage", "config", &["--no-such-flag"]),
        case("usage", "run", &["--mode", "sideways"]),
        // 69: a tool is unavailable (coverage.py to analyse `.coverage` data; the test program).
        with_env(case("unavailable", "report", &["data.coverage"]), NO_PYTHON),
        with_env(
            case(
                "unavailable",
                "convert",
                &["--to", "lcov", "-o", "out.info", "data.coverage"],
            ),
            NO_PYTHON,
        ),
        with_env(case("unavailable", "html", &["-o", "html", "data.coverage"]), NO_PYTHON),
        with_env(
            case("unavailable", "junit", &["-o", "junit_cov.xml", "data.coverage"]),
            NO_PYTHON,
        ),
        with_env(
            case("unavailable", PUT, &["--storage", "store", "data.coverage"]),
            NO_PYTHON,
        ),
        in_dir(
            case(
                "unavailable",
                "run",
                &[
                    "--mode",
                    "postsubmit",
                    "--runner",
                    "command",
                    "--",
                    "/nonexistent/test-program",
                ],
            ),
            "repo",
        ),
        // 74: an output cannot be written.
        case("I/O", "report", &["-o", "a-file/report.txt", "good.info"]),
        case(
            "I/O",
            "convert",
            &["--to", "lcov", "-o", "a-file/out.info", "good.info"],
        ),
        case("I/O", "html", &["-o", "a-file/html", "good.info"]),
        case("I/O", "junit", &["-o", "a-file/junit_cov.xml", "good.info"]),
        in_dir(
            case(
                "I/O",
                "diff",
                &[
                    "--base-ref",
                    "HEAD~1",
                    "--base",
                    "good.info",
                    "--head",
                    "good.info",
                    "-o",
                    "../a-file/diff.txt",
                ],
            ),
            "repo",
        ),
        case("I/O", PUT, &["--storage", "a-file/store", "good.info"]),
        case(
            "I/O",
            "combine",
            &["--data-file", "a-file/out.coverage", "data.coverage"],
        ),
        in_dir(
            case(
                "I/O",
                "run",
                &[
                    "--mode",
                    "postsubmit",
                    "--profile",
                    "good.info",
                    "--artifacts",
                    "../a-file/artifacts",
                ],
            ),
            "repo",
        ),
        with_env(
            case(
                "I/O",
                "comment-post",
                &[
                    "--repo",
                    "o/r",
                    "--pr",
                    "1",
                    "--job",
                    "j",
                    "--head",
                    SHA,
                    "--body-file",
                    "body.md",
                    "--github-url",
                    "http://127.0.0.1:9",
                ],
            ),
            &[("GITHUB_TOKEN", "t0ken")],
        ),
        // 78: configuration.
        case("config", "report", &["--rcfile", "bad-rc/.coveragerc", "good.info"]),
        case(
            "config",
            "convert",
            &[
                "--rcfile",
                "bad-rc/.coveragerc",
                "--to",
                "lcov",
                "-o",
                "out.info",
                "good.info",
            ],
        ),
        case(
            "config",
            "html",
            &["--rcfile", "bad-rc/.coveragerc", "-o", "html", "good.info"],
        ),
        case(
            "config",
            "junit",
            &["--rcfile", "bad-rc/.coveragerc", "-o", "junit_cov.xml", "good.info"],
        ),
        case(
            "config",
            "combine",
            &["--rcfile", "bad-rc/.coveragerc", "data.coverage"],
        ),
        case("config", "config", &["--root", "bad-config"]),
        case(
            "config",
            "comment-post",
            &[
                "--repo",
                "o/r",
                "--pr",
                "1",
                "--job",
                "j",
                "--head",
                SHA,
                "--body-file",
                "body.md",
                "--github-token-file",
                "no-such-token",
            ],
        ),
        in_dir(
            case(
                "config",
                "run",
                &[
                    "--mode",
                    "postsubmit",
                    "--profile",
                    "good.info",
                    "--config",
                    "../bad-config/.prowcov.toml",
                ],
            ),
            "repo",
        ),
    ]
}

#[test]
fn every_command_exits_with_the_documented_code_for_each_condition() {
    let doc = documented_codes();
    let work = workspace();
    let mut failures = Vec::new();
    for c in cases() {
        let expected = doc[c.condition];
        let mut cmd = common::prowcov();
        cmd.args(c.command.split(' '))
            .args(c.args)
            .current_dir(work.path().join(c.cwd))
            .env_remove("GITHUB_TOKEN")
            .env_remove("JOB_TYPE")
            .env_remove("PROWCOV_LOG")
            .env_remove("COVERAGE_RCFILE")
            .env_remove("PULL_BASE_SHA")
            .env_remove("ARTIFACTS")
            .envs(c.env.iter().copied())
            .stdin(std::process::Stdio::null());
        let out = cmd.output().expect("run prowcov");
        let code = out.status.code().unwrap_or(-1);
        if code != i32::from(expected) {
            failures.push(format!(
                "{} {:?} ({}): exit {code}, documented {expected}\n  stderr: {}",
                c.command,
                c.args,
                c.condition,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    // Every documented code is exercised by some command.
    let exercised: std::collections::BTreeSet<&str> = cases().iter().map(|c| c.condition).collect();
    for name in doc.keys() {
        assert!(exercised.contains(name.as_str()), "no case for `{name}`");
    }
    assert!(
        failures.is_empty(),
        "{} cases differ from docs/exit-codes.md:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
