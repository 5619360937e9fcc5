//! Property tests of viewlib against a deliberately simple reference model.
//!
//! The model describes a view as a byte offset into a base buffer, a shape and element strides:
//! element `i` is the item at byte `offset + itemsize * sum(i_k * stride_k)`. Each operation is
//! re-implemented on that description in the most direct way there is (Python slicing by
//! enumerating the indices it takes, contiguity by comparing addresses, aliasing by brute
//! force). Random layouts (negative, zero and gapped strides, random offsets) then go through
//! random chains of operations, and after every step the library must agree with the model on
//! whether the step is valid, on the shape, and on every element.

use std::collections::HashSet;

use proptest::array::uniform3;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use viewlib::{Order, Sample, Slice, U16Be, View, ViewError, ViewMut, s};

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/// Element types the chains move between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dtype {
    U8,
    U16,
    U16Be,
}

impl Dtype {
    fn size(self) -> usize {
        if self == Dtype::U8 { 1 } else { 2 }
    }

    fn align(self) -> usize {
        if self == Dtype::U16 { 2 } else { 1 }
    }

    /// The other native type: what `Step::Cast` turns this one into.
    fn other(self) -> Dtype {
        if self == Dtype::U8 {
            Dtype::U16
        } else {
            Dtype::U8
        }
    }

    fn decode(self, b: &[u8]) -> u16 {
        match self {
            Dtype::U8 => u16::from(b[0]),
            Dtype::U16 => u16::from_ne_bytes([b[0], b[1]]),
            Dtype::U16Be => u16::from_be_bytes([b[0], b[1]]),
        }
    }

    fn encode(self, value: u16) -> Vec<u8> {
        match self {
            Dtype::U8 => vec![value as u8],
            Dtype::U16 => value.to_ne_bytes().to_vec(),
            Dtype::U16Be => value.to_be_bytes().to_vec(),
        }
    }
}

/// A view as the model sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Model {
    dtype: Dtype,
    /// Bytes from the start of the buffer to element `[0, 0, ...]`. Meaningless for an empty
    /// view (nothing is ever read through it), so it is only compared for non-empty views.
    offset: isize,
    shape: Vec<usize>,
    /// In elements of `dtype`.
    strides: Vec<isize>,
}

/// What the model expects of one step.
#[derive(Clone, Debug)]
enum Outcome {
    Valid(Model),
    Invalid,
    /// A cast of an empty view: its element pointer is an implementation detail, so the library
    /// may succeed (giving this model) or refuse with `ViewError::Misaligned`.
    MaybeMisaligned {
        model: Model,
    },
}

/// `range(n)[start:stop:step]` in Python, except that a bound outside the axis is an error
/// instead of being clamped (see `slice.rs`): with a positive step, bounds lie in `0..=n`;
/// with a negative step, explicit bounds must name an element, `0..n`.
fn python_slice(n: usize, s: Slice) -> Option<Vec<usize>> {
    let n = n as isize;
    if s.step == 0 {
        return None;
    }
    let norm = |b: isize| if b < 0 { b + n } else { b };
    let (start, stop) = if s.step > 0 {
        let start = s.start.map_or(0, norm);
        let stop = s.stop.map_or(n, norm);
        if !(0..=n).contains(&start) || !(0..=n).contains(&stop) {
            return None;
        }
        (start, stop)
    } else {
        let start = s.start.map_or(n - 1, norm);
        let stop = s.stop.map_or(-1, norm);
        if s.start.is_some() && !(0..n).contains(&start) {
            return None;
        }
        if s.stop.is_some() && !(0..n).contains(&stop) {
            return None;
        }
        (start, stop)
    };
    let mut taken = vec![];
    let mut i = start;
    while (s.step > 0 && i < stop) || (s.step < 0 && i > stop) {
        taken.push(i as usize);
        i += s.step;
    }
    Some(taken)
}

impl Model {
    fn new(dtype: Dtype, offset_elems: usize, shape: &[usize], strides: &[isize]) -> Model {
        Model {
            dtype,
            offset: (offset_elems * dtype.size()) as isize,
            shape: shape.to_vec(),
            strides: strides.to_vec(),
        }
    }

    fn c_order(dtype: Dtype, shape: &[usize]) -> Model {
        let mut strides = vec![0isize; shape.len()];
        let mut step = 1isize;
        for axis in (0..shape.len()).rev() {
            strides[axis] = step;
            step *= shape[axis].max(1) as isize;
        }
        Model::new(dtype, 0, shape, &strides)
    }

    fn ndim(&self) -> usize {
        self.shape.len()
    }

    fn len(&self) -> usize {
        self.shape.iter().product()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every index, in C order (last axis fastest) or Fortran order (first axis fastest).
    fn indices(&self, order: Order) -> Vec<Vec<usize>> {
        if self.is_empty() {
            return vec![];
        }
        let n = self.ndim();
        let fastest_first: Vec<usize> = match order {
            Order::C => (0..n).rev().collect(),
            Order::F => (0..n).collect(),
        };
        let mut out = vec![];
        let mut index = vec![0; n];
        loop {
            out.push(index.clone());
            let mut carried_out = true;
            for &axis in &fastest_first {
                index[axis] += 1;
                if index[axis] < self.shape[axis] {
                    carried_out = false;
                    break;
                }
                index[axis] = 0;
            }
            if carried_out {
                return out;
            }
        }
    }

    /// Byte address of element `index`, relative to the buffer start.
    fn addr(&self, index: &[usize]) -> isize {
        let elems: isize = index
            .iter()
            .zip(&self.strides)
            .map(|(&i, &s)| i as isize * s)
            .sum();
        self.offset + elems * self.dtype.size() as isize
    }

    fn item<'b>(&self, bytes: &'b [u8], index: &[usize]) -> &'b [u8] {
        let a = self.addr(index) as usize;
        &bytes[a..a + self.dtype.size()]
    }

    fn read(&self, bytes: &[u8], index: &[usize]) -> u16 {
        self.dtype.decode(self.item(bytes, index))
    }

    fn values(&self, bytes: &[u8], order: Order) -> Vec<u16> {
        self.indices(order)
            .iter()
            .map(|i| self.read(bytes, i))
            .collect()
    }

    fn raw_bytes(&self, bytes: &[u8], order: Order) -> Vec<u8> {
        self.indices(order)
            .iter()
            .flat_map(|i| self.item(bytes, i).to_vec())
            .collect()
    }

    /// Whether every element lies inside a buffer of `buffer_bytes` bytes (an empty view only
    /// needs its offset to be at most the buffer's end).
    fn fits(&self, buffer_bytes: usize) -> bool {
        if self.is_empty() {
            return self.offset >= 0 && self.offset as usize <= buffer_bytes;
        }
        let size = self.dtype.size() as isize;
        self.indices(Order::C).iter().all(|i| {
            let a = self.addr(i);
            a >= 0 && a + size <= buffer_bytes as isize
        })
    }

    /// Brute force: do two indices reach the same element?
    fn aliases(&self) -> bool {
        let mut seen = HashSet::new();
        !self
            .indices(Order::C)
            .iter()
            .all(|i| seen.insert(self.addr(i)))
    }

    /// Brute force: are the elements back to back in `order`?
    fn is_contiguous(&self, order: Order) -> bool {
        let indices = self.indices(order);
        let Some(first) = indices.first() else {
            return true;
        };
        let (a0, size) = (self.addr(first), self.dtype.size() as isize);
        indices
            .iter()
            .enumerate()
            .all(|(k, i)| self.addr(i) == a0 + k as isize * size)
    }

    fn slice_axis(&self, axis: usize, s: Slice) -> Option<Model> {
        if axis >= self.ndim() {
            return None;
        }
        let taken = python_slice(self.shape[axis], s)?;
        let mut out = self.clone();
        out.shape[axis] = taken.len();
        if let Some(&first) = taken.first() {
            out.offset += first as isize * self.strides[axis] * self.dtype.size() as isize;
        }
        if taken.len() > 1 {
            out.strides[axis] = (taken[1] as isize - taken[0] as isize) * self.strides[axis];
        }
        Some(out)
    }

    fn permute(&self, axes: &[usize]) -> Option<Model> {
        let n = self.ndim();
        let unique: HashSet<usize> = axes.iter().copied().collect();
        if axes.len() != n || unique.len() != n || axes.iter().any(|&a| a >= n) {
            return None;
        }
        let mut out = self.clone();
        out.shape = axes.iter().map(|&a| self.shape[a]).collect();
        out.strides = axes.iter().map(|&a| self.strides[a]).collect();
        Some(out)
    }

    fn index_axis(&self, axis: usize, i: usize) -> Option<Model> {
        if axis >= self.ndim() || i >= self.shape[axis] {
            return None;
        }
        let mut out = self.clone();
        out.offset += i as isize * self.strides[axis] * self.dtype.size() as isize;
        out.shape.remove(axis);
        out.strides.remove(axis);
        Some(out)
    }

    fn split_at(&self, axis: usize, i: usize) -> Option<(Model, Model)> {
        if axis >= self.ndim() || i > self.shape[axis] {
            return None;
        }
        let (mut first, mut second) = (self.clone(), self.clone());
        first.shape[axis] = i;
        second.shape[axis] -= i;
        second.offset += i as isize * self.strides[axis] * self.dtype.size() as isize;
        Some((first, second))
    }

    /// `[height, width, channels]`: rows `y..y + h`, columns `x..x + w`.
    fn crop(&self, x: usize, y: usize, w: usize, h: usize) -> Option<Model> {
        if x + w > self.shape[1] || y + h > self.shape[0] {
            return None;
        }
        let mut out = self.clone();
        out.shape[0] = h;
        out.shape[1] = w;
        out.offset += (y as isize * self.strides[0] + x as isize * self.strides[1])
            * self.dtype.size() as isize;
        Some(out)
    }

    /// Only a view whose elements are back to back in C order can be reshaped.
    fn reshape(&self, shape: &[usize]) -> Option<Model> {
        if shape.iter().product::<usize>() != self.len() || !self.is_contiguous(Order::C) {
            return None;
        }
        Some(Model {
            offset: self.offset,
            ..Model::c_order(self.dtype, shape)
        })
    }

    /// Reinterpreting the bytes as `to`: the innermost axis must be contiguous and a whole
    /// number of new items long; every other axis that has more than one element must step by a
    /// whole number of new items; the first element must be aligned for `to`.
    fn cast(&self, to: Dtype, base: usize) -> Outcome {
        let (from, size) = (self.dtype.size() as isize, to.size() as isize);
        let aligned = (base as isize + self.offset) % to.align() as isize == 0;
        let mut out = self.clone();
        out.dtype = to;
        if from != size {
            let inner = self.ndim() - 1;
            let len = self.shape[inner];
            if len > 1 && self.strides[inner] != 1 {
                return Outcome::Invalid;
            }
            let bytes = len as isize * from;
            if bytes % size != 0 {
                return Outcome::Invalid;
            }
            out.shape[inner] = (bytes / size) as usize;
            out.strides[inner] = 1;
            for axis in 0..inner {
                // A stride that steps to no element (an axis of one element, or any axis of an
                // empty view) is never used: it need not divide, and the library zeroes it.
                if self.shape[axis] <= 1 || self.is_empty() {
                    out.strides[axis] = 0;
                    continue;
                }
                let byte_stride = self.strides[axis] * from;
                if byte_stride % size != 0 {
                    return Outcome::Invalid;
                }
                out.strides[axis] = byte_stride / size;
            }
        }
        if self.is_empty() {
            Outcome::MaybeMisaligned { model: out }
        } else if aligned {
            Outcome::Valid(out)
        } else {
            Outcome::Invalid
        }
    }

    /// The model's answer to `step`, or `None` if the step does not apply to this rank.
    fn apply(&self, step: &Step, base: usize) -> Option<Outcome> {
        let n = self.ndim();
        let ok = |m: Option<Model>| m.map_or(Outcome::Invalid, Outcome::Valid);
        Some(match step {
            Step::Slice(slices) => {
                let mut m = self.clone();
                for (axis, &s) in slices.iter().enumerate() {
                    match m.slice_axis(axis, s) {
                        Some(next) => m = next,
                        None => return Some(Outcome::Invalid),
                    }
                }
                Outcome::Valid(m)
            }
            &Step::SliceAlong(axis, s) => ok(self.slice_axis(axis, s)),
            &Step::Flip(axis) => ok(self.slice_axis(axis, Slice::REVERSED)),
            Step::FlipHorizontal if n == 3 => ok(self.slice_axis(1, Slice::REVERSED)),
            Step::FlipVertical if n == 3 => ok(self.slice_axis(0, Slice::REVERSED)),
            Step::Permute(axes) => ok(self.permute(axes)),
            Step::ReverseAxes => ok(self.permute(&(0..n).rev().collect::<Vec<_>>())),
            Step::Transpose if n == 3 => ok(self.permute(&[1, 0, 2])),
            Step::Transpose if n == 2 => ok(self.permute(&[1, 0])),
            &Step::Crop([x, y, w, h]) if n == 3 => ok(self.crop(x, y, w, h)),
            &Step::Channel(c) if n == 3 => ok(self.index_axis(2, c)),
            &Step::Row(r) if n >= 2 => ok(self.index_axis(0, r)),
            &Step::Column(c) if n == 2 => ok(self.index_axis(1, c)),
            &Step::Pixel(x, y) if n == 3 => {
                ok(self.index_axis(0, y).and_then(|row| row.index_axis(0, x)))
            }
            &Step::SplitAt {
                axis,
                index,
                second,
            } => ok(self
                .split_at(axis, index)
                .map(|(a, b)| if second { b } else { a })),
            Step::Reshape(shape) => ok(self.reshape(shape)),
            Step::Cast => self.cast(self.dtype.other(), base),
            Step::AsBytes => self.cast(Dtype::U8, base),
            Step::CastShape(shape) => match self.cast(self.dtype.other(), base) {
                Outcome::Valid(m) => ok(m.reshape(shape)),
                Outcome::MaybeMisaligned { model } => model
                    .reshape(shape)
                    .map_or(Outcome::Invalid, |model| Outcome::MaybeMisaligned { model }),
                Outcome::Invalid => Outcome::Invalid,
            },
            _ => return None,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Steps of a chain
// ---------------------------------------------------------------------------------------------

/// One operation of a chain. The `*Seed` variants are what the strategy draws; `resolve` turns
/// them into concrete arguments for the current rank and length.
#[derive(Clone, Debug)]
enum Step {
    /// One slice per axis (the strategy draws three; `resolve` keeps one per axis).
    Slice(Vec<Slice>),
    SliceAlong(usize, Slice),
    Flip(usize),
    FlipHorizontal,
    FlipVertical,
    PermuteSeed {
        seed: usize,
        corrupt: u8,
    },
    Permute(Vec<usize>),
    ReverseAxes,
    Transpose,
    /// `[x, y, width, height]`.
    Crop([usize; 4]),
    Channel(usize),
    Row(usize),
    Column(usize),
    Pixel(usize, usize),
    SplitAt {
        axis: usize,
        index: usize,
        second: bool,
    },
    ReshapeSeed(ReshapeSeed),
    Reshape(Vec<usize>),
    Cast,
    AsBytes,
    CastShapeSeed(ReshapeSeed),
    CastShape(Vec<usize>),
}

#[derive(Clone, Copy, Debug)]
struct ReshapeSeed {
    ndim: usize,
    a: usize,
    b: usize,
    wrong: bool,
}

/// A target shape of `ndim` axes with `len` elements (one more if `wrong`).
fn reshape_target(len: usize, seed: ReshapeSeed) -> Vec<usize> {
    let pick = |n: usize, k: usize| {
        let divisors: Vec<usize> = (1..=n).filter(|&d| n.is_multiple_of(d)).collect();
        divisors[k % divisors.len()]
    };
    let mut target = if len == 0 {
        let mut t = vec![seed.a % 4; seed.ndim];
        t[seed.b % seed.ndim] = 0;
        t
    } else {
        let d1 = pick(len, seed.a);
        let d2 = pick(len / d1, seed.b);
        match seed.ndim {
            1 => vec![len],
            2 => vec![d1, len / d1],
            _ => vec![d1, d2, len / d1 / d2],
        }
    };
    if seed.wrong {
        if len == 0 {
            target = vec![1; seed.ndim];
        } else {
            *target.last_mut().expect("at least one axis") += 1;
        }
    }
    target
}

fn resolve(step: &Step, m: &Model) -> Step {
    let n = m.ndim();
    match step {
        Step::Slice(slices) => Step::Slice(slices[..n].to_vec()),
        &Step::PermuteSeed { seed, corrupt } => {
            let mut pool: Vec<usize> = (0..n).collect();
            let mut perm = vec![];
            let mut s = seed;
            while !pool.is_empty() {
                perm.push(pool.remove(s % pool.len()));
                s /= pool.len().max(1);
            }
            match corrupt {
                0 if n > 1 => perm[1] = perm[0],
                0 | 1 => perm[n - 1] = n,
                _ => {}
            }
            Step::Permute(perm)
        }
        &Step::ReshapeSeed(seed) => Step::Reshape(reshape_target(m.len(), seed)),
        &Step::CastShapeSeed(seed) => {
            let bytes = m.len() * m.dtype.size();
            Step::CastShape(reshape_target(bytes / m.dtype.other().size(), seed))
        }
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// The library side: views of any rank and element type the chains visit
// ---------------------------------------------------------------------------------------------

/// The native sample types of the chains.
trait Num: Sample<Value = Self> {
    const DTYPE: Dtype;
    fn from_u16(v: u16) -> Self;
    fn to_u16(self) -> u16;
}

impl Num for u8 {
    const DTYPE: Dtype = Dtype::U8;
    fn from_u16(v: u16) -> u8 {
        v as u8
    }
    fn to_u16(self) -> u16 {
        u16::from(self)
    }
}

impl Num for u16 {
    const DTYPE: Dtype = Dtype::U16;
    fn from_u16(v: u16) -> u16 {
        v
    }
    fn to_u16(self) -> u16 {
        self
    }
}

/// A `[X; D]` from a slice of length `D`.
fn arr<X: Copy, const D: usize>(items: &[X]) -> [X; D] {
    items.try_into().expect("one item per axis")
}

/// Applies `$e` (with `$x` bound to the inner view) to whichever variant `$v` is, and wraps
/// the `Result` back into the same variant.
macro_rules! same {
    ($Any:ident, $v:expr, $x:ident => $e:expr) => {
        match $v {
            $Any::B1($x) => $e.map($Any::B1),
            $Any::B2($x) => $e.map($Any::B2),
            $Any::B3($x) => $e.map($Any::B3),
            $Any::W1($x) => $e.map($Any::W1),
            $Any::W2($x) => $e.map($Any::W2),
            $Any::W3($x) => $e.map($Any::W3),
        }
    };
}

/// Evaluates `$e` with `$x` bound to the inner view, whatever the variant.
macro_rules! each {
    ($Any:ident, $v:expr, $x:ident => $e:expr) => {
        match $v {
            $Any::B1($x) => $e,
            $Any::B2($x) => $e,
            $Any::B3($x) => $e,
            $Any::W1($x) => $e,
            $Any::W2($x) => $e,
            $Any::W3($x) => $e,
        }
    };
}

/// Evaluates `$e` with `$shape` bound to `$target` as an array of its length (1 to 3), and
/// wraps the result in the matching variant.
macro_rules! by_rank {
    ($target:expr, $shape:ident => $e:expr, $x1:path, $x2:path, $x3:path) => {
        match $target.len() {
            1 => {
                let $shape = arr::<usize, 1>($target);
                $e.map($x1)
            }
            2 => {
                let $shape = arr::<usize, 2>($target);
                $e.map($x2)
            }
            _ => {
                let $shape = arr::<usize, 3>($target);
                $e.map($x3)
            }
        }
    };
}

macro_rules! any_view {
    ($Any:ident, $V:ident) => {
        /// A library view of rank 1 to 3 over `u8` (`B`) or `u16` (`W`) samples.
        #[derive(Debug)]
        enum $Any<'a> {
            B1($V<'a, u8, 1>),
            B2($V<'a, u8, 2>),
            B3($V<'a, u8, 3>),
            W1($V<'a, u16, 1>),
            W2($V<'a, u16, 2>),
            W3($V<'a, u16, 3>),
        }

        impl<'a> $Any<'a> {
            /// The library's answer to `step`, or `None` if the step does not apply.
            fn apply(self, step: &Step) -> Option<Result<$Any<'a>, ViewError>> {
                use $Any::{B1, B2, B3, W1, W2, W3};
                Some(match (step, self) {
                    (Step::Slice(s), v) => same!($Any, v, x => x.slice(arr(s))),
                    (&Step::SliceAlong(axis, s), v) => same!($Any, v, x => x.slice_along(axis, s)),
                    (&Step::Flip(axis), v) => same!($Any, v, x => x.flip(axis)),
                    (Step::FlipHorizontal, B3(x)) => Ok(B3(x.flip_horizontal())),
                    (Step::FlipHorizontal, W3(x)) => Ok(W3(x.flip_horizontal())),
                    (Step::FlipVertical, B3(x)) => Ok(B3(x.flip_vertical())),
                    (Step::FlipVertical, W3(x)) => Ok(W3(x.flip_vertical())),
                    (Step::Permute(p), v) => same!($Any, v, x => x.permute_axes(arr(p))),
                    (Step::ReverseAxes, v) => {
                        same!($Any, v, x => Ok::<_, ViewError>(x.reverse_axes()))
                    }
                    (Step::Transpose, B2(x)) => Ok(B2(x.transpose())),
                    (Step::Transpose, B3(x)) => Ok(B3(x.transpose())),
                    (Step::Transpose, W2(x)) => Ok(W2(x.transpose())),
                    (Step::Transpose, W3(x)) => Ok(W3(x.transpose())),
                    (&Step::Crop([cx, cy, w, h]), B3(x)) => x.crop(cx, cy, w, h).map(B3),
                    (&Step::Crop([cx, cy, w, h]), W3(x)) => x.crop(cx, cy, w, h).map(W3),
                    (&Step::Channel(c), B3(x)) => x.channel(c).map(B2),
                    (&Step::Channel(c), W3(x)) => x.channel(c).map(W2),
                    (&Step::Row(r), B3(x)) => x.row(r).map(B2),
                    (&Step::Row(r), W3(x)) => x.row(r).map(W2),
                    (&Step::Row(r), B2(x)) => x.row(r).map(B1),
                    (&Step::Row(r), W2(x)) => x.row(r).map(W1),
                    (&Step::Column(c), B2(x)) => x.column(c).map(B1),
                    (&Step::Column(c), W2(x)) => x.column(c).map(W1),
                    (&Step::Pixel(px, py), B3(x)) => x.pixel(px, py).map(B1),
                    (&Step::Pixel(px, py), W3(x)) => x.pixel(px, py).map(W1),
                    (
                        &Step::SplitAt {
                            axis,
                            index,
                            second,
                        },
                        v,
                    ) => same!($Any, v, x => x
                        .split_at(axis, index)
                        .map(|(a, b)| if second { b } else { a })),
                    (Step::Reshape(t), B1(x)) => by_rank!(t, s => x.reshape(s), B1, B2, B3),
                    (Step::Reshape(t), B2(x)) => by_rank!(t, s => x.reshape(s), B1, B2, B3),
                    (Step::Reshape(t), B3(x)) => by_rank!(t, s => x.reshape(s), B1, B2, B3),
                    (Step::Reshape(t), W1(x)) => by_rank!(t, s => x.reshape(s), W1, W2, W3),
                    (Step::Reshape(t), W2(x)) => by_rank!(t, s => x.reshape(s), W1, W2, W3),
                    (Step::Reshape(t), W3(x)) => by_rank!(t, s => x.reshape(s), W1, W2, W3),
                    (Step::Cast, B1(x)) => x.cast::<u16>().map(W1),
                    (Step::Cast, B2(x)) => x.cast::<u16>().map(W2),
                    (Step::Cast, B3(x)) => x.cast::<u16>().map(W3),
                    (Step::Cast, W1(x)) => x.cast::<u8>().map(B1),
                    (Step::Cast, W2(x)) => x.cast::<u8>().map(B2),
                    (Step::Cast, W3(x)) => x.cast::<u8>().map(B3),
                    (Step::AsBytes, B1(x)) => x.as_bytes().map(B1),
                    (Step::AsBytes, B2(x)) => x.as_bytes().map(B2),
                    (Step::AsBytes, B3(x)) => x.as_bytes().map(B3),
                    (Step::AsBytes, W1(x)) => x.as_bytes().map(B1),
                    (Step::AsBytes, W2(x)) => x.as_bytes().map(B2),
                    (Step::AsBytes, W3(x)) => x.as_bytes().map(B3),
                    (Step::CastShape(t), B1(x)) => by_rank!(t, s => x.cast_shape(s), W1, W2, W3),
                    (Step::CastShape(t), B2(x)) => by_rank!(t, s => x.cast_shape(s), W1, W2, W3),
                    (Step::CastShape(t), B3(x)) => by_rank!(t, s => x.cast_shape(s), W1, W2, W3),
                    (Step::CastShape(t), W1(x)) => by_rank!(t, s => x.cast_shape(s), B1, B2, B3),
                    (Step::CastShape(t), W2(x)) => by_rank!(t, s => x.cast_shape(s), B1, B2, B3),
                    (Step::CastShape(t), W3(x)) => by_rank!(t, s => x.cast_shape(s), B1, B2, B3),
                    _ => return None,
                })
            }
        }
    };
}

any_view!(Any, View);
any_view!(AnyMut, ViewMut);

impl Clone for Any<'_> {
    fn clone(&self) -> Self {
        *self
    }
}
impl Copy for Any<'_> {}

impl<'a> Any<'a> {
    fn build(case: &LayoutCase, backing: &'a [u16]) -> Result<Any<'a>, ViewError> {
        let (shape, strides, offset) = (case.shape, case.strides, case.offset);
        match case.dtype {
            Dtype::U8 => {
                let bytes = &bytemuck::cast_slice::<u16, u8>(backing)[..case.len];
                View::from_slice_with_strides(bytes, shape, strides, offset).map(Any::B3)
            }
            _ => View::from_slice_with_strides(&backing[..case.len], shape, strides, offset)
                .map(Any::W3),
        }
    }

    /// Every read-only observation of the view, compared with the model.
    fn check(&self, m: &Model, bytes: &[u8]) {
        each!(Any, *self, x => check_view(x, m, bytes));
        let want = m.values(bytes, Order::C);
        let listed = match *self {
            Any::B1(x) => list1(x.to_list()),
            Any::W1(x) => list1(x.to_list()),
            Any::B2(x) => list2(x.to_list(), &m.shape),
            Any::W2(x) => list2(x.to_list(), &m.shape),
            Any::B3(x) => list3(x.to_list(), &m.shape),
            Any::W3(x) => list3(x.to_list(), &m.shape),
        };
        assert_eq!(listed, want, "to_list of {m:?}");
    }
}

impl<'a> AnyMut<'a> {
    fn build(case: &LayoutCase, backing: &'a mut [u16]) -> Result<AnyMut<'a>, ViewError> {
        let (shape, strides, offset) = (case.shape, case.strides, case.offset);
        match case.dtype {
            Dtype::U8 => {
                let bytes = &mut bytemuck::cast_slice_mut::<u16, u8>(backing)[..case.len];
                ViewMut::from_slice_with_strides(bytes, shape, strides, offset).map(AnyMut::B3)
            }
            _ => ViewMut::from_slice_with_strides(&mut backing[..case.len], shape, strides, offset)
                .map(AnyMut::W3),
        }
    }

    fn reborrow(&mut self) -> AnyMut<'_> {
        match self {
            AnyMut::B1(x) => AnyMut::B1(x.reborrow()),
            AnyMut::B2(x) => AnyMut::B2(x.reborrow()),
            AnyMut::B3(x) => AnyMut::B3(x.reborrow()),
            AnyMut::W1(x) => AnyMut::W1(x.reborrow()),
            AnyMut::W2(x) => AnyMut::W2(x.reborrow()),
            AnyMut::W3(x) => AnyMut::W3(x.reborrow()),
        }
    }

    fn view(&self) -> Any<'_> {
        match self {
            AnyMut::B1(x) => Any::B1(x.view()),
            AnyMut::B2(x) => Any::B2(x.view()),
            AnyMut::B3(x) => Any::B3(x.view()),
            AnyMut::W1(x) => Any::W1(x.view()),
            AnyMut::W2(x) => Any::W2(x.view()),
            AnyMut::W3(x) => Any::W3(x.view()),
        }
    }

    fn passes_alias_check(&self) -> bool {
        each!(AnyMut, self, x => x.layout().check_no_alias().is_ok())
    }

    fn write(&mut self, m: &Model, how: Write, salt: u16) {
        each!(AnyMut, self, x => write_all(x, m, how, salt))
    }
}

fn list1<T: Num>(list: Vec<T>) -> Vec<u16> {
    list.into_iter().map(Num::to_u16).collect()
}

fn list2<T: Num>(list: Vec<Vec<T>>, shape: &[usize]) -> Vec<u16> {
    assert_eq!(list.len(), shape[0], "to_list rows of {shape:?}");
    list.into_iter()
        .flat_map(|row| {
            assert_eq!(row.len(), shape[1], "to_list row length of {shape:?}");
            list1(row)
        })
        .collect()
}

fn list3<T: Num>(list: Vec<Vec<Vec<T>>>, shape: &[usize]) -> Vec<u16> {
    assert_eq!(list.len(), shape[0], "to_list rows of {shape:?}");
    list.into_iter()
        .flat_map(|row| list2(row, &shape[1..]))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares everything a read-only view reports with the model.
fn check_view<T: Num, const D: usize>(v: View<'_, T, D>, m: &Model, bytes: &[u8]) {
    assert_eq!(T::DTYPE, m.dtype);
    assert_eq!(v.shape().as_slice(), m.shape.as_slice(), "shape of {m:?}");
    assert_eq!((v.len(), v.is_empty()), (m.len(), m.is_empty()), "{m:?}");
    let want = m.values(bytes, Order::C);
    for (index, &w) in m.indices(Order::C).iter().zip(&want) {
        let i: [usize; D] = arr(index);
        assert_eq!(v.get(i).map(Num::to_u16), Some(w), "{index:?} of {m:?}");
        assert_eq!(v.try_get(i).map(Num::to_u16), Ok(w), "{index:?} of {m:?}");
        assert_eq!(v[i].to_u16(), w, "{index:?} of {m:?}");
    }
    for axis in 0..D {
        let mut outside = [0; D];
        outside[axis] = m.shape[axis];
        assert!(v.get(outside).is_none(), "{outside:?} of {m:?}");
        assert!(
            matches!(v.try_get(outside), Err(ViewError::IndexOutOfRange { .. })),
            "{outside:?} of {m:?}"
        );
    }
    assert_eq!(list1(v.to_vec()), want, "to_vec of {m:?}");
    assert_eq!(list1(v.values().collect()), want, "values of {m:?}");
    assert_eq!(list1(v.iter().copied().collect()), want, "iter of {m:?}");
    let lanes: Vec<u16> = v.lanes().flat_map(|lane| list1(lane.to_vec())).collect();
    assert_eq!(lanes, want, "lanes of {m:?}");
    let lane_count = if m.is_empty() {
        0
    } else {
        m.len() / m.shape[D - 1]
    };
    assert_eq!(v.lanes().len(), lane_count, "lane count of {m:?}");
    let c_bytes = m.raw_bytes(bytes, Order::C);
    assert_eq!(v.to_bytes(Order::C), c_bytes, "to_bytes(C) of {m:?}");
    assert_eq!(
        v.to_bytes(Order::F),
        m.raw_bytes(bytes, Order::F),
        "to_bytes(F) of {m:?}"
    );
    assert_eq!(v.hex(), hex(&c_bytes), "hex of {m:?}");
    assert_eq!(v.is_c_contiguous(), m.is_contiguous(Order::C), "{m:?}");
    assert_eq!(v.is_f_contiguous(), m.is_contiguous(Order::F), "{m:?}");
    assert_eq!(
        v.as_slice().map(|s| list1(s.to_vec())),
        m.is_contiguous(Order::C).then(|| want.clone()),
        "as_slice of {m:?}"
    );
    if !m.is_empty() {
        assert_eq!(v.offset_bytes() as isize, m.offset, "offset of {m:?}");
        for axis in (0..D).filter(|&a| m.shape[a] > 1) {
            assert_eq!(v.strides()[axis], m.strides[axis], "stride {axis} of {m:?}");
        }
    }
    let values = v.to_vec();
    let copy = View::from_slice(&values, v.shape()).expect("a C-order copy");
    assert!(v == copy, "a view equals its copy: {m:?}");
}

/// How a writable chain writes its final view.
#[derive(Clone, Copy, Debug)]
enum Write {
    Set,
    TrySet,
    IndexMut,
    GetMut,
    IterMut,
    LanesMut,
    AsSliceMut,
    Assign,
    Fill,
}

impl Write {
    /// The value written at the `k`-th index in C order: distinct for `k < 256` even as bytes.
    fn value(self, k: usize, salt: u16) -> u16 {
        match self {
            Write::Fill => salt,
            _ => (k as u16).wrapping_mul(40503).wrapping_add(salt),
        }
    }
}

fn write_all<T: Num, const D: usize>(v: &mut ViewMut<'_, T, D>, m: &Model, how: Write, salt: u16) {
    let indices = m.indices(Order::C);
    let values: Vec<T> = (0..indices.len())
        .map(|k| T::from_u16(how.value(k, salt)))
        .collect();
    let pairs = indices
        .iter()
        .map(|i| arr::<usize, D>(i))
        .zip(values.iter().copied());
    match how {
        Write::Set => pairs.for_each(|(i, x)| v.set(i, x)),
        Write::TrySet => pairs.for_each(|(i, x)| v.try_set(i, x).expect("in range")),
        Write::IndexMut => pairs.for_each(|(i, x)| v[i] = x),
        Write::GetMut => pairs.for_each(|(i, x)| *v.get_mut(i).expect("in range") = x),
        Write::IterMut => {
            assert_eq!(v.iter_mut().count(), values.len());
            v.iter_mut().zip(&values).for_each(|(d, &x)| *d = x);
        }
        Write::LanesMut => {
            let mut source = values.iter();
            for mut lane in v.lanes_mut() {
                for d in lane.iter_mut() {
                    *d = *source.next().expect("one value per element");
                }
            }
            assert!(source.next().is_none(), "lanes_mut covers every element");
        }
        Write::AsSliceMut => {
            let contiguous = m.is_contiguous(Order::C);
            match v.as_slice_mut() {
                Some(slice) => {
                    assert!(contiguous, "as_slice_mut of a non-contiguous {m:?}");
                    slice.copy_from_slice(&values);
                }
                None => {
                    assert!(!contiguous, "no as_slice_mut for a contiguous {m:?}");
                    pairs.for_each(|(i, x)| v.set(i, x));
                }
            }
        }
        Write::Assign => {
            let source = View::from_slice(&values, v.shape()).expect("a C-order source");
            v.copy_from(source).expect("shapes match");
        }
        Write::Fill => v.fill(T::from_u16(salt)),
    }
    for axis in 0..D {
        let mut outside = [0; D];
        outside[axis] = m.shape[axis];
        assert!(v.try_set(outside, T::from_u16(0)).is_err());
        assert!(v.get_mut(outside).is_none());
    }
}

// ---------------------------------------------------------------------------------------------
// Random layouts and chains
// ---------------------------------------------------------------------------------------------

/// A 3-D layout over a buffer of `len` elements of `dtype`, whose contents come from `seed`.
#[derive(Clone, Debug)]
struct LayoutCase {
    dtype: Dtype,
    shape: [usize; 3],
    strides: [isize; 3],
    offset: usize,
    len: usize,
    /// Built so that no two indices alias and the documented check accepts it.
    must_accept: bool,
    seed: u64,
}

#[derive(Clone, Debug)]
enum StrideSpec {
    /// Axes nested slowest to fastest in `order`, each with `pads` extra elements of gap,
    /// flipped where `neg`: never aliasing (C order when all is plain).
    Packed {
        order: Vec<usize>,
        pads: [usize; 3],
        neg: [bool; 3],
    },
    Random([isize; 3]),
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl LayoutCase {
    fn build(
        dtype: Dtype,
        shape: [usize; 3],
        spec: StrideSpec,
        off_extra: usize,
        len_extra: isize,
        seed: u64,
    ) -> LayoutCase {
        let (strides, packed) = match spec {
            StrideSpec::Packed { order, pads, neg } => {
                let mut strides = [0isize; 3];
                let mut span = 1isize;
                for &axis in order.iter().rev() {
                    let stride = span + pads[axis] as isize;
                    strides[axis] = if neg[axis] { -stride } else { stride };
                    span = stride * shape[axis].max(1) as isize;
                }
                (strides, true)
            }
            StrideSpec::Random(strides) => (strides, false),
        };
        let (offset, needed) = if shape.contains(&0) {
            (off_extra, off_extra as isize)
        } else {
            let reach = |neg: bool| -> isize {
                (0..3)
                    .map(|a| (shape[a] as isize - 1) * strides[a])
                    .filter(|&r| (r < 0) == neg)
                    .sum()
            };
            let offset = off_extra + (-reach(true)) as usize;
            (offset, offset as isize + reach(false) + 1)
        };
        let len = (needed + len_extra).max(0) as usize;
        LayoutCase {
            dtype,
            shape,
            strides,
            offset,
            len,
            must_accept: packed && len_extra >= 0,
            seed,
        }
    }

    fn model(&self) -> Model {
        Model::new(self.dtype, self.offset, &self.shape, &self.strides)
    }

    fn buffer_bytes(&self) -> usize {
        self.len * self.dtype.size()
    }

    /// The buffer, as `u16` words so that it is aligned for every element type.
    fn backing(&self) -> Vec<u16> {
        let mut words = vec![0u16; self.buffer_bytes().div_ceil(2)];
        let mut state = self.seed;
        for b in bytemuck::cast_slice_mut::<u16, u8>(&mut words) {
            *b = splitmix(&mut state) as u8;
        }
        words
    }
}

fn axis_len() -> impl Strategy<Value = usize> + Clone {
    prop_oneof![1 => Just(0usize), 16 => 1..=7usize]
}

fn stride_spec(zero_strides: bool) -> impl Strategy<Value = StrideSpec> {
    let pad = prop_oneof![4 => Just(0usize), 1 => 1..=3usize];
    let random = if zero_strides {
        (-9isize..=9).boxed()
    } else {
        prop_oneof![-9isize..=-1, 1isize..=9].boxed()
    };
    prop_oneof![
        2 => Just(StrideSpec::Packed {
            order: vec![0, 1, 2],
            pads: [0; 3],
            neg: [false; 3],
        }),
        3 => (
            Just(vec![0usize, 1, 2]).prop_shuffle(),
            uniform3(pad),
            uniform3(prop::bool::weighted(0.25)),
        )
            .prop_map(|(order, pads, neg)| StrideSpec::Packed { order, pads, neg }),
        2 => uniform3(random).prop_map(StrideSpec::Random),
    ]
}

fn layout_case(
    dtype: impl Strategy<Value = Dtype>,
    zero_strides: bool,
) -> impl Strategy<Value = LayoutCase> {
    (
        dtype,
        uniform3(axis_len()),
        stride_spec(zero_strides),
        prop_oneof![2 => Just(0usize), 1 => 1..=3usize],
        prop_oneof![8 => 0..=3isize, 1 => -2..=-1isize],
        any::<u64>(),
    )
        .prop_map(|(dtype, shape, spec, off_extra, len_extra, seed)| {
            LayoutCase::build(dtype, shape, spec, off_extra, len_extra, seed)
        })
}

/// A layout made by slicing and permuting a C-order buffer: it must be writable.
fn sliced_case(dtype: impl Strategy<Value = Dtype>) -> impl Strategy<Value = LayoutCase> {
    (
        dtype,
        uniform3(axis_len()),
        uniform3(prop::option::weighted(0.6, slice_strategy())),
        Just(vec![0usize, 1, 2]).prop_shuffle(),
        any::<u64>(),
    )
        .prop_map(|(dtype, shape, slices, perm, seed)| {
            let mut m = Model::c_order(dtype, &shape);
            for (axis, s) in slices.into_iter().enumerate() {
                if let Some(sliced) = s.and_then(|s| m.slice_axis(axis, s)) {
                    m = sliced;
                }
            }
            let m = m.permute(&perm).expect("a permutation");
            LayoutCase {
                dtype,
                shape: arr(&m.shape),
                strides: arr(&m.strides),
                offset: if m.is_empty() {
                    0
                } else {
                    m.offset as usize / dtype.size()
                },
                len: shape.iter().product(),
                must_accept: true,
                seed,
            }
        })
}

fn native_dtype() -> impl Strategy<Value = Dtype> + Clone {
    prop_oneof![3 => Just(Dtype::U8), 1 => Just(Dtype::U16)]
}

fn slice_strategy() -> impl Strategy<Value = Slice> + Clone {
    let bound = prop_oneof![
        3 => Just(None),
        5 => (-4isize..=4).prop_map(Some),
        1 => (-8isize..=8).prop_map(Some),
    ];
    let step = prop_oneof![12 => 1isize..=3, 6 => -3isize..=-1, 1 => Just(0isize)];
    (bound.clone(), bound, step).prop_map(|(start, stop, step)| Slice::new(start, stop, step))
}

fn step_strategy() -> impl Strategy<Value = Step> {
    let axis = || prop_oneof![9 => 0..3usize, 1 => Just(3usize)];
    let reshape = || {
        (
            1..=3usize,
            0..16usize,
            0..16usize,
            prop::bool::weighted(0.15),
        )
            .prop_map(|(ndim, a, b, wrong)| ReshapeSeed { ndim, a, b, wrong })
    };
    let slicing = prop_oneof![
        3 => uniform3(slice_strategy()).prop_map(|s| Step::Slice(s.to_vec())),
        3 => (axis(), slice_strategy()).prop_map(|(a, s)| Step::SliceAlong(a, s)),
        2 => axis().prop_map(Step::Flip),
        1 => Just(Step::FlipHorizontal),
        1 => Just(Step::FlipVertical),
        2 => (0..6usize, 0..8u8).prop_map(|(seed, corrupt)| Step::PermuteSeed { seed, corrupt }),
        1 => Just(Step::ReverseAxes),
        2 => Just(Step::Transpose),
    ];
    let image = prop_oneof![
        3 => (0..=3usize, 0..=3usize, 0..=4usize, 0..=4usize)
            .prop_map(|(x, y, w, h)| Step::Crop([x, y, w, h])),
        2 => (0..=3usize).prop_map(Step::Channel),
        2 => (0..=4usize).prop_map(Step::Row),
        2 => (0..=4usize).prop_map(Step::Column),
        1 => (0..=4usize, 0..=4usize).prop_map(|(x, y)| Step::Pixel(x, y)),
        3 => (axis(), 0..=6usize, any::<bool>())
            .prop_map(|(axis, index, second)| Step::SplitAt { axis, index, second }),
    ];
    let casting = prop_oneof![
        3 => reshape().prop_map(Step::ReshapeSeed),
        3 => Just(Step::Cast),
        1 => Just(Step::AsBytes),
        2 => reshape().prop_map(Step::CastShapeSeed),
    ];
    prop_oneof![5 => slicing, 4 => image, 3 => casting]
}

// ---------------------------------------------------------------------------------------------
// Runners
// ---------------------------------------------------------------------------------------------

/// Applies `step` to the model and to the library view (through `attempt`), checks they agree
/// on applicability and validity, and says whether the step succeeded (with the new model).
fn agree(
    step: &Step,
    model: &Model,
    base: usize,
    attempt: Option<Result<(), ViewError>>,
) -> Option<Model> {
    let expected = model.apply(step, base);
    assert_eq!(
        expected.is_some(),
        attempt.is_some(),
        "{step:?} applies to {model:?} for one side only"
    );
    match (expected?, attempt?) {
        (Outcome::Valid(m) | Outcome::MaybeMisaligned { model: m, .. }, Ok(())) => Some(m),
        (Outcome::Invalid, Err(_)) => None,
        (Outcome::MaybeMisaligned { .. }, Err(ViewError::Misaligned { .. })) => None,
        (expected, got) => {
            panic!(
                "{step:?} on {model:?}: the model expects {expected:?}, the library gave {got:?}"
            )
        }
    }
}

/// (a) + (c): a read-only chain.
fn run_read_only(case: &LayoutCase, steps: &[Step]) {
    let backing = case.backing();
    let bytes = &bytemuck::cast_slice::<u16, u8>(&backing)[..case.buffer_bytes()];
    let base = backing.as_ptr() as usize;
    let mut model = case.model();
    let fits = model.fits(case.buffer_bytes());
    let mut view = match Any::build(case, &backing) {
        Ok(view) => {
            assert!(fits, "accepted a layout that leaves the buffer: {case:?}");
            view
        }
        Err(e) => {
            assert!(!fits, "rejected a layout that fits ({e}): {case:?}");
            assert!(matches!(e, ViewError::OutOfBuffer { .. }), "{e:?}");
            return;
        }
    };
    view.check(&model, bytes);
    for step in steps {
        let step = resolve(step, &model);
        let attempt = view.apply(&step);
        let shape_only = attempt
            .as_ref()
            .map(|r| r.as_ref().map(|_| ()).map_err(|e| *e));
        if let Some(next) = agree(&step, &model, base, shape_only) {
            model = next;
            view = attempt.expect("applied").expect("succeeded");
        }
        view.check(&model, bytes);
    }
}

/// (b) + (c): a writable chain, then a write through every index of the final view.
fn run_writable(case: &LayoutCase, steps: &[Step], how: Write, salt: u16) {
    let mut backing = case.backing();
    let n = case.buffer_bytes();
    let before = bytemuck::cast_slice::<u16, u8>(&backing)[..n].to_vec();
    let base = backing.as_ptr() as usize;
    let mut model = case.model();
    let fits = model.fits(n);
    let final_model = {
        let mut view = match AnyMut::build(case, &mut backing) {
            Ok(view) => {
                assert!(fits, "accepted a layout that leaves the buffer: {case:?}");
                assert!(!model.aliases(), "accepted an aliasing layout: {case:?}");
                view
            }
            Err(e) => {
                if fits {
                    // The check is sufficient, not necessary: it may refuse a layout that does
                    // not alias, but never one built not to.
                    assert!(matches!(e, ViewError::Aliasing { .. }), "{e:?}: {case:?}");
                    assert!(
                        !case.must_accept,
                        "refused a non-aliasing layout ({e}): {case:?}"
                    );
                } else {
                    assert!(
                        matches!(e, ViewError::OutOfBuffer { .. }),
                        "{e:?}: {case:?}"
                    );
                }
                return;
            }
        };
        view.view().check(&model, &before);
        for step in steps {
            let step = resolve(step, &model);
            // Try on a reborrow first, so that a failing step leaves `view` usable.
            let attempt = view.reborrow().apply(&step).map(|r| r.map(|_| ()));
            if let Some(next) = agree(&step, &model, base, attempt) {
                view = view
                    .apply(&step)
                    .expect("applied")
                    .expect("succeeded on a reborrow");
                model = next;
            }
            assert!(
                !model.aliases(),
                "a writable view reaches an element twice: {model:?}"
            );
            assert!(view.passes_alias_check(), "{model:?}");
            view.view().check(&model, &before);
        }
        view.write(&model, how, salt);
        model
    };
    let mut expected = before;
    for (k, index) in final_model.indices(Order::C).iter().enumerate() {
        let a = final_model.addr(index) as usize;
        let item = final_model.dtype.encode(how.value(k, salt));
        expected[a..a + item.len()].copy_from_slice(&item);
    }
    let after = &bytemuck::cast_slice::<u16, u8>(&backing)[..n];
    assert_eq!(
        after,
        &expected[..],
        "buffer after {how:?} through {final_model:?}"
    );
}

/// The ways of cutting a 3-D view into disjoint parts.
#[derive(Clone, Copy, Debug)]
enum Split {
    AxisChunks(usize, usize),
    Bands(usize),
    Tiles(usize, usize),
    Rows,
    Channels,
    At(usize, usize),
}

fn split_strategy() -> impl Strategy<Value = Split> {
    prop_oneof![
        2 => (0..=3usize, 0..=4usize).prop_map(|(a, s)| Split::AxisChunks(a, s)),
        2 => (0..=4usize).prop_map(Split::Bands),
        3 => (0..=4usize, 0..=4usize).prop_map(|(r, c)| Split::Tiles(r, c)),
        1 => Just(Split::Rows),
        1 => Just(Split::Channels),
        2 => (0..=3usize, 0..=8usize).prop_map(|(a, i)| Split::At(a, i)),
    ]
}

/// Part lengths of an axis of `len` cut every `size`.
fn chunks(len: usize, size: usize) -> Vec<usize> {
    (0..len.div_ceil(size))
        .map(|k| size.min(len - k * size))
        .collect()
}

type PartOf = Box<dyn Fn(&[usize]) -> usize>;

/// The expected parts (their shapes, and which part each index falls in), or `None` if the
/// split is invalid.
fn plan(split: Split, shape: [usize; 3]) -> Option<(Vec<Vec<usize>>, PartOf)> {
    let [h, w, c] = shape;
    match split {
        Split::AxisChunks(axis, size) => {
            if axis >= 3 || size == 0 {
                return None;
            }
            let shapes = chunks(shape[axis], size)
                .into_iter()
                .map(|len| {
                    let mut s = shape.to_vec();
                    s[axis] = len;
                    s
                })
                .collect();
            Some((shapes, Box::new(move |i| i[axis] / size)))
        }
        Split::Bands(rows) => plan(Split::AxisChunks(0, rows), shape),
        Split::Tiles(rows, columns) => {
            if rows == 0 || columns == 0 {
                return None;
            }
            let (bands, cols) = (chunks(h, rows), chunks(w, columns));
            let shapes = bands
                .iter()
                .flat_map(|&bh| cols.iter().map(move |&tw| vec![bh, tw, c]))
                .collect();
            let per_band = cols.len();
            Some((
                shapes,
                Box::new(move |i| (i[0] / rows) * per_band + i[1] / columns),
            ))
        }
        Split::Rows => Some((vec![vec![w, c]; h], Box::new(|i| i[0]))),
        Split::Channels => Some((vec![vec![h, w]; c], Box::new(|i| i[2]))),
        Split::At(axis, index) => {
            if axis >= 3 || index > shape[axis] {
                return None;
            }
            let mut first = shape.to_vec();
            let mut second = shape.to_vec();
            first[axis] = index;
            second[axis] -= index;
            Some((
                vec![first, second],
                Box::new(move |i| usize::from(i[axis] >= index)),
            ))
        }
    }
}

/// Keeps every part alive at once, fills part `k` with `k + 1`, returns the parts' shapes.
fn fill_parts<'a, T: Num, const D: usize>(
    parts: impl Iterator<Item = ViewMut<'a, T, D>>,
) -> Vec<Vec<usize>> {
    let mut parts: Vec<ViewMut<'a, T, D>> = parts.collect();
    for (k, part) in parts.iter_mut().enumerate() {
        part.fill(T::from_u16(k as u16 + 1));
    }
    parts.iter().map(|p| p.shape().to_vec()).collect()
}

/// Splits a writable view of `buf` as `split` says; `None` if the view could not be built.
fn split_view<T: Num>(
    buf: &mut [T],
    case: &LayoutCase,
    split: Split,
    expected_count: Option<usize>,
) -> Option<Result<Vec<Vec<usize>>, ViewError>> {
    let v = ViewMut::from_slice_with_strides(buf, case.shape, case.strides, case.offset).ok()?;
    let check_len = |len: usize| {
        if let Some(count) = expected_count {
            assert_eq!(len, count, "ExactSizeIterator::len of {split:?}");
        }
    };
    Some(match split {
        Split::AxisChunks(axis, size) => v.axis_chunks(axis, size).map(|parts| {
            check_len(parts.len());
            fill_parts(parts)
        }),
        Split::Bands(rows) => v.bands(rows).map(|parts| {
            check_len(parts.len());
            fill_parts(parts)
        }),
        Split::Tiles(rows, columns) => v.tiles(rows, columns).map(|parts| {
            check_len(parts.len());
            fill_parts(parts)
        }),
        Split::Rows => {
            let parts = v.rows();
            check_len(parts.len());
            Ok(fill_parts(parts))
        }
        Split::Channels => {
            let parts = v.split_channels();
            check_len(parts.len());
            Ok(fill_parts(parts))
        }
        Split::At(axis, index) => v
            .split_at(axis, index)
            .map(|(a, b)| fill_parts([a, b].into_iter())),
    })
}

/// (d): the parts of a split are disjoint and cover the view exactly.
fn run_split(case: &LayoutCase, split: Split) {
    let model = case.model();
    let n = case.buffer_bytes();
    if !model.fits(n) {
        return;
    }
    // A fill value no part id can take, so an element no part covers stands out.
    let mut backing = vec![0xEEEEu16; n.div_ceil(2)];
    let before = bytemuck::cast_slice::<u16, u8>(&backing)[..n].to_vec();
    let expected = plan(split, case.shape);
    let count = expected.as_ref().map(|(shapes, _)| shapes.len());
    let got = match case.dtype {
        Dtype::U8 => {
            let bytes = &mut bytemuck::cast_slice_mut::<u16, u8>(&mut backing)[..n];
            split_view::<u8>(bytes, case, split, count)
        }
        _ => split_view::<u16>(&mut backing[..case.len], case, split, count),
    };
    let Some(got) = got else {
        assert!(!case.must_accept, "refused a non-aliasing layout: {case:?}");
        return;
    };
    let (shapes, part_of) = match (expected, got) {
        (Some(expected), Ok(shapes)) => {
            assert_eq!(shapes, expected.0, "part shapes of {split:?} on {model:?}");
            (shapes, expected.1)
        }
        (None, Err(_)) => return,
        (expected, got) => panic!(
            "{split:?} on {model:?}: model valid = {}, library gave {got:?}",
            expected.is_some()
        ),
    };
    let mut want = before;
    for index in model.indices(Order::C) {
        let part = part_of(&index);
        assert!(part < shapes.len());
        let a = model.addr(&index) as usize;
        let item = model.dtype.encode(part as u16 + 1);
        want[a..a + item.len()].copy_from_slice(&item);
    }
    let after = &bytemuck::cast_slice::<u16, u8>(&backing)[..n];
    assert_eq!(
        after,
        &want[..],
        "buffer after filling the parts of {split:?} on {model:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Cases per property: the whole file runs in well under a second at the test profile's
/// opt-level 1. `PROPTEST_CASES=40000` soaks (proptest reads the variable, but an explicit
/// `with_cases` would override it, hence this).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // Beside this file, as `model.proptest-regressions`: tests/ has no lib.rs for the
        // default `SourceParallel` persistence to anchor on.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::with_cases(cases())
    }
}

proptest! {
    #![proptest_config(config())]

    /// (a), (c): read-only chains over random layouts, zero strides included.
    #[test]
    fn read_only_chains_match_the_model(
        case in layout_case(native_dtype(), true),
        steps in vec(step_strategy(), 1..=6),
    ) {
        run_read_only(&case, &steps);
    }

    /// (b), (c): writable chains; the layout check never lets an aliasing layout through and
    /// always accepts packed or sliced C-order layouts; writes land exactly on the view's
    /// elements.
    #[test]
    fn writable_chains_match_the_model(
        case in prop_oneof![
            2 => layout_case(native_dtype(), true),
            1 => sliced_case(native_dtype()),
        ],
        steps in vec(step_strategy(), 1..=6),
        how in prop_oneof![
            Just(Write::Set),
            Just(Write::TrySet),
            Just(Write::IndexMut),
            Just(Write::GetMut),
            Just(Write::IterMut),
            Just(Write::LanesMut),
            Just(Write::AsSliceMut),
            Just(Write::Assign),
            Just(Write::Fill),
        ],
        salt in any::<u16>(),
    ) {
        run_writable(&case, &steps, how, salt);
    }

    /// (d): bands, tiles, rows, channels, chunks and split_at partition a writable view.
    #[test]
    fn splits_partition_the_view(
        case in prop_oneof![
            2 => layout_case(native_dtype(), false),
            1 => sliced_case(native_dtype()),
        ],
        split in split_strategy(),
    ) {
        run_split(&case, split);
    }

    /// (e): a crop of a C-order image remembers where it was cut from.
    #[test]
    fn crop_position_is_its_origin(
        (h, w, c, x, y, cw, ch, inner) in (1..=7usize, 1..=7usize, 1..=4usize)
            .prop_flat_map(|(h, w, c)| (Just(h), Just(w), Just(c), 0..w, 0..h))
            .prop_flat_map(|(h, w, c, x, y)| {
                (Just(h), Just(w), Just(c), Just(x), Just(y), 1..=w - x, 1..=h - y, any::<(usize, usize)>())
            }),
    ) {
        let px: Vec<u8> = (0..h * w * c).map(|v| v as u8).collect();
        let image = View::from_slice(&px, [h, w, c]).unwrap();
        let crop = image.crop(x, y, cw, ch).unwrap();
        prop_assert_eq!(crop.position_in(&image), Some([y, x, 0]));
        prop_assert_eq!(crop.position_in(&crop), Some([0, 0, 0]));
        let at_origin = x == 0 && y == 0;
        prop_assert_eq!(image.position_in(&crop), at_origin.then_some([0, 0, 0]));
        // A crop of the crop, found in both.
        let (x2, y2) = (inner.0 % cw, inner.1 % ch);
        let nested = crop.crop(x2, y2, cw - x2, ch - y2).unwrap();
        prop_assert_eq!(nested.position_in(&crop), Some([y2, x2, 0]));
        prop_assert_eq!(nested.position_in(&image), Some([y + y2, x + x2, 0]));
        let last = crop.channel_range(c - 1..c).unwrap();
        prop_assert_eq!(last.position_in(&image), Some([y, x, c - 1]));
        // An empty crop has no first element to find.
        prop_assert_eq!(image.crop(x, y, 0, ch).unwrap().position_in(&image), None);
    }

    /// `position_in` never answers a wrong index, and finds every element of a non-aliasing
    /// layout, flipped axes included.
    #[test]
    fn position_in_is_never_wrong(
        case in layout_case(Just(Dtype::U8), true),
        slices in uniform3(slice_strategy()),
    ) {
        let backing = case.backing();
        let bytes = &bytemuck::cast_slice::<u16, u8>(&backing)[..case.len];
        let model = case.model();
        let Ok(parent) = View::from_slice_with_strides(bytes, case.shape, case.strides, case.offset)
        else {
            return Ok(());
        };
        let Some(child_model) = model.apply(&Step::Slice(slices.to_vec()), 0) else {
            unreachable!("slicing applies to every rank");
        };
        let Outcome::Valid(child_model) = child_model else {
            prop_assert!(parent.slice(slices).is_err());
            return Ok(());
        };
        let child = parent.slice(slices).unwrap();
        match child.position_in(&parent) {
            Some(index) => {
                prop_assert!(!child_model.is_empty());
                prop_assert_eq!(model.addr(&index), child_model.offset);
            }
            None => prop_assert!(
                child_model.is_empty() || !case.must_accept,
                "no position found for {:?} in {:?}", child_model, model
            ),
        }
    }

    /// (f): u8 -> u16 -> u8 gives the original view back; a `U16Be` view reads big-endian
    /// values; `as_bytes` of a u16 view and back is the identity.
    #[test]
    fn casts_round_trip(case in layout_case(Just(Dtype::U8), true)) {
        let backing = case.backing();
        let bytes = &bytemuck::cast_slice::<u16, u8>(&backing)[..case.len];
        let base = backing.as_ptr() as usize;
        let model = case.model();
        let Ok(v) = View::from_slice_with_strides(bytes, case.shape, case.strides, case.offset)
        else {
            return Ok(());
        };
        match (model.cast(Dtype::U16, base), v.cast::<u16>()) {
            (Outcome::Valid(m16) | Outcome::MaybeMisaligned { model: m16, .. }, Ok(wide)) => {
                check_view(wide, &m16, bytes);
                let back = wide.cast::<u8>().expect("u16 -> u8 always casts back");
                prop_assert_eq!(back.shape(), v.shape());
                prop_assert!(back == v);
                prop_assert!(wide.as_bytes().unwrap() == v);
            }
            (Outcome::Invalid, Err(_)) => {}
            (Outcome::MaybeMisaligned { .. }, Err(ViewError::Misaligned { .. })) => {}
            (expected, got) => panic!("u8 -> u16 of {model:?}: model {expected:?}, library {got:?}"),
        }
        match (model.cast(Dtype::U16Be, base), v.cast::<U16Be>()) {
            (Outcome::Valid(mbe) | Outcome::MaybeMisaligned { model: mbe, .. }, Ok(be)) => {
                prop_assert_eq!(be.shape().to_vec(), mbe.shape.clone());
                for index in mbe.indices(Order::C) {
                    let item = mbe.item(bytes, &index);
                    let want = u16::from_be_bytes([item[0], item[1]]);
                    prop_assert_eq!(be.get(arr(&index)), Some(want));
                }
                prop_assert_eq!(be.to_vec(), mbe.values(bytes, Order::C));
                prop_assert_eq!(be.to_bytes(Order::C), mbe.raw_bytes(bytes, Order::C));
                prop_assert_eq!(be.to_bytes(Order::F), mbe.raw_bytes(bytes, Order::F));
                let back = be.cast::<u8>().expect("U16Be -> u8 always casts back");
                prop_assert!(back == v);
                prop_assert!(be.as_bytes().unwrap() == v);
                if let Ok(native) = v.cast::<u16>() {
                    let swapped: Vec<u16> = native
                        .to_vec()
                        .into_iter()
                        .map(|x| u16::from_be_bytes(x.to_ne_bytes()))
                        .collect();
                    prop_assert_eq!(be.to_vec(), swapped);
                }
            }
            (Outcome::Invalid, Err(_)) => {}
            (expected, got) => panic!("u8 -> U16Be of {model:?}: model {expected:?}, library {got:?}"),
        }
    }

    #[test]
    fn u16_views_round_trip_through_bytes(case in layout_case(Just(Dtype::U16), true)) {
        let backing = case.backing();
        let bytes = bytemuck::cast_slice::<u16, u8>(&backing);
        let model = case.model();
        let Ok(v) = View::from_slice_with_strides(&backing[..case.len], case.shape, case.strides, case.offset)
        else {
            return Ok(());
        };
        match (model.cast(Dtype::U8, 0), v.as_bytes()) {
            (Outcome::Valid(m8) | Outcome::MaybeMisaligned { model: m8, .. }, Ok(narrow)) => {
                check_view(narrow, &m8, bytes);
                let back = narrow.cast::<u16>().expect("bytes of u16 samples cast back");
                prop_assert_eq!(back.shape(), v.shape());
                prop_assert!(back == v);
            }
            (Outcome::Invalid, Err(_)) => {}
            (expected, got) => panic!("u16 -> u8 of {model:?}: model {expected:?}, library {got:?}"),
        }
    }

    /// (f): writing through a `U16Be` view stores big-endian bytes.
    #[test]
    fn big_endian_writes(case in layout_case(Just(Dtype::U8), false), salt in any::<u16>()) {
        let mut backing = case.backing();
        let n = case.len;
        let before = bytemuck::cast_slice::<u16, u8>(&backing)[..n].to_vec();
        let model = case.model();
        let outcome = model.cast(Dtype::U16Be, 0);
        let written = {
            let bytes = &mut bytemuck::cast_slice_mut::<u16, u8>(&mut backing)[..n];
            let Ok(v) = ViewMut::from_slice_with_strides(bytes, case.shape, case.strides, case.offset)
            else {
                return Ok(());
            };
            match (outcome, v.cast::<U16Be>()) {
                (Outcome::Valid(m) | Outcome::MaybeMisaligned { model: m, .. }, Ok(mut be)) => {
                    for (k, index) in m.indices(Order::C).iter().enumerate() {
                        be.set(arr(index), Write::Set.value(k, salt));
                    }
                    m
                }
                (Outcome::Invalid, Err(_)) => return Ok(()),
                (expected, got) => panic!("u8 -> U16Be of {model:?}: model {expected:?}, library {got:?}"),
            }
        };
        let mut want = before;
        for (k, index) in written.indices(Order::C).iter().enumerate() {
            let a = written.addr(index) as usize;
            want[a..a + 2].copy_from_slice(&Write::Set.value(k, salt).to_be_bytes());
        }
        prop_assert_eq!(&bytemuck::cast_slice::<u16, u8>(&backing)[..n], &want[..]);
    }
}

#[test]
fn s_macro_builds_slices() {
    assert_eq!(
        s![1..3; 2, .., ..;-1],
        [
            Slice::new(Some(1), Some(3), 2),
            Slice::FULL,
            Slice::REVERSED
        ]
    );
    let data: Vec<u8> = (0..24).collect();
    let v = View::from_slice(&data, [2, 3, 4]).unwrap();
    let model = Model::c_order(Dtype::U8, &[2, 3, 4]);
    let step = Step::Slice(s![.., 1..;2, ..;-1].to_vec());
    let Some(Outcome::Valid(m)) = model.apply(&step, 0) else {
        panic!("a valid slice");
    };
    check_view(v.slice(s![.., 1..;2, ..;-1]).unwrap(), &m, &data);
}

/// Regression: `memoryview.tolist()` and NumPy keep every axis, `[[], []]` for shape `(2, 0)`.
#[test]
fn to_list_keeps_empty_axes() {
    let empty: [u8; 0] = [];
    let v2 = View::from_slice(&empty, [2, 0]).unwrap();
    assert_eq!(v2.to_list(), vec![Vec::<u8>::new(); 2]);
    let v3 = View::from_slice(&empty, [1, 1, 0]).unwrap();
    assert_eq!(v3.to_list(), vec![vec![Vec::<u8>::new()]]);
}

/// Regression: emptying a castable view by slicing must not make it uncastable (strides that
/// step to no element are never used).
#[test]
fn empty_casts_ignore_unused_strides() {
    let bytes = [0u8; 4];
    // One row of two bytes, rows 3 bytes apart: castable, the row stride is never used.
    let row = View::from_slice_with_strides(&bytes[..2], [1, 2], [3, 1], 0).unwrap();
    assert_eq!(row.cast::<U16Be>().unwrap().shape(), [1, 1]);
    // The same layout with no row at all.
    let none = row.slice_along(0, 0..0).unwrap();
    assert_eq!(none.cast::<U16Be>().map(|v| v.shape()), Ok([0, 1]));
    // Or with no column.
    let empty = View::from_slice_with_strides(&bytes, [0, 0, 0], [2, 1, 1], 0).unwrap();
    assert_eq!(empty.cast::<U16Be>().map(|v| v.shape()), Ok([0, 0, 0]));
}

/// Regression: a crop of a flipped image finds itself (the unravel starts from the parent's
/// lowest element).
#[test]
fn position_in_finds_crops_of_flipped_images() {
    let px: Vec<u8> = (0..6).collect();
    let image = View::from_slice(&px, [2, 3, 1]).unwrap();
    let flipped = image.flip_horizontal();
    let crop = flipped.crop(1, 1, 1, 1).unwrap();
    assert_eq!(crop.get([0, 0, 0]), Some(4));
    assert_eq!(crop.position_in(&flipped), Some([1, 1, 0]));
    let flipped = image.flip_vertical();
    let crop = flipped.crop(2, 1, 1, 1).unwrap();
    assert_eq!(crop.get([0, 0, 0]), Some(2));
    assert_eq!(crop.position_in(&flipped), Some([1, 2, 0]));
}
