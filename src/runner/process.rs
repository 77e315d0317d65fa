//! Starting the tests' process: in the repository root, in a process group of its own, without the removed variables,
//! its output teed to stderr and the log; SIGTERM and SIGINT forwarded to its group; its exit status as a number.
//!
//! The child gets its own process group so that a terminal's Ctrl-C reaches it once (through us) rather than twice,
//! and so that a forwarded SIGTERM reaches every process of the test run (pytest's subprocesses too), each of which
//! can then save its coverage data. Prow sends SIGTERM only to the container's main process when the grace period
//! starts. Once a handler is installed, prowcov itself no longer dies of SIGTERM/SIGINT: it finishes collecting and
//! reporting the coverage of the interrupted run.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::RunSpec;
use super::tee::Tee;
use crate::error::{Error, Result};

/// How the child ended.
pub(super) struct Finished {
    /// The command as run, for messages and [`super::TestRun::command`].
    pub command: Vec<String>,
    pub exit_code: i32,
    pub duration: Duration,
}

/// Runs `program args` in `spec.root` with `env` added, streaming its output, and waits for it.
pub(super) fn execute(
    program: &OsString,
    args: &[OsString],
    env: &[(&str, Option<OsString>)],
    spec: &RunSpec<'_>,
) -> Result<Finished> {
    let command: Vec<String> = std::iter::once(program)
        .chain(args)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut tee = Tee::create(spec.log)?;
    tee.line(format!("$ {}\n", display_command(&command)).as_bytes());

    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(spec.root)
        // A test run in CI reads no input; in a background process group, reading the terminal would stop it.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for name in spec.env_remove {
        cmd.env_remove(name);
    }
    for (name, value) in env {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }

    let forwarder = Forwarder::install()?;
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| cannot_start(&command[0], &e))?;
    forwarder.attach(child.id());
    let readers = tee.follow(child.stdout.take(), child.stderr.take());
    let status = child.wait();
    forwarder.detach();
    let duration = started.elapsed();
    let status = status.map_err(|e| Error::ToolFailed {
        tool: command[0].clone(),
        detail: format!("cannot wait for the process: {e}"),
    })?;
    readers.finish();
    Ok(Finished {
        exit_code: exit_code(status),
        command,
        duration,
    })
}

/// The child's status as a shell reports it: its exit code, or 128+N when signal N killed it.
fn exit_code(status: ExitStatus) -> i32 {
    status.code().or_else(|| status.signal().map(|s| 128 + s)).unwrap_or(1)
}

fn cannot_start(program: &str, e: &std::io::Error) -> Error {
    let detail = if e.kind() == ErrorKind::NotFound {
        format!("`{program}` was not found (is it installed and on PATH?)")
    } else {
        format!("`{program}` cannot be started: {e}")
    };
    Error::ToolUnavailable {
        tool: program.to_owned(),
        purpose: "run the tests".to_owned(),
        detail,
    }
}

/// The command as a shell would take it, for the log: arguments with unusual characters single-quoted.
pub(super) fn display_command(argv: &[String]) -> String {
    let quote = |a: &String| {
        let plain = !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
        if plain {
            a.clone()
        } else {
            format!("'{}'", a.replace('\'', r"'\''"))
        }
    };
    argv.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Forwards SIGTERM and SIGINT to the child's process group while it runs. A signal that arrives before the child
/// exists is delivered as soon as it does.
struct Forwarder {
    state: Arc<Mutex<ForwardState>>,
    handle: signal_hook::iterator::Handle,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct ForwardState {
    group: Option<Pid>,
    pending: Option<Signal>,
}

impl Forwarder {
    fn install() -> Result<Forwarder> {
        let mut signals = Signals::new([SIGTERM, SIGINT]).map_err(|e| Error::ToolFailed {
            tool: "prowcov".into(),
            detail: format!("cannot install the SIGTERM/SIGINT handler: {e}"),
        })?;
        let handle = signals.handle();
        let state = Arc::new(Mutex::new(ForwardState::default()));
        let shared = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            for raw in signals.forever() {
                let Ok(signal) = Signal::try_from(raw) else { continue };
                let mut state = shared.lock().unwrap_or_else(PoisonError::into_inner);
                match state.group {
                    Some(group) => send(group, signal),
                    None => state.pending = Some(signal),
                }
            }
        });
        Ok(Forwarder {
            state,
            handle,
            thread: Some(thread),
        })
    }

    fn attach(&self, pid: u32) {
        let Ok(raw) = i32::try_from(pid) else { return };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let group = Pid::from_raw(raw);
        state.group = Some(group);
        if let Some(signal) = state.pending.take() {
            send(group, signal);
        }
    }

    /// Stops forwarding: the child was reaped, and its group id may be reused.
    fn detach(mut self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).group = None;
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.handle.close();
    }
}

fn send(group: Pid, signal: Signal) {
    tracing::info!(%signal, "forwarding the signal to the tests");
    if let Err(e) = killpg(group, signal) {
        tracing::warn!(%signal, "cannot forward the signal to the tests: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_shown_as_a_shell_would_take_them() {
        let argv = ["python", "-m", "pytest", "-k", "a and b", "it's", ""].map(String::from);
        assert_eq!(display_command(&argv), r"python -m pytest -k 'a and b' 'it'\''s' ''");
    }

    #[test]
    fn a_signal_death_is_128_plus_the_signal() {
        assert_eq!(exit_code(ExitStatus::from_raw(15)), 143);
        assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
    }
}
