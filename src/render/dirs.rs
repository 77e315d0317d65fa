//! Coverage per directory, each directory aggregating exactly its own subtree: shared by the HTML report's chart and
//! the JUnit cases.

use std::collections::BTreeMap;

use crate::model::Summary;

/// Every ancestor directory of `files` (path, summary) with the sum of the files below it. Directories are found by
/// `/`-separated components, so `pkg/a` never counts `pkg/ab/x.py` (a string-prefix test would). A leading `/` of an
/// absolute path stays part of the first directory's name (`/abs`); the root itself (`""` or `/`) is not a directory
/// case, since the total already covers it.
pub fn directory_summaries<'a>(files: impl IntoIterator<Item = (&'a str, Summary)>) -> BTreeMap<String, Summary> {
    let mut dirs: BTreeMap<String, Summary> = BTreeMap::new();
    for (path, summary) in files {
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            let dir = &path[..end + i];
            end += i + 1;
            if dir.is_empty() {
                continue;
            }
            match dirs.get_mut(dir) {
                Some(sum) => *sum = Summary::sum([&*sum, &summary]),
                None => {
                    dirs.insert(dir.to_string(), summary);
                }
            }
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileCoverage;

    fn summary(covered: u64, total: u64) -> Summary {
        let mut f = FileCoverage::default();
        f.lines.extend((1..=total).map(|l| (l as u32, u64::from(l <= covered))));
        Summary::of_file(&f)
    }

    #[test]
    fn a_directory_is_its_subtree_not_its_name_prefix() {
        let dirs = directory_summaries([
            ("pkg/a/x.py", summary(1, 2)),
            ("pkg/ab/y.py", summary(0, 2)),
            ("pkg/a/deep/z.py", summary(2, 2)),
            ("top.py", summary(1, 1)),
            ("/abs/w.py", summary(1, 1)),
        ]);
        let got: Vec<(&str, u64, u64)> = dirs.iter().map(|(d, s)| (d.as_str(), s.covered, s.total)).collect();
        assert_eq!(
            got,
            [
                ("/abs", 1, 1),
                ("pkg", 3, 6),
                ("pkg/a", 3, 4),
                ("pkg/a/deep", 2, 2),
                ("pkg/ab", 0, 2)
            ]
        );
    }
}
