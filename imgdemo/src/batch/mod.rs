//! `imgdemo batch`: files and folders in, one image per image out (PNG unless
//! [`Options::format`] says otherwise), in parallel with bounded memory; one bad file never
//! stops the others.
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
mod error;
pub mod in_place;
pub mod json;
mod plan;
mod summary;

pub use error::{ErrorKind, FileError};
pub use plan::{Job, OutputNaming, Plan, parse_file_list, plan, plan_in_place};
pub use summary::{Summary, peak_memory_bytes};

use crate::pipeline::{self, Op, PipelineSample};
use bands::Source;
use image::metadata::Orientation;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use viewlib::io::{self, Limits, OutputFormat, PendingFile, PngCompression, SaveOptions};
use viewlib::io::{PngSample, display_path};
use viewlib::mapped::RowFile;
use viewlib::{DynImageBuf, DynStridedImage, ImageBuf, Sample, StridedImage, View};

/// How a batch runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Operations applied to every image, in order.
    pub ops: Vec<Op>,
    /// Files processed at once; peak memory is about this many decoded images.
    pub jobs: usize,
    /// Replace existing outputs.
    pub overwrite: bool,
    /// Leave existing outputs alone and report them as skipped, not failed (a rerun of a
    /// finished batch succeeds without reading an input).
    pub skip_existing: bool,
    /// The format of the outputs; what it cannot hold is converted
    /// ([`OutputFormat::stored_as`]).
    pub format: OutputFormat,
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
    /// Turn or mirror each image as its EXIF orientation says before the operations, as
    /// photo viewers show it (a view: no pixel moves). Off, pixels are taken as stored. The
    /// outputs carry no EXIF data, so either way they show as they are written. In place,
    /// nothing is turned: the file keeps its EXIF data.
    pub apply_orientation: bool,
}

/// Sample types the batch runs and writes: what the pipeline runs on, that PNG can hold.
pub trait BatchSample: PipelineSample + PngSample {}
impl<T: PipelineSample + PngSample> BatchSample for T {}

/// 256 MiB: a 64-megapixel RGBA photo is processed whole, a gigapixel scan band by band.
pub const STREAM_ABOVE_DEFAULT: u64 = 256 << 20;

impl Default for Options {
    fn default() -> Self {
        Options {
            ops: Vec::new(),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            overwrite: false,
            skip_existing: false,
            format: OutputFormat::Png,
            compression: PngCompression::Fast,
            limits: Limits::default(),
            stream_above: STREAM_ABOVE_DEFAULT,
            in_place: false,
            apply_orientation: true,
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
    pub fn commit(self) -> Result<(), FileError> {
        match self {
            Output::Pending(file) => Ok(file.commit()?),
            Output::InPlace(file) => Ok(file.sync()?),
        }
    }
}

/// What one file was and where its time went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FileStats {
    /// Pixels of the decoded input.
    pub pixels: u64,
    /// `[height, width, channels]` of the decoded input.
    pub input_shape: [usize; 3],
    /// The decoded input's samples: `u8`, `u16` or `f32`.
    pub sample_type: &'static str,
    /// The input's EXIF orientation (1 to 8; 1 without EXIF data), applied before the
    /// operations unless [`Options::apply_orientation`] is off.
    pub orientation: u8,
    /// `[height, width, channels]` after the operations (before any conversion the output
    /// format needs).
    pub output_shape: [usize; 3],
    /// Reading and decoding.
    pub decode: Duration,
    /// The operations.
    pub ops: Duration,
    /// Encoding and writing the output to a temporary file.
    pub encode: Duration,
    /// Waiting for the disk to confirm the data (fsync), and the rename.
    pub sync: Duration,
}

impl Default for FileStats {
    fn default() -> Self {
        FileStats {
            pixels: 0,
            input_shape: [0; 3],
            sample_type: "u8",
            orientation: Orientation::NoTransforms.to_exif(),
            output_shape: [0; 3],
            decode: Duration::ZERO,
            ops: Duration::ZERO,
            encode: Duration::ZERO,
            sync: Duration::ZERO,
        }
    }
}

/// What became of one job.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The output was written (with `--in-place`: the file was changed).
    Written(FileStats),
    /// The output existed and [`Options::skip_existing`] kept it; the input was not read.
    Existed,
    /// Why it failed.
    Failed(FileError),
}

/// The outcome of one job.
#[derive(Debug)]
pub struct FileReport<'p> {
    /// The job.
    pub job: &'p Job,
    /// What became of it.
    pub outcome: Outcome,
}

/// Processes one file: decode, apply `options.ops`, encode to `job.output` atomically.
/// `Ok(None)`: the output existed and `options.skip_existing` kept it.
///
/// ```
/// use imgdemo::batch::{process_file, ErrorKind, Job, Options};
/// let dir = tempfile::tempdir()?;
/// let job = Job { input: "../assets/testcard.png".into(), output: dir.path().join("card.png") };
/// let options = Options { ops: vec!["crop=0,0,160,100".parse()?, "invert".parse()?], ..Options::default() };
/// let stats = process_file(&job, &options)?.unwrap();
/// assert_eq!((stats.pixels, stats.sample_type), (1280 * 720, "u8"));
/// assert_eq!(stats.output_shape, [100, 160, 4]);
/// let viewlib::DynImageBuf::U8(out) = viewlib::io::load(&job.output)? else { panic!() };
/// assert_eq!(out.shape(), [100, 160, 4]);
/// assert_eq!(out.view().get([0, 0, 0]), Some(0)); // the white bar, inverted
/// let again = process_file(&job, &options).unwrap_err();
/// assert_eq!(again.kind, ErrorKind::OutputExists);
/// assert!(again.message.ends_with("card.png: already exists (kept; use --overwrite to replace it, or --skip-existing)"));
/// let skipping = Options { skip_existing: true, ..options };
/// assert_eq!(process_file(&job, &skipping)?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn process_file(job: &Job, options: &Options) -> Result<Option<FileStats>, FileError> {
    let Some((output, mut stats)) = prepare_file(job, options)? else {
        return Ok(None);
    };
    let start = Instant::now();
    output.commit()?;
    stats.sync = start.elapsed();
    Ok(Some(stats))
}

/// The CPU part of [`process_file`]: decode, operations, encode into a temporary file beside
/// the output (or, with `in_place`, run the operations on the input's rows in place). Making
/// the result durable is left to the caller. `Ok(None)`: the output existed and
/// `options.skip_existing` kept it.
pub fn prepare_file(
    job: &Job,
    options: &Options,
) -> Result<Option<(Output, FileStats)>, FileError> {
    if options.in_place {
        let (file, stats) = in_place::run(&job.input, &options.ops, options.limits)?;
        return Ok(Some((Output::InPlace(file), stats)));
    }
    let output_exists = job.output.symlink_metadata().is_ok();
    if output_exists && same_file(&job.input, &job.output) {
        return Err(FileError::about(
            ErrorKind::InputIsOutput,
            &job.input,
            format_args!(
                "the output {} is the input itself; inputs are never modified",
                display_path(&job.output)
            ),
        ));
    }
    // Checked before decoding so a re-run skips finished work quickly.
    if output_exists && options.skip_existing {
        return Ok(None);
    }
    if output_exists && !options.overwrite {
        return Err(FileError::about(
            ErrorKind::OutputExists,
            &job.output,
            "already exists (kept; use --overwrite to replace it, or --skip-existing)",
        ));
    }
    let start = Instant::now();
    let mut stats = FileStats::default();
    let load_whole = || io::load_with_orientation(&job.input, options.limits);
    let (image, orientation) = match Source::open(&job.input, options.limits)? {
        Some(source) if source.is_full_range() => {
            let plan = pipeline::RowPlan::new(&options.ops, source.shape())
                .map_err(|e| FileError::operation(&job.input, e))?;
            let orientation = source.orientation();
            // Rows stream in stored order: an image to be turned is processed whole.
            let upright = orientation == Orientation::NoTransforms || !options.apply_orientation;
            match plan {
                // Band by band into PNG only: the other encoders take whole images.
                Some(plan)
                    if upright
                        && source.decoded_bytes() > options.stream_above
                        && options.format == OutputFormat::Png =>
                {
                    let [h, w, _] = source.shape();
                    stats.pixels = (h * w) as u64;
                    stats.input_shape = source.shape();
                    stats.sample_type = if source.bit_depth() == 8 { "u8" } else { "u16" };
                    stats.orientation = orientation.to_exif();
                    stats.output_shape = plan.output_shape;
                    stats.decode = start.elapsed();
                    let pending = bands::stream_to_png(
                        &job.input,
                        source,
                        &plan,
                        &job.output,
                        options,
                        &mut stats,
                    )?;
                    return Ok(Some((Output::Pending(pending), stats)));
                }
                _ => match &source {
                    Source::Rows(file) => (
                        bands::read_whole(file, options.limits)?,
                        Orientation::NoTransforms,
                    ),
                    Source::Png(_) => load_whole()?,
                },
            }
        }
        _ => load_whole()?,
    };
    stats.orientation = orientation.to_exif();
    let orientation = if options.apply_orientation {
        orientation
    } else {
        Orientation::NoTransforms
    };
    let decode = start.elapsed();
    let [h, w, _] = image.shape();
    stats.pixels = (h * w) as u64;
    stats.input_shape = image.shape();
    stats.sample_type = match image.bits_per_sample() {
        8 => "u8",
        16 => "u16",
        _ => "f32",
    };
    stats.decode = decode;
    let pending = match image {
        DynImageBuf::U8(buf) => run_ops(buf, orientation, job, options, &mut stats)?,
        DynImageBuf::U16(buf) => run_ops(buf, orientation, job, options, &mut stats)?,
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
                .map_err(|e| FileError::about(ErrorKind::TooLarge, &job.input, e))?;
            drop(buf);
            run_ops(samples, orientation, job, options, &mut stats)?
        }
        other => {
            return Err(FileError::about(
                ErrorKind::Unsupported,
                &job.input,
                format_args!("unsupported sample type {}", other.format()),
            ));
        }
    };
    Ok(Some((Output::Pending(pending), stats)))
}

/// Applies the operations to `image` shown as `orientation` says (a view), and encodes the
/// result. Casts may change the sample type on the way; the result must be one PNG holds.
fn run_ops<T: BatchSample>(
    image: ImageBuf<T>,
    orientation: Orientation,
    job: &Job,
    options: &Options,
    stats: &mut FileStats,
) -> Result<PendingFile, FileError>
where
    StridedImage<T>: Into<DynStridedImage>,
{
    let save = SaveOptions {
        compression: options.compression,
        overwrite: options.overwrite,
    };
    let mut steps = Vec::new();
    let held = byte_len(image.view());
    // `gray` makes a new buffer (at most half the image) beside the decoded one.
    let held = if options.ops.contains(&Op::Gray) {
        held.saturating_add(held / 2)
    } else {
        held
    };
    check_memory(job, options, held, "the decoded image")?;
    let upright = StridedImage::from(image).oriented(orientation).into();
    let result = pipeline::apply_dyn(upright, &options.ops, &mut steps);
    stats.ops = steps.iter().map(|s| s.elapsed).sum();
    let result = result.map_err(|e| FileError::operation(&job.input, e))?;
    stats.output_shape = result.shape();
    let start = Instant::now();
    let saved = create_output_folder(&job.output).and_then(|()| match &result {
        DynStridedImage::U8(image) => encode_whole(image.view(), job, options, held, &save),
        DynStridedImage::U16(image) => encode_whole(image.view(), job, options, held, &save),
        DynStridedImage::U16Be(image) => encode_whole(image.view(), job, options, held, &save),
        other => Err(FileError::about(
            ErrorKind::Unsupported,
            &job.input,
            format_args!(
                "the result's samples have format `{}`, which no output format holds \
                 (end the operations with cast=u8, or a cast to 16 bits)",
                other.format()
            ),
        )),
    });
    stats.encode = start.elapsed();
    saved
}

/// Encodes the final view into a temporary file beside `job.output`, within the memory
/// limit beside the `held` bytes of the decoded image.
fn encode_whole<T: PngSample>(
    view: View<'_, T, 3>,
    job: &Job,
    options: &Options,
    held: u64,
    save: &SaveOptions,
) -> Result<PendingFile, FileError>
where
    T::Value: Into<u16>,
{
    if options.format != OutputFormat::Png {
        let encoder = options
            .format
            .working_bytes(view.shape(), T::BIT_DEPTH)
            .unwrap_or(0);
        check_memory(
            job,
            options,
            held.saturating_add(encoder),
            "the converted copy for the encoder",
        )
        .and_then(|()| {
            Ok(io::save_pending_as(
                &job.output,
                view,
                options.format,
                save,
            )?)
        })
    } else if held.saturating_add(whole_png_bytes(view)) <= options.limits.max_bytes {
        io::save_png_pending(&job.output, view, save).map_err(FileError::from)
    } else {
        // The whole-image encoder would pass the limit: rows, in bounded memory.
        io::PngRowWriter::create(&job.output, view.shape(), T::BIT_DEPTH, save)
            .and_then(|mut writer| {
                writer.write_rows(view)?;
                writer.finish()
            })
            .map_err(FileError::from)
    }
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

/// Creates the folder of `output` if missing: `--keep-tree` outputs go into subfolders. Done
/// just before encoding, so a file that fails earlier leaves no empty folder behind.
fn create_output_folder(output: &Path) -> Result<(), FileError> {
    match output.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => std::fs::create_dir_all(folder).map_err(|e| {
            FileError::about(
                ErrorKind::Write,
                output,
                format_args!("cannot create its folder: {e}"),
            )
        }),
        None => Ok(()),
    }
}

/// Fails the job if holding `bytes` passes the per-image memory limit.
fn check_memory(job: &Job, options: &Options, bytes: u64, what: &str) -> Result<(), FileError> {
    if bytes > options.limits.max_bytes {
        return Err(FileError::about(
            ErrorKind::TooLarge,
            &job.input,
            format_args!(
                "{what} and the operations need {bytes} bytes, over the memory limit of {} \
                 bytes",
                options.limits.max_bytes
            ),
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
    summary
        .failed
        .extend(plan.refused.iter().map(|(_, error)| error.clone()));
    let next = AtomicUsize::new(0);
    let (report_sender, reports) = mpsc::channel();
    // Workers encode; one committer thread waits for the disk (fsync, rename), so a core
    // never idles on I/O. The bound keeps a slow disk from piling up temporary files.
    let (pending_sender, pending) =
        mpsc::sync_channel::<(&Job, Result<Option<(Output, FileStats)>, FileError>)>(summary.jobs);
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
                            Err(FileError::about(
                                ErrorKind::Internal,
                                &job.input,
                                format_args!(
                                    "internal error (please report): {}",
                                    summary::panic_message(&*panic)
                                ),
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
                let outcome = match prepared {
                    Err(error) => Outcome::Failed(error),
                    Ok(None) => Outcome::Existed,
                    Ok(Some((output, mut stats))) => {
                        let start = Instant::now();
                        match output.commit() {
                            Ok(()) => {
                                stats.sync = start.elapsed();
                                Outcome::Written(stats)
                            }
                            // Another process wrote it meanwhile: as good as existing.
                            Err(e)
                                if e.kind == ErrorKind::OutputExists && options.skip_existing =>
                            {
                                Outcome::Existed
                            }
                            Err(e) => Outcome::Failed(e),
                        }
                    }
                };
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
    summary.not_started =
        plan.jobs.len() - summary.written - summary.failed_jobs - summary.existing;
    summary.elapsed = start.elapsed();
    summary
}
