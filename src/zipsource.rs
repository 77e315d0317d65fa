//! Sources inside a zip archive (`lib.zip/pkg/mod.py`: Python imports from zips, and coverage.py measures and
//! renders such files through `zipimport`), for `publish::read_source`. Only the central directory and stored (uncompressed) members are read:
//! Python's `zipfile` and `zipapp` store by default; a compressed member is reported as unreadable, with the reason.

use std::path::Path;

/// The archive suffixes coverage.py looks through (`get_zip_bytes`).
const ARCHIVES: &[&str] = &[".zip", ".egg", ".pex", ".whl"];

/// Splits `path` (a key of the coverage data) at the first component that names an archive file under `root`: the
/// archive's path and the member's name inside it.
pub fn split_archive<'a>(root: &Path, path: &'a str) -> Option<(&'a str, &'a str)> {
    let mut end = 0;
    for component in path.split('/') {
        end += component.len();
        if ARCHIVES.iter().any(|suffix| component.ends_with(suffix)) && end < path.len() {
            let (archive, member) = (&path[..end], &path[end + 1..]);
            if root.join(archive).is_file() {
                return Some((archive, member));
            }
        }
        end += 1;
    }
    None
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?)))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?)).ok()
}

/// The bytes of member `name` of the zip `archive`, or why they cannot be read.
pub fn member(archive: &[u8], name: &str) -> Result<Vec<u8>, String> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CENTRAL: &[u8] = b"PK\x01\x02";
    const LOCAL: &[u8] = b"PK\x03\x04";
    // The end record is in the last 22 bytes plus a comment of up to 64 KiB.
    let from = archive.len().saturating_sub(22 + 65_535);
    let eocd = archive[from..]
        .windows(4)
        .rposition(|w| w == EOCD)
        .map(|i| from + i)
        .ok_or("not a zip archive (no end of central directory)")?;
    let truncated = || "a truncated zip archive".to_string();
    let entries = u16_at(archive, eocd + 10).ok_or_else(truncated)?;
    let mut at = u32_at(archive, eocd + 16).ok_or_else(truncated)?;
    for _ in 0..entries {
        if archive.get(at..at + 4) != Some(CENTRAL) {
            return Err("a zip archive with a damaged central directory (or ZIP64, which is not read)".into());
        }
        let method = u16_at(archive, at + 10).ok_or_else(truncated)?;
        let size = u32_at(archive, at + 20).ok_or_else(truncated)?;
        let name_len = u16_at(archive, at + 28).ok_or_else(truncated)?;
        let extra_len = u16_at(archive, at + 30).ok_or_else(truncated)?;
        let comment_len = u16_at(archive, at + 32).ok_or_else(truncated)?;
        let local = u32_at(archive, at + 42).ok_or_else(truncated)?;
        let entry_name = archive.get(at + 46..at + 46 + name_len).ok_or_else(truncated)?;
        if entry_name == name.as_bytes() {
            if method != 0 {
                return Err(format!(
                    "{name} is compressed in its archive (method {method}); prowcov reads stored members only"
                ));
            }
            if archive.get(local..local + 4) != Some(LOCAL) {
                return Err(truncated());
            }
            let local_name = u16_at(archive, local + 26).ok_or_else(truncated)?;
            let local_extra = u16_at(archive, local + 28).ok_or_else(truncated)?;
            let start = local + 30 + local_name + local_extra;
            return archive
                .get(start..start + size)
                .map(<[u8]>::to_vec)
                .ok_or_else(truncated);
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Err(format!("{name} is not in the archive"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip with one stored member, laid out by hand as Python's `zipfile` writes it.
    fn stored_zip(name: &str, data: &[u8]) -> Vec<u8> {
        let mut z = Vec::new();
        let n = name.len() as u16;
        let size = data.len() as u32;
        z.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0");
        z.extend_from_slice(&size.to_le_bytes());
        z.extend_from_slice(&size.to_le_bytes());
        z.extend_from_slice(&n.to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z.extend_from_slice(name.as_bytes());
        z.extend_from_slice(data);
        let central = z.len() as u32;
        z.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0\0\0\0\0");
        z.extend_from_slice(&size.to_le_bytes());
        z.extend_from_slice(&size.to_le_bytes());
        z.extend_from_slice(&n.to_le_bytes());
        z.extend_from_slice(&[0; 12]);
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(name.as_bytes());
        let central_size = z.len() as u32 - central;
        z.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
        z.extend_from_slice(&central_size.to_le_bytes());
        z.extend_from_slice(&central.to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z
    }

    #[test]
    fn stored_members_are_read_and_others_say_why_not() {
        let z = stored_zip("pkg/m.py", b"x = 1\n");
        assert_eq!(member(&z, "pkg/m.py").unwrap(), b"x = 1\n");
        assert_eq!(member(&z, "other.py").unwrap_err(), "other.py is not in the archive");
        assert!(member(b"not a zip", "m.py").unwrap_err().contains("not a zip archive"));
        assert!(member(&z[..z.len() - 30], "pkg/m.py").is_err(), "truncated");
    }
}
