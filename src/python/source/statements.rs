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

use super::tree::{Kind, Node};

pub(crate) struct Statements {
    lines: Vec<bool>,
    /// For each enclosing loop, whether a reachable `break` leaves it.
    loops: Vec<bool>,
}

impl Statements {
    /// The raw statement lines of a module, as a per-line flag (index 0 unused).
    pub(crate) fn of_module(body: &[Node], line_count: u32) -> Vec<bool> {
        let mut s = Statements {
            lines: vec![false; line_count as usize + 2],
            loops: Vec::new(),
        };
        s.block(body, true);
        s.lines
    }

    fn mark(&mut self, line: u32) {
        if let Some(slot) = self.lines.get_mut(line as usize) {
            *slot = true;
        }
    }

    /// Visits a body entered when `reachable`; returns whether control can fall out of its end.
    fn block(&mut self, body: &[Node], reachable: bool) -> bool {
        let mut live = reachable;
        for node in body {
            live = self.stmt(node, live);
        }
        live
    }

    fn stmt(&mut self, node: &Node, reachable: bool) -> bool {
        if !reachable {
            return false;
        }
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.reached(node))
    }

    /// A statement control reaches: records its lines and returns whether it completes normally.
    fn reached(&mut self, node: &Node) -> bool {
        if !matches!(node.kind, Kind::NoCode) {
            self.mark(node.line);
        }
        match &node.kind {
            Kind::Simple | Kind::Expr { .. } => true,
            Kind::NoCode => true,
            Kind::Def(def) => {
                for &line in &def.decorators {
                    self.mark(line);
                }
                // A new code object: its own reachability, loops do not cross it.
                let outer = std::mem::take(&mut self.loops);
                self.block(&def.body, true);
                self.loops = outer;
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
