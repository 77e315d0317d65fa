//! Excluded lines and docstrings, as coverage.py's `PythonParser` finds them: the exclusion regexes over the whole
//! text, the token walk that makes an excluded clause header swallow its indented suite, and the AST rules (an
//! excluded decorator or signature excludes the whole definition; an irrefutable `case` whose body is all excluded
//! is excluded too).

use regex::Regex;

use super::tokens::{Kind as Tok, Token};
use super::tree::{Kind, Node};
use crate::error::Error;

pub use crate::python::config::{DEFAULT_EXCLUDE, DEFAULT_PARTIAL, DEFAULT_PARTIAL_ALWAYS};

/// The compiled exclusion settings: the `exclude_lines` + `exclude_also` regexes and the `partial_branches` +
/// `partial_also` + `partial_branches_always` regexes, each joined as coverage.py joins them (`join_regex`).
#[derive(Clone, Debug)]
pub struct Exclusions {
    exclude: Option<Regex>,
    partial: Option<Regex>,
}

impl Exclusions {
    /// Compiles the two lists. Python's `re` and Rust's `regex` agree on the usual syntax; a pattern `regex` cannot
    /// compile (look-around, back-references) is a configuration error naming it.
    pub fn new<S: AsRef<str>>(exclude: &[S], partial: &[S]) -> Result<Self, Error> {
        Ok(Self {
            exclude: compile(exclude, false)?,
            partial: compile(partial, true)?,
        })
    }

    /// coverage.py's defaults for both lists.
    pub fn coverage_defaults() -> Self {
        let partial: Vec<&str> = DEFAULT_PARTIAL.iter().chain(DEFAULT_PARTIAL_ALWAYS).copied().collect();
        // The defaults are valid regexes for `regex`; the unit tests compile them.
        Self::new(DEFAULT_EXCLUDE, &partial).unwrap_or(Self {
            exclude: None,
            partial: None,
        })
    }

    pub(crate) fn exclude(&self) -> Option<&Regex> {
        self.exclude.as_ref()
    }

    pub(crate) fn partial(&self) -> Option<&Regex> {
        self.partial.as_ref()
    }
}

/// `join_regex`, compiled with `re.MULTILINE`. An empty joined pattern means "no exclusion" for `exclude`
/// (coverage.py tests its truth), but it is still matched for the partial lines (where it matches every line).
fn compile<S: AsRef<str>>(patterns: &[S], keep_empty: bool) -> Result<Option<Regex>, Error> {
    let joined = match patterns {
        [one] => one.as_ref().to_owned(),
        _ => patterns
            .iter()
            .map(|p| format!("(?:{})", p.as_ref()))
            .collect::<Vec<_>>()
            .join("|"),
    };
    if joined.is_empty() && !keep_empty {
        return Ok(None);
    }
    Regex::new(&format!("(?m:{joined})"))
        .map(Some)
        .map_err(|e| Error::Config {
            path: None,
            line: None,
            message: format!("exclusion regex '{joined}' cannot be used: {e}"),
        })
}

/// `lines_matching`: every line a match touches, mapped to the first line of its statement.
pub(crate) fn lines_matching(regex: &Regex, text: &str, lines: &super::text::LineIndex, first: &[u32]) -> Vec<bool> {
    let mut out = vec![false; first.len()];
    for m in regex.find_iter(text) {
        let start = lines.line_of(offset(m.start()));
        let end = lines.line_of(offset(m.end()));
        for line in start..=end {
            let mapped = first.get(line as usize).copied().unwrap_or(line);
            if let Some(slot) = out.get_mut(mapped as usize) {
                *slot = true;
            }
        }
    }
    out
}

fn offset(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The token walk of `_raw_parse`: a `:` at bracket level 0 on a statement with an excluded line starts excluding
/// the suite, until a statement at the same or an outer indentation. `excluded` holds the regex matches and gets
/// the swallowed lines.
pub(crate) fn swallow_suites(tokens: &[Token], excluded: &mut [bool]) {
    let mut indent: i64 = 0;
    let mut exclude_indent: i64 = 0;
    let mut excluding = false;
    let mut first_line: u32 = 0;
    let mut nesting: i64 = 0;
    let set = |excluded: &mut [bool], line: u32| {
        if let Some(slot) = excluded.get_mut(line as usize) {
            *slot = true;
        }
    };
    for &token in tokens {
        match token.kind {
            Tok::Indent => indent += 1,
            Tok::Dedent => indent -= 1,
            Tok::Colon if nesting == 0 => {
                let lo = first_line as usize;
                let hi = (token.end as usize + 1).min(excluded.len());
                let should_exclude = lo < hi && excluded[lo..hi].iter().any(|&e| e);
                if !excluding && should_exclude {
                    set(excluded, token.end);
                    exclude_indent = indent;
                    excluding = true;
                }
            }
            Tok::Open => nesting += 1,
            Tok::Close => nesting -= 1,
            Tok::Newline => first_line = 0,
            Tok::Colon | Tok::Other => {}
        }
        if token.significant() && first_line == 0 {
            first_line = token.start;
            if excluding && indent <= exclude_indent {
                excluding = false;
            }
            if excluding {
                set(excluded, token.end);
            }
        }
    }
}

/// The AST part of `_raw_parse`, in its pre-order: docstring lines of the module, classes and functions; an
/// exclusion on a decorator or a `def`/`class` line spreads to the whole definition; an irrefutable `case` whose
/// body's statements are all excluded gets its pattern lines excluded. Returns the docstring lines.
pub(crate) fn apply_tree(module: &[Node], raw: &[bool], excluded: &mut [bool]) -> Vec<bool> {
    let mut docstrings = vec![false; excluded.len()];
    mark_docstring(module, &mut docstrings);
    let mut todo: Vec<&Node> = module.iter().rev().collect();
    while let Some(node) = todo.pop() {
        match &node.kind {
            Kind::Def(def) => {
                mark_docstring(&def.body, &mut docstrings);
                let first = def.decorators.iter().copied().min().unwrap_or(node.line).min(node.line);
                if any_in(excluded, first, node.line) {
                    set_range(excluded, first, node.end_line);
                }
            }
            Kind::Match { cases } => {
                for case in cases {
                    if case.irrefutable
                        && let (Some(first), Some(last)) = (case.body.first(), case.body.last())
                    {
                        let mut any = false;
                        let mut all = true;
                        for line in first.line..=last.end_line {
                            if raw.get(line as usize).copied().unwrap_or(false) {
                                any = true;
                                all &= excluded.get(line as usize).copied().unwrap_or(false);
                            }
                        }
                        if any && all {
                            set_range(excluded, case.pattern_line, case.pattern_end_line);
                        }
                    }
                }
            }
            _ => {}
        }
        node.push_children(&mut todo);
    }
    docstrings
}

fn mark_docstring(body: &[Node], docstrings: &mut [bool]) {
    if let Some(first) = body.first()
        && matches!(first.kind, Kind::Expr { string: true })
    {
        set_range(docstrings, first.line, first.end_line);
    }
}

fn any_in(lines: &[bool], lo: u32, hi: u32) -> bool {
    (lo..=hi).any(|l| lines.get(l as usize).copied().unwrap_or(false))
}

fn set_range(lines: &mut [bool], lo: u32, hi: u32) {
    for l in lo..=hi {
        if let Some(slot) = lines.get_mut(l as usize) {
            *slot = true;
        }
    }
}
