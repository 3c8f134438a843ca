using System.Security.Cryptography;
using System.Text;

namespace ECommerceAgents.Domain.Batch;

/// <summary>An object in a zone, as a listing shows it.</summary>
public sealed record ZoneObject(string Key, string ETag, long Size, DateTimeOffset LastModified);

/// <summary>The enriched objects of one partition and a digest of them (keys, ETags, sizes): it changes when an object arrives, is rewritten or goes.</summary>
internal sealed record PartitionListing(PartitionId Partition, IReadOnlyList<ZoneObject> Objects)
{
    public string Digest { get; } = DigestOf(Objects);

    public static string DigestOf(IEnumerable<ZoneObject> objects)
    {
        var text = string.Join("\n", objects.Select(o => $"{o.Key}|{o.ETag.Trim('"')}|{o.Size}").Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }
}

/// <summary>What the watermark table records for a processed partition.</summary>
public sealed record PartitionWatermark(PartitionId Partition, string Digest, int Objects, int Events, DateTimeOffset ProcessedAt);

/// <summary>How a run chooses its partitions.</summary>
public abstract record BatchScope
{
    private protected BatchScope()
    {
    }

    /// <summary>A trigger (crawler success or schedule): the hours inside the lateness window that have closed.</summary>
    public static BatchScope Recent(DateTimeOffset now) => new RecentHours(now);

    /// <summary>An explicit backfill: every partition of the day (or of one hour), whatever its age.</summary>
    public static BatchScope Day(string dt, string? hr = null) => new WholeDay(dt, hr);

    internal sealed record RecentHours(DateTimeOffset Now) : BatchScope;

    internal sealed record WholeDay(string Dt, string? Hr) : BatchScope;
}

public sealed record BatchOptions
{
    /// <summary>Hours back from now whose partitions a trigger re-checks for late events (ECA_LATENESS_HOURS).</summary>
    public int LatenessHours { get; init; } = 6;

    /// <summary>Minutes after an hour ends before a trigger loads it, so Firehose's buffers have flushed (ECA_SETTLE_MINUTES).</summary>
    public int SettleMinutes { get; init; } = 5;

    /// <summary>The currency of reported revenue (ECA_REPORTING_CURRENCY).</summary>
    public string ReportingCurrency { get; init; } = "EUR";
}

internal sealed record BatchPlan(IReadOnlyList<PartitionListing> Pending, IReadOnlyList<PartitionId> UpToDate, IReadOnlyList<PartitionId> BeyondWindow, IReadOnlyList<PartitionId> Open);

/// <summary>
/// Decides what a run loads: every partition in scope whose enriched objects differ from its watermark (new, late or
/// rewritten objects). A trigger looks at the closed hours of the lateness window only; partitions older than that which
/// changed (events later than the window) are reported, not loaded, until a backfill (<see cref="BatchScope.Day"/>) of their day.
/// </summary>
internal static class PartitionPlanner
{
    /// <summary>The dates a scope needs listed.</summary>
    public static IReadOnlyList<string> DatesToList(BatchScope scope, BatchOptions options) => scope switch
    {
        BatchScope.WholeDay d => [d.Dt],
        BatchScope.RecentHours r => Enumerable.Range(0, options.LatenessHours + 2)
            .Select(h => PartitionId.At("x", r.Now.AddHours(-h)).Dt).Distinct().Order(StringComparer.Ordinal).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    public static BatchPlan Plan(BatchScope scope, BatchOptions options, IEnumerable<PartitionListing> listings, IReadOnlyDictionary<PartitionId, PartitionWatermark> watermarks)
    {
        var pending = new List<PartitionListing>();
        var upToDate = new List<PartitionId>();
        var beyond = new List<PartitionId>();
        var open = new List<PartitionId>();
        foreach (var listing in listings.OrderBy(l => l.Partition))
        {
            var p = listing.Partition;
            var changed = !watermarks.TryGetValue(p, out var wm) || wm.Digest != listing.Digest;
            switch (scope)
            {
                case BatchScope.WholeDay d when d.Hr is { } hr && p.Hr != hr:
                    continue;
                case BatchScope.WholeDay:
                    if (changed) pending.Add(listing);
                    else upToDate.Add(p);
                    break;
                case BatchScope.RecentHours r:
                    var windowStart = Floor(r.Now).AddHours(-options.LatenessHours);
                    if (p.Hour < windowStart)
                    {
                        if (changed) beyond.Add(p);
                        else upToDate.Add(p);
                    }
                    else if (p.Hour.AddHours(1).AddMinutes(options.SettleMinutes) > r.Now)
                    {
                        open.Add(p);
                    }
                    else if (changed)
                    {
                        pending.Add(listing);
                    }
                    else
                    {
                        upToDate.Add(p);
                    }

                    break;
            }
        }

        return new BatchPlan(pending, upToDate, beyond, open);
    }

    private static DateTimeOffset Floor(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
}
