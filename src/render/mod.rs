//! Reports rendered from the model into any `impl Write`: pure, deterministic.

pub mod comment;
pub mod diff;
mod dirs;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod text;

pub use dirs::directory_summaries;
