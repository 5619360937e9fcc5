//! Shape and stride arithmetic: every multiplication checked, every function pure.
//!
//! A [`Layout`] maps an index `[i0, i1, ...]` to the element offset `sum(i_k * stride_k)` from
//! the view's first element. Everything else in the crate trusts a layout that was built here,
//! so the invariants below are established once and kept by every derivation:
//!
//! 1. every axis length fits in `isize`, and so does the number of elements;
//! 2. for every valid index the offset fits in `isize` (no derivation can overflow it later,
//!    because derived layouts address a subset of the same elements).

use crate::error::{Result, ViewError};
use crate::slice::Slice;

/// The shape and element strides of a `D`-dimensional view.
///
/// Strides are in elements (use a view's `byte_strides` for the buffer protocol's bytes) and
/// may be negative (a flipped axis) or zero (a broadcast axis, read-only views only).
///
/// ```
/// use viewlib::Layout;
/// let l = Layout::c_order([2, 3, 4])?;
/// assert_eq!(l.strides(), [12, 4, 1]);
/// assert_eq!(l.offset_of([1, 2, 3]), Some(23));
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Layout<const D: usize> {
    shape: [usize; D],
    strides: [isize; D],
}

/// Element count of a shape, checked to fit `isize`.
pub(crate) fn checked_size(shape: &[usize]) -> Result<usize> {
    let mut size: usize = 1;
    for (axis, &len) in shape.iter().enumerate() {
        size = size
            .checked_mul(len)
            .filter(|&s| s <= isize::MAX as usize)
            .ok_or(ViewError::SizeOverflow { axis, len })?;
    }
    if shape.contains(&0) {
        // A zero axis empties the view, but the other lengths must still fit (invariant 1).
        for (axis, &len) in shape.iter().enumerate() {
            if len > isize::MAX as usize {
                return Err(ViewError::SizeOverflow { axis, len });
            }
        }
    }
    Ok(size)
}

/// Byte count of a C-order buffer of `shape` with `itemsize`-byte elements, checked to fit
/// `isize` (what an allocation can hold); the error names the axis where the product
/// overflowed.
pub(crate) fn checked_byte_size(shape: &[usize], itemsize: usize) -> Result<usize> {
    let elements = checked_size(shape)?;
    elements
        .checked_mul(itemsize)
        .filter(|&b| b <= isize::MAX as usize)
        .ok_or_else(|| {
            // Find the axis where the running byte product first overflows.
            let mut bytes = itemsize;
            let axis = shape
                .iter()
                .position(|&len| match bytes.checked_mul(len) {
                    Some(b) if b <= isize::MAX as usize => {
                        bytes = b;
                        false
                    }
                    _ => true,
                })
                .unwrap_or(shape.len().saturating_sub(1));
            ViewError::SizeOverflow {
                axis,
                len: shape.get(axis).copied().unwrap_or(0),
            }
        })
}

impl<const D: usize> Layout<D> {
    const NONEMPTY_RANK: () = assert!(D >= 1, "views have at least one dimension");

    /// The C-order (row-major) layout of `shape`: the last axis varies fastest.
    pub fn c_order(shape: [usize; D]) -> Result<Self> {
        let () = Self::NONEMPTY_RANK;
        checked_size(&shape)?;
        let mut strides = [0isize; D];
        let mut step: isize = 1;
        for axis in (0..D).rev() {
            strides[axis] = step;
            // Cannot overflow: the product of all lengths fits isize; max(1) keeps empty shapes
            // with C-order strides.
            step = step.saturating_mul(shape[axis].max(1) as isize);
        }
        Ok(Layout { shape, strides })
    }

    /// The Fortran-order (column-major) layout of `shape`: the first axis varies fastest.
    ///
    /// ```
    /// let f = viewlib::Layout::f_order([2, 3])?;
    /// assert_eq!(f.strides(), [1, 2]);
    /// assert!(f.is_f_contiguous() && !f.is_c_contiguous());
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn f_order(shape: [usize; D]) -> Result<Self> {
        let c = Layout::c_order(shape)?;
        let mut strides = [0isize; D];
        let mut step: isize = 1;
        for (axis, stride) in strides.iter_mut().enumerate() {
            *stride = step;
            step = step.saturating_mul(shape[axis].max(1) as isize);
        }
        Ok(Layout { strides, ..c })
    }

    /// A layout with explicit element strides, checked so that every offset fits `isize`.
    ///
    /// ```
    /// use viewlib::{Layout, ViewError};
    /// assert!(Layout::new([4, 4], [-4, 1]).is_ok());
    /// assert_eq!(
    ///     Layout::new([3, 2], [isize::MAX, 1]),
    ///     Err(ViewError::StrideOverflow { axis: 0, len: 3, stride: isize::MAX })
    /// );
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn new(shape: [usize; D], strides: [isize; D]) -> Result<Self> {
        let () = Self::NONEMPTY_RANK;
        checked_size(&shape)?;
        // `isize::MIN` cannot be negated, and every axis must flip: refused even where the
        // view is empty and the stride never reaches an element.
        if let Some(axis) = strides.iter().position(|&s| s == isize::MIN) {
            return Err(ViewError::StrideOverflow {
                axis,
                len: shape[axis],
                stride: isize::MIN,
            });
        }
        let layout = Layout { shape, strides };
        if !layout.is_empty() {
            let (mut low, mut high) = (0isize, 0isize);
            for axis in 0..D {
                let len = shape[axis];
                let stride = strides[axis];
                let overflow = ViewError::StrideOverflow { axis, len, stride };
                let reach = ((len - 1) as isize).checked_mul(stride).ok_or(overflow)?;
                if reach < 0 {
                    low = low.checked_add(reach).ok_or(overflow)?;
                } else {
                    high = high.checked_add(reach).ok_or(overflow)?;
                }
            }
            // Invariant 2 for differences too: high - low must fit, so offsets can be rebased.
            high.checked_sub(low).ok_or(ViewError::StrideOverflow {
                axis: 0,
                len: shape[0],
                stride: strides[0],
            })?;
        }
        Ok(layout)
    }

    /// Length of each axis.
    #[must_use]
    pub fn shape(&self) -> [usize; D] {
        self.shape
    }

    /// Stride of each axis, in elements.
    #[must_use]
    pub fn strides(&self) -> [isize; D] {
        self.strides
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        if self.is_empty() {
            // The other axes may multiply past `usize` (only a non-empty shape's product is
            // checked, invariant 1).
            return 0;
        }
        self.shape.iter().product()
    }

    /// Whether the layout addresses no element.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }

    /// Lowest and highest element offset addressed, or `None` for an empty layout.
    ///
    /// ```
    /// use viewlib::Layout;
    /// assert_eq!(Layout::new([2, 3], [-3, 1])?.extent(), Some((-3, 2)));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn extent(&self) -> Option<(isize, isize)> {
        if self.is_empty() {
            return None;
        }
        let (mut low, mut high) = (0isize, 0isize);
        for (&len, &stride) in self.shape.iter().zip(&self.strides) {
            // In range by invariant 2.
            let reach = (len - 1) as isize * stride;
            if reach < 0 {
                low += reach;
            } else {
                high += reach;
            }
        }
        Some((low, high))
    }

    /// Offset of the element at `index`, or `None` if an index is outside its axis.
    #[must_use]
    pub fn offset_of(&self, index: [usize; D]) -> Option<isize> {
        let mut offset = 0isize;
        for ((&i, &len), &stride) in index.iter().zip(&self.shape).zip(&self.strides) {
            if i >= len {
                return None;
            }
            // In range by invariant 2.
            offset += i as isize * stride;
        }
        Some(offset)
    }

    /// Like [`Layout::offset_of`], with an error naming the first index out of range.
    pub(crate) fn try_offset_of(&self, index: [usize; D]) -> Result<isize> {
        self.offset_of(index).ok_or_else(|| {
            let axis = (0..D).find(|&a| index[a] >= self.shape[a]).unwrap_or(0);
            ViewError::IndexOutOfRange {
                axis,
                index: isize::try_from(index[axis]).unwrap_or(isize::MAX),
                len: self.shape[axis],
            }
        })
    }

    /// Checks that the elements, copied out, would fit in `isize` bytes (a zero stride can
    /// make a view far larger than its buffer).
    pub(crate) fn check_bytes(&self, itemsize: usize) -> Result<()> {
        let mut bytes = itemsize;
        for (axis, &len) in self.shape.iter().enumerate() {
            bytes = bytes
                .checked_mul(len)
                .filter(|&b| b <= isize::MAX as usize)
                .ok_or(ViewError::SizeOverflow { axis, len })?;
        }
        Ok(())
    }

    /// Checks that no two indices reach the same element, as a writable view needs.
    ///
    /// The test is the usual sufficient one (ndarray's): sorted by stride, each axis must step
    /// over everything the faster axes span. It accepts every layout slicing, flipping,
    /// transposing and splitting can produce from a non-aliasing one.
    ///
    /// ```
    /// use viewlib::{Layout, ViewError};
    /// assert!(Layout::new([3, 4], [1, 3])?.check_no_alias().is_ok());
    /// assert_eq!(
    ///     Layout::new([3, 4], [2, 1])?.check_no_alias(),
    ///     Err(ViewError::Aliasing { axis: 0, stride: 2, span: 4 })
    /// );
    /// # Ok::<(), ViewError>(())
    /// ```
    pub fn check_no_alias(&self) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        let mut axes: [usize; D] = core::array::from_fn(|a| a);
        axes.sort_unstable_by_key(|&a| self.strides[a].unsigned_abs());
        let mut span: usize = 1;
        for axis in axes {
            let len = self.shape[axis];
            if len <= 1 {
                continue;
            }
            let stride = self.strides[axis].unsigned_abs();
            if stride < span {
                return Err(ViewError::Aliasing { axis, stride, span });
            }
            // Fits: bounded by the layout's extent (invariant 2).
            span += (len - 1) * stride;
        }
        Ok(())
    }

    /// Whether elements follow each other in C order with no gaps (axes of length 1 and empty
    /// layouts do not count against it).
    #[must_use]
    pub fn is_c_contiguous(&self) -> bool {
        self.is_contiguous_in((0..D).rev())
    }

    /// Whether elements follow each other in Fortran order with no gaps.
    #[must_use]
    pub fn is_f_contiguous(&self) -> bool {
        self.is_contiguous_in(0..D)
    }

    fn is_contiguous_in(&self, fastest_first: impl Iterator<Item = usize>) -> bool {
        if self.is_empty() {
            return true;
        }
        let mut expected: isize = 1;
        for axis in fastest_first {
            let len = self.shape[axis];
            if len != 1 {
                if self.strides[axis] != expected {
                    return false;
                }
                expected *= len as isize;
            }
        }
        true
    }

    /// Slices one axis; returns the new layout and the offset of its first element.
    pub(crate) fn slice_axis(&self, axis: usize, slice: Slice) -> Result<(Self, isize)> {
        self.check_axis(axis)?;
        let r = slice.resolve(axis, self.shape[axis])?;
        let mut out = *self;
        out.shape[axis] = r.len;
        if r.len > 1 {
            // The product stays within the old extent (it reaches an element of the old axis),
            // but the checked form also keeps absurd steps from overflowing.
            out.strides[axis] = self.strides[axis]
                .checked_mul(r.step)
                .filter(|&s| s != isize::MIN) // must stay negatable (see `new`)
                .ok_or(ViewError::StrideOverflow {
                    axis,
                    len: r.len,
                    stride: self.strides[axis],
                })?;
        }
        // An empty result keeps its pointer on the old first element.
        let offset = if out.is_empty() {
            0
        } else {
            r.start as isize * self.strides[axis]
        };
        Ok((out, offset))
    }

    /// Splits `axis` before `index`: `[0, index)` and `[index, len)`, plus the second part's
    /// offset. The parts address disjoint element sets.
    pub(crate) fn split_axis(&self, axis: usize, index: usize) -> Result<(Self, Self, isize)> {
        self.check_axis(axis)?;
        let len = self.shape[axis];
        if index > len {
            return Err(ViewError::IndexOutOfRange {
                axis,
                index: isize::try_from(index).unwrap_or(isize::MAX),
                len,
            });
        }
        let (mut first, mut second) = (*self, *self);
        first.shape[axis] = index;
        second.shape[axis] = len - index;
        let offset = if second.is_empty() {
            0
        } else {
            index as isize * self.strides[axis]
        };
        Ok((first, second, offset))
    }

    /// The innermost lane through `index` (its last component ignored) and its offset.
    pub(crate) fn lane(&self, mut index: [usize; D]) -> Option<(Layout<1>, isize)> {
        let inner = D - 1;
        index[inner] = 0;
        let layout = Layout {
            shape: [self.shape[inner]],
            strides: [self.strides[inner]],
        };
        if self.shape[inner] == 0 {
            let outer_ok = (0..inner).all(|a| index[a] < self.shape[a]);
            return outer_ok.then_some((layout, 0));
        }
        Some((layout, self.offset_of(index)?))
    }

    /// Steps `index` to the next lane in C order: an odometer over the outer axes, the last
    /// outer axis fastest (the innermost component is left alone).
    pub(crate) fn advance_lane(&self, index: &mut [usize; D]) {
        for axis in (0..D - 1).rev() {
            index[axis] += 1;
            if index[axis] < self.shape[axis] {
                return;
            }
            index[axis] = 0;
        }
    }

    /// The same elements as a 2-D `[outer, inner]` layout, if adjacent axes merge into at most
    /// two (axis `k` merges into `k + 1` when `stride[k] == stride[k + 1] * len[k + 1]`; axes
    /// of length 1 drop out). Index order is kept: C order over `self` is C order over the
    /// result, so the relabelling is a bijection.
    pub(crate) fn merged2(&self) -> Option<Layout<2>> {
        merge_into_two([self]).map(|[l]| l)
    }

    /// Removes `axis` by fixing it at `index`; `E` must be `D - 1`.
    pub(crate) fn index_axis<const E: usize>(
        &self,
        axis: usize,
        index: usize,
    ) -> Result<(Layout<E>, isize)> {
        const { assert!(E + 1 == D, "index_axis removes exactly one axis") };
        self.check_axis(axis)?;
        let len = self.shape[axis];
        if index >= len {
            return Err(ViewError::IndexOutOfRange {
                axis,
                index: isize::try_from(index).unwrap_or(isize::MAX),
                len,
            });
        }
        let keep = |k: usize| if k < axis { k } else { k + 1 };
        let out = Layout {
            shape: core::array::from_fn(|k| self.shape[keep(k)]),
            strides: core::array::from_fn(|k| self.strides[keep(k)]),
        };
        // An empty result reaches nothing, and its offset would be unchecked arithmetic.
        let offset = if out.is_empty() {
            0
        } else {
            index as isize * self.strides[axis]
        };
        Ok((out, offset))
    }

    /// Reorders the axes: axis `k` of the result is axis `axes[k]` of `self`.
    pub(crate) fn permuted(&self, axes: [usize; D]) -> Result<Self> {
        let mut seen = [false; D];
        for &axis in &axes {
            self.check_axis(axis)?;
            if core::mem::replace(&mut seen[axis], true) {
                return Err(ViewError::DuplicateAxis { axis });
            }
        }
        Ok(Layout {
            shape: axes.map(|a| self.shape[a]),
            strides: axes.map(|a| self.strides[a]),
        })
    }

    /// The same layout typed with rank `E`, when `E == D` (code written for one rank, reached
    /// from code generic over it); `None` otherwise.
    pub(crate) fn with_rank<const E: usize>(&self) -> Option<Layout<E>> {
        Some(Layout {
            shape: self.shape.as_slice().try_into().ok()?,
            strides: self.strides.as_slice().try_into().ok()?,
        })
    }

    /// The C-contiguous layout of `shape` over the same elements; `self` must be C-contiguous.
    pub(crate) fn reshaped<const E: usize>(&self, shape: [usize; E]) -> Result<Layout<E>> {
        let out = Layout::c_order(shape)?;
        if out.len() != self.len() {
            return Err(ViewError::ReshapeCount {
                from: self.len(),
                to: out.len(),
            });
        }
        if !self.is_c_contiguous() {
            return Err(ViewError::NotContiguous {
                operation: "reshape (C order)",
            });
        }
        Ok(out)
    }

    /// Reinterprets elements of `from` bytes as elements of `to` bytes, NumPy's `.view(dtype)`
    /// rule: the innermost axis must be contiguous and is rescaled; every other stride must be
    /// a whole number of new elements.
    pub(crate) fn cast(&self, from: usize, to: usize) -> Result<Self> {
        if from == to {
            return Ok(*self);
        }
        let inner = D - 1;
        let mut out = *self;
        let len = self.shape[inner];
        if len > 1 && self.strides[inner] != 1 {
            return Err(ViewError::NotContiguous {
                operation: "a cast to another itemsize (innermost axis)",
            });
        }
        // Fits: a non-empty innermost axis lies inside a buffer of at most isize::MAX bytes.
        let bytes = len
            .checked_mul(from)
            .ok_or(ViewError::SizeOverflow { axis: inner, len })?;
        if bytes % to != 0 {
            return Err(ViewError::ItemSizeMismatch {
                axis: inner,
                bytes,
                itemsize: to,
            });
        }
        out.shape[inner] = bytes / to;
        out.strides[inner] = 1;
        for axis in 0..inner {
            if self.shape[axis] <= 1 || self.is_empty() {
                // Strides that step to no element (a length-1 axis, or any axis of an empty
                // view) are never used, so they need not divide.
                out.strides[axis] = 0;
                continue;
            }
            let stride = self.strides[axis];
            let byte_stride =
                stride
                    .checked_mul(from as isize)
                    .ok_or(ViewError::StrideOverflow {
                        axis,
                        len: self.shape[axis],
                        stride,
                    })?;
            if byte_stride % to as isize != 0 {
                return Err(ViewError::ItemSizeMismatch {
                    axis,
                    bytes: byte_stride.unsigned_abs(),
                    itemsize: to,
                });
            }
            out.strides[axis] = byte_stride / to as isize;
        }
        // Re-validate: a stride of 0 on a length-1 axis and the new lengths keep invariant 2.
        Layout::new(out.shape, out.strides)
    }

    fn check_axis(&self, axis: usize) -> Result<()> {
        if axis < D {
            Ok(())
        } else {
            Err(ViewError::AxisOutOfRange { axis, ndim: D })
        }
    }

    /// The index whose element is at `offset` (the inverse of [`offset_of`](Self::offset_of)),
    /// or `None` if no index reaches it.
    ///
    /// ```
    /// use viewlib::Layout;
    /// let flipped_rows = Layout::new([3, 4, 3], [-12, 3, 1])?; // rows bottom to top
    /// assert_eq!(flipped_rows.index_of(12), None); // past the last element
    /// assert_eq!(flipped_rows.index_of(-24 + 3 + 2), Some([2, 1, 2]));
    /// assert_eq!(flipped_rows.offset_of([2, 1, 2]), Some(-24 + 3 + 2));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn index_of(&self, offset: isize) -> Option<[usize; D]> {
        // Unravel from the lowest element with absolute strides, largest first, then map
        // flipped axes back. Verified at the end, so a layout where this greedy walk fails
        // (axes that interleave) answers `None`, never a wrong index.
        let (low, _) = self.extent()?;
        let mut rest = offset.checked_sub(low)?;
        let mut axes: [usize; D] = core::array::from_fn(|a| a);
        axes.sort_unstable_by_key(|&a| core::cmp::Reverse(self.strides[a].unsigned_abs()));
        let mut index = [0usize; D];
        for axis in axes {
            let (len, stride) = (self.shape[axis], self.strides[axis].unsigned_abs() as isize);
            if stride == 0 || len == 1 {
                continue;
            }
            let k = (rest / stride).min(len as isize - 1);
            if k < 0 {
                return None;
            }
            rest -= k * stride;
            index[axis] = if self.strides[axis] < 0 {
                len - 1 - k as usize
            } else {
                k as usize
            };
        }
        (rest == 0 && self.offset_of(index) == Some(offset)).then_some(index)
    }

    /// The element offsets the layout reaches, as runs of consecutive elements: adjacent
    /// elements merged, each element once (a zero-stride axis repeats nothing). Runs come
    /// in increasing order whenever the axes nest, which every layout sliced, flipped,
    /// transposed or split from a contiguous one does.
    ///
    /// ```
    /// use viewlib::Layout;
    /// let crop = Layout::new([2, 2, 3], [15, 3, 1])?; // 2x2 RGB pixels of a 5-wide image
    /// assert_eq!(crop.element_runs().collect::<Vec<_>>(), [0..6, 15..21]);
    /// let mirrored = Layout::new([2, 3], [3, -1])?;
    /// assert_eq!(mirrored.element_runs().collect::<Vec<_>>(), [-2..4]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn element_runs(&self) -> ElementRuns<D> {
        ElementRuns::new(self)
    }
}

/// The runs of [`Layout::element_runs`]: an odometer over the axes that do not merge into
/// the run, slowest first.
#[derive(Debug, Clone)]
pub struct ElementRuns<const D: usize> {
    /// Offset of the lowest element.
    base: isize,
    /// Outer axes, slowest first: lengths and (positive) strides; `outer` of them are used.
    lens: [usize; D],
    strides: [isize; D],
    outer: usize,
    /// The odometer, `None` when done.
    counter: Option<[usize; D]>,
    /// Elements per run.
    run: isize,
    /// A run read ahead, to merge with the next when they touch.
    ahead: Option<core::ops::Range<isize>>,
}

impl<const D: usize> ElementRuns<D> {
    fn new(layout: &Layout<D>) -> Self {
        let Some((low, _)) = layout.extent() else {
            return ElementRuns {
                base: 0,
                lens: [0; D],
                strides: [0; D],
                outer: 0,
                counter: None,
                run: 0,
                ahead: None,
            };
        };
        // Axes that move (length over 1, stride not 0), by stride, largest first, all made
        // to run forwards from the lowest element.
        let mut axes: [(usize, isize); D] = [(1, 0); D];
        let mut moving = 0;
        for (&len, &stride) in layout.shape.iter().zip(&layout.strides) {
            if len > 1 && stride != 0 {
                axes[moving] = (len, stride.abs());
                moving += 1;
            }
        }
        axes[..moving].sort_unstable_by_key(|&(_, stride)| core::cmp::Reverse(stride));
        // Fold the fastest axes into the run while they continue it.
        let mut run: isize = 1;
        while moving > 0 && axes[moving - 1].1 == run {
            // Fits: the run stays inside the layout's extent (invariant 2).
            run *= axes[moving - 1].0 as isize;
            moving -= 1;
        }
        let mut lens = [0; D];
        let mut strides = [0; D];
        for (k, &(len, stride)) in axes[..moving].iter().enumerate() {
            lens[k] = len;
            strides[k] = stride;
        }
        ElementRuns {
            base: low,
            lens,
            strides,
            outer: moving,
            counter: Some([0; D]),
            run,
            ahead: None,
        }
    }

    /// The next run of the odometer, before merging.
    fn next_unmerged(&mut self) -> Option<core::ops::Range<isize>> {
        let counter = self.counter.as_mut()?;
        let start = self.base
            + (0..self.outer)
                .map(|k| counter[k] as isize * self.strides[k])
                .sum::<isize>();
        // Advance the odometer, fastest axis last.
        let mut axis = self.outer;
        loop {
            if axis == 0 {
                self.counter = None;
                break;
            }
            axis -= 1;
            counter[axis] += 1;
            if counter[axis] < self.lens[axis] {
                break;
            }
            counter[axis] = 0;
        }
        Some(start..start + self.run)
    }
}

impl<const D: usize> Iterator for ElementRuns<D> {
    type Item = core::ops::Range<isize>;

    fn next(&mut self) -> Option<Self::Item> {
        // Axes that do not fold into the run can still place runs end to end (a slice with
        // steps): merge those here.
        let mut run = self.ahead.take().or_else(|| self.next_unmerged())?;
        while let Some(next) = self.next_unmerged() {
            if next.start == run.end {
                run.end = next.end;
            } else {
                self.ahead = Some(next);
                break;
            }
        }
        Some(run)
    }
}

/// [`Layout::merged2`] for several layouts of one shape at once: an axis merges only where it
/// merges in every layout, so row `i` of each result covers the same C-order indices.
pub(crate) fn merge_into_two<const D: usize, const N: usize>(
    layouts: [&Layout<D>; N],
) -> Option<[Layout<2>; N]> {
    let first = layouts.first()?;
    let shape = first.shape;
    debug_assert!(layouts.iter().all(|l| l.shape == shape));
    if first.is_empty() {
        return Some(
            [Layout {
                shape: [0, 0],
                strides: [0, 1],
            }; N],
        );
    }
    // Merged groups, innermost first: length and each layout's stride.
    let mut lens = [1usize; 2];
    let mut strides = [[1isize; 2]; N];
    let mut count = 0;
    for axis in (0..D).rev() {
        let len = shape[axis];
        if len == 1 {
            continue;
        }
        // Fits: both sides address elements of each layout (invariant 2).
        let merges = count > 0
            && (0..N).all(|k| {
                layouts[k].strides[axis] == strides[k][count - 1] * lens[count - 1] as isize
            });
        if merges {
            lens[count - 1] *= len;
            continue;
        }
        if count == 2 {
            return None;
        }
        lens[count] = len;
        for k in 0..N {
            strides[k][count] = layouts[k].strides[axis];
        }
        count += 1;
    }
    Some(core::array::from_fn(|k| Layout {
        shape: [lens[1], lens[0]],
        strides: [strides[k][1], strides[k][0]],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_and_f_order() {
        let c = Layout::c_order([2, 3, 4]).unwrap();
        assert_eq!(c.strides(), [12, 4, 1]);
        assert!(c.is_c_contiguous() && !c.is_f_contiguous());
        let f = Layout::f_order([2, 3, 4]).unwrap();
        assert_eq!(f.strides(), [1, 2, 6]);
        assert!(f.is_f_contiguous() && !f.is_c_contiguous());
        assert_eq!(c.len(), 24);
        assert_eq!(c.extent(), Some((0, 23)));
        let empty = Layout::c_order([0, 5]).unwrap();
        assert!(empty.is_empty() && empty.extent().is_none() && empty.is_c_contiguous());
    }

    #[test]
    fn overflow_is_caught() {
        assert_eq!(
            Layout::c_order([usize::MAX, 2]),
            Err(ViewError::SizeOverflow {
                axis: 0,
                len: usize::MAX
            })
        );
        assert_eq!(
            Layout::c_order([1 << 40, 1 << 40]),
            Err(ViewError::SizeOverflow {
                axis: 1,
                len: 1 << 40
            })
        );
        assert!(Layout::c_order([0, usize::MAX]).is_err());
        assert!(Layout::new([2, 2], [isize::MAX, isize::MIN]).is_err());
        assert!(Layout::new([2], [isize::MIN]).is_err());
        // A huge stride on a length-1 axis reaches nothing.
        assert!(Layout::new([1, 2], [isize::MAX, 1]).is_ok());
    }

    #[test]
    fn aliasing_detection() {
        let ok = [
            ([2, 3], [3, 1]),
            ([2, 3], [-3, 1]),
            ([2, 3], [1, 2]),
            ([2, 3], [10, 2]),
            ([1, 3], [0, 1]),
        ];
        for (shape, strides) in ok {
            Layout::new(shape, strides)
                .unwrap()
                .check_no_alias()
                .unwrap();
        }
        let bad = [([2, 3], [0, 1]), ([2, 3], [2, 1]), ([3, 2], [1, 2])];
        for (shape, strides) in bad {
            assert!(matches!(
                Layout::new(shape, strides).unwrap().check_no_alias(),
                Err(ViewError::Aliasing { .. })
            ));
        }
    }

    #[test]
    fn slicing_and_splitting() {
        let l = Layout::c_order([4, 5]).unwrap();
        let (s, off) = l.slice_axis(1, Slice::REVERSED).unwrap();
        assert_eq!((s.shape(), s.strides(), off), ([4, 5], [5, -1], 4));
        let (s, off) = l.slice_axis(0, Slice::from(1..4).step_by(2)).unwrap();
        assert_eq!((s.shape(), s.strides(), off), ([2, 5], [10, 1], 5));
        let (a, b, off) = l.split_axis(0, 1).unwrap();
        assert_eq!((a.shape(), b.shape(), off), ([1, 5], [3, 5], 5));
        assert!(l.split_axis(0, 5).is_err());
        assert_eq!(
            l.slice_axis(2, Slice::FULL),
            Err(ViewError::AxisOutOfRange { axis: 2, ndim: 2 })
        );
        let (row, off) = l.index_axis::<1>(0, 2).unwrap();
        assert_eq!((row.shape(), row.strides(), off), ([5], [1], 10));
        let (col, off) = l.index_axis::<1>(1, 3).unwrap();
        assert_eq!((col.shape(), col.strides(), off), ([4], [5], 3));
        assert_eq!(
            l.permuted([0, 0]),
            Err(ViewError::DuplicateAxis { axis: 0 })
        );
        assert_eq!(l.permuted([1, 0]).unwrap().strides(), [1, 5]);
    }

    #[test]
    fn merging_into_two_axes() {
        let m = |shape: [usize; 3], strides: [isize; 3]| {
            Layout::new(shape, strides)
                .unwrap()
                .merged2()
                .map(|l| (l.shape(), l.strides()))
        };
        // Contiguous: one run.
        assert_eq!(m([4, 5, 3], [15, 3, 1]), Some(([1, 60], [1, 1])));
        // A crop: rows of width * channels.
        assert_eq!(m([2, 3, 4], [40, 4, 1]), Some(([2, 12], [40, 1])));
        // A channel range of full rows: pixels merge, channels do not.
        assert_eq!(m([2, 10, 3], [40, 4, 1]), Some(([20, 3], [4, 1])));
        // A narrower crop of a channel range: three axes stay.
        assert_eq!(m([2, 3, 3], [40, 4, 1]), None);
        // Length-1 axes drop out, empty layouts are trivially mergeable.
        assert_eq!(m([1, 5, 1], [99, 7, 3]), Some(([1, 5], [1, 7])));
        assert_eq!(m([0, 5, 3], [15, 3, 1]), Some(([0, 0], [0, 1])));
        // A crop and its contiguous copy merge the same way: rows of width * channels.
        let crop = Layout::new([2, 3, 4], [40, 4, 1]).unwrap();
        let copy = Layout::c_order([2, 3, 4]).unwrap();
        let [a, b] = merge_into_two([&crop, &copy]).unwrap();
        assert_eq!(
            (a.shape(), a.strides(), b.strides()),
            ([2, 12], [40, 1], [12, 1])
        );
    }

    #[test]
    fn cast_rules() {
        // An RGBA8 image (3 rows, 2 px) as one u32 per pixel.
        let rgba = Layout::c_order([3, 2, 4]).unwrap();
        let px = rgba.cast(1, 4).unwrap();
        assert_eq!((px.shape(), px.strides()), ([3, 2, 1], [2, 1, 1]));
        // 5 i16 -> 10 bytes.
        let b = Layout::c_order([5]).unwrap().cast(2, 1).unwrap();
        assert_eq!(b.shape(), [10]);
        assert_eq!(
            Layout::c_order([3]).unwrap().cast(1, 2),
            Err(ViewError::ItemSizeMismatch {
                axis: 0,
                bytes: 3,
                itemsize: 2
            })
        );
        assert_eq!(
            Layout::new([2, 4], [5, 1]).unwrap().cast(1, 2),
            Err(ViewError::ItemSizeMismatch {
                axis: 0,
                bytes: 5,
                itemsize: 2
            })
        );
        assert!(matches!(
            Layout::new([4], [2]).unwrap().cast(1, 2),
            Err(ViewError::NotContiguous { .. })
        ));
        assert_eq!(
            Layout::c_order([12]).unwrap().reshaped([3, 4]).unwrap(),
            Layout::c_order([3, 4]).unwrap()
        );
        assert_eq!(
            Layout::c_order([12]).unwrap().reshaped([5]),
            Err(ViewError::ReshapeCount { from: 12, to: 5 })
        );
    }
}
