//! The enriched table as a Hive-partitioned dataset (`source=k8s_audit/event_date=2026-11-27/
//! part-00000.parquet`), so Athena, Spark and DuckDB prune by partition. Files hold the same 21
//! columns as the single-file table; each is cut at a row or byte limit.
//!
//! The dataset is written into a staging directory beside the target and moved into place in
//! `finish`, so a reader never sees a half-written dataset and an interrupted run leaves nothing. A
//! `_SUCCESS` marker (Spark's convention; Athena and `**/*.parquet` globs skip it) records that the
//! directory is ours, which is what lets a later run replace it.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use super::atomic::Staged;
use super::{Row, RowSink, table};

/// The value Hive, Spark and DuckDB read as a null partition value.
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";
/// Marker file written last into a finished dataset.
pub const SUCCESS_MARKER: &str = "_SUCCESS";
/// Rows buffered per partition before they are encoded (kept small: one buffer per open partition).
const PARTITION_BATCH_ROWS: usize = 1024;
/// Part files open at once; past this the least recently written one is completed.
const MAX_OPEN_FILES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PartitionKey {
    /// `source=<source kind>`
    Source,
    /// `event_date=YYYY-MM-DD`, the event's day in UTC.
    Date,
}

impl PartitionKey {
    /// Parses `date,source` (either order; the layout is always source, then date, so the rarer
    /// key prunes first).
    pub fn parse_list(text: &str) -> Result<Vec<PartitionKey>> {
        let mut keys = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let key = match part {
                "source" => PartitionKey::Source,
                "date" | "event_date" => PartitionKey::Date,
                other => bail!("unknown partition key {other:?} (expected date, source)"),
            };
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            bail!("--partition-by needs at least one of date, source");
        }
        keys.sort();
        Ok(keys)
    }
}

#[derive(Debug, Clone)]
pub struct LakeOptions {
    pub partition_by: Vec<PartitionKey>,
    /// Rows per part file at most.
    pub max_rows_per_file: usize,
    /// A part file is completed once its encoded size reaches this (checked after each batch, so a
    /// file can pass it by up to one batch).
    pub max_file_bytes: u64,
    /// Rows per Parquet row group.
    pub row_group_rows: usize,
}

impl Default for LakeOptions {
    fn default() -> Self {
        LakeOptions {
            partition_by: vec![PartitionKey::Source, PartitionKey::Date],
            max_rows_per_file: 1_000_000,
            max_file_bytes: 256 << 20,
            row_group_rows: 65_536,
        }
    }
}

struct OpenFile {
    writer: ArrowWriter<File>,
    rows: usize,
}

struct Partition {
    /// `source=x/event_date=y`, relative to the dataset root.
    dir: PathBuf,
    pending: Vec<Row>,
    file: Option<OpenFile>,
    next_part: u32,
    last_used: u64,
}

pub struct LakeSink {
    root: PathBuf,
    staging: Staged,
    options: LakeOptions,
    props: WriterProperties,
    partitions: BTreeMap<String, Partition>,
    rows: u64,
    files: u64,
    clock: u64,
}

/// A directory blindspot may replace: absent, empty, or a finished dataset of ours.
fn replaceable(root: &Path) -> Result<bool> {
    if !root.exists() {
        return Ok(true);
    }
    if !root.is_dir() {
        return Ok(false);
    }
    if root.join(SUCCESS_MARKER).is_file() {
        return Ok(true);
    }
    Ok(std::fs::read_dir(root)
        .with_context(|| format!("reading {}", root.display()))?
        .next()
        .is_none())
}

impl LakeSink {
    pub fn create(root: &Path, options: LakeOptions) -> Result<LakeSink> {
        if options.max_rows_per_file == 0 || options.row_group_rows == 0 {
            bail!("row limits must be at least 1");
        }
        if !replaceable(root)? {
            bail!(
                "{} exists and is not a blindspot dataset (no {SUCCESS_MARKER}); refusing to replace it",
                root.display()
            );
        }
        let staging = Staged::dir(root)?;
        let props = table::writer_properties(options.row_group_rows)?;
        Ok(LakeSink {
            root: root.to_path_buf(),
            staging,
            options,
            props,
            partitions: BTreeMap::new(),
            rows: 0,
            files: 0,
            clock: 0,
        })
    }

    /// Part files completed so far.
    pub fn files(&self) -> u64 {
        self.files
    }

    fn partition_dir(&self, row: &Row) -> PathBuf {
        let mut dir = PathBuf::new();
        for key in &self.options.partition_by {
            match key {
                PartitionKey::Source => {
                    let source = row.event.as_ref().map_or("unknown", |e| e.source.as_str());
                    dir.push(format!("source={source}"));
                }
                PartitionKey::Date => {
                    let day = row
                        .event
                        .as_ref()
                        .and_then(|e| e.fields.event_time)
                        .and_then(chrono::DateTime::from_timestamp_micros)
                        .map(|t| t.format("%Y-%m-%d").to_string());
                    dir.push(format!(
                        "event_date={}",
                        day.as_deref().unwrap_or(NULL_PARTITION)
                    ));
                }
            }
        }
        dir
    }

    fn write_partition(&mut self, key: &str) -> Result<()> {
        self.clock += 1;
        let clock = self.clock;
        let needs_file = self
            .partitions
            .get(key)
            .is_some_and(|p| p.file.is_none() && !p.pending.is_empty());
        if needs_file {
            self.make_room()?;
        }
        let LakeSink {
            partitions,
            staging,
            props,
            options,
            files,
            ..
        } = self;
        let Some(partition) = partitions.get_mut(key) else {
            return Ok(());
        };
        if partition.pending.is_empty() {
            return Ok(());
        }
        partition.last_used = clock;
        let batch = table::to_record_batch(&partition.pending)?;
        partition.pending.clear();
        write_batch(partition, &batch, staging.path(), props, options, files)
    }

    /// Completes the least recently written open file when too many are open.
    fn make_room(&mut self) -> Result<()> {
        let open = self
            .partitions
            .values()
            .filter(|p| p.file.is_some())
            .count();
        if open < MAX_OPEN_FILES {
            return Ok(());
        }
        if let Some(oldest) = self
            .partitions
            .values_mut()
            .filter(|p| p.file.is_some())
            .min_by_key(|p| p.last_used)
            && let Some(file) = oldest.file.take()
        {
            file.writer.close()?;
            self.files += 1;
        }
        Ok(())
    }
}

fn write_batch(
    partition: &mut Partition,
    batch: &RecordBatch,
    staging: &Path,
    props: &WriterProperties,
    options: &LakeOptions,
    files: &mut u64,
) -> Result<()> {
    let mut offset = 0;
    while offset < batch.num_rows() {
        let file = match partition.file.as_mut() {
            Some(file) => file,
            None => {
                let dir = staging.join(&partition.dir);
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                let path = dir.join(format!("part-{:05}.parquet", partition.next_part));
                partition.next_part += 1;
                let handle =
                    File::create(&path).with_context(|| format!("creating {}", path.display()))?;
                let writer = ArrowWriter::try_new(handle, table::schema(), Some(props.clone()))?;
                partition.file.insert(OpenFile { writer, rows: 0 })
            }
        };
        let room = options.max_rows_per_file - file.rows;
        let take = room.min(batch.num_rows() - offset);
        file.writer.write(&batch.slice(offset, take))?;
        file.rows += take;
        offset += take;
        let bytes = file.writer.bytes_written() + file.writer.in_progress_size();
        if file.rows >= options.max_rows_per_file || bytes as u64 >= options.max_file_bytes {
            if let Some(file) = partition.file.take() {
                file.writer.close()?;
            }
            *files += 1;
        }
    }
    Ok(())
}

impl RowSink for LakeSink {
    fn push(&mut self, row: Row) -> Result<()> {
        let dir = self.partition_dir(&row);
        let key = dir.to_string_lossy().into_owned();
        let partition = self
            .partitions
            .entry(key.clone())
            .or_insert_with(|| Partition {
                dir,
                pending: Vec::with_capacity(PARTITION_BATCH_ROWS),
                file: None,
                next_part: 0,
                last_used: 0,
            });
        partition.pending.push(row);
        self.rows += 1;
        if partition.pending.len() >= PARTITION_BATCH_ROWS {
            self.write_partition(&key)?;
        }
        Ok(())
    }

    /// Returns the number of rows written across all part files.
    fn finish(mut self: Box<Self>) -> Result<u64> {
        let keys: Vec<String> = self.partitions.keys().cloned().collect();
        for key in &keys {
            self.write_partition(key)?;
            if let Some(file) = self.partitions.get_mut(key).and_then(|p| p.file.take()) {
                file.writer.close()?;
                self.files += 1;
            }
        }
        File::create(self.staging.path().join(SUCCESS_MARKER))
            .with_context(|| format!("writing {SUCCESS_MARKER}"))?;
        if self.root.exists() {
            // Checked again: the directory may have changed since the run started.
            if !replaceable(&self.root)? {
                bail!(
                    "{} is no longer a blindspot dataset; the new one stays in {}",
                    self.root.display(),
                    self.staging.keep().display()
                );
            }
            std::fs::remove_dir_all(&self.root)
                .with_context(|| format!("replacing {}", self.root.display()))?;
        }
        self.staging.commit()?;
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_keys_parse_in_a_fixed_layout_order() {
        assert_eq!(
            PartitionKey::parse_list("date,source").expect("keys"),
            vec![PartitionKey::Source, PartitionKey::Date]
        );
        assert_eq!(
            PartitionKey::parse_list("date").expect("keys"),
            vec![PartitionKey::Date]
        );
        assert!(PartitionKey::parse_list("region").is_err());
        assert!(PartitionKey::parse_list("").is_err());
    }
}
