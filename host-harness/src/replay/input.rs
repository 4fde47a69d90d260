//! Finding input files and cutting them into units the plugin reads: one NDJSON line, one element of
//! a JSON array, or one whole JSON document (a CloudTrail `Records` file is one unit; the plugin
//! unwraps it). Gzip is recognised by its magic bytes, whatever the file is called. Object-store URLs
//! (see `storage`) are read the same way, streamed; `--input-column` Parquet files are read by
//! `column_input`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use flate2::read::MultiGzDecoder;
use serde_json::value::RawValue;

use super::column_input;
use crate::storage::location::is_remote;

/// Lines longer than this are reported as errors without being handed to the plugin.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// The files under the given paths that hold events, sorted so that runs are reproducible.
/// Expected-findings files (`*.expected.json`), configuration (`*.config.json`) and documentation are
/// skipped inside directories; a file named explicitly is always read.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if is_remote(path) {
            // Prefixes were expanded into objects before the run (`select`): an object URL is a file.
            files.push(path.clone());
            continue;
        }
        let meta = std::fs::metadata(path)
            .with_context(|| format!("input {} does not exist", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    walk_with(dir, &is_event_file, files)
}

/// The files under `dir` that `keep` accepts, in path order.
pub(super) fn walk_with(
    dir: &Path,
    keep: &dyn Fn(&Path) -> bool,
    files: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading directory {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk_with(&entry, keep, files)?;
        } else if keep(&entry) {
            files.push(entry);
        }
    }
    Ok(())
}

pub fn is_event_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".expected.json") || name.ends_with(".config.json") {
        return false;
    }
    [".json", ".ndjson", ".jsonl", ".log"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// How a file is cut into units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One event (or envelope) per line.
    Lines,
    /// One JSON document or array (or several documents back to back).
    Document,
}

impl Framing {
    pub fn for_path(path: &Path) -> Framing {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".json") {
            Framing::Document
        } else {
            Framing::Lines
        }
    }
}

/// One unit read from a file: its 1-based starting line and bytes, or why it could not be read.
#[derive(Debug)]
pub struct Unit {
    pub line: u64,
    pub data: std::result::Result<Vec<u8>, UnitError>,
}

#[derive(Debug)]
pub struct UnitError {
    pub reason: String,
    /// What could be recovered of the input, for the error row's `raw` column.
    pub raw: Option<String>,
}

/// Open a file or object URL, decompressing gzip when its first bytes say so.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let file: Box<dyn BufRead + Send> = if is_remote(path) {
        open_remote(path)?
    } else {
        Box::new(BufReader::new(
            File::open(path).with_context(|| format!("opening {}", path.display()))?,
        ))
    };
    Ok(decompressing(file)?)
}

fn decompressing(
    mut reader: impl BufRead + Send + 'static,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    let magic = reader.fill_buf()?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::new(MultiGzDecoder::new(reader))))
    } else {
        Ok(Box::new(reader))
    }
}

#[cfg(feature = "object-store")]
fn open_remote(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    Ok(crate::storage::read::open(&path.to_string_lossy())?)
}

#[cfg(not(feature = "object-store"))]
fn open_remote(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    Err(crate::storage::StorageError::NotBuilt(path.display().to_string()).into())
}

/// [`read_units`] over a file's content already in memory (an object store read by an engine such as
/// Spark); `path` chooses the framing as it does for a file on disk.
pub fn read_units_from_bytes(
    path: &Path,
    bytes: Vec<u8>,
    emit: &mut dyn FnMut(Unit) -> Result<()>,
) -> Result<()> {
    let reader = decompressing(std::io::Cursor::new(bytes))?;
    frame_units(path, reader, emit)
}

/// Calls `emit` for every unit of the file, in order. Read errors in the middle of a file (a corrupt
/// gzip stream, say) become one error unit at the line reached; what was read before is kept.
pub fn read_units(path: &Path, emit: &mut dyn FnMut(Unit) -> Result<()>) -> Result<()> {
    read_units_from(path, None, emit)
}

/// [`read_units`], with Parquet files read by `column` when given (`--input-column`).
pub fn read_units_from(
    path: &Path,
    column: Option<&str>,
    emit: &mut dyn FnMut(Unit) -> Result<()>,
) -> Result<()> {
    if let Some(column) = column
        && column_input::is_parquet(path)
    {
        return column_input::read_rows(path, column, emit);
    }
    let reader = match open(path) {
        Ok(reader) => reader,
        Err(e) => {
            return emit(Unit {
                line: 0,
                data: Err(UnitError {
                    reason: format!("cannot read file: {e:#}"),
                    raw: None,
                }),
            });
        }
    };
    frame_units(path, reader, emit)
}

fn frame_units(
    path: &Path,
    reader: Box<dyn BufRead + Send>,
    emit: &mut dyn FnMut(Unit) -> Result<()>,
) -> Result<()> {
    match Framing::for_path(path) {
        Framing::Lines => read_lines(reader, emit),
        Framing::Document => read_document(reader, emit),
    }
}

fn read_lines(
    mut reader: Box<dyn BufRead + Send>,
    emit: &mut dyn FnMut(Unit) -> Result<()>,
) -> Result<()> {
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        line_no += 1;
        let read = match (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
        {
            Ok(n) => n,
            Err(e) => {
                return emit(Unit {
                    line: line_no,
                    data: Err(UnitError {
                        reason: format!("read error: {e}"),
                        raw: None,
                    }),
                });
            }
        };
        if read == 0 {
            return Ok(());
        }
        if buf.len() > MAX_LINE_BYTES && !buf.ends_with(b"\n") {
            // Skip the rest of the oversized line without holding it.
            let mut skipped = 0u64;
            loop {
                let available = reader.fill_buf()?;
                if available.is_empty() {
                    break;
                }
                match available.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        reader.consume(i + 1);
                        skipped += i as u64 + 1;
                        break;
                    }
                    None => {
                        let n = available.len();
                        reader.consume(n);
                        skipped += n as u64;
                    }
                }
            }
            emit(Unit {
                line: line_no,
                data: Err(UnitError {
                    reason: format!(
                        "line longer than {MAX_LINE_BYTES} bytes ({} bytes): not read",
                        buf.len() as u64 + skipped
                    ),
                    raw: None,
                }),
            })?;
            continue;
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        emit(Unit {
            line: line_no,
            data: Ok(std::mem::take(&mut buf)),
        })?;
    }
}

fn read_document(
    mut reader: Box<dyn BufRead + Send>,
    emit: &mut dyn FnMut(Unit) -> Result<()>,
) -> Result<()> {
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes) {
        return emit(Unit {
            line: 1,
            data: Err(UnitError {
                reason: format!("read error: {e}"),
                raw: None,
            }),
        });
    }
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Ok(());
    };
    let lines = LineIndex::new(&bytes);
    if bytes[start] == b'[' {
        match serde_json::from_slice::<Vec<&RawValue>>(&bytes) {
            Ok(elements) => {
                for element in elements {
                    let offset = element.get().as_ptr() as usize - bytes.as_ptr() as usize;
                    emit(Unit {
                        line: lines.line_of(offset),
                        data: Ok(element.get().as_bytes().to_vec()),
                    })?;
                }
                Ok(())
            }
            Err(e) => emit(document_error(&bytes, &e)),
        }
    } else {
        let mut stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<&RawValue>();
        loop {
            let offset = stream.byte_offset();
            match stream.next() {
                None => return Ok(()),
                Some(Ok(value)) => {
                    let at = value.get().as_ptr() as usize - bytes.as_ptr() as usize;
                    emit(Unit {
                        line: lines.line_of(at),
                        data: Ok(value.get().as_bytes().to_vec()),
                    })?;
                }
                Some(Err(e)) => {
                    let mut unit = document_error(&bytes[offset..], &e);
                    unit.line += lines.line_of(offset) - 1;
                    return emit(unit);
                }
            }
        }
    }
}

fn document_error(bytes: &[u8], e: &serde_json::Error) -> Unit {
    let reason = if e.is_eof() {
        format!("truncated JSON document: {e}")
    } else {
        format!("invalid JSON document: {e}")
    };
    Unit {
        line: e.line().max(1) as u64,
        data: Err(UnitError {
            reason,
            raw: Some(String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned()),
        }),
    }
}

/// Byte offset to 1-based line number.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(bytes: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> u64 {
        self.starts.partition_point(|&s| s <= offset) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn units(name: &str, content: &[u8]) -> Vec<(u64, std::result::Result<String, String>)> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        let mut out = Vec::new();
        read_units(&path, &mut |u| {
            out.push((
                u.line,
                u.data
                    .map(|d| String::from_utf8_lossy(&d).into_owned())
                    .map_err(|e| e.reason),
            ));
            Ok(())
        })
        .expect("read");
        out
    }

    #[test]
    fn ndjson_keeps_line_numbers_and_skips_blank_lines() {
        let got = units("a.ndjson", b"{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":");
        assert_eq!(
            got,
            vec![
                (1, Ok("{\"a\":1}".into())),
                (4, Ok("{\"b\":2}".into())),
                (5, Ok("{\"c\":".into()))
            ]
        );
    }

    #[test]
    fn json_arrays_and_documents_are_split_with_their_lines() {
        let got = units("a.json", b"[\n {\"a\":1},\n {\"b\":2}\n]\n");
        assert_eq!(
            got,
            vec![(2, Ok("{\"a\":1}".into())), (3, Ok("{\"b\":2}".into()))]
        );
        let got = units("r.json", b"{\"Records\":[\n{\"a\":1}]}\n{\"x\":2}");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], (3, Ok("{\"x\":2}".into())));
        let got = units("bad.json", b"{\"Records\":[\n{\"a\":1}");
        assert_eq!(got.len(), 1);
        assert!(got[0].1.as_ref().is_err_and(|e| e.contains("truncated")));
    }

    #[test]
    fn gzip_is_recognised_by_content() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"a\":1}\n{\"b\":2}\n").expect("gz");
        let bytes = gz.finish().expect("gz");
        assert_eq!(units("x.ndjson.gz", &bytes).len(), 2);
        let got = units("broken.ndjson.gz", &bytes[..bytes.len() / 2]);
        assert!(got.last().is_some_and(|u| u.1.is_err()), "{got:?}");
    }

    #[test]
    fn contents_in_memory_are_framed_like_the_file() {
        let document = b"{\"Records\":[\n{\"a\":1}]}\n{\"x\":2}".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"a\":1}\n\n{\"b\":2}\n").expect("gz");
        let lines = gz.finish().expect("gz");
        for (name, content) in [("r.json", document), ("x.ndjson.gz", lines)] {
            let mut from_bytes = Vec::new();
            read_units_from_bytes(Path::new(name), content.clone(), &mut |u| {
                from_bytes.push((u.line, u.data.map_err(|e| e.reason)));
                Ok(())
            })
            .expect("read");
            let from_file: Vec<_> = units(name, &content)
                .into_iter()
                .map(|(line, data)| (line, data.map(String::into_bytes)))
                .collect();
            assert_eq!(from_bytes, from_file, "{name}");
        }
    }

    #[test]
    fn only_event_files_are_discovered() {
        for (name, expected) in [
            ("a.ndjson", true),
            ("a.json.gz", true),
            ("a.expected.json", false),
            ("x.config.json", false),
            ("README.md", false),
            ("flow.log", true),
        ] {
            assert_eq!(is_event_file(Path::new(name)), expected, "{name}");
        }
    }
}
