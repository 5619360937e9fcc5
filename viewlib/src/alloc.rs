//! Allocations whose size comes from input (a header, a shape): the byte count is checked to
//! fit `isize` and the allocation is fallible, so a hostile size is an error, never a panic
//! ("capacity overflow") or an abort (out of memory).

use crate::error::{Result, ViewError};
use crate::layout::checked_byte_size;

/// `len` zeroed elements. Zeroed pages come from the allocator (`calloc`), so a large buffer
/// costs no write pass until it is used.
pub(crate) fn zeroed_vec<T: bytemuck::Zeroable>(len: usize) -> Result<Vec<T>> {
    let bytes = checked_byte_size(&[len], size_of::<T>())?;
    bytemuck::allocation::try_zeroed_vec(len).map_err(|()| ViewError::AllocationFailed { bytes })
}

/// An empty vector with room for `len` elements.
pub(crate) fn vec_with_capacity<T>(len: usize) -> Result<Vec<T>> {
    let bytes = checked_byte_size(&[len], size_of::<T>())?;
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| ViewError::AllocationFailed { bytes })?;
    Ok(v)
}

/// The values of `iter` (exactly `len` of them) collected into a vector allocated up front.
pub(crate) fn collect_exact<T>(len: usize, iter: impl Iterator<Item = T>) -> Result<Vec<T>> {
    let mut v = vec_with_capacity(len)?;
    v.extend(iter);
    debug_assert_eq!(v.len(), len);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_requests_are_errors_not_panics() {
        // Fits isize as elements, not as bytes.
        assert!(matches!(
            zeroed_vec::<u16>(1 << 62),
            Err(ViewError::SizeOverflow { .. })
        ));
        assert!(matches!(
            vec_with_capacity::<u64>(usize::MAX / 4),
            Err(ViewError::SizeOverflow { .. })
        ));
        // Fits the address space's accounting but not this machine: 16 TiB.
        assert_eq!(
            zeroed_vec::<u8>(1 << 44),
            Err(ViewError::AllocationFailed { bytes: 1 << 44 })
        );
        assert_eq!(
            vec_with_capacity::<u8>(1 << 44).map(|v| v.capacity()),
            Err(ViewError::AllocationFailed { bytes: 1 << 44 })
        );
        assert_eq!(zeroed_vec::<u32>(3).unwrap(), [0, 0, 0]);
        assert_eq!(collect_exact(3, 1..4).unwrap(), [1, 2, 3]);
    }
}
