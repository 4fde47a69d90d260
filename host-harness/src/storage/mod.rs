//! Inputs and outputs in object storage: `s3://`, `gs://`, `az://` (and `abfs`/`azure` spellings) and
//! `https://` URLs, through the `object_store` crate.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`location`] | which paths are URLs; CloudTrail's key layout and `--since`/`--until` days (no I/O, always built) |
//! | `store` | a URL to a configured client (standard environment, retries) and the runtime storage calls run on |
//! | `list` | the objects under a prefix that replay reads, in key order; CloudTrail's layout walked day by day |
//! | `parquet` | a Parquet object read by byte ranges (`--input-column`) |
//! | `read` | an object as a streaming `BufRead` (bounded buffer, no whole-object reads) |
//! | `upload` | outputs staged locally and uploaded when the run has succeeded, `_SUCCESS` last |
//! | `download` | a remote output copied to a local directory for `report` |
//!
//! A remote object travels through the replay as its URL in a `PathBuf` (`s3://bucket/key`): the
//! replay's file names, error rows and progress show where each event came from.

pub mod location;

#[cfg(feature = "object-store")]
pub mod download;
#[cfg(feature = "object-store")]
pub mod list;
#[cfg(feature = "object-store")]
pub mod parquet;
#[cfg(feature = "object-store")]
pub mod read;
#[cfg(feature = "object-store")]
pub mod store;
#[cfg(feature = "object-store")]
pub mod upload;

/// What went wrong reaching object storage. Each names the URL and the store's own reason (a missing
/// bucket, denied access, an unreachable endpoint).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{url}: not a storage URL this build reads ({reason})")]
    BadUrl { url: String, reason: String },
    #[error("{url}: cannot configure the client: {cause}")]
    Client { url: String, cause: String },
    #[error("{url}: {action} failed: {cause}")]
    Request {
        url: String,
        action: &'static str,
        cause: String,
    },
    #[error("{url}: {reason}")]
    Refused { url: String, reason: String },
    #[error("{path}: {source}")]
    Local {
        path: String,
        source: std::io::Error,
    },
    #[error("storage runtime: {0}")]
    Runtime(String),
    #[error(
        "{0}: object storage URLs need blindspot built with the `object-store` feature (on by default)"
    )]
    NotBuilt(String),
}

#[cfg(feature = "object-store")]
impl StorageError {
    fn request(url: impl Into<String>, action: &'static str, error: object_store::Error) -> Self {
        StorageError::Request {
            url: url.into(),
            action,
            cause: cause(&error),
        }
    }
}

/// The store's reason in one line: S3's and Azure's error `Code` and `Message` when the response
/// carried them (`NoSuchBucket: The specified bucket does not exist`), else the kind of failure and
/// its innermost cause. `object_store`'s own text repeats its chain and the whole response body.
#[cfg(feature = "object-store")]
pub fn cause(error: &object_store::Error) -> String {
    let text = error.to_string();
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_owned())
    };
    if let Some(code) = tag("Code") {
        return match tag("Message") {
            Some(message) if !message.is_empty() => format!("{code}: {message}"),
            _ => code,
        };
    }
    let kind = match error {
        object_store::Error::NotFound { .. } => "not found",
        object_store::Error::PermissionDenied { .. } => "access denied",
        object_store::Error::Unauthenticated { .. } => "not authenticated (check the credentials)",
        _ => "",
    };
    let mut innermost: &dyn std::error::Error = error;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    let detail = innermost.to_string();
    let detail = detail.lines().next().unwrap_or_default();
    let detail: String = detail.chars().take(300).collect();
    match kind {
        "" => detail,
        kind => format!("{kind}: {detail}"),
    }
}
