//! Rewrites the bundled images in `assets/` from [`imgdemo::testcard`].
// No unsafe: everything that needs it is in viewlib, behind checked types.
#![forbid(unsafe_code)]

use viewlib::io::{PngCompression, SaveOptions, save_png};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets");
    let options = SaveOptions {
        compression: PngCompression::High,
        overwrite: true,
    };
    let card = imgdemo::testcard::testcard();
    save_png(assets.join("testcard.png"), card.view(), &options)?;
    let strip = imgdemo::testcard::gradient16();
    save_png(assets.join("testcard16.png"), strip.view(), &options)?;
    println!(
        "wrote testcard.png and testcard16.png in {}",
        assets.display()
    );
    Ok(())
}
