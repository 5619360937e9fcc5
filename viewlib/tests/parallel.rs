//! Disjoint writable parts really go to other threads: rayon and scoped threads mutate one
//! image at once through bands, tiles, rows and channels, and the result equals a sequential
//! per-pixel reference.

use rayon::prelude::*;
use viewlib::{ImageBuf, View, ViewMut};

const H: usize = 37;
const W: usize = 53;
const C: usize = 4;

fn reference(f: impl Fn(usize, usize, usize) -> u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(H * W * C);
    for y in 0..H {
        for x in 0..W {
            for c in 0..C {
                out.push(f(y, x, c));
            }
        }
    }
    out
}

fn pattern(y: usize, x: usize, c: usize) -> u8 {
    (y * 7 + x * 3 + c * 61) as u8
}

fn image() -> ImageBuf<u8> {
    ImageBuf::from_vec(H, W, C, reference(pattern)).unwrap()
}

#[test]
fn rayon_inverts_tiles_in_parallel() {
    let mut img = image();
    let tiles: Vec<ViewMut<'_, u8, 3>> = img.view_mut().tiles(8, 16).unwrap().collect();
    assert_eq!(tiles.len(), H.div_ceil(8) * W.div_ceil(16));
    tiles.into_par_iter().for_each(|mut tile| {
        tile.iter_mut().for_each(|v| *v = 255 - *v);
    });
    assert_eq!(img.as_slice(), reference(|y, x, c| 255 - pattern(y, x, c)));
}

#[test]
fn rayon_bridges_the_band_iterator() {
    let mut img = image();
    img.view_mut()
        .bands(5)
        .unwrap()
        .par_bridge()
        .for_each(|mut band| band.fill(9));
    assert!(img.as_slice().iter().all(|&v| v == 9));
}

#[test]
fn scoped_threads_take_one_channel_each() {
    let mut img = image();
    std::thread::scope(|scope| {
        for (c, mut channel) in img.view_mut().split_channels().enumerate() {
            scope.spawn(move || {
                for mut row in channel.reborrow().rows() {
                    row.iter_mut().for_each(|v| *v = v.wrapping_add(c as u8));
                }
            });
        }
    });
    assert_eq!(
        img.as_slice(),
        reference(|y, x, c| pattern(y, x, c).wrapping_add(c as u8))
    );
}

#[test]
fn rows_of_a_flipped_transposed_view_split_across_threads() {
    let mut img = image();
    // Rows of the transposed, flipped image are columns of the original, read right to left.
    let rows: Vec<_> = img
        .view_mut()
        .transpose()
        .flip_horizontal()
        .rows()
        .collect();
    assert_eq!(rows.len(), W);
    rows.into_par_iter().enumerate().for_each(|(x, mut row)| {
        // row[i] is pixel (x, H - 1 - i) of the original.
        for i in 0..H {
            row.set([i, 0], (H - 1 - i) as u8);
            row.set([i, 1], x as u8);
        }
    });
    assert_eq!(
        img.as_slice(),
        reference(|y, x, c| match c {
            0 => y as u8,
            1 => x as u8,
            _ => pattern(y, x, c),
        })
    );
}

#[test]
fn read_only_views_are_shared_across_threads() {
    let img = image();
    let view: View<'_, u8, 3> = img.view();
    let sums: Vec<u64> = (0..C)
        .into_par_iter()
        .map(|c| view.channel(c).unwrap().values().map(u64::from).sum())
        .collect();
    for (c, sum) in sums.into_iter().enumerate() {
        let expected: u64 = img
            .as_slice()
            .iter()
            .skip(c)
            .step_by(C)
            .map(|&v| v as u64)
            .sum();
        assert_eq!(sum, expected);
    }
}
