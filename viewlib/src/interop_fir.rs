//! Views as `fast_image_resize` images (feature `fast_image_resize`): [`FirImage`] is a source
//! and [`FirImageMut`] a destination for its `Resizer`, so a crop of a flipped image is
//! resized into a window of another buffer with no pixel copied on either side. Which layouts
//! fir can take, and the zero-copy way for the others, is in [`FirImage`]'s docs.
//!
//! fir's `ImageView` and `ImageViewMut` are `unsafe` traits: their implementor promises rows
//! of at least `width` pixels. This module implements them (its only `unsafe`, and no
//! `unsafe` block) and keeps the promise by construction: every row is a one-row fir image
//! that fir itself built with the adapter's width, refusing a shorter slice.

use crate::error::{Result, ViewError};
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use bytemuck::Pod;
use core::fmt;
use core::num::NonZeroU32;
use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::InnerPixel;
use fast_image_resize::{
    ImageView, ImageViewMut, IntoImageView, IntoImageViewMut, PixelTrait, PixelType,
};

/// A read-only `[height, width, channels]` view as a `fast_image_resize` image of `P` pixels
/// (from [`View::as_fir_image`]): a source for `Resizer::resize` (through `IntoImageView`) and
/// `Resizer::resize_typed` (through `ImageView`). Its rows are the view's rows, in place.
///
/// ```
/// use fast_image_resize::{pixels::U8x3, Resizer};
/// use viewlib::{View, ViewMut};
/// let photo: Vec<u8> = (0..48 * 64 * 3).map(|i| i as u8).collect();
/// let mut canvas = vec![0u8; 40 * 50 * 3];
/// // The upside-down top-left quarter of the photo, shrunk into a 16x12 window of the canvas.
/// let quarter = View::from_slice(&photo, [48, 64, 3])?.flip_vertical().crop(0, 0, 32, 24)?;
/// let window = ViewMut::from_slice(&mut canvas, [40, 50, 3])?.crop(5, 5, 16, 12)?;
/// let (src, mut dst) = (quarter.as_fir_image::<U8x3>()?, window.as_fir_image_mut::<U8x3>()?);
/// Resizer::new().resize(&src, &mut dst, None).expect("same pixel type");
/// assert!(canvas[..5 * 50 * 3].iter().all(|&b| b == 0)); // above the window: untouched
/// # Ok::<(), viewlib::ViewError>(())
/// ```
///
/// # What fir can take
///
/// fir reads and writes whole rows as slices of pixels (`&[P]`), so a view qualifies when
/// each row's pixels are adjacent: channel stride 1 and column stride equal to the channel
/// count. The row stride is free: crops, vertical flips and every other row
/// (`s![..;2, .., ..]`) all work. The adapter holds one handle per row (no pixel is read or
/// copied to build it); a [`FirImageMut`] hands fir's threads disjoint rows, or disjoint
/// pieces of rows, of its own.
///
/// Other layouts are refused with [`ViewError::NotContiguous`]. The zero-copy way for them is
/// to resize what they are views of, and view the result the same way:
///
/// - mirrored left to right, transposed or turned (`flip_horizontal`, `transpose`,
///   `rotate90`): resize the unmirrored, unturned view, then take the same derivation of the
///   result's view, or mirror the result in place (`flip_horizontal_in_place`);
/// - channels in reverse (`flip(2)`, BGR seen as RGB): resize in the stored order, then
///   `flip(2)` the result; with 4 channels this also keeps fir's alpha handling on alpha;
/// - a channel subset (`channel_range(..3)` of RGBA): resize all channels, then take the same
///   channel range of the result.
pub struct FirImage<'a, P> {
    width: u32,
    /// The view's rows, top to bottom, each a one-row fir image: fir's own checked cast of
    /// the row's bytes to `P`.
    rows: Vec<TypedImageRef<'a, P>>,
}

/// A writable `[height, width, channels]` view as a `fast_image_resize` image of `P` pixels
/// (from [`ViewMut::as_fir_image_mut`]): a destination for `Resizer::resize` (through
/// `IntoImageViewMut`) and `Resizer::resize_typed` (through `ImageViewMut`). fir writes the
/// view's rows in place; nothing outside the view changes.
pub struct FirImageMut<'a, P: InnerPixel> {
    width: u32,
    /// The view's rows, top to bottom, disjoint as viewlib split them.
    rows: Vec<TypedImage<'a, P>>,
}

/// What a refused view lacks, as the error says it.
const ADJACENT_PIXELS: &str = "a fast_image_resize image (each row's pixels must be adjacent: \
                               channel stride 1, column stride = channels)";

/// A run of `width * channels` samples that fir refused as `width` pixels: a viewlib bug.
const ROW_OF_PIXELS: &str = "a row of adjacent, aligned samples is a row of pixels";

/// The width of `view` as fir's `u32`, if its rows are runs of adjacent `P` pixels.
fn fir_width<P: InnerPixel, T: Sample>(view: View<'_, T, 3>) -> Result<u32> {
    let [height, width, channels] = view.shape();
    let expected = P::count_of_components();
    if channels != expected {
        return Err(ViewError::ShapeMismatch {
            axis: 2,
            expected,
            found: channels,
        });
    }
    let (Ok(fir_width), Ok(_)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(ViewError::TooLargeForImage { width, height });
    };
    // Every row has the first row's layout.
    if view
        .rows()
        .next()
        .is_some_and(|row| row.as_slice().is_none())
    {
        return Err(ViewError::NotContiguous {
            operation: ADJACENT_PIXELS,
        });
    }
    Ok(fir_width)
}

impl<'a, T: Sample> View<'a, T, 3> {
    /// This view as a `fast_image_resize` image of `P` pixels, to resize from without copying.
    /// `P`'s component type must be `T` (`U8x3` for `u8`, `F32x4` for `f32`, ...).
    ///
    /// Errors: [`ViewError::ShapeMismatch`] if the channel count is not `P`'s,
    /// [`ViewError::NotContiguous`] if a row's pixels are not adjacent (see [`FirImage`] for
    /// what fir can take, and the zero-copy way for the rest), [`ViewError::TooLargeForImage`]
    /// past `u32` dimensions.
    ///
    /// ```
    /// use fast_image_resize::{images::TypedImage, pixels::{U16, U16x3}, ImageView, Resizer};
    /// use viewlib::{View, ViewError};
    /// let px: Vec<u16> = (0..4 * 6).map(|v| v * 1000).collect();
    /// let gray = View::from_slice(&px, [4, 6, 1])?.flip_vertical(); // bottom row first
    /// let mut half = TypedImage::<U16>::new(3, 2);
    /// Resizer::new().resize_typed(&gray.as_fir_image::<U16>()?, &mut half, None).unwrap();
    /// assert_eq!(half.iter_rows(0).count(), 2);
    /// assert!(matches!(gray.flip_horizontal().as_fir_image::<U16>(),
    ///     Err(ViewError::NotContiguous { .. })));
    /// assert!(matches!(gray.as_fir_image::<U16x3>(), Err(ViewError::ShapeMismatch { .. })));
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn as_fir_image<P: PixelTrait<Component = T>>(self) -> Result<FirImage<'a, P>> {
        let width = fir_width::<P, T>(self)?;
        let runs = self
            .rows()
            .map(|row| row.as_slice().expect("checked by fir_width"));
        Ok(FirImage::from_rows(width, runs).expect(ROW_OF_PIXELS))
    }
}

impl<'a, T: Sample> ViewMut<'a, T, 3> {
    /// This view as a writable `fast_image_resize` image of `P` pixels, to resize into without
    /// copying: a crop of a larger buffer receives the result in place.
    ///
    /// Errors: as [`View::as_fir_image`].
    ///
    /// ```
    /// use fast_image_resize::{images::ImageRef, pixels::U8x4, PixelType, Resizer};
    /// let red = [255u8, 0, 0, 255].repeat(8 * 8);
    /// let src = ImageRef::new(8, 8, &red, PixelType::U8x4).unwrap();
    /// let mut canvas = vec![0u8; 4 * 4 * 4];
    /// let corner = viewlib::ViewMut::from_slice(&mut canvas, [4, 4, 4])?.crop(2, 2, 2, 2)?;
    /// Resizer::new().resize(&src, &mut corner.as_fir_image_mut::<U8x4>()?, None).unwrap();
    /// assert_eq!(&canvas[(2 * 4 + 2) * 4..][..8], [255, 0, 0, 255, 255, 0, 0, 255]);
    /// assert_eq!(&canvas[..8], [0; 8]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn as_fir_image_mut<P: PixelTrait<Component = T>>(self) -> Result<FirImageMut<'a, P>> {
        let width = fir_width::<P, T>(self.view())?;
        let runs = self
            .rows()
            .map(|row| row.into_slice_mut().expect("checked by fir_width"));
        Ok(FirImageMut::from_rows(width, runs).expect(ROW_OF_PIXELS))
    }
}

impl<'a, P: InnerPixel> FirImage<'a, P> {
    /// Rows of samples or pixels, `width` pixels each, as one-row fir images of `P`; `None` if
    /// fir refuses a row (too short or misaligned for `P`).
    fn from_rows<S: Pod>(width: u32, rows: impl Iterator<Item = &'a [S]>) -> Option<Self> {
        let rows = rows
            .map(|row| TypedImageRef::from_buffer(width, 1, bytemuck::cast_slice(row)).ok())
            .collect::<Option<_>>()?;
        Some(Self { width, rows })
    }
}

impl<'a, P: InnerPixel> FirImageMut<'a, P> {
    /// Writable rows, `width` pixels each, as one-row fir images of `P`; `None` if fir refuses
    /// a row.
    fn from_rows<S: Pod>(width: u32, rows: impl Iterator<Item = &'a mut [S]>) -> Option<Self> {
        let rows = rows
            .map(|row| TypedImage::from_buffer(width, 1, bytemuck::cast_slice_mut(row)).ok())
            .collect::<Option<_>>()?;
        Some(Self { width, rows })
    }
}

/// fir's division of `total` rows or columns into `parts`: the first `total % parts` parts get
/// one more. fir pairs source and destination parts, so both sides must divide alike.
fn part_lengths(total: NonZeroU32, parts: NonZeroU32) -> Option<impl Iterator<Item = usize>> {
    let (total, parts) = (total.get(), parts.get());
    let (step, longer) = (total / parts, total % parts);
    (parts <= total).then(move || (0..parts).map(move |i| (step + u32::from(i < longer)) as usize))
}

/// What [`FirImage`] and [`FirImageMut`] share, `$row` being fir's image type of one row:
/// dimensions (also inherent, so never ambiguous between fir's two traits that both have
/// them), `ImageView`, `IntoImageView` and `Debug`.
macro_rules! fir_image {
    ($ty:ident, $row:ident, $view:literal, $as_fir:literal) => {
        impl<P: InnerPixel> $ty<'_, P> {
            /// Width in pixels.
            ///
            /// ```
            /// use fast_image_resize::pixels::U8x2;
            /// let mut px = [0u8; 3 * 5 * 2];
            #[doc = concat!("let image = viewlib::", $view, "::from_slice(&mut px, [3, 5, 2])?.", $as_fir, "::<U8x2>()?;")]
            /// assert_eq!(image.width(), 5);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            #[must_use]
            pub fn width(&self) -> u32 {
                self.width
            }

            /// Height in pixels.
            ///
            /// ```
            /// use fast_image_resize::pixels::U8x2;
            /// let mut px = [0u8; 3 * 5 * 2];
            #[doc = concat!("let image = viewlib::", $view, "::from_slice(&mut px, [3, 5, 2])?.", $as_fir, "::<U8x2>()?;")]
            /// assert_eq!(image.height(), 3);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            #[must_use]
            pub fn height(&self) -> u32 {
                u32::try_from(self.rows.len()).expect("fir_width refused taller views")
            }
        }

        // SAFETY: the trait's one requirement is rows of at least `width` pixels. Each row is
        // a one-row image that fir built with `width` (`from_rows`, or the splits below),
        // which it refuses for fewer pixels, and `pixels()` returns all of them.
        unsafe impl<P: InnerPixel> ImageView for $ty<'_, P> {
            type Pixel = P;

            fn width(&self) -> u32 {
                self.width
            }

            fn height(&self) -> u32 {
                $ty::height(self)
            }

            fn iter_rows(&self, start_row: u32) -> impl Iterator<Item = &[P]> {
                // None past the end, as fir's own images do.
                let rows = self.rows.get(start_row as usize..).unwrap_or_default();
                rows.iter().map($row::pixels)
            }
        }

        impl<P: PixelTrait + Pod> IntoImageView for $ty<'_, P> {
            fn pixel_type(&self) -> Option<PixelType> {
                Some(P::pixel_type())
            }

            fn width(&self) -> u32 {
                self.width
            }

            fn height(&self) -> u32 {
                $ty::height(self)
            }

            fn image_view<Q: PixelTrait>(&self) -> Option<impl ImageView<Pixel = Q>> {
                if !same_pixel::<P, Q>() {
                    return None;
                }
                FirImage::from_rows(self.width, self.rows.iter().map($row::pixels))
            }
        }

        /// Dimensions and pixel type, not the pixels.
        impl<P: InnerPixel> fmt::Debug for $ty<'_, P> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let (name, pixel) = (stringify!($ty), P::pixel_type());
                write!(f, "{name}<{pixel:?}>({}x{})", self.width, self.height())
            }
        }
    };
}

fir_image!(FirImage, TypedImageRef, "View", "as_fir_image");
fir_image!(FirImageMut, TypedImage, "ViewMut", "as_fir_image_mut");

// SAFETY: as for `ImageView` (in `fir_image!`): `pixels_mut()` returns the slices `pixels()`
// does.
unsafe impl<P: InnerPixel> ImageViewMut for FirImageMut<'_, P> {
    fn iter_rows_mut(&mut self, start_row: u32) -> impl Iterator<Item = &mut [P]> {
        let rows = self.rows.get_mut(start_row as usize..).unwrap_or_default();
        rows.iter_mut().map(TypedImage::pixels_mut)
    }

    // fir's default splits hand every thread the whole image through one raw pointer; these
    // give each part rows (or pieces of rows) of its own, cut with `split_at_mut`.
    fn split_by_height_mut(
        &mut self,
        start_row: u32,
        height: NonZeroU32,
        num_parts: NonZeroU32,
    ) -> Option<Vec<impl ImageViewMut<Pixel = P>>> {
        let width = self.width;
        let end = (start_row as usize).checked_add(height.get() as usize)?;
        let mut rest = self.rows.get_mut(start_row as usize..end)?;
        let parts = part_lengths(height, num_parts)?.map(|len| {
            let (part, tail) = core::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            let rows = part
                .iter_mut()
                .map(|row| TypedImage::from_pixels_slice(width, 1, row.pixels_mut()).ok());
            Some(FirImageMut {
                width,
                rows: rows.collect::<Option<_>>()?,
            })
        });
        parts.collect()
    }

    fn split_by_width_mut(
        &mut self,
        start_col: u32,
        width: NonZeroU32,
        num_parts: NonZeroU32,
    ) -> Option<Vec<impl ImageViewMut<Pixel = P>>> {
        let end = start_col
            .checked_add(width.get())
            .filter(|&end| end <= self.width)?;
        let widths: Vec<usize> = part_lengths(width, num_parts)?.collect();
        let mut parts: Vec<_> = widths
            .iter()
            .map(|&w| FirImageMut {
                width: w as u32,
                rows: Vec::with_capacity(self.rows.len()),
            })
            .collect();
        for row in &mut self.rows {
            let mut rest = &mut row.pixels_mut()[start_col as usize..end as usize];
            for (part, &w) in parts.iter_mut().zip(&widths) {
                let (piece, tail) = core::mem::take(&mut rest).split_at_mut(w);
                rest = tail;
                part.rows
                    .push(TypedImage::from_pixels_slice(w as u32, 1, piece).ok()?);
            }
        }
        Some(parts)
    }
}

/// Whether `Q`, the pixel type fir asks for, is `P`: fir asks with the type that
/// `pixel_type` named, and any other is refused.
fn same_pixel<P: InnerPixel, Q: InnerPixel>() -> bool {
    P::pixel_type() == Q::pixel_type()
}

impl<P: PixelTrait + Pod> IntoImageViewMut for FirImageMut<'_, P> {
    fn image_view_mut<Q: PixelTrait>(&mut self) -> Option<impl ImageViewMut<Pixel = Q>> {
        if !same_pixel::<P, Q>() {
            return None;
        }
        FirImageMut::from_rows(self.width, self.rows.iter_mut().map(TypedImage::pixels_mut))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fast_image_resize::pixels::U8x2;

    /// A 7x10 two-channel destination whose samples are all zero, in a larger buffer.
    fn with_destination(check: impl FnOnce(FirImageMut<'_, U8x2>)) -> Vec<u8> {
        let mut px = vec![0u8; 9 * 12 * 2];
        let view = ViewMut::from_slice(&mut px, [9, 12, 2]).unwrap();
        check(view.crop(1, 1, 10, 7).unwrap().as_fir_image_mut().unwrap());
        px
    }

    /// Heights and widths of the parts fir's own image splits into: what the source side
    /// (fir's default splits) gives, so what ours must give to be paired with it.
    fn fir_parts(start: u32, span: u32, parts: u32) -> (Vec<u32>, Vec<u32>) {
        let mut image = TypedImage::<U8x2>::new(10, 10);
        let heights = {
            let rows = image
                .split_by_height_mut(start, nz(span), nz(parts))
                .unwrap();
            rows.iter().map(ImageView::height).collect()
        };
        let columns = image
            .split_by_width_mut(start, nz(span), nz(parts))
            .unwrap();
        (heights, columns.iter().map(ImageView::width).collect())
    }

    fn nz(v: u32) -> NonZeroU32 {
        NonZeroU32::new(v).unwrap()
    }

    fn dimensions(parts: &[impl ImageView]) -> Vec<(u32, u32)> {
        parts.iter().map(|p| (p.width(), p.height())).collect()
    }

    /// Writes `i + 1` into every sample of part `i`, through the rows fir would write.
    fn paint(parts: Vec<impl ImageViewMut<Pixel = U8x2>>) {
        for (i, mut part) in parts.into_iter().enumerate() {
            for row in part.iter_rows_mut(0) {
                row.fill(U8x2::new([i as u8 + 1; 2]));
            }
        }
    }

    #[test]
    fn height_parts_are_firs_and_write_only_their_rows() {
        let px = with_destination(|mut image| {
            let parts = image.split_by_height_mut(1, nz(5), nz(3)).unwrap();
            let heights = fir_parts(1, 5, 3).0;
            assert_eq!(
                dimensions(&parts),
                heights.iter().map(|&h| (10, h)).collect::<Vec<_>>()
            );
            paint(parts);
        });
        let view = View::from_slice(&px, [9, 12, 2]).unwrap();
        // Rows 1..6 of the destination are rows 2..7 of the buffer: 2 + 2 + 1 rows.
        for (y, part) in [(2, 1), (3, 1), (4, 2), (5, 2), (6, 3)] {
            let row = view.row(y).unwrap().to_vec();
            assert_eq!(row[..2], [0, 0], "left of the crop, row {y}");
            assert!(row[2..22].iter().all(|&v| v == part), "row {y}");
            assert_eq!(row[22..], [0, 0], "right of the crop, row {y}");
        }
        for y in [0, 1, 7, 8] {
            assert!(view.row(y).unwrap().to_vec().iter().all(|&v| v == 0));
        }
    }

    #[test]
    fn width_parts_are_firs_and_write_only_their_columns() {
        let px = with_destination(|mut image| {
            let parts = image.split_by_width_mut(2, nz(7), nz(3)).unwrap();
            let widths = fir_parts(2, 7, 3).1;
            assert_eq!(
                dimensions(&parts),
                widths.iter().map(|&w| (w, 7)).collect::<Vec<_>>()
            );
            paint(parts);
        });
        let view = View::from_slice(&px, [9, 12, 2]).unwrap();
        let expected_row = [[0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 0, 0], [0; 12]];
        for y in 0..9 {
            let got: Vec<u8> = view.channel(0).unwrap().row(y).unwrap().to_vec();
            assert_eq!(
                got,
                expected_row[usize::from(!(1..8).contains(&y))],
                "row {y}"
            );
        }
    }

    #[test]
    fn splits_outside_the_image_are_none_as_in_fir() {
        with_destination(|mut image| {
            assert!(image.split_by_height_mut(3, nz(5), nz(2)).is_none()); // rows 3..8 of 7
            assert!(image.split_by_height_mut(0, nz(2), nz(3)).is_none()); // 3 parts of 2
            assert!(image.split_by_width_mut(4, nz(7), nz(2)).is_none()); // columns 4..11 of 10
            assert!(image.split_by_width_mut(0, nz(2), nz(3)).is_none());
            assert_eq!(image.iter_rows(7).count(), 0);
            assert_eq!(image.iter_rows_mut(9).count(), 0);
        });
    }

    #[test]
    fn other_pixel_types_are_refused_when_fir_asks() {
        with_destination(|mut image| {
            assert_eq!(IntoImageView::pixel_type(&image), Some(PixelType::U8x2));
            assert!(
                image
                    .image_view::<fast_image_resize::pixels::U16>()
                    .is_none()
            );
            assert!(
                image
                    .image_view_mut::<fast_image_resize::pixels::U16>()
                    .is_none()
            );
            assert!(image.image_view_mut::<U8x2>().is_some());
            assert_eq!(format!("{image:?}"), "FirImageMut<U8x2>(10x7)");
        });
    }
}
