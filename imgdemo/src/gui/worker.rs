//! The background thread that decodes, runs the pipeline and saves, so the window never
//! waits for pixels. Requests queue up; of several pipeline runs waiting, only the newest
//! runs (a slider drag sends one per frame).

use super::document::{ProcessError, Processed, Source, process_reusing, region_preview};
use super::preview::DisplayMode;
use super::preview::Preview;
use crate::pipeline::Op;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;
use viewlib::DynStridedImage;

/// What the window asks of the worker.
#[derive(Debug, Clone)]
pub enum Request {
    /// Decode a file; its preview's longest side is at most `max_side`.
    Open(PathBuf, usize),
    /// Use an image already in memory (the bundled ones).
    Use(Arc<Source>),
    /// Run `ops` on `source` and paint the result.
    Process {
        /// Identifies the request in the reply.
        generation: u64,
        /// The image.
        source: Arc<Source>,
        /// The enabled operations.
        ops: Vec<Op>,
        /// How to paint the result.
        mode: DisplayMode,
        /// Longest side of the preview.
        max_side: usize,
    },
    /// Paint part of an image at full resolution (zoomed in on a large image).
    Detail {
        /// Which picture it is for (0 before, 1 after), and the image's serial number.
        key: (usize, u64),
        /// The image shown (the source, or a result).
        image: DynStridedImage,
        /// `[x, y, width, height]` in the image.
        region: [usize; 4],
        /// How to paint it.
        mode: DisplayMode,
        /// Longest side of the picture.
        max_side: usize,
    },
    /// Save `result` as PNG.
    Save {
        /// The result to save.
        result: Arc<Processed>,
        /// Where.
        path: PathBuf,
        /// Replace an existing file.
        overwrite: bool,
    },
}

/// What the worker sends back.
#[derive(Debug)]
pub enum Reply {
    /// A file was opened, or could not be (the message names the file).
    Opened(Result<Arc<Source>, String>),
    /// A pipeline run finished.
    Processed {
        /// The request's generation.
        generation: u64,
        /// When the request was sent.
        requested: Instant,
        /// The result, or the step that failed.
        result: Result<Arc<Processed>, ProcessError>,
    },
    /// A save finished: the path written, or why not.
    Saved(Result<PathBuf, String>),
    /// A full-resolution part of a picture.
    Detail {
        /// The request's key.
        key: (usize, u64),
        /// The part painted.
        region: [usize; 4],
        /// The picture (`None` if the region was outside the view).
        preview: Option<Preview>,
    },
}

/// Handle to the worker thread. Dropping it stops the thread.
pub struct Worker {
    requests: Sender<(Request, Instant)>,
    replies: Receiver<Reply>,
    pending: Arc<AtomicUsize>,
}

impl Worker {
    /// Starts the thread; `wake` is called after each reply (to repaint the window).
    pub fn start(wake: impl Fn() + Send + 'static) -> Worker {
        let (requests, inbox) = channel::<(Request, Instant)>();
        let (outbox, replies) = channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&pending);
        std::thread::Builder::new()
            .name("imgdemo-worker".into())
            .spawn(move || serve(inbox, outbox, counter, wake))
            .expect("the worker thread starts");
        Worker {
            requests,
            replies,
            pending,
        }
    }

    /// Queues a request.
    pub fn send(&self, request: Request) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if self.requests.send((request, Instant::now())).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The replies that arrived since the last call.
    pub fn replies(&self) -> Vec<Reply> {
        self.replies.try_iter().collect()
    }

    /// Whether requests are queued or running.
    pub fn is_busy(&self) -> bool {
        self.pending.load(Ordering::SeqCst) > 0
    }
}

fn serve(
    inbox: Receiver<(Request, Instant)>,
    outbox: Sender<Reply>,
    pending: Arc<AtomicUsize>,
    wake: impl Fn(),
) {
    // Results sent earlier: once the window has dropped one, its buffer is reused.
    let mut sent: Vec<Arc<Processed>> = Vec::new();
    while let Ok(first) = inbox.recv() {
        let mut batch = vec![first];
        batch.extend(inbox.try_iter());
        let newest_process = batch
            .iter()
            .rposition(|(r, _)| matches!(r, Request::Process { .. }));
        let details: Vec<Option<usize>> = batch
            .iter()
            .map(|(r, _)| match r {
                Request::Detail { key, .. } => Some(key.0),
                _ => None,
            })
            .collect();
        for (i, (request, requested)) in batch.into_iter().enumerate() {
            let superseded = match &request {
                Request::Process { .. } => Some(i) != newest_process,
                // Only the newest detail of each picture matters (the view has moved on).
                Request::Detail { key, .. } => details[i + 1..].contains(&Some(key.0)),
                _ => false,
            };
            let reply = if superseded {
                None
            } else {
                Some(handle(request, requested, &mut sent))
            };
            if let Some(reply) = reply
                && outbox.send(reply).is_err()
            {
                return;
            }
            pending.fetch_sub(1, Ordering::SeqCst);
            wake();
        }
    }
}

fn handle(request: Request, requested: Instant, sent: &mut Vec<Arc<Processed>>) -> Reply {
    // A panic in a decoder or kernel fails this request only; the window stays up.
    let panicked = |what: &str| format!("{what}: internal error (a bug; please report it)");
    match request {
        Request::Open(path, max_side) => {
            let what = path.display().to_string();
            let opened = catch_unwind(AssertUnwindSafe(|| Source::open(&path, max_side)));
            Reply::Opened(match opened {
                Ok(Ok(source)) => Ok(Arc::new(source)),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(panicked(&what)),
            })
        }
        Request::Use(source) => Reply::Opened(Ok(source)),
        Request::Process {
            generation,
            source,
            ops,
            mode,
            max_side,
        } => {
            let spare = sent
                .iter()
                .position(|p| Arc::strong_count(p) == 1)
                .map(|i| sent.swap_remove(i))
                .and_then(|p| Arc::try_unwrap(p).ok());
            sent.retain(|p| Arc::strong_count(p) > 1);
            let run = catch_unwind(AssertUnwindSafe(|| {
                process_reusing(&source, &ops, mode, max_side, spare)
            }));
            let result = match run {
                Ok(result) => result.map(|p| {
                    let p = Arc::new(p);
                    sent.push(Arc::clone(&p));
                    p
                }),
                Err(_) => Err(ProcessError::Panicked {
                    what: "the pipeline",
                }),
            };
            Reply::Processed {
                generation,
                requested,
                result,
            }
        }
        Request::Detail {
            key,
            image,
            region,
            mode,
            max_side,
        } => {
            let painted = catch_unwind(AssertUnwindSafe(|| {
                region_preview(&image, region, mode, max_side)
            }));
            Reply::Detail {
                key,
                region,
                preview: painted.ok().flatten(),
            }
        }
        Request::Save {
            result,
            path,
            overwrite,
        } => {
            let saved = catch_unwind(AssertUnwindSafe(|| result.save_png(&path, overwrite)));
            Reply::Saved(match saved {
                Ok(Ok(())) => Ok(path),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(panicked(&path.display().to_string())),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn wait(worker: &Worker) -> Vec<Reply> {
        let start = Instant::now();
        let mut replies = Vec::new();
        while worker.is_busy() || replies.is_empty() {
            replies.extend(worker.replies());
            assert!(start.elapsed() < Duration::from_secs(30), "worker stuck");
            std::thread::sleep(Duration::from_millis(1));
        }
        replies.extend(worker.replies());
        replies
    }

    #[test]
    fn newest_run_wins_and_errors_name_the_file() {
        let worker = Worker::start(|| ());
        let source = Arc::new(Source::testcard(4096));
        for generation in 0..20 {
            worker.send(Request::Process {
                generation,
                source: Arc::clone(&source),
                ops: vec!["invert".parse().unwrap()],
                mode: DisplayMode::Natural,
                max_side: 4096,
            });
        }
        worker.send(Request::Open("no/such/file.png".into(), 4096));
        let replies = wait(&worker);
        let generations: Vec<u64> = replies
            .iter()
            .filter_map(|r| match r {
                Reply::Processed { generation, .. } => Some(*generation),
                _ => None,
            })
            .collect();
        assert_eq!(generations.last(), Some(&19));
        assert!(generations.len() < 20 || generations.windows(2).all(|w| w[0] < w[1]));
        let Some(Reply::Opened(Err(message))) = replies.last() else {
            panic!("no open reply: {replies:?}")
        };
        assert!(message.starts_with("no/such/file.png: "), "{message}");
    }
}
