//! Go modules under the repository root: finds the `go.mod` files and maps the import paths that Go cover profiles
//! name (`example.com/m/pkg/a.go`) to repo-relative paths (`<module dir>/pkg/a.go`).
//!
//! Prior Prow tools mapped through `GOPATH` and broke whenever the import path did not start with the expected prefix
//! (knative/test-infra#1241, #2910); reading the module path from `go.mod` needs no GOPATH and handles several
//! modules in one repository.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Directories never searched for `go.mod`: dependencies and test data hold modules that are not the repository's.
const SKIPPED_DIRS: &[&str] = &["vendor", "node_modules", "testdata"];

/// One module found under the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Module {
    /// The module path declared by `module` in `go.mod`.
    pub path: String,
    /// The directory holding `go.mod`, relative to the root with `/` separators; empty for the root itself.
    pub dir: String,
}

/// The modules found under one root, longest module path first so that the first prefix match is the longest.
#[derive(Clone, Debug, Default)]
pub(crate) struct Modules {
    modules: Vec<Module>,
}

impl Modules {
    /// Walks `root` for `go.mod` files. Hidden directories and [`SKIPPED_DIRS`] are not entered (the root itself
    /// always is, even when hidden), and symbolic links are not followed, so the walk ends even with link cycles.
    pub fn discover(root: &Path) -> Result<Modules> {
        let mut modules = Vec::new();
        let mut pending: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
        while let Some((dir, rel)) = pending.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| Error::read(&dir, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::read(&dir, e))?;
                let file_type = entry.file_type().map_err(|e| Error::read(entry.path(), e))?;
                let name = entry.file_name();
                let Some(name) = name.to_str() else {
                    // Go requires module directories and import paths to be valid UTF-8.
                    continue;
                };
                let child_rel = if rel.is_empty() {
                    name.to_string()
                } else {
                    format!("{rel}/{name}")
                };
                if file_type.is_dir() {
                    if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name) {
                        pending.push((entry.path(), child_rel));
                    }
                } else if file_type.is_file() && name == "go.mod" {
                    let gomod = entry.path();
                    let text = std::fs::read(&gomod).map_err(|e| Error::read(&gomod, e))?;
                    modules.push(Module {
                        path: module_path(&gomod, &String::from_utf8_lossy(&text))?,
                        dir: rel.clone(),
                    });
                }
            }
        }
        Ok(Modules::new(modules))
    }

    pub fn new(mut modules: Vec<Module>) -> Modules {
        // Longest module path first; ties (the same module path twice) are broken by directory so the choice does
        // not depend on the order the file system lists entries in.
        modules.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then_with(|| a.path.cmp(&b.path))
                .then(a.dir.cmp(&b.dir))
        });
        Modules { modules }
    }

    /// The repo-relative path of `import_path`, if it lies in one of the modules (longest module path wins).
    pub fn resolve(&self, import_path: &str) -> Option<String> {
        self.modules.iter().find_map(|m| {
            let rest = import_path.strip_prefix(m.path.as_str())?.strip_prefix('/')?;
            Some(if m.dir.is_empty() {
                rest.to_string()
            } else {
                format!("{}/{rest}", m.dir)
            })
        })
    }

    /// The modules for an error message: `example.com/a (a/go.mod), example.com/b (go.mod)`.
    pub fn describe(&self) -> String {
        if self.modules.is_empty() {
            return "no go.mod was found".to_string();
        }
        let mut sorted: Vec<&Module> = self.modules.iter().collect();
        sorted.sort_by(|a, b| (&a.path, &a.dir).cmp(&(&b.path, &b.dir)));
        let mut out = String::from("the modules found are ");
        for (i, m) in sorted.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let gomod = if m.dir.is_empty() {
                "go.mod".to_string()
            } else {
                format!("{}/go.mod", m.dir)
            };
            let _ = write!(out, "{sep}{} ({gomod})", m.path);
        }
        out
    }
}

/// The module path declared in `text`, the content of `gomod`. Accepts `module x`, `module "x"`, ``module `x` ``,
/// the parenthesised block form, and `//` comments.
pub(crate) fn module_path(gomod: &Path, text: &str) -> Result<String> {
    let mut in_block = false;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index as u64 + 1;
        let line = strip_comment(raw).trim();
        let value = if in_block {
            if line.is_empty() {
                continue;
            }
            if line == ")" {
                break;
            }
            line
        } else {
            match line.strip_prefix("module") {
                // `module` must be a whole word: `modulex foo` is not the directive.
                Some(rest) if rest.is_empty() || rest.starts_with([' ', '\t', '(', '"', '`']) => {
                    let rest = rest.trim();
                    if rest == "(" {
                        in_block = true;
                        continue;
                    }
                    rest
                }
                _ => continue,
            }
        };
        return unquote(value).filter(|p| !p.is_empty()).ok_or_else(|| {
            Error::parse(
                gomod,
                Some(line_no),
                format!("expected `module <module path>`, found `{}`", raw.trim().escape_debug()),
            )
        });
    }
    Err(Error::parse(
        gomod,
        None,
        "expected a `module <module path>` directive, found none",
    ))
}

/// `raw` without a trailing `//` comment. Module paths cannot contain `//`, so quotes need no special care.
fn strip_comment(raw: &str) -> &str {
    raw.find("//").map_or(raw, |at| &raw[..at])
}

/// A module path token: bare, double-quoted (with Go escapes, of which only `\"` and `\\` are plausible in a path)
/// or back-quoted.
fn unquote(token: &str) -> Option<String> {
    if let Some(inner) = token.strip_prefix('`') {
        return inner.strip_suffix('`').map(str::to_string);
    }
    if let Some(inner) = token.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                out.push(chars.next()?);
            } else {
                out.push(c);
            }
        }
        return Some(out);
    }
    // A bare module path is one token; anything after it is not valid go.mod syntax.
    (!token.contains(char::is_whitespace)).then(|| token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<String> {
        module_path(Path::new("go.mod"), text)
    }

    #[test]
    fn module_directive_forms() {
        assert_eq!(
            parse("// c\nmodule example.com/m // trailing\n\ngo 1.19\n").unwrap(),
            "example.com/m"
        );
        assert_eq!(parse("module \"example.com/q\"\n").unwrap(), "example.com/q");
        assert_eq!(parse("module `example.com/r`\n").unwrap(), "example.com/r");
        assert_eq!(
            parse("module (\n  // c\n  example.com/b\n)\n").unwrap(),
            "example.com/b"
        );
        assert_eq!(parse("modulex a\nmodule\texample.com/t\n").unwrap(), "example.com/t");
    }

    #[test]
    fn missing_or_bad_module_directive_is_an_error() {
        assert_eq!(
            parse("go 1.19\n").unwrap_err().to_string(),
            "go.mod: expected a `module <module path>` directive, found none"
        );
        assert_eq!(
            parse("module a b\n").unwrap_err().to_string(),
            "go.mod:1: expected `module <module path>`, found `module a b`"
        );
    }

    #[test]
    fn longest_module_path_wins() {
        let modules = Modules::new(vec![
            Module {
                path: "example.com/m".into(),
                dir: String::new(),
            },
            Module {
                path: "example.com/m/tools".into(),
                dir: "tools".into(),
            },
        ]);
        assert_eq!(
            modules.resolve("example.com/m/tools/x/a.go").as_deref(),
            Some("tools/x/a.go")
        );
        assert_eq!(
            modules.resolve("example.com/m/toolsy/a.go").as_deref(),
            Some("toolsy/a.go")
        );
        assert_eq!(modules.resolve("example.com/mx/a.go"), None);
    }

    #[test]
    fn walk_skips_vendor_testdata_and_hidden_dirs() {
        let dir = tempfile::tempdir().unwrap();
        for (rel, module) in [
            ("go.mod", "example.com/root"),
            ("svc/go.mod", "example.com/svc"),
            ("vendor/x/go.mod", "example.com/vendored"),
            ("svc/testdata/go.mod", "example.com/td"),
            (".hidden/go.mod", "example.com/hidden"),
        ] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, format!("module {module}\n")).unwrap();
        }
        let modules = Modules::discover(dir.path()).unwrap();
        assert_eq!(
            modules.describe(),
            "the modules found are example.com/root (go.mod), example.com/svc (svc/go.mod)"
        );
        assert_eq!(modules.resolve("example.com/svc/a.go").as_deref(), Some("svc/a.go"));
    }
}
