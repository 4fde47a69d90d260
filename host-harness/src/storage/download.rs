//! A remote output copied into a local directory, so that `report` reads it with the local readers:
//! one object, or every object under a prefix (a partitioned dataset) with its relative keys as paths.
//! Objects are streamed to disk chunk by chunk, never held whole in memory.

use std::io::Write;
use std::path::{Path, PathBuf};

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};

use super::StorageError;
use super::store::{locate, runtime};

/// Copies what `url` names into `into` and returns the local path standing for it (a file or a
/// directory). A URL that names nothing is an error.
pub fn fetch(url: &str, into: &Path) -> Result<PathBuf, StorageError> {
    let location = locate(url)?;
    let store = location.store.as_ref();
    let key = &location.key;
    let rt = runtime()?;
    let name = key.filename().unwrap_or("output");
    if !url.ends_with('/') && !key.as_ref().is_empty() {
        match rt.block_on(store.head(key)) {
            Ok(_) => {
                let dest = into.join(name);
                rt.block_on(copy(store, key, &dest))
                    .map_err(|e| StorageError::request(url, "reading", e))?;
                return Ok(dest);
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(StorageError::request(url, "reading", e)),
        }
    }
    let prefix = (!key.as_ref().is_empty()).then_some(key);
    let keys: Vec<Key> = rt
        .block_on(store.list(prefix).map_ok(|m| m.location).try_collect())
        .map_err(|e| StorageError::request(url, "listing", e))?;
    if keys.is_empty() {
        return Err(StorageError::Refused {
            url: url.to_owned(),
            reason: "no object at this URL or under this prefix".into(),
        });
    }
    let root = into.join(name);
    for object in &keys {
        let Some(relative) = object.prefix_match(key) else {
            continue;
        };
        let dest = relative.fold(root.clone(), |path, part| path.join(part.as_ref()));
        rt.block_on(copy(store, object, &dest))
            .map_err(|e| StorageError::request(location.url_of(object), "reading", e))?;
    }
    Ok(root)
}

async fn copy(store: &dyn ObjectStore, key: &Key, dest: &Path) -> object_store::Result<()> {
    let local = |e: std::io::Error| object_store::Error::Generic {
        store: "local copy",
        source: Box::new(e),
    };
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(local)?;
    }
    let mut file = std::fs::File::create(dest).map_err(local)?;
    let mut body = store.get(key).await?.into_stream();
    while let Some(chunk) = body.next().await {
        file.write_all(&chunk?).map_err(local)?;
    }
    file.flush().map_err(local)
}
