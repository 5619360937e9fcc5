//! The window: menus, panels, and the bookkeeping between them and the worker.

use super::canvas::{Camera, Compare, Hover};
use super::document::ProcessError;
use super::document::{Processed, Source, png_bits};
use super::file_dialog::{Answer, FileDialog, Purpose};
use super::preview::DisplayMode;
use super::screenshot::Screenshot;
use super::steps::Steps;
use super::worker::{Reply, Request, Worker};
use crate::pipeline::{Channel, Op, StepReport};
use egui::{Color32, RichText, TextureHandle, TextureOptions};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the command line asks of the window.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// The image to open; the bundled test card when `None`.
    pub image: Option<PathBuf>,
    /// Operations to start with.
    pub ops: Vec<Op>,
    /// Save a screenshot of the window here once the result is shown, then close.
    pub screenshot: Option<PathBuf>,
    /// Measure this many control changes (switching the first step off and on) and print the
    /// time from each change to the frame that shows it, then close.
    pub measure_latency: Option<usize>,
    /// The window's size in points; [`WINDOW_SIZE`](super::WINDOW_SIZE) when `None`.
    pub window_size: Option<[f32; 2]>,
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

/// A message in the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The text.
    pub text: String,
    /// Whether it reports a failure.
    pub is_error: bool,
}

/// Times from a control change to the first frame drawn after the result was shown.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    /// The newest measurements, newest last.
    pub recent: VecDeque<Duration>,
    /// Measurements taken since the app started.
    pub total: usize,
    /// A result shown in the last frame, with the time its change was made.
    awaiting_frame: Option<Instant>,
}

impl Latency {
    /// The median of the recent measurements.
    pub fn median(&self) -> Option<Duration> {
        let mut sorted: Vec<_> = self.recent.iter().copied().collect();
        sorted.sort();
        sorted.get(sorted.len() / 2).copied()
    }
}

/// Which picture and serial, and the region `[x, y, width, height]` asked for.
pub(super) type DetailAsk = ((usize, u64), [usize; 4]);

/// A full-resolution part of a picture, on the GPU.
pub(super) struct Detail {
    /// Which picture (0 before, 1 after) and its serial number.
    pub key: (usize, u64),
    /// `[x, y, width, height]` of the picture it shows.
    pub region: [usize; 4],
    /// The pixels.
    pub texture: TextureHandle,
}

/// The desktop app's state.
pub struct DemoApp {
    worker: Worker,
    pub(super) source: Option<Arc<Source>>,
    pub(super) steps: Steps,
    pub(super) selected: Option<usize>,
    pub(super) result: Option<Arc<Processed>>,
    pub(super) failure: Option<ProcessError>,
    generation: u64,
    dirty: bool,
    pub(super) opening: Option<String>,
    pub(super) channel_display: ChannelDisplay,
    pub(super) compare: Compare,
    pub(super) camera: Camera,
    pub(super) split: f32,
    pub(super) crop_tool: bool,
    /// The subscripts being typed for the slice step at this index, kept while they do not
    /// parse (the step keeps its last valid slice meanwhile).
    pub(super) slice_text: Option<(usize, String)>,
    pub(super) crop_drag: Option<[egui::Pos2; 2]>,
    pub(super) hover: Option<Hover>,
    pub(super) placed: [Option<egui::Rect>; 2],
    /// Where the last frame laid out the image area, toolbar included.
    pub(super) canvas_area: Option<egui::Rect>,
    pub(super) before_texture: Option<TextureHandle>,
    pub(super) after_texture: Option<TextureHandle>,
    pub(super) checker: Option<TextureHandle>,
    /// Full-resolution parts of the before and after pictures, when zoomed in past their
    /// previews.
    pub(super) details: [Option<Detail>; 2],
    /// The detail last asked for, per picture.
    pub(super) details_asked: [Option<DetailAsk>; 2],
    /// Serial numbers of the source and of the shown result, naming what a detail is of.
    pub(super) serials: [u64; 2],
    notice: Option<Notice>,
    pub(super) latency: Latency,
    /// The native file dialog open beside the window.
    file_dialog: Option<FileDialog>,
    open_path: Option<String>,
    save_path: Option<(String, bool)>,
    show_about: bool,
    /// The image to open on the first frame, when the renderer has reported its texture
    /// limit: `None` inside means the bundled test card.
    initial: Option<Option<PathBuf>>,
    ctx: egui::Context,
    pub(super) screenshot: Option<Screenshot>,
}

const OPEN: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
const SAVE: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::S);
const DIALOG_OPEN: &str = "A file dialog is open";
const NOT_PNG: &str =
    "No result yet, or one PNG cannot hold: 32-bit words and floats need a cast to u8 or u16 first";

/// Pixels at or past this zoom are drawn as squares, not smoothed.
pub(super) const TEXTURE_OPTIONS: TextureOptions = TextureOptions {
    magnification: egui::TextureFilter::Nearest,
    minification: egui::TextureFilter::Linear,
    ..TextureOptions::LINEAR
};

impl DemoApp {
    /// The app, opening `launch.image` (or the bundled test card) with `launch.ops`.
    pub fn new(ctx: &egui::Context, launch: Launch) -> DemoApp {
        let wake = ctx.clone();
        let worker = Worker::start(move || wake.request_repaint());
        DemoApp {
            worker,
            source: None,
            steps: Steps::from_ops(launch.ops.iter().copied()),
            selected: None,
            result: None,
            failure: None,
            generation: 0,
            dirty: false,
            opening: None,
            channel_display: ChannelDisplay::Natural,
            compare: Compare::SideBySide,
            camera: Camera::default(),
            split: 0.5,
            crop_tool: false,
            slice_text: None,
            crop_drag: None,
            hover: None,
            placed: [None; 2],
            canvas_area: None,
            before_texture: None,
            after_texture: None,
            checker: None,
            details: [None, None],
            details_asked: [None, None],
            serials: [0, 0],
            notice: None,
            latency: Latency::default(),
            file_dialog: None,
            open_path: None,
            save_path: None,
            show_about: false,
            initial: Some(launch.image.clone()),
            ctx: ctx.clone(),
            screenshot: Screenshot::new(&launch),
        }
    }

    /// Asks the worker for a full-resolution part of a picture.
    pub(super) fn ask_detail(&mut self, request: Request) {
        self.worker.send(request);
    }

    /// The longest preview side: the app's own limit, or the GPU's if smaller.
    pub(super) fn max_side(&self) -> usize {
        super::PREVIEW_MAX_SIDE.min(self.ctx.input(|i| i.max_texture_side).max(256))
    }

    /// Opens an image file in the background; the current image stays until it is decoded.
    pub fn open(&mut self, path: PathBuf) {
        self.opening = Some(path.display().to_string());
        self.worker.send(Request::Open(path, self.max_side()));
    }

    fn use_source(&mut self, source: Source) {
        self.opening = Some(source.name.clone());
        self.worker.send(Request::Use(Arc::new(source)));
    }

    /// The opened image.
    pub fn source(&self) -> Option<&Source> {
        self.source.as_deref()
    }

    /// The latest result shown.
    pub fn result(&self) -> Option<&Processed> {
        self.result.as_deref()
    }

    /// Why the pipeline failed, when it did.
    pub fn failure(&self) -> Option<&ProcessError> {
        self.failure.as_ref()
    }

    /// Where the last frame drew the before and the after image, in points: for tests and
    /// tools that drive the window with pointer events.
    pub fn image_rects(&self) -> [Option<egui::Rect>; 2] {
        self.placed
    }

    /// Where the last frame laid out the image area with its toolbar (the central panel), in
    /// points: what is drawn outside it is hidden.
    pub fn canvas_rect(&self) -> Option<egui::Rect> {
        self.canvas_area
    }

    /// The parts `[x, y, width, height]` of the before and after pictures shown at full
    /// resolution over their previews (zoomed in on an image larger than the preview).
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

    /// The pipeline as edited.
    pub fn steps(&self) -> &Steps {
        &self.steps
    }

    /// The status bar's message.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// Whether decoding, processing or saving is under way (or a change waits to be sent).
    pub fn is_busy(&self) -> bool {
        self.dirty || self.initial.is_some() || self.worker.is_busy()
    }

    /// Change-to-frame measurements.
    pub fn latency(&self) -> &Latency {
        &self.latency
    }

    /// Whether a result was shown and the frame after it has not started yet.
    pub(super) fn latency_pending(&self) -> bool {
        self.latency.awaiting_frame.is_some()
    }

    pub(super) fn notify(&mut self, text: impl Into<String>, is_error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            is_error,
        });
    }

    /// The display mode the current settings ask for. After a cast the channels are no
    /// longer colours (the byte pairs of 16-bit RGB are 6 "channels"), so "as is" shows them
    /// side by side in gray; `u32` words are painted in false colour whatever the mode
    /// but side by side ([`super::document::picture`]).
    fn display_mode(&self) -> DisplayMode {
        match self.channel_display {
            ChannelDisplay::Natural if self.cast_changes_meaning() => {
                DisplayMode::ChannelsSideBySide
            }
            ChannelDisplay::Natural => DisplayMode::Natural,
            ChannelDisplay::SideBySide => DisplayMode::ChannelsSideBySide,
            ChannelDisplay::Tinted => match self.last_channel() {
                Some(c) => DisplayMode::Tinted(channel_colour(c)),
                None => DisplayMode::Natural,
            },
        }
    }

    /// The channel the last enabled `channel=` step extracts, if the pipeline ends in one
    /// channel.
    pub(super) fn last_channel(&self) -> Option<Channel> {
        // Asked every frame (by the toolbar): walks the steps rather than collecting them.
        let enabled = self.steps.as_slice().iter().filter(|s| s.enabled);
        enabled.rev().find_map(|s| match s.op {
            Op::Channel(c) => Some(c),
            _ => None,
        })
    }

    /// Whether the last enabled cast leaves samples of another type than the source's, other
    /// than `u32` words: channels that are not colours, shown apart.
    pub(super) fn cast_changes_meaning(&self) -> bool {
        let Some(source) = &self.source else {
            return false;
        };
        let enabled = self.steps.as_slice().iter().filter(|s| s.enabled);
        let last_cast = enabled.rev().find_map(|s| match s.op {
            Op::Cast(to) => Some(to),
            _ => None,
        });
        last_cast.is_some_and(|to| {
            to != source.image().sample_type() && Some(to) != viewlib::SampleType::of::<u32>()
        })
    }

    /// The report of the last enabled step before step `index`: `Some(None)` when none comes
    /// before it (it receives the source), `None` when the last run did not get that far.
    fn report_before(&self, index: usize) -> Option<Option<&StepReport>> {
        let before = self.steps.as_slice()[..index.min(self.steps.len())]
            .iter()
            .filter(|s| s.enabled)
            .count();
        if before == 0 {
            return Some(None);
        }
        self.result.as_ref()?.reports.get(before - 1).map(Some)
    }

    /// The sample type of the image step `index` receives: the source's, or what the step
    /// before it left (a cast changes it), as the last run reported.
    pub(super) fn input_sample_type(&self, index: usize) -> Option<viewlib::SampleType> {
        let source = self.source.as_ref()?.image();
        Some(match self.report_before(index)? {
            Some(report) => report.sample_type,
            None => source.sample_type(),
        })
    }

    /// `[height, width, channels]` of the image step `index` receives.
    pub(super) fn input_shape(&self, index: usize) -> Option<[usize; 3]> {
        let source = self.source.as_ref()?.image();
        Some(match self.report_before(index)? {
            Some(report) => report.shape,
            None => source.shape(),
        })
    }

    /// Marks the pipeline as changed: it runs again before the next frame.
    pub(super) fn changed(&mut self) {
        self.dirty = true;
    }

    fn handle_replies(&mut self, ctx: &egui::Context) {
        for reply in self.worker.replies() {
            match reply {
                Reply::Opened(Ok(source)) => {
                    let image = source.preview.image.clone();
                    upload(ctx, &mut self.before_texture, "before", image);
                    let [h, w, _] = source.image().shape();
                    let decoded = if source.path.is_some() {
                        format!(", decoded in {:.1} ms", ms(source.decode))
                    } else {
                        String::new()
                    };
                    self.notify(
                        format!(
                            "Opened {} ({w}×{h}, {}{decoded})",
                            source.name, source.format
                        ),
                        false,
                    );
                    self.source = Some(source);
                    self.serials[0] += 1;
                    self.opening = None;
                    // The after texture is kept for the next result: nothing draws it
                    // while there is no result.
                    self.result = None;
                    self.camera = Camera::default();
                    self.crop_drag = None;
                    self.dirty = true;
                }
                Reply::Opened(Err(message)) => {
                    self.opening = None;
                    self.notify(format!("Could not open {message}"), true);
                    if let Some(shot) = &mut self.screenshot {
                        shot.fail(format!("could not open {message}"));
                    }
                }
                Reply::Processed {
                    generation,
                    requested,
                    result,
                } if generation == self.generation => match result {
                    Ok(result) => {
                        let image = result.preview.image.clone();
                        upload(ctx, &mut self.after_texture, "after", image);
                        self.result = Some(result);
                        self.serials[1] = generation;
                        self.failure = None;
                        self.latency.awaiting_frame = Some(requested);
                        ctx.request_repaint();
                    }
                    Err(e) => {
                        if let Some(shot) = &mut self.screenshot {
                            shot.fail(e.to_string());
                        }
                        self.failure = Some(e);
                    }
                },
                Reply::Processed { .. } => {}
                Reply::Detail {
                    key,
                    region,
                    preview: Some(preview),
                } => {
                    let side = key.0.min(1);
                    match &mut self.details[side] {
                        // Panning and zooming ask for new parts often: same texture, new
                        // pixels.
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
                Reply::Detail { .. } => {}
                Reply::Saved(Ok(path)) => self.notify(format!("Saved {}", path.display()), false),
                Reply::Saved(Err(message)) => self.notify(format!("Not saved: {message}"), true),
            }
        }
    }

    fn send_if_changed(&mut self) {
        let Some(source) = &self.source else { return };
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.generation += 1;
        self.worker.send(Request::Process {
            generation: self.generation,
            source: Arc::clone(source),
            ops: self.steps.enabled_ops(),
            mode: self.display_mode(),
            max_side: self.max_side(),
        });
    }

    /// Shows a native file dialog, unless one is showing already; its answer is handled by
    /// [`Self::answer_file_dialog`] on a later frame.
    fn file_dialog(&mut self, purpose: Purpose) {
        if self.file_dialog.is_none() {
            self.file_dialog = Some(FileDialog::show(purpose));
        }
    }

    /// Acts on the native file dialog's answer, once it has come: the window draws frames
    /// while the dialog is open (rfd's answer wakes it for this one).
    fn answer_file_dialog(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.file_dialog else {
            return;
        };
        let Some(answer) = dialog.poll(ctx) else {
            return;
        };
        let purpose = dialog.purpose.clone();
        self.file_dialog = None;
        match (purpose, answer) {
            (Purpose::Open, Answer::Picked(path)) => self.open(path),
            // The native dialog has asked about replacing an existing file.
            (Purpose::Save { .. }, Answer::Picked(path)) => self.save(path, true),
            (purpose, Answer::NoDialog) => {
                self.notify(
                    "No file dialog on this system: type the path instead.",
                    false,
                );
                match purpose {
                    Purpose::Open => self.open_path = Some(String::new()),
                    Purpose::Save { name } => self.save_path = Some((name, false)),
                }
            }
            (_, Answer::Cancelled) => {}
        }
    }

    fn suggested_name(&self) -> String {
        let stem = self
            .source
            .as_ref()
            .and_then(|s| s.path.as_ref())
            .and_then(|p| p.file_stem())
            .map_or_else(|| "testcard".into(), |s| s.to_string_lossy().into_owned());
        format!("{stem}-result.png")
    }

    /// Saves the current result as PNG at its own bit depth.
    pub fn save(&mut self, path: PathBuf, overwrite: bool) {
        match &self.result {
            Some(result) => self.worker.send(Request::Save {
                result: Arc::clone(result),
                path,
                overwrite,
            }),
            None => self.notify("Nothing to save yet", true),
        }
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                let no_dialog = self.file_dialog.is_none();
                if ui
                    .add_enabled(
                        no_dialog,
                        egui::Button::new("Open…").shortcut_text(ui.ctx().format_shortcut(&OPEN)),
                    )
                    .on_disabled_hover_text(DIALOG_OPEN)
                    .clicked()
                {
                    ui.close();
                    self.file_dialog(Purpose::Open);
                }
                if ui.button("Open path…").clicked() {
                    ui.close();
                    self.open_path = Some(String::new());
                }
                ui.menu_button("Open bundled", |ui| {
                    if ui.button("Test card (RGBA, 8 bits)").clicked() {
                        ui.close();
                        self.use_source(Source::testcard(self.max_side()));
                    }
                    if ui.button("Gradient (RGB, 16 bits)").clicked() {
                        ui.close();
                        self.use_source(Source::gradient16(self.max_side()));
                    }
                });
                ui.separator();
                let can_save = self.result.as_ref().is_some_and(|r| r.saves_as_png());
                let bits = self.result.as_ref().and_then(|r| png_bits(r.image()));
                let bits = bits.map_or_else(String::new, |b| format!(" ({b} bits)"));
                if ui
                    .add_enabled(
                        can_save && no_dialog,
                        egui::Button::new(format!("Save result as PNG{bits}…"))
                            .shortcut_text(ui.ctx().format_shortcut(&SAVE)),
                    )
                    .on_disabled_hover_text(if can_save {
                        DIALOG_OPEN
                    } else if self.result.is_some() {
                        NOT_PNG
                    } else {
                        "No result yet"
                    })
                    .clicked()
                {
                    ui.close();
                    self.file_dialog(Purpose::Save {
                        name: self.suggested_name(),
                    });
                }
                if ui
                    .add_enabled(can_save, egui::Button::new("Save result to path…"))
                    .on_disabled_hover_text(NOT_PNG)
                    .clicked()
                {
                    ui.close();
                    self.save_path = Some((self.suggested_name(), false));
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.close();
                    ui.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
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
            });
            ui.menu_button("Help", |ui| {
                if ui.button("About imgdemo").clicked() {
                    self.show_about = true;
                    ui.close();
                }
            });
        });
    }

    /// The latency sits at the right; what is going on takes the rest of the row, cut short
    /// with "…" (the whole text on hover) rather than running under the latency.
    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(last) = self.latency.recent.back() {
                    ui.label(format!(
                        "change to frame: {:.1} ms (median of {}: {:.1} ms)",
                        ms(*last),
                        self.latency.recent.len(),
                        ms(self.latency.median().unwrap_or_default())
                    ))
                    .on_hover_text(
                        "From the control change to the first frame drawn after the new result \
                         was on screen: copy, operations, preview, texture upload and painting.",
                    );
                }
                ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                    if self.file_dialog.is_some() {
                        ui.label("Waiting for the file dialog…");
                    }
                    if let Some(name) = &self.opening {
                        ui.spinner();
                        ui.add(egui::Label::new(format!("Opening {name}…")).truncate());
                    } else if self.worker.is_busy() {
                        ui.spinner();
                        ui.label("Processing…");
                    }
                    if let Some(notice) = &self.notice {
                        let colour = if notice.is_error {
                            ui.visuals().error_fg_color
                        } else {
                            ui.visuals().text_color()
                        };
                        let text = RichText::new(&notice.text).color(colour);
                        ui.add(egui::Label::new(text).truncate());
                    }
                });
            })
        });
    }

    fn dialogs(&mut self, ctx: &egui::Context) {
        if let Some(mut text) = self.open_path.take() {
            let mut open = None;
            let modal = egui::Modal::new(egui::Id::unique("open-path")).show(ctx, |ui| {
                ui.heading("Open an image");
                ui.label("Path of an image file (PNG, JPEG, TIFF, WebP, EXR, …):");
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut text)
                        .hint_text("/path/to/image.png")
                        .desired_width(420.0),
                );
                edit.request_focus();
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.horizontal(|ui| {
                    if ui.button("Open").clicked() || enter {
                        open = Some(PathBuf::from(text.trim()));
                        ui.close();
                    }
                    if ui.button("Cancel").clicked() {
                        ui.close();
                    }
                });
            });
            if let Some(path) = open {
                self.open(path);
            } else if !modal.should_close() {
                self.open_path = Some(text);
            }
        }
        if let Some((mut text, mut overwrite)) = self.save_path.take() {
            let mut save = false;
            let modal = egui::Modal::new(egui::Id::unique("save-path")).show(ctx, |ui| {
                ui.heading("Save the result as PNG");
                ui.add(egui::TextEdit::singleline(&mut text).desired_width(420.0));
                ui.checkbox(&mut overwrite, "Replace the file if it exists");
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        save = true;
                        ui.close();
                    }
                    if ui.button("Cancel").clicked() {
                        ui.close();
                    }
                });
            });
            if save {
                self.save(PathBuf::from(text.trim()), overwrite);
            } else if !modal.should_close() {
                self.save_path = Some((text, overwrite));
            }
        }
        if self.show_about {
            let modal = egui::Modal::new(egui::Id::unique("about")).show(ctx, |ui| {
                ui.heading("imgdemo");
                ui.label(
                    "viewlib's demo: zero-copy image views in Rust, after Python's memoryview.\n\
                     Crops, flips, transposes and channel picks change only the view's shape, \
                     strides and offset; the memory panel shows which bytes it reads.",
                );
                if ui.button("Close").clicked() {
                    ui.close();
                }
            });
            if modal.should_close() {
                self.show_about = false;
            }
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        if let Some(file) = dropped.first() {
            self.open(file.path().to_path_buf());
        }
    }

    fn hovering_files(&self, ctx: &egui::Context) {
        if ctx.input(|i| i.raw.hovered_files.is_empty()) {
            return;
        }
        let painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("drop-target"),
        ));
        let rect = ctx.content_rect();
        painter.rect_filled(rect, 0.0, Color32::from_black_alpha(160));
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "Drop the image to open it",
            egui::FontId::proportional(28.0),
            Color32::WHITE,
        );
    }

    fn track_latency(&mut self) {
        if let Some(requested) = self.latency.awaiting_frame.take() {
            // The frame that showed the result has been painted: this is the next one.
            self.latency.total += 1;
            let recent = &mut self.latency.recent;
            recent.push_back(requested.elapsed());
            if recent.len() > 50 {
                recent.pop_front();
            }
        }
    }
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

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The colour a channel is tinted with.
pub(super) fn channel_colour(channel: Channel) -> Color32 {
    match channel {
        Channel::R => Color32::from_rgb(255, 60, 60),
        Channel::G => Color32::from_rgb(60, 230, 60),
        Channel::B => Color32::from_rgb(70, 110, 255),
        Channel::A | Channel::L => Color32::from_gray(235),
    }
}

impl eframe::App for DemoApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        match self.initial.take() {
            Some(Some(path)) => self.open(path),
            Some(None) => self.use_source(Source::testcard(self.max_side())),
            None => {}
        }
        self.track_latency();
        self.handle_replies(&ctx);
        if ctx.input_mut(|i| i.consume_shortcut(&OPEN)) {
            self.file_dialog(Purpose::Open);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SAVE)) && self.result.is_some() {
            self.file_dialog(Purpose::Save {
                name: self.suggested_name(),
            });
        }
        self.dropped_files(&ctx);

        let steps_before = self.steps.revision();
        let display_before = self.channel_display;

        egui::Panel::top("menu").show(ui, |ui| {
            let named = egui::UiBuilder::new().accessibility_label("Menu bar");
            ui.scope_builder(named, |ui| self.menu_bar(ui));
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            let named = egui::UiBuilder::new().accessibility_label("Status bar");
            ui.scope_builder(named, |ui| self.status_bar(ui));
        });
        // The side panels take a share of the window, so that the images keep room in a
        // narrow one: at 800 points (the smallest), panels of 340 and more (the memory panel
        // grew with its tables) left the canvas too narrow for its own toolbar.
        let width = ctx.content_rect().width();
        egui::Panel::left("pipeline")
            .default_size((0.24 * width).clamp(260.0, 340.0))
            .min_size(260.0)
            .max_size((0.3 * width).max(260.0))
            .show(ui, |ui| self.pipeline_panel(ui));
        egui::Panel::right("memory")
            .default_size((0.27 * width).clamp(280.0, 390.0))
            .min_size(280.0)
            .max_size((0.35 * width).max(280.0))
            .show(ui, |ui| self.memory_panel(ui));
        egui::CentralPanel::default().show(ui, |ui| self.canvas(ui));
        self.answer_file_dialog(&ctx);
        self.dialogs(&ctx);
        self.hovering_files(&ctx);

        if self.steps.revision() != steps_before || self.channel_display != display_before {
            self.dirty = true;
        }
        self.send_if_changed();
        self.drive_screenshot(&ctx);
    }
}
