//! Rendered guest pages, kept pre-compressed and keyed like the slots by the host's schedule
//! version, so a calendar page is answered without rendering.

use crate::services::cache::Cache;
use crate::web::guest::zone_choice::ZoneChoice;
use crate::web::reader::Reader;
use axum::body::Bytes;

/// Rendered calendar pages, as sent (gzip or not).
#[derive(Debug)]
pub struct PageCache(pub(crate) Cache<PageKey, Bytes>);

impl Default for PageCache {
    fn default() -> Self {
        Self(Cache::new(32 * 1024 * 1024))
    }
}

/// Everything a calendar page depends on: the host's schedule version covers the data,
/// `now` enters by the minute (slots and dates change on whole minutes), the rest is the
/// request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub(crate) host_id: String,
    pub(crate) type_id: String,
    pub(crate) version: i64,
    pub(crate) minute: i64,
    pub(crate) on_the_minute: bool,
    pub(crate) zone: ZoneChoice,
    pub(crate) month: Option<String>,
    pub(crate) date: Option<String>,
    pub(crate) taken: Option<String>,
    pub(crate) duration: Option<String>,
    /// The language, conventions and query (the switcher's links) of the page.
    pub(crate) reader: Reader,
    pub(crate) gzip: bool,
}
