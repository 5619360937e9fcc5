//! PNG decoded and encoded a band of rows at a time: memory independent of the image height,
//! for PNGs larger than memory.

use super::atomic::{PendingFile, create_pending};
use super::load::contain_panics;
use super::save::{PngSample, png_color};
use super::{FileErrorKind, ImageFileError, Limits, SaveOptions};
use crate::raw::{View, ViewMut};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Reads a PNG's rows in order into bands the caller provides: memory is one row plus the
/// band, whatever the height.
///
/// Samples come as [`load_png_samples`](super::load_png_samples) gives them: palettes become
/// RGB or RGBA, 1/2/4-bit gray becomes 8-bit, transparency chunks become alpha. Interlaced
/// (Adam7) PNGs store rows out of order and cannot be streamed: they are refused, to be
/// loaded whole with [`load`](super::load).
///
/// ```
/// use viewlib::{io::{Limits, PngRowReader}, ImageBuf};
/// let mut reader = PngRowReader::open("assets/testcard.png", Limits::default())?;
/// assert_eq!((reader.shape(), reader.bit_depth()), ([720, 1280, 4], 8));
/// let mut band = ImageBuf::<u8>::new(100, 1280, 4)?; // 100 rows at a time
/// let mut rows = 0;
/// while reader.rows_left() > 0 {
///     let n = reader.rows_left().min(100);
///     reader.read_rows(band.view_mut().crop(0, 0, 1280, n)?)?;
///     rows += n;
/// }
/// assert_eq!(rows, 720);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PngRowReader {
    reader: png::Reader<BufReader<File>>,
    path: PathBuf,
    shape: [usize; 3],
    bit_depth: u8,
    rows_read: usize,
    row: Vec<u8>,
    max_bytes: u64,
}

impl std::fmt::Debug for PngRowReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PngRowReader")
            .field("path", &self.path)
            .field("shape", &self.shape)
            .field("bit_depth", &self.bit_depth)
            .field("rows_read", &self.rows_read)
            .finish_non_exhaustive()
    }
}

fn decode_error(max_bytes: u64) -> impl Fn(png::DecodingError) -> FileErrorKind {
    move |e| match e {
        png::DecodingError::LimitsExceeded => FileErrorKind::MemoryLimit { max_bytes },
        e => FileErrorKind::DecodePng(e),
    }
}

impl PngRowReader {
    /// Opens a PNG and reads its header. `limits.max_bytes` bounds what the decoder
    /// allocates (rows, metadata); `limits.max_pixels` does not apply, since the image is
    /// never held whole.
    pub fn open(path: impl AsRef<Path>, limits: Limits) -> Result<PngRowReader, ImageFileError> {
        let path = path.as_ref();
        PngRowReader::open_inner(path, limits).map_err(|kind| ImageFileError::new(path, kind))
    }

    fn open_inner(path: &Path, limits: Limits) -> Result<PngRowReader, FileErrorKind> {
        let mut file = super::open_regular(path, false)?;
        super::preflight::check_png_file(&mut file)?;
        let max_bytes = usize::try_from(limits.max_bytes).unwrap_or(usize::MAX);
        let mut decoder =
            png::Decoder::new_with_limits(BufReader::new(file), png::Limits { bytes: max_bytes });
        decoder.set_transformations(png::Transformations::EXPAND);
        let reader = contain_panics("Png", || {
            decoder.read_info().map_err(decode_error(limits.max_bytes))
        })?;
        let info = reader.info();
        if info.interlaced {
            return Err(FileErrorKind::Unsupported {
                what: "an interlaced (Adam7) PNG".into(),
                format: "rows in order (load it whole instead)".into(),
            });
        }
        let (width, height) = info.size();
        let (color, depth) = reader.output_color_type();
        let bit_depth = depth as u8;
        let channels = color.samples();
        let line = reader.output_line_size(width);
        if line != Some(width as usize * channels * usize::from(bit_depth / 8)) {
            return Err(FileErrorKind::Unsupported {
                what: format!("{bit_depth}-bit {color:?} rows"),
                format: "PNG samples".into(),
            });
        }
        let line = line.unwrap_or(0);
        let working = PngRowReader::working_bytes_for(line);
        if working > limits.max_bytes {
            return Err(FileErrorKind::TooManyBytes {
                needed: working,
                max_bytes: limits.max_bytes,
            });
        }
        Ok(PngRowReader {
            row: crate::alloc::zeroed_vec(line)?,
            reader,
            path: path.to_path_buf(),
            shape: [height as usize, width as usize, channels],
            bit_depth,
            rows_read: 0,
            max_bytes: limits.max_bytes,
        })
    }

    /// `[height, width, channels]` of the whole image.
    #[must_use]
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// 8 or 16.
    #[must_use]
    pub fn bit_depth(&self) -> u8 {
        self.bit_depth
    }

    /// How the PNG's EXIF data (an `eXIf` chunk before the image data) says to show the
    /// image, as [`load_with_orientation`](super::load_with_orientation) reports it; rows
    /// come as stored, so a reader that streams must leave an image that needs turning to a
    /// whole-image path.
    ///
    /// ```
    /// use image::metadata::Orientation;
    /// use viewlib::io::{Limits, PngRowReader};
    /// let reader = PngRowReader::open("assets/testcard.png", Limits::default())?;
    /// assert_eq!(reader.orientation(), Orientation::NoTransforms); // no eXIf chunk
    /// # Ok::<(), viewlib::io::ImageFileError>(())
    /// ```
    #[must_use]
    pub fn orientation(&self) -> image::metadata::Orientation {
        self.reader
            .info()
            .exif_metadata
            .as_deref()
            .and_then(image::metadata::Orientation::from_exif_chunk)
            .unwrap_or(image::metadata::Orientation::NoTransforms)
    }

    /// The most memory reading rows takes, whatever the height: the decoder's buffers (the
    /// compressed stream's window, the current and previous filtered rows, room for their
    /// growth), this reader's row and one row of converted samples. [`open`](Self::open)
    /// refuses a PNG whose rows would need more than `limits.max_bytes`, so a very wide
    /// image is an error, not an unbounded allocation.
    ///
    /// ```
    /// use viewlib::io::{Limits, PngRowReader};
    /// let reader = PngRowReader::open("assets/testcard.png", Limits::default())?;
    /// assert_eq!(reader.working_bytes(), 10 * 1280 * 4 + (512 << 10));
    /// # Ok::<(), viewlib::io::ImageFileError>(())
    /// ```
    #[must_use]
    pub fn working_bytes(&self) -> u64 {
        PngRowReader::working_bytes_for(self.row.len())
    }

    fn working_bytes_for(line: usize) -> u64 {
        // The png crate's unfiltering buffer holds up to 4 rows and grows by doubling (8),
        // plus this reader's row and converted row: 10 rows; its fixed buffers (zlib window,
        // lookback, BufReader) stay under 512 KiB. Measured in `tests::working_memory`.
        (line as u64).saturating_mul(10).saturating_add(512 << 10)
    }

    /// Rows not read yet.
    #[must_use]
    pub fn rows_left(&self) -> usize {
        self.shape[0] - self.rows_read
    }

    /// Fills `band` (`[rows, width, channels]`, any layout) with the next rows. `T` must have
    /// the file's bit depth: `u8` for 8-bit, a 16-bit type ([`U16Be`](crate::U16Be) takes
    /// the bytes as stored) for 16-bit.
    pub fn read_rows<T: PngSample>(
        &mut self,
        mut band: ViewMut<'_, T, 3>,
    ) -> Result<(), ImageFileError> {
        let [rows, width, channels] = band.shape();
        let fail = |kind| ImageFileError::new(&self.path, kind);
        check_rows::<T>(band.shape(), self.shape, self.bit_depth, self.rows_left())
            .map_err(fail)?;
        let mut samples: Vec<T> =
            crate::alloc::zeroed_vec(width * channels).map_err(|e| fail(e.into()))?;
        let error = decode_error(self.max_bytes);
        for y in 0..rows {
            let (reader, row) = (&mut self.reader, &mut self.row);
            let read = contain_panics("Png", || reader.read_row(row).map_err(&error));
            match read.map_err(fail)? {
                Some(_) => {}
                None => {
                    return Err(fail(FileErrorKind::DecodePng(png::DecodingError::IoError(
                        std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the image data ends before the last row",
                        ),
                    ))));
                }
            }
            from_png_bytes(&self.row, &mut samples);
            band.reborrow()
                .row(y)
                .expect("y < rows")
                .copy_from(View::from_slice(&samples, [width, channels]).expect("row shape"))
                .expect("same shape");
            self.rows_read += 1;
        }
        Ok(())
    }
}

/// Checks that `rows` (`[n, width, channels]` of `T`) are the next rows of an image of
/// `shape` and `bit_depth` with `left` rows to go.
fn check_rows<T: PngSample>(
    rows: [usize; 3],
    shape: [usize; 3],
    bit_depth: u8,
    left: usize,
) -> Result<(), FileErrorKind> {
    let [n, width, channels] = rows;
    if T::BIT_DEPTH == bit_depth && width == shape[1] && channels == shape[2] && n <= left {
        return Ok(());
    }
    Err(FileErrorKind::Unsupported {
        what: format!(
            "{n} rows of {width}x{channels} {}-bit samples",
            T::BIT_DEPTH
        ),
        format: format!(
            "the next rows of this {bit_depth}-bit {}x{}x{} PNG ({left} left)",
            shape[0], shape[1], shape[2]
        ),
    })
}

fn from_png_bytes<T: PngSample>(bytes: &[u8], out: &mut [T]) {
    let out: &mut [u8] = bytemuck::cast_slice_mut(out);
    out.copy_from_slice(bytes);
    if T::BIT_DEPTH == 16 && !T::STORED_BIG_ENDIAN {
        for pair in out.as_chunks_mut::<2>().0 {
            pair.swap(0, 1);
        }
    }
}

/// Encodes a PNG from bands of rows given in order, into a temporary file beside the target:
/// memory is the compressor's state plus one row, whatever the height.
/// [`finish`](Self::finish) checks every row was given and returns the file, to
/// [`commit`](PendingFile::commit) into place.
///
/// ```
/// use viewlib::{io::{load, PngRowWriter, SaveOptions}, View};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("ramp.png");
/// let mut writer = PngRowWriter::create(&path, [3, 2, 1], 8, &SaveOptions::default())?;
/// writer.write_rows(View::from_slice(&[0u8, 1, 2, 3], [2, 2, 1])?)?; // rows 0 and 1
/// writer.write_rows(View::from_slice(&[4u8, 5], [1, 2, 1])?)?; // row 2
/// writer.finish()?.commit()?;
/// let viewlib::DynImageBuf::U8(back) = load(&path)? else { unreachable!() };
/// assert_eq!(back.as_slice(), [0, 1, 2, 3, 4, 5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PngRowWriter {
    stream: png::StreamWriter<'static, File>,
    pending: PendingFile,
    shape: [usize; 3],
    bit_depth: u8,
    rows_written: usize,
}

impl std::fmt::Debug for PngRowWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PngRowWriter")
            .field("target", &self.pending.target())
            .field("shape", &self.shape)
            .field("bit_depth", &self.bit_depth)
            .field("rows_written", &self.rows_written)
            .finish_non_exhaustive()
    }
}

fn encode_error(e: png::EncodingError) -> FileErrorKind {
    match e {
        png::EncodingError::IoError(e) => FileErrorKind::Write(e),
        e => FileErrorKind::Encode {
            format: "PNG".into(),
            message: e.to_string(),
        },
    }
}

impl PngRowWriter {
    /// Starts a `[height, width, channels]` PNG (1 to 4 channels) of `bit_depth` 8 or 16 at
    /// `path`. Fails at once if `path` exists and `options.overwrite` is false.
    pub fn create(
        path: impl AsRef<Path>,
        shape: [usize; 3],
        bit_depth: u8,
        options: &SaveOptions,
    ) -> Result<PngRowWriter, ImageFileError> {
        let path = path.as_ref();
        let fail = |kind| ImageFileError::new(path, kind);
        let [height, width, channels] = shape;
        let unsupported = |what: String| {
            fail(FileErrorKind::Unsupported {
                what,
                format: "PNG".into(),
            })
        };
        let Some(color) = png_color(channels) else {
            return Err(unsupported(format!("a {channels}-channel image")));
        };
        let depth = match bit_depth {
            8 => png::BitDepth::Eight,
            16 => png::BitDepth::Sixteen,
            n => return Err(unsupported(format!("{n}-bit samples"))),
        };
        let fits = |n: usize| {
            u32::try_from(n)
                .ok()
                .filter(|&n| n > 0 && n <= i32::MAX as u32)
        };
        let (Some(w), Some(h)) = (fits(width), fits(height)) else {
            return Err(unsupported(format!("a {width}x{height} image")));
        };
        let pending = create_pending(path, options.overwrite)?;
        let file = pending
            .file()
            .try_clone()
            .map_err(|e| fail(FileErrorKind::Write(e)))?;
        let mut encoder = png::Encoder::new(file, w, h);
        encoder.set_color(color);
        encoder.set_depth(depth);
        encoder.set_compression(options.compression.to_png());
        let stream = encoder
            .write_header()
            .and_then(|writer| writer.into_stream_writer_with_size(1 << 20))
            .map_err(|e| fail(encode_error(e)))?;
        Ok(PngRowWriter {
            stream,
            pending,
            shape,
            bit_depth,
            rows_written: 0,
        })
    }

    /// Rows not written yet.
    #[must_use]
    pub fn rows_left(&self) -> usize {
        self.shape[0] - self.rows_written
    }

    /// The most memory encoding a `[height, width, channels]` image of `bit_depth` row by
    /// row takes, whatever the height: the encoder's current, previous and filtered rows,
    /// one row of samples being converted, and its 1 MiB output buffer and compressor state.
    ///
    /// ```
    /// use viewlib::io::PngRowWriter;
    /// assert_eq!(PngRowWriter::working_bytes([720, 1280, 4], 8), 5 * 1280 * 4 + (2 << 20));
    /// ```
    #[must_use]
    pub fn working_bytes(shape: [usize; 3], bit_depth: u8) -> u64 {
        let [_, width, channels] = shape;
        let row = (width as u64)
            .saturating_mul(channels as u64)
            .saturating_mul(u64::from(bit_depth / 8).max(1));
        row.saturating_mul(5).saturating_add(2 << 20)
    }

    /// Encodes the next rows: `rows` is `[n, width, channels]` in any layout, of a sample
    /// type with the file's bit depth.
    pub fn write_rows<T: PngSample>(&mut self, rows: View<'_, T, 3>) -> Result<(), ImageFileError> {
        use std::io::Write;
        let [_, width, channels] = rows.shape();
        let fail = |kind| ImageFileError::new(self.pending.target(), kind);
        check_rows::<T>(rows.shape(), self.shape, self.bit_depth, self.rows_left())
            .map_err(fail)?;
        let mut samples: Vec<T> =
            crate::alloc::zeroed_vec(width * channels).map_err(|e| fail(e.into()))?;
        for row in rows.rows() {
            crate::raw::ViewMut::from_slice(&mut samples, [width, channels])
                .expect("row shape")
                .copy_from(row)
                .expect("same shape");
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut samples);
            if T::BIT_DEPTH == 16 && !T::STORED_BIG_ENDIAN {
                for pair in bytes.as_chunks_mut::<2>().0 {
                    pair.swap(0, 1);
                }
            }
            self.stream
                .write_all(bytes)
                .map_err(|e| fail(FileErrorKind::Write(e)))?;
            self.rows_written += 1;
        }
        Ok(())
    }

    /// Completes the file: fails if rows are missing, or if the end of the file could not be
    /// written. The result is still a temporary file; commit it to put it in place.
    pub fn finish(self) -> Result<PendingFile, ImageFileError> {
        let PngRowWriter {
            stream,
            pending,
            rows_written,
            shape,
            ..
        } = self;
        let fail = |kind| ImageFileError::new(pending.target(), kind);
        if rows_written != shape[0] {
            return Err(fail(FileErrorKind::Encode {
                format: "PNG".into(),
                message: format!("{rows_written} of {} rows were written", shape[0]),
            }));
        }
        stream.finish().map_err(|e| fail(encode_error(e)))?;
        // The encoder writes the closing IEND chunk when it is dropped, ignoring errors:
        // check it arrived.
        const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
        let mut tail = [0; 12];
        let mut file = pending.file();
        file.seek(SeekFrom::End(-12))
            .and_then(|_| file.read_exact(&mut tail))
            .map_err(|e| fail(FileErrorKind::Write(e)))?;
        if tail != IEND {
            return Err(fail(FileErrorKind::Write(std::io::Error::other(
                "the PNG's closing chunk could not be written",
            ))));
        }
        Ok(pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{PngCompression, load_png_samples, save_png};
    use crate::owned::ImageBuf;
    use crate::sample::U16Be;

    #[test]
    fn streams_round_trip_16_bit_in_odd_bands() {
        let dir = tempfile::tempdir().unwrap();
        let (h, w) = (37, 23);
        let samples: Vec<u16> = (0..h * w * 3).map(|i| (i * 977) as u16).collect();
        let source = dir.path().join("src.png");
        let view = View::from_slice(&samples, [h, w, 3]).unwrap();
        save_png(&source, view, &SaveOptions::default()).unwrap();
        let mut reader = PngRowReader::open(&source, Limits::default()).unwrap();
        assert_eq!((reader.shape(), reader.bit_depth()), ([h, w, 3], 16));
        let out = dir.path().join("out.png");
        let options = SaveOptions {
            compression: PngCompression::Fastest,
            ..SaveOptions::default()
        };
        let mut writer = PngRowWriter::create(&out, [h, w, 3], 16, &options).unwrap();
        let mut band = ImageBuf::<U16Be>::new(5, w, 3).unwrap();
        while reader.rows_left() > 0 {
            let n = reader.rows_left().min(5);
            let mut part = band.view_mut().crop(0, 0, w, n).unwrap();
            reader.read_rows(part.reborrow()).unwrap();
            writer
                .write_rows(part.into_view().flip_horizontal().flip_horizontal())
                .unwrap();
        }
        assert!(reader.read_rows(band.view_mut()).is_err()); // past the end
        writer.finish().unwrap().commit().unwrap();
        let back = load_png_samples(&out, Limits::default()).unwrap();
        let values: Vec<u16> = match back.view() {
            crate::io::PngSamplesView::U16Be(v) => v.values().collect(),
            _ => panic!("16-bit"),
        };
        assert_eq!(values, samples);
    }

    #[test]
    fn missing_rows_and_wrong_types_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("short.png");
        let mut writer = PngRowWriter::create(&out, [4, 2, 1], 8, &SaveOptions::default()).unwrap();
        let err = writer
            .write_rows(View::from_slice(&[0u16; 2], [1, 2, 1]).unwrap())
            .unwrap_err();
        assert!(
            err.to_string().contains("1 rows of 2x1 16-bit samples"),
            "{err}"
        );
        writer
            .write_rows(View::from_slice(&[0u8; 2], [1, 2, 1]).unwrap())
            .unwrap();
        let err = writer.finish().unwrap_err();
        assert!(
            err.to_string().ends_with("1 of 4 rows were written"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn truncated_inputs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.png");
        let mut bytes = std::fs::read("assets/testcard.png").unwrap();
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&path, &bytes).unwrap();
        let mut reader = PngRowReader::open(&path, Limits::default()).unwrap();
        let mut band = ImageBuf::<u8>::new(720, 1280, 4).unwrap();
        assert!(reader.read_rows(band.view_mut()).is_err());
        // Interlaced input: `tests/tests/corpus_io.rs` (the png crate does not write Adam7).
    }
}
