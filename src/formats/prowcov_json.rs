//! prowcov JSON with line detail (`prowcov convert --to json`): read back losslessly. The writer, and the document
//! types both share, are in `render::json`.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Coverage;
use crate::render::json::{Document, SCHEMA};

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
    use crate::model::FileCoverage;
    use crate::model::testing::arb_coverage;
    use crate::render::Table;
    use crate::render::json::{JsonOptions, write};
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
}
