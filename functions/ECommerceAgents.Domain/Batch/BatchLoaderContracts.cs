using System.Text.Json;
using ECommerceAgents.Domain.Quality;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Domain.Batch;

/// <summary>The stores the batch layer works on: the four zones, its own state, and where the rows go.</summary>
public sealed record BatchPorts(
    IObjectStore Raw, IObjectStore Quarantine, IObjectStore Enriched, IObjectStore Processed,
    IWatermarkStore Watermarks, ITombstoneStore Tombstones,
    IParquetCodec Parquet, IWarehouse Warehouse)
{
    /// <summary>
    /// Adds a partition the batch wrote to the data catalog (Glue in AWS): the catalog table
    /// (<see cref="ZoneLayout.CatalogEventsTable"/>, <see cref="ZoneLayout.CatalogOrderLinesTable"/>), the partition and its
    /// folder. A partition already there counts as registered (a retried load registers again). Null: nothing is registered
    /// (locally there is no Glue; stages with hourly crawlers leave it to them).
    /// </summary>
    public Func<string, PartitionId, string, CancellationToken, Task>? RegisterPartition { get; init; }

    /// <summary>
    /// The subjects' data keys: erasure deletes the user's and its linked anonymous ids' keys (crypto-shredding), so
    /// every sealed copy of their personal fields (stream, raw archive and Glacier, quarantine, backups) stops opening.
    /// Null where no key wrapping is configured.
    /// </summary>
    public Privacy.SubjectKeyring? Keys { get; init; }

    /// <summary>
    /// The privacy requests, their audit, what DynamoDB holds per user and where exports go: with all four, a run moves
    /// erasure requests to done and builds pending exports. Null where the function is not given them.
    /// </summary>
    public PrivacyPorts? Privacy { get; init; }
}

/// <summary>What the batch layer needs to complete data subjects' requests (see <see cref="BatchPorts.Privacy"/>).</summary>
public sealed record PrivacyPorts(IPrivacyRequests Requests, IAuditLog Audit, IUserDataExport Users, IObjectStore Exports);

/// <summary>Milliseconds spent in each phase of a partition's load.</summary>
public sealed record PhaseTimings
{
    public double ReadMs { get; set; }

    public double CompactMs { get; set; }

    public double ParquetMs { get; set; }

    public double WarehouseMs { get; set; }

    public double QualityMs { get; set; }

    public double TotalMs { get; set; }

    public void Add(PhaseTimings o)
    {
        ReadMs += o.ReadMs;
        CompactMs += o.CompactMs;
        ParquetMs += o.ParquetMs;
        WarehouseMs += o.WarehouseMs;
        QualityMs += o.QualityMs;
        TotalMs += o.TotalMs;
    }
}

public sealed record PartitionOutcome(PartitionId Partition, QualityReport Report, PhaseTimings Timings, bool Skipped = false, string? SkipReason = null);

/// <summary>What a run did.</summary>
/// <param name="Remaining">Pending partitions this run left for the next invocation (fan-out).</param>
/// <param name="UpToDate">How many partitions needed nothing.</param>
public sealed record BatchRunResult(
    IReadOnlyList<PartitionOutcome> Loaded, IReadOnlyList<PartitionId> Remaining, IReadOnlyList<PartitionId> BeyondWindow,
    IReadOnlyList<string> SearchOutboxKeys, int UpToDate = 0, ErasureOutcome? Erasure = null);

/// <summary>An enriched line the batch rejected, as kept in the quarantine (with the original bytes).</summary>
internal sealed record BatchQuarantineRecord(string Reason, string Detail, string ObjectKey, int LineNumber, string PayloadBase64, string? PayloadText, string Source);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(BatchQuarantineRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(BatchRunSummary))]
internal sealed partial class BatchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>The JSON a BatchLoader invocation answers with.</summary>
public sealed record BatchRunSummary
{
    public required string Outcome { get; init; }

    public string? Reason { get; init; }

    public IReadOnlyList<string> Loaded { get; init; } = [];

    public IReadOnlyList<string> Remaining { get; init; } = [];

    public IReadOnlyList<string> BeyondWindow { get; init; } = [];

    public int UpToDate { get; init; }

    public int Events { get; init; }

    public bool QualityPassed { get; init; } = true;

    public int TombstonesApplied { get; init; }

    public int RecordsErased { get; init; }

    public bool FannedOut { get; init; }

    public IReadOnlyList<PartitionSummary> Partitions { get; init; } = [];

    public IReadOnlyList<string> SearchOutbox { get; init; } = [];
}

/// <summary>One loaded partition in an invocation's answer.</summary>
public sealed record PartitionSummary(string Partition, int Events, int Lines, int Invalid, int Duplicates, double Completeness, double ErrorRate, double FreshnessSeconds, double ProcessingLatencyP95Ms, bool QualityPassed, PhaseTimings Timings);
