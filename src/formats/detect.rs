//! Detects a coverage file's format from its content, not its name.

use std::path::Path;

use crate::error::{Error, Result};

/// The formats prowcov reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// coverage.py's SQLite data file (`.coverage`, schema 7).
    CoveragePy,
    /// `coverage json` output.
    CoveragePyJson,
    /// Cobertura XML (`coverage xml`, gcovr, converted JaCoCo, ...).
    Cobertura,
    /// LCOV tracefile.
    Lcov,
    /// Go cover profile (`go test -coverprofile`).
    GoProfile,
    /// prowcov's own JSON with line detail (`prowcov convert --to json`).
    ProwcovJson,
}

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Whether the file at `path` starts with SQLite's header (coverage.py data), reading only those bytes.
pub(super) fn is_sqlite(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = [0u8; SQLITE_MAGIC.len()];
    let mut file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::read(path, e)),
        }
    }
    Ok(head[..filled] == *SQLITE_MAGIC)
}

/// Detects the format of `bytes`, the content of `path`.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format> {
    let unknown = |detail: String| {
        Err(Error::UnknownFormat {
            path: path.to_path_buf(),
            detail,
        })
    };
    if bytes.starts_with(SQLITE_MAGIC) {
        return Ok(Format::CoveragePy);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let text = &text[start..];
    if text.is_empty() {
        return unknown("the file is empty".into());
    }
    let head = &text[..text.len().min(4096)];
    if head.contains(&0) {
        return unknown("binary data that is not an SQLite database".into());
    }
    match text[0] {
        b'<' => match xml_root(head) {
            Some("coverage") => Ok(Format::Cobertura),
            Some("report") => unknown("JaCoCo XML; convert it to Cobertura first, for example with cover2cover".into()),
            Some(other) => unknown(format!("XML whose root element is <{other}>, not <coverage>")),
            None => unknown("XML without a root element in its first 4 KiB".into()),
        },
        b'{' => match first_json_key(head) {
            Some("meta") => Ok(Format::CoveragePyJson),
            Some("schema") => Ok(Format::ProwcovJson),
            Some(other) => unknown(format!("JSON whose first key is \"{}\"", other.escape_default())),
            None => unknown("JSON that does not start with an object key".into()),
        },
        _ => {
            let first_line = text
                .split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .find(|l| !l.is_empty() && !l.starts_with(b"#"))
                .unwrap_or_default();
            if first_line.starts_with(b"mode:") {
                Ok(Format::GoProfile)
            } else if first_line.starts_with(b"TN:") || first_line.starts_with(b"SF:") {
                Ok(Format::Lcov)
            } else {
                let shown: String = String::from_utf8_lossy(&first_line[..first_line.len().min(40)]).into();
                unknown(format!("it starts with `{}`", shown.escape_debug()))
            }
        }
    }
}

/// The name of the first element that is not a declaration, comment or doctype.
fn xml_root(head: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(head).ok().or_else(|| {
        // The head may end inside a multi-byte character.
        let valid = std::str::from_utf8(head).err()?.valid_up_to();
        std::str::from_utf8(&head[..valid]).ok()
    })?;
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if let Some(r) = rest.strip_prefix("<!") {
            // A doctype's internal subset (`<!DOCTYPE coverage [ <!ENTITY ...> ]>`) holds `>`s of its own.
            let close = r.find('>')?;
            let after_subset = match r.find('[') {
                Some(open) if open < close => open + r[open..].find(']')?,
                _ => 0,
            };
            rest = &r[after_subset + r[after_subset..].find('>')? + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            let end = r.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
            return Some(&r[..end]);
        } else {
            return None;
        }
    }
}

fn first_json_key(head: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(&head[1..]).ok().unwrap_or_else(|| {
        let valid = std::str::from_utf8(&head[1..]).map_or_else(|e| e.valid_up_to(), str::len);
        std::str::from_utf8(&head[1..1 + valid]).unwrap_or("")
    });
    let rest = text.trim_start().strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> Result<Format> {
        detect(Path::new("x"), s.as_bytes())
    }

    #[test]
    fn detects_each_format_by_content() {
        assert_eq!(
            fmt("<?xml version=\"1.0\" ?>\n<!-- c -->\n<coverage version=\"7\">").unwrap(),
            Format::Cobertura
        );
        assert_eq!(
            fmt("<?xml version=\"1.0\"?>\n<!DOCTYPE coverage [<!ENTITY a \"b\">]>\n<coverage>").unwrap(),
            Format::Cobertura
        );
        assert_eq!(fmt("TN:\nSF:a.c\n").unwrap(), Format::Lcov);
        assert_eq!(fmt("# comment\nSF:a.c\n").unwrap(), Format::Lcov);
        assert_eq!(fmt("mode: set\nm/a.go:1.1,2.2 1 1\n").unwrap(), Format::GoProfile);
        assert_eq!(fmt("{\"meta\": {\"format\": 3}}").unwrap(), Format::CoveragePyJson);
        assert_eq!(fmt("{\n  \"schema\": 1}").unwrap(), Format::ProwcovJson);
        assert_eq!(
            detect(Path::new("x"), b"SQLite format 3\0....").unwrap(),
            Format::CoveragePy
        );
    }

    #[test]
    fn unknown_input_says_what_it_saw() {
        let e = fmt("hello world").unwrap_err().to_string();
        assert!(
            e.starts_with("x: not a coverage format prowcov reads (it starts with `hello world`)"),
            "{e}"
        );
        assert!(fmt("").unwrap_err().to_string().contains("empty"));
        assert!(fmt("<report name=\"j\">").unwrap_err().to_string().contains("JaCoCo"));
    }
}
