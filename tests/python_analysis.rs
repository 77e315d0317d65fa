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

/// The roots the oracle walks, each with the label known-differences.txt uses for it: the standard library, the
/// committed cases, the generated inputs in `generated`, and every package of the corpus.
fn roots(generated: &Path) -> Vec<(String, PathBuf)> {
    let stdlib = common::stdout_ok(
        std::process::Command::new(common::python())
            .args(["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"]),
    );
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python_analysis/cases");
    let mut roots = vec![
        ("stdlib".to_owned(), PathBuf::from(stdlib.trim())),
        ("cases".to_owned(), cases),
        ("generated".to_owned(), generated.to_path_buf()),
    ];
    let corpus = PathBuf::from(
        std::env::var_os("PROWCOV_PYCORPUS")
            .expect("PROWCOV_PYCORPUS is not set: run the tests through scripts/test, which provisions the corpus"),
    );
    let mut packages: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("PROWCOV_PYCORPUS={}: {e}", corpus.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_dir())
        .collect();
    packages.sort();
    assert!(
        packages.len() >= 15,
        "the corpus at {} has {} packages",
        corpus.display(),
        packages.len()
    );
    for p in packages {
        let name = p.file_name().expect("package dir name").to_string_lossy().into_owned();
        roots.push((name, p));
    }
    roots
}

/// Inputs that are awkward as committed files: line endings, encodings, binary content, sizes, nesting.
fn generate_inputs(dir: &Path) {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python_analysis/cases/control.py");
    let control = std::fs::read_to_string(cases).expect("control.py");
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write generated input");
    write("crlf.py", control.replace('\n', "\r\n").as_bytes());
    write("tabs.py", control.replace("    ", "\t").as_bytes());
    write(
        "mixed_tabs.py",
        b"if x:\n\tif y:\n\t        z = 1\n\telse:\n\t\tw = 2\n",
    );
    write("bom.py", format!("\u{feff}{control}").as_bytes());
    write("bom_utf8_cookie.py", b"\xef\xbb\xbf# coding: utf8\nx = 1\n");
    write(
        "latin1.py",
        b"# -*- coding: latin-1 -*-\ns = '\xe9t\xe9'  # caf\xe9\nif s:\n    t = 1  # pragma: no cover\n",
    );
    write(
        "cp1252_second_line.py",
        b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x93q\x94'\n",
    );
    write("unknown_encoding.py", b"# coding: klingon\nx = 1\n");
    write("not_utf8.py", b"x = 1\ny = '\xff\xfe'  # not UTF-8\nz = 3\n");
    write("not_utf8_first_line.py", b"x = '\xff'\n");
    write("formfeed.py", b"x = 1\n\x0c\ndef f():\n    \x0creturn 1\n");
    write("no_final_newline.py", b"def f():\n    return 1");
    write("empty.py", b"");
    write("only_comments.py", b"# one\n\n# two\n");
    write("lone_docstring.py", b"'''Just a docstring.'''\n");
    write("syntax_error.py", b"def f(:\n    pass\n");
    write("indentation_error.py", b"if x:\n        a = 1\n    b = 2\n");
    write("nul.py", b"x = 1\0\n");
    let binary: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write("binary.py", &binary);
    write(
        "deep_brackets.py",
        format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000)).as_bytes(),
    );
    write(
        "brackets_200.py",
        format!("x = {}1{}\n", "[".repeat(200), "]".repeat(200)).as_bytes(),
    );
    write(
        "brackets_201.py",
        format!("x = {}1{}\n", "[".repeat(201), "]".repeat(201)).as_bytes(),
    );
    let mut deep_indent = String::new();
    for level in 0..100 {
        deep_indent.push_str(&format!("{}if x:\n", " ".repeat(level)));
    }
    deep_indent.push_str(&format!("{}pass\n", " ".repeat(100)));
    write("deep_indent.py", deep_indent.as_bytes());
    // 1 MB on one line: coverage.py's tokenize takes a minute on the 10 MB the unit tests use.
    write(
        "long_line.py",
        format!("x = [{}0]\n", "12345, 'abc', (6, 7), ".repeat(48_000)).as_bytes(),
    );
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
    let generated = tempfile::tempdir().expect("temp dir");
    generate_inputs(generated.path());
    let roots = roots(generated.path());
    // Two oracle processes, one a core.
    let shards: Vec<std::process::Child> = (0..2)
        .map(|k| {
            std::process::Command::new(common::python())
                .arg(&oracle)
                .args(["--shard", &format!("{k}/2")])
                .args(roots.iter().map(|(_, p)| p))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("run the oracle")
        })
        .collect();
    let mut records: Vec<Value> = Vec::new();
    for child in shards {
        let out = child.wait_with_output().expect("oracle output");
        assert!(out.status.success(), "the oracle failed: {}", out.status);
        let text = String::from_utf8(out.stdout).expect("oracle output is UTF-8");
        records.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("oracle JSON line")),
        );
    }
    records.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    assert!(records.len() > 3000, "the oracle found only {} files", records.len());

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
    let unparsable = records.iter().filter(|r| r.get("error").is_some()).count();
    println!(
        "compared {} files ({unparsable} coverage.py cannot parse), {} differ",
        results.len(),
        differ.len()
    );
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
