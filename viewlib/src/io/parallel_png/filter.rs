//! PNG row filters for encoding, chosen the way the `png` crate chooses them, so a strip
//! filtered here is byte for byte what `png` would have fed its compressor (its filter module
//! is private, and the strips need filtering outside it).

/// How rows are filtered: what [`png::Compression`] levels `Fastest` and `Fast` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowFilters {
    /// Every row `Up` (`png`'s `Fastest`).
    Up,
    /// Per row, the one of `Up`, `Sub`, `Avg`, `Paeth` with the smallest sum of the filtered
    /// bytes read as signed, later ones winning ties, `Up` alone when it sums to zero (`png`'s
    /// `Adaptive`, used by `Fast`).
    Adaptive,
}

/// PNG's filter type bytes.
const SUB: u8 = 1;
const UP: u8 = 2;
const AVG: u8 = 3;
const PAETH: u8 = 4;

/// Working rows for [`RowFilterer::filter`]: one per candidate filter, each with the filter
/// type byte in front, so the chosen one goes to the compressor in one piece.
pub(crate) struct RowFilterer {
    candidates: [Vec<u8>; 4],
    bytes_per_pixel: usize,
}

impl RowFilterer {
    /// Working rows for rows of `row_bytes` bytes with `bytes_per_pixel` bytes per pixel
    /// (at least 1: PNG's rule for depths under 8 bits, which this encoder never writes).
    pub(crate) fn new(
        row_bytes: usize,
        bytes_per_pixel: usize,
    ) -> Result<Self, std::collections::TryReserveError> {
        let row = |kind: u8| {
            let mut v = Vec::new();
            v.try_reserve_exact(row_bytes.saturating_add(1))?;
            v.push(kind);
            v.resize(row_bytes + 1, 0);
            Ok::<_, std::collections::TryReserveError>(v)
        };
        Ok(Self {
            candidates: [row(UP)?, row(SUB)?, row(AVG)?, row(PAETH)?],
            bytes_per_pixel: bytes_per_pixel.max(1),
        })
    }

    /// Filters `current` against `previous` (zeros above the first row) and returns the
    /// filter type byte followed by the filtered row.
    pub(crate) fn filter(&mut self, how: RowFilters, previous: &[u8], current: &[u8]) -> &[u8] {
        debug_assert_eq!(previous.len(), current.len());
        debug_assert_eq!(self.candidates[0].len(), current.len() + 1);
        let bpp = self.bytes_per_pixel;
        let [up, sub, avg, paeth] = &mut self.candidates;
        up_row(previous, current, &mut up[1..]);
        let mut best_cost = signed_magnitude_sum(&up[1..]);
        if how == RowFilters::Up || best_cost == 0 {
            return &self.candidates[0];
        }
        let mut best = 0;
        sub_row(bpp, current, &mut sub[1..]);
        avg_row(bpp, previous, current, &mut avg[1..]);
        paeth_row(bpp, previous, current, &mut paeth[1..]);
        for (index, candidate) in [&*sub, &*avg, &*paeth].into_iter().enumerate() {
            let cost = signed_magnitude_sum(&candidate[1..]);
            if cost <= best_cost {
                best_cost = cost;
                best = index + 1;
                if cost == 0 {
                    break;
                }
            }
        }
        &self.candidates[best]
    }
}

/// Bytes per step of the row loops: fixed-size chunks let the compiler keep them in vector
/// registers (the `png` crate's filters use the same width).
const LANES: usize = 32;

/// `out[i] = f(x[i], y[i])`, in fixed-size chunks.
#[inline(always)]
fn map2(out: &mut [u8], x: &[u8], y: &[u8], f: impl Fn(u8, u8) -> u8) {
    let mut outs = out.chunks_exact_mut(LANES);
    let mut xs = x.chunks_exact(LANES);
    let mut ys = y.chunks_exact(LANES);
    for ((o, x), y) in (&mut outs).zip(&mut xs).zip(&mut ys) {
        for i in 0..LANES {
            o[i] = f(x[i], y[i]);
        }
    }
    let tail = outs.into_remainder().iter_mut();
    for ((o, &x), &y) in tail.zip(xs.remainder()).zip(ys.remainder()) {
        *o = f(x, y);
    }
}

/// `out[i] = f(x[i], a[i], b[i], c[i])`, in fixed-size chunks.
#[inline(always)]
fn map4(out: &mut [u8], [x, a, b, c]: [&[u8]; 4], f: impl Fn(u8, u8, u8, u8) -> u8) {
    let mut outs = out.chunks_exact_mut(LANES);
    let (mut xs, mut as_) = (x.chunks_exact(LANES), a.chunks_exact(LANES));
    let (mut bs, mut cs) = (b.chunks_exact(LANES), c.chunks_exact(LANES));
    for ((o, (x, a)), (b, c)) in (&mut outs)
        .zip((&mut xs).zip(&mut as_))
        .zip((&mut bs).zip(&mut cs))
    {
        for i in 0..LANES {
            o[i] = f(x[i], a[i], b[i], c[i]);
        }
    }
    let tail = outs.into_remainder().iter_mut();
    let rest = tail.zip(xs.remainder().iter().zip(as_.remainder()));
    for ((o, (&x, &a)), (&b, &c)) in rest.zip(bs.remainder().iter().zip(cs.remainder())) {
        *o = f(x, a, b, c);
    }
}

fn up_row(previous: &[u8], current: &[u8], out: &mut [u8]) {
    map2(out, current, previous, |x, b| x.wrapping_sub(b));
}

fn sub_row(bpp: usize, current: &[u8], out: &mut [u8]) {
    let (len, head) = (current.len(), bpp.min(current.len()));
    out[..head].copy_from_slice(&current[..head]);
    map2(
        &mut out[head..],
        &current[head..],
        &current[..len - head],
        |x, a| x.wrapping_sub(a),
    );
}

fn avg_row(bpp: usize, previous: &[u8], current: &[u8], out: &mut [u8]) {
    let (len, head) = (current.len(), bpp.min(current.len()));
    map2(
        &mut out[..head],
        &current[..head],
        &previous[..head],
        |x, b| x.wrapping_sub(b >> 1),
    );
    let inputs = [
        &current[head..],
        &current[..len - head],
        &previous[head..],
        &previous[..len - head],
    ];
    // floor((a + b) / 2) without widening: the shared bits plus half the differing ones.
    map4(&mut out[head..], inputs, |x, a, b, _| {
        x.wrapping_sub((a & b) + ((a ^ b) >> 1))
    });
}

fn paeth_row(bpp: usize, previous: &[u8], current: &[u8], out: &mut [u8]) {
    // With no pixel to the left, a = c = 0 and the predictor is always b: the Up filter.
    let (len, head) = (current.len(), bpp.min(current.len()));
    up_row(&previous[..head], &current[..head], &mut out[..head]);
    let inputs = [
        &current[head..],
        &current[..len - head],
        &previous[head..],
        &previous[..len - head],
    ];
    map4(&mut out[head..], inputs, |x, a, b, c| {
        x.wrapping_sub(paeth_predictor(a, b, c))
    });
}

/// PNG's Paeth predictor (specification section 9.4) in 8-bit arithmetic, as FPNGE and the
/// `png` crate compute it, so the row loop vectorises: `pa = |b - c|`, `pb = |a - c|`, and
/// `pc = |pa - pb|` when `c` lies between `a` and `b` (otherwise `pc` exceeds both and never
/// wins).
#[inline(always)]
fn paeth_predictor(a: u8, b: u8, c: u8) -> u8 {
    let pa = b.max(c) - b.min(c);
    let pb = a.max(c) - a.min(c);
    let pc = if (a < c) == (c < b) {
        pa.max(pb) - pa.min(pb)
    } else {
        255
    };
    let b_or_c = if pb <= pc { b } else { c };
    if pa <= pb && pa <= pc { a } else { b_or_c }
}

/// The `png` crate's cost of a filtered row: the bytes read as signed, summed by magnitude.
fn signed_magnitude_sum(row: &[u8]) -> u64 {
    // 32 bytes of at most 128 each fit a u16 lane sum; chunks keep the inner loop vectorised.
    let mut chunks = row.chunks_exact(32);
    let mut sum = 0u64;
    for chunk in &mut chunks {
        let part: u32 = chunk
            .iter()
            .map(|&v| u32::from((v as i8).unsigned_abs()))
            .sum();
        sum += u64::from(part);
    }
    let tail: u32 = chunks
        .remainder()
        .iter()
        .map(|&v| u32::from((v as i8).unsigned_abs()))
        .sum();
    sum + u64::from(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's predictor, as written there (with branches).
    fn paeth_reference(a: u8, b: u8, c: u8) -> u8 {
        let p = i32::from(a) + i32::from(b) - i32::from(c);
        let pa = (p - i32::from(a)).abs();
        let pb = (p - i32::from(b)).abs();
        let pc = (p - i32::from(c)).abs();
        if pa <= pb && pa <= pc {
            a
        } else if pb <= pc {
            b
        } else {
            c
        }
    }

    #[test]
    fn paeth_matches_the_specification_on_every_triple() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for c in 0..=255u8 {
                    assert_eq!(paeth_predictor(a, b, c), paeth_reference(a, b, c));
                }
            }
        }
    }

    /// Undoes a filtered row the way a decoder does (specification section 9.2).
    fn unfilter(bpp: usize, previous: &[u8], filtered: &[u8]) -> Vec<u8> {
        let (kind, row) = (filtered[0], &filtered[1..]);
        let mut out = vec![0u8; row.len()];
        for i in 0..row.len() {
            let a = if i >= bpp { out[i - bpp] } else { 0 };
            let b = previous[i];
            let c = if i >= bpp { previous[i - bpp] } else { 0 };
            let predicted = match kind {
                0 => 0,
                SUB => a,
                UP => b,
                AVG => ((u16::from(a) + u16::from(b)) / 2) as u8,
                PAETH => paeth_reference(a, b, c),
                other => panic!("filter type {other}"),
            };
            out[i] = row[i].wrapping_add(predicted);
        }
        out
    }

    #[test]
    fn every_filter_choice_round_trips_through_a_decoder() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut seen = [false; 5];
        for bpp in [1, 2, 3, 4, 6, 8] {
            for width in [1, 2, 3, 5, 17, 64] {
                let row_bytes = bpp * width;
                let mut filterer = RowFilterer::new(row_bytes, bpp).unwrap();
                let mut previous = vec![0u8; row_bytes];
                for row_index in 0..40 {
                    // Smooth, noisy, constant and zero rows, so every filter wins somewhere.
                    let current: Vec<u8> = (0..row_bytes)
                        .map(|i| match row_index % 5 {
                            0 => (next() >> 56) as u8,
                            1 => (i * 3 + row_index) as u8,
                            2 => previous[i].wrapping_add(1),
                            3 => 0,
                            _ => ((i / bpp) as u8).wrapping_mul(7) ^ (next() >> 62) as u8,
                        })
                        .collect();
                    for how in [RowFilters::Up, RowFilters::Adaptive] {
                        let filtered = filterer.filter(how, &previous, &current).to_vec();
                        assert_eq!(filtered.len(), row_bytes + 1);
                        seen[usize::from(filtered[0])] = true;
                        if how == RowFilters::Up {
                            assert_eq!(filtered[0], UP);
                        }
                        assert_eq!(unfilter(bpp, &previous, &filtered), current);
                    }
                    previous = current;
                }
            }
        }
        assert_eq!(
            seen,
            [false, true, true, true, true],
            "Sub, Up, Avg and Paeth all chosen"
        );
    }
}
