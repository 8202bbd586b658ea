//! Where a deflated data table's bytes come from, one type for both tables
//! `build.rs` writes (the transliteration table and the tz database).
//!
//! Native builds carry the bytes (`include_bytes!`). The wasm does not: the
//! JS side ships them as files beside the bundle and `wasm::tables` hands a
//! reader over when the instance starts ([`DeflatedTable::provide`]); the
//! reader runs only the first time a table is needed, so instantiating the
//! wasm neither copies nor validates them.

use std::borrow::Cow;
#[cfg(target_arch = "wasm32")]
use std::sync::OnceLock;

/// One deflated table: its bytes (native) or where to read them (wasm).
pub struct DeflatedTable {
    #[cfg(not(target_arch = "wasm32"))]
    bytes: &'static [u8],
    #[cfg(target_arch = "wasm32")]
    source: OnceLock<fn() -> Vec<u8>>,
}

impl DeflatedTable {
    /// A table with `bytes` built in: what native builds use. The wasm
    /// build ignores them (pass `&[]`) and waits for [`Self::provide`].
    pub const fn new(bytes: &'static [u8]) -> Self {
        #[cfg(target_arch = "wasm32")]
        let _ = bytes;
        Self {
            #[cfg(not(target_arch = "wasm32"))]
            bytes,
            #[cfg(target_arch = "wasm32")]
            source: OnceLock::new(),
        }
    }

    /// Sets where the wasm build reads the bytes from, once per instance
    /// before any use; a second call (none is made) keeps the first source,
    /// which gives the same bytes.
    #[cfg(target_arch = "wasm32")]
    pub fn provide(&self, source: fn() -> Vec<u8>) {
        let _ = self.source.set(source);
    }

    /// The deflated bytes (layouts in `build.rs`). Empty in a wasm instance
    /// whose source was never set: the readers take that as an empty table
    /// (every non-ASCII character unknown, every zone but UTC refused),
    /// never a wrong text or time.
    pub fn bytes(&self) -> Cow<'static, [u8]> {
        #[cfg(not(target_arch = "wasm32"))]
        return Cow::Borrowed(self.bytes);
        #[cfg(target_arch = "wasm32")]
        return Cow::Owned(self.source.get().map_or_else(Vec::new, |source| source()));
    }
}
