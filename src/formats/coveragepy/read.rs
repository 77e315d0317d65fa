//! Reads a `.coverage` file, read-only: the schema version is checked first, and every failure names the file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{CoverageData, Numbits};
use crate::error::{Error, Result};

/// The only schema version read (coverage.py's `SCHEMA_VERSION`).
pub const SCHEMA_VERSION: i64 = 7;

/// Reads a `.coverage` file without ever writing to it.
pub fn read(path: &Path) -> Result<CoverageData> {
    let mut builder = Builder::default();
    visit(path, &mut builder)?;
    Ok(builder.data)
}

/// Receives a data file's rows as they are read, with every id already checked against its table and turned into
/// the index (in table order) of its `file` or `context` row. Text and blobs are borrowed from SQLite, so a receiver
/// that only merges them (`prowcov combine`) allocates nothing per row.
pub trait Visitor {
    /// `meta.has_arcs`, first.
    fn has_arcs(&mut self, has_arcs: Option<bool>);
    /// The `file` rows, in table order; later rows refer to the `index`th.
    fn file(&mut self, index: u32, path: &str);
    /// The `context` rows, in table order.
    fn context(&mut self, index: u32, name: &str);
    fn line_bits(&mut self, file: u32, context: u32, numbits: &[u8]);
    fn arc(&mut self, file: u32, context: u32, arc: (i32, i32));
    /// A `tracer` row; `None` when its `tracer` column is NULL.
    fn tracer(&mut self, file: u32, tracer: Option<&str>);
}

/// Reads a `.coverage` file, read-only, handing its rows to `visitor`. On error the visitor may have seen part of
/// the file.
pub fn visit(path: &Path, visitor: &mut dyn Visitor) -> Result<()> {
    // SQLite would report a missing file as "unable to open database file"; the OS error says more.
    std::fs::metadata(path).map_err(|e| Error::read(path, e))?;
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(sqlite_error(path, "cannot open it as SQLite"))?;
    check_schema(&conn, path)?;
    Reader { conn: &conn, path }.read(visitor)
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
        _ if is_damage(e) => damaged(e),
        _ if e.to_string().contains("no such table") => {
            format!("not a coverage.py data file (SQLite without the coverage_schema table: {e})")
        }
        _ => format!("cannot read coverage.py data: {e}"),
    }
}

/// Turns an SQLite failure into an error naming the file and what was being done.
fn sqlite_error<'a>(path: &'a Path, doing: &'a str) -> impl Fn(rusqlite::Error) -> Error + 'a {
    move |e| {
        let message = if is_damage(&e) {
            damaged(&e)
        } else {
            format!("{doing}: {e}")
        };
        Error::parse(path, None, message)
    }
}

/// Whether `e` means the file is damaged: SQLite noticed, or a damaged page decoded into a value of the wrong type (a
/// NULL schema version, text where coverage.py writes an integer), which SQLite does not check.
fn is_damage(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseCorrupt)
        || matches!(
            e,
            rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::IntegralValueOutOfRange(..)
        )
}

fn damaged(e: &rusqlite::Error) -> String {
    format!("damaged coverage.py data file ({e}); was it truncated or copied while being written?")
}

struct Reader<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl Reader<'_> {
    fn read(&self, visitor: &mut dyn Visitor) -> Result<()> {
        let bad = sqlite_error(self.path, "cannot read coverage.py data");
        visitor.has_arcs(self.has_arcs()?);
        let files = self.ids("SELECT id, path FROM file", &mut |i, path| visitor.file(i, path))?;
        let contexts = self.ids("SELECT id, context FROM context", &mut |i, name| {
            visitor.context(i, name)
        })?;

        let mut stmt = self
            .conn
            .prepare("SELECT file_id, context_id, numbits FROM line_bits")
            .map_err(&bad)?;
        let mut rows = stmt.query([]).map_err(&bad)?;
        while let Some(row) = rows.next().map_err(&bad)? {
            let file = self.lookup(&files, row.get(0).map_err(&bad)?, "file")?;
            let context = self.lookup(&contexts, row.get(1).map_err(&bad)?, "context")?;
            let blob = row.get_ref(2).map_err(&bad)?.as_blob().map_err(|e| bad(e.into()))?;
            visitor.line_bits(file, context, blob);
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
            visitor.arc(file, context, arc);
        }

        let mut stmt = self.conn.prepare("SELECT file_id, tracer FROM tracer").map_err(&bad)?;
        let mut rows = stmt.query([]).map_err(&bad)?;
        while let Some(row) = rows.next().map_err(&bad)? {
            let file = self.lookup(&files, row.get(0).map_err(&bad)?, "file")?;
            let tracer: Option<Cow<'_, str>> = match row.get_ref(1).map_err(&bad)? {
                ValueRef::Null => None,
                _ => Some(text(row, 1).map_err(&bad)?),
            };
            visitor.tracer(file, tracer.as_deref());
        }
        Ok(())
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

    /// Reads an `(id, text)` table, handing each row to `each` with its index; returns the id-to-index map.
    fn ids(&self, sql: &str, each: &mut dyn FnMut(u32, &str)) -> Result<IdMap> {
        let bad = sqlite_error(self.path, "cannot read coverage.py data");
        let mut stmt = self.conn.prepare(sql).map_err(&bad)?;
        let mut rows = stmt.query([]).map_err(&bad)?;
        let mut ids = IdMap::default();
        let mut count = 0u32;
        while let Some(row) = rows.next().map_err(&bad)? {
            let id: i64 = row.get(0).map_err(&bad)?;
            let name = text(row, 1).map_err(&bad)?;
            // An `id integer primary key` column holds each id once; a repeated one keeps its first row's index.
            let index = ids.insert(id, count);
            if index == count {
                count = count
                    .checked_add(1)
                    .ok_or_else(|| Error::parse(self.path, None, format!("too many rows in: {sql}")))?;
            }
            each(index, &name);
        }
        Ok(ids)
    }

    fn lookup(&self, ids: &IdMap, id: i64, table: &str) -> Result<u32> {
        ids.get(id).ok_or_else(|| {
            Error::parse(
                self.path,
                None,
                format!("a data row refers to {table} id {id}, which the {table} table lacks"),
            )
        })
    }
}

/// Row ids to row indexes. coverage.py's ids are 1, 2, 3...: those small enough index a vector (a lookup per data
/// row, without hashing); any others go to a hash map.
#[derive(Default)]
struct IdMap {
    dense: Vec<Option<u32>>,
    sparse: HashMap<i64, u32>,
}

impl IdMap {
    /// Maps `id` to `index` unless it is mapped already; returns its index.
    fn insert(&mut self, id: i64, index: u32) -> u32 {
        // An id the vector has grown over since it went to the map stays there.
        if let Some(&first) = self.sparse.get(&id) {
            return first;
        }
        match usize::try_from(id) {
            Ok(i) if i <= 4 * self.dense.len() + 1024 => {
                if self.dense.len() <= i {
                    self.dense.resize(i + 1, None);
                }
                *self.dense[i].get_or_insert(index)
            }
            _ => *self.sparse.entry(id).or_insert(index),
        }
    }

    fn get(&self, id: i64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&Some(index)) => Some(index),
            _ => self.sparse.get(&id).copied(),
        }
    }
}

/// A text column borrowed from SQLite when it holds valid UTF-8 text (no allocation per row); anything else goes
/// through rusqlite's `String` conversion, for its error (or its value).
fn text<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Cow<'r, str>> {
    if let ValueRef::Text(bytes) = row.get_ref(index)?
        && let Ok(s) = std::str::from_utf8(bytes)
    {
        return Ok(Cow::Borrowed(s));
    }
    row.get::<_, String>(index).map(Cow::Owned)
}

/// Builds a [`CoverageData`] from the rows, as stored.
#[derive(Default)]
struct Builder {
    data: CoverageData,
    files: Vec<String>,
    contexts: Vec<String>,
}

impl Builder {
    fn file_data(&mut self, file: u32) -> &mut super::FileData {
        // The reader hands out only indexes of rows it has passed on.
        let path = self.files.get(file as usize).cloned().unwrap_or_default();
        self.data.files.entry(path).or_default()
    }

    fn context_name(&self, context: u32) -> String {
        self.contexts.get(context as usize).cloned().unwrap_or_default()
    }
}

impl Visitor for Builder {
    fn has_arcs(&mut self, has_arcs: Option<bool>) {
        self.data.has_arcs = has_arcs;
    }

    fn file(&mut self, index: u32, path: &str) {
        if index as usize == self.files.len() {
            self.files.push(path.to_string());
        }
        self.data.files.entry(path.to_string()).or_default();
    }

    fn context(&mut self, index: u32, name: &str) {
        if index as usize == self.contexts.len() {
            self.contexts.push(name.to_string());
        }
        self.data.contexts.insert(name.to_string());
    }

    fn line_bits(&mut self, file: u32, context: u32, numbits: &[u8]) {
        let context = self.context_name(context);
        let entry = self.file_data(file).lines.entry(context).or_default();
        entry.union_with(&Numbits::from_bytes(numbits));
    }

    fn arc(&mut self, file: u32, context: u32, arc: (i32, i32)) {
        let context = self.context_name(context);
        self.file_data(file).arcs.entry(context).or_default().insert(arc);
    }

    fn tracer(&mut self, file: u32, tracer: Option<&str>) {
        self.file_data(file).tracer = Some(tracer.unwrap_or_default().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;

    #[test]
    fn id_map_keeps_the_first_index_of_any_id() {
        let mut ids = IdMap::default();
        let all = [1, 2, 1100, -3, 1030, 2000, 1100, 2, 0, i64::MAX];
        for (index, &id) in all.iter().enumerate() {
            ids.insert(id, index as u32);
        }
        // 1100 goes to the map while the vector is short; 1030 and 2000 then grow the vector over it.
        for &id in &all {
            let first = all.iter().position(|&x| x == id).map(|i| i as u32);
            assert_eq!(ids.get(id), first, "id {id}");
        }
        assert_eq!(ids.get(7), None);
        assert_eq!(ids.get(-1), None);
    }
}
