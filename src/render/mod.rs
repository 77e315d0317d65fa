//! Reports rendered from the model into any `impl Write`: pure, deterministic.

pub mod comment;
pub mod diff;
mod dirs;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod table;
pub mod text;

pub use dirs::directory_summaries;
pub use table::{Row, Table};
