//! Kafka's framing: every request and response is a 4-byte big-endian size, then that
//! many bytes. [`FrameReader`] cuts a connection's byte stream into whole frames as bytes
//! arrive, in any pieces. A size that is negative or above `socket.request.max.bytes`
//! (104857600 by default) ends the connection, as Kafka's `NetworkReceive.readFrom`
//! throws `InvalidReceiveException` and `SocketServer` closes the channel. Invariant: the
//! reader never holds more than one frame's bytes plus one read's worth.

use bytes::{Buf, Bytes, BytesMut};

/// `socket.request.max.bytes` default (Kafka's `SocketServerConfigs`).
pub const SOCKET_REQUEST_MAX_BYTES: i32 = 104_857_600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidReceive(pub String);

#[derive(Debug)]
pub struct FrameReader {
    buffer: BytesMut,
    max_bytes: i32,
}

impl Default for FrameReader {
    fn default() -> Self {
        FrameReader::new(SOCKET_REQUEST_MAX_BYTES)
    }
}

impl FrameReader {
    pub fn new(max_bytes: i32) -> Self {
        FrameReader { buffer: BytesMut::new(), max_bytes }
    }

    /// Takes bytes as they came off the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame (without its size), `Ok(None)` until one has arrived, or the
    /// reason the connection must close (`NetworkReceive`'s words).
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, InvalidReceive> {
        if self.buffer.len() < 4 {
            return Ok(None);
        }
        let size = i32::from_be_bytes([self.buffer[0], self.buffer[1], self.buffer[2], self.buffer[3]]);
        if size < 0 {
            return Err(InvalidReceive(format!("Invalid receive (size = {size})")));
        }
        if size > self.max_bytes {
            return Err(InvalidReceive(format!(
                "Invalid receive (size = {size} larger than {})",
                self.max_bytes
            )));
        }
        let size = size as usize;
        if self.buffer.len() < 4 + size {
            // Not reserved ahead: a client that announces 100 MB and sends nothing holds
            // only what it sent.
            return Ok(None);
        }
        self.buffer.advance(4);
        Ok(Some(self.buffer.split_to(size).freeze()))
    }

    /// Bytes of an incomplete frame still held.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

/// `body` with its 4-byte size in front.
pub fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&(body.len() as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_cut_from_pieces_and_refused_sizes() {
        let mut r = FrameReader::default();
        let mut stream = framed(b"abc");
        stream.extend(framed(b""));
        stream.extend(framed(b"hello"));
        for b in &stream {
            r.push(std::slice::from_ref(b));
        }
        assert_eq!(r.next_frame().unwrap().as_deref(), Some(&b"abc"[..]));
        assert_eq!(r.next_frame().unwrap().as_deref(), Some(&b""[..]));
        assert_eq!(r.next_frame().unwrap().as_deref(), Some(&b"hello"[..]));
        assert_eq!(r.next_frame().unwrap(), None);
        // NetworkReceive: negative, and above socket.request.max.bytes, close the channel.
        let mut r = FrameReader::default();
        r.push(&(-1i32).to_be_bytes());
        assert_eq!(r.next_frame(), Err(InvalidReceive("Invalid receive (size = -1)".into())));
        let mut r = FrameReader::default();
        r.push(&104_857_601i32.to_be_bytes());
        assert!(r.next_frame().is_err());
        let mut r = FrameReader::default();
        r.push(&104_857_600i32.to_be_bytes());
        assert_eq!(r.next_frame(), Ok(None));
    }
}
