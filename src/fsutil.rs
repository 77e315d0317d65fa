//! File-system helpers at the edge: atomic writes (temp file, then rename) so that no partial output is ever left
//! behind as if complete.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::glob::Globs;

/// The folder, under the repository root, that holds prowcov's local storage, artifacts and data outside Prow.
pub const LOCAL_DIR: &str = ".prowcov";

/// What prowcov writes into [`LOCAL_DIR`] so that `git add -A` never commits it (as cargo's `target/`).
const LOCAL_GITIGNORE: &str =
    "# Written by prowcov: its local storage, artifacts and data are not part of the repository.\n*\n";

/// Creates `dir` and, when it lies inside a [`LOCAL_DIR`] folder, that folder's `.gitignore` (once; an existing one
/// is left as it is).
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let local = dir.ancestors().find(|a| a.file_name().is_some_and(|n| n == LOCAL_DIR));
    if let Some(local) = local {
        let ignore = local.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(&ignore, LOCAL_GITIGNORE).map_err(|e| Error::write(&ignore, e))?;
        }
    }
    Ok(())
}

/// Writes `path` atomically: `write` fills a temporary file in the same directory, which replaces `path` only once
/// everything was written and flushed. On any error the temporary file is removed and `path` is untouched.
///
/// An existing target that is not a regular file (`/dev/null`, a FIFO, a terminal) is written in place: renaming over
/// it would replace the device node itself.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::write(path, e))?;
        let mut out = BufWriter::new(file);
        return write(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| Error::write(path, e));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".prowcov-tmp-")
        .tempfile_in(dir)
        .map_err(|e| Error::write(path, e))?;
    let mut out = BufWriter::new(tmp);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| Error::write(path, e))?;
    let tmp = out.into_inner().map_err(|e| Error::write(path, e.into_error()))?;
    tmp.as_file().sync_all().map_err(|e| Error::write(path, e))?;
    // A temporary file is private (0600); an output is not (0644, as a plain write would make it under the usual
    // umask), so that Prow's uploader and other users can read it.
    make_readable(tmp.path(), false)?;
    tmp.persist(path).map_err(|e| Error::write(path, e.error))?;
    Ok(())
}

/// Gives `path` the permissions of an ordinary output: `rw-r--r--` for a file, `rwxr-xr-x` for a folder.
pub fn make_readable(path: &Path, dir: bool) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if dir { 0o755 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| Error::write(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, dir);
    Ok(())
}

/// Reads a whole input file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::read(path, e))
}

/// Checks `patterns` as [`find_files`] compiles them; `what` names them in the error.
pub fn check_globs(patterns: &[String], what: &str) -> Result<()> {
    Globs::new(patterns, what).map(drop)
}

/// The files under `root` matching any of `patterns` (the globs of [`crate::glob`]: relative to the root, a glob
/// without `/` matches the file name anywhere), sorted. `.git` and prowcov's own `.prowcov` folder are skipped.
/// `what` names the patterns in errors (`run.profiles`).
pub fn find_files(root: &std::path::Path, patterns: &[String], what: &str) -> Result<Vec<std::path::PathBuf>> {
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let globs = Globs::new(patterns, what)?;
    Ok(list_files(root)?
        .into_iter()
        .filter(|rel| globs.is_match(rel))
        .map(|rel| root.join(rel))
        .collect())
}

/// Every file under `root`, as `/`-separated paths relative to it, sorted. `.git` and prowcov's own `.prowcov`
/// folder are skipped.
pub fn list_files(root: &Path) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::read(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::read(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type().map_err(|e| Error::read(entry.path(), e))?;
            if kind.is_dir() {
                if name != ".git" && name != LOCAL_DIR {
                    stack.push((entry.path(), path));
                }
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Reads `path` (relative, as coverage data names files) from under `root`. A path that resolves outside the root
/// (`../x`, an absolute path, a symlink out) is not read: reports are published, and coverage data must not be able
/// to copy arbitrary files of the build machine into them. The error is the reason, for the report to show.
pub fn read_under(root: &Path, path: &str) -> std::result::Result<Vec<u8>, String> {
    let candidate = root.join(path);
    let resolved = candidate
        .canonicalize()
        .map_err(|e| format!("cannot read {path}: {}", io_reason(&e)))?;
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    if !resolved.starts_with(&root) {
        return Err(format!("{path} is outside the repository root"));
    }
    // Reading a FIFO would block the report for ever, and a device could be endless.
    match std::fs::metadata(&resolved) {
        Ok(meta) if !meta.is_file() => return Err(format!("{path} is {}, not a regular file", file_kind(&meta))),
        _ => {}
    }
    std::fs::read(&resolved).map_err(|e| format!("cannot read {path}: {}", io_reason(&e)))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file in the checkout".to_string(),
        _ => e.to_string(),
    }
}

/// A folder of files published whole, and the file that marks it as prowcov's (so that an earlier one may be
/// replaced, and nothing else ever is).
#[derive(Clone, Copy, Debug)]
pub struct Folder<'a> {
    /// `(relative path, content)`; parent folders are created.
    pub files: &'a [(String, String)],
    /// The marker file's name and content.
    pub marker: (&'a str, &'a str),
    /// What made it, for the refusal's message (`prowcov html`).
    pub made_by: &'a str,
}

/// Writes `folder` into a fresh folder beside `out_dir` and renames it into place: a reader sees the old folder or
/// the new one, never a half-written one. An existing `out_dir` is replaced only when it is empty or an earlier
/// folder of the same kind (it holds the marker). The folder is made readable by others (Prow's uploader).
pub fn publish_dir(folder: &Folder<'_>, out_dir: &Path) -> Result<()> {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::write(&parent, e))?;
    let existing = check_replaceable(out_dir, folder)?;

    let staged = tempfile::Builder::new()
        .prefix(".prowcov-html-")
        .tempdir_in(&parent)
        .map_err(|e| Error::write(out_dir, e))?;
    // Written on one thread: file systems serialise creations in one directory (ext4 takes a lock per directory),
    // and two writers contending for it spent several times the CPU of one, in the kernel.
    // The first failure stops the folder (a full disk would fail every later file too); the staged folder is
    // removed when `staged` drops.
    let mut dirs = std::collections::BTreeSet::new();
    for (rel, content) in folder.files {
        let path = staged.path().join(rel);
        if let Some(dir) = path.parent()
            && dirs.insert(dir.to_path_buf())
        {
            std::fs::create_dir_all(dir).map_err(|e| Error::write(out_dir.join(rel), e))?;
        }
        std::fs::write(&path, content).map_err(|e| Error::write(out_dir.join(rel), e))?;
    }
    let marker = staged.path().join(folder.marker.0);
    std::fs::write(&marker, folder.marker.1).map_err(|e| Error::write(marker, e))?;

    // A temporary folder is private (0700); a report is for others to read, Prow's uploader among them.
    make_readable(staged.path(), true)?;
    let staged = staged.keep();
    if !existing {
        return std::fs::rename(&staged, out_dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            Error::write(out_dir, e)
        });
    }
    // Swap: the old report moves aside (onto an empty folder, which rename may replace), the new one takes its
    // place, then the old one goes. A reader sees the old report or the new one, never a mix.
    let old = tempfile::Builder::new()
        .prefix(".prowcov-html-old-")
        .tempdir_in(&parent)
        .map_err(|e| Error::write(out_dir, e))?
        .keep();
    if let Err(e) = std::fs::rename(out_dir, &old) {
        let _ = std::fs::remove_dir_all(&staged);
        let _ = std::fs::remove_dir(&old);
        return Err(Error::write(out_dir, e));
    }
    if let Err(e) = std::fs::rename(&staged, out_dir) {
        let _ = std::fs::rename(&old, out_dir);
        let _ = std::fs::remove_dir_all(&staged);
        return Err(Error::write(out_dir, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Whether `out_dir` exists (and may be replaced); an error when it exists and must not be.
fn check_replaceable(out_dir: &Path, folder: &Folder<'_>) -> Result<bool> {
    let meta = match std::fs::symlink_metadata(out_dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::write(out_dir, e)),
    };
    let refuse = |why: &str| {
        Err(Error::Usage(format!(
            "-o {}: {why}; {} replaces its output folder whole, so it only replaces an empty folder or an earlier \
             prowcov report (hint: choose a new folder)",
            out_dir.display(),
            folder.made_by
        )))
    };
    if !meta.is_dir() {
        return refuse("exists and is not a folder");
    }
    let empty = std::fs::read_dir(out_dir)
        .map_err(|e| Error::read(out_dir, e))?
        .next()
        .is_none();
    if !empty && !out_dir.join(folder.marker.0).is_file() {
        return refuse("is a folder that is not a prowcov report");
    }
    Ok(true)
}

/// Checks that `path` (after symlinks) is a regular file, before it is opened as a coverage input: a directory gives a
/// read error only after opening, and opening a FIFO that nobody writes blocks for ever.
pub fn check_regular_file(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::read(path, e))?;
    if meta.is_file() {
        return Ok(());
    }
    let what = file_kind(&meta);
    Err(Error::read(
        path,
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{what}, not a regular file (coverage data is read from files; write it to a file first)"),
        ),
    ))
}

/// What kind of file system object `meta` describes, for a message.
pub fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() { "a directory" } else { "not a file" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        let err = write_atomic(&target, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "temp file removed");
    }

    #[test]
    fn special_files_are_written_in_place_not_replaced() {
        // Regression: `report -o /dev/null` renamed a temp file onto `/dev/null`, replacing the device node (as root).
        // A FIFO stands in for the device, so that a regression cannot damage the machine's /dev/null.
        use std::io::Read;
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || {
            let mut got = String::new();
            std::fs::File::open(reader_path)
                .unwrap()
                .read_to_string(&mut got)
                .unwrap();
            got
        });
        write_atomic(&fifo, |w| w.write_all(b"through the pipe")).unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(
            std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
            "the FIFO was replaced"
        );
    }

    #[test]
    fn successful_write_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        std::fs::write(&target, "old").unwrap();
        write_atomic(&target, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }
}
