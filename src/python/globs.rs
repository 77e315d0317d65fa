//! coverage.py's file-path globs turned into regexes, with its rules rather than shell or globset rules: `*` and `?`
//! stay inside one path component, `**/` spans any directories, a leading `*/` matches any prefix, a trailing `/*`
//! any suffix, and `/` matches either separator so that Windows data is handled on any OS. Used by `[paths]` and
//! available for `include`/`omit` filters.

use regex::{Regex, RegexBuilder};

use crate::error::{Error, Result};

/// What one token of a glob becomes.
enum Sub {
    /// Forbidden; coverage.py raises "File pattern can't include ...".
    Reject,
    /// Replaced by this regex text.
    Regex(&'static str),
    /// Copied as is (word characters, `[...]` classes).
    Verbatim,
    /// Matched literally (anything else).
    Literal,
}

/// The tokenizer, in coverage.py's priority order. Each regex is anchored at the current position; `start_only`
/// tokens only apply at the very start of the pattern (Python's `^` with `match(pos=...)`).
struct Token {
    regex: &'static str,
    start_only: bool,
    sub: Sub,
}

const ANY_DIRS: &str = r"(.*[/\\])?";

const TOKENS: &[Token] = &[
    token(r"\*\*\*+", Sub::Reject),
    token(r"[^/]+\*\*+", Sub::Reject),
    token(r"\*\*+[^/]+", Sub::Reject),
    token(r"\*\*/\*\*", Sub::Reject),
    Token {
        regex: r"\*+/",
        start_only: true,
        sub: Sub::Regex(ANY_DIRS),
    },
    token(r"/\*+$", Sub::Regex(r"[/\\].*")),
    token(r"\*\*/", Sub::Regex(ANY_DIRS)),
    token(r"/", Sub::Regex(r"[/\\]")),
    token(r"\*", Sub::Regex(r"[^/\\]*")),
    token(r"\?", Sub::Regex(r"[^/\\]")),
    token(r"\[.*?\]", Sub::Verbatim),
    token(r"[a-zA-Z0-9_-]+", Sub::Verbatim),
    token(r"[\[\]]", Sub::Reject),
    token(r"(?s).", Sub::Literal),
];

const fn token(regex: &'static str, sub: Sub) -> Token {
    Token {
        regex,
        start_only: false,
        sub,
    }
}

/// Compiled once: the tokenizer's own regexes are constants, so failing to compile them is a programming error.
fn compiled_tokens() -> &'static [(Regex, &'static Token)] {
    static CELL: std::sync::OnceLock<Vec<(Regex, &'static Token)>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        TOKENS
            .iter()
            .map(|t| {
                let re = Regex::new(&format!("^(?:{})", t.regex)).expect("valid tokenizer regex");
                (re, t)
            })
            .collect()
    })
}

/// Converts one glob to regex text (not anchored). A pattern without any separator matches a file name anywhere.
pub fn glob_to_regex(pattern: &str) -> Result<String> {
    let mut pattern = pattern.replace('\\', "/");
    if !pattern.contains('/') {
        pattern = format!("**/{pattern}");
    }
    let mut out = String::new();
    let mut pos = 0;
    while pos < pattern.len() {
        let rest = &pattern[pos..];
        let (m, token) = compiled_tokens()
            .iter()
            .filter(|(_, t)| !t.start_only || pos == 0)
            .find_map(|(re, t)| re.find(rest).map(|m| (m.as_str(), *t)))
            // The last token matches any character, so this only guards an impossible case.
            .ok_or_else(|| Error::config(None, None, format!("cannot tokenize file pattern {pattern:?}")))?;
        match token.sub {
            Sub::Reject => {
                return Err(Error::config(
                    None,
                    None,
                    format!("file pattern {pattern:?} can't include {m:?}"),
                ));
            }
            Sub::Regex(rx) => out.push_str(rx),
            Sub::Verbatim => out.push_str(m),
            Sub::Literal => out.push_str(&regex::escape(m)),
        }
        pos += m.len();
    }
    Ok(out)
}

/// Compiles globs into one regex matching any of them, anchored at the start; `partial` accepts any string that
/// starts with a match (used for `[paths]` prefixes), otherwise the whole string must match.
pub fn globs_to_regex<'a>(
    patterns: impl IntoIterator<Item = &'a str>,
    case_insensitive: bool,
    partial: bool,
) -> Result<Regex> {
    let parts = patterns.into_iter().map(glob_to_regex).collect::<Result<Vec<_>>>()?;
    let joined = match parts.as_slice() {
        [one] => one.clone(),
        _ => parts.iter().map(|p| format!("(?:{p})")).collect::<Vec<_>>().join("|"),
    };
    let anchored = if partial {
        format!("^(?:{joined})")
    } else {
        format!("^(?:{joined})$")
    };
    RegexBuilder::new(&anchored)
        .case_insensitive(case_insensitive)
        .build()
        .map_err(|e| Error::config(None, None, format!("file pattern gives an invalid regex: {e}")))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    fn matches(glob: &str, path: &str) -> bool {
        globs_to_regex([glob], false, false).unwrap().is_match(path)
    }

    #[test]
    fn star_stays_in_one_component() {
        assert!(matches("src/*.py", "src/a.py"));
        assert!(!matches("src/*.py", "src/a/b.py"));
        assert!(matches("src/*.py", r"src\a.py"));
    }

    #[test]
    fn leading_star_slash_matches_any_prefix_or_none() {
        assert!(matches("*/vendor/x.py", "a/b/vendor/x.py"));
        assert!(matches("*/vendor/x.py", "vendor/x.py"));
        assert!(matches("*/vendor/*", "a/b/vendor/c/d.py"));
    }

    #[test]
    fn double_star_spans_directories() {
        assert!(matches("a/**/b.py", "a/b.py"));
        assert!(matches("a/**/b.py", "a/x/y/b.py"));
        assert!(!matches("a/**/b.py", "a/x/y/c.py"));
    }

    #[test]
    fn question_mark_is_one_character_not_a_separator() {
        assert!(matches("a?c.py", "x/abc.py"));
        assert!(!matches("a?c", "a/c"));
    }

    #[test]
    fn bare_name_matches_anywhere() {
        assert_eq!(glob_to_regex("x.py").unwrap(), r"(.*[/\\])?x\.py");
    }

    #[test]
    fn classes_and_escapes() {
        assert!(matches("src/[ab].py", "src/a.py"));
        assert!(!matches("src/[ab].py", "src/c.py"));
        assert!(matches("src/a+b (1).py", "src/a+b (1).py"));
        assert!(matches("src/é.py", "src/é.py"));
    }

    #[test]
    fn forbidden_patterns_are_rejected() {
        for bad in ["a/***/b", "a/x**/b", "a/**x/b", "a/**/**/b", "a/[b"] {
            let err = glob_to_regex(bad).unwrap_err().to_string();
            assert!(err.contains("can't include"), "{bad}: {err}");
        }
    }

    #[test]
    fn case_insensitive_when_asked() {
        let re = globs_to_regex(["/CI/*/src/"], true, true).unwrap();
        assert!(re.is_match("/ci/Job/src/pkg/a.py"));
        let re = globs_to_regex(["/CI/*/src/"], false, true).unwrap();
        assert!(!re.is_match("/ci/Job/src/pkg/a.py"));
    }
}
