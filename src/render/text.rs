//! The text report: the layout of `coverage report -m`, byte for byte for coverage.py data (column widths, the rule
//! lines, the TOTAL line, trailing spaces trimmed). Other formats get the same layout; the Branch and BrPart
//! columns appear only when there is branch data.

use std::io::{self, Write};

use crate::model::Table;
use crate::model::{Summary, display_percent};

/// How the report looks.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// Digits after the decimal point in percentages.
    pub precision: usize,
}

/// The cells of one line, before padding.
struct Cells {
    name: String,
    summary: Summary,
    cover: String,
    missing: String,
}

/// Writes `table` as text.
pub fn write(table: &Table<'_>, options: TextOptions, out: &mut dyn Write) -> io::Result<()> {
    let lines: Vec<Cells> = table
        .rows
        .iter()
        .map(|row| Cells {
            name: printable(row.path),
            summary: row.summary,
            cover: display_percent(row.summary.percent(), options.precision),
            missing: row.missing.clone(),
        })
        .collect();
    let total = Cells {
        name: "TOTAL".to_string(),
        summary: table.total,
        cover: display_percent(table.total.percent(), options.precision),
        missing: String::new(),
    };

    // coverage.py sizes the name column to the longest name (at least "Name " and "TOTAL") plus one space, and the
    // Cover column to fit the widest percentage plus its `%` and a separating space.
    let name_width = lines.iter().map(|c| c.name.chars().count()).max().unwrap_or(0).max(5) + 1;
    let cover_width = lines
        .iter()
        .map(|c| c.cover.len() + 2)
        .chain([total.cover.len() + 2 + 1, " Cover".len() + 1])
        .max()
        .unwrap_or(0);

    let mut header = format!("{:<name_width$}{:>7}{:>7}", "Name", "Stmts", "Miss");
    if table.branches {
        header.push_str(&format!("{:>7}{:>7}", "Branch", "BrPart"));
    }
    header.push_str(&format!("{:>cover_width$}{:>10}", "Cover", "Missing"));
    let rule = "-".repeat(header.chars().count());

    let layout = Layout {
        name_width,
        cover_width: cover_width - 1,
        branches: table.branches,
    };
    line(out, &header)?;
    line(out, &rule)?;
    for cells in &lines {
        line(out, &layout.format(cells))?;
    }
    if !lines.is_empty() {
        line(out, &rule)?;
    }
    line(out, &layout.format(&total))
}

struct Layout {
    name_width: usize,
    cover_width: usize,
    branches: bool,
}

impl Layout {
    fn format(&self, cells: &Cells) -> String {
        let Layout {
            name_width,
            cover_width,
            ..
        } = *self;
        let s = &cells.summary;
        let mut text = format!("{:<name_width$}{:>7}{:>7}", cells.name, s.total, s.missing());
        if self.branches {
            text.push_str(&format!("{:>7}{:>7}", s.branches_total, s.partial_branches));
        }
        text.push_str(&format!("{:>cover_width$}%   {:9}", cells.cover, cells.missing));
        text
    }
}

/// Writes one line without trailing spaces, as coverage.py does.
fn line(out: &mut dyn Write, text: &str) -> io::Result<()> {
    out.write_all(text.trim_end().as_bytes())?;
    out.write_all(b"\n")
}

/// Replaces characters that are not printable, so that a file name cannot send terminal escape sequences
/// (coverage.py's `neutralize_control`).
pub(crate) fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || (c.is_whitespace() && c != ' ') || is_invisible_format(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// Unicode format characters that reorder or hide text (bidi controls, zero-width characters).
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Coverage, FileCoverage, PercentRule};

    fn render(coverage: &Coverage, precision: usize) -> String {
        let mut out = Vec::new();
        write(&Table::new(coverage), TextOptions { precision }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn line_data_has_no_branch_columns() {
        let mut f = FileCoverage::new(PercentRule::LinesAndBranches);
        f.lines.extend([(1, 1), (2, 1), (3, 0), (4, 0), (6, 1)]);
        let coverage = Coverage {
            files: [("pkg/mod.py".to_string(), f)].into(),
        };
        insta::assert_snapshot!(render(&coverage, 0), @r"
        Name         Stmts   Miss  Cover   Missing
        ------------------------------------------
        pkg/mod.py       5      2    60%   3-4
        ------------------------------------------
        TOTAL            5      2    60%
        ");
    }

    #[test]
    fn control_characters_in_names_are_neutralized() {
        assert_eq!(printable("a\u{1b}[31mb\u{202E}.py"), "a?[31mb?.py");
    }
}
