//! An INI reader that accepts exactly what Python's `configparser.ConfigParser(interpolation=None)` accepts, as
//! coverage.py uses it: `[section]` headers, `name = value` or `name: value`, lower-cased option names, values
//! continued on more-indented lines (blank lines kept inside), full-line `#`/`;` comments, a `[DEFAULT]` section
//! whose options every section inherits, and its errors (duplicate sections or options, text before any section,
//! lines that are not options).

use std::path::Path;

use crate::error::{Error, Result};

/// One option: its value (continuation lines joined with `\n`) and the line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub name: String,
    pub value: String,
    pub line: u64,
}

/// A parsed file: sections in file order, each with its options in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ini {
    sections: Vec<(String, Vec<Entry>)>,
    defaults: Vec<Entry>,
}

const DEFAULT_SECTION: &str = "DEFAULT";

impl Ini {
    /// Parses `text`, read from `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Ini> {
        Parser {
            path,
            ini: Ini::default(),
            current: None,
            option: None,
            indent_level: 0,
        }
        .run(text)
    }

    /// The sections in file order, each with its own options (without the inherited `[DEFAULT]` ones).
    pub fn sections(&self) -> impl Iterator<Item = (&str, &[Entry])> {
        self.sections
            .iter()
            .map(|(name, entries)| (name.as_str(), entries.as_slice()))
    }

    /// The `[DEFAULT]` options, which every section inherits.
    pub fn defaults(&self) -> &[Entry] {
        &self.defaults
    }

    pub fn has_section(&self, name: &str) -> bool {
        self.sections.iter().any(|(n, _)| n == name)
    }

    /// The options of `section` followed by the inherited `[DEFAULT]` ones it does not override, as configparser's
    /// `options()` lists them; `None` if there is no such section.
    pub fn options(&self, section: &str) -> Option<Vec<&Entry>> {
        let (_, own) = self.sections.iter().find(|(n, _)| n == section)?;
        let mut all: Vec<&Entry> = own.iter().collect();
        all.extend(self.defaults.iter().filter(|d| !own.iter().any(|e| e.name == d.name)));
        Some(all)
    }

    /// The option `name` (lower case) of `section`, falling back to `[DEFAULT]`.
    pub fn get(&self, section: &str, name: &str) -> Option<&Entry> {
        self.options(section)?.into_iter().find(|e| e.name == name)
    }
}

/// Where an option is stored: the index of its section (or the defaults) and of the entry.
#[derive(Clone, Copy)]
enum Slot {
    Defaults,
    Section(usize),
}

struct Parser<'a> {
    path: &'a Path,
    ini: Ini,
    current: Option<Slot>,
    /// The option continuation lines are appended to (index into the current section).
    option: Option<usize>,
    indent_level: usize,
}

impl Parser<'_> {
    fn run(mut self, text: &str) -> Result<Ini> {
        for (index, raw) in split_lines(text).enumerate() {
            let line = index as u64 + 1;
            let stripped = py_strip(raw);
            let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
            if stripped.is_empty() || is_comment {
                // configparser keeps blank lines inside a value (trimmed at the end), but not comment lines.
                if !is_comment && let Some(entry) = self.current_entry() {
                    entry.value.push('\n');
                }
                continue;
            }
            let indent = raw.len() - raw.trim_start_matches(py_isspace).len();
            if self.option.is_some() && indent > self.indent_level {
                if let Some(entry) = self.current_entry() {
                    entry.value.push('\n');
                    entry.value.push_str(stripped);
                }
                continue;
            }
            self.indent_level = indent;
            if let Some(header) = section_header(stripped) {
                self.start_section(header, line)?;
            } else {
                self.add_option(stripped, raw, line)?;
            }
        }
        for entry in self.ini.defaults.iter_mut() {
            trim_value_end(&mut entry.value);
        }
        for (_, entries) in self.ini.sections.iter_mut() {
            for entry in entries {
                trim_value_end(&mut entry.value);
            }
        }
        Ok(self.ini)
    }

    fn entries(&mut self, slot: Slot) -> &mut Vec<Entry> {
        match slot {
            Slot::Defaults => &mut self.ini.defaults,
            Slot::Section(i) => &mut self.ini.sections[i].1,
        }
    }

    fn current_entry(&mut self) -> Option<&mut Entry> {
        let (slot, option) = (self.current?, self.option?);
        self.entries(slot).get_mut(option)
    }

    fn start_section(&mut self, header: &str, line: u64) -> Result<()> {
        self.option = None;
        if header == DEFAULT_SECTION {
            self.current = Some(Slot::Defaults);
            return Ok(());
        }
        if self.ini.has_section(header) {
            return Err(self.error(line, format!("section [{header}] already exists")));
        }
        self.ini.sections.push((header.to_string(), Vec::new()));
        self.current = Some(Slot::Section(self.ini.sections.len() - 1));
        Ok(())
    }

    fn add_option(&mut self, stripped: &str, raw: &str, line: u64) -> Result<()> {
        let Some(slot) = self.current else {
            return Err(self.error(
                line,
                format!(
                    "expected a [section] header before options, found {:?}",
                    raw.trim_end_matches(['\r', '\n'])
                ),
            ));
        };
        let Some(delim) = stripped.find(['=', ':']) else {
            return Err(self.error(
                line,
                format!("expected `name = value` or `name: value`, found {stripped:?}"),
            ));
        };
        let name = py_strip(&stripped[..delim]).to_lowercase();
        if name.is_empty() {
            return Err(self.error(
                line,
                format!("expected an option name before the `=` or `:`, found {stripped:?}"),
            ));
        }
        let value = py_strip(&stripped[delim + 1..]).to_string();
        if self.entries(slot).iter().any(|e| e.name == name) {
            let section = match slot {
                Slot::Defaults => DEFAULT_SECTION.to_string(),
                Slot::Section(i) => self.ini.sections[i].0.clone(),
            };
            return Err(self.error(line, format!("option {name:?} in section [{section}] already exists")));
        }
        let entries = self.entries(slot);
        entries.push(Entry { name, value, line });
        self.option = Some(entries.len() - 1);
        Ok(())
    }

    fn error(&self, line: u64, message: String) -> Error {
        Error::config(Some(self.path), Some(line), message)
    }
}

/// configparser's very permissive header: `[` then anything up to the last `]` on the line.
fn section_header(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// Lines as Python's universal newlines split them: `\n`, `\r\n` or a lone `\r`.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            usize::from(end < rest.len())
        };
        rest = &rest[end + skip..];
        Some(line)
    })
}

/// Python's `str.isspace`, which also counts the ASCII separators `\x1c`..`\x1f` that Rust does not.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

fn trim_value_end(value: &mut String) {
    let len = value.trim_end_matches(py_isspace).len();
    value.truncate(len);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Ini {
        Ini::parse(text, Path::new("setup.cfg")).unwrap()
    }

    fn parse_err(text: &str) -> String {
        Ini::parse(text, Path::new("setup.cfg")).unwrap_err().to_string()
    }

    fn value(ini: &Ini, section: &str, name: &str) -> String {
        ini.get(section, name).unwrap().value.clone()
    }

    #[test]
    fn options_with_either_delimiter_and_lower_cased_names() {
        let ini = parse("[run]\nBranch = True\ndata_file: x = y\n");
        assert_eq!(value(&ini, "run", "branch"), "True");
        assert_eq!(value(&ini, "run", "data_file"), "x = y");
        assert_eq!(ini.get("run", "data_file").unwrap().line, 3);
    }

    #[test]
    fn continuation_lines_keep_inner_blank_lines_and_drop_comments() {
        let ini = parse("[paths]\nsource =\n    src/\n\n    # a comment\n    /ci/*/src\n\n[run]\n");
        assert_eq!(value(&ini, "paths", "source"), "\nsrc/\n\n/ci/*/src");
    }

    #[test]
    fn comments_are_full_lines_only() {
        let ini = parse("# top\n[run]\n; note\ndata_file = a # not a comment\n");
        assert_eq!(value(&ini, "run", "data_file"), "a # not a comment");
    }

    #[test]
    fn section_headers_are_permissive_and_case_sensitive() {
        let ini = parse("[coverage:run] trailing\nbranch = 1\n[Run]\n");
        assert!(ini.has_section("coverage:run"));
        assert!(ini.has_section("Run"));
        assert!(!ini.has_section("run"));
    }

    #[test]
    fn defaults_are_inherited() {
        let ini = parse("[DEFAULT]\nbranch = 1\n[run]\nparallel = 1\n");
        assert_eq!(value(&ini, "run", "branch"), "1");
        assert!(!ini.has_section("DEFAULT"));
    }

    #[test]
    fn line_endings() {
        let ini = parse("[run]\r\nbranch = 1\rparallel = 0\r\n");
        assert_eq!(value(&ini, "run", "branch"), "1");
        assert_eq!(value(&ini, "run", "parallel"), "0");
    }

    #[test]
    fn errors_name_file_and_line() {
        insta::assert_snapshot!(parse_err("branch = 1\n"), @r#"setup.cfg:1: expected a [section] header before options, found "branch = 1""#);
        insta::assert_snapshot!(parse_err("[run]\n[run]\n"), @"setup.cfg:2: section [run] already exists");
        insta::assert_snapshot!(parse_err("[run]\nbranch=1\nBRANCH=0\n"), @r#"setup.cfg:3: option "branch" in section [run] already exists"#);
        insta::assert_snapshot!(parse_err("[run]\njust words\n"), @r#"setup.cfg:2: expected `name = value` or `name: value`, found "just words""#);
        insta::assert_snapshot!(parse_err("[run]\n= 1\n"), @r#"setup.cfg:2: expected an option name before the `=` or `:`, found "= 1""#);
    }
}
