using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Validation;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Adapters.S3;

/// <summary>
/// The quarantine zone: a micro-batch's rejected records of one reason and arrival hour in one JSON-lines object, keyed
/// by the first record's stream position under <c>quarantine/reason=…/dt=…/hr=…/</c>, so a redelivered micro-batch
/// overwrites its own copy (<see cref="ZoneLayout.QuarantineRecords"/> reads it back). Each line holds a record's exact
/// original bytes (base64), a readable copy when they are UTF-8, every violation with its path, and the lineage.
/// </summary>
public sealed class S3Quarantine(IAmazonS3 s3, ResourceBindings names) : IQuarantine
{
    private readonly string _bucket = names.Bucket(Buckets.Quarantine);

    /// <summary>The object of a group of entries: named by the first one's source and stream position.</summary>
    public static string KeyFor(QuarantineEntry first)
    {
        ArgumentNullException.ThrowIfNull(first);
        return ZoneLayout.QuarantineBatchKey(first.Reason, first.ArrivalTime,
            $"{first.Source}-{first.Position.ShardId}-{first.Position.SequenceNumber}" + (first.Position.SubSequence == 0 ? "" : $"-{first.Position.SubSequence}"));
    }

    public async Task PutAsync(IReadOnlyList<QuarantineEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0) return;
        var body = ZoneLayout.QuarantineBody(entries.Select(e => (ReadOnlyMemory<byte>)JsonSerializer.SerializeToUtf8Bytes(QuarantineRecord.From(e), QuarantineJsonContext.Default.QuarantineRecord)));
        using var stream = new MemoryStream(body);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = KeyFor(entries[0]), InputStream = stream, ContentType = "application/x-ndjson" }, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// A quarantined record as stored (the quarantine's JSON format, not another model of a rejected event: it is built
/// from <see cref="QuarantineEntry"/>, whose <see cref="RejectedEvent"/> says why): self-describing, with everything redrive needs. It holds nothing that changes
/// between deliveries (the object's LastModified says when), so a redelivery rewrites the same bytes.
/// </summary>
public sealed record QuarantineRecord
{
    public required string Reason { get; init; }

    public required IReadOnlyList<Violation> Violations { get; init; }

    public required string PayloadBase64 { get; init; }

    /// <summary>The payload as text, when it is valid UTF-8 (for people reading the quarantine).</summary>
    public string? PayloadText { get; init; }

    public string? EventId { get; init; }

    public string? Schema { get; init; }

    public required string PartitionKey { get; init; }

    public required string ShardId { get; init; }

    public required string SequenceNumber { get; init; }

    /// <summary>The event's place in its Kinesis record, when the record carries several (absent for the first).</summary>
    public int? SubSequenceNumber { get; init; }

    public required string Source { get; init; }

    public DateTimeOffset ArrivalTime { get; init; }

    public required string PipelineVersion { get; init; }

    public static QuarantineRecord From(QuarantineEntry e)
    {
        var payload = e.Record.Data.Span;
        return new QuarantineRecord
        {
            Reason = e.Reason,
            Violations = e.Rejection.Violations,
            PayloadBase64 = Convert.ToBase64String(payload),
            PayloadText = System.Text.Unicode.Utf8.IsValid(payload) && payload.Length <= 256 * 1024 ? System.Text.Encoding.UTF8.GetString(payload) : null,
            EventId = e.Rejection.EventId,
            Schema = e.Rejection.Schema,
            PartitionKey = e.Record.PartitionKey,
            ShardId = e.Position.ShardId,
            SequenceNumber = e.Position.SequenceNumber,
            SubSequenceNumber = e.Position.SubSequence == 0 ? null : e.Position.SubSequence,
            Source = e.Source,
            ArrivalTime = e.ArrivalTime,
            PipelineVersion = e.PipelineVersion,
        };
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QuarantineRecord))]
public sealed partial class QuarantineJsonContext : JsonSerializerContext;
