//! The window: menus, panels, and the bookkeeping between them and the worker.

use super::canvas::{Canvas, Hover};
use super::document::{Document, ProcessError, Processed, Source, png_bits};
use super::file_dialog::{Chosen, Dialogs, Purpose};
use super::memory_panel;
use super::pipeline_panel::PipelinePanel;
use super::screenshot::Screenshot;
use super::steps::Steps;
use super::worker::{Reply, Request, Worker};
use crate::pipeline::Op;
use egui::{Color32, RichText};
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

/// The desktop app: the [`Document`] it works on, the worker that does the work, and the
/// parts of the window, each with its own state; this struct only passes between them what
/// one asks of another.
pub struct DemoApp {
    worker: Worker,
    document: Document,
    canvas: Canvas,
    /// The name of the image being opened.
    opening: Option<String>,
    pipeline: PipelinePanel,
    notice: Option<Notice>,
    latency: Latency,
    dialogs: Dialogs,
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

impl DemoApp {
    /// The app, opening `launch.image` (or the bundled test card) with `launch.ops`.
    pub fn new(ctx: &egui::Context, launch: Launch) -> DemoApp {
        let wake = ctx.clone();
        let worker = Worker::start(move || wake.request_repaint());
        DemoApp {
            worker,
            document: Document::new(Steps::from_ops(launch.ops.iter().copied())),
            canvas: Canvas::default(),
            opening: None,
            pipeline: PipelinePanel::default(),
            notice: None,
            latency: Latency::default(),
            dialogs: Dialogs::default(),
            initial: Some(launch.image.clone()),
            ctx: ctx.clone(),
            screenshot: Screenshot::new(&launch),
        }
    }

    /// The longest preview side: the app's own limit, or the GPU's if smaller.
    fn max_side(&self) -> usize {
        super::max_side(&self.ctx)
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

    /// The image, the steps and the result.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The opened image.
    pub fn source(&self) -> Option<&Source> {
        self.document.source()
    }

    /// The latest result shown.
    pub fn result(&self) -> Option<&Processed> {
        self.document.result()
    }

    /// Why the pipeline failed, when it did.
    pub fn failure(&self) -> Option<&ProcessError> {
        self.document.failure()
    }

    /// The pipeline as edited.
    pub fn steps(&self) -> &Steps {
        self.document.steps()
    }

    /// Where the last frame drew the before and the after image, in points: for tests and
    /// tools that drive the window with pointer events.
    pub fn image_rects(&self) -> [Option<egui::Rect>; 2] {
        self.canvas.image_rects()
    }

    /// Where the last frame laid out the image area with its toolbar (the central panel), in
    /// points: what is drawn outside it is hidden.
    pub fn canvas_rect(&self) -> Option<egui::Rect> {
        self.canvas.area()
    }

    /// The parts `[x, y, width, height]` of the before and after pictures shown at full
    /// resolution over their previews (zoomed in on an image larger than the preview).
    pub fn detail_regions(&self) -> [Option<[usize; 4]>; 2] {
        self.canvas.detail_regions()
    }

    /// The pixel under the cursor in the source and in the result.
    pub fn hover(&self) -> Option<Hover> {
        self.canvas.hover()
    }

    /// Applies a crop given in source coordinates, as a drag on the Before image does: see
    /// [`Document::set_source_crop`].
    pub fn set_source_crop(&mut self, crop: Op) {
        self.document.set_source_crop(crop);
    }

    /// The status bar's message.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// Whether decoding, processing or saving is under way (or a change waits to be sent).
    pub fn is_busy(&self) -> bool {
        self.document.is_dirty() || self.initial.is_some() || self.worker.is_busy()
    }

    /// Change-to-frame measurements.
    pub fn latency(&self) -> &Latency {
        &self.latency
    }

    /// Whether the latest change is on screen and nothing else is pending: what the headless
    /// runs wait for.
    fn settled(&self) -> bool {
        let doc = &self.document;
        let loaded = doc.source().is_some() || self.notice().is_some_and(|n| n.is_error);
        loaded
            && !self.is_busy()
            && (doc.result().is_some() || doc.failure().is_some() || doc.source().is_none())
            // The frame after a shown result has not started yet.
            && self.latency.awaiting_frame.is_none()
    }

    fn notify(&mut self, text: impl Into<String>, is_error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            is_error,
        });
    }

    fn handle_replies(&mut self, ctx: &egui::Context) {
        for reply in self.worker.replies() {
            match reply {
                Reply::Opened(Ok(source)) => {
                    self.canvas.show_source(ctx, &source);
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
                    self.document.set_source(source);
                    self.opening = None;
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
                } => match self.document.take_run(generation, result) {
                    Some(Ok(result)) => {
                        self.canvas.show_result(ctx, result, generation);
                        self.latency.awaiting_frame = Some(requested);
                        ctx.request_repaint();
                    }
                    Some(Err(e)) => {
                        if let Some(shot) = &mut self.screenshot {
                            shot.fail(e.to_string());
                        }
                    }
                    // A reply to an older run.
                    None => {}
                },
                Reply::Detail {
                    key,
                    region,
                    preview: Some(preview),
                } => self.canvas.show_detail(ctx, key, region, preview),
                Reply::Detail { .. } => {}
                Reply::Saved(Ok(path)) => self.notify(format!("Saved {}", path.display()), false),
                Reply::Saved(Err(message)) => self.notify(format!("Not saved: {message}"), true),
            }
        }
    }

    /// Sends the run the document asks for, if any, painted as the canvas shows it.
    fn send_if_changed(&mut self) {
        let mode = self.canvas.display_mode(&self.document);
        if let Some(run) = self.document.next_run() {
            self.worker.send(Request::Process {
                generation: run.generation,
                source: run.source,
                ops: run.ops,
                mode,
                max_side: self.max_side(),
            });
        }
    }

    /// Does what the user chose in a dialog.
    fn chosen(&mut self, chosen: Option<Chosen>) {
        match chosen {
            Some(Chosen::Open(path)) => self.open(path),
            Some(Chosen::Save { path, overwrite }) => self.save(path, overwrite),
            Some(Chosen::NoNativeDialog) => self.notify(
                "No file dialog on this system: type the path instead.",
                false,
            ),
            None => {}
        }
    }

    /// Saves the current result as PNG at its own bit depth.
    pub fn save(&mut self, path: PathBuf, overwrite: bool) {
        match self.document.shared_result() {
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
                let no_dialog = !self.dialogs.native_open();
                if ui
                    .add_enabled(
                        no_dialog,
                        egui::Button::new("Open…").shortcut_text(ui.ctx().format_shortcut(&OPEN)),
                    )
                    .on_disabled_hover_text(DIALOG_OPEN)
                    .clicked()
                {
                    ui.close();
                    self.dialogs.ask(Purpose::Open);
                }
                if ui.button("Open path…").clicked() {
                    ui.close();
                    self.dialogs.type_open_path();
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
                let result = self.document.result();
                let can_save = result.is_some_and(|r| r.saves_as_png());
                let bits = result.and_then(|r| png_bits(r.image()));
                let bits = bits.map_or_else(String::new, |b| format!(" ({b} bits)"));
                if ui
                    .add_enabled(
                        can_save && no_dialog,
                        egui::Button::new(format!("Save result as PNG{bits}…"))
                            .shortcut_text(ui.ctx().format_shortcut(&SAVE)),
                    )
                    .on_disabled_hover_text(if can_save {
                        DIALOG_OPEN
                    } else if result.is_some() {
                        NOT_PNG
                    } else {
                        "No result yet"
                    })
                    .clicked()
                {
                    ui.close();
                    self.dialogs.ask(Purpose::Save {
                        name: self.document.suggested_name(),
                    });
                }
                if ui
                    .add_enabled(can_save, egui::Button::new("Save result to path…"))
                    .on_disabled_hover_text(NOT_PNG)
                    .clicked()
                {
                    ui.close();
                    self.dialogs.type_save_path(self.document.suggested_name());
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.close();
                    ui.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| self.canvas.view_menu(ui));
            ui.menu_button("Help", |ui| {
                if ui.button("About imgdemo").clicked() {
                    self.dialogs.show_about();
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
                    if self.dialogs.native_open() {
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

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
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
            self.dialogs.ask(Purpose::Open);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SAVE)) && self.document.result().is_some() {
            self.dialogs.ask(Purpose::Save {
                name: self.document.suggested_name(),
            });
        }
        self.dropped_files(&ctx);

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
            .show(ui, |ui| {
                let crop_tool = self.canvas.crop_tool_mut();
                self.pipeline.ui(ui, &mut self.document, crop_tool);
            });
        egui::Panel::right("memory")
            .default_size((0.27 * width).clamp(280.0, 390.0))
            .min_size(280.0)
            .max_size((0.35 * width).max(280.0))
            .show(ui, |ui| {
                let hover = self.canvas.hover();
                memory_panel::ui(ui, &self.document, hover, &self.latency);
            });
        let canvas = egui::CentralPanel::default().show(ui, |ui| {
            let notice = self.notice.as_ref();
            let opening = self.opening.as_deref();
            self.canvas.ui(ui, &self.document, opening, notice)
        });
        let asked = canvas.inner;
        for detail in asked.details {
            self.worker.send(detail);
        }
        if let Some(crop) = asked.crop {
            self.document.set_source_crop(crop);
        }
        if asked.display_changed {
            self.document.changed();
        }
        let answer = self.dialogs.poll_native(&ctx);
        self.chosen(answer);
        let typed = self.dialogs.modals(&ctx);
        self.chosen(typed);
        self.hovering_files(&ctx);

        self.send_if_changed();
        let settled = self.settled();
        if let Some(shot) = &mut self.screenshot {
            shot.drive(&ctx, &mut self.document, &self.latency, settled);
        }
    }
}
