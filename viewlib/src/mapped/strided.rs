//! Mapped files as [`DynStridedImage`]s: owned, shareable, sliceable without a borrow, with
//! the map alive as long as any image derived from it.

use super::header::FileLayout;
use super::image::{MappedImage, MappedImageMut};
use crate::io::{FileErrorKind, ImageFileError};
use crate::strided_image::Memory;
use crate::{DynStridedImage, Layout, SampleType, StridedImage, U16Be};
use std::sync::Arc;

impl Memory for MappedImage {
    /// The samples' bytes (the header is not part of the image's memory).
    fn bytes(&self) -> &[u8] {
        MappedImage::bytes(self)
    }
    fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        None
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Memory for MappedImageMut {
    fn bytes(&self) -> &[u8] {
        MappedImageMut::bytes(self)
    }
    fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        Some(MappedImageMut::bytes_mut(self))
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// The image over `memory` holding samples as `layout` says, in the variant its sample type
/// reads as: 8-bit, 16-bit big-endian (PNM, farbfeld), or native 16-bit and float.
fn strided(
    memory: Arc<dyn Memory>,
    layout: &FileLayout,
    path: &std::path::Path,
) -> Result<DynStridedImage, ImageFileError> {
    let fail = |kind| ImageFileError::new(path, kind);
    let shape = Layout::c_order(layout.shape()).map_err(|e| fail(e.into()))?;
    let typed = layout.sample_type();
    let image = match typed {
        SampleType::U8 => StridedImage::<u8>::from_memory(memory, 0, shape).map(Into::into),
        SampleType::U16Be => StridedImage::<U16Be>::from_memory(memory, 0, shape).map(Into::into),
        t if Some(t) == SampleType::of::<u16>() => {
            StridedImage::<u16>::from_memory(memory, 0, shape).map(Into::into)
        }
        t if Some(t) == SampleType::of::<f32>() => {
            StridedImage::<f32>::from_memory(memory, 0, shape).map(Into::into)
        }
        other => {
            return Err(fail(FileErrorKind::SampleType {
                stored: other.format(),
                requested: "B, >H, H or f",
            }));
        }
    };
    image.map_err(|e| fail(e.into()))
}

impl TryFrom<MappedImage> for DynStridedImage {
    type Error = ImageFileError;

    /// The mapped samples as a read-only image (writing through it is
    /// [`ViewError::ReadOnlyMemory`](crate::ViewError::ReadOnlyMemory)); the map lives as
    /// long as any image derived from it.
    ///
    /// ```
    /// use viewlib::{mapped::MappedImage, DynStridedImage};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("tiny.ppm");
    /// std::fs::write(&path, b"P6 2 1 65535\n\x00\x01\x00\x02\x00\x03\x12\x34\x00\x05\x00\x06")?;
    /// let image = DynStridedImage::try_from(MappedImage::open(&path)?)?;
    /// let DynStridedImage::U16Be(pixels) = image.crop(1, 0, 1, 1)? else { unreachable!() };
    /// assert_eq!(pixels.view().to_vec(), [0x1234, 5, 6]); // straight from the file's bytes
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn try_from(image: MappedImage) -> Result<Self, ImageFileError> {
        let (layout, path) = (*image.layout(), image.path().to_path_buf());
        strided(Arc::new(image), &layout, &path)
    }
}

impl TryFrom<MappedImageMut> for DynStridedImage {
    type Error = ImageFileError;

    /// The mapped samples as an image that writes the file in place while it is the map's
    /// only holder ([`StridedImage::view_mut`]).
    ///
    /// ```
    /// use viewlib::{mapped::MappedImageMut, DynStridedImage};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("tiny.pgm");
    /// std::fs::write(&path, b"P5 3 1 255\n\x01\x02\x03")?;
    /// let image = DynStridedImage::try_from(MappedImageMut::open(&path)?)?;
    /// let DynStridedImage::U8(image) = image else { unreachable!() };
    /// let mut last = image.crop(2, 0, 1, 1)?;
    /// drop(image); // the crop is now the map's only holder
    /// last.view_mut()?.fill(9);
    /// drop(last); // unmapped: the change is the file's
    /// assert_eq!(std::fs::read(&path)?, b"P5 3 1 255\n\x01\x02\x09");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn try_from(image: MappedImageMut) -> Result<Self, ImageFileError> {
        let (layout, path) = (*image.layout(), image.path().to_path_buf());
        strided(Arc::new(image), &layout, &path)
    }
}
