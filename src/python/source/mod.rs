//! Native Python source analysis: for one source file, the statements, excluded lines and possible arcs exactly as
//! coverage.py 7.17 computes them on Python 3.11, without Python.
//!
//! coverage.py's data file records only what ran; a report needs the rest from the source. coverage.py gets the
//! statements from CPython's line tables (`compile()` + `co_lines()`), the exclusions from regexes and a
//! `tokenize` walk, and the arcs from the AST. Here ruff's parser gives the AST and the line tables are derived by
//! following CPython 3.11's compiler rules (what compiles to no code, which code is unreachable). See
//! `docs/design.md` ("Python source analysis") for the choices and the known differences.
//!
//! The flow, one file at a time: [`text`] (bytes to text as `get_python_source` decodes them) → [`tokens`]
//! (`tokenize`'s logical lines) → [`tree`] (the statement tree from ruff's AST) → [`statements`] (raw statement
//! lines) and [`exclusions`] → [`arcs`]; [`analyse`](analyse::analyse) ties them together.

mod analyse;
mod arcs;
mod error;
mod exclusions;
mod statements;
mod text;
mod tokens;
mod tree;

pub use analyse::{FileAnalysis, SourceError, SourceErrorKind, analyse};
pub use exclusions::{DEFAULT_EXCLUDE, DEFAULT_PARTIAL, DEFAULT_PARTIAL_ALWAYS, Exclusions};
