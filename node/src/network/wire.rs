//! Everything validators send each other, in borsh. The types and the frame format are defined in
//! `shulian_runtime::wire` (pure, no I/O) so that the fuzz targets in `fuzz/` decode exactly what
//! the node decodes without building its network and storage stack; this module re-exports them
//! under their historical path.

pub use shulian_runtime::wire::*;
