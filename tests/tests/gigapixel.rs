//! A multi-gigabyte PPM, generated here, inverted in place by `imgdemo batch --in-place`:
//! samples checked at thousands of positions, the header and length untouched, and the
//! process's peak resident memory far below the file size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use viewlib_e2e::{imgdemo, peak_mib, text};

const WIDTH: u64 = 40_000;
const HEIGHT: u64 = 25_000; // 40000 x 25000 RGB8: 3.0 GB of samples
const ROW: u64 = WIDTH * 3;

/// The sample at byte `i` of row `y`: a pattern in which neighbouring rows and samples differ.
fn sample(y: u64, i: u64) -> u8 {
    ((i + 13 * y) * 7 % 256) as u8
}

#[test]
fn a_3_gb_ppm_is_inverted_in_place_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.ppm");
    let header = format!("P6\n{WIDTH} {HEIGHT}\n255\n");
    {
        // Each row is a window of one periodic buffer: written at memcpy speed.
        let period: Vec<u8> = (0..ROW + 256).map(|i| sample(0, i)).collect();
        let mut out = BufWriter::with_capacity(1 << 22, File::create(&path).unwrap());
        out.write_all(header.as_bytes()).unwrap();
        for y in 0..HEIGHT {
            let shift = (13 * y % 256) as usize;
            out.write_all(&period[shift..shift + ROW as usize]).unwrap();
        }
        out.into_inner().unwrap().sync_all().unwrap();
    }
    let file_len = header.len() as u64 + ROW * HEIGHT;
    assert_eq!(std::fs::metadata(&path).unwrap().len(), file_len);

    let start = std::time::Instant::now();
    let run = imgdemo()
        .args(["batch", "--in-place", "--op", "invert"])
        .arg(&path)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stdout = text(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}{}",
        stdout,
        text(&run.stderr)
    );
    let peak = peak_mib(&stdout);
    let file_mib = file_len as f64 / (1 << 20) as f64;
    eprintln!(
        "inverted {file_mib:.0} MiB in place in {:.1} s; peak resident memory {peak:.1} MiB \
         ({:.2}% of the file)\n{stdout}",
        elapsed.as_secs_f64(),
        100.0 * peak / file_mib
    );
    assert!(
        peak < 256.0,
        "peak {peak:.1} MiB for a {file_mib:.0} MiB file"
    );

    let file = File::open(&path).unwrap();
    assert_eq!(file.metadata().unwrap().len(), file_len);
    let mut head = vec![0; header.len()];
    file.read_exact_at(&mut head, 0).unwrap();
    assert_eq!(head, header.as_bytes());
    // 4096 positions spread over the whole file (a simple LCG), plus both ends.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut positions = vec![
        (0, 0),
        (HEIGHT - 1, ROW - 1),
        (HEIGHT / 2, 0),
        (HEIGHT - 1, 0),
    ];
    for _ in 0..4096 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        positions.push(((state >> 33) % HEIGHT, (state >> 7) % ROW));
    }
    for (y, i) in positions {
        let mut got = [0u8; 1];
        file.read_exact_at(&mut got, header.len() as u64 + y * ROW + i)
            .unwrap();
        assert_eq!(got[0], 255 - sample(y, i), "row {y}, byte {i}");
    }
}
