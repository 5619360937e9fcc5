//! Point operations through a lookup table (brightness, contrast, gamma, threshold, invert and
//! any composition of them: one table, one pass), and grayscale (luma).

use crate::error::{Result, ViewError};
use crate::ops::transposed::along_columns;
use crate::ops::traverse::{RUN_GRANULE, for_each_run, in_pieces, source_forwards, write_row};
use crate::owned::ImageBuf;
use crate::raw::{View, ViewMut, chain_pixel_rows};
use crate::sample::{Sample, U16Be, U16Le};
use crate::simd::{self, ChannelOrder, Divide, LumaFormula, Stores};

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
}

/// Integer samples small enough for a table of every value: `u8` (256 entries) and `u16`
/// (65 536 entries, 128 KiB).
pub trait LutSample: Sample<Value = Self> + Into<f64> + sealed::Sealed {
    /// Number of distinct values.
    const LEN: usize;
    /// Largest value, as a float.
    const MAX: f64;
    /// The value as a table index.
    fn index(self) -> usize;
    /// The nearest value to `v`, clamped to the range.
    fn from_f64(v: f64) -> Self;
}

impl LutSample for u8 {
    const LEN: usize = 256;
    const MAX: f64 = 255.0;
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
    fn from_f64(v: f64) -> Self {
        v.round().clamp(0.0, 255.0) as u8
    }
}

impl LutSample for u16 {
    const LEN: usize = 65536;
    const MAX: f64 = 65535.0;
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
    fn from_f64(v: f64) -> Self {
        v.round().clamp(0.0, 65535.0) as u16
    }
}

/// A table mapping every sample value to a new one.
///
/// ```
/// use viewlib::{ops::Lut, ViewMut};
/// let mut px = [0u8, 64, 128, 255];
/// let lut = Lut::<u8>::gamma(0.5).then(&Lut::threshold(128));
/// ViewMut::new(&mut px).map_in_place(&lut);
/// assert_eq!(px, [0, 255, 255, 255]);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Lut<T> {
    table: Box<[T]>,
}

impl<T: LutSample> Lut<T> {
    /// The table of `f` over every value.
    pub fn from_fn(f: impl Fn(T) -> T) -> Self {
        let table = (0..T::LEN)
            .map(|i| f(T::from_f64(i as f64)))
            .collect::<Vec<_>>()
            .into_boxed_slice();
        Lut { table }
    }

    /// The table of `f` on values scaled to `0.0..=1.0` (rounded and clamped back).
    pub fn from_unit_fn(f: impl Fn(f64) -> f64) -> Self {
        Lut::from_fn(|v: T| T::from_f64(f(v.into() / T::MAX) * T::MAX))
    }

    /// Leaves every value as it is.
    #[must_use]
    pub fn identity() -> Self {
        Lut::from_fn(|v| v)
    }

    /// Adds `delta` (a fraction of the full range, `-1.0..=1.0`), clamped.
    ///
    /// ```
    /// let lut = viewlib::ops::Lut::<u8>::brightness(0.1);
    /// assert_eq!((lut.get(0), lut.get(250)), (26, 255));
    /// ```
    #[must_use]
    pub fn brightness(delta: f64) -> Self {
        Lut::from_unit_fn(|v| v + delta)
    }

    /// Scales the distance from mid-gray by `factor` (`> 1` more contrast), clamped.
    ///
    /// ```
    /// let lut = viewlib::ops::Lut::<u8>::contrast(2.0);
    /// assert_eq!((lut.get(32), lut.get(224)), (0, 255));
    /// assert!(lut.get(100) < 100 && lut.get(160) > 160);
    /// ```
    #[must_use]
    pub fn contrast(factor: f64) -> Self {
        Lut::from_unit_fn(|v| (v - 0.5) * factor + 0.5)
    }

    /// `v^gamma` on the unit range (`gamma < 1` brightens).
    ///
    /// ```
    /// let lut = viewlib::ops::Lut::<u16>::gamma(2.0);
    /// assert_eq!((lut.get(0), lut.get(32768), lut.get(65535)), (0, 16384, 65535));
    /// ```
    #[must_use]
    pub fn gamma(gamma: f64) -> Self {
        Lut::from_unit_fn(|v| v.powf(gamma))
    }

    /// Maximum at and above `level`, zero below.
    ///
    /// ```
    /// let lut = viewlib::ops::Lut::<u8>::threshold(100);
    /// assert_eq!((lut.get(99), lut.get(100)), (0, 255));
    /// ```
    pub fn threshold(level: T) -> Self {
        let (low, high) = (T::from_f64(0.0), T::from_f64(T::MAX));
        Lut::from_fn(|v: T| {
            if v.index() >= level.index() {
                high
            } else {
                low
            }
        })
    }

    /// `MAX - v`.
    #[must_use]
    pub fn invert() -> Self {
        Lut::from_fn(|v: T| T::from_f64(T::MAX - v.into()))
    }

    /// This table followed by `next`: one table, one pass for both.
    #[must_use]
    pub fn then(&self, next: &Lut<T>) -> Self {
        Lut::from_fn(|v| next.get(self.get(v)))
    }

    /// The value `v` maps to.
    #[inline(always)]
    #[must_use]
    pub fn get(&self, v: T) -> T {
        self.table[v.index()]
    }

    fn apply<S: Sample<Value = T>>(&self, run: &mut [S]) {
        if let (Some(run), Some(table)) = (simd::as_u8(run), simd::as_u8_ref(&self.table)) {
            let table = table.try_into().expect("a u8 table has 256 entries");
            return simd::lut_u8(simd::Supported::active(), table, run);
        }
        // A fixed-length table lets the compiler drop the bounds check (index < LEN).
        let table = &self.table[..T::LEN];
        for v in run {
            *v = S::from_value(table[v.to_value().index()]);
        }
    }
}

impl<T: LutSample> core::fmt::Debug for Lut<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lut")
            .field("format", &T::FORMAT)
            .finish_non_exhaustive()
    }
}

impl<S: Sample, const D: usize> ViewMut<'_, S, D>
where
    S::Value: LutSample,
{
    /// Replaces every sample `v` with `lut.get(v)`, in parallel for large views, on any layout.
    /// Exclude alpha with `channel_range(..3)` first. Byte-order samples ([`U16Be`](crate::U16Be))
    /// go through the table of their value type.
    ///
    /// ```
    /// use viewlib::{ops::Lut, U16Be, ViewMut};
    /// let mut px = [U16Be::new(0), U16Be::new(1000), U16Be::new(65535)];
    /// ViewMut::new(&mut px).map_in_place(&Lut::<u16>::invert());
    /// assert_eq!(px.map(U16Be::get), [65535, 64535, 0]);
    /// ```
    pub fn map_in_place(self, lut: &Lut<S::Value>) {
        for_each_run(self, &|run: &mut [S]| lut.apply(run), &|v: &mut S| {
            *v = S::from_value(lut.get(v.to_value()))
        });
    }
}

/// The weights grayscale gives red, green and blue.
///
/// ```
/// use viewlib::{ops::LumaWeights, View};
/// let green = View::from_slice(&[0u8, 255, 0], [1, 1, 3])?;
/// assert_eq!(green.to_luma()?.as_slice(), [182]); // 0.7152 x 255, truncated
/// assert_eq!(green.to_luma_with(LumaWeights::Bt601)?.as_slice(), [150]); // 0.587 x 255, rounded
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum LumaWeights {
    /// ITU-R BT.709 (0.2126, 0.7152, 0.0722) with the `image` crate's arithmetic, so results
    /// are byte-identical to its `to_luma8`/`to_luma16`: `(2126 R + 7152 G + 722 B) / 10000`,
    /// truncated, for integers. The default.
    #[default]
    Rec709,
    /// ITU-R BT.601 (0.299, 0.587, 0.114) with OpenCV's arithmetic, so results are
    /// byte-identical to `cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)`: `(4899 R + 9617 G + 1868 B +
    /// 8192) >> 14`, rounded, for integers. (Pillow's `convert("L")` uses the same weights in
    /// 16-bit fixed point and differs by one on a few values.)
    Bt601,
}

impl LumaWeights {
    /// The weights of `f32` samples.
    fn float_weights(self) -> [f32; 3] {
        match self {
            LumaWeights::Rec709 => [0.2126, 0.7152, 0.0722],
            LumaWeights::Bt601 => [0.299, 0.587, 0.114],
        }
    }

    fn formula(self) -> LumaFormula {
        match self {
            LumaWeights::Rec709 => LumaFormula {
                weights: [2126, 7152, 722],
                divide: Divide::By10000,
            },
            LumaWeights::Bt601 => LumaFormula {
                weights: [4899, 9617, 1868],
                divide: Divide::RoundShift(14),
            },
        }
    }
}

/// Sample types grayscale is defined for: `u8` and `u16` (also in a fixed byte order,
/// [`U16Be`] and [`U16Le`]) with integer arithmetic, and `f32` (see [`LumaWeights`]).
pub trait Luma: Sample {
    /// The luma of one RGB pixel.
    fn luma(rgb: [Self; 3], weights: LumaWeights) -> Self;
}

macro_rules! integer_luma {
    ($($t:ty),*) => {$(
        impl Luma for $t {
            #[inline(always)]
            fn luma(rgb: [Self; 3], weights: LumaWeights) -> Self {
                // The weighted sums fit u32 for 16-bit samples too.
                weights.formula().apply(rgb.map(u32::from)) as $t
            }
        }
    )*};
}
integer_luma!(u8, u16);

macro_rules! byte_order_luma {
    ($($t:ty),*) => {$(
        /// 16-bit samples in a fixed byte order (PNG's big-endian ones as stored): the luma of
        /// their values, as for `u16`, stored back in the same byte order.
        ///
        /// ```
        #[doc = concat!("use viewlib::{", stringify!($t), ", View};")]
        #[doc = concat!("let rgb = [65535u16, 0, 0].map(", stringify!($t), "::new);")]
        /// let gray = View::from_slice(&rgb, [1, 1, 3])?.to_luma()?;
        /// assert_eq!(gray.view().get([0, 0, 0]), Some(13932)); // 2126 x 65535 / 10000
        /// # Ok::<(), viewlib::ViewError>(())
        /// ```
        impl Luma for $t {
            #[inline(always)]
            fn luma(rgb: [Self; 3], weights: LumaWeights) -> Self {
                <$t>::new(u16::luma(rgb.map(<$t>::get), weights))
            }
        }
    )*};
}
byte_order_luma!(U16Be, U16Le);

/// From this many bytes of output on, luma writes it with non-temporal stores where the
/// path has them (`Stores::Streaming`): more than a large L2 holds, so it would leave the
/// caches before it is read again anyway, and each cached store first reads its line. A
/// 1080p `f32` RGB image's luma (8 MiB out, 24 MiB in) took 0.68-0.77 ms streamed against
/// 0.99-1.15 ms cached on one thread (AMD EPYC, 32 MiB L3, in a loop that reads the same
/// input each time).
const STREAMING_MIN_BYTES: usize = 4 << 20;

impl Luma for f32 {
    #[inline(always)]
    fn luma([r, g, b]: [Self; 3], weights: LumaWeights) -> Self {
        // The vector paths (`simd::luma_f32`) evaluate the same expression in the same order.
        let [wr, wg, wb] = weights.float_weights();
        wr * r + wg * g + wb * b
    }
}

impl<T: Luma> View<'_, T, 3> {
    /// Grayscale into `dst` (`[height, width]`): the luma of RGB or RGBA pixels (alpha is
    /// dropped) with the default [`LumaWeights::Rec709`], or channel 0 of gray and gray+alpha
    /// images.
    ///
    /// ```
    /// use viewlib::{View, ViewMut};
    /// let rgb = [255u8, 0, 0, 0, 0, 255];
    /// let mut gray = [0u8; 2];
    /// View::from_slice(&rgb, [1, 2, 3])?.luma_into(ViewMut::from_slice(&mut gray, [1, 2])?)?;
    /// assert_eq!(gray, [54, 18]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn luma_into(self, dst: ViewMut<'_, T, 2>) -> Result<()> {
        self.luma_into_with(dst, LumaWeights::Rec709)
    }

    /// Grayscale into `dst` with the given weights (see [`luma_into`](Self::luma_into)).
    ///
    /// ```
    /// use viewlib::{ops::LumaWeights, View, ViewMut};
    /// let rgb = [255u8, 0, 0, 0, 0, 255];
    /// let mut gray = [0u8; 2];
    /// let dst = ViewMut::from_slice(&mut gray, [1, 2])?;
    /// View::from_slice(&rgb, [1, 2, 3])?.luma_into_with(dst, LumaWeights::Bt601)?;
    /// assert_eq!(gray, [76, 29]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn luma_into_with(self, dst: ViewMut<'_, T, 2>, weights: LumaWeights) -> Result<()> {
        let [h, w, channels] = self.shape();
        if dst.shape() != [h, w] {
            let axis = usize::from(dst.shape()[0] == h);
            return Err(ViewError::ShapeMismatch {
                axis,
                expected: dst.shape()[axis],
                found: [h, w][axis],
            });
        }
        if channels < 3 {
            return self.extract_channel_into(0, dst);
        }
        let stores = if dst.nbytes() >= STREAMING_MIN_BYTES {
            Stores::Streaming
        } else {
            Stores::Cached
        };
        // Read a mirrored source forwards, and a channel-reversed one (a BGR image seen as
        // RGB) as the BGR pixels it holds; one long run where the rows chain (any pixel may
        // start a piece then).
        let (dst, mut src) = source_forwards(dst, self);
        let mut order = ChannelOrder::Rgb;
        if channels == 3 && src.strides()[2] < 0 {
            src = src.flip(2)?;
            order = ChannelOrder::Bgr;
        }
        // A transposed source: its columns are the rows in memory.
        let luma = |d: &mut [T], s: &[T]| luma_run(d, s, channels, weights, order, Stores::Cached);
        let Err((dst, src)) = along_columns(dst, src, &luma) else {
            return Ok(());
        };
        in_pieces(chain_pixel_rows(dst, src), RUN_GRANULE, |(d, s)| {
            for (d, s) in d.rows().zip(s.rows()) {
                luma_row(d, s, weights, order, stores);
            }
        });
        Ok(())
    }

    /// Grayscale into a new `[height, width, 1]` image (see [`luma_into`](Self::luma_into)).
    ///
    /// ```
    /// let rgb = [255u8, 0, 0, 0, 255, 0];
    /// let gray = viewlib::View::from_slice(&rgb, [1, 2, 3])?.to_luma()?;
    /// assert_eq!(gray.as_slice(), [54, 182]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn to_luma(self) -> Result<ImageBuf<T>> {
        self.to_luma_with(LumaWeights::Rec709)
    }

    /// Grayscale with the given weights into a new `[height, width, 1]` image.
    ///
    /// ```
    /// use viewlib::{ops::LumaWeights, View};
    /// let rgb = [255u8, 0, 0, 0, 255, 0];
    /// let gray = View::from_slice(&rgb, [1, 2, 3])?.to_luma_with(LumaWeights::Bt601)?;
    /// assert_eq!(gray.as_slice(), [76, 150]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn to_luma_with(self, weights: LumaWeights) -> Result<ImageBuf<T>> {
        let mut out = ImageBuf::new(self.height(), self.width(), 1)?;
        self.luma_into_with(out.view_mut().channel(0)?, weights)?;
        Ok(out)
    }
}

impl<T: Luma> View<'_, T, 3> {
    /// Grayscale keeping alpha into `dst` (`[height, width, 2]`): luma and alpha of RGBA
    /// pixels, or a copy of a gray+alpha image. Like the `image` crate's
    /// `DynamicImage::grayscale` on images with alpha.
    ///
    /// ```
    /// use viewlib::{ImageBuf, View};
    /// let rgba = [255u8, 0, 0, 128, 0, 255, 0, 255];
    /// let mut gray = ImageBuf::<u8>::new(1, 2, 2)?;
    /// View::from_slice(&rgba, [1, 2, 4])?.luma_alpha_into(gray.view_mut())?;
    /// assert_eq!(gray.as_slice(), [54, 128, 182, 255]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn luma_alpha_into(self, dst: ViewMut<'_, T, 3>) -> Result<()> {
        let [h, w, channels] = self.shape();
        if channels != 2 && channels != 4 {
            return Err(ViewError::ShapeMismatch {
                axis: 2,
                expected: 4,
                found: channels,
            });
        }
        let expected = [h, w, 2];
        if let Some(axis) = (0..3).find(|&a| dst.shape()[a] != expected[a]) {
            return Err(ViewError::ShapeMismatch {
                axis,
                expected: expected[axis],
                found: dst.shape()[axis],
            });
        }
        if channels == 2 {
            return crate::ops::copy(dst, self);
        }
        in_pieces((dst, self), 0, |(d, s)| {
            for (d, s) in d.rows().zip(s.rows()) {
                match (d.is_c_contiguous(), s.as_slice()) {
                    (true, Some(s)) => {
                        let d = d.into_slice_mut().expect("contiguous");
                        let pairs = d.as_chunks_mut::<2>().0.iter_mut();
                        for (d, px) in pairs.zip(s.as_chunks::<4>().0) {
                            *d = [T::luma([px[0], px[1], px[2]], LumaWeights::Rec709), px[3]];
                        }
                    }
                    _ => {
                        let mut d = d;
                        for x in 0..s.shape()[0] {
                            let px = |c| *s.get_ref([x, c]).expect("in range");
                            let luma = T::luma([px(0), px(1), px(2)], LumaWeights::Rec709);
                            *d.get_mut([x, 0]).expect("in range") = luma;
                            *d.get_mut([x, 1]).expect("in range") = px(3);
                        }
                    }
                }
            }
        });
        Ok(())
    }
}

/// The luma of one row of `src`, whose pixels hold red and blue as `order` says, into `dst`.
fn luma_row<T: Luma>(
    dst: ViewMut<'_, T, 1>,
    src: View<'_, T, 2>,
    weights: LumaWeights,
    order: ChannelOrder,
    stores: Stores,
) {
    let channels = src.shape()[1];
    // A row written backwards is reversed after: streamed stores would be read back.
    let stores = match dst.is_c_contiguous() {
        true => stores,
        false => Stores::Cached,
    };
    let src_row = src.as_slice();
    let written = match src_row {
        Some(s) => write_row(dst, |d| luma_run(d, s, channels, weights, order, stores)),
        None => Err(dst),
    };
    match (written, src_row) {
        (Ok(()), _) => {}
        (Err(dst), Some(s)) => {
            // A channel of a wider output (gray+alpha): strided writes, contiguous reads.
            let mut dst = dst;
            for (d, px) in dst.iter_mut().zip(s.chunks_exact(channels)) {
                *d = luma_of(px, weights, order);
            }
        }
        (Err(dst), None) => {
            let [red, blue] = order.red_and_blue();
            let mut dst = dst;
            for (x, d) in dst.iter_mut().enumerate() {
                let px = |c| *src.get_ref([x, c]).expect("in range");
                *d = T::luma([px(red), px(1), px(blue)], weights);
            }
        }
    }
}

/// The luma of one pixel whose red and blue are where `order` says.
fn luma_of<T: Luma>(px: &[T], weights: LumaWeights, order: ChannelOrder) -> T {
    let [red, blue] = order.red_and_blue();
    T::luma([px[red], px[1], px[blue]], weights)
}

/// The luma of the `channels`-sample pixels of `s` (red and blue as `order` says) into `d`,
/// contiguous both.
fn luma_run<T: Luma>(
    d: &mut [T],
    s: &[T],
    channels: usize,
    weights: LumaWeights,
    order: ChannelOrder,
    stores: Stores,
) {
    if let (Some(d), Some(s)) = (simd::as_u8(d), simd::as_u8_ref(s))
        && (channels == 3 || channels == 4)
    {
        // 8-bit RGB(A): the byte-shuffle paths, the weights in the pixels' order.
        let set = simd::Supported::active();
        let formula = weights.formula().in_order(order);
        return match channels {
            3 => simd::luma_u8::<3>(set, d, s, formula),
            _ => simd::luma_u8::<4>(set, d, s, formula),
        };
    }
    if let (Some(d), Some(s)) = (simd::as_samples_mut(d), simd::as_samples(s))
        && (channels == 3 || channels == 4)
    {
        // `f32` RGB(A): on 1080p RGB the per-pixel loop below took 2.3 ms, the vector
        // path 1.56 ms (OpenCV's `cvtColor`: 1.46 ms; BENCHMARKS.md).
        let set = simd::Supported::active();
        let w = weights.float_weights();
        return match channels {
            3 => simd::luma_f32::<3>(set, d, s, w, order, stores),
            _ => simd::luma_f32::<4>(set, d, s, w, order, stores),
        };
    }
    fn run<T: Luma, const N: usize>(d: &mut [T], s: &[T], w: LumaWeights, [r, b]: [usize; 2]) {
        for (d, px) in d.iter_mut().zip(s.as_chunks::<N>().0) {
            *d = T::luma([px[r], px[1], px[b]], w);
        }
    }
    match channels {
        3 => run::<T, 3>(d, s, weights, order.red_and_blue()),
        4 => run::<T, 4>(d, s, weights, order.red_and_blue()),
        n => d
            .iter_mut()
            .zip(s.chunks_exact(n))
            .for_each(|(d, px)| *d = luma_of(px, weights, order)),
    }
}
