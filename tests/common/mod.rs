//! Helpers shared by the integration tests: the reference tools (provisioned by `scripts/test`), the prowcov binary,
//! and small process utilities. Tests that need a reference tool are ignored (with a reason) for a bare `cargo test` and fail
//! loudly, never skip, when the tool is missing under `scripts/test`.
#![allow(dead_code, reason = "each test binary uses a different subset")]

pub mod emulators;
pub mod fake_github;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The Python interpreter of the test venv, with coverage.py, pytest, diff-cover and junitparser.
pub fn python() -> PathBuf {
    let p = std::env::var_os("PROWCOV_TEST_PYTHON")
        .map(PathBuf::from)
        .expect("PROWCOV_TEST_PYTHON is not set: run the tests through scripts/test, which provisions the venv");
    assert!(p.exists(), "PROWCOV_TEST_PYTHON={} does not exist", p.display());
    p
}

/// A command running a module of the test venv's Python: `python -m coverage ...`.
pub fn python_module(module: &str) -> Command {
    let mut cmd = Command::new(python());
    cmd.arg("-m").arg(module);
    cmd
}

/// The `go` binary; panics with a hint when missing.
pub fn go() -> Command {
    let out = Command::new("go").arg("version").output();
    assert!(
        out.as_ref().is_ok_and(|o| o.status.success()),
        "`go` is not on PATH: run the tests through scripts/test, which installs Debian's golang-go"
    );
    let mut cmd = Command::new("go");
    cmd.env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod");
    cmd
}

/// The prowcov binary under test.
pub fn prowcov() -> Command {
    Command::new(env!("CARGO_BIN_EXE_prowcov"))
}

/// Runs `cmd` and returns its output, panicking with both streams when it fails.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd` and returns its stdout as text, panicking when it fails.
pub fn stdout_ok(cmd: &mut Command) -> String {
    String::from_utf8(run_ok(cmd).stdout).expect("stdout is UTF-8")
}

/// Writes `files` (relative path, content) under `dir`, creating folders.
pub fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        std::fs::write(&path, content).expect("write file");
    }
}

/// Copies a directory tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Reads `path` through format detection, expecting data that maps onto the model.
pub fn read_model(path: &Path, root: &Path) -> prowcov::model::Coverage {
    let options = prowcov::formats::ReadOptions::new(root.to_path_buf());
    match prowcov::formats::read(path, &options) {
        Ok(prowcov::formats::Input::Model(cov)) => cov,
        Ok(other) => panic!("{}: expected model data, got {other:?}", path.display()),
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// The error reading a malformed `path` gives, with `redact` replaced by `placeholder` so it can be snapshotted.
pub fn read_error(path: &Path, root: &Path, redact: &Path, placeholder: &str) -> String {
    let options = prowcov::formats::ReadOptions::new(root.to_path_buf());
    match prowcov::formats::read(path, &options) {
        Ok(input) => panic!("{}: expected an error, read {input:?}", path.display()),
        Err(e) => e.to_string().replace(&redact.display().to_string(), placeholder),
    }
}

/// The error for `tests/fixtures/<format>/malformed/<name>`, read with that fixture folder as root, the checkout
/// location redacted as `[MANIFEST]`.
pub fn malformed_error(format: &str, name: &str) -> String {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = manifest.join("tests/fixtures").join(format);
    read_error(
        &fixtures.join("malformed").join(name),
        &fixtures,
        manifest,
        "[MANIFEST]",
    )
}

/// Debian's headless Chromium, with the flags that keep it offline and quiet; panics with a hint when missing.
pub fn chromium(profile: &Path) -> Command {
    let found = Command::new("chromium").arg("--version").output();
    assert!(
        found.as_ref().is_ok_and(|o| o.status.success()),
        "`chromium` is not on PATH: run the tests through scripts/test, which installs Debian's chromium"
    );
    let mut cmd = Command::new("chromium");
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// Every file under `dir`, relative to it, sorted.
pub fn list_tree(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).expect("under base").to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A git repository built by a test with the `git` CLI, with a fixed identity and dates so commits are reproducible.
pub struct GitRepo {
    pub dir: PathBuf,
}

impl GitRepo {
    /// `git init -b main` in `dir`.
    pub fn init(dir: &Path) -> GitRepo {
        std::fs::create_dir_all(dir).expect("mkdir");
        let repo = GitRepo { dir: dir.to_path_buf() };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// Runs `git ARGS` in the repository and returns its trimmed stdout, panicking on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.dir)
            .args([
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        stdout_ok(&mut cmd).trim().to_string()
    }

    /// Writes `files`, stages everything and commits; returns the new commit's SHA.
    pub fn commit(&self, message: &str, files: &[(&str, &str)]) -> String {
        write_tree(&self.dir, files);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}
