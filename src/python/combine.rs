//! `prowcov combine`: coverage.py's combine (input discovery, duplicate skipping, `[paths]` remapping, contexts
//! merged by name), independent of input order, writing its output atomically.
//!
//! The engine owns no terminal: it returns what happened to each input, and the command prints it. Inputs are read
//! in parallel; paths are mapped once per unique path, after every input was read, so that `relative_files`' implicit
//! rules see all paths (coverage.py learns them as it goes, which makes its result depend on the input order).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use regex::Regex;

use crate::error::{Error, Result};
use crate::formats::coveragepy::{self, CoverageData, InputInfo, Merger};
use crate::python::paths::PathAliases;

/// What to combine, and how.
#[derive(Debug)]
pub struct CombineRequest {
    /// The combined data file to write (absolute, or relative to the current directory).
    pub data_file: PathBuf,
    /// Data files, or directories searched for `<data file name>.*`. Empty: the data file's directory.
    pub inputs: Vec<PathBuf>,
    /// Start from the existing data file instead of replacing it.
    pub append: bool,
    /// Keep the combined inputs instead of deleting them.
    pub keep: bool,
    /// The `[paths]` rules.
    pub aliases: PathAliases,
    /// Record how each path was mapped (`--debug=pathmap`).
    pub trace_pathmap: bool,
}

/// What happened to one input.
#[derive(Debug)]
pub enum InputStatus {
    Combined,
    /// Same data as an earlier input (by the hash in its name, else by content); not combined, but deleted.
    Duplicate,
    /// Unreadable or not coverage.py data: reported, kept on disk, and left out.
    Unusable(Error),
}

/// The result of a successful combine.
#[derive(Debug)]
pub struct CombineOutcome {
    /// The data file written (absolute).
    pub data_file: PathBuf,
    /// Every input considered, in sorted order (absolute paths).
    pub inputs: Vec<(PathBuf, InputStatus)>,
    /// `--debug=pathmap` lines.
    pub pathmap_trace: Vec<String>,
    /// Inputs that were combined but could not be deleted afterwards.
    pub delete_failures: Vec<Error>,
}

impl CombineOutcome {
    pub fn count(&self, want: fn(&InputStatus) -> bool) -> usize {
        self.inputs.iter().filter(|(_, status)| want(status)).count()
    }
}

/// Combines the inputs into the data file. Nothing is written, and nothing deleted, unless every usable input
/// combined; inputs are deleted (unless `keep`) only once the output is safely in place.
pub fn combine(req: &CombineRequest) -> Result<CombineOutcome> {
    let data_file = absolute(&req.data_file)?;
    let files = discover(&data_file, &req.inputs)?;
    if files.is_empty() {
        return Err(Error::Data("No data to combine".into()));
    }
    // Duplicates are found before reading, so that they are never read.
    let mut seen = HashSet::new();
    let duplicate: Vec<bool> = duplicate_keys(&files)
        .into_iter()
        // As coverage.py's DataFileClassifier: a file whose hash cannot be taken is combined (and fails there).
        .map(|key| key.is_some_and(|k| !seen.insert(k)))
        .collect();
    let to_read: Vec<&Path> = files
        .iter()
        .zip(&duplicate)
        .filter(|(_, dup)| !**dup)
        .map(|(p, _)| p.as_path())
        .collect();
    let (merger, read) = merge_all(&to_read);

    let mut inputs = Vec::with_capacity(files.len());
    let mut usable: Vec<(&Path, InputInfo)> = Vec::new();
    let mut read = read.into_iter();
    for (path, dup) in files.iter().zip(duplicate) {
        if dup {
            inputs.push((path.clone(), InputStatus::Duplicate));
            continue;
        }
        match read.next() {
            Some(Ok(info)) => {
                inputs.push((path.clone(), InputStatus::Combined));
                usable.push((path, info));
            }
            Some(Err(e)) => inputs.push((path.clone(), InputStatus::Unusable(e))),
            None => inputs.push((path.clone(), InputStatus::Unusable(not_read()))),
        }
    }
    if usable.is_empty() {
        // The reasons are the useful part: each unusable input is listed under the summary.
        let mut message = String::from("No usable data files");
        for (_, status) in &inputs {
            if let InputStatus::Unusable(e) = status {
                message += &format!("\n  - {e}");
            }
        }
        return Err(Error::Data(message));
    }

    let mut combined = if req.append && data_file.exists() {
        coveragepy::read(&data_file)?
    } else {
        CoverageData::default()
    };
    check_one_kind(&data_file, combined.has_arcs, &usable)?;

    let mut mapper = Mapper::new(&req.aliases, req.trace_pathmap);
    let tracers =
        usable.iter().any(|(_, info)| info.has_tracers) || combined.files.values().any(|f| f.tracer.is_some());
    if tracers {
        // File tracers (plugins) are rare, and coverage.py's tracer conflict checks depend on the input order:
        // such inputs are read again in full and combined one by one, as coverage.py does.
        let usable = read_all(&usable)?;
        mapper.map_all(usable.iter().flat_map(|(_, d)| d.files.keys().map(String::as_str)));
        for (path, data) in &usable {
            combined
                .update(data, &|p: &str| mapper.lookup(p))
                .map_err(|e| Error::Data(format!("data file '{}': {e}", path.display())))?;
        }
    } else {
        // Without tracers, combining is a plain union: each unique path is mapped once and the union added in one
        // update (the line/arc check was done above, per input).
        mapper.map_all(merger.paths());
        let union = merger.into_data(&|p: &str| mapper.lookup(p));
        combined
            .update(&union, &|p: &str| p.to_string())
            .map_err(|e| Error::Data(format!("data file '{}': {e}", data_file.display())))?;
    }
    coveragepy::write(&combined, &data_file)?;

    let delete_failures = if req.keep { Vec::new() } else { delete_inputs(&inputs) };
    Ok(CombineOutcome {
        data_file,
        inputs,
        pathmap_trace: mapper.trace.into_inner(),
        delete_failures,
    })
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::read(path, e))
}

/// coverage.py's `combinable_files`: files as given, directories searched for `<data file name>.*`; `-journal`
/// files and the data file itself left out; sorted.
fn discover(data_file: &Path, inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let data_dir = data_file.parent().unwrap_or(Path::new("/")).to_path_buf();
    let prefix = format!("{}.", data_file.file_name().unwrap_or_default().to_string_lossy());
    let dirs = if inputs.is_empty() {
        std::slice::from_ref(&data_dir)
    } else {
        inputs
    };
    let mut files = BTreeSet::new();
    for input in dirs {
        let meta = std::fs::metadata(input)
            .map_err(|_| Error::Data(format!("Couldn't combine from non-existent path '{}'", input.display())))?;
        if !meta.is_dir() {
            files.insert(absolute(input)?);
            continue;
        }
        for entry in std::fs::read_dir(input).map_err(|e| Error::read(input, e))? {
            let entry = entry.map_err(|e| Error::read(input, e))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(&prefix) {
                files.insert(absolute(&entry.path())?);
            }
        }
    }
    files.retain(|f| f != data_file && !f.to_string_lossy().ends_with("-journal"));
    Ok(files.into_iter().collect())
}

fn not_read() -> Error {
    Error::Data("input was not read".into())
}

fn threads_for(jobs: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, jobs.max(1))
}

/// Reads and merges the inputs on as many threads as there are cores, each thread into a [`Merger`] of its own
/// (joined at the end; a union does not depend on the order). The per-input results are in input order.
fn merge_all(files: &[&Path]) -> (Merger, Vec<Result<InputInfo>>) {
    // Inputs are handed out one at a time, so that a thread that drew small files takes more of them.
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<InputInfo>>> = std::iter::repeat_with(|| None).take(files.len()).collect();
    let mut merged = Merger::default();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads_for(files.len()))
            .map(|_| {
                let next = &next;
                scope.spawn(move || {
                    let mut merger = Merger::default();
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        done.push((i, merger.read(path)));
                    }
                    (merger, done)
                })
            })
            .collect();
        for worker in workers {
            // A panic in a reader is a bug; surface it rather than losing inputs.
            let (merger, done) = worker.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            merged.absorb(merger);
            for (i, result) in done {
                if let Some(slot) = results.get_mut(i) {
                    *slot = Some(result);
                }
            }
        }
    });
    let results = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(not_read())))
        .collect();
    (merged, results)
}

/// Reads the usable inputs in full, on as many threads as there are cores; in input order.
fn read_all<'p>(usable: &[(&'p Path, InputInfo)]) -> Result<Vec<(&'p Path, CoverageData)>> {
    let threads = threads_for(usable.len());
    let mut slots: Vec<Option<Result<CoverageData>>> = std::iter::repeat_with(|| None).take(usable.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|k| {
                scope.spawn(move || {
                    (k..usable.len())
                        .step_by(threads)
                        .map(|i| (i, coveragepy::read(usable[i].0)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            for (i, data) in worker.join().unwrap_or_else(|p| std::panic::resume_unwind(p)) {
                slots[i] = Some(data);
            }
        }
    });
    usable
        .iter()
        .zip(slots)
        .map(|((path, _), slot)| Ok((*path, slot.unwrap_or_else(|| Err(not_read()))?)))
        .collect()
}

/// coverage.py's `.H<hash>h` name part of a parallel data file (7.13.1+).
static NAME_HASH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\.[^.]+\.pid\d+\.X\w{6}x(?:\.H(\w{10}h))?$").ok());

/// What makes two inputs duplicates of each other.
#[derive(Debug, PartialEq, Eq, Hash)]
enum DuplicateKey {
    /// The `.H<hash>h` part of the file name.
    Name(String),
    /// Byte-identical content: the index of the first input with these bytes.
    Content(usize),
}

/// coverage.py's `hash_for_data_file` for every input: the hash in the file name, else the content. `None` for an
/// input whose content cannot be read (or that is not a regular file): it is combined, and fails there.
///
/// coverage.py hashes every input in full (SHA3-256); doing the same read all the data an extra time and was a fifth
/// of combine's time. Only exact duplicates matter, so files are grouped by size (a file of a size no other input
/// has is a duplicate of none), and files of equal size are compared chunk by chunk, each dropping out as soon as its
/// bytes match no other file's: distinct files are told apart after their first chunk, and only true duplicates are
/// read in full. Bytes are compared, not hashes, so a distinct file is never taken for a duplicate.
fn duplicate_keys(files: &[PathBuf]) -> Vec<Option<DuplicateKey>> {
    let mut keys: Vec<Option<DuplicateKey>> = files.iter().map(|_| None).collect();
    let mut by_size: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, path) in files.iter().enumerate() {
        if let Some(hash) = name_hash(path) {
            keys[i] = Some(DuplicateKey::Name(hash));
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => by_size.entry(meta.len()).or_default().push(i),
            _ => {}
        }
    }
    for (size, group) in by_size {
        for (i, first) in identical_content(files, group, size) {
            keys[i] = first.map(DuplicateKey::Content);
        }
    }
    keys
}

fn name_hash(path: &Path) -> Option<String> {
    let name = path.to_string_lossy();
    // The hash part is `.H` + 10 word characters + `h` at the very end. Checking that first keeps the regex (whose
    // Unicode `\w{10}` takes milliseconds to compile) out of runs whose inputs carry no hash.
    let mut tail = name.chars().rev();
    if tail.next() != Some('h') || tail.nth(10) != Some('H') || tail.next() != Some('.') {
        return None;
    }
    let hash = NAME_HASH.as_ref()?.captures(&name)?.get(1)?;
    Some(hash.as_str().to_string())
}

/// For files of `size` bytes (ascending indexes into `files`): each with the first of them with identical content
/// (itself when there is none before it), or `None` when it could not be read.
fn identical_content(files: &[PathBuf], group: Vec<usize>, size: u64) -> Vec<(usize, Option<usize>)> {
    // Distinct coverage.py files of equal size differ within their first few pages (the first ones hold the schema);
    // files still equal after the first chunk are most likely duplicates, read on in larger chunks.
    const FIRST_CHUNK: u64 = 32 * 1024;
    const CHUNK: u64 = 256 * 1024;
    let mut first: HashMap<usize, Option<usize>> = group.iter().map(|&i| (i, Some(i))).collect();
    // Classes of files whose bytes are equal so far; a file alone in its class is distinct from every other.
    let mut classes = if group.len() > 1 { vec![group] } else { Vec::new() };
    let mut offset = 0;
    while offset < size && !classes.is_empty() {
        let len = (if offset == 0 { FIRST_CHUNK } else { CHUNK }).min(size - offset);
        let mut next = Vec::new();
        for class in classes {
            let mut chunks: Vec<(usize, Vec<u8>)> = Vec::with_capacity(class.len());
            for i in class {
                match read_chunk(&files[i], offset, len) {
                    Ok(chunk) => chunks.push((i, chunk)),
                    Err(_) => {
                        first.insert(i, None);
                    }
                }
            }
            // Sorting puts equal chunks next to each other; comparisons stop at the first differing byte.
            chunks.sort_unstable_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
            next.extend(
                chunks
                    .chunk_by(|a, b| a.1 == b.1)
                    .filter(|run| run.len() > 1)
                    .map(|run| run.iter().map(|(i, _)| *i).collect::<Vec<_>>()),
            );
        }
        classes = next;
        offset += len;
    }
    // What is left are sets of identical files.
    for class in classes {
        let min = class.iter().copied().min();
        for i in class {
            first.insert(i, min);
        }
    }
    first.into_iter().collect()
}

/// `len` bytes of `path` from `offset`. Files are opened per chunk, so that no more than one is open at a time.
fn read_chunk(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut chunk = Vec::with_capacity(usize::try_from(len).map_err(std::io::Error::other)?);
    file.take(len).read_to_end(&mut chunk)?;
    if chunk.len() as u64 != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(chunk)
}

/// Line data and arc data cannot be combined: fails naming the first file of each kind, before anything is written.
fn check_one_kind(data_file: &Path, existing: Option<bool>, usable: &[(&Path, InputInfo)]) -> Result<()> {
    let all = std::iter::once((data_file, existing)).chain(usable.iter().map(|(p, info)| (*p, info.has_arcs)));
    let mut first: Option<(&Path, bool)> = None;
    for (path, has_arcs) in all {
        let Some(arcs) = has_arcs else { continue };
        match first {
            None => first = Some((path, arcs)),
            Some((first_path, first_arcs)) if first_arcs != arcs => {
                let (arc_file, line_file) = if arcs { (path, first_path) } else { (first_path, path) };
                return Err(Error::Data(format!(
                    "cannot combine branch coverage data with statement data: data file '{}' measured branch \
                     coverage, but data file '{}' didn't",
                    arc_file.display(),
                    line_file.display()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Maps each unique path once, with existence checks cached, after the aliases have seen every path.
struct Mapper {
    aliases: PathAliases,
    trace_on: bool,
    mapped: HashMap<String, String>,
    exists: RefCell<HashMap<String, bool>>,
    trace: RefCell<Vec<String>>,
}

impl Mapper {
    fn new(aliases: &PathAliases, trace_on: bool) -> Self {
        Mapper {
            aliases: aliases.clone(),
            trace_on,
            mapped: HashMap::new(),
            exists: RefCell::default(),
            trace: RefCell::default(),
        }
    }

    fn map_all<'p>(&mut self, paths: impl Iterator<Item = &'p str>) {
        // Sorted and deduplicated, so that implicit rules and traces come out the same for any input order.
        let unique: BTreeSet<&str> = paths.collect();
        self.aliases.prepare(&mut unique.iter().copied());
        let exists = |p: &str| {
            *self
                .exists
                .borrow_mut()
                .entry(p.to_string())
                .or_insert_with(|| Path::new(p).exists())
        };
        let mut mapped = HashMap::with_capacity(unique.len());
        for path in unique {
            let to = if self.trace_on {
                self.aliases
                    .map_traced(path, &exists, &mut |line| self.trace.borrow_mut().push(line))
            } else {
                self.aliases.map(path, &exists)
            };
            mapped.insert(path.to_string(), to);
        }
        self.mapped = mapped;
    }

    fn lookup(&self, path: &str) -> String {
        self.mapped.get(path).cloned().unwrap_or_else(|| path.to_string())
    }
}

/// Deletes the combined and duplicate inputs; unusable ones are kept for the user to look at.
fn delete_inputs(inputs: &[(PathBuf, InputStatus)]) -> Vec<Error> {
    inputs
        .iter()
        .filter(|(_, status)| !matches!(status, InputStatus::Unusable(_)))
        .filter_map(|(path, _)| std::fs::remove_file(path).err().map(|e| Error::write(path, e)))
        .collect()
}
