//! `prowcov combine`: coverage.py's combine (input discovery, duplicate skipping, `[paths]` remapping, contexts
//! merged by name), independent of input order, writing its output atomically.
//!
//! The engine owns no terminal: it returns what happened to each input, and the command prints it. Inputs are read
//! in parallel; paths are mapped once per unique path, after every input was read, so that `relative_files`' implicit
//! rules see all paths (coverage.py learns them as it goes, which makes its result depend on the input order).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use sha3::{Digest, Sha3_256};

use crate::error::{Error, Result};
use crate::formats::coveragepy::{self, CoverageData};
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
    let loaded = load_all(&files);
    let mut inputs = Vec::with_capacity(files.len());
    let mut usable: Vec<(&Path, CoverageData)> = Vec::new();
    let mut seen = HashSet::new();
    for (path, Loaded { key, data }) in files.iter().zip(loaded) {
        // As coverage.py's DataFileClassifier: a file whose hash cannot be taken is combined (and fails there).
        if key.as_ref().is_some_and(|k| !seen.insert(k.clone())) {
            inputs.push((path.clone(), InputStatus::Duplicate));
            continue;
        }
        match data {
            Ok(data) => {
                inputs.push((path.clone(), InputStatus::Combined));
                usable.push((path, data));
            }
            Err(e) => inputs.push((path.clone(), InputStatus::Unusable(e))),
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
    check_one_kind(&data_file, &combined, &usable)?;

    let mut mapper = Mapper::new(&req.aliases, req.trace_pathmap);
    mapper.map_all(&usable);
    for (path, data) in &usable {
        combined
            .update(data, &|p: &str| mapper.lookup(p))
            .map_err(|e| Error::Data(format!("data file '{}': {e}", path.display())))?;
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

/// One input, read: its duplicate key (`None` when it cannot be hashed) and its data.
struct Loaded {
    key: Option<String>,
    data: Result<CoverageData>,
}

/// Reads every input, on as many threads as there are cores; the result is in input order.
fn load_all(files: &[PathBuf]) -> Vec<Loaded> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, files.len().max(1));
    let mut slots: Vec<Option<Loaded>> = std::iter::repeat_with(|| None).take(files.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|k| {
                scope.spawn(move || {
                    (k..files.len())
                        .step_by(threads)
                        .map(|i| {
                            (
                                i,
                                Loaded {
                                    key: duplicate_key(&files[i]),
                                    data: coveragepy::read(&files[i]),
                                },
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            // A panic in a reader is a bug; surface it rather than losing inputs.
            for (i, loaded) in worker.join().unwrap_or_else(|p| std::panic::resume_unwind(p)) {
                slots[i] = Some(loaded);
            }
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.unwrap_or(Loaded {
                key: None,
                data: Err(Error::Data("input was not read".into())),
            })
        })
        .collect()
}

/// coverage.py's `.H<hash>h` name part of a parallel data file (7.13.1+).
static NAME_HASH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\.[^.]+\.pid\d+\.X\w{6}x(?:\.H(\w{10}h))?$").ok());

/// coverage.py's `hash_for_data_file`: the hash in the file name, else the SHA3-256 of its bytes.
fn duplicate_key(path: &Path) -> Option<String> {
    let name = path.to_string_lossy();
    let from_name = NAME_HASH
        .as_ref()
        .and_then(|re| re.captures(&name))
        .and_then(|c| c.get(1));
    if let Some(hash) = from_name {
        return Some(hash.as_str().to_string());
    }
    let bytes = std::fs::read(path).ok()?;
    Some(Sha3_256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect())
}

/// Line data and arc data cannot be combined: fails naming the first file of each kind, before anything is written.
fn check_one_kind(data_file: &Path, existing: &CoverageData, usable: &[(&Path, CoverageData)]) -> Result<()> {
    let all = std::iter::once((data_file, existing)).chain(usable.iter().map(|(p, d)| (*p, d)));
    let mut first: Option<(&Path, bool)> = None;
    for (path, data) in all {
        let Some(arcs) = data.has_arcs else { continue };
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

    fn map_all(&mut self, usable: &[(&Path, CoverageData)]) {
        // Sorted and deduplicated, so that implicit rules and traces come out the same for any input order.
        let unique: BTreeSet<&str> = usable
            .iter()
            .flat_map(|(_, d)| d.files.keys().map(String::as_str))
            .collect();
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
