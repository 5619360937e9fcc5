//! Views as `image` crate images (feature `image`): [`PixelView`] implements
//! `GenericImageView` and [`PixelViewMut`] `GenericImage`, so `imageops` functions, `imageproc`
//! and any code generic over those traits run on a crop, a flip, a transpose or a channel
//! subset in place, without copying it into an `ImageBuffer` first.
//!
//! ```
//! use image::{GenericImageView, Rgb};
//! let photo = image::RgbImage::from_fn(64, 48, |x, y| Rgb([x as u8, y as u8, 9]));
//! // Blur the mirrored top-left quarter, read straight from `photo`'s buffer.
//! let quarter = viewlib::View::from_image(&photo).crop(0, 0, 32, 24)?.flip_horizontal();
//! let blurred = image::imageops::blur(&quarter.as_pixels::<Rgb<u8>>()?, 1.5);
//! assert_eq!(blurred.dimensions(), (32, 24));
//! # Ok::<(), viewlib::ViewError>(())
//! ```

use crate::error::{Result, ViewError};
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use core::marker::PhantomData;
use image::{GenericImage, GenericImageView, Pixel};

/// The most channels a pixel type may have here (the `image` crate's own types have 1 to 4).
const MAX_CHANNELS: usize = 4;

/// Checks that a `[height, width, channels]` shape is an image of `P` pixels; returns
/// `(width, height)` as `u32`.
fn image_dimensions<P: Pixel>(shape: [usize; 3]) -> Result<(u32, u32)> {
    let [height, width, channels] = shape;
    let expected = usize::from(P::CHANNEL_COUNT);
    if channels != expected || expected > MAX_CHANNELS {
        return Err(ViewError::ShapeMismatch {
            axis: 2,
            expected,
            found: channels,
        });
    }
    match (u32::try_from(width), u32::try_from(height)) {
        (Ok(w), Ok(h)) => Ok((w, h)),
        _ => Err(ViewError::TooLargeForImage { width, height }),
    }
}

/// A read-only 3-D view seen as an image of `P` pixels (from [`View::as_pixels`]). Any layout
/// works; a pixel whose channels are not adjacent is gathered into a `P` when read.
#[derive(Debug, Clone, Copy)]
pub struct PixelView<'a, P: Pixel<Subpixel: Sample>> {
    view: View<'a, P::Subpixel, 3>,
    dimensions: (u32, u32),
    pixel: PhantomData<P>,
}

/// A writable 3-D view seen as an image of `P` pixels (from [`ViewMut::as_pixels_mut`]). Its
/// channels must be adjacent (channel stride 1: crops, flips and transposes keep that), since
/// `GenericImage` hands out `&mut P`.
#[derive(Debug)]
pub struct PixelViewMut<'a, P: Pixel<Subpixel: Sample>> {
    view: ViewMut<'a, P::Subpixel, 3>,
    dimensions: (u32, u32),
    pixel: PhantomData<P>,
}

impl<'a, T: Sample> View<'a, T, 3> {
    /// This view as an `image` crate image of `P` pixels, for `imageops` and any code generic
    /// over `GenericImageView`. No copy: pixels are read through the view.
    ///
    /// Errors: [`ViewError::ShapeMismatch`] if the channel count is not `P`'s,
    /// [`ViewError::TooLargeForImage`] past `u32` dimensions.
    ///
    /// ```
    /// use image::{GenericImageView, Luma, Rgb};
    /// let px = [1u8, 2, 3, 4, 5, 6];
    /// let view = viewlib::View::from_slice(&px, [1, 2, 3])?;
    /// let image = view.rotate90().as_pixels::<Rgb<u8>>()?;
    /// assert_eq!((image.dimensions(), image.get_pixel(0, 1)), ((1, 2), Rgb([4, 5, 6])));
    /// assert!(view.as_pixels::<Luma<u8>>().is_err()); // 3 channels, not 1
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn as_pixels<P: Pixel<Subpixel = T>>(self) -> Result<PixelView<'a, P>> {
        Ok(PixelView {
            dimensions: image_dimensions::<P>(self.shape())?,
            view: self,
            pixel: PhantomData,
        })
    }
}

impl<'a, T: Sample> ViewMut<'a, T, 3> {
    /// This view as a writable `image` crate image of `P` pixels, for code generic over
    /// `GenericImage` (drawing, `imageops::overlay`, `replace`, in-place `imageops`).
    ///
    /// Errors: as [`View::as_pixels`], and [`ViewError::NotContiguous`] if a pixel's channels
    /// are not adjacent (a strided channel subset).
    ///
    /// ```
    /// use image::{GenericImage, Rgb};
    /// let mut px = [0u8; 2 * 3 * 3];
    /// let mut image = viewlib::ViewMut::from_slice(&mut px, [2, 3, 3])?.flip_vertical();
    /// image.reborrow().as_pixels_mut::<Rgb<u8>>()?.put_pixel(2, 0, Rgb([7, 8, 9]));
    /// assert_eq!(&px[15..], [7, 8, 9]); // row 0 of the flipped view is the last row
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn as_pixels_mut<P: Pixel<Subpixel = T>>(self) -> Result<PixelViewMut<'a, P>> {
        let dimensions = image_dimensions::<P>(self.shape())?;
        if self.shape()[2] > 1 && self.strides()[2] != 1 {
            return Err(ViewError::NotContiguous {
                operation: "a writable image of pixels (channels must be adjacent)",
            });
        }
        Ok(PixelViewMut {
            view: self,
            dimensions,
            pixel: PhantomData,
        })
    }
}

/// Reads pixel `(x, y)` of `view`, which has `P`'s channel count; panics out of bounds, as
/// `GenericImageView::get_pixel` does.
fn read_pixel<P: Pixel>(view: View<'_, P::Subpixel, 3>, x: u32, y: u32) -> P
where
    P::Subpixel: Sample,
{
    let pixel = view
        .pixel(x as usize, y as usize)
        .unwrap_or_else(|e| panic!("pixel ({x}, {y}) of a {:?} image: {e}", view.shape()));
    match pixel.as_slice() {
        Some(channels) => *P::from_slice(channels),
        None => {
            let mut channels = [<P::Subpixel as bytemuck::Zeroable>::zeroed(); MAX_CHANNELS];
            for (to, from) in channels.iter_mut().zip(pixel.iter()) {
                *to = *from;
            }
            *P::from_slice(&channels[..pixel.len()])
        }
    }
}

impl<P: Pixel> GenericImageView for PixelView<'_, P>
where
    P::Subpixel: Sample,
{
    type Pixel = P;
    fn dimensions(&self) -> (u32, u32) {
        self.dimensions
    }
    fn get_pixel(&self, x: u32, y: u32) -> P {
        read_pixel(self.view, x, y)
    }
}

impl<P: Pixel> GenericImageView for PixelViewMut<'_, P>
where
    P::Subpixel: Sample,
{
    type Pixel = P;
    fn dimensions(&self) -> (u32, u32) {
        self.dimensions
    }
    fn get_pixel(&self, x: u32, y: u32) -> P {
        read_pixel(self.view.view(), x, y)
    }
}

impl<P: Pixel> GenericImage for PixelViewMut<'_, P>
where
    P::Subpixel: Sample,
{
    fn get_pixel_mut(&mut self, x: u32, y: u32) -> &mut P {
        let shape = self.view.shape();
        let channels = self
            .view
            .reborrow()
            .pixel(x as usize, y as usize)
            .unwrap_or_else(|e| panic!("pixel ({x}, {y}) of a {shape:?} image: {e}"))
            .into_slice_mut()
            .expect("adjacent channels, checked by as_pixels_mut");
        P::from_slice_mut(channels)
    }

    fn put_pixel(&mut self, x: u32, y: u32, pixel: P) {
        #[allow(deprecated)] // the trait's own way to a pixel's place; not deprecated here
        let place = self.get_pixel_mut(x, y);
        *place = pixel;
    }

    fn blend_pixel(&mut self, x: u32, y: u32, pixel: P) {
        #[allow(deprecated)]
        self.get_pixel_mut(x, y).blend(&pixel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, Rgba};

    fn photo() -> image::RgbImage {
        ImageBuffer::from_fn(41, 29, |x, y| {
            Rgb([(x * 6) as u8, (y * 8) as u8, (x ^ y) as u8])
        })
    }

    #[test]
    fn imageops_on_views_equal_imageops_on_their_copies() {
        let photo = photo();
        let full = View::from_image(&photo);
        let views = [
            full,
            full.crop(3, 5, 30, 20).unwrap(),
            full.crop(3, 5, 30, 20).unwrap().flip_horizontal(),
            full.rotate90(),
            full.transpose().flip_vertical(),
            full.channel_range(..).unwrap().flip_vertical(),
        ];
        for view in views {
            let [h, w, _] = view.shape();
            let copy: image::RgbImage =
                ImageBuffer::from_raw(w as u32, h as u32, view.to_vec()).unwrap();
            let pixels = view.as_pixels::<Rgb<u8>>().unwrap();
            assert_eq!(pixels.dimensions(), copy.dimensions());
            assert_eq!(
                image::imageops::blur(&pixels, 1.2),
                image::imageops::blur(&copy, 1.2)
            );
            let (a, b) = (
                image::imageops::grayscale(&pixels),
                image::imageops::grayscale(&copy),
            );
            assert_eq!(a, b);
            let filter = image::imageops::FilterType::Triangle;
            let (a, b) = (
                image::imageops::resize(&pixels, 13, 9, filter),
                image::imageops::resize(&copy, 13, 9, filter),
            );
            assert_eq!(a, b);
        }
    }

    #[test]
    fn strided_channels_are_gathered_when_read() {
        // BGR read as RGB by reversing the channel axis: channels 2 bytes apart, backwards.
        let photo = photo();
        let bgr = View::from_image(&photo).flip(2).unwrap();
        let pixels = bgr.as_pixels::<Rgb<u8>>().unwrap();
        let p = photo.get_pixel(7, 3);
        assert_eq!(pixels.get_pixel(7, 3), Rgb([p[2], p[1], p[0]]));
    }

    #[test]
    fn writes_through_generic_image_land_in_the_view_only() {
        let mut canvas = image::RgbaImage::new(20, 10);
        let stamp = image::RgbaImage::from_pixel(4, 3, Rgba([200, 100, 50, 255]));
        let mut expected = canvas.clone();
        // Overlay into a flipped crop of the canvas, through the view.
        let view = ViewMut::from_image(&mut canvas)
            .crop(5, 2, 10, 6)
            .unwrap()
            .flip_horizontal();
        let mut target = view.as_pixels_mut::<Rgba<u8>>().unwrap();
        image::imageops::overlay(&mut target, &stamp, 1, 1);
        // The same on a plain copy of that region, mapped back by hand.
        let mut region = image::RgbaImage::new(10, 6);
        image::imageops::overlay(&mut region, &stamp, 1, 1);
        for (x, y, p) in region.enumerate_pixels() {
            expected.put_pixel(5 + (9 - x), 2 + y, *p);
        }
        assert_eq!(canvas, expected);
    }

    #[test]
    fn wrong_channel_counts_strided_writes_and_huge_views_are_refused() {
        let photo = photo();
        let view = View::from_image(&photo);
        assert_eq!(
            view.as_pixels::<Rgba<u8>>().unwrap_err(),
            ViewError::ShapeMismatch {
                axis: 2,
                expected: 4,
                found: 3
            }
        );
        let mut rgb = photo.clone();
        let reversed = ViewMut::from_image(&mut rgb).flip(2).unwrap();
        assert!(matches!(
            reversed.as_pixels_mut::<Rgb<u8>>(),
            Err(ViewError::NotContiguous { .. })
        ));
        let wide = View::<u8, 3>::from_slice_with_strides(&[0], [1, 1 << 33, 1], [0, 0, 0], 0);
        if let Ok(wide) = wide {
            assert!(matches!(
                wide.as_pixels::<image::Luma<u8>>(),
                Err(ViewError::TooLargeForImage { .. })
            ));
        }
    }
}
