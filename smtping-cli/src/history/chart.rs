//! The small terminal chart of `smtping history`: a sparkline of certificate days left and a
//! strip of one mark per run for the verdict. Unicode on a UTF-8 terminal, ASCII otherwise;
//! the verdict marks differ in shape, so colour (when on) is never the only meaning.

/// At most this many runs are drawn (the latest).
pub(crate) const WIDTH: usize = 60;

/// How to draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Style {
    /// Unicode block and check marks (else ASCII).
    pub unicode: bool,
    /// ANSI colours on the verdict marks.
    pub color: bool,
}

impl Style {
    /// Unicode on a terminal whose locale says UTF-8 (`LC_ALL`, else `LC_CTYPE`, else
    /// `LANG`) unless NO_COLOR is set (which also asks for plain output); colour on a
    /// terminal without NO_COLOR.
    pub(crate) fn detect() -> Self {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default();
        Self {
            unicode: tty && !no_color && utf8_locale(&locale),
            color: tty && !no_color,
        }
    }
}

/// Whether a locale name says UTF-8 (`en_US.UTF-8`, `C.utf8`).
pub(crate) fn utf8_locale(locale: &str) -> bool {
    let l = locale.to_ascii_lowercase();
    l.contains("utf-8") || l.contains("utf8")
}

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII_LEVELS: [char; 8] = ['_', '.', ',', '-', '=', '+', '*', '#'];

/// The last [`WIDTH`] values as a sparkline scaled between their minimum and maximum
/// (all equal: the middle level); a run without a value is a space.
pub(crate) fn sparkline(values: &[Option<i64>], style: Style) -> String {
    let values = &values[values.len().saturating_sub(WIDTH)..];
    let levels = if style.unicode { BLOCKS } else { ASCII_LEVELS };
    let known = values.iter().flatten();
    let (Some(min), Some(max)) = (known.clone().min(), known.max()) else {
        return " ".repeat(values.len());
    };
    let span = i128::from(*max) - i128::from(*min);
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if span == 0 => levels[levels.len() / 2],
            Some(v) => {
                let top = (levels.len() - 1) as i128;
                let i = (i128::from(*v) - i128::from(*min)) * top / span;
                levels[usize::try_from(i).unwrap_or(0).min(levels.len() - 1)]
            }
        })
        .collect()
}

/// One mark per run (the last [`WIDTH`]): green `✓`/`+`, amber `!`, red `✗`/`x`, other `·`/`.`.
pub(crate) fn verdict_strip<'a>(
    verdicts: impl IntoIterator<Item = &'a str>,
    style: Style,
) -> String {
    let all: Vec<&str> = verdicts.into_iter().collect();
    let shown = &all[all.len().saturating_sub(WIDTH)..];
    let mut s = String::new();
    for v in shown {
        let (mark, ascii, color) = match *v {
            "green" => ('✓', '+', "32"),
            "amber" => ('!', '!', "33"),
            "red" => ('✗', 'x', "31"),
            _ => ('·', '.', "2"),
        };
        let mark = if style.unicode { mark } else { ascii };
        if style.color {
            s.push_str(&format!("\x1b[{color}m{mark}\x1b[0m"));
        } else {
            s.push(mark);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNI: Style = Style {
        unicode: true,
        color: false,
    };
    const ASCII: Style = Style {
        unicode: false,
        color: false,
    };

    #[test]
    fn sparkline_scales_between_min_and_max() {
        let v = [Some(10), Some(20), None, Some(80)];
        assert_eq!(sparkline(&v, UNI), "▁▂ █");
        assert_eq!(sparkline(&v, ASCII), "_. #");
        assert_eq!(sparkline(&[Some(5), Some(5)], UNI), "▅▅");
        assert_eq!(sparkline(&[None, None], UNI), "  ");
        assert_eq!(sparkline(&[], UNI), "");
        // Extreme values do not overflow.
        assert_eq!(sparkline(&[Some(i64::MIN), Some(i64::MAX)], ASCII), "_#");
        let many: Vec<Option<i64>> = (0..100).map(Some).collect();
        assert_eq!(sparkline(&many, UNI).chars().count(), WIDTH);
    }

    #[test]
    fn verdict_marks_differ_in_shape_and_ascii_falls_back() {
        let v = ["green", "amber", "red", "grey"];
        assert_eq!(verdict_strip(v, UNI), "✓!✗·");
        assert_eq!(verdict_strip(v, ASCII), "+!x.");
        let colored = verdict_strip(
            ["red"],
            Style {
                unicode: false,
                color: true,
            },
        );
        assert_eq!(colored, "\x1b[31mx\x1b[0m");
        assert_eq!(verdict_strip(vec!["green"; 100], ASCII).len(), WIDTH);
    }

    #[test]
    fn locales() {
        assert!(utf8_locale("en_US.UTF-8"));
        assert!(utf8_locale("C.utf8"));
        assert!(!utf8_locale("C"));
        assert!(!utf8_locale("POSIX"));
    }
}
