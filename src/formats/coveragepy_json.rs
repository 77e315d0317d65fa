//! `coverage json` output (format 3, and format 2 which lacks only the function and class regions): read.
//!
//! The report already holds coverage.py's analysis (statements, exclusions, possible branches), so unlike the SQLite
//! data it maps straight onto the model: executed lines hit once, missing lines never, and in branch mode each
//! `[from, to]` arc becomes an outcome `"from->to"` of line `from`.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::error::{Error, Result};
use crate::formats::ReadOptions;
use crate::model::path::normalize;
use crate::model::{Coverage, FileCoverage, PercentRule};

/// Just enough to check the format number before trusting the rest of the layout.
#[derive(Deserialize)]
struct Header {
    meta: Meta,
}

#[derive(Deserialize)]
struct Meta {
    format: i64,
}

#[derive(Deserialize)]
struct Report {
    #[serde(deserialize_with = "unique_files")]
    files: BTreeMap<String, FileReport>,
    // Read so that a report without totals is rejected as not coverage.py's; the totals are recomputed.
    #[serde(rename = "totals")]
    _totals: IgnoredAny,
}

/// One entry of `files`; `summary`, `excluded_lines`, `functions`, `classes` and `contexts` are not needed.
#[derive(Deserialize)]
struct FileReport {
    executed_lines: Vec<NonZeroU32>,
    missing_lines: Vec<NonZeroU32>,
    /// Present only in branch mode.
    #[serde(default)]
    executed_branches: Vec<(NonZeroU32, i64)>,
    #[serde(default)]
    missing_branches: Vec<(NonZeroU32, i64)>,
}

/// `files`, refusing a file listed twice: serde would keep the last silently, dropping the other's lines. coverage.py
/// never writes that, so the data was mangled (or hand-made) and no choice of one is right.
fn unique_files<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<BTreeMap<String, FileReport>, D::Error> {
    struct Files;
    impl<'de> serde::de::Visitor<'de> for Files {
        type Value = BTreeMap<String, FileReport>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of file names to file reports")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
            let mut files = BTreeMap::new();
            while let Some((name, report)) = map.next_entry::<String, FileReport>()? {
                if files.contains_key(&name) {
                    return Err(serde::de::Error::custom(format_args!(
                        "file \"{name}\" is listed twice"
                    )));
                }
                files.insert(name, report);
            }
            Ok(files)
        }
    }
    d.deserialize_map(Files)
}

/// Reads `bytes`, the content of `path`. File keys are relative to the directory coverage.py ran in, taken to be
/// `options.root`, or absolute.
pub fn read(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Coverage> {
    let header: Header = serde_json::from_slice(bytes).map_err(|e| json_error(path, &e))?;
    if !matches!(header.meta.format, 2 | 3) {
        return Err(Error::parse(
            path,
            format_line(bytes),
            format!("expected coverage.py JSON format 2 or 3, found {}", header.meta.format),
        ));
    }
    let report: Report = serde_json::from_slice(bytes).map_err(|e| json_error(path, &e))?;
    let mut coverage = Coverage::default();
    for (name, entry) in report.files {
        let file = to_file(&entry);
        match coverage.files.entry(normalize(&name, &options.root)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(file);
            }
            // `a.py` and `/root/a.py` cannot both come from one coverage.py run; merging keeps both rather than
            // silently dropping one.
            std::collections::btree_map::Entry::Occupied(mut slot) => slot.get_mut().merge(&file),
        }
    }
    Ok(coverage)
}

fn to_file(entry: &FileReport) -> FileCoverage {
    let mut file = FileCoverage::new(PercentRule::LinesAndBranches);
    // Missing first, so that a line listed in both (which coverage.py never writes) counts as executed.
    for (lines, hits) in [(&entry.missing_lines, 0), (&entry.executed_lines, 1)] {
        for line in lines {
            file.lines.insert(line.get(), hits);
        }
    }
    for (arcs, hits) in [(&entry.missing_branches, 0), (&entry.executed_branches, 1)] {
        for &(from, to) in arcs {
            let from = from.get();
            file.branches
                .entry(from)
                .or_default()
                .insert(format!("{from}->{to}"), Some(hits));
        }
    }
    // A branch line none of whose arcs was taken never decided anything: its outcomes were never evaluated (LCOV's
    // `-`, as `coverage lcov` and geninfo write them), not evaluated and not taken.
    for outcomes in file.branches.values_mut() {
        if outcomes.values().all(|hits| *hits == Some(0)) {
            *outcomes = outcomes.ids().map(|id| (id.to_owned(), None)).collect();
        }
    }
    file
}

/// The line of the `"format"` key, for the error message. serde does not report where a value was, but `meta`
/// is the first key (detection checks that) and its `format` is the first `"format"` in the text.
fn format_line(bytes: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(bytes, b"\"format\"")?;
    Some(memchr::memchr_iter(b'\n', &bytes[..at]).count() as u64 + 1)
}

/// A serde error as a parse error at its line; serde's message already says what was expected.
fn json_error(path: &Path, e: &serde_json::Error) -> Error {
    let message = e.to_string();
    // serde_json appends " at line L column C"; the line goes into the location, the column stays in the text.
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let detail = message.strip_suffix(&suffix).unwrap_or(&message);
    let what = if e.is_syntax() || e.is_eof() {
        "valid JSON"
    } else {
        "coverage.py JSON (`coverage json` output)"
    };
    let line = (e.line() > 0).then_some(e.line() as u64);
    Error::parse(path, line, format!("expected {what}: {detail} (column {})", e.column()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcomes;

    fn read_str(text: &str) -> Result<Coverage> {
        read(Path::new("cov.json"), text.as_bytes(), &ReadOptions::new("/proj"))
    }

    const BRANCHY: &str = r#"{"meta": {"format": 3, "branch_coverage": true},
      "files": {"/proj/pkg/a.py": {"executed_lines": [1, 2, 4], "missing_lines": [3],
        "executed_branches": [[2, 4], [4, -1]], "missing_branches": [[2, 3]], "excluded_lines": []}},
      "totals": {}}"#;

    #[test]
    fn lines_and_arcs_become_hits_and_outcomes() {
        let cov = read_str(BRANCHY).unwrap();
        let a = &cov.files["pkg/a.py"];
        assert_eq!(a.rule, PercentRule::LinesAndBranches);
        assert_eq!(a.lines, BTreeMap::from([(1, 1), (2, 1), (3, 0), (4, 1)]));
        assert_eq!(
            a.branches,
            BTreeMap::from([
                (2, Outcomes::from_iter([("2->3", Some(0)), ("2->4", Some(1))])),
                (4, Outcomes::from_iter([("4->-1", Some(1))])),
            ])
        );
    }

    #[test]
    fn arcs_of_a_line_that_took_none_were_never_evaluated() {
        let text = r#"{"meta": {"format": 3, "branch_coverage": true},
          "files": {"/proj/a.py": {"executed_lines": [1, 4], "missing_lines": [2, 3],
            "executed_branches": [[1, 4]], "missing_branches": [[1, 2], [2, 3], [2, 4]], "excluded_lines": []}},
          "totals": {}}"#;
        let a = &read_str(text).unwrap().files["a.py"];
        assert_eq!(
            a.branches[&1],
            Outcomes::from_iter([("1->2", Some(0)), ("1->4", Some(1))])
        );
        assert_eq!(a.branches[&2], Outcomes::from_iter([("2->3", None), ("2->4", None)]));
    }

    #[test]
    fn format_2_reads_and_other_formats_are_refused() {
        assert!(read_str(&BRANCHY.replace("\"format\": 3", "\"format\": 2")).is_ok());
        assert_eq!(
            read_str(&BRANCHY.replace("\"format\": 3", "\"format\": 1"))
                .unwrap_err()
                .to_string(),
            "cov.json:1: expected coverage.py JSON format 2 or 3, found 1"
        );
    }

    #[test]
    fn serde_errors_name_the_line() {
        let zero_line = "{\"meta\": {\"format\": 3},\n \"files\": {\"a.py\": {\"executed_lines\": [0], \
                         \"missing_lines\": []}}, \"totals\": {}}";
        let e = read_str(zero_line).unwrap_err().to_string();
        assert!(
            e.starts_with("cov.json:2: expected coverage.py JSON (`coverage json` output): invalid value"),
            "{e}"
        );
        let e = read_str("{\"meta\": {\"format\": 3},\n\n").unwrap_err().to_string();
        assert!(e.starts_with("cov.json:3: expected valid JSON: EOF"), "{e}");
    }
}
