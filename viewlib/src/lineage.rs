//! Where the pixels of an image made by a chain of views and copies come from: the questions
//! a viewer asks when it shows a result beside its source ("which source pixel is this?",
//! "where did this source pixel go?"), answered from layouts alone.

use crate::error::{Result, ViewError};
use crate::layout::Layout;
use crate::pipeline::StepReport;
use crate::sample::Sample;
use crate::strided_image::StridedImage;

/// A layout placed in a memory: element `[0, 0, 0]` at byte `origin`, `itemsize` bytes per
/// element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placed {
    layout: Layout<3>,
    origin: isize,
    itemsize: usize,
}

impl Placed {
    /// Byte of the element at `index`.
    fn byte_of(&self, index: [usize; 3]) -> Option<isize> {
        let element = self.layout.offset_of(index)?;
        self.origin
            .checked_add(element.checked_mul(self.itemsize as isize)?)
    }

    /// The index whose element starts at `byte`.
    fn index_at(&self, byte: isize) -> Option<[usize; 3]> {
        let delta = byte.checked_sub(self.origin)?;
        let size = self.itemsize as isize;
        if delta % size != 0 {
            return None;
        }
        self.layout.index_of(delta / size)
    }
}

/// Where `image` is in its memory.
fn placed<T: Sample>(image: &StridedImage<T>) -> Placed {
    Placed {
        layout: image.layout(),
        // Fits: an image's offset lies inside its memory, which fits `isize`.
        origin: image.offset_bytes() as isize,
        itemsize: image.itemsize(),
    }
}

/// One memory of the chain: how its elements are numbered (the source's own layout, or the
/// C order of a copy) and the view of it that was read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stage {
    base: Placed,
    view: Placed,
}

/// The lineage of an image derived from a source by views (crops, flips, transposes,
/// channels: new layouts of the same memory) and pixel-for-pixel copies into new memory
/// (a grayscale conversion: pixel `(y, x)` of the view becomes pixel `(y, x)` of a new
/// C-order buffer). It maps pixels both ways between the source and the result, through
/// every copy, with [`Layout::offset_of`] and [`Layout::index_of`] and nothing else.
///
/// Built by following the derivation: [`Lineage::of`] the source, then [`view`](Self::view)
/// for each new layout of the current memory and [`copy`](Self::copy) for each copy.
///
/// ```
/// use viewlib::{ImageBuf, Lineage, StridedImage};
/// let source = StridedImage::from(ImageBuf::<u8>::new(4, 6, 3)?);
/// let mut lineage = Lineage::of(&source);
/// // Crop 4x2 at (1, 1), then copy it to a gray buffer, then flip that left to right.
/// lineage.view_of(&source.crop(1, 1, 4, 2)?);
/// lineage.copy([2, 4, 1])?;
/// let gray = StridedImage::from(ImageBuf::<u8>::new(2, 4, 1)?);
/// lineage.view_of(&gray.flip_horizontal());
/// assert_eq!(lineage.source_pixel([0, 0]), Some([1, 4])); // the crop's right end
/// assert_eq!(lineage.result_pixel([2, 1]), Some([1, 3]));
/// assert_eq!(lineage.result_pixel([0, 0]), None); // cropped away
/// assert_eq!(lineage.copies(), 1);
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    /// The source's memory first; the last stage's view is the result.
    stages: Vec<Stage>,
}

impl Lineage {
    /// The lineage of `source` itself: its pixels are the source's, its layout and offset
    /// number them.
    ///
    /// ```
    /// use viewlib::{ImageBuf, Lineage, StridedImage};
    /// let turned = StridedImage::from(ImageBuf::<u16>::new(2, 3, 1)?).rotate90();
    /// let lineage = Lineage::of(&turned);
    /// assert_eq!(lineage.source_pixel([2, 1]), Some([2, 1]));
    /// assert_eq!(lineage.source_pixel([3, 0]), None); // outside the 3x2 image
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn of<T: Sample>(source: &StridedImage<T>) -> Lineage {
        let placed = placed(source);
        Lineage {
            stages: vec![Stage {
                base: placed,
                view: placed,
            }],
        }
    }

    fn current(&mut self) -> &mut Stage {
        self.stages
            .last_mut()
            .expect("a lineage has at least one stage")
    }

    /// The image is now `layout` over the current memory (the source's, or the last copy's),
    /// its element `[0, 0, 0]` at element `offset` of that memory, as a pipeline's step
    /// reports it: what a crop, flip, transpose or channel pick makes.
    /// [`ViewError::SizeOverflow`] if the offset's bytes do not fit `isize`.
    ///
    /// ```
    /// use viewlib::{Layout, Lineage, ImageBuf, StridedImage};
    /// let source = StridedImage::from(ImageBuf::<u16>::new(4, 5, 3)?);
    /// let mut lineage = Lineage::of(&source);
    /// // The blue channel of row 2, columns 1..4, as a 1x3 image.
    /// lineage.view(Layout::new([1, 3, 1], [15, 3, 1])?, 2 * 15 + 3 + 2)?;
    /// assert_eq!(lineage.source_pixel([0, 2]), Some([2, 3]));
    /// assert!(lineage.view(Layout::c_order([1, 1, 1])?, usize::MAX).is_err());
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn view(&mut self, layout: Layout<3>, offset: usize) -> Result<()> {
        let itemsize = self.current().view.itemsize;
        let overflow = ViewError::SizeOverflow {
            axis: 0,
            len: offset,
        };
        let origin = offset
            .checked_mul(itemsize)
            .and_then(|bytes| isize::try_from(bytes).ok())
            .ok_or(overflow)?;
        self.current().view = Placed {
            layout,
            origin,
            itemsize,
        };
        Ok(())
    }

    /// The image is now `image`, a view of the current memory (the source's, or the last
    /// copy's): [`view`](Self::view) with the image's layout and offset.
    ///
    /// ```
    /// use viewlib::{ImageBuf, Lineage, StridedImage};
    /// let source = StridedImage::from(ImageBuf::<u8>::new(4, 5, 3)?);
    /// let mut lineage = Lineage::of(&source);
    /// let detail = source.crop(1, 1, 3, 2)?.transpose().channel(2)?;
    /// lineage.view_of(&detail);
    /// assert_eq!(lineage.source_pixel([2, 0]), Some([1, 3]));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn view_of<T: Sample>(&mut self, image: &StridedImage<T>) {
        self.current().view = placed(image);
    }

    /// The current image was copied pixel for pixel into a new C-order buffer of `shape`
    /// (its height and width, any number of channels), which the image now is.
    /// [`ViewError::SizeOverflow`] if the shape does not fit `isize` elements.
    ///
    /// ```
    /// use viewlib::{ImageBuf, Lineage, StridedImage};
    /// let source = StridedImage::from(ImageBuf::<u8>::new(3, 4, 4)?);
    /// let mut lineage = Lineage::of(&source);
    /// let flipped = source.flip_vertical();
    /// lineage.view(flipped.layout(), flipped.offset_bytes())?;
    /// lineage.copy([3, 4, 1])?; // a gray copy of the flipped image
    /// assert_eq!(lineage.source_pixel([0, 1]), Some([2, 1]));
    /// assert_eq!(lineage.result_pixel([2, 1]), Some([0, 1]));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn copy(&mut self, shape: [usize; 3]) -> Result<()> {
        let itemsize = self.current().view.itemsize;
        let whole = Placed {
            layout: Layout::c_order(shape)?,
            origin: 0,
            itemsize,
        };
        self.stages.push(Stage {
            base: whole,
            view: whole,
        });
        Ok(())
    }

    /// The image is now what the pipeline step `report` describes: a new layout of the
    /// current memory, or (`bytes_copied > 0`) a new memory whose pixel `(y, x)` is pixel
    /// `(y, x)` of the image before. Exact across casts: the layout is placed at the report's
    /// byte offset in its own itemsize, so a cast that changes the itemsize, or puts the
    /// first sample inside an element of the old type, is followed byte for byte.
    /// [`ViewError::SizeOverflow`] if the offset does not fit `isize`.
    ///
    /// ```
    /// use viewlib::pipeline::{apply_dyn, Op};
    /// use viewlib::{ImageBuf, Lineage, StridedImage};
    /// // RGBA8 pixels as one u32 word each, then the words of columns 1..3 of row 1.
    /// let rgba = StridedImage::from(ImageBuf::<u8>::new(2, 3, 4)?);
    /// let mut lineage = Lineage::of(&rgba);
    /// let ops: Vec<Op> = ["cast=u32", "crop=1,1,2,1"].iter().map(|s| s.parse().unwrap()).collect();
    /// let mut reports = Vec::new();
    /// let words = apply_dyn(rgba.into(), &ops, &mut reports)?;
    /// assert_eq!((words.shape(), words.offset_bytes()), ([1, 2, 1], (3 + 1) * 4));
    /// for report in &reports {
    ///     lineage.follow(report)?;
    /// }
    /// assert_eq!(lineage.source_pixel([0, 1]), Some([1, 2]));
    /// assert_eq!(lineage.result_pixel([1, 1]), Some([0, 0]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn follow(&mut self, report: &StepReport) -> Result<()> {
        let origin = isize::try_from(report.offset_bytes).map_err(|_| ViewError::SizeOverflow {
            axis: 0,
            len: report.offset_bytes,
        })?;
        let placed = Placed {
            layout: Layout::new(report.shape, report.strides)?,
            origin,
            itemsize: report.sample_type.size(),
        };
        if report.bytes_copied > 0 {
            self.stages.push(Stage {
                base: placed,
                view: placed,
            });
        } else {
            self.current().view = placed;
        }
        Ok(())
    }

    /// How many copies the chain went through (0: the result reads the source's memory).
    #[must_use]
    pub fn copies(&self) -> usize {
        self.stages.len() - 1
    }

    /// The source pixel `[row, column]` that result pixel `[y, x]` shows; `None` outside the
    /// result.
    #[must_use]
    pub fn source_pixel(&self, [y, x]: [usize; 2]) -> Option<[usize; 2]> {
        let mut pixel = [y, x];
        for stage in self.stages.iter().rev() {
            let byte = stage.view.byte_of([pixel[0], pixel[1], 0])?;
            let [row, col, _] = stage.base.index_at(byte)?;
            // Into the memory's numbering: for a copy, the pixel of the view it copied.
            pixel = [row, col];
        }
        Some(pixel)
    }

    /// The result pixel `[y, x]` that shows source pixel `[row, column]`; `None` if no
    /// result pixel reads it (cropped away, or outside the source).
    #[must_use]
    pub fn result_pixel(&self, [row, col]: [usize; 2]) -> Option<[usize; 2]> {
        let mut pixel = [row, col];
        for stage in &self.stages {
            // Any channel of the pixel the view reads will do (a channel pick reads one).
            let [_, _, channels] = stage.base.layout.shape();
            let found = (0..channels).find_map(|k| {
                let byte = stage.base.byte_of([pixel[0], pixel[1], k])?;
                stage.view.index_at(byte)
            })?;
            pixel = [found[0], found[1]];
        }
        Some(pixel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ImageBuf;
    use proptest::prelude::*;

    /// A derivation step, as the tests apply it to a tagged image.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        Crop(usize, usize, usize, usize),
        Channel(usize),
        FlipH,
        FlipV,
        Transpose,
        Step2,
        Gray,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..4, 0usize..4, 1usize..6, 1usize..6)
                .prop_map(|(x, y, w, h)| Step::Crop(x, y, w, h)),
            (0usize..4).prop_map(Step::Channel),
            Just(Step::FlipH),
            Just(Step::FlipV),
            Just(Step::Transpose),
            Just(Step::Step2),
            Just(Step::Gray),
        ]
    }

    proptest! {
        /// Every pixel of a chain of views and gray copies maps to the source pixel whose
        /// position it carries (each source sample is tagged with its pixel), and back.
        #[test]
        fn pixels_map_to_the_source_pixel_they_carry_and_back(
            h in 1usize..7, w in 1usize..7, c in 1usize..5,
            steps in prop::collection::vec(step(), 0..7),
        ) {
            let tags: Vec<u32> = (0..(h * w * c) as u32).map(|i| i / c as u32).collect();
            let source = StridedImage::from(ImageBuf::from_vec(h, w, c, tags).unwrap());
            let mut lineage = Lineage::of(&source);
            let mut image = source.clone();
            for step in steps {
                let next = match step {
                    Step::Crop(x, y, cw, ch) => image.crop(x, y, cw, ch),
                    Step::Channel(k) => image.channel(k),
                    Step::FlipH => Ok(image.flip_horizontal()),
                    Step::FlipV => Ok(image.flip_vertical()),
                    Step::Transpose => Ok(image.transpose()),
                    Step::Step2 => image.slice(crate::s![..;2, ..;-2, ..]),
                    Step::Gray => {
                        // A copy of channel 0 (the tag), pixel for pixel.
                        let copy = image.channel(0).unwrap().to_image_buf().unwrap();
                        lineage.copy(copy.shape()).unwrap();
                        image = StridedImage::from(copy);
                        continue;
                    }
                };
                let Ok(next) = next else { continue };
                if next.view().is_empty() { continue; }
                lineage.view_of(&next);
                image = next;
            }
            let [rh, rw, _] = image.shape();
            let mut reached = std::collections::BTreeSet::new();
            for y in 0..rh {
                for x in 0..rw {
                    let tag = image.view().get([y, x, 0]).unwrap() as usize;
                    let expected = [tag / w, tag % w];
                    prop_assert_eq!(lineage.source_pixel([y, x]), Some(expected));
                    prop_assert_eq!(lineage.result_pixel(expected), Some([y, x]));
                    reached.insert(expected);
                }
            }
            prop_assert_eq!(lineage.source_pixel([rh, 0]), None);
            for row in 0..h {
                for col in 0..w {
                    if !reached.contains(&[row, col]) {
                        prop_assert_eq!(lineage.result_pixel([row, col]), None);
                    }
                }
            }
        }
    }

    /// The lineage of `ops` run on `source` by `apply_dyn`, followed report by report.
    fn followed(
        source: impl Into<crate::DynStridedImage>,
        ops: &[&str],
    ) -> (crate::DynStridedImage, Lineage) {
        let source = source.into();
        let mut lineage = match &source {
            crate::DynStridedImage::U8(i) => Lineage::of(i),
            crate::DynStridedImage::U16(i) => Lineage::of(i),
            _ => unreachable!("the tests start from 8 or 16 bits"),
        };
        let ops: Vec<crate::pipeline::Op> = ops.iter().map(|s| s.parse().unwrap()).collect();
        let mut reports = Vec::new();
        let result = crate::pipeline::apply_dyn(source, &ops, &mut reports).unwrap();
        for report in &reports {
            lineage.follow(report).unwrap();
        }
        (result, lineage)
    }

    /// Every pixel of a `[height, width]` result maps to `source(y, x)` and back.
    fn assert_maps_both_ways(
        lineage: &Lineage,
        [height, width]: [usize; 2],
        source: impl Fn(usize, usize) -> [usize; 2],
    ) {
        for y in 0..height {
            for x in 0..width {
                let pixel = source(y, x);
                assert_eq!(lineage.source_pixel([y, x]), Some(pixel));
                assert_eq!(lineage.result_pixel(pixel), Some([y, x]));
            }
        }
    }

    #[test]
    fn rgba_cast_to_words_then_cropped_maps_each_word_to_its_pixel() {
        let rgba = StridedImage::from(ImageBuf::<u8>::new(4, 5, 4).unwrap());
        let (words, lineage) = followed(rgba, &["cast=u32", "crop=1,2,3,2", "flip=h"]);
        assert_eq!((words.shape(), words.format()), ([2, 3, 1], "I"));
        assert_maps_both_ways(&lineage, [2, 3], |y, x| [2 + y, 1 + (2 - x)]);
        assert_eq!(lineage.result_pixel([0, 0]), None);
        assert_eq!(lineage.copies(), 0);
    }

    #[test]
    fn sixteen_bit_samples_as_byte_pairs_keep_their_pixels() {
        let rgb16 = StridedImage::from(ImageBuf::<u16>::new(3, 4, 3).unwrap());
        let (pairs, lineage) = followed(rgb16, &["flip=v", "cast=u8", "slice=:,1:3,4:6"]);
        assert_eq!((pairs.shape(), pairs.format()), ([3, 2, 2], "B"));
        assert_maps_both_ways(&lineage, [3, 2], |y, x| [2 - y, 1 + x]);
    }

    #[test]
    fn a_cast_starting_inside_an_old_element_is_followed_by_its_byte_offset() {
        // Green and blue of each RGBA8 pixel as one 16-bit sample: the view starts at byte 1,
        // half-way into a u16 of the new type, so its element offset would be inexact.
        let rgba = StridedImage::from(ImageBuf::<u8>::new(2, 3, 4).unwrap());
        let (pairs, lineage) = followed(rgba, &["slice=:,:,1:3", "cast=u16be", "gray"]);
        assert_eq!((pairs.shape(), pairs.offset_bytes()), ([2, 3, 1], 0));
        assert_eq!(lineage.copies(), 1);
        assert_maps_both_ways(&lineage, [2, 3], |y, x| [y, x]);
    }

    #[test]
    fn an_offset_past_isize_is_refused() {
        let source = StridedImage::from(ImageBuf::<u8>::new(1, 1, 1).unwrap());
        let layout = source.layout();
        let mut lineage = Lineage::of(&source);
        assert!(matches!(
            lineage.view(layout, usize::MAX / 2 + 1),
            Err(ViewError::SizeOverflow { .. })
        ));
        assert!(lineage.copy([usize::MAX, 2, 1]).is_err());
        assert_eq!(lineage.copies(), 0);
    }
}
