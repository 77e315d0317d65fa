//! `prowcov html` and `prowcov junit`: pages from real coverage.py data (snapshots), hostile names and sources, the
//! JUnit XML read back by junitparser, and the report opened in headless Chromium.

mod common;
mod pyproject;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use prowcov::model::{Coverage, FileCoverage, PercentRule};
use prowcov::render::html::{self, HtmlOptions, HtmlOverlay, MARKER};
use pyproject::Project;

/// A measured project with its coverage.py JSON, a changed-files list and a history beside it.
fn project_with_extras() -> Project {
    let project = Project::measured(true, &[]);
    common::run_ok(&mut project.coverage(&["json", "-q", "-o", "coverage.json"]));
    common::write_tree(
        project.path(),
        &[
            ("changes.txt", "pkg/calc.py:5-7,14\nmain.py\nnew/not_measured.py:1\n"),
            ("history.txt", "build-1 61.0\nbuild-2 70.5\nbuild-3 72.0\n"),
        ],
    );
    project
}

fn html_of(project: &Project, extra: &[&str]) -> std::path::PathBuf {
    let mut args = vec!["html", "-o", "report", "--title", "demo <coverage>", "coverage.json"];
    args.extend_from_slice(extra);
    common::run_ok(&mut project.prowcov(&args));
    project.join("report")
}

/// The page of `path`, found through the index's link (page names are hashes).
fn page_of(report: &Path, path: &str) -> String {
    let index = std::fs::read_to_string(report.join("index.html")).expect("index");
    let needle = format!("\">{path}</a>");
    let at = index
        .find(&needle)
        .unwrap_or_else(|| panic!("{path} not linked from the index"));
    let start = index[..at].rfind("href=\"").expect("href") + 6;
    std::fs::read_to_string(report.join(&index[start..at])).expect("page")
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn pages_from_coverage_py_data() {
    let project = project_with_extras();
    let report = html_of(
        &project,
        &["--changed-files", "changes.txt", "--history", "history.txt"],
    );
    let index = std::fs::read_to_string(report.join("index.html")).expect("index");
    insta::assert_snapshot!("index", index);
    insta::assert_snapshot!("calc_page", page_of(&report, "pkg/calc.py"));
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn changed_only_lists_the_changed_files_and_output_is_reproducible() {
    let project = project_with_extras();
    let report = html_of(&project, &["--changed-files", "changes.txt", "--changed-only"]);
    let files = common::list_tree(&report);
    assert_eq!(
        files.len(),
        1 + 2 + 1,
        "index, two changed measured files, marker: {files:?}"
    );
    let first: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(report.join(f)).expect("read"))
        .collect();
    let index = String::from_utf8(first[files.iter().position(|f| f.ends_with("index.html")).expect("index")].clone())
        .expect("utf-8");
    assert!(
        index.contains("new/not_measured.py"),
        "changed files without data are listed"
    );
    assert!(!index.contains(">pkg/f2.py<"), "unchanged files are not");

    // Again into the same folder: replaced whole, same bytes.
    html_of(&project, &["--changed-files", "changes.txt", "--changed-only"]);
    let again: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(report.join(f)).expect("read"))
        .collect();
    assert_eq!(common::list_tree(&report), files);
    assert!(first == again, "same input, same bytes");
}

#[test]
fn hostile_names_and_sources_are_escaped_and_stay_in_the_output_folder() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path().join("repo");
    let long_line = format!("x = '{}'\n", "A".repeat(100_000));
    let mut hostile_bytes = b"ok = 1\nbad = '\xff\xfe<script>alert(1)</script>'\n".to_vec();
    hostile_bytes.extend_from_slice(long_line.as_bytes());
    let names = [
        "src/<script>alert(1)</script>.py",
        "src/a|b @org/team #1.py",
        "../outside.py",
        "/etc/passwd",
        "../../x.py",
        "src/a/b.py",
        "src/a_b.py",
        "src/quote\"'.py",
    ];
    std::fs::create_dir_all(root.join("src/a")).expect("mkdir");
    // `</script>` holds a `/`: the name is a folder and a file in the source tree.
    std::fs::create_dir_all(root.join(names[0]).parent().expect("parent")).expect("mkdir");
    std::fs::write(root.join(names[0]), &hostile_bytes).expect("write");
    std::fs::write(work.path().join("outside.py"), "SECRET = 'do not publish'\n").expect("write");
    std::fs::write(root.join(names[5]), "y = 2\n").expect("write");

    let mut coverage = Coverage::default();
    for name in names {
        let mut f = FileCoverage::new(PercentRule::Lines);
        f.lines.extend([(1, 1), (2, 0), (3, 4)]);
        coverage.files.insert(name.to_string(), f);
    }
    let options = HtmlOptions {
        title: "<img src=x onerror=alert(1)>".into(),
        links: vec![
            ("job <b>".into(), "https://prow.example/view?a=1&b=\"2\"".into()),
            ("evil".into(), "javascript:alert(1)".into()),
        ],
        history: vec![("<svg onload=alert(1)>".into(), 50.0)],
        overlay: Some(HtmlOverlay {
            changed_lines: BTreeMap::from([(names[0].to_string(), BTreeSet::from([2]))]),
            ..HtmlOverlay::default()
        }),
        ..HtmlOptions::default()
    };
    let out = work.path().join("out");
    let stats = prowcov::publish::html_report(&coverage, &root, &options, &out).expect("report");
    assert_eq!(stats.pages, names.len());

    // Nothing outside the output folder: the work dir holds only what the test made.
    let mut top: Vec<_> = std::fs::read_dir(work.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["out", "outside.py", "repo"]);
    let files = common::list_tree(&out);
    assert_eq!(
        files.len(),
        names.len() + 2,
        "index, one page per file, marker: {files:?}"
    );
    let pages: BTreeSet<_> = files.iter().filter(|f| f.starts_with("files")).collect();
    assert_eq!(pages.len(), names.len(), "unique page names");
    for f in &files {
        let name = f.to_string_lossy();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c)),
            "unsafe output name {name}"
        );
    }

    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert_eq!(index.matches("<script").count(), 1, "only the report's own script");
    assert!(!index.contains("<img") && !index.contains("<svg onload"));
    assert!(index.contains("&lt;script&gt;alert(1)&lt;/script&gt;.py"));
    assert!(index.contains("href=\"https://prow.example/view?a=1&amp;b=&quot;2&quot;\""));
    assert!(!index.contains("javascript:"), "only http(s) links are kept");
    let mut all_pages = String::new();
    for f in &pages {
        let page = std::fs::read_to_string(out.join(f)).expect("page");
        // The page's own script (jumping to missed and changed lines) and nothing from the data.
        assert_eq!(
            page.matches("<script").count(),
            1,
            "file pages carry only their own script, and data none: {}",
            f.display()
        );
        assert!(!page.contains("<img"));
        all_pages.push_str(&page);
    }
    assert!(
        !all_pages.contains("do not publish"),
        "a source outside the root is never read"
    );
    assert!(!all_pages.contains("root:"), "/etc/passwd is never read");
    assert_eq!(all_pages.matches("outside the repository root").count(), 2);
    let hostile = page_of(&out, "src/&lt;script&gt;alert(1)&lt;/script&gt;.py");
    assert!(hostile.contains("bad = '\u{fffd}\u{fffd}&lt;script&gt;alert(1)&lt;/script&gt;'"));
    assert!(hostile.contains("more characters not shown"), "the long line is cut");
    assert!(hostile.len() < 20_000, "a 100,000-character line is not copied whole");
    assert!(
        hostile.contains("<tr id=L2 class=m><td class=on>+"),
        "changed line marked"
    );
}

#[test]
fn existing_folders_are_replaced_only_when_they_are_reports() {
    let work = tempfile::tempdir().expect("tempdir");
    let mut coverage = Coverage::default();
    coverage.files.insert("a.py".into(), FileCoverage::default());
    let out = work.path().join("precious");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("thesis.tex"), "years of work").expect("write");
    let err = prowcov::publish::html_report(&coverage, work.path(), &HtmlOptions::default(), &out).unwrap_err();
    assert!(err.to_string().contains("not a prowcov report"), "{err}");
    assert!(out.join("thesis.tex").exists());

    let report = work.path().join("report");
    prowcov::publish::html_report(&coverage, work.path(), &HtmlOptions::default(), &report).expect("first");
    assert!(report.join(MARKER).is_file());
    prowcov::publish::html_report(&coverage, work.path(), &HtmlOptions::default(), &report).expect("replace");
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".prowcov"))
        .collect();
    assert!(leftovers.is_empty(), "no staging folders left: {leftovers:?}");
}

#[test]
fn usage_errors_name_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("c.lcov"), "SF:a.py\nDA:1,1\nend_of_record\n").expect("write");
    let run = |args: &[&str]| {
        let out = common::prowcov()
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("run");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, err) = run(&["junit", "-o", "coverage.xml", "c.lcov"]);
    assert_eq!(code, Some(64));
    assert!(
        err.contains("junit_*.xml") && err.contains("junit_coverage.xml"),
        "{err}"
    );
    std::fs::write(dir.path().join("changes.txt"), "a.py:1\n").expect("write");
    let (code, err) = run(&[
        "html",
        "-o",
        "r",
        "--base-ref",
        "main",
        "--changed-files",
        "changes.txt",
        "c.lcov",
    ]);
    assert_eq!(code, Some(64));
    assert!(err.contains("pass one of them"), "{err}");
    let (code, err) = run(&["html", "-o", "r", "--changed-only", "c.lcov"]);
    assert_eq!(code, Some(64));
    assert!(err.contains("--changed-files"), "{err}");
    assert!(!dir.path().join("r").exists());
}

/// `--base-ref` takes the changed lines from git, as `prowcov diff` does: only the changed file gets a page, and its
/// added lines are marked in the gutter.
#[test]
fn changed_lines_from_git_with_base_ref() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = common::GitRepo::init(&tmp.path().join("repo"));
    repo.commit("base", &[("a.py", "x = 1\ny = 2\n"), ("b.py", "z = 3\n")]);
    repo.git(&["branch", "base"]);
    repo.commit("pr", &[("a.py", "x = 1\ny = 2\nw = 4\nv = 5\n")]);
    std::fs::write(
        repo.dir.join("c.lcov"),
        "SF:a.py\nDA:1,1\nDA:2,1\nDA:3,1\nDA:4,0\nend_of_record\nSF:b.py\nDA:1,1\nend_of_record\n",
    )
    .expect("write");
    common::run_ok(common::prowcov().current_dir(&repo.dir).args([
        "html",
        "-o",
        "r",
        "--changed-only",
        "--base-ref",
        "base",
        "c.lcov",
    ]));
    let report = repo.dir.join("r");
    let pages = common::list_tree(&report.join("files"));
    assert_eq!(pages.len(), 1, "only the changed file: {pages:?}");
    let page = page_of(&report, "a.py");
    assert_eq!(
        page.matches("<td class=on>+").count(),
        2,
        "lines 3 and 4 marked as changed"
    );
}

/// A case as junitparser reads it: name, classname, properties, failure messages.
type JunitCase = (String, String, BTreeMap<String, String>, Vec<String>);

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn junit_read_back_by_junitparser_matches_coverage_py() {
    let project = Project::measured(true, &[]);
    let json = project.coverage_json();
    common::run_ok(&mut project.prowcov(&["junit", "-o", "junit_coverage.xml", "--threshold", "80", ".coverage"]));
    let script = r#"
import json, sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml) if hasattr(xml, "__iter__") else [xml]
out = []
for suite in suites:
    for case in suite:
        props = {p.get("name"): p.get("value") for p in case._elem.iter("property")}
        failures = [r.message for r in case.result if isinstance(r, Failure)]
        out.append([case.name, case.classname, props, failures])
print(json.dumps(out))
"#;
    let printed = common::stdout_ok(
        std::process::Command::new(common::python())
            .current_dir(project.path())
            .args(["-c", script, "junit_coverage.xml"]),
    );
    let cases: Vec<JunitCase> = serde_json::from_str(printed.lines().last().expect("a line")).expect("json");

    let mut expected: Vec<(String, f64)> = vec![(
        "OVERALL".into(),
        json["totals"]["percent_covered"].as_f64().expect("total"),
    )];
    let files = json["files"].as_object().expect("files");
    for (path, f) in files {
        expected.push((path.clone(), f["summary"]["percent_covered"].as_f64().expect("percent")));
    }
    assert_eq!(cases[0].0, "OVERALL");
    for (name, pct) in &expected {
        let case = cases
            .iter()
            .find(|c| &c.0 == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        assert_eq!(case.1, "coverage", "classname of {name}");
        assert_eq!(case.2["coverage"], format!("{pct:.1}"), "coverage of {name}");
        let want: Vec<String> = if *pct < 80.0 {
            vec![format!("coverage {pct:.1}% is below threshold 80%")]
        } else {
            vec![]
        };
        assert_eq!(case.3, want, "failure of {name}");
    }
    let pkg = cases.iter().find(|c| c.0 == "pkg").expect("directory case");
    let (mut num, mut den) = (0u64, 0u64);
    for (path, f) in files.iter().filter(|(p, _)| p.starts_with("pkg/")) {
        let s = &f["summary"];
        let get = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("{path}: {k}"));
        num += get("covered_lines") + get("covered_branches");
        den += get("num_statements") + get("num_branches");
    }
    assert_eq!(pkg.2["coverage"], format!("{:.1}", 100.0 * num as f64 / den as f64));
    assert_eq!(cases.len(), expected.len() + 1, "OVERALL, files, and the one directory");
}

#[test]
#[ignore = "needs chromium (scripts/test provides it)"]
fn chromium_renders_the_report_without_script_errors() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path().join("repo");
    common::write_tree(
        &root,
        &[
            ("pkg/a.py", "a = 1\nb = 2\n"),
            ("pkg/sub/c.py", "c = 3\n"),
            ("top.py", "t = 1\n"),
        ],
    );
    let mut coverage = Coverage::default();
    for (name, hits) in [
        ("pkg/a.py", [1, 0]),
        ("pkg/sub/c.py", [1, 1]),
        ("top.py", [0, 0]),
        ("gone.py", [1, 1]),
    ] {
        let mut f = FileCoverage::default();
        f.lines.extend([(1, hits[0]), (2, hits[1])]);
        coverage.files.insert(name.into(), f);
    }
    let options = HtmlOptions {
        title: "browser check".into(),
        history: vec![("a".into(), 40.0), ("b".into(), 60.0)],
        ..HtmlOptions::default()
    };
    let out = work.path().join("report");
    prowcov::publish::html_report(&coverage, &root, &options, &out).expect("report");

    let profile = work.path().join("profile");
    let index = out.join("index.html");
    let output = common::run_ok(
        common::chromium(&profile)
            .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
            .arg(format!("file://{}", index.display())),
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    let console = String::from_utf8_lossy(&output.stderr);
    assert!(
        dom.contains("data-script=\"ready\""),
        "the script ran to the end:\n{dom}"
    );
    assert!(
        !dom.contains("id=\"js-error\""),
        "script error shown in the page:\n{dom}"
    );
    let messages: Vec<&str> = console.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(messages.is_empty(), "console messages: {messages:#?}");
    assert!(!console.contains("Uncaught"), "{console}");
    assert_eq!(
        dom.matches("<tr><td class=\"name\">").count(),
        4,
        "one row per file:\n{dom}"
    );

    // Every link between the pages resolves to a file of the report.
    let href = regex_lite_hrefs(&dom);
    assert_eq!(href.len(), 4);
    for h in &href {
        let page = out.join(h);
        assert!(page.is_file(), "{h} does not exist");
        let text = std::fs::read_to_string(&page).expect("page");
        for back in regex_lite_hrefs(&text).iter().filter(|h| !h.starts_with('#')) {
            assert!(
                page.parent().expect("dir").join(back).is_file(),
                "{back} from {h} does not exist"
            );
        }
    }
    let gone =
        std::fs::read_to_string(out.join(href.iter().find(|h| h.contains("gone")).expect("gone"))).expect("page");
    assert!(gone.contains("Source not available"), "a missing source says so");
}

/// On a long page the keys `j`/`k` go to the next/previous run of missed lines and `n`/`p` to the next/previous
/// run of changed lines, wrapping around; pressed in headless Chromium on the page as written.
#[test]
#[ignore = "needs chromium (scripts/test provides it)"]
fn keys_jump_to_the_next_missed_and_changed_lines() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path().join("repo");
    let source: String = (1..=200).map(|n| format!("x{n} = {n}\n")).collect();
    common::write_tree(&root, &[("long.py", &source)]);
    let mut file = FileCoverage::new(PercentRule::Lines);
    // Missed runs start at 40 and 150; changed runs at 10 and 120.
    file.lines
        .extend((1..=200).map(|n| (n, u64::from(!(40..=45).contains(&n) && n != 150))));
    let coverage = Coverage {
        files: BTreeMap::from([("long.py".to_string(), file)]),
    };
    let options = HtmlOptions {
        overlay: Some(HtmlOverlay {
            changed_lines: BTreeMap::from([("long.py".to_string(), BTreeSet::from([10, 11, 120]))]),
            ..HtmlOverlay::default()
        }),
        ..HtmlOptions::default()
    };
    let out = work.path().join("report");
    prowcov::publish::html_report(&coverage, &root, &options, &out).expect("report");
    let page = std::fs::read_dir(out.join("files"))
        .expect("pages")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("long.py"))
        .expect("the page");
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(
        html.contains("<a href=\"#L40\" data-jump=\"m\">"),
        "without script, the first missed line"
    );
    // The test presses the keys after the page's own script has run, and writes where each press led.
    let harness = html.replace(
        "</body>",
        "<script>document.addEventListener('DOMContentLoaded', function () { var seen = [];\
         'jjjknnnp'.split('').forEach(function (k) { document.dispatchEvent(new KeyboardEvent('keydown', {key: k})); \
         seen.push(location.hash); }); document.body.setAttribute('data-seen', seen.join(' ')); });</script></body>",
    );
    let harness_path = page.with_file_name("harness.html");
    std::fs::write(&harness_path, harness).expect("harness");
    let profile = work.path().join("profile");
    let output = common::run_ok(
        common::chromium(&profile)
            .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
            .arg(format!("file://{}", harness_path.display())),
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(!dom.contains("id=\"js-error\""), "{dom}");
    assert!(
        dom.contains("data-seen=\"#L40 #L150 #L40 #L150 #L10 #L120 #L10 #L120\""),
        "{}",
        dom.lines().find(|l| l.contains("<body")).unwrap_or_default()
    );
}

/// A module imported from a zip (`sys.path` holds `lib.zip`) is measured and rendered by coverage.py through
/// `zipimport`; prowcov's page shows the same source. A compressed member says why it is not shown.
#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn a_source_inside_a_zip_is_rendered_as_coverage_html_renders_it() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let make = "import zipfile\n\
                with zipfile.ZipFile('lib.zip', 'w') as z:\n    \
                z.writestr('zmod.py', 'def hello():\\n    return 41 + 1\\n\\n\\ndef unused():\\n    return 0\\n')\n\
                with zipfile.ZipFile('packed.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n    \
                z.writestr('pmod.py', 'def packed():\\n    return 7\\n')\n";
    common::write_tree(
        dir,
        &[
            ("make.py", make),
            (
                "main.py",
                "import sys\nsys.path[:0] = ['lib.zip', 'packed.zip']\nimport zmod, pmod\nzmod.hello()\npmod.packed()\n",
            ),
        ],
    );
    common::run_ok(
        common::python_module("coverage")
            .current_dir(dir)
            .args(["run", "make.py"]),
    );
    common::run_ok(
        common::python_module("coverage")
            .current_dir(dir)
            .args(["run", "main.py"]),
    );
    common::run_ok(
        common::python_module("coverage")
            .current_dir(dir)
            .args(["html", "-q", "-d", "theirs"]),
    );
    let theirs = std::fs::read_dir(dir.join("theirs"))
        .expect("htmlcov")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().ends_with("zmod_py.html"))
        .expect("coverage html renders the zipped module");
    let theirs = std::fs::read_to_string(theirs.path()).expect("page");
    assert!(
        theirs.contains("41") && theirs.contains("unused"),
        "coverage html shows the source"
    );
    common::run_ok(
        common::prowcov()
            .current_dir(dir)
            .env("PROWCOV_PYTHON", common::python())
            .args(["html", "-o", "ours", ".coverage"]),
    );
    let page = |stem: &str| {
        let found = std::fs::read_dir(dir.join("ours/files"))
            .expect("pages")
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().contains(stem))
            .unwrap_or_else(|| panic!("a page for {stem}"));
        std::fs::read_to_string(found.path()).expect("page")
    };
    let ours = page("lib.zip_zmod.py");
    assert!(!ours.contains("id=\"no-source\""), "{ours}");
    assert!(
        ours.contains("    return 41 + 1") && ours.contains("def unused():"),
        "{ours}"
    );
    let packed = page("packed.zip_pmod.py");
    assert!(
        packed.contains("pmod.py is compressed in its archive (method 8); prowcov reads stored members only"),
        "{packed}"
    );
}

/// The `href` values of a page that are not anchors or web links.
fn regex_lite_hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(h, _)| h.to_string()))
        .filter(|h| !h.starts_with('#') && !h.starts_with("http"))
        .collect()
}

#[test]
fn base_and_delta_columns_appear_with_base_figures() {
    let mut f = FileCoverage::default();
    f.lines.extend([(1, 1), (2, 1), (3, 0), (4, 1)]);
    let coverage = Coverage {
        files: BTreeMap::from([("a.py".to_string(), f)]),
    };
    let overlay = HtmlOverlay {
        changed_lines: BTreeMap::from([("a.py".to_string(), BTreeSet::from([3, 4, 9]))]),
        base_percent: BTreeMap::from([("a.py".to_string(), 65.0)]),
        ..HtmlOverlay::default()
    };
    let options = HtmlOptions {
        overlay: Some(overlay),
        ..HtmlOptions::default()
    };
    let rendered = html::render_report(&coverage, &options, &|_| html::Source::Unavailable("test".into()));
    let index = &rendered.pages[0].1;
    assert!(index.contains(">\u{394}</th>"), "delta column");
    assert!(
        index.contains(">65.0%</td><td data-v=\"10.000000\">+10.0</td>"),
        "{index}"
    );
    assert!(
        index.contains(">50.0% (1/2)</td>"),
        "patch: lines 3 and 4 measured, 9 not: {index}"
    );
}
