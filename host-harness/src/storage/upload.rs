//! Remote outputs: the run writes them to a local staging directory with the local writers (their
//! atomic files and `_SUCCESS`-marked datasets), and [`Staging::commit`] uploads them once the run has
//! succeeded. Object stores have no rename, so the all-or-nothing rule is kept this way:
//!
//! - before the run, each destination is checked (bucket reachable, writable, and for a dataset either
//!   empty or a finished blindspot dataset with `_SUCCESS`), so a missing bucket or denied access stops
//!   the run before any work;
//! - a run that fails or is interrupted uploads nothing;
//! - a file is one PUT, or a multipart upload completed only after its last part (S3, GCS and Azure
//!   make either visible at once); a failed multipart upload is aborted;
//! - a dataset replacing an older one first loses the old `_SUCCESS`, then gets its parts, then the
//!   old parts it no longer has are deleted, and `_SUCCESS` is written last; if an upload fails, the
//!   objects this run uploaded are deleted and no `_SUCCESS` is written.
//!
//! Readers of a dataset should wait for `_SUCCESS` (Spark, Athena and Glue conventions).

use std::io::Read;
use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use super::StorageError;
use super::store::{Location, locate, runtime};
use crate::output::lake::SUCCESS_MARKER;

/// Test hook: the upload of the object after this many fails (to check the clean-up).
pub const TEST_FAIL_UPLOAD_AFTER: &str = "BLINDSPOT_TEST_FAIL_UPLOAD_AFTER";
/// Part size of multipart uploads; files up to one part are a single PUT. S3 needs at least 5 MiB
/// for every part but the last.
pub const PART_BYTES_ENV: &str = "BLINDSPOT_UPLOAD_PART_BYTES";
const DEFAULT_PART_BYTES: usize = 8 << 20;
/// Parts uploaded at once per file (bounds memory to this many parts).
const PARTS_IN_FLIGHT: usize = 4;
/// Written and deleted under each destination before the run, to find out whether writes are allowed.
/// `_`-prefixed names are skipped by Spark, Athena and `report`.
const PROBE: &str = "_blindspot_write_probe";

/// What an output is on the local side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One file (the enriched table, the OCSF findings).
    File,
    /// A partitioned directory with `_SUCCESS` (`--partition-by`).
    Dataset,
}

struct Pending {
    url: String,
    location: Location,
    local: PathBuf,
    shape: Shape,
}

/// Outputs bound for object storage, written locally first.
pub struct Staging {
    dir: tempfile::TempDir,
    outputs: Vec<Pending>,
}

impl Staging {
    pub fn new() -> Result<Staging, StorageError> {
        let dir = tempfile::Builder::new()
            .prefix("blindspot-upload-")
            .tempdir()
            .map_err(|source| StorageError::Local {
                path: std::env::temp_dir().display().to_string(),
                source,
            })?;
        Ok(Staging {
            dir,
            outputs: Vec::new(),
        })
    }

    /// Checks that `url` can take the output and returns the local path the run writes it to.
    pub fn stage(&mut self, url: &str, shape: Shape) -> Result<PathBuf, StorageError> {
        let location = locate(url)?;
        let name = location.key.filename().unwrap_or("output").to_owned();
        if shape == Shape::File && location.key.as_ref().is_empty() {
            return Err(StorageError::Refused {
                url: url.to_owned(),
                reason: "names a bucket, not an object".into(),
            });
        }
        runtime()?
            .block_on(preflight(&location, shape))
            .map_err(|(action, e)| StorageError::request(url, action, e))?
            .map_err(|reason| StorageError::Refused {
                url: url.to_owned(),
                reason,
            })?;
        let dir = self.dir.path().join(self.outputs.len().to_string());
        std::fs::create_dir_all(&dir).map_err(|source| StorageError::Local {
            path: dir.display().to_string(),
            source,
        })?;
        let local = dir.join(name);
        self.outputs.push(Pending {
            url: url.to_owned(),
            location,
            local: local.clone(),
            shape,
        });
        Ok(local)
    }

    /// Uploads every staged output, in the order staged. Returns one line per output.
    pub fn commit(self) -> Result<Vec<String>, StorageError> {
        let rt = runtime()?;
        let mut uploads = Uploads::new();
        let mut done = Vec::new();
        for output in &self.outputs {
            let count = match output.shape {
                Shape::File => {
                    rt.block_on(uploads.file(
                        &output.location,
                        &output.local,
                        &output.location.key,
                    ))
                    .map_err(|e| StorageError::request(&output.url, "uploading", e))?;
                    1
                }
                Shape::Dataset => rt.block_on(uploads.dataset(output))?,
            };
            done.push(format!("uploaded {count} object(s) to {}", output.url));
        }
        Ok(done)
    }
}

/// `Err((action, e))` when the store refused a request, `Ok(Err(reason))` when the destination must
/// not be written.
async fn preflight(
    location: &Location,
    shape: Shape,
) -> Result<Result<(), String>, (&'static str, object_store::Error)> {
    let store = location.store.as_ref();
    let dir = match shape {
        Shape::Dataset => location.key.clone(),
        Shape::File => parent(&location.key),
    };
    if shape == Shape::Dataset {
        let existing = list(store, &location.key)
            .await
            .map_err(|e| ("listing", e))?;
        let marker = location.key.clone().join(SUCCESS_MARKER);
        if !existing.is_empty() && !existing.contains(&marker) {
            return Ok(Err(format!(
                "holds {} object(s) and no {SUCCESS_MARKER}: not a blindspot dataset; refusing to \
                 replace it",
                existing.len()
            )));
        }
    } else {
        let opt = (!dir.as_ref().is_empty()).then_some(&dir);
        store
            .list_with_delimiter(opt)
            .await
            .map_err(|e| ("listing", e))?;
    }
    let probe = dir.clone().join(PROBE);
    store
        .put(&probe, PutPayload::default())
        .await
        .map_err(|e| ("writing", e))?;
    store.delete(&probe).await.map_err(|e| ("deleting", e))?;
    Ok(Ok(()))
}

fn parent(key: &Key) -> Key {
    let parts: Vec<_> = key.parts().collect();
    Key::from_iter(parts[..parts.len().saturating_sub(1)].iter().cloned())
}

async fn list(store: &dyn ObjectStore, prefix: &Key) -> object_store::Result<Vec<Key>> {
    let prefix = (!prefix.as_ref().is_empty()).then_some(prefix);
    store
        .list(prefix)
        .map_ok(|meta| meta.location)
        .try_collect()
        .await
}

/// Uploads of one commit: counts them for the test hook.
struct Uploads {
    started: u64,
    fail_after: Option<u64>,
    part_bytes: usize,
}

impl Uploads {
    fn new() -> Uploads {
        Uploads {
            started: 0,
            fail_after: std::env::var(TEST_FAIL_UPLOAD_AFTER)
                .ok()
                .and_then(|v| v.parse().ok()),
            part_bytes: std::env::var(PART_BYTES_ENV)
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|&n: &usize| n > 0)
                .unwrap_or(DEFAULT_PART_BYTES),
        }
    }

    /// Uploads `local` to `key`: one PUT up to a part's size, else a multipart upload, aborted on
    /// failure. Either way the object appears whole or not at all.
    async fn file(
        &mut self,
        location: &Location,
        local: &Path,
        key: &Key,
    ) -> object_store::Result<()> {
        let store = location.store.as_ref();
        let inject = self.fail_after == Some(self.started);
        self.started += 1;
        let mut file = std::fs::File::open(local).map_err(local_error)?;
        let size = file.metadata().map_err(local_error)?.len();
        if size <= self.part_bytes as u64 {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            file.read_to_end(&mut bytes).map_err(local_error)?;
            if inject {
                return Err(injected());
            }
            store.put(key, bytes.into()).await?;
            return Ok(());
        }
        let upload = store.put_multipart(key).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_bytes);
        match fill(&mut writer, &mut file, self.part_bytes, inject).await {
            Ok(()) => writer.finish().await.map(drop),
            Err(e) => {
                // Without the abort the parts stay stored (and billed) until a lifecycle rule runs.
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    /// Uploads a local dataset directory under `output`'s prefix (see the module's comment for the
    /// order). Returns how many objects were written.
    async fn dataset(&mut self, output: &Pending) -> Result<u64, StorageError> {
        let url = output.url.as_str();
        let fail = |action, e| StorageError::request(url, action, e);
        let store = output.location.store.as_ref();
        let prefix = &output.location.key;
        let marker = prefix.clone().join(SUCCESS_MARKER);
        let mut files = Vec::new();
        walk(&output.local, &output.local, &mut files)?;
        files.sort();
        let old = list(store, prefix).await.map_err(|e| fail("listing", e))?;
        if old.contains(&marker) {
            store
                .delete(&marker)
                .await
                .map_err(|e| fail("deleting", e))?;
        }
        let mut written: Vec<Key> = Vec::new();
        for relative in files.iter().filter(|r| r.as_str() != SUCCESS_MARKER) {
            let key = join(prefix, relative);
            if let Err(e) = self
                .file(&output.location, &output.local.join(relative), &key)
                .await
            {
                let removed = remove(store, &written).await;
                return Err(StorageError::Refused {
                    url: url.to_owned(),
                    reason: format!(
                        "uploading {relative} failed: {}; the {removed} object(s) this run had \
                         uploaded were deleted and no {SUCCESS_MARKER} was written",
                        super::cause(&e)
                    ),
                });
            }
            written.push(key);
        }
        let stale: Vec<Key> = old
            .into_iter()
            .filter(|k| *k != marker && !written.contains(k))
            .collect();
        for key in &stale {
            store.delete(key).await.map_err(|e| fail("deleting", e))?;
        }
        store
            .put(&marker, PutPayload::default())
            .await
            .map_err(|e| fail("writing _SUCCESS", e))?;
        Ok(written.len() as u64 + 1)
    }
}

async fn fill(
    writer: &mut WriteMultipart,
    file: &mut std::fs::File,
    part_bytes: usize,
    inject: bool,
) -> object_store::Result<()> {
    let mut buf = vec![0; part_bytes.min(1 << 20)];
    let mut sent = 0usize;
    loop {
        let n = file.read(&mut buf).map_err(local_error)?;
        if n == 0 {
            return Ok(());
        }
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        writer.write(&buf[..n]);
        sent += n;
        // The hook fails once a part has been uploaded, so that there is an upload to abort.
        if inject && sent > part_bytes {
            writer.wait_for_capacity(1).await?;
            return Err(injected());
        }
    }
}

/// Deletes `keys`, best effort; returns how many went.
async fn remove(store: &dyn ObjectStore, keys: &[Key]) -> usize {
    let mut removed = 0;
    for key in keys {
        if store.delete(key).await.is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Relative paths (with `/`) of every file under `dir`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), StorageError> {
    let local = |source| StorageError::Local {
        path: dir.display().to_string(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(local)? {
        let path = entry.map_err(local)?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

fn join(prefix: &Key, relative: &str) -> Key {
    relative
        .split('/')
        .fold(prefix.clone(), |key, part| key.join(part))
}

fn local_error(e: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "local staging",
        source: Box::new(e),
    }
}

fn injected() -> object_store::Error {
    object_store::Error::Generic {
        store: "test hook",
        source: format!("{TEST_FAIL_UPLOAD_AFTER} reached").into(),
    }
}
