//! Parses an EHLO reply with the sans-IO core and prints what the server offers.
//!
//! ```text
//! cargo run -p smtping-examples --example parse_ehlo            # a built-in Postfix reply
//! printf '250-mx\r\n250 STARTTLS\r\n' | cargo run -p smtping-examples --example parse_ehlo -- -
//! ```

use std::io::Read;

use smtping_proto::{Extensions, parse_reply};

const SAMPLE: &[u8] =
    b"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n\
250-ETRN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n\
250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut input = Vec::new();
    if std::env::args().nth(1).as_deref() == Some("-") {
        std::io::stdin().take(64 * 1024).read_to_end(&mut input)?;
    } else {
        input.extend_from_slice(SAMPLE);
    }
    let Some((reply, used)) = parse_reply(&input)? else {
        return Err("the input ends in the middle of a reply".into());
    };
    let ext = Extensions::from_ehlo(&reply)?;
    println!("server:      {}", ext.server_name());
    println!("bytes used:  {used} of {}", input.len());
    println!(
        "size limit:  {}",
        ext.size()
            .map_or("none announced".to_owned(), |n| format!("{n} octets"))
    );
    println!("pipelining:  {}", ext.pipelining());
    println!("starttls:    {}", ext.starttls());
    println!("smtputf8:    {}", ext.smtputf8());
    let mechs: Vec<String> = ext
        .auth_mechanisms()
        .iter()
        .map(|m| m.to_string())
        .collect();
    println!(
        "auth:        {}",
        if mechs.is_empty() {
            "-".to_owned()
        } else {
            mechs.join(" ")
        }
    );
    println!("all keywords:");
    for (keyword, params) in ext.keywords() {
        println!("  {keyword} {params}");
    }
    Ok(())
}
