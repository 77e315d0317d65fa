//! The possible arcs of a module: a port of coverage.py 7.17's `AstArcAnalyzer` (as it runs on Python 3.11),
//! then `PythonParser`'s mapping to first lines and its fixing of jumps back to a `with` line.
//!
//! An arc is `(from, to)`; a negative line is the entry to or exit from the code object that starts there. Lines
//! are those of the statement tree, mapped by `first`, the multi-line map.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::tree::{Case, Kind, Node};

pub(crate) type Arc = (i64, i64);

enum Block {
    Loop { start: i64, break_exits: BTreeSet<i64> },
    Function { start: i64 },
    Try { handler_start: Option<i64> },
}

pub(crate) struct Analyzer<'a> {
    first: &'a [u32],
    /// `raw_statements` mapped to first lines.
    statements: &'a [bool],
    arcs: BTreeSet<Arc>,
    blocks: Vec<Block>,
    current_with_starts: HashSet<i64>,
    all_with_starts: BTreeSet<i64>,
    with_entries: HashSet<Arc>,
    with_exits: BTreeSet<Arc>,
}

/// The arcs of the module, and the with-jump fixers (arc to adjust → replacement, `None` to drop) that
/// `translate_arcs` applies to measured arcs too.
pub(crate) struct Arcs {
    pub arcs: Vec<Arc>,
    pub fixers: BTreeMap<Arc, Option<Arc>>,
}

impl<'a> Analyzer<'a> {
    pub(crate) fn run(module: &[Node], first: &'a [u32], statements: &'a [bool]) -> Arcs {
        let mut a = Analyzer {
            first,
            statements,
            arcs: BTreeSet::new(),
            blocks: Vec::new(),
            current_with_starts: HashSet::new(),
            all_with_starts: BTreeSet::new(),
            with_entries: HashSet::new(),
            with_exits: BTreeSet::new(),
        };
        // The module, then every class and function anywhere in it (walk_statement_nodes).
        if module.is_empty() {
            a.add_arc(1, -1);
        } else {
            for exit in a.process_body(module, BTreeSet::new()) {
                a.add_arc(exit, -1);
            }
        }
        let mut todo: Vec<&Node> = module.iter().rev().collect();
        while let Some(node) = todo.pop() {
            if let Kind::Def(def) = &node.kind {
                let start = a.line_for_node(node);
                if def.is_class {
                    for exit in a.process_body(&def.body, BTreeSet::new()) {
                        a.add_arc(exit, -start);
                    }
                } else {
                    a.blocks.push(Block::Function { start });
                    let exits = a.process_body(&def.body, BTreeSet::new());
                    a.process_return_exits(&exits);
                    a.blocks.pop();
                }
            }
            node.push_children(&mut todo);
        }
        a.finish()
    }

    fn fl(&self, line: u32) -> i64 {
        i64::from(self.first.get(line as usize).copied().unwrap_or(line))
    }

    fn first_line(&self, line: i64) -> i64 {
        let mapped = |l: i64| -> i64 {
            u32::try_from(l).map_or(l, |u| i64::from(self.first.get(u as usize).copied().unwrap_or(u)))
        };
        if line < 0 { -mapped(-line) } else { mapped(line) }
    }

    fn is_statement(&self, line: i64) -> bool {
        usize::try_from(line).is_ok_and(|l| self.statements.get(l).copied().unwrap_or(false))
    }

    fn add_arc(&mut self, start: i64, end: i64) {
        self.arcs.insert((start, end));
        if self.current_with_starts.contains(&start) {
            self.with_entries.insert((start, end));
        }
    }

    /// `line_for_node`: the first decorator for a decorated definition, else the node's line, mapped.
    fn line_for_node(&self, node: &Node) -> i64 {
        match &node.kind {
            Kind::Def(def) => self.fl(def.decorators.first().copied().unwrap_or(node.line)),
            _ => self.fl(node.line),
        }
    }

    fn process_body(&mut self, body: &[Node], mut prev: BTreeSet<i64>) -> BTreeSet<i64> {
        for node in body {
            let line = self.line_for_node(node);
            if !self.is_statement(line) {
                continue;
            }
            for &p in &prev {
                self.add_arc(p, line);
            }
            prev = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.node_exits(node));
        }
        prev
    }

    fn node_exits(&mut self, node: &Node) -> BTreeSet<i64> {
        let here = self.line_for_node(node);
        match &node.kind {
            Kind::Break => {
                for block in self.blocks.iter_mut().rev() {
                    if let Block::Loop { break_exits, .. } = block {
                        break_exits.insert(here);
                        break;
                    }
                }
                BTreeSet::new()
            }
            Kind::Continue => {
                let target = self.blocks.iter().rev().find_map(|b| match b {
                    Block::Loop { start, .. } => Some(*start),
                    _ => None,
                });
                if let Some(start) = target {
                    self.add_arc(here, start);
                }
                BTreeSet::new()
            }
            Kind::Raise => {
                self.process_raise_exits(here);
                BTreeSet::new()
            }
            Kind::Return => {
                self.process_return_exits(&BTreeSet::from([here]));
                BTreeSet::new()
            }
            Kind::Def(def) => {
                let main_line = i64::from(node.line);
                if def.decorators.is_empty() {
                    return BTreeSet::from([main_line]);
                }
                let mut last: Option<i64> = None;
                for &dec in &def.decorators {
                    let dec_start = self.fl(dec);
                    if let Some(l) = last
                        && dec_start != l
                    {
                        self.add_arc(l, dec_start);
                    }
                    last = Some(dec_start);
                }
                if let Some(l) = last {
                    self.add_arc(l, main_line);
                }
                BTreeSet::from([main_line])
            }
            Kind::For {
                iter_line,
                body,
                orelse,
            } => {
                let start = self.fl(*iter_line);
                let mut exits = self.loop_body(start, body);
                if orelse.is_empty() {
                    exits.insert(start);
                } else {
                    exits.extend(self.process_body(orelse, BTreeSet::from([start])));
                }
                exits
            }
            Kind::If { test, body, orelse } => {
                let start = self.fl(test.line);
                let mut exits = BTreeSet::new();
                if test.coverage_constant != Some(false) {
                    exits.extend(self.process_body(body, BTreeSet::from([start])));
                }
                if test.coverage_constant != Some(true) {
                    exits.extend(self.process_body(orelse, BTreeSet::from([start])));
                }
                exits
            }
            Kind::While { test, body, orelse } => {
                let start = self.fl(test.line);
                let mut exits = self.loop_body(start, body);
                if !orelse.is_empty() {
                    exits.extend(self.process_body(orelse, BTreeSet::from([start])));
                } else if test.coverage_constant.is_none() {
                    exits.insert(start);
                }
                exits
            }
            Kind::Match { cases } => self.match_exits(here, cases),
            Kind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                let handler_start = handlers.first().map(|h| self.fl(h.line));
                self.blocks.push(Block::Try { handler_start });
                let try_index = self.blocks.len() - 1;
                let mut exits = self.process_body(body, BTreeSet::from([here]));
                if finalbody.is_empty() {
                    self.blocks.pop();
                } else if let Some(Block::Try { handler_start }) = self.blocks.get_mut(try_index) {
                    *handler_start = None;
                }
                let mut handler_exits = BTreeSet::new();
                for handler in handlers {
                    let start = self.fl(handler.line);
                    handler_exits.extend(self.process_body(&handler.body, BTreeSet::from([start])));
                }
                if !orelse.is_empty() {
                    exits = self.process_body(orelse, exits);
                }
                exits.extend(handler_exits);
                if !finalbody.is_empty() {
                    self.blocks.pop();
                    let final_exits = self.process_body(finalbody, exits.clone());
                    if !exits.is_empty() {
                        exits = final_exits;
                    }
                }
                exits
            }
            Kind::With { body } => {
                let start = here;
                self.current_with_starts.insert(start);
                self.all_with_starts.insert(start);
                let exits = self.process_body(body, BTreeSet::from([start]));
                self.current_with_starts.remove(&start);
                if exits.is_empty() {
                    return exits;
                }
                for x in exits {
                    self.add_arc(x, start);
                    self.with_exits.insert((x, start));
                }
                BTreeSet::from([start])
            }
            Kind::Simple | Kind::NoCode | Kind::Expr { .. } | Kind::Assert { .. } => BTreeSet::from([here]),
        }
    }

    fn match_exits(&mut self, start: i64, cases: &[Case]) -> BTreeSet<i64> {
        let mut last_start = start;
        let mut exits = BTreeSet::new();
        let mut case_start = start;
        for case in cases {
            case_start = self.fl(case.pattern_line);
            self.add_arc(last_start, case_start);
            exits.extend(self.process_body(&case.body, BTreeSet::from([case_start])));
            last_start = case_start;
        }
        if !cases.last().is_some_and(|c| c.irrefutable) {
            exits.insert(case_start);
        }
        exits
    }

    /// A loop's body: entered from `start`, every exit back to `start`; returns the `break` exits.
    fn loop_body(&mut self, start: i64, body: &[Node]) -> BTreeSet<i64> {
        self.blocks.push(Block::Loop {
            start,
            break_exits: BTreeSet::new(),
        });
        let exits = self.process_body(body, BTreeSet::from([start]));
        for x in exits {
            self.add_arc(x, start);
        }
        match self.blocks.pop() {
            Some(Block::Loop { break_exits, .. }) => break_exits,
            _ => BTreeSet::new(),
        }
    }

    fn process_raise_exits(&mut self, here: i64) {
        let mut target = None;
        for block in self.blocks.iter().rev() {
            match block {
                Block::Try { handler_start } => {
                    target = *handler_start;
                    break;
                }
                Block::Function { start } => {
                    target = Some(-start);
                    break;
                }
                Block::Loop { .. } => {}
            }
        }
        if let Some(t) = target {
            self.add_arc(here, t);
        }
    }

    fn process_return_exits(&mut self, exits: &BTreeSet<i64>) {
        let target = self.blocks.iter().rev().find_map(|b| match b {
            Block::Function { start } => Some(-start),
            _ => None,
        });
        if let Some(t) = target {
            for &x in exits {
                self.add_arc(x, t);
            }
        }
    }

    /// `with_jump_fixers`, then `_analyze_ast`'s fixing and first-line mapping.
    fn finish(self) -> Arcs {
        let mut nexts: BTreeMap<i64, i64> = BTreeMap::new();
        for &start in &self.all_with_starts {
            // coverage.py asserts there is exactly one; the smallest is as good as any when it is not.
            let next = self
                .arcs
                .iter()
                .find(|arc| arc.0 == start && !self.with_entries.contains(arc))
                .map(|arc| arc.1);
            if let Some(n) = next {
                nexts.insert(start, n);
            }
        }
        let final_next = |mut start: i64| -> i64 {
            let mut next = nexts[&start];
            while self.with_exits.contains(&(start, next)) && nexts.contains_key(&next) {
                start = next;
                next = nexts[&next];
            }
            next
        };
        let mut fixers: BTreeMap<Arc, Option<Arc>> = BTreeMap::new();
        for &(end, start) in &self.with_exits {
            if nexts.contains_key(&start) {
                fixers.insert((end, start), Some((end, final_next(start))));
            }
        }
        for (&start, &next) in &nexts {
            if !self.with_exits.contains(&(start, start)) {
                fixers.insert((start, next), None);
            }
        }
        let mut arcs = BTreeSet::new();
        for arc in &self.arcs {
            let Some((a, b)) = fixers.get(arc).copied().unwrap_or(Some(*arc)) else {
                continue;
            };
            let (fa, fb) = (self.first_line(a), self.first_line(b));
            if fa != fb {
                arcs.insert((fa, fb));
            }
        }
        Arcs {
            arcs: arcs.into_iter().collect(),
            fixers,
        }
    }
}
