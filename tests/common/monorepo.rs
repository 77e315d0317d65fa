//! A monorepo for the job's tests: a Python package measured by coverage.py (`services/api`), a Go module by `go test`
//! (`engine`) and a C-like library whose `command` suite writes LCOV (`native`), as `[[suites]]`, with components.

use super::GitRepo;

pub const CONFIG: &str = r#"[run]
parallel-suites = 2

[[suites]]
name = "api"
runner = "python"
root = "services/api"
paths = ["services/api/**"]

[[suites]]
name = "engine"
runner = "go"
root = "engine"

[[suites]]
name = "native"
runner = "command"
root = "native"
command = ["sh", "coverage.sh"]
profiles = ["out/*.info"]

[[components]]
name = "api"
paths = ["services/api/**"]
[components.gate]
min-patch = 90

[[components]]
name = "core"
paths = ["engine/**", "native/**"]
"#;

/// The monorepo's files; `extra` adds an untested function to the Python package, `fail` a failing Python test.
pub fn monorepo(extra: bool, fail: bool) -> Vec<(&'static str, String)> {
    let mut calc = String::from("def add(a, b):\n    return a + b\n\n\ndef neg(a):\n    return -a\n");
    if extra {
        calc.push_str("\n\ndef twice(a):\n    if a:\n        return 2 * a\n    return 0\n");
    }
    let mut tests = String::from("from api.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n");
    if fail {
        tests.push_str("\n\ndef test_broken():\n    assert add(2, 2) == 5\n");
    }
    vec![
        (".prowcov.toml", CONFIG.to_owned()),
        (".gitignore", "__pycache__/\n.pytest_cache/\nout/\n".to_owned()),
        (
            "services/api/pyproject.toml",
            "[tool.pytest.ini_options]\npythonpath = [\"src\"]\n\n[tool.coverage.run]\nsource = [\"src\"]\n".to_owned(),
        ),
        ("services/api/src/api/__init__.py", String::new()),
        ("services/api/src/api/calc.py", calc),
        ("services/api/tests/test_calc.py", tests),
        ("engine/go.mod", "module example.com/engine\n\ngo 1.19\n".to_owned()),
        (
            "engine/gear/gear.go",
            "package gear\n\nfunc Ratio(a, b int) int {\n\tif b == 0 {\n\t\treturn 0\n\t}\n\treturn a / b\n}\n".to_owned(),
        ),
        (
            "engine/gear/gear_test.go",
            "package gear\n\nimport \"testing\"\n\nfunc TestRatio(t *testing.T) {\n\tif Ratio(6, 3) != 2 {\n\t\tt.Fatal(\"Ratio\")\n\t}\n}\n"
                .to_owned(),
        ),
        ("native/lib.c", "int lib(int x) {\n  if (x)\n    return 1;\n  return 0;\n}\n".to_owned()),
        (
            "native/coverage.sh",
            "mkdir -p out\nprintf 'SF:lib.c\\nDA:1,1\\nDA:2,1\\nDA:3,1\\nDA:4,0\\nend_of_record\\n' > out/lib.info\n"
                .to_owned(),
        ),
    ]
}

pub fn commit(repo: &GitRepo, message: &str, files: &[(&str, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    repo.commit(message, &borrowed)
}
