//! Mapped files as views: read-only, writable in place, and new files written through a map.

use super::header::{FileLayout, MAX_HEADER_BYTES};
use super::map::{self, Prefault};
use crate::io::{FileErrorKind, ImageFileError, PendingFile};
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use core::ops::Range;
use memmap2::{Mmap, MmapMut};
use std::fs::{File, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// An image file mapped read-only: its samples as a [`View`] without reading them into
/// memory. Pages are read from disk when a view first touches them.
///
/// Holds a shared lock on the file while it lives (see the [module docs](super) for what
/// another process truncating or rewriting a mapped file does).
///
/// ```
/// use viewlib::mapped::MappedImage;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("tiny.pgm");
/// std::fs::write(&path, b"P5\n3 2\n255\n\x00\x10\x20\x30\x40\x50")?;
/// let image = MappedImage::open(&path)?;
/// let view = image.view::<u8>()?; // [height, width, channels]
/// assert_eq!((view.shape(), view.get([1, 2, 0])), ([2, 3, 1], Some(0x50)));
/// // Asking for the wrong sample type is an error, not a reinterpretation.
/// assert!(image.view::<u16>().unwrap_err().to_string().contains("stores `B` samples"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MappedImage {
    map: Mmap,
    layout: FileLayout,
    path: PathBuf,
    // Keeps the advisory lock for as long as the map lives.
    _file: File,
}

/// An image file mapped for writing: kernels run on its [`ViewMut`] in place, changing the
/// file. [`flush`](Self::flush) waits until the changes are on disk; without it they reach the
/// file anyway, when the kernel writes the pages back.
///
/// Holds an exclusive lock on the file while it lives.
///
/// ```
/// use viewlib::{mapped::MappedImageMut, ops::Alpha, U16Be};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("tiny.ppm");
/// // A 16-bit PPM: big-endian samples, viewed as U16Be without swapping bytes.
/// std::fs::write(&path, b"P6 1 1 65535\n\x00\x01\x12\x34\xff\xff")?;
/// let mut image = MappedImageMut::open(&path)?;
/// image.view_mut::<U16Be>()?.invert_in_place(Alpha::Keep);
/// image.flush()?;
/// assert_eq!(std::fs::read(&path)?, b"P6 1 1 65535\n\xff\xfe\xed\xcb\x00\x00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MappedImageMut {
    map: MmapMut,
    layout: FileLayout,
    path: PathBuf,
    _file: File,
}

/// A new image file of a given layout, written through a map and put in place atomically by
/// [`commit`](Self::commit): a crop or channel of a huge image goes straight to disk, with no
/// intermediate buffer. Until then it is a temporary file beside the target, removed if this
/// is dropped.
///
/// ```
/// use viewlib::mapped::{FileLayout, MappedImage, MappedOutput, SampleType};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("tiny.pgm");
/// std::fs::write(&path, b"P5\n3 2\n255\n\x00\x10\x20\x30\x40\x50")?;
/// let source = MappedImage::open(&path)?;
/// let crop = source.view::<u8>()?.crop(1, 0, 2, 2)?;
/// let out_path = dir.path().join("crop.pgm");
/// let mut out = MappedOutput::create(&out_path, FileLayout::pnm(2, 2, 1, SampleType::U8)?, false)?;
/// out.view_mut::<u8>()?.copy_from(crop)?;
/// assert!(!out_path.exists()); // not in place yet
/// out.commit()?;
/// assert_eq!(std::fs::read(&out_path)?, b"P5\n2 2\n255\n\x10\x20\x40\x50");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MappedOutput {
    image: MappedImageMut,
    pending: PendingFile,
}

/// Opens `path`, locks it, and checks its length against `layout` (or the layout its header
/// declares): everything that can fail before a map exists.
pub(super) fn open_checked(
    path: &Path,
    write: bool,
    layout: Option<FileLayout>,
) -> Result<(File, FileLayout), ImageFileError> {
    let fail = |kind| ImageFileError::new(path, kind);
    let file = crate::io::open_regular(path, write).map_err(fail)?;
    let locked = if write {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match locked {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(fail(FileErrorKind::Locked)),
        // A file system without locks: nothing to guard with, map anyway.
        Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {}
        Err(TryLockError::Error(e)) => return Err(fail(FileErrorKind::Lock(e))),
    }
    let layout = match layout {
        Some(layout) => layout,
        None => {
            let mut head = Vec::with_capacity(4096);
            (&file)
                .take(MAX_HEADER_BYTES as u64)
                .read_to_end(&mut head)
                .map_err(|e| fail(FileErrorKind::Read(e)))?;
            FileLayout::parse(&head).map_err(fail)?
        }
    };
    let file_len = file
        .metadata()
        .map_err(|e| fail(FileErrorKind::Read(e)))?
        .len();
    if file_len < layout.file_len() {
        return Err(fail(FileErrorKind::Truncated {
            format: layout.kind().name().into(),
            offset: layout.data_offset(),
            needed: layout.data_len(),
            file_len,
        }));
    }
    Ok((file, layout))
}

/// The samples of `bytes` as `T`, if `T` is the file's sample type and is aligned there.
fn samples<'a, T: Sample>(layout: &FileLayout, bytes: &'a [u8]) -> Result<&'a [T], FileErrorKind> {
    check_sample::<T>(layout)?;
    bytemuck::try_cast_slice(bytes).map_err(|_| misaligned::<T>(layout))
}

fn samples_mut<'a, T: Sample>(
    layout: &FileLayout,
    bytes: &'a mut [u8],
) -> Result<&'a mut [T], FileErrorKind> {
    check_sample::<T>(layout)?;
    bytemuck::try_cast_slice_mut(bytes).map_err(|_| misaligned::<T>(layout))
}

pub(super) fn check_sample<T: Sample>(layout: &FileLayout) -> Result<(), FileErrorKind> {
    if layout.sample_type().accepts::<T>() {
        Ok(())
    } else {
        Err(FileErrorKind::SampleType {
            stored: layout.sample_type().format(),
            requested: T::FORMAT,
        })
    }
}

fn misaligned<T: Sample>(layout: &FileLayout) -> FileErrorKind {
    FileErrorKind::Misaligned {
        offset: layout.data_offset(),
        requested: T::FORMAT,
        align: align_of::<T>(),
    }
}

/// The byte range in the map of `rows` (clamped to the image).
fn row_bytes(layout: &FileLayout, rows: Range<usize>) -> (usize, usize) {
    let [height, ..] = layout.shape();
    let row = layout.row_bytes();
    let (start, end) = (rows.start.min(height), rows.end.min(height));
    let offset = layout.data_offset() as usize + start * row;
    (offset, end.saturating_sub(start) * row)
}

/// `rows` (clamped to the image) in bands of `rows_per_band`.
fn band_rows(
    layout: &FileLayout,
    rows: Range<usize>,
    rows_per_band: usize,
) -> impl Iterator<Item = Range<usize>> {
    let end = rows.end.min(layout.shape()[0]);
    let step = rows_per_band.max(1);
    (rows.start.min(end)..end)
        .step_by(step)
        .map(move |start| start..(start + step).min(end))
}

macro_rules! common_methods {
    () => {
        /// Where and how the file keeps its samples.
        #[must_use]
        pub fn layout(&self) -> &FileLayout {
            &self.layout
        }

        /// The mapped file.
        #[must_use]
        pub fn path(&self) -> &Path {
            &self.path
        }

        /// The samples' bytes, as stored.
        #[must_use]
        pub fn bytes(&self) -> &[u8] {
            let start = self.layout.data_offset() as usize;
            &self.map[start..]
        }

        /// The whole image as a read-only `[height, width, channels]` view of `T`, which must
        /// be the file's sample type: the byte-order type ([`U16Be`](crate::U16Be) for 16-bit
        /// PNM and farbfeld), or the native type when the file's order is the machine's and
        /// the samples are aligned for it.
        pub fn view<T: Sample>(&self) -> Result<View<'_, T, 3>, ImageFileError> {
            let samples = samples(&self.layout, self.bytes()).map_err(|e| self.error(e))?;
            Ok(View::from_slice(samples, self.layout.shape())
                .expect("the layout's sample count is the map's"))
        }

        fn error(&self, kind: FileErrorKind) -> ImageFileError {
            ImageFileError::new(&self.path, kind)
        }
    };
}

impl MappedImage {
    /// Maps a binary PNM (`P5`, `P6`, 8 or 16-bit) or farbfeld file for reading, after
    /// checking its header and that the file holds every sample the header declares.
    pub fn open(path: impl AsRef<Path>) -> Result<MappedImage, ImageFileError> {
        MappedImage::open_with(path.as_ref(), None)
    }

    /// Maps a file of headerless samples laid out as `layout` says ([`FileLayout::raw`]), like
    /// `numpy.memmap(path, mode="r")`. Bytes past the layout's end are ignored.
    ///
    /// ```
    /// use viewlib::{mapped::{FileLayout, MappedImage, SampleType}, U16Le};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("dump.raw");
    /// std::fs::write(&path, [0xAA, 1, 0, 2, 0, 3, 1])?; // a 1-byte preamble, then <u2 samples
    /// let layout = FileLayout::raw([1, 3, 1], SampleType::U16Le, 1)?;
    /// let image = MappedImage::open_raw(&path, layout)?;
    /// let values: Vec<u16> = image.view::<U16Le>()?.values().collect();
    /// assert_eq!(values, [1, 2, 259]);
    /// // One sample more than the file holds: an error before anything is mapped.
    /// let too_big = FileLayout::raw([1, 4, 1], SampleType::U16Le, 1)?;
    /// let err = MappedImage::open_raw(&path, too_big).unwrap_err().to_string();
    /// assert!(err.ends_with("declares 8 bytes of samples from byte 1, but the file has 7 bytes"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_raw(
        path: impl AsRef<Path>,
        layout: FileLayout,
    ) -> Result<MappedImage, ImageFileError> {
        MappedImage::open_with(path.as_ref(), Some(layout))
    }

    fn open_with(path: &Path, layout: Option<FileLayout>) -> Result<MappedImage, ImageFileError> {
        let (file, layout) = open_checked(path, false, layout)?;
        let map = map::map_read(&file, layout.file_len() as usize)
            .map_err(|e| ImageFileError::new(path, FileErrorKind::Map(e)))?;
        Ok(MappedImage {
            map,
            layout,
            path: path.to_path_buf(),
            _file: file,
        })
    }

    common_methods!();

    /// Drops the pages of `rows` from this process's resident memory (they are read again
    /// from the file if a view touches them later). Reading a huge file band by band and
    /// releasing each band keeps resident memory at about one band.
    pub fn release_rows(&mut self, rows: Range<usize>) -> Result<(), ImageFileError> {
        let (offset, len) = row_bytes(&self.layout, rows);
        map::release_read(&mut self.map, offset, len)
            .map_err(|e| ImageFileError::new(&self.path, FileErrorKind::Map(e)))
    }

    /// Calls `f(first_row, band)` on the image's `rows` (clamped to its height) in bands of
    /// `rows_per_band` rows from top to bottom, releasing each band's pages after it: a pass
    /// over a file larger than memory with resident memory of about one band.
    pub fn for_each_band<T: Sample>(
        &mut self,
        rows: Range<usize>,
        rows_per_band: usize,
        mut f: impl FnMut(usize, View<'_, T, 3>),
    ) -> Result<(), ImageFileError> {
        let _ = self.view::<T>()?; // a wrong sample type fails before any band is touched
        let layout = self.layout;
        for rows in band_rows(&layout, rows, rows_per_band) {
            let (offset, len) = row_bytes(&layout, rows.clone());
            self.map.prefault(offset, len);
            let band = self
                .view::<T>()?
                .slice_along(0, rows.clone())
                .expect("bands lie inside the image");
            f(rows.start, band);
            self.release_rows(rows)?;
        }
        Ok(())
    }
}

impl MappedImageMut {
    /// Maps a binary PNM or farbfeld file for reading and writing, after checking its header
    /// and length. Fails with [`FileErrorKind::Locked`] if another viewlib map holds it.
    pub fn open(path: impl AsRef<Path>) -> Result<MappedImageMut, ImageFileError> {
        MappedImageMut::open_with(path.as_ref(), None)
    }

    /// Maps a file of headerless samples for reading and writing, like
    /// `numpy.memmap(path, mode="r+")`.
    pub fn open_raw(
        path: impl AsRef<Path>,
        layout: FileLayout,
    ) -> Result<MappedImageMut, ImageFileError> {
        MappedImageMut::open_with(path.as_ref(), Some(layout))
    }

    fn open_with(
        path: &Path,
        layout: Option<FileLayout>,
    ) -> Result<MappedImageMut, ImageFileError> {
        let (file, layout) = open_checked(path, true, layout)?;
        MappedImageMut::map(file, layout, path)
    }

    fn map(file: File, layout: FileLayout, path: &Path) -> Result<MappedImageMut, ImageFileError> {
        let map = map::map_write(&file, layout.file_len() as usize)
            .map_err(|e| ImageFileError::new(path, FileErrorKind::Map(e)))?;
        Ok(MappedImageMut {
            map,
            layout,
            path: path.to_path_buf(),
            _file: file,
        })
    }

    common_methods!();

    /// The whole image as a writable view of `T` (the file's sample type, as for
    /// [`view`](Self::view)): what kernels write through it changes the file.
    pub fn view_mut<T: Sample>(&mut self) -> Result<ViewMut<'_, T, 3>, ImageFileError> {
        let start = self.layout.data_offset() as usize;
        let shape = self.layout.shape();
        let samples = samples_mut(&self.layout, &mut self.map[start..])
            .map_err(|e| ImageFileError::new(&self.path, e))?;
        Ok(ViewMut::from_slice(samples, shape).expect("the layout's sample count is the map's"))
    }

    /// The samples' bytes, writable.
    pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
        let start = self.layout.data_offset() as usize;
        &mut self.map[start..]
    }

    /// Writes the changed pages to disk and waits for it (`msync`).
    pub fn flush(&self) -> Result<(), ImageFileError> {
        self.map
            .flush()
            .map_err(|e| ImageFileError::new(&self.path, FileErrorKind::Write(e)))
    }

    /// Drops the pages of `rows` from this process's resident memory; changes in them are
    /// kept and reach the file as usual.
    pub fn release_rows(&mut self, rows: Range<usize>) -> Result<(), ImageFileError> {
        let (offset, len) = row_bytes(&self.layout, rows);
        map::release_write(&mut self.map, offset, len)
            .map_err(|e| ImageFileError::new(&self.path, FileErrorKind::Map(e)))
    }

    /// Calls `f(first_row, band)` on the image's `rows` (clamped to its height) as writable
    /// bands of `rows_per_band` rows from top to bottom, releasing each band's pages after it:
    /// an in-place pass over a file larger than memory with resident memory of about one band.
    /// Pages outside `rows` are not touched.
    ///
    /// ```
    /// use viewlib::mapped::{FileLayout, MappedOutput, MappedImageMut, SampleType};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("ramp.pgm");
    /// let mut out = MappedOutput::create(&path, FileLayout::pnm(4, 5, 1, SampleType::U8)?, false)?;
    /// out.for_each_band_mut::<u8>(0..5, 2, |first_row, mut band| band.fill(first_row as u8))?;
    /// out.commit()?;
    /// assert_eq!(&std::fs::read(&path)?[11..], [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 4, 4, 4, 4]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_each_band_mut<T: Sample>(
        &mut self,
        rows: Range<usize>,
        rows_per_band: usize,
        mut f: impl FnMut(usize, ViewMut<'_, T, 3>),
    ) -> Result<(), ImageFileError> {
        let _ = self.view::<T>()?; // a wrong sample type fails before any band is touched
        let layout = self.layout;
        for rows in band_rows(&layout, rows, rows_per_band) {
            let (offset, len) = row_bytes(&layout, rows.clone());
            self.map.prefault(offset, len);
            let band = self
                .view_mut::<T>()?
                .slice_along(0, rows.clone())
                .expect("bands lie inside the image");
            f(rows.start, band);
            self.release_rows(rows)?;
        }
        Ok(())
    }
}

impl MappedOutput {
    /// Creates a temporary file beside `path` with `layout`'s header and room for every
    /// sample (zero until written; sparse where the file system allows), and maps it for
    /// writing. Fails at once if `path` exists and `overwrite` is false.
    pub fn create(
        path: impl AsRef<Path>,
        layout: FileLayout,
        overwrite: bool,
    ) -> Result<MappedOutput, ImageFileError> {
        let path = path.as_ref();
        let fail = |e| ImageFileError::new(path, FileErrorKind::Write(e));
        let pending = crate::io::atomic::create_pending(path, overwrite)?;
        let mut file = pending.file().try_clone().map_err(fail)?;
        file.write_all(&layout.header_bytes()).map_err(fail)?;
        file.set_len(layout.file_len()).map_err(fail)?;
        let mut image = MappedImageMut::map(file, layout, path)?;
        image.path = path.to_path_buf();
        Ok(MappedOutput { image, pending })
    }

    /// Where [`commit`](Self::commit) puts the file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.image.path
    }

    /// The new file's layout.
    #[must_use]
    pub fn layout(&self) -> &FileLayout {
        &self.image.layout
    }

    /// The samples written so far, as a view of `T`.
    pub fn view<T: Sample>(&self) -> Result<View<'_, T, 3>, ImageFileError> {
        self.image.view()
    }

    /// The new image as a writable view of `T` (the layout's sample type).
    pub fn view_mut<T: Sample>(&mut self) -> Result<ViewMut<'_, T, 3>, ImageFileError> {
        self.image.view_mut()
    }

    /// As [`MappedImageMut::release_rows`].
    pub fn release_rows(&mut self, rows: Range<usize>) -> Result<(), ImageFileError> {
        self.image.release_rows(rows)
    }

    /// As [`MappedImageMut::for_each_band_mut`].
    pub fn for_each_band_mut<T: Sample>(
        &mut self,
        rows: Range<usize>,
        rows_per_band: usize,
        f: impl FnMut(usize, ViewMut<'_, T, 3>),
    ) -> Result<(), ImageFileError> {
        self.image.for_each_band_mut(rows, rows_per_band, f)
    }

    /// Writes the samples to disk, waits for it, and moves the file to its target (without
    /// replacing a file that appeared there meanwhile, unless `overwrite` was given).
    pub fn commit(self) -> Result<(), ImageFileError> {
        self.image.flush()?;
        drop(self.image);
        self.pending.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapped::SampleType;

    #[test]
    fn release_keeps_written_samples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.pgm");
        // Rows of several pages, so releasing really drops pages.
        let layout = FileLayout::pnm(10_000, 9, 1, SampleType::U8).unwrap();
        let mut out = MappedOutput::create(&path, layout, false).unwrap();
        out.for_each_band_mut::<u8>(0..usize::MAX, 2, |first, mut band| {
            band.fill(first as u8 + 1)
        })
        .unwrap();
        // Read back through the same map after every page was released.
        let view = out.view::<u8>().unwrap();
        for y in 0..9 {
            assert_eq!(view.get([y, 9_999, 0]), Some((y / 2 * 2 + 1) as u8));
        }
        out.commit().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, layout.file_len());
        assert_eq!(bytes[bytes.len() - 1], 9);
    }

    #[test]
    fn a_writer_excludes_other_maps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pgm");
        std::fs::write(&path, b"P5 1 1 255\n\x07").unwrap();
        let writer = MappedImageMut::open(&path).unwrap();
        for err in [
            MappedImage::open(&path).unwrap_err(),
            MappedImageMut::open(&path).unwrap_err(),
        ] {
            assert!(matches!(err.kind(), FileErrorKind::Locked), "{err}");
        }
        drop(writer);
        let a = MappedImage::open(&path).unwrap();
        let b = MappedImage::open(&path).unwrap(); // readers share
        assert_eq!(a.view::<u8>().unwrap().get([0, 0, 0]), Some(7));
        assert_eq!(b.bytes(), [7]);
    }

    #[test]
    fn dropping_an_uncommitted_output_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("never.ff");
        let out = MappedOutput::create(&path, FileLayout::farbfeld(3, 3).unwrap(), false).unwrap();
        drop(out);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
