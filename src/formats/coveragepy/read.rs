//! Reads a `.coverage` file, read-only: the schema version is checked first, and every failure names the file.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{CoverageData, Numbits};
use crate::error::{Error, Result};

/// The only schema version read (coverage.py's `SCHEMA_VERSION`).
pub const SCHEMA_VERSION: i64 = 7;

/// Reads a `.coverage` file without ever writing to it.
pub fn read(path: &Path) -> Result<CoverageData> {
    // SQLite would report a missing file as "unable to open database file"; the OS error says more.
    std::fs::metadata(path).map_err(|e| Error::read(path, e))?;
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(sqlite_error(path, "cannot open it as SQLite"))?;
    check_schema(&conn, path)?;
    Reader { conn: &conn, path }.read()
}

fn check_schema(conn: &Connection, path: &Path) -> Result<()> {
    let version: i64 = conn
        .query_row("SELECT version FROM coverage_schema", [], |row| row.get(0))
        .map_err(|e| Error::parse(path, None, schema_problem(&e)))?;
    if version != SCHEMA_VERSION {
        return Err(Error::parse(
            path,
            None,
            format!(
                "coverage.py data schema version {version}, expected {SCHEMA_VERSION}; re-create the file with \
                 coverage.py 7"
            ),
        ));
    }
    Ok(())
}

/// Why the schema version could not be read: the first query tells a non-SQLite file, an SQLite file of another
/// kind, and a damaged one apart.
fn schema_problem(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => format!("not a coverage.py data file (not SQLite: {e})"),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            format!("damaged coverage.py data file ({e}); was it truncated or copied while being written?")
        }
        _ if e.to_string().contains("no such table") => {
            format!("not a coverage.py data file (SQLite without the coverage_schema table: {e})")
        }
        _ => format!("cannot read coverage.py data: {e}"),
    }
}

/// Turns an SQLite failure into an error naming the file and what was being done.
fn sqlite_error<'a>(path: &'a Path, doing: &'a str) -> impl Fn(rusqlite::Error) -> Error + 'a {
    move |e| Error::parse(path, None, format!("{doing}: {e}"))
}

struct Reader<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl Reader<'_> {
    fn read(&self) -> Result<CoverageData> {
        let bad = sqlite_error(self.path, "cannot read coverage.py data");
        let mut data = CoverageData {
            has_arcs: self.has_arcs()?,
            ..CoverageData::default()
        };
        let files = self.id_map("SELECT id, path FROM file")?;
        let contexts = self.id_map("SELECT id, context FROM context")?;
        data.contexts.extend(contexts.values().cloned());
        for path in files.values() {
            data.files.entry(path.clone()).or_default();
        }

        let mut stmt = self
            .conn
            .prepare("SELECT file_id, context_id, numbits FROM line_bits")
            .map_err(&bad)?;
        let mut rows = stmt.query([]).map_err(&bad)?;
        while let Some(row) = rows.next().map_err(&bad)? {
            let file = self.lookup(&files, row.get(0).map_err(&bad)?, "file")?;
            let context = self.lookup(&contexts, row.get(1).map_err(&bad)?, "context")?;
            let blob = row.get_ref(2).map_err(&bad)?.as_blob().map_err(|e| bad(e.into()))?;
            let entry = data
                .files
                .entry(file.clone())
                .or_default()
                .lines
                .entry(context.clone())
                .or_default();
            entry.union_with(&Numbits::from_bytes(blob));
        }

        let mut stmt = self
            .conn
            .prepare("SELECT file_id, context_id, fromno, tono FROM arc")
            .map_err(&bad)?;
        let mut rows = stmt.query([]).map_err(&bad)?;
        while let Some(row) = rows.next().map_err(&bad)? {
            let file = self.lookup(&files, row.get(0).map_err(&bad)?, "file")?;
            let context = self.lookup(&contexts, row.get(1).map_err(&bad)?, "context")?;
            let arc = (row.get(2).map_err(&bad)?, row.get(3).map_err(&bad)?);
            data.files
                .entry(file.clone())
                .or_default()
                .arcs
                .entry(context.clone())
                .or_default()
                .insert(arc);
        }

        let mut stmt = self.conn.prepare("SELECT file_id, tracer FROM tracer").map_err(&bad)?;
        let mut rows = stmt.query([]).map_err(&bad)?;
        while let Some(row) = rows.next().map_err(&bad)? {
            let file = self.lookup(&files, row.get(0).map_err(&bad)?, "file")?;
            let tracer: Option<String> = row.get(1).map_err(&bad)?;
            data.files.entry(file.clone()).or_default().tracer = Some(tracer.unwrap_or_default());
        }
        Ok(data)
    }

    fn has_arcs(&self) -> Result<Option<bool>> {
        let bad = sqlite_error(self.path, "cannot read coverage.py data");
        let mut stmt = self
            .conn
            .prepare("SELECT value FROM meta WHERE key = 'has_arcs'")
            .map_err(&bad)?;
        let mut rows = stmt.query([]).map_err(&bad)?;
        let Some(row) = rows.next().map_err(&bad)? else {
            return Ok(None);
        };
        // coverage.py stores '0'/'1' as text and reads it with `bool(int(value))`.
        let value: rusqlite::types::Value = row.get(0).map_err(&bad)?;
        let flag = match value {
            rusqlite::types::Value::Integer(n) => Some(n != 0),
            rusqlite::types::Value::Text(ref s) => s.trim().parse::<i64>().ok().map(|n| n != 0),
            _ => None,
        };
        flag.map(Some).ok_or_else(|| {
            Error::parse(
                self.path,
                None,
                format!("meta has_arcs is {value:?}, expected '0' or '1'"),
            )
        })
    }

    fn id_map(&self, sql: &str) -> Result<HashMap<i64, String>> {
        let bad = sqlite_error(self.path, "cannot read coverage.py data");
        let mut stmt = self.conn.prepare(sql).map_err(&bad)?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).map_err(&bad)?;
        rows.collect::<rusqlite::Result<_>>().map_err(bad)
    }

    fn lookup<'m>(&self, ids: &'m HashMap<i64, String>, id: i64, table: &str) -> Result<&'m String> {
        ids.get(&id).ok_or_else(|| {
            Error::parse(
                self.path,
                None,
                format!("a data row refers to {table} id {id}, which the {table} table lacks"),
            )
        })
    }
}
