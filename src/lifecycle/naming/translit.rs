//! ASCII transliteration of names, `deunicode`'s (王芳 -> "Wang Fang",
//! Łukasiewicz -> "Lukasiewicz"), from its table shipped deflated.
//!
//! `deunicode` keeps about 470 KB of tables in the binary; most names are
//! ASCII and never need them. `build.rs` writes the same table deflated
//! (about 130 KB) and it is inflated the first time a name holds a
//! non-ASCII character, once per instance. Native builds carry the deflated
//! bytes; the wasm does not: the JS side keeps them and `wasm::tables`
//! hands them over on that first use ([`DEFLATED`]). The reader follows
//! `deunicode::deunicode` exactly, including the trailing space it trims
//! when the next character's text starts with one and the control
//! characters it drops after the first non-ASCII one; the tests compare
//! the two on every code point and on generated strings.

use crate::tables::DeflatedTable;
use std::sync::OnceLock;

/// The deflated table (layout in `build.rs`); on wasm32 the bytes come
/// from the JS side (`wasm::tables`).
pub static DEFLATED: DeflatedTable = DeflatedTable::new(BUILT_IN);

#[cfg(not(target_arch = "wasm32"))]
const BUILT_IN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/translit.deflate"));
#[cfg(target_arch = "wasm32")]
const BUILT_IN: &[u8] = &[];

/// What `deunicode` writes for a character it has no text for.
const UNKNOWN: &str = "[?]";

/// The inflated table and where each character's text starts.
struct Table {
    text: Vec<u8>,
    /// Start of the entry of code point i in `text`; one more at the end.
    starts: Vec<u32>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The table is built by build.rs from the same source: a failure
        // here is a build defect, and an empty table only makes every
        // non-ASCII character unknown ("[?]"), never a wrong write.
        let text = miniz_oxide::inflate::decompress_to_vec(&DEFLATED.bytes()).unwrap_or_default();
        let mut starts = Vec::with_capacity(150_000);
        let mut at = 0usize;
        while at < text.len() {
            starts.push(at as u32);
            // An entry is the single byte 1 or text up to and with a 0.
            at += match text[at] {
                1 => 1,
                _ => text[at..]
                    .iter()
                    .position(|b| *b == 0)
                    .map_or(text.len() - at, |n| n + 1),
            };
        }
        starts.push(at as u32);
        Table { text, starts }
    })
}

/// The table text of a character (`deunicode::deunicode_char`): `None` if
/// the table has none. ASCII control characters have the empty text.
fn table_text(c: char) -> Option<&'static str> {
    let i = c as usize;
    let t = table();
    let (start, end) = (*t.starts.get(i)? as usize, *t.starts.get(i + 1)? as usize);
    match t.text.get(start..end)? {
        [text @ .., 0] => std::str::from_utf8(text).ok(),
        _ => None,
    }
}

/// `deunicode::deunicode(text)`: ASCII text stays as it is; other characters
/// become their table text (`[?]` when there is none), with a trailing
/// space dropped before a text that starts with one or at the end.
pub fn transliterate(text: &str) -> String {
    // As deunicode: the leading run of printable ASCII and control
    // characters stays as it is; from the first other character on, every
    // character is read from the table (control characters become nothing).
    let ascii = text.bytes().take_while(|b| *b < 0x7f).count();
    if ascii == text.len() {
        return text.to_string();
    }
    let (head, rest) = text.split_at(ascii);
    let mut out = String::with_capacity(text.len() | 15);
    out.push_str(head);
    let mut texts = rest.chars().map(table_text).peekable();
    while let Some(current) = texts.next() {
        let Some(current) = current else {
            out.push_str(UNKNOWN);
            continue;
        };
        let ends_with_space = current.len() > 1 && current.ends_with(' ');
        let next_starts_with_space = match texts.peek() {
            None => true,
            Some(next) => next.is_some_and(|n| n.starts_with(' ')),
        };
        if ends_with_space && next_starts_with_space {
            out.push_str(&current[..current.len() - 1]);
        } else {
            out.push_str(current);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_code_point_reads_as_deunicode_reads_it() {
        for code in 0..=u32::from(char::MAX) {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            assert_eq!(table_text(c), deunicode::deunicode_char(c), "U+{code:04X}");
        }
    }

    #[test]
    fn names_transliterate_as_before() {
        for (name, ascii) in [
            ("王芳", "Wang Fang"),
            ("Zoë Łukasiewicz", "Zoe Lukasiewicz"),
            ("Ørsted", "Orsted"),
            ("Straße", "Strasse"),
            ("Ελένη", "Elene"),
            ("Дмитрий", "Dmitrii"),
        ] {
            assert_eq!(transliterate(name), ascii, "{name}");
            assert_eq!(transliterate(name), deunicode::deunicode(name), "{name}");
        }
    }

    proptest! {
        #[test]
        fn strings_read_as_deunicode_reads_them(s in "\\PC{0,12}") {
            prop_assert_eq!(transliterate(&s), deunicode::deunicode(&s));
        }

        #[test]
        fn mixed_scripts_read_as_deunicode_reads_them(s in "[a-z 王芳北京Łøßéλдж\u{1F600}\u{0301}]{0,16}") {
            prop_assert_eq!(transliterate(&s), deunicode::deunicode(&s));
        }
    }
}
