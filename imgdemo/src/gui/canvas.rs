//! The image area: before and after side by side or under a split slider, zoom and pan,
//! the pixel under the cursor on both images, and cropping by dragging a rectangle.

use super::app::Notice;
use super::document::{Document, Processed, Source};
use super::preview::{DisplayMode, Preview, TILE_GAP};
use super::steps::label;
use super::worker::Request;
use crate::pipeline::{Channel, Op};
use egui::{
    Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, TextureHandle, TextureOptions,
    Vec2, pos2, vec2,
};
use std::sync::Arc;

/// The caption's line on how the result is shown, when a cast took the channels' colours
/// away: words in false colour, other samples' channels side by side in gray.
fn cast_note(image: &viewlib::DynStridedImage, mode: DisplayMode, cast: bool) -> &'static str {
    match image {
        viewlib::DynStridedImage::U32(_) if mode != DisplayMode::ChannelsSideBySide => {
            ", u32 words in false colour"
        }
        _ if cast && mode == DisplayMode::ChannelsSideBySide => " side by side in gray (a cast's)",
        _ => "",
    }
}

/// How channels of the result are painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelDisplay {
    /// As they are: gray, RGB, RGBA.
    #[default]
    Natural,
    /// A single extracted channel in its own colour.
    Tinted,
    /// Every channel as a gray picture, side by side.
    SideBySide,
}

/// How before and after are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compare {
    /// Two panels.
    #[default]
    SideBySide,
    /// One panel, before left of a draggable line and after right of it.
    Split,
    /// The result alone.
    AfterOnly,
}

/// Zoom and pan, shared by the panels so they stay in step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Camera {
    /// Screen points per image pixel; `None` fits each image in its panel.
    pub zoom: Option<f32>,
    /// Offset of the image centre from the panel centre, in points.
    pub pan: Vec2,
}

/// The pixel under the cursor, in both images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hover {
    /// `(row, column)` in the source.
    pub source: Option<(usize, usize)>,
    /// `(row, column)` in the result.
    pub result: Option<(usize, usize)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Before,
    After,
}

/// An image placed in a panel.
#[derive(Clone, Copy)]
struct Placed {
    side: Side,
    panel: Rect,
    image: Rect,
    /// Image pixels `[width, height]` the rectangle shows.
    pixels: Vec2,
}

impl Placed {
    fn scale(&self) -> f32 {
        self.image.width() / self.pixels.x.max(1.0)
    }

    fn pixel_at(&self, p: Pos2) -> Option<(usize, usize)> {
        let q = (p - self.image.min) / self.scale();
        (self.panel.contains(p)
            && q.x >= 0.0
            && q.y >= 0.0
            && q.x < self.pixels.x
            && q.y < self.pixels.y)
            .then_some((q.y as usize, q.x as usize))
    }

    fn pixel_rect(&self, (row, col): (usize, usize)) -> Rect {
        let s = self.scale();
        let min = self.image.min + vec2(col as f32, row as f32) * s;
        let rect = Rect::from_min_size(min, Vec2::splat(s));
        // Small on screen: mark it with a fixed-size square instead.
        if s < 7.0 {
            Rect::from_center_size(rect.center(), Vec2::splat(9.0))
        } else {
            rect
        }
    }
}

fn place(side: Side, panel: Rect, pixels: Vec2, camera: &Camera) -> Placed {
    let margin = 8.0;
    let fit = ((panel.width() - margin) / pixels.x.max(1.0))
        .min((panel.height() - margin) / pixels.y.max(1.0))
        .max(1e-4);
    let scale = camera.zoom.unwrap_or(fit);
    let image = Rect::from_center_size(panel.center() + camera.pan, pixels * scale);
    Placed {
        side,
        panel,
        image,
        pixels,
    }
}

/// Which picture and serial, and the region `[x, y, width, height]` asked for.
type DetailAsk = ((usize, u64), [usize; 4]);

/// A full-resolution part of a picture, on the GPU.
struct Detail {
    /// Which picture (0 before, 1 after) and its serial number.
    key: (usize, u64),
    /// `[x, y, width, height]` of the picture it shows.
    region: [usize; 4],
    /// The pixels.
    texture: TextureHandle,
}

/// Pixels at or past this zoom are drawn as squares, not smoothed.
const TEXTURE_OPTIONS: TextureOptions = TextureOptions {
    magnification: egui::TextureFilter::Nearest,
    minification: egui::TextureFilter::Linear,
    ..TextureOptions::LINEAR
};

/// The image area's own state: how before and after are compared and framed, the crop being
/// dragged, where the last frame put things, and the textures that show the pictures. It
/// reads the [`Document`] it is given and tells the app what it asks of the rest in a
/// [`CanvasOutput`].
pub(super) struct Canvas {
    channel_display: ChannelDisplay,
    compare: Compare,
    camera: Camera,
    /// Where the split slider's line is, as a share of the width.
    split: f32,
    /// Whether a drag on the Before image crops rather than pans.
    crop_tool: bool,
    /// The crop rectangle being dragged, in source pixels.
    crop_drag: Option<[Pos2; 2]>,
    hover: Option<Hover>,
    placed: [Option<Rect>; 2],
    /// Where the last frame laid out the image area, toolbar included.
    area: Option<Rect>,
    before: Option<TextureHandle>,
    after: Option<TextureHandle>,
    checker: Option<TextureHandle>,
    /// Full-resolution parts of the before and after pictures, when zoomed in past their
    /// previews.
    details: [Option<Detail>; 2],
    /// The detail last asked for, per picture.
    details_asked: [Option<DetailAsk>; 2],
    /// Serial numbers of the source and of the shown result, naming what a detail is of.
    serials: [u64; 2],
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas {
            channel_display: ChannelDisplay::Natural,
            compare: Compare::SideBySide,
            camera: Camera::default(),
            split: 0.5,
            crop_tool: false,
            crop_drag: None,
            hover: None,
            placed: [None; 2],
            area: None,
            before: None,
            after: None,
            checker: None,
            details: [None, None],
            details_asked: [None, None],
            serials: [0, 0],
        }
    }
}

/// What a frame of the canvas asks of the rest of the app.
#[derive(Default)]
#[must_use]
pub(super) struct CanvasOutput {
    /// Full-resolution parts of pictures for the worker to paint.
    pub details: Vec<Request>,
    /// A crop dragged on the Before image, in source coordinates, for the steps.
    pub crop: Option<Op>,
    /// How channels are painted changed: the result must be painted again.
    pub display_changed: bool,
}

/// Puts `image` in the texture in `slot`: the texture's pixels are replaced
/// ([`TextureHandle::set`]) when there is one, rather than a texture allocated per image.
/// The picture is shared with the upload, not copied; once uploaded, the worker paints the
/// next one into its buffer.
fn upload(
    ctx: &egui::Context,
    slot: &mut Option<TextureHandle>,
    name: &str,
    image: Arc<egui::ColorImage>,
) {
    match slot {
        Some(texture) => texture.set(image, TEXTURE_OPTIONS),
        None => *slot = Some(ctx.load_texture(name, image, TEXTURE_OPTIONS)),
    }
}

/// The colour a channel is tinted with.
fn channel_colour(channel: Channel) -> Color32 {
    match channel {
        Channel::R => Color32::from_rgb(255, 60, 60),
        Channel::G => Color32::from_rgb(60, 230, 60),
        Channel::B => Color32::from_rgb(70, 110, 255),
        Channel::A | Channel::L => Color32::from_gray(235),
    }
}

impl Canvas {
    /// Shows a newly opened image, framed whole.
    pub fn show_source(&mut self, ctx: &egui::Context, source: &Source) {
        upload(
            ctx,
            &mut self.before,
            "before",
            source.preview.image.clone(),
        );
        self.serials[0] += 1;
        self.camera = Camera::default();
        self.crop_drag = None;
    }

    /// Shows the result of run `generation`.
    pub fn show_result(&mut self, ctx: &egui::Context, result: &Processed, generation: u64) {
        upload(ctx, &mut self.after, "after", result.preview.image.clone());
        self.serials[1] = generation;
    }

    /// Shows the full-resolution part `region` of the picture `key` names, as the worker
    /// painted it.
    pub fn show_detail(
        &mut self,
        ctx: &egui::Context,
        key: (usize, u64),
        region: [usize; 4],
        preview: Preview,
    ) {
        let side = key.0.min(1);
        match &mut self.details[side] {
            // Panning and zooming ask for new parts often: same texture, new pixels.
            Some(detail) => {
                detail.texture.set(preview.image, TEXTURE_OPTIONS);
                (detail.key, detail.region) = (key, region);
            }
            None => {
                let name = ["before detail", "after detail"][side];
                let texture = ctx.load_texture(name, preview.image, TEXTURE_OPTIONS);
                self.details[side] = Some(Detail {
                    key,
                    region,
                    texture,
                });
            }
        }
    }

    /// Where the last frame drew the before and the after image, in points.
    pub fn image_rects(&self) -> [Option<Rect>; 2] {
        self.placed
    }

    /// Where the last frame laid out the image area with its toolbar, in points.
    pub fn area(&self) -> Option<Rect> {
        self.area
    }

    /// The parts `[x, y, width, height]` of the before and after pictures shown at full
    /// resolution over their previews.
    pub fn detail_regions(&self) -> [Option<[usize; 4]>; 2] {
        [0, 1].map(|side| {
            self.details[side]
                .as_ref()
                .filter(|d| d.key == (side, self.serials[side]))
                .map(|d| d.region)
        })
    }

    /// The pixel under the cursor in the source and in the result.
    pub fn hover(&self) -> Option<Hover> {
        self.hover
    }

    /// Whether a drag on the Before image crops: the crop step's editor switches it too.
    pub fn crop_tool_mut(&mut self) -> &mut bool {
        &mut self.crop_tool
    }

    /// The display mode the current settings ask for. After a cast the channels are no
    /// longer colours (the byte pairs of 16-bit RGB are 6 "channels"), so "as is" shows them
    /// side by side in gray; `u32` words are painted in false colour whatever the mode
    /// but side by side ([`super::document::picture`]).
    pub fn display_mode(&self, doc: &Document) -> DisplayMode {
        match self.channel_display {
            ChannelDisplay::Natural if doc.cast_changes_meaning() => {
                DisplayMode::ChannelsSideBySide
            }
            ChannelDisplay::Natural => DisplayMode::Natural,
            ChannelDisplay::SideBySide => DisplayMode::ChannelsSideBySide,
            ChannelDisplay::Tinted => match doc.last_channel() {
                Some(c) => DisplayMode::Tinted(channel_colour(c)),
                None => DisplayMode::Natural,
            },
        }
    }

    /// The View menu's entries: the compare modes and the zoom.
    pub fn view_menu(&mut self, ui: &mut egui::Ui) {
        for (mode, label) in [
            (Compare::SideBySide, "Before and after side by side"),
            (Compare::Split, "Split slider"),
            (Compare::AfterOnly, "After only"),
        ] {
            if ui.selectable_label(self.compare == mode, label).clicked() {
                self.compare = mode;
                ui.close();
            }
        }
        ui.separator();
        if ui.button("Fit to window").clicked() {
            self.camera = Camera::default();
            ui.close();
        }
        if ui.button("Actual pixels (100%)").clicked() {
            self.camera.zoom = Some(1.0);
            self.camera.pan = egui::Vec2::ZERO;
            ui.close();
        }
    }

    /// The toolbar and the images of `doc`; while there is no image, what is going on:
    /// `opening` names the image being opened, `notice` says why the last one did not open.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Document,
        opening: Option<&str>,
        notice: Option<&Notice>,
    ) -> CanvasOutput {
        let mut out = CanvasOutput::default();
        let display_before = self.channel_display;
        self.frame(ui, doc, opening, notice, &mut out);
        out.display_changed = self.channel_display != display_before;
        out
    }

    fn frame(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Document,
        opening: Option<&str>,
        notice: Option<&Notice>,
        out: &mut CanvasOutput,
    ) {
        self.area = Some(ui.max_rect().intersect(ui.clip_rect()));
        self.canvas_toolbar(ui, doc);
        let (Some(source), Some(before)) = (doc.source(), self.before.as_ref().map(|t| t.id()))
        else {
            let text = match (opening, notice) {
                (Some(name), _) => egui::RichText::new(format!("Opening {name}…")),
                (None, Some(notice)) if notice.is_error => {
                    egui::RichText::new(&notice.text).color(ui.visuals().error_fg_color)
                }
                _ => egui::RichText::new("No image: use File > Open, or drop one on the window."),
            };
            ui.centered_and_justified(|ui| ui.label(text));
            return;
        };
        let area = ui.available_rect_before_wrap();
        let response = ui.allocate_rect(area, Sense::click_and_drag());
        let painter = ui.painter_at(area);
        painter.rect_filled(area, 0.0, ui.visuals().extreme_bg_color);

        let [sh, sw, _] = source.image().shape();
        let source_pixels = vec2(sw as f32, sh as f32);
        let result = doc.result();
        let cast_shown_apart = doc.cast_changes_meaning();
        let result_pixels = result.map(|r| {
            let [h, w, c] = r.image().shape();
            let tiles = if r.mode == super::preview::DisplayMode::ChannelsSideBySide && c > 1 {
                c
            } else {
                1
            };
            let gap = (TILE_GAP * r.preview.scale) as f32;
            vec2(w as f32 * tiles as f32 + gap * (tiles - 1) as f32, h as f32)
        });
        let compare = if self.compare == Compare::Split && !split_possible(doc) {
            Compare::SideBySide
        } else {
            self.compare
        };
        let mut placed = Vec::new();
        match compare {
            Compare::SideBySide => {
                let half = (area.width() - 6.0) / 2.0;
                let left = Rect::from_min_size(area.min, vec2(half, area.height()));
                let right = Rect::from_min_size(
                    pos2(area.max.x - half, area.min.y),
                    vec2(half, area.height()),
                );
                painter.vline(
                    area.center().x,
                    area.y_range(),
                    Stroke::new(1.0, ui.visuals().window_stroke.color),
                );
                placed.push(place(Side::Before, left, source_pixels, &self.camera));
                if let Some(pixels) = result_pixels {
                    placed.push(place(Side::After, right, pixels, &self.camera));
                }
            }
            Compare::Split => {
                placed.push(place(Side::Before, area, source_pixels, &self.camera));
                placed.push(place(Side::After, area, source_pixels, &self.camera));
            }
            Compare::AfterOnly => {
                if let Some(pixels) = result_pixels {
                    placed.push(place(Side::After, area, pixels, &self.camera));
                }
            }
        }

        self.zoom_and_pan(ui, &response, &placed, area, compare);
        self.placed = [Side::Before, Side::After]
            .map(|side| placed.iter().find(|p| p.side == side).map(|p| p.image));

        // Paint.
        let full_uv = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
        let split_x = area.min.x + area.width() * self.split;
        for p in &placed {
            let clip = match (compare, p.side) {
                (Compare::Split, Side::Before) => {
                    Rect::from_x_y_ranges(area.min.x..=split_x, area.y_range())
                }
                (Compare::Split, Side::After) => {
                    Rect::from_x_y_ranges(split_x..=area.max.x, area.y_range())
                }
                _ => p.panel,
            };
            let painter = painter.with_clip_rect(clip.intersect(area));
            self.paint_checker(ui.ctx(), &painter, p.image);
            let texture = match p.side {
                Side::Before => Some(before),
                Side::After => self.after.as_ref().map(|t| t.id()),
            };
            if let Some(texture) = texture {
                let tint = if p.side == Side::After && doc.failure().is_some() {
                    Color32::from_gray(90)
                } else {
                    Color32::WHITE
                };
                painter.image(texture, p.image, full_uv, tint);
                out.details.extend(self.detail(ui, &painter, p, tint, doc));
            }
            let caption = match p.side {
                Side::Before => format!("Before: {sw}×{sh}, {}", source.format),
                Side::After => match result {
                    Some(r) => {
                        let [h, w, c] = r.image().shape();
                        format!(
                            "After: {w}×{h}, {c} channel{}{}",
                            if c == 1 { "" } else { "s" },
                            cast_note(r.image(), r.mode, cast_shown_apart)
                        )
                    }
                    None => "After".into(),
                },
            };
            let anchor = match (compare, p.side) {
                (Compare::Split, Side::After) => pos2(clip.max.x - 6.0, clip.min.y + 4.0),
                _ => clip.min + vec2(6.0, 4.0),
            };
            let align = match (compare, p.side) {
                (Compare::Split, Side::After) => Align2::RIGHT_TOP,
                _ => Align2::LEFT_TOP,
            };
            boxed_text(
                &painter,
                anchor,
                align,
                caption,
                13.0,
                Color32::from_black_alpha(150),
            );
        }
        if compare == Compare::Split {
            painter.vline(split_x, area.y_range(), Stroke::new(2.0, Color32::WHITE));
            painter.circle_filled(pos2(split_x, area.center().y), 6.0, Color32::WHITE);
        }
        if let Some(failure) = doc.failure() {
            let at = placed.iter().find(|p| p.side == Side::After).map_or_else(
                || match compare {
                    // No result yet: where the After panel will be.
                    Compare::SideBySide => pos2(area.max.x - area.width() / 4.0, area.center().y),
                    _ => area.center(),
                },
                |p| p.panel.center(),
            );
            let text = match failure.op_error() {
                Some(failure) => format!(
                    "Step {} ({}) does not apply:\n{}",
                    doc.steps()
                        .index_of_position(failure.position)
                        .map_or(failure.position, |i| i + 1),
                    label(&failure.op),
                    failure.kind
                ),
                None => failure.to_string(),
            };
            boxed_text(
                &painter,
                at,
                Align2::CENTER_CENTER,
                text,
                15.0,
                Color32::from_rgb(120, 20, 20),
            );
        }

        self.hover_and_markers(&response, &painter, &placed, compare, split_x, result);
        out.crop = self.crop_drag(ui, &response, &painter, &placed, compare);
    }

    /// When a preview is shown magnified (zoomed in on an image larger than the texture
    /// limit), paints the visible part at full resolution over it, asking the worker for it
    /// when the view has moved: the request to send is returned.
    fn detail(
        &mut self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        p: &Placed,
        tint: Color32,
        doc: &Document,
    ) -> Option<Request> {
        let side = usize::from(p.side == Side::After);
        let (scale, image, mode) = match (p.side, doc.source(), doc.result()) {
            (Side::Before, Some(s), _) => {
                (s.preview.scale, s.image().clone(), DisplayMode::Natural)
            }
            (Side::After, _, Some(r)) if r.mode != DisplayMode::ChannelsSideBySide => {
                (r.preview.scale, r.image().clone(), r.mode)
            }
            _ => return None,
        };
        let on_screen = p.scale() * ui.ctx().pixels_per_point();
        let visible = p.image.intersect(p.panel);
        if scale == 1 || on_screen * scale as f32 <= 1.0 || !visible.is_positive() {
            return None;
        }
        let key = (side, self.serials[side]);
        // The visible pixels, rounded out to a grid so that small pans reuse the detail.
        let grid = 128.0;
        let [h, w, _] = image.shape();
        let a = (visible.min - p.image.min) / p.scale();
        let b = (visible.max - p.image.min) / p.scale();
        let x0 = ((a.x / grid).floor() * grid).max(0.0) as usize;
        let y0 = ((a.y / grid).floor() * grid).max(0.0) as usize;
        let x1 = (((b.x / grid).ceil() * grid) as usize).min(w);
        let y1 = (((b.y / grid).ceil() * grid) as usize).min(h);
        if x1 <= x0 || y1 <= y0 {
            return None;
        }
        let region = [x0, y0, x1 - x0, y1 - y0];
        let mut ask = None;
        if self.details_asked[side] != Some((key, region)) {
            self.details_asked[side] = Some((key, region));
            ask = Some(Request::Detail {
                key,
                image,
                region,
                mode,
                max_side: super::max_side(ui.ctx()),
            });
        }
        if let Some(detail) = &self.details[side]
            && detail.key == key
        {
            let [x, y, dw, dh] = detail.region;
            let rect = Rect::from_min_size(
                p.image.min + vec2(x as f32, y as f32) * p.scale(),
                vec2(dw as f32, dh as f32) * p.scale(),
            );
            let uv = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
            painter.image(detail.texture.id(), rect, uv, tint);
        }
        ask
    }

    /// The controls above the images, in groups (compare, zoom, channels, crop). A group that
    /// does not fit in what is left of a row starts the next one, and the texts never wrap: a
    /// control squeezed into the end of a narrow row used to break its text letter by letter
    /// ("D r a g  t o  c r o p" down the panel).
    fn canvas_toolbar(&mut self, ui: &mut egui::Ui, doc: &Document) {
        let named = egui::UiBuilder::new().accessibility_label("Canvas toolbar");
        ui.scope_builder(named, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
            ui.horizontal_wrapped(|ui| {
                group(ui, |ui| self.compare_controls(ui, doc));
                divider(ui);
                group(ui, |ui| self.zoom_controls(ui));
                divider(ui);
                group(ui, |ui| self.channel_controls(ui, doc));
                divider(ui);
                let can_crop = self.compare != Compare::AfterOnly && doc.source().is_some();
                let crop = egui::Button::selectable(self.crop_tool, "✂ Drag to crop");
                if ui
                    .add_enabled(can_crop, crop)
                    .on_hover_text("Drag a rectangle on the Before image to crop the source there.")
                    .on_disabled_hover_text("Show the Before image to drag a crop on it.")
                    .clicked()
                {
                    self.crop_tool = !self.crop_tool;
                }
            });
        });
    }

    fn compare_controls(&mut self, ui: &mut egui::Ui, doc: &Document) {
        ui.label("Compare:");
        ui.selectable_value(&mut self.compare, Compare::SideBySide, "Side by side");
        choice(
            ui,
            split_possible(doc),
            &mut self.compare,
            Compare::Split,
            "Split",
            "Split needs a result of the source's size: a crop or transpose changes it, \
             and side-by-side channels widen it.",
        );
        ui.selectable_value(&mut self.compare, Compare::AfterOnly, "After only");
    }

    fn zoom_controls(&mut self, ui: &mut egui::Ui) {
        if ui
            .selectable_label(self.camera.zoom.is_none(), "Fit")
            .clicked()
        {
            self.camera = Default::default();
        }
        if ui
            .selectable_label(self.camera.zoom == Some(1.0), "100%")
            .clicked()
        {
            self.camera = Camera {
                zoom: Some(1.0),
                pan: Vec2::ZERO,
            };
        }
    }

    fn channel_controls(&mut self, ui: &mut egui::Ui, doc: &Document) {
        ui.label("Channels:");
        let channels = doc.result().map(|r| r.image().shape()[2]);
        ui.selectable_value(&mut self.channel_display, ChannelDisplay::Natural, "As is");
        choice(
            ui,
            channels == Some(1) && doc.last_channel().is_some(),
            &mut self.channel_display,
            ChannelDisplay::Tinted,
            "Tinted",
            "Tinting shows a single channel picked with a Channel step.",
        );
        choice(
            ui,
            channels.is_some_and(|c| c > 1) || self.channel_display == ChannelDisplay::SideBySide,
            &mut self.channel_display,
            ChannelDisplay::SideBySide,
            "Side by side",
            "The result has a single channel.",
        );
    }

    fn paint_checker(&mut self, ctx: &egui::Context, painter: &egui::Painter, rect: Rect) {
        let texture = self.checker.get_or_insert_with(|| {
            let (a, b) = (Color32::from_gray(100), Color32::from_gray(150));
            ctx.load_texture(
                "checker",
                egui::ColorImage::new([2, 2], vec![a, b, b, a]),
                egui::TextureOptions::NEAREST_REPEAT,
            )
        });
        let cells = rect.size() / 16.0;
        painter.image(
            texture.id(),
            rect,
            Rect::from_min_max(Pos2::ZERO, pos2(cells.x, cells.y)),
            Color32::WHITE,
        );
    }

    fn zoom_and_pan(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        placed: &[Placed],
        area: Rect,
        compare: Compare,
    ) {
        let split_x = area.min.x + area.width() * self.split;
        if compare == Compare::Split && response.drag_started() {
            let near = response
                .interact_pointer_pos()
                .is_some_and(|p| (p.x - split_x).abs() < 10.0);
            ui.ctx().data_mut(|d| d.insert_temp(response.id, near));
        }
        let dragging_split = compare == Compare::Split
            && ui
                .ctx()
                .data(|d| d.get_temp::<bool>(response.id).unwrap_or(false));
        if response.dragged() && dragging_split {
            if let Some(p) = response.interact_pointer_pos() {
                self.split = ((p.x - area.min.x) / area.width()).clamp(0.0, 1.0);
            }
        } else if response.dragged_by(egui::PointerButton::Middle)
            || response.dragged_by(egui::PointerButton::Secondary)
            || (response.dragged_by(egui::PointerButton::Primary) && !self.crop_tool)
        {
            self.camera.pan += response.drag_delta();
            if self.camera.zoom.is_none() {
                self.camera.zoom = placed.first().map(Placed::scale);
            }
        }
        if !response.hovered() {
            return;
        }
        let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
        let factor = (scroll * 0.002).exp() * pinch;
        if (factor - 1.0).abs() < 1e-4 {
            return;
        }
        let Some(cursor) = response.hover_pos() else {
            return;
        };
        let Some(p) = placed.iter().find(|p| p.panel.contains(cursor)) else {
            return;
        };
        let scale = p.scale();
        let new_scale = (scale * factor).clamp(0.01, 64.0);
        let q = (cursor - p.image.min) / scale;
        let new_min = cursor - q * new_scale;
        let new_centre = new_min + p.pixels * new_scale / 2.0;
        self.camera = Camera {
            zoom: Some(new_scale),
            pan: new_centre - p.panel.center(),
        };
    }

    fn hover_and_markers(
        &mut self,
        response: &egui::Response,
        painter: &egui::Painter,
        placed: &[Placed],
        compare: Compare,
        split_x: f32,
        result: Option<&Processed>,
    ) {
        self.hover = None;
        let Some(cursor) = response.hover_pos() else {
            return;
        };
        let side_at = |p: &Placed| match compare {
            Compare::Split => (cursor.x < split_x) == (p.side == Side::Before),
            _ => true,
        };
        let Some(at) = placed
            .iter()
            .find(|p| side_at(p) && p.pixel_at(cursor).is_some())
        else {
            return;
        };
        let pixel = at.pixel_at(cursor).expect("checked above");
        let hover = match (result, at.side) {
            (Some(r), Side::Before) => Hover {
                source: Some(pixel),
                result: r
                    .lineage
                    .result_pixel([pixel.0, pixel.1])
                    .map(|[y, x]| (y, x)),
            },
            (Some(r), Side::After) => {
                // In side-by-side channels, fold the column into one tile.
                let [_, w, _] = r.image().shape();
                let tile = w + TILE_GAP * r.preview.scale;
                let col = if at.pixels.x as usize > w {
                    pixel.1 % tile
                } else {
                    pixel.1
                };
                let result = (col < w).then_some((pixel.0, col));
                Hover {
                    source: result
                        .and_then(|(y, x)| r.lineage.source_pixel([y, x]))
                        .map(|[row, col]| (row, col)),
                    result,
                }
            }
            (None, _) => Hover {
                source: Some(pixel),
                result: None,
            },
        };
        for p in placed {
            let target = match p.side {
                Side::Before => hover.source,
                Side::After => hover.result,
            };
            let Some(target) = target else { continue };
            if compare == Compare::Split && !side_at(p) {
                continue;
            }
            let rect = p.pixel_rect(target);
            painter.rect_stroke(
                rect,
                0.0,
                Stroke::new(3.0, Color32::BLACK),
                StrokeKind::Outside,
            );
            painter.rect_stroke(
                rect,
                0.0,
                Stroke::new(1.5, Color32::YELLOW),
                StrokeKind::Outside,
            );
        }
        self.hover = Some(hover);
    }

    fn crop_drag(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        painter: &egui::Painter,
        placed: &[Placed],
        compare: Compare,
    ) -> Option<Op> {
        if !self.crop_tool || compare == Compare::AfterOnly {
            self.crop_drag = None;
            return None;
        }
        let before = placed.iter().find(|p| p.side == Side::Before)?;
        let to_image = |p: Pos2| {
            let q = (p - before.image.min) / before.scale();
            pos2(
                q.x.clamp(0.0, before.pixels.x),
                q.y.clamp(0.0, before.pixels.y),
            )
        };
        // A drag is recognised only after the pointer has moved a little: start the
        // rectangle where the button went down.
        let origin = ui.input(|i| i.pointer.press_origin());
        if response.drag_started_by(egui::PointerButton::Primary)
            && let Some(p) = origin.or(response.interact_pointer_pos())
            && before.panel.contains(p)
        {
            let q = to_image(p);
            self.crop_drag = Some([q, q]);
        }
        if let (Some(drag), Some(p)) = (&mut self.crop_drag, response.interact_pointer_pos())
            && response.dragged_by(egui::PointerButton::Primary)
        {
            drag[1] = to_image(p);
        }
        if let Some([a, b]) = self.crop_drag {
            let r = Rect::from_two_pos(a, b);
            let screen = Rect::from_min_max(
                before.image.min + r.min.to_vec2() * before.scale(),
                before.image.min + r.max.to_vec2() * before.scale(),
            );
            painter.rect_stroke(
                screen,
                0.0,
                Stroke::new(3.0, Color32::BLACK),
                StrokeKind::Middle,
            );
            painter.rect_stroke(
                screen,
                0.0,
                Stroke::new(1.5, Color32::YELLOW),
                StrokeKind::Middle,
            );
            painter.text(
                screen.left_top() - vec2(0.0, 4.0),
                Align2::LEFT_BOTTOM,
                format!("{}×{}", r.width().round(), r.height().round()),
                FontId::monospace(12.0),
                Color32::YELLOW,
            );
            if response.drag_stopped() {
                self.crop_drag = None;
                let x = r.min.x.floor() as usize;
                let y = r.min.y.floor() as usize;
                let width = (r.max.x.ceil() as usize).saturating_sub(x);
                let height = (r.max.y.ceil() as usize).saturating_sub(y);
                if width > 0 && height > 0 {
                    return Some(Op::Crop {
                        x,
                        y,
                        width,
                        height,
                    });
                }
            }
        }
        None
    }
}

/// Split needs before and after of the same size.
fn split_possible(doc: &Document) -> bool {
    match (doc.source(), doc.result()) {
        (Some(s), Some(r)) => {
            let [sh, sw, _] = s.image().shape();
            let [h, w, _] = r.image().shape();
            (sh, sw) == (h, w) && r.mode != DisplayMode::ChannelsSideBySide
        }
        _ => false,
    }
}

/// Adds the controls `add` makes as one unit of a wrapping row: they start the next row
/// together when they do not fit in what is left of this one, and wrap among themselves only
/// when they are wider than a whole row. Each control must be one widget (`add_enabled`, not
/// `add_enabled_ui`): a wrapping row moves a widget that does not fit to the next row, but a
/// child `Ui` stays where it starts and squeezes what it holds.
fn group(ui: &mut egui::Ui, mut add: impl FnMut(&mut egui::Ui)) {
    let row = egui::Layout::left_to_right(egui::Align::Center);
    // Their width on one line, measured unseen: an invisible Ui shows nothing and takes no
    // clicks, and nothing is allocated in `ui`.
    let mut measure = ui.new_child(egui::UiBuilder::new().layout(row).sizing_pass().invisible());
    add(&mut measure);
    // A point to spare, so that rounding does not push the last control to a row of its own.
    let width = (measure.min_rect().width() + 1.0).min(ui.available_size().x);
    let size = vec2(width, ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(size, row.with_main_wrap(true), add);
}

/// A separator one row tall (`ui.separator()` beside a group that wrapped would be as tall as
/// all its rows).
fn divider(ui: &mut egui::Ui) {
    let size = vec2(ui.spacing().item_spacing.x, ui.spacing().interact_size.y);
    ui.allocate_ui(size, |ui| ui.separator());
}

/// `ui.selectable_value`, disabled unless `enabled`, with `why_not` on hover when it is.
fn choice<T: PartialEq>(
    ui: &mut egui::Ui,
    enabled: bool,
    current: &mut T,
    value: T,
    text: &str,
    why_not: &str,
) {
    let button = egui::Button::selectable(*current == value, text);
    if ui
        .add_enabled(enabled, button)
        .on_disabled_hover_text(why_not)
        .clicked()
    {
        *current = value;
    }
}

/// White text on a box of `background`, anchored at `at`.
fn boxed_text(
    painter: &egui::Painter,
    at: Pos2,
    align: Align2,
    text: String,
    size: f32,
    background: Color32,
) {
    let galley = painter.layout_no_wrap(text, FontId::proportional(size), Color32::WHITE);
    let rect = align.anchor_size(at, galley.size());
    painter.rect_filled(rect.expand(size / 3.0), 3.0, background);
    painter.galley(rect.min, galley, Color32::WHITE);
}

/// The colour used for channel `index` of an image with `channels` channels in pictures.
pub(super) fn channel_swatch(index: usize, channels: usize) -> Color32 {
    let channel = match (channels, index) {
        (1 | 2, 0) => Channel::L,
        (2, 1) | (4, 3) => Channel::A,
        (_, 0) => Channel::R,
        (_, 1) => Channel::G,
        _ => Channel::B,
    };
    match channel {
        Channel::A => Color32::from_gray(170),
        c => channel_colour(c),
    }
}
