//! Every path of every loop against the portable one (and the portable one against the
//! formula), on lengths around the vector widths and on unaligned starts.

use super::*;

/// Rec. 709 as the `image` crate computes it.
const REC709: LumaFormula = LumaFormula {
    weights: [2126, 7152, 722],
    divide: Divide::By10000,
};
/// BT.601 as OpenCV computes it.
const BT601: LumaFormula = LumaFormula {
    weights: [4899, 9617, 1868],
    divide: Divide::RoundShift(14),
};

fn supported() -> Vec<Supported> {
    InstructionSet::ALL
        .into_iter()
        .filter_map(Supported::new)
        .collect()
}

fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            // splitmix64
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// Pixel counts around every block size the paths use (16, 32, 64), and a row of 1080p.
fn pixel_counts() -> impl Iterator<Item = usize> {
    (0..300).chain([511, 512, 513, 1000, 1920])
}

#[test]
fn the_portable_set_is_always_supported_and_active_is_supported() {
    assert!(Supported::new(InstructionSet::Portable).is_some());
    assert!(instruction_set().is_supported());
    assert_eq!(
        InstructionSet::from_name("avx512"),
        Some(InstructionSet::Avx512Vbmi)
    );
    assert_eq!(InstructionSet::from_name("AVX2"), None);
}

#[test]
fn luma_paths_match_the_formula() {
    let bgr = ChannelOrder::Bgr;
    for set in supported() {
        for formula in [REC709, BT601, REC709.in_order(bgr), BT601.in_order(bgr)] {
            for pixels in pixel_counts() {
                for start in [0, 1, 3] {
                    let src = noise(start + 4 * pixels, pixels as u64);
                    let src = &src[start..];
                    for n in [3, 4] {
                        let mut dst = vec![0xA5; pixels + 1];
                        let want: Vec<u8> = src
                            .chunks_exact(n)
                            .take(pixels)
                            .map(|px| formula.apply([px[0], px[1], px[2]].map(u32::from)) as u8)
                            .collect();
                        if n == 3 {
                            luma_u8::<3>(set, &mut dst[..pixels], &src[..3 * pixels], formula);
                        } else {
                            luma_u8::<4>(set, &mut dst[..pixels], &src[..4 * pixels], formula);
                        }
                        assert_eq!(dst[..pixels], want, "{set:?} {formula:?} {n} x {pixels}");
                        assert_eq!(dst[pixels], 0xA5, "wrote past the end");
                    }
                }
            }
        }
    }
}

#[test]
fn float_luma_paths_match_the_formula_bit_for_bit() {
    let weights = [[0.2126, 0.7152, 0.0722], [0.299f32, 0.587, 0.114]];
    for set in supported() {
        for [wr, wg, wb] in weights {
            for pixels in pixel_counts() {
                let bytes = noise(4 * (4 * pixels + 1), pixels as u64);
                // Floats over several octaves, with a start that is not a vector's.
                let all: Vec<f32> = bytes
                    .as_chunks::<4>()
                    .0
                    .iter()
                    .map(|b| f32::from(u16::from_le_bytes([b[0], b[1]])) / f32::from(b[2].max(1)))
                    .collect();
                let src = &all[1..];
                let orders = [
                    (3, ChannelOrder::Rgb),
                    (3, ChannelOrder::Bgr),
                    (4, ChannelOrder::Rgb),
                ];
                for (n, order) in orders {
                    // Output from several starts, so the streamed head varies.
                    let start = pixels % 7;
                    let mut dst = vec![-1.0; start + pixels + 1];
                    let [r, b] = order.red_and_blue();
                    let want: Vec<f32> = src
                        .chunks_exact(n)
                        .take(pixels)
                        .map(|px| wr * px[r] + wg * px[1] + wb * px[b])
                        .collect();
                    let (d, w) = (&mut dst[start..start + pixels], [wr, wg, wb]);
                    // Streamed on alternate sizes: every path must take either hint.
                    let stores = if pixels % 2 == 0 {
                        Stores::Streaming
                    } else {
                        Stores::Cached
                    };
                    if n == 3 {
                        luma_f32::<3>(set, d, &src[..3 * pixels], w, order, stores);
                    } else {
                        luma_f32::<4>(set, d, &src[..4 * pixels], w, order, stores);
                    }
                    let same = dst[start..start + pixels]
                        .iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(same, "{set:?} {stores:?} {order:?} {n} x {pixels}");
                    assert_eq!(dst[start + pixels], -1.0, "wrote past the end");
                    assert!(
                        dst[..start].iter().all(|&v| v == -1.0),
                        "wrote before the start"
                    );
                }
            }
        }
    }
}

/// The float division of the vector paths equals integer division on every 8-bit RGB triple,
/// and the formula equals the `image` crate's and OpenCV's arithmetic.
#[test]
fn luma_is_exact_on_every_rgb_triple() {
    let all: Vec<u8> = (0..1u32 << 24)
        .flat_map(|v| [(v >> 16) as u8, (v >> 8) as u8, v as u8])
        .collect();
    let mut got = vec![0u8; 1 << 24];
    for set in supported() {
        luma_u8::<3>(set, &mut got, &all, REC709);
        for (i, (&g, px)) in got.iter().zip(all.chunks_exact(3)).enumerate() {
            let [r, gr, b] = [px[0], px[1], px[2]].map(u32::from);
            assert_eq!(
                u32::from(g),
                (2126 * r + 7152 * gr + 722 * b) / 10000,
                "{set:?} at {i}"
            );
        }
        luma_u8::<3>(set, &mut got, &all, BT601);
        for (i, (&g, px)) in got.iter().zip(all.chunks_exact(3)).enumerate() {
            let [r, gr, b] = [px[0], px[1], px[2]].map(u32::from);
            assert_eq!(
                u32::from(g),
                (4899 * r + 9617 * gr + 1868 * b + 8192) >> 14,
                "{set:?} at {i}"
            );
        }
    }
}

#[test]
fn extraction_paths_match_the_portable_loop() {
    for set in supported() {
        for pixels in pixel_counts() {
            let src = noise(3 * pixels + 1, pixels as u64);
            for channel in 0..3 {
                for start in [0, 1] {
                    let src = &src[start..start + 3 * pixels];
                    let mut dst = vec![0; pixels];
                    extract_rgb_u8(set, &mut dst, src, channel);
                    let want: Vec<u8> = src.chunks_exact(3).map(|px| px[channel]).collect();
                    assert_eq!(dst, want, "{set:?} channel {channel} of {pixels}");
                }
            }
        }
    }
}

#[test]
fn reversal_paths_match_the_portable_loop() {
    fn check<const N: usize>(set: Supported, reverse: fn(Supported, &mut [u8], &[u8])) {
        for pixels in pixel_counts() {
            let src = noise(N * pixels + 48, pixels as u64);
            // Starts that leave the vector paths different peels to a cache line.
            for start in [0, 2, 4, 12, 16, 36, 48] {
                let mut row = src.clone();
                // A next row to fetch that is shorter than this one, as long, or absent.
                let next = &src[..[0, N * pixels / 2, N * pixels][start % 3]];
                reverse(set, &mut row[start..start + N * pixels], next);
                let mut want = src.clone();
                want[start..start + N * pixels]
                    .as_chunks_mut::<N>()
                    .0
                    .reverse();
                assert_eq!(row, want, "{set:?} {pixels} {N}-byte pixels from {start}");
            }
        }
    }
    for set in supported() {
        check::<3>(set, reverse_rgb::<3>);
        check::<4>(set, reverse_4_bytes);
        check::<6>(set, reverse_rgb::<6>);
        check::<12>(set, reverse_rgb::<12>);
    }
}

#[test]
fn table_paths_match_the_portable_loop() {
    let table: [u8; 256] = noise(256, 7).try_into().unwrap();
    for set in supported() {
        for len in (0..300).chain([4095, 4096, 4097]) {
            // At several offsets from a cache line (the vector path begins at the first).
            for start in [1, 16, 47, 64] {
                let src = noise(len + 65, len as u64);
                let mut run = src.clone();
                lut_u8(set, &table, &mut run[start..start + len]);
                let want: Vec<u8> = src
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        if (start..start + len).contains(&i) {
                            table[usize::from(v)]
                        } else {
                            v
                        }
                    })
                    .collect();
                assert_eq!(run, want, "{set:?} {len} {start}");
            }
        }
    }
}

#[test]
fn swap_and_invert_paths_match_the_portable_loops() {
    // Runs starting at many offsets from a cache line (the vector paths begin at the first
    // line boundary), the two runs of a swap at the same and at different offsets.
    for set in supported() {
        for len in (0..300).chain([4095, 4096, 4097]) {
            for (i, start) in [1, 5, 16, 47, 64].into_iter().enumerate() {
                let other = [start, 1 + (start * 7) % 64][i % 2];
                let (a, b) = (noise(len + 65, len as u64), noise(len + 65, len as u64 + 1));
                let (mut x, mut y) = (a.clone(), b.clone());
                let (xs, ys) = (start..start + len, other..other + len);
                swap_bytes(set, &mut x[xs.clone()], &mut y[ys.clone()]);
                assert_eq!(
                    (&x[..start], &y[..other]),
                    (&a[..start], &b[..other]),
                    "{set:?} {len}: wrote before the runs"
                );
                assert_eq!(
                    (&x[xs.clone()], &y[ys.clone()]),
                    (&b[ys.clone()], &a[xs.clone()]),
                    "{set:?} {len} {start}"
                );
                invert_bytes(set, &mut x[xs.clone()]);
                assert_eq!(
                    &x[..start],
                    &a[..start],
                    "{set:?} {len}: wrote before the run"
                );
                assert_eq!(
                    &x[xs.end..],
                    &a[xs.end..],
                    "{set:?} {len}: wrote after the run"
                );
                assert!(
                    x[xs].iter().zip(&b[ys]).all(|(v, w)| *v == 255 - w),
                    "{set:?} {len} {start}"
                );
            }
        }
    }
}

#[test]
fn a_formula_in_bgr_order_weighs_the_same_samples() {
    for formula in [REC709, BT601] {
        let bgr = formula.in_order(ChannelOrder::Bgr);
        for rgb in [[255, 0, 0], [0, 0, 255], [17, 200, 93], [255, 255, 255]] {
            let [r, g, b] = rgb;
            assert_eq!(
                bgr.apply([b, g, r]),
                formula.apply(rgb),
                "{formula:?} {rgb:?}"
            );
        }
        assert_eq!(formula.in_order(ChannelOrder::Rgb), formula);
    }
}

#[test]
fn rgb_to_bgr_paths_match_the_formula() {
    fn check<const S: usize>(set: Supported) {
        for pixels in pixel_counts() {
            let src = noise(3 * S * pixels + 7, pixels as u64);
            // Sources and destinations off a cache line; a destination a byte longer.
            for (from, to) in [(0, 0), (1, 5), (7, 2)] {
                let s = &src[from..from + 3 * S * pixels];
                let mut dst = vec![0xA5u8; 3 * S * pixels + to + 1];
                swap_outer_samples::<S>(set, &mut dst[to..], s);
                for (p, (d, px)) in dst[to..]
                    .chunks_exact(3 * S)
                    .zip(s.chunks_exact(3 * S))
                    .enumerate()
                {
                    let want = [&px[2 * S..], &px[S..2 * S], &px[..S]].concat();
                    assert_eq!(
                        d, want,
                        "{set:?} {S}-byte samples, {pixels} pixels, pixel {p}"
                    );
                }
                assert!(
                    dst[..to]
                        .iter()
                        .chain(&dst[to + 3 * S * pixels..])
                        .all(|&b| b == 0xA5)
                );
            }
        }
    }
    for set in supported() {
        check::<1>(set);
        check::<2>(set);
        check::<4>(set);
    }
}
