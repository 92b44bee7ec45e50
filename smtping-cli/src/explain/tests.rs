//! Unit tests of `explain` (kept beside it, in its own file).

use super::*;

fn run_str(args: &ExplainArgs, input: &str) -> (i32, String) {
    let mut out = Vec::new();
    let code = run(args, input.as_bytes(), &mut out).unwrap();
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn bounded_lines() {
    let mut r = io::BufReader::with_capacity(4, &b"abcdefgh\nxy\n\nz"[..]);
    let mut buf = Vec::new();
    assert_eq!(read_line_bounded(&mut r, &mut buf, 5).unwrap(), Some(true));
    assert_eq!(buf, b"abcde");
    buf.clear();
    assert_eq!(read_line_bounded(&mut r, &mut buf, 5).unwrap(), Some(false));
    assert_eq!(buf, b"xy");
    buf.clear();
    assert_eq!(read_line_bounded(&mut r, &mut buf, 5).unwrap(), Some(false));
    assert!(buf.is_empty());
    buf.clear();
    assert_eq!(read_line_bounded(&mut r, &mut buf, 5).unwrap(), Some(false));
    assert_eq!(buf, b"z");
    buf.clear();
    assert_eq!(read_line_bounded(&mut r, &mut buf, 5).unwrap(), None);
}

#[test]
fn text_from_stdin_and_errors() {
    let args = ExplainArgs::default();
    let (code, out) = run_str(&args, "421 4.7.0 Try again later\r\n");
    assert_eq!(code, EXIT_OK);
    assert!(out.starts_with("outcome:      deferred"), "{out}");
    let (code, out) = run_str(&args, "  \n");
    assert_eq!((code, out.as_str()), (EXIT_BAD_INPUT, ""));
    let jsonl_with_text = ExplainArgs {
        jsonl: true,
        text: vec!["550".into()],
        ..ExplainArgs::default()
    };
    assert_eq!(run_str(&jsonl_with_text, "").0, EXIT_BAD_INPUT);
}

#[test]
fn jsonl_too_long_line() {
    let args = ExplainArgs {
        jsonl: true,
        ..ExplainArgs::default()
    };
    let long = format!("\"{}\"\n\"250 ok\"\n", "a".repeat(MAX_LINE + 5));
    let (code, out) = run_str(&args, &long);
    assert_eq!(code, EXIT_BAD_INPUT);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("longer than"));
    assert!(lines[1].contains("\"accepted\""));
}
