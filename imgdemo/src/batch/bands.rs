//! Images larger than memory: PNM and farbfeld files read by rows, and PNGs decoded row by row,
//! run through a row-local pipeline a band of rows at a time into a PNG encoded row by row.
//!
//! PNM and farbfeld rows are read with positioned I/O ([`RowFile`]), not through a memory map:
//! a file truncated by another program while it is read is then an error for that file, where
//! a map would raise `SIGBUS` and end the whole batch.

use super::BatchSample;
use super::{ErrorKind, FileError, FileStats, Options};
use crate::pipeline::{self, RowPlan};
use image::metadata::Orientation;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};
use viewlib::io::{Limits, PendingFile, PngRowReader, PngRowWriter, SaveOptions};
use viewlib::mapped::{RowFile, SampleType};
use viewlib::{DynImageBuf, ImageBuf, U16Be, ViewMut};

/// About this many bytes of source rows are processed at a time.
pub const BAND_BYTES: usize = 16 << 20;

/// A file that can be read a band of rows at a time.
#[derive(Debug)]
pub enum Source {
    /// A binary PNM or farbfeld file, read by rows.
    Rows(RowFile),
    /// A non-interlaced PNG, decoded row by row (boxed: the decoder's state is large).
    Png(Box<PngRowReader>),
}

impl Source {
    /// Opens `path` band by band if its format allows. `Ok(None)` for other formats (and for
    /// PNGs that cannot stream, such as interlaced ones), which are decoded whole. A PNM or
    /// farbfeld file with a bad header is an error here: its header was read.
    pub fn open(path: &Path, limits: Limits) -> Result<Option<Source>, FileError> {
        let mut magic = [0u8; 8];
        // Only regular files are read here; anything else is left to the decoder, which
        // refuses it with a reason.
        let len = match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => File::open(path)
                .and_then(|mut f| f.read(&mut magic))
                .unwrap_or(0),
            _ => 0,
        };
        let magic = &magic[..len];
        if magic.starts_with(b"P5") || magic.starts_with(b"P6") || magic == b"farbfeld" {
            return Ok(Some(Source::Rows(RowFile::open(path)?)));
        }
        if magic == b"\x89PNG\r\n\x1a\n" {
            return Ok(PngRowReader::open(path, limits)
                .ok()
                .map(|reader| Source::Png(Box::new(reader))));
        }
        Ok(None)
    }

    /// How the file's EXIF data says to show it (PNM and farbfeld have none).
    pub fn orientation(&self) -> Orientation {
        match self {
            Source::Rows(_) => Orientation::NoTransforms,
            Source::Png(reader) => reader.orientation(),
        }
    }

    /// `[height, width, channels]`.
    pub fn shape(&self) -> [usize; 3] {
        match self {
            Source::Rows(file) => file.layout().shape(),
            Source::Png(reader) => reader.shape(),
        }
    }

    /// 8 or 16.
    pub fn bit_depth(&self) -> u8 {
        match self {
            Source::Rows(file) => 8 * file.layout().sample_type().size() as u8,
            Source::Png(reader) => reader.bit_depth(),
        }
    }

    /// Bytes of the whole image decoded.
    pub fn decoded_bytes(&self) -> u64 {
        let [h, w, c] = self.shape();
        h as u64 * w as u64 * c as u64 * u64::from(self.bit_depth() / 8)
    }

    /// Whether sample values span the full 8 or 16-bit range (a PNM's maxval may not).
    pub fn is_full_range(&self) -> bool {
        match self {
            Source::Rows(file) => file.layout().is_full_range(),
            Source::Png(_) => true,
        }
    }
}

/// A PNM or farbfeld file read whole into memory (8-bit, or 16-bit in the machine's byte
/// order), for images small enough to process whole; `limits` apply as to any decoder.
pub fn read_whole(file: &RowFile, limits: Limits) -> Result<DynImageBuf, FileError> {
    let [h, w, c] = file.layout().shape();
    let bytes = file.layout().data_len();
    limits
        .check(w as u64, h as u64, bytes)
        .map_err(|kind| viewlib::io::ImageFileError::new(file.path(), kind))?;
    let named = |e: viewlib::ViewError| FileError::about(ErrorKind::TooLarge, file.path(), e);
    Ok(match file.layout().sample_type() {
        SampleType::U8 => {
            let mut image = ImageBuf::<u8>::new(h, w, c).map_err(named)?;
            file.read_rows(0, image.view_mut())?;
            DynImageBuf::U8(image)
        }
        _ => {
            let mut image = ImageBuf::<u16>::new(h, w, c).map_err(named)?;
            read_big_endian(file, 0, image.view_mut())?;
            DynImageBuf::U16(image)
        }
    })
}

/// Reads 16-bit big-endian rows into native samples: read as stored, then swapped in place.
fn read_big_endian(
    file: &RowFile,
    first: usize,
    mut band: ViewMut<'_, u16, 3>,
) -> Result<(), FileError> {
    let stored = band
        .reborrow()
        .cast::<U16Be>()
        .map_err(|e| FileError::about(ErrorKind::Internal, file.path(), e))?;
    file.read_rows(first, stored)?;
    if let Some(samples) = band.as_slice_mut() {
        for v in samples {
            *v = u16::from_be(*v);
        }
    }
    Ok(())
}

/// Runs `plan` over `source` band by band into a PNG at `output` (left as a temporary file
/// beside it, to commit).
pub fn stream_to_png(
    input: &Path,
    source: Source,
    plan: &RowPlan,
    output: &Path,
    options: &Options,
    stats: &mut FileStats,
) -> Result<PendingFile, FileError> {
    let budget = Budget {
        reading: match &source {
            Source::Png(reader) => reader.working_bytes(),
            Source::Rows(_) => 0,
        },
        input,
        output,
        limits: options.limits,
    };
    match source {
        Source::Png(mut reader) if reader.bit_depth() == 8 => stream::<u8>(
            &mut |first, band| read_png(&mut reader, first, band),
            plan,
            &budget,
            options,
            stats,
        ),
        Source::Png(mut reader) => stream::<u16>(
            &mut |first, band| read_png(&mut reader, first, band),
            plan,
            &budget,
            options,
            stats,
        ),
        Source::Rows(file) => match file.layout().sample_type() {
            SampleType::U8 => stream::<u8>(
                &mut |first, band| Ok(file.read_rows(first, band)?),
                plan,
                &budget,
                options,
                stats,
            ),
            _ => stream::<u16>(
                &mut |first, band| read_big_endian(&file, first, band),
                plan,
                &budget,
                options,
                stats,
            ),
        },
    }
}

/// Reads the rows of `band` starting at source row `first`, skipping rows before it.
fn read_png<T: viewlib::io::PngSample>(
    reader: &mut PngRowReader,
    first: usize,
    mut band: ViewMut<'_, T, 3>,
) -> Result<(), FileError> {
    let width = band.width();
    loop {
        let read = reader.shape()[0] - reader.rows_left();
        if read >= first {
            break;
        }
        let skip = (first - read).min(band.height());
        let part = band
            .reborrow()
            .crop(0, 0, width, skip)
            .map_err(|e| FileError::new(ErrorKind::Internal, e.to_string()))?;
        reader.read_rows(part)?;
    }
    Ok(reader.read_rows(band)?)
}

type NextBand<'s, T> = dyn FnMut(usize, ViewMut<'_, T, 3>) -> Result<(), FileError> + 's;

/// What streaming one image may use: `limits.max_bytes` covers the reader's working memory,
/// the band and the encoder's, so a very wide image is refused, not streamed unbounded.
struct Budget<'a> {
    reading: u64,
    input: &'a Path,
    output: &'a Path,
    limits: Limits,
}

fn stream<T: BatchSample>(
    next_band: &mut NextBand<'_, T>,
    plan: &RowPlan,
    budget: &Budget<'_>,
    options: &Options,
    stats: &mut FileStats,
) -> Result<PendingFile, FileError> {
    let output = budget.output;
    let [_, width, channels] = plan.source_shape;
    let row_bytes = (width * channels * size_of::<T>()).max(1);
    let rows_per_band = (BAND_BYTES / row_bytes).max(1);
    let out_rows = plan.output_shape[0];
    let band_rows = rows_per_band.min(out_rows);
    let needed = budget
        .reading
        .saturating_add((band_rows as u64).saturating_mul(row_bytes as u64))
        .saturating_add(PngRowWriter::working_bytes(plan.output_shape, T::BIT_DEPTH));
    if needed > budget.limits.max_bytes {
        return Err(FileError::about(
            ErrorKind::TooLarge,
            budget.input,
            format_args!(
                "streaming rows of {width} pixels needs {needed} bytes (decoder, band and \
                 encoder rows), over the memory limit of {} bytes",
                budget.limits.max_bytes
            ),
        ));
    }
    let mut band = ImageBuf::<T>::new(band_rows, width, channels)
        .map_err(|e| FileError::about(ErrorKind::TooLarge, budget.input, e))?;
    let save = SaveOptions {
        compression: options.compression,
        overwrite: options.overwrite,
    };
    super::create_output_folder(output)?;
    let mut writer = PngRowWriter::create(output, plan.output_shape, T::BIT_DEPTH, &save)?;
    let mut report = Vec::new();
    let (mut read, mut encode) = (Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    while done < out_rows {
        let rows = rows_per_band.min(out_rows - done);
        let mut part = band
            .view_mut()
            .crop(0, 0, width, rows)
            .map_err(|e| FileError::about(ErrorKind::Internal, budget.input, e))?;
        let start = Instant::now();
        next_band(plan.first_row + done, part.reborrow())?;
        read += start.elapsed();
        let written = pipeline::apply(part, &plan.band_ops(rows), &mut report, |view| {
            let start = Instant::now();
            let written = writer.write_rows(view.into_view());
            encode += start.elapsed();
            written
        });
        written.map_err(|e| FileError::operation(budget.input, e))??;
        done += rows;
    }
    let start = Instant::now();
    let pending = writer.finish()?;
    encode += start.elapsed();
    stats.decode += read;
    stats.ops += report.iter().map(|s| s.elapsed).sum::<Duration>();
    stats.encode += encode;
    Ok(pending)
}
