using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Cost;

public sealed partial class CostModel
{
    /// <summary>S3 transitions no object under 128 KB by default (S3 user guide, "Transitioning objects using Amazon S3 Lifecycle").</summary>
    public const double MinimumTransitionBytes = 128 * 1024;

    /// <summary>A zone's month of data and objects, and the lifecycle the CDK gives its bucket (<see cref="Buckets"/>).</summary>
    private sealed record S3Zone(string Name, double GbPerMonth, double ObjectsPerMonth, double SizeDrivenObjects, Lifecycle Lifecycle)
    {
        /// <summary>Mean object size; below <see cref="MinimumTransitionBytes"/> the lifecycle moves nothing and the zone stays in Standard.</summary>
        public bool Transitions => ObjectsPerMonth + SizeDrivenObjects > 0 && GbPerMonth * GiB / (ObjectsPerMonth + SizeDrivenObjects) >= MinimumTransitionBytes;

        /// <summary>The storage classes an object passes through, in order, with the day it enters each; Standard from day 0.</summary>
        public IEnumerable<(double Day, string Class)> Classes()
        {
            yield return (0, "Standard");
            if (!Transitions) yield break;
            var steps = new List<(double Day, string Class)>();
            if (Lifecycle.InfrequentAccessAfterDays is { } ia) steps.Add((ia, "Standard-IA"));
            if (Lifecycle.GlacierInstantAfterDays is { } instant) steps.Add((instant, "Glacier Instant Retrieval"));
            if (Lifecycle.GlacierAfterDays is { } glacier) steps.Add((glacier, "Glacier"));
            foreach (var step in steps.OrderBy(s => s.Day)) yield return step;
        }
    }

    private void AddS3(List<CostLine> lines, Workload workload, double valid, double events, double flushesPerMonth, double bufferBytes, double enrichedObjects)
    {
        var p = Prices;
        var i = Inputs;
        void Add(string item, CostKind kind, double quantity, string unit, Price price, double unitsPerPrice, string basis) =>
            lines.Add(new CostLine(price.Service, item, kind, quantity, unit, quantity / unitsPerPrice * price.Usd, price.Key, basis));

        // Objects: Firehose writes one per buffer flush (per partition for the enriched zone); BatchLoader one Parquet file per type and hour.
        var rawObjectsBySize = events * workload.EventBytes / bufferBytes;
        var sizeDriven = Math.Max(0, rawObjectsBySize - flushesPerMonth);
        var parquetFiles = i.EnrichedActivePartitions * HoursPerMonth * i.BatchLoadsPerHour;
        S3Zone[] zones =
        [
            new("raw", events * workload.EventBytes / i.GzipRatio / GiB, flushesPerMonth, sizeDriven, Buckets.Raw.Lifecycle),
            new("enriched", valid * i.EnrichedRecordBytes / i.GzipRatio / GiB, enrichedObjects, 0, Buckets.Enriched.Lifecycle),
            new("Parquet", valid * i.ParquetBytesPerEvent / GiB, parquetFiles, 0, Buckets.Processed.Lifecycle),
        ];

        // Storage in month N of operation: each zone's last N months of data, split by the class it sits in.
        var horizon = i.StorageHorizonMonths * DaysPerMonth;
        var gbMonths = new Dictionary<string, double>(StringComparer.Ordinal) { ["Standard"] = 0, ["Standard-IA"] = 0, ["Glacier Instant Retrieval"] = 0, ["Glacier"] = 0 };
        var transitions = new Dictionary<string, (double Fixed, double SizeDriven)>(StringComparer.Ordinal);
        foreach (var zone in zones)
        {
            var end = Math.Min(horizon, zone.Lifecycle.ExpireAfterDays ?? double.PositiveInfinity);
            var classes = zone.Classes().ToArray();
            for (var c = 0; c < classes.Length; c++)
            {
                var from = Math.Min(classes[c].Day, end);
                var to = c + 1 < classes.Length ? Math.Min(classes[c + 1].Day, end) : end;
                gbMonths[classes[c].Class] += zone.GbPerMonth * (to - from) / DaysPerMonth;
                if (c > 0 && classes[c].Day < end)
                {
                    var (f, s) = transitions.GetValueOrDefault(classes[c].Class);
                    transitions[classes[c].Class] = (f + zone.ObjectsPerMonth, s + zone.SizeDrivenObjects);
                }
            }
        }

        var basis = $"month {i.StorageHorizonMonths:0}: {string.Join(", ", zones.Select(Describe))}; GZIP {i.GzipRatio}:1";
        Add("Standard storage", CostKind.Variable, gbMonths["Standard"], "GB-month", p.S3StandardGbMonth, 1, basis);
        Add("Standard-IA storage", CostKind.Variable, gbMonths["Standard-IA"], "GB-month", p.S3StandardIaGbMonth, 1, basis);
        Add("Glacier Instant Retrieval storage", CostKind.Variable, gbMonths["Glacier Instant Retrieval"], "GB-month", p.S3GlacierInstantGbMonth, 1, basis);
        if (gbMonths["Glacier"] > 0) Add("Glacier storage", CostKind.Variable, gbMonths["Glacier"], "GB-month", p.S3GlacierGbMonth, 1, basis);

        var fixedObjects = zones.Sum(z => z.ObjectsPerMonth);
        Add("PUT requests", CostKind.Fixed, fixedObjects, "requests", p.S3PutPer1k, 1_000, "one object per Firehose buffer (raw; enriched per partition) + Parquet files");
        Add("GET requests", CostKind.Fixed, enrichedObjects + parquetFiles, "requests", p.S3GetPer1k, 1_000, "BatchLoader reads each enriched object; COPY reads each Parquet file");
        foreach (var (name, price) in new (string, Price)[] { ("Standard-IA", p.S3TransitionIaPer1k), ("Glacier Instant Retrieval", p.S3TransitionGlacierInstantPer1k), ("Glacier", p.S3TransitionGlacierPer1k) })
        {
            if (!transitions.TryGetValue(name, out var count)) continue;
            var zonesIn = string.Join(", ", zones.Where(z => z.Classes().Any(c => c.Class == name)).Select(z => z.Name));
            Add($"Transitions to {name}", CostKind.Fixed, count.Fixed, "transitions", price, 1_000, $"each {zonesIn} object once (objects under 128 KB are not transitioned)");
            if (count.SizeDriven > 0) Add($"Transitions to {name} (size-driven)", CostKind.Variable, count.SizeDriven, "transitions", price, 1_000, "raw objects beyond the time-driven count");
        }

        if (sizeDriven > 0)
        {
            Add("PUT requests (size-driven)", CostKind.Variable, sizeDriven, "requests", p.S3PutPer1k, 1_000, $"the raw buffer fills {i.FirehoseBufferMb} MB before {i.FirehoseBufferSeconds} s");
        }

        static string Describe(S3Zone z)
        {
            var steps = z.Classes().Skip(1).Select(c => $"{c.Class} {c.Day:0} d").ToList();
            if (z.Lifecycle.ExpireAfterDays is { } days) steps.Add($"expiry {days} d");
            return $"{z.Name} ({(steps.Count == 0 ? "Standard" : string.Join(", ", steps))}{(z.Transitions ? "" : "; objects under 128 KB stay in Standard")})";
        }
    }
}
