//! One collector for warnings: what is worth telling the user but does not fail the run (an unknown LCOV record, a
//! damaged history kept aside, a stale profile). Code at any layer pushes to it; the command prints them once, at the
//! end, in the order they were first raised, each once. Cheap to clone (a shared handle), so parallel readers can
//! hold it.

use std::sync::{Arc, Mutex, PoisonError};

/// The run's warnings; clones share one list.
#[derive(Clone, Debug, Default)]
pub struct Warnings(Arc<Mutex<Vec<String>>>);

impl Warnings {
    /// Records `message` (a lowercase sentence naming the file or object concerned), unless it was recorded already.
    pub fn warn(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::debug!("warning: {message}");
        let mut list = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !list.contains(&message) {
            list.push(message);
        }
    }

    /// The warnings so far, in order.
    pub fn list(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Prints every warning to stderr (`warning: ...`), and forgets them.
    pub fn print(&self) {
        let list = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        for message in list {
            eprintln!("warning: {message}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_warning_once_in_order_across_clones() {
        let w = Warnings::default();
        let other = w.clone();
        w.warn("b");
        other.warn("a");
        w.warn("b");
        assert_eq!(w.list(), ["b", "a"]);
    }
}
