//! Reports rendered from the model into any `impl Write`: pure, deterministic.

pub mod json;
pub mod markdown;
pub mod text;
