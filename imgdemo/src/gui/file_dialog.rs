//! The native file dialogs, open beside the window instead of blocking it: rfd's
//! `AsyncFileDialog` answers with a future, which the window polls on the frames it draws
//! anyway; rfd's answer wakes the window for one more.

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
}
