//! The inner loops that need byte shuffles (RGB pixels, table lookups, grayscale), on the
//! instruction set chosen at run time, with the portable loop beside each as its reference.
//!
//! Compilers vectorize the kernels' 1-, 2- and 4-byte loops well for the baseline target; they
//! do not for 3-byte RGB pixels or 256-entry tables, where the baseline has no byte shuffle.
//! Those loops get AVX2 and AVX-512 VBMI paths, chosen once per process from what the CPU
//! reports and capped by the `VIEWLIB_SIMD` environment variable (see [`instruction_set`]).
//!
//! The `unsafe` here is the call into a `#[target_feature]` function, made only with a
//! `Supported` token, which exists only for instruction sets the CPU reported. The vector
//! code itself is safe Rust: loads and stores go through `bytemuck` casts of fixed-size arrays.

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::any::TypeId;
use std::sync::atomic::{AtomicU8, Ordering};

/// The instruction sets viewlib's shuffle-bound loops have paths for, from the baseline up.
///
/// ```
/// use viewlib::simd::{instruction_set, InstructionSet};
/// // At least the portable loops; what else depends on the CPU and on `VIEWLIB_SIMD`.
/// assert!(instruction_set() >= InstructionSet::Portable);
/// assert!(instruction_set() <= InstructionSet::detected());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum InstructionSet {
    /// Plain Rust for the compilation target's baseline: the reference the others are
    /// tested against.
    Portable,
    /// x86-64 AVX2: 256-bit integer vectors, byte shuffles within 16-byte lanes.
    Avx2,
    /// x86-64 AVX-512 F, BW, VL and VBMI (with AVX2): byte permutes across 64 and 128 bytes.
    Avx512Vbmi,
}

impl InstructionSet {
    /// Every set, from the baseline up.
    pub const ALL: [InstructionSet; 3] = [Self::Portable, Self::Avx2, Self::Avx512Vbmi];

    /// The best set this CPU supports, whatever `VIEWLIB_SIMD` says.
    ///
    /// ```
    /// use viewlib::simd::InstructionSet;
    /// assert!(InstructionSet::detected().is_supported());
    /// ```
    #[must_use]
    pub fn detected() -> Self {
        Self::ALL
            .into_iter()
            .rev()
            .find(|set| set.is_supported())
            .unwrap_or(Self::Portable)
    }

    /// Whether this CPU can run the set's code.
    ///
    /// ```
    /// assert!(viewlib::simd::InstructionSet::Portable.is_supported());
    /// ```
    #[must_use]
    pub fn is_supported(self) -> bool {
        match self {
            Self::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Self::Avx512Vbmi => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                    && std::arch::is_x86_feature_detected!("avx512vbmi")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The name `VIEWLIB_SIMD` takes: `portable`, `avx2`, `avx512`.
    ///
    /// ```
    /// assert_eq!(viewlib::simd::InstructionSet::Avx512Vbmi.name(), "avx512");
    /// ```
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Portable => "portable",
            Self::Avx2 => "avx2",
            Self::Avx512Vbmi => "avx512",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|set| set.name() == name)
    }
}

impl core::fmt::Display for InstructionSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

const UNKNOWN: u8 = u8::MAX;
static ACTIVE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// The instruction set the kernels use in this process: the best the CPU supports, capped by
/// the environment variable `VIEWLIB_SIMD` (`portable`, `avx2` or `avx512`), read once, on
/// the first call. `VIEWLIB_SIMD=portable` runs the reference loops everywhere (tests run the
/// kernels both ways); a value that names no set also means `portable`, so a typo cannot
/// silently leave the vector paths on.
///
/// ```
/// let set = viewlib::simd::instruction_set();
/// assert!(set.is_supported());
/// println!("viewlib kernels use {set}");
/// ```
#[must_use]
pub fn instruction_set() -> InstructionSet {
    match ACTIVE.load(Ordering::Relaxed) {
        UNKNOWN => {
            let detected = InstructionSet::detected();
            let set = match std::env::var("VIEWLIB_SIMD") {
                Ok(cap) => InstructionSet::from_name(cap.trim())
                    .unwrap_or(InstructionSet::Portable)
                    .min(detected),
                Err(_) => detected,
            };
            ACTIVE.store(set as u8, Ordering::Relaxed);
            set
        }
        n => InstructionSet::ALL[usize::from(n)],
    }
}

/// An instruction set the CPU reported: the only way to reach the `#[target_feature]` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Supported(InstructionSet);

impl Supported {
    /// The set in use ([`instruction_set`]).
    pub(crate) fn active() -> Self {
        Supported(instruction_set())
    }

    /// `set`, if this CPU runs it.
    #[cfg(test)]
    pub(crate) fn new(set: InstructionSet) -> Option<Self> {
        set.is_supported().then_some(Supported(set))
    }
}

/// `run` as `U`s, when its samples are `U` (each path serves one sample type).
pub(crate) fn as_samples_mut<S: 'static + bytemuck::Pod, U: 'static + bytemuck::Pod>(
    run: &mut [S],
) -> Option<&mut [U]> {
    (TypeId::of::<S>() == TypeId::of::<U>()).then(|| bytemuck::cast_slice_mut(run))
}

/// `run` as `U`s, when its samples are `U`.
pub(crate) fn as_samples<S: 'static + bytemuck::Pod, U: 'static + bytemuck::Pod>(
    run: &[S],
) -> Option<&[U]> {
    (TypeId::of::<S>() == TypeId::of::<U>()).then(|| bytemuck::cast_slice(run))
}

/// `run` as bytes, when its samples are `u8` (the sample type the byte paths serve).
pub(crate) fn as_u8<S: 'static + bytemuck::Pod>(run: &mut [S]) -> Option<&mut [u8]> {
    as_samples_mut(run)
}

/// `run` as bytes, when its samples are `u8`.
pub(crate) fn as_u8_ref<S: 'static + bytemuck::Pod>(run: &[S]) -> Option<&[u8]> {
    as_samples(run)
}

/// Integer luma weights: `(wr * r + wg * g + wb * b)`, then the division that `divide`
/// names. Each weight is below 2^15 (the vector paths multiply 16-bit lanes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LumaFormula {
    pub(crate) weights: [u16; 3],
    pub(crate) divide: Divide,
}

/// How the weighted sum becomes a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Divide {
    /// `sum / 10000`, truncated (the `image` crate's Rec. 709).
    By10000,
    /// `(sum + 2^(shift-1)) >> shift`, rounded (OpenCV's fixed point).
    RoundShift(u32),
}

impl LumaFormula {
    /// The value of one pixel of 8- or 16-bit samples (the sums fit `u32` for both): the
    /// reference the vector paths are tested against.
    #[inline(always)]
    pub(crate) fn apply(self, [r, g, b]: [u32; 3]) -> u32 {
        let [wr, wg, wb] = self.weights.map(u32::from);
        let sum = wr * r + wg * g + wb * b;
        match self.divide {
            Divide::By10000 => sum / 10000,
            Divide::RoundShift(shift) => (sum + (1 << shift >> 1)) >> shift,
        }
    }
}

/// Grayscale of `N`-sample pixels (`N` = 3 or 4, alpha ignored) into `dst`, one byte each.
pub(crate) fn luma_u8<const N: usize>(
    set: Supported,
    dst: &mut [u8],
    src: &[u8],
    formula: LumaFormula,
) {
    let pixels = dst.len().min(src.len() / N);
    let (dst, src) = (&mut dst[..pixels], &src[..pixels * N]);
    #[cfg(target_arch = "x86_64")]
    match set.0 {
        // SAFETY: a `Supported` holds only sets the CPU reported, and this one has
        // AVX-512 F/BW/VL/VBMI and AVX2, the features the function enables.
        InstructionSet::Avx512Vbmi => return unsafe { x86::avx512::luma::<N>(dst, src, formula) },
        // SAFETY: as above, with AVX2.
        InstructionSet::Avx2 => return unsafe { x86::avx2::luma::<N>(dst, src, formula) },
        InstructionSet::Portable => {}
    }
    let _ = set;
    portable::luma::<N>(dst, src, formula)
}

/// How a kernel writes its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stores {
    /// Through the caches, for output that is read again soon.
    Cached,
    /// Non-temporal stores where the path has them: each line goes to memory without being
    /// read first, and without pushing the input out of the caches. For output too large to
    /// be read back from the caches anyway.
    Streaming,
}

/// Which of a pixel's first three samples is red and which blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChannelOrder {
    /// Red first (RGB, RGBA).
    Rgb,
    /// Blue first (BGR, OpenCV's order): how a channel-reversed view of RGB reads in memory.
    Bgr,
}

impl ChannelOrder {
    /// Where red and blue are in a pixel.
    pub(crate) fn red_and_blue(self) -> [usize; 2] {
        match self {
            ChannelOrder::Rgb => [0, 2],
            ChannelOrder::Bgr => [2, 0],
        }
    }
}

impl LumaFormula {
    /// The same formula over pixels in `order`: integer sums do not depend on the order of
    /// their terms, so the weights are put in the pixel's order.
    pub(crate) fn in_order(self, order: ChannelOrder) -> LumaFormula {
        let [wr, wg, wb] = self.weights;
        match order {
            ChannelOrder::Rgb => self,
            ChannelOrder::Bgr => LumaFormula {
                weights: [wb, wg, wr],
                ..self
            },
        }
    }
}

/// Grayscale of `N`-sample `f32` pixels (`N` = 3 or 4, alpha ignored) in `order` into
/// `dst`: `wr * r + wg * g + wb * b`, evaluated left to right on every path (float sums do
/// depend on the order). `stores` is a hint: the AVX-512 RGB path streams, the others write
/// through the caches.
pub(crate) fn luma_f32<const N: usize>(
    set: Supported,
    dst: &mut [f32],
    src: &[f32],
    weights: [f32; 3],
    order: ChannelOrder,
    stores: Stores,
) {
    let pixels = dst.len().min(src.len() / N);
    let (dst, src) = (&mut dst[..pixels], &src[..pixels * N]);
    #[cfg(target_arch = "x86_64")]
    match set.0 {
        InstructionSet::Avx512Vbmi => {
            // SAFETY: a `Supported` holds only sets the CPU reported (here AVX-512
            // F/BW/VL/VBMI).
            return unsafe { x86::avx512::luma_f32::<N>(dst, src, weights, order, stores) };
        }
        InstructionSet::Avx2 => {
            // SAFETY: as above, with AVX2.
            return unsafe { x86::avx2::luma_f32::<N>(dst, src, weights, order) };
        }
        InstructionSet::Portable => {}
    }
    let _ = (set, stores);
    portable::luma_f32::<N>(dst, src, weights, order)
}

/// Copies channel `channel` (< 3) of 3-byte pixels into `dst`.
pub(crate) fn extract_rgb_u8(set: Supported, dst: &mut [u8], src: &[u8], channel: usize) {
    let pixels = dst.len().min(src.len() / 3);
    let (dst, src) = (&mut dst[..pixels], &src[..pixels * 3]);
    #[cfg(target_arch = "x86_64")]
    match set.0 {
        // SAFETY: a `Supported` holds only sets the CPU reported (here AVX-512 F/BW/VL/VBMI).
        InstructionSet::Avx512Vbmi => return unsafe { x86::avx512::extract3(dst, src, channel) },
        // SAFETY: as above, with AVX2.
        InstructionSet::Avx2 => return unsafe { x86::avx2::extract3(dst, src, channel) },
        InstructionSet::Portable => {}
    }
    let _ = set;
    portable::extract3(dst, src, channel)
}

/// Reverses the order of the `P`-byte pixels of `row` (whose length is a multiple of `P`), for
/// `P` = 3, 6 or 12: RGB pixels of 8-, 16- and 32-bit samples, which straddle vector lanes.
/// `next`, the row the caller reverses next (or empty), is fetched into cache meanwhile.
pub(crate) fn reverse_rgb<const P: usize>(set: Supported, row: &mut [u8], next: &[u8]) {
    const { assert!(P == 3 || P == 6 || P == 12) };
    #[cfg(target_arch = "x86_64")]
    match set.0 {
        // SAFETY: a `Supported` holds only sets the CPU reported (here AVX-512 F/BW/VL/VBMI).
        InstructionSet::Avx512Vbmi => return unsafe { x86::avx512::reverse_rgb::<P>(row, next) },
        // SAFETY: as above, with AVX2.
        InstructionSet::Avx2 => return unsafe { x86::avx2::reverse_rgb::<P>(row, next) },
        InstructionSet::Portable => {}
    }
    let _ = (set, next);
    portable::reverse_rgb::<P>(row)
}

/// Copies the RGB pixels of `S`-byte samples (`S` = 1, 2 or 4) in `src` into `dst` as BGR
/// (first and last sample swapped), as many as both hold whole.
pub(crate) fn swap_outer_samples<const S: usize>(set: Supported, dst: &mut [u8], src: &[u8]) {
    const { assert!(S == 1 || S == 2 || S == 4) };
    let bytes = dst.len().min(src.len()) / (3 * S) * (3 * S);
    let (dst, src) = (&mut dst[..bytes], &src[..bytes]);
    #[cfg(target_arch = "x86_64")]
    match set.0 {
        InstructionSet::Avx512Vbmi => {
            // SAFETY: a `Supported` holds only sets the CPU reported (AVX-512 F/BW/VL/VBMI).
            return unsafe { x86::avx512::swap_outer_samples::<S>(dst, src) };
        }
        // SAFETY: as above, with AVX2.
        InstructionSet::Avx2 => return unsafe { x86::avx2::swap_outer_samples::<S>(dst, src) },
        InstructionSet::Portable => {}
    }
    let _ = set;
    portable::swap_outer_samples::<S>(dst, src)
}

/// Reverses the order of the 4-byte pixels of `row` (whose length is a multiple of 4), fetching
/// `next` meanwhile, as `reverse_rgb`.
pub(crate) fn reverse_4_bytes(set: Supported, row: &mut [u8], next: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    match set.0 {
        // SAFETY: a `Supported` holds only sets the CPU reported (here AVX-512 F/BW/VL/VBMI).
        InstructionSet::Avx512Vbmi => return unsafe { x86::avx512::reverse4(row, next) },
        // SAFETY: as above, with AVX2.
        InstructionSet::Avx2 => return unsafe { x86::avx2::reverse4(row, next) },
        InstructionSet::Portable => {}
    }
    let _ = (set, next);
    portable::reverse4(row)
}

/// Swaps the bytes of `a` with those of `b` (of the same length).
pub(crate) fn swap_bytes(set: Supported, a: &mut [u8], b: &mut [u8]) {
    assert_eq!(a.len(), b.len(), "swapped runs have one length");
    #[cfg(target_arch = "x86_64")]
    match set.0 {
        // SAFETY: a `Supported` holds only sets the CPU reported (here AVX-512 F/BW/VL/VBMI).
        InstructionSet::Avx512Vbmi => return unsafe { x86::avx512::swap(a, b) },
        // SAFETY: as above, with AVX2.
        InstructionSet::Avx2 => return unsafe { x86::avx2::swap(a, b) },
        InstructionSet::Portable => {}
    }
    let _ = set;
    portable::swap(a, b)
}

/// Flips every bit of `run` (`255 - v` of bytes, `65535 - v` of 16-bit samples in any order).
pub(crate) fn invert_bytes(set: Supported, run: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    match set.0 {
        // SAFETY: a `Supported` holds only sets the CPU reported (here AVX-512 F/BW/VL/VBMI).
        InstructionSet::Avx512Vbmi => return unsafe { x86::avx512::invert(run) },
        // SAFETY: as above, with AVX2.
        InstructionSet::Avx2 => return unsafe { x86::avx2::invert(run) },
        InstructionSet::Portable => {}
    }
    let _ = set;
    portable::invert(run)
}

/// Replaces every byte `v` of `run` with `table[v]`.
pub(crate) fn lut_u8(set: Supported, table: &[u8; 256], run: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    if set.0 == InstructionSet::Avx512Vbmi {
        // SAFETY: a `Supported` holds only sets the CPU reported (here AVX-512 F/BW/VL/VBMI).
        return unsafe { x86::avx512::lut(table, run) };
    }
    let _ = set;
    portable::lut(table, run)
}

#[cfg(test)]
mod tests;
