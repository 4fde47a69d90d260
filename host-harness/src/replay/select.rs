//! Inputs chosen before a run: object-store prefixes expanded into their objects, CloudTrail days kept
//! by `--since`/`--until`, and Parquet files taken in with `--input-column`. The same file-name rule
//! as local directories (`input::is_event_file`) decides what is an input everywhere.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::column_input::is_parquet;
use super::input::{discover, is_event_file, walk_with};
use crate::storage::location::{DayRange, is_remote, trail_day};

/// What a run reads beyond the paths named.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Trail files of these days only (by their key's `YYYY/MM/DD/`).
    pub days: DayRange,
    /// Parquet files are inputs too, their events in this column.
    pub input_column: Option<String>,
}

impl Selection {
    /// Whether a file of this name is an input.
    pub fn keeps_name(&self, path: &Path) -> bool {
        is_event_file(path) || (self.input_column.is_some() && is_parquet(path))
    }

    /// Whether nothing beyond today's local discovery is asked for.
    pub fn is_plain(&self) -> bool {
        self.days.is_unbounded() && self.input_column.is_none()
    }

    fn keeps_day(&self, path: &Path) -> bool {
        self.days.is_unbounded()
            || trail_day(&path.to_string_lossy()).is_some_and(|d| self.days.contains(d))
    }
}

/// The input files `paths` name, in order: each path's files (a directory's or prefix's in key
/// order). A file or object named explicitly is always read.
pub fn select(paths: &[PathBuf], selection: &Selection) -> Result<Vec<PathBuf>> {
    if selection.is_plain() && !paths.iter().any(|p| is_remote(p)) {
        return discover(paths);
    }
    let mut files = Vec::new();
    for path in paths {
        if is_remote(path) {
            files.extend(remote(path, selection)?);
        } else if path.is_dir() {
            let before = files.len();
            let keep = |p: &Path| selection.keeps_name(p) && selection.keeps_day(p);
            walk_with(path, &keep, &mut files)?;
            if files.len() == before && !selection.days.is_unbounded() {
                bail!(
                    "{}: no CloudTrail files of the --since/--until days under it (.../AWSLogs/\
                     [o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/)",
                    path.display()
                );
            }
        } else {
            files.extend(discover(std::slice::from_ref(path))?);
        }
    }
    Ok(files)
}

#[cfg(feature = "object-store")]
fn remote(url: &Path, selection: &Selection) -> Result<Vec<PathBuf>> {
    let text = url.to_string_lossy();
    let keep = |name: &str| selection.keeps_name(Path::new(name));
    let objects = crate::storage::list::objects(&text, &selection.days, &keep)?;
    if objects.is_empty() && selection.days.is_unbounded() {
        bail!("{text}: no input objects at this URL or under this prefix");
    }
    Ok(objects.into_iter().map(PathBuf::from).collect())
}

#[cfg(not(feature = "object-store"))]
fn remote(url: &Path, _selection: &Selection) -> Result<Vec<PathBuf>> {
    Err(crate::storage::StorageError::NotBuilt(url.display().to_string()).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn local_trail_folders_keep_the_selected_days_and_parquet_only_with_a_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let trail = dir.path().join("AWSLogs/111122223333/CloudTrail/us-east-1");
        for (day, name) in [
            ("2026/11/29", "a.json.gz"),
            ("2026/11/30", "b.json.gz"),
            ("2026/12/01", "c.json.gz"),
            ("2026/12/01", "d.parquet"),
        ] {
            std::fs::create_dir_all(trail.join(day)).expect("mkdir");
            std::fs::write(trail.join(day).join(name), b"{}").expect("write");
        }
        let day = |t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
        let selection = Selection {
            days: DayRange {
                since: day("2026-11-30"),
                until: day("2026-12-01"),
            },
            input_column: None,
        };
        let names = |files: Vec<PathBuf>| -> Vec<String> {
            files
                .iter()
                .map(|f| f.file_name().expect("name").to_string_lossy().into_owned())
                .collect()
        };
        let root = vec![dir.path().join("AWSLogs")];
        let got = select(&root, &selection).expect("select");
        assert_eq!(names(got), ["b.json.gz", "c.json.gz"]);
        let with_column = Selection {
            input_column: Some("raw".into()),
            ..selection
        };
        let got = select(&root, &with_column).expect("select");
        assert_eq!(names(got), ["b.json.gz", "c.json.gz", "d.parquet"]);
        let outside = Selection {
            days: DayRange {
                since: day("2027-01-01"),
                until: None,
            },
            input_column: None,
        };
        assert!(select(&root, &outside).is_err());
    }
}
