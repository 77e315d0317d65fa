//! Paths as the model keys them: repo-relative where possible, `/` separators, no `./` or `..` noise.

use std::path::Path;

/// Turns a path found in coverage data into the model's key: backslashes become `/`, `.` components go, `..` pops a
/// component where it can, and an absolute path under `root` becomes relative to it. A path outside `root` stays
/// absolute (readers warn about it); nothing here touches the file system.
pub fn normalize(raw: &str, root: &Path) -> String {
    let unified = raw.replace('\\', "/");
    let absolute = unified.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if !absolute {
        return joined;
    }
    let root = normalize(&root.to_string_lossy(), Path::new(""));
    let root = root.trim_start_matches('/');
    if root.is_empty() {
        return format!("/{joined}");
    }
    match joined.strip_prefix(root) {
        Some("") => String::new(),
        Some(rest) if rest.starts_with('/') => rest[1..].to_string(),
        _ => format!("/{joined}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_under_root_becomes_relative() {
        assert_eq!(normalize("/work/proj/src/a.py", Path::new("/work/proj")), "src/a.py");
        assert_eq!(normalize("/work/proj/src/a.py", Path::new("/work/proj/")), "src/a.py");
        assert_eq!(
            normalize("/work/projX/a.py", Path::new("/work/proj")),
            "/work/projX/a.py"
        );
    }

    #[test]
    fn absolute_path_stays_absolute_when_root_is_empty_or_relative() {
        // Regression: a root that normalises to "" (such as ".") stripped the leading `/` of absolute paths.
        assert_eq!(normalize("/abs/a.py", Path::new(".")), "/abs/a.py");
        assert_eq!(normalize("/abs/a.py", Path::new("")), "/abs/a.py");
    }

    #[test]
    fn separators_and_dots_are_cleaned() {
        assert_eq!(normalize(r".\src\pkg\..\a.py", Path::new("/r")), "src/a.py");
        assert_eq!(normalize("../x/a.py", Path::new("/r")), "../x/a.py");
    }
}
