//! viewlib's errors as Python exceptions, messages (with their numbers) kept.

use pyo3::PyErr;
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIndexError, PyMemoryError, PyOSError,
    PyPermissionError, PyValueError,
};
use viewlib::ViewError;
use viewlib::io::{FileErrorKind, ImageFileError};

/// A layout or shape error: `IndexError` for an index out of range (a channel past the
/// last), `MemoryError` for an allocation the system refused, `ValueError` otherwise.
pub fn view_error(error: ViewError) -> PyErr {
    match error {
        ViewError::IndexOutOfRange { .. } => PyIndexError::new_err(error.to_string()),
        ViewError::AllocationFailed { .. } => PyMemoryError::new_err(error.to_string()),
        _ => PyValueError::new_err(error.to_string()),
    }
}

/// A file error, as the `OSError` subclass Python code expects (`FileNotFoundError`,
/// `FileExistsError`, `PermissionError`), or `OSError` (as Pillow raises for files it cannot
/// decode); the message names the file.
pub fn file_error(error: ImageFileError) -> PyErr {
    let message = error.to_string();
    let io = match error.kind() {
        FileErrorKind::OpenForReading(e)
        | FileErrorKind::OpenForWriting(e)
        | FileErrorKind::Read(e)
        | FileErrorKind::Write(e) => Some(e.kind()),
        FileErrorKind::Exists => return PyFileExistsError::new_err(message),
        _ => None,
    };
    match io {
        Some(std::io::ErrorKind::NotFound) => PyFileNotFoundError::new_err(message),
        Some(std::io::ErrorKind::PermissionDenied) => PyPermissionError::new_err(message),
        _ => PyOSError::new_err(message),
    }
}

/// An error opening a raw file (`open_mapped` with `shape=` and `dtype=`): a layout the file
/// cannot hold (too short, an offset past its end, a zero dimension, a sample type images do
/// not hold, a misaligned native type) is the caller's `ValueError`, as `numpy.memmap`
/// raises it; what the system refused is [`file_error`]'s.
pub fn raw_file_error(error: ImageFileError) -> PyErr {
    match error.kind() {
        FileErrorKind::BadHeader { .. }
        | FileErrorKind::Truncated { .. }
        | FileErrorKind::SampleType { .. }
        | FileErrorKind::Misaligned { .. }
        | FileErrorKind::View(_) => PyValueError::new_err(error.to_string()),
        _ => file_error(error),
    }
}
