//! The figures every tabular report shows, computed once from the model: one row per file (name, summary, missing
//! ranges) and the total, in coverage.py's order.

use std::cmp::Ordering;

use super::{Coverage, FileCoverage, Summary, format_missing};

/// One file's line of a report.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    pub path: &'a str,
    pub file: &'a FileCoverage,
    pub summary: Summary,
    /// Missing lines and branch arcs as coverage.py prints them (`"2-5, 8->exit"`).
    pub missing: String,
}

/// A report's rows, sorted by name the way coverage.py sorts them, and the total.
#[derive(Clone, Debug)]
pub struct Table<'a> {
    pub rows: Vec<Row<'a>>,
    pub total: Summary,
    /// Whether any file has branch data; the Branch/BrPart columns and the JSON branch figures depend on it.
    pub branches: bool,
}

impl<'a> Table<'a> {
    pub fn new(coverage: &'a Coverage) -> Table<'a> {
        let files: Vec<(&'a String, &'a FileCoverage)> = coverage.files.iter().collect();
        let mut rows = rows_in_parallel(&files);
        rows.sort_by(|a, b| human_cmp(a.path, b.path));
        let total = Summary::sum(rows.iter().map(|r| &r.summary));
        let branches = coverage.files.values().any(FileCoverage::has_branches);
        Table { rows, total, branches }
    }
}

/// Large reports have millions of lines to count and group into ranges; the files are independent, so the work is
/// split over the cores.
fn rows_in_parallel<'a>(files: &[(&'a String, &'a FileCoverage)]) -> Vec<Row<'a>> {
    let row = |&(path, file): &(&'a String, &'a FileCoverage)| Row {
        path,
        file,
        summary: Summary::of_file(file),
        missing: missing_text(file),
    };
    crate::parallel::map_chunks(files, 32, |chunk| chunk.iter().map(row).collect::<Vec<_>>())
        .into_iter()
        .flatten()
        .collect()
}

/// The Missing column: missing lines as ranges, plus the untaken arcs of coverage.py data (branch ids `"a->b"`).
/// Branch ids of other formats (LCOV `"0,1"`, Cobertura conditions) name no destination line, so only their lines
/// show.
fn missing_text(file: &FileCoverage) -> String {
    let arcs: Vec<(i64, i64)> = file
        .branches
        .values()
        .flat_map(|outcomes| outcomes.iter())
        .filter(|(_, hits)| !matches!(hits, Some(n) if *n > 0))
        .filter_map(|(id, _)| parse_arc(id))
        .collect();
    format_missing(&file.lines, &arcs)
}

fn parse_arc(id: &str) -> Option<(i64, i64)> {
    let (from, to) = id.split_once("->")?;
    Some((from.parse().ok()?, to.parse().ok()?))
}

/// One chunk of a name for human sorting: digit runs compare as numbers.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Chunk<'s> {
    // Declared first so that, as in Python, comparing a number with text never happens at the same position in
    // practice (chunks alternate text, number, text); the order only has to be total.
    Number(u128),
    Text(&'s str),
}

fn chunks(s: &str) -> Vec<Chunk<'_>> {
    // coverage.py splits on `(\d+)`, giving alternating text and number chunks that always start with text (maybe
    // empty); keeping that shape makes the chunk-by-chunk comparison the same as Python's list comparison.
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        let digits_at = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        out.push(Chunk::Text(&rest[..digits_at]));
        rest = &rest[digits_at..];
        if rest.is_empty() {
            break;
        }
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        // A run too long for u128 compares as text; such names do not occur in practice.
        match rest[..end].parse::<u128>() {
            Ok(n) => out.push(Chunk::Number(n)),
            Err(_) => out.push(Chunk::Text(&rest[..end])),
        }
        rest = &rest[end..];
        if rest.is_empty() {
            out.push(Chunk::Text(""));
            break;
        }
    }
    out
}

/// coverage.py's `human_sorted`: numbers inside names sort numerically (`f2.py` before `f10.py`), ties by the name.
pub(crate) fn human_cmp(a: &str, b: &str) -> Ordering {
    chunks(a).cmp(&chunks(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PercentRule;

    #[test]
    fn numbers_in_names_sort_numerically() {
        let mut names = vec!["f10.py", "f2.py", "a/b.py", "f2a.py", "F1.py"];
        names.sort_by(|a, b| human_cmp(a, b));
        assert_eq!(names, ["F1.py", "a/b.py", "f2.py", "f2a.py", "f10.py"]);
    }

    #[test]
    fn missing_shows_untaken_arcs_of_lines_that_ran() {
        let mut f = FileCoverage::new(PercentRule::LinesAndBranches);
        f.lines.extend([(1, 1), (2, 1), (3, 0), (5, 1)]);
        f.branches
            .entry(2)
            .or_default()
            .extend([("2->3".to_string(), Some(0)), ("2->5".to_string(), Some(1))]);
        f.branches
            .entry(5)
            .or_default()
            .extend([("5->1".to_string(), Some(1)), ("5->-1".to_string(), Some(0))]);
        assert_eq!(missing_text(&f), "3, 5->exit");
    }

    #[test]
    fn lcov_branch_ids_show_no_arcs() {
        let mut f = FileCoverage::new(PercentRule::Lines);
        f.lines.extend([(1, 1), (2, 0)]);
        f.branches.entry(1).or_default().insert("0,1".to_string(), None);
        assert_eq!(missing_text(&f), "2");
    }
}
