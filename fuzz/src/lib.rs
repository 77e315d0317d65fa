//! What the fuzz targets share: each target is one line calling a function here, which drives prowcov through its
//! public entry points (format detection and reading, the configuration loaders, the git analysis, the renderers)
//! and checks what must hold for any input: no panic, and for the renderers, no markup or mention from the data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use prowcov::analysis::changes::{BaseRef, ChangeOptions, ChangeSet, ChangeStatus, FileChange, GitRepo, Refs};
use prowcov::analysis::filter::Filter;
use prowcov::analysis::gate::GateConfig;
use prowcov::analysis::{DiffInputs, DiffReport};
use prowcov::formats::{self, Format, ReadOptions};
use prowcov::model::Table;
use prowcov::model::{Coverage, FileCoverage, PercentRule};
use prowcov::render::comment::{self, CommentInput, CommentLinks};
use prowcov::render::html::{self, HtmlOptions, Source};
use prowcov::render::junit::{self, JunitOptions};

/// A scratch folder for the whole fuzzing process (kept: libFuzzer exits without unwinding).
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("prowcov-fuzz-")
            .tempdir()
            .expect("tempdir")
            .keep()
    })
}

fn options() -> ReadOptions {
    ReadOptions::new(scratch())
}

/// Reads `data` when prowcov detects it as `want`; errors are fine, panics are not.
pub fn read_as(data: &[u8], want: Format) {
    let path = Path::new("fuzz-input");
    if formats::detect(path, data).ok() != Some(want) {
        return;
    }
    if let Ok(formats::Input::Model(coverage)) = formats::read_bytes(path, data, &options()) {
        // What was read must render: prowcov JSON goes through every file and line.
        let table = Table::new(&coverage);
        let _ = prowcov::formats::prowcov_json::write(
            &table,
            prowcov::formats::prowcov_json::JsonOptions { detail: true },
            &mut std::io::sink(),
        );
    }
}

/// Reads `data` as a `.coverage` file (SQLite needs a file to read).
pub fn read_coveragepy_sqlite(data: &[u8]) {
    let path = scratch().join("fuzz.coverage");
    std::fs::write(&path, data).expect("write input");
    let _ = formats::read(&path, &options());
}

/// The configuration files: the first byte picks which file `data` becomes; coverage.py's settings and prowcov's own
/// are then loaded from that folder as the commands load them.
pub fn config(data: &[u8]) {
    const NAMES: [&str; 5] = [".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml", ".prowcov.toml"];
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let dir = scratch().join("config");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join(NAMES[usize::from(pick) % NAMES.len()]), content).expect("write config");
    let _ = prowcov::python::config::load_with_env(None, &dir, &|_| None);
    let _ = prowcov::config::Config::load(&dir, None, &|_| None);
}

/// An empty environment: no user-level git attributes file.
fn no_env() -> prowcov::env::Env {
    prowcov::env::Env::from_pairs(std::iter::empty::<(String, String)>())
}

/// A repository made once, with one commit, for the git targets.
fn repo() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch().join("repo");
        let repo = git2::Repository::init(&dir).expect("git init");
        commit(&repo, &[("a.py", b"x = 1\n")], None);
        dir
    })
}

/// Commits `files` as the whole tree (on top of `parent`); returns the commit id.
fn commit(repo: &git2::Repository, files: &[(&str, &[u8])], parent: Option<git2::Oid>) -> git2::Oid {
    let mut tree = repo.treebuilder(None).expect("treebuilder");
    for (name, content) in files {
        let blob = repo.blob(content).expect("blob");
        tree.insert(name, blob, 0o100_644).expect("insert");
    }
    let tree = repo.find_tree(tree.write().expect("tree")).expect("find tree");
    let sig = git2::Signature::new("fuzz", "fuzz@example.com", &git2::Time::new(0, 0)).expect("signature");
    let parents: Vec<git2::Commit<'_>> = parent
        .map(|p| repo.find_commit(p).expect("parent"))
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
    let id = repo.commit(None, &sig, &sig, "fuzz", &tree, &parents).expect("commit");
    repo.reference("refs/heads/main", id, true, "fuzz").expect("branch");
    repo.set_head("refs/heads/main").expect("head");
    id
}

/// `data` as the working tree's `.gitattributes`, then the attributes of a few paths.
pub fn gitattributes(data: &[u8]) {
    let dir = repo();
    std::fs::write(dir.join(".gitattributes"), data).expect("write .gitattributes");
    let Ok(repo) = GitRepo::open(dir, &no_env()) else {
        return;
    };
    let _ = repo.attributes(["a.py", "src/gen/b_pb2.py", "docs/x.md", "deep/a/b/c/d.py"]);
}

/// `data` split at its first NUL into a base and a head version of one file (the rest of the bytes name a second
/// file), committed, then diffed as `prowcov diff` does.
pub fn git_diff(data: &[u8]) {
    let (base, head) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..data.len() / 2], &data[data.len() / 2..]),
    };
    let dir = repo();
    let Ok(raw) = git2::Repository::open(dir) else {
        return;
    };
    let base_id = commit(&raw, &[("a.py", base)], None);
    let head_id = commit(&raw, &[("a.py", head), ("b.py", base)], Some(base_id));
    let Ok(repo) = GitRepo::open(dir, &no_env()) else {
        return;
    };
    for ignore_whitespace in [false, true] {
        let _ = repo.changes(&ChangeOptions {
            base: BaseRef::Given(base_id.to_string()),
            head_ref: head_id.to_string(),
            ignore_whitespace,
        });
    }
}

/// Names and a source from `data`: the lines before the first empty line are file names, the rest is the source of
/// every file. Each file measures lines 1 to 3, one of them missed.
fn hostile_coverage(data: &[u8]) -> (Coverage, Vec<u8>) {
    let text = String::from_utf8_lossy(data);
    let (names, source) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut coverage = Coverage::default();
    for name in names.split('\n').filter(|n| !n.is_empty()).take(64) {
        let mut file = FileCoverage::new(PercentRule::Lines);
        file.lines.extend([(1, 1), (2, 0), (3, 7)]);
        coverage.files.insert(name.to_string(), file);
    }
    (coverage, source.as_bytes().to_vec())
}

/// How many `<script` tags the report's own pages carry (the index, a file page), from a report of benign data.
fn own_scripts() -> (usize, usize) {
    static OWN: OnceLock<(usize, usize)> = OnceLock::new();
    *OWN.get_or_init(|| {
        let (coverage, source) = hostile_coverage(b"benign.py\n\nx = 1\n");
        let rendered = html::render_report(&coverage, &HtmlOptions::default(), &|_| Source::Text(source.clone()));
        let count = |index: bool| {
            rendered
                .pages
                .iter()
                .find(|(rel, _)| (rel == "index.html") == index)
                .map_or(0, |(_, page)| page.matches("<script").count())
        };
        (count(true), count(false))
    })
}

/// The HTML report of hostile names and sources: no script but the report's own, and no tag of the data that could
/// load or run something.
pub fn render_html(data: &[u8]) {
    let (coverage, source) = hostile_coverage(data);
    let title = String::from_utf8_lossy(data).chars().take(40).collect::<String>();
    let options = HtmlOptions {
        title,
        ..HtmlOptions::default()
    };
    let rendered = html::render_report(&coverage, &options, &|_| Source::Text(source.clone()));
    let (index_scripts, page_scripts) = own_scripts();
    for (rel, page) in &rendered.pages {
        let scripts = page.matches("<script").count();
        let allowed = if rel == "index.html" {
            index_scripts
        } else {
            page_scripts
        };
        assert!(
            scripts <= allowed,
            "{rel}: {scripts} <script> tags, the report's own are {allowed}:\n{page}"
        );
        // The index draws its own charts as inline SVG; elements that could load or run something never come from it.
        for tag in ["<img", "<iframe", "<object", "<embed", "href=\"javascript"] {
            assert!(!page.contains(tag), "{rel}: {tag} from the data:\n{page}");
        }
    }
}

/// The PR comment for hostile names: no `@mention`, `#123` reference or tag of the data survives.
pub fn render_comment(data: &[u8]) {
    let (head, _) = hostile_coverage(data);
    if head.files.is_empty() {
        return;
    }
    let mut base = head.clone();
    for file in base.files.values_mut() {
        file.lines.insert(2, 1);
    }
    let files = head
        .files
        .keys()
        .map(|path| FileChange {
            path: path.clone(),
            old_path: None,
            status: ChangeStatus::Modified,
            changed_lines: [1, 2].into_iter().collect(),
        })
        .collect();
    let refs = Refs {
        base_ref: "main".into(),
        base_source: "--base-ref".into(),
        base_sha: "b".repeat(40),
        head_ref: "HEAD".into(),
        head_sha: "c".repeat(40),
        merge_base_sha: "b".repeat(40),
    };
    let report = DiffReport::build(DiffInputs {
        base: &base,
        head: &head,
        changes: &ChangeSet { refs, files },
        attributes: &BTreeMap::new(),
        filter: &Filter::everything(),
        gate: &GateConfig {
            min_patch: Some(80.0),
            max_drop: None,
            min_file: None,
        },
    });
    let sha = "c".repeat(40);
    let body = comment::render(&CommentInput {
        job: "fuzz",
        head_sha: &sha,
        report: &report,
        baseline: None,
        links: CommentLinks {
            html_report: Some("https://example.com/report".into()),
            html_all_files: true,
        },
        head_tests_failed: None,
        prow: true,
        precision: 1,
        previous: None,
    });
    check_comment(&body);
}

/// No live mention, reference or markup of the data in a comment body.
fn check_comment(body: &str) {
    let bytes = body.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let prev = if i == 0 { b' ' } else { bytes[i - 1] };
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        if b == b'@' && next.is_ascii_alphanumeric() && !prev.is_ascii_alphanumeric() {
            panic!("a live @mention at {i}:\n{body}");
        }
        if b == b'#' && next.is_ascii_digit() && !prev.is_ascii_alphanumeric() && prev != b'&' && prev != b'/' {
            panic!("a live #reference at {i}:\n{body}");
        }
        if b == b'<' && (next.is_ascii_alphabetic() || next == b'/') {
            let tag: String = body[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect();
            assert!(
                matches!(tag.trim_start_matches('/'), "details" | "summary" | "sub"),
                "markup <{tag} from the data at {i}:\n{body}"
            );
        }
    }
}

/// JUnit XML of hostile names: well-formed XML whatever the names hold.
pub fn render_junit(data: &[u8]) {
    let (coverage, _) = hostile_coverage(data);
    let table = Table::new(&coverage);
    let mut out = Vec::new();
    junit::write(&table, JunitOptions { threshold: Some(50.0) }, &mut out).expect("write to memory");
    let mut reader = quick_xml::Reader::from_reader(out.as_slice());
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("JUnit is not well-formed XML ({e}):\n{}", String::from_utf8_lossy(&out)),
        }
        buf.clear();
    }
}
