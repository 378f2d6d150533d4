//! A request-response codec: one borsh value per stream, prefixed by its length (u32 LE), with a
//! size limit checked before anything is allocated.

use borsh::{BorshDeserialize, BorshSerialize};
use libp2p::StreamProtocol;
use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use shulian_runtime::wire::{FRAME_PREFIX_BYTES, FrameError, decode_body, frame_len};
use std::io;
use std::marker::PhantomData;

/// Borsh frames for requests of type `Req` and responses of type `Resp`.
pub struct BorshCodec<Req, Resp> {
    max_request: usize,
    max_response: usize,
    _types: PhantomData<fn() -> (Req, Resp)>,
}

impl<Req, Resp> Clone for BorshCodec<Req, Resp> {
    fn clone(&self) -> Self {
        BorshCodec { max_request: self.max_request, max_response: self.max_response, _types: PhantomData }
    }
}

impl<Req, Resp> BorshCodec<Req, Resp> {
    /// A codec refusing requests over `max_request` bytes and responses over `max_response`.
    pub fn new(max_request: usize, max_response: usize) -> Self {
        BorshCodec { max_request, max_response, _types: PhantomData }
    }
}

fn invalid(e: FrameError) -> io::Error {
    let kind = match e {
        FrameError::Unencodable(_) => io::ErrorKind::InvalidInput,
        _ => io::ErrorKind::InvalidData,
    };
    io::Error::new(kind, e.to_string())
}

/// Reads one length-prefixed borsh value of at most `max` bytes (the length is checked with
/// [`frame_len`] before anything is allocated; the body is decoded with [`decode_body`], the same
/// functions the fuzz targets exercise).
pub async fn read_frame<T: BorshDeserialize, R: AsyncRead + Unpin + Send>(io: &mut R, max: usize) -> io::Result<T> {
    let mut prefix = [0u8; FRAME_PREFIX_BYTES];
    io.read_exact(&mut prefix).await?;
    let len = frame_len(prefix, max).map_err(invalid)?;
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    decode_body(&buf).map_err(invalid)
}

/// Encodes one length-prefixed borsh value, refusing one over `max` bytes.
pub fn encode_frame<T: BorshSerialize>(value: &T, max: usize) -> io::Result<Vec<u8>> {
    let frame = shulian_runtime::wire::encode_frame(value, max);
    frame.map_err(|e| match e {
        FrameError::TooLarge { .. } => io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
        e => invalid(e),
    })
}

/// Writes an encoded frame and closes the stream.
pub async fn write_frame<W: AsyncWrite + Unpin + Send>(io: &mut W, frame: Vec<u8>) -> io::Result<()> {
    io.write_all(&frame).await?;
    io.close().await
}

impl<Req, Resp> libp2p::request_response::Codec for BorshCodec<Req, Resp>
where
    Req: BorshSerialize + BorshDeserialize + Send + 'static,
    Resp: BorshSerialize + BorshDeserialize + Send + 'static,
{
    type Protocol = StreamProtocol;
    type Request = Req;
    type Response = Resp;

    async fn read_request<T: AsyncRead + Unpin + Send>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Req> {
        read_frame(io, self.max_request).await
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Resp> {
        read_frame(io, self.max_response).await
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Req,
    ) -> io::Result<()> {
        write_frame(io, encode_frame(&req, self.max_request)?).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        resp: Resp,
    ) -> io::Result<()> {
        write_frame(io, encode_frame(&resp, self.max_response)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libp2p::futures::executor::block_on;
    use libp2p::futures::io::Cursor;

    #[test]
    fn frame_roundtrip_and_limits() {
        let mut buf = Cursor::new(Vec::new());
        block_on(write_frame(&mut buf, encode_frame(&vec![1u8, 2, 3], 100).expect("encode"))).expect("write");
        assert!(encode_frame(&vec![0u8; 200], 100).is_err(), "oversized messages are not sent");
        let bytes = buf.into_inner();
        let v: Vec<u8> = block_on(read_frame(&mut Cursor::new(bytes.clone()), 100)).expect("read");
        assert_eq!(v, vec![1, 2, 3]);
        let too_big = block_on(read_frame::<Vec<u8>, _>(&mut Cursor::new(bytes), 3));
        assert_eq!(too_big.map_err(|e| e.kind()).err(), Some(io::ErrorKind::InvalidData));
        let mut huge = (u32::MAX).to_le_bytes().to_vec();
        huge.extend([0; 8]);
        assert!(block_on(read_frame::<Vec<u8>, _>(&mut Cursor::new(huge), 1 << 20)).is_err(), "no huge allocation");
        let garbage = [3u8, 0, 0, 0, 9, 9, 9];
        assert!(block_on(read_frame::<Vec<u64>, _>(&mut Cursor::new(garbage.to_vec()), 100)).is_err());
    }
}
