//! Row kernels (luma, channel extraction) on a source whose pixels run down its columns: a
//! transposed view (`a.transpose(1, 0, 2)`, `np.rot90(a)`), whose rows are strided. The
//! kernel runs along the source's columns, which are its rows in memory, a few at a time into
//! a buffer; the buffer is then written into the destination transposed. Reading the view's
//! rows pixel by pixel touched a new cache line for every pixel, and the vector kernels had
//! no contiguous run to work on.

use crate::ops::traverse::in_pieces_of;
use crate::raw::{View, ViewMut};
use crate::sample::Sample;

/// Columns of the source the kernel runs along before their results are transposed into the
/// destination, or more to fill a cache line of it (64 bytes). On 1080p RGB seen transposed
/// (one thread), channel extraction took 0.73 ms from 8-bit and 2.5 ms from `f32` samples
/// with 128 KiB of buffer (68 and 17 columns); 1.2 and 2.5 ms with 256 KiB (136, 34).
const BAND_COLUMNS: usize = 32;

/// Pixels of a column the kernel sees at a time: whole columns of most images, so that each
/// is read as one stream; the buffer holds at most `BAND_COLUMNS` such runs (256 KiB of `f32`).
const RUN_PIXELS: usize = 2048;

/// `op(dst_run, src_run)` over `dst` (`[h, w]`, rows contiguous, forwards or backwards) and
/// `src` (`[h, w, c]`) when `src`'s pixels are contiguous down its columns (strides
/// `[c, _, 1]`, the rows apart by more), `op` seeing runs of `src`'s columns and runs of a
/// buffer that is then transposed into `dst`; both back unchanged for any other layout. `op`
/// is a row kernel: it fills `dst_run` with one value per pixel of `src_run`.
// The views come back by value for the caller's other path, as from `merge_pair`.
#[allow(clippy::type_complexity, clippy::result_large_err)]
pub(crate) fn along_columns<'d, 's, T: Sample, U: Sample>(
    dst: ViewMut<'d, T, 2>,
    src: View<'s, U, 3>,
    op: &(impl Fn(&mut [T], &[U]) + Sync),
) -> Result<(), (ViewMut<'d, T, 2>, View<'s, U, 3>)> {
    let [h, w, channels] = src.shape();
    let [row, pixel, channel] = src.strides();
    let down_columns = isize::try_from(channels).is_ok_and(|c| row == c)
        && (channel == 1 || channels == 1)
        && pixel > row;
    // Rows that run backwards are written through their memory, then reversed.
    let rows_contiguous = dst.strides()[1].abs() == 1;
    let empty = src.is_empty() || dst.is_empty();
    if empty || h < 2 || w < 2 || dst.shape() != [h, w] || !down_columns || !rows_contiguous {
        return Err((dst, src));
    }
    // Pieces are bands of `dst`'s rows, so no two threads write one row, and tall ones, so
    // the runs down the columns stay long: 1080p RGB seen transposed, two threads, bands of
    // 7 rows (128 KiB) took 14 ms for an `f32` channel, one thread 2.1 ms.
    let row_bytes = w * (size_of::<T>() + channels * size_of::<U>());
    let piece_bytes = row_bytes.saturating_mul(RUN_PIXELS / 4);
    in_pieces_of((dst, src), 0, piece_bytes, |(dst, src)| tiles(dst, src, op));
    Ok(())
}

/// [`along_columns`] on one band of rows.
fn tiles<T: Sample, U: Sample>(
    dst: ViewMut<'_, T, 2>,
    src: View<'_, U, 3>,
    op: &impl Fn(&mut [T], &[U]),
) {
    let [h, w, _] = src.shape();
    let pitch = h.min(RUN_PIXELS);
    let band = BAND_COLUMNS.max(64 / size_of::<T>()).min(w);
    let mut buffer = vec![T::zeroed(); band * pitch];
    let backwards = dst.strides()[1] < 0;
    let mut dst = match backwards {
        true => dst.flip(1).expect("axis 1"),
        false => dst,
    };
    // The source's columns as rows (`[w, h, c]`), each contiguous.
    let columns = src.permute_axes([1, 0, 2]).expect("a permutation");
    for y0 in (0..h).step_by(pitch) {
        let len = pitch.min(h - y0);
        let mut dst_rows: Vec<&mut [T]> = dst
            .reborrow()
            .slice_along(0, y0..y0 + len)
            .expect("inside the band")
            .rows()
            .map(|row| row.into_slice_mut().expect("rows contiguous"))
            .collect();
        let runs = columns
            .slice_along(1, y0..y0 + len)
            .expect("inside the band")
            .rows();
        let mut runs = runs.peekable();
        let mut x0 = 0;
        while runs.peek().is_some() {
            // The kernel on up to `band` runs, each into a row of the buffer.
            let mut filled = 0;
            for (out, run) in buffer.chunks_exact_mut(pitch).zip(runs.by_ref().take(band)) {
                op(
                    &mut out[..len],
                    run.as_slice().expect("pixels contiguous down a column"),
                );
                filled += 1;
            }
            // The buffer transposed into `dst`'s rows, columns `x0..x0 + filled`.
            let start = if backwards { w - x0 - filled } else { x0 };
            for (y, dst_row) in dst_rows.iter_mut().enumerate() {
                let out = &mut dst_row[start..start + filled];
                for (d, column) in out.iter_mut().zip(buffer.chunks_exact(pitch)) {
                    *d = column[y];
                }
                if backwards {
                    out.reverse();
                }
            }
            x0 += filled;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `along_columns` with a kernel that sums each pixel's samples, against a per-pixel
    /// loop. `flip`: the destination's rows (as `source_forwards` leaves them for
    /// `np.rot90`) or the pixels of each row (the other quarter turn) run backwards.
    fn check(h: usize, w: usize, channels: usize, flip: Option<usize>) {
        let memory: Vec<u16> = (0..h * w * channels)
            .map(|v| (v * 7 % 1000) as u16)
            .collect();
        // `[w, h, c]` in memory, seen as `[h, w, c]`.
        let src = View::from_slice(&memory, [w, h, channels]).unwrap();
        let src = src.permute_axes([1, 0, 2]).unwrap();
        let mut out = vec![0u16; h * w];
        let dst = ViewMut::from_slice(&mut out, [h, w]).unwrap();
        let dst = match flip {
            Some(axis) => dst.flip(axis).unwrap(),
            None => dst,
        };
        let at = |y: usize, x: usize| match flip {
            Some(0) => (h - 1 - y) * w + x,
            Some(_) => y * w + (w - 1 - x),
            None => y * w + x,
        };
        let sum = |d: &mut [u16], s: &[u16]| {
            for (d, px) in d.iter_mut().zip(s.chunks_exact(channels)) {
                *d = px.iter().sum();
            }
        };
        let case = format!("{h}x{w}x{channels}, flip {flip:?}");
        assert!(along_columns(dst, src, &sum).is_ok(), "{case}");
        for y in 0..h {
            for x in 0..w {
                let px = |c| *src.get_ref([y, x, c]).unwrap();
                let want: u16 = (0..channels).map(px).sum();
                assert_eq!(out[at(y, x)], want, "{case} at {y}, {x}");
            }
        }
    }

    #[test]
    fn tiles_cover_every_pixel_once() {
        for (h, w, channels) in [
            (2, 2, 1),
            (3, 5, 3),
            (513, 33, 3),
            (1030, 70, 4),
            (600, 2, 2),
        ] {
            for flip in [None, Some(0), Some(1)] {
                check(h, w, channels, flip);
            }
        }
    }

    #[test]
    fn other_layouts_come_back() {
        let memory = vec![0u8; 4 * 6 * 3];
        let mut out = vec![0u8; 4 * 6];
        let noop = |_: &mut [u8], _: &[u8]| {};
        // Rows of contiguous pixels: the row kernels' own layout.
        let src = View::from_slice(&memory, [4, 6, 3]).unwrap();
        let dst = ViewMut::from_slice(&mut out, [4, 6]).unwrap();
        assert!(along_columns(dst, src, &noop).is_err());
        // A transposed source into a transposed destination.
        let src = View::from_slice(&memory, [6, 4, 3]).unwrap();
        let src = src.permute_axes([1, 0, 2]).unwrap();
        let dst = ViewMut::from_slice(&mut out, [6, 4]).unwrap();
        let dst = dst.permute_axes([1, 0]).unwrap();
        assert!(along_columns(dst, src, &noop).is_err());
    }
}
