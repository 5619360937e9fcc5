//! The reference loops: plain Rust for the target's baseline, and the tails of the vector paths.

use super::{ChannelOrder, LumaFormula};

pub(super) fn luma<const N: usize>(dst: &mut [u8], src: &[u8], formula: LumaFormula) {
    for (d, px) in dst.iter_mut().zip(src.as_chunks::<N>().0) {
        *d = formula.apply([px[0], px[1], px[2]].map(u32::from)) as u8;
    }
}

pub(super) fn luma_f32<const N: usize>(
    dst: &mut [f32],
    src: &[f32],
    weights: [f32; 3],
    order: ChannelOrder,
) {
    fn run<const N: usize, const R: usize, const B: usize>(
        dst: &mut [f32],
        src: &[f32],
        [wr, wg, wb]: [f32; 3],
    ) {
        for (d, px) in dst.iter_mut().zip(src.as_chunks::<N>().0) {
            *d = wr * px[R] + wg * px[1] + wb * px[B];
        }
    }
    match order {
        ChannelOrder::Rgb => run::<N, 0, 2>(dst, src, weights),
        ChannelOrder::Bgr => run::<N, 2, 0>(dst, src, weights),
    }
}

pub(super) fn extract3(dst: &mut [u8], src: &[u8], channel: usize) {
    fn pick<const C: usize>(dst: &mut [u8], src: &[u8]) {
        for (d, px) in dst.iter_mut().zip(src.as_chunks::<3>().0) {
            *d = px[C];
        }
    }
    match channel {
        0 => pick::<0>(dst, src),
        1 => pick::<1>(dst, src),
        _ => pick::<2>(dst, src),
    }
}

pub(super) fn reverse_rgb<const P: usize>(row: &mut [u8]) {
    row.as_chunks_mut::<P>().0.reverse();
}

pub(super) fn swap_outer_samples<const S: usize>(dst: &mut [u8], src: &[u8]) {
    let pixels = dst.as_chunks_mut::<3>().0.len().min(src.len() / 3) / S;
    for (d, s) in dst
        .chunks_exact_mut(3 * S)
        .zip(src.chunks_exact(3 * S))
        .take(pixels)
    {
        d[..S].copy_from_slice(&s[2 * S..]);
        d[S..2 * S].copy_from_slice(&s[S..2 * S]);
        d[2 * S..].copy_from_slice(&s[..S]);
    }
}

pub(super) fn reverse4(row: &mut [u8]) {
    row.as_chunks_mut::<4>().0.reverse();
}

pub(super) fn lut(table: &[u8; 256], run: &mut [u8]) {
    for v in run {
        *v = table[usize::from(*v)];
    }
}

pub(super) fn swap(a: &mut [u8], b: &mut [u8]) {
    let (a16, a_tail) = a.as_chunks_mut::<16>();
    let (b16, b_tail) = b.as_chunks_mut::<16>();
    for (x, y) in a16.iter_mut().zip(b16) {
        core::mem::swap(x, y);
    }
    a_tail.swap_with_slice(b_tail);
}

// Inlined so that the vector paths compile the same loop for their wider vectors.
#[inline(always)]
pub(super) fn invert(run: &mut [u8]) {
    for v in run {
        *v ^= u8::MAX;
    }
}
