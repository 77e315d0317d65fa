//! Reports rendered from the model into any `impl Write`: pure, deterministic.

pub mod diff;
pub mod json;
pub mod markdown;
mod table;
pub mod text;

pub use table::{Row, Table};
