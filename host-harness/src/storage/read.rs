//! An object as a synchronous, streaming reader for the replay's framing: the body is pulled from
//! the connection as the reader consumes it, so at most a buffer's worth (and the HTTP client's own
//! read buffer) is held, whatever the object's size. Gzip is decoded above this, by the caller.

use std::io::{BufRead, BufReader};

use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use tokio_util::io::{StreamReader, SyncIoBridge};

use super::StorageError;
use super::store::{locate, runtime};

/// Bytes read from the connection per refill.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// Opens the object at `url` for reading from its start.
pub fn open(url: &str) -> Result<Box<dyn BufRead + Send>, StorageError> {
    let location = locate(url)?;
    let rt = runtime()?;
    let result = rt
        .block_on(location.store.get(&location.key))
        .map_err(|e| StorageError::request(url, "reading", e))?;
    let body = result.into_stream().map_err(std::io::Error::other);
    let bridge = SyncIoBridge::new_with_handle(StreamReader::new(body), rt.handle().clone());
    Ok(Box::new(BufReader::with_capacity(
        READ_BUFFER_BYTES,
        bridge,
    )))
}
