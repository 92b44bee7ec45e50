//! Runnable embedding examples for SMTPing; see the `[[example]]` entries.
#![forbid(unsafe_code)]
