//! The data tables the core reads only sometimes, kept out of the wasm:
//! `deunicode`'s transliteration table (a name that is not ASCII) and the
//! IANA time zone database (a site zone other than UTC), about 186 KB
//! deflated. `build.rs` writes them; `scripts/build.mjs` ships them, still
//! deflated, as files beside the bundle that `src/generated/tables.js`
//! reads on request, so instantiating the wasm neither copies nor
//! validates them. The readers
//! (`lifecycle::naming`'s transliteration, `dates`' zones) inflate and cache
//! them on first use exactly as the native build does with its
//! `include_bytes!` copy.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "./tables.js")]
extern "C" {
    /// The deflated bytes of table `name` (`translit` or `tzdb`), from the
    /// generated module beside the wasm-bindgen glue.
    #[wasm_bindgen(catch, js_name = deflatedTable)]
    fn deflated_table(name: &str) -> Result<Vec<u8>, JsValue>;
}

/// A table's deflated bytes; empty if the JS side has none, which the
/// readers take as an empty table (every non-ASCII character unknown, every
/// zone but UTC refused), never a wrong text or time.
fn table(name: &str) -> Vec<u8> {
    deflated_table(name).unwrap_or_default()
}

/// Runs when the instance starts (also after a trap rebuilt it): tells the
/// readers where their tables are. Nothing is copied until one is needed.
#[wasm_bindgen(start)]
fn provide_tables() {
    crate::lifecycle::naming::TRANSLIT.provide(|| table("translit"));
    crate::dates::TZDB.provide(|| table("tzdb"));
}
