//! `prowcov report` against the real coverage.py: the text report byte for byte, the JSON figures bit for bit, the
//! other formats of the same run, and the failure paths (no Python, malformed inputs, thresholds).

mod common;
mod pyproject;

use std::process::Command;

use pyproject::{Project, coverage_missing_by_file, json_stdout, missing_by_file};

fn assert_text_matches(project: &Project, report_args: &[&str]) {
    let mut args = vec!["report", "-m"];
    args.extend_from_slice(report_args);
    let expected = common::stdout_ok(&mut project.coverage(&args));
    let ours = common::stdout_ok(&mut project.prowcov(&["report"]));
    assert_eq!(ours, expected, "prowcov report differs from coverage report -m");
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn text_matches_coverage_report_for_line_data() {
    assert_text_matches(&Project::measured(false, &[]), &[]);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn text_matches_coverage_report_for_branch_data() {
    let project = Project::measured(true, &[]);
    let expected = common::stdout_ok(&mut project.coverage(&["report", "-m"]));
    assert!(expected.contains("BrPart"), "the fixture has branch data");
    assert_text_matches(&project, &[]);
}

/// For line data, coverage.py's LCOV holds exactly its statements, so the text report of it must match too; this
/// checks the renderer (widths, numeric name order, ranges across blank lines, precision) without the analysis.
#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn text_of_coverage_lcov_matches_coverage_report_for_line_data() {
    let project = Project::measured(false, &[]);
    common::run_ok(&mut project.coverage(&["lcov", "-q", "-o", "cov.lcov"]));
    for precision in ["0", "2"] {
        let expected = common::stdout_ok(&mut project.coverage(&["report", "-m", "--precision", precision]));
        let ours = common::stdout_ok(&mut project.prowcov(&["report", "--precision", precision, "cov.lcov"]));
        assert_eq!(ours, expected, "precision {precision}");
    }
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn text_follows_the_configured_precision() {
    let project = Project::measured(true, &[(".coveragerc", "[report]\nprecision = 2\n")]);
    let expected = common::stdout_ok(&mut project.coverage(&["report", "-m"]));
    assert!(expected.contains('.'), "precision 2 shows decimals: {expected}");
    assert_text_matches(&project, &[]);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn json_figures_equal_coverage_json() {
    for branch in [false, true] {
        let project = Project::measured(branch, &[]);
        let theirs = project.coverage_json();
        let ours = json_stdout(&mut project.prowcov(&["report", "--format", "json"]));
        let (t, o) = (&theirs["totals"], &ours["totals"]);
        assert_eq!(o["covered"], t["covered_lines"]);
        assert_eq!(o["total"], t["num_statements"]);
        // Bit-exact: both sides print the shortest representation of the same f64.
        assert_eq!(o["percent"].as_f64(), t["percent_covered"].as_f64(), "branch={branch}");
        if branch {
            assert_eq!(o["branches_total"], t["num_branches"]);
            assert_eq!(o["branches_covered"], t["covered_branches"]);
            assert_eq!(o["partial_branches"], t["num_partial_branches"]);
        } else {
            assert!(o["branches_total"].is_null());
        }
        assert_eq!(missing_by_file(&ours), coverage_missing_by_file(&theirs));
        for file in ours["files"].as_array().expect("files") {
            let path = file["path"].as_str().expect("path");
            let summary = &theirs["files"][path]["summary"];
            assert_eq!(file["percent"].as_f64(), summary["percent_covered"].as_f64(), "{path}");
        }
    }
}

/// Reports a coverage.py report file (xml, lcov or json) of the branch run and checks the figures against
/// coverage.py's; `percent` is `covered / total` for the line formats.
#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn reports_of_the_same_run_agree_with_coverage_py() {
    let project = Project::measured(true, &[]);
    let theirs = project.coverage_json();
    common::run_ok(&mut project.coverage(&["xml", "-q", "-o", "cov.xml"]));
    common::run_ok(&mut project.coverage(&["lcov", "-q", "-o", "cov.lcov"]));
    let covered = theirs["totals"]["covered_lines"].as_u64().expect("covered_lines");
    let total = theirs["totals"]["num_statements"].as_u64().expect("num_statements");
    for input in ["cov.xml", "cov.lcov", "coverage.json"] {
        let ours = json_stdout(&mut project.prowcov(&["report", "--format", "json", input]));
        assert_eq!(ours["totals"]["covered"].as_u64(), Some(covered), "{input}");
        assert_eq!(ours["totals"]["total"].as_u64(), Some(total), "{input}");
        assert_eq!(missing_by_file(&ours), coverage_missing_by_file(&theirs), "{input}");
        let expected_percent = if input == "coverage.json" {
            theirs["totals"]["percent_covered"].as_f64().expect("percent")
        } else {
            100.0 * covered as f64 / total as f64
        };
        assert_eq!(ours["totals"]["percent"].as_f64(), Some(expected_percent), "{input}");
    }
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn missing_python_is_exit_69_with_advice() {
    let project = Project::measured(false, &[]);
    let out = project
        .prowcov(&["report", "--python", "/nonexistent/python"])
        .output()
        .expect("run prowcov");
    assert_eq!(out.status.code(), Some(69));
    assert!(out.stdout.is_empty(), "no report without the analysis");
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn fail_under_from_the_config_is_applied() {
    let project = Project::measured(false, &[(".coveragerc", "[report]\nfail_under = 99.5\n")]);
    let out = project.prowcov(&["report"]).output().expect("run prowcov");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A prowcov JSON input with line detail: 3 of 4 lines covered (75%).
const GOOD_JSON: &str = r#"{"schema": 1, "tool": "prowcov", "version": "0", "totals": {"covered": 3, "total": 4,
"percent": 75.0, "missing_lines": 1, "branches_covered": null, "branches_total": null, "partial_branches": null},
"files": [{"path": "src/a.c", "covered": 3, "total": 4, "percent": 75.0, "missing_lines": [4], "missing": "4",
"branches_covered": null, "branches_total": null, "partial_branches": null, "rule": "lines",
"lines": {"1": 1, "2": 5, "3": 1, "4": 0}, "branches": {}, "blocks": []}]}"#;

fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_prowcov"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run prowcov")
}

#[test]
fn every_bad_input_is_named_and_nothing_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::write_tree(
        dir.path(),
        &[
            ("good.json", GOOD_JSON),
            ("broken.json", "{\"schema\": 1,\n \"files\": [,]}"),
            ("notes.txt", "hello\n"),
        ],
    );
    let out = run_in(dir.path(), &["report", "good.json", "broken.json", "notes.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "a partial report would pass for a real one");
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

#[test]
fn fail_under_above_the_total_exits_1_after_reporting() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::write_tree(dir.path(), &[("good.json", GOOD_JSON)]);
    let out = run_in(dir.path(), &["report", "--fail-under", "80", "good.json"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout), @r"
    Name      Stmts   Miss  Cover   Missing
    ---------------------------------------
    src/a.c       4      1    75%   4
    ---------------------------------------
    TOTAL         4      1    75%
    ");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "coverage failure: total of 75 is less than fail-under=80\n"
    );
    let out = run_in(dir.path(), &["report", "--fail-under", "75", "good.json"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn no_inputs_and_no_data_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_in(dir.path(), &["report"]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(stderr);
}

#[test]
fn markdown_and_output_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::write_tree(dir.path(), &[("good.json", GOOD_JSON)]);
    let out = run_in(
        dir.path(),
        &["report", "--format", "markdown", "-o", "out.md", "good.json"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let md = std::fs::read_to_string(dir.path().join("out.md")).expect("out.md written");
    assert!(md.starts_with("**Coverage: 75%** (3 of 4 lines)\n"), "{md}");
}

/// The bundled example (recorded coverage.py JSON and a Go profile) reports without Python or Go, each file by its
/// own ecosystem's rule.
#[test]
fn the_bundled_example_reports_without_python_or_go() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let out = common::stdout_ok(
        common::prowcov()
            .args(["report", "--root"])
            .arg(&demo)
            .args([demo.join("coverage/python.json"), demo.join("coverage/go.cover")]),
    );
    assert!(
        out.contains("go/shapes/shapes.go               4      2      0      0    50%"),
        "{out}"
    );
    assert!(
        out.contains("python/src/demo/calc.py          17      8      8      2    44%"),
        "{out}"
    );
    assert!(
        out.trim_end()
            .ends_with("TOTAL                            28     10      8      2    56%"),
        "{out}"
    );
}
