//! Where an interrupted replay got to, and how a later run picks up from there.
//!
//! An interrupted run still finishes its output (a valid Parquet file holding every row up to the
//! stop) and writes `<out>.checkpoint.json` beside it: for each input file, how many units were
//! consumed and whether the file is done, plus a fingerprint of the settings that shape the rows.
//! `--resume` checks both against the new run, moves the earlier output aside, skips the consumed
//! units, and at the end writes one file: the earlier rows first, then the new ones.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatchReader;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

const VERSION: u32 = 1;

/// How far a run got through one input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProgress {
    pub path: String,
    /// File size when the run read it: a file that changed since cannot be resumed safely.
    pub size: u64,
    /// Units (lines, documents, array elements) whose rows are in the output.
    pub units_done: u64,
    pub complete: bool,
}

impl FileProgress {
    pub fn new(path: &Path) -> FileProgress {
        FileProgress {
            path: path.to_string_lossy().into_owned(),
            size: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            units_done: 0,
            complete: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    /// Settings that change the rows (configuration, plugin, engine, `--alerts-only`, `--jobs`).
    pub fingerprint: String,
    /// Rows in the output file the checkpoint belongs to.
    pub rows: u64,
    pub files: Vec<FileProgress>,
}

/// `<out>.checkpoint.json`.
pub fn path_for(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".checkpoint.json");
    PathBuf::from(name)
}

/// Where `--resume` keeps the earlier output while the new part is written.
fn base_path_for(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".resume-base");
    PathBuf::from(name)
}

/// A hash of the settings that shape the rows, stable across runs and builds of the same version.
pub fn fingerprint(parts: &[&[u8]]) -> String {
    // FNV-1a: std's hashers are not guaranteed stable across releases, and the checkpoint outlives
    // the process.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in (part.len() as u64).to_le_bytes().iter().chain(part.iter()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

impl Checkpoint {
    pub fn load(path: &Path) -> Result<Checkpoint> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading checkpoint {}", path.display()))?;
        let checkpoint: Checkpoint = serde_json::from_str(&text)
            .with_context(|| format!("checkpoint {} is not valid", path.display()))?;
        if checkpoint.version != VERSION {
            bail!(
                "checkpoint {} has version {}, this build reads {VERSION}",
                path.display(),
                checkpoint.version
            );
        }
        Ok(checkpoint)
    }

    /// Written to a temporary file and renamed, so a checkpoint is never half there.
    pub fn write(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("writing checkpoint {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("moving checkpoint into place at {}", path.display()))
    }

    /// The units of each file to skip; fails unless the inputs are the ones the checkpoint describes.
    pub fn skips(&self, files: &[PathBuf]) -> Result<Vec<FileProgress>> {
        let now: Vec<FileProgress> = files.iter().map(|f| FileProgress::new(f)).collect();
        if now.len() != self.files.len() {
            bail!(
                "cannot resume: the checkpoint lists {} input file(s), this run has {}",
                self.files.len(),
                now.len()
            );
        }
        for (then, now) in self.files.iter().zip(&now) {
            if then.path != now.path || then.size != now.size {
                bail!(
                    "cannot resume: input {} ({} bytes) is not the checkpoint's {} ({} bytes)",
                    now.path,
                    now.size,
                    then.path,
                    then.size
                );
            }
        }
        Ok(self.files.clone())
    }
}

/// A resumed run in progress: the checkpoint it continues and the earlier output, moved aside.
pub struct Resume {
    pub checkpoint: Checkpoint,
    base: PathBuf,
}

impl Resume {
    /// Load `<out>.checkpoint.json`, check it was written for these inputs with the same settings, and
    /// move the earlier output aside so the new run can write `out`. A resume that itself died before
    /// finishing left the earlier output aside already; it is used as it is.
    pub fn prepare(out: &Path, fingerprint: &str, inputs: &[PathBuf]) -> Result<Resume> {
        let checkpoint_path = path_for(out);
        if !checkpoint_path.exists() {
            bail!(
                "nothing to resume: no checkpoint at {} (the last run finished, or never started)",
                checkpoint_path.display()
            );
        }
        let checkpoint = Checkpoint::load(&checkpoint_path)?;
        if checkpoint.fingerprint != fingerprint {
            bail!(
                "cannot resume: the checkpoint was written with other settings (configuration, plugin, \
                 engine, --alerts-only or --jobs differ)"
            );
        }
        checkpoint.skips(&crate::input::discover(inputs)?)?;
        let base = base_path_for(out);
        if !base.exists() {
            std::fs::rename(out, &base).with_context(|| {
                format!(
                    "moving the interrupted output {} aside to resume",
                    out.display()
                )
            })?;
        }
        let rows = count_rows(&base)?;
        if rows != checkpoint.rows {
            bail!(
                "cannot resume: {} holds {rows} row(s), the checkpoint says {}",
                base.display(),
                checkpoint.rows
            );
        }
        Ok(Resume { checkpoint, base })
    }

    /// Put the earlier rows in front of the new ones in `out`. Returns how many rows were carried.
    pub fn carry_forward(self, out: &Path) -> Result<u64> {
        let new_rows = count_rows(out)?;
        let tmp = {
            let mut name = out.as_os_str().to_owned();
            name.push(format!(".merge.tmp{}", std::process::id()));
            PathBuf::from(name)
        };
        let result = concatenate(&[&self.base, out], &tmp);
        let written = match result {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let carried = written - new_rows;
        if carried != self.checkpoint.rows {
            let _ = std::fs::remove_file(&tmp);
            bail!(
                "resume accounting failed: carried {carried} row(s), the checkpoint says {}",
                self.checkpoint.rows
            );
        }
        std::fs::rename(&tmp, out).with_context(|| {
            format!("moving the resumed output into place at {}", out.display())
        })?;
        std::fs::remove_file(&self.base)
            .with_context(|| format!("removing {}", self.base.display()))?;
        Ok(carried)
    }
}

/// After a run: an interrupted run leaves a checkpoint, a finished one removes it.
pub fn record(
    out: &Path,
    fingerprint: &str,
    interrupted: bool,
    files: &[FileProgress],
) -> Result<()> {
    let path = path_for(out);
    if interrupted {
        Checkpoint {
            version: VERSION,
            fingerprint: fingerprint.to_owned(),
            // A partitioned dataset (a directory) cannot be resumed; its checkpoint still says how far
            // the run got.
            rows: if out.is_file() { count_rows(out)? } else { 0 },
            files: files.to_vec(),
        }
        .write(&path)
    } else {
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
}

pub fn count_rows(path: &Path) -> Result<u64> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    Ok(u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0))
}

/// Write the rows of `parts`, in order, to `dest`. The parts were written by the same table writer, so
/// they share a schema; a part that does not is refused.
fn concatenate(parts: &[&Path], dest: &Path) -> Result<u64> {
    let mut writer: Option<(ArrowWriter<File>, SchemaRef)> = None;
    let mut rows = 0u64;
    for part in parts {
        let file = File::open(part).with_context(|| format!("opening {}", part.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .with_context(|| format!("reading {}", part.display()))?
            .with_batch_size(8192)
            .build()?;
        let schema = reader.schema();
        let writer = match &mut writer {
            Some((w, first)) => {
                if *first != schema {
                    bail!("{} has another schema than the output", part.display());
                }
                w
            }
            None => {
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
                    .set_max_row_group_row_count(Some(65_536))
                    .set_created_by(format!("blindspot {}", env!("CARGO_PKG_VERSION")))
                    .build();
                let file =
                    File::create(dest).with_context(|| format!("creating {}", dest.display()))?;
                let w = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
                &mut writer.insert((w, schema)).0
            }
        };
        for batch in reader {
            let batch = batch?;
            rows += batch.num_rows() as u64;
            writer.write(&batch)?;
        }
    }
    if let Some((writer, _)) = writer {
        writer.close()?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_separate_their_parts() {
        assert_eq!(fingerprint(&[b"a", b"bc"]), fingerprint(&[b"a", b"bc"]));
        assert_ne!(fingerprint(&[b"a", b"bc"]), fingerprint(&[b"ab", b"c"]));
        // Pinned: a checkpoint written by one build must be readable by the next.
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
    }

    #[test]
    fn skips_refuse_other_inputs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.ndjson");
        std::fs::write(&a, "{}\n{}\n").expect("write");
        let mut progress = FileProgress::new(&a);
        progress.units_done = 1;
        let checkpoint = Checkpoint {
            version: VERSION,
            fingerprint: fingerprint(&[]),
            rows: 1,
            files: vec![progress],
        };
        assert_eq!(
            checkpoint.skips(std::slice::from_ref(&a)).expect("same")[0].units_done,
            1
        );
        std::fs::write(&a, "{}\n{}\n{}\n").expect("grow");
        assert!(checkpoint.skips(std::slice::from_ref(&a)).is_err());
        assert!(checkpoint.skips(&[]).is_err());
    }
}
