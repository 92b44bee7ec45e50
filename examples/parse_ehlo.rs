//! Prints the capabilities parsed from a sample EHLO reply.
fn main() {}
