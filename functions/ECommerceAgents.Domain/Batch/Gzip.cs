using System.IO.Compression;

namespace ECommerceAgents.Domain.Batch;

/// <summary>GZIP helpers for the Firehose-written zones (raw archive, enriched).</summary>
public static class Gzip
{
    public static byte[] Decompress(byte[] body)
    {
        if (body.Length < 2 || body[0] != 0x1f || body[1] != 0x8b) return body;
        using var input = new MemoryStream(body);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream(body.Length * 6);
        gzip.CopyTo(output);
        return output.ToArray();
    }

    public static byte[] Compress(ReadOnlySpan<byte> body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return output.ToArray();
    }

    /// <summary>Splits newline-delimited content into lines (without the newline), skipping empty ones.</summary>
    public static List<ReadOnlyMemory<byte>> Lines(ReadOnlyMemory<byte> body)
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        while (body.Length > 0)
        {
            var end = body.Span.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? ReadOnlyMemory<byte>.Empty : body[(end + 1)..];
            if (!line.Span.Trim((byte)'\r').IsEmpty) lines.Add(line);
        }

        return lines;
    }

    public static byte[] JoinLines(IEnumerable<ReadOnlyMemory<byte>> lines)
    {
        using var output = new MemoryStream();
        foreach (var l in lines)
        {
            output.Write(l.Span);
            output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }
}
