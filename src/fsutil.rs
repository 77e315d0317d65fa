//! File-system helpers at the edge: atomic writes (temp file, then rename) so that no partial output is ever left
//! behind as if complete.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

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
