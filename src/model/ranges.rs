//! Missing lines as ranges, the way `coverage report -m` prints them.

use std::collections::BTreeMap;

/// How many lines ranges in an input of `input_bytes` bytes may expand to: a million, plus 64 per byte. Real data
/// stays far below (a Go block of 40 bytes spans a few lines), while a small file of huge ranges (`1-4000000000`)
/// cannot make memory follow the numbers instead of the input's size.
pub fn expanded_lines_budget(input_bytes: usize) -> u64 {
    1_000_000 + 64 * input_bytes as u64
}

/// Runs of missing lines (hits 0) that are consecutive among the measured lines: lines that are not measured, such
/// as blank lines and comments, do not break a run (coverage.py's `_line_ranges`).
pub fn missing_runs(lines: &BTreeMap<u32, u64>) -> Vec<(u32, u32)> {
    let mut runs = Vec::new();
    let mut open: Option<(u32, u32)> = None;
    for (&line, &hits) in lines {
        match (hits == 0, open) {
            (true, Some((start, _))) => open = Some((start, line)),
            (true, None) => open = Some((line, line)),
            (false, Some(run)) => {
                runs.push(run);
                open = None;
            }
            (false, None) => {}
        }
    }
    runs.extend(open);
    runs
}

/// Formats a file's missing lines and missing branch arcs (`from`, `to`; a negative `to` is an exit) as coverage.py
/// does: `"2-5, 8->exit, 12"`. Arcs from or to a missing line are implied by it and not shown.
pub fn format_missing(lines: &BTreeMap<u32, u64>, missing_arcs: &[(i64, i64)]) -> String {
    let mut items: Vec<(i64, String)> = missing_runs(lines)
        .into_iter()
        .map(|(a, b)| (i64::from(a), if a == b { a.to_string() } else { format!("{a}-{b}") }))
        .collect();
    let is_missing = |n: i64| u32::try_from(n).is_ok_and(|n| lines.get(&n) == Some(&0));
    let mut arcs = missing_arcs.to_vec();
    arcs.sort_unstable();
    for (from, to) in arcs {
        if !is_missing(from) && !is_missing(to) {
            let dest = if to > 0 { to.to_string() } else { "exit".to_string() };
            items.push((from, format!("{from}->{dest}")));
        }
    }
    items.sort();
    items.into_iter().map(|(_, s)| s).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(measured: &[u32], missing: &[u32]) -> BTreeMap<u32, u64> {
        measured
            .iter()
            .map(|&l| (l, u64::from(!missing.contains(&l))))
            .collect()
    }

    #[test]
    fn runs_span_non_statement_lines() {
        assert_eq!(
            missing_runs(&lines(&[1, 2, 3, 5, 6, 8], &[2, 3, 5, 8])),
            vec![(2, 5), (8, 8)]
        );
    }

    #[test]
    fn arcs_from_missing_lines_are_implied() {
        assert_eq!(
            format_missing(&lines(&[1, 2, 3, 4], &[3]), &[(2, 3), (2, -1), (4, 1)]),
            "2->exit, 3, 4->1"
        );
    }
}
