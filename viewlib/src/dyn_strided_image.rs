//! [`StridedImage`] with its sample type known at run time, as a decoder or a file header
//! decides it.

use crate::Layout;
use crate::error::{Result, ViewError};
use crate::owned::{DynImageBuf, ImageBuf};
use crate::sample::{Sample, U16Be};
use crate::sample_type::SampleType;
use crate::slice::Slice;
use crate::strided_image::{ByteRuns, StridedImage};

/// A [`StridedImage`] of one of the sample types images come in: what [`crate::io::load`]
/// decodes (8 and 16-bit, float), and PNG's big-endian 16-bit samples as stored.
///
/// The layout questions and derivations of [`StridedImage`] work whatever the type; a
/// kernel matches on the variant to get the typed image.
///
/// ```
/// use viewlib::{DynImageBuf, DynStridedImage, ImageBuf, SampleType};
/// let image = DynStridedImage::from(DynImageBuf::U16(ImageBuf::new(4, 6, 3)?));
/// let detail = image.crop(1, 1, 2, 2)?.flip_vertical().channel(2)?;
/// assert_eq!((detail.shape(), detail.byte_strides()), ([2, 2, 1], [-36, 6, 2]));
/// assert_eq!(detail.sample_type(), SampleType::of::<u16>().unwrap());
/// let DynStridedImage::U16(typed) = detail else { unreachable!() };
/// assert_eq!(typed.view().get([0, 0, 0]), Some(0));
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use = "an image does nothing unless used"]
pub enum DynStridedImage {
    /// 8-bit samples.
    U8(StridedImage<u8>),
    /// 16-bit samples in the machine's byte order.
    U16(StridedImage<u16>),
    /// 16-bit big-endian samples, as PNG stores them.
    U16Be(StridedImage<U16Be>),
    /// 32-bit float samples.
    F32(StridedImage<f32>),
    /// 32-bit unsigned words in the machine's byte order: what a cast of four 8-bit
    /// samples (an RGBA pixel) to one word makes.
    U32(StridedImage<u32>),
}

/// `$body` with `$image` bound to the typed image, whatever the variant.
macro_rules! each {
    ($self:expr, $image:ident => $body:expr) => {
        match $self {
            DynStridedImage::U8($image) => $body,
            DynStridedImage::U16($image) => $body,
            DynStridedImage::U16Be($image) => $body,
            DynStridedImage::F32($image) => $body,
            DynStridedImage::U32($image) => $body,
        }
    };
}

/// `$body` (a derivation) on the typed image, wrapped back in the same variant.
macro_rules! derive_each {
    ($self:expr, $image:ident => $body:expr) => {
        match $self {
            DynStridedImage::U8($image) => DynStridedImage::U8($body),
            DynStridedImage::U16($image) => DynStridedImage::U16($body),
            DynStridedImage::U16Be($image) => DynStridedImage::U16Be($body),
            DynStridedImage::F32($image) => DynStridedImage::F32($body),
            DynStridedImage::U32($image) => DynStridedImage::U32($body),
        }
    };
}

macro_rules! from_typed {
    ($($variant:ident($t:ty)),*) => {$(
        impl From<StridedImage<$t>> for DynStridedImage {
            fn from(image: StridedImage<$t>) -> Self {
                DynStridedImage::$variant(image)
            }
        }

        impl From<ImageBuf<$t>> for DynStridedImage {
            /// Moves the samples in, without copying.
            fn from(image: ImageBuf<$t>) -> Self {
                DynStridedImage::$variant(image.into())
            }
        }
    )*};
}

from_typed!(U8(u8), U16(u16), U16Be(U16Be), F32(f32), U32(u32));

impl From<DynImageBuf> for DynStridedImage {
    /// Moves the samples in, without copying.
    fn from(image: DynImageBuf) -> Self {
        match image {
            DynImageBuf::U8(b) => DynStridedImage::U8(b.into()),
            DynImageBuf::U16(b) => DynStridedImage::U16(b.into()),
            DynImageBuf::F32(b) => DynStridedImage::F32(b.into()),
        }
    }
}

impl DynStridedImage {
    /// `[height, width, channels]`.
    #[must_use]
    pub fn shape(&self) -> [usize; 3] {
        each!(self, i => i.shape())
    }

    /// Element strides.
    #[must_use]
    pub fn strides(&self) -> [isize; 3] {
        each!(self, i => i.strides())
    }

    /// Byte strides, as the buffer protocol reports them.
    #[must_use]
    pub fn byte_strides(&self) -> [isize; 3] {
        each!(self, i => i.byte_strides())
    }

    /// The layout: shape and element strides.
    #[must_use]
    pub fn layout(&self) -> Layout<3> {
        each!(self, i => i.layout())
    }

    /// Bytes per sample.
    #[must_use]
    pub fn itemsize(&self) -> usize {
        each!(self, i => i.itemsize())
    }

    /// The sample format code (`"B"`, `"H"`, `">H"`, `"f"`), as `memoryview.format`.
    #[must_use]
    pub fn format(&self) -> &'static str {
        each!(self, i => i.format())
    }

    /// The sample type, byte order included.
    #[must_use]
    pub fn sample_type(&self) -> SampleType {
        fn of<T: Sample>(_: &StridedImage<T>) -> SampleType {
            SampleType::of::<T>().expect("every variant's sample type has a run-time name")
        }
        each!(self, i => of(i))
    }

    /// Byte offset of element `[0, 0, 0]` in the memory.
    #[must_use]
    pub fn offset_bytes(&self) -> usize {
        each!(self, i => i.offset_bytes())
    }

    /// The whole memory's bytes.
    #[must_use]
    pub fn memory_bytes(&self) -> &[u8] {
        each!(self, i => i.memory_bytes())
    }

    /// [`StridedImage::byte_offset_of`].
    #[must_use]
    pub fn byte_offset_of(&self, index: [usize; 3]) -> Option<usize> {
        each!(self, i => i.byte_offset_of(index))
    }

    /// [`StridedImage::index_at_byte`].
    #[must_use]
    pub fn index_at_byte(&self, byte: usize) -> Option<[usize; 3]> {
        each!(self, i => i.index_at_byte(byte))
    }

    /// [`StridedImage::byte_runs`].
    #[must_use]
    pub fn byte_runs(&self) -> ByteRuns {
        each!(self, i => i.byte_runs())
    }

    /// Whether the elements are gap-free in C order.
    #[must_use]
    pub fn is_c_contiguous(&self) -> bool {
        each!(self, i => i.is_c_contiguous())
    }

    /// [`StridedImage::into_memory`]: the memory as the `Vec<V>` it was built from, if this
    /// image holds it alone, whatever the sample type a cast gave the image; otherwise the
    /// image back.
    ///
    /// ```
    /// use viewlib::{DynStridedImage, ImageBuf, SampleType};
    /// let rgba = DynStridedImage::from(ImageBuf::<u8>::new(1, 2, 4)?);
    /// let words = rgba.cast(SampleType::of::<u32>().unwrap())?;
    /// drop(rgba);
    /// assert_eq!(words.into_memory::<u8>().map(|v| v.len()).ok(), Some(8));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn into_memory<V: Sample>(self) -> core::result::Result<Vec<V>, Self> {
        match self {
            DynStridedImage::U8(i) => i.into_memory().map_err(DynStridedImage::U8),
            DynStridedImage::U16(i) => i.into_memory().map_err(DynStridedImage::U16),
            DynStridedImage::U16Be(i) => i.into_memory().map_err(DynStridedImage::U16Be),
            DynStridedImage::F32(i) => i.into_memory().map_err(DynStridedImage::F32),
            DynStridedImage::U32(i) => i.into_memory().map_err(DynStridedImage::U32),
        }
    }

    /// [`StridedImage::crop`].
    pub fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> Result<Self> {
        Ok(derive_each!(self, i => i.crop(x, y, width, height)?))
    }

    /// [`StridedImage::slice`].
    pub fn slice(&self, slices: [Slice; 3]) -> Result<Self> {
        Ok(derive_each!(self, i => i.slice(slices)?))
    }

    /// [`StridedImage::channel`].
    pub fn channel(&self, channel: usize) -> Result<Self> {
        Ok(derive_each!(self, i => i.channel(channel)?))
    }

    /// [`StridedImage::flip_horizontal`].
    pub fn flip_horizontal(&self) -> Self {
        derive_each!(self, i => i.flip_horizontal())
    }

    /// [`StridedImage::flip_vertical`].
    pub fn flip_vertical(&self) -> Self {
        derive_each!(self, i => i.flip_vertical())
    }

    /// [`StridedImage::transpose`].
    pub fn transpose(&self) -> Self {
        derive_each!(self, i => i.transpose())
    }

    /// [`StridedImage::rotate90`].
    pub fn rotate90(&self) -> Self {
        derive_each!(self, i => i.rotate90())
    }

    /// [`StridedImage::rotate180`].
    pub fn rotate180(&self) -> Self {
        derive_each!(self, i => i.rotate180())
    }

    /// [`StridedImage::rotate270`].
    pub fn rotate270(&self) -> Self {
        derive_each!(self, i => i.rotate270())
    }

    /// [`StridedImage::oriented`]: shown as an EXIF orientation tag says, sharing the memory.
    ///
    /// ```
    /// use image::metadata::Orientation;
    /// use viewlib::{DynImageBuf, DynStridedImage, ImageBuf};
    /// let photo = DynStridedImage::from(DynImageBuf::U8(ImageBuf::new(2, 3, 3)?));
    /// let upright = photo.oriented(Orientation::Rotate90);
    /// assert_eq!((upright.shape(), upright.memory_bytes().len()), ([3, 2, 3], 18));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[cfg(feature = "image")]
    pub fn oriented(&self, orientation: image::metadata::Orientation) -> Self {
        derive_each!(self, i => i.oriented(orientation))
    }

    /// The same bytes as samples of type `to` ([`StridedImage::cast`]): 8-bit pairs as
    /// 16-bit samples in either byte order, 16-bit samples as byte pairs, four bytes as one
    /// float or one native-order word. Types without a variant here are [`ViewError::UnsupportedSampleType`].
    ///
    /// ```
    /// use viewlib::{DynStridedImage, ImageBuf, SampleType, StridedImage};
    /// let rgba = StridedImage::from(ImageBuf::from_vec(1, 1, 4, vec![0x12u8, 0x34, 0x56, 0x78])?);
    /// let pairs = DynStridedImage::from(rgba).cast(SampleType::U16Be)?;
    /// assert_eq!((pairs.shape(), pairs.format()), ([1, 1, 2], ">H"));
    /// let DynStridedImage::U16Be(pairs) = pairs else { unreachable!() };
    /// assert_eq!(pairs.view().to_vec(), [0x1234, 0x5678]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn cast(&self, to: SampleType) -> Result<Self> {
        fn cast_from<T: Sample>(
            image: &StridedImage<T>,
            to: SampleType,
        ) -> Result<DynStridedImage> {
            if to == SampleType::U8 {
                return Ok(image.cast::<u8>()?.into());
            }
            if to == SampleType::U16Be {
                return Ok(image.cast::<U16Be>()?.into());
            }
            if Some(to) == SampleType::of::<u16>() {
                return Ok(image.cast::<u16>()?.into());
            }
            if Some(to) == SampleType::of::<f32>() {
                return Ok(image.cast::<f32>()?.into());
            }
            if Some(to) == SampleType::of::<u32>() {
                return Ok(image.cast::<u32>()?.into());
            }
            Err(ViewError::UnsupportedSampleType {
                format: to.format(),
            })
        }
        each!(self, i => cast_from(i, to))
    }
}

/// The alignment of the Rust sample type [`DynStridedImage::cast`] makes for `to` (what the
/// first element's address must be a multiple of), or its refusal of `to`: the layout-only
/// twin of its dispatch, which [`pipeline::dry_run`](crate::pipeline::dry_run) uses.
pub(crate) fn cast_alignment(to: SampleType) -> Result<usize> {
    // In the order `cast` tries them: `U16Be` first, which on a big-endian machine is also
    // `u16`'s run-time name.
    let align = if to == SampleType::U8 {
        align_of::<u8>()
    } else if to == SampleType::U16Be {
        align_of::<U16Be>()
    } else if Some(to) == SampleType::of::<u16>() {
        align_of::<u16>()
    } else if Some(to) == SampleType::of::<f32>() {
        align_of::<f32>()
    } else if Some(to) == SampleType::of::<u32>() {
        align_of::<u32>()
    } else {
        return Err(ViewError::UnsupportedSampleType {
            format: to.format(),
        });
    };
    Ok(align)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ImageBuf;

    /// What `cast` makes and what `cast_alignment` says agree for every sample type.
    #[test]
    fn cast_alignment_is_the_alignment_of_what_cast_makes() {
        use SampleType::*;
        let image = DynStridedImage::from(ImageBuf::<u8>::new(2, 2, 8).unwrap());
        for to in [
            U8, I8, U16Be, U16Le, I16Be, I16Le, U32Be, U32Le, I32Be, I32Le, F32Be, F32Le, F64Be,
            F64Le,
        ] {
            let made = image.cast(to).map(|cast| match cast {
                DynStridedImage::U8(_) => align_of::<u8>(),
                DynStridedImage::U16(_) => align_of::<u16>(),
                DynStridedImage::U16Be(_) => align_of::<crate::sample::U16Be>(),
                DynStridedImage::F32(_) => align_of::<f32>(),
                DynStridedImage::U32(_) => align_of::<u32>(),
            });
            assert_eq!(cast_alignment(to), made, "{to}");
        }
    }
}
