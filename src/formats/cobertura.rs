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

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::errors::IllFormedError;
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::error::{Error, Result, excerpt};
use crate::formats::ReadOptions;
use crate::formats::accumulate::FileAccumulator;
use crate::formats::lcov::parse_count;
use crate::model::{Coverage, FileCoverage, PercentRule, Summary, path::normalize};

/// More condition outcomes than this on one line is taken as garbage rather than allocated.
const MAX_CONDITIONS: u32 = 1 << 16;

/// Inputs smaller than this are read on one thread: splitting would cost more than it saves.
const PARALLEL_MIN_BYTES: usize = 4 << 20;

/// Reads `bytes`, the content of `path`.
///
/// A large document is split at `<class` tags into one chunk per core and the chunks are parsed in parallel; their
/// element structure is stitched together and checked (see [`stitch`]). Any error in that optimistic pass, or a
/// structure that does not stitch, falls back to one serial pass over the whole document, which gives the
/// authoritative result or error (with its line number).
pub fn read(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Coverage> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if bytes.len() >= PARALLEL_MIN_BYTES
        && threads > 1
        && let Some(chunks) = read_chunks(bytes, threads)
    {
        return Ok(assemble(chunks, options));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::parse(
            path,
            Some(line_of(bytes, e.valid_up_to())),
            "expected UTF-8 text, found an invalid byte sequence",
        )
    })?;
    let chunk =
        parse(text, Mode::Whole).map_err(|(at, message)| Error::parse(path, Some(line_of(bytes, at)), message))?;
    Ok(assemble(vec![chunk], options))
}

/// Parses `bytes` in about `n` chunks in parallel; `None` when anything fails or does not stitch.
fn read_chunks(bytes: &[u8], n: usize) -> Option<Vec<Chunk>> {
    let pieces = split_classes(bytes, n);
    if pieces.len() < 2 {
        return None;
    }
    let numbered: Vec<(usize, &[u8])> = pieces.into_iter().enumerate().collect();
    // One piece per thread: the pieces were cut to the core count.
    let chunks: Vec<Option<Chunk>> = crate::parallel::map_chunks(&numbered, 1, |mine| {
        let mut parsed = Vec::with_capacity(mine.len());
        for &(i, piece) in mine {
            // Pieces start at `<`, an ASCII byte, so each one is valid UTF-8 on its own if the whole is.
            let text = std::str::from_utf8(piece).ok();
            parsed.push(text.and_then(|t| parse(t, if i == 0 { Mode::First } else { Mode::Continuation }).ok()));
        }
        parsed
    })
    .into_iter()
    .flatten()
    .collect();
    let chunks: Vec<Chunk> = chunks.into_iter().collect::<Option<_>>()?;
    stitch(&chunks).then_some(chunks)
}

/// Splits `bytes` into about `n` pieces, each after the first starting at a `<class` tag inside `<packages>`. A split
/// that lands inside a comment or CDATA section makes a piece fail to parse, and the caller falls back.
fn split_classes(bytes: &[u8], n: usize) -> Vec<&[u8]> {
    let Some(packages) = memchr::memmem::find(bytes, b"<packages") else {
        return vec![bytes];
    };
    let finder = memchr::memmem::Finder::new(b"<class");
    let mut pieces = Vec::with_capacity(n);
    let mut start = 0;
    for k in 1..n {
        let mut at = (bytes.len() * k / n).max(packages).max(start + 1);
        let split = loop {
            let Some(found) = finder.find(&bytes[at..]) else {
                break None;
            };
            let tag = at + found;
            // `<classes` is not a `<class` tag.
            if bytes.get(tag + 6).is_some_and(u8::is_ascii_whitespace) {
                break Some(tag);
            }
            at = tag + 6;
        };
        let Some(split) = split else { break };
        pieces.push(&bytes[start..split]);
        start = split;
    }
    pieces.push(&bytes[start..]);
    pieces
}

/// Whether the chunks' element structure joins into one well-formed tree: each chunk's unmatched end tags close,
/// innermost first, exactly what the chunks before it left open, and nothing is left open at the end.
fn stitch(chunks: &[Chunk]) -> bool {
    let mut open: Vec<String> = Vec::new();
    for chunk in chunks {
        for name in &chunk.unmatched_ends {
            if open.pop().as_deref() != Some(name.as_str()) {
                return false;
            }
        }
        open.extend(chunk.open.iter().cloned());
    }
    open.is_empty() && chunks.iter().any(|c| c.saw_root)
}

/// Joins each `class@filename` with its source and merges the chunks' files in input order.
fn assemble(chunks: Vec<Chunk>, options: &ReadOptions) -> Coverage {
    let sources: Vec<String> = chunks.iter().flat_map(|c| c.sources.iter().cloned()).collect();
    let mut coverage = Coverage::default();
    for chunk in chunks {
        for (raw, file) in chunk.files {
            let key = resolve_filename(&raw, &sources, &options.root);
            match coverage.files.get_mut(&key) {
                Some(existing) => existing.merge(&file),
                None => {
                    coverage.files.insert(key, file);
                }
            }
        }
    }
    coverage
}

/// How a piece of the document is parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The whole document: quick-xml checks end tags, and every element must be closed.
    Whole,
    /// The first piece of a split document: elements may be left open at its end.
    First,
    /// A later piece: it may also close elements that earlier pieces opened.
    Continuation,
}

/// What one piece of the document holds.
struct Chunk {
    saw_root: bool,
    sources: Vec<String>,
    /// Raw `class@filename` values in order of first appearance, with their folded records.
    files: Vec<(String, FileCoverage)>,
    /// Elements still open at the end of the piece, outermost first.
    open: Vec<String>,
    /// End tags whose start tag is in an earlier piece, in document order.
    unmatched_ends: Vec<String>,
}

/// Streams `text`; an error is the byte offset (within `text`) and the message.
fn parse(text: &str, mode: Mode) -> std::result::Result<Chunk, (usize, String)> {
    let mut state = State {
        saw_root: false,
        sources: Vec::new(),
        source: None,
        methods: 0,
        class: None,
        acc: FileAccumulator::default(),
        files: Vec::new(),
        index: HashMap::new(),
    };
    let mut reader = Reader::from_str(text);
    // Pieces of a split document close elements they did not open; their structure is checked when stitching.
    reader.config_mut().check_end_names = mode == Mode::Whole;
    let mut open: Vec<String> = Vec::new();
    let mut unmatched_ends: Vec<String> = Vec::new();
    loop {
        let at = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            // quick-xml rejects an end tag it saw no start for even without `check_end_names`; in a later piece it
            // closes an element of an earlier one. The error is not fatal: reading goes on after it.
            Err(quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(name))) if mode == Mode::Continuation => {
                state.end(&name);
                unmatched_ends.push(name);
                continue;
            }
            Err(e) => {
                let at = reader.error_position() as usize;
                return Err((at, format!("expected well-formed XML, found an error: {e}")));
            }
        };
        let fail = |message: String| (at, message);
        match event {
            Event::Start(e) => {
                state.start(&e, false).map_err(fail)?;
                open.push(e.name().as_ref().to_string());
            }
            Event::Empty(e) => state.start(&e, true).map_err(fail)?,
            Event::End(e) => {
                let name = e.name();
                match open.pop() {
                    Some(opened) if opened == name.as_ref() => {}
                    Some(opened) => {
                        return Err(fail(format!("expected `</{opened}>`, found `</{}>`", name.as_ref())));
                    }
                    None if mode == Mode::Continuation => unmatched_ends.push(name.as_ref().to_string()),
                    None => return Err(fail(format!("expected no closing tag, found `</{}>`", name.as_ref()))),
                }
                state.end(name.as_ref());
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
    if mode == Mode::Whole {
        // quick-xml checks that end tags match, but not that every element was closed: a truncated file must not
        // pass as a complete one.
        if !open.is_empty() {
            return Err((
                text.len().saturating_sub(1),
                format!(
                    "expected {} more closing tag(s), up to `</coverage>`, found the end of the file",
                    open.len()
                ),
            ));
        }
        if !state.saw_root {
            return Err((0, "expected a <coverage> root element, found none".to_string()));
        }
    }
    Ok(Chunk {
        saw_root: state.saw_root,
        sources: state.sources,
        files: state.files,
        open,
        unmatched_ends,
    })
}

struct State {
    saw_root: bool,
    sources: Vec<String>,
    /// The text of the `<source>` being read.
    source: Option<String>,
    /// Depth of `<methods>` elements around the current position; their `<line>`s are skipped.
    methods: u32,
    /// The class being read, as a position in `files`, and its records.
    class: Option<usize>,
    /// The records of the open class; folded at its end tag, then reused (keeping its capacity).
    acc: FileAccumulator,
    /// Raw `class@filename` values, in order of first appearance (several classes may share one), with the records
    /// folded so far.
    files: Vec<(String, FileCoverage)>,
    index: HashMap<String, usize>,
}

impl State {
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
                        // A class without lines still names a measured file.
                        self.files
                            .push((filename.clone(), FileCoverage::new(PercentRule::Lines)));
                        self.index.insert(filename, self.files.len() - 1);
                        self.files.len() - 1
                    }
                };
                if !empty {
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
                    let folded = self.acc.fold();
                    if let Some((_, file)) = self.files.get_mut(class) {
                        file.merge(&folded);
                    }
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
    let number: u32 = number.parse().map_err(|_| {
        format!(
            "expected a line number in <line number>, found `{}`",
            excerpt(number.as_bytes())
        )
    })?;
    if number == 0 {
        return Err("expected a line number from 1 in <line number>, found `0`".into());
    }
    let hits = parse_count(hits.as_bytes()).ok_or_else(|| {
        format!(
            "expected a non-negative integer in <line hits>, found `{}`",
            excerpt(hits.as_bytes())
        )
    })?;
    acc.add_line(number, hits);
    if let Some(conditions) = conditions {
        let (taken, total) = parse_condition_coverage(&conditions).ok_or_else(|| {
            format!(
                "expected <line condition-coverage> like `50% (1/2)`, found `{}`",
                excerpt(conditions.as_bytes())
            )
        })?;
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
    // `coverage xml` orders packages (by dotted name) and classes (by path) "humanly": `f2` before `f10`.
    let mut packages: Vec<(String, Vec<(&str, &FileCoverage)>)> = packages
        .into_iter()
        .map(|(dir, mut files)| {
            files.sort_by(|a, b| human_cmp(a.0, b.0));
            let name = if dir.is_empty() {
                ".".to_string()
            } else {
                dir.replace('/', ".")
            };
            (name, files)
        })
        .collect();
    packages.sort_by(|a, b| human_cmp(&a.0, &b.0));
    let total = Summary::sum(&coverage.files.values().map(Summary::of_file).collect::<Vec<_>>());
    let lines = coverage.files.values().map(line_counts).fold((0, 0), add_counts);
    let mut buf = Vec::with_capacity(1 << 16);
    buf.extend_from_slice(b"<?xml version=\"1.0\" ?>\n");
    // Without branch data `coverage xml` writes the zero branch figures in this other order.
    let branch_figures = if has_branches {
        format!(
            "branches-valid=\"{}\" branches-covered=\"{}\"",
            total.branches_total, total.branches_covered
        )
    } else {
        "branches-covered=\"0\" branches-valid=\"0\"".to_owned()
    };
    writeln!(
        buf,
        "<coverage version=\"prowcov {}\" timestamp=\"0\" lines-valid=\"{}\" lines-covered=\"{}\" line-rate=\"{}\" \
         {branch_figures} branch-rate=\"{}\" complexity=\"0\">",
        env!("CARGO_PKG_VERSION"),
        lines.1,
        lines.0,
        rate(lines.0, lines.1),
        branch_rate(&total, has_branches),
    )?;
    buf.extend_from_slice(b"\t<sources>\n\t\t<source>.</source>\n\t</sources>\n\t<packages>\n");
    for (name, files) in &packages {
        let sum = Summary::sum(&files.iter().map(|(_, f)| Summary::of_file(f)).collect::<Vec<_>>());
        let lines = files.iter().map(|(_, f)| line_counts(f)).fold((0, 0), add_counts);
        buf.extend_from_slice(b"\t\t<package name=\"");
        escape_attribute(name, &mut buf);
        writeln!(
            buf,
            "\" line-rate=\"{}\" branch-rate=\"{}\" complexity=\"0\">\n\t\t\t<classes>",
            rate(lines.0, lines.1),
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

/// coverage.py's `human_sorted` order: the text split into runs of digits and the rest, digit runs compared as
/// numbers, ties broken by the whole text.
fn human_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> impl Iterator<Item = &str> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digits = first.is_ascii_digit();
            let end = rest.find(|c: char| c.is_ascii_digit() != digits).unwrap_or(rest.len());
            let (part, tail) = rest.split_at(end);
            rest = tail;
            Some(part)
        })
    }
    let key = |p: &str| -> (Option<u128>, String) {
        match p.parse::<u128>() {
            Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) => (Some(n), String::new()),
            _ => (None, p.to_owned()),
        }
    };
    let mut left = parts(a);
    let mut right = parts(b);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = key(x).cmp(&key(y));
                if order != std::cmp::Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// The `<line>` elements of `file` that ran and in all, as [`write_class`] writes them. Cobertura counts lines, so
/// its figures are these: for coverage.py data the statements; for a Go profile the lines its blocks span (Cobertura
/// cannot weight a line by its statements), which is why a Go file's `line-rate` differs from its statement figure.
fn line_counts(file: &FileCoverage) -> (u64, u64) {
    let covered = file.lines.values().filter(|&&hits| hits > 0).count() as u64;
    let branch_only = file.branches.keys().filter(|l| !file.lines.contains_key(l)).count() as u64;
    (covered, file.lines.len() as u64 + branch_only)
}

fn add_counts(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
    (a.0.saturating_add(b.0), a.1.saturating_add(b.1))
}

fn write_class(path: &str, file: &FileCoverage, has_branches: bool, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let s = Summary::of_file(file);
    let lines = line_counts(file);
    let basename = path.rfind('/').map_or(path, |i| &path[i + 1..]);
    buf.extend_from_slice(b"\t\t\t\t<class name=\"");
    escape_attribute(basename, buf);
    buf.extend_from_slice(b"\" filename=\"");
    escape_attribute(path, buf);
    writeln!(
        buf,
        "\" complexity=\"0\" line-rate=\"{}\" branch-rate=\"{}\">\n\t\t\t\t\t<methods/>",
        rate(lines.0, lines.1),
        branch_rate(&s, has_branches)
    )?;
    if lines.1 == 0 {
        // As `coverage xml` (minidom) writes an element without children.
        buf.extend_from_slice(b"\t\t\t\t\t<lines/>\n\t\t\t\t</class>\n");
        return Ok(());
    }
    buf.extend_from_slice(b"\t\t\t\t\t<lines>\n");
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
            if let Some(missing) = missing_branches(outcomes) {
                write!(buf, " missing-branches=\"{missing}\"")?;
            }
        }
        buf.extend_from_slice(b"/>\n");
    }
    buf.extend_from_slice(b"\t\t\t\t\t</lines>\n\t\t\t\t</class>\n");
    Ok(())
}

/// `coverage xml`'s `missing-branches`: the destinations of the untaken arcs (`from->to` ids, coverage.py's), in
/// numeric order, `exit` for a negative one; `None` when every outcome was taken or the ids are not arcs.
fn missing_branches(outcomes: &crate::model::Outcomes) -> Option<String> {
    let mut missing: Vec<i64> = outcomes
        .iter()
        .filter(|(_, hits)| !hits.is_some_and(|n| n > 0))
        .map(|(id, _)| id.split_once("->").and_then(|(_, to)| to.parse::<i64>().ok()))
        .collect::<Option<Vec<i64>>>()?;
    if missing.is_empty() {
        return None;
    }
    missing.sort_unstable();
    let shown: Vec<String> = missing
        .iter()
        .map(|&to| if to < 0 { "exit".to_owned() } else { to.to_string() })
        .collect();
    Some(shown.join(","))
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
    use crate::model::Outcomes;

    fn read_str(text: &str) -> Result<Coverage> {
        read(Path::new("c.xml"), text.as_bytes(), &ReadOptions::new("/repo"))
    }

    /// A document of `n` classes in two packages, with `extra` inserted before the fifth class.
    fn many_classes(n: usize, extra: &str) -> String {
        let mut doc = String::from(
            "<?xml version=\"1.0\" ?>\n<coverage><sources><source>/repo/src</source></sources>\n<packages>\n",
        );
        for p in 0..2 {
            doc += &format!("<package name=\"p{p}\"><classes>\n");
            for c in 0..n / 2 {
                if p == 0 && c == 4 {
                    doc += extra;
                }
                doc += &format!(
                    "<class name=\"c\" filename=\"f{}.py\"><methods/><lines>\n<line number=\"1\" hits=\"{c}\"/>\n\
                     <line number=\"2\" hits=\"0\" branch=\"true\" condition-coverage=\"50% (1/2)\"/>\n</lines></class>\n",
                    c % 3
                );
            }
            doc += "</classes></package>\n";
        }
        doc + "</packages>\n</coverage>\n"
    }

    #[test]
    fn chunked_reading_equals_whole_reading() {
        let doc = many_classes(40, "");
        let whole = read_str(&doc).unwrap();
        for n in [2, 3, 7] {
            let chunks = read_chunks(doc.as_bytes(), n).expect("splits and stitches");
            assert_eq!(assemble(chunks, &ReadOptions::new("/repo")), whole, "{n} chunks");
        }
    }

    #[test]
    fn a_split_that_cannot_stitch_falls_back() {
        // A `<class` tag inside a comment is no tag: a split there fails, and `read` parses serially instead.
        let commented = many_classes(40, &"<!-- <class here> -->\n".repeat(30));
        assert!(read_chunks(commented.as_bytes(), 2).is_none() || read_str(&commented).is_ok());
        assert_eq!(read_str(&commented).unwrap(), read_str(&many_classes(40, "")).unwrap());
        // A truncated document leaves elements open: it never stitches, and the serial pass reports it.
        let doc = many_classes(40, "");
        let truncated = &doc[..doc.find("</packages>").unwrap()];
        assert!(read_chunks(truncated.as_bytes(), 2).is_none());
        assert!(
            read_str(truncated)
                .unwrap_err()
                .to_string()
                .contains("more closing tag")
        );
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
            Outcomes::from_iter([("cond0", Some(1)), ("cond1", Some(0))])
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
