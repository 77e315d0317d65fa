//! Missing lines as ranges, the way `coverage report -m` prints them.

/// Groups `missing` into runs that are consecutive within `statements` (lines that are not statements, such as
/// blank lines, do not break a run). Both slices must be sorted.
pub fn line_ranges(statements: &[u32], missing: &[u32]) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    let mut start: Option<u32> = None;
    let mut end = 0;
    let mut next_missing = 0;
    for &stmt in statements {
        if next_missing >= missing.len() {
            break;
        }
        if stmt == missing[next_missing] {
            next_missing += 1;
            start.get_or_insert(stmt);
            end = stmt;
        } else if let Some(s) = start.take() {
            pairs.push((s, end));
        }
    }
    if let Some(s) = start {
        pairs.push((s, end));
    }
    pairs
}

/// Formats missing lines and missing branch arcs (`from`, `to`; a negative `to` is an exit) as coverage.py does:
/// `"2-5, 8->exit, 12"`. Arcs from or to a missing line are implied by it and not shown.
pub fn format_missing(statements: &[u32], missing: &[u32], missing_arcs: &[(i64, i64)]) -> String {
    let mut items: Vec<(i64, String)> = line_ranges(statements, missing)
        .into_iter()
        .map(|(a, b)| (i64::from(a), if a == b { a.to_string() } else { format!("{a}-{b}") }))
        .collect();
    let is_missing = |n: i64| u32::try_from(n).is_ok_and(|n| missing.binary_search(&n).is_ok());
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

    #[test]
    fn runs_span_non_statement_lines() {
        assert_eq!(line_ranges(&[1, 2, 3, 5, 6, 8], &[2, 3, 5, 8]), vec![(2, 5), (8, 8)]);
    }

    #[test]
    fn arcs_from_missing_lines_are_implied() {
        assert_eq!(
            format_missing(&[1, 2, 3, 4], &[3], &[(2, 3), (2, -1), (4, 1)]),
            "2->exit, 3, 4->1"
        );
    }
}
