//! The token stream coverage.py's `PythonParser` walks, as Python 3.11's pure-Python `tokenize` produces it.
//!
//! Only what coverage.py looks at is kept: where logical lines end (`NEWLINE`), `INDENT`/`DEDENT`, the `:` and
//! bracket operators, and every other significant token with its first and last line. Comments and `NL` are
//! dropped (coverage.py ignores them). The limits of CPython's own tokenizer are applied as it applies them (200
//! nested brackets, 100 indentation levels), so a file CPython cannot compile is refused here too, before the parser
//! ever sees it; that also bounds the parser's recursion.

use super::error::{SourceError, SourceErrorKind};

/// CPython's `MAXLEVEL`: more nested brackets is "too many nested parentheses".
const MAX_BRACKETS: usize = 200;
/// CPython's `MAXINDENT`: more is "too many levels of indentation".
const MAX_INDENTS: usize = 100;
/// `tokenize.tabsize`.
const TAB_SIZE: u32 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Indent,
    Dedent,
    Newline,
    /// The `:` operator (not `:=`).
    Colon,
    Open,
    Close,
    /// Any other token whose text is not blank: names, numbers, strings, operators, error tokens.
    Other,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    /// coverage.py's test `ttext.strip() and toktype != COMMENT`.
    pub(crate) fn significant(self) -> bool {
        !matches!(self.kind, Kind::Indent | Kind::Dedent | Kind::Newline)
    }
}

/// An open string spanning lines: where it started and how it ends.
struct OpenString {
    start: u32,
    quote: u8,
    triple: bool,
}

/// Tokenizes `text` (which ends with `\n` unless empty).
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, SourceError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::with_capacity(bytes.len() / 4);
    let mut paren_level: usize = 0;
    let mut continued = false;
    let mut indents: Vec<u32> = vec![0];
    let mut open: Option<OpenString> = None;
    let mut lnum: u32 = 0;
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i + 1);
        let line = &bytes[line_start..line_end];
        line_start = line_end;
        lnum += 1;
        let mut pos = 0;
        if let Some(string) = &open {
            match string_end(line, 0, string.quote, string.triple) {
                Some(end) => {
                    tokens.push(Token {
                        kind: Kind::Other,
                        start: string.start,
                        end: lnum,
                    });
                    open = None;
                    pos = end;
                }
                None if !string.triple && !ends_with_continuation(line) => {
                    // tokenize's ERRORTOKEN for an unterminated string (CPython refuses the file before this).
                    tokens.push(Token {
                        kind: Kind::Other,
                        start: string.start,
                        end: lnum,
                    });
                    open = None;
                    continue;
                }
                None => continue,
            }
        } else if paren_level == 0 && !continued {
            let mut column = 0;
            while pos < line.len() {
                match line[pos] {
                    b' ' => column += 1,
                    b'\t' => column = (column / TAB_SIZE + 1) * TAB_SIZE,
                    b'\x0c' => column = 0,
                    _ => break,
                }
                pos += 1;
            }
            if pos == line.len() {
                break;
            }
            if matches!(line[pos], b'#' | b'\r' | b'\n') {
                continue;
            }
            let last = indents.last().copied().unwrap_or(0);
            if column > last {
                if indents.len() >= MAX_INDENTS {
                    return Err(too_deep(lnum, "too many levels of indentation"));
                }
                indents.push(column);
                tokens.push(Token {
                    kind: Kind::Indent,
                    start: lnum,
                    end: lnum,
                });
            }
            while column < indents.last().copied().unwrap_or(0) {
                if !indents.contains(&column) {
                    return Err(SourceError::new(
                        SourceErrorKind::Syntax,
                        Some(lnum),
                        "unindent does not match any outer indentation level".into(),
                    ));
                }
                indents.pop();
                tokens.push(Token {
                    kind: Kind::Dedent,
                    start: lnum,
                    end: lnum,
                });
            }
        } else {
            continued = false;
        }

        while pos < line.len() {
            while pos < line.len() && matches!(line[pos], b' ' | b'\t' | b'\x0c') {
                pos += 1;
            }
            let Some(&c) = line.get(pos) else { break };
            let one = |kind| Token {
                kind,
                start: lnum,
                end: lnum,
            };
            match c {
                b'\\' => {
                    let rest = &line[pos + 1..];
                    if rest == b"\n" || rest == b"\r\n" {
                        continued = true;
                        pos = line.len();
                    } else {
                        tokens.push(one(Kind::Other));
                        pos += 1;
                    }
                }
                // A comment runs to the end of the line, not over its newline.
                b'#' => pos += line[pos..].iter().take_while(|&&b| b != b'\r' && b != b'\n').count(),
                b'\n' => {
                    if paren_level == 0 {
                        tokens.push(one(Kind::Newline));
                    }
                    pos += 1;
                }
                b'\r' if line.get(pos + 1) == Some(&b'\n') => {
                    if paren_level == 0 {
                        tokens.push(one(Kind::Newline));
                    }
                    pos += 2;
                }
                // A lone \r: tokenize's ERRORTOKEN whose text is blank, so not significant.
                b'\r' => pos += 1,
                b'\'' | b'"' => match start_string(line, pos) {
                    Scanned::Done(end) => {
                        tokens.push(one(Kind::Other));
                        pos = end;
                    }
                    Scanned::Open { quote, triple } => {
                        open = Some(OpenString {
                            start: lnum,
                            quote,
                            triple,
                        });
                        pos = line.len();
                    }
                    Scanned::Error => {
                        tokens.push(one(Kind::Other));
                        pos += 1;
                    }
                },
                b'(' | b'[' | b'{' => {
                    paren_level += 1;
                    if paren_level > MAX_BRACKETS {
                        return Err(too_deep(lnum, "too many nested parentheses"));
                    }
                    tokens.push(one(Kind::Open));
                    pos += 1;
                }
                b')' | b']' | b'}' => {
                    // tokenize.py lets the level go negative on a stray closer; CPython refuses the file anyway.
                    paren_level = paren_level.saturating_sub(1);
                    tokens.push(one(Kind::Close));
                    pos += 1;
                }
                b':' => {
                    if line.get(pos + 1) == Some(&b'=') {
                        tokens.push(one(Kind::Other));
                        pos += 2;
                    } else {
                        tokens.push(one(Kind::Colon));
                        pos += 1;
                    }
                }
                _ if is_word_byte(c) => {
                    let run_end = pos + line[pos..].iter().take_while(|&&b| is_word_byte(b)).count();
                    // A string prefix (`rb`, `f`, ...) directly followed by a quote starts a string here.
                    if run_end - pos <= 2
                        && line.get(run_end).is_some_and(|&q| q == b'\'' || q == b'"')
                        && is_string_prefix(&line[pos..run_end])
                    {
                        pos = run_end;
                        continue;
                    }
                    tokens.push(one(Kind::Other));
                    pos = run_end;
                }
                _ => {
                    // Operators and anything else: one significant token on this line. Multi-character operators
                    // need no care, none holds a bracket or a colon (`:=` is handled above).
                    tokens.push(one(Kind::Other));
                    pos += 1;
                }
            }
        }
    }
    if open.is_some() {
        return Err(SourceError::new(
            SourceErrorKind::Syntax,
            Some(lnum),
            "EOF in multi-line string".into(),
        ));
    }
    if paren_level > 0 || continued {
        return Err(SourceError::new(
            SourceErrorKind::Syntax,
            Some(lnum),
            "EOF in multi-line statement".into(),
        ));
    }
    Ok(tokens)
}

fn too_deep(line: u32, message: &str) -> SourceError {
    SourceError::new(SourceErrorKind::TooDeep, Some(line), message.into())
}

/// Bytes of `\w+` runs and numbers: ASCII alphanumerics, `_`, `.` after a digit is covered by treating `.` as its
/// own token (same line either way), and every non-ASCII byte (identifiers may be Unicode).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_string_prefix(prefix: &[u8]) -> bool {
    let lower: Vec<u8> = prefix.iter().map(u8::to_ascii_lowercase).collect();
    matches!(&lower[..], b"r" | b"u" | b"b" | b"f" | b"br" | b"rb" | b"fr" | b"rf")
}

fn ends_with_continuation(line: &[u8]) -> bool {
    line.ends_with(b"\\\n") || line.ends_with(b"\\\r\n")
}

enum Scanned {
    Done(usize),
    Open { quote: u8, triple: bool },
    Error,
}

/// A string starting at the quote at `pos`: ends on this line, continues on the next, or is an error token.
fn start_string(line: &[u8], pos: usize) -> Scanned {
    let quote = line[pos];
    if line[pos..].starts_with(&[quote, quote, quote]) {
        return match string_end(line, pos + 3, quote, true) {
            Some(end) => Scanned::Done(end),
            None => Scanned::Open { quote, triple: true },
        };
    }
    // tokenize's ContStr: `'[^\n'\\]*(?:\\.[^\n'\\]*)*('|\\\r?\n)`.
    let mut i = pos + 1;
    while i < line.len() {
        match line[i] {
            b'\n' => return Scanned::Error,
            b'\\' => {
                let rest = &line[i + 1..];
                if rest == b"\n" || rest == b"\r\n" {
                    return Scanned::Open { quote, triple: false };
                }
                if rest.first().is_none_or(|&b| b == b'\n') {
                    return Scanned::Error;
                }
                i += 2;
            }
            b if b == quote => return Scanned::Done(i + 1),
            _ => i += 1,
        }
    }
    Scanned::Error
}

/// tokenize's end patterns (`Single`, `Double`, `Single3`, `Double3`) matched from `from`: the offset after the
/// closing quote(s), or `None` when the string goes on past this line. A backslash escapes the next character,
/// except a newline (`.` does not match it), which ends the search on this line.
fn string_end(line: &[u8], from: usize, quote: u8, triple: bool) -> Option<usize> {
    let mut i = from;
    while i < line.len() {
        match line[i] {
            b'\\' => {
                if line.get(i + 1).is_none_or(|&b| b == b'\n') {
                    return None;
                }
                i += 2;
            }
            b if b == quote => {
                if !triple {
                    return Some(i + 1);
                }
                if line[i..].starts_with(&[quote, quote, quote]) {
                    return Some(i + 3);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// `multiline_map_from_tokens`: each line of a logical line spanning several lines mapped to its first line;
/// `first[line] == line` elsewhere. `line_count` is the number of lines in the text.
pub(crate) fn multiline_map(tokens: &[Token], line_count: u32) -> Vec<u32> {
    let mut first: Vec<u32> = (0..=line_count + 1).collect();
    let mut first_line = 0;
    for token in tokens {
        if token.kind == Kind::Newline {
            if first_line != 0 && token.end != first_line {
                for line in first_line..=token.end {
                    if let Some(slot) = first.get_mut(line as usize) {
                        *slot = first_line;
                    }
                }
            }
            first_line = 0;
        }
        if token.significant() && first_line == 0 {
            first_line = token.start;
        }
    }
    first
}
