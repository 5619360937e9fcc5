//! Image vocabulary on top of the generic views: a 3-D view is `[height, width, channels]`,
//! a 2-D view is `[rows, columns]`. Every method is a zero-copy derivation.

use crate::error::{Result, ViewError};
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use crate::slice::Slice;

/// Checks that the `width x height` rectangle at `(x, y)` lies inside an image of
/// `[height, width]`: the one bounds rule of every crop (views, and the pipeline's plans).
pub(crate) fn check_crop(
    [image_height, image_width]: [usize; 2],
    x: usize,
    y: usize,
    width: usize,
    height: usize,
) -> Result<()> {
    let fits = |start: usize, len: usize, total: usize| {
        start.checked_add(len).is_some_and(|end| end <= total)
    };
    if fits(x, width, image_width) && fits(y, height, image_height) {
        Ok(())
    } else {
        Err(ViewError::CropOutOfBounds {
            x,
            y,
            width,
            height,
            image_width,
            image_height,
        })
    }
}

macro_rules! image_methods {
    ($ty:ident) => {
        impl<'a, T: Sample> $ty<'a, T, 3> {
            /// Rows of the image (axis 0).
            #[must_use]
            pub fn height(&self) -> usize {
                self.shape()[0]
            }

            /// Columns of the image (axis 1).
            #[must_use]
            pub fn width(&self) -> usize {
                self.shape()[1]
            }

            /// Samples per pixel (axis 2).
            #[must_use]
            pub fn channels(&self) -> usize {
                self.shape()[2]
            }

            /// The `width x height` rectangle whose top-left pixel is `(x, y)`: crop by slicing,
            /// O(1), sharing memory with `self` ([`View::position_in`] finds it again).
            ///
            /// ```
            /// use viewlib::{View, ViewError};
            /// let px: Vec<u8> = (0..4 * 5 * 3).map(|v| v as u8).collect();
            /// let image = View::from_slice(&px, [4, 5, 3])?;
            /// let crop = image.crop(1, 2, 3, 2)?;
            /// assert_eq!(crop.shape(), [2, 3, 3]);
            /// assert_eq!(crop.get([0, 0, 0]), image.get([2, 1, 0]));
            /// assert!(matches!(image.crop(4, 0, 2, 1), Err(ViewError::CropOutOfBounds { .. })));
            /// # Ok::<(), ViewError>(())
            /// ```
            pub fn crop(self, x: usize, y: usize, width: usize, height: usize) -> Result<Self> {
                check_crop([self.height(), self.width()], x, y, width, height)?;
                self.slice_axis(0, Slice::from(y..y + height))?
                    .slice_axis(1, Slice::from(x..x + width))
            }

            /// One channel as a strided 2-D view (`image[:, :, c]`).
            ///
            /// ```
            /// use viewlib::View;
            /// let rgb = [10u8, 20, 30, 11, 21, 31];
            /// let green = View::from_slice(&rgb, [1, 2, 3])?.channel(1)?;
            /// assert_eq!((green.to_vec(), green.strides()), (vec![20, 21], [6, 3]));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn channel(self, channel: usize) -> Result<$ty<'a, T, 2>> {
                self.index_axis(2, channel)
            }

            /// A range of channels, e.g. `0..3` for the colour of an RGBA image.
            ///
            /// ```
            /// let px = [1u8, 2, 3, 255, 4, 5, 6, 255];
            /// let rgb = viewlib::View::from_slice(&px, [1, 2, 4])?.channel_range(..3)?;
            /// assert_eq!(rgb.to_vec(), [1, 2, 3, 4, 5, 6]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn channel_range(self, channels: impl Into<Slice>) -> Result<Self> {
                self.slice_axis(2, channels.into())
            }

            /// Row `y` as a `[width, channels]` view.
            ///
            /// ```
            /// let px: Vec<u8> = (0..2 * 2 * 3).collect();
            /// let row = viewlib::View::from_slice(&px, [2, 2, 3])?.row(1)?;
            /// assert_eq!(row.to_list(), vec![vec![6, 7, 8], vec![9, 10, 11]]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn row(self, y: usize) -> Result<$ty<'a, T, 2>> {
                self.index_axis(0, y)
            }

            /// Pixel `(x, y)` as a `[channels]` view.
            ///
            /// ```
            /// let px: Vec<u8> = (0..2 * 2 * 3).collect();
            /// let p = viewlib::View::from_slice(&px, [2, 2, 3])?.pixel(1, 0)?;
            /// assert_eq!(p.to_vec(), [3, 4, 5]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn pixel(self, x: usize, y: usize) -> Result<$ty<'a, T, 1>> {
                self.index_axis::<2>(0, y)?.index_axis(0, x)
            }

            /// Mirrored left to right (a view with a negative column stride).
            ///
            /// ```
            /// let px = [1u8, 2, 3, 4, 5, 6]; // one row of three RG pixels
            /// let flipped = viewlib::View::from_slice(&px, [1, 3, 2])?.flip_horizontal();
            /// assert_eq!(flipped.to_vec(), [5, 6, 3, 4, 1, 2]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn flip_horizontal(self) -> Self {
                self.flip(1).expect("axis 1 exists")
            }

            /// Mirrored top to bottom (a view with a negative row stride).
            ///
            /// ```
            /// let px = [1u8, 2, 3, 4]; // two rows of two gray pixels
            /// let flipped = viewlib::View::from_slice(&px, [2, 2, 1])?.flip_vertical();
            /// assert_eq!(flipped.to_vec(), [3, 4, 1, 2]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn flip_vertical(self) -> Self {
                self.flip(0).expect("axis 0 exists")
            }

            /// Rows and columns swapped (`[width, height, channels]`), channels kept.
            ///
            /// ```
            /// let px = [1u8, 2, 3, 4, 5, 6]; // 2 rows, 3 columns, gray
            /// let t = viewlib::View::from_slice(&px, [2, 3, 1])?.transpose();
            /// assert_eq!((t.shape(), t.to_vec()), ([3, 2, 1], vec![1, 4, 2, 5, 3, 6]));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn transpose(self) -> Self {
                self.permuted([1, 0, 2]).expect("a permutation")
            }

            /// Turned a quarter clockwise (`[width, height, channels]`), as the `image` crate's
            /// `rotate90`: the transpose mirrored left to right. A view: no pixel moves.
            ///
            /// ```
            /// let px = [1u8, 2, 3, 4, 5, 6]; // 2 rows, 3 columns, gray
            /// let r = viewlib::View::from_slice(&px, [2, 3, 1])?.rotate90();
            /// assert_eq!((r.shape(), r.to_vec()), ([3, 2, 1], vec![4, 1, 5, 2, 6, 3]));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn rotate90(self) -> Self {
                self.transpose().flip_horizontal()
            }

            /// Turned half a turn: mirrored both ways. A view: no pixel moves.
            ///
            /// ```
            /// let px = [1u8, 2, 3, 4, 5, 6];
            /// let r = viewlib::View::from_slice(&px, [2, 3, 1])?.rotate180();
            /// assert_eq!((r.shape(), r.to_vec()), ([2, 3, 1], vec![6, 5, 4, 3, 2, 1]));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn rotate180(self) -> Self {
                self.flip_vertical().flip_horizontal()
            }

            /// Turned a quarter counter-clockwise (`[width, height, channels]`), as the
            /// `image` crate's `rotate270`: the transpose mirrored top to bottom. A view: no
            /// pixel moves.
            ///
            /// ```
            /// let px = [1u8, 2, 3, 4, 5, 6];
            /// let r = viewlib::View::from_slice(&px, [2, 3, 1])?.rotate270();
            /// assert_eq!((r.shape(), r.to_vec()), ([3, 2, 1], vec![3, 6, 2, 5, 1, 4]));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn rotate270(self) -> Self {
                self.transpose().flip_vertical()
            }
        }

        impl<'a, T: Sample> $ty<'a, T, 2> {
            /// Row `r` as a 1-D view.
            ///
            /// ```
            /// let m = viewlib::View::from_slice(&[1u8, 2, 3, 4], [2, 2])?;
            /// assert_eq!(m.row(1)?.to_vec(), [3, 4]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn row(self, r: usize) -> Result<$ty<'a, T, 1>> {
                self.index_axis(0, r)
            }

            /// Column `c` as a 1-D (strided) view.
            ///
            /// ```
            /// let m = viewlib::View::from_slice(&[1u8, 2, 3, 4], [2, 2])?;
            /// assert_eq!((m.column(1)?.to_vec(), m.column(1)?.strides()), (vec![2, 4], [2]));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn column(self, c: usize) -> Result<$ty<'a, T, 1>> {
                self.index_axis(1, c)
            }

            /// Rows and columns swapped.
            ///
            /// ```
            /// let m = viewlib::View::from_slice(&[1u8, 2, 3, 4, 5, 6], [2, 3])?;
            /// assert_eq!(m.transpose().to_list(), vec![vec![1, 4], vec![2, 5], vec![3, 6]]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn transpose(self) -> Self {
                self.permuted([1, 0]).expect("a permutation")
            }
        }
    };
}

image_methods!(View);
image_methods!(ViewMut);
