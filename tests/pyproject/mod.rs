//! A tiny Python project measured by the real coverage.py, shared by the report and convert tests: its data file and
//! coverage.py's own reports of it are the expected values.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};

use crate::common;

/// Sources chosen to exercise the report: a missing range spanning a blank line, partial branches (one to exit), a
/// file that ran completely, and names that sort numerically (`f2` before `f10`).
const SOURCES: &[(&str, &str)] = &[
    ("pkg/__init__.py", ""),
    (
        "pkg/calc.py",
        "def add(a, b):\n    return a + b\n\n\ndef classify(n):\n    if n < 0:\n        return \"neg\"\n    elif n == 0:\n        return \"zero\"\n    return \"pos\"\n\n\ndef unused():\n    x = 1\n\n    return x\n\n\ndef loop(items):\n    for i in items:\n        if i:\n            print(i)\n",
    ),
    ("pkg/f2.py", "X = 2\n"),
    ("pkg/f10.py", "Y = 10\nif Y > 20:\n    Y = 0\n"),
    (
        "main.py",
        "from pkg import f2, f10\nfrom pkg.calc import add, classify, loop\n\nprint(add(1, 2))\nprint(classify(5))\nprint(classify(-1))\nloop([0, 1])\n",
    ),
];

/// A measured project in a temporary directory.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// Writes the sources (and `extra` files, such as a `.coveragerc`) and runs `main.py` under coverage.py.
    pub fn measured(branch: bool, extra: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        common::write_tree(dir.path(), SOURCES);
        common::write_tree(dir.path(), extra);
        let project = Project { dir };
        let mut run = project.coverage(&["run"]);
        if branch {
            run.arg("--branch");
        }
        common::run_ok(run.arg("main.py"));
        project
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `python -m coverage <args>` in the project.
    pub fn coverage(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = common::python_module("coverage");
        cmd.current_dir(self.path()).args(args);
        cmd
    }

    /// `prowcov <args>` in the project, using the test venv's Python.
    pub fn prowcov(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = common::prowcov();
        cmd.current_dir(self.path())
            .env("PROWCOV_PYTHON", common::python())
            .env_remove("COVERAGE_RCFILE")
            .args(args);
        cmd
    }

    /// coverage.py's JSON report of the data, parsed.
    pub fn coverage_json(&self) -> serde_json::Value {
        common::run_ok(&mut self.coverage(&["json", "-q", "-o", "coverage.json"]));
        let text = std::fs::read_to_string(self.join("coverage.json")).expect("coverage.json");
        serde_json::from_str(&text).expect("coverage.json is JSON")
    }
}

/// Parses the stdout of `cmd`, which must succeed, as JSON.
pub fn json_stdout(cmd: &mut std::process::Command) -> serde_json::Value {
    serde_json::from_str(&common::stdout_ok(cmd)).expect("prowcov printed JSON")
}

/// `(path, missing lines)` of every file of a prowcov JSON report, sorted by path.
pub fn missing_by_file(report: &serde_json::Value) -> Vec<(String, Vec<u64>)> {
    let mut out: Vec<(String, Vec<u64>)> = report["files"]
        .as_array()
        .expect("files is a list")
        .iter()
        .map(|f| {
            let lines = f["missing_lines"].as_array().expect("missing_lines");
            let lines = lines.iter().map(|l| l.as_u64().expect("line number")).collect();
            (f["path"].as_str().expect("path").to_string(), lines)
        })
        .collect();
    out.sort();
    out
}

/// The same from coverage.py's JSON report.
pub fn coverage_missing_by_file(json: &serde_json::Value) -> Vec<(String, Vec<u64>)> {
    let mut out: Vec<(String, Vec<u64>)> = json["files"]
        .as_object()
        .expect("files is an object")
        .iter()
        .map(|(path, f)| {
            let lines = f["missing_lines"].as_array().expect("missing_lines");
            (
                path.clone(),
                lines.iter().map(|l| l.as_u64().expect("line number")).collect(),
            )
        })
        .collect();
    out.sort();
    out
}
