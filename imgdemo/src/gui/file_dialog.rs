//! The window's dialogs ([`Dialogs`]): the native file dialogs, open beside the window
//! instead of blocking it (rfd's `AsyncFileDialog` answers with a future, which the window
//! polls on the frames it draws anyway; rfd's answer wakes the window for one more), the
//! prompts for a typed path, and the about box.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// The extensions the Open dialog offers: the formats `viewlib::io` decodes.
const IMAGE_EXTENSIONS: [&str; 19] = [
    "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "pnm", "pbm", "pgm", "ppm", "pam",
    "tga", "ico", "hdr", "exr", "qoi", "ff",
];

/// What a dialog is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Purpose {
    /// Pick an image to open.
    Open,
    /// Pick where to save the result; `name` is the file name suggested.
    Save { name: String },
}

/// How a dialog ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Answer {
    /// The user picked this file.
    Picked(PathBuf),
    /// The user closed the dialog.
    Cancelled,
    /// No dialog was shown: the platform has none (a Linux machine without a desktop portal).
    NoDialog,
}

type Pending = Pin<Box<dyn Future<Output = Option<PathBuf>> + Send>>;

/// A native file dialog waiting for the user.
pub(super) struct FileDialog {
    /// What it was opened for.
    pub purpose: Purpose,
    asked: Instant,
    answer: Pending,
}

impl FileDialog {
    /// Opens the dialog `purpose` asks for. Call this on the UI thread (macOS wants its
    /// dialogs made there), then [`poll`](Self::poll) it each frame.
    pub fn show(purpose: Purpose) -> FileDialog {
        let answer: Pending = match &purpose {
            Purpose::Open => {
                let picked = rfd::AsyncFileDialog::new()
                    .add_filter("Images", &IMAGE_EXTENSIONS)
                    .add_filter("All files", &["*"])
                    .pick_file();
                Box::pin(async move { picked.await.map(|file| file.path().to_path_buf()) })
            }
            Purpose::Save { name } => {
                let picked = rfd::AsyncFileDialog::new()
                    .add_filter("PNG", &["png"])
                    .set_file_name(name)
                    .save_file();
                Box::pin(async move { picked.await.map(|file| file.path().to_path_buf()) })
            }
        };
        FileDialog::new(purpose, answer)
    }

    fn new(
        purpose: Purpose,
        answer: impl Future<Output = Option<PathBuf>> + Send + 'static,
    ) -> FileDialog {
        FileDialog {
            purpose,
            asked: Instant::now(),
            answer: Box::pin(answer),
        }
    }

    /// The answer, once the user has given it; until then `None`, and `ctx` is asked to
    /// repaint when the answer comes.
    pub fn poll(&mut self, ctx: &egui::Context) -> Option<Answer> {
        let waker = Waker::from(Arc::new(Repaint(ctx.clone())));
        match self.answer.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Pending => None,
            Poll::Ready(Some(path)) => Some(Answer::Picked(path)),
            Poll::Ready(None) if no_dialog_shown(self.asked) => Some(Answer::NoDialog),
            Poll::Ready(None) => Some(Answer::Cancelled),
        }
    }
}

/// The window's dialogs: the native file dialog open beside it, the prompts for a path typed
/// by hand (where the platform has no file dialog, or by choice), and the about box. What
/// the user chose in them is returned for the app to act on.
#[derive(Default)]
pub(super) struct Dialogs {
    /// The native file dialog open beside the window.
    native: Option<FileDialog>,
    /// The path being typed in the Open prompt, while it is shown.
    open_path: Option<String>,
    /// The path being typed in the Save prompt and whether to replace the file, while it is
    /// shown.
    save_path: Option<(String, bool)>,
    about: bool,
}

/// What the user chose in a dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Chosen {
    /// Open this image.
    Open(PathBuf),
    /// Save the result here.
    Save {
        /// Where.
        path: PathBuf,
        /// Replace an existing file.
        overwrite: bool,
    },
    /// The platform has no file dialog: the prompt to type the path has opened instead.
    NoNativeDialog,
}

impl Dialogs {
    /// Whether the native file dialog is open (another one cannot be).
    pub fn native_open(&self) -> bool {
        self.native.is_some()
    }

    /// Shows a native file dialog, unless one is showing already; its answer comes from
    /// [`Self::poll_native`] on a later frame.
    pub fn ask(&mut self, purpose: Purpose) {
        if self.native.is_none() {
            self.native = Some(FileDialog::show(purpose));
        }
    }

    /// Shows the prompt for the path of an image to open.
    pub fn type_open_path(&mut self) {
        self.open_path = Some(String::new());
    }

    /// Shows the prompt for the path to save the result at, starting with `name`.
    pub fn type_save_path(&mut self, name: String) {
        self.save_path = Some((name, false));
    }

    /// Shows the about box.
    pub fn show_about(&mut self) {
        self.about = true;
    }

    /// The native file dialog's answer, once it has come: the window draws frames while the
    /// dialog is open (rfd's answer wakes it for this one). Where there was no dialog to show,
    /// the prompt to type the path opens instead.
    pub fn poll_native(&mut self, ctx: &egui::Context) -> Option<Chosen> {
        let answer = self.native.as_mut()?.poll(ctx)?;
        let purpose = self.native.take()?.purpose;
        match (purpose, answer) {
            (Purpose::Open, Answer::Picked(path)) => Some(Chosen::Open(path)),
            // The native dialog has asked about replacing an existing file.
            (Purpose::Save { .. }, Answer::Picked(path)) => Some(Chosen::Save {
                path,
                overwrite: true,
            }),
            (purpose, Answer::NoDialog) => {
                match purpose {
                    Purpose::Open => self.type_open_path(),
                    Purpose::Save { name } => self.type_save_path(name),
                }
                Some(Chosen::NoNativeDialog)
            }
            (_, Answer::Cancelled) => None,
        }
    }

    /// The typed-path prompts and the about box, those that are open.
    pub fn modals(&mut self, ctx: &egui::Context) -> Option<Chosen> {
        let mut chosen = None;
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
                chosen = Some(Chosen::Open(path));
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
                chosen = Some(Chosen::Save {
                    path: PathBuf::from(text.trim()),
                    overwrite,
                });
            } else if !modal.should_close() {
                self.save_path = Some((text, overwrite));
            }
        }
        if self.about {
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
                self.about = false;
            }
        }
        chosen
    }
}

/// Wakes the window: the next frame polls the dialog again.
struct Repaint(egui::Context);

impl Wake for Repaint {
    fn wake(self: Arc<Self>) {
        self.0.request_repaint();
    }
}

/// rfd answers `None` both when the user cancels and when the platform has no dialog (a
/// Linux machine without a desktop portal or zenity). Nobody cancels a dialog within a
/// fraction of a second, so a quick `None` means none was shown.
fn no_dialog_shown(asked: Instant) -> bool {
    asked.elapsed() < Duration::from_millis(400)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The answer a user gives, from another thread, and the waker polling left for it.
    type Slot = Arc<Mutex<(Option<Option<PathBuf>>, Option<Waker>)>>;

    fn dialog(purpose: Purpose) -> (FileDialog, Slot) {
        let slot = Slot::default();
        let answer = {
            let slot = Arc::clone(&slot);
            std::future::poll_fn(move |cx| {
                let mut slot = slot.lock().unwrap();
                match slot.0.take() {
                    Some(answer) => Poll::Ready(answer),
                    None => {
                        slot.1 = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            })
        };
        (FileDialog::new(purpose, answer), slot)
    }

    fn answer_from_another_thread(slot: &Slot, answer: Option<PathBuf>) {
        let slot = Arc::clone(slot);
        std::thread::spawn(move || {
            let mut slot = slot.lock().unwrap();
            slot.0 = Some(answer);
            slot.1.take().expect("polled before").wake();
        })
        .join()
        .unwrap();
    }

    #[test]
    fn the_window_polls_without_waiting_and_is_woken_by_the_answer() {
        let ctx = egui::Context::default();
        let woken = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&woken);
        ctx.set_request_repaint_callback(move |_| flag.store(true, Ordering::SeqCst));
        let (mut dialog, slot) = dialog(Purpose::Open);
        assert_eq!(dialog.poll(&ctx), None, "the user has not answered");
        assert!(!woken.load(Ordering::SeqCst));
        // Long enough to be a person's answer.
        dialog.asked -= Duration::from_secs(2);
        answer_from_another_thread(&slot, Some("/photos/a.png".into()));
        assert!(woken.load(Ordering::SeqCst), "the answer wakes the window");
        assert_eq!(
            dialog.poll(&ctx),
            Some(Answer::Picked("/photos/a.png".into()))
        );
    }

    #[test]
    fn a_quick_none_means_no_dialog_and_a_late_one_a_cancel() {
        let ctx = egui::Context::default();
        let name = "testcard-result.png".to_string();
        let (mut quick, slot) = dialog(Purpose::Save { name: name.clone() });
        assert_eq!(quick.poll(&ctx), None);
        answer_from_another_thread(&slot, None);
        assert_eq!(quick.poll(&ctx), Some(Answer::NoDialog));
        assert_eq!(quick.purpose, Purpose::Save { name });
        let (mut late, slot) = dialog(Purpose::Open);
        assert_eq!(late.poll(&ctx), None);
        late.asked -= Duration::from_secs(2);
        answer_from_another_thread(&slot, None);
        assert_eq!(late.poll(&ctx), Some(Answer::Cancelled));
    }
    #[test]
    fn without_a_native_dialog_the_typed_prompt_opens_with_the_suggested_name() {
        let ctx = egui::Context::default();
        let name = "photo-result.png".to_string();
        let (quick, slot) = dialog(Purpose::Save { name: name.clone() });
        let mut dialogs = Dialogs {
            native: Some(quick),
            ..Dialogs::default()
        };
        assert_eq!(dialogs.poll_native(&ctx), None);
        assert!(dialogs.native_open(), "still waiting");
        answer_from_another_thread(&slot, None);
        assert_eq!(dialogs.poll_native(&ctx), Some(Chosen::NoNativeDialog));
        assert!(!dialogs.native_open());
        assert_eq!(dialogs.save_path, Some((name, false)));
        assert_eq!(dialogs.open_path, None);
    }

    #[test]
    fn a_file_picked_to_save_in_replaces_it_as_the_native_dialog_asked() {
        let ctx = egui::Context::default();
        let (mut picked, slot) = dialog(Purpose::Save {
            name: "a.png".into(),
        });
        picked.asked -= Duration::from_secs(2);
        let mut dialogs = Dialogs {
            native: Some(picked),
            ..Dialogs::default()
        };
        assert_eq!(dialogs.poll_native(&ctx), None);
        answer_from_another_thread(&slot, Some("/photos/b.png".into()));
        assert_eq!(
            dialogs.poll_native(&ctx),
            Some(Chosen::Save {
                path: "/photos/b.png".into(),
                overwrite: true
            })
        );
        assert_eq!(dialogs.poll_native(&ctx), None, "answered once");
    }
}
