//! The `smtping` command.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

fn main() {}
