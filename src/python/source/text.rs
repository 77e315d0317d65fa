//! Source bytes to the text coverage.py analyses, and byte offsets to line numbers.
//!
//! coverage.py reads a file with `get_python_source`: form feeds become spaces, the encoding comes from a BOM or a
//! PEP 263 declaration in the first two lines (`tokenize.detect_encoding`), undecodable bytes become U+FFFD, and a
//! final newline is added when missing. [`decode`] does the same, so line numbers and regex matches agree.

use super::error::{SourceError, SourceErrorKind};

/// Decodes `bytes` as coverage.py's `get_python_source` does.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, SourceError> {
    // The \f replacement comes first, as in coverage.py (bpo-19035), so it also applies to the encoding lines.
    let replaced: Vec<u8>;
    let bytes = if memchr::memchr(b'\x0c', bytes).is_some() {
        replaced = bytes.iter().map(|&b| if b == b'\x0c' { b' ' } else { b }).collect();
        &replaced[..]
    } else {
        bytes
    };
    let mut text = match detect_encoding(bytes)? {
        Encoding::Utf8 { bom } => {
            let body = if bom { &bytes[3..] } else { bytes };
            String::from_utf8_lossy(body).into_owned()
        }
        Encoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        Encoding::Ascii => bytes
            .iter()
            .map(|&b| if b.is_ascii() { char::from(b) } else { '\u{fffd}' })
            .collect(),
        Encoding::Other(encoding) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

enum Encoding {
    Utf8 { bom: bool },
    Latin1,
    Ascii,
    Other(&'static encoding_rs::Encoding),
}

/// `tokenize.detect_encoding`: a UTF-8 BOM, else a coding cookie on line 1, or on line 2 when line 1 is blank or a
/// comment, else UTF-8.
fn detect_encoding(bytes: &[u8]) -> Result<Encoding, SourceError> {
    let bom = bytes.starts_with(b"\xef\xbb\xbf");
    let body = if bom { &bytes[3..] } else { bytes };
    let mut lines = split_lines(body);
    let Some(first) = lines.next() else {
        return Ok(Encoding::Utf8 { bom });
    };
    if let Some(found) = find_cookie(first, 1, bom)? {
        return Ok(found);
    }
    if !is_blank_or_comment(first) {
        return Ok(Encoding::Utf8 { bom });
    }
    match lines.next() {
        Some(second) => Ok(find_cookie(second, 2, bom)?.unwrap_or(Encoding::Utf8 { bom })),
        None => Ok(Encoding::Utf8 { bom }),
    }
}

/// `bytes.splitlines(keepends=True)`, for the first two lines only: breaks at `\n`, `\r\n` and `\r`.
fn split_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match memchr::memchr2(b'\n', b'\r', rest) {
            Some(i) if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        };
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

fn is_blank_or_comment(line: &[u8]) -> bool {
    let trimmed = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))
        .map_or(&[][..], |i| &line[i..]);
    matches!(trimmed.first(), None | Some(b'#' | b'\r' | b'\n'))
}

/// `tokenize.find_cookie`: the cookie regex `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)` on one line.
fn find_cookie(line: &[u8], number: u32, bom: bool) -> Result<Option<Encoding>, SourceError> {
    let Ok(line) = std::str::from_utf8(line) else {
        return Err(encoding_error(number, "invalid or missing encoding declaration".into()));
    };
    let rest = line.trim_start_matches([' ', '\t', '\x0c']);
    let Some(comment) = rest.strip_prefix('#') else {
        return Ok(None);
    };
    let Some(name) = cookie_name(comment) else {
        return Ok(None);
    };
    let normal = normal_name(name);
    let encoding = match normal.as_str() {
        "utf-8" => Encoding::Utf8 { bom },
        "iso-8859-1" => Encoding::Latin1,
        _ => {
            let label = normal.to_ascii_lowercase().replace('_', "-");
            match label.as_str() {
                "utf8" | "u8" | "utf" | "cp65001" => Encoding::Utf8 { bom },
                "ascii" | "us-ascii" | "646" => Encoding::Ascii,
                "latin1" | "l1" | "iso8859-1" | "8859" | "cp819" | "latin" => Encoding::Latin1,
                _ => match encoding_rs::Encoding::for_label(label.as_bytes()) {
                    Some(e) => Encoding::Other(e),
                    None => return Err(encoding_error(number, format!("unknown encoding: {name}"))),
                },
            }
        }
    };
    // tokenize compares the normalised name itself: a BOM with `coding: utf8` is refused too.
    if bom && normal != "utf-8" {
        return Err(encoding_error(number, "encoding problem: utf-8".into()));
    }
    Ok(Some(encoding))
}

/// The first `coding[:=]` in the comment (the regex is lazy), then `[ \t]*([-\w.]+)`.
fn cookie_name(comment: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(i) = comment[from..].find("coding") {
        let after = from + i + "coding".len();
        if let Some(rest) = comment[after..].strip_prefix([':', '=']) {
            let rest = rest.trim_start_matches([' ', '\t']);
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(rest.len());
            if end > 0 {
                return Some(&rest[..end]);
            }
        }
        from = after;
    }
    None
}

/// `tokenize._get_normal_name`.
fn normal_name(name: &str) -> String {
    let enc: String = name
        .chars()
        .take(12)
        .collect::<String>()
        .to_lowercase()
        .replace('_', "-");
    if enc == "utf-8" || enc.starts_with("utf-8-") {
        "utf-8".into()
    } else if ["latin-1", "iso-8859-1", "iso-latin-1"]
        .iter()
        .any(|p| enc == *p || enc.starts_with(&format!("{p}-")))
    {
        "iso-8859-1".into()
    } else {
        name.into()
    }
}

fn encoding_error(line: u32, message: String) -> SourceError {
    SourceError::new(SourceErrorKind::Encoding, Some(line), message)
}

/// Byte offsets to 1-based line numbers (a line ends after `\n`, as in `str.count("\n")`).
pub(crate) struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| offset(i + 1)));
        Self { starts }
    }

    /// The number of lines: every line ends with `\n` once decoded, so this is the count of `\n`.
    pub(crate) fn line_count(&self) -> u32 {
        offset(self.starts.len() - 1)
    }

    /// The line holding byte `offset`.
    pub(crate) fn line_of(&self, offset: u32) -> u32 {
        let i = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(i).unwrap_or(u32::MAX)
    }
}

/// Offsets fit in u32: the caller refuses sources of 4 GiB or more.
fn offset(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}
