//! The `imgdemo` command: the desktop app, or `imgdemo batch` to process files headlessly.

use clap::{Args, Parser, Subcommand, ValueEnum};
use imgdemo::batch::{self, Options};
use imgdemo::pipeline::{OP_SYNTAX, Op};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use viewlib::io::{self, Limits, PngCompression, display_path};

#[derive(Parser)]
#[command(
    name = "imgdemo",
    version,
    about = "viewlib's demo: zero-copy image views at work"
)]
#[command(args_conflicts_with_subcommands = true, after_long_help = APP_DETAILS)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    app: AppArgs,
}

/// Opens the desktop app.
#[derive(Args)]
struct AppArgs {
    /// Image to open [default: the bundled test card]
    #[arg(value_name = "IMAGE")]
    image: Option<PathBuf>,
    /// An operation to start with; repeat for a pipeline (list: --help)
    #[arg(long = "op", value_name = "OP")]
    ops: Vec<Op>,
    /// Render the window, save a screenshot of it to this PNG file, and exit
    #[arg(long, value_name = "OUT.png")]
    screenshot: Option<PathBuf>,
    /// Switch the first --op off and on N times in the real window, print the time from each
    /// change to the frame showing it, and exit
    #[arg(long, value_name = "N")]
    measure_latency: Option<usize>,
}

const APP_DETAILS: &str = "\
Without a subcommand, imgdemo opens the desktop app: add, reorder and switch off operations and
see before and after, the view's shape, strides and offset, the bytes it reads, and the pixel
under the cursor. Open images from the command line, File > Open, or by dropping them on the
window.

EXAMPLES:
  imgdemo                                      the bundled test card
  imgdemo photo.jpg --op crop=100,100,800,600 --op channel=G
  imgdemo --screenshot window.png --op invert  render, save the window, exit (works under Xvfb)
  imgdemo batch --op invert --out out/ photos/ headless processing (imgdemo batch --help)";

#[derive(Subcommand)]
enum Command {
    /// Process image files and folders without a display: one PNG out per image in.
    #[command(after_long_help = BATCH_DETAILS)]
    Batch(BatchArgs),
}

const BATCH_DETAILS: &str = "\
OPERATIONS (--op, applied in the order given):
  invert             invert colour, keep alpha        invert=all   alpha too
  crop=X,Y,W,H       the W x H rectangle at column X, row Y
  channel=R|G|B|A|L  keep one channel, as a gray image (L: gray of a gray image)
  flip=h|v           mirror left-right (h) or top-bottom (v)
  transpose          swap rows and columns
  gray               luma of RGB (Rec. 709), alpha kept
  brightness=D       add D (-1..1) of the full range      contrast=F   scale around mid-gray
  gamma=G            v^G on 0..1                          threshold=T  max at or above T (0..1)
Crop, flip, transpose and channel change the view only: no pixel is copied; the encoder reads
the final view. An operation that does not fit an image (a crop outside it, channel=A of an RGB
image) fails that image only.

INPUTS AND OUTPUTS:
  Files named on the command line are always processed. Folders are walked recursively in name
  order; files in them that are not images (by extension or content) are skipped with a note,
  and the output folder itself is never walked.
  Each image becomes DIR/<name>.png at its own bit depth (8 or 16; float images become 16-bit).
  Inputs with the same name get <name>-2.png, <name>-3.png, ... in input order. Outputs are
  written to a hidden temporary file and renamed when complete, so an interrupted run never
  leaves a truncated image. Existing files are kept (that image fails) unless --overwrite;
  inputs are never modified (except with --in-place).

  Files are processed in parallel, --jobs at a time. Each image may use --max-memory MiB
  (default 1024): its pixels, the decoder's working memory (counted per format from the
  file's headers before anything large is allocated), conversions and the encoder's buffers.
  An image that would need more fails with the numbers, so peak memory stays under --jobs
  times that, whatever the files say. Images larger than --stream-above MiB decoded run a
  band of rows at a time when the operations allow (all but flip=v and transpose): binary
  PNM (P5/P6) and farbfeld files are read by rows, PNGs are decoded and encoded row by row,
  so memory stays about 16 MiB per job whatever the height (a row too wide for the limit
  fails).

  Only regular files are read: a FIFO, device or socket named as input fails with a reason
  (and is skipped in folders). Naming the output folder as an input is an error. Hidden
  temporary files (.NAME.XXXXXX.part) that an interrupted run left in the output folder are
  removed at the start, once no process holds them, with a note. A file truncated by another
  program while it is read fails alone.

IN PLACE (--in-place, never the default):
  Binary PNM (P5/P6, 8 or 16-bit) and farbfeld files are changed in place, a band of rows at
  a time read and written back: nothing is decoded or written elsewhere. crop and channel choose which
  samples the later operations change (crop=0,0,100,100 --op invert inverts that square of
  the file); invert, brightness, contrast, gamma and threshold rewrite them; flip=h and flip=v
  mirror them. transpose and gray change the shape and are refused. Everything that can fail
  (format, header, file length, lock, an operation that does not fit) fails before a byte is
  written; other formats fail with a reason. A crash midway leaves the file partly changed. One failing file does not stop the others. Ctrl-C stops
  starting new files and lets the current ones finish; a second Ctrl-C quits at once.

OUTPUT:
  A progress bar on a terminal; each failure on stderr with its reason; a summary on stdout
  (files written, failed and skipped, megapixels per second, where the time went, peak memory).

EXIT STATUS:
  0    every image was written
  1    some images failed (each named on stderr)
  2    usage error (unknown option, malformed operation, unusable output folder)
  130  stopped by Ctrl-C

EXAMPLE:
  imgdemo batch --op crop=0,0,640,480 --op invert --out thumbs photos/ extra.jpg";

#[derive(Args)]
struct BatchArgs {
    /// An operation applied to every image; repeat for a pipeline (list: --help)
    #[arg(long = "op", value_name = "OP", help_heading = None, long_help = format!("An operation applied to every image; repeat it for a pipeline, applied in order.\nOne of: {OP_SYNTAX}"))]
    ops: Vec<Op>,
    /// Folder for the outputs (created if missing)
    #[arg(
        short,
        long,
        value_name = "DIR",
        required_unless_present = "in_place",
        conflicts_with = "in_place"
    )]
    out: Option<PathBuf>,
    /// Change PNM and farbfeld inputs in place instead of writing outputs
    #[arg(long)]
    in_place: bool,
    /// Process images larger than this many MiB (decoded) a band of rows at a time
    #[arg(long, value_name = "MIB", default_value_t = batch::STREAM_ABOVE_DEFAULT >> 20)]
    stream_above: u64,
    /// Files processed at once [default: number of cores]
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Replace existing files in DIR
    #[arg(long)]
    overwrite: bool,
    /// PNG compression of the outputs
    #[arg(long, value_enum, default_value_t = Compression::Fast)]
    compression: Compression,
    /// Refuse images with more pixels than this (decompression-bomb guard)
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_pixels)]
    max_pixels: u64,
    /// Memory one image may use: its pixels and the decoder's and encoder's working memory
    /// (peak memory is about --jobs times this, at most)
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_bytes >> 20,
        value_parser = clap::value_parser!(u64).range(1..))]
    max_memory: u64,
    /// Image files and folders
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Compression {
    /// Not compressed
    None,
    /// Fast, larger files (fdeflate)
    Fast,
    /// The png crate's default balance
    Balanced,
    /// Slow, smallest files
    High,
}

static STOP: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Batch(args)) => batch_main(args),
        None => app_main(cli.app),
    }
}

fn app_main(args: AppArgs) -> ExitCode {
    let launch = imgdemo::gui::Launch {
        image: args.image,
        ops: args.ops,
        screenshot: args.screenshot,
        measure_latency: args.measure_latency,
    };
    match imgdemo::gui::run(launch) {
        Ok(message) => {
            if !message.is_empty() {
                println!("{message}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn batch_main(args: BatchArgs) -> ExitCode {
    if let Some(out) = &args.out {
        if let Err(e) = std::fs::create_dir_all(out) {
            eprintln!(
                "error: cannot create the output folder {}: {e}",
                display_path(out)
            );
            return ExitCode::from(2);
        }
        // Temporary files of runs that were killed mid-write (each up to a whole output).
        match io::remove_abandoned_parts(out) {
            Ok(removed) => {
                for outcome in removed {
                    match outcome {
                        Ok(path) => eprintln!(
                            "note: removed {}, a temporary file left by an interrupted run",
                            display_path(&path)
                        ),
                        Err(e) => eprintln!("warning: {e} (an abandoned temporary file)"),
                    }
                }
            }
            Err(e) => eprintln!(
                "warning: cannot list the output folder {}: {e}",
                display_path(out)
            ),
        }
    }
    let options = Options {
        ops: args.ops,
        jobs: args
            .jobs
            .map_or_else(|| Options::default().jobs, usize::from),
        overwrite: args.overwrite,
        compression: match args.compression {
            Compression::None => PngCompression::None,
            Compression::Fast => PngCompression::Fast,
            Compression::Balanced => PngCompression::Balanced,
            Compression::High => PngCompression::High,
        },
        limits: Limits {
            max_pixels: args.max_pixels,
            max_bytes: args.max_memory.saturating_mul(1 << 20),
        },
        stream_above: args.stream_above.saturating_mul(1 << 20),
        in_place: args.in_place,
    };
    // First Ctrl-C: finish the files in progress, start no more. Second: quit now (temporary
    // files may remain, finished outputs are whole).
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });

    let plan = match &args.out {
        Some(out) => batch::plan(&args.inputs, out),
        None => batch::plan_in_place(&args.inputs),
    };
    for path in &plan.skipped {
        eprintln!("note: skipped {}: not an image", display_path(path));
    }
    for (path, reason) in &plan.unreadable {
        eprintln!("error: {}: {reason}", display_path(path));
    }
    if plan.jobs.is_empty() && plan.unreadable.is_empty() {
        eprintln!(
            "error: no image to process: the inputs hold no image files ({} other files \
             skipped)",
            plan.skipped.len()
        );
        return ExitCode::from(1);
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(plan.jobs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} [{elapsed_precise}, ETA {eta}] {msg}",
            )
            .expect("valid template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let summary = batch::run(&plan, &options, &STOP, |report| {
        bar.inc(1);
        match &report.outcome {
            Ok(_) => bar.set_message(display_path(&report.job.input).to_string()),
            Err(message) => bar.suspend(|| eprintln!("error: {message}")),
        }
    });
    bar.finish_and_clear();
    println!("{summary}");
    if STOP.load(Ordering::SeqCst) {
        eprintln!("stopped by Ctrl-C");
        return ExitCode::from(130);
    }
    ExitCode::from(summary.exit_code())
}
