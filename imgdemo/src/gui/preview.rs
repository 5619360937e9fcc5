//! Turning a view of 8- or 16-bit samples into the RGBA8 picture egui shows: read straight
//! through the view (no intermediate copy), box-averaged down when the image is larger than
//! the texture may be, one output row per rayon task.
//!
//! Two paths paint a row, and they give the same pixels (tested against a per-pixel
//! reference): 8-bit RGB or RGBA whose rows are contiguous in memory (a whole image, a crop,
//! a vertical flip: the library hands each row out as a slice; a horizontal flip or a
//! rotation by 180 degrees: each row is a slice once mirrored back), shown as they are, and
//! `u32` words in false colour ([`word_picture_reusing`]) whose rows are slices the same way,
//! are summed over plain slices the compiler vectorises; every other view (strided,
//! transposed, 16-bit, one channel, tinted, tiled) is read channel by channel through the
//! library's strided iterators into a scratch row, then summed.

use egui::{Color32, ColorImage};
use rayon::prelude::*;
use std::cell::RefCell;
use std::sync::Arc;
use viewlib::View;

/// Samples the app displays: every sample type a pipeline result can have.
///
/// How each becomes a gray level (`to_u8`): 8-bit samples as they are; 16-bit samples in
/// either byte order by their value, scaled to 0..=255; floats as 0..1, clamped, with NaN
/// shown as 0; `u32` words (what a cast makes of four bytes) by their most significant
/// byte. A whole picture of words is painted in false colour instead
/// ([`word_picture_reusing`]), since one byte of four says little.
pub trait DisplaySample: viewlib::Sample + Copy {
    /// The sample scaled to 0..=255 (rounded).
    fn to_u8(self) -> u8;
    /// The sample's value for the inspector: a number, a float or a word.
    fn value(self) -> SampleValue;
    /// The samples as bytes, when they are bytes: the fast path's input.
    fn as_bytes(samples: &[Self]) -> Option<&[u8]>;
}

/// A sample's value as the inspector shows it: integers in decimal, floats as floats,
/// 32-bit words in hexadecimal (so the bytes a cast joined can be read off).
///
/// ```
/// use imgdemo::gui::preview::{DisplaySample, SampleValue};
/// assert_eq!(7u8.value().to_string(), "7");
/// assert_eq!(0.25f32.value().to_string(), "0.25");
/// assert_eq!(u32::from_be_bytes([0xff, 0x20, 0x40, 0x80]).value().to_string(), "0xFF204080");
/// assert_eq!(viewlib::U16Be::new(513).value(), SampleValue::Int(513));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleValue {
    /// An 8 or 16-bit sample.
    Int(u32),
    /// A 32-bit float sample.
    Float(f32),
    /// A 32-bit word.
    Word(u32),
}

impl std::fmt::Display for SampleValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SampleValue::Int(v) => write!(f, "{v}"),
            SampleValue::Float(v) => write!(f, "{v}"),
            SampleValue::Word(v) => write!(f, "0x{v:08X}"),
        }
    }
}

impl DisplaySample for u8 {
    fn to_u8(self) -> u8 {
        self
    }
    fn value(self) -> SampleValue {
        SampleValue::Int(u32::from(self))
    }
    fn as_bytes(samples: &[u8]) -> Option<&[u8]> {
        Some(samples)
    }
}

impl DisplaySample for u16 {
    fn to_u8(self) -> u8 {
        ((u32::from(self) * 255 + 32767) / 65535) as u8
    }
    fn value(self) -> SampleValue {
        SampleValue::Int(u32::from(self))
    }
    fn as_bytes(_: &[u16]) -> Option<&[u8]> {
        None
    }
}

/// Big-endian 16-bit samples (PNG's, or two bytes cast to `u16be`): by their value, as `u16`.
impl DisplaySample for viewlib::U16Be {
    fn to_u8(self) -> u8 {
        self.get().to_u8()
    }
    fn value(self) -> SampleValue {
        SampleValue::Int(u32::from(self.get()))
    }
    fn as_bytes(_: &[Self]) -> Option<&[u8]> {
        None
    }
}

impl DisplaySample for f32 {
    fn to_u8(self) -> u8 {
        // `as` saturates and sends NaN to 0.
        (self.clamp(0.0, 1.0) * 255.0).round() as u8
    }
    fn value(self) -> SampleValue {
        SampleValue::Float(self)
    }
    fn as_bytes(_: &[f32]) -> Option<&[u8]> {
        None
    }
}

impl DisplaySample for u32 {
    fn to_u8(self) -> u8 {
        self.to_be_bytes()[0]
    }
    fn value(self) -> SampleValue {
        SampleValue::Word(self)
    }
    fn as_bytes(_: &[u32]) -> Option<&[u8]> {
        None
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

/// The largest box side the fast path sums: boxes of up to 16 pixels keep its division a
/// 32-bit multiplication. Larger boxes, for images over 4 times the texture limit (8192
/// pixels at the app's 2048), take the general path.
const FAST_MAX_SCALE: usize = 4;

/// A picture of the view at 1/`scale` of its size, no side longer than `max_side`.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The pixels, sRGB with premultiplied alpha as egui wants them; shared with the texture
    /// upload, so that the window does not copy them.
    pub image: Arc<ColorImage>,
    /// How many view pixels one preview pixel averages along each axis.
    pub scale: usize,
}

impl Preview {
    /// The pixel buffer, for painting the next preview into, if nothing else holds it (the
    /// texture upload has been done).
    ///
    /// ```
    /// use imgdemo::gui::preview::{preview, DisplayMode};
    /// let px = vec![7u8; 2 * 2 * 3];
    /// let p = preview(viewlib::View::from_slice(&px, [2, 2, 3])?, DisplayMode::Natural, 4);
    /// let held = std::sync::Arc::clone(&p.image);
    /// assert!(p.clone().into_pixels().is_none());
    /// drop(held);
    /// assert_eq!(p.into_pixels().map(|v| v.len()), Some(4));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn into_pixels(self) -> Option<Vec<Color32>> {
        Arc::try_unwrap(self.image).ok().map(|image| image.pixels)
    }
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

/// Paints `view` as an RGBA8 preview.
///
/// ```
/// use imgdemo::gui::preview::{preview, DisplayMode};
/// // A 2x2 RGB image; the preview halves it: one pixel, the average.
/// let px: Vec<u8> = vec![0, 0, 0,  100, 0, 0,   0, 100, 0,   0, 0, 100];
/// let p = preview(viewlib::View::from_slice(&px, [2, 2, 3])?, DisplayMode::Natural, 1);
/// assert_eq!((p.image.size, p.scale), ([1, 1], 2));
/// assert_eq!(p.image.pixels[0], egui::Color32::from_rgb(25, 25, 25));
/// # Ok::<(), viewlib::ViewError>(())
/// ```
pub fn preview<T: DisplaySample>(
    view: View<'_, T, 3>,
    mode: DisplayMode,
    max_side: usize,
) -> Preview {
    preview_reusing(view, mode, max_side, Vec::new())
}

/// [`preview`], painting into `spare` (a previous preview's pixels,
/// [`Preview::into_pixels`]): no allocation when it has the room.
///
/// ```
/// use imgdemo::gui::preview::{preview, preview_reusing, DisplayMode};
/// let px: Vec<u16> = (0..3 * 5 * 4).map(|v| v * 1000).collect();
/// let image = viewlib::View::from_slice(&px, [3, 5, 4])?.flip_horizontal();
/// let first = preview(image, DisplayMode::Natural, 2);
/// let expected = (*first.image).clone();
/// let spare = first.into_pixels().expect("nothing else holds it");
/// let address = spare.as_ptr();
/// let again = preview_reusing(image, DisplayMode::Natural, 2, spare);
/// assert_eq!(again.image.pixels.as_ptr(), address);
/// assert_eq!(*again.image, expected);
/// # Ok::<(), viewlib::ViewError>(())
/// ```
pub fn preview_reusing<T: DisplaySample>(
    view: View<'_, T, 3>,
    mode: DisplayMode,
    max_side: usize,
    spare: Vec<Color32>,
) -> Preview {
    let [h, w, c] = view.shape();
    let tiles = match mode {
        DisplayMode::ChannelsSideBySide if c > 1 => c,
        _ => 1,
    };
    let gap = if tiles > 1 { TILE_GAP } else { 0 };
    let scale = scale_for([h, w * tiles + gap * (tiles - 1)], max_side);
    let fast = fast_plan(view, mode, scale).map(|(c, order)| (c, Colours::AsTheyAre, order));
    paint(view, mode, scale, (tiles, gap), fast, spare)
}

/// The bytes of the first word of each pixel of `words`, most significant first, as an RGB
/// view: the words as bytes, the byte axis read in the order that puts the most significant
/// byte first on this machine (no copy).
fn word_colours(words: View<'_, u32, 3>) -> Result<View<'_, u8, 3>, viewlib::ViewError> {
    let bytes = words.channel_range(..1)?.cast::<u8>()?;
    let most_significant_first = if cfg!(target_endian = "little") {
        viewlib::Slice::new(Some(3), Some(0), -1)
    } else {
        viewlib::Slice::new(Some(0), Some(3), 1)
    };
    bytes.slice([
        viewlib::Slice::FULL,
        viewlib::Slice::FULL,
        most_significant_first,
    ])
}

/// `u32` words painted in false colour: each pixel's first word's three most significant
/// bytes as red, green and blue, box-averaged like [`preview_reusing`] into `spare`. One
/// word per pixel whose rows are slices (forward or mirrored) takes the fast path: the
/// words' bytes summed as RGBA bytes are, the colour read off the sums of the right three;
/// other layouts are read through the library's view of the top three bytes.
///
/// ```
/// use imgdemo::gui::preview::word_picture_reusing;
/// let words = [0x11223344u32, 0x55667788, 0x99AABBCC, 0xDDEEFF00];
/// let image = viewlib::View::from_slice(&words, [2, 2, 1])?;
/// let one = word_picture_reusing(image, 1, Vec::new());
/// // The means of 0x11, 0x55, 0x99, 0xDD; of 0x22, 0x66, 0xAA, 0xEE; of 0x33, ...
/// assert_eq!(one.image.pixels, [egui::Color32::from_rgb(0x77, 0x88, 0x99)]);
/// let whole = word_picture_reusing(image.flip_horizontal(), 2, Vec::new());
/// assert_eq!(whole.image.pixels[0], egui::Color32::from_rgb(0x55, 0x66, 0x77));
/// # Ok::<(), viewlib::ViewError>(())
/// ```
pub fn word_picture_reusing(
    words: View<'_, u32, 3>,
    max_side: usize,
    spare: Vec<Color32>,
) -> Preview {
    let scale = scale_for([words.height(), words.width()], max_side);
    let mode = DisplayMode::Natural;
    // One word per pixel: its bytes, a view of four 8-bit channels, in memory order.
    let bytes = words.cast::<u8>().ok().filter(|_| words.channels() == 1);
    if let Some(bytes) = bytes
        && let Some(order) = row_order(bytes, scale, |_| true)
    {
        let fast = Some((4, Colours::WordTopBytes, order));
        return paint(bytes, mode, scale, (1, 0), fast, spare);
    }
    match word_colours(words) {
        Ok(colours) => preview_reusing(colours, mode, max_side, spare),
        // An empty view has no first word: its (empty) picture as gray.
        Err(_) => preview_reusing(words, mode, max_side, spare),
    }
}

/// Paints `view` at 1/`scale` in `tiles` tiles `gap` pixels apart into `spare`, one output
/// row per rayon task, on the fast path `fast` if given.
fn paint<T: DisplaySample>(
    view: View<'_, T, 3>,
    mode: DisplayMode,
    scale: usize,
    (tiles, gap): (usize, usize),
    fast: Option<(usize, Colours, RowOrder)>,
    spare: Vec<Color32>,
) -> Preview {
    let [h, w, _] = view.shape();
    let (ph, pw) = (h.div_ceil(scale), w.div_ceil(scale));
    let out_w = pw * tiles + gap * (tiles - 1);
    let mut pixels = spare;
    // Every pixel is written below: only a new length needs filling.
    pixels.resize(ph * out_w, Color32::TRANSPARENT);
    let painter = RowPainter {
        view,
        mode,
        scale,
        tiles,
        gap,
        pw,
        fast,
    };
    if out_w > 0 {
        pixels
            .par_chunks_mut(out_w)
            .enumerate()
            .for_each(|(py, row)| painter.paint(py, row));
    }
    Preview {
        image: Arc::new(ColorImage::new([out_w, ph], pixels)),
        scale,
    }
}

/// How the fast path colours the means of a pixel's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Colours {
    /// RGB or RGBA, as they are.
    AsTheyAre,
    /// The four bytes of a `u32` word: its three most significant as R, G, B, opaque.
    WordTopBytes,
}

impl Colours {
    /// The colour of the means `v` of a pixel's `C` bytes (3 or 4, in memory order).
    #[inline(always)]
    fn colour<const C: usize>(self, v: [u32; C]) -> Color32 {
        match self {
            Colours::AsTheyAre => rgba8::<C>(v),
            Colours::WordTopBytes => {
                let [r, g, b] = if cfg!(target_endian = "little") {
                    [v[C - 1], v[C - 2], v[C - 3]]
                } else {
                    [v[0], v[1], v[2]]
                };
                Color32::from_rgb(r as u8, g as u8, b as u8)
            }
        }
    }
}

/// How a fast-path view's rows lie in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowOrder {
    /// Each row is a slice, its pixels left to right.
    Forward,
    /// Each row is a slice read backwards: a horizontally flipped view, whose pixels run
    /// right to left in memory (each pixel's channels still in order).
    Mirrored,
}

/// The fast path's plan for `view`: channel count (3 or 4) and row order, when `view` is
/// 8-bit RGB or RGBA shown as it is, its rows slices (forward or mirrored), and boxes small
/// enough for 16-bit sums.
fn fast_plan<T: DisplaySample>(
    view: View<'_, T, 3>,
    mode: DisplayMode,
    scale: usize,
) -> Option<(usize, RowOrder)> {
    let c = view.channels();
    if mode != DisplayMode::Natural || !(c == 3 || c == 4) {
        return None;
    }
    row_order(view, scale, |row| T::as_bytes(row).is_some()).map(|order| (c, order))
}

/// How `view`'s rows lie in memory when each is a slice (forward, or mirrored back) that
/// `usable` takes, and boxes of `scale` are small enough for the fast path's 16-bit sums.
fn row_order<T: DisplaySample>(
    view: View<'_, T, 3>,
    scale: usize,
    usable: impl Fn(&[T]) -> bool,
) -> Option<RowOrder> {
    if scale > FAST_MAX_SCALE {
        return None;
    }
    if view.height() == 0 {
        return Some(RowOrder::Forward);
    }
    // Every row has row 0's strides: row 0 decides.
    [RowOrder::Forward, RowOrder::Mirrored]
        .into_iter()
        .find(|&order| row_slice(view, 0, order).is_some_and(&usable))
}

/// Row `y` of `view` as a slice in memory order, when it is one (contiguous forward, or
/// contiguous once mirrored back).
fn row_slice<'a, T: DisplaySample>(
    view: View<'a, T, 3>,
    y: usize,
    order: RowOrder,
) -> Option<&'a [T]> {
    let row = view.row(y).ok()?;
    let row = match order {
        RowOrder::Forward => row,
        RowOrder::Mirrored => row.flip(0).ok()?,
    };
    row.as_slice()
}

thread_local! {
    /// Per-thread scratch rows: the fast path's column sums, the general path's sums and
    /// samples. Kept between previews, so painting allocates nothing once they have grown.
    static SCRATCH: RefCell<(Vec<u16>, GeneralScratch)> = const {
        RefCell::new((Vec::new(), GeneralScratch { sums: Vec::new(), samples: Vec::new() }))
    };
}

/// What paints one output row.
struct RowPainter<'a, T> {
    view: View<'a, T, 3>,
    mode: DisplayMode,
    scale: usize,
    tiles: usize,
    gap: usize,
    /// Preview pixels per tile row.
    pw: usize,
    /// Bytes per pixel (3 or 4), their colours and how the rows lie, when the fast path
    /// applies.
    fast: Option<(usize, Colours, RowOrder)>,
}

impl<T: DisplaySample> RowPainter<'_, T> {
    /// The view rows output row `py` averages.
    fn rows(&self, py: usize) -> std::ops::Range<usize> {
        let start = py * self.scale;
        start..(start + self.scale).min(self.view.height())
    }

    fn paint(&self, py: usize, out: &mut [Color32]) {
        SCRATCH.with_borrow_mut(|(column_sums, general)| match self.fast {
            Some((3, colours, order)) => self.paint_fast::<3>(py, colours, order, out, column_sums),
            Some((_, colours, order)) => self.paint_fast::<4>(py, colours, order, out, column_sums),
            None => self.paint_general(py, out, general),
        });
    }

    /// 8-bit rows as slices of `C`-byte pixels, in boxes of `scale` (1 to
    /// [`FAST_MAX_SCALE`]): the loops are written for each box size so that the compiler
    /// unrolls them.
    fn paint_fast<const C: usize>(
        &self,
        py: usize,
        colours: Colours,
        order: RowOrder,
        out: &mut [Color32],
        sums: &mut Vec<u16>,
    ) {
        match self.scale {
            1 => self.paint_boxes::<C, 1>(py, colours, order, out, sums),
            2 => self.paint_boxes::<C, 2>(py, colours, order, out, sums),
            3 => self.paint_boxes::<C, 3>(py, colours, order, out, sums),
            _ => self.paint_boxes::<C, 4>(py, colours, order, out, sums),
        }
    }

    /// The rows of the box summed column by column in memory order (widening adds over
    /// whole rows), then each box's `S` pixels summed and divided by a multiplication. A
    /// mirrored row's boxes are counted from its end in memory, which is the view's left.
    fn paint_boxes<const C: usize, const S: usize>(
        &self,
        py: usize,
        colours: Colours,
        order: RowOrder,
        out: &mut [Color32],
        sums: &mut Vec<u16>,
    ) {
        let ys = self.rows(py);
        let n_rows = ys.len();
        let row = |y| {
            row_slice(self.view, y, order)
                .and_then(T::as_bytes)
                .expect("the fast path's rows are slices of bytes")
        };
        if S == 1 {
            let (pixels, _) = row(ys.start).as_chunks::<C>();
            let paint =
                |(o, p): (&mut Color32, &[u8; C])| *o = colours.colour::<C>(p.map(u32::from));
            match order {
                RowOrder::Forward => out.iter_mut().zip(pixels).for_each(paint),
                RowOrder::Mirrored => out.iter_mut().zip(pixels.iter().rev()).for_each(paint),
            }
            return;
        }
        sums.clear();
        sums.extend(row(ys.start).iter().map(|&v| u16::from(v)));
        for y in ys.skip(1) {
            for (s, &v) in sums.iter_mut().zip(row(y)) {
                *s += u16::from(v);
            }
        }
        let (pixels, _) = sums.as_chunks::<C>();
        match order {
            RowOrder::Forward => {
                let boxes = pixels.chunks_exact(S);
                let rest = boxes.remainder();
                box_means::<C>(out, boxes, rest, n_rows, S, colours);
            }
            RowOrder::Mirrored => {
                let boxes = pixels.rchunks_exact(S);
                let rest = boxes.remainder();
                box_means::<C>(out, boxes, rest, n_rows, S, colours);
            }
        }
    }

    /// Any view: each channel of each row of the box read along the row through the view's
    /// strides into a scratch row of 0..=255 values, then summed box by box.
    fn paint_general(&self, py: usize, out: &mut [Color32], scratch: &mut GeneralScratch) {
        let [_, w, c] = self.view.shape();
        let ys = self.rows(py);
        let GeneralScratch { sums, samples } = scratch;
        for tile in 0..self.tiles {
            let channels = if self.tiles > 1 {
                tile..tile + 1
            } else {
                0..c.min(4)
            };
            sums.clear();
            sums.resize(self.pw, [0; 4]);
            for y in ys.clone() {
                let row = self.view.row(y).expect("y is a row of the view");
                for (slot, k) in channels.clone().enumerate() {
                    let along = row.column(k).expect("k is a channel of the view");
                    samples.clear();
                    samples.extend(along.iter().map(|&v| v.to_u8()));
                    for (sum, chunk) in sums.iter_mut().zip(samples.chunks(self.scale)) {
                        sum[slot] += chunk.iter().map(|&v| u32::from(v)).sum::<u32>();
                    }
                }
            }
            let start = tile * (self.pw + self.gap);
            for (px, (o, sum)) in out[start..start + self.pw]
                .iter_mut()
                .zip(sums.iter())
                .enumerate()
            {
                let columns = w.min((px + 1) * self.scale) - px * self.scale;
                let n = (ys.len() * columns) as u32;
                let mean = sum.map(|s| (s + n / 2) / n);
                *o = colour(expand(mean, channels.len()), self.mode, c);
            }
            if tile + 1 < self.tiles {
                out[start + self.pw..start + self.pw + self.gap].fill(Color32::TRANSPARENT);
            }
        }
    }
}

/// The general path's per-thread scratch rows.
struct GeneralScratch {
    /// Per output pixel, the sums of up to four channels.
    sums: Vec<[u32; 4]>,
    /// One channel of one view row, as 0..=255 values.
    samples: Vec<u8>,
}

/// The means of column-summed pixel boxes of `scale` pixels (over `n_rows` rows) into `out`,
/// in order, then of `rest`, the last and narrower box, if any, coloured by `colours`.
#[inline(always)]
fn box_means<'a, const C: usize>(
    out: &mut [Color32],
    boxes: impl Iterator<Item = &'a [[u16; C]]>,
    rest: &[[u16; C]],
    n_rows: usize,
    scale: usize,
    colours: Colours,
) {
    let full = Divider::new((n_rows * scale) as u32);
    let mut written = 0;
    for (o, pixels) in out.iter_mut().zip(boxes) {
        *o = colours.colour::<C>(sum_pixels(pixels).map(|t| full.divide(t)));
        written += 1;
    }
    if let Some(last) = out.get_mut(written)
        && !rest.is_empty()
    {
        let n = (n_rows * rest.len()) as u32;
        *last = colours.colour::<C>(sum_pixels(rest).map(|t| (t + n / 2) / n));
    }
}

/// Per channel, the sum of `pixels`' column sums.
#[inline(always)]
fn sum_pixels<const C: usize>(pixels: &[[u16; C]]) -> [u32; C] {
    let mut total = [0u32; C];
    for p in pixels {
        for k in 0..C {
            total[k] += u32::from(p[k]);
        }
    }
    total
}

/// Division by a fixed `n` (at most 16: boxes of up to 4x4) of numbers up to `255 * n`,
/// rounded to nearest, as a 32-bit multiplication and shift: `(t + n / 2) / n` exactly
/// (checked for every input in a test).
#[derive(Clone, Copy)]
struct Divider {
    half: u32,
    reciprocal: u32,
}

impl Divider {
    fn new(n: u32) -> Self {
        debug_assert!((1..=16).contains(&n));
        Divider {
            half: n / 2,
            reciprocal: (1u32 << 16).div_ceil(n),
        }
    }

    #[inline(always)]
    fn divide(self, t: u32) -> u32 {
        ((t + self.half) * self.reciprocal) >> 16
    }
}

/// An RGB (`C` = 3) or RGBA (`C` = 4) pixel of 0..=255 values.
#[inline(always)]
fn rgba8<const C: usize>(v: [u32; C]) -> Color32 {
    let alpha = if C == 4 { v[C - 1] as u8 } else { 255 };
    Color32::from_rgba_unmultiplied(v[0] as u8, v[1] as u8, v[2] as u8, alpha)
}

/// The RGBA of a pixel from the means of its first `channels` channels: gray, gray+alpha,
/// RGB, RGBA.
fn expand(v: [u32; 4], channels: usize) -> [u32; 4] {
    match channels {
        1 => [v[0], v[0], v[0], 255],
        2 => [v[0], v[0], v[0], v[1]],
        3 => [v[0], v[1], v[2], 255],
        _ => v,
    }
}

/// The colour of an RGBA pixel in `mode`, for a view of `channels` channels.
fn colour(rgba: [u32; 4], mode: DisplayMode, channels: usize) -> Color32 {
    match mode {
        DisplayMode::Tinted(tint) if channels == 1 => {
            let v = rgba[0] as u8;
            Color32::from_rgb(mul(v, tint.r()), mul(v, tint.g()), mul(v, tint.b()))
        }
        _ => Color32::from_rgba_unmultiplied(
            rgba[0] as u8,
            rgba[1] as u8,
            rgba[2] as u8,
            rgba[3] as u8,
        ),
    }
}

fn mul(a: u8, b: u8) -> u8 {
    ((u32::from(a) * u32::from(b) + 127) / 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use viewlib::{ImageBuf, StridedImage};

    /// The preview as its documentation says, one output pixel at a time through
    /// `View::get`: the reference both paths are checked against.
    fn reference<T: DisplaySample>(
        view: View<'_, T, 3>,
        mode: DisplayMode,
        max_side: usize,
    ) -> (ColorImage, usize) {
        let [h, w, c] = view.shape();
        let tiles = if mode == DisplayMode::ChannelsSideBySide && c > 1 {
            c
        } else {
            1
        };
        let gap = if tiles > 1 { TILE_GAP } else { 0 };
        let scale = scale_for([h, w * tiles + gap * (tiles - 1)], max_side);
        let (ph, pw) = (h.div_ceil(scale), w.div_ceil(scale));
        let out_w = pw * tiles + gap * (tiles - 1);
        let mut pixels = vec![Color32::TRANSPARENT; out_w * ph];
        for py in 0..ph {
            for tile in 0..tiles {
                for px in 0..pw {
                    let channels: Vec<usize> = if tiles > 1 {
                        vec![tile]
                    } else {
                        (0..c.min(4)).collect()
                    };
                    let mut sum = [0u32; 4];
                    let mut n = 0;
                    for y in py * scale..((py + 1) * scale).min(h) {
                        for x in px * scale..((px + 1) * scale).min(w) {
                            n += 1;
                            for (slot, &k) in channels.iter().enumerate() {
                                sum[slot] += u32::from(view.get_ref([y, x, k]).unwrap().to_u8());
                            }
                        }
                    }
                    let mean = sum.map(|s| (s + n / 2) / n);
                    pixels[py * out_w + tile * (pw + gap) + px] =
                        colour(expand(mean, channels.len()), mode, c);
                }
            }
        }
        (ColorImage::new([out_w, ph], pixels), scale)
    }

    #[derive(Debug, Clone, Copy)]
    enum Step {
        Crop(usize, usize, usize, usize),
        Channel(usize),
        Channels(usize),
        FlipH,
        FlipV,
        Transpose,
        EveryOther,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..9, 0usize..9, 1usize..40, 1usize..40)
                .prop_map(|(x, y, w, h)| Step::Crop(x, y, w, h)),
            (0usize..4).prop_map(Step::Channel),
            (1usize..4).prop_map(Step::Channels),
            Just(Step::FlipH),
            Just(Step::FlipV),
            Just(Step::Transpose),
            Just(Step::EveryOther),
        ]
    }

    fn derive<T: viewlib::Sample>(image: &StridedImage<T>, steps: &[Step]) -> StridedImage<T> {
        let mut image = image.clone();
        for &step in steps {
            let next = match step {
                Step::Crop(x, y, w, h) => image.crop(x, y, w, h),
                Step::Channel(k) => image.channel(k),
                Step::Channels(n) => image.derive(|v| v.channel_range(..n.min(v.channels()))),
                Step::FlipH => Ok(image.flip_horizontal()),
                Step::FlipV => Ok(image.flip_vertical()),
                Step::Transpose => Ok(image.transpose()),
                Step::EveryOther => image.slice(viewlib::s![..;2, .., ..]),
            };
            if let Ok(next) = next
                && !next.view().is_empty()
            {
                image = next;
            }
        }
        image
    }

    fn mode() -> impl Strategy<Value = DisplayMode> {
        prop_oneof![
            4 => Just(DisplayMode::Natural),
            1 => Just(DisplayMode::ChannelsSideBySide),
            1 => Just(DisplayMode::Tinted(Color32::from_rgb(60, 230, 60))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Both paths paint what the per-pixel reference paints, for 8 and 16 bits and `u32`
        /// words in false colour, crops, flips, transposes, channels, steps, odd sizes and
        /// boxes of 1 to 4 pixels (5: past the fast path's largest).
        #[test]
        fn every_layout_matches_the_per_pixel_reference(
            h in 1usize..40, w in 1usize..40, c in 1usize..6,
            steps in prop::collection::vec(step(), 0..5),
            scale in 1usize..6, mode in mode(), seed in any::<u64>(), samples in 0..3,
        ) {
            let values = (0..h * w * c).map(|i| (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed);
            match samples {
                0 => {
                    let source = StridedImage::from(ImageBuf::from_vec(h, w, c, values.map(|v| (v >> 13) as u8).collect()).unwrap());
                    check(derive(&source, &steps).view(), scale, mode)?;
                }
                1 => {
                    let source = StridedImage::from(ImageBuf::from_vec(h, w, c, values.map(|v| (v >> 13) as u16).collect()).unwrap());
                    check(derive(&source, &steps).view(), scale, mode)?;
                }
                _ => {
                    // Half the cases one word per pixel, as a cast of RGBA8 makes them.
                    let c = if seed % 2 == 0 { 1 } else { c };
                    let words = values.take(h * w * c).map(|v| (v >> 13) as u32).collect();
                    let source = StridedImage::from(ImageBuf::from_vec(h, w, c, words).unwrap());
                    check_words(derive(&source, &steps).view(), scale)?;
                }
            }
        }
    }

    /// The false-colour picture of words as [`word_picture_reusing`] documents it, one output
    /// pixel at a time: each pixel's first word's three most significant bytes, averaged.
    fn reference_words(view: View<'_, u32, 3>, max_side: usize) -> (ColorImage, usize) {
        let [h, w, _] = view.shape();
        let scale = scale_for([h, w], max_side);
        let (ph, pw) = (h.div_ceil(scale), w.div_ceil(scale));
        let mut pixels = Vec::new();
        for py in 0..ph {
            for px in 0..pw {
                let (mut sum, mut n) = ([0u32; 3], 0);
                for y in py * scale..((py + 1) * scale).min(h) {
                    for x in px * scale..((px + 1) * scale).min(w) {
                        let bytes = view.get([y, x, 0]).unwrap().to_be_bytes();
                        n += 1;
                        for k in 0..3 {
                            sum[k] += u32::from(bytes[k]);
                        }
                    }
                }
                let [r, g, b] = sum.map(|s| ((s + n / 2) / n) as u8);
                pixels.push(Color32::from_rgb(r, g, b));
            }
        }
        (ColorImage::new([pw, ph], pixels), scale)
    }

    /// [`check`] for the false-colour picture of words.
    fn check_words(view: View<'_, u32, 3>, scale: usize) -> Result<(), TestCaseError> {
        let max_side = view.height().max(view.width()).div_ceil(scale);
        let (expected, expected_scale) = reference_words(view, max_side);
        let p = word_picture_reusing(view, max_side, vec![Color32::RED; 7]);
        prop_assert_eq!(p.scale, expected_scale);
        prop_assert_eq!(&*p.image, &expected);
        Ok(())
    }

    #[test]
    fn one_word_per_pixel_in_row_slices_takes_the_fast_path() {
        let px = vec![0u32; 6 * 8 * 2];
        fn bytes_of(v: View<'_, u32, 3>) -> View<'_, u8, 3> {
            v.cast::<u8>().unwrap()
        }
        let words = View::from_slice(&px[..6 * 8], [6, 8, 1]).unwrap();
        assert_eq!(
            row_order(bytes_of(words), 2, |_| true),
            Some(RowOrder::Forward)
        );
        let cropped = words.crop(1, 1, 5, 3).unwrap();
        let mirrored = bytes_of(cropped.flip_horizontal());
        assert_eq!(row_order(mirrored, 4, |_| true), Some(RowOrder::Mirrored));
        assert_eq!(row_order(bytes_of(words.transpose()), 2, |_| true), None);
        let two = View::from_slice(&px, [6, 8, 2])
            .unwrap()
            .channel_range(..1)
            .unwrap();
        // The first of two words per pixel: its bytes are no row slice, the general path.
        assert_eq!(row_order(bytes_of(two), 2, |_| true), None);
        assert_eq!(
            row_order(bytes_of(words), FAST_MAX_SCALE + 1, |_| true),
            None
        );
    }

    fn check<T: DisplaySample>(
        view: View<'_, T, 3>,
        scale: usize,
        mode: DisplayMode,
    ) -> Result<(), TestCaseError> {
        let [h, w, _] = view.shape();
        // A limit that makes the longest side need `scale` (or the nearest box that fits).
        let max_side = h.max(w).div_ceil(scale);
        let (expected, expected_scale) = reference(view, mode, max_side);
        // Into a spare buffer of another size, as the app reuses one.
        let p = preview_reusing(view, mode, max_side, vec![Color32::RED; 7]);
        prop_assert_eq!(p.scale, expected_scale);
        prop_assert_eq!(&*p.image, &expected);
        Ok(())
    }

    #[test]
    fn the_reciprocal_divides_exactly() {
        for n in 1..=16u32 {
            let d = Divider::new(n);
            for t in 0..=255 * n {
                assert_eq!(d.divide(t), (t + n / 2) / n, "{t} / {n}");
            }
        }
    }

    #[test]
    fn the_fast_path_takes_the_common_layouts() {
        use RowOrder::{Forward, Mirrored};
        let px = vec![0u8; 6 * 8 * 4];
        let rgba = View::from_slice(&px, [6, 8, 4]).unwrap();
        let natural = DisplayMode::Natural;
        assert_eq!(fast_plan(rgba, natural, 2), Some((4, Forward)));
        let cropped = rgba.crop(1, 1, 5, 3).unwrap();
        assert_eq!(
            fast_plan(cropped.flip_vertical(), natural, 1),
            Some((4, Forward))
        );
        assert_eq!(
            fast_plan(cropped.flip_horizontal(), natural, 3),
            Some((4, Mirrored))
        );
        assert_eq!(fast_plan(rgba.rotate180(), natural, 2), Some((4, Mirrored)));
        assert_eq!(
            fast_plan(rgba.channel_range(..3).unwrap(), natural, 2),
            None
        );
        assert_eq!(fast_plan(rgba.transpose(), natural, 2), None);
        assert_eq!(fast_plan(rgba, DisplayMode::ChannelsSideBySide, 2), None);
        assert_eq!(fast_plan(rgba, natural, FAST_MAX_SCALE + 1), None);
        let px16 = vec![0u16; 6 * 8 * 3];
        assert_eq!(
            fast_plan(View::from_slice(&px16, [6, 8, 3]).unwrap(), natural, 2),
            None
        );
    }

    #[test]
    fn channels_side_by_side_and_tint() {
        let src: Vec<u8> = vec![10, 20, 30, 40, 50, 60];
        let image = View::from_slice(&src, [1, 2, 3]).unwrap();
        let p = preview(image, DisplayMode::ChannelsSideBySide, 100);
        assert_eq!(p.image.size, [2 * 3 + 2 * TILE_GAP, 1]);
        let gray = |v| Color32::from_gray(v);
        assert_eq!(p.image.pixels[0..2], [gray(10), gray(40)]);
        assert_eq!(
            p.image.pixels[2 + TILE_GAP..4 + TILE_GAP],
            [gray(20), gray(50)]
        );
        assert_eq!(p.image.pixels[2], Color32::TRANSPARENT);
        let green = image.channel_range(1..2).unwrap();
        let p = preview(
            green,
            DisplayMode::Tinted(Color32::from_rgb(0, 255, 0)),
            100,
        );
        assert_eq!(
            p.image.pixels,
            [Color32::from_rgb(0, 20, 0), Color32::from_rgb(0, 50, 0)]
        );
    }

    #[test]
    fn floats_clamp_to_0_1_and_words_show_their_top_byte() {
        assert_eq!(
            [f32::NAN, -1.0, 0.0, 0.5, 1.0, 7.0, f32::INFINITY].map(f32::to_u8),
            [0, 0, 0, 128, 255, 255, 255]
        );
        assert_eq!(u32::from_be_bytes([0xAB, 1, 2, 3]).to_u8(), 0xAB);
        assert_eq!(viewlib::U16Be::from_bytes([0xFF, 0xFF]).to_u8(), 255);
    }

    #[test]
    fn sixteen_bit_samples_round_to_eight() {
        assert_eq!(
            [0u16, 128, 129, 257, 65535].map(u16::to_u8),
            [0, 0, 1, 1, 255]
        );
    }
}
