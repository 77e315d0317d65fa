//! The two inline-SVG pictures of the index: coverage by directory as bars, and coverage over time as a line.
//! Plain SVG elements with `<title>` tooltips; no script and nothing loaded.

use std::fmt::Write as _;

use super::escape::push_escaped;
use crate::model::{Summary, display_percent};

/// Bars drawn at most; the largest directories (by measured lines) win, shown in name order.
pub const MAX_BARS: usize = 40;

/// One bar per directory: its length is the percentage, its label the directory and its figures.
pub fn directory_bars(out: &mut String, dirs: &[(&str, Summary)]) {
    if dirs.is_empty() {
        return;
    }
    let row = 22u32;
    let label_w = 260u32;
    let bar_w = 400u32;
    let height = row * dirs.len() as u32 + 4;
    let _ = writeln!(
        out,
        "<svg class=\"dirs\" role=\"img\" aria-label=\"coverage by directory\" viewBox=\"0 0 {w} {height}\" \
         width=\"{w}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        w = label_w + bar_w + 70
    );
    for (i, (dir, s)) in dirs.iter().enumerate() {
        let y = i as u32 * row + 2;
        let pct = s.percent();
        let len = (pct.clamp(0.0, 100.0) * f64::from(bar_w) / 100.0).round();
        let class = band(pct);
        out.push_str("<g><title>");
        push_escaped(out, dir);
        // The figures behind the bar: in coverage.py's branch mode, statements and branches together.
        let (covered, total) = s.ratio();
        let _ = write!(
            out,
            ": {}% ({covered} of {total} {})</title>",
            display_percent(pct, 1),
            s.ratio_unit()
        );
        let _ = write!(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">", label_w - 6, y + 15);
        push_escaped(out, &shorten(dir, 38));
        let _ = writeln!(
            out,
            "</text><rect class=\"track\" x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"{h}\"/>\
             <rect class=\"{class}\" x=\"{label_w}\" y=\"{y}\" width=\"{len}\" height=\"{h}\"/>\
             <text x=\"{tx}\" y=\"{ty}\">{pc}%</text></g>",
            h = row - 6,
            tx = label_w + bar_w + 6,
            ty = y + 15,
            pc = display_percent(pct, 1),
        );
    }
    out.push_str("</svg>\n");
}

/// A small line chart of `(label, percent)` points in the order given, y from 0 to 100%.
pub fn history_line(out: &mut String, points: &[(String, f64)]) {
    if points.is_empty() {
        return;
    }
    let (w, h, pad) = (480.0, 120.0, 24.0);
    let step = if points.len() > 1 {
        (w - 2.0 * pad) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let xy = |i: usize, pct: f64| {
        (
            pad + step * i as f64,
            h - pad - (pct.clamp(0.0, 100.0) / 100.0) * (h - 2.0 * pad),
        )
    };
    let _ = writeln!(
        out,
        "<svg class=\"history\" role=\"img\" aria-label=\"coverage over time\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" \
         height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\"/><line class=\"axis\" x1=\"{pad}\" \
         y1=\"{pad}\" x2=\"{r}\" y2=\"{pad}\"/><text x=\"2\" y=\"{t}\">100%</text><text x=\"2\" y=\"{b}\">0%</text>",
        b = h - pad,
        r = w - pad,
        t = pad + 4.0
    );
    out.push_str("<polyline class=\"line\" points=\"");
    for (i, (_, pct)) in points.iter().enumerate() {
        let (x, y) = xy(i, *pct);
        let _ = write!(out, "{}{x:.1},{y:.1}", if i > 0 { " " } else { "" });
    }
    out.push_str("\"/>\n");
    for (i, (label, pct)) in points.iter().enumerate() {
        let (x, y) = xy(i, *pct);
        let _ = write!(out, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\"><title>");
        push_escaped(out, label);
        let _ = writeln!(out, ": {}%</title></circle>", display_percent(*pct, 1));
    }
    out.push_str("</svg>\n");
}

/// The colour band of a percentage; the number is always printed beside it, so colour is never the only cue.
pub fn band(pct: f64) -> &'static str {
    if pct >= 80.0 {
        "hi"
    } else if pct >= 50.0 {
        "mid"
    } else {
        "lo"
    }
}

/// Keeps the end of a long label (the deepest directory names are the telling part).
fn shorten(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let tail: String = text.chars().skip(n - (max - 1)).collect();
    format!("\u{2026}{tail}")
}
