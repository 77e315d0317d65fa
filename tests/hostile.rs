//! The catalogue of bad and hostile inputs, `tests/hostile/<case>/`: each folder holds its input files and a
//! `case.toml` saying how prowcov is run on them, the exit code it must give and how its error message starts. One
//! runner goes through every folder and reports all the failing cases at once.
//!
//! Every case is run in a copy of its folder (the working directory, so that paths in messages are the relative ones
//! of the case), under a timeout, and must never panic (101), hang, or leave an output that looks complete after a
//! failure. Big inputs are generated here (`[[generate]]`) rather than committed; the cases that show that memory
//! follows the input's size run under an address-space limit (`memory`). Cases needing a provisioned tool
//! (Chromium, Python with coverage.py) or root (a tmpfs) are run by the ignored test, through `scripts/test`.
//!
//! `case.toml` keys:
//! - `why`: one line saying what the case is about; `args`: prowcov's arguments (`{dir}` is the case's working
//!   directory, `{nonutf8}` the byte 0xff); `exit`: the expected code; `stderr`: the start of the expected stderr,
//!   with `[DIR]` for the working directory;
//! - `stderr_contains`, `stdout_contains`, `stdout_lacks`: fragments that must (not) appear;
//! - `stderr_lacks`, `stderr_max` (bytes): what stderr must not hold, and how long it may be;
//! - `absent`: paths that must not exist afterwards; `files_lack`: `{ path, text }` that a written file must not hold;
//!   `tree_lacks`: the same for every file under a folder; `files_hold`: `{ path, text }` that a written file must hold;
//! - `html`: a report folder to open in headless Chromium: no script of the data may run (the payloads would set the
//!   title to `PWNED`); `markdown`: a Markdown file in which no `@mention`, `#123` reference or raw HTML may survive;
//! - `needs`: `"chromium"`, `"python"`, `"root"`; `memory`: an address-space limit for `prlimit --as`;
//!   `timeout`: seconds (default 30);
//! - `HOSTILE_SHOW=1` in the environment prints each case's exit code and first stderr line, to write new cases.
//! - `[[generate]]`: `file` made of `parts`, `[text, times]` pairs (`{n}` in a text counts its repetitions); `[[setup]]`: `action` (`fifo`, `symlink`, `readonly`,
//!   `full`, `lock`, `git`) on `path` (with `target` for a symlink); `git` commits the folder, then again with the files
//!   of `head/` over it (`dot-gitattributes` becomes `.gitattributes`).

mod common;

use std::ffi::OsString;
use std::io::Read as _;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    why: String,
    args: Vec<String>,
    exit: i32,
    #[serde(default)]
    stderr: String,
    #[serde(default)]
    stderr_contains: Vec<String>,
    #[serde(default)]
    stderr_lacks: Vec<String>,
    stderr_max: Option<usize>,
    #[serde(default)]
    stdout_contains: Vec<String>,
    #[serde(default)]
    stdout_lacks: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    files_lack: Vec<FileText>,
    #[serde(default)]
    tree_lacks: Vec<FileText>,
    #[serde(default)]
    files_hold: Vec<FileText>,
    html: Option<String>,
    markdown: Option<String>,
    #[serde(default)]
    needs: Vec<Need>,
    memory: Option<String>,
    timeout: Option<u64>,
    #[serde(default)]
    generate: Vec<Generate>,
    #[serde(default)]
    setup: Vec<Setup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileText {
    path: String,
    text: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Need {
    Chromium,
    Python,
    Root,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    file: String,
    /// `(text, times)`: the file is each text repeated, in order; `{n}` counts the repetitions from 1.
    parts: Vec<(String, usize)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    action: Action,
    path: String,
    target: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Action {
    /// A named pipe that nobody writes to: reading it would block forever.
    Fifo,
    /// A symbolic link `path` -> `target`.
    Symlink,
    /// A read-only folder: a read-only tmpfs as root (root ignores permission bits), else mode 0555.
    Readonly,
    /// A folder with no space left: a 64 KiB tmpfs, filled (root only).
    Full,
    /// An SQLite database held under an exclusive lock by the runner while prowcov runs.
    Lock,
    /// A git repository at `path`: its files committed as `base`, then `head/` copied over them and committed.
    Git,
}

const CATALOGUE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile");

fn cases() -> Vec<(String, Case)> {
    let mut names: Vec<String> = std::fs::read_dir(CATALOGUE)
        .expect("tests/hostile exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(Path::new(CATALOGUE).join(&name).join("case.toml"))
                .unwrap_or_else(|e| panic!("{name}/case.toml: {e}"));
            let case: Case = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/case.toml: {e}"));
            (name, case)
        })
        .collect()
}

/// Runs every case whose needs are all in `provided`; panics listing every failure.
fn run_catalogue(select: impl Fn(&Case) -> bool) -> usize {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, case) in cases() {
        if !select(&case) {
            continue;
        }
        ran += 1;
        if let Err(problems) = run_case(&name, &case) {
            failures.push(format!("{name} ({}):\n    {}", case.why, problems.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} hostile cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    ran
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let ran = run_catalogue(|case| case.needs.is_empty());
    assert!(ran >= 60, "the catalogue shrank to {ran} plain cases");
}

#[test]
#[ignore = "needs chromium, Python with coverage.py and root for a tmpfs (scripts/test provides them)"]
fn hostile_inputs_needing_tools_fail_cleanly() {
    assert_eq!(
        nix_uid(),
        0,
        "the tmpfs cases (full and read-only output folders) need root: run scripts/test as root"
    );
    let ran = run_catalogue(|case| !case.needs.is_empty());
    assert!(ran >= 5, "only {ran} cases needing tools");
}

#[test]
fn the_catalogue_holds_at_least_80_cases() {
    assert!(cases().len() >= 80, "{} cases", cases().len());
}

fn nix_uid() -> u32 {
    let out = common::stdout_ok(Command::new("id").arg("-u"));
    out.trim().parse().expect("uid")
}

/// Mounts made for a case, unmounted when it ends, passed or not.
struct Mounts(Vec<PathBuf>);

impl Drop for Mounts {
    fn drop(&mut self) {
        for m in &self.0 {
            let _ = Command::new("umount").arg(m).status();
        }
    }
}

fn run_case(name: &str, case: &Case) -> Result<(), Vec<String>> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("case");
    common::copy_tree(&Path::new(CATALOGUE).join(name), &dir);
    std::fs::remove_file(dir.join("case.toml")).expect("remove case.toml");
    for g in &case.generate {
        let mut bytes = Vec::new();
        for (text, times) in &g.parts {
            let counted = text.contains("{n}");
            for n in 1..=*times {
                if counted {
                    bytes.extend_from_slice(text.replace("{n}", &n.to_string()).as_bytes());
                } else {
                    bytes.extend_from_slice(text.as_bytes());
                }
            }
        }
        std::fs::write(dir.join(&g.file), bytes).expect("write generated input");
    }
    let mut mounts = Mounts(Vec::new());
    let mut locks = Vec::new();
    for s in &case.setup {
        let path = dir.join(&s.path);
        match s.action {
            Action::Fifo => {
                common::run_ok(Command::new("mkfifo").arg(&path));
            }
            Action::Symlink => {
                let target = s.target.as_deref().expect("symlink needs a target");
                std::os::unix::fs::symlink(target, &path).expect("symlink");
            }
            Action::Readonly => {
                std::fs::create_dir_all(&path).expect("mkdir");
                if nix_uid() == 0 {
                    common::run_ok(
                        Command::new("mount")
                            .args(["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs"])
                            .arg(&path),
                    );
                    mounts.0.push(path);
                } else {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o555)).expect("chmod");
                }
            }
            Action::Full => {
                std::fs::create_dir_all(&path).expect("mkdir");
                common::run_ok(
                    Command::new("mount")
                        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
                        .arg(&path),
                );
                mounts.0.push(path.clone());
                // Fill it; the write fails once the 64 KiB are used, which is the point.
                let _ = std::fs::write(path.join(".filler"), vec![b'x'; 1 << 20]);
            }
            Action::Lock => {
                let conn = rusqlite::Connection::open(&path).expect("open the database to lock");
                conn.execute_batch("BEGIN EXCLUSIVE").expect("lock");
                locks.push(conn);
            }
            Action::Git => {
                let repo = common::GitRepo::init(&path);
                repo.git(&["add", "-A", "."]);
                repo.git(&["commit", "-q", "--allow-empty", "-m", "base"]);
                let head = dir.join("head");
                if head.is_dir() {
                    common::copy_tree(&head, &path);
                }
                // Committed as `dot-gitattributes`, so that prowcov's own checkout does not read it.
                let attributes = path.join("dot-gitattributes");
                if attributes.is_file() {
                    std::fs::rename(&attributes, path.join(".gitattributes")).expect("rename");
                }
                repo.git(&["add", "-A", "."]);
                repo.git(&["commit", "-q", "--allow-empty", "-m", "head"]);
            }
        }
    }

    let args: Vec<OsString> = case.args.iter().map(|a| expand(a, &dir)).collect();
    let mut cmd = match &case.memory {
        Some(limit) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--as={}", bytes_of(limit)))
                .arg("--")
                .arg(env!("CARGO_BIN_EXE_prowcov"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_prowcov")),
    };
    cmd.args(&args)
        .current_dir(&dir)
        .env_remove("GITHUB_TOKEN")
        .env_remove("PROWCOV_LOG")
        .env_remove("COVERAGE_RCFILE")
        .env_remove("JOB_TYPE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(python) = std::env::var_os("PROWCOV_TEST_PYTHON") {
        cmd.env("PROWCOV_PYTHON", python);
    }
    let timeout = Duration::from_secs(case.timeout.unwrap_or(30));
    let (code, stdout, stderr) = match run_with_timeout(&mut cmd, timeout) {
        Ok(done) => done,
        Err(e) => return Err(vec![e]),
    };
    drop(locks);

    let shown_dir = dir.display().to_string();
    let stderr = stderr.replace(&shown_dir, "[DIR]");
    let stdout = stdout.replace(&shown_dir, "[DIR]");
    if std::env::var_os("HOSTILE_SHOW").is_some() {
        eprintln!("{name}: exit {code}: {}", stderr.lines().next().unwrap_or(""));
    }
    let mut problems = Vec::new();
    if code != case.exit {
        problems.push(format!("exit {code}, expected {}", case.exit));
    }
    if code == 101 || stderr.contains("panicked") {
        problems.push("panicked".into());
    }
    if !stderr.starts_with(&case.stderr) {
        problems.push(format!("stderr does not start with {:?}", case.stderr));
    }
    for want in &case.stderr_contains {
        if !stderr.contains(want.as_str()) {
            problems.push(format!("stderr lacks {want:?}"));
        }
    }
    for bad in &case.stderr_lacks {
        if stderr.contains(bad.as_str()) {
            problems.push(format!("stderr holds {bad:?}"));
        }
    }
    if let Some(max) = case.stderr_max
        && stderr.len() > max
    {
        problems.push(format!("stderr is {} bytes, more than {max}", stderr.len()));
    }
    for want in &case.stdout_contains {
        if !stdout.contains(want.as_str()) {
            problems.push(format!("stdout lacks {want:?}"));
        }
    }
    for bad in &case.stdout_lacks {
        if stdout.contains(bad.as_str()) {
            problems.push(format!("stdout holds {bad:?}"));
        }
    }
    for path in &case.absent {
        if dir.join(path).symlink_metadata().is_ok() {
            problems.push(format!("{path} exists after the run"));
        }
    }
    for lack in &case.files_lack {
        match std::fs::read(dir.join(&lack.path)) {
            Ok(bytes) if String::from_utf8_lossy(&bytes).contains(lack.text.as_str()) => {
                problems.push(format!("{} holds {:?}", lack.path, lack.text));
            }
            Ok(_) => {}
            Err(e) => problems.push(format!("{}: {e}", lack.path)),
        }
    }
    for hold in &case.files_hold {
        match std::fs::read(dir.join(&hold.path)) {
            Ok(bytes) if String::from_utf8_lossy(&bytes).contains(hold.text.as_str()) => {}
            Ok(_) => problems.push(format!("{} lacks {:?}", hold.path, hold.text)),
            Err(e) => problems.push(format!("{}: {e}", hold.path)),
        }
    }
    for lack in &case.tree_lacks {
        let folder = dir.join(&lack.path);
        if folder.is_dir() {
            for f in common::list_tree(&folder) {
                let bytes = std::fs::read(folder.join(&f)).unwrap_or_default();
                if String::from_utf8_lossy(&bytes).contains(lack.text.as_str()) {
                    problems.push(format!("{}/{} holds {:?}", lack.path, f.display(), lack.text));
                }
            }
        } else {
            problems.push(format!("{} was not written", lack.path));
        }
    }
    if let Some(md) = &case.markdown {
        check_markdown(&dir.join(md), &mut problems);
    }
    if let Some(html) = &case.html {
        check_html(&dir.join(html), tmp.path(), &mut problems);
    }
    // Temporary files of an atomic write must never be left behind.
    for f in common::list_tree(&dir) {
        if f.to_string_lossy().contains(".prowcov-tmp-") {
            problems.push(format!("temporary file left behind: {}", f.display()));
        }
    }
    drop(mounts);
    if problems.is_empty() {
        Ok(())
    } else {
        problems.push(format!(
            "--- stderr\n{stderr}--- stdout (first 2000 bytes)\n{}",
            first(&stdout, 2000)
        ));
        Err(problems)
    }
}

fn first(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// `{dir}` is the case's working directory; `{nonutf8}` a byte that is not UTF-8.
fn expand(arg: &str, dir: &Path) -> OsString {
    let mut bytes = arg.replace("{dir}", &dir.display().to_string()).into_bytes();
    while let Some(at) = bytes.windows(9).position(|w| w == b"{nonutf8}") {
        bytes.splice(at..at + 9, [0xff]);
    }
    OsString::from_vec(bytes)
}

fn bytes_of(limit: &str) -> u64 {
    let (digits, unit) = limit.split_at(limit.len() - 1);
    let n: u64 = digits.parse().expect("memory limit like 512M");
    n * match unit {
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        other => panic!("unit {other}"),
    }
}

/// Runs `cmd`, killing it after `timeout`; the exit code (or -signal) and both streams.
fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<(i32, String, String), String> {
    let mut child = cmd.spawn().map_err(|e| format!("cannot start prowcov: {e}"))?;
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("hung: killed after {} s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().expect("reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("reader")).into_owned();
    use std::os::unix::process::ExitStatusExt;
    let code = status.code().unwrap_or_else(|| -status.signal().unwrap_or(0));
    Ok((code, stdout, stderr))
}

/// No `@mention`, `#123` reference or raw HTML tag may survive in a comment: GitHub would notify, link or render it.
fn check_markdown(path: &Path, problems: &mut Vec<String>) {
    let Ok(body) = std::fs::read_to_string(path) else {
        problems.push(format!("{} was not written", path.display()));
        return;
    };
    // The comment's own hidden marker is the one HTML comment allowed.
    let bytes = body.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied().unwrap_or(b' ');
        let prev = if i == 0 { b' ' } else { bytes[i - 1] };
        if b == b'@' && (next.is_ascii_alphanumeric() || next == b'-') && !prev.is_ascii_alphanumeric() {
            problems.push(format!("a live @mention at byte {i}: {:?}", around(&body, i)));
        }
        if b == b'#' && next.is_ascii_digit() && !prev.is_ascii_alphanumeric() && prev != b'&' && prev != b'/' {
            problems.push(format!("a live #reference at byte {i}: {:?}", around(&body, i)));
        }
        if b == b'<' && (next.is_ascii_alphabetic() || next == b'/') {
            let tag: String = body[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect();
            // The comment's own layout.
            if !matches!(tag.trim_start_matches('/'), "details" | "summary" | "sub") {
                problems.push(format!("raw HTML at byte {i}: {:?}", around(&body, i)));
            }
        }
    }
}

fn around(text: &str, at: usize) -> String {
    let start = at.saturating_sub(20);
    let end = (at + 20).min(text.len());
    String::from_utf8_lossy(&text.as_bytes()[start..end]).into_owned()
}

/// Opens every page of the report in headless Chromium: the data's payloads would set the title to `PWNED` or add an
/// element with id `pwned`.
fn check_html(report: &Path, scratch: &Path, problems: &mut Vec<String>) {
    if !report.join("index.html").is_file() {
        problems.push(format!("{}/index.html was not written", report.display()));
        return;
    }
    let profile = scratch.join("chromium-profile");
    for page in common::list_tree(report)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
    {
        let url = format!("file://{}", report.join(page).display());
        let out = common::chromium(&profile)
            .args(["--dump-dom", "--virtual-time-budget=2000"])
            .arg(&url)
            .output()
            .expect("run chromium");
        let dom = String::from_utf8_lossy(&out.stdout);
        if !dom.contains("</html>") {
            problems.push(format!("chromium rendered nothing for {}", page.display()));
        }
        let title = dom
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or("");
        if title.contains("PWNED") || dom.contains("id=\"pwned\"") {
            problems.push(format!("a script of the data ran in {}", page.display()));
        }
    }
}
