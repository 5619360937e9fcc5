//! `--in-place`: the operations run through a writable map of the file itself.

use super::FileStats;
use super::bands::BAND_BYTES;
use crate::pipeline::{self, Op, RowPlan};
use std::path::Path;
use std::time::Instant;
use viewlib::U16Be;
use viewlib::io::FileErrorKind;
use viewlib::mapped::{MappedImageMut, SampleType};
use viewlib::ops::{Invert, LutSample};

/// Maps `path` for writing and runs `ops` on it in place, a band of rows at a time where the
/// operations allow (all but `flip=v`), releasing each band's pages as it goes. Everything
/// that can fail (format, header, length, lock, operations that do not apply) fails before a
/// sample is written. The returned map still has to be flushed.
pub fn run(path: &Path, ops: &[Op]) -> Result<(MappedImageMut, FileStats), String> {
    let start = Instant::now();
    let mut image = MappedImageMut::open(path).map_err(|e| match e.kind() {
        FileErrorKind::BadHeader { .. } => format!(
            "{e} (--in-place changes only binary PNM (P5/P6) and farbfeld files; \
             write other formats to --out)"
        ),
        _ => e.to_string(),
    })?;
    let layout = *image.layout();
    if !layout.is_full_range() {
        return Err(format!(
            "{}: {:?}: samples do not span the full range, so inverting or tone-mapping them \
             in place would be wrong (process it to --out instead)",
            path.display(),
            layout.kind()
        ));
    }
    let shape = layout.shape();
    pipeline::check_in_place(ops, shape).map_err(|e| format!("{}: {e}", path.display()))?;
    let [h, w, _] = shape;
    let mut stats = FileStats {
        pixels: (h * w) as u64,
        decode: start.elapsed(),
        ..FileStats::default()
    };
    let start = Instant::now();
    match layout.sample_type() {
        SampleType::U8 => run_typed::<u8>(&mut image, ops),
        SampleType::U16Be => run_typed::<U16Be>(&mut image, ops),
        other => Err(format!(
            "`{other}` samples: not a PNM or farbfeld sample type"
        )),
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    stats.ops = start.elapsed();
    Ok((image, stats))
}

fn run_typed<S: Invert>(image: &mut MappedImageMut, ops: &[Op]) -> Result<(), String>
where
    S::Value: LutSample,
{
    let layout = *image.layout();
    let Some(plan) = RowPlan::new(ops, layout.shape()).map_err(|e| e.to_string())? else {
        // `flip=v` swaps rows across the whole image: one pass over the whole map.
        let view = image.view_mut::<S>().map_err(|e| e.to_string())?;
        return pipeline::apply_in_place(view, ops).map_err(|e| e.to_string());
    };
    let rows_per_band = (BAND_BYTES / layout.row_bytes()).max(1);
    let (first, end) = (plan.first_row, plan.first_row + plan.output_shape[0]);
    let mut failure = None;
    image
        .for_each_band_mut::<S>(first..end, rows_per_band, |_, band| {
            let rows = band.height();
            if failure.is_none()
                && let Err(e) = pipeline::apply_in_place(band, &plan.band_ops(rows))
            {
                failure = Some(e.to_string());
            }
        })
        .map_err(|e| e.to_string())?;
    failure.map_or(Ok(()), Err)
}
