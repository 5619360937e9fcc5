//! The views' `unsafe` (the others are `mapped/map.rs`, the memory maps, and `simd`, the calls
//! into run-time-detected instruction sets): the two view
//! types, how they are built from a borrowed buffer, how their elements are reached, and how
//! one view is derived from another.
//!
//! # Invariants
//!
//! For a `View<'a, T, D>` or `ViewMut<'a, T, D>` with pointer `ptr` and layout `layout`:
//!
//! 1. **In bounds.** For every index `i` inside `layout.shape()`, `ptr + layout.offset_of(i)` is
//!    an initialized, aligned `T` inside the buffer the view borrowed for `'a`, whose address
//!    range `buffer` records. Established by the constructors' checks; re-checked (O(D)) on every
//!    derivation, so a wrong derivation panics instead of reading outside the buffer.
//! 2. **Unique (`ViewMut` only).** Distinct indices reach distinct elements, and no other live
//!    reference reaches them during `'a`. Established by [`Layout::check_no_alias`] and by taking
//!    `&'a mut [T]`; kept because every derivation either consumes the view or reborrows it
//!    mutably, and maps indices injectively onto a subset of the old ones (slices, splits into
//!    disjoint parts, axis permutations, contiguous reshapes, casts that partition the same
//!    bytes: see `layout.rs`, whose functions the property tests check).
//! 3. **Anchored.** `ptr` lies inside the buffer or one past its end, also for empty views, so
//!    it can be handed to APIs that take a pointer for an empty array (ndarray).
//! 4. **Sized.** `len * size_of::<T>()` fits `isize`, even for broadcast (zero-stride) views,
//!    so every byte count a view reports, and every copy it makes, is representable.

use crate::error::{Result, ViewError};
use crate::layout::{Layout, merge_into_two};
use crate::sample::Sample;
use crate::slice::Slice;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};

/// The address range of the buffer a view was built on, for re-checks and byte offsets.
/// Only addresses: nothing is ever read through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BufferSpan {
    pub start: usize,
    pub bytes: usize,
}

/// A read-only, zero-copy, strided view of `D` dimensions over a borrowed buffer of `T`.
///
/// `View` is `Copy`: copying a view copies its pointer and layout (a few words), never pixels.
/// It cannot be written through (there is no method that would), and it cannot outlive the
/// buffer it borrows: both mistakes that `memoryview` reports at run time, or not at all, are
/// compile errors here.
///
/// ```
/// use viewlib::View;
/// let samples: Vec<u16> = (0..2 * 3 * 4).collect();
/// let v = View::from_slice(&samples, [2, 3, 4])?; // height, width, channels
/// assert_eq!((v.ndim(), v.shape(), v.len(), v.itemsize(), v.nbytes()), (3, [2, 3, 4], 24, 2, 48));
/// assert_eq!((v.strides(), v.byte_strides()), ([12, 4, 1], [24, 8, 2]));
/// assert_eq!((v.format(), v.offset_bytes(), v.base_bytes()), ("H", 0, 48));
/// assert!(v.is_c_contiguous() && !v.is_f_contiguous() && v.is_contiguous());
/// let green = v.channel(1)?;
/// assert_eq!((green.offset_bytes(), green.is_contiguous()), (2, false));
/// # Ok::<(), viewlib::ViewError>(())
/// ```
///
/// Python raises `TypeError` at run time when a read-only view is written; here there is no
/// method to call:
///
/// ```compile_fail
/// let data = [1u8, 2, 3];
/// let view = viewlib::View::new(&data);
/// view.set([0], 9); // error: no method named `set` found for `View`
/// ```
///
/// And a view cannot outlive its buffer (Python: undefined behaviour in C extensions):
///
/// ```compile_fail
/// let view = {
///     let pixels = vec![0u8; 12];
///     viewlib::View::from_slice(&pixels, [12]).unwrap()
/// }; // error: `pixels` does not live long enough
/// ```
///
/// Views are `#[must_use]`: a derived view that is dropped unused is almost always a mistake,
/// such as `flip_horizontal()` written where `flip_horizontal_in_place()` was meant. It warns,
/// and with the lint denied it does not compile:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let mut px = [1u8, 2, 3, 4, 5, 6];
/// let image = viewlib::ViewMut::from_slice(&mut px, [1, 2, 3]).unwrap();
/// image.flip_horizontal(); // error: unused `ViewMut` that must be used
/// ```
///
/// ```
/// #![deny(unused_must_use)]
/// let mut px = [1u8, 2, 3, 4, 5, 6];
/// let image = viewlib::ViewMut::from_slice(&mut px, [1, 2, 3]).unwrap();
/// image.flip_horizontal_in_place(); // what was meant
/// assert_eq!(px, [4, 5, 6, 1, 2, 3]);
/// ```
///
/// So is every method that returns a value without changing anything (`to_vec`, `shape`,
/// `get`, `len`, ...): a dropped result is a computation for nothing, or a mistaken reading.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let px = [1u8, 2, 3];
/// let view = viewlib::View::from_slice(&px, [3]).unwrap();
/// view.to_vec(); // error: unused return value of `to_vec` that must be used
/// ```
#[must_use = "a view does nothing unless used; for a change in place, see the `_in_place` methods"]
pub struct View<'a, T, const D: usize> {
    ptr: *const T,
    layout: Layout<D>,
    buffer: BufferSpan,
    life: PhantomData<&'a [T]>,
}

/// A writable, zero-copy, strided view of `D` dimensions over a mutably borrowed buffer of `T`.
///
/// It is unique like `&mut [T]`: while it lives nothing else reads or writes its elements, it
/// never reaches one element through two indices, and it can be split into disjoint writable
/// parts that may go to different threads. [`ViewMut::view`] downgrades it to a [`View`].
///
/// ```compile_fail
/// let mut pixels = vec![0u8; 4];
/// let view = viewlib::ViewMut::from_slice(&mut pixels, [4]).unwrap();
/// pixels[0] = 1; // error: `pixels` is mutably borrowed by `view`
/// view.get([0]);
/// ```
#[must_use = "a view does nothing unless used; for a change in place, see the `_in_place` methods"]
pub struct ViewMut<'a, T, const D: usize> {
    ptr: *mut T,
    layout: Layout<D>,
    buffer: BufferSpan,
    life: PhantomData<&'a mut [T]>,
}

// SAFETY: a `View` is a shared borrow of `T`s (invariant 1); sending or sharing it across threads
// is sound exactly when `&[T]` is, i.e. when `T: Sync`.
unsafe impl<T: Sync, const D: usize> Send for View<'_, T, D> {}
// SAFETY: as above, `View` behaves as `&[T]`.
unsafe impl<T: Sync, const D: usize> Sync for View<'_, T, D> {}
// SAFETY: a `ViewMut` is a unique borrow of its elements (invariant 2), like `&mut [T]`, which is
// `Send` when `T: Send`.
unsafe impl<T: Send, const D: usize> Send for ViewMut<'_, T, D> {}
// SAFETY: `&ViewMut` only gives out `&T` (through `view`/`get`), like `&&mut [T]`: `Sync` when
// `T: Sync`.
unsafe impl<T: Sync, const D: usize> Sync for ViewMut<'_, T, D> {}

impl<T, const D: usize> Clone for View<'_, T, D> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const D: usize> Copy for View<'_, T, D> {}

fn span_of<T>(slice: &[T]) -> BufferSpan {
    BufferSpan {
        start: slice.as_ptr() as usize,
        bytes: core::mem::size_of_val(slice),
    }
}

/// Checks that `layout` placed at element `offset` of a buffer of `len` elements stays inside it.
fn check_fits<const D: usize>(layout: &Layout<D>, offset: usize, len: usize) -> Result<()> {
    match layout.extent() {
        None if offset <= len => Ok(()),
        None => Err(ViewError::OutOfBuffer {
            lowest: offset as i128,
            highest: offset as i128,
            len,
        }),
        Some((low, high)) => {
            let (lowest, highest) = (offset as i128 + low as i128, offset as i128 + high as i128);
            if lowest >= 0 && highest < len as i128 {
                Ok(())
            } else {
                Err(ViewError::OutOfBuffer {
                    lowest,
                    highest,
                    len,
                })
            }
        }
    }
}

/// Invariant 1, re-checked for a derived view: its bytes lie inside the original buffer.
#[track_caller]
fn assert_inside<T, const D: usize>(ptr: *const T, layout: &Layout<D>, buffer: BufferSpan) {
    if let Some((low, high)) = layout.extent() {
        let size = size_of::<T>() as i128;
        let first = ptr as usize as i128;
        let lowest = first + low as i128 * size;
        let end = first + (high as i128 + 1) * size;
        let inside = lowest >= buffer.start as i128
            && end <= buffer.start as i128 + buffer.bytes as i128
            && (ptr as usize).is_multiple_of(align_of::<T>());
        assert!(inside, "viewlib bug: a derived view leaves its buffer");
    }
}

macro_rules! shared_accessors {
    () => {
        /// The layout: shape and element strides.
        #[must_use]
        pub fn layout(&self) -> Layout<D> {
            self.layout
        }

        /// Byte distance from the start of the borrowed buffer to element `[0, 0, ...]`.
        pub(crate) fn byte_offset(&self) -> usize {
            (self.ptr as usize).wrapping_sub(self.buffer.start)
        }

        /// The borrowed buffer's size in bytes.
        pub(crate) fn buffer_bytes(&self) -> usize {
            self.buffer.bytes
        }

        /// Address of element `[0, 0, ...]`, for identity checks (never dereference it).
        #[must_use]
        pub fn as_ptr(&self) -> *const T {
            self.ptr
        }
    };
}

impl<'a, T: Sample, const D: usize> View<'a, T, D> {
    /// Builds a view of `layout` whose element `[0, ...]` is `slice[offset]`.
    pub(crate) fn from_parts(slice: &'a [T], offset: usize, layout: Layout<D>) -> Result<Self> {
        check_fits(&layout, offset, slice.len())?;
        layout.check_bytes(size_of::<T>())?;
        Ok(View {
            ptr: slice.as_ptr().wrapping_add(offset),
            layout,
            buffer: span_of(slice),
            life: PhantomData,
        })
    }

    shared_accessors!();

    pub(crate) fn buffer_span(&self) -> BufferSpan {
        self.buffer
    }

    /// The view itself (views are `Copy`); mirrors [`ViewMut::view`].
    pub fn view(&self) -> View<'a, T, D> {
        *self
    }

    fn derive<const E: usize>(self, layout: Layout<E>, offset: isize) -> View<'a, T, E> {
        // An empty view keeps its parent's pointer, so every pointer stays inside the buffer or
        // one past its end (invariant 3), even when the offset of an empty part is far away.
        let ptr = if layout.is_empty() {
            self.ptr
        } else {
            self.ptr.wrapping_offset(offset)
        };
        assert_inside(ptr, &layout, self.buffer);
        View {
            ptr,
            layout,
            buffer: self.buffer,
            life: PhantomData,
        }
    }

    /// The element at `index`, borrowed for the buffer's lifetime.
    ///
    /// ```
    /// let data = [5u8, 6, 7];
    /// let third: &u8 = viewlib::View::new(&data).get_ref([2]).unwrap();
    /// assert!(core::ptr::eq(third, &data[2]));
    /// ```
    #[inline]
    #[must_use]
    pub fn get_ref(&self, index: [usize; D]) -> Option<&'a T> {
        let offset = self.layout.offset_of(index)?;
        // SAFETY: `offset_of` checked `index` against the shape, so by invariant 1 the pointer is
        // an aligned, initialized `T` of the buffer borrowed (shared) for 'a.
        Some(unsafe { &*self.ptr.wrapping_offset(offset) })
    }

    /// The elements as one slice in C order, if the view is C-contiguous.
    ///
    /// ```
    /// let px: Vec<u8> = (0..2 * 3 * 2).collect();
    /// let image = viewlib::View::from_slice(&px, [2, 3, 2])?;
    /// assert_eq!(image.row(1)?.as_slice(), Some(&px[6..12]));
    /// assert_eq!(image.channel(0)?.as_slice(), None); // strided: no slice without a copy
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> Option<&'a [T]> {
        if !self.layout.is_c_contiguous() {
            return None;
        }
        if self.layout.is_empty() {
            return Some(&[]);
        }
        // SAFETY: C-contiguous and non-empty: the elements are `ptr .. ptr + len`, all inside the
        // shared-borrowed buffer by invariant 1.
        Some(unsafe { core::slice::from_raw_parts(self.ptr, self.layout.len()) })
    }

    /// The innermost lane through `index` (its last component is ignored).
    pub(crate) fn lane(&self, index: [usize; D]) -> Option<View<'a, T, 1>> {
        let (layout, offset) = self.layout.lane(index)?;
        Some(self.derive(layout, offset))
    }

    pub(crate) fn slice_axis(self, axis: usize, slice: Slice) -> Result<Self> {
        let (layout, offset) = self.layout.slice_axis(axis, slice)?;
        Ok(self.derive(layout, offset))
    }

    pub(crate) fn split_axis(self, axis: usize, index: usize) -> Result<(Self, Self)> {
        let (a, b, offset) = self.layout.split_axis(axis, index)?;
        Ok((self.derive(a, 0), self.derive(b, offset)))
    }

    pub(crate) fn index_axis<const E: usize>(
        self,
        axis: usize,
        index: usize,
    ) -> Result<View<'a, T, E>> {
        let (layout, offset) = self.layout.index_axis(axis, index)?;
        Ok(self.derive(layout, offset))
    }

    pub(crate) fn permuted(self, axes: [usize; D]) -> Result<Self> {
        let layout = self.layout.permuted(axes)?;
        Ok(self.derive(layout, 0))
    }

    /// The same elements in the same order as a 2-D view, when the axes merge into two (see
    /// `Layout::merged2`).
    pub(crate) fn merged2(self) -> Option<View<'a, T, 2>> {
        let layout = self.layout.merged2()?;
        Some(self.derive(layout, 0))
    }

    pub(crate) fn reshaped<const E: usize>(self, shape: [usize; E]) -> Result<View<'a, T, E>> {
        let layout = self.layout.reshaped(shape)?;
        Ok(self.derive(layout, 0))
    }

    pub(crate) fn cast_to<U: Sample>(self) -> Result<View<'a, U, D>> {
        let layout = self.layout.cast(size_of::<T>(), size_of::<U>())?;
        let ptr = self.ptr.cast::<U>();
        check_align::<U>(ptr as usize)?;
        assert_inside(ptr, &layout, self.buffer);
        Ok(View {
            ptr,
            layout,
            buffer: self.buffer,
            life: PhantomData,
        })
    }
}

fn check_align<U>(address: usize) -> Result<()> {
    if address.is_multiple_of(align_of::<U>()) {
        Ok(())
    } else {
        Err(ViewError::Misaligned {
            address,
            align: align_of::<U>(),
        })
    }
}

impl<'a, T: Sample, const D: usize> ViewMut<'a, T, D> {
    /// Builds a writable view of `layout` whose element `[0, ...]` is `slice[offset]`.
    pub(crate) fn from_parts(slice: &'a mut [T], offset: usize, layout: Layout<D>) -> Result<Self> {
        check_fits(&layout, offset, slice.len())?;
        layout.check_bytes(size_of::<T>())?;
        layout.check_no_alias()?;
        Ok(ViewMut {
            ptr: slice.as_mut_ptr().wrapping_add(offset),
            layout,
            buffer: span_of(slice),
            life: PhantomData,
        })
    }

    shared_accessors!();

    /// Invariant 2 is the caller's: `layout` at `offset` reaches, injectively, a subset of the
    /// elements `self` reaches.
    fn derive<const E: usize>(self, layout: Layout<E>, offset: isize) -> ViewMut<'a, T, E> {
        // An empty view keeps its parent's pointer, so every pointer stays inside the buffer or
        // one past its end (invariant 3), even when the offset of an empty part is far away.
        let ptr = if layout.is_empty() {
            self.ptr
        } else {
            self.ptr.wrapping_offset(offset)
        };
        assert_inside(ptr, &layout, self.buffer);
        debug_assert!(layout.check_no_alias().is_ok());
        ViewMut {
            ptr,
            layout,
            buffer: self.buffer,
            life: PhantomData,
        }
    }

    /// A shorter-lived writable view of the same elements; `self` is unusable meanwhile.
    ///
    /// ```
    /// let mut px = [0u8; 4];
    /// let mut image = viewlib::ViewMut::from_slice(&mut px, [1, 2, 2])?;
    /// image.reborrow().channel(0)?.fill(1); // derive, use, give back
    /// image.reborrow().channel(1)?.fill(2);
    /// assert_eq!(px, [1, 2, 1, 2]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn reborrow(&mut self) -> ViewMut<'_, T, D> {
        ViewMut {
            ptr: self.ptr,
            layout: self.layout,
            buffer: self.buffer,
            life: PhantomData,
        }
    }

    /// A read-only view of the same elements, for as long as `self` is borrowed.
    ///
    /// ```
    /// let mut px = [1u8, 2];
    /// let mut m = viewlib::ViewMut::new(&mut px);
    /// m.set([0], 9);
    /// assert_eq!(m.view().to_vec(), [9, 2]);
    /// ```
    pub fn view(&self) -> View<'_, T, D> {
        View {
            ptr: self.ptr,
            layout: self.layout,
            buffer: self.buffer,
            life: PhantomData,
        }
    }

    /// Gives up writing: a read-only view for the rest of the buffer's borrow.
    ///
    /// ```
    /// let mut px = [1u8, 2];
    /// let m = viewlib::ViewMut::new(&mut px);
    /// let read_only = m.into_view();
    /// assert_eq!(read_only.to_vec(), [1, 2]);
    /// ```
    pub fn into_view(self) -> View<'a, T, D> {
        View {
            ptr: self.ptr,
            layout: self.layout,
            buffer: self.buffer,
            life: PhantomData,
        }
    }

    /// The element at `index`, writable.
    ///
    /// ```
    /// let mut px = [1u8, 2, 3, 4];
    /// let mut m = viewlib::ViewMut::from_slice(&mut px, [2, 2])?;
    /// *m.get_mut([1, 1]).unwrap() += 10;
    /// assert!(m.get_mut([2, 0]).is_none());
    /// assert_eq!(px, [1, 2, 3, 14]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[inline]
    pub fn get_mut(&mut self, index: [usize; D]) -> Option<&mut T> {
        let offset = self.layout.offset_of(index)?;
        // SAFETY: in bounds by `offset_of` and invariant 1; unique because `self` is borrowed
        // mutably for the reference's lifetime and holds its elements uniquely (invariant 2).
        Some(unsafe { &mut *self.ptr.wrapping_offset(offset) })
    }

    /// The elements as one mutable slice in C order, if the view is C-contiguous.
    ///
    /// ```
    /// let mut px = [0u8; 6];
    /// let mut m = viewlib::ViewMut::from_slice(&mut px, [2, 3])?;
    /// m.as_slice_mut().unwrap().copy_from_slice(&[1, 2, 3, 4, 5, 6]);
    /// assert!(m.reborrow().transpose().as_slice_mut().is_none());
    /// assert_eq!(px, [1, 2, 3, 4, 5, 6]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn as_slice_mut(&mut self) -> Option<&mut [T]> {
        self.reborrow().into_slice_mut()
    }

    /// Like [`ViewMut::as_slice_mut`], keeping the buffer's lifetime.
    ///
    /// ```
    /// let mut px = [0u8; 6];
    /// let row: &mut [u8] = viewlib::ViewMut::from_slice(&mut px, [2, 3])?
    ///     .row(1)?
    ///     .into_slice_mut()
    ///     .unwrap();
    /// row.fill(5);
    /// assert_eq!(px, [0, 0, 0, 5, 5, 5]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn into_slice_mut(self) -> Option<&'a mut [T]> {
        if !self.layout.is_c_contiguous() {
            return None;
        }
        if self.layout.is_empty() {
            return Some(&mut []);
        }
        // SAFETY: C-contiguous and non-empty: the elements are exactly `ptr .. ptr + len`, inside
        // the buffer (invariant 1) and held uniquely by `self`, which is consumed (invariant 2).
        Some(unsafe { core::slice::from_raw_parts_mut(self.ptr, self.layout.len()) })
    }

    /// The same elements as a 2-D view, when the axes merge into two (see `Layout::merged2`).
    pub(crate) fn into_merged2(self) -> core::result::Result<ViewMut<'a, T, 2>, Self> {
        match self.layout.merged2() {
            // Bijective: the merged layout relabels the same elements in the same order.
            Some(layout) => Ok(self.derive(layout, 0)),
            None => Err(self),
        }
    }

    pub(crate) fn slice_axis(self, axis: usize, slice: Slice) -> Result<Self> {
        let (layout, offset) = self.layout.slice_axis(axis, slice)?;
        // Injective: a slice takes distinct indices of one axis.
        Ok(self.derive(layout, offset))
    }

    /// Iterates over the innermost lanes in C order, each a writable 1-D view.
    ///
    /// ```
    /// let mut px = [0u8; 6];
    /// let mut m = viewlib::ViewMut::from_slice(&mut px, [2, 3])?;
    /// for (i, mut row) in m.lanes_mut().enumerate() {
    ///     row.fill(i as u8 + 1);
    /// }
    /// assert_eq!(px, [1, 1, 1, 2, 2, 2]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn lanes_mut(&mut self) -> LanesMut<'_, T, D> {
        LanesMut {
            remaining: if self.layout.is_empty() {
                0
            } else {
                self.layout.len() / self.layout.shape()[D - 1]
            },
            next: [0; D],
            view: self.reborrow(),
        }
    }

    pub(crate) fn split_axis(self, axis: usize, index: usize) -> Result<(Self, Self)> {
        let (a, b, offset) = self.layout.split_axis(axis, index)?;
        // Two handles to the same elements exist only until each is narrowed to its part; the
        // parts are disjoint: the indices below `index` and from `index` on one axis.
        let rest = ViewMut {
            ptr: self.ptr,
            layout: self.layout,
            buffer: self.buffer,
            life: PhantomData,
        };
        Ok((self.derive(a, 0), rest.derive(b, offset)))
    }

    pub(crate) fn index_axis<const E: usize>(
        self,
        axis: usize,
        index: usize,
    ) -> Result<ViewMut<'a, T, E>> {
        let (layout, offset) = self.layout.index_axis(axis, index)?;
        // Injective: the indices with one axis fixed.
        Ok(self.derive(layout, offset))
    }

    pub(crate) fn permuted(self, axes: [usize; D]) -> Result<Self> {
        let layout = self.layout.permuted(axes)?;
        // Bijective: the same indices, reordered.
        Ok(self.derive(layout, 0))
    }

    pub(crate) fn reshaped<const E: usize>(self, shape: [usize; E]) -> Result<ViewMut<'a, T, E>> {
        let layout = self.layout.reshaped(shape)?;
        // Bijective: both layouts are C-contiguous over the same elements.
        Ok(self.derive(layout, 0))
    }

    pub(crate) fn cast_to<U: Sample>(self) -> Result<ViewMut<'a, U, D>> {
        let layout = self.layout.cast(size_of::<T>(), size_of::<U>())?;
        let ptr = self.ptr.cast::<U>();
        check_align::<U>(ptr as usize)?;
        assert_inside(ptr, &layout, self.buffer);
        // Unique: the innermost axis is contiguous, so each old lane's bytes are cut into whole
        // new elements; lanes are disjoint, so new elements are too. Any bit pattern is a valid
        // `U` and `T` (both `Pod`), so writes through either type keep the other valid.
        Ok(ViewMut {
            ptr,
            layout,
            buffer: self.buffer,
            life: PhantomData,
        })
    }
}

/// Iterator over the innermost lanes of a writable view, from [`ViewMut::lanes_mut`].
pub struct LanesMut<'a, T, const D: usize> {
    view: ViewMut<'a, T, D>,
    next: [usize; D],
    remaining: usize,
}

impl<'a, T: Sample, const D: usize> Iterator for LanesMut<'a, T, D> {
    type Item = ViewMut<'a, T, 1>;
    fn next(&mut self) -> Option<ViewMut<'a, T, 1>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let (layout, offset) = self.view.layout.lane(self.next)?;
        self.view.layout.advance_lane(&mut self.next);
        let lane = ViewMut {
            ptr: self.view.ptr,
            layout: self.view.layout,
            buffer: self.view.buffer,
            life: PhantomData,
        };
        // Unique: each outer index is visited once and lanes at distinct outer indices are
        // disjoint (invariant 2 of the parent).
        Some(lane.derive(layout, offset))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}
impl<T: Sample, const D: usize> ExactSizeIterator for LanesMut<'_, T, D> {}

/// Iterator over the elements of a 1-D view, borrowed for the buffer's lifetime.
pub(crate) struct Iter<'a, T> {
    ptr: *const T,
    stride: isize,
    remaining: usize,
    life: PhantomData<&'a [T]>,
}

/// Iterator over the elements of a 1-D writable view.
pub(crate) struct IterMut<'a, T> {
    ptr: *mut T,
    stride: isize,
    remaining: usize,
    life: PhantomData<&'a mut [T]>,
}

// SAFETY: `Iter` hands out `&'a T`, like `core::slice::Iter`.
unsafe impl<T: Sync> Send for Iter<'_, T> {}
// SAFETY: `Iter` hands out `&'a T`, like `core::slice::Iter`.
unsafe impl<T: Sync> Sync for Iter<'_, T> {}
// SAFETY: `IterMut` hands out distinct `&'a mut T`, like `core::slice::IterMut`.
unsafe impl<T: Send> Send for IterMut<'_, T> {}

impl<'a, T: Sample> View<'a, T, 1> {
    /// Iterates over the elements of this lane in order.
    pub(crate) fn lane_iter(&self) -> Iter<'a, T> {
        Iter {
            ptr: self.ptr,
            stride: self.layout.strides()[0],
            remaining: self.layout.shape()[0],
            life: PhantomData,
        }
    }
}

impl<'a, T: Sample> ViewMut<'a, T, 1> {
    /// Iterates over the elements of this lane in order, writably, consuming the view.
    pub(crate) fn lane_iter_mut(self) -> IterMut<'a, T> {
        IterMut {
            ptr: self.ptr,
            stride: self.layout.strides()[0],
            remaining: self.layout.shape()[0],
            life: PhantomData,
        }
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;
    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // SAFETY: `ptr` is element `k` of a 1-D view with `remaining + 1` elements left, so it is
        // in bounds by invariant 1 and shared-borrowed for 'a.
        let item = unsafe { &*self.ptr };
        self.ptr = self.ptr.wrapping_offset(self.stride);
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
    /// A counted loop (what `for_each` and most adapters run): the compiler unrolls it, where
    /// `next`'s countdown measured 1.4 to 1.7x slower on a strided channel.
    #[inline]
    fn fold<B, F: FnMut(B, &'a T) -> B>(self, init: B, mut f: F) -> B {
        let mut acc = init;
        for k in 0..self.remaining {
            // SAFETY: element `k` of the `remaining` left in this 1-D view: in bounds by
            // invariant 1 (so the offset cannot wrap), shared-borrowed for 'a.
            let item = unsafe { &*self.ptr.wrapping_offset(k as isize * self.stride) };
            acc = f(acc, item);
        }
        acc
    }
}
impl<T> ExactSizeIterator for Iter<'_, T> {}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = &'a mut T;
    #[inline]
    fn next(&mut self) -> Option<&'a mut T> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // SAFETY: in bounds as for `Iter`; each element is handed out once (the pointer moves on)
        // and distinct indices are distinct elements (invariant 2), so the `&mut` are disjoint.
        let item = unsafe { &mut *self.ptr };
        self.ptr = self.ptr.wrapping_offset(self.stride);
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
    /// A counted loop, as for [`Iter`].
    #[inline]
    fn fold<B, F: FnMut(B, &'a mut T) -> B>(self, init: B, mut f: F) -> B {
        let mut acc = init;
        for k in 0..self.remaining {
            // SAFETY: as in `next`: element `k` is in bounds (invariant 1), handed out once, and
            // distinct `k` are distinct elements (invariant 2), so the `&mut` are disjoint.
            let item = unsafe { &mut *self.ptr.wrapping_offset(k as isize * self.stride) };
            acc = f(acc, item);
        }
        acc
    }
}
impl<T> ExactSizeIterator for IterMut<'_, T> {}

impl<'a, T: Sample, const D: usize> View<'a, T, D> {
    /// This view typed with rank `E`, when `E == D`.
    pub(crate) fn with_rank<const E: usize>(self) -> Option<View<'a, T, E>> {
        // The same shape and strides: the same elements.
        Some(self.derive(self.layout.with_rank()?, 0))
    }
}

impl<'a, T: Sample, const D: usize> ViewMut<'a, T, D> {
    /// This view typed with rank `E`, when `E == D`; itself back otherwise.
    pub(crate) fn with_rank<const E: usize>(self) -> core::result::Result<ViewMut<'a, T, E>, Self> {
        match self.layout.with_rank() {
            // The same shape and strides: the same elements, as uniquely.
            Some(layout) => Ok(self.derive(layout, 0)),
            None => Err(self),
        }
    }
}

/// Iterator over the pixels of a `[len, N]` view whose `N` samples per pixel are contiguous,
/// each as an array (a fixed-size copy, where a slice of `N` would be a `memcpy` call).
pub(crate) struct PixelIter<'a, T, const N: usize> {
    ptr: *const T,
    stride: isize,
    remaining: usize,
    life: PhantomData<&'a [T]>,
}

/// Iterator over the pixels of a writable `[len, N]` view, as for [`PixelIter`].
pub(crate) struct PixelIterMut<'a, T, const N: usize> {
    ptr: *mut T,
    stride: isize,
    remaining: usize,
    life: PhantomData<&'a mut [T]>,
}

/// Whether `layout` is `[len, N]` with its `N` samples contiguous (axis 1's stride 1).
fn pixels_of<const N: usize>(layout: &Layout<2>) -> bool {
    let [_, n] = layout.shape();
    n == N && (N <= 1 || layout.strides()[1] == 1)
}

impl<'a, T: Sample> View<'a, T, 2> {
    /// The pixels along axis 0, when axis 1 holds `N` contiguous samples.
    pub(crate) fn pixel_iter<const N: usize>(&self) -> Option<PixelIter<'a, T, N>> {
        pixels_of::<N>(&self.layout).then(|| PixelIter {
            ptr: self.ptr,
            stride: self.layout.strides()[0],
            remaining: self.layout.shape()[0],
            life: PhantomData,
        })
    }
}

impl<'a, T: Sample> ViewMut<'a, T, 2> {
    /// The pixels along axis 0, writably, when axis 1 holds `N` contiguous samples.
    pub(crate) fn pixel_iter_mut<const N: usize>(self) -> Option<PixelIterMut<'a, T, N>> {
        pixels_of::<N>(&self.layout).then(|| PixelIterMut {
            ptr: self.ptr,
            stride: self.layout.strides()[0],
            remaining: self.layout.shape()[0],
            life: PhantomData,
        })
    }
}

impl<'a, T, const N: usize> Iterator for PixelIter<'a, T, N> {
    type Item = &'a [T; N];
    #[inline]
    fn next(&mut self) -> Option<&'a [T; N]> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // SAFETY: `ptr` is the first sample of a pixel of the view (`remaining + 1` left), whose
        // `N` samples are contiguous (`pixels_of`): all in bounds by invariant 1, aligned for
        // `T` and so for `[T; N]`, shared-borrowed for 'a.
        let item = unsafe { &*self.ptr.cast::<[T; N]>() };
        self.ptr = self.ptr.wrapping_offset(self.stride);
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}
impl<T, const N: usize> ExactSizeIterator for PixelIter<'_, T, N> {}

impl<'a, T, const N: usize> Iterator for PixelIterMut<'a, T, N> {
    type Item = &'a mut [T; N];
    #[inline]
    fn next(&mut self) -> Option<&'a mut [T; N]> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // SAFETY: in bounds and aligned as for `PixelIter`; each pixel is handed out once (the
        // pointer moves on) and distinct pixels are distinct samples (invariant 2), so the
        // `&mut` are disjoint.
        let item = unsafe { &mut *self.ptr.cast::<[T; N]>() };
        self.ptr = self.ptr.wrapping_offset(self.stride);
        Some(item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}
impl<T, const N: usize> ExactSizeIterator for PixelIterMut<'_, T, N> {}

/// Views to and from `ndarray` without copying. The `unsafe` lives here with the rest.
#[cfg(feature = "ndarray")]
mod ndarray_parts {
    use super::*;
    use ndarray::{ArrayView, ArrayViewMut, Axis, Dim, Dimension, IntoDimension, ShapeBuilder};

    /// What `from_shape_ptr` is given: the lowest-addressed element, the absolute strides, and
    /// which axes to invert afterwards (it wants non-negative strides).
    ///
    /// Axes that never move the pointer (length 0 or 1, or every axis of an empty view) get
    /// stride 0 and are not inverted, as ndarray's own constructors do: ndarray may offset the
    /// pointer along any axis, even of an empty array, so an unused stride must step nowhere.
    fn ndarray_parts<T, const D: usize>(
        ptr: *const T,
        layout: &Layout<D>,
    ) -> (*const T, [usize; D], [bool; D]) {
        let empty = layout.is_empty();
        let moves: [bool; D] = core::array::from_fn(|a| !empty && layout.shape()[a] > 1);
        let strides = core::array::from_fn(|a| {
            if moves[a] {
                layout.strides()[a].unsigned_abs()
            } else {
                0
            }
        });
        let invert = core::array::from_fn(|a| moves[a] && layout.strides()[a] < 0);
        let low = layout.extent().map_or(0, |(low, _)| low);
        (ptr.wrapping_offset(low), strides, invert)
    }

    /// The address range an ndarray view covers, as the buffer a viewlib view records.
    fn span_from<T, const D: usize>(ptr: *const T, layout: &Layout<D>) -> BufferSpan {
        match layout.extent() {
            None => BufferSpan {
                start: ptr as usize,
                bytes: 0,
            },
            Some((low, high)) => BufferSpan {
                start: ptr.wrapping_offset(low) as usize,
                // Fits: ndarray guarantees the extent in bytes fits isize.
                bytes: ((high - low) as usize + 1) * size_of::<T>(),
            },
        }
    }

    impl<'a, T: Sample, const D: usize> View<'a, T, D>
    where
        [usize; D]: IntoDimension<Dim = Dim<[usize; D]>>,
        Dim<[usize; D]>: Dimension,
    {
        pub(crate) fn to_ndarray(self) -> ArrayView<'a, T, Dim<[usize; D]>> {
            let (low, strides, invert) = ndarray_parts(self.ptr, &self.layout);
            let shape = self.layout.shape().into_dimension();
            // SAFETY: non-empty: by invariant 1 every element reached from `low` with the
            // absolute strides (the same set as `self` reaches) is an initialized, aligned `T`
            // shared-borrowed for 'a, and every pointer ndarray can form along an axis lies
            // between `low` and the highest element. Empty: `low == ptr` is inside or one past the
            // buffer (invariant 3) and every stride is 0, so offsets along any axis stay there.
            // The extent fits isize (layout invariant 2); strides are non-negative.
            let mut view =
                unsafe { ArrayView::from_shape_ptr(shape.strides(strides.into_dimension()), low) };
            for axis in (0..D).filter(|&a| invert[a]) {
                view.invert_axis(Axis(axis));
            }
            view
        }

        pub(crate) fn from_ndarray(array: ArrayView<'a, T, Dim<[usize; D]>>) -> Result<Self> {
            let shape: [usize; D] = core::array::from_fn(|k| array.shape()[k]);
            let strides: [isize; D] = core::array::from_fn(|k| array.strides()[k]);
            let layout = Layout::new(shape, strides)?;
            layout.check_bytes(size_of::<T>())?;
            let ptr = array.as_ptr();
            Ok(View {
                ptr,
                buffer: span_from(ptr, &layout),
                layout,
                // The elements stay borrowed for 'a: `array` was an `ArrayView<'a>`.
                life: PhantomData,
            })
        }
    }

    impl<'a, T: Sample, const D: usize> ViewMut<'a, T, D>
    where
        [usize; D]: IntoDimension<Dim = Dim<[usize; D]>>,
        Dim<[usize; D]>: Dimension,
    {
        pub(crate) fn into_ndarray(self) -> ArrayViewMut<'a, T, Dim<[usize; D]>> {
            let (low, strides, invert) = ndarray_parts(self.ptr.cast_const(), &self.layout);
            let shape = self.layout.shape().into_dimension();
            // SAFETY: as for `View::to_ndarray`, and the elements are held uniquely by `self`
            // (invariant 2), which is consumed, so the new view is their only handle for 'a.
            let mut view = unsafe {
                ArrayViewMut::from_shape_ptr(
                    shape.strides(strides.into_dimension()),
                    low.cast_mut(),
                )
            };
            for axis in (0..D).filter(|&a| invert[a]) {
                view.invert_axis(Axis(axis));
            }
            view
        }

        pub(crate) fn from_ndarray(
            mut array: ArrayViewMut<'a, T, Dim<[usize; D]>>,
        ) -> Result<Self> {
            let shape: [usize; D] = core::array::from_fn(|k| array.shape()[k]);
            let strides: [isize; D] = core::array::from_fn(|k| array.strides()[k]);
            let layout = Layout::new(shape, strides)?;
            layout.check_bytes(size_of::<T>())?;
            layout.check_no_alias()?;
            let ptr = array.as_mut_ptr();
            Ok(ViewMut {
                ptr,
                buffer: span_from(ptr.cast_const(), &layout),
                layout,
                // Unique for 'a: `array` was the `ArrayViewMut<'a>` of these elements.
                life: PhantomData,
            })
        }
    }
}

/// A destination and a source of one shape as 2-D views whose rows correspond (see
/// `layout::merge_into_two`), or both back unchanged.
#[allow(clippy::type_complexity)]
pub(crate) fn merge_pair<'d, 's, T: Sample, U: Sample, const D: usize>(
    dst: ViewMut<'d, T, D>,
    src: View<'s, U, D>,
) -> core::result::Result<(ViewMut<'d, T, 2>, View<'s, U, 2>), (ViewMut<'d, T, D>, View<'s, U, D>)>
{
    if dst.layout.shape() != src.layout.shape() {
        return Err((dst, src));
    }
    match merge_into_two([&dst.layout, &src.layout]) {
        // Bijective for each: a merged layout relabels the same elements in the same order.
        Some([d, s]) => Ok((dst.derive(d, 0), src.derive(s, 0))),
        None => Err((dst, src)),
    }
}

/// A `[h, w]` destination and a `[h, w, c]` source as one row of `h * w` pixels (`[1, h * w]`
/// and `[1, h * w, c]`) when in both each row starts where the one before ends (row stride =
/// width × pixel stride), so a row kernel meets one long run rather than `h` short ones (54
/// rows of 1920 `f32` RGB pixels: 29.5 -> 22 µs for luma); both back unchanged otherwise.
#[allow(clippy::type_complexity)]
pub(crate) fn chain_pixel_rows<'d, 's, T: Sample, U: Sample>(
    dst: ViewMut<'d, T, 2>,
    src: View<'s, U, 3>,
) -> (ViewMut<'d, T, 2>, View<'s, U, 3>) {
    let [h, w] = dst.layout.shape();
    let [d_row, d_px] = dst.layout.strides();
    let [_, _, channels] = src.layout.shape();
    let [s_row, s_px, s_channel] = src.layout.strides();
    let chains = |row: isize, px: isize| {
        isize::try_from(w).ok().and_then(|w| w.checked_mul(px)) == Some(row)
    };
    if h < 2
        || src.layout.shape() != [h, w, channels]
        || !chains(d_row, d_px)
        || !chains(s_row, s_px)
    {
        return (dst, src);
    }
    let Some(pixels) = h.checked_mul(w) else {
        return (dst, src);
    };
    let layouts = (
        Layout::new([1, pixels], [d_row, d_px]),
        Layout::new([1, pixels, channels], [s_row, s_px, s_channel]),
    );
    match layouts {
        // Bijective for each: row `y`'s pixel `x` is pixel `y * w + x` of the one row, at the
        // same offset (`y * row + x * px = (y * w + x) * px`).
        (Ok(d), Ok(s)) => (dst.derive(d, 0), src.derive(s, 0)),
        _ => (dst, src),
    }
}

#[cfg(test)]
mod chain_tests {
    use super::*;

    fn pixels<T: Sample, const D: usize>(view: View<'_, T, D>) -> Vec<*const T> {
        view.lanes()
            .flat_map(|lane| lane.iter().map(|p| p as *const T).collect::<Vec<_>>())
            .collect()
    }

    #[test]
    fn rows_that_chain_become_one_row_of_the_same_elements() {
        let src = [0u8; 4 * 5 * 3];
        let mut dst = [0u8; 4 * 5 * 2];
        // Whole RGB pixels, and every other byte of dst.
        let s = View::from_slice(&src, [4, 5, 3]).unwrap();
        let d = ViewMut::from_slice_with_strides(&mut dst, [4, 5], [10, 2], 1).unwrap();
        let before = (pixels(d.view()), pixels(s));
        let (d, s) = chain_pixel_rows(d, s);
        assert_eq!((d.shape(), s.shape()), ([1, 20], [1, 20, 3]));
        assert_eq!((pixels(d.view()), pixels(s)), before);
    }

    #[test]
    fn rows_that_do_not_chain_stay_rows() {
        let src = [0u8; 4 * 6 * 3];
        let mut dst = [0u8; 4 * 5];
        let s = View::from_slice(&src, [4, 6, 3]).unwrap();
        // A crop of the source (rows 6 pixels apart) and a flipped destination.
        let cropped = s.slice_along(1, 0..5).unwrap();
        let (d, s) = chain_pixel_rows(ViewMut::from_slice(&mut dst, [4, 5]).unwrap(), cropped);
        assert_eq!((d.shape(), s.shape()), ([4, 5], [4, 5, 3]));
        let flipped = ViewMut::from_slice(&mut dst, [4, 5])
            .unwrap()
            .flip(0)
            .unwrap();
        let (d, _) = chain_pixel_rows(flipped, View::from_slice(&src[..60], [4, 5, 3]).unwrap());
        assert_eq!(d.shape(), [4, 5]);
    }
}

#[cfg(test)]
mod pixel_tests {
    use super::*;

    #[test]
    fn pixels_of_a_strided_row_are_its_arrays() {
        let data: Vec<u16> = (0..4 * 3).collect();
        // A mirrored row of four RGB pixels: `[4, 3]`, strides `[-3, 1]`.
        let row = View::from_slice(&data, [4, 3]).unwrap().flip(0).unwrap();
        let pixels: Vec<[u16; 3]> = row.pixel_iter::<3>().unwrap().copied().collect();
        assert_eq!(pixels, [[9, 10, 11], [6, 7, 8], [3, 4, 5], [0, 1, 2]]);
        // Not `N` samples, or not contiguous: none.
        assert!(row.pixel_iter::<2>().is_none());
        assert!(row.flip(1).unwrap().pixel_iter::<3>().is_none());
        let mut out = vec![0u16; 4 * 3];
        let dst = ViewMut::from_slice(&mut out, [4, 3])
            .unwrap()
            .flip(0)
            .unwrap();
        for (d, s) in dst
            .pixel_iter_mut::<3>()
            .unwrap()
            .zip(row.pixel_iter::<3>().unwrap())
        {
            *d = *s;
        }
        assert_eq!(out, data);
    }

    #[test]
    fn a_view_takes_its_own_rank_only() {
        let data = [0u8; 6];
        let view = View::from_slice(&data, [1, 2, 3]).unwrap();
        let same = view.with_rank::<3>().unwrap();
        assert_eq!(
            (same.shape(), same.strides()),
            (view.shape(), view.strides())
        );
        assert!(view.with_rank::<2>().is_none());
        let mut data = [0u8; 6];
        let view = ViewMut::from_slice(&mut data, [2, 3]).unwrap();
        let view = view.with_rank::<3>().unwrap_err();
        assert_eq!(view.with_rank::<2>().unwrap().shape(), [2, 3]);
    }
}
