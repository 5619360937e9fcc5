//! The `imgdemo` command: the desktop app, or `imgdemo batch` to process files headlessly.
// No unsafe: everything that needs it is in viewlib, behind checked types.
#![forbid(unsafe_code)]

use clap::{Args, Parser, Subcommand, ValueEnum};
use imgdemo::batch::{self, Options, Outcome, OutputNaming, Summary, json};
use imgdemo::pipeline::{OP_SYNTAX, Op};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use viewlib::io::{self, Limits, OutputFormat, PngCompression, display_path};

#[derive(Parser)]
#[command(
    name = "imgdemo",
    version,
    about = "viewlib's demo: zero-copy image views at work"
)]
#[command(
    args_conflicts_with_subcommands = true,
    propagate_version = true,
    after_long_help = APP_DETAILS
)]
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
    /// The window's size in points, at least 800x500 [default: 1440x900]
    #[arg(long, value_name = "WxH", value_parser = parse_window_size)]
    window_size: Option<[f32; 2]>,
}

/// `1024x700` as `[1024.0, 700.0]`, refusing sizes below the window's minimum.
fn parse_window_size(text: &str) -> Result<[f32; 2], String> {
    let [min_w, min_h] = imgdemo::gui::MIN_WINDOW_SIZE;
    let (w, h) = text
        .split_once(['x', 'X', '×'])
        .ok_or("expected WIDTHxHEIGHT, e.g. 1024x700")?;
    let points = |s: &str| {
        s.trim()
            .parse::<u16>()
            .map(f32::from)
            .map_err(|e| format!("`{s}`: {e}"))
    };
    let size = [points(w)?, points(h)?];
    if size[0] < min_w || size[1] < min_h {
        return Err(format!("the window is at least {min_w}x{min_h}"));
    }
    Ok(size)
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
  imgdemo --window-size 1024x700               a smaller window
  imgdemo batch --op invert --out out/ photos/ headless processing (imgdemo batch --help)";

#[derive(Subcommand)]
enum Command {
    /// Process image files and folders without a display: one image out (PNG unless
    /// --format) per image in.
    #[command(after_long_help = BATCH_DETAILS)]
    Batch(BatchArgs),
}

const BATCH_DETAILS: &str = r#"OPERATIONS (--op, applied in the order given):
  invert             invert colour, keep alpha        invert=all   alpha too
  crop=X,Y,W,H       the W x H rectangle at column X, row Y
  channel=R|G|B|A|L  keep one channel, as a gray image (L: gray of a gray image)
  flip=h|v           mirror left-right (h) or top-bottom (v)
  transpose          swap rows and columns
  slice=ROWS,COLS,CH NumPy's a[ROWS, COLS, CH]: start:stop:step or an index per axis, e.g.
                     slice=100:400:2,::-1,1 (every other row of 100..400, mirrored, green);
                     an index keeps its axis (length 1); a bound outside the axis is an error
  cast=T             the same bytes as samples of type T: u8, u16, u16le, u16be, u32, f32
                     (cast=u16be on RGBA8 makes 16-bit gray+alpha of the R,G and B,A bytes);
                     the output must end as 8 or 16-bit samples
  gray               luma of RGB (Rec. 709), alpha kept
  brightness=D       add D (-1..1) of the full range      contrast=F   scale around mid-gray
  gamma=G            v^G on 0..1                          threshold=T  max at or above T (0..1)
Crop, flip, transpose, slice, cast and channel change the view only: no pixel is copied; the encoder reads
the final view. Before them, an image whose EXIF data says it was taken turned (JPEG, PNG, WebP,
TIFF) is turned or mirrored the same way, as a view, so the operations and the output see it as
photo viewers show it; --ignore-orientation takes the pixels as stored. Outputs carry no EXIF
data, so they show as written. An operation that does not fit an image (a crop outside it, channel=A of an RGB
image) fails that image only.

INPUTS AND OUTPUTS:
  Files named on the command line or listed by --files-from FILE (one path per line; with -0,
  NUL-separated as find -print0 writes them; FILE - is standard input; relative paths are
  relative to the current folder) are always processed. Folders are walked recursively in name
  order; files in them that are not images (by extension or content) are skipped with a note,
  and the output folder itself is never walked. The same file named twice is processed once.
  Each image becomes DIR/<name>.png at its own bit depth (8 or 16; float images become 16-bit).
  Inputs with the same name get <name>-2.png, <name>-3.png, ... in input order.
  With --keep-tree, outputs mirror the inputs instead: photos/2024/a.jpg becomes
  DIR/photos/2024/a.png, the input's path relative to --relative-to DIR (default: the current
  folder), whatever the order of the inputs, folders created as needed. Paths are taken as
  written (. and .. resolved by name, links not followed). An input outside that folder fails
  (outside_tree), and so do inputs whose outputs would be the same file, a/x.jpg and a/x.png
  (output_collision): which one won would depend on the order.
  Outputs are written to a hidden temporary file and renamed when complete, so an interrupted
  run never leaves a truncated image. Existing files are kept (that image fails) unless
  --overwrite; with --skip-existing an existing output is a skip, not a failure, and its input
  is not read, so rerunning a finished or interrupted batch does only what is left and exits 0.
  Inputs are never modified (except with --in-place).

FORMATS (--format, extension in brackets):
  png [png]   8/16-bit, any channels     jpeg [jpg]  8-bit gray or RGB, --quality (default 90)
  webp [webp] lossless, 8-bit RGB(A)     tiff [tiff] 8/16-bit gray, RGB, RGBA
  bmp [bmp]   8-bit RGB(A)               tga [tga]   8-bit, any channels
  qoi [qoi]   8-bit RGB(A)               ppm [ppm]   binary P6, 8/16-bit RGB
  pgm [pgm]   binary P5, 8/16-bit gray only
  What a format cannot hold is converted: 16-bit samples are rounded to 8 bits, gray becomes
  RGB (WebP, BMP, QOI, PPM; gray with alpha becomes RGBA where the format has alpha), and alpha
  is dropped (not blended) where it has none (JPEG, PPM, PGM). Only colour as PGM fails
  (unsupported): add --op gray. --quality is for JPEG only, --compression for PNG only (WebP is written lossless:
  the image crate has no lossy WebP encoder); either with another format is a usage error.
  Only PNG output streams band by band (--stream-above); other formats need the whole image
  within --max-memory, else that image fails (too_large).

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
  mirror them; slice selects like crop (steps and reversals included). transpose, gray and a
  cast to another sample type change the file's layout and are refused. Everything that can fail
  (format, header, file length, lock, an operation that does not fit) fails before a byte is
  written; other formats fail with a reason. A crash midway leaves the file partly changed.
  Nothing is written elsewhere, so --out, --format, --keep-tree and --skip-existing are usage
  errors with it; --files-from, --json and --quiet work. One failing file does not stop the others. Ctrl-C stops
  starting new files and lets the current ones finish; a second Ctrl-C quits at once.

OUTPUT:
  A progress bar on a terminal; each failure on stderr with its reason; a summary on stdout
  (files written, failed and skipped, megapixels per second, where the time went, peak memory).
  --quiet leaves only the errors on stderr.
  --json prints one JSON object per line on stdout instead of the summary, in the order files
  finish; errors still go to stderr, the progress bar never to stdout. Every line has the same
  keys, null where one does not apply. Files:
    {"type":"file","input":"a/x.png","output":"out/x.jpg","status":"written",
     "skip_reason":null,"error":null,"width":1280,"height":720,"channels":4,
     "sample_type":"u8","orientation":1,"output_width":640,"output_height":480,
     "output_channels":4,"decode_ms":4.1,"ops_ms":0.2,"encode_ms":9.8,"sync_ms":1.3}
  status is written, skipped (skip_reason output_exists or not_an_image) or failed, with
  "error":{"kind":K,"message":M}. K is one of not_found, open, not_a_file, read,
  unknown_format, decode, too_large, operation, unsupported, encode, write, locked,
  output_exists, input_is_output, output_collision, outside_tree, internal. width, height,
  channels and sample_type (u8, u16, f32) describe the decoded input as stored, orientation its
  EXIF orientation (1 to 8, 1 without EXIF data; applied unless --ignore-orientation), output_*
  the image after orientation and the operations (before conversion to the format). Paths are
  strings, names that are not UTF-8 converted lossily (U+FFFD). The last line is
    {"type":"summary","written":N,"failed":N,"skipped":N,"skipped_existing":N,
     "skipped_not_image":N,"not_started":N,"exit_code":N,"elapsed_ms":T,"jobs":N,
     "megapixels":F,"decode_ms":T,"ops_ms":T,"encode_ms":T,"sync_ms":T,
     "peak_memory_bytes":N}

EXIT STATUS:
  0    every image was written (or, with --skip-existing, its output already existed)
  1    some images failed (each named on stderr)
  2    usage error (unknown option, malformed operation, unusable output folder)
  130  stopped by Ctrl-C

EXAMPLES:
  imgdemo batch --op crop=0,0,640,480 --op invert --out thumbs photos/ extra.jpg
  In a script: JPEG thumbnails mirroring photos/, safe to rerun, failures listed by jq:
  find photos -name '*.png' -print0 |
    imgdemo batch --files-from - -0 --keep-tree --skip-existing --format jpeg --quality 85 \
      --op crop=0,0,640,480 --out thumbs --json --quiet |
    jq -r 'select(.status == "failed") | "\(.input): \(.error.kind)"'"#;

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
    /// Format of the outputs; the extension follows it (what the format cannot hold is
    /// converted: --help)
    #[arg(long, value_enum, default_value_t = Format::Png, conflicts_with = "in_place")]
    format: Format,
    /// JPEG quality, 1 to 100 (only with --format jpeg) [default: 90]
    #[arg(long, value_name = "1-100", value_parser = clap::value_parser!(u8).range(1..=100))]
    quality: Option<u8>,
    /// Mirror the inputs' folders under DIR: each output is DIR/<input path relative to
    /// --relative-to>, whatever the order of the inputs
    #[arg(long, conflicts_with = "in_place")]
    keep_tree: bool,
    /// With --keep-tree: the folder input paths are taken relative to [default: the current
    /// folder]
    #[arg(long, value_name = "DIR", requires = "keep_tree")]
    relative_to: Option<PathBuf>,
    /// An existing output is a skip, not a failure: a rerun of a finished batch reads
    /// nothing and exits 0
    #[arg(long, conflicts_with_all = ["overwrite", "in_place"])]
    skip_existing: bool,
    /// Read more inputs from FILE (`-`: standard input), one path per line
    #[arg(long, value_name = "FILE")]
    files_from: Option<PathBuf>,
    /// With --files-from: paths are separated by NUL bytes (find -print0), not lines
    #[arg(short = '0', long = "null", requires = "files_from")]
    null: bool,
    /// One JSON object per file on stdout, then a summary object (fields: --help)
    #[arg(long)]
    json: bool,
    /// Print only errors (no progress bar, notes or prose summary); --json lines still print
    #[arg(short, long)]
    quiet: bool,
    /// Change PNM and farbfeld inputs in place instead of writing outputs
    #[arg(long)]
    in_place: bool,
    /// Take pixels as stored, ignoring the EXIF orientation (by default an image is first
    /// turned or mirrored as its EXIF data says, as photo viewers show it)
    #[arg(long)]
    ignore_orientation: bool,
    /// Process images larger than this many MiB (decoded) a band of rows at a time
    #[arg(long, value_name = "MIB", default_value_t = batch::STREAM_ABOVE_DEFAULT >> 20)]
    stream_above: u64,
    /// Files processed at once [default: number of cores]
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Replace existing files in DIR
    #[arg(long)]
    overwrite: bool,
    /// PNG compression of the outputs (only with --format png) [default: fast]
    #[arg(long, value_enum)]
    compression: Option<Compression>,
    /// Refuse images with more pixels than this (decompression-bomb guard)
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_pixels)]
    max_pixels: u64,
    /// Memory one image may use: its pixels and the decoder's and encoder's working memory
    /// (peak memory is about --jobs times this, at most)
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().max_bytes >> 20,
        value_parser = clap::value_parser!(u64).range(1..))]
    max_memory: u64,
    /// Image files and folders
    #[arg(required_unless_present = "files_from", value_name = "INPUT")]
    inputs: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Lossless, 8 or 16-bit, any channels (the default)
    Png,
    /// Lossy, 8-bit gray or RGB (--quality)
    #[value(alias = "jpg")]
    Jpeg,
    /// Lossless WebP, 8-bit RGB or RGBA
    Webp,
    /// 8 or 16-bit; gray, RGB or RGBA
    #[value(alias = "tif")]
    Tiff,
    /// 8-bit RGB or RGBA
    Bmp,
    /// 8-bit, any channels
    Tga,
    /// 8-bit RGB or RGBA
    Qoi,
    /// Binary PPM (P6): 8 or 16-bit RGB, works with --in-place
    Ppm,
    /// Binary PGM (P5): 8 or 16-bit gray only, works with --in-place
    Pgm,
}

/// JPEG quality when --quality is not given: visually close to the original at about a
/// third of the size of quality 100.
const DEFAULT_JPEG_QUALITY: u8 = 90;

impl Format {
    fn output_format(self, quality: Option<u8>) -> OutputFormat {
        match self {
            Format::Png => OutputFormat::Png,
            Format::Jpeg => OutputFormat::Jpeg {
                quality: quality.unwrap_or(DEFAULT_JPEG_QUALITY),
            },
            Format::Webp => OutputFormat::WebP,
            Format::Tiff => OutputFormat::Tiff,
            Format::Bmp => OutputFormat::Bmp,
            Format::Tga => OutputFormat::Tga,
            Format::Qoi => OutputFormat::Qoi,
            Format::Ppm => OutputFormat::Ppm,
            Format::Pgm => OutputFormat::Pgm,
        }
    }
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
        window_size: args.window_size,
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
    let usage_error = |message: String| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    };
    if let Err(message) = check_format_options(&args) {
        return usage_error(message);
    }
    let mut inputs = args.inputs.clone();
    if let Some(list) = &args.files_from {
        match read_file_list(list, args.null) {
            Ok(listed) => inputs.extend(listed),
            Err(message) => return usage_error(message),
        }
    }
    if let Some(out) = &args.out {
        if let Err(e) = std::fs::create_dir_all(out) {
            return usage_error(format!(
                "cannot create the output folder {}: {e}",
                display_path(out)
            ));
        }
        remove_abandoned_parts(out, args.keep_tree, args.quiet);
    }
    let format = args.format.output_format(args.quality);
    let options = Options {
        ops: args.ops,
        jobs: args
            .jobs
            .map_or_else(|| Options::default().jobs, usize::from),
        overwrite: args.overwrite,
        skip_existing: args.skip_existing,
        format,
        compression: match args.compression.unwrap_or(Compression::Fast) {
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
        apply_orientation: !args.ignore_orientation,
    };
    // First Ctrl-C: finish the files in progress, start no more. Second: quit now (temporary
    // files may remain, finished outputs are whole).
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });

    let plan = match &args.out {
        Some(out) => batch::plan(
            &inputs,
            &OutputNaming {
                dir: out.clone(),
                extension: format.extension(),
                tree_base: args
                    .keep_tree
                    .then(|| args.relative_to.clone().unwrap_or_else(|| ".".into())),
            },
        ),
        None => batch::plan_in_place(&inputs),
    };
    for path in &plan.skipped {
        if args.json {
            print_line(&json::not_an_image_line(path));
        }
        if !args.quiet {
            eprintln!("note: skipped {}: not an image", display_path(path));
        }
    }
    for (path, error) in &plan.refused {
        if args.json {
            print_line(&json::refused_line(path, error));
        }
        eprintln!("error: {error}");
    }
    if plan.jobs.is_empty() && plan.refused.is_empty() {
        eprintln!(
            "error: no image to process: the inputs hold no image files ({} other files \
             skipped)",
            plan.skipped.len()
        );
        if args.json {
            let summary = Summary {
                skipped: plan.skipped.len(),
                ..Summary::default()
            };
            print_line(&json::summary_line(&summary, 1));
        }
        return ExitCode::from(1);
    }
    let bar = if std::io::stderr().is_terminal() && !args.quiet {
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
        if args.json {
            bar.suspend(|| print_line(&json::file_line(report)));
        }
        match &report.outcome {
            Outcome::Written(_) | Outcome::Existed => {
                bar.set_message(display_path(&report.job.input).to_string())
            }
            Outcome::Failed(error) => bar.suspend(|| eprintln!("error: {error}")),
        }
    });
    bar.finish_and_clear();
    let stopped = STOP.load(Ordering::SeqCst);
    let exit_code = if stopped { 130 } else { summary.exit_code() };
    if args.json {
        print_line(&json::summary_line(&summary, exit_code));
    } else if !args.quiet {
        print_line(&summary.to_string());
    }
    if stopped {
        eprintln!("stopped by Ctrl-C");
    }
    ExitCode::from(exit_code)
}

/// A line on stdout. A reader that went away (`| head`) is not an error of the batch: the
/// files are still processed and the exit code still says how it went.
fn print_line(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Options that parse but do not go together: settings of another format than --format.
fn check_format_options(args: &BatchArgs) -> Result<(), String> {
    let format = format!(
        "--format {}",
        args.format
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_owned())
    );
    if args.quality.is_some() && args.format != Format::Jpeg {
        return Err(format!(
            "--quality applies to --format jpeg only; {format} is lossless (WebP too: the \
             image crate writes no lossy WebP)"
        ));
    }
    if args.compression.is_some() && args.format != Format::Png {
        return Err(format!(
            "--compression applies to --format png only, not {format}"
        ));
    }
    Ok(())
}

/// The paths listed in `list` (`-`: standard input), for --files-from.
fn read_file_list(list: &std::path::Path, nul_separated: bool) -> Result<Vec<PathBuf>, String> {
    let read = if list.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map(|_| bytes)
    } else {
        std::fs::read(list)
    };
    let bytes = read.map_err(|e| {
        format!(
            "cannot read the file list {} (--files-from): {e}",
            display_path(list)
        )
    })?;
    Ok(batch::parse_file_list(
        &bytes,
        if nul_separated { b'\0' } else { b'\n' },
    ))
}

/// Removes the temporary files of interrupted runs from `out` (and, for --keep-tree, the
/// folders under it, where outputs are written too), with a note for each.
fn remove_abandoned_parts(out: &std::path::Path, with_subfolders: bool, quiet: bool) {
    let depth = if with_subfolders { usize::MAX } else { 0 };
    let folders = walkdir::WalkDir::new(out)
        .max_depth(depth)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_dir());
    for folder in folders {
        match io::remove_abandoned_parts(folder.path()) {
            Ok(removed) => {
                for outcome in removed {
                    match outcome {
                        Ok(path) if !quiet => eprintln!(
                            "note: removed {}, a temporary file left by an interrupted run",
                            display_path(&path)
                        ),
                        Ok(_) => {}
                        Err(e) => eprintln!("warning: {e} (an abandoned temporary file)"),
                    }
                }
            }
            Err(e) => eprintln!(
                "warning: cannot list the output folder {}: {e}",
                display_path(folder.path())
            ),
        }
    }
}
