//! coverage.py's SQLite data file (`.coverage`, schema 7), held faithfully in memory: lines or arcs per file and per
//! context name, and file tracers. Reading and writing live in the submodules; this module owns the data type and
//! its merge (`update`, coverage.py's `CoverageData.update`).

mod merge;
mod numbits;
mod read;
mod write;

use std::collections::{BTreeMap, BTreeSet};

pub use merge::{InputInfo, Merger};
pub use numbits::Numbits;
pub use read::read;
pub use write::{META_VERSION, write};

use crate::error::{Error, Result};
use crate::model::Coverage;

/// The content of one coverage.py data file.
///
/// Only what coverage.py's `combine` carries over is kept: the `meta` keys `sys_argv`, `when` and `hash` describe
/// the run that made a parallel file and are dropped, as coverage.py drops them from a combined file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoverageData {
    /// `meta.has_arcs`: `Some(true)` for arc (branch) data, `Some(false)` for line data, `None` when the file does
    /// not say (nothing was measured yet).
    pub has_arcs: Option<bool>,
    /// Every context name in the `context` table, including ones no file uses.
    pub contexts: BTreeSet<String>,
    /// Measured files by path as stored (absolute unless `relative_files`). A file may have no data at all.
    pub files: BTreeMap<String, FileData>,
}

/// What one file holds: its tracer and, per context name, the executed lines or arcs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileData {
    /// The file-tracer plugin that measured the file; `None` when the `tracer` table has no row (coverage.py then
    /// reports `""`).
    pub tracer: Option<String>,
    /// Line data: context name to executed lines.
    pub lines: BTreeMap<String, Numbits>,
    /// Arc data: context name to executed `(from, to)` transitions; negative numbers are code object entries/exits.
    pub arcs: BTreeMap<String, BTreeSet<(i32, i32)>>,
}

impl FileData {
    /// The executed lines over all contexts: the line data, or every positive arc endpoint (as coverage.py's
    /// `CoverageData.lines` does for arc data).
    pub fn executed_lines(&self) -> BTreeSet<u32> {
        let mut lines: BTreeSet<u32> = self.lines.values().flat_map(Numbits::iter).collect();
        for &(from, to) in self.arcs.values().flatten() {
            lines.extend(
                [from, to]
                    .into_iter()
                    .filter_map(|n| u32::try_from(n).ok())
                    .filter(|&n| n > 0),
            );
        }
        lines
    }

    fn tracer_name(&self) -> &str {
        self.tracer.as_deref().unwrap_or("")
    }

    fn absorb(&mut self, other: &FileData) {
        // coverage.py copies the other file's tracer row when this one has none; equal names were checked before.
        if self.tracer.is_none() {
            self.tracer.clone_from(&other.tracer);
        }
        for (context, bits) in &other.lines {
            self.lines.entry(context.clone()).or_default().union_with(bits);
        }
        for (context, arcs) in &other.arcs {
            self.arcs
                .entry(context.clone())
                .or_default()
                .extend(arcs.iter().copied());
        }
    }
}

impl CoverageData {
    /// Adds `other` into `self`, as coverage.py's `CoverageData.update`: each of `other`'s paths goes through
    /// `map_path` and then has its separators made native; files, contexts (by name), lines and arcs are unioned.
    ///
    /// Fails, leaving `self` unchanged, when one side holds line data and the other arc data, or when a file was
    /// measured by different file tracers. Unlike coverage.py, the line/arc check looks at both sides' `has_arcs`
    /// whether or not they hold rows, so that the outcome does not depend on the order of updates.
    pub fn update(&mut self, other: &CoverageData, map_path: &dyn Fn(&str) -> String) -> Result<()> {
        if let (Some(mine), Some(theirs)) = (self.has_arcs, other.has_arcs)
            && mine != theirs
        {
            return Err(Error::Data(mixed_data_message(theirs)));
        }
        let mapped: Vec<(String, &FileData)> = other
            .files
            .iter()
            .map(|(path, file)| (native_separators(&map_path(path)), file))
            .collect();
        for (path, file) in &mapped {
            if let Some(mine) = self.files.get(path)
                && mine.tracer_name() != file.tracer_name()
            {
                return Err(Error::Data(format!(
                    "conflicting file tracer name for '{path}': '{}' vs '{}'",
                    mine.tracer_name(),
                    file.tracer_name()
                )));
            }
        }
        self.has_arcs = self.has_arcs.or(other.has_arcs);
        self.contexts.extend(other.contexts.iter().cloned());
        for (path, file) in mapped {
            self.files.entry(path).or_default().absorb(file);
        }
        Ok(())
    }

    /// Whether any file holds lines or arcs.
    pub fn has_measurements(&self) -> bool {
        self.files
            .values()
            .any(|f| f.lines.values().any(|b| !b.is_empty()) || f.arcs.values().any(|a| !a.is_empty()))
    }
}

/// The message for combining line data with arc data; `other_has_arcs` says which side the incoming data is on.
pub fn mixed_data_message(other_has_arcs: bool) -> String {
    if other_has_arcs {
        "cannot combine branch coverage data with statement data".into()
    } else {
        "cannot combine statement coverage data with branch data".into()
    }
}

/// coverage.py (7.16+) turns every `/` and `\` of a combined path into the local separator.
fn native_separators(path: &str) -> String {
    path.chars()
        .map(|c| {
            if c == '/' || c == '\\' {
                std::path::MAIN_SEPARATOR
            } else {
                c
            }
        })
        .collect()
}

/// The last line number written as coverage.py data: its numbits bitmap takes 2 MiB.
pub const MAX_LINE: u32 = 1 << 24;

/// The executed lines of a model (hits > 0), as coverage.py line data in the default context `""` (for
/// `prowcov convert --to coveragepy`). Files without executed lines are kept, with no data, so that they report 0%.
/// With `root`, repo-relative paths become absolute under it, as coverage.py records them without `relative_files`.
/// A line beyond [`MAX_LINE`] is an error: its bitmap would make memory follow the number, not the input.
pub fn from_model(coverage: &Coverage, root: Option<&std::path::Path>) -> Result<CoverageData> {
    let mut files = BTreeMap::new();
    for (path, file) in &coverage.files {
        if let Some((&line, _)) = file.lines.range(MAX_LINE + 1..).next() {
            return Err(Error::Data(format!(
                "{path}:{line}: cannot be written as coverage.py data: a line beyond {MAX_LINE} would make a numbits \
                 bitmap of {} MB (coverage.py stores executed lines as a bitmap), and no Python source is that long",
                line / 8 / 1_000_000
            )));
        }
        let bits: Numbits = file
            .lines
            .iter()
            .filter(|&(_, &hits)| hits > 0)
            .map(|(&line, _)| line)
            .collect();
        let lines = if bits.is_empty() {
            BTreeMap::new()
        } else {
            BTreeMap::from([(String::new(), bits)])
        };
        let path = match root {
            Some(root) if !path.starts_with('/') => root.join(path).to_string_lossy().into_owned(),
            _ => path.clone(),
        };
        files.insert(
            path,
            FileData {
                lines,
                ..FileData::default()
            },
        );
    }
    Ok(CoverageData {
        has_arcs: Some(false),
        contexts: BTreeSet::from([String::new()]),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileCoverage;

    fn lines(path: &str, context: &str, nums: &[u32]) -> CoverageData {
        let file = FileData {
            lines: BTreeMap::from([(context.to_string(), nums.iter().copied().collect())]),
            ..FileData::default()
        };
        CoverageData {
            has_arcs: Some(false),
            contexts: BTreeSet::from([context.to_string()]),
            files: BTreeMap::from([(path.to_string(), file)]),
        }
    }

    fn identity(path: &str) -> String {
        path.to_string()
    }

    #[test]
    fn update_unions_lines_per_context_name() {
        let mut data = lines("/p/a.py", "a", &[1, 2]);
        data.update(&lines("/p/a.py", "a", &[3]), &identity).unwrap();
        data.update(&lines("/p/a.py", "b", &[9]), &identity).unwrap();
        let file = &data.files["/p/a.py"];
        assert_eq!(file.lines["a"].iter().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(file.lines["b"].iter().collect::<Vec<_>>(), [9]);
        assert_eq!(data.contexts, BTreeSet::from(["a".to_string(), "b".to_string()]));
    }

    #[test]
    fn update_maps_paths_and_makes_separators_native() {
        let mut data = CoverageData::default();
        data.update(&lines(r"C:\ci\src\x.py", "", &[1]), &|p: &str| {
            p.replace(r"C:\ci", "/home/me")
        })
        .unwrap();
        assert!(data.files.contains_key("/home/me/src/x.py"), "{:?}", data.files.keys());
    }

    #[test]
    fn update_refuses_lines_with_arcs_and_changes_nothing() {
        let mut data = lines("/p/a.py", "", &[1]);
        let before = data.clone();
        let mut arcs = CoverageData {
            has_arcs: Some(true),
            ..CoverageData::default()
        };
        arcs.files
            .entry("/p/b.py".into())
            .or_default()
            .arcs
            .insert(String::new(), BTreeSet::from([(-1, 1)]));
        let err = data.update(&arcs, &identity).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot combine branch coverage data with statement data"
        );
        assert_eq!(data, before);
    }

    #[test]
    fn update_refuses_conflicting_tracers() {
        let mut data = lines("/p/a.html", "", &[1]);
        let mut other = lines("/p/a.html", "", &[2]);
        other.files.values_mut().for_each(|f| f.tracer = Some("django".into()));
        let err = data.update(&other, &identity).unwrap_err();
        assert_eq!(
            err.to_string(),
            "conflicting file tracer name for '/p/a.html': '' vs 'django'"
        );
    }

    #[test]
    fn arc_data_executed_lines_are_positive_endpoints() {
        let mut file = FileData::default();
        file.arcs
            .insert(String::new(), BTreeSet::from([(-1, 1), (1, 2), (2, -1), (-5, 7)]));
        assert_eq!(file.executed_lines(), BTreeSet::from([1, 2, 7]));
    }

    #[test]
    fn from_model_keeps_executed_lines_only() {
        let mut coverage = Coverage::default();
        let mut file = FileCoverage::default();
        file.lines.extend([(1, 3), (2, 0), (4, 1)]);
        coverage.files.insert("src/a.py".into(), file);
        let data = from_model(&coverage, None).unwrap();
        assert_eq!(data.has_arcs, Some(false));
        assert_eq!(data.files["src/a.py"].executed_lines(), BTreeSet::from([1, 4]));
    }
}
