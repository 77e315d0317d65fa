//! A fast union of many `.coverage` files, for `prowcov combine`.
//!
//! Reading each input into a [`CoverageData`] and `update`-ing it into the result costs several allocations and
//! B-tree operations per row (a `String` per path and context, a `Numbits` per blob); with hundreds of inputs of a
//! thousand rows each that was most of combine's time. [`Merger`] instead interns every path and context name once
//! and ORs each numbits blob, borrowed straight from SQLite, into a hash map keyed by small integers. The sorted
//! [`CoverageData`] is built once, at the end, from the unique paths only.
//!
//! A union does not depend on the order of its operands, so inputs can be merged in any order and on any thread
//! (each thread its own [`Merger`], joined with [`Merger::absorb`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use super::read::{Visitor, visit};
use super::{CoverageData, Numbits};
use crate::error::Result;

/// What one merged input said about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputInfo {
    /// Its `meta.has_arcs`.
    pub has_arcs: Option<bool>,
    /// Whether it has `tracer` rows (which [`Merger`] does not merge: see [`Merger::read`]).
    pub has_tracers: bool,
}

/// A multiply-rotate hash (as rustc's FxHash), for the maps combine looks up once per row: std's SipHash was a tenth
/// of combine's time on paths alone. Its weakness against crafted keys does not matter for local data files.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl FastHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Names interned to dense ids, so that rows are keyed by integers and each name is stored once.
#[derive(Default)]
struct Interner {
    ids: FastMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// Whether a successfully merged input holds the name (a failed input may have interned names too).
    used: Vec<bool>,
}

impl Interner {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(name.into(), id);
        self.names.push(name.into());
        self.used.push(false);
        id
    }

    fn used(&self) -> impl Iterator<Item = (u32, &str)> {
        self.names
            .iter()
            .zip(&self.used)
            .zip(0u32..)
            .filter(|((_, used), _)| **used)
            .map(|((name, _), id)| (id, &**name))
    }
}

/// The union of the inputs merged so far.
#[derive(Default)]
pub struct Merger {
    paths: Interner,
    contexts: Interner,
    lines: FastMap<(u32, u32), Numbits>,
    arcs: FastMap<(u32, u32), Arcs>,
    has_arcs: Option<bool>,
    /// The input being read, held apart until it was read completely: an input that fails half-way is left out
    /// entirely, as if it had never been read.
    staged: Staged,
}

#[derive(Default)]
struct Staged {
    has_arcs: Option<bool>,
    has_tracers: bool,
    /// The input's `file` and `context` rows, by index, as interned ids.
    files: Vec<u32>,
    contexts: Vec<u32>,
    /// `line_bits` rows as (file index, context index, range in `blobs`), the blobs copied into one buffer.
    lines: Vec<(u32, u32, usize, usize)>,
    blobs: Vec<u8>,
    arcs: Vec<(u32, u32, (i32, i32))>,
}

impl Staged {
    fn clear(&mut self) {
        self.has_arcs = None;
        self.has_tracers = false;
        self.files.clear();
        self.contexts.clear();
        self.lines.clear();
        self.blobs.clear();
        self.arcs.clear();
    }
}

impl Merger {
    /// Reads the data file at `path` and adds it to the union. On error nothing of it is added.
    ///
    /// `tracer` rows are not merged: when any input has one ([`InputInfo::has_tracers`]), the caller must combine
    /// with [`CoverageData::update`], whose tracer conflict checks depend on the order of the inputs.
    pub fn read(&mut self, path: &Path) -> Result<InputInfo> {
        self.staged.clear();
        let mut reading = Reading { merger: self };
        visit(path, &mut reading)?;
        Ok(self.commit())
    }

    fn commit(&mut self) -> InputInfo {
        let staged = &self.staged;
        let info = InputInfo {
            has_arcs: staged.has_arcs,
            has_tracers: staged.has_tracers,
        };
        self.has_arcs = self.has_arcs.or(staged.has_arcs);
        for &id in &staged.files {
            self.paths.used[id as usize] = true;
        }
        for &id in &staged.contexts {
            self.contexts.used[id as usize] = true;
        }
        // The reader hands out indexes of rows it has passed on, so these lookups cannot miss.
        let ids = |file: u32, context: u32| (staged.files[file as usize], staged.contexts[context as usize]);
        for &(file, context, start, end) in &staged.lines {
            self.lines
                .entry(ids(file, context))
                .or_default()
                .union_bytes(&staged.blobs[start..end]);
        }
        for &(file, context, arc) in &staged.arcs {
            self.arcs.entry(ids(file, context)).or_default().push(arc);
        }
        if !staged.arcs.is_empty() {
            self.arcs.values_mut().for_each(Arcs::compact_if_large);
        }
        info
    }

    /// Adds another merger's union to this one.
    pub fn absorb(&mut self, other: Merger) {
        self.has_arcs = self.has_arcs.or(other.has_arcs);
        let remap = |mine: &mut Interner, theirs: &Interner| -> Vec<u32> {
            theirs
                .names
                .iter()
                .zip(&theirs.used)
                .map(|(name, &used)| {
                    let id = mine.intern(name);
                    mine.used[id as usize] |= used;
                    id
                })
                .collect()
        };
        let paths = remap(&mut self.paths, &other.paths);
        let contexts = remap(&mut self.contexts, &other.contexts);
        let ids = |(file, context): (u32, u32)| (paths[file as usize], contexts[context as usize]);
        for (key, bits) in other.lines {
            self.lines.entry(ids(key)).or_default().union_with(&bits);
        }
        for (key, arcs) in other.arcs {
            let mine = self.arcs.entry(ids(key)).or_default();
            mine.all.extend(arcs.all);
            mine.compact_if_large();
        }
    }

    /// Every path of the merged inputs, once each.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.used().map(|(_, name)| name)
    }

    /// The union as coverage.py data, each path replaced by `map_path(path)` (paths that map to the same one are
    /// merged). Tracers are left out (see [`Merger::read`]).
    pub fn into_data(self, map_path: &dyn Fn(&str) -> String) -> CoverageData {
        let mut data = CoverageData {
            has_arcs: self.has_arcs,
            contexts: self.contexts.used().map(|(_, name)| name.to_string()).collect(),
            files: BTreeMap::new(),
        };
        let mut mapped: Vec<Option<String>> = vec![None; self.paths.names.len()];
        for (id, path) in self.paths.used() {
            let to = map_path(path);
            data.files.entry(to.clone()).or_default();
            mapped[id as usize] = Some(to);
        }
        let context = |id: u32| self.contexts.names[id as usize].to_string();
        // Rows belong to merged inputs only, all of whose paths were mapped above.
        for ((path, ctx), bits) in self.lines {
            if let Some(file) = mapped[path as usize].as_ref().and_then(|p| data.files.get_mut(p)) {
                file.lines.entry(context(ctx)).or_default().union_with(&bits);
            }
        }
        for ((path, ctx), arcs) in self.arcs {
            if let Some(file) = mapped[path as usize].as_ref().and_then(|p| data.files.get_mut(p)) {
                file.arcs
                    .entry(context(ctx))
                    .or_insert_with(BTreeSet::new)
                    .extend(arcs.all);
            }
        }
        data
    }
}

/// A set of arcs kept as a vector: most inputs repeat the same arcs, and pushing is cheaper than a set insert.
/// Sorted and deduplicated whenever it has doubled, so it holds at most about twice the distinct arcs.
#[derive(Default)]
struct Arcs {
    all: Vec<(i32, i32)>,
    distinct: usize,
}

impl Arcs {
    fn push(&mut self, arc: (i32, i32)) {
        self.all.push(arc);
    }

    fn compact_if_large(&mut self) {
        if self.all.len() > 2 * self.distinct + 64 {
            self.all.sort_unstable();
            self.all.dedup();
            self.distinct = self.all.len();
        }
    }
}

/// The [`Visitor`] that stages one input's rows in its merger.
struct Reading<'m> {
    merger: &'m mut Merger,
}

impl Visitor for Reading<'_> {
    fn has_arcs(&mut self, has_arcs: Option<bool>) {
        self.merger.staged.has_arcs = has_arcs;
    }

    fn file(&mut self, index: u32, path: &str) {
        if index as usize == self.merger.staged.files.len() {
            let id = self.merger.paths.intern(path);
            self.merger.staged.files.push(id);
        }
    }

    fn context(&mut self, index: u32, name: &str) {
        if index as usize == self.merger.staged.contexts.len() {
            let id = self.merger.contexts.intern(name);
            self.merger.staged.contexts.push(id);
        }
    }

    fn line_bits(&mut self, file: u32, context: u32, numbits: &[u8]) {
        let staged = &mut self.merger.staged;
        let start = staged.blobs.len();
        staged.blobs.extend_from_slice(numbits);
        staged.lines.push((file, context, start, staged.blobs.len()));
    }

    fn arc(&mut self, file: u32, context: u32, arc: (i32, i32)) {
        self.merger.staged.arcs.push((file, context, arc));
    }

    fn tracer(&mut self, _file: u32, _tracer: Option<&str>) {
        self.merger.staged.has_tracers = true;
    }
}
