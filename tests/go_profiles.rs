//! Go cover profiles: real `go test` profiles read by prowcov agree with `go tool cover -func`, import paths map to
//! repo paths through `go.mod`, and each malformed profile gets a message naming the file and line.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use prowcov::model::{Coverage, Summary};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures/go")
}

fn read_model(path: &Path, root: &Path) -> Coverage {
    common::read_model(path, root)
}

fn read_error(name: &str) -> String {
    common::malformed_error("go", name)
}

/// `go` with its build cache under ours, so that test runs share it and leave `$HOME/.cache/go-build` alone.
fn go_in(dir: &Path) -> Command {
    let home = std::env::var_os("HOME").expect("HOME is set");
    let mut cmd = common::go();
    cmd.current_dir(dir)
        .env("GOCACHE", Path::new(&home).join(".cache/prowcov/go-build"));
    cmd
}

fn total(cov: &Coverage) -> Summary {
    let files: Vec<Summary> = cov.files.values().map(Summary::of_file).collect();
    Summary::sum(&files)
}

/// `go tool cover -func` output: the per-function percentages by file, and the `total:` percentage.
fn cover_func(module_dir: &Path, profile: &str) -> (BTreeMap<String, String>, String) {
    let out = common::stdout_ok(go_in(module_dir).args(["tool", "cover", &format!("-func={profile}")]));
    let mut per_file = BTreeMap::new();
    let mut total = None;
    for line in out.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let percent = fields.last().expect("a field").trim_end_matches('%').to_string();
        if fields[0] == "total:" {
            total = Some(percent);
        } else {
            let file = fields[0].split(':').next().expect("file:line:").to_string();
            assert!(per_file.insert(file, percent).is_none(), "one function per file: {out}");
        }
    }
    (per_file, total.unwrap_or_else(|| panic!("no total: line in\n{out}")))
}

/// Three packages in a module, one function per file so that `-func`'s per-function lines are per-file figures:
/// `calc` (tested), `geom` (tested, uses `calc`) and `util` (no tests).
const MODULE_FILES: &[(&str, &str)] = &[
    (
        "calc/sign.go",
        "package calc\n\n// Sign returns -1, 0 or 1.\nfunc Sign(x int) int {\n\tif x < 0 {\n\t\treturn -1\n\t}\n\tif x == \
         0 {\n\t\treturn 0\n\t}\n\treturn 1\n}\n",
    ),
    (
        "calc/sign_test.go",
        "package calc\n\nimport \"testing\"\n\nfunc TestSign(t *testing.T) {\n\tif Sign(5) != 1 || Sign(7) != 1 \
         {\n\t\tt.Fatal(\"sign\")\n\t}\n}\n",
    ),
    (
        "geom/area.go",
        "package geom\n\nimport \"MODULE/calc\"\n\n// Area of a rectangle with sides taken as absolute values.\nfunc \
         Area(w, h int) int {\n\tif calc.Sign(w) < 0 {\n\t\tw = -w\n\t}\n\tif calc.Sign(h) < 0 {\n\t\th = \
         -h\n\t}\n\treturn w * h\n}\n",
    ),
    (
        "geom/area_test.go",
        "package geom\n\nimport \"testing\"\n\nfunc TestArea(t *testing.T) {\n\tif Area(-2, 3) != 6 || Area(0, 1) != \
         0 {\n\t\tt.Fatal(\"area\")\n\t}\n}\n",
    ),
    (
        "util/clamp.go",
        "package util\n\n// Clamp limits x to [lo, hi].\nfunc Clamp(x, lo, hi int) int {\n\tif x < lo {\n\t\treturn \
         lo\n\t}\n\tif x > hi {\n\t\treturn hi\n\t}\n\treturn x\n}\n",
    ),
];

/// Writes the module `module_path` into `repo/<sub>`.
fn write_module(repo: &Path, sub: &str, module_path: &str) -> PathBuf {
    let dir = repo.join(sub);
    let mut files: Vec<(String, String)> = MODULE_FILES
        .iter()
        .map(|(rel, text)| (rel.to_string(), text.replace("MODULE", module_path)))
        .collect();
    files.push(("go.mod".into(), format!("module {module_path}\n\ngo 1.19\n")));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    common::write_tree(&dir, &borrowed);
    dir
}

/// Checks our per-file and total percentages against `go tool cover -func` and returns our total.
fn assert_matches_cover_func(
    cov: &Coverage,
    module_dir: &Path,
    profile: &str,
    module_path: &str,
    sub: &str,
) -> Summary {
    let (per_file, go_total) = cover_func(module_dir, profile);
    let ours: BTreeMap<String, String> = per_file
        .keys()
        .map(|import_path| {
            let rel = import_path
                .strip_prefix(&format!("{module_path}/"))
                .expect("in the module");
            let key = if sub.is_empty() {
                rel.to_string()
            } else {
                format!("{sub}/{rel}")
            };
            let file = cov
                .files
                .get(&key)
                .unwrap_or_else(|| panic!("{key} missing from {:?}", cov.files.keys()));
            (import_path.clone(), format!("{:.1}", Summary::of_file(file).percent()))
        })
        .collect();
    assert_eq!(ours, per_file);
    assert_eq!(
        cov.files.len(),
        per_file.len(),
        "no files besides those -func lists: {:?}",
        cov.files.keys()
    );
    let sum = total(cov);
    assert_eq!(format!("{:.1}", sum.percent()), go_total);
    sum
}

#[test]
#[ignore = "needs Go (scripts/test provides it)"]
fn count_mode_coverpkg_profile_matches_go_tool_cover_in_a_module_below_the_root() {
    let repo = tempfile::tempdir().expect("tempdir");
    let module_dir = write_module(repo.path(), "services/svc", "example.com/svc");
    // Each test binary writes every package's blocks (`-coverpkg=./...`), so `calc/sign.go` and the untested
    // `util/clamp.go` appear twice and must be merged, not double counted.
    common::run_ok(go_in(&module_dir).args([
        "test",
        "-covermode=count",
        "-coverpkg=./...",
        "-coverprofile=c.out",
        "./...",
    ]));
    let cov = read_model(&module_dir.join("c.out"), repo.path());
    let sum = assert_matches_cover_func(&cov, &module_dir, "c.out", "example.com/svc", "services/svc");
    // Five statements per function: Sign all covered, Area 4 of 5 (`h = -h` never runs), Clamp none.
    assert_eq!((sum.covered, sum.total), (9, 15));
    // Counts of the duplicated blocks add: `Sign` ran twice in its own test binary and four times (twice per `Area`
    // call) in geom's.
    let sign = &cov.files["services/svc/calc/sign.go"];
    assert_eq!(sign.lines.get(&4), Some(&6), "{sign:?}");
    assert_eq!(cov.files["services/svc/util/clamp.go"].missing_lines().count(), 8);
}

#[test]
#[ignore = "needs Go (scripts/test provides it)"]
fn set_mode_profile_matches_go_tool_cover_with_the_module_at_the_root() {
    let repo = tempfile::tempdir().expect("tempdir");
    let module_dir = write_module(repo.path(), "", "example.com/rootmod");
    common::run_ok(go_in(&module_dir).args(["test", "-covermode=set", "-coverprofile=s.out", "./..."]));
    let cov = read_model(&module_dir.join("s.out"), repo.path());
    let sum = assert_matches_cover_func(&cov, &module_dir, "s.out", "example.com/rootmod", "");
    // Without -coverpkg each binary covers only its own package: Sign 3 of 5 (5 and 7 take the same path), Area 4
    // of 5, and the untested util is absent.
    assert_eq!((sum.covered, sum.total), (7, 10));
    assert!(cov.files["calc/sign.go"].lines.values().all(|&hits| hits <= 1));
}

#[test]
fn concatenated_profiles_merge_and_map_through_go_mod() {
    let cov = read_model(&fixtures().join("module/concatenated.out"), &fixtures());
    assert_eq!(cov.files.keys().collect::<Vec<_>>(), ["module/calc/sign.go"]);
    let sign = &cov.files["module/calc/sign.go"];
    assert_eq!(sign.lines, BTreeMap::from([(4, 5), (5, 5), (6, 1), (7, 1), (8, 0)]));
    let sum = Summary::of_file(sign);
    assert_eq!((sum.covered, sum.total), (2, 3));
}

#[test]
fn malformed_bad_mode() {
    insta::assert_snapshot!(read_error("bad_mode.out"));
}

#[test]
fn malformed_bad_block_line() {
    insta::assert_snapshot!(read_error("bad_block.out"));
}

#[test]
fn malformed_negative_count() {
    insta::assert_snapshot!(read_error("negative_count.out"));
}

#[test]
fn malformed_inconsistent_statement_count() {
    insta::assert_snapshot!(read_error("inconsistent_numstmt.out"));
}

#[test]
fn malformed_unknown_module() {
    insta::assert_snapshot!(read_error("unknown_module.out"));
}

/// A package-level function literal (`var _ = func() {...}`) is in the profile but in no function declaration, so
/// `go tool cover -func` leaves its statements out of the total (go-cmp's 24 statements: 91.42% against -func's
/// 92.4%). The reader does too, with the source in hand; methods, generics, braces in strings and in a result type
/// do not confuse it. The same profile converted to Cobertura counts exactly the `<line>` elements it writes.
#[test]
#[ignore = "needs Go (scripts/test provides it)"]
fn package_level_function_literals_are_left_out_as_go_tool_cover_func_does() {
    let repo = tempfile::tempdir().expect("tempdir");
    let dir = repo.path();
    common::write_tree(
        dir,
        &[
            ("go.mod", "module example.com/lit\n\ngo 1.19\n"),
            (
                "lit.go",
                "package lit\n\nimport \"strings\"\n\n// Package-level literals: run at init, in no function.\n\
                 var _ = func() bool {\n\ta := 1\n\tb := a + 1\n\treturn b > 0\n}()\n\n\
                 var upper = func(s string) string {\n\tif s == \"\" {\n\t\treturn s\n\t}\n\treturn strings.ToUpper(s)\n}\n\n\
                 type T struct{ n int }\n\nfunc (t *T) Inc() { t.n++ }\n\n\
                 func Pick[V any](c bool, a, b V) V {\n\tif c {\n\t\treturn a\n\t}\n\treturn b\n}\n\n\
                 func Raw() string {\n\treturn `}{` + \"}\" + string('}')\n}\n\n\
                 func Shape() interface{ Area() int } {\n\tvar s interface{ Area() int }\n\treturn s\n}\n\n\
                 func Never() string {\n\treturn upper(\"x\")\n}\n",
            ),
            (
                "lit_test.go",
                "package lit\n\nimport \"testing\"\n\nfunc TestLit(t *testing.T) {\n\tv := &T{}\n\tv.Inc()\n\
                 \tif Pick(true, 1, 2) != 1 || Raw() != \"}{}}\" || Shape() != nil {\n\t\tt.Fatal(\"lit\")\n\t}\n}\n",
            ),
        ],
    );
    common::run_ok(go_in(dir).args(["test", "-coverprofile=p.out", "./..."]));
    let func = common::stdout_ok(go_in(dir).args(["tool", "cover", "-func=p.out"]));
    let go_total = func
        .lines()
        .find(|l| l.starts_with("total:"))
        .and_then(|l| l.split_whitespace().last())
        .map(|p| p.trim_end_matches('%').to_owned())
        .unwrap_or_else(|| panic!("no total in {func}"));
    let cov = read_model(&dir.join("p.out"), dir);
    let sum = total(&cov);
    assert_eq!(format!("{:.1}", sum.percent()), go_total);
    // Inc 1, Pick 3, Raw 1, Shape 2, Never 1 statements; of them only Pick's `return b` and Never's did not run.
    assert_eq!((sum.covered, sum.total), (6, 8));
    let profile = std::fs::read_to_string(dir.join("p.out")).expect("profile");
    let all_blocks: u64 = profile
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(' ').nth(1)?.parse::<u64>().ok())
        .sum();
    assert_eq!(all_blocks, 8 + 3 + 3, "the profile holds the literals' statements too");
    let lit = &cov.files["lit.go"];
    assert!(
        !lit.lines.contains_key(&7) && !lit.lines.contains_key(&13),
        "the literals' lines are not measured: {lit:?}"
    );

    // Cobertura: `lines-valid` and `lines-covered` are the `<line>` elements written, and reading the file back gives
    // its own figures.
    let xml_path = dir.join("p.xml");
    common::run_ok(
        common::prowcov()
            .args(["convert", "--to", "cobertura", "--root"])
            .arg(dir)
            .arg("-o")
            .arg(&xml_path)
            .arg(dir.join("p.out")),
    );
    let xml = std::fs::read_to_string(&xml_path).expect("xml");
    let attr = |name: &str| -> u64 {
        let start = xml.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
        xml[start..]
            .split('"')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("a number")
    };
    let elements: Vec<&str> = xml.lines().filter(|l| l.trim_start().starts_with("<line ")).collect();
    assert_eq!(attr("lines-valid"), elements.len() as u64, "{xml}");
    assert_eq!(
        attr("lines-covered"),
        elements.iter().filter(|l| !l.contains("hits=\"0\"")).count() as u64,
        "{xml}"
    );
    assert_eq!(attr("lines-valid"), lit.lines.len() as u64);
    let back = read_model(&xml_path, dir);
    let back = total(&back);
    assert_eq!((back.covered, back.total), (attr("lines-covered"), attr("lines-valid")));
}
