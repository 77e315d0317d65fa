//! Copies the tests' stdout and stderr, line by line in arrival order, to our stderr and to one log file.
//!
//! Each line is written whole, under one lock, so the two streams interleave by line and never inside one. The log
//! is written as lines arrive (a run that is killed keeps what it printed). A log that fails part-way is reported
//! once as a warning and the run goes on: the output still reaches stderr, and the coverage is worth more than the
//! rest of the log.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::error::{Error, Result};

/// After the child exits, how long its output may keep coming (from processes it left behind holding the pipes).
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// The two destinations, shared by the reader threads.
pub(super) struct Tee {
    sink: Arc<Mutex<Sink>>,
}

struct Sink {
    log: File,
    path: PathBuf,
    failed: bool,
}

impl Sink {
    fn line(&mut self, line: &[u8]) {
        // Our stderr going away (a closed pipe) must not stop the tests or the log.
        let _ = std::io::stderr().lock().write_all(line);
        if !self.failed
            && let Err(e) = self.log.write_all(line)
        {
            self.failed = true;
            tracing::warn!(
                "cannot write the test log {}: {e}; the output goes on to stderr only",
                self.path.display()
            );
        }
    }
}

/// The reader threads of one child.
pub(super) struct Readers {
    done: mpsc::Receiver<()>,
    count: usize,
}

impl Tee {
    /// Creates (truncates) the log, and its folder.
    pub fn create(path: &Path) -> Result<Tee> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        }
        let log = File::create(path).map_err(|e| Error::write(path, e))?;
        Ok(Tee {
            sink: Arc::new(Mutex::new(Sink {
                log,
                path: path.to_path_buf(),
                failed: false,
            })),
        })
    }

    /// Writes one line of our own (the command header).
    pub fn line(&mut self, line: &[u8]) {
        self.sink.lock().unwrap_or_else(PoisonError::into_inner).line(line);
    }

    /// Starts copying the child's streams.
    pub fn follow(
        &self,
        stdout: Option<impl Read + Send + 'static>,
        stderr: Option<impl Read + Send + 'static>,
    ) -> Readers {
        let (tx, done) = mpsc::channel();
        let mut count = 0;
        let mut spawn = |stream: Box<dyn Read + Send>| {
            let sink = Arc::clone(&self.sink);
            let tx = tx.clone();
            count += 1;
            std::thread::spawn(move || {
                copy_lines(stream, &sink);
                let _ = tx.send(());
            });
        };
        if let Some(out) = stdout {
            spawn(Box::new(out));
        }
        if let Some(err) = stderr {
            spawn(Box::new(err));
        }
        Readers { done, count }
    }
}

impl Readers {
    /// Waits for both streams to end, but not forever: a process the tests left running may hold them open. Its
    /// later output still reaches the log, from the detached thread.
    pub fn finish(self) {
        let deadline = std::time::Instant::now() + DRAIN_GRACE;
        for _ in 0..self.count {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if self.done.recv_timeout(left).is_err() {
                tracing::warn!(
                    "the tests' output streams are still open {}s after they exited (a leftover process?); not \
                     waiting for them",
                    DRAIN_GRACE.as_secs()
                );
                return;
            }
        }
    }
}

fn copy_lines(stream: Box<dyn Read + Send>, sink: &Mutex<Sink>) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => sink.lock().unwrap_or_else(PoisonError::into_inner).line(&line),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                tracing::warn!("cannot read the tests' output: {e}");
                return;
            }
        }
    }
}
