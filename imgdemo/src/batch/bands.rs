//! Images larger than memory: mapped PNM and farbfeld files, and PNGs decoded row by row, run
//! through a row-local pipeline a band of rows at a time into a PNG encoded row by row.

use super::{FileStats, Options};
use crate::pipeline::{self, PipelineSample, RowPlan};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};
use viewlib::io::{Limits, PendingFile, PngRowReader, PngRowWriter, SaveOptions};
use viewlib::mapped::{MappedImage, SampleType};
use viewlib::{DynImageBuf, ImageBuf, U16Be, View, ViewMut};

/// About this many bytes of source rows are processed at a time.
pub const BAND_BYTES: usize = 16 << 20;

/// A file that can be read a band of rows at a time.
#[derive(Debug)]
pub enum Source {
    /// A binary PNM or farbfeld file, mapped read-only.
    Mapped(MappedImage),
    /// A non-interlaced PNG, decoded row by row (boxed: the decoder's state is large).
    Png(Box<PngRowReader>),
}

impl Source {
    /// Opens `path` band by band if its format allows. `Ok(None)` for other formats (and for
    /// PNGs that cannot stream, such as interlaced ones), which are decoded whole. A PNM or
    /// farbfeld file with a bad header is an error here: its header was read.
    pub fn open(path: &Path, limits: Limits) -> Result<Option<Source>, String> {
        let mut magic = [0u8; 8];
        let len = File::open(path)
            .and_then(|mut f| f.read(&mut magic))
            .unwrap_or(0);
        let magic = &magic[..len];
        if magic.starts_with(b"P5") || magic.starts_with(b"P6") || magic == b"farbfeld" {
            return MappedImage::open(path)
                .map(|image| Some(Source::Mapped(image)))
                .map_err(|e| e.to_string());
        }
        if magic == b"\x89PNG\r\n\x1a\n" {
            return Ok(PngRowReader::open(path, limits)
                .ok()
                .map(|reader| Source::Png(Box::new(reader))));
        }
        Ok(None)
    }

    /// `[height, width, channels]`.
    pub fn shape(&self) -> [usize; 3] {
        match self {
            Source::Mapped(image) => image.layout().shape(),
            Source::Png(reader) => reader.shape(),
        }
    }

    /// 8 or 16.
    pub fn bit_depth(&self) -> u8 {
        match self {
            Source::Mapped(image) => 8 * image.layout().sample_type().size() as u8,
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
            Source::Mapped(image) => image.layout().is_full_range(),
            Source::Png(_) => true,
        }
    }
}

/// A mapped image copied whole into memory (8-bit, or 16-bit in the machine's byte order),
/// for images small enough to process whole.
pub fn copy_whole(image: &MappedImage) -> Result<DynImageBuf, String> {
    let fail = |e: viewlib::io::ImageFileError| e.to_string();
    Ok(match image.layout().sample_type() {
        SampleType::U8 => DynImageBuf::U8(image.view::<u8>().map_err(fail)?.to_image_buf()),
        _ => {
            let view = image.view::<U16Be>().map_err(fail)?;
            let [h, w, c] = view.shape();
            let values = view.values().collect();
            DynImageBuf::U16(ImageBuf::from_vec(h, w, c, values).map_err(|e| e.to_string())?)
        }
    })
}

/// Runs `plan` over `source` band by band into a PNG at `output` (left as a temporary file
/// beside it, to commit).
pub fn stream_to_png(
    source: Source,
    plan: &RowPlan,
    output: &Path,
    options: &Options,
    stats: &mut FileStats,
) -> Result<PendingFile, String> {
    match source {
        Source::Png(mut reader) if reader.bit_depth() == 8 => stream::<u8>(
            &mut |first, band| read_png(&mut reader, first, band),
            plan,
            output,
            options,
            stats,
        ),
        Source::Png(mut reader) => stream::<u16>(
            &mut |first, band| read_png(&mut reader, first, band),
            plan,
            output,
            options,
            stats,
        ),
        Source::Mapped(mut image) => match image.layout().sample_type() {
            SampleType::U8 => stream::<u8>(
                &mut |first, mut band: ViewMut<'_, u8, 3>| {
                    let rows = first..first + band.height();
                    let view = image.view::<u8>().map_err(|e| e.to_string())?;
                    band.reborrow()
                        .copy_from(
                            view.slice_along(0, rows.clone())
                                .map_err(|e| e.to_string())?,
                        )
                        .map_err(|e| e.to_string())?;
                    image.release_rows(rows).map_err(|e| e.to_string())
                },
                plan,
                output,
                options,
                stats,
            ),
            _ => stream::<u16>(
                &mut |first, mut band: ViewMut<'_, u16, 3>| {
                    let rows = first..first + band.height();
                    let view = image.view::<U16Be>().map_err(|e| e.to_string())?;
                    let rows_view = view
                        .slice_along(0, rows.clone())
                        .map_err(|e| e.to_string())?;
                    copy_big_endian(rows_view, band.reborrow());
                    image.release_rows(rows).map_err(|e| e.to_string())
                },
                plan,
                output,
                options,
                stats,
            ),
        },
    }
}

/// Big-endian samples into native ones; both are whole rows of the same shape.
fn copy_big_endian(source: View<'_, U16Be, 3>, mut band: ViewMut<'_, u16, 3>) {
    match (source.as_slice(), band.as_slice_mut()) {
        (Some(src), Some(dst)) => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = s.get();
            }
        }
        _ => {
            for (d, s) in band.iter_mut().zip(source.values()) {
                *d = s;
            }
        }
    }
}

/// Reads the rows of `band` starting at source row `first`, skipping rows before it.
fn read_png<T: viewlib::io::PngSample>(
    reader: &mut PngRowReader,
    first: usize,
    mut band: ViewMut<'_, T, 3>,
) -> Result<(), String> {
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
            .map_err(|e| e.to_string())?;
        reader.read_rows(part).map_err(|e| e.to_string())?;
    }
    reader.read_rows(band).map_err(|e| e.to_string())
}

type NextBand<'s, T> = dyn FnMut(usize, ViewMut<'_, T, 3>) -> Result<(), String> + 's;

fn stream<T: PipelineSample>(
    next_band: &mut NextBand<'_, T>,
    plan: &RowPlan,
    output: &Path,
    options: &Options,
    stats: &mut FileStats,
) -> Result<PendingFile, String> {
    let [_, width, channels] = plan.source_shape;
    let rows_per_band = (BAND_BYTES / (width * channels * size_of::<T>()).max(1)).max(1);
    let out_rows = plan.output_shape[0];
    let mut band = ImageBuf::<T>::new(rows_per_band.min(out_rows), width, channels)
        .map_err(|e| e.to_string())?;
    let save = SaveOptions {
        compression: options.compression,
        overwrite: options.overwrite,
    };
    let mut writer = PngRowWriter::create(output, plan.output_shape, T::BIT_DEPTH, &save)
        .map_err(|e| e.to_string())?;
    let mut report = Vec::new();
    let (mut read, mut encode) = (Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    while done < out_rows {
        let rows = rows_per_band.min(out_rows - done);
        let mut part = band
            .view_mut()
            .crop(0, 0, width, rows)
            .map_err(|e| e.to_string())?;
        let start = Instant::now();
        next_band(plan.first_row + done, part.reborrow())?;
        read += start.elapsed();
        let written = pipeline::apply(part, &plan.band_ops(rows), &mut report, |view| {
            let start = Instant::now();
            let written = writer.write_rows(view.into_view());
            encode += start.elapsed();
            written
        });
        written
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        done += rows;
    }
    let start = Instant::now();
    let pending = writer.finish().map_err(|e| e.to_string())?;
    encode += start.elapsed();
    stats.decode += read;
    stats.ops += report.iter().map(|s| s.elapsed).sum::<Duration>();
    stats.encode += encode;
    Ok(pending)
}
