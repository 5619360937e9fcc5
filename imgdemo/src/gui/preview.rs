//! Turning a strided view of 8- or 16-bit samples into the RGBA8 picture egui shows: read
//! straight through the view's strides (no intermediate copy), box-averaged down when the
//! image is larger than the texture may be.

use super::anatomy::ViewLayout;
use egui::{Color32, ColorImage};
use rayon::prelude::*;

/// Samples the app displays.
pub trait DisplaySample: crate::pipeline::PipelineSample + Send + Sync {
    /// The sample scaled to 0..=255 (rounded).
    fn to_u8(self) -> u8;
    /// The sample's value as a number for the inspector.
    fn value(self) -> u32;
}

impl DisplaySample for u8 {
    fn to_u8(self) -> u8 {
        self
    }
    fn value(self) -> u32 {
        u32::from(self)
    }
}

impl DisplaySample for u16 {
    fn to_u8(self) -> u8 {
        ((u32::from(self) * 255 + 32767) / 65535) as u8
    }
    fn value(self) -> u32 {
        u32::from(self)
    }
}

/// How the result is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayMode {
    /// Gray, gray+alpha, RGB or RGBA as they are.
    #[default]
    Natural,
    /// A single-channel result tinted with the colour of the channel it came from.
    Tinted(Color32),
    /// Each channel as a gray picture, side by side.
    ChannelsSideBySide,
}

/// Gap in pixels between channel tiles in [`DisplayMode::ChannelsSideBySide`].
pub const TILE_GAP: usize = 4;

/// A picture of the view at 1/`scale` of its size, no side longer than `max_side`.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The pixels, sRGB with premultiplied alpha as egui wants them.
    pub image: ColorImage,
    /// How many view pixels one preview pixel averages along each axis.
    pub scale: usize,
}

/// The smallest box size that makes `[height, width]` fit in `max_side` (at least 1).
///
/// ```
/// assert_eq!(imgdemo::gui::preview::scale_for([3000, 4000], 4096), 1);
/// assert_eq!(imgdemo::gui::preview::scale_for([4000, 6000], 4096), 2);
/// ```
pub fn scale_for(size: [usize; 2], max_side: usize) -> usize {
    let longest = size[0].max(size[1]);
    longest.div_ceil(max_side.max(1)).max(1)
}

/// Paints the view `layout` of `samples` (its buffer) as an RGBA8 preview.
///
/// ```
/// use imgdemo::gui::anatomy::ViewLayout;
/// use imgdemo::gui::preview::{preview, DisplayMode};
/// // A 2x2 RGB image; the preview halves it: one pixel, the average.
/// let px: Vec<u8> = vec![0, 0, 0,  100, 0, 0,   0, 100, 0,   0, 0, 100];
/// let p = preview(&px, &ViewLayout::whole([2, 2, 3], 1), DisplayMode::Natural, 1);
/// assert_eq!((p.image.size, p.scale), ([1, 1], 2));
/// assert_eq!(p.image.pixels[0], egui::Color32::from_rgb(25, 25, 25));
/// ```
pub fn preview<T: DisplaySample>(
    samples: &[T],
    layout: &ViewLayout,
    mode: DisplayMode,
    max_side: usize,
) -> Preview {
    let [h, w, c] = layout.shape;
    let (tiles, gap) = match mode {
        DisplayMode::ChannelsSideBySide if c > 1 => (c, TILE_GAP),
        _ => (1, 0),
    };
    let scale = scale_for([h, w * tiles + gap * (tiles - 1)], max_side);
    let (ph, pw) = (h.div_ceil(scale), w.div_ceil(scale));
    let out_w = pw * tiles + gap * (tiles - 1);
    let mut pixels = vec![Color32::TRANSPARENT; ph * out_w];
    let [sy, sx, sc] = layout.strides;
    let colour = |rgba: [u32; 4]| match mode {
        DisplayMode::Tinted(tint) if c == 1 => {
            let v = rgba[0] as u8;
            Color32::from_rgb(mul(v, tint.r()), mul(v, tint.g()), mul(v, tint.b()))
        }
        _ => Color32::from_rgba_unmultiplied(
            rgba[0] as u8,
            rgba[1] as u8,
            rgba[2] as u8,
            rgba[3] as u8,
        ),
    };
    if scale == 1 && tiles == 1 {
        // Full size: one read per sample, straight along each row of the view.
        pixels
            .par_chunks_mut(out_w.max(1))
            .enumerate()
            .for_each(|(y, row)| {
                let start = layout.offset as isize + y as isize * sy;
                for (x, out) in row.iter_mut().enumerate() {
                    *out = colour(rgba_at(samples, start + x as isize * sx, sc, c));
                }
            });
    } else {
        pixels
            .par_chunks_mut(out_w.max(1))
            .enumerate()
            .for_each(|(py, row)| {
                let ys = py * scale..((py + 1) * scale).min(h);
                for tile in 0..tiles {
                    for px in 0..pw {
                        let xs = px * scale..((px + 1) * scale).min(w);
                        let mut sum = [0u32; 4];
                        for y in ys.clone() {
                            let start = layout.offset as isize + y as isize * sy;
                            for x in xs.clone() {
                                let p = start + x as isize * sx;
                                let rgba = if tiles > 1 {
                                    let v = u32::from(
                                        samples[(p + tile as isize * sc) as usize].to_u8(),
                                    );
                                    [v, v, v, 255]
                                } else {
                                    rgba_at(samples, p, sc, c)
                                };
                                for (s, v) in sum.iter_mut().zip(rgba) {
                                    *s += v;
                                }
                            }
                        }
                        let n = (ys.len() * xs.len()) as u32;
                        row[tile * (pw + gap) + px] = colour(sum.map(|s| (s + n / 2) / n));
                    }
                }
            });
    }
    Preview {
        image: ColorImage::new([out_w, ph], pixels),
        scale,
    }
}

/// The RGBA of the pixel whose first sample is `samples[p]`, channels `sc` apart.
#[inline(always)]
fn rgba_at<T: DisplaySample>(samples: &[T], p: isize, sc: isize, c: usize) -> [u32; 4] {
    let s = |k: isize| u32::from(samples[(p + k * sc) as usize].to_u8());
    match c {
        1 => {
            let v = s(0);
            [v, v, v, 255]
        }
        2 => {
            let v = s(0);
            [v, v, v, s(1)]
        }
        3 => [s(0), s(1), s(2), 255],
        _ => [s(0), s(1), s(2), s(3)],
    }
}

fn mul(a: u8, b: u8) -> u8 {
    ((u32::from(a) * u32::from(b) + 127) / 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The preview of every layout equals converting each pixel on its own.
    #[test]
    fn full_size_preview_matches_per_pixel_conversion() {
        let src: Vec<u16> = (0..5 * 7 * 4).map(|i| (i * 997 % 65536) as u16).collect();
        let whole = ViewLayout::whole([5, 7, 4], 2);
        // Transposed, flipped horizontally: element [y, x, k] is source [x, 6 - y, k].
        let transposed = ViewLayout {
            shape: [7, 5, 4],
            strides: [-4, 28, 1],
            offset: 6 * 4,
            ..whole
        };
        let p = preview(&src, &transposed, DisplayMode::Natural, 100);
        assert_eq!((p.image.size, p.scale), ([5, 7], 1));
        for y in 0..7 {
            for x in 0..5 {
                let s = |k: usize| src[(x * 7 + 6 - y) * 4 + k].to_u8();
                let expected = Color32::from_rgba_unmultiplied(s(0), s(1), s(2), s(3));
                assert_eq!(p.image.pixels[y * 5 + x], expected, "({y}, {x})");
            }
        }
    }

    #[test]
    fn channels_side_by_side_and_tint() {
        let src: Vec<u8> = vec![10, 20, 30, 40, 50, 60];
        let layout = ViewLayout::whole([1, 2, 3], 1);
        let p = preview(&src, &layout, DisplayMode::ChannelsSideBySide, 100);
        assert_eq!(p.image.size, [2 * 3 + 2 * TILE_GAP, 1]);
        let gray = |v| Color32::from_gray(v);
        assert_eq!(p.image.pixels[0..2], [gray(10), gray(40)]);
        assert_eq!(
            p.image.pixels[2 + TILE_GAP..4 + TILE_GAP],
            [gray(20), gray(50)]
        );
        assert_eq!(p.image.pixels[2], Color32::TRANSPARENT);
        let green = ViewLayout {
            shape: [1, 2, 1],
            strides: [6, 3, 1],
            offset: 1,
            ..layout
        };
        let p = preview(
            &src,
            &green,
            DisplayMode::Tinted(Color32::from_rgb(0, 255, 0)),
            100,
        );
        assert_eq!(
            p.image.pixels,
            [Color32::from_rgb(0, 20, 0), Color32::from_rgb(0, 50, 0)]
        );
    }

    #[test]
    fn sixteen_bit_samples_round_to_eight() {
        assert_eq!(
            [0u16, 128, 129, 257, 65535].map(u16::to_u8),
            [0, 0, 1, 1, 255]
        );
    }
}
