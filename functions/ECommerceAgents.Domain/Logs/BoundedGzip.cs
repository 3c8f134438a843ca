using System.IO.Compression;

namespace ECommerceAgents.Domain.Logs;

/// <summary>Why a payload could not be decompressed.</summary>
internal enum GzipFailure
{
    None,
    Corrupt,
    TooLarge,
}

/// <summary>
/// Gzip decompression with a hard cap on the output, read in small blocks: a gzip bomb (a few KB that inflate to
/// gigabytes) stops at the cap instead of exhausting memory, and corrupt input is a value, not an exception.
/// </summary>
internal static class BoundedGzip
{
    public static bool IsGzip(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 0x1f && data[1] == 0x8b;

    public static GzipFailure TryDecompress(ReadOnlyMemory<byte> compressed, int maxBytes, out byte[] output)
    {
        output = [];
        using var input = new ReadOnlyMemoryStream(compressed);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        // Grow as needed: most payloads inflate 5–15x, and the cap bounds the worst case.
        var buffer = new byte[Math.Clamp(compressed.Length * 8, 4096, maxBytes + 1)];
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes) return GzipFailure.TooLarge;
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
                }

                var read = gzip.Read(buffer, length, buffer.Length - length);
                if (read == 0) break;
                length += read;
                if (length > maxBytes) return GzipFailure.TooLarge;
            }
        }
        catch (InvalidDataException)
        {
            return GzipFailure.Corrupt;
        }
        catch (IOException)
        {
            return GzipFailure.Corrupt;
        }

        output = length == buffer.Length ? buffer : buffer.AsSpan(0, length).ToArray();
        return GzipFailure.None;
    }

    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => memory.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
