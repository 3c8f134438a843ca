using System.Text.Json;
using System.Text.Json.Serialization;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Domain.Quality;

/// <summary>Seed 003's data-quality thresholds.</summary>
public sealed record QualityThresholds
{
    /// <summary>Completeness must stay above this (percent).</summary>
    public double MinCompletenessPercent { get; init; } = 95;

    /// <summary>Processing latency (arrival → processed) must stay below this.</summary>
    public TimeSpan MaxProcessingLatency { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Error rate must stay below this (percent).</summary>
    public double MaxErrorRatePercent { get; init; } = 1;

    /// <summary>Freshness (the newest data's age when it reached the warehouse) must stay below this.</summary>
    public TimeSpan MaxFreshness { get; init; } = TimeSpan.FromHours(1);

    public static QualityThresholds Seed { get; } = new();
}

public sealed record QualityCheck(string Name, double Value, string Comparison, double Threshold, bool Passed, string Unit);

/// <summary>
/// The quality of one partition's load, written as JSON next to the partition (<c>quality/type=/dt=/hr=/report.json</c>)
/// and emitted as EMF metrics. Definitions:
/// <list type="bullet">
/// <item><b>completeness</b>: the lower of record completeness (rows in the warehouse ÷ unique valid events in the
/// enriched partition) and field completeness (analytic fields present ÷ expected, see <see cref="RequiredFields"/>);</item>
/// <item><b>validity</b>: enriched lines that parse and belong to the partition ÷ all lines;</item>
/// <item><b>error rate</b>: records of this type and event hour rejected anywhere (quarantined at ingest, or invalid
/// here) ÷ all records of this type and event hour;</item>
/// <item><b>processing latency</b>: p95 of arrival → processed in StreamProcessor;</item>
/// <item><b>freshness</b>: the report's time minus the newest arrival among the partition's events, i.e. how old the newest
/// data was when it reached the warehouse.</item>
/// </list>
/// </summary>
public sealed record QualityReport
{
    public required string Type { get; init; }

    public required string Dt { get; init; }

    public required string Hr { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    public int Objects { get; init; }

    public int Lines { get; init; }

    public int ValidUnique { get; init; }

    public int Loaded { get; init; }

    public int DuplicatesWithin { get; init; }

    public int DuplicatesAcross { get; init; }

    public required IReadOnlyDictionary<string, int> InvalidByReason { get; init; }

    /// <summary>Records of this type whose event time falls in this hour and that StreamProcessor quarantined, by reason.</summary>
    public required IReadOnlyDictionary<string, int> RejectedAtIngestByReason { get; init; }

    public double RecordCompletenessPercent { get; init; }

    public double FieldCompletenessPercent { get; init; }

    public double CompletenessPercent { get; init; }

    public double ValidityPercent { get; init; }

    public double ErrorRatePercent { get; init; }

    public double ProcessingLatencyP95Ms { get; init; }

    public double FreshnessSeconds { get; init; }

    public required IReadOnlyList<QualityCheck> Checks { get; init; }

    public bool Passed => Checks.All(c => c.Passed);

    internal static QualityReport Evaluate(CompactionResult compaction, int loaded, IReadOnlyDictionary<string, int> rejectedAtIngest, DateTimeOffset now, QualityThresholds? thresholds = null)
    {
        thresholds ??= QualityThresholds.Seed;
        var unique = compaction.Events.Count;
        var record = unique == 0 ? 100 : Math.Min(100, 100.0 * loaded / unique);
        var field = compaction.FieldsExpected == 0 ? 100 : 100.0 * compaction.FieldsPresent / compaction.FieldsExpected;
        var completeness = Math.Min(record, field);
        var invalid = compaction.Invalid.Count;
        var validity = compaction.Lines == 0 ? 100 : 100.0 * (compaction.Lines - invalid) / compaction.Lines;
        var rejected = rejectedAtIngest.Values.Sum();
        var denominator = compaction.Lines - compaction.DuplicatesWithin + rejected;
        var errorRate = denominator <= 0 ? 0 : 100.0 * (invalid + rejected) / denominator;
        var lags = compaction.ProcessingLagMs.Order().ToArray();
        var p95 = lags.Length == 0 ? 0 : lags[Math.Min(lags.Length - 1, (int)Math.Ceiling(lags.Length * 0.95) - 1)];
        var freshness = compaction.NewestArrival is { } newest ? Math.Max(0, (now - newest).TotalSeconds) : 0;
        return new QualityReport
        {
            Type = compaction.Partition.Type,
            Dt = compaction.Partition.Dt,
            Hr = compaction.Partition.Hr,
            GeneratedAt = now,
            Objects = compaction.Objects,
            Lines = compaction.Lines,
            ValidUnique = unique,
            Loaded = loaded,
            DuplicatesWithin = compaction.DuplicatesWithin,
            DuplicatesAcross = compaction.DuplicatesAcross,
            InvalidByReason = compaction.Invalid.GroupBy(i => i.Reason).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            RejectedAtIngestByReason = rejectedAtIngest,
            RecordCompletenessPercent = Round(record),
            FieldCompletenessPercent = Round(field),
            CompletenessPercent = Round(completeness),
            ValidityPercent = Round(validity),
            ErrorRatePercent = Round(errorRate),
            ProcessingLatencyP95Ms = Math.Round(p95, 1),
            FreshnessSeconds = Math.Round(freshness, 1),
            Checks =
            [
                new("completeness", Round(completeness), ">", thresholds.MinCompletenessPercent, completeness > thresholds.MinCompletenessPercent, "Percent"),
                new("processingLatency", Math.Round(p95 / 1000, 3), "<", thresholds.MaxProcessingLatency.TotalSeconds, p95 < thresholds.MaxProcessingLatency.TotalMilliseconds, "Seconds"),
                new("errorRate", Round(errorRate), "<", thresholds.MaxErrorRatePercent, errorRate < thresholds.MaxErrorRatePercent, "Percent"),
                new("freshness", Math.Round(freshness, 1), "<", thresholds.MaxFreshness.TotalSeconds, freshness < thresholds.MaxFreshness.TotalSeconds, "Seconds"),
            ],
        };
    }

    private static double Round(double v) => Math.Round(v, 3);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, QualityJsonContext.Default.QualityReport);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(QualityReport))]
internal sealed partial class QualityJsonContext : JsonSerializerContext;
