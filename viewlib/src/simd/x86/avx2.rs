//! AVX2: byte shuffles within 16-byte lanes. RGB pixels are regrouped 48 bytes at a time (three
//! lanes' worth: 16 pixels of 8-bit samples) or 4 per lane for grayscale.

use super::super::{ChannelOrder, Divide, LumaFormula, portable};
use super::{
    before_line, reversed_pixels, swap_in_registers, swap_reversed_blocks, swapped_outer_samples,
};
use bytemuck::cast;
use core::arch::x86_64::*;

/// A shuffle that is `0x80` (zero) for output bytes drawn from other lanes.
const fn lane_part(sources: [u8; 64], lane: u8) -> [u8; 16] {
    let mut m = [0x80u8; 16];
    let mut j = 0;
    while j < 16 {
        if sources[j] / 16 == lane {
            m[j] = sources[j] % 16;
        }
        j += 1;
    }
    m
}

/// For each of the 3 output lanes of a 48-byte block, the shuffle of each input lane, from
/// the sources of each output lane's bytes.
const fn lane_masks(sources: [[u8; 64]; 3]) -> [[[u8; 16]; 3]; 3] {
    let mut m = [[[0u8; 16]; 3]; 3];
    let mut out = 0;
    while out < 3 {
        let mut lane = 0;
        while lane < 3 {
            m[out][lane] = lane_part(sources[out], lane as u8);
            lane += 1;
        }
        out += 1;
    }
    m
}

/// The masks of a 48-byte block of `size`-byte pixels in reverse order.
const fn reverse_masks(size: usize) -> [[[u8; 16]; 3]; 3] {
    assert!(48 % size == 0);
    let pixels = 48 / size;
    lane_masks([
        reversed_pixels(size, pixels, 0, 16),
        reversed_pixels(size, pixels, 1, 16),
        reversed_pixels(size, pixels, 2, 16),
    ])
}

/// The masks for `P`-byte pixels, made at compile time for each size used.
struct Reverse<const P: usize>;
impl<const P: usize> Reverse<P> {
    const MASKS: [[[u8; 16]; 3]; 3] = reverse_masks(P);
}

/// The masks of a 48-byte block of RGB pixels of `S`-byte samples into BGR.
struct Swap<const S: usize>;
impl<const S: usize> Swap<S> {
    const MASKS: [[[u8; 16]; 3]; 3] = lane_masks([
        swapped_outer_samples(S, 0, 16),
        swapped_outer_samples(S, 1, 16),
        swapped_outer_samples(S, 2, 16),
    ]);
}

/// A 48-byte block regrouped by `masks`: each output lane gathers its bytes from the three
/// input lanes, one in-lane shuffle each.
#[inline]
#[target_feature(enable = "avx2")]
fn regrouped(block: &[u8; 48], masks: &[[[u8; 16]; 3]; 3]) -> [u8; 48] {
    let v: [__m128i; 3] = cast(*block);
    let out = masks.map(|masks| {
        let a = _mm_shuffle_epi8(v[0], cast(masks[0]));
        let b = _mm_shuffle_epi8(v[1], cast(masks[1]));
        let c = _mm_shuffle_epi8(v[2], cast(masks[2]));
        _mm_or_si128(_mm_or_si128(a, b), c)
    });
    cast(out)
}

/// A 48-byte block of `P`-byte pixels in reverse order.
#[inline]
#[target_feature(enable = "avx2")]
fn reversed<const P: usize>(block: &[u8; 48]) -> [u8; 48] {
    regrouped(block, &Reverse::<P>::MASKS)
}

/// `S` = 1, 2 or 4: RGB pixels of 8-, 16- and 32-bit samples, 16, 8 or 4 to a block.
#[target_feature(enable = "avx2")]
pub(in crate::simd) fn swap_outer_samples<const S: usize>(dst: &mut [u8], src: &[u8]) {
    let (d48, _) = dst.as_chunks_mut::<48>();
    let (s48, _) = src.as_chunks::<48>();
    for (d, s) in d48.iter_mut().zip(s48) {
        *d = regrouped(s, &Swap::<S>::MASKS);
    }
    let done = d48.len() * 48;
    portable::swap_outer_samples::<S>(&mut dst[done..], &src[done..]);
}

/// `P` = 3, 6 or 12: RGB pixels of 8-, 16- and 32-bit samples, 16, 8 or 4 to a block.
#[target_feature(enable = "avx2")]
pub(in crate::simd) fn reverse_rgb<const P: usize>(row: &mut [u8], next: &[u8]) {
    let middle = swap_reversed_blocks::<48>(row, next, |block| reversed::<P>(block));
    portable::reverse_rgb::<P>(middle);
}

#[target_feature(enable = "avx2")]
pub(in crate::simd) fn reverse4(row: &mut [u8], next: &[u8]) {
    // 8-pixel blocks from both ends, each reversed by one 32-bit permute.
    let reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    let reversed =
        |block: &[u8; 32]| -> [u8; 32] { cast(_mm256_permutevar8x32_epi32(cast(*block), reverse)) };
    let middle = swap_reversed_blocks::<32>(row, next, reversed);
    portable::reverse4(middle);
}

/// 32 bytes at a time.
#[target_feature(enable = "avx2")]
pub(in crate::simd) fn swap(a: &mut [u8], b: &mut [u8]) {
    swap_in_registers::<__m256i, 32>(a, b)
}

/// The portable loop, compiled with AVX2: 32-byte XORs, from the first 64-byte boundary on.
#[target_feature(enable = "avx2")]
pub(in crate::simd) fn invert(run: &mut [u8]) {
    let (head, body) = run.split_at_mut(before_line(run));
    portable::invert(head);
    portable::invert(body);
}

/// The portable loop, compiled with AVX2: the compiler's own stride-3 shuffles are good here.
#[target_feature(enable = "avx2")]
pub(in crate::simd) fn extract3(dst: &mut [u8], src: &[u8], channel: usize) {
    portable::extract3(dst, src, channel)
}

/// In one 16-byte lane holding 4 RGB pixels (12 bytes): the `[R, 0, G, 0]` words and the
/// `[B, 0, 0, 0]` words.
const RG_WORDS: [u8; 16] = [
    0, 128, 1, 128, 3, 128, 4, 128, 6, 128, 7, 128, 9, 128, 10, 128,
];
const B_WORDS: [u8; 16] = [
    2, 128, 128, 128, 5, 128, 128, 128, 8, 128, 128, 128, 11, 128, 128, 128,
];

/// The weighted sums of 8 pixels.
#[inline]
#[target_feature(enable = "avx2")]
fn sums(pair_a: __m256i, weights_a: __m256i, pair_b: __m256i, weights_b: __m256i) -> __m256i {
    _mm256_add_epi32(
        _mm256_madd_epi16(pair_a, weights_a),
        _mm256_madd_epi16(pair_b, weights_b),
    )
}

/// 32 pixels' sums (4 vectors of 8) divided and packed to bytes, in order.
#[inline]
#[target_feature(enable = "avx2")]
fn finish(sums: [__m256i; 4], divide: Divide) -> [u8; 32] {
    let values = sums.map(|sum| match divide {
        Divide::By10000 => {
            // See the AVX-512 path: exact below 2^22.
            let x = _mm256_add_ps(_mm256_cvtepi32_ps(sum), _mm256_set1_ps(0.5));
            _mm256_cvttps_epi32(_mm256_mul_ps(x, _mm256_set1_ps(1.0 / 10000.0)))
        }
        Divide::RoundShift(shift) => {
            let rounded = _mm256_add_epi32(sum, _mm256_set1_epi32(1 << shift >> 1));
            _mm256_srl_epi32(rounded, _mm_cvtsi32_si128(shift as i32))
        }
    });
    // Packing works per 128-bit lane; the final permute puts the 4-byte groups in order.
    let a = _mm256_packs_epi32(values[0], values[1]);
    let b = _mm256_packs_epi32(values[2], values[3]);
    let bytes = _mm256_packus_epi16(a, b);
    cast(_mm256_permutevar8x32_epi32(
        bytes,
        _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7),
    ))
}

fn pair(low: u16, high: u16) -> i32 {
    (u32::from(high) << 16 | u32::from(low)) as i32
}

#[target_feature(enable = "avx2")]
pub(in crate::simd) fn luma<const N: usize>(dst: &mut [u8], src: &[u8], formula: LumaFormula) {
    let [wr, wg, wb] = formula.weights;
    let mut done = 0;
    if N == 3 {
        let (rg, b) = (
            _mm256_set1_epi32(pair(wr, wg)),
            _mm256_set1_epi32(pair(wb, 0)),
        );
        let (rg_words, b_words) = (
            _mm256_broadcastsi128_si256(cast(RG_WORDS)),
            _mm256_broadcastsi128_si256(cast(B_WORDS)),
        );
        // 32 pixels (96 bytes) a step; each group of 8 reads 16 bytes at 12 bytes past its
        // start, so a step needs 4 bytes beyond its own.
        for d in dst.as_chunks_mut::<32>().0 {
            let Some(s) = src.get(3 * done..3 * done + 100) else {
                break;
            };
            let group = |k: usize| {
                let lanes: [[u8; 16]; 2] = [
                    s[24 * k..24 * k + 16].try_into().expect("16 bytes"),
                    s[24 * k + 12..24 * k + 28].try_into().expect("16 bytes"),
                ];
                let v: __m256i = cast(lanes);
                sums(
                    _mm256_shuffle_epi8(v, rg_words),
                    rg,
                    _mm256_shuffle_epi8(v, b_words),
                    b,
                )
            };
            *d = finish([group(0), group(1), group(2), group(3)], formula.divide);
            done += 32;
        }
    } else {
        let (rb, ga) = (
            _mm256_set1_epi32(pair(wr, wb)),
            _mm256_set1_epi32(pair(wg, 0)),
        );
        let low_bytes = _mm256_set1_epi32(0x00ff_00ff);
        let (d32, _) = dst.as_chunks_mut::<32>();
        let (s128, _) = src.as_chunks::<128>();
        for (d, s) in d32.iter_mut().zip(s128) {
            let v: [__m256i; 4] = cast(*s);
            let group = |v: __m256i| {
                let rb_words = _mm256_and_si256(v, low_bytes);
                let ga_words = _mm256_and_si256(_mm256_srli_epi32::<8>(v), low_bytes);
                sums(rb_words, rb, ga_words, ga)
            };
            *d = finish(v.map(group), formula.divide);
        }
        done = d32.len() * 32;
    }
    portable::luma::<N>(&mut dst[done..], &src[N * done..], formula);
}

/// One channel of 8 RGB `f32` pixels (24 floats in three vectors) in pixel order. Pixel `i`'s
/// sample is float `3i + C`: vector `(3i + C) / 8`, position `(3i + C) % 8`. Those positions
/// differ between the three vectors, so two blends (`FROM_1`, `FROM_2`: the positions taken
/// from vectors 1 and 2) gather the 8 samples, and one permute puts them in order.
#[inline]
#[target_feature(enable = "avx2")]
fn rgb_f32_channel<const C: i32, const FROM_1: i32, const FROM_2: i32>(v: &[__m256; 3]) -> __m256 {
    let gathered = _mm256_blend_ps::<FROM_2>(_mm256_blend_ps::<FROM_1>(v[0], v[1]), v[2]);
    let order = core::array::from_fn::<i32, 8, _>(|i| (3 * i as i32 + C) % 8);
    _mm256_permutevar8x32_ps(gathered, cast(order))
}

/// Grayscale of `f32` RGB (or BGR) pixels, 8 at a time, in the portable loop's order of
/// operations (`wr * r + wg * g`, then `+ wb * b`; no fused multiply-add), so the results are
/// identical. RGBA pixels take the portable loop compiled with AVX2.
#[target_feature(enable = "avx2")]
pub(in crate::simd) fn luma_f32<const N: usize>(
    dst: &mut [f32],
    src: &[f32],
    weights: [f32; 3],
    order: ChannelOrder,
) {
    let mut done = 0;
    if N == 3 {
        let [wr, wg, wb] = weights.map(|w| _mm256_set1_ps(w));
        let bgr = order == ChannelOrder::Bgr;
        let (d8, _) = dst.as_chunks_mut::<8>();
        for (d, s) in d8.iter_mut().zip(src.as_chunks::<24>().0) {
            let v: [__m256; 3] = cast(*s);
            // Vector 1 holds floats 8..16, vector 2 floats 16..24 (bit k: position k).
            let first = rgb_f32_channel::<0, 0b1001_0010, 0b0010_0100>(&v);
            let g = rgb_f32_channel::<1, 0b0010_0100, 0b0100_1001>(&v);
            let third = rgb_f32_channel::<2, 0b0100_1001, 0b1001_0010>(&v);
            let (r, b) = if bgr { (third, first) } else { (first, third) };
            let rg = _mm256_add_ps(_mm256_mul_ps(wr, r), _mm256_mul_ps(wg, g));
            *d = cast(_mm256_add_ps(rg, _mm256_mul_ps(wb, b)));
            done += 8;
        }
    }
    portable::luma_f32::<N>(&mut dst[done..], &src[N * done..], weights, order);
}
