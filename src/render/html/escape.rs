//! HTML escaping: every piece of text that comes from coverage data, source files or the command line goes through
//! here before it reaches a page.

/// Appends `text` to `out` with the five HTML-significant characters replaced by entities, so that it is inert both
/// in element content and inside a quoted attribute. ASCII control characters other than tab (which a browser may show
/// as nothing, or which a NUL would end a string in some viewers) become U+FFFD.
pub fn push_escaped(out: &mut String, text: &str) {
    push_replacing(out, text, |c| matches!(c, '&' | '<' | '>' | '"' | '\''));
}

/// Appends `text` for element content only (never an attribute): quotes need no escaping there, and source code is
/// full of them, so only `&`, `<`, `>` and control characters are replaced.
pub fn push_escaped_content(out: &mut String, text: &str) {
    push_replacing(out, text, |c| matches!(c, '&' | '<' | '>'));
}

/// Appends `text`, replacing each character `special` picks with its entity and every ASCII control character but tab
/// with U+FFFD.
fn push_replacing(out: &mut String, text: &str, special: impl Fn(char) -> bool) {
    let mut rest = text;
    while let Some(i) = rest.find(|c: char| special(c) || (c.is_ascii_control() && c != '\t')) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or('\0');
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push('\u{fffd}'),
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// `text`, escaped (see [`push_escaped`]).
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text);
    out
}

/// A URL fit for an `href`: only `http:` and `https:` links are kept (a `javascript:` or `data:` URL given as a link
/// would run in the report's origin); the result is escaped for a quoted attribute.
pub fn safe_url(url: &str) -> Option<String> {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| escaped(url.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_inert() {
        assert_eq!(
            escaped("<script>alert('x')</script> & \"q\"\0\u{1b}\t"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\u{fffd}\u{fffd}\t"
        );
        assert_eq!(escaped("plain é"), "plain é");
    }

    #[test]
    fn content_escaping_keeps_quotes() {
        let mut out = String::new();
        push_escaped_content(&mut out, "a = '<b>' & \"c\"\0");
        assert_eq!(out, "a = '&lt;b&gt;' &amp; \"c\"\u{fffd}");
    }

    #[test]
    fn only_web_links_are_kept() {
        assert_eq!(
            safe_url("https://a/b?x=1&y=\"2\"").as_deref(),
            Some("https://a/b?x=1&amp;y=&quot;2&quot;")
        );
        assert_eq!(safe_url(" JavaScript:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
    }
}
