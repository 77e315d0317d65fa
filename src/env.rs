//! The process environment, read once: `main` takes a snapshot ([`Env::capture`]) and every command, setting and
//! client looks variables up in it. Nothing else in prowcov reads the environment (clap's declared `env = "..."`
//! flag fallbacks aside, which are part of parsing the command line), so tests can hand any environment to any
//! layer, and a job's inputs are all visible in one value.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A snapshot of environment variables. Values that are not valid UTF-8 are left out, as `std::env::var` treats
/// them as unset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment now. Called once, by `main`.
    pub fn capture() -> Env {
        Env::from_pairs(std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))))
    }

    /// An environment made of these pairs (tests, and a child's view of a parent's environment).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Env {
        Env {
            vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }

    /// The value of `name` as set, possibly empty (what `std::env::var(name).ok()` gives).
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    /// The value of `name` with surrounding white space trimmed, `None` when unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// `name` as a path, `None` when unset or empty.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.vars.get(name).filter(|v| !v.is_empty()).map(PathBuf::from)
    }

    /// Sets `name` (tests, and layers that derive a variable).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        let env = Env::from_pairs([("A", " x "), ("E", ""), ("P", "/p")]);
        assert_eq!(env.var("A").as_deref(), Some(" x "));
        assert_eq!(env.get("A"), Some("x"));
        assert_eq!(env.var("E").as_deref(), Some(""));
        assert_eq!(env.get("E"), None);
        assert_eq!(env.path("E"), None);
        assert_eq!(env.path("P"), Some(PathBuf::from("/p")));
        assert_eq!(env.get("missing"), None);
    }
}
