//! `[paths]` remapping with coverage.py's rules: the first value is the result, `*`/`**`/`?` wildcards,
//! case-insensitive prefix match, a rewrite used only if the target exists.

/// An ordered list of path rewriting rules.
#[derive(Clone, Debug, Default)]
pub struct PathAliases {
    relative: bool,
}

impl PathAliases {
    /// Rules for data recorded with (`relative`) or without `relative_files`.
    pub fn new(relative: bool) -> Self {
        PathAliases { relative }
    }

    /// Maps `path` through the rules; `exists` says whether a rewritten path exists.
    pub fn map(&self, path: &str, exists: &dyn Fn(&str) -> bool) -> String {
        let _ = (self.relative, exists);
        path.to_string()
    }
}

// PLACEHOLDER (combine branch): the signatures the pyconfig branch implements, so that `python::combine` compiles
// before it lands. Rules are accepted and ignored here; the real implementation replaces this block on merge.
impl PathAliases {
    /// Adds a rule: paths matching `pattern` are rewritten to start with `result`.
    pub fn add(&mut self, pattern: &str, result: &str) -> crate::error::Result<()> {
        let _ = (pattern, result);
        Ok(())
    }

    /// Registers the implicit `relative_files` rules for every path up front, so that mapping does not depend on the
    /// order paths are seen in.
    pub fn prepare(&mut self, all_paths: &mut dyn Iterator<Item = &str>) {
        let _ = all_paths;
    }

    /// [`PathAliases::map`], describing each decision to `trace` (`--debug=pathmap`).
    pub fn map_traced(&self, path: &str, exists: &dyn Fn(&str) -> bool, trace: &mut dyn FnMut(String)) -> String {
        let mapped = self.map(path, exists);
        trace(format!("No rules match, path {path:?} is unchanged"));
        mapped
    }
}
