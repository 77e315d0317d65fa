//! The hidden marker that makes a comment ours: `<!-- prowcov:<job> head=<sha> -->`. It names the job (one comment
//! per job) and the head commit the comment describes, so an older run can tell it would overwrite newer results.
//! The comment renderer owns the format; the bot uses the same functions, so the two cannot drift apart.

pub use crate::render::comment::{marker as format_marker, parse_marker};
