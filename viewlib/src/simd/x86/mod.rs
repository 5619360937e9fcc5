//! x86-64 paths. Every function is `#[target_feature]`: safe to write, and called only
//! through a `Supported` token (see the parent module). Vectors are loaded and stored as
//! `bytemuck` casts of fixed-size arrays, which compile to unaligned vector moves.

pub(super) mod avx2;
pub(super) mod avx512;

/// Reverses `row` from both ends by `B`-byte blocks: the first and last blocks trade places,
/// each reversed by `reversed`, then the next pair inward, while two whole blocks remain.
/// Returns the middle left over, for the caller's scalar loop.
///
/// The same places of `next` (the row the caller reverses next; empty for none) are fetched
/// into cache meanwhile. Streams that run backwards through memory are the ones the hardware
/// prefetcher follows worst: the bare pattern (AVX-512 moves, 1080p RGB f32 in place) took
/// 1.2-2.0 ms alone, 0.7-1.5 ms fetching the next row this way, 0.7-1.3 ms for swapping whole
/// rows (all forwards); fetching the whole next row first took 1.1-1.9 ms.
#[inline(always)]
pub(super) fn swap_reversed_blocks<'a, const B: usize>(
    row: &'a mut [u8],
    next: &[u8],
    reversed: impl Fn(&[u8; B]) -> [u8; B],
) -> &'a mut [u8] {
    let (mut rest, mut front) = (row, 0);
    while rest.len() >= 2 * B {
        let back = front + rest.len();
        for line in (0..B).step_by(64) {
            prefetch(next, front + line);
            prefetch(next, back - 1 - line);
        }
        front += B;
        let (left, tail) = rest.split_at_mut(B);
        let (middle, right) = tail.split_at_mut(tail.len() - B);
        let (left, right): (&mut [u8; B], &mut [u8; B]) = (
            left.try_into().expect("B bytes"),
            right.try_into().expect("B bytes"),
        );
        (*left, *right) = (reversed(right), reversed(left));
        rest = middle;
    }
    rest
}

/// Asks for the cache line holding `bytes[at]` (nothing if `at` is out of bounds).
#[inline(always)]
fn prefetch(bytes: &[u8], at: usize) {
    if let Some(byte) = bytes.get(at) {
        // SAFETY: a prefetch is a hint that never faults; here it names a byte of a slice.
        unsafe {
            core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                byte as *const u8 as *const i8,
            )
        };
    }
}

/// Swaps `a` and `b` (of one length) by `B`-byte blocks, each side loaded as a `V` (a vector
/// register of `B` bytes) before either is stored; the rest goes the portable way. (The
/// portable loop compiled for wider vectors went through a copy on the stack.)
#[inline(always)]
pub(super) fn swap_in_registers<V: bytemuck::Pod, const B: usize>(a: &mut [u8], b: &mut [u8]) {
    // From `a`'s first cache line on; rows whose pitch is a multiple of 64 bytes (a 1080p RGB
    // row's is) put `b` on a line boundary there too.
    let (a_head, a) = a.split_at_mut(before_line(a).min(b.len()));
    let (b_head, b) = b.split_at_mut(a_head.len());
    super::portable::swap(a_head, b_head);
    let (a_blocks, a_tail) = a.as_chunks_mut::<B>();
    let (b_blocks, b_tail) = b.as_chunks_mut::<B>();
    for (x, y) in a_blocks.iter_mut().zip(b_blocks) {
        let (p, q): (V, V) = (bytemuck::cast(*x), bytemuck::cast(*y));
        (*x, *y) = (bytemuck::cast(q), bytemuck::cast(p));
    }
    super::portable::swap(a_tail, b_tail);
}

/// Where each byte of a 64-byte output block comes from in a 192-byte input block, split for
/// two-table permutes: bytes below 128 come from `lo` (over input vectors 0 and 1), the others
/// from `hi` (over vectors 1 and 2), chosen by the bit of `from_hi`.
pub(super) struct Gather192 {
    pub(super) lo: [u8; 64],
    pub(super) hi: [u8; 64],
    pub(super) from_hi: u64,
}

impl Gather192 {
    /// The gather for `sources[j]`, each below 192.
    pub(super) const fn new(sources: [u8; 64]) -> Self {
        let (mut lo, mut hi, mut from_hi) = ([0u8; 64], [0u8; 64], 0u64);
        let mut j = 0;
        while j < 64 {
            let s = sources[j];
            assert!(s < 192);
            if s < 128 {
                lo[j] = s;
            } else {
                hi[j] = s - 64;
                from_hi |= 1 << j;
            }
            j += 1;
        }
        Gather192 { lo, hi, from_hi }
    }
}

/// Output byte `j` of 3-byte pixels' channel `c`: input byte `3j + c`.
pub(super) const fn channel_of_3(c: u8) -> [u8; 64] {
    let mut s = [0u8; 64];
    let mut j = 0;
    while j < 64 {
        s[j] = 3 * j as u8 + c;
        j += 1;
    }
    s
}

/// Output byte `j` of part `part` (of `width` bytes each) of a block of `pixels` pixels of
/// `size` bytes in reverse order: the index of the input byte it comes from.
pub(super) const fn reversed_pixels(
    size: usize,
    pixels: usize,
    part: usize,
    width: usize,
) -> [u8; 64] {
    let mut s = [0u8; 64];
    let mut j = 0;
    while j < width {
        let o = part * width + j;
        let (p, c) = (o / size, o % size);
        s[j] = ((pixels - 1 - p) * size + c) as u8;
        j += 1;
    }
    s
}

/// Output byte `j` of part `part` (of `width` bytes each) of a block of pixels of three
/// `sample`-byte samples with the first and last sample swapped (RGB <-> BGR): the index of
/// the input byte it comes from.
pub(super) const fn swapped_outer_samples(sample: usize, part: usize, width: usize) -> [u8; 64] {
    let mut s = [0u8; 64];
    let mut j = 0;
    while j < width {
        let o = part * width + j;
        let (pixel, at) = (o / (3 * sample), o % (3 * sample));
        let (k, byte) = (at / sample, at % sample);
        s[j] = (pixel * 3 * sample + (2 - k) * sample + byte) as u8;
        j += 1;
    }
    s
}

/// Elements of `dst` before its first 64-byte boundary (all of them if it has none). The
/// in-place loops (invert; LUT on AVX-512) start there, so none of their vector stores
/// straddles two cache lines: each such store costs two (NumPy's arrays are only 16-byte
/// aligned; a 1080p RGB invert on AVX-512 took 93 µs from the array's first byte, 64 µs from
/// its first line). Not the kernels called row by row (luma, extraction): the scalar head of
/// each row cost more than the aligned stores saved (1080p RGB luma: 291 -> 310 µs).
pub(super) fn before_line<T>(dst: &[T]) -> usize {
    dst.as_ptr().align_offset(64).min(dst.len())
}
