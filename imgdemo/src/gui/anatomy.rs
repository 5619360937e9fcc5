//! Where a view's pixels live: its layout in the buffer it reads, the bytes it touches, and
//! the source pixel behind each result pixel (through crops, flips, transposes and the
//! buffers `gray` makes). This is what the memory panel and the pixel inspector show.

use crate::pipeline::StepReport;
use std::ops::Range;

/// A 3-D view's layout relative to the C-order `[height, width, channels]` buffer it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewLayout {
    /// `[height, width, channels]` of the view.
    pub shape: [usize; 3],
    /// Element strides of the view.
    pub strides: [isize; 3],
    /// Element offset of the view's `[0, 0, 0]` in the buffer.
    pub offset: usize,
    /// `[height, width, channels]` of the buffer.
    pub base_shape: [usize; 3],
    /// Bytes per sample.
    pub itemsize: usize,
}

/// The part of a buffer a view touches. For views made by crops, flips, transposes and
/// channel selection, that is a rectangle of pixels times a set of channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// Buffer rows touched.
    pub rows: Range<usize>,
    /// Buffer columns touched.
    pub cols: Range<usize>,
    /// For each channel of the buffer, whether it is touched.
    pub channels: Vec<bool>,
    /// Bytes the view reads.
    pub bytes: usize,
    /// Maximal runs of consecutive touched bytes, in memory order.
    pub runs: usize,
}

impl ViewLayout {
    /// The layout of a whole C-order buffer of `shape`.
    pub fn whole(shape: [usize; 3], itemsize: usize) -> Self {
        let [_, w, c] = shape;
        ViewLayout {
            shape,
            strides: [(w * c) as isize, c as isize, 1],
            offset: 0,
            base_shape: shape,
            itemsize,
        }
    }

    /// Element offset of `[y, x, channel]` in the buffer, if the index is inside the view.
    pub fn element_offset(&self, y: usize, x: usize, channel: usize) -> Option<usize> {
        let [h, w, c] = self.shape;
        if y >= h || x >= w || channel >= c {
            return None;
        }
        let [sy, sx, sc] = self.strides;
        let offset =
            self.offset as isize + y as isize * sy + x as isize * sx + channel as isize * sc;
        usize::try_from(offset).ok()
    }

    /// Byte offset of `[y, x, 0]` in the buffer.
    pub fn byte_offset(&self, y: usize, x: usize) -> Option<usize> {
        Some(self.element_offset(y, x, 0)? * self.itemsize)
    }

    /// `(row, column, channel)` in the buffer of the view's `[y, x, 0]`.
    pub fn base_pixel(&self, y: usize, x: usize) -> Option<(usize, usize, usize)> {
        let e = self.element_offset(y, x, 0)?;
        let [_, bw, bc] = self.base_shape;
        Some((e / (bw * bc), e / bc % bw, e % bc))
    }

    /// Byte strides of the view.
    pub fn byte_strides(&self) -> [isize; 3] {
        self.strides.map(|s| s * self.itemsize as isize)
    }

    /// Size of the buffer in bytes.
    pub fn base_bytes(&self) -> usize {
        self.base_shape.iter().product::<usize>() * self.itemsize
    }

    /// The bytes of the buffer the view touches.
    ///
    /// ```
    /// use imgdemo::gui::anatomy::ViewLayout;
    /// // The green channel of a 2x3 crop at (1, 1) of a 4x5 RGB buffer.
    /// let layout = ViewLayout { shape: [2, 3, 1], strides: [15, 3, 1], offset: 15 + 3 + 1,
    ///                           base_shape: [4, 5, 3], itemsize: 1 };
    /// let f = layout.footprint();
    /// assert_eq!((f.rows, f.cols, f.channels), (1..3, 1..4, vec![false, true, false]));
    /// assert_eq!((f.bytes, f.runs), (6, 6));
    /// ```
    pub fn footprint(&self) -> Footprint {
        let [h, w, c] = self.shape;
        let [_, bw, bc] = self.base_shape;
        let mut channels = vec![false; bc];
        if h == 0 || w == 0 || c == 0 {
            return Footprint {
                rows: 0..0,
                cols: 0..0,
                channels,
                bytes: 0,
                runs: 0,
            };
        }
        let corners = [(0, 0), (h - 1, 0), (0, w - 1), (h - 1, w - 1)]
            .map(|(y, x)| self.base_pixel(y, x).expect("corners are inside the view"));
        let rows = corners.iter().map(|p| p.0);
        let cols = corners.iter().map(|p| p.1);
        let rows = rows.clone().min().unwrap_or(0)..rows.max().unwrap_or(0) + 1;
        let cols = cols.clone().min().unwrap_or(0)..cols.max().unwrap_or(0) + 1;
        for k in 0..c {
            if let Some(e) = self.element_offset(0, 0, k) {
                channels[e % bc] = true;
            }
        }
        // Runs of consecutive touched channels within one pixel.
        let groups = channels
            .iter()
            .zip(std::iter::once(&false).chain(&channels))
            .filter(|&(&now, &before)| now && !before)
            .count();
        let all_channels = channels.iter().all(|&t| t);
        let runs = if all_channels && cols.len() == bw {
            1
        } else if all_channels {
            rows.len()
        } else {
            rows.len() * cols.len() * groups
        };
        Footprint {
            rows,
            cols,
            channels,
            bytes: h * w * c * self.itemsize,
            runs,
        }
    }

    /// `"C"` (row-major, gap-free), `"F"` (column-major), or `"strided"`.
    pub fn contiguity(&self) -> &'static str {
        let [h, w, c] = self.shape;
        let [sy, sx, sc] = self.strides;
        if (h <= 1 || sy == (w * c) as isize) && (w <= 1 || sx == c as isize) && (c <= 1 || sc == 1)
        {
            "C"
        } else if (c <= 1 || sc == (h * w) as isize)
            && (w <= 1 || sx == h as isize)
            && (h <= 1 || sy == 1)
        {
            "F"
        } else {
            "strided"
        }
    }
}

/// The chain of buffers behind a pipeline's result: the source, then one new buffer per step
/// that copies (`gray`), each read through a view.
///
/// ```
/// use imgdemo::gui::anatomy::Lineage;
/// use imgdemo::pipeline::apply;
/// use viewlib::ViewMut;
/// let mut px = vec![0u8; 4 * 6 * 3];
/// let ops: Vec<_> = ["crop=1,1,4,2", "gray", "flip=h"].iter().map(|s| s.parse().unwrap()).collect();
/// let mut reports = Vec::new();
/// apply(ViewMut::from_slice(&mut px, [4, 6, 3])?, &ops, &mut reports, |_| ())?;
/// let lineage = Lineage::new([4, 6, 3], 1, &reports);
/// assert_eq!(lineage.result().shape, [2, 4, 1]);
/// assert_eq!(lineage.source_pixel(0, 0), Some((1, 4))); // flipped: the crop's right end
/// assert_eq!(lineage.result_pixel(2, 1), Some((1, 3)));
/// assert_eq!(lineage.result_pixel(0, 0), None); // cropped away
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    /// `stages[0]` reads the source; each later stage reads the buffer the previous stage's
    /// view was copied into. The last is the result.
    pub stages: Vec<ViewLayout>,
}

impl Lineage {
    /// The lineage of a pipeline run on a source of `source_shape`, from its step reports.
    pub fn new(source_shape: [usize; 3], itemsize: usize, reports: &[StepReport]) -> Self {
        let mut stages = Vec::new();
        let mut current = ViewLayout::whole(source_shape, itemsize);
        for report in reports {
            if report.bytes_copied > 0 {
                stages.push(current);
                current = ViewLayout::whole(report.shape, itemsize);
            }
            current.shape = report.shape;
            current.strides = report.strides;
            current.offset = report.offset;
        }
        stages.push(current);
        Lineage { stages }
    }

    /// The result's layout in the buffer it reads.
    pub fn result(&self) -> &ViewLayout {
        self.stages
            .last()
            .expect("a lineage has at least one stage")
    }

    /// Whether the result still reads the source's pixels (no step made a new buffer).
    pub fn reads_source(&self) -> bool {
        self.stages.len() == 1
    }

    /// The source pixel `(row, column)` that result pixel `[y, x]` comes from.
    pub fn source_pixel(&self, y: usize, x: usize) -> Option<(usize, usize)> {
        let (mut y, mut x) = (y, x);
        for stage in self.stages.iter().rev() {
            let (by, bx, _) = stage.base_pixel(y, x)?;
            (y, x) = (by, bx);
        }
        Some((y, x))
    }

    /// The result pixel `[y, x]` showing source pixel `(row, column)`, if it is in the result.
    pub fn result_pixel(&self, row: usize, col: usize) -> Option<(usize, usize)> {
        let [h, w, _] = self.result().shape;
        let at = |y, x| {
            self.source_pixel(y, x)
                .map(|(r, c)| [r as isize, c as isize])
        };
        let origin = at(0, 0)?;
        let step = |p: Option<[isize; 2]>| p.map(|p| [p[0] - origin[0], p[1] - origin[1]]);
        // Each axis of the result runs along one source axis, forwards or backwards.
        // An axis of length 1 has no direction of its own: take the other source axis.
        let (along_x, along_y) = match (step(at(0, 1)), step(at(1, 0))) {
            (Some(x), Some(y)) => (x, y),
            (Some(x), None) => (x, [x[1], x[0]]),
            (None, Some(y)) => ([y[1], y[0]], y),
            (None, None) => ([0, 1], [1, 0]),
        };
        let d = [row as isize - origin[0], col as isize - origin[1]];
        let y = d[0] * along_y[0] + d[1] * along_y[1];
        let x = d[0] * along_x[0] + d[1] * along_x[1];
        let (y, x) = (usize::try_from(y).ok()?, usize::try_from(x).ok()?);
        (y < h && x < w && self.source_pixel(y, x) == Some((row, col))).then_some((y, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Op, apply};
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use viewlib::ViewMut;

    fn op_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            (0usize..6, 0usize..6, 1usize..9, 1usize..9)
                .prop_map(|(x, y, w, h)| format!("crop={x},{y},{w},{h}")),
            prop::sample::select(vec!["R", "G", "B", "A", "L"])
                .prop_map(|c| format!("channel={c}")),
            Just("flip=h".to_string()),
            Just("flip=v".to_string()),
            Just("transpose".to_string()),
            Just("gray".to_string()),
            Just("invert".to_string()),
        ]
    }

    proptest! {
        /// The footprint and the pixel maps agree with tagging every sample with its position
        /// and running the same pipeline.
        #[test]
        fn footprint_and_pixel_maps_match_a_tagged_run(
            h in 1usize..9, w in 1usize..9, c in prop::sample::select(vec![1usize, 2, 3, 4]),
            ops in prop::collection::vec(op_strategy(), 0..6),
        ) {
            let ops: Vec<Op> = ops.iter().map(|s| s.parse().unwrap()).collect();
            // Only view steps keep the tag readable; stop the run at the first other step.
            let views: Vec<Op> = ops.iter().copied()
                .take_while(|op| matches!(op, Op::Crop { .. } | Op::Channel(_) | Op::Flip(_) | Op::Transpose))
                .collect();
            let mut tags: Vec<u16> = (0..(h * w * c) as u16).collect();
            let mut reports = Vec::new();
            let Ok(seen) = apply(ViewMut::from_slice(&mut tags, [h, w, c]).unwrap(), &views, &mut reports, |v| {
                let [vh, vw, vc] = v.shape();
                let mut seen = Vec::new();
                for y in 0..vh { for x in 0..vw { for k in 0..vc {
                    seen.push((y, x, k, v.view().get([y, x, k]).unwrap() as usize));
                }}}
                seen
            }) else { return Ok(()) };
            let lineage = Lineage::new([h, w, c], 2, &reports);
            prop_assert!(lineage.reads_source());
            let layout = lineage.result();
            let touched: BTreeSet<usize> = seen.iter().map(|s| s.3).collect();
            let f = layout.footprint();
            let expected: BTreeSet<usize> = f.rows.clone().flat_map(|r| {
                let channels = f.channels.clone();
                f.cols.clone().flat_map(move |col| {
                    let channels = channels.clone();
                    (0..c).filter(move |&k| channels[k]).map(move |k| (r * w + col) * c + k)
                })
            }).collect();
            prop_assert_eq!(&touched, &expected);
            prop_assert_eq!(f.bytes, touched.len() * 2);
            let runs = touched.iter().zip(touched.iter().skip(1)).filter(|(a, b)| **b != **a + 1).count() + 1;
            prop_assert_eq!(f.runs, if touched.is_empty() { 0 } else { runs });
            for &(y, x, k, tag) in &seen {
                prop_assert_eq!(layout.element_offset(y, x, k), Some(tag));
                let source = (tag / c / w, tag / c % w);
                prop_assert_eq!(lineage.source_pixel(y, x), Some(source));
                prop_assert_eq!(lineage.result_pixel(source.0, source.1), Some((y, x)));
            }
            // Source pixels outside the footprint have no result pixel.
            for r in 0..h { for col in 0..w {
                if !f.rows.contains(&r) || !f.cols.contains(&col) {
                    prop_assert_eq!(lineage.result_pixel(r, col), None);
                }
            }}
            // The whole pipeline, copies included, maps result pixels to the same source
            // pixels as a run that carries each pixel's position through it.
            let mut rows: Vec<u16> = (0..h * w).flat_map(|i| std::iter::repeat_n((i / w) as u16, c)).collect();
            let mut cols: Vec<u16> = (0..h * w).flat_map(|i| std::iter::repeat_n((i % w) as u16, c)).collect();
            let no_tone: Vec<Op> = ops.iter().copied().filter(|op| !matches!(op, Op::Invert(_))).collect();
            let mut reports = Vec::new();
            let grab = |v: ViewMut<'_, u16, 3>| {
                let [vh, vw, _] = v.shape();
                (0..vh).flat_map(|y| (0..vw).map(move |x| (y, x))).map(|(y, x)| v.view().get([y, x, 0]).unwrap() as usize).collect::<Vec<_>>()
            };
            let Ok(row_of) = apply(ViewMut::from_slice(&mut rows, [h, w, c]).unwrap(), &no_tone, &mut reports, grab) else { return Ok(()) };
            let col_of = apply(ViewMut::from_slice(&mut cols, [h, w, c]).unwrap(), &no_tone, &mut Vec::new(), grab).unwrap();
            let lineage = Lineage::new([h, w, c], 2, &reports);
            let [_, vw, _] = lineage.result().shape;
            for (i, (&r, &col)) in row_of.iter().zip(&col_of).enumerate() {
                prop_assert_eq!(lineage.source_pixel(i / vw, i % vw), Some((r, col)));
            }
        }
    }

    #[test]
    fn contiguity_names_the_order() {
        let whole = ViewLayout::whole([3, 4, 2], 1);
        assert_eq!(whole.contiguity(), "C");
        let transposed = ViewLayout {
            shape: [4, 3, 1],
            strides: [1, 4, 12],
            ..whole
        };
        assert_eq!(transposed.contiguity(), "F");
        let channel = ViewLayout {
            shape: [3, 4, 1],
            strides: [8, 2, 1],
            ..whole
        };
        assert_eq!(channel.contiguity(), "strided");
    }
}
