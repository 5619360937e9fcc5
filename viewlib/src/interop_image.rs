//! Zero-copy conversions to and from the `image` crate (feature `image`, on by default).
//!
//! Owned buffers move their `Vec` across (no pixel is copied); borrowed `ImageBuffer`s are
//! viewed in place.
//!
//! ```
//! use image::{Rgb, RgbImage};
//! use viewlib::{ImageBuf, View};
//! let mut img = RgbImage::from_pixel(4, 3, Rgb([10, 20, 30]));
//! img.put_pixel(1, 2, Rgb([1, 2, 3]));
//! let view = View::from_image(&img);
//! assert_eq!(view.shape(), [3, 4, 3]); // height, width, channels
//! assert_eq!(view.pixel(1, 2)?.to_vec(), [1, 2, 3]);
//! let owned = ImageBuf::from(img); // moves the Vec, no copy
//! let back: RgbImage = owned.into_image()?;
//! assert_eq!(back.get_pixel(1, 2), &Rgb([1, 2, 3]));
//! # Ok::<(), viewlib::ViewError>(())
//! ```

use crate::error::{Result, ViewError};
use crate::owned::{DynImageBuf, ImageBuf};
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use core::ops::{Deref, DerefMut};
use image::{DynamicImage, ImageBuffer, Pixel};

fn image_shape<P: Pixel>(width: u32, height: u32) -> [usize; 3] {
    [height as usize, width as usize, P::CHANNEL_COUNT as usize]
}

impl<'a, T: Sample> View<'a, T, 3> {
    /// Views an `image::ImageBuffer` in place as `[height, width, channels]`.
    pub fn from_image<P, C>(image: &'a ImageBuffer<P, C>) -> Self
    where
        P: Pixel<Subpixel = T>,
        C: Deref<Target = [T]>,
    {
        let shape = image_shape::<P>(image.width(), image.height());
        let samples: &'a [T] = image;
        // `ImageBuffer` guarantees its container holds at least `w * h * c` samples.
        let len = shape.iter().product();
        View::from_slice(&samples[..len], shape).expect("ImageBuffer upholds its length")
    }
}

impl<'a, T: Sample> ViewMut<'a, T, 3> {
    /// Views an `image::ImageBuffer` in place, writably.
    pub fn from_image<P, C>(image: &'a mut ImageBuffer<P, C>) -> Self
    where
        P: Pixel<Subpixel = T>,
        C: DerefMut<Target = [T]>,
    {
        let shape = image_shape::<P>(image.width(), image.height());
        let samples: &'a mut [T] = image;
        let len = shape.iter().product();
        ViewMut::from_slice(&mut samples[..len], shape).expect("ImageBuffer upholds its length")
    }
}

macro_rules! oriented {
    ($ty:ident) => {
        impl<'a, T: Sample> $ty<'a, T, 3> {
            /// The image as an EXIF orientation tag says to show it (what
            /// `DynamicImage::apply_orientation` does, and what a decoder's `orientation()`
            /// reports), as a view: no pixel moves.
            ///
            /// ```
            /// use image::metadata::Orientation;
            /// let px = [1u8, 2, 3, 4, 5, 6]; // 2 rows, 3 columns, gray
            /// let view = viewlib::View::from_slice(&px, [2, 3, 1])?;
            /// // EXIF 6: the camera was turned; show it a quarter turn clockwise.
            /// let shown = view.oriented(Orientation::from_exif(6).unwrap());
            /// assert_eq!((shown.shape(), shown.to_vec()), ([3, 2, 1], vec![4, 1, 5, 2, 6, 3]));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn oriented(self, orientation: image::metadata::Orientation) -> Self {
                use image::metadata::Orientation::*;
                match orientation {
                    NoTransforms => self,
                    Rotate90 => self.rotate90(),
                    Rotate180 => self.rotate180(),
                    Rotate270 => self.rotate270(),
                    FlipHorizontal => self.flip_horizontal(),
                    FlipVertical => self.flip_vertical(),
                    Rotate90FlipH => self.rotate90().flip_horizontal(),
                    Rotate270FlipH => self.rotate270().flip_horizontal(),
                }
            }
        }
    };
}

oriented!(View);
oriented!(ViewMut);

impl<P> From<ImageBuffer<P, Vec<P::Subpixel>>> for ImageBuf<P::Subpixel>
where
    P: Pixel,
    P::Subpixel: Sample,
{
    /// Moves the pixel `Vec` over without copying.
    fn from(image: ImageBuffer<P, Vec<P::Subpixel>>) -> Self {
        let [height, width, channels] = image_shape::<P>(image.width(), image.height());
        let mut samples = image.into_raw();
        // A container may be longer than the image; truncating keeps the allocation.
        samples.truncate(height * width * channels);
        ImageBuf::from_vec(height, width, channels, samples)
            .expect("ImageBuffer upholds its length")
    }
}

impl<T: Sample> ImageBuf<T> {
    /// Moves the samples into an `image::ImageBuffer` of pixel type `P`, without copying.
    /// The channel count must be `P`'s, and the sides must fit `u32`.
    ///
    /// ```
    /// use viewlib::{ImageBuf, ViewError};
    /// let gray = ImageBuf::<u8>::new(2, 2, 1)?;
    /// let err = gray.into_image::<image::Rgb<u8>>().unwrap_err();
    /// assert_eq!(err, ViewError::ShapeMismatch { axis: 2, expected: 3, found: 1 });
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn into_image<P: Pixel<Subpixel = T>>(self) -> Result<ImageBuffer<P, Vec<T>>> {
        let [height, width, channels] = self.shape();
        if channels != P::CHANNEL_COUNT as usize {
            return Err(ViewError::ShapeMismatch {
                axis: 2,
                expected: P::CHANNEL_COUNT as usize,
                found: channels,
            });
        }
        let side = |axis: usize, len: usize| {
            u32::try_from(len).map_err(|_| ViewError::SizeOverflow { axis, len })
        };
        let (w, h) = (side(1, width)?, side(0, height)?);
        Ok(ImageBuffer::from_raw(w, h, self.into_vec()).expect("length checked by ImageBuf"))
    }
}

impl From<DynamicImage> for DynImageBuf {
    /// Moves the pixels over without copying, keeping sample type and channel count
    /// (16-bit stays 16-bit).
    fn from(image: DynamicImage) -> Self {
        match image {
            DynamicImage::ImageLuma8(b) => DynImageBuf::U8(b.into()),
            DynamicImage::ImageLumaA8(b) => DynImageBuf::U8(b.into()),
            DynamicImage::ImageRgb8(b) => DynImageBuf::U8(b.into()),
            DynamicImage::ImageRgba8(b) => DynImageBuf::U8(b.into()),
            DynamicImage::ImageLuma16(b) => DynImageBuf::U16(b.into()),
            DynamicImage::ImageLumaA16(b) => DynImageBuf::U16(b.into()),
            DynamicImage::ImageRgb16(b) => DynImageBuf::U16(b.into()),
            DynamicImage::ImageRgba16(b) => DynImageBuf::U16(b.into()),
            DynamicImage::ImageRgb32F(b) => DynImageBuf::F32(b.into()),
            DynamicImage::ImageRgba32F(b) => DynImageBuf::F32(b.into()),
            // A variant added by a later `image`: the one conversion that copies, to the
            // widest type it surely has.
            other => DynImageBuf::F32(other.into_rgba32f().into()),
        }
    }
}

impl TryFrom<DynImageBuf> for DynamicImage {
    type Error = ViewError;

    /// Moves the pixels back without copying; fails for combinations `image` has no type for
    /// (float gray, or more than 4 channels).
    fn try_from(buf: DynImageBuf) -> Result<Self> {
        let unsupported = |channels, bits| ViewError::UnsupportedChannels { channels, bits };
        Ok(match buf {
            DynImageBuf::U8(b) => match b.channels() {
                1 => DynamicImage::ImageLuma8(b.into_image()?),
                2 => DynamicImage::ImageLumaA8(b.into_image()?),
                3 => DynamicImage::ImageRgb8(b.into_image()?),
                4 => DynamicImage::ImageRgba8(b.into_image()?),
                c => return Err(unsupported(c, 8)),
            },
            DynImageBuf::U16(b) => match b.channels() {
                1 => DynamicImage::ImageLuma16(b.into_image()?),
                2 => DynamicImage::ImageLumaA16(b.into_image()?),
                3 => DynamicImage::ImageRgb16(b.into_image()?),
                4 => DynamicImage::ImageRgba16(b.into_image()?),
                c => return Err(unsupported(c, 16)),
            },
            DynImageBuf::F32(b) => match b.channels() {
                3 => DynamicImage::ImageRgb32F(b.into_image()?),
                4 => DynamicImage::ImageRgba32F(b.into_image()?),
                c => return Err(unsupported(c, 32)),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayAlphaImage, ImageBuffer, LumaA, Rgba};

    #[test]
    fn owned_conversions_move_the_allocation() {
        let img: ImageBuffer<Rgba<u16>, Vec<u16>> =
            ImageBuffer::from_fn(5, 3, |x, y| Rgba([x as u16, y as u16, 7, 65535]));
        let ptr = img.as_raw().as_ptr();
        let owned = ImageBuf::from(img);
        assert_eq!(owned.shape(), [3, 5, 4]);
        assert_eq!(owned.as_slice().as_ptr(), ptr, "no copy into ImageBuf");
        let dynamic = DynamicImage::try_from(DynImageBuf::U16(owned)).unwrap();
        assert_eq!(
            dynamic.as_rgba16().unwrap().as_raw().as_ptr(),
            ptr,
            "no copy back"
        );
        let round = DynImageBuf::from(dynamic);
        assert_eq!(round.bits_per_sample(), 16);
        assert_eq!(round.format(), "H");
        assert_eq!(round.shape(), [3, 5, 4]);
    }

    #[test]
    fn borrowed_views_edit_in_place() {
        let mut img = GrayAlphaImage::from_pixel(3, 2, LumaA([100, 255]));
        ViewMut::from_image(&mut img).channel(0).unwrap().fill(7);
        assert_eq!(img.get_pixel(2, 1), &LumaA([7, 255]));
        assert_eq!(
            View::from_image(&img).channel(1).unwrap().to_vec(),
            [255; 6]
        );
    }

    #[test]
    fn unsupported_combinations_are_errors() {
        let gray_float = DynImageBuf::F32(ImageBuf::new(1, 1, 1).unwrap());
        assert_eq!(
            DynamicImage::try_from(gray_float).unwrap_err(),
            ViewError::UnsupportedChannels {
                channels: 1,
                bits: 32
            }
        );
        let five = DynImageBuf::U8(ImageBuf::new(1, 1, 5).unwrap());
        assert!(DynamicImage::try_from(five).is_err());
    }
}
