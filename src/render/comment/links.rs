//! Links from the comment into the HTML report: the index, each file's page (named exactly as `prowcov html` names
//! it, see [`crate::render::html::names`]) and a line anchor on it. URLs come from flags and paths, so every one is
//! percent-encoded until it cannot end a Markdown link, open a tag or break a table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::render::html::names::{PAGE_DIR, page_names};

/// Percent-encodes what may not stand in a Markdown link destination: controls, spaces, non-ASCII, and the
/// characters that end a link or a cell or open a tag (`( ) < > [ ] | " \` and backticks, `{ } ^`). An existing
/// `%XX` escape is kept, so an already encoded URL is not double-encoded.
pub(super) fn encode_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for byte in url.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b':'
                    | b'/'
                    | b'?'
                    | b'#'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
            );
        if keep {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Whether `url` is a web address (`http:` or `https:`): the only kind the comment links, so that a `gs://` build
/// folder or a `javascript:` URL never becomes a link.
pub(super) fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The HTML report's URLs, for the paths that have a page.
#[derive(Debug)]
pub(super) struct Pages<'a> {
    /// The report folder's URL, encoded, without a trailing `/`; `None`: no links at all.
    base: Option<String>,
    names: BTreeMap<&'a str, String>,
}

impl<'a> Pages<'a> {
    /// Pages of `paths` (ascending, as the HTML report lists them) under the report folder `base`.
    ///
    /// `page_names` appends a counter only when two paths hash alike (a 40-bit collision with the same stem), so the
    /// names match the report's as long as `paths` holds the colliding paths in the same order, which sorted input
    /// guarantees.
    pub(super) fn new(base: Option<&str>, paths: impl IntoIterator<Item = &'a str>) -> Pages<'a> {
        let base = base
            .filter(|b| is_web_url(b))
            .map(|b| encode_url(b.trim_end_matches('/')));
        let names = if base.is_some() {
            let mut paths: Vec<&str> = paths.into_iter().collect();
            paths.sort_unstable();
            paths.dedup();
            page_names(paths)
        } else {
            BTreeMap::new()
        };
        Pages { base, names }
    }

    /// The report's index page.
    pub(super) fn index(&self) -> Option<String> {
        self.base.as_ref().map(|b| format!("{b}/index.html"))
    }

    /// The page of `path`, at `line` when given.
    pub(super) fn page(&self, path: &str, line: Option<u32>) -> Option<String> {
        let base = self.base.as_ref()?;
        let name = self.names.get(path)?;
        let mut url = format!("{base}/{PAGE_DIR}/{}", encode_url(name));
        if let Some(line) = line {
            let _ = write!(url, "#L{line}");
        }
        Some(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_cannot_end_a_link_or_open_a_tag() {
        assert_eq!(
            encode_url("https://gcsweb.example/gcs/b/pr logs/(x)<y>|[z]`\"\\é/%41"),
            "https://gcsweb.example/gcs/b/pr%20logs/%28x%29%3Cy%3E%7C%5Bz%5D%60%22%5C%C3%A9/%41"
        );
    }

    #[test]
    fn pages_are_the_html_reports_names() {
        let pages = Pages::new(Some("https://h/r/"), ["b.py", "a/b.py"]);
        let names = page_names(["a/b.py", "b.py"]);
        assert_eq!(pages.index().as_deref(), Some("https://h/r/index.html"));
        assert_eq!(
            pages.page("a/b.py", Some(7)),
            Some(format!("https://h/r/files/{}#L7", names["a/b.py"]))
        );
        assert_eq!(pages.page("c.py", None), None, "no page, no link");
        assert_eq!(Pages::new(None, ["a.py"]).page("a.py", None), None);
        assert_eq!(Pages::new(Some("javascript:alert(1)//"), ["a.py"]).index(), None);
    }
}
