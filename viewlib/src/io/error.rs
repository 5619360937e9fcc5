//! The error of file operations: which file, and why.

use std::path::{Path, PathBuf};
use thiserror::Error;

/// A file could not be loaded or saved. Displays as `path: cause` on one line: control
/// characters in the path are escaped ([`display_path`](super::display_path)).
///
/// ```
/// let err = viewlib::io::load("no/such/file.png").unwrap_err();
/// assert_eq!(err.path(), std::path::Path::new("no/such/file.png"));
/// assert!(matches!(err.kind(), viewlib::io::FileErrorKind::OpenForReading(_)));
/// assert!(err.to_string().starts_with("no/such/file.png: cannot open for reading: "));
/// ```
#[derive(Debug, Error)]
#[error("{}: {kind}", super::display_path(path))]
pub struct ImageFileError {
    path: PathBuf,
    #[source]
    kind: FileErrorKind,
}

impl ImageFileError {
    /// An error about `path`.
    pub fn new(path: impl Into<PathBuf>, kind: FileErrorKind) -> Self {
        ImageFileError {
            path: path.into(),
            kind,
        }
    }

    /// The file the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why it failed.
    #[must_use]
    pub fn kind(&self) -> &FileErrorKind {
        &self.kind
    }

    /// Why it failed, by value.
    #[must_use]
    pub fn into_kind(self) -> FileErrorKind {
        self.kind
    }
}

/// Why a file could not be loaded or saved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FileErrorKind {
    /// The file could not be opened for reading (missing, no permission, ...).
    #[error("cannot open for reading: {0}")]
    OpenForReading(#[source] std::io::Error),
    /// The file could not be opened for writing (read-only, no permission, ...).
    #[error("cannot open for writing: {0}")]
    OpenForWriting(#[source] std::io::Error),
    /// The path names something that is not a regular file; it was not read.
    #[error("not a regular file but {kind}; refused without reading it")]
    NotAFile {
        /// What it is: `a FIFO (named pipe)`, `a character device`, `a folder`, ...
        kind: &'static str,
    },
    /// Reading the opened file failed.
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    /// Locking the file failed (other than because another process holds the lock).
    #[error("cannot lock: {0}")]
    Lock(#[source] std::io::Error),
    /// Neither the content nor the extension names a format this build decodes.
    #[error("not an image in a format this build decodes (content not recognised{})",
        extension.as_ref().map(|e| format!(", extension `.{e}` unknown")).unwrap_or_default())]
    UnknownFormat {
        /// The file's extension, if it has one.
        extension: Option<String>,
    },
    /// The header declares more pixels than [`Limits::max_pixels`](super::Limits::max_pixels).
    #[error("declares {width}x{height} = {pixels} pixels, over the limit of {max_pixels}")]
    TooManyPixels {
        /// Declared width.
        width: u64,
        /// Declared height.
        height: u64,
        /// `width * height`.
        pixels: u64,
        /// The limit.
        max_pixels: u64,
    },
    /// Decoding would allocate more than [`Limits::max_bytes`](super::Limits::max_bytes).
    #[error("decoding needs {needed} bytes, over the limit of {max_bytes}")]
    TooManyBytes {
        /// Bytes the decoded image needs.
        needed: u64,
        /// The limit.
        max_bytes: u64,
    },
    /// The decoder reached [`Limits::max_bytes`](super::Limits::max_bytes) while reading
    /// (metadata chunks and working memory count, not only the pixels).
    #[error("decoding needs more than the memory limit of {max_bytes} bytes")]
    MemoryLimit {
        /// The limit.
        max_bytes: u64,
    },
    /// The headers describe a file whose decoding memory cannot be bounded (a TIFF tag list
    /// past the end of the file, an old-style JPEG-in-TIFF, a tile larger than the limit):
    /// refused before the decoder allocated anything.
    #[error("cannot decode within bounded memory: {reason}")]
    UnboundedMemory {
        /// The format the file was read as.
        format: String,
        /// What in the headers makes it unbounded, with the numbers.
        reason: String,
    },
    /// The data is corrupt, truncated, or uses a feature the decoder does not support.
    #[error("cannot decode: {source}")]
    Decode {
        /// The format the file was read as.
        format: String,
        /// The decoder's explanation.
        #[source]
        source: image::ImageError,
    },
    /// A PNG decoder error (from [`load_png_samples`](super::load_png_samples)).
    #[error("cannot decode PNG: {0}")]
    DecodePng(#[source] png::DecodingError),
    /// The decoder panicked; the panic was contained and this file failed alone.
    #[error("the {format} decoder panicked: {message}")]
    DecoderPanicked {
        /// The format the file was read as.
        format: String,
        /// The panic message.
        message: String,
    },
    /// The view cannot be stored in this format (shape, channel count or sample type).
    #[error("cannot store {what} as {format}")]
    Unsupported {
        /// What was asked, e.g. `a 5-channel image`.
        what: String,
        /// The target format.
        format: String,
    },
    /// The encoder failed.
    #[error("cannot encode {format}: {message}")]
    Encode {
        /// The target format.
        format: String,
        /// The encoder's explanation.
        message: String,
    },
    /// Writing the file failed (nothing was left at the target path).
    #[error("cannot write: {0}")]
    Write(#[source] std::io::Error),
    /// The target exists and the save was not allowed to replace it.
    #[error("already exists (not replaced; allow overwriting to replace it)")]
    Exists,
    /// The header is malformed or declares an impossible image (zero or overflowing sizes, a
    /// bad maxval), or a caller-stated raw layout is impossible.
    #[error("not a valid {format} header: {reason}")]
    BadHeader {
        /// The format the file was read as: `PNM`, `farbfeld`, `raw`.
        format: String,
        /// What is wrong, with the offending values.
        reason: String,
    },
    /// The file is shorter than its header (or the caller's raw layout) says.
    #[error(
        "too short: the {format} header declares {needed} bytes of samples from byte \
        {offset}, but the file has {file_len} bytes"
    )]
    Truncated {
        /// The format the file was read as.
        format: String,
        /// Where the samples start.
        offset: u64,
        /// Bytes of samples declared.
        needed: u64,
        /// The file's actual length.
        file_len: u64,
    },
    /// Another process truncated the file while it was open: the samples end at byte
    /// `needed`, the file now has `file_len` bytes.
    #[error(
        "was truncated while open: the samples end at byte {needed}, but the file now has \
        {file_len} bytes"
    )]
    ShrankWhileOpen {
        /// Where the samples (or the rows being read) end.
        needed: u64,
        /// The file's length now.
        file_len: u64,
    },
    /// A view of another sample type than the file stores was asked for.
    #[error("stores `{stored}` samples; a view of `{requested}` was asked for")]
    SampleType {
        /// The file's sample format, in `struct` syntax (`>H`).
        stored: &'static str,
        /// The requested view's format.
        requested: &'static str,
    },
    /// The samples start at an offset not aligned for the requested native type.
    #[error(
        "samples start at byte {offset}, which is not aligned for `{requested}` \
        (alignment {align}); view them through the byte-order type, which has alignment 1"
    )]
    Misaligned {
        /// Where the samples start in the file.
        offset: u64,
        /// The requested view's format.
        requested: &'static str,
        /// Its alignment.
        align: usize,
    },
    /// A buffer could not be made: its size overflows, or the system cannot allocate it.
    /// (Boxed: `ViewError` holds 128-bit offsets, and every `Result` carries this enum.)
    #[error("{0}")]
    View(#[source] Box<crate::ViewError>),
    /// Another process holds a conflicting lock on the file.
    #[error("in use: another process holds a lock on it (a writer excludes everyone else)")]
    Locked,
    /// The operating system refused to map the file.
    #[error("cannot map into memory: {0}")]
    Map(#[source] std::io::Error),
}

impl From<crate::ViewError> for FileErrorKind {
    fn from(e: crate::ViewError) -> Self {
        FileErrorKind::View(Box::new(e))
    }
}
