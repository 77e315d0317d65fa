//! Where a Go source file's function declarations are, for counting statements as `go tool cover -func` does.
//!
//! `-func` counts only the cover blocks that overlap a function declaration with a body (`ast.FuncDecl`, methods
//! included); the statements of a function literal at package level (`var _ = func() { ... }`) are instrumented
//! and written to the profile, but belong to no declaration and are left out of its total. To give the same
//! headline, the Go reader drops such blocks when it finds the source. Finding the declarations needs only Go's
//! lexical structure: comments, string and rune literals, brackets, and the automatic semicolons that end a top-level
//! declaration at a newline. A top-level `func` that starts a declaration opens one; its body is the first `{` after
//! the signature at bracket depth 0 that does not follow `struct` or `interface`; it ends after the matching `}`.

/// A declaration's extent: from the `func` keyword to just after the body's closing brace, as 1-based line and byte
/// column (Go's `token.Position` of `Pos()` and `End()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncExtent {
    pub start: (u32, u32),
    pub end: (u32, u32),
}

impl FuncExtent {
    /// Whether a block from `start` to `end` overlaps this declaration, with `-func`'s comparisons (`FuncExtent.
    /// coverage` in `cmd/cover/func.go`).
    pub fn overlaps(&self, start: (u32, u32), end: (u32, u32)) -> bool {
        let past_end = start.0 > self.end.0 || (start.0 == self.end.0 && start.1 >= self.end.1);
        let before_start = end.0 < self.start.0 || (end.0 == self.start.0 && end.1 <= self.start.1);
        !past_end && !before_start
    }
}

/// What the scanner is inside of, at the top level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between declarations, or in one that is not a function.
    Other,
    /// After `func`, before the body.
    Signature { start: (u32, u32) },
    /// In the body, which opened at bracket depth 0.
    Body { start: (u32, u32) },
}

/// The kind of the last token, for automatic semicolons and for `struct {` / `interface {`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Last {
    None,
    /// An identifier, keyword or literal that ends a statement at a newline (Go's rule, for the tokens that occur
    /// at the top level), or a closing bracket.
    Ends,
    /// `struct` or `interface`: the next `{` opens a type, not a body.
    TypeKeyword,
    /// Anything else (operators, `(`, `,`, `=` ...): a newline after it continues the declaration.
    Continues,
}

/// The function declarations of `source`, in order. Malformed source gives whatever extents could be found; it
/// never fails (the caller then counts as `-func` would on the parts it could parse).
pub fn func_decls(source: &[u8]) -> Vec<FuncExtent> {
    let mut found = Vec::new();
    let mut state = State::Other;
    let mut depth: u32 = 0;
    let mut last = Last::None;
    // Whether the next token at depth 0 starts a declaration.
    let mut decl_start = true;
    let (mut line, mut col) = (1u32, 1u32);
    let mut i = 0usize;
    let n = source.len();

    // A newline at depth 0 after a token that ends a statement ends the declaration (Go inserts a semicolon).
    let newline = |depth: u32, last: Last, decl_start: &mut bool, state: &mut State| {
        if depth == 0 && matches!(last, Last::Ends) {
            *decl_start = true;
            if matches!(state, State::Signature { .. }) {
                // A declaration without a body (implemented in assembly).
                *state = State::Other;
            }
        }
    };

    while i < n {
        let b = source[i];
        match b {
            b'\n' => {
                newline(depth, last, &mut decl_start, &mut state);
                if depth == 0 && matches!(last, Last::Ends) {
                    last = Last::None;
                }
                i += 1;
                line += 1;
                col = 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                col += 1;
                continue;
            }
            b'/' if source.get(i + 1) == Some(&b'/') => {
                while i < n && source[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if source.get(i + 1) == Some(&b'*') => {
                i += 2;
                col += 2;
                let mut crossed = false;
                while i < n && !(source[i] == b'*' && source.get(i + 1) == Some(&b'/')) {
                    if source[i] == b'\n' {
                        crossed = true;
                        line += 1;
                        col = 1;
                    } else {
                        col += 1;
                    }
                    i += 1;
                }
                i = (i + 2).min(n);
                col += 2;
                // A comment spanning lines acts like a newline.
                if crossed {
                    newline(depth, last, &mut decl_start, &mut state);
                    if depth == 0 && matches!(last, Last::Ends) {
                        last = Last::None;
                    }
                }
                continue;
            }
            _ => {}
        }

        let here = (line, col);
        let token_starts_decl = decl_start && depth == 0;
        decl_start = false;
        match b {
            b'"' | b'\'' => {
                // An interpreted string or a rune: up to the unescaped closing quote, on one line.
                i += 1;
                col += 1;
                while i < n && source[i] != b && source[i] != b'\n' {
                    let step = if source[i] == b'\\' { 2 } else { 1 };
                    i += step;
                    col += step as u32;
                }
                if i < n && source[i] == b {
                    i += 1;
                    col += 1;
                }
                last = Last::Ends;
            }
            b'`' => {
                i += 1;
                col += 1;
                while i < n && source[i] != b'`' {
                    if source[i] == b'\n' {
                        line += 1;
                        col = 1;
                    } else {
                        col += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(n);
                col += 1;
                last = Last::Ends;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => {
                let begin = i;
                while i < n && (source[i].is_ascii_alphanumeric() || source[i] == b'_' || source[i] >= 0x80) {
                    i += 1;
                }
                let word = &source[begin..i];
                col += (i - begin) as u32;
                if word == b"func" && token_starts_decl && state == State::Other {
                    state = State::Signature { start: here };
                }
                last = if word == b"struct" || word == b"interface" {
                    Last::TypeKeyword
                } else {
                    Last::Ends
                };
            }
            b'{' => {
                if depth == 0
                    && let State::Signature { start } = state
                    && last != Last::TypeKeyword
                {
                    state = State::Body { start };
                }
                depth += 1;
                i += 1;
                col += 1;
                last = Last::Continues;
            }
            b'(' | b'[' => {
                depth += 1;
                i += 1;
                col += 1;
                last = Last::Continues;
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
                col += 1;
                if b == b'}'
                    && depth == 0
                    && let State::Body { start } = state
                {
                    found.push(FuncExtent {
                        start,
                        end: (line, col),
                    });
                    state = State::Other;
                }
                last = Last::Ends;
            }
            b';' => {
                i += 1;
                col += 1;
                if depth == 0 {
                    decl_start = true;
                    if matches!(state, State::Signature { .. }) {
                        state = State::Other;
                    }
                }
                last = Last::Continues;
            }
            _ => {
                i += 1;
                col += 1;
                last = Last::Continues;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extents(src: &str) -> Vec<((u32, u32), (u32, u32))> {
        func_decls(src.as_bytes()).iter().map(|e| (e.start, e.end)).collect()
    }

    #[test]
    fn declarations_and_methods_but_not_package_level_literals() {
        let src = "package p\n\nimport \"fmt\"\n\nvar _ = func() int {\n\treturn 1\n}()\n\n\
                   func (t *T) M(x interface{}) (struct{}, error) {\n\treturn struct{}{}, nil\n}\n\n\
                   var (\n\tf = func() {}\n)\n\nfunc asm(x int) int\n\n/* func fake() {} */\n\
                   func G[T any](s string) { _ = \"}\"; _ = `\n}`; fmt.Println('}') }\n";
        assert_eq!(extents(src), vec![((9, 1), (11, 2)), ((20, 1), (21, 23))]);
    }

    #[test]
    fn a_result_type_with_braces_is_not_the_body() {
        let src = "package p\n\nfunc f() interface{ M() } {\n\treturn nil\n}\n";
        assert_eq!(extents(src), vec![((3, 1), (5, 2))]);
    }

    #[test]
    fn overlap_follows_go_tool_cover() {
        let f = FuncExtent {
            start: (3, 1),
            end: (5, 2),
        };
        assert!(f.overlaps((3, 20), (5, 2)));
        assert!(!f.overlaps((5, 2), (5, 9)), "starts at the end");
        assert!(!f.overlaps((1, 1), (3, 1)), "ends at the start");
        assert!(!f.overlaps((7, 1), (8, 1)));
    }
}
