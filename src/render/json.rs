//! The JSON report, schema 1: a stable, versioned contract (documented field by field in `docs/json.md`). With line
//! detail it is also prowcov's own lossless data format (`prowcov convert --to json`), read back by
//! `formats::prowcov_json`.
//!
//! The document types live here, shared by the writer and the reader, so that the two cannot drift apart.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::Table;
use crate::model::{Block, BlockCount, BranchHits, FileCoverage, PercentRule, Summary};

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
    pub branches: Option<BTreeMap<u32, BTreeMap<String, BranchHits>>>,
    /// Go statement blocks, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<BlockEntry>>,
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
        })
    }

    fn add_detail(&mut self, file: &FileCoverage) {
        self.rule = Some(file.rule);
        self.lines = Some(file.lines.clone());
        self.branches = Some(file.branches.clone());
        let blocks = file.blocks.iter().map(|(b, c)| BlockEntry {
            start_line: b.start_line,
            start_col: b.start_col,
            end_line: b.end_line,
            end_col: b.end_col,
            statements: c.statements,
            count: c.count,
        });
        self.blocks = Some(blocks.collect());
    }
}

/// Builds the document for `table`.
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
            };
            if options.detail {
                entry.add_detail(row.file);
            }
            entry
        })
        .collect();
    let t: &Summary = &table.total;
    Document {
        schema: SCHEMA,
        tool: "prowcov".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        totals: Totals {
            covered: t.covered,
            total: t.total,
            percent: t.percent(),
            missing_lines: t.missing(),
            branches_covered: branch(t.branches_covered),
            branches_total: branch(t.branches_total),
            partial_branches: branch(t.partial_branches),
        },
        files,
    }
}

/// Writes `table` as JSON (pretty-printed, newline-terminated).
pub fn write(table: &Table<'_>, options: JsonOptions, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(table, options))?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Coverage;

    fn sample() -> Coverage {
        let mut py = FileCoverage::new(PercentRule::LinesAndBranches);
        py.lines.extend([(1, 1), (2, 1), (3, 0)]);
        py.branches
            .entry(2)
            .or_default()
            .extend([("2->3".to_string(), Some(0)), ("2->-1".to_string(), Some(1))]);
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
