//! PNM, farbfeld and raw files read and written a band of rows at a time with positioned I/O:
//! the safe pattern for files that other programs may change.

use super::header::FileLayout;
use super::image::{check_sample, open_checked};
use crate::ViewError;
use crate::io::{FileErrorKind, ImageFileError};
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use std::fs::File;
use std::path::{Path, PathBuf};

/// An image file of a known [`FileLayout`] whose rows are copied into and out of buffers the
/// caller owns (`pread`/`pwrite`), instead of mapped.
///
/// A map is a window onto the file: if another process truncates it, the next access raises
/// `SIGBUS` and ends the process. A `RowFile` reads with system calls, so the same mishap is an
/// [`ImageFileError`] ([`FileErrorKind::ShrankWhileOpen`]) for this file alone. Use it for
/// passes over files that others might change (batch jobs, servers); use
/// [`MappedImage`](super::MappedImage) for random access to files you control. Holds the
/// same advisory lock as a map (shared to read, exclusive to write).
///
/// ```
/// use viewlib::{mapped::RowFile, ImageBuf, ops::Alpha};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("tiny.pgm");
/// std::fs::write(&path, b"P5\n3 2\n255\n\x00\x10\x20\x30\x40\x50")?;
/// let mut file = RowFile::open_mut(&path)?;
/// let mut band = ImageBuf::<u8>::new(1, 3, 1)?; // one row at a time
/// for row in 0..2 {
///     file.read_rows(row, band.view_mut())?;
///     band.view_mut().invert_in_place(Alpha::Keep);
///     file.write_rows(row, band.view())?;
/// }
/// file.sync()?;
/// assert_eq!(std::fs::read(&path)?, b"P5\n3 2\n255\n\xff\xef\xdf\xcf\xbf\xaf");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RowFile {
    file: File,
    layout: FileLayout,
    path: PathBuf,
    writable: bool,
}

impl RowFile {
    /// Opens a binary PNM or farbfeld file for reading rows, after checking its header and
    /// length (the checks of [`MappedImage::open`](super::MappedImage::open)).
    pub fn open(path: impl AsRef<Path>) -> Result<RowFile, ImageFileError> {
        RowFile::open_with(path.as_ref(), None, false)
    }

    /// Opens a binary PNM or farbfeld file for reading and writing rows in place. Fails with
    /// [`FileErrorKind::OpenForWriting`] on a file that cannot be written, and with
    /// [`FileErrorKind::Locked`] while another viewlib program has it open.
    pub fn open_mut(path: impl AsRef<Path>) -> Result<RowFile, ImageFileError> {
        RowFile::open_with(path.as_ref(), None, true)
    }

    /// Opens a file of headerless samples laid out as `layout` says, for reading, or also for
    /// writing when `writable`.
    pub fn open_raw(
        path: impl AsRef<Path>,
        layout: FileLayout,
        writable: bool,
    ) -> Result<RowFile, ImageFileError> {
        RowFile::open_with(path.as_ref(), Some(layout), writable)
    }

    fn open_with(
        path: &Path,
        layout: Option<FileLayout>,
        writable: bool,
    ) -> Result<RowFile, ImageFileError> {
        let (file, layout) = open_checked(path, writable, layout)?;
        Ok(RowFile {
            file,
            layout,
            path: path.to_path_buf(),
            writable,
        })
    }

    /// The file's layout.
    #[must_use]
    pub fn layout(&self) -> &FileLayout {
        &self.layout
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fills `band` (`[rows, width, channels]`, contiguous) with the file's rows starting at
    /// `first_row`. `T` is the file's sample type, as for
    /// [`MappedImage::view`](super::MappedImage::view) (byte-order types are always accepted).
    pub fn read_rows<T: Sample>(
        &self,
        first_row: usize,
        mut band: ViewMut<'_, T, 3>,
    ) -> Result<(), ImageFileError> {
        let offset = self.rows_at::<T>(first_row, band.shape())?;
        let samples = band.as_slice_mut().ok_or_else(|| {
            self.error(FileErrorKind::from(ViewError::NotContiguous {
                operation: "RowFile::read_rows",
            }))
        })?;
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(samples);
        read_exact_at(&self.file, bytes, offset).map_err(|e| self.io_error(e, offset, bytes.len()))
    }

    /// Writes `band` (`[rows, width, channels]`, contiguous) over the file's rows starting
    /// at `first_row`. The file must have been opened writable.
    pub fn write_rows<T: Sample>(
        &mut self,
        first_row: usize,
        band: View<'_, T, 3>,
    ) -> Result<(), ImageFileError> {
        if !self.writable {
            return Err(
                self.error(FileErrorKind::OpenForWriting(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "opened read-only (use RowFile::open_mut)",
                ))),
            );
        }
        let offset = self.rows_at::<T>(first_row, band.shape())?;
        let samples = band.as_slice().ok_or_else(|| {
            self.error(FileErrorKind::from(ViewError::NotContiguous {
                operation: "RowFile::write_rows",
            }))
        })?;
        let bytes: &[u8] = bytemuck::cast_slice(samples);
        // A file cut short since it was opened would silently grow back with a hole: refuse.
        self.check_length()?;
        write_all_at(&self.file, bytes, offset).map_err(|e| self.error(FileErrorKind::Write(e)))
    }

    /// Waits until the written rows are on disk, then checks that the file still holds every
    /// sample (another process may have truncated it).
    pub fn sync(&self) -> Result<(), ImageFileError> {
        if self.writable {
            self.file
                .sync_data()
                .map_err(|e| self.error(FileErrorKind::Write(e)))?;
        }
        self.check_length()
    }

    /// The byte offset of `first_row`, after checking that a band of `shape` and `T` is
    /// rows of this file.
    fn rows_at<T: Sample>(
        &self,
        first_row: usize,
        shape: [usize; 3],
    ) -> Result<u64, ImageFileError> {
        check_sample::<T>(&self.layout).map_err(|e| self.error(e))?;
        let [height, width, channels] = self.layout.shape();
        let [rows, w, c] = shape;
        let fits = first_row.checked_add(rows).is_some_and(|end| end <= height);
        if !fits || w != width || c != channels {
            return Err(self.error(FileErrorKind::Unsupported {
                what: format!(
                    "rows {first_row}..{} of {w}x{c} samples",
                    first_row.saturating_add(rows)
                ),
                format: format!("this {height}x{width}x{channels} file"),
            }));
        }
        // Both fit: the layout's byte count was checked against u64 and the file's length.
        Ok(self.layout.data_offset() + (first_row as u64) * self.layout.row_bytes() as u64)
    }

    fn check_length(&self) -> Result<(), ImageFileError> {
        let file_len = self
            .file
            .metadata()
            .map_err(|e| self.error(FileErrorKind::Read(e)))?
            .len();
        if file_len < self.layout.file_len() {
            return Err(self.error(FileErrorKind::ShrankWhileOpen {
                needed: self.layout.file_len(),
                file_len,
            }));
        }
        Ok(())
    }

    fn io_error(&self, e: std::io::Error, offset: u64, len: usize) -> ImageFileError {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            let file_len = self.file.metadata().map_or(0, |m| m.len());
            return self.error(FileErrorKind::ShrankWhileOpen {
                needed: offset + len as u64,
                file_len,
            });
        }
        self.error(FileErrorKind::Read(e))
    }

    fn error(&self, kind: FileErrorKind) -> ImageFileError {
        ImageFileError::new(&self.path, kind)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(not(unix))]
fn write_all_at(mut file: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ImageBuf;
    use crate::U16Be;

    fn ppm16(dir: &Path) -> PathBuf {
        let path = dir.join("rows.ppm");
        let mut bytes = b"P6 2 3 65535\n".to_vec();
        bytes.extend((0u16..18).flat_map(|v| (v * 1000).to_be_bytes()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn rows_read_and_write_in_the_files_byte_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = ppm16(dir.path());
        let mut file = RowFile::open_mut(&path).unwrap();
        let mut band = ImageBuf::<U16Be>::new(2, 2, 3).unwrap();
        file.read_rows(1, band.view_mut()).unwrap();
        let values: Vec<u16> = band.view().values().collect();
        assert_eq!(values, (6u16..18).map(|v| v * 1000).collect::<Vec<_>>());
        band.view_mut().fill(7);
        file.write_rows(1, band.view()).unwrap();
        file.sync().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[13 + 12..13 + 14], &[0, 7]);
        assert_eq!(&bytes[13..15], &[0, 0]); // row 0 untouched
        // Wrong sample type, wrong shape, rows past the end: errors, nothing read.
        let mut bytes8 = ImageBuf::<u8>::new(1, 2, 3).unwrap();
        assert!(matches!(
            file.read_rows(0, bytes8.view_mut()).unwrap_err().kind(),
            FileErrorKind::SampleType { .. }
        ));
        let mut wide = ImageBuf::<U16Be>::new(1, 3, 3).unwrap();
        assert!(matches!(
            file.read_rows(0, wide.view_mut()).unwrap_err().kind(),
            FileErrorKind::Unsupported { .. }
        ));
        assert!(file.read_rows(2, band.view_mut()).is_err());
        assert!(file.read_rows(usize::MAX, band.view_mut()).is_err());
    }

    #[test]
    fn a_file_truncated_while_open_is_an_error_not_a_signal() {
        let dir = tempfile::tempdir().unwrap();
        let path = ppm16(dir.path());
        let mut file = RowFile::open_mut(&path).unwrap();
        // Another process ignoring the advisory lock cuts the file after row 0.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(13 + 12)
            .unwrap();
        let mut band = ImageBuf::<U16Be>::new(1, 2, 3).unwrap();
        file.read_rows(0, band.view_mut()).unwrap();
        let err = file.read_rows(1, band.view_mut()).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                FileErrorKind::ShrankWhileOpen {
                    needed: 37,
                    file_len: 25
                }
            ),
            "{err}"
        );
        let err = file.write_rows(0, band.view()).unwrap_err();
        assert!(
            matches!(err.kind(), FileErrorKind::ShrankWhileOpen { .. }),
            "{err}"
        );
        assert!(file.sync().is_err());
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            25,
            "not grown back"
        );
    }

    #[test]
    fn read_only_files_cannot_be_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = ppm16(dir.path());
        let mut file = RowFile::open(&path).unwrap();
        let band = ImageBuf::<U16Be>::new(1, 2, 3).unwrap();
        let err = file.write_rows(0, band.view()).unwrap_err();
        assert!(matches!(err.kind(), FileErrorKind::OpenForWriting(_)));
    }
}
