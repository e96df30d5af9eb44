//! Text from the user's file as the page shows it: every character that
//! would be invisible or would change how the text around it is laid out is
//! made visible as an escape, and very long text is cut in view.
//!
//! What is escaped ([`is_hidden`]): C0 and C1 controls (tab and newline
//! included) and DEL; the bidirectional controls (U+061C, U+200E/F,
//! U+202A–202E, U+2066–2069), which could make `ACC\u{202E}gpj.exe` read
//! as "ACCexe.jpg" or reverse a whole cell; zero-width and other format
//! characters (U+00AD soft hyphen, U+200B–200D, U+2060–2064, U+FEFF, the
//! rest of Unicode's `Cf`), which make `AC\u{200B}C1` look like `ACC1`;
//! variation selectors and blank fillers (U+034F, U+115F, U+1160, U+17B4/5,
//! U+3164, U+FFA0); line and paragraph separators; and spaces other than
//! U+0020 (no-break and the typographic ones, which pass for a space).
//! Each is shown as `\u202E` (four hex digits, upper case; `\u{E0001}`
//! beyond U+FFFF), which the page styles in a muted colour (class `ctl`).
//!
//! The page puts each value inside bidi isolation (`<bdi>`), so a value
//! written right to left cannot reorder what is beside it either. Exports
//! keep the exact characters ([`crate::export`]).
//!
//! Length: [`CELL_CHARS`] for a value (an id, a column name), [`MESSAGE_CHARS`]
//! for a sentence that quotes one (a note, a warning, an error), counted
//! in characters as shown (an escape counts its six or more); the rest is
//! one click away, and the whole escaped text is the element's `title`.

/// Characters of a value (account id, column name) shown before it is cut
/// (a 20,000-character id once widened the page to 70,849 px).
pub const CELL_CHARS: usize = 64;

/// Characters of a sentence quoting file text (note, warning, error)
/// shown before it is cut.
pub const MESSAGE_CHARS: usize = 1_000;

/// One run of shown text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Characters shown as they are.
    Plain(String),
    /// A hidden character, spelled out (e.g. `\u202E`): shown muted.
    Escape(String),
}

/// A text as the page shows it: its pieces up to the limit, and whether
/// the rest was cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// The pieces shown, in order (adjacent plain characters in one piece).
    pub pieces: Vec<Piece>,
    /// Whether characters were left out at the end (the page adds "…").
    pub cut: bool,
}

impl Shown {
    /// Whether some character was escaped.
    pub fn has_escapes(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Escape(_)))
    }
}

/// Whether `c` is shown as an escape (the list is in the module docs).
pub fn is_hidden(c: char) -> bool {
    matches!(
        c as u32,
        0x00..=0x1F
            | 0x7F..=0x9F
            | 0xA0
            | 0xAD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x1680
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x2000..=0x200F
            | 0x2028..=0x202F
            | 0x205F..=0x2064
            | 0x2066..=0x206F
            | 0x3000
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xE0100..=0xE01EF
    )
}

/// The escape of `c`: `\u202E`, or `\u{E0001}` beyond U+FFFF.
pub fn escape_char(c: char) -> String {
    match c as u32 {
        n @ 0..=0xFFFF => format!("\\u{n:04X}"),
        n => format!("\\u{{{n:X}}}"),
    }
}

/// `text` with every hidden character escaped, cut after `max` shown
/// characters. `keep_newlines`: a `\n` stays a line break (for sentences
/// of the page's own that may hold one).
pub fn shown(text: &str, max: usize, keep_newlines: bool) -> Shown {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut used = 0usize;
    for c in text.chars() {
        let hidden = is_hidden(c) && !(keep_newlines && c == '\n');
        let piece = if hidden { escape_char(c) } else { c.to_string() };
        let n = piece.chars().count();
        if used + n > max {
            return Shown { pieces, cut: true };
        }
        used += n;
        match (pieces.last_mut(), hidden) {
            (Some(Piece::Plain(s)), false) => s.push(c),
            (_, false) => pieces.push(Piece::Plain(piece)),
            (_, true) => pieces.push(Piece::Escape(piece)),
        }
    }
    Shown { pieces, cut: false }
}

/// `text` escaped as one plain string, whole: for attributes (`title`,
/// `aria-label`). Ordinary text comes back unchanged, so accessible names
/// made from ordinary column names stay as they were.
pub fn escaped(text: &str) -> String {
    if !text.chars().any(is_hidden) {
        return text.to_string();
    }
    text.chars().map(|c| if is_hidden(c) { escape_char(c) } else { c.to_string() }).collect()
}

/// `text` escaped as one plain string cut after `max` shown characters
/// with "…": for places that hold only text (an `<option>`).
pub fn escaped_short(text: &str, max: usize) -> String {
    let s = shown(text, max, false);
    let mut out: String = s
        .pieces
        .iter()
        .map(|p| match p {
            Piece::Plain(t) | Piece::Escape(t) => t.as_str(),
        })
        .collect();
    if s.cut {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Piece {
        Piece::Plain(s.into())
    }
    fn esc(s: &str) -> Piece {
        Piece::Escape(s.into())
    }

    #[test]
    fn a_right_to_left_override_in_an_id_is_shown_not_obeyed() {
        // Shown raw, "ACC\u{202E}gpj.exe" reads "ACCexe.jpg".
        let s = shown("ACC\u{202E}gpj.exe", CELL_CHARS, false);
        assert_eq!(s.pieces, vec![plain("ACC"), esc("\\u202E"), plain("gpj.exe")]);
        assert!(!s.cut && s.has_escapes());
        assert_eq!(escaped("ACC\u{202E}gpj.exe"), "ACC\\u202Egpj.exe");
    }

    #[test]
    fn an_override_in_a_column_name_leaves_no_control_behind() {
        // The "most unusual features" cell: an override in one name must not
        // reverse the next feature's number; no bidi control survives.
        let cell = escaped("high evil\u{202E}name (+3.1); low volume (-2.0)");
        assert_eq!(cell, "high evil\\u202Ename (+3.1); low volume (-2.0)");
        for c in ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'] {
            assert!(is_hidden(c), "{c:?}");
        }
        assert!(is_hidden('\u{200E}') && is_hidden('\u{200F}') && is_hidden('\u{061C}'));
    }

    #[test]
    fn zero_width_characters_are_told_apart() {
        let s = shown("AC\u{200B}C1", CELL_CHARS, false);
        assert_eq!(s.pieces, vec![plain("AC"), esc("\\u200B"), plain("C1")]);
        assert_ne!(escaped("AC\u{200B}C1"), escaped("ACC1"));
        for c in ['\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{E0041}', '\u{FE0F}', '\u{00A0}'] {
            assert!(is_hidden(c), "{c:?}");
        }
        assert_eq!(escape_char('\u{E0041}'), "\\u{E0041}");
        // Controls, tabs and newlines too.
        assert_eq!(escaped("a\tb\nc\r\0\u{85}"), "a\\u0009b\\u000Ac\\u000D\\u0000\\u0085");
        assert_eq!(shown("a\nb", 10, true).pieces, vec![plain("a\nb")]);
    }

    #[test]
    fn a_very_long_id_is_cut_in_view() {
        let id = "A".repeat(20_000);
        let s = shown(&id, CELL_CHARS, false);
        assert!(s.cut);
        assert_eq!(s.pieces, vec![plain(&"A".repeat(CELL_CHARS))]);
        assert_eq!(escaped_short(&id, CELL_CHARS), "A".repeat(CELL_CHARS) + "…");
        // Escapes count as shown: 20,000 zero-width spaces show at most 64 characters.
        let s = shown(&"\u{200B}".repeat(20_000), CELL_CHARS, false);
        assert!(s.cut && s.pieces.len() == CELL_CHARS / 6);
        // An escape is never split.
        let s = shown("ab\u{202E}", 5, false);
        assert_eq!((s.pieces, s.cut), (vec![plain("ab")], true));
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for t in ["ACC18006", "realized_pnl", "Montant en €", "Käufer-ID", "账户", "حساب", "price (2)", ""] {
            assert_eq!(escaped(t), t);
            assert_eq!(escaped_short(t, CELL_CHARS), t);
            let s = shown(t, CELL_CHARS, false);
            assert!(!s.cut && !s.has_escapes());
        }
    }
}
