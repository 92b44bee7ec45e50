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
        },
    );
    assert!(colored.contains("\x1b["));
}

#[test]
fn cut_is_char_safe() {
    assert_eq!(cut("héllo wörld", 5), "héll…");
    assert_eq!(cut("ok", 5), "ok");
}
