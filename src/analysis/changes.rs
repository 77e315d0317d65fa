//! What a PR changed, read from git with git2 (vendored libgit2; no `git` binary needed): the merge-base of the base
//! revision and the head, then the diff from the merge-base to the head with rename detection, giving each file's
//! status and the head line numbers of its added or modified lines (as `git diff -U0 base...head` shows them).
//! prowcov's own `.prowcov/` folder is never a changed file, even when its artifacts were committed.
//!
//! Prow's pre-submit checks out the PR already merged into the base branch and puts the base commit in
//! `PULL_BASE_SHA`: there base = `PULL_BASE_SHA`, head = `HEAD`, and the merge-base is the base commit itself. A plain
//! branch works the same way. A shallow clone whose history stops before the merge-base is an error with a hint,
//! never a silently empty diff.
//!
//! This module is the only one in `analysis` that reads git; it also reads the `.gitattributes` the filter needs.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::{AttrCheckFlags, AttrValue, Delta, DiffFindOptions, DiffOptions, ErrorCode, Oid, Repository};
use serde::Serialize;

use super::filter::FileAttributes;
use crate::env::Env;
use crate::error::{Error, Result, excerpt};
use crate::model::expanded_lines_budget;
use crate::model::path::normalize;

/// The branches tried, in order, when neither `--base-ref` nor `PULL_BASE_SHA` names the base: the main branch
/// first (local, then the remote's), and `origin/HEAD` only last, since a clone's `origin/HEAD` may point at any
/// branch (a feature branch it was cloned from) and baselines are recorded for the main branch.
pub const DEFAULT_BASES: [&str; 5] = ["main", "master", "origin/main", "origin/master", "origin/HEAD"];

/// How a file changed between the merge-base and the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    Added,
    Modified,
    Deleted,
    /// Moved (git's similarity detection), perhaps edited too; `old_path` names where it was.
    Renamed,
}

impl ChangeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeStatus::Added => "added",
            ChangeStatus::Modified => "modified",
            ChangeStatus::Deleted => "deleted",
            ChangeStatus::Renamed => "renamed",
        }
    }
}

/// One changed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// The path in the head, repo-relative with `/`; for a deleted file, its path in the merge-base.
    pub path: String,
    /// For a renamed file, its path in the merge-base.
    pub old_path: Option<String>,
    pub status: ChangeStatus,
    /// Head line numbers of added or modified lines, ascending (empty for deleted and binary files).
    pub changed_lines: Vec<u32>,
}

/// Where the base revision came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseRef {
    /// `--base-ref REV`.
    Given(String),
    /// The `PULL_BASE_SHA` environment variable Prow sets.
    PullBaseSha(String),
    /// Neither: the first of [`DEFAULT_BASES`] that exists.
    Default,
    /// The configured main branch (`run.main-branch`), else its remote-tracking branch, else as [`BaseRef::Default`].
    MainBranch(String),
}

impl BaseRef {
    /// Why this base was chosen, for the log.
    pub fn reason(&self) -> String {
        match self {
            BaseRef::Given(_) => "given with --base-ref".to_owned(),
            BaseRef::PullBaseSha(_) => "Prow's PULL_BASE_SHA".to_owned(),
            BaseRef::Default => format!("the first of {} that exists", DEFAULT_BASES.join(", ")),
            BaseRef::MainBranch(branch) => format!(
                "the configured main branch (run.main-branch), else the first of origin/{branch}, {} that exists",
                DEFAULT_BASES.join(", ")
            ),
        }
    }
}

/// What to diff, and how.
#[derive(Clone, Debug)]
pub struct ChangeOptions {
    pub base: BaseRef,
    /// The head revision (`HEAD` by default: in Prow, the PR merged into the base).
    pub head_ref: String,
    /// Ignore changes in whitespace and blank lines (`git diff --ignore-all-space --ignore-blank-lines`, as
    /// diff-cover's `--ignore-whitespace`); a file whose changes are all whitespace is then not changed at all.
    pub ignore_whitespace: bool,
}

impl ChangeOptions {
    /// From `base` to the checked-out `HEAD`, whitespace counted: what the job and `prowcov html --base-ref` diff.
    pub fn to_head(base: BaseRef) -> ChangeOptions {
        ChangeOptions {
            base,
            head_ref: "HEAD".to_owned(),
            ignore_whitespace: false,
        }
    }
}

/// The revisions a diff was computed from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refs {
    /// The base revision as named (`--base-ref`, `PULL_BASE_SHA` or a default branch).
    pub base_ref: String,
    /// How the base was chosen: `--base-ref`, `PULL_BASE_SHA` or `default`.
    pub base_source: String,
    pub base_sha: String,
    pub head_ref: String,
    pub head_sha: String,
    /// The commit the diff starts from: the merge-base of base and head.
    pub merge_base_sha: String,
}

/// Everything a PR changed: the refs used and the changed files, sorted by path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeSet {
    pub refs: Refs,
    pub files: Vec<FileChange>,
}

impl ChangeSet {
    /// Each file present at the head with its changed lines (deleted files left out): the HTML report's overlay.
    pub fn head_lines(&self) -> BTreeMap<String, BTreeSet<u32>> {
        self.files
            .iter()
            .filter(|f| f.status != ChangeStatus::Deleted)
            .map(|f| (f.path.clone(), f.changed_lines.iter().copied().collect()))
            .collect()
    }
}

/// A git repository opened for change analysis.
pub struct GitRepo {
    repo: Repository,
    /// The directory given, for messages.
    dir: PathBuf,
    /// The user's global attributes file by git's XDG default (`$XDG_CONFIG_HOME/git/attributes`, else
    /// `$HOME/.config/git/attributes`), used when `core.attributesFile` is not set.
    xdg_attributes: Option<PathBuf>,
}

impl GitRepo {
    /// Opens the repository containing `dir`; `env` locates the user's global attributes file as git does.
    pub fn open(dir: &Path, env: &Env) -> Result<GitRepo> {
        let repo = Repository::discover(dir).map_err(|e| {
            Error::Data(format!(
                "{}: not a git repository ({}); pass the checkout with --repo DIR",
                dir.display(),
                e.message()
            ))
        })?;
        let xdg_attributes = env
            .path("XDG_CONFIG_HOME")
            .or_else(|| env.path("HOME").map(|h| h.join(".config")))
            .map(|base| base.join("git/attributes"));
        Ok(GitRepo {
            repo,
            dir: dir.to_path_buf(),
            xdg_attributes,
        })
    }

    /// The root of the work tree that contains `dir`, when `dir` is in one.
    pub fn work_tree_of(dir: &Path) -> Option<PathBuf> {
        Repository::discover(dir).ok()?.workdir().map(Path::to_path_buf)
    }

    /// `sha` and up to `max_walk` of its first-parent ancestors, nearest first. The first keeps the spelling given
    /// (an index is keyed by the SHA as a post-submit wrote it). An error says why the history cannot be walked.
    pub fn first_parents(&self, sha: &str, max_walk: usize) -> std::result::Result<Vec<String>, String> {
        let git_error = |e: &git2::Error| {
            format!(
                "cannot walk the history of the base commit in {}: {}; expected a git repository that contains it \
                 (fetch it with enough depth to reach a baseline)",
                self.dir.display(),
                e.message()
            )
        };
        let base = self
            .repo
            .revparse_single(sha)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| git_error(&e))?;
        let mut shas = vec![base.id().to_string()];
        let mut commit = base;
        while shas.len() <= max_walk {
            let Ok(parent) = commit.parent(0) else { break };
            shas.push(parent.id().to_string());
            commit = parent;
        }
        if let Some(first) = shas.first_mut()
            && first.starts_with(sha)
            && sha.len() < first.len()
        {
            *first = sha.to_string();
        }
        Ok(shas)
    }

    /// How many commits `base` is ahead of `ancestor`, when `ancestor` is an ancestor of it (or the same commit).
    pub fn distance(&self, ancestor: &str, base: &str) -> Option<usize> {
        let a = self.repo.revparse_single(ancestor).ok()?.id();
        let b = self.repo.revparse_single(base).ok()?.id();
        if a != b && !self.repo.graph_descendant_of(b, a).ok()? {
            return None;
        }
        let (ahead, _) = self.repo.graph_ahead_behind(b, a).ok()?;
        Some(ahead)
    }

    /// The working tree's root, where repo-relative coverage paths start; `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The commit `HEAD` points at; a repository without commits is an error saying so.
    pub fn head_sha(&self) -> Result<String> {
        if self
            .repo
            .head()
            .is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch)
        {
            return Err(Error::Data(format!(
                "{}: the repository has no commits yet; commit the code to measure first",
                self.dir.display()
            )));
        }
        Ok(self.commit("HEAD", "head")?.to_string())
    }

    /// The full SHA of a revision; `role` names it in the error (`base`).
    pub fn resolve(&self, rev: &str, role: &str) -> Result<String> {
        Ok(self.commit(rev, role)?.to_string())
    }

    /// The parents of commit `sha`.
    pub fn parents(&self, sha: &str) -> Result<Vec<String>> {
        let oid = self.commit(sha, "commit")?;
        let commit = self
            .repo
            .find_commit(oid)
            .map_err(|e| Error::Data(format!("commit {sha}: {}", e.message())))?;
        Ok(commit.parent_ids().map(|id| id.to_string()).collect())
    }

    /// The branch checked out (`main`), or `None` for a detached `HEAD`.
    pub fn head_branch(&self) -> Option<String> {
        let head = self.repo.head().ok()?;
        if !head.is_branch() {
            return None;
        }
        head.shorthand().ok().map(str::to_owned)
    }

    /// The branch a base revision names, for finding its baselines: `origin/main` and `main` give `main`,
    /// `origin/HEAD` the branch it points to; `None` for a commit or tag.
    pub fn branch_name(&self, rev: &str) -> Option<String> {
        let reference = self.repo.resolve_reference_from_short_name(rev).ok()?;
        let reference = match reference.symbolic_target() {
            Ok(Some(target)) => self.repo.find_reference(target).ok()?,
            _ => reference,
        };
        let name = reference.name().ok()?;
        if let Some(local) = name.strip_prefix("refs/heads/") {
            return Some(local.to_owned());
        }
        let remote = name.strip_prefix("refs/remotes/")?;
        remote.split_once('/').map(|(_, branch)| branch.to_owned())
    }

    /// The committer date of `sha` as `YYYY-MM-DD` (UTC).
    pub fn commit_date(&self, sha: &str) -> Result<String> {
        let oid = self.commit(sha, "commit")?;
        let commit = self
            .repo
            .find_commit(oid)
            .map_err(|e| Error::Data(format!("commit {sha}: {}", e.message())))?;
        let days = commit.time().seconds().div_euclid(86_400);
        Ok(crate::clock::civil_date(days))
    }

    /// Reads what changed from the merge-base of the base and head revisions to the head.
    pub fn changes(&self, options: &ChangeOptions) -> Result<ChangeSet> {
        let (base_ref, base_source, base) = self.resolve_base(&options.base)?;
        let head = self.commit(&options.head_ref, "head")?;
        let merge_base = self.merge_base(&base_ref, base, &options.head_ref, head)?;
        let files = self.diff(merge_base, head, options.ignore_whitespace)?;
        Ok(ChangeSet {
            refs: Refs {
                base_ref,
                base_source,
                base_sha: base.to_string(),
                head_ref: options.head_ref.clone(),
                head_sha: head.to_string(),
                merge_base_sha: merge_base.to_string(),
            },
            files,
        })
    }

    /// The `linguist-generated` and `coverage-excluded` attributes of each path (as `git check-attr` reads them:
    /// `.gitattributes` in the working tree, then the index; in a bare repository, HEAD's tree).
    ///
    /// A lookup costs tens of microseconds (libgit2 checks the attribute files of every directory level), and the
    /// profiles of a large repository name tens of thousands of files, so the paths are split over the cores, each
    /// thread with its own handle on the repository (a `Repository` cannot be shared between threads).
    pub fn attributes<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> Result<BTreeMap<String, FileAttributes>> {
        let paths: Vec<&str> = paths.into_iter().collect();
        if !self.attributes_may_exclude(&paths) {
            // No attribute file libgit2 would consult mentions either attribute (a macro that sets one names it
            // too), so no path can carry it: skip tens of thousands of lookups.
            return Ok(paths
                .iter()
                .map(|p| (p.to_string(), FileAttributes::default()))
                .collect());
        }
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        if threads < 2 || paths.len() < 1024 {
            return attributes_of(&self.repo, &self.dir, &paths);
        }
        let per_thread = paths.len().div_ceil(threads);
        let (git_dir, dir) = (self.repo.path(), self.dir.as_path());
        let parts: Vec<Result<BTreeMap<String, FileAttributes>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = paths
                .chunks(per_thread)
                .map(|chunk| {
                    scope.spawn(move || {
                        let repo = Repository::open(git_dir).map_err(|e| {
                            Error::Data(format!(
                                "{}: cannot reopen the repository: {}",
                                dir.display(),
                                e.message()
                            ))
                        })?;
                        attributes_of(&repo, dir, chunk)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        let mut out = BTreeMap::new();
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    /// Whether any attribute source that libgit2 reads for `paths` mentions `linguist-generated` or
    /// `coverage-excluded`: the `.gitattributes` of every directory on the paths (working tree and index), the
    /// repository's `info/attributes`, the user's `core.attributesFile` (or its XDG default) and the system file. An
    /// unreadable source counts as a mention, so the slow exact path is taken.
    fn attributes_may_exclude(&self, paths: &[&str]) -> bool {
        let mentions = |text: &[u8]| {
            memchr::memmem::find(text, b"linguist-generated").is_some()
                || memchr::memmem::find(text, b"coverage-excluded").is_some()
        };
        let file_mentions = |path: &Path| match std::fs::read(path) {
            Ok(text) => mentions(&text),
            Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        };
        let mut dirs: std::collections::BTreeSet<&str> = std::collections::BTreeSet::from([""]);
        for path in paths {
            let mut rest = *path;
            while let Some(slash) = rest.rfind('/') {
                rest = &rest[..slash];
                if !dirs.insert(rest) {
                    break;
                }
            }
        }
        if let Some(workdir) = self.repo.workdir()
            && dirs
                .iter()
                .any(|d| file_mentions(&workdir.join(d).join(".gitattributes")))
        {
            return true;
        }
        if let Ok(index) = self.repo.index() {
            for entry in index.iter() {
                if entry.path.ends_with(b".gitattributes") {
                    match self.repo.find_blob(entry.id) {
                        Ok(blob) if !mentions(blob.content()) => {}
                        _ => return true,
                    }
                }
            }
        } else {
            return true;
        }
        let mut others = vec![
            self.repo.path().join("info/attributes"),
            PathBuf::from("/etc/gitattributes"),
        ];
        match self.repo.config().and_then(|c| c.get_path("core.attributesFile")) {
            Ok(path) => others.push(path),
            Err(_) => others.extend(self.xdg_attributes.clone()),
        }
        others.iter().any(|p| file_mentions(p))
    }

    fn resolve_base(&self, base: &BaseRef) -> Result<(String, String, Oid)> {
        match base {
            BaseRef::Given(rev) => Ok((rev.clone(), "--base-ref".into(), self.commit(rev, "base")?)),
            BaseRef::PullBaseSha(rev) => Ok((rev.clone(), "PULL_BASE_SHA".into(), self.commit(rev, "base")?)),
            BaseRef::Default | BaseRef::MainBranch(_) => {
                let configured = match base {
                    BaseRef::MainBranch(branch) => vec![branch.clone(), format!("origin/{branch}")],
                    _ => Vec::new(),
                };
                let tried = configured.iter().map(String::as_str).chain(DEFAULT_BASES);
                for rev in tried {
                    if let Ok(commit) = self.repo.revparse_single(rev).and_then(|o| o.peel_to_commit()) {
                        return Ok((rev.to_string(), "default".into(), commit.id()));
                    }
                }
                Err(Error::Data(format!(
                    "{}: no base revision: --base-ref is not given, PULL_BASE_SHA is not set, and none of {} \
                     exists; pass --base-ref REV (the branch or commit the PR is based on){}",
                    self.dir.display(),
                    DEFAULT_BASES.join(", "),
                    self.shallow_hint()
                )))
            }
        }
    }

    /// The commit's time, in seconds since the epoch.
    pub fn commit_time(&self, sha: &str) -> Result<i64> {
        let oid = self.commit(sha, "commit")?;
        let commit = self
            .repo
            .find_commit(oid)
            .map_err(|e| Error::Data(format!("commit {sha}: {}", e.message())))?;
        Ok(commit.time().seconds())
    }

    /// Resolves `rev` to a commit; `role` ("base" or "head") names it in the error.
    fn commit(&self, rev: &str, role: &str) -> Result<Oid> {
        let object = self.repo.revparse_single(rev).map_err(|e| {
            Error::Data(format!(
                "{}: {role} revision `{rev}` not found ({}); expected a branch, tag or commit in this repository{}",
                self.dir.display(),
                e.message(),
                if self.repo.is_shallow() {
                    self.shallow_hint()
                } else {
                    format!("; fetch it first, e.g. `git fetch origin {rev}`")
                }
            ))
        })?;
        let commit = object.peel_to_commit().map_err(|e| {
            Error::Data(format!(
                "{}: {role} revision `{rev}` is not a commit ({})",
                self.dir.display(),
                e.message()
            ))
        })?;
        Ok(commit.id())
    }

    fn merge_base(&self, base_ref: &str, base: Oid, head_ref: &str, head: Oid) -> Result<Oid> {
        self.repo.merge_base(base, head).map_err(|e| {
            let why = if e.code() == ErrorCode::NotFound && !self.repo.is_shallow() {
                "the histories are unrelated".to_string()
            } else {
                e.message().to_string()
            };
            Error::Data(format!(
                "{}: no merge-base between base `{base_ref}` ({base}) and head `{head_ref}` ({head}): {why}{}",
                self.dir.display(),
                self.shallow_hint()
            ))
        })
    }

    /// The fix for a shallow clone, or nothing when the clone is complete.
    fn shallow_hint(&self) -> String {
        if self.repo.is_shallow() {
            "; the repository is a shallow clone whose history may stop before the merge-base: fetch more history \
             (`git fetch --deepen=100`, or `git fetch --unshallow`; in Prow, raise the clone depth)"
                .to_string()
        } else {
            String::new()
        }
    }

    fn diff(&self, from: Oid, to: Oid, ignore_whitespace: bool) -> Result<Vec<FileChange>> {
        let git_error =
            |what: &str, e: git2::Error| Error::Data(format!("{}: cannot {what}: {}", self.dir.display(), e.message()));
        let tree = |oid: Oid| {
            self.repo
                .find_commit(oid)
                .and_then(|c| c.tree())
                .map_err(|e| git_error(&format!("read the tree of {oid}"), e))
        };
        let (old_tree, new_tree) = (tree(from)?, tree(to)?);
        let mut options = DiffOptions::new();
        options
            .context_lines(0)
            .interhunk_lines(0)
            // git's default since 2.14 (`diff.indentHeuristic`): where an ambiguous insertion can slide, put it
            // where the indentation says a block starts, so the lines marked are those `git diff` shows reviewers.
            .indent_heuristic(true)
            .ignore_whitespace(ignore_whitespace)
            .ignore_blank_lines(ignore_whitespace);
        let mut diff = self
            .repo
            .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut options))
            .map_err(|e| git_error(&format!("diff {from} to {to}"), e))?;
        let mut find = DiffFindOptions::new();
        find.renames(true).ignore_whitespace(ignore_whitespace);
        diff.find_similar(Some(&mut find))
            .map_err(|e| git_error("detect renames", e))?;

        // Both callbacks add to the same list: the file callback opens an entry, the line callback fills the last.
        let files: RefCell<Vec<FileChange>> = RefCell::new(Vec::with_capacity(diff.deltas().len()));
        diff.foreach(
            &mut |delta, _| {
                if let Some(change) = file_change(&delta) {
                    files.borrow_mut().push(change);
                }
                true
            },
            None,
            None,
            Some(&mut |delta, _, line| {
                if line.origin() == '+' {
                    let path = delta.new_file().path().map(path_text);
                    let mut files = files.borrow_mut();
                    if let (Some(last), Some(n)) = (files.last_mut(), line.new_lineno())
                        && Some(&last.path) == path.as_ref()
                    {
                        last.changed_lines.push(n);
                    }
                }
                true
            }),
        )
        .map_err(|e| git_error(&format!("diff {from} to {to}"), e))?;

        let mut files = files.into_inner();
        // prowcov's own folder (local baselines, artifacts) is never the PR's change, even when it was committed.
        let own = format!("{}/", crate::fsutil::LOCAL_DIR);
        files.retain(|f| !f.path.starts_with(&own));
        if ignore_whitespace {
            // Only whitespace changed: with the option, the file did not change.
            files.retain(|f| !(f.status == ChangeStatus::Modified && f.changed_lines.is_empty()));
        }
        for f in &mut files {
            f.changed_lines.sort_unstable();
            f.changed_lines.dedup();
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }
}

/// The attributes of `paths`, read through `repo` (the repository at `dir`).
fn attributes_of(repo: &Repository, dir: &Path, paths: &[&str]) -> Result<BTreeMap<String, FileAttributes>> {
    let flags = if repo.is_bare() {
        // GIT_ATTR_CHECK_INCLUDE_HEAD (1 << 3) is not exposed by git2; without it a bare repository has no
        // attributes at all.
        AttrCheckFlags::from_bits_retain(AttrCheckFlags::INDEX_ONLY.bits() | (1 << 3))
    } else {
        AttrCheckFlags::FILE_THEN_INDEX
    };
    let mut out = BTreeMap::new();
    for path in paths {
        let get = |name: &str| {
            repo.get_attr(Path::new(path), name, flags)
                .map(|v| excludes(AttrValue::from_string(v)))
                .map_err(|e| {
                    Error::Data(format!(
                        "{}: cannot read the `{name}` attribute of {path}: {}",
                        dir.display(),
                        e.message()
                    ))
                })
        };
        let attributes = FileAttributes {
            generated: get("linguist-generated")?,
            coverage_excluded: get("coverage-excluded")?,
        };
        out.insert(path.to_string(), attributes);
    }
    Ok(out)
}

/// The entry for one delta; `None` for deltas that are not changes to a file (submodules' unmodified entries,
/// ignored, untracked, conflicted).
fn file_change(delta: &git2::DiffDelta<'_>) -> Option<FileChange> {
    let old = delta.old_file().path().map(path_text);
    let new = delta.new_file().path().map(path_text);
    let (status, path, old_path) = match delta.status() {
        Delta::Added | Delta::Copied => (ChangeStatus::Added, new?, None),
        Delta::Modified | Delta::Typechange => (ChangeStatus::Modified, new?, None),
        Delta::Deleted => (ChangeStatus::Deleted, old?, None),
        Delta::Renamed => (ChangeStatus::Renamed, new?, old),
        _ => return None,
    };
    Some(FileChange {
        path,
        old_path,
        status,
        changed_lines: Vec::new(),
    })
}

/// A git path as text; git paths are `/`-separated on every platform.
fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Whether an attribute value excludes a file: set (`attr`) or `true` (`attr=true`, any case). `-attr` (unset),
/// `attr=false`, `!attr` and any other value do not; libgit2 reports `attr=false` as the string `"false"`, not as
/// unset, so it is compared as text.
pub fn excludes(value: AttrValue<'_>) -> bool {
    match value {
        AttrValue::True => true,
        AttrValue::String(s) => s.eq_ignore_ascii_case("true"),
        AttrValue::Bytes(b) => b.eq_ignore_ascii_case(b"true"),
        AttrValue::False | AttrValue::Unspecified => false,
    }
}

/// Parses a changed-files list: one `path` or `path:spec` per line, where spec is comma-separated line numbers or
/// `first-last` ranges; blank lines and `#` comments are skipped. Paths are normalised like the coverage data's
/// (relative to `root`). A `path:` whose suffix is not a line spec keeps the colon as part of the path.
pub fn parse_changed_files(text: &str, origin: &Path, root: &Path) -> Result<BTreeMap<String, BTreeSet<u32>>> {
    let mut out: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    // Lines the ranges may still expand to: memory follows the list's size, not the numbers in it.
    let mut budget = expanded_lines_budget(text.len());
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (path, lines) = match line.rsplit_once(':') {
            Some((path, spec)) if !path.is_empty() && looks_like_spec(spec) => {
                let lines = parse_spec(spec, &mut budget)
                    .map_err(|message| Error::parse(origin, Some(i as u64 + 1), message))?;
                (path, lines)
            }
            _ => (line, BTreeSet::new()),
        };
        out.entry(normalize(path, root)).or_default().extend(lines);
    }
    Ok(out)
}

fn looks_like_spec(spec: &str) -> bool {
    !spec.is_empty() && spec.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '-' | ' '))
}

fn parse_spec(spec: &str, budget: &mut u64) -> std::result::Result<BTreeSet<u32>, String> {
    let malformed = || {
        format!(
            "expected line numbers or ranges after `:`, found `{}`",
            excerpt(spec.as_bytes())
        )
    };
    let mut out = BTreeSet::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (a, b): (u32, u32) = match item.split_once('-') {
            Some((a, b)) => (
                a.trim().parse().map_err(|_| malformed())?,
                b.trim().parse().map_err(|_| malformed())?,
            ),
            None => {
                let n = item.parse().map_err(|_| malformed())?;
                (n, n)
            }
        };
        // A range is a handful of lines in a diff; a huge one is a typo, not a million anchors.
        if b < a || b - a > 1_000_000 {
            return Err(malformed());
        }
        let len = u64::from(b - a) + 1;
        if len > *budget {
            return Err(format!(
                "expected ranges covering a number of lines in proportion to the list's size, found more (`{}`): \
                 these are not the changed lines of a diff",
                excerpt(item.as_bytes())
            ));
        }
        *budget -= len;
        out.extend(a..=b);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_files_with_and_without_lines() {
        let text = "# comment\nsrc/a.py:3,5-7\n./src/b.py\nweird:name.py\nsrc/a.py:9\n";
        let got = parse_changed_files(text, Path::new("c.txt"), Path::new("/r")).unwrap();
        assert_eq!(got["src/a.py"], BTreeSet::from([3, 5, 6, 7, 9]));
        assert!(got["src/b.py"].is_empty());
        assert!(got.contains_key("weird:name.py"));
        let err = parse_changed_files("a.py:9-3\n", Path::new("c.txt"), Path::new("/r")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.txt:1: expected line numbers or ranges after `:`, found `9-3`"
        );
    }

    #[test]
    fn only_set_or_true_excludes() {
        assert!(excludes(AttrValue::True));
        assert!(excludes(AttrValue::String("true")));
        assert!(excludes(AttrValue::String("TRUE")));
        assert!(!excludes(AttrValue::False));
        assert!(!excludes(AttrValue::String("false")));
        assert!(!excludes(AttrValue::String("1")));
        assert!(!excludes(AttrValue::Unspecified));
    }
}
