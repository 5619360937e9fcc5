//! View derivations against an independent model.
//!
//! The input builds a buffer (u8, native u16 or U16Be samples) and a 3-D view over it
//! (`from_slice`, `from_slice_with_strides` with any strides and offset, or `View::new` +
//! `reshape`), then applies up to 16 operations: NumPy slices with any steps (negative and
//! extreme ones too), crops, flips, transposes and axis permutations, channel ranges, casts
//! between u8, u16 and U16Be, `split_at`, `axis_chunks`/`bands`, `tiles`, reshapes, and side
//! trips to 2-D and 1-D views (`channel`, `row`, `pixel`, `rows`, `split_channels`, `column`).
//!
//! The model is the byte offset of every element in C order, computed from the documented
//! semantics alone. After every step it asserts: the view accepts exactly what the model
//! accepts (where the model is sure), every element `get_ref` reaches lies inside the buffer
//! at the model's offset, the extent computed from shape/strides/offset lies inside the
//! buffer, `to_bytes` (C and F order), `to_vec`, `values`, `iter` and `hex` equal references
//! built with `get_ref`, and copies of the same contents in C and F layouts give equal
//! `to_bytes` and compare equal. Then the same chain runs on a `ViewMut` over a second buffer:
//! the constructor may only accept non-aliasing layouts, every step must succeed again, and
//! `copy_from`, `iter_mut` and `fill` must write exactly the model's elements.
#![no_main]

use libfuzzer_sys::arbitrary::{Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use viewlib::{Order, Sample, Slice, U16Be, View, ViewError, ViewMut};
use viewlib_fuzz as util;

/// The largest buffer, in bytes.
const MAX_BYTES: usize = 4096;
/// Pieces of a split that are checked one by one (the count is checked whole).
const MAX_PIECES: usize = 64;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok((cons, ops)) = parse(&mut u) else {
        return;
    };
    if util::verbose() {
        eprintln!("{cons:?}\n{ops:?}");
    }
    run(&cons, &ops);
});

// ---------------------------------------------------------------------------------------
// Input

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    U8,
    U16,
    Be,
}

impl Ty {
    fn size(self) -> usize {
        match self {
            Ty::U8 => 1,
            _ => 2,
        }
    }
    fn align(self) -> usize {
        match self {
            Ty::U16 => align_of::<u16>(),
            _ => 1,
        }
    }
}

/// How the first view is built.
#[derive(Clone, Debug)]
struct Cons {
    ty: Ty,
    /// 0: `from_slice`, 1: `from_slice_with_strides`, 2: `View::new(..).reshape(..)`.
    mode: u8,
    shape: [usize; 3],
    strides: [isize; 3],
    offset: usize,
    /// Buffer length in samples of `ty`.
    len: usize,
}

#[derive(Clone, Debug)]
enum Op {
    Slice(usize, Slice),
    Crop(usize, usize, usize, usize),
    FlipH,
    FlipV,
    Flip(usize),
    Transpose,
    Permute([usize; 3]),
    ChannelRange(Slice),
    Cast(Ty),
    SplitAt(usize, usize, bool),
    /// axis, size, piece (reduced modulo the piece count before it is applied)
    Chunks(usize, usize, usize),
    /// rows, columns, tile (reduced as for `Chunks`)
    Tiles(usize, usize, usize),
    /// A parameter here; the shape itself once resolved against the view's length.
    ReshapeKind(usize),
    Reshape([usize; 3]),
    /// channel, row, column: 2-D and 1-D views checked on the side.
    Side(usize, usize, usize),
}

fn parse(u: &mut Unstructured) -> ArbResult<(Cons, Vec<Op>)> {
    let ty = [Ty::U8, Ty::U16, Ty::Be][u.int_in_range(0..=2)?];
    let mode = u.int_in_range(0..=2)?;
    let mut shape = [0usize; 3];
    for d in &mut shape {
        *d = u.int_in_range(0..=9)?;
    }
    if u.ratio(1u8, 16u8)? {
        // An empty view with a huge axis: the size arithmetic's edge.
        let a = u.int_in_range(0..=2)?;
        shape[(a + 1 + u.int_in_range(0..=1)?) % 3] = 0;
        shape[a] = *u.choose(&[
            isize::MAX as usize,
            isize::MAX as usize + 1,
            usize::MAX,
            1 << 40,
            1 << 20,
        ])?;
    }
    let (strides, offset, len);
    if mode == 1 {
        let mut s = [0isize; 3];
        for stride in &mut s {
            *stride = match u.int_in_range(0..=15)? {
                0 => isize::MAX,
                1 => isize::MIN,
                2 => 0,
                3 => u.int_in_range(-300..=300)?,
                _ => u.int_in_range(-12..=12)?,
            };
        }
        strides = s;
        len = u.int_in_range(0..=MAX_BYTES / ty.size())?;
        offset = if u.ratio(1u8, 32u8)? {
            usize::MAX
        } else {
            u.int_in_range(0..=len + 2)?
        };
    } else {
        strides = c_strides(shape);
        offset = 0;
        len = if shape.contains(&0) {
            0
        } else {
            shape.iter().product()
        };
    }
    let cons = Cons {
        ty,
        mode,
        shape,
        strides,
        offset,
        len,
    };
    let mut ops = Vec::new();
    while ops.len() < 16 && !u.is_empty() {
        ops.push(parse_op(u)?);
    }
    Ok((cons, ops))
}

fn bound(u: &mut Unstructured) -> ArbResult<Option<isize>> {
    Ok(match u.int_in_range(0..=9)? {
        0 | 1 => None,
        2 => Some(isize::MIN),
        3 => Some(isize::MAX),
        _ => Some(u.int_in_range(-11..=11)?),
    })
}

fn slice(u: &mut Unstructured) -> ArbResult<Slice> {
    let (start, stop) = (bound(u)?, bound(u)?);
    let step = match u.int_in_range(0..=19)? {
        0 => isize::MIN,
        1 => isize::MAX,
        2 => 0,
        3 | 4 | 5 => -1,
        6 | 7 | 8 | 9 => 1,
        _ => u.int_in_range(-5..=5)?,
    };
    Ok(Slice::new(start, stop, step))
}

fn index(u: &mut Unstructured) -> ArbResult<usize> {
    Ok(match u.int_in_range(0..=15)? {
        0 => usize::MAX,
        1 => isize::MAX as usize + 1,
        _ => u.int_in_range(0..=10)?,
    })
}

fn axis(u: &mut Unstructured) -> ArbResult<usize> {
    Ok(if u.ratio(1u8, 16u8)? {
        3
    } else {
        u.int_in_range(0..=2)?
    })
}

fn parse_op(u: &mut Unstructured) -> ArbResult<Op> {
    Ok(match u.int_in_range(0..=15)? {
        0 | 1 => Op::Slice(axis(u)?, slice(u)?),
        2 => Op::Crop(index(u)?, index(u)?, index(u)?, index(u)?),
        3 => Op::FlipH,
        4 => Op::FlipV,
        5 => Op::Flip(axis(u)?),
        6 => Op::Transpose,
        7 => Op::Permute([axis(u)?, axis(u)?, axis(u)?]),
        8 => Op::ChannelRange(slice(u)?),
        9 => Op::Cast(*u.choose(&[Ty::U8, Ty::U16, Ty::Be])?),
        10 => Op::SplitAt(axis(u)?, index(u)?, u.arbitrary()?),
        11 => Op::Chunks(axis(u)?, index(u)?, u.int_in_range(0..=255)?),
        12 => Op::Tiles(index(u)?, index(u)?, u.int_in_range(0..=255)?),
        13 => Op::ReshapeKind(u.int_in_range(0..=40)?),
        _ => Op::Side(index(u)?, index(u)?, index(u)?),
    })
}

fn c_strides(shape: [usize; 3]) -> [isize; 3] {
    let mut strides = [1isize; 3];
    for a in (0..2).rev() {
        strides[a] = strides[a + 1].saturating_mul(shape[a + 1].max(1) as isize);
    }
    strides
}

// ---------------------------------------------------------------------------------------
// The model: byte offsets of the elements in C order, empty for an empty view.

#[derive(Clone, Debug, PartialEq)]
struct Model {
    shape: Vec<usize>,
    elem: usize,
    offs: Vec<usize>,
}

fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    if shape.contains(&0) {
        return;
    }
    let mut idx = vec![0; shape.len()];
    loop {
        f(&idx);
        let mut a = shape.len();
        loop {
            if a == 0 {
                return;
            }
            a -= 1;
            idx[a] += 1;
            if idx[a] < shape[a] {
                break;
            }
            idx[a] = 0;
        }
    }
}

impl Model {
    fn build(shape: Vec<usize>, elem: usize, f: impl Fn(&[usize]) -> usize) -> Model {
        let mut offs = Vec::new();
        for_each_index(&shape, |i| offs.push(f(i)));
        Model { shape, elem, offs }
    }
    fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }
    fn len(&self) -> usize {
        if self.is_empty() {
            0
        } else {
            self.shape.iter().product()
        }
    }
    fn at(&self, idx: &[usize]) -> usize {
        let flat = idx.iter().zip(&self.shape).fold(0, |k, (&i, &n)| k * n + i);
        self.offs[flat]
    }
    /// Keeps the indices `start + k * step` (`k < count`) of `axis`.
    fn select(&self, axis: usize, start: i128, count: usize, step: i128) -> Model {
        let mut shape = self.shape.clone();
        shape[axis] = count;
        if self.is_empty() {
            return Model {
                shape,
                elem: self.elem,
                offs: vec![],
            };
        }
        Model::build(shape, self.elem, |i| {
            let mut j = i.to_vec();
            j[axis] = (start + i[axis] as i128 * step) as usize;
            self.at(&j)
        })
    }
    fn range(&self, axis: usize, from: usize, to: usize) -> Model {
        self.select(axis, from as i128, to - from, 1)
    }
    fn remove(&self, axis: usize, index: usize) -> Model {
        let mut shape = self.shape.clone();
        shape.remove(axis);
        if self.is_empty() {
            return Model {
                shape,
                elem: self.elem,
                offs: vec![],
            };
        }
        Model::build(shape, self.elem, |i| {
            let mut j = i.to_vec();
            j.insert(axis, index);
            self.at(&j)
        })
    }
    fn permute(&self, axes: &[usize]) -> Model {
        let shape = axes.iter().map(|&a| self.shape[a]).collect();
        Model::build(shape, self.elem, |i| {
            let mut j = vec![0; i.len()];
            for (k, &a) in axes.iter().enumerate() {
                j[a] = i[k];
            }
            self.at(&j)
        })
    }
    fn reversed(&self, axis: usize) -> Model {
        let n = self.shape[axis] as i128;
        self.select(axis, n - 1, self.shape[axis], -1)
    }
    fn c_contiguous(&self) -> bool {
        self.offs.windows(2).all(|w| w[1] == w[0] + self.elem)
    }
    fn distinct(&self) -> bool {
        let mut offs = self.offs.clone();
        offs.sort_unstable();
        offs.windows(2).all(|w| w[1] >= w[0] + self.elem)
    }
    /// Byte difference between index `e_axis` and index 0.
    fn step(&self, axis: usize) -> i128 {
        let mut idx = vec![0; self.shape.len()];
        idx[axis] = 1;
        self.at(&idx) as i128 - self.offs[0] as i128
    }
}

/// Python's `range(len)[slice]` with viewlib's one difference: a bound outside the axis is an
/// error, not clamped (for a negative step, an explicit stop must name an index). Returns the
/// first index, the count and the step.
fn resolve(len: usize, s: Slice) -> Option<(i128, usize, i128)> {
    let n = len as i128;
    let step = s.step as i128;
    if step == 0 {
        return None;
    }
    let norm = |b: isize| {
        let b = b as i128;
        if b < 0 { b + n } else { b }
    };
    let within = |b: Option<isize>, default: i128, range: core::ops::Range<i128>| match b {
        None => Some(default),
        Some(b) => Some(norm(b)).filter(|v| range.contains(v)),
    };
    if step > 0 {
        let start = within(s.start, 0, 0..n + 1)?;
        let stop = within(s.stop, n, 0..n + 1)?;
        let count = if stop > start {
            (stop - start - 1) / step + 1
        } else {
            0
        };
        Some((start, count as usize, step))
    } else {
        let start = within(s.start, n - 1, 0..n)?;
        let stop = within(s.stop, -1, 0..n)?;
        let count = if start > stop {
            (start - stop - 1) / -step + 1
        } else {
            0
        };
        Some((start, count as usize, step))
    }
}

/// What a step should do: the resulting model (or an error), and whether the model is sure
/// (for empty views, strides no element uses and pointer alignment make either answer valid).
struct Expect {
    result: Option<Model>,
    sure: bool,
}

fn sure(result: Option<Model>) -> Expect {
    Expect { result, sure: true }
}

fn construct(c: &Cons) -> Expect {
    let elem = c.ty.size();
    let shape = c.shape.to_vec();
    // A stride of `isize::MIN` could not be negated by a flip: refused on any view.
    if c.shape.iter().any(|&n| n > isize::MAX as usize) || c.strides.contains(&isize::MIN) {
        return sure(None);
    }
    if c.shape.contains(&0) {
        let ok = c.offset <= c.len;
        // Sizes are checked as running products of lengths times the itemsize: a huge axis
        // before the empty one may be refused.
        let huge = c.shape.iter().any(|&n| n > 1 << 16);
        let result = ok.then(|| Model {
            shape,
            elem,
            offs: vec![],
        });
        return Expect {
            result,
            sure: !(ok && huge),
        };
    }
    let (mut lo, mut hi) = (c.offset as i128, c.offset as i128);
    for a in 0..3 {
        let reach = (c.shape[a] as i128 - 1) * c.strides[a] as i128;
        if reach < 0 {
            lo += reach;
        } else {
            hi += reach;
        }
    }
    if lo < 0 || hi >= c.len as i128 {
        return sure(None);
    }
    sure(Some(Model::build(shape, elem, |i| {
        let at: i128 = c.offset as i128
            + (0..3)
                .map(|a| i[a] as i128 * c.strides[a] as i128)
                .sum::<i128>();
        at as usize * elem
    })))
}

/// The pieces `axis_chunks(axis, size)` yields (at most `MAX_PIECES`) and their count.
fn chunk_models(m: &Model, axis: usize, size: usize) -> (Vec<Model>, usize) {
    let len = m.shape[axis];
    let count = len.div_ceil(size);
    let pieces = (0..count.min(MAX_PIECES))
        .map(|k| m.range(axis, k * size, ((k + 1) * size).min(len)))
        .collect();
    (pieces, count)
}

fn tile_models(m: &Model, rows: usize, columns: usize) -> (Vec<Model>, Option<usize>) {
    let (h, w) = (m.shape[0], m.shape[1]);
    let (bands, columns_count) = (h.div_ceil(rows), w.div_ceil(columns));
    // More tiles than `isize::MAX` (an empty view with huge axes) are refused.
    let Some(count) = bands
        .checked_mul(columns_count)
        .filter(|&n| n <= isize::MAX as usize)
    else {
        return (Vec::new(), None);
    };
    let mut pieces = Vec::new();
    if count == 0 {
        return (pieces, Some(0));
    }
    'out: for b in 0..bands {
        for t in 0..columns_count {
            if pieces.len() == MAX_PIECES {
                break 'out;
            }
            let band = m.range(0, b * rows, ((b + 1) * rows).min(h));
            pieces.push(band.range(1, t * columns, ((t + 1) * columns).min(w)));
        }
    }
    (pieces, Some(count))
}

/// The model's answer to `op` on a view of type `ty` whose first element is at byte address
/// `first`. Split operations are resolved to the piece they keep (`None`: there is none).
fn expect(op: &Op, m: &Model, ty: Ty, first: usize) -> (Option<Op>, Expect) {
    let relaxed = |e: Expect| Expect {
        // Strides of an empty view are unchecked, so derivations may overflow them.
        sure: e.sure && !(m.is_empty() && e.result.is_some()),
        ..e
    };
    let same = Some(op.clone());
    let e = match op {
        Op::Slice(axis, s) => sure(
            (*axis < 3)
                .then(|| resolve(m.shape[*axis], *s))
                .flatten()
                .map(|(start, count, step)| m.select(*axis, start, count, step)),
        ),
        Op::ChannelRange(s) => {
            return expect(&Op::Slice(2, *s), m, ty, first).map_op(|_| same);
        }
        Op::Crop(x, y, w, h) => {
            let fits = |start: usize, len: usize, total: usize| {
                start.checked_add(len).is_some_and(|end| end <= total)
            };
            sure(
                (fits(*x, *w, m.shape[1]) && fits(*y, *h, m.shape[0]))
                    .then(|| m.range(0, *y, y + h).range(1, *x, x + w)),
            )
        }
        Op::FlipH => sure(Some(m.reversed(1))),
        Op::FlipV => sure(Some(m.reversed(0))),
        Op::Flip(axis) => sure((*axis < 3).then(|| m.reversed(*axis))),
        Op::Transpose => sure(Some(m.permute(&[1, 0, 2]))),
        Op::Permute(axes) => {
            let valid = axes.iter().all(|&a| a < 3)
                && axes[0] != axes[1]
                && axes[1] != axes[2]
                && axes[0] != axes[2];
            sure(valid.then(|| m.permute(axes)))
        }
        Op::Cast(to) => cast(m, ty, *to, first),
        Op::SplitAt(axis, index, second) => {
            sure((*axis < 3 && *index <= m.shape[*axis]).then(|| {
                if *second {
                    m.range(*axis, *index, m.shape[*axis])
                } else {
                    m.range(*axis, 0, *index)
                }
            }))
        }
        Op::Chunks(axis, size, k) => {
            if *axis >= 3 || *size == 0 {
                sure(None)
            } else {
                let (pieces, count) = chunk_models(m, *axis, *size);
                if count == 0 {
                    return (None, sure(Some(m.clone())));
                }
                let k = k % pieces.len();
                let piece = pieces[k].clone();
                return (
                    Some(Op::Chunks(*axis, *size, k)),
                    relaxed(sure(Some(piece))),
                );
            }
        }
        Op::Tiles(rows, columns, k) => {
            if *rows == 0 || *columns == 0 {
                sure(None)
            } else {
                let (pieces, count) = tile_models(m, *rows, *columns);
                if count.is_none() {
                    return (same, sure(None));
                }
                if pieces.is_empty() {
                    return (None, sure(Some(m.clone())));
                }
                let k = k % pieces.len();
                let piece = pieces[k].clone();
                return (
                    Some(Op::Tiles(*rows, *columns, k)),
                    relaxed(sure(Some(piece))),
                );
            }
        }
        Op::ReshapeKind(kind) => {
            let len = m.len();
            let shape = match kind {
                0 => [len, 1, 1],
                1 => [1, len, 1],
                2 => [1, 1, len],
                3 => [len + 1, 1, 1], // another count: always refused
                4 => [0, 0, 0],
                k => {
                    let d = k % 9 + 1;
                    if len % d == 0 {
                        [d, len / d, 1]
                    } else {
                        [1, len, 1]
                    }
                }
            };
            let op = Op::Reshape(shape);
            let (_, e) = expect(&op, m, ty, first);
            return (Some(op), e);
        }
        Op::Reshape(shape) => {
            let count: usize = shape.iter().product();
            sure((count == m.len() && m.c_contiguous()).then(|| Model {
                shape: shape.to_vec(),
                elem: m.elem,
                offs: m.offs.clone(),
            }))
        }
        Op::Side(..) => unreachable!("side trips are not derivations"),
    };
    (same, relaxed(e))
}

trait MapOp {
    fn map_op(self, f: impl FnOnce(Option<Op>) -> Option<Op>) -> Self;
}
impl MapOp for (Option<Op>, Expect) {
    fn map_op(self, f: impl FnOnce(Option<Op>) -> Option<Op>) -> Self {
        (f(self.0), self.1)
    }
}

/// `cast` as documented: the innermost axis contiguous, its bytes a multiple of the new
/// itemsize, other byte strides too (axes of length 1 excepted), the first element aligned.
fn cast(m: &Model, from: Ty, to: Ty, first: usize) -> Expect {
    let (e1, e2) = (from.size(), to.size());
    let inner = m.shape[2];
    let new_inner = inner * e1 / e2;
    if m.is_empty() {
        let mut shape = m.shape.clone();
        shape[2] = new_inner;
        let result = (inner * e1 % e2 == 0).then(|| Model {
            shape,
            elem: e2,
            offs: vec![],
        });
        let sure = result.is_none();
        return Expect { result, sure };
    }
    let aligned = first % to.align() == 0;
    if e1 == e2 {
        return sure(aligned.then(|| Model {
            elem: e2,
            ..m.clone()
        }));
    }
    let ok = (inner <= 1 || m.step(2) == e1 as i128)
        && (inner * e1) % e2 == 0
        && (0..2).all(|a| m.shape[a] <= 1 || m.step(a) % e2 as i128 == 0)
        && aligned;
    let mut shape = m.shape.clone();
    shape[2] = new_inner;
    sure(ok.then(|| {
        Model::build(shape, e2, |i| {
            let byte = i[2] * e2;
            m.at(&[i[0], i[1], byte / e1]) + byte % e1
        })
    }))
}

// ---------------------------------------------------------------------------------------
// The views

#[derive(Clone, Copy)]
enum VS<'a> {
    U8(View<'a, u8, 3>),
    U16(View<'a, u16, 3>),
    Be(View<'a, U16Be, 3>),
}

enum VM<'a> {
    U8(ViewMut<'a, u8, 3>),
    U16(ViewMut<'a, u16, 3>),
    Be(ViewMut<'a, U16Be, 3>),
}

macro_rules! each {
    ($E:ident, $s:expr, |$v:ident| $body:expr) => {
        match $s {
            $E::U8($v) => ($body).map($E::U8),
            $E::U16($v) => ($body).map($E::U16),
            $E::Be($v) => ($body).map($E::Be),
        }
    };
}

macro_rules! cast_each {
    ($E:ident, $s:expr, $T:ty, $V:ident) => {
        match $s {
            $E::U8(v) => v.cast::<$T>().map($E::$V),
            $E::U16(v) => v.cast::<$T>().map($E::$V),
            $E::Be(v) => v.cast::<$T>().map($E::$V),
        }
    };
}

/// One derivation, the same code for `View` and `ViewMut`.
macro_rules! derive_op {
    ($E:ident, $s:expr, $op:expr) => {
        match $op {
            Op::Slice(a, sl) => each!($E, $s, |v| v.slice_along(*a, *sl)),
            Op::Crop(x, y, w, h) => each!($E, $s, |v| v.crop(*x, *y, *w, *h)),
            Op::FlipH => each!($E, $s, |v| Ok::<_, ViewError>(v.flip_horizontal())),
            Op::FlipV => each!($E, $s, |v| Ok::<_, ViewError>(v.flip_vertical())),
            Op::Flip(a) => each!($E, $s, |v| v.flip(*a)),
            Op::Transpose => each!($E, $s, |v| Ok::<_, ViewError>(v.transpose())),
            Op::Permute(axes) => each!($E, $s, |v| v.permute_axes(*axes)),
            Op::ChannelRange(sl) => each!($E, $s, |v| v.channel_range(*sl)),
            Op::Cast(Ty::U8) => cast_each!($E, $s, u8, U8),
            Op::Cast(Ty::U16) => cast_each!($E, $s, u16, U16),
            Op::Cast(Ty::Be) => cast_each!($E, $s, U16Be, Be),
            Op::SplitAt(a, i, second) => each!($E, $s, |v| v
                .split_at(*a, *i)
                .map(|(x, y)| if *second { y } else { x })),
            Op::Chunks(a, size, k) => each!($E, $s, |v| v
                .axis_chunks(*a, *size)
                .map(|mut it| it.nth(*k).expect("a piece the model counted"))),
            Op::Tiles(r, c, k) => each!($E, $s, |v| v
                .tiles(*r, *c)
                .map(|mut it| it.nth(*k).expect("a tile the model counted"))),
            Op::Reshape(shape) => each!($E, $s, |v| v.reshape(*shape)),
            Op::ReshapeKind(_) | Op::Side(..) => unreachable!("resolved before"),
        }
    };
}

impl VS<'_> {
    fn ty(&self) -> Ty {
        match self {
            VS::U8(_) => Ty::U8,
            VS::U16(_) => Ty::U16,
            VS::Be(_) => Ty::Be,
        }
    }
    fn first(&self) -> usize {
        match self {
            VS::U8(v) => v.as_ptr() as usize,
            VS::U16(v) => v.as_ptr() as usize,
            VS::Be(v) => v.as_ptr() as usize,
        }
    }
    fn check(&self, m: &Model, buf: Buf, ctx: &str) {
        match self {
            VS::U8(v) => check(*v, m, buf, ctx),
            VS::U16(v) => check(*v, m, buf, ctx),
            VS::Be(v) => check(*v, m, buf, ctx),
        }
    }
}

/// The buffer's byte address range.
#[derive(Clone, Copy, Debug)]
struct Buf {
    base: usize,
    len: usize,
}

enum Storage {
    Bytes(Vec<u8>),
    Words(Vec<u16>),
}

impl Storage {
    fn new(ty: Ty, len: usize, fill: impl Fn(usize) -> u8) -> Storage {
        let bytes: Vec<u8> = (0..len * ty.size()).map(fill).collect();
        match ty {
            Ty::U16 => Storage::Words(bytemuck::pod_collect_to_vec(&bytes)),
            _ => Storage::Bytes(bytes),
        }
    }
    fn bytes(&self) -> &[u8] {
        match self {
            Storage::Bytes(b) => b,
            Storage::Words(w) => bytemuck::cast_slice(w),
        }
    }
    fn buf(&self) -> Buf {
        let b = self.bytes();
        Buf {
            base: b.as_ptr() as usize,
            len: b.len(),
        }
    }
    fn view(&self, c: &Cons) -> Result<VS<'_>, ViewError> {
        fn make<'s, T: Sample>(s: &'s [T], c: &Cons) -> Result<View<'s, T, 3>, ViewError> {
            match c.mode {
                0 => View::from_slice(s, c.shape),
                1 => View::from_slice_with_strides(s, c.shape, c.strides, c.offset),
                _ => View::new(s).reshape(c.shape),
            }
        }
        match (self, c.ty) {
            (Storage::Bytes(b), Ty::U8) => make::<u8>(b, c).map(VS::U8),
            (Storage::Bytes(b), Ty::Be) => make::<U16Be>(bytemuck::cast_slice(b), c).map(VS::Be),
            (Storage::Words(w), Ty::U16) => make::<u16>(w, c).map(VS::U16),
            _ => unreachable!("storage of the type"),
        }
    }
    fn view_mut(&mut self, c: &Cons) -> Result<VM<'_>, ViewError> {
        fn make<'s, T: Sample>(s: &'s mut [T], c: &Cons) -> Result<ViewMut<'s, T, 3>, ViewError> {
            match c.mode {
                0 => ViewMut::from_slice(s, c.shape),
                1 => ViewMut::from_slice_with_strides(s, c.shape, c.strides, c.offset),
                _ => ViewMut::new(s).reshape(c.shape),
            }
        }
        match (self, c.ty) {
            (Storage::Bytes(b), Ty::U8) => make::<u8>(b, c).map(VM::U8),
            (Storage::Bytes(b), Ty::Be) => {
                make::<U16Be>(bytemuck::cast_slice_mut(b), c).map(VM::Be)
            }
            (Storage::Words(w), Ty::U16) => make::<u16>(w, c).map(VM::U16),
            _ => unreachable!("storage of the type"),
        }
    }
}

/// Distinct-looking bytes, never zero: a wrong element shows.
fn pattern(k: usize) -> u8 {
    ((k.wrapping_mul(0x9E37_79B9) >> 7) % 255 + 1) as u8
}

// ---------------------------------------------------------------------------------------
// Checks

fn check<T: Sample, const D: usize>(v: View<'_, T, D>, m: &Model, buf: Buf, ctx: &str) {
    let size = size_of::<T>();
    assert_eq!(&v.shape()[..], &m.shape[..], "{ctx}: shape");
    assert_eq!(v.itemsize(), m.elem, "{ctx}: itemsize");
    assert_eq!(v.base_bytes(), buf.len, "{ctx}: base_bytes");
    assert_eq!(v.is_empty(), m.is_empty(), "{ctx}: is_empty");
    for a in 0..D {
        for outside in [v.shape()[a], usize::MAX] {
            let mut idx = [0; D];
            idx[a] = outside;
            assert!(
                v.get_ref(idx).is_none(),
                "{ctx}: get {idx:?} outside the shape"
            );
        }
    }
    let ptr = v.as_ptr() as usize;
    if m.is_empty() {
        assert_eq!(v.len(), 0, "{ctx}: len");
        assert!(v.to_bytes(Order::C).is_empty() && v.to_bytes(Order::F).is_empty());
        assert!(
            v.to_vec().is_empty() && v.iter().next().is_none(),
            "{ctx}: empty"
        );
        assert!(v.lanes().next().is_none(), "{ctx}: lanes of an empty view");
        assert!(
            ptr >= buf.base && ptr <= buf.base + buf.len,
            "{ctx}: an empty view's pointer left its buffer"
        );
        return;
    }
    assert_eq!(v.len(), m.len(), "{ctx}: len");
    let mut c_bytes = Vec::with_capacity(m.len() * size);
    let mut values = Vec::with_capacity(m.len());
    let mut k = 0;
    for_each_index(&m.shape, |idx| {
        let ix: [usize; D] = idx.try_into().unwrap();
        let r = v
            .get_ref(ix)
            .unwrap_or_else(|| panic!("{ctx}: get {idx:?} inside the shape is None"));
        let addr = r as *const T as usize;
        assert!(
            addr >= buf.base && addr + size <= buf.base + buf.len,
            "{ctx}: element {idx:?} at byte {} is outside the buffer of {} bytes",
            addr as isize - buf.base as isize,
            buf.len
        );
        assert_eq!(
            addr % align_of::<T>(),
            0,
            "{ctx}: element {idx:?} misaligned"
        );
        assert_eq!(addr - buf.base, m.offs[k], "{ctx}: element {idx:?} offset");
        c_bytes.extend_from_slice(bytemuck::bytes_of(r));
        values.push(r.to_value());
        k += 1;
    });
    // The extent from shape, strides and offset lies inside the buffer.
    let (first, strides) = (v.offset_bytes() as i128, v.strides());
    assert_eq!(first, m.offs[0] as i128, "{ctx}: offset_bytes");
    assert_eq!(ptr - buf.base, m.offs[0], "{ctx}: as_ptr");
    let (mut lo, mut hi) = (0i128, 0i128);
    for a in 0..D {
        let reach = (v.shape()[a] as i128 - 1) * strides[a] as i128;
        if reach < 0 {
            lo += reach;
        } else {
            hi += reach;
        }
    }
    assert!(
        first + lo * size as i128 >= 0 && first + (hi + 1) * size as i128 <= buf.len as i128,
        "{ctx}: extent {lo}..={hi} from {first} leaves the buffer of {}",
        buf.len
    );
    for (a, &s) in strides.iter().enumerate() {
        if v.shape()[a] > 1 {
            assert_eq!(
                v.byte_strides()[a],
                s * size as isize,
                "{ctx}: byte_strides"
            );
        }
    }
    // Copies out equal references built with get_ref.
    assert!(v.to_bytes(Order::C) == c_bytes, "{ctx}: to_bytes(C)");
    let mut f_bytes = Vec::with_capacity(c_bytes.len());
    let reversed: Vec<usize> = m.shape.iter().rev().copied().collect();
    for_each_index(&reversed, |ridx| {
        let flat = ridx
            .iter()
            .rev()
            .zip(&m.shape)
            .fold(0, |k, (&i, &n)| k * n + i);
        f_bytes.extend_from_slice(&c_bytes[flat * size..(flat + 1) * size]);
    });
    assert!(v.to_bytes(Order::F) == f_bytes, "{ctx}: to_bytes(F)");
    assert!(v.to_vec() == values, "{ctx}: to_vec");
    assert!(v.values().eq(values.iter().copied()), "{ctx}: values");
    assert!(
        v.iter()
            .map(|r| r as *const T as usize - buf.base)
            .eq(m.offs.iter().copied()),
        "{ctx}: iter"
    );
    let contiguous = m.c_contiguous();
    assert_eq!(v.is_c_contiguous(), contiguous, "{ctx}: is_c_contiguous");
    assert_eq!(v.as_slice().is_some(), contiguous, "{ctx}: as_slice");
    assert_eq!(v.lanes().len(), m.len() / m.shape[D - 1], "{ctx}: lanes");
    if m.len() <= 64 {
        let hex: String = c_bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(v.hex(), hex, "{ctx}: hex");
    }
    // Equal contents in other layouts: equal bytes, equal views.
    let c_copy: Vec<T> = bytemuck::pod_collect_to_vec(&c_bytes);
    let c_view = View::from_slice(&c_copy, v.shape()).unwrap();
    assert!(
        c_view.to_bytes(Order::C) == c_bytes && v == c_view,
        "{ctx}: C copy"
    );
    let f_copy: Vec<T> = bytemuck::pod_collect_to_vec(&f_bytes);
    let mut f_strides = [1isize; D];
    for a in 1..D {
        f_strides[a] = f_strides[a - 1] * v.shape()[a - 1] as isize;
    }
    let f_view = View::from_slice_with_strides(&f_copy, v.shape(), f_strides, 0).unwrap();
    assert!(
        f_view.to_bytes(Order::C) == c_bytes && v == f_view,
        "{ctx}: F copy"
    );
    assert!(
        f_view.to_bytes(Order::F) == f_bytes,
        "{ctx}: F copy, F order"
    );
}

/// 2-D and 1-D views derived from `v`, checked and dropped.
fn side<T: Sample>(
    v: View<'_, T, 3>,
    m: &Model,
    (c, y, x): (usize, usize, usize),
    root: Option<View<'_, T, 3>>,
    buf: Buf,
    ctx: &str,
) {
    let [h, w, channels] = v.shape();
    let ch = v.channel(c);
    assert_eq!(ch.is_ok(), c < channels, "{ctx}: channel({c})");
    if let Ok(ch) = ch {
        let m2 = m.remove(2, c);
        check(ch, &m2, buf, &format!("{ctx}, channel({c})"));
        side2(ch, &m2, (y, x), buf, &format!("{ctx}, channel({c})"));
    }
    let row = v.row(y);
    assert_eq!(row.is_ok(), y < h, "{ctx}: row({y})");
    if let Ok(row) = row {
        let m2 = m.remove(0, y);
        check(row, &m2, buf, &format!("{ctx}, row({y})"));
        side2(row, &m2, (x, c), buf, &format!("{ctx}, row({y})"));
    }
    let pixel = v.pixel(x, y);
    assert_eq!(pixel.is_ok(), x < w && y < h, "{ctx}: pixel({x}, {y})");
    if let Ok(p) = pixel {
        check(
            p,
            &m.remove(0, y).remove(0, x),
            buf,
            &format!("{ctx}, pixel({x}, {y})"),
        );
    }
    let rows = v.rows();
    assert_eq!(rows.len(), h, "{ctx}: rows().len()");
    for (k, row) in rows.take(MAX_PIECES).enumerate() {
        check(row, &m.remove(0, k), buf, &format!("{ctx}, rows()[{k}]"));
    }
    let planes = v.split_channels();
    assert_eq!(planes.len(), channels, "{ctx}: split_channels().len()");
    for (k, plane) in planes.take(MAX_PIECES).enumerate() {
        check(
            plane,
            &m.remove(2, k),
            buf,
            &format!("{ctx}, split_channels()[{k}]"),
        );
    }
    let flat = v.reshape([m.len()]);
    if !m.is_empty() {
        assert_eq!(flat.is_ok(), m.c_contiguous(), "{ctx}: reshape to 1-D");
    }
    if let Ok(flat) = flat {
        let m1 = Model {
            shape: vec![m.len()],
            elem: m.elem,
            offs: m.offs.clone(),
        };
        check(flat, &m1, buf, &format!("{ctx}, reshape to 1-D"));
    }
    if let Some(root) = root {
        if let Some(idx) = v.position_in(&root) {
            let at = root.get_ref(idx).map(|r| r as *const T as usize);
            assert_eq!(
                at,
                Some(v.as_ptr() as usize),
                "{ctx}: position_in = {idx:?}"
            );
        }
    }
}

fn side2<T: Sample>(v: View<'_, T, 2>, m: &Model, (r, c): (usize, usize), buf: Buf, ctx: &str) {
    let [rows, columns] = v.shape();
    check(
        v.transpose(),
        &m.permute(&[1, 0]),
        buf,
        &format!("{ctx}, transpose"),
    );
    let row = v.row(r);
    assert_eq!(row.is_ok(), r < rows, "{ctx}: row({r})");
    if let Ok(row) = row {
        check(row, &m.remove(0, r), buf, &format!("{ctx}, row({r})"));
    }
    let column = v.column(c);
    assert_eq!(column.is_ok(), c < columns, "{ctx}: column({c})");
    if let Ok(column) = column {
        check(column, &m.remove(1, c), buf, &format!("{ctx}, column({c})"));
    }
    let all = v.rows();
    assert_eq!(all.len(), rows, "{ctx}: rows().len()");
    for (k, row) in all.take(MAX_PIECES).enumerate() {
        check(row, &m.remove(0, k), buf, &format!("{ctx}, rows()[{k}]"));
    }
}

/// Every piece of a split, checked against the model's pieces.
fn pieces<T: Sample>(v: View<'_, T, 3>, op: &Op, m: &Model, buf: Buf, ctx: &str) {
    match *op {
        Op::Chunks(axis, size, _) if axis < 3 && size > 0 => {
            let (models, count) = chunk_models(m, axis, size);
            let chunks = v.axis_chunks(axis, size).unwrap();
            assert_eq!(
                chunks.len(),
                count,
                "{ctx}: axis_chunks({axis}, {size}).len()"
            );
            let mut seen = 0;
            for (k, (piece, model)) in chunks.zip(&models).enumerate() {
                check(piece, model, buf, &format!("{ctx}, axis_chunks piece {k}"));
                seen += 1;
            }
            assert_eq!(seen, models.len(), "{ctx}: axis_chunks pieces");
            if axis == 0 {
                assert_eq!(v.bands(size).unwrap().len(), count, "{ctx}: bands({size})");
            }
        }
        Op::Tiles(rows, columns, _) if rows > 0 && columns > 0 => {
            let (models, count) = tile_models(m, rows, columns);
            let Some(count) = count else {
                assert!(
                    matches!(
                        v.tiles(rows, columns),
                        Err(ViewError::SizeOverflow { axis: 1, .. })
                    ),
                    "{ctx}: tiles({rows}, {columns}) past isize::MAX"
                );
                return;
            };
            let mut tiles = v.tiles(rows, columns).unwrap();
            assert_eq!(tiles.len(), count, "{ctx}: tiles({rows}, {columns}).len()");
            for (k, model) in models.iter().enumerate() {
                let tile = tiles
                    .next()
                    .unwrap_or_else(|| panic!("{ctx}: tiles({rows}, {columns}) ends at {k}"));
                check(tile, model, buf, &format!("{ctx}, tile {k}"));
            }
            if count <= MAX_PIECES {
                assert!(tiles.next().is_none(), "{ctx}: more than {count} tiles");
            }
        }
        Op::SplitAt(axis, index, _) if axis < 3 && index <= m.shape[axis] => {
            let (a, b) = v.split_at(axis, index).unwrap();
            let len = m.shape[axis];
            check(
                a,
                &m.range(axis, 0, index),
                buf,
                &format!("{ctx}, first half"),
            );
            check(
                b,
                &m.range(axis, index, len),
                buf,
                &format!("{ctx}, second half"),
            );
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// The run

fn run(cons: &Cons, ops: &[Op]) {
    let storage = Storage::new(cons.ty, cons.len, pattern);
    let buf = storage.buf();
    let start = construct(cons);
    let ctx = format!("{cons:?}");
    let built = storage.view(cons);
    match (&built, &start.result) {
        (Ok(_), Some(_)) | (Err(_), None) => {}
        (Err(_), Some(_)) if !start.sure => {}
        (Ok(_), None) => panic!("{ctx}: accepted a view the model refuses"),
        (Err(e), Some(_)) => panic!("{ctx}: refused a view the model accepts: {e}"),
    }
    let (Ok(root), Some(root_model)) = (built, start.result) else {
        return;
    };
    root.check(&root_model, buf, &ctx);

    let (mut vs, mut m) = (root, root_model.clone());
    let mut replay = Vec::new();
    for (step, op) in ops.iter().enumerate() {
        let ctx = format!("{ctx}, step {step} {op:?}");
        if let Op::Side(c, y, x) = *op {
            match (vs, root) {
                (VS::U8(v), VS::U8(r)) => side(v, &m, (c, y, x), Some(r), buf, &ctx),
                (VS::U8(v), _) => side(v, &m, (c, y, x), None, buf, &ctx),
                (VS::U16(v), VS::U16(r)) => side(v, &m, (c, y, x), Some(r), buf, &ctx),
                (VS::U16(v), _) => side(v, &m, (c, y, x), None, buf, &ctx),
                (VS::Be(v), VS::Be(r)) => side(v, &m, (c, y, x), Some(r), buf, &ctx),
                (VS::Be(v), _) => side(v, &m, (c, y, x), None, buf, &ctx),
            }
            continue;
        }
        match vs {
            VS::U8(v) => pieces(v, op, &m, buf, &ctx),
            VS::U16(v) => pieces(v, op, &m, buf, &ctx),
            VS::Be(v) => pieces(v, op, &m, buf, &ctx),
        }
        let (resolved, e) = expect(op, &m, vs.ty(), vs.first());
        let Some(resolved) = resolved else {
            continue; // a split into no pieces: nothing to keep
        };
        let got = derive_op!(VS, vs, &resolved);
        match (got, e.result) {
            (Ok(new), Some(next)) => {
                new.check(&next, buf, &ctx);
                (vs, m) = (new, next);
                replay.push(resolved);
            }
            (Err(_), None) => {}
            (Err(_), Some(_)) if !e.sure => {}
            (Err(err), Some(next)) => {
                panic!(
                    "{ctx}: refused ({err}); the model gives shape {:?}",
                    next.shape
                )
            }
            (Ok(new), None) => {
                let shape = match new {
                    VS::U8(v) => v.shape(),
                    VS::U16(v) => v.shape(),
                    VS::Be(v) => v.shape(),
                };
                panic!("{ctx}: accepted (shape {shape:?}); the model refuses")
            }
        }
    }

    run_mut(cons, &root_model, &replay, vs, &m, &storage);
}

/// The same chain on a `ViewMut` over a zeroed buffer: `copy_from`, `iter_mut` and `fill` must
/// write exactly the model's elements.
fn run_mut(cons: &Cons, root_model: &Model, replay: &[Op], source: VS<'_>, m: &Model, a: &Storage) {
    let ctx = format!("{cons:?} as ViewMut, {replay:?}");
    let mut target = Storage::new(cons.ty, cons.len, |_| 0);
    let buf = target.buf();
    match target.view_mut(cons) {
        Ok(_) => assert!(
            root_model.distinct(),
            "{ctx}: a writable view reaches an element twice"
        ),
        Err(_) => return, // the aliasing check is conservative: refusing is allowed
    }
    {
        let vm = replay_mut(&mut target, cons, replay, &ctx);
        match &vm {
            VM::U8(v) => check(v.view(), m, buf, &ctx),
            VM::U16(v) => check(v.view(), m, buf, &ctx),
            VM::Be(v) => check(v.view(), m, buf, &ctx),
        }
    }

    let in_model = {
        let mut mark = vec![false; buf.len];
        for &o in &m.offs {
            mark[o..o + m.elem].iter_mut().for_each(|b| *b = true);
        }
        mark
    };
    let verify = |target: &Storage, expected: &dyn Fn(usize, usize) -> u8, what: &str| {
        let bytes = target.bytes();
        for (k, &o) in m.offs.iter().enumerate() {
            for j in 0..m.elem {
                assert_eq!(
                    bytes[o + j],
                    expected(k, j),
                    "{ctx}: {what}: element {k} byte {j}"
                );
            }
        }
        for (i, &b) in bytes.iter().enumerate() {
            assert!(
                in_model[i] || b == 0,
                "{ctx}: {what} wrote byte {i} outside the view"
            );
        }
    };

    // copy_from the View chain's result (same shape, other buffer).
    {
        let mut vm = replay_mut(&mut target, cons, replay, &ctx);
        match (&mut vm, source) {
            (VM::U8(t), VS::U8(s)) => t.copy_from(s).unwrap(),
            (VM::U16(t), VS::U16(s)) => t.copy_from(s).unwrap(),
            (VM::Be(t), VS::Be(s)) => t.copy_from(s).unwrap(),
            _ => panic!("{ctx}: the two chains end in different sample types"),
        }
    }
    let source_bytes = a.bytes();
    verify(&target, &|k, j| source_bytes[m.offs[k] + j], "copy_from");

    // iter_mut, element k in C order gets pattern bytes.
    let mut target = Storage::new(cons.ty, cons.len, |_| 0);
    let buf2 = target.buf();
    assert_eq!(buf2.len, buf.len);
    {
        let mut vm = replay_mut(&mut target, cons, replay, &ctx);
        fn write<T: Sample>(v: &mut ViewMut<'_, T, 3>) {
            for (k, s) in v.iter_mut().enumerate() {
                let bytes: Vec<u8> = (0..size_of::<T>()).map(|j| pattern(k * 7 + j)).collect();
                *s = bytemuck::pod_read_unaligned(&bytes);
            }
        }
        match &mut vm {
            VM::U8(v) => write(v),
            VM::U16(v) => write(v),
            VM::Be(v) => write(v),
        }
    }
    verify(&target, &|k, j| pattern(k * 7 + j), "iter_mut");

    // fill.
    let mut target = Storage::new(cons.ty, cons.len, |_| 0);
    {
        let mut vm = replay_mut(&mut target, cons, replay, &ctx);
        match &mut vm {
            VM::U8(v) => v.fill(0x5a),
            VM::U16(v) => v.fill(u16::from_ne_bytes([0x5a, 0xa5])),
            VM::Be(v) => v.fill(0x5aa5),
        }
    }
    verify(&target, &|_, j| [0x5a, 0xa5][j], "fill");
}

fn replay_mut<'a>(storage: &'a mut Storage, cons: &Cons, replay: &[Op], ctx: &str) -> VM<'a> {
    let mut vm = storage.view_mut(cons).unwrap();
    for op in replay {
        vm = derive_op!(VM, vm, op)
            .unwrap_or_else(|e| panic!("{ctx}: ViewMut refuses {op:?} that View took: {e}"));
    }
    vm
}
