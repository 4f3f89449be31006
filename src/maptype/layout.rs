//! The bucket layout Go 1.19's compiler gives a `map[K]E`
//! (`cmd/compile/internal/reflectdata.MapBucketType`).
//!
//! ```text
//!  offset 0            8                 8 + 8*keysize          8 + 8*(keysize+elemsize)
//!         +------------+-----------------+----------------------+----------+
//!         | tophash[8] | key[0] .. key[7]| elem[0] .. elem[7]   | overflow |
//!         +------------+-----------------+----------------------+----------+
//!                                                               bucketsize - 8
//! ```
//!
//! Keys start right after the eight tophash bytes; since every alignment Go allows in a
//! map divides 8, and eight slots of any size fill a multiple of 8 bytes, no field ever
//! needs padding and the overflow pointer is the last word. A key or elem over 128 bytes
//! is stored indirectly: its slot holds a pointer.

use super::{MapTypeError, Type, Which};
use crate::base::{BUCKET_CNT, DATA_OFFSET, MAX_ELEM_SIZE, MAX_KEY_SIZE};

const PTR_SIZE: usize = core::mem::size_of::<usize>();

/// Slot and bucket sizes for a key and elem type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketLayout {
    /// Size of a key slot (8 when indirect).
    pub keysize: u8,
    /// Size of an elem slot (8 when indirect).
    pub elemsize: u8,
    /// Whole bucket, overflow pointer included.
    pub bucketsize: u16,
    /// Keys are stored behind pointers.
    pub indirect_key: bool,
    /// Elems are stored behind pointers.
    pub indirect_elem: bool,
}

impl BucketLayout {
    /// The indirect-key and indirect-elem flag bits of this layout.
    pub fn indirect_flags(&self) -> super::MapTypeFlags {
        let mut f = super::MapTypeFlags::empty();
        f.set(super::MapTypeFlags::INDIRECT_KEY, self.indirect_key);
        f.set(super::MapTypeFlags::INDIRECT_ELEM, self.indirect_elem);
        f
    }
}

/// Size of a bucket with the given slot sizes: tophash, keys, elems, overflow pointer.
pub const fn bucket_size(keysize: usize, elemsize: usize) -> usize {
    DATA_OFFSET + BUCKET_CNT * keysize + BUCKET_CNT * elemsize + PTR_SIZE
}

/// Lays out a bucket for `key` and `elem` as Go's compiler does, checking what
/// `MapBucketType` checks (alignments at most 8, sizes multiples of their alignment).
pub fn bucket_layout(key: &Type, elem: &Type) -> Result<BucketLayout, MapTypeError> {
    for (which, ty) in [(Which::Key, key), (Which::Elem, elem)] {
        if ty.align == 0 || !ty.align.is_power_of_two() {
            return Err(MapTypeError::AlignNotPowerOfTwo {
                which,
                align: ty.align,
            });
        }
        if ty.align as usize > BUCKET_CNT {
            return Err(MapTypeError::AlignTooBig {
                which,
                align: ty.align,
            });
        }
        if ty.size % ty.align as usize != 0 {
            return Err(MapTypeError::SizeNotMultipleOfAlign {
                which,
                size: ty.size,
                align: ty.align,
            });
        }
    }
    let indirect_key = key.size > MAX_KEY_SIZE;
    let indirect_elem = elem.size > MAX_ELEM_SIZE;
    let keysize = if indirect_key { PTR_SIZE } else { key.size };
    let elemsize = if indirect_elem { PTR_SIZE } else { elem.size };
    let bucketsize = bucket_size(keysize, elemsize);
    // With both slots at most 128 bytes the bucket is at most 8 + 2048 + 8 bytes, far
    // inside u16; the checked conversion documents the bound.
    let bucketsize = u16::try_from(bucketsize).map_err(|_| MapTypeError::TooLarge)?;
    Ok(BucketLayout {
        keysize: keysize as u8,
        elemsize: elemsize as u8,
        bucketsize,
        indirect_key,
        indirect_elem,
    })
}

// The largest bucket (two 128-byte slots) must fit the u16 `bucketsize`.
const _: () = assert!(bucket_size(MAX_KEY_SIZE, MAX_ELEM_SIZE) <= u16::MAX as usize);
