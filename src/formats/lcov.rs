//! LCOV tracefiles: read and write.
//!
//! The reader works on bytes: lines are split with memchr and the hot records (`DA`, `BRDA`) are parsed without
//! allocating. Each file's data accumulates in vectors that are sorted and folded into the model's maps once at the
//! end, which is far cheaper than inserting every record into a `BTreeMap`. The same `SF` under several `TN`
//! sections merges, hits adding up (saturating).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result, excerpt};
use crate::formats::ReadOptions;
use crate::formats::accumulate::FileAccumulator;
use crate::model::{BranchHits, Coverage, FileCoverage, Function, PercentRule, path::normalize};

/// Inputs smaller than this are read on one thread: splitting would cost more than it saves.
const PARALLEL_MIN_BYTES: usize = 4 << 20;

/// Reads `bytes`, the content of `path`.
///
/// A large tracefile is split at `end_of_record` boundaries into one chunk per core. Records are independent, so each
/// chunk is parsed and folded on its own thread, reusing one accumulator, and the chunks' files merge in input
/// order (the merge is commutative, so the order only keeps error reporting deterministic).
pub fn read(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Coverage> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunks = if bytes.len() < PARALLEL_MIN_BYTES { 1 } else { threads };
    read_in(path, bytes, options, chunks)
}

/// [`read`] in about `chunks` chunks.
fn read_in(path: &Path, bytes: &[u8], options: &ReadOptions, chunks: usize) -> Result<Coverage> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let chunks = split_records(bytes, chunks);
    let parts: Vec<Result<Vec<(String, FileCoverage)>>> = if chunks.len() == 1 {
        vec![Reader::new(path, options, 0).run(bytes)]
    } else {
        let mut start = 0;
        let placed: Vec<(usize, &[u8])> = chunks
            .iter()
            .map(|chunk| {
                let at = start;
                start += chunk.len();
                (at, *chunk)
            })
            .collect();
        // One chunk per thread: the chunks were cut to the core count.
        crate::parallel::map_chunks(&placed, 1, |mine| {
            mine.iter()
                .map(|&(at, chunk)| {
                    // Error messages carry absolute line numbers, so each chunk knows where it starts.
                    let line_base = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
                    Reader::new(path, options, line_base).run(chunk)
                })
                .collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .collect()
    };
    let mut coverage = Coverage::default();
    for part in parts {
        for (key, file) in part? {
            match coverage.files.get_mut(&key) {
                // The same file in several chunks, or two spellings of one path (`./a.c`, `a.c`).
                Some(existing) => existing.merge(&file),
                None => {
                    coverage.files.insert(key, file);
                }
            }
        }
    }
    Ok(coverage)
}

/// Splits `bytes` into about `n` chunks, each ending right after an `end_of_record` line, so that no record spans two
/// chunks. Where no boundary is found the input stays whole.
fn split_records(bytes: &[u8], n: usize) -> Vec<&[u8]> {
    let finder = memchr::memmem::Finder::new(b"\nend_of_record");
    let mut chunks = Vec::with_capacity(n);
    let mut start = 0;
    for k in 1..n {
        let target = (bytes.len() * k / n).max(start);
        let Some(found) = finder.find(&bytes[target..]) else {
            break;
        };
        let after_marker = target + found + b"\nend_of_record".len();
        let Some(eol) = memchr::memchr(b'\n', &bytes[after_marker..]) else {
            break;
        };
        let end = after_marker + eol + 1;
        chunks.push(&bytes[start..end]);
        start = end;
    }
    chunks.push(&bytes[start..]);
    chunks
}

struct Reader<'a> {
    path: &'a Path,
    options: &'a ReadOptions,
    /// Lines before this chunk, added to every line number reported.
    line_base: u64,
    /// The files of this chunk in order of first appearance: model key and folded data.
    files: Vec<(String, FileCoverage)>,
    /// Raw `SF` value -> position in `files`.
    index: HashMap<Vec<u8>, usize>,
    /// Unknown keys already warned about, so that a large file warns once per key.
    warned: Vec<Vec<u8>>,
    /// The records of the open `SF` record; folded at its `end_of_record`, then reused (keeping its capacity).
    acc: FileAccumulator,
    /// The open record's `FNL` positions by index, for its `FNA` records.
    fnl: HashMap<u32, (u32, Option<u32>)>,
}

/// The `SF` record being read: its position in `Reader::files` and the line it started on.
#[derive(Clone, Copy)]
struct Open {
    file: usize,
    line: u64,
}

impl<'a> Reader<'a> {
    fn new(path: &'a Path, options: &'a ReadOptions, line_base: u64) -> Self {
        Reader {
            path,
            options,
            line_base,
            files: Vec::new(),
            index: HashMap::new(),
            warned: Vec::new(),
            acc: FileAccumulator::default(),
            fnl: HashMap::new(),
        }
    }

    fn run(mut self, bytes: &[u8]) -> Result<Vec<(String, FileCoverage)>> {
        let mut open: Option<Open> = None;
        let mut line_no: u64 = self.line_base;
        let mut start = 0;
        // One SIMD scan over the whole input: calling `memchr` per line costs more than the rest of the DA parsing.
        for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
            if start >= bytes.len() {
                break;
            }
            let raw = &bytes[start..end];
            start = end + 1;
            line_no += 1;
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            // Hot path first: `DA` is the bulk of any tracefile.
            if let Some(value) = line.strip_prefix(b"DA:") {
                self.open_file(open, line_no, b"DA")?;
                let (number, hits) =
                    parse_da(value).ok_or_else(|| self.expected(line_no, "`DA:<line>,<count>[,<checksum>]`", line))?;
                if number == 0 {
                    return Err(self.expected(line_no, "a line number from 1", line));
                }
                self.acc.add_line(number, hits);
                continue;
            }
            if line.is_empty() || line.starts_with(b"#") || line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let Some(colon) = memchr::memchr(b':', line) else {
                if line == b"end_of_record" {
                    let Some(o) = open.take() else {
                        return Err(self.expected(line_no, "`SF:<path>` before `end_of_record`", line));
                    };
                    let folded = self.acc.fold();
                    match self.files.get_mut(o.file) {
                        Some((_, file)) if file.lines.is_empty() && file.branches.is_empty() => *file = folded,
                        Some((_, file)) => file.merge(&folded),
                        None => {}
                    }
                    continue;
                }
                return Err(self.expected(line_no, "a `KEY:VALUE` record or `end_of_record`", line));
            };
            let (key, value) = (&line[..colon], &line[colon + 1..]);
            match key {
                b"TN" => {
                    if let Some(o) = open {
                        return Err(self.unterminated(o, line_no, "`TN:`"));
                    }
                }
                b"SF" => {
                    if let Some(o) = open {
                        return Err(self.unterminated(o, line_no, "a new `SF:`"));
                    }
                    if value.is_empty() {
                        return Err(self.expected(line_no, "`SF:<path>` with a path", line));
                    }
                    open = Some(Open {
                        file: self.file_index(value, line_no)?,
                        line: line_no,
                    });
                    self.fnl.clear();
                }
                b"BRDA" => {
                    self.open_file(open, line_no, key)?;
                    let (number, id, taken) = parse_brda(value)
                        .ok_or_else(|| self.expected(line_no, "`BRDA:<line>,<block>,<branch>,<taken>`", line))?;
                    if number == 0 {
                        return Err(self.expected(line_no, "a line number from 1", line));
                    }
                    self.acc.add_branch(number, id, taken);
                }
                b"FN" => {
                    self.open_file(open, line_no, key)?;
                    let (start, end, name) = parse_fn(value)
                        .ok_or_else(|| self.expected(line_no, "`FN:<line>[,<end line>],<name>`", line))?;
                    self.acc.add_function(&name, start, end);
                }
                b"FNDA" => {
                    self.open_file(open, line_no, key)?;
                    let (hits, name) = parse_count_and_name(value)
                        .ok_or_else(|| self.expected(line_no, "`FNDA:<count>,<name>`", line))?;
                    self.acc.add_function_hits(&name, hits);
                }
                // lcov 2.2's form: `FNL:<index>,<line>[,<end line>]`, then `FNA:<index>,<count>,<name>` per alias.
                b"FNL" => {
                    self.open_file(open, line_no, key)?;
                    let (index, start, end) =
                        parse_fnl(value).ok_or_else(|| self.expected(line_no, "`FNL:<index>,<line>[,<end>]`", line))?;
                    self.fnl.insert(index, (start, end));
                }
                b"FNA" => {
                    self.open_file(open, line_no, key)?;
                    let parsed = leading_u32(value).and_then(|(index, used)| {
                        let (hits, name) = parse_count_and_name(value[used..].strip_prefix(b",")?)?;
                        Some((index, hits, name))
                    });
                    let (index, hits, name) =
                        parsed.ok_or_else(|| self.expected(line_no, "`FNA:<index>,<count>,<name>`", line))?;
                    let (start, end) = self.fnl.get(&index).copied().unwrap_or((0, None));
                    self.acc.add_function(&name, start, end);
                    self.acc.add_function_hits(&name, hits);
                }
                // MC/DC, summaries and versions are accepted but not modelled: the summaries are recomputed from
                // `DA`/`BRDA`/`FN`.
                b"VER" | b"FNF" | b"FNH" | b"LF" | b"LH" | b"BRF" | b"BRH" | b"MCDC" | b"MCF" | b"MCH" => {
                    self.open_file(open, line_no, key)?;
                }
                _ => {
                    if !self.warned.iter().any(|k| k == key) {
                        self.options.warnings.warn(format!(
                            "{}:{line_no}: unknown LCOV record `{}`, ignored",
                            self.path.display(),
                            String::from_utf8_lossy(key)
                        ));
                        self.warned.push(key.to_vec());
                    }
                }
            }
        }
        match open {
            Some(o) => Err(self.unterminated(o, line_no, "the end of the file")),
            None => Ok(self.files),
        }
    }

    /// The file of the record being read, or an error when `key` appears outside `SF:` .. `end_of_record`.
    fn open_file(&self, open: Option<Open>, line_no: u64, key: &[u8]) -> Result<usize> {
        match open {
            Some(o) => Ok(o.file),
            None => Err(Error::parse(
                self.path,
                Some(line_no),
                format!(
                    "expected `SF:<path>` before `{}:`, found `{}:` outside a file record",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(key)
                ),
            )),
        }
    }

    fn file_index(&mut self, raw: &[u8], line_no: u64) -> Result<usize> {
        if let Some(&i) = self.index.get(raw) {
            return Ok(i);
        }
        let text =
            std::str::from_utf8(raw).map_err(|_| self.expected(line_no, "`SF:<path>` with a UTF-8 path", raw))?;
        let key = normalize(text, &self.options.root);
        let i = self.files.len();
        self.files.push((key, FileCoverage::new(PercentRule::Lines)));
        self.index.insert(raw.to_vec(), i);
        Ok(i)
    }

    fn expected(&self, line_no: u64, what: &str, found: &[u8]) -> Error {
        Error::parse(
            self.path,
            Some(line_no),
            format!("expected {what}, found `{}`", excerpt(found)),
        )
    }

    fn unterminated(&self, open: Open, line_no: u64, found: &str) -> Error {
        Error::parse(
            self.path,
            Some(line_no),
            format!(
                "expected `end_of_record` to close the `SF:` record of line {}, found {found}",
                open.line
            ),
        )
    }
}

/// `<line>[,<end line>],<name>`: lcov 2 writes the end line, lcov 1 does not. A name may hold commas (C++), so a
/// second field is the end line only when it is a number followed by a comma.
fn parse_fn(value: &[u8]) -> Option<(u32, Option<u32>, String)> {
    let (start, used) = leading_u32(value)?;
    let rest = value[used..].strip_prefix(b",")?;
    let (end, name) = match leading_u32(rest) {
        Some((end, used)) if rest.get(used) == Some(&b',') => (Some(end), &rest[used + 1..]),
        _ => (None, rest),
    };
    (!name.is_empty()).then(|| (start, end, String::from_utf8_lossy(name).into_owned()))
}

/// `<count>,<name>` (`FNDA`, and `FNA` after its index).
fn parse_count_and_name(value: &[u8]) -> Option<(u64, String)> {
    let comma = memchr::memchr(b',', value)?;
    let hits = parse_count(&value[..comma])?;
    let name = &value[comma + 1..];
    (!name.is_empty()).then(|| (hits, String::from_utf8_lossy(name).into_owned()))
}

/// `<index>,<line>[,<end line>]`.
fn parse_fnl(value: &[u8]) -> Option<(u32, u32, Option<u32>)> {
    let (index, used) = leading_u32(value)?;
    let rest = value[used..].strip_prefix(b",")?;
    let (start, used) = leading_u32(rest)?;
    let end = match &rest[used..] {
        [] => None,
        tail => {
            let tail = tail.strip_prefix(b",")?;
            let (end, used) = leading_u32(tail)?;
            if used != tail.len() {
                return None;
            }
            Some(end)
        }
    };
    Some((index, start, end))
}

/// `<line>,<count>[,<checksum>]`. Counts beyond `u64` saturate; some tools print them as integral floats.
fn parse_da(value: &[u8]) -> Option<(u32, u64)> {
    let (number, used) = leading_u32(value)?;
    let rest = value[used..].strip_prefix(b",")?;
    let count = match memchr::memchr(b',', rest) {
        Some(c) => &rest[..c],
        None => rest,
    };
    Some((number, parse_count(count)?))
}

/// The decimal number at the start of `text` and how many bytes it took; `None` without digits or beyond `u32`.
fn leading_u32(text: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut used = 0;
    for &b in text {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(d))?;
        used += 1;
    }
    (used > 0).then_some((n, used))
}

/// `<line>,<block>,<branch>,<taken>`. The branch may contain commas, so the line is split at the first comma and the
/// taken count at the last; what lies between is the id, kept verbatim (with any `e`/`f`/`U` flag) so that writing
/// it back reproduces it.
fn parse_brda(value: &[u8]) -> Option<(u32, &[u8], BranchHits)> {
    let first = memchr::memchr(b',', value)?;
    let last = memchr::memrchr(b',', value)?;
    let id = value.get(first + 1..last)?;
    memchr::memchr(b',', id)?;
    let number = parse_u32(&value[..first])?;
    let taken = match &value[last + 1..] {
        b"-" => None,
        t => Some(parse_count(t)?),
    };
    Some((number, id, taken))
}

fn parse_u32(digits: &[u8]) -> Option<u32> {
    leading_u32(digits).and_then(|(n, used)| (used == digits.len()).then_some(n))
}

/// A non-negative hit count: digits (saturating at `u64::MAX`) or an integral float such as `1.0`.
pub(crate) fn parse_count(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return parse_integral_float(digits);
        }
        n = n.saturating_mul(10).saturating_add(u64::from(d));
    }
    Some(n)
}

fn parse_integral_float(text: &[u8]) -> Option<u64> {
    // Only plain decimal notation; `inf`, `nan` and signs are garbage in a hit count.
    if !text
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let x: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    if x.is_finite() && x >= 0.0 && x.fract() == 0.0 {
        // `as` saturates for floats beyond `u64::MAX`, which is the overflow rule we want.
        Some(x as u64)
    } else {
        None
    }
}

/// Writes `coverage` as an LCOV tracefile: per file `TN:`, `SF`, `DA`, `BRDA`, `BRF`, `BRH`, `LF`, `LH`,
/// `end_of_record`. Branch ids that are not LCOV's own `block,branch` (from other formats) are written as branch
/// `<id>` of block 0.
pub fn write(coverage: &Coverage, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for (path, file) in &coverage.files {
        buf.extend_from_slice(b"TN:\nSF:");
        buf.extend_from_slice(path.as_bytes());
        buf.push(b'\n');
        write_functions(file, &mut buf)?;
        let mut hit_lines = 0u64;
        for (&line, &hits) in &file.lines {
            writeln!(buf, "DA:{line},{hits}")?;
            hit_lines += u64::from(hits > 0);
        }
        let (mut found, mut hit) = (0u64, 0u64);
        for (&line, outcomes) in &file.branches {
            for (id, taken) in outcomes {
                write!(buf, "BRDA:{line},")?;
                if !id.contains(',') {
                    buf.extend_from_slice(b"0,");
                }
                buf.extend_from_slice(id.as_bytes());
                match taken {
                    Some(n) => writeln!(buf, ",{n}")?,
                    None => buf.extend_from_slice(b",-\n"),
                }
                found += 1;
                hit += u64::from(taken.is_some_and(|n| n > 0));
            }
        }
        if found > 0 {
            writeln!(buf, "BRF:{found}\nBRH:{hit}")?;
        }
        writeln!(buf, "LF:{}\nLH:{hit_lines}\nend_of_record", file.lines.len())?;
        if buf.len() >= 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

/// `FN`/`FNDA` pairs in line order (then by name), then `FNF`/`FNH`; nothing for a file without functions. A
/// function whose start is unknown (only `FNDA` was read) gets no `FN`.
fn write_functions(file: &FileCoverage, buf: &mut Vec<u8>) -> std::io::Result<()> {
    if file.functions.is_empty() {
        return Ok(());
    }
    let mut functions: Vec<(&String, &Function)> = file.functions.iter().collect();
    functions.sort_by_key(|(name, f)| (f.start, *name));
    for (name, f) in &functions {
        if f.start > 0 {
            match f.end {
                Some(end) => writeln!(buf, "FN:{},{end},{name}", f.start)?,
                None => writeln!(buf, "FN:{},{name}", f.start)?,
            }
        }
    }
    for (name, f) in &functions {
        writeln!(buf, "FNDA:{},{name}", f.hits)?;
    }
    let (hit, found) = file.function_counts();
    writeln!(buf, "FNF:{found}\nFNH:{hit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PercentRule;

    fn opts() -> ReadOptions {
        ReadOptions::new("/repo")
    }

    fn read_str(text: &str) -> Result<Coverage> {
        read(Path::new("t.info"), text.as_bytes(), &opts())
    }

    #[test]
    fn reads_lines_branches_and_merges_test_sections() {
        let cov = read_str(
            "TN:a\nSF:/repo/src/x.c\nVER:1\nFN:3,5,main\nFNDA:1,main\nFNF:1\nFNH:1\nDA:3,2,abc\nDA:4,0\n\
             BRDA:3,0,0,1\nBRDA:3,e0,jump to 4,-\nBRF:2\nBRH:1\nLF:2\nLH:1\nend_of_record\n\
             TN:b\nSF:src/x.c\nFNL:0,3,5\nFNA:0,1,main\nDA:4,3\nDA:3,1\nBRDA:3,0,0,2\nend_of_record\n",
        )
        .unwrap();
        let file = &cov.files["src/x.c"];
        assert_eq!(file.rule, PercentRule::Lines);
        assert_eq!(
            file.lines.iter().map(|(&l, &h)| (l, h)).collect::<Vec<_>>(),
            [(3, 3), (4, 3)]
        );
        let branches = &file.branches[&3];
        assert_eq!(branches["0,0"], Some(3));
        assert_eq!(branches["e0,jump to 4"], None);
    }

    #[test]
    fn counts_saturate_and_integral_floats_are_accepted() {
        let cov = read_str("SF:a\nDA:1,99999999999999999999999\nDA:2,4.0\nend_of_record\n").unwrap();
        assert_eq!(cov.files["a"].lines[&1], u64::MAX);
        assert_eq!(cov.files["a"].lines[&2], 4);
        assert!(read_str("SF:a\nDA:1,4.5\nend_of_record\n").is_err());
        assert!(read_str("SF:a\nDA:1,-1\nend_of_record\n").is_err());
    }

    #[test]
    fn chunked_reading_equals_whole_reading() {
        let mut text = String::new();
        for i in 0..9 {
            text += &format!(
                "TN:t{i}\nSF:src/f{}.c\nDA:1,{i}\nDA:2,0\nBRDA:2,0,0,-\nBRDA:2,0,1,{i}\nend_of_record\n",
                i % 4
            );
        }
        let whole = read_in(Path::new("x.info"), text.as_bytes(), &opts(), 1).unwrap();
        for chunks in [2, 3, 5] {
            assert_eq!(
                read_in(Path::new("x.info"), text.as_bytes(), &opts(), chunks).unwrap(),
                whole
            );
        }
    }

    #[test]
    fn chunked_errors_carry_absolute_line_numbers() {
        let mut text = "SF:a.c\nDA:1,1\nend_of_record\n".repeat(5);
        text += "SF:b.c\nDA:x\nend_of_record\n";
        let err = read_in(Path::new("x.info"), text.as_bytes(), &opts(), 3)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.info:17: "), "{err}");
    }

    #[test]
    fn unknown_keys_are_not_errors() {
        assert!(read_str("SF:a\nXYZ:1\nDA:1,1\nend_of_record\n").is_ok());
    }

    #[test]
    fn errors_name_line_and_expectation() {
        let e = |t: &str| read_str(t).unwrap_err().to_string();
        assert_eq!(
            e("TN:\nDA:1,1\n"),
            "t.info:2: expected `SF:<path>` before `DA:`, found `DA:` outside a file record"
        );
        assert_eq!(
            e("SF:a\nDA:1\n"),
            "t.info:2: expected `DA:<line>,<count>[,<checksum>]`, found `DA:1`"
        );
        assert_eq!(
            e("SF:a\nDA:1,1\n"),
            "t.info:2: expected `end_of_record` to close the `SF:` record of line 1, found the end of the file"
        );
        assert_eq!(
            e("SF:a\nBRDA:1,0,1\nend_of_record\n"),
            "t.info:2: expected `BRDA:<line>,<block>,<branch>,<taken>`, found `BRDA:1,0,1`"
        );
        assert_eq!(
            e("SF:a\nhello\n"),
            "t.info:2: expected a `KEY:VALUE` record or `end_of_record`, found `hello`"
        );
        assert_eq!(
            e("SF:a\nSF:b\n"),
            "t.info:2: expected `end_of_record` to close the `SF:` record of line 1, found a new `SF:`"
        );
    }

    #[test]
    fn write_then_read_is_identity() {
        let text =
            "SF:b.c\nDA:1,0\nDA:7,12\nBRDA:7,0,1,-\nBRDA:7,0,jump, to 9,4\nend_of_record\nSF:a.c\nend_of_record\n";
        let cov = read_str(text).unwrap();
        let mut out = Vec::new();
        write(&cov, &mut out).unwrap();
        let written = String::from_utf8(out).unwrap();
        assert!(
            written.starts_with("TN:\nSF:a.c\nLF:0\nLH:0\nend_of_record\nTN:\nSF:b.c\nDA:1,0\n"),
            "{written}"
        );
        assert!(written.contains("BRF:2\nBRH:1\nLF:2\nLH:1\n"), "{written}");
        assert_eq!(read_str(&written).unwrap(), cov);
    }
}
