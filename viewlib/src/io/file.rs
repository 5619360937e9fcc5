//! Opening the files named by callers: regular files only, without blocking, and file names
//! written so that one message is one line.

use super::FileErrorKind;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::path::Path;

/// Opens `path` for reading, or for reading and writing, refusing anything that is not a
/// regular file before a byte is read: a FIFO would block forever, a device (`/dev/zero`)
/// would never end, a folder has no pixels.
///
/// The type is checked on the path first, then again on the opened handle, which is opened
/// non-blocking: a FIFO swapped in between cannot hang the caller.
pub(crate) fn open_regular(path: &Path, write: bool) -> Result<File, FileErrorKind> {
    let open_error = |e| {
        if write {
            FileErrorKind::OpenForWriting(e)
        } else {
            FileErrorKind::OpenForReading(e)
        }
    };
    let meta = std::fs::metadata(path).map_err(open_error)?;
    check_regular(&meta)?;
    let mut options = OpenOptions::new();
    options.read(true).write(write);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(open_error)?;
    check_regular(&file.metadata().map_err(FileErrorKind::Read)?)?;
    Ok(file)
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), FileErrorKind> {
    if meta.is_file() {
        return Ok(());
    }
    Err(FileErrorKind::NotAFile {
        kind: file_type_name(&meta.file_type()),
    })
}

/// What a file is, in words: `a FIFO (named pipe)`, `a character device`, `a folder`, ...
///
/// ```
/// let kind = std::fs::metadata("/dev/null")?.file_type();
/// assert_eq!(viewlib::io::file_type_name(&kind), "a character device");
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use]
pub fn file_type_name(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// Displays a path with control characters escaped (`\n`, `\t`, `\u{1b}`), so that a message
/// naming a file is always one line and cannot move the terminal's cursor. Other characters,
/// spaces and quotes included, are shown as they are; bytes that are not UTF-8 show as `�`.
///
/// ```
/// use std::path::Path;
/// use viewlib::io::display_path;
/// assert_eq!(display_path(Path::new("a b/c.png")).to_string(), "a b/c.png");
/// assert_eq!(display_path(Path::new("two\nlines.png")).to_string(), "two\\nlines.png");
/// assert_eq!(display_path(Path::new("bell\u{7}.png")).to_string(), "bell\\u{7}.png");
/// ```
#[must_use]
pub fn display_path(path: &Path) -> impl fmt::Display + '_ {
    EscapedPath(path)
}

struct EscapedPath<'a>(&'a Path);

impl fmt::Display for EscapedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        for c in self.0.to_string_lossy().chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.png");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            for write in [false, true] {
                let err = open_regular(&fifo, write).unwrap_err();
                assert_eq!(
                    err.to_string(),
                    "not a regular file but a FIFO (named pipe); refused without reading it"
                );
            }
        }
        let err = open_regular(Path::new("/dev/zero"), false).unwrap_err();
        assert!(matches!(
            err,
            FileErrorKind::NotAFile {
                kind: "a character device"
            }
        ));
        let err = open_regular(dir.path(), false).unwrap_err();
        assert!(matches!(err, FileErrorKind::NotAFile { kind: "a folder" }));
        let missing = open_regular(&dir.path().join("missing"), true).unwrap_err();
        assert!(
            missing.to_string().starts_with("cannot open for writing: "),
            "{missing}"
        );
    }

    #[test]
    fn escaped_paths_stay_on_one_line() {
        let shown = display_path(Path::new("a\r\nb\tc\u{1b}[2J.png")).to_string();
        assert_eq!(shown, "a\\r\\nb\\tc\\u{1b}[2J.png");
        assert!(!shown.chars().any(char::is_control));
    }
}
