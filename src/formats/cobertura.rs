//! Cobertura XML: read (streamed with quick-xml) and write.
//!
//! The reader borrows events from the input slice and parses the numeric attributes by hand; it keeps only the
//! `<source>` list and, per `class@filename`, an accumulator of line records. File names are joined with a source
//! once at the end. Lines under `<methods>` repeat the class's own lines (original Cobertura, gcovr) and are skipped
//! so that they are not counted twice. Line numbers for errors are computed from the byte offset only when an error
//! happens.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::error::{Error, Result};
use crate::formats::ReadOptions;
use crate::formats::accumulate::{FileAccumulator, assemble, finish_in_background};
use crate::formats::lcov::parse_count;
use crate::model::{Coverage, FileCoverage, PercentRule, Summary, path::normalize};

/// More condition outcomes than this on one line is taken as garbage rather than allocated.
const MAX_CONDITIONS: u32 = 1 << 16;

/// Reads `bytes`, the content of `path`.
pub fn read(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Coverage> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::parse(
            path,
            Some(line_of(bytes, e.valid_up_to())),
            "expected UTF-8 text, found an invalid byte sequence",
        )
    })?;
    let (parsed, done) = finish_in_background(|finished| parse(path, bytes, text, finished));
    let (files, sources) = parsed?;
    let keys = files.iter().map(|raw| resolve_filename(raw, &sources, &options.root));
    Ok(assemble(keys, done))
}

/// Streams the document, sending each class's records to `finished`; returns the raw file names (indexed as sent)
/// and the sources.
fn parse(
    path: &Path,
    bytes: &[u8],
    text: &str,
    finished: &Sender<(usize, FileAccumulator)>,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut state = State {
        saw_root: false,
        sources: Vec::new(),
        source: None,
        methods: 0,
        class: None,
        acc: FileAccumulator::default(),
        files: Vec::new(),
        index: HashMap::new(),
        finished,
    };
    let mut reader = Reader::from_str(text);
    let mut depth: u32 = 0;
    loop {
        let at = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let at = reader.error_position() as usize;
                return Err(Error::parse(
                    path,
                    Some(line_of(bytes, at)),
                    format!("expected well-formed XML, found an error: {e}"),
                ));
            }
        };
        let fail = |message: String| Error::parse(path, Some(line_of(bytes, at)), message);
        match event {
            Event::Start(e) => {
                depth += 1;
                state.start(&e, false).map_err(fail)?;
            }
            Event::Empty(e) => state.start(&e, true).map_err(fail)?,
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                state.end(e.name().as_ref());
            }
            Event::Text(t) => {
                if let Some(source) = &mut state.source {
                    source.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(source) = &mut state.source {
                    source.push_str(&resolve_reference(&r).map_err(fail)?);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // quick-xml checks that end tags match, but not that every element was closed: a truncated file must not pass
    // as a complete one.
    if depth > 0 {
        return Err(Error::parse(
            path,
            Some(line_of(bytes, bytes.len().saturating_sub(1))),
            format!("expected {depth} more closing tag(s), up to `</coverage>`, found the end of the file"),
        ));
    }
    if !state.saw_root {
        return Err(Error::parse(
            path,
            None,
            "expected a <coverage> root element, found none",
        ));
    }
    Ok((state.files, state.sources))
}

struct State<'s> {
    saw_root: bool,
    sources: Vec<String>,
    /// The text of the `<source>` being read.
    source: Option<String>,
    /// Depth of `<methods>` elements around the current position; their `<line>`s are skipped.
    methods: u32,
    /// The class being read, as a position in `files`, and its records.
    class: Option<usize>,
    acc: FileAccumulator,
    /// Raw `class@filename` values, in order of first appearance; several classes may share one.
    files: Vec<String>,
    index: HashMap<String, usize>,
    /// Where each class's records go for folding, at its end tag.
    finished: &'s Sender<(usize, FileAccumulator)>,
}

impl State<'_> {
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> std::result::Result<(), String> {
        match e.name().as_ref() {
            "line" if self.methods == 0 => {
                if self.class.is_none() {
                    return Err("expected <line> inside a <class>, found it outside".into());
                }
                parse_line(e, &mut self.acc)?;
            }
            "class" => {
                let filename =
                    attribute(e, "filename")?.ok_or("expected a `filename` attribute on <class>, found none")?;
                let i = match self.index.get(&filename) {
                    Some(&i) => i,
                    None => {
                        self.files.push(filename.clone());
                        self.index.insert(filename, self.files.len() - 1);
                        self.files.len() - 1
                    }
                };
                if empty {
                    // A class without lines still names a measured file.
                    let _ = self.finished.send((i, FileAccumulator::default()));
                } else {
                    self.class = Some(i);
                }
            }
            "methods" if !empty => self.methods += 1,
            "source" if !empty => self.source = Some(String::new()),
            "coverage" => self.saw_root = true,
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) {
        match name {
            "class" => {
                if let Some(class) = self.class.take() {
                    // The receiver only goes away if the folding thread panicked, which the join reports.
                    let _ = self.finished.send((class, std::mem::take(&mut self.acc)));
                }
            }
            "methods" => self.methods = self.methods.saturating_sub(1),
            "source" => {
                if let Some(source) = self.source.take() {
                    let source = source.trim();
                    if !source.is_empty() {
                        self.sources.push(source.to_string());
                    }
                }
            }
            _ => {}
        }
    }
}

/// The normalised value of attribute `name` on `e`.
fn attribute(e: &BytesStart<'_>, name: &str) -> std::result::Result<Option<String>, String> {
    for attr in e.attributes().with_checks(false) {
        let attr = attr.map_err(|err| format!("expected well-formed attributes, found an error: {err}"))?;
        if attr.key.as_ref() == name {
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| format!("expected a valid `{name}` value, found an error: {err}"))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// One `<line number hits [branch condition-coverage]>`. Numeric values are parsed from the raw attribute text: a
/// number never needs unescaping, and anything that would is rejected as not a number anyway.
fn parse_line(e: &BytesStart<'_>, acc: &mut FileAccumulator) -> std::result::Result<(), String> {
    let (mut number, mut hits, mut conditions) = (None, None, None);
    for attr in e.attributes().with_checks(false) {
        let attr = attr.map_err(|err| format!("expected well-formed attributes on <line>, found an error: {err}"))?;
        match attr.key.as_ref() {
            "number" => number = Some(attr.value),
            "hits" => hits = Some(attr.value),
            "condition-coverage" => conditions = Some(attr.value),
            _ => {}
        }
    }
    let number = number.ok_or("expected a `number` attribute on <line>, found none")?;
    let hits = hits.ok_or("expected a `hits` attribute on <line>, found none")?;
    let number: u32 = number
        .parse()
        .map_err(|_| format!("expected a line number in <line number>, found `{number}`"))?;
    let hits = parse_count(hits.as_bytes())
        .ok_or_else(|| format!("expected a non-negative integer in <line hits>, found `{hits}`"))?;
    acc.add_line(number, hits);
    if let Some(conditions) = conditions {
        let (taken, total) = parse_condition_coverage(&conditions)
            .ok_or_else(|| format!("expected <line condition-coverage> like `50% (1/2)`, found `{conditions}`"))?;
        // Cobertura says how many outcomes were taken, not which: the first `taken` stand for them.
        for i in 0..total {
            acc.add_branch_str(number, format!("cond{i}"), Some(u64::from(i < taken)));
        }
    }
    Ok(())
}

/// `P% (taken/total)` -> `(taken, total)`.
fn parse_condition_coverage(text: &str) -> Option<(u32, u32)> {
    let (percent, rest) = text.split_once('(')?;
    let percent = percent.trim().strip_suffix('%')?;
    if !percent.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let (taken, total) = rest.trim_end().strip_suffix(')')?.split_once('/')?;
    let (taken, total): (u32, u32) = (taken.trim().parse().ok()?, total.trim().parse().ok()?);
    (taken <= total && total <= MAX_CONDITIONS).then_some((taken, total))
}

/// The text of an entity or character reference inside `<source>`.
fn resolve_reference(r: &BytesRef<'_>) -> std::result::Result<String, String> {
    if let Some(c) = r
        .resolve_char_ref()
        .map_err(|e| format!("expected a valid character reference, found: {e}"))?
    {
        return Ok(c.to_string());
    }
    let name: &str = r;
    quick_xml::escape::resolve_predefined_entity(name)
        .map(str::to_string)
        .ok_or_else(|| format!("expected a predefined entity such as `&amp;`, found `&{name};`"))
}

/// Joins `class@filename` with the first `<source>` under which the file exists (relative sources against the root),
/// else with the first source; without sources the name is taken as is.
fn resolve_filename(raw: &str, sources: &[String], root: &Path) -> String {
    if sources.is_empty() || Path::new(raw).is_absolute() {
        return normalize(raw, root);
    }
    let under = |source: &String| -> PathBuf { root.join(source).join(raw) };
    let chosen = match sources {
        [only] => under(only),
        _ => sources
            .iter()
            .map(under)
            .find(|p| p.exists())
            .unwrap_or_else(|| under(&sources[0])),
    };
    normalize(&chosen.to_string_lossy(), root)
}

/// The 1-based line of byte offset `at`.
fn line_of(bytes: &[u8], at: usize) -> u64 {
    let at = at.min(bytes.len());
    memchr::memchr_iter(b'\n', &bytes[..at]).count() as u64 + 1
}

/// Writes `coverage` as Cobertura XML, the way `coverage xml` lays it out: one `.` source, packages by directory,
/// rates as `%.4g`. Deterministic: the timestamp is 0. Branch outcomes become `condition-coverage`, which keeps only
/// how many were taken; a file's lines with branches but no line record are written with 0 hits.
pub fn write(coverage: &Coverage, out: &mut dyn Write) -> std::io::Result<()> {
    let has_branches = coverage.files.values().any(FileCoverage::has_branches);
    let mut packages: BTreeMap<&str, Vec<(&str, &FileCoverage)>> = BTreeMap::new();
    for (path, file) in &coverage.files {
        let dir = path.rfind('/').map_or("", |i| &path[..i]);
        packages.entry(dir).or_default().push((path, file));
    }
    let total = Summary::sum(&coverage.files.values().map(Summary::of_file).collect::<Vec<_>>());
    let mut buf = Vec::with_capacity(1 << 16);
    buf.extend_from_slice(b"<?xml version=\"1.0\" ?>\n");
    writeln!(
        buf,
        "<coverage version=\"prowcov {}\" timestamp=\"0\" lines-valid=\"{}\" lines-covered=\"{}\" line-rate=\"{}\" \
         branches-valid=\"{}\" branches-covered=\"{}\" branch-rate=\"{}\" complexity=\"0\">",
        env!("CARGO_PKG_VERSION"),
        total.total,
        total.covered,
        rate(total.covered, total.total),
        total.branches_total,
        total.branches_covered,
        branch_rate(&total, has_branches),
    )?;
    buf.extend_from_slice(b"\t<sources>\n\t\t<source>.</source>\n\t</sources>\n\t<packages>\n");
    for (dir, files) in &packages {
        let sum = Summary::sum(&files.iter().map(|(_, f)| Summary::of_file(f)).collect::<Vec<_>>());
        let name = if dir.is_empty() {
            ".".to_string()
        } else {
            dir.replace('/', ".")
        };
        buf.extend_from_slice(b"\t\t<package name=\"");
        escape_attribute(&name, &mut buf);
        writeln!(
            buf,
            "\" line-rate=\"{}\" branch-rate=\"{}\" complexity=\"0\">\n\t\t\t<classes>",
            rate(sum.covered, sum.total),
            branch_rate(&sum, has_branches)
        )?;
        for (path, file) in files {
            write_class(path, file, has_branches, &mut buf)?;
            if buf.len() >= 1 << 16 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        buf.extend_from_slice(b"\t\t\t</classes>\n\t\t</package>\n");
    }
    buf.extend_from_slice(b"\t</packages>\n</coverage>\n");
    out.write_all(&buf)
}

fn write_class(path: &str, file: &FileCoverage, has_branches: bool, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let s = Summary::of_file(file);
    let basename = path.rfind('/').map_or(path, |i| &path[i + 1..]);
    buf.extend_from_slice(b"\t\t\t\t<class name=\"");
    escape_attribute(basename, buf);
    buf.extend_from_slice(b"\" filename=\"");
    escape_attribute(path, buf);
    writeln!(
        buf,
        "\" complexity=\"0\" line-rate=\"{}\" branch-rate=\"{}\">\n\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>",
        rate(s.covered, s.total),
        branch_rate(&s, has_branches)
    )?;
    let mut numbers: Vec<u32> = file.lines.keys().copied().collect();
    if file.branches.keys().any(|l| !file.lines.contains_key(l)) {
        numbers.extend(file.branches.keys().copied());
        numbers.sort_unstable();
        numbers.dedup();
    }
    for number in numbers {
        let hits = file.lines.get(&number).copied().unwrap_or(0);
        write!(buf, "\t\t\t\t\t\t<line number=\"{number}\" hits=\"{hits}\"")?;
        if let Some(outcomes) = file.branches.get(&number).filter(|o| !o.is_empty()) {
            let total = outcomes.len() as u64;
            let taken = outcomes.values().filter(|h| h.is_some_and(|n| n > 0)).count() as u64;
            write!(
                buf,
                " branch=\"true\" condition-coverage=\"{}% ({taken}/{total})\"",
                100 * taken / total
            )?;
        }
        buf.extend_from_slice(b"/>\n");
    }
    buf.extend_from_slice(b"\t\t\t\t\t</lines>\n\t\t\t\t</class>\n");
    Ok(())
}

fn branch_rate(s: &Summary, has_branches: bool) -> String {
    if has_branches {
        rate(s.branches_covered, s.branches_total)
    } else {
        "0".to_string()
    }
}

/// coverage.py's rate: `"1"` when all (or nothing) is hit, `"0"` when none is, else the fraction clamped to
/// [0.0001, 0.9999] so that rounding never shows 0 or 1, formatted as `%.4g`.
fn rate(hit: u64, num: u64) -> String {
    if num == 0 || hit == num {
        return "1".to_string();
    }
    if hit == 0 {
        return "0".to_string();
    }
    format_g4((hit as f64 / num as f64).clamp(0.0001, 0.9999))
}

/// C's `%.4g` for a value in [0.0001, 1): four significant digits in fixed notation (the exponent is never below
/// -4, where `%g` would switch to scientific), trailing zeros removed.
fn format_g4(x: f64) -> String {
    // The exponent after rounding to four significant digits, as `%g` decides it.
    let sci = format!("{x:.3e}");
    let exponent: i32 = sci.rsplit_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0);
    let decimals = usize::try_from(3 - exponent).unwrap_or(0);
    let fixed = format!("{x:.decimals$}");
    if fixed.contains('.') {
        fixed.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        fixed
    }
}

/// Escapes an attribute value; whitespace controls become character references so that attribute normalisation
/// does not turn them into spaces on reading.
fn escape_attribute(value: &str, buf: &mut Vec<u8>) {
    for b in value.bytes() {
        match b {
            b'&' => buf.extend_from_slice(b"&amp;"),
            b'<' => buf.extend_from_slice(b"&lt;"),
            b'>' => buf.extend_from_slice(b"&gt;"),
            b'"' => buf.extend_from_slice(b"&quot;"),
            b'\t' => buf.extend_from_slice(b"&#9;"),
            b'\n' => buf.extend_from_slice(b"&#10;"),
            b'\r' => buf.extend_from_slice(b"&#13;"),
            _ => buf.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<Coverage> {
        read(
            Path::new("c.xml"),
            text.as_bytes(),
            &ReadOptions { root: "/repo".into() },
        )
    }

    const SAMPLE: &str = r#"<?xml version="1.0" ?>
<coverage version="7.17.3" timestamp="1" line-rate="0.5">
	<sources>
		<source>/repo/src</source>
	</sources>
	<packages>
		<package name="pkg">
			<classes>
				<class name="a.py" filename="pkg/a&amp;b.py">
					<methods><method name="f"><lines><line number="1" hits="1"/></lines></method></methods>
					<lines>
						<line number="1" hits="1"/>
						<line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/>
					</lines>
				</class>
				<class name="a.py" filename="pkg/a&amp;b.py"><lines><line number="1" hits="2.0"/></lines></class>
			</classes>
		</package>
	</packages>
</coverage>
"#;

    #[test]
    fn reads_joins_sources_and_merges_classes() {
        let cov = read_str(SAMPLE).unwrap();
        let file = &cov.files["src/pkg/a&b.py"];
        assert_eq!(file.lines, BTreeMap::from([(1, 3), (2, 0)]));
        assert_eq!(
            file.branches[&2],
            BTreeMap::from([("cond0".to_string(), Some(1)), ("cond1".to_string(), Some(0))])
        );
    }

    #[test]
    fn errors_carry_the_xml_line() {
        let e = |t: &str| read_str(t).unwrap_err().to_string();
        assert_eq!(
            e("<coverage>\n<class filename=\"a\">\n<line number=\"1\"/>"),
            "c.xml:3: expected a `hits` attribute on <line>, found none"
        );
        assert_eq!(
            e("<coverage>\n<class filename=\"a\">\n\n <line number=\"1\" hits=\"x\"/>"),
            "c.xml:4: expected a non-negative integer in <line hits>, found `x`"
        );
        assert_eq!(
            e("<coverage><class filename=\"a\"><line number=\"1\" hits=\"1\" condition-coverage=\"3/2\"/>"),
            "c.xml:1: expected <line condition-coverage> like `50% (1/2)`, found `3/2`"
        );
        assert!(e("<coverage>\n<class filename=\"a\">\n</coverage>").starts_with("c.xml:3: expected well-formed XML"));
    }

    #[test]
    fn truncated_xml_is_an_error() {
        let e = read_str("<coverage>\n<packages>\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "c.xml:2: expected 2 more closing tag(s), up to `</coverage>`, found the end of the file"
        );
    }

    #[test]
    fn rates_follow_coverage_py() {
        assert_eq!(rate(0, 0), "1");
        assert_eq!(rate(3, 3), "1");
        assert_eq!(rate(0, 3), "0");
        assert_eq!(rate(1, 3), "0.3333");
        assert_eq!(rate(1, 2), "0.5");
        assert_eq!(rate(1, 100_000), "0.0001");
        assert_eq!(rate(99_999, 100_000), "0.9999");
        assert_eq!(rate(12_345, 10_000_000), "0.001234");
        assert_eq!(rate(2, 3), "0.6667");
    }

    #[test]
    fn write_then_read_is_identity() {
        let cov = read_str(SAMPLE).unwrap();
        let mut out = Vec::new();
        write(&cov, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("filename=\"src/pkg/a&amp;b.py\""), "{text}");
        assert!(
            text.contains("<line number=\"2\" hits=\"0\" branch=\"true\" condition-coverage=\"50% (1/2)\"/>"),
            "{text}"
        );
        assert_eq!(read_str(&text).unwrap(), cov);
    }
}
