//! Unit tests of the server core (kept beside it, in their own file).
