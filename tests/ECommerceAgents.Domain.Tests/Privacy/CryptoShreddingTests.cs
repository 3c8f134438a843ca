using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Tests.Processing.Fakes;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Privacy;

/// <summary>
/// The door seals personal fields under the subject's data key; readers open them byte-exact while the key exists,
/// and find nothing once it is deleted. Pseudonyms are per subject; clear keys live in a warm function for a bounded time.
/// </summary>
public sealed class CryptoShreddingTests
{
    private const string Email = "ann.shopper@example.com";
    private const string Ip = "198.51.100.77";
    private readonly FakeTimeProvider _clock = new(EventBuilder.Now.AddMinutes(5));
    private readonly InMemorySubjectKeyStore _store = new();
    private readonly IDataKeyWrapper _wrapper = IDataKeyWrapper.FromMasterKey(RandomNumberGenerator.GetBytes(32));
    private readonly SubjectKeyring _keyring;

    public CryptoShreddingTests() => _keyring = Keyring();

    private SubjectKeyring Keyring(TimeSpan? lifetime = null) =>
        new(_store, _wrapper, lifetime ?? TimeSpan.FromMinutes(5), 1000, _clock);

    private static byte[] Event(string userId, string query = "gift for " + Email)
    {
        var node = EventBuilder.Search(query).Node();
        node["userId"] = userId;
        node["context"] = new JsonObject { ["ip"] = Ip, ["email"] = Email, ["deviceId"] = "dev-" + userId, ["locale"] = "en-GB" };
        return EventBuilder.Bytes(node);
    }

    /// <summary>The event as the door sends it to the stream, and its record before sealing.</summary>
    private async Task<(AcceptedEvent Sealed, string Clear)> SealAsync(byte[] body, SubjectKeyring? keyring = null)
    {
        var validator = new IngestValidator(new EventParser(SchemaRegistry.Default, _clock));
        var accepted = Assert.Single(validator.Validate(body, new IngestLineage("api", _clock.GetUtcNow(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "r")).Accepted);
        var sealedEvent = Assert.Single(await new DoorEncryption(keyring ?? _keyring).ProtectAsync([accepted], CancellationToken.None));
        return (sealedEvent, Encoding.UTF8.GetString(accepted.Record));
    }

    private async Task<string> OpenAsync(byte[] record, SubjectKeyring keyring)
    {
        var decryption = new RecordDecryption(keyring);
        var input = new RecordBuilder().Next(record);
        await decryption.PrepareAsync([input], CancellationToken.None);
        return Encoding.UTF8.GetString(decryption.Open(input.Data.Span, out _));
    }

    [Fact]
    public async Task Door_SealsEveryPersonalField_ReadersOpenThemByteExact()
    {
        var (e, clearRecord) = await SealAsync(Event("u-shred-1"));

        var stored = Encoding.UTF8.GetString(e.Record);
        foreach (var clear in new[] { Email, Ip, "\"u-shred-1\"", "dev-u-shred-1", "gift for" }) Assert.DoesNotContain(clear, stored, StringComparison.Ordinal);
        Assert.Contains("\"en-GB\"", stored, StringComparison.Ordinal); // not personal: left in clear
        Assert.StartsWith("user:", e.PartitionKey, StringComparison.Ordinal);
        Assert.DoesNotContain("u-shred-1", e.PartitionKey, StringComparison.Ordinal);
        Assert.Equal(clearRecord, await OpenAsync(e.Record, Keyring()));
    }

    [Fact]
    public async Task Shred_ThatSubjectsRecordsLoseTheirPersonalFields_AnotherSubjectsStillOpen()
    {
        var (erased, _) = await SealAsync(Event("u-erased"));
        var (kept, keptClear) = await SealAsync(Event("u-kept"));

        Assert.True(await _keyring.ShredAsync("user:u-erased", CancellationToken.None));

        var cold = Keyring();
        var opened = JsonNode.Parse(await OpenAsync(erased.Record, cold))!;
        Assert.Null(opened["userId"]);
        Assert.Null(opened["context"]!["email"]);
        Assert.Null(opened["context"]!["ip"]);
        Assert.Null(opened["data"]!["query"]);
        Assert.Equal("en-GB", opened["context"]!["locale"]!.GetValue<string>());
        Assert.Equal(keptClear, await OpenAsync(kept.Record, cold));
    }

    [Fact]
    public async Task Pseudonyms_DifferPerSubject_AndStopLinkingAfterAShred()
    {
        var first = await _keyring.ForSubjectAsync("user:a", CancellationToken.None);
        var second = await _keyring.ForSubjectAsync("user:b", CancellationToken.None);

        Assert.Equal(first.Pseudonym("email", Email), first.Pseudonym("email", " " + Email.ToUpperInvariant()));
        Assert.NotEqual(first.Pseudonym("email", Email), second.Pseudonym("email", Email));

        var before = first.Pseudonym("email", Email);
        await _keyring.ShredAsync("user:a", CancellationToken.None);
        var renewed = await _keyring.ForSubjectAsync("user:a", CancellationToken.None);
        Assert.NotEqual(first.KeyId, renewed.KeyId);
        Assert.NotEqual(before, renewed.Pseudonym("email", Email));
    }

    [Fact]
    public async Task WarmCache_ServesWithinItsLifetime_ThenSeesTheShredOfAnotherFunction()
    {
        var (e, _) = await SealAsync(Event("u-cached"));
        var reader = Keyring();
        await OpenAsync(e.Record, reader);
        await Keyring().ShredAsync("user:u-cached", CancellationToken.None); // another function erases
        var reads = _store.Reads;
        Assert.Contains(Email, await OpenAsync(e.Record, reader), StringComparison.Ordinal); // within the lifetime: still cached
        Assert.Equal(reads, _store.Reads);

        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(Email, await OpenAsync(e.Record, reader), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneRequest_ManyFields_EveryNonceFresh_EveryRecordOpens()
    {
        // 20 identical events of one subject in one request: their values are sealed with nonces drawn many at a time
        // (several draws for this many fields), and no two ciphertexts, nor two nonces, may be equal.
        var validator = new IngestValidator(new EventParser(SchemaRegistry.Default, _clock));
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 20).Select(_ => Encoding.UTF8.GetString(Event("u-nonces")))) + "]");
        var accepted = validator.Validate(body, new IngestLineage("api", _clock.GetUtcNow(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "r")).Accepted;
        Assert.Equal(20, accepted.Count);

        var sealedEvents = await new DoorEncryption(_keyring).ProtectAsync(accepted, CancellationToken.None);

        var values = sealedEvents.SelectMany(e => SealedValues(Encoding.UTF8.GetString(e.Record))).ToList();
        Assert.True(values.Count >= 20 * 4, $"{values.Count} sealed values");
        Assert.Equal(values.Count, values.Distinct(StringComparer.Ordinal).Count());
        var nonces = values.Select(v => Convert.ToHexString(Base64Url.DecodeFromChars(v.AsSpan(v.LastIndexOf('.') + 1))[..12])).ToList();
        Assert.Equal(nonces.Count, nonces.Distinct(StringComparer.Ordinal).Count());
        for (var i = 0; i < accepted.Count; i++) Assert.Equal(Encoding.UTF8.GetString(accepted[i].Record), await OpenAsync(sealedEvents[i].Record, Keyring()));
    }

    private static IEnumerable<string> SealedValues(string record) =>
        System.Text.RegularExpressions.Regex.Matches(record, "\"(e1\\.[^\"]+)\"").Select(m => m.Groups[1].Value);

    [Fact]
    public async Task ManyEventsOfOneSubject_OneKeyCreated_OneUnwrap()
    {
        for (var i = 0; i < 50; i++) await SealAsync(Event("u-many"));

        Assert.Single(_store.Keys);
        Assert.Equal(1, _keyring.Unwraps);
    }

    [Fact]
    public async Task SealedValue_MovedToAnotherField_DoesNotOpen()
    {
        var (e, _) = await SealAsync(Event("u-move"));
        var node = JsonNode.Parse(e.Record)!;
        node["context"]!["deviceId"] = node["context"]!["email"]!.GetValue<string>();

        var opened = JsonNode.Parse(await OpenAsync(EventBuilder.Bytes(node), Keyring()))!;

        Assert.StartsWith("e1.", opened["context"]!["deviceId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(Email, opened["context"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task StreamProcessor_OpensSealedRecords_WritesPerSubjectPseudonymsOnly()
    {
        var (e, _) = await SealAsync(Event("u-stream"));
        var enriched = new InMemoryEnrichedSink();
        var quarantine = new InMemoryQuarantine();
        var state = new InMemoryStateStore();
        using var service = new StreamProcessorService("test-key-0123456789abcdef", state, state, enriched, quarantine, new InMemoryRealtime(), new InMemoryJournal(),
            new ProcessorOptions { CursorWriteAttempts = 1 }, _clock, Keyring());

        var outcome = await service.ProcessAsync([new RecordBuilder().Next(e.Record, e.PartitionKey)], CancellationToken.None);

        Assert.Equal(1, outcome.Valid);
        var line = Assert.Single(enriched.Records);
        Assert.DoesNotContain(Email, line, StringComparison.Ordinal);
        Assert.DoesNotContain(Ip, line, StringComparison.Ordinal);
        var key = await _keyring.ForSubjectAsync("user:u-stream", CancellationToken.None);
        Assert.Equal(key.Pseudonym("email", Email), JsonNode.Parse(line)!["context"]!["emailHash"]!.GetValue<string>());
        Assert.True(state.Subjects.ContainsKey("u-stream"));
    }

    /// <summary>What redrive does: checks a quarantined record opened, then puts its exact sealed bytes back.</summary>
    [Fact]
    public async Task OpenAsync_OneRecord_OpensWhileTheKeyExists_FieldsGoneAfterTheShred()
    {
        var (e, clearRecord) = await SealAsync(Event("u-redrive"));

        Assert.Equal(clearRecord, Encoding.UTF8.GetString(await Keyring().OpenAsync(e.Record, CancellationToken.None)));
        await _keyring.ShredAsync("user:u-redrive", CancellationToken.None);
        var opened = JsonNode.Parse(await Keyring().OpenAsync(e.Record, CancellationToken.None))!;
        Assert.Null(opened["userId"]);
        Assert.Null(opened["context"]!["email"]);
    }
}
