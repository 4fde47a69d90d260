//! Where an interrupted replay got to, and how a later run picks up from there.
//!
//! An interrupted run still finishes its output (a valid Parquet file holding every row up to the
//! stop) and writes `<out>.checkpoint.json` beside it: for each input file, how many units were
//! consumed and whether the file is done, plus a fingerprint of the settings that shape the rows.
//! `--resume` checks both against the new run, moves the earlier output aside, skips the consumed
//! units, and at the end writes one file: the earlier rows first, then the new ones.

use std::collections::BTreeMap;
use std::fs::File;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatchReader;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};

use crate::output::{atomic, table};

// 2: the settings are recorded by name beside their fingerprint.
const VERSION: u32 = 2;

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

/// The settings that shape a run's rows, by name: a command-line option and its value (`--correlate`
/// → `per-file`), or for large inputs such as the configuration and the plugin, a hash of their bytes.
/// A run can only be resumed with the same settings: with others, its two halves would disagree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSettings(BTreeMap<String, String>);

impl RunSettings {
    pub fn new() -> RunSettings {
        RunSettings::default()
    }

    pub fn with(mut self, name: &str, value: impl std::fmt::Display) -> RunSettings {
        self.0.insert(name.to_owned(), value.to_string());
        self
    }

    /// A hash of every setting.
    pub fn fingerprint(&self) -> String {
        let parts: Vec<&[u8]> = self
            .0
            .iter()
            .flat_map(|(name, value)| [name.as_bytes(), value.as_bytes()])
            .collect();
        fingerprint(&parts)
    }

    /// `name: was A, now B` for every setting that differs (a setting one side lacks reads `unset`).
    fn differences(&self, now: &RunSettings) -> Vec<String> {
        let names: std::collections::BTreeSet<&String> =
            self.0.keys().chain(now.0.keys()).collect();
        let value = |s: &RunSettings, name: &str| {
            s.0.get(name).cloned().unwrap_or_else(|| "unset".to_owned())
        };
        names
            .into_iter()
            .filter(|name| self.0.get(*name) != now.0.get(*name))
            .map(|name| {
                format!(
                    "{name}: was {}, now {}",
                    value(self, name),
                    value(now, name)
                )
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    /// [`RunSettings::fingerprint`] of the run's settings.
    pub fingerprint: String,
    pub settings: RunSettings,
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

/// A hash of byte strings, stable across runs and builds (for settings too large to record as they are).
pub fn fingerprint(parts: &[&[u8]]) -> String {
    // FNV-1a: std's hashers are not guaranteed stable across releases, and the checkpoint outlives
    // the process. Each part is preceded by its length, so parts cannot run together.
    let mut hasher = fnv::FnvHasher::default();
    for part in parts {
        hasher.write(&(part.len() as u64).to_le_bytes());
        hasher.write(part);
    }
    format!("{:016x}", hasher.finish())
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

    /// Written atomically, so a checkpoint is never half there.
    pub fn write(&self, path: &Path) -> Result<()> {
        atomic::write(path, &serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("writing checkpoint {}", path.display()))
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
    pub fn prepare(out: &Path, settings: &RunSettings, inputs: &[PathBuf]) -> Result<Resume> {
        let checkpoint_path = path_for(out);
        if !checkpoint_path.exists() {
            bail!(
                "nothing to resume: no checkpoint at {} (the last run finished, or never started)",
                checkpoint_path.display()
            );
        }
        let checkpoint = Checkpoint::load(&checkpoint_path)?;
        if checkpoint.fingerprint != settings.fingerprint() {
            bail!(
                "cannot resume: the interrupted run had other settings, and its rows would not match \
                 this run's ({}); rerun with the interrupted run's settings, or start afresh without \
                 --resume",
                checkpoint.settings.differences(settings).join("; ")
            );
        }
        checkpoint.skips(&super::input::discover(inputs)?)?;
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
        // The merged file replaces `out` only once complete; until then both parts stay as they are.
        let (mut merged, file) = atomic::Staged::file(out)?;
        let written = concatenate(&[&self.base, out], file)?;
        let carried = written - new_rows;
        if carried != self.checkpoint.rows {
            bail!(
                "resume accounting failed: carried {carried} row(s), the checkpoint says {}",
                self.checkpoint.rows
            );
        }
        merged
            .commit()
            .context("moving the resumed output into place")?;
        std::fs::remove_file(&self.base)
            .with_context(|| format!("removing {}", self.base.display()))?;
        Ok(carried)
    }
}

/// After a run: an interrupted run leaves a checkpoint, a finished one removes it.
pub fn record(
    out: &Path,
    settings: &RunSettings,
    interrupted: bool,
    files: &[FileProgress],
) -> Result<()> {
    let path = path_for(out);
    if interrupted {
        Checkpoint {
            version: VERSION,
            fingerprint: settings.fingerprint(),
            settings: settings.clone(),
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
fn concatenate(parts: &[&Path], dest: File) -> Result<u64> {
    let mut dest = Some(dest);
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
                let props = table::writer_properties(65_536)?;
                let file = dest.take().context("the output was opened twice")?;
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
            settings: RunSettings::new(),
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

    #[test]
    fn settings_name_what_changed() {
        let then = RunSettings::new()
            .with("--correlate", "across-files")
            .with("--plugin-memory-mb", 1024);
        let now = RunSettings::new()
            .with("--correlate", "per-file")
            .with("--plugin-memory-mb", 1024)
            .with("--batch-deadline-ms", 0);
        assert_ne!(then.fingerprint(), now.fingerprint());
        assert_eq!(
            then.differences(&now),
            vec![
                "--batch-deadline-ms: was unset, now 0",
                "--correlate: was across-files, now per-file"
            ]
        );
        assert_eq!(then.fingerprint(), then.clone().fingerprint());
    }
}
