//! The Go runner: `go test -covermode=atomic -coverprofile=<work_dir>/go.cover -coverpkg=P1,P2 P1 P2 ARGS` in the
//! root, returning the cover profile (`formats::goprofile` maps module paths to files through `go.mod`).
//!
//! `atomic` is the only mode that is right with `-race` and with parallel tests. `-coverpkg` lists the same packages
//! as those tested, so that code exercised from another package's tests counts. The user's `run.command` is extra
//! arguments for `go test`, placed after the packages (where `go test` accepts both its own flags and `-args ...`);
//! a leading `go test` in it is dropped.

use std::ffi::OsString;

use super::process;
use super::{RunSpec, TestRun, tests_outcome};
use crate::error::{Error, Result};

pub(super) fn run(spec: &RunSpec<'_>) -> Result<TestRun> {
    let work_dir = std::path::absolute(spec.work_dir).map_err(|e| Error::read(spec.work_dir, e))?;
    let profile = work_dir.join("go.cover");
    let args = arguments(spec.go_packages, spec.command, &profile.display().to_string());
    let finished = process::execute(&OsString::from("go"), &args, &[], spec)?;
    if !profile.is_file() {
        return Err(Error::Data(format!(
            "`go test` wrote no cover profile ({} is missing), and {}\nhint: see the test log {}; a build failure \
             or a package pattern that matches nothing leaves no profile",
            profile.display(),
            tests_outcome(finished.exit_code),
            spec.log.display()
        )));
    }
    Ok(TestRun {
        command: finished.command,
        exit_code: finished.exit_code,
        profiles: vec![profile],
        duration: finished.duration,
    })
}

/// The arguments after `go`.
fn arguments(packages: &[String], extra: &[String], profile: &str) -> Vec<OsString> {
    let default = ["./...".to_owned()];
    let packages = if packages.is_empty() { &default[..] } else { packages };
    let extra = match extra {
        [go, test, rest @ ..] if go == "go" && test == "test" => rest,
        other => other,
    };
    let mut args: Vec<OsString> = vec![
        "test".into(),
        "-covermode=atomic".into(),
        format!("-coverprofile={profile}").into(),
        format!("-coverpkg={}", packages.join(",")).into(),
    ];
    args.extend(packages.iter().map(OsString::from));
    args.extend(extra.iter().map(OsString::from));
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_tested_and_measured_and_extra_arguments_come_last() {
        let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let args = arguments(
            &strings(&["./a", "./b/..."]),
            &strings(&["go", "test", "-race", "-run", "X"]),
            "/w/go.cover",
        );
        let args: Vec<_> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(
            args.join(" "),
            "test -covermode=atomic -coverprofile=/w/go.cover -coverpkg=./a,./b/... ./a ./b/... -race -run X"
        );
        let args = arguments(&[], &[], "p");
        assert_eq!(
            args.last().map(|a| a.to_string_lossy().into_owned()),
            Some("./...".into())
        );
    }
}
