//! `prowcov convert`: what it writes reads back to the same coverage, in prowcov's own JSON and in the formats other
//! tools read (LCOV, Cobertura, coverage.py data).

mod common;
mod pyproject;

use pyproject::{Project, json_stdout, missing_by_file};

/// Converts `input` to `to` as `output`, in the project.
fn convert(project: &Project, to: &str, output: &str, input: &str) {
    common::run_ok(&mut project.prowcov(&["convert", "--to", to, "-o", output, input]));
}

/// prowcov's JSON report of `input`, without the tool version.
fn report(project: &Project, input: &str) -> serde_json::Value {
    let mut json = json_stdout(&mut project.prowcov(&["report", "--format", "json", input]));
    json["version"] = serde_json::Value::Null;
    json
}

#[test]
fn json_detail_round_trips_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = Project { dir };
    let lines = r#"{"1": 1, "2": 0, "3": 18446744073709551615}"#;
    let branches = r#"{"2": {"2->3": 0, "2->-1": 1}}"#;
    let input = format!(
        r#"{{"schema": 1, "tool": "prowcov", "version": "0", "totals": {{"covered": 0, "total": 0, "percent": 0,
        "missing_lines": 0, "branches_covered": null, "branches_total": null, "partial_branches": null}},
        "files": [{{"path": "a.py", "covered": 0, "total": 0, "percent": 0, "missing_lines": [], "missing": "",
        "branches_covered": null, "branches_total": null, "partial_branches": null, "rule": "lines_and_branches",
        "lines": {lines}, "branches": {branches}, "blocks": []}}]}}"#
    );
    common::write_tree(project.path(), &[("in.json", &input)]);
    let mut cmd = common::prowcov();
    cmd.current_dir(project.path());
    common::run_ok(cmd.args(["convert", "--to", "json", "-o", "once.json", "in.json"]));
    let mut cmd = common::prowcov();
    cmd.current_dir(project.path());
    common::run_ok(cmd.args(["convert", "--to", "json", "-o", "twice.json", "once.json"]));
    let once = std::fs::read_to_string(project.join("once.json")).expect("once.json");
    let twice = std::fs::read_to_string(project.join("twice.json")).expect("twice.json");
    assert_eq!(once, twice);
    // The figures are recomputed from the detail, not copied from the input's (wrong) summary.
    let doc: serde_json::Value = serde_json::from_str(&once).expect("JSON");
    assert_eq!(doc["totals"]["covered"], 2);
    assert_eq!(doc["files"][0]["missing"], "2");
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn lcov_cobertura_and_json_round_trip_the_figures() {
    let project = Project::measured(true, &[]);
    common::run_ok(&mut project.coverage(&["lcov", "-q", "-o", "cov.lcov"]));
    common::run_ok(&mut project.coverage(&["xml", "-q", "-o", "cov.xml"]));
    for (to, input, output) in [
        ("lcov", "cov.lcov", "out.lcov"),
        ("cobertura", "cov.xml", "out.xml"),
        ("json", ".coverage", "out.json"),
    ] {
        convert(&project, to, output, input);
        assert_eq!(report(&project, output), report(&project, input), "{input} -> {to}");
    }
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn coveragepy_output_is_read_by_coverage_report() {
    let project = Project::measured(false, &[]);
    let before = project.coverage_json();
    convert(&project, "coveragepy", "converted.coverage", "coverage.json");
    common::run_ok(&mut project.coverage(&["json", "-q", "--data-file=converted.coverage", "-o", "after.json"]));
    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.join("after.json")).expect("after.json")).expect("JSON");
    for (path, file) in before["files"].as_object().expect("files") {
        assert_eq!(after["files"][path]["executed_lines"], file["executed_lines"], "{path}");
    }
    assert_eq!(after["totals"]["percent_covered"], before["totals"]["percent_covered"]);
    // And prowcov reads its own output back to the same missing lines.
    let ours = json_stdout(&mut project.prowcov(&["report", "--format", "json", "converted.coverage"]));
    let original = json_stdout(&mut project.prowcov(&["report", "--format", "json", "coverage.json"]));
    assert_eq!(missing_by_file(&ours), missing_by_file(&original));
}

/// `coverage xml`'s records, minus what legitimately differs: its comments, the `<source>` root (absolute there, `.`
/// here) and the root element's `version` and `timestamp`.
fn cobertura_records(xml: &str) -> Vec<String> {
    xml.lines()
        .filter(|l| !l.trim_start().starts_with("<!--") && !l.trim_start().starts_with("<source>"))
        .map(|l| {
            match l
                .strip_prefix("<coverage ")
                .and_then(|rest| rest.split_once(" lines-valid="))
            {
                Some((_version_and_timestamp, figures)) => format!("<coverage lines-valid={figures}"),
                None => l.to_owned(),
            }
        })
        .collect()
}

/// Cobertura written from coverage.py data equals `coverage xml` record by record: rates, `condition-coverage` and
/// `missing-branches`, in branch mode and without it.
#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn cobertura_from_coverage_py_data_equals_coverage_xml() {
    for branch in [true, false] {
        let project = Project::measured(branch, &[]);
        common::run_ok(&mut project.coverage(&["xml", "-q", "-o", "theirs.xml"]));
        convert(&project, "cobertura", "ours.xml", ".coverage");
        let read = |name: &str| std::fs::read_to_string(project.join(name)).expect("xml");
        let (theirs, ours) = (read("theirs.xml"), read("ours.xml"));
        if branch {
            assert!(
                theirs.contains("missing-branches=\""),
                "the case is exercised: {theirs}"
            );
        }
        assert_eq!(
            cobertura_records(&ours),
            cobertura_records(&theirs),
            "branch={branch}\n{ours}"
        );
    }
}
