//! The statement tree the analysis works on, built once from ruff's AST: only what coverage.py and CPython's
//! compiler look at (lines, bodies, tests), in CPython's shape (`elif` as an `if` in the `else` body).
//!
//! Line numbers are CPython's `lineno`/`end_lineno` (the `def`/`class` line for a decorated definition).

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Number, Pattern, Stmt, UnaryOp};
use ruff_text_size::Ranged;

use super::text::LineIndex;

pub(crate) struct Node {
    /// CPython's `lineno`.
    pub line: u32,
    /// CPython's `end_lineno`.
    pub end_line: u32,
    /// Whether the statement's own expressions create code objects (lambdas, comprehensions, generator
    /// expressions): their lines count even where the statement's own code does not.
    pub nested_code: bool,
    /// The byte range of the statement's own code: a compound statement's header, up to its first body statement.
    pub header: (u32, u32),
    pub kind: Kind,
}

pub(crate) enum Kind {
    /// A simple statement that compiles to code and flows on.
    Simple,
    /// A statement CPython compiles to no code at all: `global`, `nonlocal`, an annotation that is not evaluated.
    NoCode,
    /// An expression statement; `string` when it is a string constant (a docstring when first in a body).
    Expr {
        string: bool,
    },
    Def(Box<Def>),
    If {
        test: Test,
        body: Vec<Node>,
        orelse: Vec<Node>,
    },
    While {
        test: Test,
        body: Vec<Node>,
        orelse: Vec<Node>,
    },
    For {
        iter_line: u32,
        body: Vec<Node>,
        orelse: Vec<Node>,
    },
    With {
        body: Vec<Node>,
    },
    Try {
        body: Vec<Node>,
        handlers: Vec<Handler>,
        orelse: Vec<Node>,
        finalbody: Vec<Node>,
    },
    Match {
        cases: Vec<Case>,
    },
    Return,
    Raise,
    Break,
    Continue,
    Assert {
        test: Test,
    },
}

impl Node {
    /// Pushes the statement children of this node (bodies, handlers, cases) onto `todo`, last first, for a
    /// pre-order walk like coverage.py's `walk_statement_nodes`.
    pub(crate) fn push_children<'a>(&'a self, todo: &mut Vec<&'a Node>) {
        let mut push = |body: &'a [Node]| todo.extend(body.iter().rev());
        match &self.kind {
            Kind::Def(def) => push(&def.body),
            Kind::If { body, orelse, .. } | Kind::While { body, orelse, .. } | Kind::For { body, orelse, .. } => {
                push(body);
                push(orelse);
            }
            Kind::With { body } => push(body),
            Kind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                push(body);
                for h in handlers {
                    push(&h.body);
                }
                push(orelse);
                push(finalbody);
            }
            Kind::Match { cases } => {
                for c in cases {
                    push(&c.body);
                }
            }
            _ => {}
        }
    }
}

pub(crate) struct Def {
    pub is_class: bool,
    /// A function named `__annotate__`: coverage.py skips such code objects (deferred annotations).
    pub annotate: bool,
    /// The line of each decorator's expression.
    pub decorators: Vec<u32>,
    pub body: Vec<Node>,
}

pub(crate) struct Handler {
    pub line: u32,
    pub body: Vec<Node>,
}

pub(crate) struct Case {
    pub pattern_line: u32,
    pub pattern_end_line: u32,
    /// coverage.py's `_case_is_irrefutable`: a wildcard or capture pattern and no guard.
    pub irrefutable: bool,
    pub guard: Option<Test>,
    pub body: Vec<Node>,
}

/// A test expression as CPython's compiler and coverage.py's arc analysis each see it.
#[derive(Clone, Copy)]
pub(crate) struct Test {
    pub line: u32,
    /// After CPython's constant folding, can the test be true, can it be false.
    pub can_true: bool,
    pub can_false: bool,
    /// coverage.py's `is_constant_test_expr`: `Some(value)` for a test it treats as constant.
    pub coverage_constant: Option<bool>,
}

/// Scope facts that change what an annotation compiles to.
#[derive(Clone, Copy)]
struct Scope {
    function: bool,
    future_annotations: bool,
}

pub(crate) struct Builder<'a> {
    lines: &'a LineIndex,
    future_annotations: bool,
}

impl<'a> Builder<'a> {
    pub(crate) fn module(lines: &'a LineIndex, body: &[Stmt]) -> Vec<Node> {
        let builder = Builder {
            lines,
            future_annotations: has_future_annotations(body),
        };
        builder.body(
            body,
            Scope {
                function: false,
                future_annotations: builder.future_annotations,
            },
        )
    }

    fn line(&self, node: &impl Ranged) -> u32 {
        self.lines.line_of(node.start().to_u32())
    }

    fn end_line(&self, node: &impl Ranged) -> u32 {
        // The end offset is one past the last character; the last character's line is the end line.
        self.lines.line_of(node.end().to_u32().saturating_sub(1))
    }

    fn body(&self, body: &[Stmt], scope: Scope) -> Vec<Node> {
        body.iter().map(|s| self.stmt(s, scope)).collect()
    }

    fn stmt(&self, stmt: &Stmt, scope: Scope) -> Node {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.stmt_inner(stmt, scope))
    }

    fn stmt_inner(&self, stmt: &Stmt, scope: Scope) -> Node {
        let mut line = self.line(stmt);
        let end_line = self.end_line(stmt);
        let kind = match stmt {
            Stmt::FunctionDef(def) => {
                line = self.line(&def.name);
                let inner = Scope {
                    function: true,
                    ..scope
                };
                Kind::Def(Box::new(Def {
                    is_class: false,
                    annotate: def.name.as_str() == "__annotate__",
                    decorators: def.decorator_list.iter().map(|d| self.line(&d.expression)).collect(),
                    body: self.body(&def.body, inner),
                }))
            }
            Stmt::ClassDef(def) => {
                line = self.line(&def.name);
                let inner = Scope {
                    function: false,
                    ..scope
                };
                Kind::Def(Box::new(Def {
                    is_class: true,
                    annotate: false,
                    decorators: def.decorator_list.iter().map(|d| self.line(&d.expression)).collect(),
                    body: self.body(&def.body, inner),
                }))
            }
            Stmt::Return(_) => Kind::Return,
            Stmt::Raise(_) => Kind::Raise,
            Stmt::Break(_) => Kind::Break,
            Stmt::Continue(_) => Kind::Continue,
            Stmt::Global(_) | Stmt::Nonlocal(_) => Kind::NoCode,
            Stmt::AnnAssign(ann) => {
                if annotation_compiles(ann, scope) {
                    Kind::Simple
                } else {
                    Kind::NoCode
                }
            }
            Stmt::Expr(e) => Kind::Expr {
                string: matches!(&*e.value, Expr::StringLiteral(_)),
            },
            Stmt::Assert(a) => Kind::Assert {
                test: self.test(&a.test),
            },
            Stmt::If(s) => self.if_chain(&s.test, &s.body, &s.elif_else_clauses, scope),
            Stmt::While(s) => Kind::While {
                test: self.test(&s.test),
                body: self.body(&s.body, scope),
                orelse: self.body(&s.orelse, scope),
            },
            Stmt::For(s) => Kind::For {
                iter_line: self.line(&*s.iter),
                body: self.body(&s.body, scope),
                orelse: self.body(&s.orelse, scope),
            },
            Stmt::With(s) => Kind::With {
                body: self.body(&s.body, scope),
            },
            Stmt::Try(s) => Kind::Try {
                body: self.body(&s.body, scope),
                handlers: s
                    .handlers
                    .iter()
                    .map(|h| {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        Handler {
                            line: self.line(h),
                            body: self.body(&h.body, scope),
                        }
                    })
                    .collect(),
                orelse: self.body(&s.orelse, scope),
                finalbody: self.body(&s.finalbody, scope),
            },
            Stmt::Match(s) => Kind::Match {
                cases: s
                    .cases
                    .iter()
                    .map(|c| Case {
                        pattern_line: self.line(&c.pattern),
                        pattern_end_line: self.end_line(&c.pattern),
                        irrefutable: c.guard.is_none() && irrefutable(&c.pattern),
                        guard: c.guard.as_deref().map(|g| self.test(g)),
                        body: self.body(&c.body, scope),
                    })
                    .collect(),
            },
            // `del ()` deletes nothing and compiles to nothing.
            Stmt::Delete(d) if d.targets.iter().all(is_empty_sequence) => Kind::NoCode,
            Stmt::Delete(_)
            | Stmt::TypeAlias(_)
            | Stmt::Assign(_)
            | Stmt::AugAssign(_)
            | Stmt::Import(_)
            | Stmt::ImportFrom(_)
            | Stmt::Pass(_)
            | Stmt::IpyEscapeCommand(_) => Kind::Simple,
        };
        let body_start = match stmt {
            Stmt::If(s) => s.body.first().map(Ranged::start),
            Stmt::While(s) => s.body.first().map(Ranged::start),
            Stmt::For(s) => s.body.first().map(Ranged::start),
            Stmt::With(s) => s.body.first().map(Ranged::start),
            Stmt::Try(s) => s.body.first().map(Ranged::start),
            Stmt::Match(s) => s.cases.first().map(Ranged::start),
            _ => None,
        };
        let header = (stmt.start().to_u32(), body_start.unwrap_or(stmt.end()).to_u32());
        let mut finder = NestedCode { found: false };
        visitor::walk_stmt(&mut finder, stmt);
        Node {
            line,
            end_line,
            nested_code: finder.found,
            header,
            kind,
        }
    }

    /// ruff keeps `elif`/`else` clauses in a list; CPython nests each `elif` as an `if` in the `else` body, with
    /// the `elif` keyword's line and the end of the chain as its extent.
    fn if_chain(&self, test: &Expr, body: &[Stmt], clauses: &[ast::ElifElseClause], scope: Scope) -> Kind {
        let orelse = match clauses.split_first() {
            None => Vec::new(),
            Some((first, rest)) => match &first.test {
                None => self.body(&first.body, scope),
                Some(elif_test) => {
                    let end_line = clauses.last().map_or(self.end_line(first), |c| self.end_line(c));
                    let mut finder = NestedCode { found: false };
                    finder.visit_expr(elif_test);
                    vec![Node {
                        nested_code: finder.found,
                        line: self.line(first),
                        end_line,
                        header: (
                            first.start().to_u32(),
                            first.body.first().map_or(first.end(), Ranged::start).to_u32(),
                        ),
                        kind: self.if_chain(elif_test, &first.body, rest, scope),
                    }]
                }
            },
        };
        Kind::If {
            test: self.test(test),
            body: self.body(body, scope),
            orelse,
        }
    }

    fn test(&self, expr: &Expr) -> Test {
        let folded = truth(expr);
        Test {
            line: self.line(expr),
            can_true: folded.can_true,
            can_false: folded.can_false,
            coverage_constant: coverage_constant(expr),
        }
    }
}

/// Finds lambdas, comprehensions and generator expressions in a statement's own expressions (not in its body).
struct NestedCode {
    found: bool,
}

impl<'a> Visitor<'a> for NestedCode {
    fn visit_stmt(&mut self, _: &'a Stmt) {}

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.found {
            return;
        }
        match expr {
            Expr::Lambda(_) | Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                self.found = true;
            }
            _ => stacker::maybe_grow(64 * 1024, 1024 * 1024, || visitor::walk_expr(self, expr)),
        }
    }
}

/// CPython's `future.c` checks, which `ast.parse` does not make but `compile()` does: `from __future__` imports
/// only at the top of the module (after a docstring), of features that exist. Returns the offending statement's
/// start offset and CPython's message.
pub(crate) fn check_future_imports(body: &[Stmt]) -> Result<(), (u32, String)> {
    const FEATURES: &[&str] = &[
        "nested_scopes",
        "generators",
        "division",
        "absolute_import",
        "with_statement",
        "print_function",
        "unicode_literals",
        "barry_as_FLUFL",
        "generator_stop",
        "annotations",
    ];
    let mut at_top = true;
    for (i, stmt) in body.iter().enumerate() {
        match stmt {
            Stmt::ImportFrom(f) if f.level == 0 && f.module.as_ref().is_some_and(|m| m.as_str() == "__future__") => {
                let at = stmt.start().to_u32();
                if !at_top {
                    return Err((
                        at,
                        "from __future__ imports must occur at the beginning of the file".into(),
                    ));
                }
                for alias in &f.names {
                    let name = alias.name.as_str();
                    if name == "braces" {
                        return Err((at, "not a chance".into()));
                    }
                    if !FEATURES.contains(&name) {
                        return Err((at, format!("future feature {name} is not defined")));
                    }
                }
            }
            Stmt::Expr(e) if i == 0 && matches!(&*e.value, Expr::StringLiteral(_)) => {}
            _ => at_top = false,
        }
    }
    Ok(())
}

fn is_empty_sequence(e: &Expr) -> bool {
    match e {
        Expr::Tuple(t) => t.elts.iter().all(is_empty_sequence),
        Expr::List(l) => l.elts.iter().all(is_empty_sequence),
        _ => false,
    }
}

/// `from __future__ import annotations` at the top of the module (after an optional docstring).
fn has_future_annotations(body: &[Stmt]) -> bool {
    let mut stmts = body.iter().peekable();
    if let Some(Stmt::Expr(e)) = stmts.peek()
        && matches!(&*e.value, Expr::StringLiteral(_))
    {
        stmts.next();
    }
    for stmt in stmts {
        match stmt {
            Stmt::ImportFrom(i) if i.level == 0 && i.module.as_ref().is_some_and(|m| m.as_str() == "__future__") => {
                if i.names.iter().any(|n| n.name.as_str() == "annotations") {
                    return true;
                }
            }
            _ => return false,
        }
    }
    false
}

/// CPython 3.11's `compiler_annassign`: does this annotated assignment compile to any code?
fn annotation_compiles(ann: &ast::StmtAnnAssign, scope: Scope) -> bool {
    if ann.value.is_some() {
        return true;
    }
    match &*ann.target {
        // The object (and for a subscript, the index) is evaluated, in any scope.
        Expr::Attribute(_) | Expr::Subscript(_) => true,
        // A simple name is stored in `__annotations__` in a module or class; a parenthesised one evaluates its
        // annotation there unless annotations are postponed. In a function, neither compiles to anything.
        _ => !scope.function && (ann.simple || !scope.future_annotations),
    }
}

/// coverage.py's `_case_is_irrefutable`, without the guard check.
fn irrefutable(pattern: &Pattern) -> bool {
    let mut pattern = pattern;
    while let Pattern::MatchOr(or) = pattern {
        match or.patterns.last() {
            Some(last) => pattern = last,
            None => return false,
        }
    }
    while let Pattern::MatchAs(ast::PatternMatchAs {
        pattern: Some(inner), ..
    }) = pattern
    {
        pattern = inner;
    }
    matches!(pattern, Pattern::MatchAs(ast::PatternMatchAs { pattern: None, .. }))
}

/// Whether a folded test can be true and can be false.
#[derive(Clone, Copy)]
struct Truth {
    can_true: bool,
    can_false: bool,
}

const UNKNOWN: Truth = Truth {
    can_true: true,
    can_false: true,
};

fn known(value: bool) -> Truth {
    Truth {
        can_true: value,
        can_false: !value,
    }
}

/// What CPython 3.11 makes of a test: the AST optimizer folds constants (`__debug__`, unary operators and tuples of
/// constants), `compiler_jump_if` splits `not`, `and`, `or` and conditional expressions into jumps, and the CFG
/// optimizer removes the jumps on constants and the code they make unreachable.
fn truth(expr: &Expr) -> Truth {
    fold(expr).1
}

/// A folded constant's kind, enough to evaluate unary operators on it.
#[derive(Clone, Copy)]
enum Const {
    Number(bool),
    Other(bool),
}

impl Const {
    fn truth(self) -> bool {
        match self {
            Const::Number(t) | Const::Other(t) => t,
        }
    }
}

/// One bottom-up pass: the constant the AST optimizer folds the expression to, if any, and the test's truth.
fn fold(expr: &Expr) -> (Option<Const>, Truth) {
    let constant = |c: Const| (Some(c), known(c.truth()));
    match expr {
        Expr::NumberLiteral(n) => constant(Const::Number(number_truth(&n.value))),
        Expr::BooleanLiteral(b) => constant(Const::Number(b.value)),
        Expr::NoneLiteral(_) => constant(Const::Other(false)),
        Expr::EllipsisLiteral(_) => constant(Const::Other(true)),
        Expr::StringLiteral(s) => constant(Const::Other(!s.value.is_empty())),
        Expr::BytesLiteral(b) => constant(Const::Other(!b.value.is_empty())),
        Expr::Name(n) if n.id.as_str() == "__debug__" => constant(Const::Other(true)),
        Expr::UnaryOp(u) => {
            let (inner, t) = stacker::maybe_grow(64 * 1024, 1024 * 1024, || fold(&u.operand));
            match (u.op, inner) {
                (UnaryOp::Not, Some(c)) => constant(Const::Other(!c.truth())),
                (UnaryOp::Not, None) => (
                    None,
                    Truth {
                        can_true: t.can_false,
                        can_false: t.can_true,
                    },
                ),
                (UnaryOp::USub | UnaryOp::UAdd, Some(Const::Number(n))) => constant(Const::Number(n)),
                _ => (None, UNKNOWN),
            }
        }
        Expr::Tuple(t) => {
            let all_constant = t
                .elts
                .iter()
                .all(|e| stacker::maybe_grow(64 * 1024, 1024 * 1024, || fold(e)).0.is_some());
            if all_constant {
                constant(Const::Other(!t.elts.is_empty()))
            } else {
                (None, UNKNOWN)
            }
        }
        Expr::BoolOp(b) => {
            let and = b.op == ast::BoolOp::And;
            // `and`: true only when every value can be true; false when some value can be false after values that
            // can all be true. `or` mirrors it.
            let mut reach = true;
            let mut short = false;
            for value in &b.values {
                let t = stacker::maybe_grow(64 * 1024, 1024 * 1024, || fold(value)).1;
                let (go_on, stop) = if and {
                    (t.can_true, t.can_false)
                } else {
                    (t.can_false, t.can_true)
                };
                short |= reach && stop;
                reach &= go_on;
            }
            let truth = if and {
                Truth {
                    can_true: reach,
                    can_false: short,
                }
            } else {
                Truth {
                    can_true: short,
                    can_false: reach,
                }
            };
            (None, truth)
        }
        Expr::If(e) => {
            let [test, body, orelse] =
                [&e.test, &e.body, &e.orelse].map(|x| stacker::maybe_grow(64 * 1024, 1024 * 1024, || fold(x)).1);
            let truth = Truth {
                can_true: (test.can_true && body.can_true) || (test.can_false && orelse.can_true),
                can_false: (test.can_true && body.can_false) || (test.can_false && orelse.can_false),
            };
            (None, truth)
        }
        _ => (None, UNKNOWN),
    }
}

fn number_truth(n: &Number) -> bool {
    match n {
        Number::Int(i) => *i != ast::Int::ZERO,
        Number::Float(f) => *f != 0.0,
        Number::Complex { real, imag } => *real != 0.0 || *imag != 0.0,
    }
}

/// coverage.py's `is_constant_test_expr` (which differs from CPython's folding: no tuples, `and`/`or` only when all
/// values are constant).
fn coverage_constant(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::BooleanLiteral(b) => Some(b.value),
        Expr::NoneLiteral(_) => Some(false),
        Expr::EllipsisLiteral(_) => Some(true),
        Expr::StringLiteral(s) => Some(!s.value.is_empty()),
        Expr::BytesLiteral(b) => Some(!b.value.is_empty()),
        Expr::NumberLiteral(n) => Some(number_truth(&n.value)),
        Expr::Name(n) if n.id.as_str() == "__debug__" => Some(true),
        Expr::UnaryOp(u) if u.op == UnaryOp::Not => {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || coverage_constant(&u.operand)).map(|v| !v)
        }
        Expr::BoolOp(b) => {
            let values: Option<Vec<bool>> = b.values.iter().map(coverage_constant).collect();
            let values = values?;
            Some(if b.op == ast::BoolOp::Or {
                values.iter().any(|&v| v)
            } else {
                values.iter().all(|&v| v)
            })
        }
        _ => None,
    }
}
