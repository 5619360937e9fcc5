//! Why one file failed: a message naming the file for people, and a stable kind for scripts
//! (`--json` prints it as `error.kind`).

use crate::pipeline::OpError;
use serde::Serialize;
use std::fmt;
use std::path::Path;
use viewlib::io::{FileErrorKind, ImageFileError, display_path};

/// What went wrong with a file, as a stable snake_case word in `--json` output.
///
/// ```
/// use imgdemo::batch::ErrorKind;
/// assert_eq!(serde_json::to_string(&ErrorKind::OutputExists)?, "\"output_exists\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input does not exist.
    NotFound,
    /// The input cannot be opened or listed (permission, ...).
    Open,
    /// The input is a FIFO, device or socket; it was not read.
    NotAFile,
    /// Reading failed midway, or the file shrank while it was read.
    Read,
    /// Not an image in a format this build reads.
    UnknownFormat,
    /// Corrupt, truncated, or a feature the decoder does not support.
    Decode,
    /// Over `--max-pixels` or `--max-memory`.
    TooLarge,
    /// An `--op` that does not fit the image (a crop outside it, `channel=A` without alpha).
    Operation,
    /// The output format cannot take the image (colour as PGM), or `--in-place` cannot
    /// change this file (not binary PNM or farbfeld, samples not of full range).
    Unsupported,
    /// The encoder failed.
    Encode,
    /// Writing, syncing or renaming the output failed.
    Write,
    /// Another process holds a lock on the file (`--in-place`).
    Locked,
    /// The output exists (neither `--overwrite` nor `--skip-existing`).
    OutputExists,
    /// The output would be the input itself, or the input is the output folder.
    InputIsOutput,
    /// With `--keep-tree`: another input has the same output path.
    OutputCollision,
    /// With `--keep-tree`: the input is not inside the folder its path is taken relative to.
    OutsideTree,
    /// A contained panic (a bug: please report it).
    Internal,
}

impl ErrorKind {
    /// The kind of an I/O error met opening or listing an input.
    pub fn of_io(error: &std::io::Error) -> ErrorKind {
        match error.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            _ => ErrorKind::Open,
        }
    }
}

/// One file's failure: its kind and a one-line message naming the file.
///
/// ```
/// use imgdemo::batch::{ErrorKind, FileError};
/// let err = FileError::about(ErrorKind::Decode, "a\nb.png".as_ref(), "cannot decode");
/// assert_eq!(err.to_string(), "a\\nb.png: cannot decode"); // one line, whatever the name
/// let missing = FileError::from(viewlib::io::load("no/such.png").unwrap_err());
/// assert_eq!(missing.kind, ErrorKind::NotFound);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Why, naming the file (control characters escaped).
    pub message: String,
}

impl FileError {
    /// An error of `kind` with a whole `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> FileError {
        FileError {
            kind,
            message: message.into(),
        }
    }

    /// An error of `kind` about `path`: `path: detail`.
    pub fn about(kind: ErrorKind, path: &Path, detail: impl fmt::Display) -> FileError {
        FileError::new(kind, format!("{}: {detail}", display_path(path)))
    }

    /// An operation that does not fit the image in `path`.
    pub fn operation(path: &Path, error: OpError) -> FileError {
        FileError::about(ErrorKind::Operation, path, error)
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FileError {}

impl From<ImageFileError> for FileError {
    fn from(error: ImageFileError) -> FileError {
        let kind = match error.kind() {
            FileErrorKind::OpenForReading(e) => ErrorKind::of_io(e),
            FileErrorKind::NotAFile { .. } => ErrorKind::NotAFile,
            FileErrorKind::Read(_) | FileErrorKind::ShrankWhileOpen { .. } => ErrorKind::Read,
            FileErrorKind::Map(_) => ErrorKind::Read,
            FileErrorKind::UnknownFormat { .. } => ErrorKind::UnknownFormat,
            FileErrorKind::Decode { .. }
            | FileErrorKind::DecodePng(_)
            | FileErrorKind::DecoderPanicked { .. }
            | FileErrorKind::BadHeader { .. }
            | FileErrorKind::Truncated { .. } => ErrorKind::Decode,
            FileErrorKind::TooManyPixels { .. }
            | FileErrorKind::TooManyBytes { .. }
            | FileErrorKind::MemoryLimit { .. }
            | FileErrorKind::UnboundedMemory { .. }
            | FileErrorKind::View(_) => ErrorKind::TooLarge,
            FileErrorKind::Unsupported { .. }
            | FileErrorKind::SampleType { .. }
            | FileErrorKind::Misaligned { .. } => ErrorKind::Unsupported,
            FileErrorKind::Encode { .. } => ErrorKind::Encode,
            FileErrorKind::OpenForWriting(_) | FileErrorKind::Write(_) => ErrorKind::Write,
            FileErrorKind::Lock(_) | FileErrorKind::Locked => ErrorKind::Locked,
            FileErrorKind::Exists => ErrorKind::OutputExists,
            // Kinds added to viewlib later.
            _ => ErrorKind::Read,
        };
        FileError::new(kind, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words scripts match on: changing one breaks them.
    #[test]
    fn kinds_serialize_as_their_documented_words() {
        let kinds = [
            (ErrorKind::NotFound, "not_found"),
            (ErrorKind::Open, "open"),
            (ErrorKind::NotAFile, "not_a_file"),
            (ErrorKind::Read, "read"),
            (ErrorKind::UnknownFormat, "unknown_format"),
            (ErrorKind::Decode, "decode"),
            (ErrorKind::TooLarge, "too_large"),
            (ErrorKind::Operation, "operation"),
            (ErrorKind::Unsupported, "unsupported"),
            (ErrorKind::Encode, "encode"),
            (ErrorKind::Write, "write"),
            (ErrorKind::Locked, "locked"),
            (ErrorKind::OutputExists, "output_exists"),
            (ErrorKind::InputIsOutput, "input_is_output"),
            (ErrorKind::OutputCollision, "output_collision"),
            (ErrorKind::OutsideTree, "outside_tree"),
            (ErrorKind::Internal, "internal"),
        ];
        for (kind, word) in kinds {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{word}\""));
        }
    }

    #[test]
    fn image_file_errors_keep_their_message_and_get_a_kind() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not an image").unwrap();
        let err = FileError::from(viewlib::io::load(&text).unwrap_err());
        assert_eq!(err.kind, ErrorKind::UnknownFormat);
        assert!(err.message.starts_with(&text.display().to_string()));
        let exists = ImageFileError::new(&text, FileErrorKind::Exists);
        assert_eq!(FileError::from(exists).kind, ErrorKind::OutputExists);
    }
}
