//! Collections: follow `@odata.nextLink` verbatim until the last page.

use crate::graph::client::GraphClient;
use crate::graph::error::ClientError;
use crate::graph::request::{GraphRequest, GraphResponse};
use crate::graph::retry::Deadline;
use crate::host::Host;
use crate::http::Transport;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// One page of a collection.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    /// The items of this page (Graph's `value`; empty when absent).
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    /// Absolute URL of the next page (`@odata.nextLink`), to be requested
    /// verbatim; `None` on the last page.
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
}

impl<T: Transport, H: Host> GraphClient<'_, T, H> {
    /// All items of a collection, reading at most `max_pages` pages (a guard
    /// against a server that never stops paging).
    pub async fn get_all<V: DeserializeOwned>(
        &self,
        first: GraphRequest,
        max_pages: usize,
        deadline: Deadline,
    ) -> Result<Vec<V>, ClientError> {
        let mut items = Vec::new();
        let mut request = first;
        for _ in 0..max_pages {
            let page: Page<V> = self
                .send(&request, deadline)
                .await?
                .json("collection page")?;
            items.extend(page.value);
            match page.next_link {
                Some(link) => request = GraphRequest::get(link),
                None => return Ok(items),
            }
        }
        Err(ClientError::Decode {
            what: "collection",
            reason: format!("more than {max_pages} pages"),
        })
    }

    /// All items of a collection whose first page was already answered (a
    /// `$batch` item): the items of that page, then the pages its
    /// `@odata.nextLink` leads to (at most `max_pages` more).
    pub async fn rest_of<V: DeserializeOwned>(
        &self,
        first: Result<GraphResponse, ClientError>,
        max_pages: usize,
        deadline: Deadline,
    ) -> Result<Vec<V>, ClientError> {
        let page: Page<V> = first?.json("collection page")?;
        let mut items = page.value;
        if let Some(next) = page.next_link {
            items.extend(
                self.get_all::<V>(GraphRequest::get(next), max_pages, deadline)
                    .await?,
            );
        }
        Ok(items)
    }
}
