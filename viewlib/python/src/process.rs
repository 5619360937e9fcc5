//! `viewlib.process_file`: one file through the batch pipeline, for Python code that spreads
//! files over processes or machines (Dask, Ray, a process pool).
//!
//! A file is processed as `imgdemo batch` processes it: decoded within [`Limits`], shown as
//! its EXIF orientation says (a view), float samples made 16-bit, the operations of
//! [`viewlib::pipeline`] applied, and the result written atomically in the format the
//! destination's extension names, converted to what that format holds
//! ([`OutputFormat::stored_as`]). Unlike the batch, the image is always held whole (no band by
//! band streaming) and the destination's folder must exist.

use crate::errors::{file_error, view_error};
use crate::threads;
use image::metadata::Orientation;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use viewlib::io::{
    self, FileErrorKind, ImageFileError, Limits, OutputFormat, PngSample, SaveOptions,
    StoredLayout, display_path,
};
use viewlib::pipeline::{self, Op, OpError};
use viewlib::{DynImageBuf, DynStridedImage, ImageBuf, Sample, StridedImage, ViewError};

/// JPEG quality of `.jpg` outputs: `imgdemo batch`'s default.
pub const JPEG_QUALITY: u8 = 90;

/// The extensions [`output_format`] knows, for messages.
const EXTENSIONS: &str = ".png, .jpg/.jpeg, .webp, .tif/.tiff, .bmp, .tga, .qoi, .ppm, .pgm";

/// The format the extension of `path` names (any case), if viewlib writes it.
pub fn output_format(path: &Path) -> Option<OutputFormat> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => OutputFormat::Png,
        "jpg" | "jpeg" => OutputFormat::Jpeg {
            quality: JPEG_QUALITY,
        },
        "webp" => OutputFormat::WebP,
        "tif" | "tiff" => OutputFormat::Tiff,
        "bmp" => OutputFormat::Bmp,
        "tga" => OutputFormat::Tga,
        "qoi" => OutputFormat::Qoi,
        "ppm" => OutputFormat::Ppm,
        "pgm" => OutputFormat::Pgm,
        _ => return None,
    })
}

/// The operations: one string of operations separated by whitespace, or an iterable of
/// strings of one operation each. All are parsed before any file is touched.
fn parse_ops(ops: &Bound<'_, PyAny>) -> PyResult<Vec<Op>> {
    let texts: Vec<String> = if let Ok(text) = ops.cast::<PyString>() {
        text.to_str()?
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    } else {
        let not_ops = || {
            PyTypeError::new_err(format!(
                "ops must be a string of operations or an iterable of them (e.g. \
                 ['crop=0,0,64,64', 'invert']), not {}",
                type_name(ops)
            ))
        };
        let mut texts = Vec::new();
        for item in ops.try_iter().map_err(|_| not_ops())? {
            let item = item?;
            let text = item.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "ops[{}] must be a string such as 'crop=0,0,64,64', not {}",
                    texts.len(),
                    type_name(&item)
                ))
            })?;
            texts.push(text.to_str()?.to_owned());
        }
        texts
    };
    texts
        .iter()
        .map(|text| {
            text.parse::<Op>()
                .map_err(|e| PyValueError::new_err(e.to_string()))
        })
        .collect()
}

fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map_or_else(|_| "?".into(), |n| n.to_string())
}

/// What went wrong, carried out of the GIL-free part.
enum Failure {
    File(ImageFileError),
    SameFile {
        src: PathBuf,
        dst: PathBuf,
    },
    Op {
        src: PathBuf,
        error: OpError,
    },
    /// The operations ended in samples no output format holds (32-bit words, floats).
    Unwritable {
        src: PathBuf,
        format: &'static str,
    },
    View(ViewError),
}

impl From<ImageFileError> for Failure {
    fn from(error: ImageFileError) -> Self {
        Failure::File(error)
    }
}

impl Failure {
    fn into_py(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::File(error) => file_error(error),
            Failure::View(error) => view_error(error),
            Failure::Op { src, error } => {
                PyValueError::new_err(format!("{}: {error}", display_path(&src)))
            }
            Failure::Unwritable { src, format } => PyValueError::new_err(format!(
                "{}: the result's samples have format '{format}', which no output format \
                 holds (end the operations with cast=u8, or a cast to 16 bits)",
                display_path(&src)
            )),
            // shutil.copy's exception for the same case (an OSError).
            Failure::SameFile { src, dst } => {
                let message = format!(
                    "{}: the output {} is the input itself; inputs are never modified",
                    display_path(&src),
                    display_path(&dst)
                );
                let class = py
                    .import("shutil")
                    .and_then(|shutil| shutil.getattr("SameFileError"))
                    .and_then(|class| Ok(class.cast_into::<PyType>()?));
                match class {
                    Ok(class) => PyErr::from_type(class, message),
                    Err(error) => error,
                }
            }
        }
    }
}

/// What one file was and where its time went: the dict `process_file` returns.
struct Report {
    input_shape: [usize; 3],
    input_dtype: &'static str,
    orientation: u8,
    orientation_applied: bool,
    output_shape: [usize; 3],
    stored: StoredLayout,
    decode: Duration,
    ops: Duration,
    encode: Duration,
    commit: Duration,
    elapsed: Duration,
}

/// A job: what `process_file` was given, checked.
struct Job {
    src: PathBuf,
    dst: PathBuf,
    ops: Vec<Op>,
    format: OutputFormat,
    overwrite: bool,
    apply_orientation: bool,
}

impl Job {
    /// Load, operations, save; the GIL is not needed.
    fn run(&self) -> Result<Report, Failure> {
        let start = Instant::now();
        if self.dst.symlink_metadata().is_ok() {
            if same_file(&self.src, &self.dst) {
                return Err(Failure::SameFile {
                    src: self.src.clone(),
                    dst: self.dst.clone(),
                });
            }
            // Checked before decoding, so a rerun over finished outputs is quick; the
            // no-clobber rename at the end is what guarantees it.
            if !self.overwrite {
                return Err(ImageFileError::new(&self.dst, FileErrorKind::Exists).into());
            }
        }
        let (image, orientation) = io::load_with_orientation(&self.src, Limits::default())?;
        let input_shape = image.shape();
        let exif = orientation.to_exif();
        let turn = self.apply_orientation && exif != 1;
        let orientation = turn.then_some(orientation);
        let mut report = Report {
            input_shape,
            input_dtype: "uint8",
            orientation: exif,
            orientation_applied: turn,
            output_shape: [0; 3],
            stored: StoredLayout {
                channels: 0,
                bit_depth: 0,
            },
            decode: start.elapsed(),
            ops: Duration::ZERO,
            encode: Duration::ZERO,
            commit: Duration::ZERO,
            elapsed: Duration::ZERO,
        };
        match image {
            DynImageBuf::U8(buf) => self.finish(upright(buf, orientation), &mut report)?,
            DynImageBuf::U16(buf) => {
                report.input_dtype = "uint16";
                self.finish(upright(buf, orientation), &mut report)?;
            }
            // No output format holds float samples: as the batch does, 16-bit (clamped to
            // 0..1) first.
            DynImageBuf::F32(buf) => {
                report.input_dtype = "float32";
                let samples = buf.view().to_u16_image().map_err(Failure::View)?;
                drop(buf);
                self.finish(upright(samples, orientation), &mut report)?;
            }
            other => {
                let kind = FileErrorKind::Unsupported {
                    what: format!("samples of format '{}'", other.format()),
                    format: self.format.name().into(),
                };
                return Err(ImageFileError::new(&self.src, kind).into());
            }
        }
        report.elapsed = start.elapsed();
        Ok(report)
    }

    /// Runs the operations on `image` (which holds its memory alone) and writes the result.
    fn finish(&self, image: DynStridedImage, report: &mut Report) -> Result<(), Failure> {
        let mut steps = Vec::new();
        let result =
            pipeline::apply_dyn(image, &self.ops, &mut steps).map_err(|error| Failure::Op {
                src: self.src.clone(),
                error,
            })?;
        report.ops = steps.iter().map(|s| s.elapsed).sum();
        report.output_shape = result.shape();
        match &result {
            DynStridedImage::U8(image) => self.write(image, report),
            DynStridedImage::U16(image) => self.write(image, report),
            DynStridedImage::U16Be(image) => self.write(image, report),
            other => Err(Failure::Unwritable {
                src: self.src.clone(),
                format: other.format(),
            }),
        }
    }

    /// Writes `result` to `dst` atomically.
    fn write<T: PngSample>(
        &self,
        result: &StridedImage<T>,
        report: &mut Report,
    ) -> Result<(), Failure>
    where
        T::Value: Into<u16>,
    {
        let start = Instant::now();
        let save = SaveOptions {
            overwrite: self.overwrite,
            ..SaveOptions::default()
        };
        let pending = io::save_pending_as(&self.dst, result.view(), self.format, &save)?;
        report.encode = start.elapsed();
        report.stored = self
            .format
            .stored_as(report.output_shape[2], T::BIT_DEPTH)
            .expect("save_pending_as wrote it");
        let start = Instant::now();
        pending.commit()?;
        report.commit = start.elapsed();
        Ok(())
    }
}

/// `image` shown as `orientation` says: a view, no pixel moved, holding the memory alone
/// (in-place operations write to it).
fn upright<T: Sample>(image: ImageBuf<T>, orientation: Option<Orientation>) -> DynStridedImage
where
    StridedImage<T>: Into<DynStridedImage>,
{
    let image = StridedImage::from(image);
    match orientation {
        Some(orientation) => image.oriented(orientation),
        None => image,
    }
    .into()
}

/// Whether `a` and `b` are one file (hard links and symbolic links included).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (a.metadata(), b.metadata()) {
            return (a.dev(), a.ino()) == (b.dev(), b.ino());
        }
    }
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// Processes one image file as `imgdemo batch` does: loads `src`, turns it upright as its
/// EXIF orientation says (unless `apply_orientation=False`), applies `ops` in order and writes
/// the result to `dst` atomically (a temporary file beside it, renamed: `dst` appears whole
/// or not at all), in the format `dst`'s extension names: .png, .jpg/.jpeg (quality 90),
/// .webp (lossless), .tif/.tiff, .bmp, .tga, .qoi, .ppm, .pgm. What the format cannot hold is
/// converted: 16 bits to 8, alpha dropped, gray as RGB. Float images (EXR, HDR) become 16-bit,
/// clamped to 0..1, before the operations.
///
/// `ops` is a list of operations in the batch's grammar, or one string of them separated by
/// spaces: invert, invert=all, crop=X,Y,W,H, channel=R|G|B|A|L, flip=h|v, transpose,
/// slice=ROWS,COLS,CHANNELS (NumPy subscripts, e.g. slice=100:400:2,::-1,1), cast=u8|u16|
/// u16le|u16be|u32|f32 (the same bytes as other samples; the result must end as 8 or 16-bit),
/// gray, brightness=D, contrast=F, gamma=G, threshold=T. All are parsed before any file is read.
///
/// The GIL is released while the file is read, processed and written, so threads (and Dask
/// workers with several threads) process files in parallel.
///
/// Returns a dict for a batch driver's log: `input`, `output`, `format` (the format written),
/// `input_shape`, `input_dtype`, `orientation` (the input's EXIF orientation, 1 to 8),
/// `orientation_applied`, `output_shape` (after the operations), `channels` and `bit_depth`
/// (as written), `seconds` (`decode`, `ops`, `encode`, `commit`) and `elapsed` (seconds).
///
/// Raises ValueError for a malformed operation, one that does not fit the image (a crop
/// outside it, a channel it lacks) or an extension viewlib does not write; FileExistsError if
/// `dst` exists and not `overwrite`; shutil.SameFileError if `dst` is `src`; other OSErrors
/// (FileNotFoundError, PermissionError, ...) naming the file and what failed for files that
/// cannot be read, decoded or written. On any error `dst` is left as it was.
#[pyfunction]
#[pyo3(signature = (src, dst, ops, *, overwrite = false, apply_orientation = true))]
pub fn process_file<'py>(
    py: Python<'py>,
    src: PathBuf,
    dst: PathBuf,
    ops: &Bound<'py, PyAny>,
    overwrite: bool,
    apply_orientation: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let ops = parse_ops(ops)?;
    let format = output_format(&dst).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{}: viewlib does not write `.{}` files; the output's extension names its format: \
             {EXTENSIONS}",
            display_path(&dst),
            dst.extension().unwrap_or_default().to_string_lossy()
        ))
    })?;
    let job = Job {
        src,
        dst,
        ops,
        format,
        overwrite,
        apply_orientation,
    };
    let report = py
        .detach(|| threads::run_in_pool(|| job.run()))?
        .map_err(|f| f.into_py(py))?;
    let seconds = PyDict::new(py);
    seconds.set_item("decode", report.decode.as_secs_f64())?;
    seconds.set_item("ops", report.ops.as_secs_f64())?;
    seconds.set_item("encode", report.encode.as_secs_f64())?;
    seconds.set_item("commit", report.commit.as_secs_f64())?;
    let dict = PyDict::new(py);
    dict.set_item("input", job.src.as_os_str())?;
    dict.set_item("output", job.dst.as_os_str())?;
    dict.set_item("format", job.format.name())?;
    dict.set_item("input_shape", PyTuple::new(py, report.input_shape)?)?;
    dict.set_item("input_dtype", report.input_dtype)?;
    dict.set_item("orientation", report.orientation)?;
    dict.set_item("orientation_applied", report.orientation_applied)?;
    dict.set_item("output_shape", PyTuple::new(py, report.output_shape)?)?;
    dict.set_item("channels", report.stored.channels)?;
    dict.set_item("bit_depth", report.stored.bit_depth)?;
    dict.set_item("seconds", seconds)?;
    dict.set_item("elapsed", report.elapsed.as_secs_f64())?;
    Ok(dict)
}

/// Removes the temporary files that writers killed mid-write left in `folder` (a Dask worker
/// or a batch killed while `process_file` wrote, `kill -9`), and returns their paths. Only
/// files it can prove abandoned are touched: named as viewlib names them
/// (`.NAME.XXXXXX.part`), not locked by a live writer in any process, and not modified for
/// 10 seconds; other files, folders and links are left alone. Raises OSError
/// (FileNotFoundError, PermissionError, ...) naming the folder if it cannot be read, or the
/// first file that could not be removed, after removing the others.
#[pyfunction]
pub fn remove_abandoned_parts(py: Python<'_>, folder: PathBuf) -> PyResult<Vec<PathBuf>> {
    let results = py
        .detach(|| viewlib::io::remove_abandoned_parts(&folder))
        .map_err(|e| file_error(ImageFileError::new(&folder, FileErrorKind::Read(e))))?;
    let mut removed = Vec::with_capacity(results.len());
    let mut failed = None;
    for result in results {
        match result {
            Ok(path) => removed.push(path),
            Err(error) => {
                failed.get_or_insert(error);
            }
        }
    }
    match failed {
        Some(error) => Err(file_error(error)),
        None => Ok(removed),
    }
}
