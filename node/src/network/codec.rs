//! A request-response codec: one borsh value per stream, prefixed by its length (u32 LE), with a
//! size limit checked before anything is allocated.

use borsh::{BorshDeserialize, BorshSerialize};
use libp2p::StreamProtocol;
use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
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

/// Reads one length-prefixed borsh value of at most `max` bytes.
pub async fn read_frame<T: BorshDeserialize, R: AsyncRead + Unpin + Send>(io: &mut R, max: usize) -> io::Result<T> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_le_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("message of {len} bytes exceeds {max}")));
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    borsh::from_slice(&buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("undecodable message: {e}")))
}

/// Encodes one length-prefixed borsh value, refusing one over `max` bytes.
pub fn encode_frame<T: BorshSerialize>(value: &T, max: usize) -> io::Result<Vec<u8>> {
    let bytes = borsh::to_vec(value)?;
    if bytes.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("message of {} bytes exceeds {max}", bytes.len()),
        ));
    }
    let mut out = Vec::with_capacity(4 + bytes.len());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&bytes);
    Ok(out)
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
