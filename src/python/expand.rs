//! Environment-variable expansion in coverage.py configuration values (`misc.substitute_variables`): `$VAR`,
//! `${VAR}`, `${VAR?}` (an error when unset), `${VAR-default}` and `$$`. An unset variable otherwise expands to
//! nothing; a set but empty one counts as set.

use std::sync::OnceLock;

use regex::{Captures, Regex};

/// Looks a variable up; `None` when unset.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The variable a `${VAR?}` named but the environment does not have.
#[derive(Debug, PartialEq)]
pub struct Undefined(pub String);

fn dollar_regex() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    CELL.get_or_init(|| {
        Regex::new(r"\$(?:(?P<dollar>\$)|(?P<word1>\w+)|\{(?P<word2>\w+)(?:(?P<strict>\?)|-(?P<defval>[^}]*))?\})")
            .expect("valid constant regex")
    })
}

/// Expands the variables in `text`.
pub fn substitute(text: &str, env: Env<'_>) -> Result<String, Undefined> {
    let mut undefined = None;
    let out = dollar_regex().replace_all(text, |caps: &Captures<'_>| {
        if caps.name("dollar").is_some() {
            return "$".to_string();
        }
        let word = caps
            .name("word1")
            .or_else(|| caps.name("word2"))
            .map_or("", |m| m.as_str());
        if let Some(value) = env(word) {
            return value;
        }
        if caps.name("strict").is_some() && undefined.is_none() {
            undefined = Some(Undefined(word.to_string()));
        }
        caps.name("defval").map_or_else(String::new, |m| m.as_str().to_string())
    });
    match undefined {
        Some(u) => Err(u),
        None => Ok(out.into_owned()),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/me".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn forms() {
        let cases = [
            ("$HOME/x", "/home/me/x"),
            ("${HOME}x", "/home/mex"),
            ("a${NOPE}b$NOPE", "ab"),
            ("${NOPE-dflt}", "dflt"),
            ("${EMPTY-dflt}", ""),
            ("${HOME-dflt}", "/home/me"),
            ("$$HOME", "$HOME"),
            ("$/ ${HOME", "$/ ${HOME"),
        ];
        for (text, want) in cases {
            assert_eq!(substitute(text, &env).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn strict_unset_is_an_error() {
        assert_eq!(substitute("${NOPE?}", &env), Err(Undefined("NOPE".into())));
        assert_eq!(substitute("${EMPTY?}", &env).unwrap(), "");
    }
}
