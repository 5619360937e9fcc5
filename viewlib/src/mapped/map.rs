//! The one place that maps files, and with `raw.rs` the only `unsafe` in the crate.
//!
//! # What a map relies on
//!
//! A map is a window onto the file, not a copy. Rust's `&[u8]` and `&mut [u8]` over it promise
//! that nothing else changes those bytes while they are borrowed, and the kernel promises
//! that the bytes exist. Both hold only while no other process truncates or writes the file.
//! This module guards what a library can guard:
//!
//! - **Length.** Callers check the file's length against the layout before mapping, and map
//!   only that length, so every byte of a fresh map is backed by the file.
//! - **Cooperating processes.** Callers hold an advisory lock on the file for as long as the
//!   map lives ([`File::try_lock_shared`] for reading, [`File::try_lock`] for writing), so two
//!   viewlib programs never write the same file at once, nor read one that is being written.
//!
//! What cannot be guarded: a process that ignores advisory locks and truncates the file while
//! it is mapped makes the next access to a lost page raise `SIGBUS`, which ends this process
//! (it does not silently read garbage or corrupt other memory); one that writes the file
//! changes samples under a live view, as with `numpy.memmap`. Do not map files that other
//! programs are rewriting.

use memmap2::{Mmap, MmapMut, MmapOptions};
use std::fs::File;
use std::io;

/// Maps the first `len` bytes of `file` for reading.
///
/// The caller has checked that the file has at least `len` bytes, and holds a shared lock on
/// it for the map's lifetime.
pub(crate) fn map_read(file: &File, len: usize) -> io::Result<Mmap> {
    // SAFETY: memmap2 requires that the mapped bytes are not modified or truncated by anyone
    // while the map lives. The caller checked the length and holds a shared advisory lock, so
    // no cooperating writer exists; uncooperative processes are the hazard documented above.
    unsafe { MmapOptions::new().len(len).map(file) }
}

/// Maps the first `len` bytes of `file` for reading and writing, shared with the file: writes
/// through the map change the file.
///
/// The caller has checked that the file has at least `len` bytes, opened it for writing, and
/// holds an exclusive lock on it for the map's lifetime.
pub(crate) fn map_write(file: &File, len: usize) -> io::Result<MmapMut> {
    // SAFETY: as for `map_read`; the exclusive advisory lock also keeps cooperating readers
    // away, so no one else reads bytes this map is writing.
    unsafe { MmapOptions::new().len(len).map_mut(file) }
}

/// Drops the pages of `map[offset..offset + len]` from this process's resident memory. The
/// data stays in the file (and the kernel's page cache); the next access reads it back.
///
/// Taking `&mut` means no slice or view borrowed from the map is alive.
pub(crate) fn release_read(map: &mut Mmap, offset: usize, len: usize) -> io::Result<()> {
    #[cfg(unix)]
    {
        // SAFETY: `MADV_DONTNEED` on a shared file mapping discards only this process's page
        // table entries; later reads fault the same bytes back in from the file. memmap2 marks
        // it unchecked because on private (copy-on-write) maps it would throw away changes,
        // and because live references would see the bytes reloaded: this map is shared and
        // read-only, and `&mut map` rules out live references.
        unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len) }
    }
    #[cfg(not(unix))]
    {
        let _ = (map, offset, len);
        Ok(())
    }
}

/// [`release_read`] for a writable map. Changed pages are kept: on a shared file mapping
/// the kernel carries their dirty state over to the page cache, which writes them back.
pub(crate) fn release_write(map: &mut MmapMut, offset: usize, len: usize) -> io::Result<()> {
    #[cfg(unix)]
    {
        // SAFETY: as in `release_read`. The map is shared (`map_mut`, never `map_copy`), so
        // dropping a dirty page from the page tables keeps its contents in the page cache,
        // marked dirty; the next access sees the written bytes. `&mut map` rules out live
        // references.
        unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len) }
    }
    #[cfg(not(unix))]
    {
        let _ = (map, offset, len);
        Ok(())
    }
}

/// Maps the pages of `map[offset..offset + len]` in with one call ahead of a pass over them
/// (`MADV_POPULATE_READ`, Linux 5.14+): cheaper than a fault per page. Read, not write, even
/// for writable maps, so that pages a pass only reads are not marked dirty and written back.
/// Only a hint: where the kernel lacks it, pages fault in as they are touched.
pub(crate) trait Prefault {
    /// See the trait.
    fn prefault(&self, offset: usize, len: usize);
}

macro_rules! prefault_by_advice {
    ($($map:ty),*) => {$(
        impl Prefault for $map {
            fn prefault(&self, offset: usize, len: usize) {
                #[cfg(target_os = "linux")]
                let _ = self.advise_range(memmap2::Advice::PopulateRead, offset, len);
                #[cfg(not(target_os = "linux"))]
                let _ = (offset, len);
            }
        }
    )*};
}
prefault_by_advice!(Mmap, MmapMut);
