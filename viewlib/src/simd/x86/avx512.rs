//! AVX-512 F/BW/VL/VBMI: `vpermt2b` picks any byte of 128 (two vectors), so 3-byte pixels are
//! regrouped from 192-byte blocks (64 pixels), and a 256-entry table is two permutes.

use super::super::{ChannelOrder, Divide, LumaFormula, Stores, portable};
use super::{
    Gather192, before_line, channel_of_3, reversed_pixels, swap_in_registers, swap_reversed_blocks,
    swapped_outer_samples,
};
use bytemuck::cast;
use core::arch::x86_64::*;

/// Three vectors of a 192-byte block.
type Block = [__m512i; 3];

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
fn gather(v: &Block, g: &Gather192) -> __m512i {
    let lo = _mm512_permutex2var_epi8(v[0], cast(g.lo), v[1]);
    let hi = _mm512_permutex2var_epi8(v[1], cast(g.hi), v[2]);
    _mm512_mask_blend_epi8(g.from_hi, lo, hi)
}

static CHANNEL_OF_3: [Gather192; 3] = [
    Gather192::new(channel_of_3(0)),
    Gather192::new(channel_of_3(1)),
    Gather192::new(channel_of_3(2)),
];

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn extract3(dst: &mut [u8], src: &[u8], channel: usize) {
    let g = &CHANNEL_OF_3[channel];
    let (d64, _) = dst.as_chunks_mut::<64>();
    let (s192, _) = src.as_chunks::<192>();
    for (d, s) in d64.iter_mut().zip(s192) {
        *d = cast(gather(&cast(*s), g));
    }
    let done = d64.len() * 64;
    portable::extract3(&mut dst[done..], &src[3 * done..], channel);
}

/// The gathers of a 192-byte block of RGB pixels of `S`-byte samples into BGR, made at
/// compile time for each sample size used.
struct Swapped<const S: usize>;
impl<const S: usize> Swapped<S> {
    const GATHERS: [Gather192; 3] = [
        Gather192::new(swapped_outer_samples(S, 0, 64)),
        Gather192::new(swapped_outer_samples(S, 1, 64)),
        Gather192::new(swapped_outer_samples(S, 2, 64)),
    ];
}

/// `S` = 1, 2 or 4: RGB pixels of 8-, 16- and 32-bit samples, 64, 32 or 16 to a block.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn swap_outer_samples<const S: usize>(dst: &mut [u8], src: &[u8]) {
    let g = &Swapped::<S>::GATHERS;
    let (d192, _) = dst.as_chunks_mut::<192>();
    let (s192, _) = src.as_chunks::<192>();
    for (d, s) in d192.iter_mut().zip(s192) {
        let v: Block = cast(*s);
        *d = cast([gather(&v, &g[0]), gather(&v, &g[1]), gather(&v, &g[2])]);
    }
    let done = d192.len() * 192;
    portable::swap_outer_samples::<S>(&mut dst[done..], &src[done..]);
}

/// The gathers of a 192-byte block of `P`-byte pixels in reverse order, made at compile time
/// for each size used.
struct Reversed<const P: usize>;
impl<const P: usize> Reversed<P> {
    const GATHERS: [Gather192; 3] = [
        Gather192::new(reversed_pixels(P, 192 / P, 0, 64)),
        Gather192::new(reversed_pixels(P, 192 / P, 1, 64)),
        Gather192::new(reversed_pixels(P, 192 / P, 2, 64)),
    ];
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
fn reversed<const P: usize>(block: &[u8; 192]) -> [u8; 192] {
    let v: Block = cast(*block);
    let g = &Reversed::<P>::GATHERS;
    cast([gather(&v, &g[0]), gather(&v, &g[1]), gather(&v, &g[2])])
}

/// `P` = 3, 6 or 12: RGB pixels of 8-, 16- and 32-bit samples, 64, 32 or 16 to a block.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn reverse_rgb<const P: usize>(row: &mut [u8], next: &[u8]) {
    // Blocks from both ends swap places reversed; the middle goes the portable way.
    let middle = swap_reversed_blocks::<192>(row, next, |block| reversed::<P>(block));
    portable::reverse_rgb::<P>(middle);
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn reverse4(row: &mut [u8], next: &[u8]) {
    // 16-pixel blocks from both ends, each reversed by one 32-bit permute.
    let reverse = _mm512_setr_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    let reversed =
        |block: &[u8; 64]| -> [u8; 64] { cast(_mm512_permutexvar_epi32(reverse, cast(*block))) };
    let middle = swap_reversed_blocks::<64>(row, next, reversed);
    portable::reverse4(middle);
}

/// 64 bytes at a time.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn swap(a: &mut [u8], b: &mut [u8]) {
    swap_in_registers::<__m512i, 64>(a, b)
}

/// The portable loop, compiled with AVX-512: 64-byte XORs, from the first 64-byte boundary
/// on (see `before_line`).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn invert(run: &mut [u8]) {
    let (head, body) = run.split_at_mut(before_line(run));
    portable::invert(head);
    portable::invert(body);
}

/// Byte `j` of 16 pixels' `[R, 0, G, 0]` or `[B, 0, 0, 0]` words from group `group` (of 4)
/// of a 192-byte RGB block, as an index over the two vectors the group lies in.
const fn rgb_words(group: usize, blue: bool) -> [u8; 64] {
    let base = if group < 2 { 0 } else { 64 };
    let mut s = [0u8; 64];
    let mut q = 0;
    while q < 16 {
        let px = 48 * group + 3 * q - base;
        if blue {
            s[4 * q] = (px + 2) as u8;
        } else {
            s[4 * q] = px as u8;
            s[4 * q + 2] = (px + 1) as u8;
        }
        q += 1;
    }
    s
}

static RG_WORDS: [[u8; 64]; 4] = [
    rgb_words(0, false),
    rgb_words(1, false),
    rgb_words(2, false),
    rgb_words(3, false),
];
static B_WORDS: [[u8; 64]; 4] = [
    rgb_words(0, true),
    rgb_words(1, true),
    rgb_words(2, true),
    rgb_words(3, true),
];
/// Bytes 0 and 2 of every word: R and G.
const RG_LANES: u64 = 0x5555_5555_5555_5555;
/// Byte 0 of every word: B.
const B_LANES: u64 = 0x1111_1111_1111_1111;

/// The weighted sums of 16 pixels (`u16` pairs times weight pairs) as bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
fn finish(
    pair_a: __m512i,
    weights_a: __m512i,
    pair_b: __m512i,
    weights_b: __m512i,
    divide: Divide,
) -> [u8; 16] {
    let sum = _mm512_add_epi32(
        _mm512_madd_epi16(pair_a, weights_a),
        _mm512_madd_epi16(pair_b, weights_b),
    );
    let value = match divide {
        Divide::By10000 => {
            // Exact for sums below 2^22 (checked over every 8-bit RGB triple by the tests):
            // the half keeps exact multiples of 10000 from rounding down.
            let x = _mm512_add_ps(_mm512_cvtepi32_ps(sum), _mm512_set1_ps(0.5));
            _mm512_cvttps_epi32(_mm512_mul_ps(x, _mm512_set1_ps(1.0 / 10000.0)))
        }
        Divide::RoundShift(shift) => {
            let rounded = _mm512_add_epi32(sum, _mm512_set1_epi32(1 << shift >> 1));
            _mm512_srl_epi32(rounded, _mm_cvtsi32_si128(shift as i32))
        }
    };
    cast(_mm512_cvtepi32_epi8(value))
}

/// A weight pair as the 32-bit word `madd` multiplies 16-bit pairs by.
fn pair(low: u16, high: u16) -> i32 {
    (u32::from(high) << 16 | u32::from(low)) as i32
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn luma<const N: usize>(dst: &mut [u8], src: &[u8], formula: LumaFormula) {
    let [wr, wg, wb] = formula.weights;
    let done = if N == 3 {
        let (rg, b) = (
            _mm512_set1_epi32(pair(wr, wg)),
            _mm512_set1_epi32(pair(wb, 0)),
        );
        let (d64, _) = dst.as_chunks_mut::<64>();
        let (s192, _) = src.as_chunks::<192>();
        for (d, s) in d64.iter_mut().zip(s192) {
            let v: Block = cast(*s);
            let (d16, _) = d.as_chunks_mut::<16>();
            for (group, d) in d16.iter_mut().enumerate() {
                let (x, y) = if group < 2 {
                    (v[0], v[1])
                } else {
                    (v[1], v[2])
                };
                let rg_words =
                    _mm512_maskz_permutex2var_epi8(RG_LANES, x, cast(RG_WORDS[group]), y);
                let b_words = _mm512_maskz_permutex2var_epi8(B_LANES, x, cast(B_WORDS[group]), y);
                *d = finish(rg_words, rg, b_words, b, formula.divide);
            }
        }
        d64.len() * 64
    } else {
        // RGBA words: R and B are the even bytes, G and A the odd ones.
        let (rb, ga) = (
            _mm512_set1_epi32(pair(wr, wb)),
            _mm512_set1_epi32(pair(wg, 0)),
        );
        let low_bytes = _mm512_set1_epi32(0x00ff_00ff);
        let (d16, _) = dst.as_chunks_mut::<16>();
        let (s64, _) = src.as_chunks::<64>();
        for (d, s) in d16.iter_mut().zip(s64) {
            let v: __m512i = cast(*s);
            let rb_words = _mm512_and_si512(v, low_bytes);
            let ga_words = _mm512_and_si512(_mm512_srli_epi32::<8>(v), low_bytes);
            *d = finish(rb_words, rb, ga_words, ga, formula.divide);
        }
        d16.len() * 16
    };
    portable::luma::<N>(&mut dst[done..], &src[N * done..], formula);
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn lut(table: &[u8; 256], run: &mut [u8]) {
    let (head, run) = run.split_at_mut(before_line(run));
    portable::lut(table, head);
    let t: [__m512i; 4] = cast(*table);
    let (chunks, rest) = run.as_chunks_mut::<64>();
    for c in chunks {
        let v: __m512i = cast(*c);
        // Index bit 6 picks the table half, bits 0-5 the byte; bit 7 picks the pair of halves.
        let low = _mm512_permutex2var_epi8(t[0], v, t[1]);
        let high = _mm512_permutex2var_epi8(t[2], v, t[3]);
        *c = cast(_mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high));
    }
    portable::lut(table, rest);
}

/// The two index vectors of `vpermt2ps` that gather channel `c` of 16 RGB `f32` pixels (48
/// floats in three vectors): the first takes the floats before 32 from vectors 0 and 1, the
/// second keeps those lanes and takes the rest from vector 2 (index 16 + k: its float k).
const fn rgb_f32_channel(c: usize) -> [[i32; 16]; 2] {
    let mut first = [0; 16];
    let mut second = [0; 16];
    let mut i = 0;
    while i < 16 {
        let at = 3 * i + c;
        if at < 32 {
            first[i] = at as i32;
            second[i] = i as i32;
        } else {
            second[i] = (16 + at - 32) as i32;
        }
        i += 1;
    }
    [first, second]
}

static RGB_F32_CHANNELS: [[[i32; 16]; 2]; 3] =
    [rgb_f32_channel(0), rgb_f32_channel(1), rgb_f32_channel(2)];

/// The luma of 16 `f32` RGB pixels (48 floats), in the portable loop's order of operations.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
fn luma16(s: &[f32; 48], [wr, wg, wb]: [__m512; 3], index: &[[__m512i; 2]; 3]) -> __m512 {
    let v: [__m512; 3] = cast(*s);
    let [r, g, b] = index.map(|[first, second]| {
        _mm512_permutex2var_ps(_mm512_permutex2var_ps(v[0], first, v[1]), second, v[2])
    });
    let rg = _mm512_add_ps(_mm512_mul_ps(wr, r), _mm512_mul_ps(wg, g));
    _mm512_add_ps(rg, _mm512_mul_ps(wb, b))
}

/// Grayscale of `f32` RGB (or BGR) pixels, 16 at a time (two permutes a channel where AVX2
/// takes two blends and a permute for 8), in the portable loop's order of operations
/// (`wr * r + wg * g`, then `+ wb * b`; no fused multiply-add), so the results are
/// identical. RGBA pixels, and the last 15 or fewer, go the AVX2 way. `Streaming` writes whole cache lines with
/// non-temporal stores, from the first 64-byte boundary of `dst` on.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx2")]
pub(in crate::simd) fn luma_f32<const N: usize>(
    dst: &mut [f32],
    src: &[f32],
    weights: [f32; 3],
    order: ChannelOrder,
    stores: Stores,
) {
    let mut done = 0;
    if N == 3 {
        let w = weights.map(|w| _mm512_set1_ps(w));
        // Red, green and blue gathered from where `order` has them.
        let [red, blue] = order.red_and_blue();
        let c = &RGB_F32_CHANNELS;
        let index: [[__m512i; 2]; 3] = cast([c[red], c[1], c[blue]]);
        match stores {
            Stores::Cached => {
                let (d16, _) = dst.as_chunks_mut::<16>();
                for (d, s) in d16.iter_mut().zip(src.as_chunks::<48>().0) {
                    *d = cast(luma16(s, w, &index));
                }
                done = d16.len() * 16;
            }
            Stores::Streaming => {
                let head = before_line(dst);
                super::avx2::luma_f32::<N>(&mut dst[..head], &src[..N * head], weights, order);
                let (d16, _) = dst[head..].as_chunks_mut::<16>();
                for (d, s) in d16.iter_mut().zip(src[N * head..].as_chunks::<48>().0) {
                    // SAFETY: `d` is 64 bytes, uniquely borrowed, and starts on a 64-byte
                    // boundary (`head` ends on one and every chunk is 64 bytes), the alignment
                    // `vmovntps` requires.
                    unsafe { _mm512_stream_ps(d.as_mut_ptr(), luma16(s, w, &index)) };
                }
                // Non-temporal stores are not ordered with later ones: fenced before `dst` is
                // handed back (or another thread is told, through an atomic, that it is done).
                _mm_sfence();
                done = head + d16.len() * 16;
            }
        }
    }
    super::avx2::luma_f32::<N>(&mut dst[done..], &src[N * done..], weights, order);
}
