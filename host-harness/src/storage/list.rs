//! The objects under a URL that replay reads, in key order (so that runs are reproducible). A URL that
//! names one object is that object; a prefix is listed recursively. Under CloudTrail's layout the
//! listing descends account → `CloudTrail/` → region → year → month → day and lists only the days
//! `--since`/`--until` keep (and never `CloudTrail-Digest/` or `CloudTrail-Insight/`).

use futures::TryStreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};

use super::StorageError;
use super::location::{DayRange, Level, TRAIL_SEGMENT, prefix_level};
use super::store::{locate, runtime};

/// The URLs of the objects `url` names whose file name `keep` accepts, sorted by key. With a bounded
/// `days`, the prefix must be in CloudTrail's layout.
pub fn objects(
    url: &str,
    days: &DayRange,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>, StorageError> {
    let location = locate(url)?;
    let store = location.store.as_ref();
    let rt = runtime()?;
    let key = &location.key;
    let fail = |action, e| StorageError::request(url, action, e);
    if !url.ends_with('/') && !key.as_ref().is_empty() {
        match rt.block_on(store.head(key)) {
            Ok(_) => return Ok(vec![location.url_of(key)]),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(fail("reading", e)),
        }
    }
    let mut keys: Vec<Key> = match prefix_level(key.as_ref()) {
        Some(level) => rt
            .block_on(walk_trail(store, key.clone(), level, days))
            .map_err(|e| fail("listing", e))?,
        None if !days.is_unbounded() => {
            return Err(StorageError::Refused {
                url: url.to_owned(),
                reason:
                    "--since/--until select days by key and this prefix is not in CloudTrail's \
                         layout (.../AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/)"
                        .into(),
            });
        }
        None => rt
            .block_on(list_all(store, key))
            .map_err(|e| fail("listing", e))?,
    };
    keys.retain(|k| k.filename().is_some_and(keep));
    keys.sort();
    Ok(keys.iter().map(|k| location.url_of(k)).collect())
}

/// Every object under `prefix` (the whole store for an empty one).
async fn list_all(store: &dyn ObjectStore, prefix: &Key) -> object_store::Result<Vec<Key>> {
    let prefix = (!prefix.as_ref().is_empty()).then_some(prefix);
    store
        .list(prefix)
        .map_ok(|meta| meta.location)
        .try_collect()
        .await
}

/// The trail files below `prefix` (at `level` of the layout) on the kept days. Only the levels
/// above a day are listed with a delimiter; a day's prefix is listed in full.
async fn walk_trail(
    store: &dyn ObjectStore,
    prefix: Key,
    level: Level,
    days: &DayRange,
) -> object_store::Result<Vec<Key>> {
    let mut found = Vec::new();
    let mut pending = vec![(prefix, level)];
    while let Some((prefix, level)) = pending.pop() {
        match level {
            Level::Day(_) => found.extend(list_all(store, &prefix).await?),
            // Only one child can match: no need to list the account's other folders.
            Level::Account => pending.push((prefix.clone().join(TRAIL_SEGMENT), Level::Trail)),
            _ => {
                let listing = store.list_with_delimiter(Some(&prefix)).await?;
                for child in listing.common_prefixes {
                    let next = child
                        .filename()
                        .and_then(|segment| level.child(segment))
                        .filter(|next| next.may_hold(days));
                    if let Some(next) = next {
                        pending.push((child, next));
                    }
                }
            }
        }
    }
    Ok(found)
}
