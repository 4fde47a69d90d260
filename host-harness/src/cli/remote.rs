//! Object-store URLs on the command line: inputs expanded into their objects before a run, remote
//! outputs written to a local staging directory and uploaded once the run has succeeded, remote
//! outputs fetched for `report`. Errors reaching a bucket (missing, access denied, bad URL) are usage
//! errors: exit 2, before anything is written.

use std::path::{Path, PathBuf};

use anyhow::Result;
use blindspot_host::replay::select::{Selection, select};
use blindspot_host::storage::location::is_remote;

use crate::exit::usage;

/// The input files a run reads (see `replay::select`); a bad URL or an unreachable bucket is a
/// usage error.
pub fn inputs(paths: &[PathBuf], selection: &Selection) -> Result<Vec<PathBuf>> {
    for path in paths {
        if !is_remote(path) && !path.exists() {
            return Err(usage(format!("input {} does not exist", path.display())));
        }
    }
    if selection.is_plain() && !paths.iter().any(|p| is_remote(p)) {
        // As before: directories are walked by the replay itself.
        return Ok(paths.to_vec());
    }
    select(paths, selection).map_err(|e| usage(format!("{e:#}")))
}

/// Outputs bound for object storage.
#[derive(Default)]
pub struct RemoteOutputs {
    #[cfg(feature = "object-store")]
    staging: Option<blindspot_host::storage::upload::Staging>,
}

/// What an output is (see `storage::upload::Shape`).
#[derive(Clone, Copy)]
pub enum Shape {
    File,
    Dataset,
}

impl RemoteOutputs {
    /// Where the run writes `path`: `path` itself when local; for a URL, a local staging path, after
    /// checking the destination can take it.
    pub fn local_for(&mut self, path: &Path, shape: Shape) -> Result<PathBuf> {
        if !is_remote(path) {
            return Ok(path.to_path_buf());
        }
        self.stage(path, shape)
    }

    #[cfg(feature = "object-store")]
    fn stage(&mut self, path: &Path, shape: Shape) -> Result<PathBuf> {
        use blindspot_host::storage::upload::{Shape as Upload, Staging};
        let staging = match &mut self.staging {
            Some(staging) => staging,
            None => self
                .staging
                .insert(Staging::new().map_err(|e| usage(format!("{e}")))?),
        };
        let shape = match shape {
            Shape::File => Upload::File,
            Shape::Dataset => Upload::Dataset,
        };
        staging
            .stage(&path.to_string_lossy(), shape)
            .map_err(|e| usage(format!("{e}")))
    }

    #[cfg(not(feature = "object-store"))]
    fn stage(&mut self, path: &Path, _shape: Shape) -> Result<PathBuf> {
        Err(usage(blindspot_host::storage::StorageError::NotBuilt(
            path.display().to_string(),
        )))
    }

    /// Whether any output goes to object storage.
    pub fn any(&self) -> bool {
        #[cfg(feature = "object-store")]
        return self.staging.is_some();
        #[cfg(not(feature = "object-store"))]
        false
    }

    /// Uploads the staged outputs (the run succeeded). Failures are run failures (exit 3); nothing
    /// partial is left visible (see `storage::upload`).
    pub fn commit(self, quiet: bool) -> Result<()> {
        #[cfg(feature = "object-store")]
        if let Some(staging) = self.staging {
            for line in staging.commit()? {
                if !quiet {
                    println!("{line}");
                }
            }
        }
        let _ = quiet;
        Ok(())
    }
}

/// A local path standing for `path` for `report`: itself, or a copy of the remote output in a
/// temporary directory (kept alive by the returned guard).
pub fn fetch_for_report(path: &Path) -> Result<(PathBuf, Option<Box<dyn std::any::Any>>)> {
    if !is_remote(path) {
        if !path.exists() {
            return Err(usage(format!("{} does not exist", path.display())));
        }
        return Ok((path.to_path_buf(), None));
    }
    fetch(path)
}

#[cfg(feature = "object-store")]
fn fetch(path: &Path) -> Result<(PathBuf, Option<Box<dyn std::any::Any>>)> {
    let dir = tempfile::Builder::new()
        .prefix("blindspot-report-")
        .tempdir()?;
    let local = blindspot_host::storage::download::fetch(&path.to_string_lossy(), dir.path())
        .map_err(|e| usage(format!("{e}")))?;
    Ok((local, Some(Box::new(dir))))
}

#[cfg(not(feature = "object-store"))]
fn fetch(path: &Path) -> Result<(PathBuf, Option<Box<dyn std::any::Any>>)> {
    Err(usage(blindspot_host::storage::StorageError::NotBuilt(
        path.display().to_string(),
    )))
}
