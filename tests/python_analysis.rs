//! prowcov's Python source analysis against coverage.py itself: for every `.py` file of the test venv's standard
//! library and of the pinned PyPI packages (scripts/provision puts them in `$PROWCOV_PYCORPUS`), the statements,
//! excluded lines, arcs and partial-branch lines must equal coverage.py's `PythonParser` results (scripts/pyoracle.py),
//! file by file. A file that differs fails the test unless tests/python_analysis/known-differences.txt lists it
//! with its reason.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use prowcov::python::source::{Exclusions, FileAnalysis, analyse};
use serde_json::Value;

/// The roots the oracle walks, each with the label known-differences.txt uses for it.
fn roots() -> Vec<(String, PathBuf)> {
    let stdlib = common::stdout_ok(
        std::process::Command::new(common::python())
            .args(["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"]),
    );
    let mut roots = vec![("stdlib".to_owned(), PathBuf::from(stdlib.trim()))];
    if let Some(corpus) = std::env::var_os("PROWCOV_PYCORPUS") {
        let corpus = PathBuf::from(corpus);
        let mut packages: Vec<PathBuf> = std::fs::read_dir(&corpus)
            .unwrap_or_else(|e| panic!("PROWCOV_PYCORPUS={}: {e}", corpus.display()))
            .map(|e| e.expect("corpus entry").path())
            .filter(|p| p.is_dir())
            .collect();
        packages.sort();
        for p in packages {
            let name = p.file_name().expect("package dir name").to_string_lossy().into_owned();
            roots.push((name, p));
        }
    }
    roots
}

/// `known-differences.txt`: `LABEL/RELATIVE/PATH.py  reason`, `#` comments.
fn known_differences() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python_analysis/known-differences.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut known = BTreeMap::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (file, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        assert!(!reason.trim().is_empty(), "{}: '{file}' needs a reason", path.display());
        known.insert(file.to_owned(), reason.trim().to_owned());
    }
    known
}

fn lines(v: &Value, key: &str) -> Vec<i64> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn arcs(v: &Value) -> Vec<(i64, i64)> {
    v["arcs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p.get(0)?.as_i64()?, p.get(1)?.as_i64()?)))
                .collect()
        })
        .unwrap_or_default()
}

fn diff<T: Ord + Copy + std::fmt::Debug>(what: &str, expected: &[T], ours: &[T]) -> Option<String> {
    if expected == ours {
        return None;
    }
    let e: std::collections::BTreeSet<T> = expected.iter().copied().collect();
    let o: std::collections::BTreeSet<T> = ours.iter().copied().collect();
    let missing: Vec<_> = e.difference(&o).take(8).collect();
    let extra: Vec<_> = o.difference(&e).take(8).collect();
    Some(format!("{what}: coverage.py only {missing:?}, prowcov only {extra:?}"))
}

/// One file's comparison: `None` when equal, else what differs.
fn compare(expected: &Value, ours: Result<FileAnalysis, String>) -> Option<String> {
    match (expected.get("error"), ours) {
        (Some(_), Err(_)) => None,
        (Some(e), Ok(_)) => Some(format!("coverage.py fails ({e}), prowcov parses it")),
        (None, Err(e)) => Some(format!("prowcov fails: {e}")),
        (None, Ok(a)) => {
            let to_i64 = |v: &[u32]| v.iter().map(|&l| i64::from(l)).collect::<Vec<_>>();
            let parts: Vec<String> = [
                diff("statements", &lines(expected, "statements"), &to_i64(&a.statements)),
                diff("excluded", &lines(expected, "excluded"), &to_i64(&a.excluded)),
                diff("arcs", &arcs(expected), &a.arcs),
                diff("no_branch", &lines(expected, "no_branch"), &to_i64(&a.no_branch)),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
    }
}

#[test]
#[ignore = "needs coverage.py (scripts/test provides it)"]
fn analysis_equals_coverage_py_on_stdlib_and_packages() {
    let known = known_differences();
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pyoracle.py");
    let roots = roots();
    let mut cmd = std::process::Command::new(common::python());
    cmd.arg(&oracle).args(roots.iter().map(|(_, p)| p));
    let out = common::stdout_ok(&mut cmd);
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle JSON line"))
        .collect();
    assert!(records.len() > 1000, "the oracle found only {} files", records.len());

    let label = |path: &str| -> String {
        roots
            .iter()
            .filter_map(|(name, root)| {
                let rel = Path::new(path).strip_prefix(root).ok()?;
                Some(format!("{name}/{}", rel.display()))
            })
            .max_by_key(String::len)
            .unwrap_or_else(|| path.to_owned())
    };
    let exclusions = Exclusions::coverage_defaults();
    let results: Vec<(String, Option<String>)> = std::thread::scope(|s| {
        let chunks: Vec<&[Value]> = records.chunks(records.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let exclusions = &exclusions;
                let label = &label;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|r| {
                            let path = r["path"].as_str().expect("path");
                            let bytes = std::fs::read(path).expect("read source");
                            let ours = analyse(Path::new(path), &bytes, exclusions).map_err(|e| e.to_string());
                            (label(path), compare(r, ours))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
    });

    let differ: Vec<&(String, Option<String>)> = results.iter().filter(|(_, d)| d.is_some()).collect();
    println!("compared {} files, {} differ", results.len(), differ.len());
    let mut unexpected = Vec::new();
    for (file, d) in &differ {
        let d = d.as_deref().unwrap_or_default();
        match known.get(file) {
            Some(reason) => println!("known: {file}: {reason}\n    {d}"),
            None => unexpected.push(format!("{file}\n    {d}")),
        }
    }
    let stale: Vec<&String> = known.keys().filter(|k| !differ.iter().any(|(f, _)| f == *k)).collect();
    assert!(
        stale.is_empty(),
        "known-differences.txt lists files that no longer differ: {stale:?}"
    );
    assert!(
        unexpected.is_empty(),
        "{} files differ from coverage.py and are not in known-differences.txt:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
