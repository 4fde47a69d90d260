//! Every file or directory the harness writes appears whole or not at all: it is written under a
//! temporary name beside its destination and renamed into place once complete (a rename within one
//! directory is atomic on POSIX filesystems). A reader never sees half an output, and a run that fails
//! or is killed leaves at most a temporary name behind, never a truncated file under the real one.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};

/// Distinguishes temporary names made by one process (tests write many outputs at once).
static NEXT: AtomicU64 = AtomicU64::new(0);

/// An output under construction at a temporary path. [`commit`](Staged::commit) moves it into place;
/// dropped before that, the temporary file or directory is removed.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
    dir: bool,
    /// Committed or kept: nothing to clean up.
    settled: bool,
}

impl Staged {
    /// A new temporary file for `dest` (`<dest>.tmp<pid>-<n>`), created along with `dest`'s parent
    /// directories.
    pub fn file(dest: &Path) -> Result<(Staged, File)> {
        create_parent(dest)?;
        let mut name = dest.as_os_str().to_owned();
        name.push(suffix());
        let staged = Staged {
            tmp: PathBuf::from(name),
            dest: dest.to_path_buf(),
            dir: false,
            settled: false,
        };
        let file = File::create(&staged.tmp)
            .with_context(|| format!("creating output {}", staged.tmp.display()))?;
        Ok((staged, file))
    }

    /// A new, empty temporary directory for `dest`: hidden (`.<name>.tmp<pid>-<n>` beside it), so that
    /// globs over the parent do not pick up a dataset being written.
    pub fn dir(dest: &Path) -> Result<Staged> {
        let name = dest
            .file_name()
            .with_context(|| format!("{} has no directory name", dest.display()))?;
        let parent = create_parent(dest)?;
        let mut hidden = std::ffi::OsString::from(".");
        hidden.push(name);
        hidden.push(suffix());
        let staged = Staged {
            tmp: parent.join(hidden),
            dest: dest.to_path_buf(),
            dir: true,
            settled: false,
        };
        if staged.tmp.exists() {
            // Left by a killed process whose id this one reuses.
            std::fs::remove_dir_all(&staged.tmp)
                .with_context(|| format!("removing stale {}", staged.tmp.display()))?;
        }
        std::fs::create_dir(&staged.tmp)
            .with_context(|| format!("creating {}", staged.tmp.display()))?;
        Ok(staged)
    }

    /// Where the output is being written.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Where it goes.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Move the output into place. The caller has closed (flushed) what it wrote. A directory
    /// destination must not exist (or be empty); a file destination is replaced.
    pub fn commit(&mut self) -> Result<()> {
        std::fs::rename(&self.tmp, &self.dest)
            .with_context(|| format!("moving {} to {}", self.tmp.display(), self.dest.display()))?;
        self.settled = true;
        Ok(())
    }

    /// Leave the output at its temporary path (it is worth keeping but cannot go into place).
    pub fn keep(&mut self) -> &Path {
        self.settled = true;
        &self.tmp
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let _ = if self.dir {
            std::fs::remove_dir_all(&self.tmp)
        } else {
            std::fs::remove_file(&self.tmp)
        };
    }
}

/// Write `bytes` to `dest` atomically.
pub fn write(dest: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let (mut staged, mut file) = Staged::file(dest)?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("writing {}", staged.path().display()))?;
    drop(file);
    staged.commit()
}

fn suffix() -> String {
    format!(
        ".tmp{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates `dest`'s parent directory; returns it (`.` for a bare file name).
fn create_parent(dest: &Path) -> Result<PathBuf> {
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("creating output directory {}", parent.display()))?;
    Ok(parent.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_file_is_in_place_and_nothing_else_is_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("sub/out.json");
        write(&dest, b"{}").expect("write");
        assert_eq!(std::fs::read(&dest).expect("read"), b"{}");
        let names: Vec<_> = std::fs::read_dir(dest.parent().expect("parent"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
    }

    #[test]
    fn an_uncommitted_output_disappears_and_the_old_one_stays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("out.parquet");
        std::fs::write(&dest, b"old").expect("old");
        let (staged, mut file) = Staged::file(&dest).expect("stage");
        std::io::Write::write_all(&mut file, b"half").expect("write");
        let tmp = staged.path().to_path_buf();
        drop(staged);
        assert!(!tmp.exists());
        assert_eq!(std::fs::read(&dest).expect("read"), b"old");

        let staged = Staged::dir(&dir.path().join("lake")).expect("stage dir");
        std::fs::write(staged.path().join("part"), b"x").expect("part");
        let tmp = staged.path().to_path_buf();
        assert!(
            tmp.file_name()
                .expect("name")
                .to_string_lossy()
                .starts_with(".lake.tmp")
        );
        drop(staged);
        assert!(!tmp.exists());
    }
}
