//! Go cover profiles (`go test -coverprofile`, `mode: set|count|atomic`): read, mapping import paths to repo paths
//! through the `go.mod` files under the root.
//!
//! Identical blocks are merged the way `go tool cover` merges them (`set` ORs the counts, `count` and `atomic` add
//! them), so a `-coverpkg` profile, where each test binary repeats the blocks of every covered package, gives the
//! same statement totals as `go tool cover -func`. `-func` also counts only the blocks that overlap a function
//! declaration: the statements of a function literal at package level (`var _ = func() { ... }`) are in the
//! profile but in no function. The reader drops those blocks too when it finds the file's source under the root
//! ([`super::gosource`]), so every output of one profile (report, HTML, JSON, Cobertura, LCOV) reads the profile
//! as `-func` does; without the source (which `-func` itself needs) every block counts.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result, excerpt};
use crate::formats::ReadOptions;
use crate::formats::gomod::Modules;
use crate::formats::gosource::{self, FuncExtent};
use crate::model::path::normalize;
use crate::model::{Block, BlockCount, Coverage, FileCoverage, PercentRule, expanded_lines_budget};

/// The block line shape, quoted in error messages.
const BLOCK_SHAPE: &str = "`<file>:<line>.<col>,<line>.<col> <statements> <count>`";

/// A block longer than this is not from Go source; refusing it keeps the derived line map bounded.
const MAX_BLOCK_LINES: u32 = 1_000_000;

/// How the counts of identical blocks combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Counts are 0 or 1; repeats OR.
    Set,
    /// Counts are hit counts; repeats add.
    Count,
    /// As `Count`, collected with atomic increments (`-race`).
    Atomic,
}

impl Mode {
    fn parse(name: &str) -> Option<Mode> {
        match name {
            "set" => Some(Mode::Set),
            "count" => Some(Mode::Count),
            "atomic" => Some(Mode::Atomic),
            _ => None,
        }
    }

    fn combine(self, a: u64, b: u64) -> u64 {
        match self {
            Mode::Set => a | b,
            Mode::Count | Mode::Atomic => a.saturating_add(b),
        }
    }
}

/// A block as read, with the profile line it first appeared on (for error messages).
#[derive(Clone, Copy, Debug)]
struct Seen {
    count: BlockCount,
    line: u64,
}

/// The blocks of one profile file, keyed by the file name as written (an import path, usually).
#[derive(Debug, Default)]
struct Profile {
    files: BTreeMap<String, BTreeMap<Block, Seen>>,
}

/// Reads `bytes`, the content of `path`.
pub fn read(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Coverage> {
    let profile = parse(path, bytes)?;
    check_spans(path, &profile, bytes.len())?;
    let mut modules: Option<Modules> = None;
    let mut coverage = Coverage::default();
    for (name, blocks) in profile.files {
        let first_line = blocks.values().map(|s| s.line).min().unwrap_or(1);
        let repo_path = repo_path(path, first_line, &name, &options.root, &mut modules)?;
        // Without the source every block counts; `go tool cover -func` would fail instead.
        let decls = std::fs::read(options.root.join(&repo_path))
            .ok()
            .map(|source| gosource::func_decls(&source));
        let file = coverage
            .files
            .entry(repo_path)
            .or_insert_with(|| FileCoverage::new(PercentRule::Statements));
        // Two names can map to one file (an import path and its `_/` form); merging them like repeated profiles is
        // the only answer that does not drop data.
        file.merge(&to_file(&blocks, decls.as_deref()));
    }
    Ok(coverage)
}

/// Refuses blocks whose lines, once derived, would take memory out of proportion to the profile's size (see
/// [`expanded_lines_budget`]): each block is bounded, but a few hundred long ones would still make billions of lines.
fn check_spans(path: &Path, profile: &Profile, input_bytes: usize) -> Result<()> {
    let budget = expanded_lines_budget(input_bytes);
    let mut spanned: u64 = 0;
    for blocks in profile.files.values() {
        for block in blocks.keys() {
            spanned += u64::from(block.end_line - block.start_line) + 1;
        }
    }
    if spanned > budget {
        return Err(Error::parse(
            path,
            None,
            format!(
                "expected blocks spanning at most {budget} lines for a profile of {input_bytes} bytes, found \
                 {spanned}: these are not blocks of Go source"
            ),
        ));
    }
    Ok(())
}

/// Parses the profile text and merges identical blocks.
fn parse(path: &Path, bytes: &[u8]) -> Result<Profile> {
    let mut mode: Option<(Mode, String)> = None;
    let mut profile = Profile::default();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = index as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw).map_err(|e| {
            Error::parse(
                path,
                Some(line_no),
                format!(
                    "expected UTF-8 text, found an invalid byte at column {}",
                    e.valid_up_to() + 1
                ),
            )
        })?;
        if line.trim().is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix("mode:") {
            let name = name.trim();
            // `go test -coverprofile` of several packages writes one header, but profiles joined with `cat` repeat
            // it; the same mode again is harmless, a different one would mix ORed and added counts.
            match &mode {
                None => {
                    let parsed = Mode::parse(name).ok_or_else(|| {
                        Error::parse(
                            path,
                            Some(line_no),
                            format!(
                                "expected `mode: set|count|atomic`, found `{}`",
                                excerpt(line.as_bytes()).escape_debug()
                            ),
                        )
                    })?;
                    mode = Some((parsed, name.to_string()));
                }
                Some((_, first)) if first == name => {}
                Some((_, first)) => {
                    return Err(Error::parse(
                        path,
                        Some(line_no),
                        format!(
                            "expected `mode: {first}` as in the first mode line, found `{}`",
                            excerpt(line.as_bytes()).escape_debug()
                        ),
                    ));
                }
            }
            continue;
        }
        let Some((mode, _)) = mode else {
            return Err(Error::parse(
                path,
                Some(line_no),
                format!(
                    "expected `mode: set|count|atomic` first, found `{}`",
                    excerpt(line.as_bytes()).escape_debug()
                ),
            ));
        };
        let (name, block, count) = parse_block(line).map_err(|detail| {
            Error::parse(
                path,
                Some(line_no),
                format!(
                    "expected a block {BLOCK_SHAPE}, found `{}` ({detail})",
                    excerpt(line.as_bytes()).escape_debug()
                ),
            )
        })?;
        let blocks = profile.files.entry(name.to_string()).or_default();
        match blocks.get_mut(&block) {
            None => {
                blocks.insert(block, Seen { count, line: line_no });
            }
            Some(seen) if seen.count.statements != count.statements => {
                return Err(Error::parse(
                    path,
                    Some(line_no),
                    format!(
                        "inconsistent statement count for block `{name}:{}`: {} here, {} on line {} (expected the \
                         same block to have the same statement count, as `go tool cover` requires; are profiles of \
                         different source versions mixed?)",
                        show_block(&block),
                        count.statements,
                        seen.count.statements,
                        seen.line
                    ),
                ));
            }
            Some(seen) => seen.count.count = mode.combine(seen.count.count, count.count),
        }
    }
    if mode.is_none() {
        return Err(Error::parse(
            path,
            None,
            "expected `mode: set|count|atomic`, found no lines",
        ));
    }
    Ok(profile)
}

/// Splits `<file>:<line>.<col>,<line>.<col> <statements> <count>` from the right, since file names may contain `:`
/// and spaces. The error is the detail that completes "expected a block ..., found `...`".
fn parse_block(line: &str) -> Result<(&str, Block, BlockCount), String> {
    let (rest, count) = line.rsplit_once(' ').ok_or("no spaces")?;
    let (rest, statements) = rest.rsplit_once(' ').ok_or("one field after the range, two expected")?;
    let (name, range) = rest.rsplit_once(':').ok_or("no `:` between the file and the range")?;
    if name.is_empty() {
        return Err("the file name is empty".into());
    }
    let (start, end) = range
        .split_once(',')
        .ok_or_else(|| format!("the range `{}` has no `,`", excerpt(range.as_bytes())))?;
    let (start_line, start_col) = position(start, "start")?;
    let (end_line, end_col) = position(end, "end")?;
    let block = Block {
        start_line,
        start_col,
        end_line,
        end_col,
    };
    if (end_line, end_col) < (start_line, start_col) {
        return Err("the block ends before it starts".into());
    }
    if end_line - start_line > MAX_BLOCK_LINES {
        return Err(format!("the block spans more than {MAX_BLOCK_LINES} lines"));
    }
    let count = BlockCount {
        statements: number(statements, "statement count")?,
        count: number(count, "count")?,
    };
    Ok((name, block, count))
}

fn position(text: &str, what: &str) -> Result<(u32, u32), String> {
    let (line, col) = text
        .split_once('.')
        .ok_or_else(|| format!("the {what} `{}` is not `<line>.<col>`", excerpt(text.as_bytes())))?;
    let (line, col): (u32, u32) = (
        number(line, &format!("{what} line"))?,
        number(col, &format!("{what} column"))?,
    );
    if line == 0 || col == 0 {
        return Err(format!(
            "the {what} `{}` holds a 0; lines and columns start at 1",
            excerpt(text.as_bytes())
        ));
    }
    Ok((line, col))
}

/// A decimal field: digits only, as Go's profile parser requires (no sign, no spaces).
fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    if text.starts_with('-') {
        return Err(format!("the {what} `{}` is negative", excerpt(text.as_bytes())));
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the {what} `{}` is not a number", excerpt(text.as_bytes())));
    }
    text.parse()
        .map_err(|_| format!("the {what} `{}` is too large", excerpt(text.as_bytes())))
}

fn show_block(b: &Block) -> String {
    format!("{}.{},{}.{}", b.start_line, b.start_col, b.end_line, b.end_col)
}

/// The model of one file: its blocks, and lines derived from them so that line-level views (missing lines, diffs)
/// work. A line's hits are the largest count among the blocks that span it; blocks without statements (an empty
/// function body) measure no line. With the source's function declarations (`decls`), a block outside all of them
/// is left out, as `go tool cover -func` leaves it out.
fn to_file(blocks: &BTreeMap<Block, Seen>, decls: Option<&[FuncExtent]>) -> FileCoverage {
    let mut file = FileCoverage::new(PercentRule::Statements);
    for (block, seen) in blocks {
        if let Some(decls) = decls {
            let (start, end) = ((block.start_line, block.start_col), (block.end_line, block.end_col));
            // Declarations are sorted and disjoint: the only candidate is the first that ends after the block starts.
            let first = decls.partition_point(|d| d.end <= start);
            if !decls.get(first).is_some_and(|d| d.overlaps(start, end)) {
                continue;
            }
        }
        file.blocks.insert(*block, seen.count);
        if seen.count.statements == 0 {
            continue;
        }
        for line in block.start_line..=block.end_line {
            let hits = file.lines.entry(line).or_insert(0);
            *hits = (*hits).max(seen.count.count);
        }
    }
    file
}

/// Maps a profile's file name to the model's repo-relative key. `line` is where the name first appears.
fn repo_path(profile: &Path, line: u64, name: &str, root: &Path, modules: &mut Option<Modules>) -> Result<String> {
    // Packages outside any module or GOPATH are named by their absolute directory, prefixed with `_`.
    if let Some(abs) = name.strip_prefix("_/") {
        return Ok(normalize(&format!("/{abs}"), root));
    }
    if name.starts_with('/') {
        return Ok(normalize(name, root));
    }
    let modules = match modules {
        Some(m) => m,
        // Walked once per profile, and only when some name needs it.
        None => modules.insert(Modules::discover(root)?),
    };
    if let Some(mapped) = modules.resolve(name) {
        return Ok(normalize(&mapped, root));
    }
    if root.join(name).is_file() {
        return Ok(normalize(name, root));
    }
    Err(Error::parse(
        profile,
        Some(line),
        format!(
            "expected the Go import path `{name}` to lie in a module under {} or to be a file there, but {}; hint: \
             pass `--root` the repository root, the directory that holds the go.mod files",
            root.display(),
            modules.describe()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(sl: u32, sc: u32, el: u32, ec: u32) -> Block {
        Block {
            start_line: sl,
            start_col: sc,
            end_line: el,
            end_col: ec,
        }
    }

    fn read_str(text: &str) -> Result<Coverage> {
        // Absolute and `_/` names need no go.mod, so the root may be anything.
        read(Path::new("c.out"), text.as_bytes(), &ReadOptions::new("/repo"))
    }

    fn err(text: &str) -> String {
        read_str(text).unwrap_err().to_string()
    }

    #[test]
    fn identical_blocks_add_in_count_mode_and_or_in_set_mode() {
        let profile = "mode: count\n/repo/a.go:3.10,5.2 2 3\n/repo/a.go:6.1,6.9 1 0\n/repo/a.go:3.10,5.2 2 4\n";
        let cov = read_str(profile).unwrap();
        let a = &cov.files["a.go"];
        assert_eq!(
            a.blocks[&block(3, 10, 5, 2)],
            BlockCount {
                statements: 2,
                count: 7
            }
        );
        assert_eq!(a.rule, PercentRule::Statements);
        assert_eq!(a.lines, BTreeMap::from([(3, 7), (4, 7), (5, 7), (6, 0)]));

        let cov = read_str("mode: set\n_/repo/a.go:3.10,5.2 2 1\n_/repo/a.go:3.10,5.2 2 0\n").unwrap();
        assert_eq!(cov.files["a.go"].blocks[&block(3, 10, 5, 2)].count, 1);
    }

    #[test]
    fn counts_saturate() {
        let max = u64::MAX;
        let cov = read_str(&format!(
            "mode: atomic\n/repo/a.go:1.1,1.5 1 {max}\n/repo/a.go:1.1,1.5 1 1\n"
        ))
        .unwrap();
        assert_eq!(cov.files["a.go"].blocks[&block(1, 1, 1, 5)].count, max);
    }

    #[test]
    fn a_line_takes_the_largest_count_of_its_blocks() {
        let cov =
            read_str("mode: set\n/repo/a.go:1.1,2.5 1 0\n/repo/a.go:2.6,3.2 1 1\n/repo/a.go:4.1,4.2 0 1\n").unwrap();
        // Line 4 is only in a block without statements, so it is not measured.
        assert_eq!(cov.files["a.go"].lines, BTreeMap::from([(1, 0), (2, 1), (3, 1)]));
    }

    #[test]
    fn file_names_with_colons_and_concatenated_profiles() {
        let cov =
            read_str("mode: set\n/repo/c:d/a b.go:1.1,1.5 1 1\n\r\nmode: set\r\n/repo/x.go:1.1,1.5 1 0\r\n").unwrap();
        assert_eq!(cov.files.keys().collect::<Vec<_>>(), ["c:d/a b.go", "x.go"]);
    }

    #[test]
    fn malformed_lines_name_the_line_and_the_shape() {
        assert_eq!(
            err("mode: bogus\n"),
            "c.out:1: expected `mode: set|count|atomic`, found `mode: bogus`"
        );
        assert_eq!(
            err("/a.go:1.1,1.5 1 1\n"),
            "c.out:1: expected `mode: set|count|atomic` first, found `/a.go:1.1,1.5 1 1`"
        );
        assert_eq!(
            err("mode: set\nmode: count\n"),
            "c.out:2: expected `mode: set` as in the first mode line, found `mode: count`"
        );
        assert_eq!(err(""), "c.out: expected `mode: set|count|atomic`, found no lines");
        let shape = "expected a block `<file>:<line>.<col>,<line>.<col> <statements> <count>`";
        for (line, detail) in [
            ("/a.go:1.1,1.5 1", "one field after the range, two expected"),
            ("/a.go:1.1,1.5 1 -2", "the count `-2` is negative"),
            ("/a.go:1.1,1.5 x 2", "the statement count `x` is not a number"),
            ("/a.go:1.1,1.5 +1 2", "the statement count `+1` is not a number"),
            ("/a.go:1.1 1 2", "the range `1.1` has no `,`"),
            ("/a.go:1,1.5 1 2", "the start `1` is not `<line>.<col>`"),
            ("/a.go:2.1,1.5 1 2", "the block ends before it starts"),
            (":1.1,1.5 1 2", "the file name is empty"),
            (
                "/a.go:1.1,1.5 1 99999999999999999999",
                "the count `99999999999999999999` is too large",
            ),
        ] {
            assert_eq!(
                err(&format!("mode: set\n{line}\n")),
                format!("c.out:2: {shape}, found `{line}` ({detail})")
            );
        }
    }

    #[test]
    fn inconsistent_statement_counts_are_rejected_like_go_does() {
        let e = err("mode: count\n/a.go:1.1,1.5 1 1\n/a.go:1.1,1.5 2 1\n");
        assert!(
            e.starts_with("c.out:3: inconsistent statement count for block `/a.go:1.1,1.5`: 2 here, 1 on line 2"),
            "{e}"
        );
    }

    #[test]
    fn import_paths_map_through_go_mod() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("svc/pkg")).unwrap();
        std::fs::write(dir.path().join("svc/go.mod"), "module example.com/svc\n").unwrap();
        std::fs::write(dir.path().join("plain.go"), "package main\n").unwrap();
        let profile = "mode: set\nexample.com/svc/pkg/a.go:1.1,1.5 1 1\nplain.go:1.1,1.5 1 0\n";
        let cov = read(Path::new("c.out"), profile.as_bytes(), &ReadOptions::new(dir.path())).unwrap();
        assert_eq!(cov.files.keys().collect::<Vec<_>>(), ["plain.go", "svc/pkg/a.go"]);
    }
}
