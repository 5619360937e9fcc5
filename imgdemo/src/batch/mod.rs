//! `imgdemo batch`: files and folders in, one PNG per image out, in parallel with bounded
//! memory; one bad file never stops the others.
//!
//! Images larger than [`Options::stream_above`] bytes decoded run a band of rows at a time
//! when the operations allow it (all but `flip=v` and `transpose`): PNM and farbfeld files are
//! read by rows, PNGs are decoded and encoded row by row, so memory does not grow with the
//! image. With [`Options::in_place`], PNM and farbfeld files are changed in place, a band of
//! rows read and written back at a time.
//!
//! Memory per image is bounded by [`Options::limits`]`.max_bytes`, decoder, conversions and
//! encoder included; files are never memory-mapped, so one truncated under the batch fails
//! alone instead of raising `SIGBUS`.

pub mod bands;
pub mod in_place;
mod plan;
mod summary;

pub use plan::{Job, Plan, plan, plan_in_place};
pub use summary::{Summary, peak_memory_bytes};

use crate::pipeline::{self, Op, PipelineSample};
use bands::Source;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use viewlib::io::PngSample;
use viewlib::io::{self, Limits, PendingFile, PngCompression, SaveOptions, display_path};
use viewlib::mapped::RowFile;
use viewlib::{DynImageBuf, ImageBuf, Sample, View};

/// How a batch runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Operations applied to every image, in order.
    pub ops: Vec<Op>,
    /// Files processed at once; peak memory is about this many decoded images.
    pub jobs: usize,
    /// Replace existing outputs.
    pub overwrite: bool,
    /// PNG compression of the outputs.
    pub compression: PngCompression,
    /// Limits for each input: `max_bytes` bounds everything one image uses (pixels,
    /// decoder, conversions, encoder; for images processed band by band, the rows in
    /// flight); `max_pixels` applies to images held whole.
    pub limits: Limits,
    /// Images whose decoded samples are larger than this many bytes run band by band when
    /// their format and the operations allow; smaller ones are processed whole, which
    /// encodes faster.
    pub stream_above: u64,
    /// Change PNM and farbfeld inputs in place instead of writing outputs.
    pub in_place: bool,
}

/// 256 MiB: a 64-megapixel RGBA photo is processed whole, a gigapixel scan band by band.
pub const STREAM_ABOVE_DEFAULT: u64 = 256 << 20;

impl Default for Options {
    fn default() -> Self {
        Options {
            ops: Vec::new(),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            overwrite: false,
            compression: PngCompression::Fast,
            limits: Limits::default(),
            stream_above: STREAM_ABOVE_DEFAULT,
            in_place: false,
        }
    }
}

/// A prepared result, to be made durable by [`Output::commit`].
#[derive(Debug)]
pub enum Output {
    /// An encoded file beside its target, to sync and rename into place.
    Pending(PendingFile),
    /// A file changed in place, to sync.
    InPlace(RowFile),
}

impl Output {
    /// Waits until the result is on disk (and renames a new file into place).
    pub fn commit(self) -> Result<(), String> {
        match self {
            Output::Pending(file) => file.commit().map_err(|e| e.to_string()),
            Output::InPlace(file) => file.sync().map_err(|e| e.to_string()),
        }
    }
}

/// Where one file's time went.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FileStats {
    /// Pixels of the decoded input.
    pub pixels: u64,
    /// Reading and decoding.
    pub decode: Duration,
    /// The operations.
    pub ops: Duration,
    /// Encoding and writing the output to a temporary file.
    pub encode: Duration,
    /// Waiting for the disk to confirm the data (fsync), and the rename.
    pub sync: Duration,
}

/// The outcome of one job.
#[derive(Debug)]
pub struct FileReport<'p> {
    /// The job.
    pub job: &'p Job,
    /// Its statistics, or why it failed (a message naming the file).
    pub outcome: Result<FileStats, String>,
}

/// Processes one file: decode, apply `options.ops`, encode to `job.output` atomically.
///
/// ```
/// use imgdemo::batch::{process_file, Job, Options};
/// let dir = tempfile::tempdir()?;
/// let job = Job { input: "../assets/testcard.png".into(), output: dir.path().join("card.png") };
/// let options = Options { ops: vec!["crop=0,0,160,100".parse()?, "invert".parse()?], ..Options::default() };
/// let stats = process_file(&job, &options)?;
/// assert_eq!(stats.pixels, 1280 * 720);
/// let viewlib::DynImageBuf::U8(out) = viewlib::io::load(&job.output)? else { panic!() };
/// assert_eq!(out.shape(), [100, 160, 4]);
/// assert_eq!(out.view().get([0, 0, 0]), Some(0)); // the white bar, inverted
/// assert!(process_file(&job, &options).unwrap_err().ends_with("card.png: already exists (kept; use --overwrite to replace it)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn process_file(job: &Job, options: &Options) -> Result<FileStats, String> {
    let (output, mut stats) = prepare_file(job, options)?;
    let start = Instant::now();
    output.commit()?;
    stats.sync = start.elapsed();
    Ok(stats)
}

/// The CPU part of [`process_file`]: decode, operations, encode into a temporary file beside
/// the output (or, with `in_place`, run the operations on the input's rows in place). Making
/// the result durable is left to the caller.
pub fn prepare_file(job: &Job, options: &Options) -> Result<(Output, FileStats), String> {
    if options.in_place {
        let (file, stats) = in_place::run(&job.input, &options.ops, options.limits)?;
        return Ok((Output::InPlace(file), stats));
    }
    let output_exists = job.output.symlink_metadata().is_ok();
    if output_exists && same_file(&job.input, &job.output) {
        return Err(format!(
            "{}: the output {} is the input itself; inputs are never modified",
            display_path(&job.input),
            display_path(&job.output)
        ));
    }
    if output_exists && !options.overwrite {
        // Checked before decoding so a re-run skips finished work quickly.
        return Err(format!(
            "{}: already exists (kept; use --overwrite to replace it)",
            display_path(&job.output)
        ));
    }
    let start = Instant::now();
    let mut stats = FileStats::default();
    let named = |e: String| format!("{}: {e}", display_path(&job.input));
    let image = match Source::open(&job.input, options.limits)? {
        Some(source) if source.is_full_range() => {
            let plan = pipeline::RowPlan::new(&options.ops, source.shape())
                .map_err(|e| named(e.to_string()))?;
            match plan {
                Some(plan) if source.decoded_bytes() > options.stream_above => {
                    let [h, w, _] = source.shape();
                    stats.pixels = (h * w) as u64;
                    stats.decode = start.elapsed();
                    let pending = bands::stream_to_png(
                        &job.input,
                        source,
                        &plan,
                        &job.output,
                        options,
                        &mut stats,
                    )?;
                    return Ok((Output::Pending(pending), stats));
                }
                _ => match &source {
                    Source::Rows(file) => bands::read_whole(file, options.limits)?,
                    Source::Png(_) => {
                        io::load_with(&job.input, options.limits).map_err(|e| e.to_string())?
                    }
                },
            }
        }
        _ => io::load_with(&job.input, options.limits).map_err(|e| e.to_string())?,
    };
    let decode = start.elapsed();
    let [h, w, _] = image.shape();
    stats.pixels = (h * w) as u64;
    stats.decode = decode;
    let pending = match image {
        DynImageBuf::U8(buf) => run_ops(buf, job, options, &mut stats)?,
        DynImageBuf::U16(buf) => run_ops(buf, job, options, &mut stats)?,
        // PNG has no float samples: HDR inputs become 16-bit (clamped to 0..1) first.
        DynImageBuf::F32(buf) => {
            // The 16-bit copy is half the float image, held beside it while it is made.
            let float_bytes = byte_len(buf.view());
            check_memory(
                job,
                options,
                float_bytes.saturating_add(float_bytes / 2),
                "the 16-bit copy of a float image",
            )?;
            let samples = buf
                .view()
                .to_u16_image()
                .map_err(|e| format!("{}: {e}", display_path(&job.input)))?;
            drop(buf);
            run_ops(samples, job, options, &mut stats)?
        }
        other => {
            return Err(format!(
                "{}: unsupported sample type {}",
                display_path(&job.input),
                other.format()
            ));
        }
    };
    Ok((Output::Pending(pending), stats))
}

fn run_ops<T: PipelineSample>(
    mut image: ImageBuf<T>,
    job: &Job,
    options: &Options,
    stats: &mut FileStats,
) -> Result<PendingFile, String> {
    let save = SaveOptions {
        compression: options.compression,
        overwrite: options.overwrite,
    };
    let mut steps = Vec::new();
    let mut encode = Duration::ZERO;
    let held = byte_len(image.view());
    // `gray` makes a new buffer (at most half the image) beside the decoded one.
    let held = if options.ops.contains(&Op::Gray) {
        held.saturating_add(held / 2)
    } else {
        held
    };
    check_memory(job, options, held, "the decoded image")?;
    let saved = pipeline::apply(image.view_mut(), &options.ops, &mut steps, |view| {
        let start = Instant::now();
        let view = view.into_view();
        let saved = if held.saturating_add(whole_png_bytes(view)) <= options.limits.max_bytes {
            io::save_png_pending(&job.output, view, &save)
        } else {
            // The whole-image encoder would pass the limit: rows, in bounded memory.
            io::PngRowWriter::create(&job.output, view.shape(), T::BIT_DEPTH, &save).and_then(
                |mut writer| {
                    writer.write_rows(view)?;
                    writer.finish()
                },
            )
        };
        encode = start.elapsed();
        saved
    });
    stats.ops = steps.iter().map(|s| s.elapsed).sum();
    stats.encode = encode;
    saved
        .map_err(|e| format!("{}: {e}", display_path(&job.input)))?
        .map_err(|e| e.to_string())
}

/// Bytes of a view's samples.
fn byte_len<T: Sample>(view: View<'_, T, 3>) -> u64 {
    (view.len() as u64).saturating_mul(size_of::<T>() as u64)
}

/// What encoding `view` whole ([`io::save_png_pending`]) allocates: a C-order copy in PNG's
/// byte order unless the view is one already, the compressed stream (at most about the
/// samples' size), and a stored stream when compressing did not pay.
fn whole_png_bytes<T: PngSample>(view: View<'_, T, 3>) -> u64 {
    let bytes = byte_len(view);
    let copy = if view.as_slice().is_some() && T::STORED_BIG_ENDIAN {
        0
    } else {
        bytes
    };
    copy.saturating_add(bytes.saturating_mul(2))
        .saturating_add(1 << 20)
}

/// Fails the job if holding `bytes` passes the per-image memory limit.
fn check_memory(job: &Job, options: &Options, bytes: u64, what: &str) -> Result<(), String> {
    if bytes > options.limits.max_bytes {
        return Err(format!(
            "{}: {what} and the operations need {bytes} bytes, over the memory limit of {} \
             bytes",
            display_path(&job.input),
            options.limits.max_bytes
        ));
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (a.metadata(), b.metadata()) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// Runs every job of `plan` on `options.jobs` worker threads, calling `on_done` (on the
/// calling thread) as each file finishes. Stops starting new files once `stop` is set; files in
/// progress finish (or fail) cleanly.
///
/// Each worker holds one image at a time, so memory is bounded by `jobs`, not by the number of
/// files. Finished files are synced and renamed into place by one more thread, which mostly
/// waits for the disk. A panic while processing a file is contained and reported as that
/// file's failure.
pub fn run(
    plan: &Plan,
    options: &Options,
    stop: &AtomicBool,
    mut on_done: impl FnMut(&FileReport<'_>),
) -> Summary {
    let start = Instant::now();
    let mut summary = Summary {
        skipped: plan.skipped.len(),
        jobs: options.jobs.max(1),
        ..Summary::default()
    };
    for (path, reason) in &plan.unreadable {
        summary
            .failed
            .push(format!("{}: {reason}", display_path(path)));
    }
    let next = AtomicUsize::new(0);
    let (report_sender, reports) = mpsc::channel();
    // Workers encode; one committer thread waits for the disk (fsync, rename), so a core
    // never idles on I/O. The bound keeps a slow disk from piling up temporary files.
    let (pending_sender, pending) =
        mpsc::sync_channel::<(&Job, Result<(Output, FileStats), String>)>(summary.jobs);
    std::thread::scope(|scope| {
        for _ in 0..summary.jobs.min(plan.jobs.len()) {
            let pending_sender = pending_sender.clone();
            let next = &next;
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Some(job) = plan.jobs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let prepared = catch_unwind(AssertUnwindSafe(|| prepare_file(job, options)))
                        .unwrap_or_else(|panic| {
                            Err(format!(
                                "{}: internal error (please report): {}",
                                display_path(&job.input),
                                summary::panic_message(&*panic)
                            ))
                        });
                    if pending_sender.send((job, prepared)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(pending_sender);
        scope.spawn(move || {
            for (job, prepared) in pending {
                let outcome = prepared.and_then(|(output, mut stats)| {
                    let start = Instant::now();
                    output.commit()?;
                    stats.sync = start.elapsed();
                    Ok(stats)
                });
                if report_sender.send(FileReport { job, outcome }).is_err() {
                    break;
                }
            }
        });
        for report in reports {
            on_done(&report);
            summary.record(report.outcome);
        }
    });
    summary.not_started = plan.jobs.len() - summary.written - summary.failed_jobs;
    summary.elapsed = start.elapsed();
    summary
}
