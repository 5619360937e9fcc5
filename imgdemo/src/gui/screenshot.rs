//! Opening the window, and its headless uses: `--screenshot` (render, save the window as
//! PNG, close) and `--measure-latency` (time control changes in the real window).

use super::app::{DemoApp, Latency, Launch, ms};
use super::document::Document;
use egui::ColorImage;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use viewlib::ImageBuf;
use viewlib::io::SaveOptions;

/// The window's size when it opens, in points, unless [`Launch::window_size`] says otherwise.
pub const WINDOW_SIZE: [f32; 2] = [1440.0, 900.0];

/// The smallest size the window can be made, in points.
pub const MIN_WINDOW_SIZE: [f32; 2] = [800.0, 500.0];

/// How long a headless run may take before it gives up.
const TIMEOUT: Duration = Duration::from_secs(180);

type Outcome = Arc<Mutex<Option<Result<String, String>>>>;

/// A headless run in progress (`--screenshot`, `--measure-latency`), with its own state: it
/// waits for the result to be on screen, then measures, screenshots and closes. The app
/// owns one when asked and hands it, each frame, the document it changes and the latency
/// it reads ([`drive`](Self::drive)); it reaches nothing else of the app.
pub struct Screenshot {
    path: Option<PathBuf>,
    changes_left: usize,
    measuring: bool,
    seen: usize,
    samples: Vec<Duration>,
    frame_times: Vec<f32>,
    frames_ready: u32,
    requested: bool,
    started: Instant,
    failure: Option<String>,
    image: Arc<Mutex<Option<Arc<ColorImage>>>>,
    outcome: Outcome,
}

impl Screenshot {
    /// The headless run `launch` asks for, if any.
    pub fn new(launch: &Launch) -> Option<Screenshot> {
        if launch.screenshot.is_none() && launch.measure_latency.is_none() {
            return None;
        }
        Some(Screenshot {
            path: launch.screenshot.clone(),
            changes_left: launch.measure_latency.unwrap_or(0),
            measuring: launch.measure_latency.is_some(),
            seen: 0,
            samples: Vec::new(),
            frame_times: Vec::new(),
            frames_ready: 0,
            requested: false,
            started: Instant::now(),
            failure: None,
            image: Arc::default(),
            outcome: Arc::default(),
        })
    }

    /// Records a failure to report (the screenshot is still taken, showing it).
    pub fn fail(&mut self, message: String) {
        self.failure.get_or_insert(message);
    }

    fn finish(&self, ctx: &egui::Context, outcome: Result<String, String>) {
        let mut slot = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert(outcome);
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// One frame of the headless run: once the window is `settled` (the latest change on
    /// screen, nothing pending) for a few frames, makes the next change to `doc` (switching
    /// its first step on or off) while measuring, then reports `latency` and `doc`'s last
    /// timings, takes the screenshot, and closes the window.
    pub fn drive(
        &mut self,
        ctx: &egui::Context,
        doc: &mut Document,
        latency: &Latency,
        settled: bool,
    ) {
        let total = latency.total;
        let last = latency.recent.back().copied();
        if self.measuring && self.seen > 0 {
            self.frame_times.push(ctx.input(|i| i.unstable_dt));
        }
        if self.started.elapsed() > TIMEOUT {
            self.finish(ctx, Err(format!("nothing to show after {TIMEOUT:?}")));
            return;
        }
        if !settled {
            self.frames_ready = 0;
            ctx.request_repaint_after(Duration::from_millis(20));
            return;
        }
        self.frames_ready += 1;
        if self.frames_ready < 3 {
            ctx.request_repaint();
            return;
        }
        if self.measuring {
            if self.seen != 0 && total > self.seen {
                self.samples.extend(last);
            }
            self.seen = total.max(1);
            if self.changes_left > 0 {
                self.changes_left -= 1;
                self.frames_ready = 0;
                if doc.steps().is_empty() {
                    self.finish(ctx, Err("--measure-latency needs at least one --op".into()));
                    return;
                }
                doc.toggle_step(0);
                ctx.request_repaint();
                return;
            }
            self.measuring = false;
            let mut sorted = self.samples.clone();
            sorted.sort();
            let pick = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
            if !sorted.is_empty() {
                let [h, w, c] = doc.source().map_or([0; 3], |s| s.image().shape());
                println!(
                    "change -> frame on a {w}x{h}x{c} image, {} changes: median {:.1} ms, p90 {:.1} ms, min {:.1} ms, max {:.1} ms",
                    sorted.len(),
                    ms(pick(0.5)),
                    ms(pick(0.9)),
                    ms(sorted[0]),
                    ms(sorted[sorted.len() - 1]),
                );
                let mut frames = self.frame_times.clone();
                frames.sort_by(f32::total_cmp);
                if let Some(median) = frames.get(frames.len() / 2) {
                    println!(
                        "frames while measuring: {} at a median interval of {:.1} ms (rendering and presenting one frame)",
                        frames.len(),
                        median * 1e3
                    );
                }
                if let Some(r) = doc.result() {
                    println!(
                        "last run: working copy {:.1} ms, operations {:.1} ms, preview {:.1} ms ({}x{}, 1/{} size)",
                        ms(r.timings.copy),
                        ms(r.timings.ops),
                        ms(r.timings.preview),
                        r.preview.image.size[0],
                        r.preview.image.size[1],
                        r.preview.scale
                    );
                }
            }
        }
        let Some(path) = self.path.clone() else {
            let outcome = match self.failure.clone() {
                Some(e) => Err(e),
                None => Ok(String::new()),
            };
            self.finish(ctx, outcome);
            return;
        };
        if !self.requested {
            self.requested = true;
            let slot = Arc::clone(&self.image);
            let wake = ctx.clone();
            ctx.request_screenshot(move |image| {
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(image);
                wake.request_repaint();
            });
            ctx.request_repaint();
            return;
        }
        let image = self
            .image
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match image {
            Some(image) => {
                let saved = save(&image, &path).map(|()| {
                    format!(
                        "saved {} ({}x{})",
                        path.display(),
                        image.size[0],
                        image.size[1]
                    )
                });
                let outcome = match (saved, self.failure.clone()) {
                    (Ok(_), Some(e)) => {
                        Err(format!("{e} (screenshot saved to {})", path.display()))
                    }
                    (saved, _) => saved,
                };
                self.finish(ctx, outcome);
            }
            None => ctx.request_repaint_after(Duration::from_millis(10)),
        }
    }
}

fn save(image: &ColorImage, path: &std::path::Path) -> Result<(), String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|p| p.to_srgba_unmultiplied())
        .collect();
    let buffer = ImageBuf::from_vec(h, w, 4, rgba).map_err(|e| e.to_string())?;
    let options = SaveOptions {
        overwrite: true,
        ..SaveOptions::default()
    };
    viewlib::io::save_png(path, buffer.view(), &options).map_err(|e| e.to_string())
}

/// Opens the window and runs until it closes. For `--screenshot` and `--measure-latency`,
/// returns what was done, or why it failed.
pub fn run(launch: Launch) -> Result<String, String> {
    let size = launch.window_size.unwrap_or(WINDOW_SIZE);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("imgdemo · viewlib")
            .with_app_id("imgdemo")
            .with_inner_size(size)
            .with_min_inner_size(MIN_WINDOW_SIZE)
            .with_drag_and_drop(true),
        ..Default::default()
    };
    let outcome: Arc<Mutex<Option<Outcome>>> = Arc::default();
    let slot = Arc::clone(&outcome);
    eframe::run_native(
        "imgdemo",
        options,
        Box::new(move |cc| {
            let app = DemoApp::new(&cc.egui_ctx, launch);
            *slot.lock().unwrap_or_else(PoisonError::into_inner) =
                app.screenshot.as_ref().map(|s| Arc::clone(&s.outcome));
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| {
        format!("cannot open a window: {e} (no display? `imgdemo batch` works without one)")
    })?;
    let headless = outcome
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    match headless {
        None => Ok(String::new()),
        Some(outcome) => outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_else(|| Err("the window closed before it was done".into())),
    }
}
