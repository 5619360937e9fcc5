//! Writing a file so that it appears whole or not at all.

use super::{FileErrorKind, ImageFileError};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file written completely beside its target, not yet in place: [`commit`](Self::commit)
/// makes it durable and moves it to the target; dropping it deletes it.
///
/// The two steps let a batch hand the slow part (waiting for the disk to confirm the data)
/// to another thread while the CPU encodes the next image.
///
/// ```
/// use viewlib::io::{save_png_pending, SaveOptions};
/// let dir = tempfile::tempdir()?;
/// let px = [0u8, 128, 255, 64];
/// let view = viewlib::View::from_slice(&px, [2, 2, 1])?;
/// let target = dir.path().join("small.png");
/// let pending = save_png_pending(&target, view, &SaveOptions::default())?;
/// assert!(!target.exists()); // written, not yet in place
/// pending.commit()?;
/// assert!(target.exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PendingFile {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
    overwrite: bool,
}

impl PendingFile {
    /// Where [`commit`](Self::commit) puts the file.
    #[must_use]
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Syncs the data to disk, then renames the file over its target (or, without
    /// `overwrite`, links it there only if nothing exists yet). On failure the temporary file
    /// is removed and the target is untouched.
    pub fn commit(self) -> Result<(), ImageFileError> {
        let PendingFile {
            temp,
            target,
            overwrite,
        } = self;
        let fail = |kind| ImageFileError::new(&target, kind);
        temp.as_file()
            .sync_all()
            .map_err(|e| fail(FileErrorKind::Write(e)))?;
        let persisted = if overwrite {
            temp.persist(&target).map(drop)
        } else {
            temp.persist_noclobber(&target).map(drop)
        };
        persisted.map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => fail(FileErrorKind::Exists),
            _ => fail(FileErrorKind::Write(e.error)),
        })
    }
}

/// A new, empty temporary file beside `path`, to be committed there. Fails early, before any
/// work, if `path` exists and `overwrite` is false.
pub(crate) fn create_pending(path: &Path, overwrite: bool) -> Result<PendingFile, ImageFileError> {
    let fail = |kind| ImageFileError::new(path, kind);
    // Checked first so no encoding work is wasted; the no-clobber rename in `commit` is what
    // guarantees it if another process creates the file meanwhile.
    if !overwrite && path.symlink_metadata().is_ok() {
        return Err(fail(FileErrorKind::Exists));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    #[cfg(unix)]
    {
        // tempfile's private 0600 would survive the rename; ask for what `File::create`
        // gives (0666 less the umask).
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temp = builder
        .tempfile_in(dir)
        .map_err(|e| fail(FileErrorKind::Write(e)))?;
    // Held until the file is committed or dropped, and released by the system if this process
    // dies: a free lock proves a temporary file abandoned ([`remove_abandoned_parts`]).
    // Without lock support nothing can be proved, and nothing is removed.
    let _ = temp.as_file().try_lock();
    Ok(PendingFile {
        temp,
        target: path.to_path_buf(),
        overwrite,
    })
}

impl PendingFile {
    /// The temporary file, to write into before committing.
    pub(crate) fn file(&self) -> &File {
        self.temp.as_file()
    }
}

/// Temporary files younger than this are never removed as abandoned: the lock that marks a
/// live one is taken just after the file is created.
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// Removes the temporary files that writers killed mid-write (a crash, `kill -9`, a second
/// Ctrl-C) left in `dir`, and returns their paths; a file that could not be removed is an
/// error in the list. Only files it can prove abandoned are touched:
///
/// - named as viewlib names them: `.NAME.XXXXXX.part` (hidden, six random characters);
/// - not locked: a live writer, in any process, holds an exclusive lock on its file from
///   creation to commit, and the system releases it when the process dies;
/// - not modified for [`ABANDONED_AFTER`].
///
/// Other files, folders and links are left alone; on a file system without locks nothing is
/// removed.
///
/// ```
/// use viewlib::io::{remove_abandoned_parts, save_png_pending, SaveOptions};
/// let dir = tempfile::tempdir()?;
/// let px = [0u8; 4];
/// let view = viewlib::View::from_slice(&px, [2, 2, 1])?;
/// let pending = save_png_pending(dir.path().join("a.png"), view, &SaveOptions::default())?;
/// // Being written (locked): not removed.
/// assert!(remove_abandoned_parts(dir.path())?.is_empty());
/// # drop(pending);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn remove_abandoned_parts(dir: &Path) -> std::io::Result<Vec<Result<PathBuf, ImageFileError>>> {
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        if !is_part_name(&entry.file_name().to_string_lossy()) {
            continue;
        }
        // Not following links: only a regular file of ours.
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age >= ABANDONED_AFTER);
        if !meta.is_file() || !old {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        if file.try_lock().is_err() {
            continue; // held by a live writer, or no lock support: nothing proved
        }
        removed.push(
            std::fs::remove_file(&path)
                .map(|()| path.clone())
                .map_err(|e| ImageFileError::new(&path, FileErrorKind::Write(e))),
        );
    }
    Ok(removed)
}

/// `.NAME.XXXXXX.part`, as [`create_pending`] names its files.
fn is_part_name(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".part")) else {
        return false;
    };
    match inner.rsplit_once('.') {
        Some((target, random)) => {
            !target.is_empty()
                && random.len() == 6
                && random.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// Runs `write` into a new temporary file beside `path` ([`create_pending`]).
pub(crate) fn write_pending(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut BufWriter<&File>) -> Result<(), FileErrorKind>,
) -> Result<PendingFile, ImageFileError> {
    let fail = |kind| ImageFileError::new(path, kind);
    let pending = create_pending(path, overwrite)?;
    let mut writer = BufWriter::new(pending.file());
    write(&mut writer).map_err(fail)?;
    writer.flush().map_err(|e| fail(FileErrorKind::Write(e)))?;
    drop(writer);
    Ok(pending)
}

/// [`write_pending`], then [`PendingFile::commit`]: the file appears whole or not at all.
pub(crate) fn write_atomically(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut BufWriter<&File>) -> Result<(), FileErrorKind>,
) -> Result<(), ImageFileError> {
    write_pending(path, overwrite, write)?.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(
        bytes: &'static [u8],
    ) -> impl FnOnce(&mut BufWriter<&File>) -> Result<(), FileErrorKind> {
        move |w| w.write_all(bytes).map_err(FileErrorKind::Write)
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_leaves_nothing_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.png");
        std::fs::write(&path, b"old").unwrap();
        let err = write_atomically(&path, true, |w| {
            w.write_all(b"half of a new fi").unwrap();
            Err(FileErrorKind::Encode {
                format: "PNG".into(),
                message: "disk full".into(),
            })
        })
        .unwrap_err();
        assert!(err.to_string().ends_with("cannot encode PNG: disk full"));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(dir.path()), ["out.png"]);
    }

    #[test]
    fn existing_files_are_kept_unless_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.png");
        std::fs::write(&path, b"old").unwrap();
        let err = write_atomically(&path, false, writes(b"new")).unwrap_err();
        assert!(matches!(err.kind(), FileErrorKind::Exists));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        write_atomically(&path, true, writes(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(entries(dir.path()), ["out.png"]);
    }

    #[test]
    fn only_abandoned_temporary_files_of_ours_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let old = std::time::SystemTime::now() - ABANDONED_AFTER * 2;
        let age = |path: &Path| {
            File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        };
        // Killed writers left these: unlocked, old.
        let abandoned = dir.path().join(".photo.png.a1B2c3.part");
        std::fs::write(&abandoned, b"half a png").unwrap();
        age(&abandoned);
        // A live writer's file (locked), old: kept.
        let live = create_pending(&dir.path().join("live.png"), false).unwrap();
        age(live.temp.path());
        // Not ours, or too young: kept.
        for name in [
            ".notes.part",
            "photo.png.a1B2c3.part",
            ".x.png.abc.part",
            ".y.png.a1B2c3.part",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
            if name != ".y.png.a1B2c3.part" {
                age(&dir.path().join(name));
            }
        }
        let removed = remove_abandoned_parts(dir.path()).unwrap();
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].as_ref().unwrap(), &abandoned);
        assert!(!abandoned.exists());
        assert!(live.temp.path().exists());
        assert_eq!(entries(dir.path()).len(), 5);
        // Once the live writer is gone (dropped here; killed, for another process), its lock
        // is free; dropping also deleted it.
        drop(live);
        assert_eq!(entries(dir.path()).len(), 4);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("ours");
        write_atomically(&ours, false, writes(b"x")).unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| p.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
    }
}
