//! The markdown report (for a PR comment or a job summary): a totals line and a table. File names come from the
//! data, so they are escaped: a name cannot end a cell, start markup, open an HTML tag or mention someone.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::text::printable;
use crate::model::Table;
use crate::model::display_percent;

/// How the report looks.
#[derive(Clone, Copy, Debug, Default)]
pub struct MarkdownOptions {
    /// Digits after the decimal point in percentages.
    pub precision: usize,
}

/// Writes `table` as markdown.
pub fn write(table: &Table<'_>, options: MarkdownOptions, out: &mut dyn Write) -> io::Result<()> {
    let pc = |s: &crate::model::Summary| display_percent(s.percent(), options.precision);
    let t = &table.total;
    let mut text = format!("**Coverage: {}%** ({} of {} {}", pc(t), t.covered, t.total, t.unit());
    if table.branches {
        let _ = write!(text, ", {} of {} branches", t.branches_covered, t.branches_total);
    }
    text.push_str(")\n\n");

    let branch_cols = if table.branches { " Branch | BrPart |" } else { "" };
    let branch_rule = if table.branches { " -----: | -----: |" } else { "" };
    let _ = writeln!(text, "| File | Stmts | Miss |{branch_cols} Cover | Missing |");
    let _ = writeln!(text, "| :--- | ----: | ---: |{branch_rule} ----: | :------ |");
    for row in &table.rows {
        let s = &row.summary;
        let _ = write!(text, "| {} | {} | {} |", escape(row.path), s.total, s.missing());
        if table.branches {
            let _ = write!(text, " {} | {} |", s.branches_total, s.partial_branches);
        }
        let _ = writeln!(text, " {}% | {} |", pc(s), escape(&row.missing));
    }
    let _ = write!(text, "| **TOTAL** | **{}** | **{}** |", t.total, t.missing());
    if table.branches {
        let _ = write!(text, " **{}** | **{}** |", t.branches_total, t.partial_branches);
    }
    let _ = writeln!(text, " **{}%** | |", pc(t));
    out.write_all(text.as_bytes())
}

/// Makes `text` inert inside a GitHub-flavoured markdown table cell.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text).chars() {
        match c {
            // HTML-significant characters become entities: a backslash does not stop a tag or an entity.
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width space after `@` keeps `@team` from notifying anyone; `#` likewise cannot link an issue.
            '@' => out.push_str("@&#8203;"),
            '#' => out.push_str("#&#8203;"),
            // Everything else markdown gives a meaning to is backslash-escaped; `\|` is how GFM keeps a pipe in a
            // cell. `.`, `,`, `/` and `-` are left alone so paths stay readable (they cannot start markup mid-cell).
            c if c.is_ascii_punctuation() && !matches!(c, '.' | ',' | '/' | '-') => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Coverage;

    #[test]
    fn hostile_names_cannot_break_the_table_or_inject_markup() {
        let name = "src/a|b*c_d`e<img src=x onerror=alert(1)>[x](http://e)@org/team#1\\.py";
        assert_eq!(
            escape(name),
            "src/a\\|b\\*c\\_d\\`e&lt;img src\\=x onerror\\=alert\\(1\\)&gt;\\[x\\]\\(http\\:\
             //e\\)@&#8203;org/team#&#8203;1\\\\.py"
        );
        assert_eq!(
            escape("a\nb\u{1b}c.py"),
            "a\\?b\\?c.py",
            "a newline would end the table row"
        );
    }

    #[test]
    fn table_with_branches() {
        let f = crate::model::testing::python_file_with_partial_branch();
        let coverage = Coverage {
            files: [("pkg/my_mod.py".to_string(), f)].into(),
        };
        let mut out = Vec::new();
        write(&Table::new(&coverage), MarkdownOptions { precision: 1 }, &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
        **Coverage: 60.0%** (2 of 3 lines, 1 of 2 branches)

        | File | Stmts | Miss | Branch | BrPart | Cover | Missing |
        | :--- | ----: | ---: | -----: | -----: | ----: | :------ |
        | pkg/my\_mod.py | 3 | 1 | 2 | 1 | 60.0% | 3 |
        | **TOTAL** | **3** | **1** | **2** | **1** | **60.0%** | |
        ");
    }
}
