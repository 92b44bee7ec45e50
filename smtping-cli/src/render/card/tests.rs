//! Unit tests of `card` (kept beside it, in its own file).

use super::*;

#[test]
fn plain_card_has_every_area_and_no_escape_codes() {
    let r = Report::default();
    let text = card(&r, CardStyle::default());
    for area in ["Connectivity", "TLS", "Auth", "Delivery", "Timings"] {
        assert!(text.contains(area), "{area} missing:\n{text}");
    }
    assert!(!text.contains('\x1b'));
    let colored = card(
        &r,
        CardStyle {
            color: true,
            transcript: false,
            envelope: false,
        },
    );
    assert!(colored.contains("\x1b["));
}

#[test]
fn cut_is_char_safe() {
    assert_eq!(cut("héllo wörld", 5), "héll…");
    assert_eq!(cut("ok", 5), "ok");
}

#[test]
fn wrap_keeps_every_character() {
    let text = "550 5.7.1 Service unavailable; Client host [192.0.2.77] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.77";
    let lines = wrap(text, 50);
    assert!(lines.iter().all(|l| l.chars().count() <= 50), "{lines:?}");
    assert_eq!(lines.join(" "), text);
    let long = "x".repeat(95);
    assert_eq!(wrap(&long, 40).concat(), long);
}

#[test]
fn sizes_in_human_units() {
    assert_eq!(human_size(36_700_160), "35 MiB");
    assert_eq!(human_size(10_240_000), "9.8 MiB");
    assert_eq!(human_size(512), "512 bytes");
    assert_eq!(human_size(52_428_800), "50 MiB");
}
