using System.IO.Compression;
using System.Text;
using ECommerceAgents.Domain.Catalog;

namespace ECommerceAgents.Domain.Tests.Catalog;

public sealed class CheckedGzipStreamTests
{
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"SKU-{i},Title {i},{i}.99\n")));

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal)) gzip.Write(data);
        return buffer.ToArray();
    }

    private static byte[] ReadAll(byte[] compressed, GzipLimits? limits = null)
    {
        using var stream = new CheckedGzipStream(new MemoryStream(compressed), limits);
        using var output = new MemoryStream();
        stream.CopyTo(output, 4096);
        return output.ToArray();
    }

    [Fact]
    public void Read_WholeFile_SameBytes()
    {
        Assert.Equal(Text, ReadAll(Gzip(Text)));
    }

    [Fact]
    public void Read_CutAnywhere_InvalidData()
    {
        var whole = Gzip(Text);
        // Plain GZipStream returns a shorter text without an error for every one of these cuts.
        foreach (var cut in new[] { 0, 5, 17, whole.Length / 3, whole.Length / 2, whole.Length - 8, whole.Length - 4, whole.Length - 1 })
        {
            var ex = Assert.Throws<BadCompressedFileException>(() => ReadAll(whole[..cut]));
            Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_DamagedTrailer_OneFailureTypeWithOurMessage()
    {
        // zlib itself checks a trailer that is there; its error comes out as ours, so the importer has one type to catch.
        var damaged = Gzip(Text);
        damaged[^6] ^= 0x01;

        var ex = Assert.Throws<BadCompressedFileException>(() => ReadAll(damaged));
        Assert.StartsWith("the data is not valid gzip", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(ex.InnerException);
    }

    [Fact]
    public void Read_AfterFailure_ThrowsAgain()
    {
        using var stream = new CheckedGzipStream(new MemoryStream(Gzip(Text)[..100]));
        var buffer = new byte[1 << 20];
        var first = Assert.Throws<BadCompressedFileException>(() => { while (stream.Read(buffer) > 0) { } });

        Assert.Same(first, Assert.Throws<BadCompressedFileException>(() => stream.Read(buffer)));
    }

    [Fact]
    public void Read_TwoMembers_InvalidDataNamingThem()
    {
        var ex = Assert.Throws<BadCompressedFileException>(() => ReadAll([.. Gzip(Text), .. Gzip(Text)]));

        Assert.Contains("several gzip members", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExpandsPastRatio_StopsEarly()
    {
        var bomb = Gzip(new byte[8 << 20]);
        var limits = new GzipLimits { RatioCheckAfterBytes = 1 << 20, MaxExpansionRatio = 100 };
        using var stream = new CheckedGzipStream(new MemoryStream(bomb), limits);

        var ex = Assert.Throws<BadCompressedFileException>(() => stream.CopyTo(Stream.Null, 64 * 1024));
        Assert.Contains("gzip bomb", ex.Message, StringComparison.Ordinal);
        Assert.InRange(stream.DecompressedBytes, 1 << 20, 2 << 20);
    }

    [Fact]
    public void Read_OrdinaryTextPastRatioCheck_Accepted()
    {
        Assert.Equal(Text.Length, ReadAll(Gzip(Text), new GzipLimits { RatioCheckAfterBytes = 1024, MaxExpansionRatio = 100 }).Length);
    }

    [Fact]
    public void Read_PastAbsoluteLimit_InvalidData()
    {
        Assert.Throws<BadCompressedFileException>(() => ReadAll(Gzip(Text), new GzipLimits { MaxDecompressedBytes = 1000 }));
    }
}
