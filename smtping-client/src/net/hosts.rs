//! The hosts file (`/etc/hosts`): host names are looked up there first, as the system
//! resolver does (glibc's `hosts: files dns`), so `smtping check localhost` works.
//!
//! Only the address lookup of a host target uses it; MX lookups and the addresses of MX
//! exchanges always go to DNS (as Postfix does), and a check with explicit `--resolver`
//! servers asks only them (a lab resolver is meant to decide).
//! The file is read once per lookup, at most [`MAX_HOSTS_FILE`] bytes.

use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

/// Where the system's hosts file is.
pub const HOSTS_FILE: &str = "/etc/hosts";

/// Largest hosts file read; the rest is ignored.
pub const MAX_HOSTS_FILE: u64 = 1024 * 1024;

/// The addresses the hosts file at `path` gives `name` (case-insensitive, trailing dot
/// ignored), in file order; empty when the file is missing or does not name it.
///
/// ```
/// use smtping_client::net::hosts::lookup_in;
/// let text = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n192.0.2.7 mx.lab.example # lab\n";
/// assert_eq!(lookup_in(text, "LOCALHOST.").len(), 2);
/// assert_eq!(lookup_in(text, "mx.lab.example"), ["192.0.2.7".parse::<std::net::IpAddr>()?]);
/// assert!(lookup_in(text, "lab").is_empty());
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
#[must_use]
pub fn lookup(path: &Path, name: &str) -> Vec<IpAddr> {
    let mut text = String::new();
    let read =
        std::fs::File::open(path).and_then(|f| f.take(MAX_HOSTS_FILE).read_to_string(&mut text));
    if read.is_err() {
        return Vec::new();
    }
    lookup_in(&text, name)
}

/// [`lookup`] in the text of a hosts file.
#[must_use]
pub fn lookup_in(text: &str, name: &str) -> Vec<IpAddr> {
    let wanted = name.trim_end_matches('.');
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_ascii_whitespace();
        let Some(ip) = fields.next().and_then(|a| a.parse::<IpAddr>().ok()) else {
            continue;
        };
        if fields.any(|n| n.trim_end_matches('.').eq_ignore_ascii_case(wanted))
            && !out.contains(&ip)
        {
            out.push(ip);
        }
    }
    out
}
