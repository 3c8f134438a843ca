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
/// The quarantine zone: one JSON object per rejected record, keyed by its stream position under
/// <c>quarantine/reason=…/dt=…/hr=…/</c>, so a redelivered record overwrites its own copy. Each object holds the
/// exact original bytes (base64), a readable copy when they are UTF-8, every violation with its path, and the lineage.
/// </summary>
public sealed class S3Quarantine(IAmazonS3 s3, ResourceBindings names) : IQuarantine
{
    private readonly string _bucket = names.Bucket(Buckets.Quarantine);

    public static string KeyFor(QuarantineEntry entry) =>
        ZoneLayout.QuarantineKey(entry.Reason, entry.ArrivalTime, $"{entry.Source}-{entry.Position.ShardId}-{entry.Position.SequenceNumber}" + (entry.Position.SubSequence == 0 ? "" : $"-{entry.Position.SubSequence}"));

    public async Task PutAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        var record = QuarantineRecord.From(entry);
        var body = JsonSerializer.SerializeToUtf8Bytes(record, QuarantineJsonContext.Default.QuarantineRecord);
        using var stream = new MemoryStream(body);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = KeyFor(entry), InputStream = stream, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
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
