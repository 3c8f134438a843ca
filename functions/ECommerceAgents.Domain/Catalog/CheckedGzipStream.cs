using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace ECommerceAgents.Domain.Catalog;

/// <summary>A compressed upload that cannot be read: corrupt, truncated, or expanding past <see cref="GzipLimits"/>.</summary>
internal sealed class BadCompressedFileException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>Bounds on what a compressed upload may expand to.</summary>
internal sealed record GzipLimits
{
    /// <summary>Past <see cref="RatioCheckAfterBytes"/>, more than this many decompressed bytes per compressed byte is a bomb.
    /// Catalog CSV and JSON Lines compress 4–20×; a file of zeros compresses about 1000×.</summary>
    public int MaxExpansionRatio { get; init; } = 100;

    public long RatioCheckAfterBytes { get; init; } = 64L << 20;

    /// <summary>No catalog file is larger than this decompressed, whatever its ratio.</summary>
    public long MaxDecompressedBytes { get; init; } = 16L << 30;
}

/// <summary>
/// Decompresses a gzip file and checks it the way <c>gzip -t</c> does, which <see cref="GZipStream"/> alone does not:
/// zlib checks a member's trailer when it is there, but .NET returns end-of-stream, without an error, on a file cut
/// short (inside the deflate data or the trailer), so a truncated upload would import as a smaller, complete-looking
/// catalog. At the end this stream compares the file's last eight bytes (CRC-32 and length of the decompressed data,
/// RFC 1952 §2.3.1) with what it decompressed, and it stops an upload that expands past <see cref="GzipLimits"/>. Every
/// failure, corrupt deflate data included, is a <see cref="BadCompressedFileException"/>, and every read after one
/// throws it again. A multi-member file (<c>cat a.gz b.gz</c>) fails the check, since the last trailer covers the last
/// member only; it is rejected with a message that says so.
/// </summary>
internal sealed class CheckedGzipStream : ReadOnlyStream
{
    private readonly CountingStream _compressed;
    private readonly GZipStream _gzip;
    private readonly GzipLimits _limits;
    private readonly Crc32 _crc = new();
    private long _decompressed;
    private bool _ended;
    private BadCompressedFileException? _failure;

    public CheckedGzipStream(Stream compressed, GzipLimits? limits = null)
    {
        _compressed = new CountingStream(compressed);
        _gzip = new GZipStream(_compressed, CompressionMode.Decompress);
        _limits = limits ?? new GzipLimits();
    }

    public long DecompressedBytes => _decompressed;

    public override int Read(Span<byte> buffer)
    {
        if (_failure is not null) throw _failure;
        if (_ended || buffer.Length == 0) return 0;
        int n;
        try
        {
            n = _gzip.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            throw Fail("the data is not valid gzip (" + ex.Message.TrimEnd('.') + ")", ex);
        }

        if (n == 0)
        {
            End();
            return 0;
        }

        _crc.Append(buffer[..n]);
        _decompressed += n;
        if (_decompressed > _limits.MaxDecompressedBytes)
        {
            throw Fail($"the file expands past {_limits.MaxDecompressedBytes >> 20} MiB decompressed");
        }

        if (_decompressed > _limits.RatioCheckAfterBytes && _decompressed > (long)_limits.MaxExpansionRatio * Math.Max(1, _compressed.BytesRead))
        {
            throw Fail($"the file expands more than {_limits.MaxExpansionRatio}× ({_decompressed >> 20} MiB from {_compressed.BytesRead >> 10} KiB so far): a gzip bomb, not a catalog");
        }

        return n;
    }

    private BadCompressedFileException Fail(string message, Exception? inner = null) => _failure = new BadCompressedFileException(message, inner);

    private void End()
    {
        _compressed.Drain();
        if (_compressed.BytesRead < 18) throw Fail("the gzip data is truncated (shorter than a gzip header and trailer)");
        var tail = _compressed.LastEight;
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]);
        if (crc != _crc.GetCurrentHashAsUInt32() || size != (uint)_decompressed)
        {
            throw Fail("the gzip data is truncated: its last eight bytes are not the trailer of the data (a file of several gzip members is not supported either; recompress it as one)");
        }

        _ended = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Counts the compressed bytes read and keeps the last eight (the gzip trailer once the file is read).</summary>
    private sealed class CountingStream(Stream inner) : ReadOnlyStream
    {
        private readonly byte[] _last = new byte[8];

        public long BytesRead { get; private set; }

        public ReadOnlySpan<byte> LastEight
        {
            get
            {
                // _last is a ring indexed by BytesRead; unroll it into file order.
                var ordered = new byte[8];
                for (var i = 0; i < 8; i++) ordered[i] = _last[(BytesRead + i) % 8];
                return ordered;
            }
        }

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            var skip = Math.Max(0, n - 8);
            BytesRead += skip;
            foreach (var b in buffer[skip..n])
            {
                _last[BytesRead % 8] = b;
                BytesRead++;
            }

            return n;
        }

        /// <summary>Reads what the decompressor left unread, so the last eight bytes are the file's.</summary>
        public void Drain()
        {
            var buffer = new byte[8192];
            while (Read(buffer) > 0)
            {
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
