//! Owned pixel buffers that hand out views.

use crate::error::{Result, ViewError};
use crate::layout::checked_size;
use crate::raw::{View, ViewMut};
use crate::sample::Sample;

/// An owned, C-contiguous `height x width x channels` image of samples `T`.
///
/// ```
/// use viewlib::ImageBuf;
/// let mut image = ImageBuf::<u8>::new(2, 3, 4)?; // 2 rows, 3 columns, RGBA
/// image.view_mut().channel(3)?.fill(255);
/// assert_eq!(image.view().get([1, 2, 3]), Some(255));
/// assert_eq!(image.as_slice().len(), 24);
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[derive(Clone, PartialEq)]
#[must_use]
pub struct ImageBuf<T> {
    samples: Vec<T>,
    shape: [usize; 3],
}

impl<T: Sample> ImageBuf<T> {
    /// A zeroed image.
    ///
    /// The size is checked and the allocation fallible: a shape whose byte count does not fit
    /// `isize` is [`ViewError::SizeOverflow`], one the system cannot allocate is
    /// [`ViewError::AllocationFailed`]; neither panics nor aborts.
    ///
    /// ```
    /// use viewlib::{ImageBuf, ViewError};
    /// assert!(matches!(ImageBuf::<u16>::new(1 << 62, 1, 1), Err(ViewError::SizeOverflow { .. })));
    /// assert!(matches!(ImageBuf::<u8>::new(1 << 22, 1 << 22, 1), Err(ViewError::AllocationFailed { .. })));
    /// ```
    pub fn new(height: usize, width: usize, channels: usize) -> Result<Self> {
        let len = checked_size(&[height, width, channels])?;
        Ok(ImageBuf {
            samples: crate::alloc::zeroed_vec(len)?,
            shape: [height, width, channels],
        })
    }

    /// Takes ownership of `samples` (C order, no copy); the length must match the shape.
    ///
    /// ```
    /// use viewlib::ImageBuf;
    /// let samples = vec![7u16; 2 * 3];
    /// let ptr = samples.as_ptr();
    /// let image = ImageBuf::from_vec(2, 3, 1, samples)?;
    /// assert_eq!(image.view().get([1, 2, 0]), Some(7));
    /// assert_eq!(image.into_vec().as_ptr(), ptr); // moved in and out, never copied
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn from_vec(height: usize, width: usize, channels: usize, samples: Vec<T>) -> Result<Self> {
        let expected = checked_size(&[height, width, channels])?;
        if samples.len() != expected {
            return Err(ViewError::LengthMismatch {
                expected,
                len: samples.len(),
            });
        }
        Ok(ImageBuf {
            samples,
            shape: [height, width, channels],
        })
    }

    /// `[height, width, channels]`.
    #[must_use]
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// Rows.
    #[must_use]
    pub fn height(&self) -> usize {
        self.shape[0]
    }

    /// Columns.
    #[must_use]
    pub fn width(&self) -> usize {
        self.shape[1]
    }

    /// Samples per pixel.
    #[must_use]
    pub fn channels(&self) -> usize {
        self.shape[2]
    }

    /// A read-only view of the whole image.
    pub fn view(&self) -> View<'_, T, 3> {
        View::from_slice(&self.samples, self.shape).expect("length checked at construction")
    }

    /// A writable view of the whole image.
    pub fn view_mut(&mut self) -> ViewMut<'_, T, 3> {
        ViewMut::from_slice(&mut self.samples, self.shape).expect("length checked at construction")
    }

    /// The samples in C order.
    #[must_use]
    pub fn as_slice(&self) -> &[T] {
        &self.samples
    }

    /// The samples in C order, writable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.samples
    }

    /// Gives the samples back, without copying.
    #[must_use]
    pub fn into_vec(self) -> Vec<T> {
        self.samples
    }
}

impl<T: Sample> View<'_, T, 3> {
    /// Copies the view into a new C-contiguous owned image (the one explicit copy).
    ///
    /// Fails only with [`ViewError::AllocationFailed`], when the system cannot provide the
    /// memory.
    ///
    /// ```
    /// use viewlib::View;
    /// let px: Vec<u8> = (0..2 * 2 * 3).collect();
    /// let flipped = View::from_slice(&px, [2, 2, 3])?.flip_horizontal().to_image_buf()?;
    /// assert_eq!(flipped.as_slice(), [3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn to_image_buf(&self) -> Result<ImageBuf<T>> {
        let [h, w, c] = self.shape();
        if let Some(rows) = self.merged2()
            && rows.rows().all(|row| row.as_slice().is_some())
        {
            // Rows that are runs (whole images, crops): appended to an unwritten buffer in one
            // pass. A zeroed buffer costs a second pass once the allocator reuses memory (1.5x
            // a copy of the same bytes, measured on a 2048 x 2048 crop).
            let mut samples = crate::alloc::vec_with_capacity(self.len())?;
            for row in rows.rows() {
                samples.extend_from_slice(row.as_slice().expect("checked above"));
            }
            return ImageBuf::from_vec(h, w, c, samples);
        }
        let mut out = ImageBuf::new(h, w, c)?;
        crate::ops::copy(out.view_mut(), *self).expect("same shape");
        Ok(out)
    }
}

impl View<'_, f32, 3> {
    /// Float samples as 16-bit integers: clamped to `0.0..=1.0`, scaled to `0..=65535` and
    /// rounded, the `image` crate's rule (PNG has no float samples).
    ///
    /// ```
    /// let px = [0.0f32, 0.5, 1.0, -1.0, 2.0, 0.25];
    /// let u16s = viewlib::View::from_slice(&px, [1, 2, 3])?.to_u16_image()?;
    /// assert_eq!(u16s.as_slice(), [0, 32768, 65535, 0, 65535, 16384]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn to_u16_image(&self) -> Result<ImageBuf<u16>> {
        let [h, w, c] = self.shape();
        let values = self
            .values()
            .map(|v| (v.clamp(0.0, 1.0) * 65535.0).round() as u16);
        let samples = crate::alloc::collect_exact(self.len(), values)?;
        ImageBuf::from_vec(h, w, c, samples)
    }
}

impl<T: Sample> core::fmt::Debug for ImageBuf<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ImageBuf")
            .field("format", &T::FORMAT)
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

/// An owned image whose sample type is known only at run time (what a decoder returns).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[must_use]
pub enum DynImageBuf {
    /// 8-bit samples.
    U8(ImageBuf<u8>),
    /// 16-bit samples.
    U16(ImageBuf<u16>),
    /// 32-bit float samples.
    F32(ImageBuf<f32>),
}

impl DynImageBuf {
    /// `[height, width, channels]`.
    #[must_use]
    pub fn shape(&self) -> [usize; 3] {
        match self {
            DynImageBuf::U8(b) => b.shape(),
            DynImageBuf::U16(b) => b.shape(),
            DynImageBuf::F32(b) => b.shape(),
        }
    }

    /// Bits per sample: 8, 16 or 32.
    ///
    /// ```
    /// use viewlib::{DynImageBuf, ImageBuf};
    /// let image = DynImageBuf::U16(ImageBuf::new(2, 3, 4)?);
    /// assert_eq!((image.bits_per_sample(), image.format(), image.shape()), (16, "H", [2, 3, 4]));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn bits_per_sample(&self) -> u32 {
        match self {
            DynImageBuf::U8(_) => 8,
            DynImageBuf::U16(_) => 16,
            DynImageBuf::F32(_) => 32,
        }
    }

    /// The sample type (native byte order).
    ///
    /// ```
    /// use viewlib::{DynImageBuf, ImageBuf, SampleType};
    /// let image = DynImageBuf::U8(ImageBuf::new(1, 1, 3)?);
    /// assert_eq!(image.sample_type(), SampleType::U8);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn sample_type(&self) -> crate::SampleType {
        let of = match self {
            DynImageBuf::U8(_) => crate::SampleType::of::<u8>(),
            DynImageBuf::U16(_) => crate::SampleType::of::<u16>(),
            DynImageBuf::F32(_) => crate::SampleType::of::<f32>(),
        };
        of.expect("u8, u16 and f32 have run-time names")
    }

    /// The sample format code: `"B"`, `"H"` or `"f"`.
    #[must_use]
    pub fn format(&self) -> &'static str {
        match self {
            DynImageBuf::U8(_) => u8::FORMAT,
            DynImageBuf::U16(_) => u16::FORMAT,
            DynImageBuf::F32(_) => f32::FORMAT,
        }
    }
}
