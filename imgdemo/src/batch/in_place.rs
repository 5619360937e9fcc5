//! `--in-place`: the operations run on the file itself, a band of rows at a time, read and
//! written back with positioned I/O ([`RowFile`]).
//!
//! Not through a memory map: a file truncated by another program meanwhile is then an error
//! for that file ("was truncated while open"), where a map would raise `SIGBUS` and end the
//! whole batch. Memory is about two bands whatever the image size.

use super::bands::BAND_BYTES;
use super::{ErrorKind, FileError, FileStats};
use crate::pipeline::{self, InPlaceBands, Op};
use std::path::Path;
use std::time::Instant;
use viewlib::io::{FileErrorKind, Limits};
use viewlib::mapped::{RowFile, SampleType};
use viewlib::ops::{Invert, LutSample};
use viewlib::{ImageBuf, Sample, U16Be};

/// Opens `path` for writing and runs `ops` on it in place. Everything that can fail before a
/// sample is written (format, header, length, lock, permission, operations that do not
/// apply, a whole-image step over `limits.max_bytes`) fails first. The returned file still
/// has to be synced ([`RowFile::sync`]).
pub fn run(path: &Path, ops: &[Op], limits: Limits) -> Result<(RowFile, FileStats), FileError> {
    let start = Instant::now();
    let mut file = RowFile::open_mut(path).map_err(|e| match e.kind() {
        FileErrorKind::BadHeader { .. } => FileError::new(
            ErrorKind::Unsupported,
            format!(
                "{e} (--in-place changes only binary PNM (P5/P6) and farbfeld files; \
                 write other formats to --out)"
            ),
        ),
        _ => FileError::from(e),
    })?;
    let layout = *file.layout();
    if !layout.is_full_range() {
        return Err(FileError::about(
            ErrorKind::Unsupported,
            path,
            format_args!(
                "{:?}: samples do not span the full range, so inverting or tone-mapping them \
                 in place would be wrong (process it to --out instead)",
                layout.kind()
            ),
        ));
    }
    let shape = layout.shape();
    let plan = InPlaceBands::new(ops, shape, layout.sample_type())
        .map_err(|e| FileError::operation(path, e))?;
    if let InPlaceBands::Whole { rows, .. } = &plan {
        let bytes = (rows.len() as u64).saturating_mul(layout.row_bytes() as u64);
        if bytes > limits.max_bytes {
            return Err(FileError::about(
                ErrorKind::TooLarge,
                path,
                format_args!(
                    "a crop after flip=v needs rows {}..{} ({bytes} bytes) in memory at once, \
                     over the limit of {} bytes (crop before flipping to run in bands)",
                    rows.start, rows.end, limits.max_bytes
                ),
            ));
        }
    }
    let [h, w, _] = shape;
    let mut stats = FileStats {
        pixels: (h * w) as u64,
        input_shape: shape,
        output_shape: shape,
        decode: start.elapsed(),
        ..FileStats::default()
    };
    let start = Instant::now();
    let rows_per_band = (BAND_BYTES / layout.row_bytes()).max(1);
    match layout.sample_type() {
        SampleType::U8 => {
            stats.sample_type = "u8";
            run_typed::<u8>(&mut file, &plan, rows_per_band)?;
        }
        SampleType::U16Be => {
            stats.sample_type = "u16";
            run_typed::<U16Be>(&mut file, &plan, rows_per_band)?;
        }
        other => {
            return Err(FileError::about(
                ErrorKind::Unsupported,
                path,
                format_args!("`{other}` samples: not a PNM or farbfeld sample type"),
            ));
        }
    }
    stats.ops = start.elapsed();
    Ok((file, stats))
}

fn run_typed<S: Invert + Sample>(
    file: &mut RowFile,
    plan: &InPlaceBands,
    rows_per_band: usize,
) -> Result<(), FileError>
where
    S::Value: LutSample,
{
    let [_, width, channels] = file.layout().shape();
    let buffer_rows = match plan {
        InPlaceBands::Rows(rows) => rows_per_band.min(rows.output_shape[0]),
        InPlaceBands::Mirrored { rows, .. } => rows_per_band.max(2).min(rows.len()),
        InPlaceBands::Whole { rows, .. } => rows.len(),
    };
    // One buffer for every band: allocated once, checked and fallible.
    let path = file.path().to_path_buf();
    let mut buffer = ImageBuf::<S>::new(buffer_rows, width, channels)
        .map_err(|e| FileError::about(ErrorKind::TooLarge, &path, e))?;
    let fail = |e: viewlib::ViewError| FileError::about(ErrorKind::Internal, &path, e);
    let mut band = |file: &mut RowFile, parts: &[(usize, usize)]| -> Result<(), FileError> {
        // `parts`: (first source row, rows), stacked one after another in the buffer.
        let rows: usize = parts.iter().map(|&(_, n)| n).sum();
        let mut stack = buffer.view_mut().slice_along(0, 0..rows).map_err(fail)?;
        let mut at = 0;
        for &(first, n) in parts {
            let part = stack.reborrow().slice_along(0, at..at + n).map_err(fail)?;
            file.read_rows(first, part)?;
            at += n;
        }
        pipeline::apply_in_place(stack.reborrow(), &plan.band_ops(rows))
            .map_err(|e| FileError::operation(&path, e))?;
        let stack = stack.into_view();
        let mut at = 0;
        for &(first, n) in parts {
            let part = stack.slice_along(0, at..at + n).map_err(fail)?;
            file.write_rows(first, part)?;
            at += n;
        }
        Ok(())
    };
    match plan {
        InPlaceBands::Rows(rows) => {
            let (first, end) = (rows.first_row, rows.first_row + rows.output_shape[0]);
            let mut start = first;
            while start < end {
                let n = rows_per_band.min(end - start);
                band(file, &[(start, n)])?;
                start += n;
            }
        }
        InPlaceBands::Mirrored { rows, .. } => {
            // Pairs of `k` rows from both ends, then the middle as one symmetric band.
            let k = (buffer_rows / 2).max(1);
            let (mut top, mut bottom) = (rows.start, rows.end);
            while bottom - top >= 2 * k {
                band(file, &[(top, k), (bottom - k, k)])?;
                top += k;
                bottom -= k;
            }
            if bottom > top {
                band(file, &[(top, bottom - top)])?;
            }
        }
        InPlaceBands::Whole { rows, .. } => band(file, &[(rows.start, rows.len())])?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use viewlib::ViewMut;

    /// Every pipeline shape (row-local, mirrored pairs, a crop after the mirror) in bands of
    /// 1 to 4 rows and whole, against the same operations on the image in memory.
    #[test]
    fn bands_equal_the_whole_image_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let (h, w, c) = (11, 5, 3);
        let pixels: Vec<u8> = (0..h * w * c).map(|i| (i * 37 % 251) as u8).collect();
        let header = format!("P6\n{w} {h}\n255\n");
        let chains: [&[&str]; 12] = [
            &["invert"],
            &["crop=1,2,3,7", "channel=G", "gamma=0.5"],
            &["flip=v"],
            &["crop=0,1,5,9", "flip=v", "invert", "flip=h"],
            &[
                "channel=B",
                "flip=v",
                "crop=2,0,2,11",
                "flip=v",
                "threshold=0.5",
            ],
            &["flip=v", "crop=1,3,2,4", "invert"],
            &[
                "crop=0,2,5,8",
                "flip=v",
                "crop=0,1,5,5",
                "flip=v",
                "invert=all",
            ],
            // Slices: consecutive rows (bands), stepped and reversed rows (whole regions).
            &["slice=1:9,::-1,0", "invert"],
            &["slice=::2,1:4", "invert"],
            &[
                "crop=0,1,5,9",
                "slice=::-1",
                "crop=0,2,5,3",
                "threshold=0.5",
            ],
            &["slice=2:8", "flip=v", "slice=:,::2", "invert"],
            &["slice=-3:", "flip=v", "invert"],
        ];
        for chain in chains {
            let ops: Vec<Op> = chain.iter().map(|s| s.parse().unwrap()).collect();
            let mut expected = pixels.clone();
            pipeline::apply_in_place(ViewMut::from_slice(&mut expected, [h, w, c]).unwrap(), &ops)
                .unwrap();
            for rows_per_band in [1, 2, 3, 4, 100] {
                let path = dir.path().join("image.ppm");
                std::fs::write(&path, [header.as_bytes(), &pixels].concat()).unwrap();
                let mut file = RowFile::open_mut(&path).unwrap();
                let plan = InPlaceBands::new(&ops, [h, w, c], SampleType::U8).unwrap();
                run_typed::<u8>(&mut file, &plan, rows_per_band).unwrap();
                drop(file);
                let written = std::fs::read(&path).unwrap();
                assert_eq!(
                    &written[header.len()..],
                    &expected[..],
                    "{chain:?} in bands of {rows_per_band}"
                );
            }
        }
    }
}
