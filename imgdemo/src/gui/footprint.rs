//! The bytes a result reads in its memory, as the memory panel draws them: a coarse map of
//! the memory with the parts the view reads lit, made from the library's byte runs.

use std::ops::Range;
use viewlib::{DynStridedImage, Slice};

/// Rows of cells in [`Footprint::cells`], at most.
pub const MAP_ROWS: usize = 40;
/// Cells in a row of [`Footprint::cells`], at most.
pub const MAP_COLUMNS: usize = 80;
/// Runs counted before the count gives up (a channel of a 12-megapixel image is 12 million
/// runs of one byte: counting them all would cost more than the pipeline).
pub const RUNS_COUNTED: usize = 100_000;
/// Pixels along each axis of the sample of the view the map is drawn from: more than twice
/// the map's cells along either axis, so every cell the view covers holds a sampled pixel.
const SAMPLED: usize = 256;

/// Which bytes of its memory an image reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// Bytes of the memory.
    pub memory: usize,
    /// Bytes of one row of the memory as stored: the image's largest byte stride.
    pub pitch: usize,
    /// `[rows, columns]` of cells: [`MAP_ROWS`] x [`MAP_COLUMNS`], or fewer for a memory of
    /// fewer rows or narrower rows.
    pub size: [usize; 2],
    /// The cells over the memory laid out in rows of `pitch` bytes, row by row: whether the
    /// image reads a byte of the part a cell covers.
    pub cells: Vec<bool>,
    /// Bytes the image reads.
    pub bytes: usize,
    /// Runs of consecutive bytes it reads, counted up to [`RUNS_COUNTED`] (more: `None`).
    pub runs: Option<usize>,
    /// The first run, in memory order.
    pub first_run: Option<Range<usize>>,
}

/// The footprint of `image` in its memory.
///
/// ```
/// use imgdemo::gui::footprint::footprint;
/// use viewlib::{DynStridedImage, ImageBuf, StridedImage};
/// // The green channel of the right half of a 4x8 RGB image.
/// let image = DynStridedImage::from(StridedImage::from(ImageBuf::<u8>::new(4, 8, 3)?));
/// let green = image.crop(4, 0, 4, 4)?.channel(1)?;
/// let f = footprint(&green);
/// assert_eq!((f.memory, f.pitch, f.bytes, f.runs), (96, 24, 16, Some(16)));
/// assert_eq!((f.first_run, f.size), (Some(13..14), [4, 24]));
/// let [_, columns] = f.size;
/// assert!(f.cells[..columns / 2].iter().all(|&read| !read)); // the left half
/// // One cell per byte here: the green bytes of the right half of the first row.
/// let read: Vec<usize> = (columns / 2..columns).filter(|&i| f.cells[i]).collect();
/// assert_eq!(read, [13, 16, 19, 22]);
/// # Ok::<(), viewlib::ViewError>(())
/// ```
pub fn footprint(image: &DynStridedImage) -> Footprint {
    let memory = image.memory_bytes().len();
    let pitch = image
        .byte_strides()
        .iter()
        .map(|s| s.unsigned_abs())
        .max()
        .unwrap_or(1)
        .max(1);
    let rows = memory.div_ceil(pitch).max(1);
    let size = [MAP_ROWS.min(rows), MAP_COLUMNS.min(pitch)];
    let mut cells = vec![false; size[0] * size[1]];
    let [h, w, _] = image.shape();
    let step = |len: usize| Slice::FULL.step_by(len.div_ceil(SAMPLED).max(1) as isize);
    let sample = image
        .slice([step(h), step(w), Slice::FULL])
        .expect("full slices with positive steps fit any image");
    let cell_of = |byte: usize| {
        let (row, column) = (byte / pitch, byte % pitch);
        (row * size[0] / rows) * size[1] + column * size[1] / pitch
    };
    // A run crosses a cell at least every `cell_bytes` bytes.
    let cell_bytes = (pitch / size[1]).max(1);
    for run in sample.byte_runs() {
        for byte in run.clone().step_by(cell_bytes).chain([run.end - 1]) {
            cells[cell_of(byte)] = true;
        }
    }
    let mut runs = image.byte_runs();
    let first_run = runs.clone().next();
    let counted = runs.by_ref().take(RUNS_COUNTED).count();
    Footprint {
        memory,
        pitch,
        size,
        cells,
        bytes: image.layout().len() * image.itemsize(),
        runs: runs.next().is_none().then_some(counted),
        first_run,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use viewlib::{ImageBuf, StridedImage};

    fn rgb(h: usize, w: usize) -> DynStridedImage {
        StridedImage::from(ImageBuf::<u16>::new(h, w, 3).unwrap()).into()
    }

    #[test]
    fn a_whole_image_is_one_run_and_lights_every_cell() {
        let f = footprint(&rgb(300, 500));
        assert_eq!(
            (f.bytes, f.runs, f.pitch),
            (300 * 500 * 6, Some(1), 500 * 6)
        );
        assert!(f.cells.iter().all(|&c| c));
    }

    #[test]
    fn a_transposed_crop_lights_the_rectangle_it_reads() {
        // Rows 100..200 and columns 250..500 of a 300x500 image, transposed.
        let f = footprint(&rgb(300, 500).crop(250, 100, 250, 100).unwrap().transpose());
        assert_eq!(f.runs, Some(100));
        let lit = |row: usize, column: usize| f.cells[row * MAP_COLUMNS + column];
        assert!(lit(MAP_ROWS / 2, MAP_COLUMNS * 3 / 4));
        assert!(!lit(MAP_ROWS / 2, MAP_COLUMNS / 4));
        assert!(!lit(0, MAP_COLUMNS * 3 / 4) && !lit(MAP_ROWS - 1, MAP_COLUMNS * 3 / 4));
    }

    #[test]
    fn runs_are_counted_up_to_the_limit() {
        // One channel of 1000x1000 pixels: a million runs of one sample.
        let f = footprint(&rgb(1000, 1000).channel(2).unwrap());
        assert_eq!(f.runs, None);
        assert_eq!(f.first_run, Some(4..6));
        assert!(f.cells.iter().all(|&c| c));
    }
}
