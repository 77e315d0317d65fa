//! The markdown diff report, for a job summary: headline figures, a table of the measured changed files, indirect
//! changes and the gate. File names are escaped as in the markdown coverage report.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::DiffRenderOptions;
use super::text::{pc, ranges, rule_text, signed, summary_pc};
use crate::analysis::DiffReport;
use crate::render::markdown::escape;

/// Writes the report as markdown.
pub fn write(report: &DiffReport, options: DiffRenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let p = options.precision;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "**Patch coverage: {}** ({} of {} changed lines) · **Total: {} → {}** ({})\n",
        pc(report.patch.percent(), p),
        report.patch.covered,
        report.patch.total,
        summary_pc(Some(&report.base), p),
        summary_pc(Some(&report.head), p),
        signed(Some(report.delta), p)
    );
    let measured: Vec<_> = report.files.iter().filter(|f| f.measured()).collect();
    if !measured.is_empty() {
        text.push_str("| File | Status | Base | Head | Δ | Patch | Missing changed lines |\n");
        text.push_str("| :--- | :----- | ---: | ---: | -: | ----: | :-------------------- |\n");
        for f in measured {
            let name = match &f.old_path {
                Some(old) => format!("{} (from {})", escape(&f.path), escape(old)),
                None => escape(&f.path),
            };
            let _ = writeln!(
                text,
                "| {name} | {} | {} | {} | {} | {} ({}/{}) | {} |",
                f.status.as_str(),
                summary_pc(f.base.as_ref(), p),
                summary_pc(f.head.as_ref(), p),
                signed(f.delta, p),
                pc(f.patch.percent(), p),
                f.patch.covered,
                f.patch.total,
                ranges(&f.missing_changed_lines)
            );
        }
    }
    if !report.indirect.is_empty() {
        let _ = writeln!(text, "\n**Indirect changes** (coverage moved, file not changed):\n");
        for c in &report.indirect {
            let _ = writeln!(
                text,
                "- {}: {} → {} ({})",
                escape(&c.path),
                summary_pc(c.base.as_ref(), p),
                summary_pc(c.head.as_ref(), p),
                signed(c.delta, p)
            );
        }
    }
    if !report.gate.rules.is_empty() {
        let verdict = if report.gate.passed { "passed" } else { "failed" };
        let _ = writeln!(text, "\n**Gate {verdict}**\n");
        for rule in &report.gate.rules {
            let mark = if rule.passed { "✅" } else { "❌" };
            let _ = writeln!(text, "- {mark} {}", escape(&rule_text(rule, p)));
        }
    }
    out.write_all(text.as_bytes())
}
