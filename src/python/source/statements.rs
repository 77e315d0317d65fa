//! The lines CPython 3.11 puts in the line tables of a module's code objects: coverage.py's `raw_statements`,
//! which it reads with `compile()` and `co_lines()` (`ByteParser`).
//!
//! Every statement CPython compiles to code has its line in the table, unless the code is unreachable: the
//! compiler folds jumps on constant tests (`if 0:`, `while True:`, `if not __debug__:`) and removes the blocks no
//! jump or fall-through reaches (after `return`, `raise`, `break`, `continue`, an infinite loop, an `assert` of a
//! false constant, branches that all leave). This module follows the same reachability over the statement tree.
//! A `def`/`class` adds its decorator lines and its own line; exception handlers and `finally` bodies are
//! reachable whenever their `try` is (the handler's setup makes them so); code after a `with` is reachable whenever
//! the `with` is (its `__exit__` may swallow the exception).
//!
//! Dead code still leaves its nested code objects in `co_consts`, and so their lines in the tables, unless the
//! compiler trims them as trailing unused constants. This follows the common cases: a dead `def`/`class` survives
//! when reachable code follows it in the same code object (it then uses later constants), or when it is at module
//! level and the module's end is reachable (the final `return None`). "Uses later constants" is judged from the
//! statement's text: a literal, or a definition (a new code object).

use super::tree::{Kind, Node};

pub(crate) struct Statements<'t> {
    text: &'t str,
    lines: Vec<bool>,
    /// For each enclosing loop, whether a reachable `break` leaves it.
    loops: Vec<bool>,
    /// Definitions in dead code of the current code object, kept if reachable code follows.
    pending: Vec<&'t Node>,
    /// In a code object coverage.py skips (`__annotate__`): its lines are not recorded, its children's are.
    muted: bool,
}

impl<'t> Statements<'t> {
    /// The raw statement lines of a module, as a per-line flag (index 0 unused).
    pub(crate) fn of_module(body: &'t [Node], line_count: u32, text: &'t str) -> Vec<bool> {
        let mut s = Statements {
            text,
            lines: vec![false; line_count as usize + 2],
            loops: Vec::new(),
            pending: Vec::new(),
            muted: false,
        };
        if s.block(body, true) {
            s.flush();
        }
        s.lines
    }

    /// Reachable code follows the pending dead definitions: their code objects stay.
    fn flush(&mut self) {
        for node in std::mem::take(&mut self.pending) {
            if !matches!(node.kind, Kind::Def(_)) {
                // A dead statement's lambdas and comprehensions: their code objects stay.
                self.mark_always(node.line);
            } else if let Kind::Def(def) = &node.kind {
                // The code object's first line (its RESUME), unless coverage.py skips the code object.
                if !def.annotate {
                    self.mark(def.decorators.first().copied().unwrap_or(node.line));
                }
                self.code_object(def);
            }
        }
    }

    /// A new code object: its own reachability; loops and pending definitions do not cross it.
    fn code_object(&mut self, def: &'t super::tree::Def) {
        let outer_loops = std::mem::take(&mut self.loops);
        let outer_pending = std::mem::take(&mut self.pending);
        let outer_muted = std::mem::replace(&mut self.muted, def.annotate);
        // A function's docstring compiles to no code (it goes in `co_consts`); a class's is stored in
        // `__doc__`, a module's too.
        let body = match def.body.split_first() {
            Some((first, rest)) if !def.is_class && matches!(first.kind, Kind::Expr { string: true }) => rest,
            _ => &def.body[..],
        };
        self.block(body, true);
        self.loops = outer_loops;
        self.pending = outer_pending;
        self.muted = outer_muted;
    }

    /// Whether a statement may load a constant not seen before: a definition (a new code object), or a literal
    /// in its own code (`None` does not count: a function has it from the start).
    fn may_add_constant(&self, node: &Node) -> bool {
        if matches!(node.kind, Kind::Def(_)) {
            return true;
        }
        if matches!(node.kind, Kind::NoCode) {
            return false;
        }
        let (start, end) = (node.header.0 as usize, node.header.1 as usize);
        let code = self.text.as_bytes().get(start..end).unwrap_or_default();
        let mut prev_word = false;
        for (i, &b) in code.iter().enumerate() {
            let word = b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
            if b == b'\'' || b == b'"' || (b.is_ascii_digit() && !prev_word) {
                return true;
            }
            if !prev_word && word {
                let rest = &code[i..];
                let is = |kw: &[u8]| {
                    rest.starts_with(kw)
                        && rest
                            .get(kw.len())
                            .is_none_or(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80))
                };
                if is(b"True") || is(b"False") || is(b"import") {
                    return true;
                }
            }
            if code[i..].starts_with(b"...") {
                return true;
            }
            prev_word = word;
        }
        false
    }

    /// Collects what keeps a code object in a dead statement: definitions (not looking inside them), and
    /// statements with lambdas or comprehensions.
    fn dead(&mut self, node: &'t Node) {
        let mut todo = vec![node];
        while let Some(n) = todo.pop() {
            if n.nested_code || matches!(n.kind, Kind::Def(_)) {
                self.pending.push(n);
            }
            if !matches!(n.kind, Kind::Def(_)) {
                n.push_children(&mut todo);
            }
        }
    }

    fn mark(&mut self, line: u32) {
        if !self.muted {
            self.mark_always(line);
        }
    }

    fn mark_always(&mut self, line: u32) {
        if let Some(slot) = self.lines.get_mut(line as usize) {
            *slot = true;
        }
    }

    /// Visits a body entered when `reachable`; returns whether control can fall out of its end.
    fn block(&mut self, body: &'t [Node], reachable: bool) -> bool {
        let mut live = reachable;
        for node in body {
            live = self.stmt(node, live);
        }
        live
    }

    fn stmt(&mut self, node: &'t Node, reachable: bool) -> bool {
        if !reachable {
            self.dead(node);
            return false;
        }
        if !self.pending.is_empty() && self.may_add_constant(node) {
            self.flush();
        }
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.reached(node))
    }

    /// A statement control reaches: records its lines and returns whether it completes normally.
    fn reached(&mut self, node: &'t Node) -> bool {
        if !matches!(node.kind, Kind::NoCode) {
            self.mark(node.line);
        }
        if node.nested_code {
            // The lambda's or comprehension's own code object, never skipped, holds this statement's line.
            self.mark_always(node.line);
        }
        match &node.kind {
            Kind::Simple | Kind::Expr { .. } => true,
            Kind::NoCode => true,
            Kind::Def(def) => {
                for &line in &def.decorators {
                    self.mark(line);
                }
                self.code_object(def);
                true
            }
            Kind::If { test, body, orelse } => {
                let body_done = self.block(body, test.can_true);
                let else_done = self.block(orelse, test.can_false);
                body_done || else_done
            }
            Kind::While { test, body, orelse } => {
                self.loops.push(false);
                self.block(body, test.can_true);
                let broken = self.loops.pop().unwrap_or(false);
                let else_done = self.block(orelse, test.can_false);
                else_done || broken
            }
            Kind::For { body, orelse, .. } => {
                self.loops.push(false);
                self.block(body, true);
                let broken = self.loops.pop().unwrap_or(false);
                let else_done = self.block(orelse, true);
                else_done || broken
            }
            Kind::With { body } => {
                self.block(body, true);
                true
            }
            Kind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                let body_done = self.block(body, true);
                let mut handler_done = false;
                for handler in handlers {
                    self.mark(handler.line);
                    handler_done |= self.block(&handler.body, true);
                }
                let else_done = self.block(orelse, body_done);
                let final_done = self.block(finalbody, true);
                (else_done || handler_done) && final_done
            }
            Kind::Match { cases } => {
                let mut done = false;
                for case in cases {
                    self.mark(case.pattern_line);
                    let enter = case.guard.is_none_or(|g| g.can_true);
                    done |= self.block(&case.body, enter);
                }
                let falls_out = !cases.last().is_some_and(|c| c.irrefutable);
                done || falls_out
            }
            Kind::Return | Kind::Raise | Kind::Continue => false,
            Kind::Break => {
                if let Some(broken) = self.loops.last_mut() {
                    *broken = true;
                }
                false
            }
            Kind::Assert { test } => test.can_true,
        }
    }
}
