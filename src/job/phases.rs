//! Where a job's time goes: each phase's wall time, printed at the end (for the benchmark, and for anyone
//! wondering where a job's time went).

use std::time::{Duration, Instant};

/// The phases so far, in order.
#[derive(Debug)]
pub struct Phases {
    started: Instant,
    list: Vec<(&'static str, Duration)>,
}

impl Phases {
    /// Phases of a job that started at `started`.
    pub fn new(started: Instant) -> Phases {
        Phases {
            started,
            list: Vec::new(),
        }
    }

    /// Runs `f` as phase `name`.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = f();
        self.list.push((name, started.elapsed()));
        out
    }

    /// Records a phase timed elsewhere.
    pub fn push(&mut self, name: &'static str, took: Duration) {
        self.list.push((name, took));
    }

    /// One line: each phase, then the wall time since the job started and the part of it that was not the tests.
    pub fn line(&self, mode: &str) -> String {
        let total = self.started.elapsed();
        let tests: Duration = self.list.iter().filter(|(p, _)| *p == "tests").map(|(_, d)| *d).sum();
        let own = total.saturating_sub(tests);
        let list: Vec<String> = self
            .list
            .iter()
            .map(|(p, d)| format!("{p} {:.3}s", d.as_secs_f64()))
            .collect();
        format!(
            "prowcov {mode}: phases: {}; total {:.3}s, prowcov's own {:.3}s",
            list.join(", "),
            total.as_secs_f64(),
            own.as_secs_f64()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_lists_each_phase_and_what_was_not_the_tests() {
        let mut p = Phases::new(Instant::now());
        p.push("tests", Duration::from_millis(1500));
        assert_eq!(p.time("load", || 7), 7);
        let line = p.line("postsubmit");
        assert!(
            line.starts_with("prowcov postsubmit: phases: tests 1.500s, load 0.0"),
            "{line}"
        );
        assert!(
            line.contains("; total ") && line.contains("s, prowcov's own "),
            "{line}"
        );
    }
}
