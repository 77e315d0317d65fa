//! JUnit XML for TestGrid, built with quick-junit: one `<testsuite>` whose cases are `OVERALL`, every file and every
//! directory, each with `classname="coverage"` and a `coverage` property (`%.1f`), and a `<failure>` only when the
//! case is below the threshold (TestGrid counts any `<failure>` element as a failure). No timestamps, durations or
//! host names, so the bytes depend on the data alone.

use std::io::Write;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::dirs::directory_summaries;
use crate::model::Summary;
use crate::model::Table;

/// The classname of every case; TestGrid shows rows by case name, and this groups them for other readers.
pub const CLASSNAME: &str = "coverage";

/// The name of the total's case, as gopherage and knative name it.
pub const OVERALL: &str = "OVERALL";

/// What a suite's case is named: `suite:<name>`, apart from any file or directory name.
pub const SUITE_PREFIX: &str = "suite:";

/// How the cases are judged.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct JunitOptions {
    /// Cases below this percentage fail; `None` fails nothing.
    pub threshold: Option<f64>,
}

/// The cases of `table`: `OVERALL`, then the files in report order, then the directories in name order.
pub fn cases<'a>(table: &'a Table<'a>) -> Vec<(String, Summary)> {
    let mut out = vec![(OVERALL.to_string(), table.total)];
    out.extend(table.rows.iter().map(|r| (r.path.to_string(), r.summary)));
    out.extend(directory_summaries(table.rows.iter().map(|r| (r.path, r.summary))));
    out
}

/// Builds the report; `suites` adds a case per `[[suites]]` entry after `OVERALL` (`suite:<name>`).
pub fn report(table: &Table<'_>, suites: &[(String, Summary)], options: JunitOptions) -> Report {
    let mut suite = TestSuite::new(CLASSNAME);
    let mut all = cases(table);
    let suite_cases = suites.iter().map(|(name, s)| (format!("{SUITE_PREFIX}{name}"), *s));
    all.splice(1..1, suite_cases);
    for (name, summary) in all {
        suite.add_test_case(case(&name, &summary, options.threshold));
    }
    let mut report = Report::new("prowcov");
    report.add_test_suite(suite);
    report
}

/// Writes the report as XML.
pub fn write(table: &Table<'_>, options: JunitOptions, out: &mut dyn Write) -> std::io::Result<()> {
    write_with_suites(table, &[], options, out)
}

/// Writes the report as XML, with a case per suite after `OVERALL`.
pub fn write_with_suites(
    table: &Table<'_>,
    suites: &[(String, Summary)],
    options: JunitOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    report(table, suites, options)
        .serialize(out)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

fn case(name: &str, summary: &Summary, threshold: Option<f64>) -> TestCase {
    let pct = summary.percent();
    // Nothing measurable is never a failure (its percent is 100 already; this keeps the rule explicit).
    let failing = threshold.filter(|&t| summary.total > 0 && pct < t);
    let status = match failing {
        Some(t) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            // TestGrid shows the element's text, other readers the attribute: both carry the message.
            status.set_message(failure_message(pct, t));
            status.set_description(failure_message(pct, t));
            status
        }
        None => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(CLASSNAME);
    case.add_property(Property::new("coverage", format!("{pct:.1}")));
    case
}

/// `coverage 42.1% is below threshold 50%`: the threshold as given (`50`, `62.5`).
pub fn failure_message(pct: f64, threshold: f64) -> String {
    format!("coverage {pct:.1}% is below threshold {threshold}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Coverage, FileCoverage};

    fn file(covered: u32, total: u32) -> FileCoverage {
        let mut f = FileCoverage::default();
        f.lines.extend((1..=total).map(|l| (l, u64::from(l <= covered))));
        f
    }

    #[test]
    fn cases_properties_and_failures() {
        let coverage = Coverage {
            files: [
                ("pkg/a/x.py".to_string(), file(1, 4)),
                ("pkg/ab/y.py".to_string(), file(3, 3)),
                ("pkg/empty.py".to_string(), file(0, 0)),
            ]
            .into(),
        };
        let mut out = Vec::new();
        write(&Table::new(&coverage), JunitOptions { threshold: Some(50.0) }, &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn message_shows_the_threshold_as_given() {
        assert_eq!(failure_message(42.1234, 50.0), "coverage 42.1% is below threshold 50%");
        assert_eq!(
            failure_message(42.1234, 62.5),
            "coverage 42.1% is below threshold 62.5%"
        );
    }
}
