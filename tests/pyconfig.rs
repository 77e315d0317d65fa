//! Parity of `prowcov::python::config` and `prowcov::python::paths` with coverage.py itself: each test builds temp
//! directories, asks the real coverage.py (through a small harness) what it reads or how it maps, and compares
//! with our answer for the same inputs. Needs coverage.py, so the tests are ignored under a bare `cargo test`.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use prowcov::python::config::{CoverageConfig, load_with_env};
use prowcov::python::paths::PathAliases;
use serde_json::{Value, json};

/// Runs coverage.py on one JSON request (see the modes below) and returns its JSON answer.
const HARNESS: &str = r#"
import json, os, sys
from coverage import files
from coverage.config import read_coverage_config

req = json.load(sys.stdin)
os.chdir(req["cwd"])
for name in ("COVERAGE_FILE", "COVERAGE_RCFILE", "COVERAGE_DEBUG", "COVERAGE_CORE", "COVERAGE_FORCE_CONFIG"):
    os.environ.pop(name, None)
os.environ.update(req.get("env", {}))

def config():
    warnings = []
    try:
        c = read_coverage_config(config_file=req["rcfile"] or True, warn=warnings.append)
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}
    return {
        "config_file": c.config_file, "data_file": c.data_file, "relative_files": c.relative_files,
        "branch": c.branch, "parallel": c.parallel, "paths": [[k, v] for k, v in c.paths.items()],
        "precision": c.precision, "fail_under": c.fail_under, "source": c.source, "report_omit": c.report_omit,
        "exclude_lines": c.exclude_list, "warnings": sorted(warnings),
    }

def paths():
    files.set_relative_directory()
    aliases = files.PathAliases(relative=req["relative"])
    try:
        for pattern, result in req["rules"]:
            aliases.add(pattern, result)
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}
    return {"mapped": [aliases.map(p) for p in req["paths"]]}

print(json.dumps({"config": config, "paths": paths}[req["mode"]]()))
"#;

fn coverage_py(request: &Value) -> Value {
    let mut child = std::process::Command::new(common::python())
        .arg("-c")
        .arg(HARNESS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the coverage.py harness");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(request.to_string().as_bytes())
        .expect("write the request");
    let out = child.wait_with_output().expect("run the coverage.py harness");
    assert!(
        out.status.success(),
        "harness failed on {request}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("harness prints JSON")
}

/// A temp dir with `files`, canonical so that coverage.py's realpath and ours agree on it.
fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    common::write_tree(&root, files);
    (dir, root)
}

/// One configuration scenario: files in the directory, the `--rcfile` value and the environment.
struct ConfigCase<'a> {
    name: &'a str,
    files: &'a [(&'a str, &'a str)],
    rcfile: Option<&'a str>,
    env: &'a [(&'a str, &'a str)],
}

impl ConfigCase<'_> {
    const fn new<'a>(name: &'a str, files: &'a [(&'a str, &'a str)]) -> ConfigCase<'a> {
        ConfigCase {
            name,
            files,
            rcfile: None,
            env: &[],
        }
    }
}

/// Our configuration in the harness's JSON shape.
fn ours_as_json(config: &CoverageConfig, warnings: Vec<String>) -> Value {
    json!({
        "config_file": config.config_file.as_ref().map(|p| p.display().to_string()),
        "data_file": config.data_file.display().to_string(),
        "relative_files": config.relative_files,
        "branch": config.branch,
        "parallel": config.parallel,
        "paths": config.paths.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "precision": config.precision,
        "fail_under": config.fail_under,
        "source": config.source,
        "report_omit": config.report_omit,
        "exclude_lines": config.exclude_lines,
        "warnings": warnings,
    })
}

fn assert_config_parity(cases: &[ConfigCase<'_>]) {
    for case in cases {
        let (_dir, root) = tree(case.files);
        let env: BTreeMap<String, String> = case.env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let theirs = coverage_py(&json!({"mode": "config", "cwd": root, "rcfile": case.rcfile, "env": env}));
        // coverage.py sees the real environment plus the case's; HOME is the only other variable these cases use.
        let lookup = |name: &str| {
            env.get(name)
                .cloned()
                .or_else(|| std::env::var(name).ok().filter(|_| name == "HOME"))
        };
        let ours = load_with_env(case.rcfile.map(Path::new), &root, &lookup);
        match (ours, theirs.get("error")) {
            (Ok(config), None) => {
                let mut warnings = config.warnings.clone();
                warnings.sort();
                assert_eq!(ours_as_json(&config, warnings), theirs, "case {:?}", case.name);
            }
            (Err(ours), Some(theirs)) => {
                // Both refuse the configuration; the wording is ours (file, line, what was expected).
                assert_eq!(ours.exit_code(), 78, "case {:?}: {ours}", case.name);
                eprintln!("case {:?}: ours {ours:?}; coverage.py {theirs}", case.name);
            }
            (ours, theirs) => panic!("case {:?}: ours {ours:?}, coverage.py {theirs:?}", case.name),
        }
    }
}

const RUN_SETTINGS: &str = "branch = true\nparallel = on\nrelative_files = 1\ndata_file = out/.cov\nsource = a, b\n";

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn each_discovery_file_kind_matches_coverage_py() {
    let coveragerc = format!("[run]\n{RUN_SETTINGS}[report]\nprecision = 2\nfail_under = 87.5\n");
    let coveragerc_prefixed = format!("[coverage:run]\n{RUN_SETTINGS}");
    let toml_top = "[run]\nbranch = true\nsource = [\"a\", \"b\"]\n[report]\nprecision = 3\nfail_under = 90\n";
    let toml_tool = "[tool.coverage.run]\nparallel = true\ndata_file = \"x.cov\"\n[tool.coverage.paths]\nsrc = [\"src/\", \"/ci/*/src/\"]\n";
    let setup_cfg = format!(
        "[metadata]\nname = x\n[coverage:run]\n{RUN_SETTINGS}[coverage:report]\nomit =\n  */tests/*\n  */vendor/*\n"
    );
    assert_config_parity(&[
        ConfigCase::new("nothing", &[]),
        ConfigCase::new(".coveragerc", &[(".coveragerc", &coveragerc)]),
        ConfigCase::new(
            ".coveragerc with coverage: prefix",
            &[(".coveragerc", &coveragerc_prefixed)],
        ),
        ConfigCase::new(".coveragerc.toml", &[(".coveragerc.toml", toml_top)]),
        ConfigCase::new("setup.cfg", &[("setup.cfg", &setup_cfg)]),
        ConfigCase::new("tox.ini", &[("tox.ini", &setup_cfg)]),
        ConfigCase::new("pyproject.toml", &[("pyproject.toml", toml_tool)]),
        ConfigCase {
            rcfile: Some("ci/cov.ini"),
            ..ConfigCase::new(
                "explicit rcfile",
                &[("ci/cov.ini", &coveragerc), ("setup.cfg", &setup_cfg)],
            )
        },
        ConfigCase {
            rcfile: Some("cov.toml"),
            ..ConfigCase::new("explicit TOML rcfile", &[("cov.toml", toml_top)])
        },
        ConfigCase {
            env: &[("COVERAGE_RCFILE", "other.cfg")],
            ..ConfigCase::new(
                "COVERAGE_RCFILE",
                &[("other.cfg", &coveragerc), (".coveragerc", "[run]\nbranch = 0\n")],
            )
        },
        ConfigCase::new(
            "unprefixed sections in setup.cfg are not coverage's",
            &[("setup.cfg", &coveragerc)],
        ),
    ]);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn first_file_with_settings_wins_like_coverage_py() {
    let settings = "[coverage:report]\nprecision = 4\n";
    assert_config_parity(&[
        ConfigCase::new(
            "setup.cfg without coverage settings is passed over",
            &[
                ("setup.cfg", "[metadata]\nname = x\n[coverage:run]\nnot_an_option = 1\n"),
                ("tox.ini", settings),
                ("pyproject.toml", "[tool.coverage.report]\nprecision = 1\n"),
            ],
        ),
        ConfigCase::new(
            "an empty .coveragerc still wins",
            &[(".coveragerc", ""), ("setup.cfg", settings)],
        ),
        ConfigCase::new(
            "pyproject.toml without tool.coverage",
            &[
                ("pyproject.toml", "[tool.black]\nline-length = 1\n"),
                ("tox.ini", "[tox]\n"),
            ],
        ),
        ConfigCase::new(
            "[paths] alone counts as settings",
            &[
                ("setup.cfg", "[coverage:paths]\nsource =\n    src\n    */src\n"),
                ("tox.ini", settings),
            ],
        ),
        ConfigCase::new(
            "DEFAULT options are inherited",
            &[("setup.cfg", "[DEFAULT]\nbranch = yes\n[coverage:run]\nparallel = 0\n")],
        ),
        ConfigCase::new(
            "continuations, comments, colons",
            &[(
                ".coveragerc",
                "# c\n[run]\nSOURCE:\n  a,\n\n  ; c\n  b\n[report]\nexclude_also =\n    raise X\n    if DEBUG:\n",
            )],
        ),
    ]);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn environment_expansion_and_coverage_file_match_coverage_py() {
    let rc = "[run]\ndata_file = ${OUT-build}/$NAME.cov\nsource = ${PKG}, $$literal\n[paths]\nsrc =\n    ${ROOT}/src\n    */src\n";
    let toml = "[tool.coverage.run]\ndata_file = \"${OUT}/x\"\nbranch = \"${B}\"\n";
    assert_config_parity(&[
        ConfigCase {
            env: &[("NAME", "unit"), ("PKG", "mypkg"), ("ROOT", "/ci/root")],
            ..ConfigCase::new("defaults and plain variables", &[(".coveragerc", rc)])
        },
        ConfigCase {
            env: &[("OUT", "o"), ("NAME", ""), ("PKG", "p")],
            ..ConfigCase::new("set and empty variables", &[(".coveragerc", rc)])
        },
        ConfigCase {
            env: &[("OUT", "o"), ("B", "true")],
            ..ConfigCase::new("TOML strings expand", &[("pyproject.toml", toml)])
        },
        ConfigCase {
            env: &[("COVERAGE_FILE", "custom.cov")],
            ..ConfigCase::new("COVERAGE_FILE beats the file", &[(".coveragerc", rc)])
        },
        ConfigCase {
            env: &[("COVERAGE_FILE", "")],
            ..ConfigCase::new(
                "an empty COVERAGE_FILE is ignored",
                &[(".coveragerc", "[run]\ndata_file = d\n")],
            )
        },
        ConfigCase::new(
            "strict unset variable",
            &[(".coveragerc", "[run]\ndata_file = ${NOPE?}\n")],
        ),
    ]);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn configurations_coverage_py_rejects_are_rejected() {
    assert_config_parity(&[
        ConfigCase {
            rcfile: Some("missing.rc"),
            ..ConfigCase::new("missing explicit rcfile", &[])
        },
        ConfigCase::new("syntax error in setup.cfg", &[("setup.cfg", "[metadata\nname = x\n")]),
        ConfigCase::new("text before a section", &[("tox.ini", "envlist = py3\n[tox]\n")]),
        ConfigCase::new(
            "duplicate option",
            &[(".coveragerc", "[run]\nbranch = 1\nBranch = 0\n")],
        ),
        ConfigCase::new("bad integer", &[("setup.cfg", "[coverage:report]\nprecision = two\n")]),
        ConfigCase::new("bad boolean", &[(".coveragerc", "[run]\nbranch = maybe\n")]),
        ConfigCase::new("bad TOML", &[("pyproject.toml", "[tool.coverage.run\n")]),
        ConfigCase::new(
            "TOML wrong type",
            &[("pyproject.toml", "[tool.coverage.report]\nfail_under = [1]\n")],
        ),
        ConfigCase::new(
            "unknown concurrency",
            &[(".coveragerc", "[run]\nconcurrency = fibers\n")],
        ),
    ]);
}

/// One `[paths]` scenario: rules as `(result, pattern)` (the order of a `[paths]` entry), files that exist under the temp dir, and the paths to map (in this order for
/// coverage.py; all given to `prepare` for us).
struct PathsCase<'a> {
    name: &'a str,
    relative: bool,
    rules: &'a [(&'a str, &'a str)],
    existing: &'a [&'a str],
    paths: &'a [&'a str],
}

/// Maps with both; returns (ours, coverage.py's) after replacing `{root}` in the case's strings.
fn map_both(case: &PathsCase<'_>) -> (Vec<String>, Value) {
    let files: Vec<(&str, &str)> = case.existing.iter().map(|f| (*f, "")).collect();
    let (_dir, root) = tree(&files);
    let root_s = root.display().to_string();
    let fill = |s: &str| s.replace("{root}", &root_s);
    let rules: Vec<(String, String)> = case.rules.iter().map(|(r, p)| (fill(p), fill(r))).collect();
    let paths: Vec<String> = case.paths.iter().map(|p| fill(p)).collect();
    let theirs = coverage_py(&json!({
        "mode": "paths", "cwd": root, "relative": case.relative, "rules": rules, "paths": paths,
    }));
    let mut aliases = PathAliases::with_cwd(case.relative, &root);
    for (pattern, result) in &rules {
        if let Err(e) = aliases.add(pattern, result) {
            assert!(
                theirs.get("error").is_some(),
                "case {:?}: we failed with {e}, coverage.py did not",
                case.name
            );
            return (Vec::new(), theirs);
        }
    }
    aliases.prepare(&mut paths.iter().map(String::as_str));
    let exists = |p: &str| root.join(p).exists();
    let ours = paths.iter().map(|p| aliases.map(p, &exists)).collect();
    (ours, theirs["mapped"].clone())
}

fn assert_paths_parity(cases: &[PathsCase<'_>]) {
    for case in cases {
        let (ours, theirs) = map_both(case);
        assert!(
            theirs.get("error").is_none(),
            "case {:?}: coverage.py failed: {theirs}",
            case.name
        );
        assert_eq!(json!(ours), theirs, "case {:?}", case.name);
        // Guard against a case that exercises nothing: some path must have been rewritten.
        assert!(
            ours.iter().zip(case.paths).any(|(o, p)| o != p),
            "case {:?} maps nothing: {ours:?}",
            case.name
        );
    }
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn paths_globs_match_coverage_py() {
    let existing = &["src/pkg/calc.py", "lib/pkg/calc.py", "other/x.py"];
    assert_paths_parity(&[
        PathsCase {
            name: "container root to the local src",
            relative: false,
            rules: &[("src", "/ci/job/*/src")],
            existing,
            paths: &[
                "/ci/job/1234/src/pkg/calc.py",
                "/ci/job/1234/test/x.py",
                "/elsewhere/src/pkg/calc.py",
            ],
        },
        PathsCase {
            name: "double star",
            relative: false,
            rules: &[("src", "/ci/**/src")],
            existing,
            paths: &[
                "/ci/src/pkg/calc.py",
                "/ci/a/b/c/src/pkg/calc.py",
                "/cx/src/pkg/calc.py",
            ],
        },
        PathsCase {
            name: "question mark",
            relative: false,
            rules: &[("src", "/ci/job?/src")],
            existing,
            paths: &[
                "/ci/job7/src/pkg/calc.py",
                "/ci/job77/src/pkg/calc.py",
                "/ci/job/src/pkg/calc.py",
            ],
        },
        PathsCase {
            name: "case-insensitive",
            relative: false,
            rules: &[("src", "/CI/Job/*/SRC")],
            existing,
            paths: &["/ci/job/5678/src/pkg/calc.py", "/CI/JOB/5678/Src/pkg/calc.py"],
        },
        PathsCase {
            name: "a missing target falls through to the next rule",
            relative: false,
            rules: &[("nowhere", "/ci/*/src"), ("lib", "/ci/*/src"), ("src", "/ci/*/src")],
            existing,
            paths: &["/ci/a/src/pkg/calc.py", "/ci/a/src/pkg/missing.py"],
        },
        PathsCase {
            name: "leading star and absolute result",
            relative: false,
            rules: &[("{root}/src/", "*/proj/src/")],
            existing,
            paths: &["/home/u/proj/src/pkg/calc.py", "C:\\w\\proj\\src\\pkg\\calc.py"],
        },
        PathsCase {
            name: "relative pattern made absolute",
            relative: false,
            rules: &[("src", "lib")],
            existing,
            paths: &["{root}/lib/pkg/calc.py", "lib/pkg/calc.py"],
        },
    ]);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn relative_files_match_coverage_py() {
    let existing = &["src/pkg/calc.py", "tests/test_calc.py"];
    assert_paths_parity(&[
        PathsCase {
            name: "windows and posix absolute paths after a relative one",
            relative: true,
            rules: &[],
            existing,
            paths: &[
                "src/pkg/calc.py",
                "D:\\a\\1\\s\\src\\pkg\\calc.py",
                "/home/runner/work/p/p/src/pkg/calc.py",
                "/home/runner/work/p/p/docs/conf.py",
            ],
        },
        PathsCase {
            name: "explicit rules with windows and posix roots",
            relative: true,
            rules: &[("src/", "D:\\a\\*\\s\\src\\"), ("src/", "/ci/job/*/src/")],
            existing,
            paths: &[
                "D:\\a\\1\\s\\src\\pkg\\calc.py",
                "/ci/job/9/src/pkg/calc.py",
                "/ci/job/9/src/pkg/gone.py",
            ],
        },
        PathsCase {
            name: "current directory stripped, dot results",
            relative: true,
            rules: &[("./src", "/ci/*/src"), ("tests", "/ci/*/t")],
            existing,
            paths: &[
                "{root}/src/pkg/calc.py",
                "/ci/x/src/pkg/calc.py",
                "/ci/x/t/test_calc.py",
                "{root}/x.py",
            ],
        },
    ]);
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn paths_errors_match_coverage_py() {
    for (pattern, message) in [
        ("/ci/*", "must not end with wildcards"),
        ("/ci/a**/src", "can't include"),
    ] {
        let case = PathsCase {
            name: pattern,
            relative: false,
            rules: &[("src", pattern)],
            existing: &[],
            paths: &[],
        };
        let (_, theirs) = map_both(&case);
        assert!(
            theirs.get("error").is_some(),
            "coverage.py accepted {pattern}: {theirs}"
        );
        let mut aliases = PathAliases::with_cwd(false, Path::new("/"));
        let err = aliases.add(pattern, "src").expect_err("we must reject it too");
        assert!(err.to_string().contains(message), "{err}");
        insta::assert_snapshot!(
            format!("paths_error_{}", pattern.replace(['/', '*'], "_")),
            err.to_string()
        );
    }
}

/// Regression for coveragepy#2195, where we deliberately differ: coverage.py creates the implicit `*/src` rule only
/// when it meets the relative `src/...` path, so an absolute path met before it stays absolute. We register the
/// rule up front, so the absolute path is remapped whatever the order.
#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn relative_files_mapping_does_not_depend_on_file_order() {
    let case = PathsCase {
        name: "absolute path first",
        relative: true,
        rules: &[],
        existing: &["src/pkg/calc.py"],
        paths: &["/home/runner/work/p/p/src/pkg/calc.py", "src/pkg/calc.py"],
    };
    let (ours, theirs) = map_both(&case);
    assert_eq!(ours, ["src/pkg/calc.py", "src/pkg/calc.py"]);
    // coverage.py's order-dependent answer, to show the difference is real.
    assert_eq!(
        theirs,
        json!(["/home/runner/work/p/p/src/pkg/calc.py", "src/pkg/calc.py"])
    );
}
