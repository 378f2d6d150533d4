//! A request-response codec: one borsh value per stream, prefixed by its length (u32 LE), with a
//! size limit checked before anything is allocated: the protocol's limit on the prefix, then, for
//! requests with per-type caps, the cap of the type named by the body's first byte (a borsh enum
//! tag), read before the rest of the body is allocated; likewise for responses with per-type caps.

use super::stats::NetStats;
use borsh::{BorshDeserialize, BorshSerialize};
use libp2p::StreamProtocol;
use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use shulian_runtime::wire::{FRAME_PREFIX_BYTES, FrameError, decode_body, frame_len};
use std::io;
use std::marker::PhantomData;
use std::sync::Arc;

/// The cap of a request body given its first byte (the borsh enum tag of its type).
pub type TagCaps = Arc<dyn Fn(u8) -> usize + Send + Sync>;

/// Borsh frames for requests of type `Req` and responses of type `Resp`.
pub struct BorshCodec<Req, Resp> {
    max_request: usize,
    max_response: usize,
    request_caps: Option<TagCaps>,
    response_caps: Option<TagCaps>,
    refused: Option<Arc<NetStats>>,
    _types: PhantomData<fn() -> (Req, Resp)>,
}

impl<Req, Resp> Clone for BorshCodec<Req, Resp> {
    fn clone(&self) -> Self {
        BorshCodec {
            max_request: self.max_request,
            max_response: self.max_response,
            request_caps: self.request_caps.clone(),
            response_caps: self.response_caps.clone(),
            refused: self.refused.clone(),
            _types: PhantomData,
        }
    }
}

impl<Req, Resp> BorshCodec<Req, Resp> {
    /// A codec refusing requests over `max_request` bytes and responses over `max_response`.
    pub fn new(max_request: usize, max_response: usize) -> Self {
        BorshCodec {
            max_request,
            max_response,
            request_caps: None,
            response_caps: None,
            refused: None,
            _types: PhantomData,
        }
    }

    /// Also refuses a request whose body is longer than `caps(first body byte)`, checked before
    /// the rest of the body is allocated.
    pub fn with_request_caps(mut self, caps: TagCaps) -> Self {
        self.request_caps = Some(caps);
        self
    }

    /// Also refuses a response whose body is longer than `caps(first body byte)`, checked before
    /// the rest of the body is allocated.
    pub fn with_response_caps(mut self, caps: TagCaps) -> Self {
        self.response_caps = Some(caps);
        self
    }

    /// Counts every request refused as too large or undecodable in `stats.messages_refused`
    /// (libp2p reports no event for a request that fails to read).
    pub fn with_refusals_counted(mut self, stats: Arc<NetStats>) -> Self {
        self.refused = Some(stats);
        self
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

/// [`read_frame`] with a second cap chosen by the body's first byte: the frame's length is
/// checked against `max`, then its first byte is read and the length checked against
/// `caps(first byte)`, and only then is the body allocated.
pub async fn read_capped_frame<T: BorshDeserialize, R: AsyncRead + Unpin + Send>(
    io: &mut R,
    max: usize,
    caps: &(dyn Fn(u8) -> usize + Send + Sync),
) -> io::Result<T> {
    let mut prefix = [0u8; FRAME_PREFIX_BYTES];
    io.read_exact(&mut prefix).await?;
    let len = frame_len(prefix, max).map_err(invalid)?;
    if len == 0 {
        return decode_body(&[]).map_err(invalid);
    }
    let mut first = [0u8; 1];
    io.read_exact(&mut first).await?;
    let cap = caps(first[0]);
    if len > cap {
        return Err(invalid(FrameError::TooLarge { len, max: cap }));
    }
    let mut buf = vec![0u8; len];
    buf[0] = first[0];
    io.read_exact(&mut buf[1..]).await?;
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
        let read = match &self.request_caps {
            Some(caps) => read_capped_frame(io, self.max_request, caps.as_ref()).await,
            None => read_frame(io, self.max_request).await,
        };
        if let (Err(e), Some(stats)) = (&read, &self.refused)
            && e.kind() == io::ErrorKind::InvalidData
        {
            super::stats::add(&stats.messages_refused, 1);
        }
        read
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Resp> {
        match &self.response_caps {
            Some(caps) => read_capped_frame(io, self.max_response, caps.as_ref()).await,
            None => read_frame(io, self.max_response).await,
        }
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

    #[test]
    fn a_message_over_its_types_cap_is_refused_before_its_body_is_read() {
        use shulian_runtime::wire::{MAX_SMALL_MESSAGE_BYTES, WireMsg, max_body_bytes};
        let caps = |t: u8| max_body_bytes(t, 1 << 20);
        let small = WireMsg::Txs(vec![vec![7; 100]]);
        let frame = encode_frame(&small, 1 << 24).expect("encode");
        let read: WireMsg = block_on(read_capped_frame(&mut Cursor::new(frame), 1 << 24, &caps)).expect("read");
        assert_eq!(read, small);
        // A "vote" (tag 2) announcing 64 KiB: refused after the tag byte, with no body behind it.
        let mut fake_vote = ((MAX_SMALL_MESSAGE_BYTES + 1) as u32).to_le_bytes().to_vec();
        fake_vote.push(2);
        let err = block_on(read_capped_frame::<WireMsg, _>(&mut Cursor::new(fake_vote), 1 << 24, &caps));
        assert_eq!(err.map_err(|e| e.kind()).err(), Some(io::ErrorKind::InvalidData));
        // Relayed transactions over their cap, though under the frame limit.
        let big = WireMsg::Txs(vec![vec![7; 60 * 1024]; 20]);
        let frame = encode_frame(&big, 1 << 24).expect("encode");
        assert!(block_on(read_capped_frame::<WireMsg, _>(&mut Cursor::new(frame), 1 << 24, &caps)).is_err());
    }
}
