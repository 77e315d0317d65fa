//! C measured by gcc and lcov, as a C project's CI does: prowcov keeps what geninfo recorded (functions, branches on
//! lines that never ran) when it converts, and its HTML shows genhtml's function figure.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const PROGRAM: &str = "#include <stdio.h>\n\nstatic int sign(int x) {\n  if (x > 0)\n    return 1;\n  if (x < 0)\n    \
                       return -1;\n  return 0;\n}\n\nint never(int y) {\n  if (y > 3 && y < 10)\n    return y * 2;\n  \
                       return 0;\n}\n\nint main(int argc, char **argv) {\n  (void)argv;\n  printf(\"%d\\n\", \
                       sign(argc));\n  return 0;\n}\n";

/// Builds and runs the program with coverage, then captures `cov.info` with branch data.
fn measured(dir: &Path) {
    common::write_tree(dir, &[("prog.c", PROGRAM)]);
    let run = |program: &str, args: &[&str]| {
        common::run_ok(Command::new(program).args(args).current_dir(dir));
    };
    run("gcc", &["--coverage", "-O0", "-o", "prog", "prog.c"]);
    run("./prog", &[]);
    run(
        "lcov",
        &[
            "--quiet",
            "--capture",
            "--directory",
            ".",
            "--rc",
            "lcov_branch_coverage=1",
            "-o",
            "cov.info",
        ],
    );
}

/// The records of a tracefile other than its summaries, which prowcov recomputes.
fn records(text: &str, keys: &[&str]) -> BTreeSet<String> {
    text.lines()
        .filter(|l| keys.iter().any(|k| l.starts_with(&format!("{k}:"))))
        .map(str::to_owned)
        .collect()
}

#[test]
#[ignore = "needs gcc and lcov (scripts/test provisions them)"]
fn lcov_from_gcc_keeps_functions_and_untaken_branches() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    measured(dir);
    common::run_ok(
        common::prowcov()
            .current_dir(dir)
            .args(["convert", "--to", "lcov", "-o", "out.info", "cov.info"]),
    );
    let theirs = std::fs::read_to_string(dir.join("cov.info")).expect("cov.info");
    let ours = std::fs::read_to_string(dir.join("out.info")).expect("out.info");
    let keys = ["FN", "FNDA", "DA", "BRDA"];
    assert_eq!(records(&ours, &keys), records(&theirs, &keys), "{ours}");
    assert!(theirs.contains("BRDA:12,0,0,-"), "the case is exercised: {theirs}");
    assert!(ours.contains("FNF:3\nFNH:2\n"), "{ours}");

    // A round trip through prowcov JSON keeps the functions too.
    common::run_ok(
        common::prowcov()
            .current_dir(dir)
            .args(["convert", "--to", "json", "-o", "out.json", "cov.info"]),
    );
    common::run_ok(common::prowcov().current_dir(dir).args([
        "convert",
        "--to",
        "lcov",
        "-o",
        "again.info",
        "out.json",
    ]));
    assert_eq!(
        std::fs::read_to_string(dir.join("again.info")).expect("again.info"),
        ours
    );
}

/// genhtml's header has "Functions: 2 3 66.7 %"; prowcov's index and page show the same figure.
#[test]
#[ignore = "needs gcc and lcov (scripts/test provisions them)"]
fn html_from_c_shows_the_function_figure_genhtml_shows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    measured(dir);
    common::run_ok(
        Command::new("genhtml")
            .args(["--quiet", "-o", "genhtml", "cov.info"])
            .current_dir(dir),
    );
    let genhtml = std::fs::read_to_string(dir.join("genhtml/index.html")).expect("genhtml index");
    let after = genhtml.split("Functions:").nth(1).expect("genhtml shows functions");
    let cells: Vec<&str> = after
        .split("headerCovTableEntry")
        .skip(1)
        .take(3)
        .map(|c| {
            c.split('>')
                .nth(1)
                .and_then(|v| v.split('<').next())
                .unwrap_or("")
                .trim()
        })
        .collect();
    let (hit, found, percent) = (cells[0], cells[1], cells[2].trim_end_matches(" %"));
    common::run_ok(
        common::prowcov()
            .current_dir(dir)
            .args(["html", "-o", "html", "cov.info"]),
    );
    let expected = format!("<span>{hit} of {found} functions ({percent}%)</span>");
    let index = std::fs::read_to_string(dir.join("html/index.html")).expect("index");
    assert!(index.contains(&expected), "{expected} in {index}");
    let page = std::fs::read_dir(dir.join("html/files"))
        .expect("pages")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().contains("prog"))
        .expect("the page of prog.c");
    let page = std::fs::read_to_string(page.path()).expect("page");
    assert!(page.contains(&expected), "{expected} in {page}");
}
