//! Writes a `.coverage` file that coverage.py accepts for `report`, `combine` and `json`, atomically (a temporary
//! SQLite file in the same directory, renamed over the target) and deterministically: rows are inserted in sorted
//! order in one transaction and `meta` holds no timestamp, so equal data gives byte-identical files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::{Connection, Transaction, params};

use super::CoverageData;
use super::read::SCHEMA_VERSION;
use crate::error::{Error, Result};

/// The `meta.version` we write. coverage.py records its own version there and never parses it back, so we name the
/// writer instead; it changes only with prowcov's version, which keeps the output deterministic for one build.
pub const META_VERSION: &str = concat!("prowcov ", env!("CARGO_PKG_VERSION"));

/// coverage.py 7.17.3's schema, table for table (constraints included, so coverage.py's `INSERT OR IGNORE`s keep
/// working when it appends to our file).
const SCHEMA: &str = "
CREATE TABLE coverage_schema (version integer);
CREATE TABLE meta (key text, value text, unique (key));
CREATE TABLE file (id integer primary key, path text, unique (path));
CREATE TABLE context (id integer primary key, context text, unique (context));
CREATE TABLE line_bits (
    file_id integer, context_id integer, numbits blob,
    foreign key (file_id) references file (id), foreign key (context_id) references context (id),
    unique (file_id, context_id)
);
CREATE TABLE arc (
    file_id integer, context_id integer, fromno integer, tono integer,
    foreign key (file_id) references file (id), foreign key (context_id) references context (id),
    unique (file_id, context_id, fromno, tono)
);
CREATE TABLE tracer (file_id integer primary key, tracer text, foreign key (file_id) references file (id));
";

/// Writes `data` to `path` atomically: on any error `path` is untouched and no temporary file is left.
pub fn write(data: &CoverageData, path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io_error = |e: std::io::Error| Error::write(path, e);
    let sql_error = |e: rusqlite::Error| Error::write(path, std::io::Error::other(e));
    let tmp = tempfile::Builder::new()
        .prefix(".prowcov-tmp-")
        .tempfile_in(dir)
        .map_err(io_error)?;
    {
        let mut conn = Connection::open(tmp.path()).map_err(sql_error)?;
        // As coverage.py does: no journal (the file is not visible under its name until complete anyway).
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(sql_error)?;
        let tx = conn.transaction().map_err(sql_error)?;
        fill(&tx, data).map_err(sql_error)?;
        tx.commit().map_err(sql_error)?;
        conn.close().map_err(|(_, e)| sql_error(e))?;
    }
    tmp.as_file().sync_all().map_err(io_error)?;
    tmp.persist(path).map_err(|e| io_error(e.error))?;
    Ok(())
}

fn fill(tx: &Transaction<'_>, data: &CoverageData) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA)?;
    tx.execute("INSERT INTO coverage_schema (version) VALUES (?1)", [SCHEMA_VERSION])?;
    let mut meta = tx.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
    meta.execute(["version", META_VERSION])?;
    if let Some(has_arcs) = has_arcs(data) {
        meta.execute(["has_arcs", if has_arcs { "1" } else { "0" }])?;
    }

    // Every context a row uses gets a `context` row: coverage.py's combine joins on it and silently drops the rest.
    let mut names: BTreeSet<&str> = data.contexts.iter().map(String::as_str).collect();
    for file in data.files.values() {
        names.extend(file.lines.keys().chain(file.arcs.keys()).map(String::as_str));
    }
    let context_ids: BTreeMap<&str, i64> = names.into_iter().zip(1..).collect();
    let mut insert_context = tx.prepare("INSERT INTO context (id, context) VALUES (?1, ?2)")?;
    for (name, id) in &context_ids {
        insert_context.execute(params![id, name])?;
    }

    let mut insert_file = tx.prepare("INSERT INTO file (id, path) VALUES (?1, ?2)")?;
    let mut insert_tracer = tx.prepare("INSERT INTO tracer (file_id, tracer) VALUES (?1, ?2)")?;
    let mut insert_lines = tx.prepare("INSERT INTO line_bits (file_id, context_id, numbits) VALUES (?1, ?2, ?3)")?;
    let mut insert_arc = tx.prepare("INSERT INTO arc (file_id, context_id, fromno, tono) VALUES (?1, ?2, ?3, ?4)")?;
    for ((path, file), file_id) in data.files.iter().zip(1i64..) {
        insert_file.execute(params![file_id, path])?;
        if let Some(tracer) = &file.tracer {
            insert_tracer.execute(params![file_id, tracer])?;
        }
        for (context, bits) in &file.lines {
            insert_lines.execute(params![file_id, context_ids[context.as_str()], bits.as_bytes()])?;
        }
        for (context, arcs) in &file.arcs {
            let context_id = context_ids[context.as_str()];
            for (from, to) in arcs {
                insert_arc.execute(params![file_id, context_id, from, to])?;
            }
        }
    }
    Ok(())
}

/// `meta.has_arcs` to write: the data's own, or, when it does not say but holds rows, what the rows are (readers
/// trust this flag: arc rows read as line data report 0%).
fn has_arcs(data: &CoverageData) -> Option<bool> {
    data.has_arcs.or_else(|| {
        let arcs = data.files.values().any(|f| !f.arcs.is_empty());
        let lines = data.files.values().any(|f| !f.lines.is_empty());
        (arcs || lines).then_some(arcs)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{FileData, Numbits, read};
    use super::*;

    fn sample(has_arcs: bool) -> CoverageData {
        let mut data = CoverageData {
            has_arcs: Some(has_arcs),
            contexts: BTreeSet::from([String::new(), "unused".into()]),
            ..CoverageData::default()
        };
        let mut file = FileData {
            tracer: Some("plugin".into()),
            ..FileData::default()
        };
        if has_arcs {
            file.arcs
                .insert("ctx".into(), BTreeSet::from([(-1, 1), (1, 3), (3, -1)]));
        } else {
            file.lines.insert("ctx".into(), [1, 3, 700].into_iter().collect());
        }
        data.files.insert("/src/a.py".into(), file);
        data.files.insert("/src/empty.py".into(), FileData::default());
        data
    }

    #[test]
    fn round_trip_is_identity() {
        let dir = tempfile::tempdir().unwrap();
        for has_arcs in [false, true] {
            let path = dir.path().join(".coverage");
            let mut data = sample(has_arcs);
            write(&data, &path).unwrap();
            let back = read(&path).unwrap();
            // The writer adds a row for every context a file uses.
            data.contexts.insert("ctx".into());
            assert_eq!(back, data);
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [".coverage"], "no temporary or journal file left");
    }

    #[test]
    fn equal_data_gives_identical_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        write(&sample(false), &a).unwrap();
        write(&sample(false), &b).unwrap();
        assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    }

    #[test]
    fn failed_write_leaves_the_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing-dir").join(".coverage");
        let err = write(&sample(false), &target).unwrap_err();
        assert!(err.to_string().contains("missing-dir"), "{err}");
        assert!(!target.exists());
    }

    fn arb_data() -> impl Strategy<Value = CoverageData> {
        let lines = proptest::collection::btree_set(0u32..200, 0..20).prop_map(|s| s.into_iter().collect::<Numbits>());
        let file = (
            proptest::option::of("[a-z]{0,4}"),
            proptest::collection::btree_map("[a-c]{0,1}", lines, 0..3),
        )
            .prop_map(|(tracer, lines)| FileData {
                tracer,
                lines,
                ..FileData::default()
            });
        proptest::collection::btree_map("/[a-z]{1,6}\\.py", file, 0..5).prop_map(|files| {
            let contexts = files
                .values()
                .flat_map(|f: &FileData| f.lines.keys().cloned())
                .collect();
            CoverageData {
                has_arcs: Some(false),
                contexts,
                files,
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn round_trip_any_line_data(data in arb_data()) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(".coverage");
            write(&data, &path).unwrap();
            prop_assert_eq!(read(&path).unwrap(), data);
        }
    }
}
