//! A byte stream cut into blocks of whole lines, in bounded memory, for answering block by block.
//!
//! See [`LineBlocks`], the module's one type.

use super::KEPT_LINE_BYTES;

/// Cuts a stream of lines into blocks of whole lines, in bounded memory, for answering block by block.
///
/// A reader of a request stream (`wmpolicy batch` on stdin; a replay of a log) gets bytes in chunks that end
/// anywhere. `LineBlocks` takes the chunks and gives back blocks that end at a line end, carrying the start of
/// an unfinished line to the next block. It does no I/O and starts no threads: the caller reads, and may answer
/// blocks on several threads, since a block needs nothing from the one before it.
///
/// # Bounded memory
///
/// A line longer than the reader keeps (for request lines, [`MAX_LINE_BYTES`](crate::batch::MAX_LINE_BYTES) and
/// a `\r`) is answered with an error whatever it says, so only its length matters. The start of an unfinished line
/// is carried only up to one byte more than is kept, and the rest of that line is dropped as it comes, up to its
/// `\n`; the block that ends it holds the cut head, which [`answer_lines`](crate::batch::answer_lines) answers as
/// too long. (A long line that starts and ends in one chunk goes into the block whole: it costs no more memory
/// than the chunk.)
/// So a block is at most a chunk and the carried line, and a stream of any length, with lines of any length, is
/// read in the memory of a chunk, the carried line and a block.
///
/// # Costs
///
/// Each byte is copied once, from the chunk into the block (a copy is some tens of gigabytes a second; answering
/// is some hundreds of megabytes), and each chunk is searched once from its end for its last `\n`.
///
/// ```
/// use workmail_policy::batch::LineBlocks;
///
/// let mut lines = LineBlocks::for_request_lines();
/// let mut block = Vec::new();
/// lines.push(b"{\"a\":1}\n{\"b\"", &mut block);
/// assert_eq!(block, b"{\"a\":1}\n");
/// block.clear();
/// lines.push(b":2}\n{\"c\":3}", &mut block);
/// assert_eq!(block, b"{\"b\":2}\n");
/// block.clear();
/// lines.finish(&mut block);
/// assert_eq!(block, b"{\"c\":3}", "the last line, without a newline, is still a line");
/// ```
#[derive(Debug, Clone)]
pub struct LineBlocks {
    /// The start of the line the stream is in the middle of.
    carry: Vec<u8>,
    /// `carry` is the cut head of a line too long to keep: drop the stream's bytes until the line's `\n`.
    dropping: bool,
    /// The most of a line kept; a longer line is cut to one byte more.
    longest: usize,
}

impl LineBlocks {
    /// Blocks whose lines are kept up to `longest` bytes (without their `\n`); a longer line may be cut short, but
    /// never to `longest` bytes or fewer, so that whoever reads the block can still tell that it was too long.
    /// Crate-private: [`answer_lines`](super::answer_lines) tells a cut line by the request-line limit, so a
    /// caller outside could cut lines that it would then answer as requests.
    pub(crate) fn new(longest: usize) -> LineBlocks {
        LineBlocks { carry: Vec::new(), dropping: false, longest }
    }

    /// Blocks of request lines, for [`answer_lines`](super::answer_lines): lines are kept up to
    /// [`MAX_LINE_BYTES`](super::MAX_LINE_BYTES) and a `\r`, as `wmpolicy batch` has always kept them.
    pub fn for_request_lines() -> LineBlocks {
        LineBlocks::new(KEPT_LINE_BYTES)
    }

    /// Takes the stream's next bytes, and appends to `block` every line they finish, each with its `\n`. What is
    /// left of the bytes after their last `\n` is kept for the next call.
    pub fn push(&mut self, bytes: &[u8], block: &mut Vec<u8>) {
        let mut bytes = bytes;
        if self.dropping {
            match bytes.iter().position(|&byte| byte == b'\n') {
                Some(end) => {
                    bytes = bytes.split_at(end).1;
                    self.dropping = false;
                }
                None => return,
            }
        }
        if let Some(last) = bytes.iter().rposition(|&byte| byte == b'\n') {
            let (lines, rest) = bytes.split_at(last + 1);
            block.extend_from_slice(&self.carry);
            block.extend_from_slice(lines);
            self.carry.clear();
            bytes = rest;
        }
        let room = self.longest.saturating_add(1).saturating_sub(self.carry.len());
        if bytes.len() > room {
            self.carry.extend_from_slice(bytes.split_at(room).0);
            self.dropping = true;
        } else {
            self.carry.extend_from_slice(bytes);
        }
        // A long line's head was cut; give back what the longest carry took rather than hold it for the stream.
        if self.carry.is_empty() && self.carry.capacity() > self.longest {
            self.carry = Vec::new();
        }
    }

    /// The stream has ended: appends its last line to `block` when the stream did not end with a `\n` (without a
    /// `\n` of its own, as [`answer_lines`](super::answer_lines) takes it). The blocks can be used for another stream.
    pub fn finish(&mut self, block: &mut Vec<u8>) {
        block.extend_from_slice(&self.carry);
        self.carry.clear();
        self.dropping = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocks of a stream delivered in chunks of `size` bytes, joined.
    fn cut(stream: &[u8], size: usize, longest: usize) -> Vec<u8> {
        let mut lines = LineBlocks::new(longest);
        let mut all = Vec::new();
        for chunk in stream.chunks(size) {
            let mut block = Vec::new();
            lines.push(chunk, &mut block);
            assert!(block.is_empty() || block.ends_with(b"\n"), "a block ends at a line end");
            assert!(lines.carry.len() <= longest + 1);
            all.extend_from_slice(&block);
        }
        lines.finish(&mut all);
        all
    }

    #[test]
    fn lines_come_out_whole_and_unchanged_however_the_stream_is_chunked() {
        let stream = b"one\ntwo\r\n\nthree\nfour";
        for size in 1..=stream.len() {
            assert_eq!(cut(stream, size, 10), stream, "chunks of {size}");
        }
        assert_eq!(cut(b"a\n", 1, 10), b"a\n", "a stream ending in a newline has no empty last line");
        assert_eq!(cut(b"", 1, 10), b"");
    }

    #[test]
    fn a_line_longer_than_kept_comes_out_longer_than_kept_and_perhaps_cut() {
        let stream: &[u8] = b"short\n0123456789abcdef\nexactly10!\n0123456789ab\n\n0123456789abcdefghijklmnopqrst";
        let lines: Vec<&[u8]> = stream.split(|&byte| byte == b'\n').collect();
        for size in 1..=stream.len() {
            let all = cut(stream, size, 10);
            let cut_lines: Vec<&[u8]> = all.split(|&byte| byte == b'\n').collect();
            assert_eq!(cut_lines.len(), lines.len(), "chunks of {size}");
            for (line, cut_line) in lines.iter().zip(&cut_lines) {
                if line.len() <= 10 {
                    assert_eq!(cut_line, line, "chunks of {size}");
                } else {
                    assert!(cut_line.len() > 10 && line.starts_with(cut_line), "chunks of {size}");
                }
            }
        }
        // Delivered a byte at a time, a long line is held only to one byte more than is kept.
        assert_eq!(cut(b"0123456789abc\nb", 1, 10), b"0123456789a\nb");
    }
}
