//! The line-by-line HTML report: an index and one page per source file, self-contained (CSS and a small script
//! embedded, nothing fetched), deterministic, with every piece of data escaped and page names that cannot leave the
//! output folder.

mod charts;
pub mod escape;
mod index;
mod layout;
pub mod names;
mod overlay;
pub mod page;
mod report;

pub use overlay::HtmlOverlay;
pub use page::Source;
pub use report::{HtmlOptions, HtmlStats, MARKER, Rendered, render_report};
