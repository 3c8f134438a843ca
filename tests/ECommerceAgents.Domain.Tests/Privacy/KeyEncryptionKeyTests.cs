using System.Security.Cryptography;
using ECommerceAgents.Domain.Privacy;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Privacy;

/// <summary>
/// Subjects' keys under a key-encryption key: the inner wrapper (KMS in AWS) is called once per key-encryption key and
/// function, not once per subject; every key still opens in another function, and a changed byte does not open.
/// </summary>
public sealed class KeyEncryptionKeyTests
{
    private static readonly TimeSpan Rotation = TimeSpan.FromHours(1);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly CountingWrapper _kms = new(IDataKeyWrapper.FromMasterKey(RandomNumberGenerator.GetBytes(32)));

    private IDataKeyWrapper Function() => IDataKeyWrapper.WithKeyEncryptionKeys(_kms, Rotation, _clock);

    [Fact]
    public async Task HundredSubjects_OneInnerGenerate_AndAnotherFunctionOpensAllWithOneInnerUnwrap()
    {
        var door = Function();
        var keys = new List<(byte[] Plain, byte[] Wrapped)>();
        for (var i = 0; i < 100; i++) keys.Add(await door.GenerateAsync(CancellationToken.None));

        Assert.Equal(1, _kms.Generates);
        Assert.Equal(100, keys.Select(k => Convert.ToHexString(k.Plain)).Distinct().Count());

        var reader = Function();
        foreach (var (plain, wrapped) in keys) Assert.Equal(plain, await reader.UnwrapAsync(wrapped, CancellationToken.None));
        Assert.Equal(1, _kms.Unwraps);
    }

    [Fact]
    public async Task AfterTheRotation_ANewKeyEncryptionKey_OldKeysStillOpen()
    {
        var door = Function();
        var before = await door.GenerateAsync(CancellationToken.None);
        _clock.Advance(Rotation + TimeSpan.FromSeconds(1));
        var after = await door.GenerateAsync(CancellationToken.None);

        Assert.Equal(2, _kms.Generates);
        var reader = Function();
        Assert.Equal(before.Plaintext, await reader.UnwrapAsync(before.Wrapped, CancellationToken.None));
        Assert.Equal(after.Plaintext, await reader.UnwrapAsync(after.Wrapped, CancellationToken.None));
        Assert.Equal(2, _kms.Unwraps);
    }

    [Fact]
    public async Task AChangedByte_DoesNotOpen_AndAKeyOfTheInnerWrapperAloneStillDoes()
    {
        var door = Function();
        var (_, wrapped) = await door.GenerateAsync(CancellationToken.None);
        var reader = Function();
        foreach (var at in new[] { wrapped.Length - 1, wrapped.Length - 30, 10 })
        {
            var changed = (byte[])wrapped.Clone();
            changed[at] ^= 0x01;
            await Assert.ThrowsAnyAsync<CryptographicException>(() => reader.UnwrapAsync(changed, CancellationToken.None));
        }

        // Keys wrapped before this layer existed: the inner wrapper's own format.
        var (plain, innerOnly) = await _kms.GenerateAsync(CancellationToken.None);
        Assert.Equal(plain, await reader.UnwrapAsync(innerOnly, CancellationToken.None));
    }

    /// <summary>The inner wrapper (KMS's stand-in here: the master key), with its calls counted.</summary>
    private sealed class CountingWrapper(IDataKeyWrapper inner) : IDataKeyWrapper
    {
        public int Generates;
        public int Unwraps;

        public Task<(byte[] Plaintext, byte[] Wrapped)> GenerateAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Generates);
            return inner.GenerateAsync(cancellationToken);
        }

        public Task<byte[]> UnwrapAsync(byte[] wrapped, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Unwraps);
            return inner.UnwrapAsync(wrapped, cancellationToken);
        }
    }
}
