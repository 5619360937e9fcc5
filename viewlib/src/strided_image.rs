//! An owned, detached strided image: a shared buffer plus a validated layout, like NumPy's
//! array-with-base or `image`'s `FlatSamples`. Views of it are O(1); crops, flips, channels,
//! transposes and casts make new images that share the buffer, so a program can keep a chain
//! of derived images (a document and its steps, a Python object and its slices) without
//! lifetimes tying them to one borrow.

use crate::error::{Result, ViewError};
use crate::layout::{ElementRuns, Layout};
use crate::owned::ImageBuf;
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use crate::slice::Slice;
use core::fmt;
use core::ops::Range;
use std::sync::Arc;

/// Memory an image's samples live in: a byte range that never moves or changes size while
/// the image holds it. Implemented for `Vec`s of samples (and, with the `mmap` feature, for
/// mapped files); an image shares it through an `Arc`.
pub trait Memory: Send + Sync + 'static {
    /// The bytes.
    fn bytes(&self) -> &[u8];
    /// The bytes, writable; `None` when the memory is read-only (a file mapped read-only).
    fn bytes_mut(&mut self) -> Option<&mut [u8]>;
    /// The memory itself, so an image can give back what it was built on
    /// ([`StridedImage::into_samples`]).
    fn as_any_mut(&mut self) -> &mut dyn core::any::Any;
}

impl<T: Sample> Memory for Vec<T> {
    fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self)
    }
    fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        Some(bytemuck::cast_slice_mut(self))
    }
    fn as_any_mut(&mut self) -> &mut dyn core::any::Any {
        self
    }
}

/// An owned image of samples `T` with any strides: a shared [`Memory`], the byte offset of
/// element `[0, 0, 0]` in it, and a [`Layout`] of `[height, width, channels]`.
///
/// Built once ([`From<ImageBuf>`](#impl-From<ImageBuf<T>>-for-StridedImage<T>),
/// [`from_vec_with_layout`](Self::from_vec_with_layout), [`from_memory`](Self::from_memory)),
/// it hands out [`view`](Self::view)s in O(1). Derivations ([`crop`](Self::crop),
/// [`flip_horizontal`](Self::flip_horizontal), [`channel`](Self::channel), [`cast`](Self::cast),
/// [`slice`](Self::slice), or any view method through [`derive`](Self::derive)) return new
/// images over the same memory: cloning or deriving never copies a pixel. Writing needs the
/// memory to itself ([`view_mut`](Self::view_mut)); a copy is always explicit
/// ([`to_image_buf`](Self::to_image_buf)).
///
/// ```
/// use viewlib::{s, ImageBuf, StridedImage};
/// let samples: Vec<u8> = (0..4 * 6 * 3).map(|v| v as u8).collect();
/// let image = StridedImage::from(ImageBuf::from_vec(4, 6, 3, samples)?);
/// let detail = image.crop(1, 1, 4, 2)?.flip_horizontal().channel(1)?; // shares the memory
/// assert_eq!(detail.shape(), [2, 4, 1]);
/// assert_eq!(detail.byte_strides(), [18, -3, 1]);
/// // Where an index lives in the memory, and back.
/// assert_eq!(detail.byte_offset_of([0, 0, 0]), Some(18 + 4 * 3 + 1));
/// assert_eq!(detail.index_at_byte(18 + 4 * 3 + 1), Some([0, 0, 0]));
/// assert_eq!(detail.view().get([0, 0, 0]), image.view().get([1, 4, 1]));
/// let odd_rows = image.slice(s![1..;2, .., ..])?;
/// assert_eq!(odd_rows.shape(), [2, 6, 3]);
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[must_use = "an image does nothing unless used"]
pub struct StridedImage<T> {
    memory: Arc<dyn Memory>,
    /// Byte offset of element `[0, 0, 0]` in `memory`.
    offset: usize,
    layout: Layout<3>,
    sample: core::marker::PhantomData<T>,
}

impl<T> Clone for StridedImage<T> {
    /// Another handle on the same memory and layout (no pixel is copied).
    fn clone(&self) -> Self {
        StridedImage {
            memory: Arc::clone(&self.memory),
            offset: self.offset,
            layout: self.layout,
            sample: core::marker::PhantomData,
        }
    }
}

impl<T: Sample> fmt::Debug for StridedImage<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StridedImage")
            .field("format", &T::FORMAT)
            .field("shape", &self.layout.shape())
            .field("strides", &self.layout.strides())
            .field("offset", &self.offset)
            .field("memory_bytes", &self.memory.bytes().len())
            .finish()
    }
}

impl<T: Sample> From<ImageBuf<T>> for StridedImage<T> {
    /// Moves the samples in, without copying.
    fn from(image: ImageBuf<T>) -> Self {
        // The view's own C-order layout, so an empty image has the strides every other
        // C-order image of its shape has (NumPy's rule: empty axes count as length 1).
        let layout = image.view().layout();
        StridedImage::from_vec_with_layout(image.into_vec(), layout.shape(), layout.strides(), 0)
            .expect("an ImageBuf's C-order layout fits its samples")
    }
}

impl<T: Sample> StridedImage<T> {
    /// An image of `shape` and element `strides` over `samples`, element `[0, 0, 0]` at
    /// element `offset`: every element must lie inside `samples` (checked, as for
    /// [`View::from_slice_with_strides`]).
    ///
    /// ```
    /// use viewlib::{StridedImage, ViewError};
    /// // A bottom-up BMP-style buffer: rows stored last to first.
    /// let rows = vec![1u8, 2, 3, 4, 5, 6]; // 2 rows of 3 gray pixels
    /// let image = StridedImage::from_vec_with_layout(rows.clone(), [2, 3, 1], [-3, 1, 1], 3)?;
    /// assert_eq!(image.view().to_vec(), [4, 5, 6, 1, 2, 3]);
    /// let err = StridedImage::from_vec_with_layout(rows, [2, 3, 1], [3, 1, 1], 3).unwrap_err();
    /// assert!(matches!(err, ViewError::OutOfBuffer { .. }));
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn from_vec_with_layout(
        samples: Vec<T>,
        shape: [usize; 3],
        strides: [isize; 3],
        offset: usize,
    ) -> Result<Self> {
        let offset_bytes = offset
            .checked_mul(size_of::<T>())
            .ok_or(ViewError::SizeOverflow {
                axis: 0,
                len: offset,
            })?;
        StridedImage::from_memory(
            Arc::new(samples),
            offset_bytes,
            Layout::new(shape, strides)?,
        )
    }

    /// An image over any [`Memory`], element `[0, 0, 0]` at byte `offset`: every element must
    /// lie inside the memory and be aligned for `T`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use viewlib::{Layout, StridedImage, U16Be};
    /// // Big-endian 16-bit samples after an 8-byte header, as a file holds them.
    /// let file: Vec<u8> = [b"HEADER..".as_slice(), &[0x01, 0x02, 0x03, 0x04]].concat();
    /// let image = StridedImage::<U16Be>::from_memory(Arc::new(file), 8, Layout::c_order([1, 2, 1])?)?;
    /// assert_eq!(image.view().to_vec(), [0x0102, 0x0304]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn from_memory(memory: Arc<dyn Memory>, offset: usize, layout: Layout<3>) -> Result<Self> {
        let image = StridedImage {
            memory,
            offset,
            layout,
            sample: core::marker::PhantomData,
        };
        image.region()?;
        Ok(image)
    }

    /// The byte range of the memory the elements occupy, checked to lie inside it, aligned
    /// for `T`.
    fn region(&self) -> Result<Range<usize>> {
        let bytes = self.memory.bytes();
        let size = size_of::<T>() as i128;
        let Some((low, high)) = self.layout.extent() else {
            return Ok(self.offset.min(bytes.len())..self.offset.min(bytes.len()));
        };
        let start = self.offset as i128 + i128::from(low as i64) * size;
        let end = self.offset as i128 + (i128::from(high as i64) + 1) * size;
        if start < 0 || end > bytes.len() as i128 {
            let element = |byte: i128| byte.div_euclid(size);
            return Err(ViewError::OutOfBuffer {
                lowest: element(start),
                highest: element(end) - 1,
                len: bytes.len() / size as usize,
            });
        }
        let range = start as usize..end as usize;
        let address = bytes[range.start..].as_ptr() as usize;
        if !address.is_multiple_of(align_of::<T>()) {
            return Err(ViewError::Misaligned {
                address,
                align: align_of::<T>(),
            });
        }
        Ok(range)
    }

    /// The elements' bytes and where element `[0, 0, 0]` is among them, in elements.
    fn region_and_origin(&self) -> (Range<usize>, isize) {
        let region = self
            .region()
            .expect("viewlib bug: a StridedImage's layout left its memory");
        let origin = (self.offset as isize - region.start as isize) / size_of::<T>() as isize;
        (region, origin)
    }

    /// A read-only view, O(1).
    pub fn view(&self) -> View<'_, T, 3> {
        let (region, origin) = self.region_and_origin();
        let samples: &[T] = bytemuck::cast_slice(&self.memory.bytes()[region]);
        View::from_slice_with_strides(samples, self.shape(), self.strides(), origin as usize)
            .expect("viewlib bug: a StridedImage's layout does not fit its own elements")
    }

    /// A writable view, O(1), when this image is the memory's only holder and the memory is
    /// writable; otherwise [`ViewError::SharedMemory`] or [`ViewError::ReadOnlyMemory`]
    /// (copy with [`to_image_buf`](Self::to_image_buf) to write anyway). A layout that reaches
    /// an element twice is [`ViewError::Aliasing`], as for any writable view.
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage, ViewError};
    /// let mut image = StridedImage::from(ImageBuf::<u8>::new(2, 2, 3)?);
    /// image.view_mut()?.fill(7);
    /// let other = image.clone();
    /// assert_eq!(image.view_mut().unwrap_err(), ViewError::SharedMemory { holders: 2 });
    /// drop(other);
    /// let mut red = image.channel(0)?; // shares the memory again, until `image` is dropped
    /// drop(image);
    /// red.view_mut()?.fill(255);
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn view_mut(&mut self) -> Result<ViewMut<'_, T, 3>> {
        let (region, origin) = self.region_and_origin();
        let (shape, strides) = (self.shape(), self.strides());
        let holders = Arc::strong_count(&self.memory);
        let memory = Arc::get_mut(&mut self.memory).ok_or(ViewError::SharedMemory { holders })?;
        let bytes = memory.bytes_mut().ok_or(ViewError::ReadOnlyMemory)?;
        let samples: &mut [T] = bytemuck::cast_slice_mut(&mut bytes[region]);
        ViewMut::from_slice_with_strides(samples, shape, strides, origin as usize)
    }

    /// `[height, width, channels]`.
    #[must_use]
    pub fn shape(&self) -> [usize; 3] {
        self.layout.shape()
    }

    /// Element strides.
    #[must_use]
    pub fn strides(&self) -> [isize; 3] {
        self.layout.strides()
    }

    /// Byte strides, as the buffer protocol reports them.
    #[must_use]
    pub fn byte_strides(&self) -> [isize; 3] {
        self.strides().map(|s| s * size_of::<T>() as isize)
    }

    /// The layout: shape and element strides.
    #[must_use]
    pub fn layout(&self) -> Layout<3> {
        self.layout
    }

    /// Byte offset of element `[0, 0, 0]` in the memory.
    #[must_use]
    pub fn offset_bytes(&self) -> usize {
        self.offset
    }

    /// Bytes per sample.
    #[must_use]
    pub fn itemsize(&self) -> usize {
        size_of::<T>()
    }

    /// The sample format code, e.g. `"B"`, `"H"`, `">H"`, `"f"`.
    #[must_use]
    pub fn format(&self) -> &'static str {
        T::FORMAT
    }

    /// The whole memory's bytes (what every image derived from the same source shares).
    #[must_use]
    pub fn memory_bytes(&self) -> &[u8] {
        self.memory.bytes()
    }

    /// Whether `other` shares this image's memory (it was derived from the same source).
    #[must_use]
    pub fn shares_memory_with<U>(&self, other: &StridedImage<U>) -> bool {
        Arc::ptr_eq(&self.memory, &other.memory)
    }

    /// Byte offset in the memory of the element at `index`; `None` outside the shape.
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage};
    /// let image = StridedImage::from(ImageBuf::<u16>::new(4, 5, 3)?);
    /// let flipped = image.flip_vertical();
    /// assert_eq!(flipped.byte_offset_of([0, 1, 2]), Some((3 * 15 + 1 * 3 + 2) * 2));
    /// assert_eq!(flipped.byte_offset_of([4, 0, 0]), None);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn byte_offset_of(&self, index: [usize; 3]) -> Option<usize> {
        let element = self.layout.offset_of(index)?;
        let bytes = element.checked_mul(size_of::<T>() as isize)?;
        self.offset.checked_add_signed(bytes)
    }

    /// The index whose element starts at byte `byte` of the memory, if this image has one
    /// there (the inverse of [`byte_offset_of`](Self::byte_offset_of)).
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage};
    /// let image = StridedImage::from(ImageBuf::<u8>::new(4, 5, 3)?);
    /// let green = image.channel(1)?.transpose();
    /// assert_eq!(green.index_at_byte(2 * 15 + 3 * 3 + 1), Some([3, 2, 0]));
    /// assert_eq!(green.index_at_byte(2 * 15 + 3 * 3), None); // a red sample
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn index_at_byte(&self, byte: usize) -> Option<[usize; 3]> {
        let delta = (byte as isize).checked_sub(self.offset as isize)?;
        let size = size_of::<T>() as isize;
        if delta % size != 0 {
            return None;
        }
        self.layout.index_of(delta / size)
    }

    /// The byte ranges of the memory the elements occupy, merged where they touch, in
    /// increasing order for every layout whose axes nest (anything sliced, flipped,
    /// transposed or split into channels from a whole image): what a memory map of the view
    /// colours in. One run per contiguous stretch, so a channel of a big image yields one run
    /// per pixel; take what you draw.
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage};
    /// let image = StridedImage::from(ImageBuf::<u8>::new(4, 5, 3)?);
    /// let crop = image.crop(1, 1, 2, 2)?;
    /// assert_eq!(crop.byte_runs().collect::<Vec<_>>(), [18..24, 33..39]);
    /// assert_eq!(image.byte_runs().collect::<Vec<_>>(), [0..60]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn byte_runs(&self) -> ByteRuns {
        ByteRuns {
            runs: self.layout.element_runs(),
            offset: self.offset,
            itemsize: size_of::<T>(),
        }
    }

    /// Whether the elements are gap-free in C (row-major) order.
    #[must_use]
    pub fn is_c_contiguous(&self) -> bool {
        self.layout.is_c_contiguous()
    }

    /// A new image over the same memory: `derive` gets this image's view and returns any
    /// view derived from it (a crop, a slice, a channel range, a cast), which becomes the new
    /// image's layout. The building block of the named derivations.
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage};
    /// let image = StridedImage::from(ImageBuf::<u8>::new(4, 6, 4)?);
    /// let colour = image.derive(|v| v.channel_range(..3))?;
    /// assert_eq!((colour.shape(), colour.byte_strides()), ([4, 6, 3], [24, 4, 1]));
    /// assert!(colour.shares_memory_with(&image));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn derive<U: Sample>(
        &self,
        derive: impl FnOnce(View<'_, T, 3>) -> Result<View<'_, U, 3>>,
    ) -> Result<StridedImage<U>> {
        let (region, _) = self.region_and_origin();
        let derived = derive(self.view())?;
        // The view was built on the region's bytes: its offset counts from the region.
        let offset = region.start + derived.offset_bytes();
        let image = StridedImage {
            memory: Arc::clone(&self.memory),
            offset,
            layout: derived.layout(),
            sample: core::marker::PhantomData,
        };
        image.region()?;
        Ok(image)
    }

    /// An image over the same memory with another layout: element `[0, 0, 0]` at byte
    /// `offset`, samples of `U` (NumPy's `as_strided`, checked: every element must lie
    /// inside the memory, aligned for `U`).
    ///
    /// ```
    /// use viewlib::{ImageBuf, Layout, StridedImage};
    /// let image = StridedImage::from(ImageBuf::from_vec(2, 3, 1, vec![1u8, 2, 3, 4, 5, 6])?);
    /// // The second column, as a 2x1 image: one element per row.
    /// let column = image.with_layout::<u8>(1, Layout::new([2, 1, 1], [3, 1, 1])?)?;
    /// assert_eq!(column.view().to_vec(), [2, 5]);
    /// assert!(image.with_layout::<u8>(4, Layout::c_order([1, 3, 1])?).is_err()); // past the end
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn with_layout<U: Sample>(
        &self,
        offset: usize,
        layout: Layout<3>,
    ) -> Result<StridedImage<U>> {
        StridedImage::from_memory(Arc::clone(&self.memory), offset, layout)
    }

    /// A copy that holds its memory alone, with the same strides: the bytes the elements
    /// span are copied into `spare` if it has exactly their length (so its pages are reused,
    /// not faulted in again), else into a new allocation, in parallel for large images (as
    /// [`ViewMut::copy_from`]). What to write through when the memory is shared:
    /// copy-on-write, made explicit.
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage};
    /// let source = StridedImage::from(ImageBuf::<u8>::new(4, 6, 3)?).rotate90();
    /// let mut working = source.detached(Vec::new())?;
    /// assert_eq!((working.shape(), working.strides()), (source.shape(), source.strides()));
    /// working.view_mut()?.fill(9); // the source is untouched
    /// assert_eq!(source.view().get([0, 0, 0]), Some(0));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn detached(&self, spare: Vec<T>) -> Result<Self> {
        let (region, origin) = self.region_and_origin();
        let bytes = &self.memory.bytes()[region];
        let samples: &[T] = bytemuck::cast_slice(bytes);
        let mut copy = if spare.len() == samples.len() {
            spare
        } else {
            // Zeroed pages cost nothing until the copy writes them, on every core.
            crate::alloc::zeroed_vec(samples.len())?
        };
        let shape = [samples.len()];
        ViewMut::from_slice(&mut copy, shape)?.copy_from(View::from_slice(samples, shape)?)?;
        StridedImage::from_memory(
            Arc::new(copy),
            origin as usize * size_of::<T>(),
            self.layout,
        )
    }

    /// The samples of this image's memory, if this image holds it alone and it is a `Vec`
    /// of `T` (to reuse its allocation, e.g. as [`detached`](Self::detached)'s spare).
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage};
    /// let image = StridedImage::from(ImageBuf::<u16>::new(2, 2, 1)?);
    /// let copy = image.clone();
    /// let image = image.into_samples().unwrap_err(); // shared: given back
    /// drop(copy);
    /// assert_eq!(image.into_samples().map(|v| v.len()).ok(), Some(4));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn into_samples(self) -> core::result::Result<Vec<T>, Self> {
        self.into_memory::<T>()
    }

    /// The memory this image reads, as the `Vec<V>` it was built from, if this image holds
    /// it alone: [`into_samples`](Self::into_samples) for an image whose samples are not
    /// its memory's own type, such as a cast (the `u32` words of a `Vec<u8>`), so that the
    /// allocation can be reused. Otherwise the image is given back.
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage};
    /// let rgba = StridedImage::from(ImageBuf::<u8>::new(2, 3, 4)?);
    /// let words = rgba.cast::<u32>()?; // shares the bytes with `rgba`
    /// let words = words.into_memory::<u8>().unwrap_err(); // shared: given back
    /// drop(rgba);
    /// let words = words.into_memory::<u16>().unwrap_err(); // not a Vec<u16>: given back
    /// assert_eq!(words.into_memory::<u8>().map(|v| v.len()).ok(), Some(24));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn into_memory<V: Sample>(mut self) -> core::result::Result<Vec<V>, Self> {
        let taken = Arc::get_mut(&mut self.memory)
            .and_then(|memory| memory.as_any_mut().downcast_mut::<Vec<V>>())
            .map(core::mem::take);
        taken.ok_or(self)
    }

    /// A derivation that cannot fail.
    fn derive_infallible(&self, derive: impl FnOnce(View<'_, T, 3>) -> View<'_, T, 3>) -> Self {
        self.derive(|v| Ok(derive(v)))
            .expect("viewlib bug: an infallible derivation failed")
    }

    /// The `width x height` rectangle whose top-left pixel is `(x, y)`.
    pub fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> Result<Self> {
        self.derive(|v| v.crop(x, y, width, height))
    }

    /// NumPy-style slicing ([`s!`](crate::s)): steps, negative steps, on every axis.
    pub fn slice(&self, slices: [Slice; 3]) -> Result<Self> {
        self.derive(|v| v.slice(slices))
    }

    /// Channel `channel` alone, as a one-channel image.
    pub fn channel(&self, channel: usize) -> Result<Self> {
        self.derive(|v| {
            // Checked here: a slice past the end would be empty, as in Python.
            if channel >= v.channels() {
                return Err(ViewError::IndexOutOfRange {
                    axis: 2,
                    index: channel as isize,
                    len: v.channels(),
                });
            }
            v.channel_range(channel..channel + 1)
        })
    }

    /// Mirrored left to right.
    pub fn flip_horizontal(&self) -> Self {
        self.derive_infallible(|v| v.flip_horizontal())
    }

    /// Mirrored top to bottom.
    pub fn flip_vertical(&self) -> Self {
        self.derive_infallible(|v| v.flip_vertical())
    }

    /// Rows become columns.
    pub fn transpose(&self) -> Self {
        self.derive_infallible(|v| v.transpose())
    }

    /// Turned a quarter clockwise.
    pub fn rotate90(&self) -> Self {
        self.derive_infallible(|v| v.rotate90())
    }

    /// Turned half a turn.
    pub fn rotate180(&self) -> Self {
        self.derive_infallible(|v| v.rotate180())
    }

    /// Turned a quarter counter-clockwise.
    pub fn rotate270(&self) -> Self {
        self.derive_infallible(|v| v.rotate270())
    }

    /// The same bytes as samples of `U` (`memoryview.cast`): the channel axis must be
    /// contiguous and the first element aligned for `U`; never a copy.
    ///
    /// ```
    /// use viewlib::{ImageBuf, StridedImage, U16Be};
    /// let image = StridedImage::from(ImageBuf::from_vec(1, 2, 2, vec![1u8, 2, 3, 4])?);
    /// let words = image.cast::<U16Be>()?; // two 8-bit channels as one big-endian sample
    /// assert_eq!((words.shape(), words.view().to_vec()), ([1, 2, 1], vec![0x0102, 0x0304]));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn cast<U: Sample>(&self) -> Result<StridedImage<U>> {
        self.derive(|v| v.cast::<U>())
    }

    /// A C-contiguous copy of the elements (the one explicit copy).
    pub fn to_image_buf(&self) -> Result<ImageBuf<T>> {
        self.view().to_image_buf()
    }
}

#[cfg(feature = "image")]
impl<T: Sample> StridedImage<T> {
    /// Shown as an EXIF orientation tag says ([`View::oriented`]), sharing the memory.
    pub fn oriented(&self, orientation: image::metadata::Orientation) -> Self {
        self.derive_infallible(|v| v.oriented(orientation))
    }
}

/// The runs of [`StridedImage::byte_runs`]: byte ranges of the memory.
#[derive(Debug, Clone)]
pub struct ByteRuns {
    runs: ElementRuns<3>,
    offset: usize,
    itemsize: usize,
}

impl Iterator for ByteRuns {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let run = self.runs.next()?;
        let size = self.itemsize as isize;
        // Inside the memory: the image's region was checked when it was built.
        let start = (self.offset as isize + run.start * size) as usize;
        Some(start..start + ((run.end - run.start) * size) as usize)
    }
}
