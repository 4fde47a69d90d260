//! From a URL to a configured `object_store` client and the key it names: credentials, region and
//! endpoint from the standard environment, retries with backoff, one client per bucket or container,
//! and the tokio runtime every storage call runs on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::http::HttpBuilder;
use object_store::path::Path as Key;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, ObjectStoreScheme, RetryConfig};
use tokio::runtime::Runtime;
use url::Url;

use super::StorageError;

/// Transient failures (5xx, throttling, dropped connections) are retried this many times, waiting
/// 200 ms, 400 ms, ... up to 10 s between attempts, for at most a minute per request. Long enough for
/// a throttled bucket, short enough that a dead endpoint fails the run within a minute, not hours.
pub const RETRY: RetryConfig = RetryConfig {
    backoff: BackoffConfig {
        init_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(10),
        base: 2.0,
    },
    max_retries: 6,
    retry_timeout: Duration::from_secs(60),
};

/// A bucket (or container, or HTTP origin) and a key in it.
#[derive(Clone)]
pub struct Location {
    pub store: Arc<dyn ObjectStore>,
    pub key: Key,
    /// `s3://bucket`, `https://host/container`, ...: the URL of the store's root; a key's URL is this,
    /// `/`, the key.
    pub root: String,
}

impl Location {
    /// The URL of `key` in this location's store.
    pub fn url_of(&self, key: &Key) -> String {
        format!("{}/{}", self.root, key)
    }
}

/// The runtime the synchronous harness drives storage calls on (`block_on` from its own threads;
/// streaming reads bridge into it).
pub fn runtime() -> Result<&'static Runtime, StorageError> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("blindspot-storage")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| StorageError::Runtime(e.clone()))
}

/// The store and key `url` names. Clients are kept per root, so the connection pool is shared by
/// every object of a bucket.
pub fn locate(url: &str) -> Result<Location, StorageError> {
    static CLIENTS: OnceLock<Mutex<HashMap<String, Arc<dyn ObjectStore>>>> = OnceLock::new();
    let parsed = Url::parse(url).map_err(|e| StorageError::BadUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    let (scheme, key) = ObjectStoreScheme::parse(&parsed).map_err(|e| StorageError::BadUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    let root = root_of(&parsed, &key);
    let clients = CLIENTS.get_or_init(Mutex::default);
    let cached = clients
        .lock()
        .map_err(|_| StorageError::Runtime("storage client cache poisoned".into()))?
        .get(&root)
        .cloned();
    let store = match cached {
        Some(store) => store,
        None => {
            let store = build(scheme, &root).map_err(|e| StorageError::Client {
                url: url.to_owned(),
                cause: super::cause(&e),
            })?;
            clients
                .lock()
                .map_err(|_| StorageError::Runtime("storage client cache poisoned".into()))?
                .insert(root.clone(), store.clone());
            store
        }
    };
    Ok(Location { store, key, root })
}

/// The URL up to where keys start: the scheme and authority, plus the first path segment when
/// `object_store` takes it as the bucket (`https://s3.<region>.amazonaws.com/<bucket>/...`,
/// `https://<account>.blob.core.windows.net/<container>/...`).
fn root_of(url: &Url, key: &Key) -> String {
    let origin = match url.port() {
        Some(port) => format!(
            "{}://{}:{port}",
            url.scheme(),
            url.host_str().unwrap_or_default()
        ),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
    };
    let whole = Key::from_url_path(url.path()).unwrap_or_default();
    if whole == *key {
        return origin;
    }
    match url.path().trim_start_matches('/').split_once('/') {
        Some((bucket, _)) => format!("{origin}/{bucket}"),
        None => format!("{origin}{}", url.path().trim_end_matches('/')),
    }
}

fn build(scheme: ObjectStoreScheme, root: &str) -> object_store::Result<Arc<dyn ObjectStore>> {
    Ok(match scheme {
        ObjectStoreScheme::AmazonS3 => {
            let mut builder = AmazonS3Builder::from_env().with_url(root).with_retry(RETRY);
            // S3-compatible servers on this machine (tests, MinIO, LocalStack) speak plain HTTP.
            let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
                .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
                .unwrap_or_default();
            if is_loopback_http(&endpoint) {
                builder = builder.with_allow_http(true);
            }
            Arc::new(builder.build()?)
        }
        ObjectStoreScheme::GoogleCloudStorage => Arc::new(
            GoogleCloudStorageBuilder::from_env()
                .with_url(root)
                .with_retry(RETRY)
                .build()?,
        ),
        ObjectStoreScheme::MicrosoftAzure => Arc::new(
            MicrosoftAzureBuilder::from_env()
                .with_url(root)
                .with_retry(RETRY)
                .build()?,
        ),
        ObjectStoreScheme::Http => Arc::new(
            HttpBuilder::new()
                .with_url(root)
                .with_retry(RETRY)
                .with_client_options(ClientOptions::new().with_allow_http(is_loopback_http(root)))
                .build()?,
        ),
        other => {
            return Err(object_store::Error::NotSupported {
                source: format!("{other:?} URLs are read as local paths").into(),
            });
        }
    })
}

/// `http://127.0.0.1:...`, `http://localhost...`, `http://[::1]...`: plain HTTP is allowed there only.
fn is_loopback_http(url: &str) -> bool {
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(url: &str) -> String {
        let parsed = Url::parse(url).expect("url");
        let (_, key) = ObjectStoreScheme::parse(&parsed).expect("scheme");
        root_of(&parsed, &key)
    }

    #[test]
    fn roots_keep_the_bucket_where_the_url_names_it() {
        assert_eq!(root("s3://bucket/AWSLogs/1/x.json.gz"), "s3://bucket");
        assert_eq!(root("gs://bucket"), "gs://bucket");
        assert_eq!(
            root("https://s3.eu-west-1.amazonaws.com/bucket/AWSLogs/"),
            "https://s3.eu-west-1.amazonaws.com/bucket"
        );
        assert_eq!(
            root("https://acct.blob.core.windows.net/insights-logs/x"),
            "https://acct.blob.core.windows.net/insights-logs"
        );
        assert_eq!(
            root("http://127.0.0.1:9000/logs/a.ndjson"),
            "http://127.0.0.1:9000"
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(is_loopback_http("http://127.0.0.1:5000"));
        assert!(is_loopback_http("http://localhost:9000/"));
        assert!(!is_loopback_http("http://10.0.0.5:9000"));
        assert!(!is_loopback_http("https://127.0.0.1:5000"));
        assert!(!is_loopback_http(""));
    }
}
