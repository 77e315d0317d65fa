//! [`analyse`]: one source file to its statements, excluded lines and possible arcs, as coverage.py 7.17's
//! `PythonParser` computes them on Python 3.11 (`parse_source`, `arcs`, `lines_matching` for the partial-branch
//! lines), plus the errors for a file it cannot parse.

use std::collections::BTreeMap;
use std::path::Path;

use ruff_python_ast::{Mod, PythonVersion};
use ruff_python_parser::{Mode, ParseOptions};

use super::arcs::{Analyzer, Arc};
pub use super::error::{SourceError, SourceErrorKind};
use super::exclusions::{self, Exclusions};
use super::statements::Statements;
use super::text::{self, LineIndex};
use super::tokens;
use super::tree::Builder;

/// What coverage.py learns from parsing one source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileAnalysis {
    /// `PythonParser.statements`: executable lines, first lines of their statements, sorted.
    pub statements: Vec<u32>,
    /// `PythonParser.excluded`, sorted.
    pub excluded: Vec<u32>,
    /// `PythonParser.arcs()`: possible `(from, to)` arcs between first lines, negative for code-object entry and
    /// exit, sorted.
    pub arcs: Vec<(i64, i64)>,
    /// `no_branch_lines()`: lines matching the partial-branch regexes, sorted.
    pub no_branch: Vec<u32>,
    /// The multi-line map: `first[line]` is the first line of the statement holding `line`.
    first: Vec<u32>,
    fixers: BTreeMap<Arc, Option<Arc>>,
}

impl FileAnalysis {
    /// `first_line`: the first line of the statement holding `line` (negative lines map to negative lines).
    pub fn first_line(&self, line: i64) -> i64 {
        let map = |l: i64| u32::try_from(l).map_or(l, |u| i64::from(self.first.get(u as usize).copied().unwrap_or(u)));
        if line < 0 { -map(-line) } else { map(line) }
    }

    /// `translate_arcs` for one measured arc: the with-jump fix, then first lines; `None` when it is dropped.
    pub fn translate_arc(&self, arc: (i64, i64)) -> Option<(i64, i64)> {
        let (a, b) = self.fixers.get(&arc).copied().unwrap_or(Some(arc))?;
        Some((self.first_line(a), self.first_line(b)))
    }
}

/// Analyses one Python source file as coverage.py 7.17 does under Python 3.11: `bytes` is the file's content,
/// `path` only names it in errors. Pure: no I/O, no environment.
pub fn analyse(path: &Path, bytes: &[u8], exclusions: &Exclusions) -> Result<FileAnalysis, SourceError> {
    analyse_inner(bytes, exclusions).map_err(|e| e.at(path))
}

fn analyse_inner(bytes: &[u8], exclusions: &Exclusions) -> Result<FileAnalysis, SourceError> {
    if u32::try_from(bytes.len()).is_err() {
        return Err(SourceError::new(
            SourceErrorKind::Unsupported,
            None,
            "the file is 4 GiB or larger".into(),
        ));
    }
    let text = text::decode(bytes)?;
    if let Some(at) = memchr::memchr(0, text.as_bytes()) {
        let line = LineIndex::new(&text).line_of(u32::try_from(at).unwrap_or(u32::MAX));
        return Err(SourceError::new(
            SourceErrorKind::Syntax,
            Some(line),
            "source code string cannot contain null bytes".into(),
        ));
    }
    let lines = LineIndex::new(&text);
    let line_count = lines.line_count();
    // The tokenizer goes first: it refuses nesting CPython refuses, before the recursive parser sees it.
    // CPython's parser reports its own errors before `tokenize` runs, so a tokenizer error other than the nesting
    // limits gives way to the parser's when it has one.
    let toks = match tokens::tokenize(&text) {
        Ok(toks) => toks,
        Err(e) if e.kind == SourceErrorKind::TooDeep => return Err(e),
        Err(e) => {
            parse(&text, &lines)?;
            return Err(e);
        }
    };
    let module = parse(&text, &lines)?;
    let first = tokens::multiline_map(&toks, line_count);
    let tree = Builder::module(&lines, &module.body);

    let mut excluded = match exclusions.exclude() {
        Some(regex) => exclusions::lines_matching(regex, &text, &lines, &first),
        None => vec![false; first.len()],
    };
    exclusions::swallow_suites(&toks, &mut excluded);
    let empty = !toks.iter().any(|t| t.significant());
    let raw = if empty {
        vec![false; first.len()]
    } else {
        Statements::of_module(&tree, line_count, &text)
    };
    // `self.excluded = self.first_lines(self.excluded)`.
    let mut mapped = vec![false; first.len()];
    for (line, &is) in excluded.iter().enumerate() {
        if is && let Some(&f) = first.get(line) {
            mapped[f as usize] = true;
        }
    }
    let mut excluded = mapped;
    let docstrings = exclusions::apply_tree(&tree, &raw, &mut excluded);

    let ignore = |l: usize| excluded[l] || docstrings[l];
    let mut is_statement = vec![false; first.len()];
    for (line, &r) in raw.iter().enumerate() {
        if r && !ignore(line) {
            is_statement[first[line] as usize] = true;
        }
    }
    let statements: Vec<u32> = (0..first.len())
        .filter(|&l| is_statement[l] && !ignore(l))
        .map(to_line)
        .collect();

    let mut first_raw = vec![false; first.len()];
    for (line, &r) in raw.iter().enumerate() {
        if r {
            first_raw[first[line] as usize] = true;
        }
    }
    let arcs = Analyzer::run(&tree, &first, &first_raw);
    let no_branch = match exclusions.partial() {
        Some(regex) => exclusions::lines_matching(regex, &text, &lines, &first),
        None => Vec::new(),
    };
    Ok(FileAnalysis {
        statements,
        excluded: flagged(&excluded),
        arcs: arcs.arcs,
        no_branch: flagged(&no_branch),
        first,
        fixers: arcs.fixers,
    })
}

fn to_line(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn flagged(lines: &[bool]) -> Vec<u32> {
    lines
        .iter()
        .enumerate()
        .filter(|&(_, &f)| f)
        .map(|(l, _)| to_line(l))
        .collect()
}

/// Parses with Python 3.11's grammar: syntax newer than the oracle's Python is an error, as it is for coverage.py
/// running there.
fn parse(text: &str, lines: &LineIndex) -> Result<ruff_python_ast::ModModule, SourceError> {
    let options = ParseOptions::from(Mode::Module).with_target_version(PythonVersion::PY311);
    let parsed = ruff_python_parser::parse_unchecked(text, options);
    // ruff recovers and goes on; the first error in the file is the one CPython reports.
    if let Some(e) = parsed.errors().iter().min_by_key(|e| e.location.start()) {
        let line = lines.line_of(e.location.start().to_u32());
        return Err(SourceError::new(
            SourceErrorKind::Syntax,
            Some(line),
            e.error.to_string(),
        ));
    }
    if let Some(e) = parsed.unsupported_syntax_errors().first() {
        return Err(SourceError::new(
            SourceErrorKind::Syntax,
            Some(lines.line_of(e.range.start().to_u32())),
            e.to_string(),
        ));
    }
    match parsed.into_syntax() {
        Mod::Module(m) => {
            super::tree::check_future_imports(&m.body)
                .map_err(|(at, message)| SourceError::new(SourceErrorKind::Syntax, Some(lines.line_of(at)), message))?;
            Ok(m)
        }
        Mod::Expression(_) => Err(SourceError::new(SourceErrorKind::Syntax, None, "not a module".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> Result<FileAnalysis, SourceError> {
        analyse(Path::new("t.py"), bytes, &Exclusions::coverage_defaults())
    }

    #[test]
    fn the_default_regexes_compile() {
        let e = Exclusions::new(exclusions::DEFAULT_EXCLUDE, exclusions::DEFAULT_PARTIAL).expect("defaults");
        assert!(e.exclude().is_some() && e.partial().is_some());
    }

    #[test]
    fn ten_thousand_nested_brackets_are_refused_as_cpython_refuses_them() {
        let src = format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
        let err = run(src.as_bytes()).expect_err("too deep");
        assert_eq!((err.kind, err.line), (SourceErrorKind::TooDeep, Some(1)));
        assert_eq!(
            err.to_string(),
            "t.py:1: cannot parse as Python source: too many nested parentheses"
        );
    }

    /// Measured with coverage.py 7.17 on the same input: statements [1], arcs [(1, -1)].
    #[test]
    fn a_ten_megabyte_line_is_one_statement() {
        let src = format!("x = [{}0]\n", "12345, 'abc', (6, 7), ".repeat(480_000));
        assert!(src.len() > 10_000_000);
        let a = run(src.as_bytes()).expect("parses");
        assert_eq!((a.statements, a.arcs), (vec![1], vec![(1, -1)]));
    }

    #[test]
    fn deep_unary_chains_do_not_overflow_the_stack() {
        // No brackets, so the tokenizer's limit does not apply; the parser and the tree walks grow their stacks.
        let src = format!("if {}x:\n    pass\n", "not ".repeat(20_000));
        let a = run(src.as_bytes()).expect("parses");
        assert_eq!(a.statements, vec![1, 2]);
    }

    #[test]
    fn binary_and_nul_bytes_are_errors_naming_the_file() {
        let err = run(b"x = 1\0\n").expect_err("NUL");
        assert_eq!(err.kind, SourceErrorKind::Syntax);
        assert!(err.to_string().starts_with("t.py:1: "), "{err}");
        let binary: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(run(&binary).is_err());
    }

    #[test]
    fn undecodable_bytes_become_replacement_characters_as_in_coverage_py() {
        let a = run(b"x = 1\ny = '\xff'\nz = 3\n").expect("decodes with replacement");
        assert_eq!(a.statements, vec![1, 2, 3]);
        let err = run(b"x = '\xff'\n").expect_err("line 1 must be UTF-8 to look for a cookie");
        assert_eq!((err.kind, err.line), (SourceErrorKind::Encoding, Some(1)));
    }

    #[test]
    fn crlf_tabs_bom_and_a_latin1_declaration() {
        let a = run(b"\xef\xbb\xbfif x:\r\n\ty = 1\r\nelse:\r\n\ty = 2  # pragma: no cover\r\n").expect("parses");
        assert_eq!((a.statements, a.excluded), (vec![1, 2], vec![4]));
        let a = run(b"# coding: latin-1\ns = '\xe9'\n").expect("parses");
        assert_eq!(a.statements, vec![2]);
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let err = run(b"x = 1\ndef f(:\n    pass\n").expect_err("syntax error");
        assert_eq!((err.kind, err.line), (SourceErrorKind::Syntax, Some(2)));
    }
}
