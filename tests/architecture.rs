//! The layering the design promises, checked on the source: data flows model <- formats <- analysis <- render with
//! the job layer above them, no two modules depend on each other (directly or round a longer circle), and the
//! environment is read in one place. A new `use` that breaks one of these fails here, naming the files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The pure core: no network, no environment, no job.
const CORE: &[&str] = &["model", "formats", "analysis", "render"];
/// What the core may not depend on.
const ABOVE_CORE: &[&str] = &[
    "settings", "prow", "commands", "storage", "github", "runner", "job", "load", "cli",
];

fn sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `src/a/b.rs` and `src/a/b/mod.rs` -> `a::b`; `lib.rs` and `main.rs` -> the crate root, "".
fn module_of(path: &Path) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rel = path.strip_prefix(&src).expect("under src").with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without its `#[cfg(test)]` tail and without comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read source");
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `text` (of module `module`) names through `crate::` or `super::`, resolved to the longest known
/// module path.
fn dependencies(module: &str, text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |path: Vec<&str>| {
        for k in (1..=path.len()).rev() {
            let candidate = path[..k].join("::");
            if modules.contains(&candidate) {
                let inside = candidate == module || module.starts_with(&format!("{candidate}::"));
                let below = candidate.starts_with(&format!("{module}::"));
                if !inside && !below {
                    out.insert(candidate);
                }
                return;
            }
        }
    };
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent(module))] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            // `crate::` inside an identifier (`foo_crate::`) is not a path.
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let path: Vec<&str> = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default()
                .split("::")
                .filter(|s| !s.is_empty())
                .collect();
            let mut full: Vec<&str> = base.iter().map(String::as_str).collect();
            full.extend(path);
            add(full);
        }
    }
    out
}

fn parent(module: &str) -> Vec<String> {
    let mut parts: Vec<String> = module.split("::").map(str::to_owned).collect();
    parts.pop();
    parts
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    files
        .iter()
        .map(|f| {
            let m = module_of(f);
            let deps = dependencies(&m, &code(f), &modules);
            (m, deps)
        })
        .collect()
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

#[test]
fn the_core_depends_on_nothing_above_it() {
    let mut violations = Vec::new();
    for (module, deps) in graph() {
        if !CORE.contains(&top(&module)) {
            continue;
        }
        for dep in deps {
            if ABOVE_CORE.contains(&top(&dep)) {
                violations.push(format!("{module} uses {dep}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "core modules reach above the core:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_core_layers_point_one_way() {
    // model <- formats <- analysis <- render: a lower layer never uses a higher one.
    let rank = |m: &str| CORE.iter().position(|c| *c == top(m));
    let mut violations = Vec::new();
    for (module, deps) in graph() {
        let Some(mine) = rank(&module) else { continue };
        for dep in deps {
            if rank(&dep).is_some_and(|theirs| theirs > mine) {
                violations.push(format!("{module} uses {dep}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "a core layer uses a higher one:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_modules_depend_on_each_other() {
    let graph = graph();
    // Tarjan's strongly connected components: any with more than one module is a circle.
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        circles: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut circle = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                circle.push(w);
                if w == v {
                    break;
                }
            }
            if circle.len() > 1 {
                circle.sort_unstable();
                s.circles.push(circle);
            }
        }
    }
    let mut state = State {
        graph: &graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        circles: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    let circles: Vec<String> = state.circles.iter().map(|c| c.join(" <-> ")).collect();
    assert!(
        circles.is_empty(),
        "modules that depend on each other:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_environment_is_read_in_one_place() {
    let mut readers = Vec::new();
    for file in sources() {
        let text = code(&file);
        if ["std::env::var", "env::var_os", "env::vars"]
            .iter()
            .any(|p| text.contains(p))
        {
            readers.push(module_of(&file));
        }
    }
    assert_eq!(
        readers,
        ["env"],
        "only src/env.rs reads environment variables (Env::capture)"
    );
}

#[test]
fn the_checker_sees_a_circle_when_there_is_one() {
    let modules: BTreeSet<String> = ["a", "b", "b::c"].iter().map(|s| s.to_string()).collect();
    assert_eq!(
        dependencies("a", "use crate::b::c::Thing;\nfn f() { crate::b::x(); }", &modules),
        BTreeSet::from(["b::c".to_owned(), "b".to_owned()])
    );
    assert_eq!(
        dependencies("b::c", "use super::d; use crate::a;", &modules),
        BTreeSet::from(["a".to_owned()]),
        "super::d is unknown, and b is c's own parent"
    );
}
