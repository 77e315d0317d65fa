//! prowcov JSON, schema 1: the JSON report (`prowcov report --format json`), a stable, versioned contract
//! documented field by field in `docs/json.md`, and with line detail prowcov's own lossless data format (`prowcov
//! convert --to json`, the baselines' profiles), read back by [`read`]. The document types, the writer and the reader
//! live together so that they cannot drift apart.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Block, BlockCount, Coverage, FileCoverage, Function, Outcomes, PercentRule, Row, Summary, Table};

/// The schema version written in `"schema"`. Bump it only for changes that can break a reader; adding fields does
/// not.
pub const SCHEMA: u32 = 1;

/// What to include.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonOptions {
    /// Per-file line, branch and block detail, enough to restore the model exactly.
    pub detail: bool,
}

/// The whole document. Field order is the output order: `schema` must come first, format detection relies on it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Document {
    pub schema: u32,
    pub tool: String,
    pub version: String,
    pub totals: Totals,
    pub files: Vec<FileEntry>,
}

/// The sum over all files.
#[derive(Debug, Serialize, Deserialize)]
pub struct Totals {
    pub covered: u64,
    pub total: u64,
    pub percent: f64,
    pub missing_lines: u64,
    pub branches_covered: Option<u64>,
    pub branches_total: Option<u64>,
    pub partial_branches: Option<u64>,
}

/// One file.
#[derive(Debug, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub covered: u64,
    pub total: u64,
    pub percent: f64,
    pub missing_lines: Vec<u32>,
    pub missing: String,
    pub branches_covered: Option<u64>,
    pub branches_total: Option<u64>,
    pub partial_branches: Option<u64>,
    /// Line detail (written with [`JsonOptions::detail`]): how the percentage is computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<PercentRule>,
    /// Line number (a JSON object key, so a string) to hits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<BTreeMap<u32, u64>>,
    /// Line number to branch id to hits (`null`: never evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<BTreeMap<u32, Outcomes>>,
    /// Go statement blocks, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<BlockEntry>>,
    /// Function records by name (LCOV's `FN`/`FNDA`), when the input had them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functions: Option<BTreeMap<String, Function>>,
}

/// A Go cover block and its counts.
#[derive(Debug, Serialize, Deserialize)]
pub struct BlockEntry {
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
    pub statements: u32,
    pub count: u64,
}

impl BlockEntry {
    fn new(block: &Block, count: &BlockCount) -> Self {
        BlockEntry {
            start_line: block.start_line,
            start_col: block.start_col,
            end_line: block.end_line,
            end_col: block.end_col,
            statements: count.statements,
            count: count.count,
        }
    }
}

impl FileEntry {
    /// The file's model, when the entry carries line detail (`rule` and `lines` at least).
    pub fn to_model(&self) -> Option<FileCoverage> {
        let blocks = self.blocks.iter().flatten().map(|b| {
            let block = Block {
                start_line: b.start_line,
                start_col: b.start_col,
                end_line: b.end_line,
                end_col: b.end_col,
            };
            let count = BlockCount {
                statements: b.statements,
                count: b.count,
            };
            (block, count)
        });
        Some(FileCoverage {
            lines: self.lines.clone()?,
            branches: self.branches.clone().unwrap_or_default(),
            blocks: blocks.collect(),
            rule: self.rule?,
            functions: self.functions.clone().unwrap_or_default(),
        })
    }

    fn add_detail(&mut self, file: &FileCoverage) {
        self.rule = Some(file.rule);
        self.lines = Some(file.lines.clone());
        self.branches = Some(file.branches.clone());
        self.blocks = Some(file.blocks.iter().map(|(b, c)| BlockEntry::new(b, c)).collect());
        self.functions = (!file.functions.is_empty()).then(|| file.functions.clone());
    }
}

/// Builds the document for `table` in memory (for tests and callers that want the values; the writer streams).
pub fn document(table: &Table<'_>, options: JsonOptions) -> Document {
    // Branch figures are null rather than 0 without branch data, so that "no branches measured" cannot be read as
    // "no branch covered".
    let branch = |value: u64| table.branches.then_some(value);
    let files = table
        .rows
        .iter()
        .map(|row| {
            let s = &row.summary;
            let mut entry = FileEntry {
                path: row.path.to_string(),
                covered: s.covered,
                total: s.total,
                percent: s.percent(),
                missing_lines: row.file.missing_lines().collect(),
                missing: row.missing.clone(),
                branches_covered: branch(s.branches_covered),
                branches_total: branch(s.branches_total),
                partial_branches: branch(s.partial_branches),
                rule: None,
                lines: None,
                branches: None,
                blocks: None,
                functions: None,
            };
            if options.detail {
                entry.add_detail(row.file);
            }
            entry
        })
        .collect();
    Document {
        schema: SCHEMA,
        tool: "prowcov".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        totals: totals(table),
        files,
    }
}

fn totals(table: &Table<'_>) -> Totals {
    let branch = |value: u64| table.branches.then_some(value);
    let t: &Summary = &table.total;
    Totals {
        covered: t.covered,
        total: t.total,
        percent: t.percent(),
        missing_lines: t.missing(),
        branches_covered: branch(t.branches_covered),
        branches_total: branch(t.branches_total),
        partial_branches: branch(t.partial_branches),
    }
}

/// Writes `table` as JSON: indented, with arrays and maps of numbers kept on one line, newline-terminated.
///
/// The writer streams straight from the model instead of serialising a [`Document`]: a large report holds millions
/// of lines, and building the document first would copy every one of them (and, with detail, every map).
pub fn write(table: &Table<'_>, options: JsonOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut w = JsonWriter { out };
    w.raw("{\n  \"schema\": ")?;
    w.value(&SCHEMA)?;
    w.raw(",\n  \"tool\": \"prowcov\",\n  \"version\": ")?;
    w.value(env!("CARGO_PKG_VERSION"))?;
    w.raw(",\n  \"totals\": ")?;
    let totals = serde_json::to_string_pretty(&totals(table)).map_err(io::Error::other)?;
    w.raw(&totals.replace('\n', "\n  "))?;
    w.raw(",\n  \"files\": [")?;
    // File entries are independent: large reports render them on all cores, each chunk into its own buffer, and the
    // buffers are written in order.
    let rows: Vec<(usize, &Row<'_>)> = table.rows.iter().enumerate().collect();
    let buffers = crate::parallel::map_chunks(&rows, 256, |chunk| {
        let mut buf = Vec::new();
        let mut w = JsonWriter { out: &mut buf };
        chunk
            .iter()
            .try_for_each(|&(i, row)| file_entry(&mut w, i, row, table.branches, options))
            .map(|()| buf)
    });
    for buf in buffers {
        w.out.write_all(&buf?)?;
    }
    w.raw(if table.rows.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" })
}

/// Entry `i` of the `files` list.
fn file_entry(w: &mut JsonWriter<'_>, i: usize, row: &Row<'_>, branches: bool, options: JsonOptions) -> io::Result<()> {
    let branch = |value: u64| branches.then_some(value);
    {
        let s = &row.summary;
        w.raw(if i == 0 { "\n    {" } else { ",\n    {" })?;
        w.field("path", row.path, true)?;
        w.field("covered", &s.covered, false)?;
        w.field("total", &s.total, false)?;
        w.field("percent", &s.percent(), false)?;
        w.key("missing_lines", false)?;
        w.numbers(row.file.missing_lines())?;
        w.field("missing", &row.missing, false)?;
        w.field("branches_covered", &branch(s.branches_covered), false)?;
        w.field("branches_total", &branch(s.branches_total), false)?;
        w.field("partial_branches", &branch(s.partial_branches), false)?;
        if options.detail {
            w.detail(row.file)?;
        }
        w.raw("\n    }")
    }
}

/// serde_json's compact output with a space after `:` and `,`.
struct Inline;

impl serde_json::ser::Formatter for Inline {
    fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// Hand-laid JSON around serde_json's own formatting of each scalar (strings escaped, floats as serde writes them),
/// so that the output parses back into [`Document`] exactly.
struct JsonWriter<'a> {
    out: &'a mut dyn Write,
}

impl JsonWriter<'_> {
    fn raw(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())
    }

    /// One value on one line, spaced as the rest of the document (`{"a": 1, "b": null}`).
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let mut ser = serde_json::Serializer::with_formatter(&mut *self.out, Inline);
        value.serialize(&mut ser).map_err(io::Error::other)
    }

    /// A key of a file entry (six spaces in), after a comma unless it is the `first`.
    fn key(&mut self, key: &str, first: bool) -> io::Result<()> {
        self.raw(if first { "\n      \"" } else { ",\n      \"" })?;
        self.raw(key)?;
        self.raw("\": ")
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T, first: bool) -> io::Result<()> {
        self.key(key, first)?;
        self.value(value)
    }

    /// `[1, 2, 3]` on one line, formatted into one buffer and written once.
    fn numbers(&mut self, values: impl Iterator<Item = u32>) -> io::Result<()> {
        let mut digits = itoa::Buffer::new();
        let mut text = Vec::with_capacity(64);
        text.push(b'[');
        for (i, v) in values.enumerate() {
            if i > 0 {
                text.extend_from_slice(b", ");
            }
            text.extend_from_slice(digits.format(v).as_bytes());
        }
        text.push(b']');
        self.out.write_all(&text)
    }

    fn detail(&mut self, file: &FileCoverage) -> io::Result<()> {
        self.field("rule", &file.rule, false)?;
        self.key("lines", false)?;
        let mut buf = itoa::Buffer::new();
        self.raw("{")?;
        for (i, (line, hits)) in file.lines.iter().enumerate() {
            self.raw(if i == 0 { "\"" } else { ", \"" })?;
            self.raw(buf.format(*line))?;
            self.raw("\": ")?;
            self.raw(buf.format(*hits))?;
        }
        self.raw("}")?;
        self.key("branches", false)?;
        self.raw("{")?;
        for (i, (line, outcomes)) in file.branches.iter().enumerate() {
            self.raw(if i == 0 { "\"" } else { ", \"" })?;
            self.raw(buf.format(*line))?;
            self.raw("\": ")?;
            self.value(outcomes)?;
        }
        self.raw("}")?;
        self.key("blocks", false)?;
        self.raw("[")?;
        for (i, (b, c)) in file.blocks.iter().enumerate() {
            self.raw(if i == 0 { "" } else { ", " })?;
            self.value(&BlockEntry::new(b, c))?;
        }
        self.raw("]")?;
        if !file.functions.is_empty() {
            self.field("functions", &file.functions, false)?;
        }
        Ok(())
    }
}

/// Reads `bytes`, the content of `path`.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Coverage> {
    // Check the version before the shape, so that a newer document gets a message about its version rather than
    // about a field this version does not know.
    let probe: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| json_error(path, &e))?;
    match probe.get("schema").and_then(serde_json::Value::as_u64) {
        Some(n) if n == u64::from(SCHEMA) => {}
        Some(n) => {
            return Err(Error::parse(
                path,
                None,
                format!("prowcov JSON schema {n} is not supported; this prowcov reads schema {SCHEMA}"),
            ));
        }
        None => {
            return Err(Error::parse(
                path,
                None,
                "expected a prowcov JSON document with an integer \"schema\"",
            ));
        }
    }
    let doc: Document = serde_json::from_value(probe).map_err(|e| Error::parse(path, None, e.to_string()))?;
    let mut coverage = Coverage::default();
    for entry in &doc.files {
        let file = entry.to_model().ok_or_else(|| {
            Error::parse(
                path,
                None,
                format!(
                    "file \"{}\" has no line detail (\"rule\" and \"lines\"); a report from `prowcov report \
                     --format json` cannot be read back, write the data with `prowcov convert --to json`",
                    entry.path
                ),
            )
        })?;
        if coverage.files.insert(entry.path.clone(), file).is_some() {
            return Err(Error::parse(
                path,
                None,
                format!("file \"{}\" is listed twice", entry.path),
            ));
        }
    }
    Ok(coverage)
}

fn json_error(path: &Path, e: &serde_json::Error) -> Error {
    let line = (e.line() > 0).then(|| e.line() as u64);
    Error::parse(path, line, format!("invalid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::arb_coverage;
    use proptest::prelude::*;

    fn to_json(coverage: &Coverage, detail: bool) -> Vec<u8> {
        let mut out = Vec::new();
        write(&Table::new(coverage), JsonOptions { detail }, &mut out).unwrap();
        out
    }

    proptest! {
        #[test]
        fn detail_round_trips_exactly(coverage in arb_coverage("[a-z|_ ]{1,6}(/[a-z0-9]{1,3})?\\.(py|go)", "[0-9]{1,2}->-?[0-9]|[0-9],[0-9]|cond[0-9]")) {
            let json = to_json(&coverage, true);
            let back = read(Path::new("cov.json"), &json).unwrap();
            prop_assert_eq!(&back, &coverage);
            prop_assert_eq!(to_json(&back, true), json);
        }
    }

    #[test]
    fn a_report_without_detail_is_refused_with_a_hint() {
        let mut f = FileCoverage::default();
        f.lines.insert(1, 1);
        let coverage = Coverage {
            files: [("a.py".to_string(), f)].into(),
        };
        let err = read(Path::new("report.json"), &to_json(&coverage, false)).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @r#"report.json: file "a.py" has no line detail ("rule" and "lines"); a report from `prowcov report --format json` cannot be read back, write the data with `prowcov convert --to json`"#);
    }

    #[test]
    fn newer_schema_is_named() {
        let err = read(Path::new("new.json"), br#"{"schema": 2, "files": {}}"#).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @"new.json: prowcov JSON schema 2 is not supported; this prowcov reads schema 1");
    }

    #[test]
    fn malformed_json_names_the_line() {
        let err = read(Path::new("bad.json"), b"{\"schema\": 1,\n  \"files\": [,]}").unwrap_err();
        insta::assert_snapshot!(err.to_string(), @"bad.json:2: invalid JSON: expected value at line 2 column 13");
    }

    // The writer.

    fn sample() -> Coverage {
        let py = crate::model::testing::python_file_with_partial_branch();
        let mut go = FileCoverage::new(PercentRule::Statements);
        go.blocks.insert(
            Block {
                start_line: 3,
                start_col: 14,
                end_line: 5,
                end_col: 2,
            },
            BlockCount {
                statements: 2,
                count: 7,
            },
        );
        Coverage {
            files: [("a.py".to_string(), py), ("m/x.go".to_string(), go)].into(),
        }
    }

    fn render(coverage: &Coverage, detail: bool) -> String {
        let mut out = Vec::new();
        write(&Table::new(coverage), JsonOptions { detail }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn schema_is_the_first_key() {
        assert!(render(&sample(), false).starts_with("{\n  \"schema\": 1,"));
    }

    #[test]
    fn report_shape() {
        insta::assert_snapshot!(render(&sample(), false).replace(env!("CARGO_PKG_VERSION"), "[version]"));
    }

    #[test]
    fn detail_shape() {
        insta::assert_snapshot!(render(&sample(), true).replace(env!("CARGO_PKG_VERSION"), "[version]"));
    }

    #[test]
    fn streamed_output_parses_into_the_document() {
        for detail in [false, true] {
            let coverage = sample();
            let streamed: serde_json::Value = serde_json::from_str(&render(&coverage, detail)).unwrap();
            let built = serde_json::to_value(document(&Table::new(&coverage), JsonOptions { detail })).unwrap();
            assert_eq!(streamed, built, "detail: {detail}");
        }
    }

    #[test]
    fn many_files_rendered_in_chunks_parse_into_the_document() {
        // Above 256 files per core the entries render on several threads; the output must read as one document.
        let mut coverage = Coverage::default();
        for i in 0..1500u32 {
            let mut f = FileCoverage::new(PercentRule::Lines);
            f.lines.extend([(1, u64::from(i % 2)), (2, 1)]);
            coverage.files.insert(format!("d{}/f{i}.c", i % 7), f);
        }
        let streamed: serde_json::Value = serde_json::from_str(&render(&coverage, true)).unwrap();
        let built = serde_json::to_value(document(&Table::new(&coverage), JsonOptions { detail: true })).unwrap();
        assert_eq!(streamed, built);
    }

    #[test]
    fn branch_figures_are_null_without_branch_data() {
        let mut f = FileCoverage::default();
        f.lines.insert(1, 0);
        let coverage = Coverage {
            files: [("a.c".to_string(), f)].into(),
        };
        let doc = document(&Table::new(&coverage), JsonOptions::default());
        assert_eq!(doc.totals.branches_total, None);
        assert_eq!(doc.files[0].partial_branches, None);
        assert_eq!(doc.totals.percent, 0.0);
    }
}
