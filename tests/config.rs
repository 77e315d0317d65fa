//! prowcov's configuration: discovery, layering, rejection of unknown keys and bad values, the commented example,
//! and `prowcov config --dump`.

mod common;

use std::path::Path;

use prowcov::config::{Config, KEYS, Origin, Overrides, Source};

fn no_env(_: &str) -> Option<String> {
    None
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write a test file");
}

fn load(root: &Path) -> prowcov::config::LoadedConfig {
    Config::load(root, None, &no_env).expect("load the configuration")
}

/// The error text with the temp folder replaced, for snapshots.
fn redact(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "[ROOT]")
}

#[test]
fn no_file_means_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(dir.path());
    assert_eq!(loaded.source, Source::None);
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.origins.is_empty());
}

#[test]
fn prowcov_toml_wins_over_pyproject() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".prowcov.toml", "[gate]\nmin-patch = 70\n");
    write(dir.path(), "pyproject.toml", "[tool.prowcov.gate]\nmin-patch = 90\n");
    let loaded = load(dir.path());
    assert_eq!(loaded.source, Source::File(dir.path().join(".prowcov.toml")));
    assert_eq!(loaded.config.gate.min_patch.map(|p| p.get()), Some(70.0));
    assert_eq!(loaded.origins.get("gate.min-patch"), Some(&Origin::File));
}

#[test]
fn pyproject_tool_prowcov_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.coverage.run]\nbranch = true\n\n[tool.prowcov.storage]\nurl = \"gs://b/p\"\n",
    );
    let loaded = load(dir.path());
    assert_eq!(loaded.source, Source::Pyproject(dir.path().join("pyproject.toml")));
    assert_eq!(loaded.config.storage.url.as_str(), "gs://b/p");
}

#[test]
fn pyproject_without_tool_prowcov_means_defaults() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pyproject.toml", "[tool.coverage.run]\nbranch = true\n");
    let loaded = load(dir.path());
    assert_eq!(loaded.source, Source::None);
    assert_eq!(loaded.config, Config::default());
}

#[test]
fn unknown_keys_in_pyproject_tool_prowcov_are_rejected_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.black]\nx = 1\n\n[tool.prowcov.gate]\nmin-pach = 80\n",
    );
    let e = Config::load(dir.path(), None, &no_env).unwrap_err();
    insta::assert_snapshot!(redact(&e.to_string(), dir.path()));
}

#[test]
fn explicit_config_overrides_discovery() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".prowcov.toml", "[report]\nprecision = 1\n");
    write(dir.path(), "ci.toml", "[report]\nprecision = 4\n");
    let explicit = dir.path().join("ci.toml");
    let loaded = Config::load(dir.path(), Some(&explicit), &no_env).unwrap();
    assert_eq!(loaded.source, Source::File(explicit));
    assert_eq!(loaded.config.report.precision.get(), 4);
}

#[test]
fn explicit_pyproject_without_the_table_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pyproject.toml", "[project]\nname = \"x\"\n");
    let e = Config::load(dir.path(), Some(&dir.path().join("pyproject.toml")), &no_env).unwrap_err();
    assert_eq!(e.exit_code(), 78);
    assert!(e.to_string().contains("no [tool.prowcov] table"), "{e}");
}

#[test]
fn explicit_missing_file_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = Config::load(dir.path(), Some(&dir.path().join("nope.toml")), &no_env).unwrap_err();
    assert_eq!(e.exit_code(), 78);
    assert!(e.to_string().contains("nope.toml: --config: cannot read it"), "{e}");
}

#[test]
fn layers_file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".prowcov.toml",
        "[storage]\nurl = \"gs://file/p\"\npostsubmit-job = \"from-file\"\n[gate]\nmin-patch = 60\nmax-drop = 2\n",
    );
    let env = |var: &str| match var {
        "PROWCOV_STORAGE" => Some("gs://env/p".to_owned()),
        "PROWCOV_BASELINE_JOB" => Some("from-env".to_owned()),
        "PROWCOV_GITHUB_URL" => Some(String::new()), // empty: unset
        _ => None,
    };
    let mut loaded = Config::load(dir.path(), None, &env).unwrap();
    assert_eq!(loaded.config.storage.url.as_str(), "gs://env/p");
    assert_eq!(loaded.config.storage.postsubmit_job.as_deref(), Some("from-env"));
    assert_eq!(loaded.config.bot.github_url.as_str(), "https://api.github.com");
    assert_eq!(loaded.origins.get("storage.url"), Some(&Origin::Env("PROWCOV_STORAGE")));

    loaded
        .apply_flags(&Overrides {
            storage: Some("s3://flag/p".to_owned()),
            min_patch: Some(85.0),
            ..Overrides::default()
        })
        .unwrap();
    assert_eq!(loaded.config.storage.url.as_str(), "s3://flag/p");
    assert_eq!(loaded.config.storage.postsubmit_job.as_deref(), Some("from-env"));
    assert_eq!(loaded.config.gate.min_patch.map(|p| p.get()), Some(85.0));
    assert_eq!(loaded.config.gate.max_drop.map(|p| p.get()), Some(2.0));
    assert_eq!(loaded.origins.get("storage.url"), Some(&Origin::Flag("--storage")));
    assert_eq!(loaded.origins.get("gate.max-drop"), Some(&Origin::File));
}

#[test]
fn bad_env_and_flag_values_name_the_variable_and_flag() {
    let dir = tempfile::tempdir().unwrap();
    let env = |var: &str| (var == "PROWCOV_GITHUB_URL").then(|| "api.github.com".to_owned());
    let e = Config::load(dir.path(), None, &env).unwrap_err();
    assert_eq!(e.exit_code(), 78);
    assert!(
        e.to_string()
            .starts_with("environment variable PROWCOV_GITHUB_URL (bot.github-url): "),
        "{e}"
    );

    let mut loaded = load(dir.path());
    let flags = Overrides {
        max_drop: Some(101.0),
        ..Overrides::default()
    };
    let e = loaded.apply_flags(&flags).unwrap_err();
    assert_eq!(e.exit_code(), 64);
    assert_eq!(
        e.to_string(),
        "--max-drop: expected a percentage from 0 to 100, found 101"
    );
}

#[test]
fn unknown_key_is_rejected_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".prowcov.toml",
        "[run]\nrunner = \"go\"\n\n[storage]\nbucket = \"gs://x\"\n",
    );
    let e = Config::load(dir.path(), None, &no_env).unwrap_err();
    assert_eq!(e.exit_code(), 78);
    insta::assert_snapshot!(redact(&e.to_string(), dir.path()));
}

#[test]
fn syntax_error_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".prowcov.toml", "[gate]\nmin-patch = 80\nmax-drop = \n");
    let e = Config::load(dir.path(), None, &no_env).unwrap_err();
    assert_eq!(e.exit_code(), 78);
    insta::assert_snapshot!(redact(&e.to_string(), dir.path()));
}

#[test]
fn out_of_range_value_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".prowcov.toml", "[gate]\nmin-patch = 120\n");
    let e = Config::load(dir.path(), None, &no_env).unwrap_err();
    assert_eq!(e.exit_code(), 78);
    insta::assert_snapshot!(redact(&e.to_string(), dir.path()));
}

fn example() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/prowcov.toml"))
        .expect("read the example")
}

#[test]
fn example_file_is_the_defaults() {
    // Every uncommented value in the example is a default.
    let config = Config::from_toml(&example(), Path::new("examples/prowcov.toml")).unwrap();
    assert_eq!(config, Config::default());
}

#[test]
fn example_file_with_every_commented_key_set_is_valid_and_sets_them() {
    // The commented keys (`# key = value`) are examples of values: uncommented, they must load and set every key.
    let text: String = example()
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')) => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let config = Config::from_toml(&text, Path::new("examples/prowcov.toml")).unwrap();
    assert_ne!(config, Config::default());
    let dumped = toml::Table::try_from(&config).unwrap();
    for key in KEYS {
        let (sec, name) = key.split_once('.').unwrap();
        assert!(dumped[sec].get(name).is_some(), "the example does not show {key}");
    }
}

#[test]
fn docs_and_example_name_every_key_and_variable() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/config.md")).unwrap();
    let example = example();
    for key in KEYS {
        let name = key.split_once('.').unwrap().1;
        assert!(
            docs.contains(&format!("`{key}`")),
            "docs/config.md does not document {key}"
        );
        assert!(
            example.contains(&format!("{name} = ")),
            "examples/prowcov.toml does not show {key}"
        );
    }
    for (var, _) in prowcov::config::ENV_VARS {
        assert!(docs.contains(var), "docs/config.md does not list {var}");
    }
}

fn prowcov_config(dir: &Path) -> std::process::Command {
    let mut cmd = common::prowcov();
    cmd.arg("config").arg("--root").arg(dir);
    for (var, _) in prowcov::config::ENV_VARS {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn dump_prints_the_effective_settings_with_their_layers() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".prowcov.toml",
        "[run]\nrunner = \"go\"\n[gate]\nmin-patch = 80\n[bot]\ntoken-file = \"/etc/github/oauth\"\n",
    );
    let out = prowcov_config(dir.path())
        .arg("--dump")
        .env("PROWCOV_STORAGE", "gs://bucket/coverage")
        .env("GITHUB_TOKEN", "ghp_secret_never_printed")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("ghp_secret"));
    insta::assert_snapshot!(redact(&stdout, dir.path()));
    // The dump is itself a valid configuration with the same values.
    let reread = Config::from_toml(&stdout, Path::new("dump.toml")).unwrap();
    assert_eq!(reread.storage.url.as_str(), "gs://bucket/coverage");
    assert_eq!(reread.run.runner, prowcov::config::Runner::Go);
}

#[test]
fn config_errors_exit_78() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".prowcov.toml", "[gate]\nmin-patch = 120\n");
    let out = prowcov_config(dir.path()).arg("--dump").output().unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(".prowcov.toml:2: [gate] min-patch: "), "{stderr}");

    let out = prowcov_config(dir.path())
        .env("PROWCOV_STORAGE", "ftp://x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
}

#[test]
fn check_without_dump_names_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let out = prowcov_config(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "configuration: none (defaults): ok\n"
    );
}
