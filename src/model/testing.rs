//! Proptest strategies for the model, shared by the unit tests of every module that round-trips or merges it.

use proptest::prelude::*;

use super::{Block, BlockCount, Coverage, FileCoverage, Outcomes, PercentRule};

/// A file with lines (hit counts up to `u64::MAX`, so saturation is exercised), branches whose ids match
/// `branch_ids` (a regex), Go blocks, and any rule.
pub(crate) fn arb_file(branch_ids: &'static str) -> impl Strategy<Value = FileCoverage> {
    (
        prop::collection::btree_map(1u32..50, prop_oneof![Just(0u64), Just(u64::MAX), 0u64..9], 0..8),
        prop::collection::btree_map(
            1u32..50,
            prop::collection::btree_map(branch_ids, prop::option::of(0u64..4), 0..3)
                .prop_map(|m| m.into_iter().collect::<Outcomes>()),
            0..3,
        ),
        prop::collection::btree_map(
            (1u32..9, 1u32..80, 1u32..9, 1u32..80).prop_map(|(a, b, c, d)| Block {
                start_line: a,
                start_col: b,
                end_line: c,
                end_col: d,
            }),
            (0u32..5, 0u64..5).prop_map(|(statements, count)| BlockCount { statements, count }),
            0..3,
        ),
        prop_oneof![
            Just(PercentRule::Lines),
            Just(PercentRule::LinesAndBranches),
            Just(PercentRule::Statements)
        ],
    )
        .prop_map(|(lines, branches, blocks, rule)| FileCoverage {
            lines,
            branches,
            blocks,
            rule,
            functions: Default::default(),
        })
}

/// A coverage of up to four files named by `paths` (a regex), branch ids as in [`arb_file`].
pub(crate) fn arb_coverage(paths: &'static str, branch_ids: &'static str) -> impl Strategy<Value = Coverage> {
    prop::collection::btree_map(paths, arb_file(branch_ids), 0..4).prop_map(|files| Coverage { files })
}

/// A coverage.py file: lines 1 and 2 ran, line 3 did not; line 2 branches to 3 (not taken) and out (taken).
pub(crate) fn python_file_with_partial_branch() -> FileCoverage {
    let mut f = FileCoverage::new(PercentRule::LinesAndBranches);
    f.lines.extend([(1, 1), (2, 1), (3, 0)]);
    f.branches
        .insert(2, Outcomes::from_iter([("2->3", Some(0)), ("2->-1", Some(1))]));
    f
}
