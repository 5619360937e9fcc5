//! Construction, inspection and zero-copy derivation, the same for [`View`] and [`ViewMut`].
//!
//! Derivations (`slice`, `crop`, `channel`, `flip`, `transpose`, `cast`, ...) take the view by
//! value: a `View` is `Copy`, so nothing is lost; a `ViewMut` is unique, so deriving from it hands
//! its elements on (use [`ViewMut::reborrow`] to derive for a while and keep the original).

use crate::error::{Result, ViewError};
use crate::layout::Layout;
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use crate::slice::Slice;
use core::mem::size_of;

/// Builds a `[Slice; D]` from NumPy-like syntax: each item is a range (or `..`), optionally
/// followed by `; step`.
///
/// ```
/// use viewlib::{s, Slice, View};
/// let v = View::from_slice(&[0u8, 1, 2, 3, 4, 5], [2, 3])?;
/// // v[:, ::-1] in NumPy
/// assert_eq!(v.slice(s![.., ..;-1])?.to_vec(), [2, 1, 0, 5, 4, 3]);
/// assert_eq!(s![1..3; 2], [Slice::new(Some(1), Some(3), 2)]);
/// # Ok::<(), viewlib::ViewError>(())
/// ```
///
/// # Not `ndarray::s!`: a negative step follows Python
///
/// `start..stop; step` means Python's `start:stop:step`: with a negative step the walk starts
/// at `start` and goes down towards `stop`, so `start` is the larger bound. `ndarray::s!`
/// reads the same text the other way: the range `start..stop`, walked from its end. The two
/// macros agree whenever the step is positive or a bound is left open at the walk's end, and
/// differ when both bounds are given with a negative step:
///
/// | text | `viewlib::s!` (Python) | `ndarray::s!` |
/// |---|---|---|
/// | `1..4; -1` | empty (`x[1:4:-1]`) | `[3, 2, 1]` |
/// | `3..0; -1` | `[3, 2, 1]` (`x[3:0:-1]`) | empty |
/// | `2..; -1` | `[2, 1, 0]` | `[len - 1, ..., 2]` |
/// | `..; -1` | all, reversed | all, reversed |
///
/// Clippy's `reversed_empty_ranges` (deny by default) flags a literal `3..0` even inside
/// `s!`, where it is a Python bound pair and not an empty Rust range: allow the lint there or
/// write `Slice::new(Some(3), Some(0), -1)`.
///
/// With the `ndarray` feature both macros can be in scope; name them in full
/// (`viewlib::s!`, `ndarray::s!`) where both are used. viewlib keeps Python's rule rather than
/// refusing the empty case: it is what `memoryview` and NumPy users write, and what the
/// Python bindings must do with Python's own slices.
///
/// ```
/// use viewlib::{s, View};
/// let x = View::from_slice(&[0u8, 1, 2, 3, 4], [5])?;
/// assert!(x.slice(s![1..4; -1])?.is_empty()); // Python: x[1:4:-1] == []
/// assert_eq!(x.slice(s![3..0; -1])?.to_vec(), [3, 2, 1]); // x[3:0:-1]
/// assert_eq!(x.slice(s![2..; -1])?.to_vec(), [2, 1, 0]); // x[2::-1]
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[macro_export]
macro_rules! s {
    ($($range:expr $(; $step:expr)?),+ $(,)?) => {
        [$( $crate::Slice::from($range)$(.step_by($step))? ),+]
    };
}

macro_rules! common_methods {
    ($ty:ident) => {
        impl<'a, T: Sample, const D: usize> $ty<'a, T, D> {
            /// Length of each axis (`memoryview.shape`).
            #[must_use]
            pub fn shape(&self) -> [usize; D] {
                self.layout().shape()
            }

            /// Stride of each axis in elements.
            #[must_use]
            pub fn strides(&self) -> [isize; D] {
                self.layout().strides()
            }

            /// Stride of each axis in bytes (`memoryview.strides`).
            #[must_use]
            pub fn byte_strides(&self) -> [isize; D] {
                // Exact for every stride that moves between elements (they lie in one buffer);
                // a stride no index uses (length-1 axis, empty view) may be huge and saturates.
                self.strides()
                    .map(|s| s.saturating_mul(size_of::<T>() as isize))
            }

            /// Number of dimensions (`memoryview.ndim`).
            pub const fn ndim(&self) -> usize {
                D
            }

            /// Bytes per element (`memoryview.itemsize`).
            pub const fn itemsize(&self) -> usize {
                size_of::<T>()
            }

            /// Format code in `struct` syntax (`memoryview.format`): `"B"`, `">H"`, `"f"`...
            pub const fn format(&self) -> &'static str {
                T::FORMAT
            }

            /// Number of elements.
            #[must_use]
            pub fn len(&self) -> usize {
                self.layout().len()
            }

            /// Whether the view has no element.
            #[must_use]
            pub fn is_empty(&self) -> bool {
                self.layout().is_empty()
            }

            /// Bytes the elements occupy, `len * itemsize` (`memoryview.nbytes`); not the span
            /// they are spread over.
            #[must_use]
            pub fn nbytes(&self) -> usize {
                self.len() * size_of::<T>()
            }

            /// Byte offset of element `[0, 0, ...]` from the start of the buffer the view was
            /// built on (NumPy's `__array_interface__` offset).
            #[must_use]
            pub fn offset_bytes(&self) -> usize {
                self.byte_offset()
            }

            /// Size in bytes of the buffer the view was built on.
            #[must_use]
            pub fn base_bytes(&self) -> usize {
                self.buffer_bytes()
            }

            /// Whether the elements are gap-free in C (row-major) order (`c_contiguous`).
            #[must_use]
            pub fn is_c_contiguous(&self) -> bool {
                self.layout().is_c_contiguous()
            }

            /// Whether the elements are gap-free in Fortran order (`f_contiguous`).
            #[must_use]
            pub fn is_f_contiguous(&self) -> bool {
                self.layout().is_f_contiguous()
            }

            /// Whether the elements are gap-free in C or Fortran order (`contiguous`).
            #[must_use]
            pub fn is_contiguous(&self) -> bool {
                self.is_c_contiguous() || self.is_f_contiguous()
            }

            /// The value at `index`, or `None` if an index is outside its axis. Byte-order
            /// types are decoded (a `U16Be` view gives `u16` values).
            ///
            /// ```
            /// use viewlib::{U16Be, View};
            /// let m = View::from_slice(&[1u8, 2, 3, 4, 5, 6], [2, 3])?;
            /// assert_eq!((m.get([1, 2]), m.get([2, 0])), (Some(6), None));
            /// let be = View::new(&[0x01u8, 0x02][..]).cast::<U16Be>()?;
            /// assert_eq!(be.get([0]), Some(0x0102)); // decoded, whatever the machine's byte order
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            #[inline]
            #[must_use]
            pub fn get(&self, index: [usize; D]) -> Option<T::Value> {
                self.view().get_ref(index).map(|s| s.to_value())
            }

            /// The value at `index`, or an error naming the axis that is out of range.
            ///
            /// ```
            /// use viewlib::{View, ViewError};
            /// let m = View::from_slice(&[1u8, 2, 3, 4, 5, 6], [2, 3])?;
            /// assert_eq!(m.try_get([0, 1]), Ok(2));
            /// assert_eq!(m.try_get([0, 3]), Err(ViewError::IndexOutOfRange { axis: 1, index: 3, len: 3 }));
            /// # Ok::<(), ViewError>(())
            /// ```
            pub fn try_get(&self, index: [usize; D]) -> Result<T::Value> {
                self.layout().try_offset_of(index)?;
                Ok(self.get(index).expect("index checked"))
            }

            /// Slices every axis, NumPy-style, without copying. See [`Slice`] and [`s!`]
            /// for the syntax and the one difference from Python (no silent clamping).
            ///
            /// ```
            /// use viewlib::{s, View};
            /// let data: Vec<u8> = (0..12).collect();
            /// let m = View::from_slice(&data, [3, 4])?;
            /// let part = m.slice(s![1.., 1..3])?;
            /// assert_eq!(part.to_list(), vec![vec![5, 6], vec![9, 10]]);
            /// assert!(m.slice(s![0..4, ..]).is_err()); // Python would clamp to 0..3
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn slice(self, slices: [Slice; D]) -> Result<Self> {
                let mut out = self;
                for (axis, slice) in slices.into_iter().enumerate() {
                    out = out.slice_axis(axis, slice)?;
                }
                Ok(out)
            }

            /// Slices one axis.
            ///
            /// ```
            /// let data = *b"ABCDEFGHIJ";
            /// let payload = viewlib::View::new(&data).slice_along(0, 2..6)?;
            /// assert_eq!(payload.to_bytes(viewlib::Order::C), b"CDEF");
            /// assert_eq!(payload.offset_bytes(), 2); // a window on `data`, not a copy
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn slice_along(self, axis: usize, slice: impl Into<Slice>) -> Result<Self> {
                self.slice_axis(axis, slice.into())
            }

            /// Reverses one axis (a flipped image is a view: the stride turns negative).
            ///
            /// ```
            /// let m = viewlib::View::from_slice(&[1u8, 2, 3, 4, 5, 6], [2, 3])?;
            /// let mirrored = m.flip(1)?;
            /// assert_eq!(mirrored.to_list(), vec![vec![3, 2, 1], vec![6, 5, 4]]);
            /// assert_eq!(mirrored.strides(), [3, -1]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn flip(self, axis: usize) -> Result<Self> {
                self.slice_axis(axis, Slice::REVERSED)
            }

            /// Reorders the axes: axis `k` of the result is axis `axes[k]` of `self`.
            ///
            /// ```
            /// let px: Vec<u8> = (0..2 * 3 * 4).collect();
            /// let hwc = viewlib::View::from_slice(&px, [2, 3, 4])?;
            /// let chw = hwc.permute_axes([2, 0, 1])?; // planar order, still the same memory
            /// assert_eq!(chw.shape(), [4, 2, 3]);
            /// assert_eq!(chw.get([1, 0, 2]), hwc.get([0, 2, 1]));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn permute_axes(self, axes: [usize; D]) -> Result<Self> {
                self.permuted(axes)
            }

            /// Reverses the order of all axes (NumPy's `.T`).
            ///
            /// ```
            /// let m = viewlib::View::from_slice(&[1u8, 2, 3, 4, 5, 6], [2, 3])?;
            /// assert_eq!(m.reverse_axes().to_list(), vec![vec![1, 4], vec![2, 5], vec![3, 6]]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn reverse_axes(self) -> Self {
                let mut axes: [usize; D] = core::array::from_fn(|a| a);
                axes.reverse();
                self.permuted(axes).expect("a reversal is a permutation")
            }

            /// Splits `axis` before `index` into two views of disjoint elements.
            ///
            /// ```
            /// let mut px = [0u8; 6];
            /// let m = viewlib::ViewMut::from_slice(&mut px, [2, 3])?;
            /// let (mut left, mut right) = m.split_at(1, 1)?; // two writable views, disjoint
            /// left.fill(1);
            /// right.fill(2);
            /// assert_eq!(px, [1, 2, 2, 1, 2, 2]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn split_at(self, axis: usize, index: usize) -> Result<(Self, Self)> {
                self.split_axis(axis, index)
            }

            /// A new shape over the same elements; the view must be C-contiguous and keep its
            /// number of elements (`memoryview.cast(fmt, shape)` with the same format).
            ///
            /// ```
            /// let flat: Vec<u8> = (0..12).collect();
            /// let m = viewlib::View::new(&flat).reshape([3, 4])?;
            /// assert_eq!(m.get([1, 2]), Some(6));
            /// assert!(m.transpose().reshape([12]).is_err()); // not C-contiguous: no silent copy
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn reshape<const E: usize>(self, shape: [usize; E]) -> Result<$ty<'a, T, E>> {
                self.reshaped(shape)
            }

            /// Reinterprets the bytes as samples of another type without copying
            /// (`memoryview.cast(fmt)`, NumPy's `.view(dtype)`).
            ///
            /// The innermost axis must be contiguous and its length in bytes a multiple of the
            /// new itemsize; other byte strides must be whole multiples of it too; the first
            /// element must be aligned for `U`. Anything else is an error, never a copy.
            ///
            /// ```
            /// use viewlib::{I16Le, View};
            /// let numbers = [-2i16, -1, 0, 1, 2];
            /// let bytes = View::new(&numbers).as_bytes()?;
            /// assert_eq!(bytes.len(), 10);
            /// let back = bytes.cast::<I16Le>()?; // byte-order types need no alignment
            /// assert_eq!(back.to_vec(), numbers);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn cast<U: Sample>(self) -> Result<$ty<'a, U, D>> {
                self.cast_to::<U>()
            }

            /// [`cast`](Self::cast) then [`reshape`](Self::reshape): `memoryview.cast(fmt, shape)`.
            ///
            /// ```
            /// let buffer = [1u32.to_le_bytes(), 2u32.to_le_bytes(), 3u32.to_le_bytes()].concat();
            /// let ints = viewlib::View::new(&buffer).cast_shape::<viewlib::I32Le, 2>([3, 1])?;
            /// assert_eq!((ints.shape(), ints.byte_strides()), ([3, 1], [4, 4]));
            /// assert_eq!(ints.get([2, 0]), Some(3));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn cast_shape<U: Sample, const E: usize>(
                self,
                shape: [usize; E],
            ) -> Result<$ty<'a, U, E>> {
                self.cast_to::<U>()?.reshaped(shape)
            }

            /// The raw bytes as a `u8` view of the same shape, innermost axis `itemsize` times
            /// longer (`memoryview.cast('B')`).
            ///
            /// ```
            /// let words = [0x0102u16, 0x0304];
            /// let bytes = viewlib::View::new(&words).as_bytes()?;
            /// assert_eq!((bytes.shape(), bytes.format()), ([4], "B"));
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn as_bytes(self) -> Result<$ty<'a, u8, D>> {
                self.cast_to::<u8>()
            }
        }
    };
}

common_methods!(View);
common_methods!(ViewMut);

impl<'a, T: Sample, const D: usize> View<'a, T, D> {
    /// A C-order view of `shape` over `slice`, whose length must be exactly the shape's size.
    ///
    /// ```
    /// use viewlib::{View, ViewError};
    /// let flat: Vec<u8> = (0..12).collect();
    /// let m = View::from_slice(&flat, [3, 4])?;
    /// assert_eq!(m.get([1, 2]), Some(6));
    /// assert_eq!(
    ///     View::from_slice(&flat, [5, 5]).unwrap_err(),
    ///     ViewError::LengthMismatch { expected: 25, len: 12 }
    /// );
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn from_slice(slice: &'a [T], shape: [usize; D]) -> Result<Self> {
        let layout = Layout::c_order(shape)?;
        check_len(&layout, slice.len())?;
        View::from_parts(slice, 0, layout)
    }

    /// A view with explicit element strides (negative and zero allowed), whose element
    /// `[0, 0, ...]` is `slice[offset]`. The whole layout must lie inside `slice`.
    ///
    /// ```
    /// use viewlib::View;
    /// // Rows of 3 pixels stored with a pitch of 4: the padding is never read.
    /// let padded = [1u8, 2, 3, 0, 4, 5, 6, 0];
    /// let v = View::from_slice_with_strides(&padded, [2, 3], [4, 1], 0)?;
    /// assert_eq!(v.to_vec(), [1, 2, 3, 4, 5, 6]);
    /// // A zero stride repeats a row without copying it (read-only views only).
    /// let rep = View::from_slice_with_strides(&padded, [3, 3], [0, 1], 4)?;
    /// assert_eq!(rep.to_vec(), [4, 5, 6, 4, 5, 6, 4, 5, 6]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn from_slice_with_strides(
        slice: &'a [T],
        shape: [usize; D],
        strides: [isize; D],
        offset: usize,
    ) -> Result<Self> {
        View::from_parts(slice, offset, Layout::new(shape, strides)?)
    }

    /// Iterates over the innermost lanes (1-D views along the last axis) in C order: the unit
    /// every traversal in viewlib is built on.
    ///
    /// ```
    /// let px: Vec<u8> = (0..2 * 2 * 3).collect();
    /// let image = viewlib::View::from_slice(&px, [2, 2, 3])?;
    /// let reds: Vec<Vec<u8>> = image.channel(0)?.lanes().map(|row| row.to_vec()).collect();
    /// assert_eq!(reds, [[0, 3], [6, 9]]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn lanes(&self) -> Lanes<'a, T, D> {
        let layout = self.layout();
        Lanes {
            view: *self,
            next: [0; D],
            remaining: if layout.is_empty() {
                0
            } else {
                layout.len() / layout.shape()[D - 1]
            },
        }
    }

    /// Iterates over the raw samples in C order.
    ///
    /// ```
    /// let m = viewlib::View::from_slice(&[1u8, 2, 3, 4], [2, 2])?;
    /// assert_eq!(m.transpose().iter().copied().collect::<Vec<_>>(), [1, 3, 2, 4]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &'a T> + 'a {
        self.lanes().flat_map(|lane| lane.lane_iter())
    }

    /// Iterates over the values in C order (byte-order types decoded).
    ///
    /// ```
    /// let raw = [0u8, 1, 0, 2];
    /// let be = viewlib::View::new(&raw).cast::<viewlib::U16Be>()?;
    /// assert_eq!(be.values().sum::<u16>(), 3);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn values(&self) -> impl Iterator<Item = T::Value> + 'a {
        self.iter().map(|s| s.to_value())
    }

    /// Where this view's element `[0, 0, ...]` sits in `parent`, if both share a buffer and the
    /// parent reaches it: how a crop "remembers" its position.
    ///
    /// ```
    /// use viewlib::View;
    /// let px = vec![0u8; 4 * 6 * 3];
    /// let image = View::from_slice(&px, [4, 6, 3])?;
    /// let crop = image.crop(2, 1, 3, 2)?;
    /// assert_eq!(crop.position_in(&image), Some([1, 2, 0]));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn position_in(&self, parent: &View<'_, T, D>) -> Option<[usize; D]> {
        if self.is_empty() || parent.is_empty() || self.buffer_span() != parent.buffer_span() {
            return None;
        }
        let size = size_of::<T>() as isize;
        let delta = (self.as_ptr() as isize).wrapping_sub(parent.as_ptr() as isize);
        if delta % size != 0 {
            return None;
        }
        parent.layout().index_of(delta / size)
    }
}

impl<'a, T: Sample, const D: usize> ViewMut<'a, T, D> {
    /// A writable C-order view of `shape` over `slice`, whose length must be exactly the
    /// shape's size.
    ///
    /// ```
    /// use viewlib::ViewMut;
    /// let mut flat: Vec<u8> = (0..12).collect();
    /// let mut m = ViewMut::from_slice(&mut flat, [3, 4])?;
    /// m.set([1, 2], 99);
    /// assert_eq!(flat[6], 99);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn from_slice(slice: &'a mut [T], shape: [usize; D]) -> Result<Self> {
        let layout = Layout::c_order(shape)?;
        check_len(&layout, slice.len())?;
        ViewMut::from_parts(slice, 0, layout)
    }

    /// A writable view with explicit element strides, whose element `[0, ...]` is
    /// `slice[offset]`. Besides fitting in `slice`, no two indices may reach one element.
    ///
    /// ```
    /// use viewlib::{ViewError, ViewMut};
    /// let mut buf = [0u8; 8];
    /// assert!(ViewMut::from_slice_with_strides(&mut buf, [2, 3], [4, 1], 0).is_ok());
    /// assert_eq!(
    ///     ViewMut::from_slice_with_strides(&mut buf, [3, 3], [0, 1], 0).unwrap_err(),
    ///     ViewError::Aliasing { axis: 0, stride: 0, span: 1 }
    /// );
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn from_slice_with_strides(
        slice: &'a mut [T],
        shape: [usize; D],
        strides: [isize; D],
        offset: usize,
    ) -> Result<Self> {
        ViewMut::from_parts(slice, offset, Layout::new(shape, strides)?)
    }

    /// Iterates over the samples in C order, writably.
    ///
    /// ```
    /// use viewlib::ViewMut;
    /// let mut px = [1u8, 2, 3, 4];
    /// let mut v = ViewMut::from_slice(&mut px, [2, 2])?;
    /// v.iter_mut().for_each(|p| *p = 255 - *p);
    /// assert_eq!(px, [254, 253, 252, 251]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.lanes_mut().flat_map(|lane| lane.lane_iter_mut())
    }

    /// Writes `value` at `index`, or returns an error naming the axis out of range.
    ///
    /// ```
    /// use viewlib::{ViewError, ViewMut};
    /// let mut px = [0u8; 4];
    /// let mut m = ViewMut::from_slice(&mut px, [2, 2])?;
    /// m.try_set([1, 0], 7)?;
    /// assert!(matches!(m.try_set([2, 0], 7), Err(ViewError::IndexOutOfRange { axis: 0, .. })));
    /// assert_eq!(px, [0, 0, 7, 0]);
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn try_set(&mut self, index: [usize; D], value: T::Value) -> Result<()> {
        let offset = self.layout().try_offset_of(index);
        match self.get_mut(index) {
            Some(sample) => {
                *sample = T::from_value(value);
                Ok(())
            }
            None => Err(offset.expect_err("index out of range")),
        }
    }

    /// Writes `value` at `index`.
    ///
    /// # Panics
    /// If an index is outside its axis; [`try_set`](Self::try_set) returns the error instead.
    ///
    /// ```
    /// let mut px = [0u16; 3];
    /// let mut v = viewlib::ViewMut::new(&mut px);
    /// v.set([2], 65535);
    /// assert_eq!(px, [0, 0, 65535]);
    /// ```
    #[track_caller]
    pub fn set(&mut self, index: [usize; D], value: T::Value) {
        if let Err(e) = self.try_set(index, value) {
            panic!("{e}");
        }
    }
}

impl<'a, T: Sample> View<'a, T, 1> {
    /// A 1-D view of a whole slice: `memoryview(obj)`.
    ///
    /// ```
    /// let data = *b"Python memoryview";
    /// let mv = viewlib::View::new(&data);
    /// assert_eq!(mv.get([0]), Some(80));
    /// ```
    pub fn new(slice: &'a [T]) -> Self {
        View::from_slice(slice, [slice.len()]).expect("a slice's length fits its own shape")
    }
}

impl<'a, T: Sample> ViewMut<'a, T, 1> {
    /// A writable 1-D view of a whole slice: `memoryview(bytearray)`.
    ///
    /// ```
    /// let mut data = *b"World";
    /// viewlib::ViewMut::new(&mut data).set([0], b'w');
    /// assert_eq!(&data, b"world");
    /// ```
    pub fn new(slice: &'a mut [T]) -> Self {
        ViewMut::from_slice(slice, [slice.len()]).expect("a slice's length fits its own shape")
    }
}

fn check_len<const D: usize>(layout: &Layout<D>, len: usize) -> Result<()> {
    if layout.len() == len {
        Ok(())
    } else {
        Err(ViewError::LengthMismatch {
            expected: layout.len(),
            len,
        })
    }
}

/// Iterator over the innermost lanes of a view, from [`View::lanes`].
pub struct Lanes<'a, T, const D: usize> {
    view: View<'a, T, D>,
    next: [usize; D],
    remaining: usize,
}

impl<'a, T: Sample, const D: usize> Iterator for Lanes<'a, T, D> {
    type Item = View<'a, T, 1>;
    fn next(&mut self) -> Option<View<'a, T, 1>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let lane = self.view.lane(self.next)?;
        self.view.layout().advance_lane(&mut self.next);
        Some(lane)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}
impl<T: Sample, const D: usize> ExactSizeIterator for Lanes<'_, T, D> {}

impl<T: Sample, const D: usize> core::ops::Index<[usize; D]> for View<'_, T, D> {
    type Output = T;
    #[track_caller]
    fn index(&self, index: [usize; D]) -> &T {
        match self.get_ref(index) {
            Some(sample) => sample,
            None => panic!("{}", self.layout().try_offset_of(index).unwrap_err()),
        }
    }
}

impl<T: Sample, const D: usize> core::ops::Index<[usize; D]> for ViewMut<'_, T, D> {
    type Output = T;
    #[track_caller]
    fn index(&self, index: [usize; D]) -> &T {
        match self.view().get_ref(index) {
            Some(sample) => sample,
            None => panic!("{}", self.layout().try_offset_of(index).unwrap_err()),
        }
    }
}

impl<T: Sample, const D: usize> core::ops::IndexMut<[usize; D]> for ViewMut<'_, T, D> {
    #[track_caller]
    fn index_mut(&mut self, index: [usize; D]) -> &mut T {
        let layout = self.layout();
        match self.get_mut(index) {
            Some(sample) => sample,
            None => panic!("{}", layout.try_offset_of(index).unwrap_err()),
        }
    }
}
