//! The identifiers a job is keyed by, parsed once where they enter (Prow's variables, flags, stored documents) and
//! carried as types from then on: a [`JobName`], a [`BuildId`], a commit [`Sha`] and a [`Branch`]. Each becomes part
//! of object keys and of the PR comment's hidden marker, so each admits only what cannot escape either: no `/` in a
//! job, no `..` in a branch, nothing but hex digits in a SHA.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// Why a text is not a valid identifier; the message reads after the name of where the text came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdError(pub String);

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IdError {}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                $check(&value).map(|normal| $name(normal.unwrap_or(value)))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(value: &str) -> Result<Self, IdError> {
                $name::try_from(value.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// A Prow job name: `^[A-Za-z0-9._-]+$` (what Prow accepts, and what the comment marker holds unchanged).
    JobName,
    check_job
);
id_type!(
    /// A Prow build id: decimal digits (Prow's `BUILD_ID`), at most 30 of them.
    BuildId,
    check_build
);
id_type!(
    /// A commit SHA: 7 to 64 hex digits, kept lowercase.
    Sha,
    check_sha
);
id_type!(
    /// A branch name safe in object keys: `/`-separated parts of letters, digits, `-`, `_` and `.`, none `.` or `..`.
    Branch,
    check_branch
);

/// Whether `c` may appear in a Prow job name.
pub fn is_job_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

fn check_job(s: &str) -> Result<Option<String>, IdError> {
    if !s.is_empty() && s.chars().all(is_job_char) {
        Ok(None)
    } else {
        Err(IdError(format!(
            "job name {s:?}: expected letters, digits, `.`, `_` and `-` only (a Prow job name)"
        )))
    }
}

fn check_build(s: &str) -> Result<Option<String>, IdError> {
    if BuildId::is_valid(s) {
        Ok(None)
    } else {
        Err(IdError(format!("build id {s:?}: expected a decimal build number")))
    }
}

fn check_sha(s: &str) -> Result<Option<String>, IdError> {
    if (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.bytes()
            .any(|b| b.is_ascii_uppercase())
            .then(|| s.to_ascii_lowercase()))
    } else {
        Err(IdError(format!("commit {s:?}: expected a hexadecimal commit SHA")))
    }
}

fn check_branch(s: &str) -> Result<Option<String>, IdError> {
    let safe = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
    };
    if !s.is_empty() && s.split('/').all(safe) {
        Ok(None)
    } else {
        Err(IdError(format!(
            "branch {s:?}: expected a branch name such as `main` or `release/1.2`"
        )))
    }
}

impl JobName {
    /// Whether `s` is a valid job name.
    pub fn is_valid(s: &str) -> bool {
        check_job(s).is_ok()
    }
}

impl BuildId {
    /// Whether `s` looks like a Prow build id (the job's folder also holds `latest-build.txt` and the like).
    pub fn is_valid(s: &str) -> bool {
        !s.is_empty() && s.len() <= 30 && s.bytes().all(|b| b.is_ascii_digit())
    }
}

impl Sha {
    /// The first `n` digits, for labels (`abc1234`).
    pub fn short(&self, n: usize) -> &str {
        &self.0[..self.0.len().min(n)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_admits_only_what_keys_and_markers_can_hold() {
        assert!(JobName::try_from("post-x.y_z").is_ok());
        for bad in ["", "a/b", "a b", "x-->", "ü"] {
            assert!(JobName::try_from(bad).is_err(), "{bad:?}");
        }
        assert!(BuildId::try_from("1159243486059302912").is_ok());
        assert!(BuildId::try_from("latest-build.txt").is_err());
        assert!(BuildId::try_from("1".repeat(31)).is_err());
        assert_eq!(
            Sha::try_from("ABCDEF0").map(String::from).as_deref(),
            Ok("abcdef0"),
            "lowercased"
        );
        for bad in ["HEAD", "abc", "g123456", &"a".repeat(65)] {
            assert!(Sha::try_from(bad).is_err(), "{bad:?}");
        }
        assert!(Branch::try_from("release/1.2").is_ok());
        for bad in ["", "../x", "a//b", "a/./b", "a b", "/main"] {
            assert!(Branch::try_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_serialize_as_strings_and_refuse_bad_ones() {
        let job: JobName = serde_json::from_str("\"post\"").expect("valid");
        assert_eq!(serde_json::to_string(&job).ok().as_deref(), Some("\"post\""));
        assert!(serde_json::from_str::<JobName>("\"a/b\"").is_err());
        assert_eq!(
            Sha::try_from("0123456789abcdef")
                .map(|s| s.short(7).to_owned())
                .ok()
                .as_deref(),
            Some("0123456")
        );
    }
}
