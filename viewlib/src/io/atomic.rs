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
