namespace ECommerceAgents.Local.Cost;

public enum CostKind
{
    /// <summary>Paid whether or not traffic flows (nodes, endpoints, schedules).</summary>
    Fixed,

    /// <summary>Proportional to events or requests.</summary>
    Variable,

    /// <summary>
    /// Grows with the rate in steps, not per event: paid per warm container or shard per hour (the KMS calls of the
    /// subjects' key-encryption keys), nothing when no traffic flows.
    /// </summary>
    Stepped,
}

/// <summary>One priced line: quantity × unit price, and how the quantity was derived.</summary>
public sealed record CostLine(string Service, string Item, CostKind Kind, double Quantity, string Unit, double Usd, string PriceKey, string Basis);

/// <summary>A month at a constant rate, or one run: every line, and the fixed and variable sums.</summary>
public sealed record CostEstimate(Workload Workload, CostStage Stage, IReadOnlyList<CostLine> Lines)
{
    public double FixedUsd => Lines.Where(l => l.Kind == CostKind.Fixed).Sum(l => l.Usd);

    public double VariableUsd => Lines.Where(l => l.Kind == CostKind.Variable).Sum(l => l.Usd);

    public double SteppedUsd => Lines.Where(l => l.Kind == CostKind.Stepped).Sum(l => l.Usd);

    public double TotalUsd => FixedUsd + VariableUsd + SteppedUsd;

    /// <summary>Sum of the lines of one service and kind.</summary>
    public double Usd(string service, CostKind? kind = null) =>
        Lines.Where(l => l.Service == service && (kind is null || l.Kind == kind)).Sum(l => l.Usd);

    /// <summary>Scales the lines; stepped lines are paid per hour, so they scale as the fixed ones do.</summary>
    public CostEstimate Scale(double fixedFactor, double variableFactor) => this with
    {
        Lines = [.. Lines.Select(l => l with
        {
            Quantity = l.Quantity * (l.Kind == CostKind.Variable ? variableFactor : fixedFactor),
            Usd = l.Usd * (l.Kind == CostKind.Variable ? variableFactor : fixedFactor),
        })],
    };
}

/// <summary>The price of one run: its events' variable cost plus the fixed costs for the run's duration.</summary>
public sealed record RunCost(long Events, TimeSpan Duration, CostEstimate Estimate)
{
    public double FixedUsd => Estimate.FixedUsd;

    public double VariableUsd => Estimate.VariableUsd;

    public double SteppedUsd => Estimate.SteppedUsd;

    public double TotalUsd => Estimate.TotalUsd;
}

/// <summary>
/// Monthly AWS cost of the platform at a given event rate, from published us-east-1 prices (<see cref="PriceTable"/>) and
/// our own measurements (<see cref="CostInputs"/>). A month is 730 hours, as AWS prices it; free tiers are ignored.
/// Variable lines are linear in the rate except where AWS tiers its price (API Gateway above 333 million requests) or
/// where Firehose's size buffer overtakes its time buffer.
/// </summary>
public sealed partial class CostModel(PriceTable prices, CostInputs inputs)
{
    public const double HoursPerMonth = 730;
    public const double SecondsPerMonth = HoursPerMonth * 3_600;
    private const double GiB = 1024.0 * 1024 * 1024;
    private const double DaysPerMonth = 365.0 / 12;

    public static CostModel Default { get; } = new(PriceTable.UsEast1, new CostInputs());

    public PriceTable Prices { get; } = prices;

    public CostInputs Inputs { get; } = inputs;

    /// <summary>The modelled AWS cost of a run of <paramref name="events"/> events over <paramref name="duration"/>, with the default prices and inputs.</summary>
    public static RunCost PriceRun(long events, TimeSpan duration, CostStage stage, int eventsPerRequest = 10) =>
        Default.Run(events, duration, stage, eventsPerRequest);

    public RunCost Run(long events, TimeSpan duration, CostStage stage, int eventsPerRequest = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(events);
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), duration, "A run lasts longer than zero.");

        // Price the month at the run's rate, then keep the run's share: its events of the variable lines, its time of the fixed.
        var share = duration.TotalSeconds / SecondsPerMonth;
        var rate = events / duration.TotalSeconds / eventsPerRequest;
        var month = Monthly(new Workload(rate, eventsPerRequest), stage);
        return new RunCost(events, duration, month.Scale(share, share));
    }

    public CostEstimate Monthly(Workload workload, CostStage stage)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentOutOfRangeException.ThrowIfNegative(workload.RequestsPerSecond);

        var month = new MonthLines(this, workload, stage);
        month.Streams();
        month.Compute();
        month.State();
        month.Front();
        month.Platform();
        month.Storage();
        month.Operations();
        return new CostEstimate(workload, stage, month.Lines);
    }

    /// <summary>A price that falls with volume: the first tier always appears, later ones only when reached.</summary>
    private static void AddTiered(List<CostLine> lines, double quantity, (string Item, double Size, Price Price)[] tiers)
    {
        var left = quantity;
        for (var t = 0; t < tiers.Length && (t == 0 || left > 0); t++)
        {
            var (item, size, price) = tiers[t];
            var inTier = Math.Min(left, size);
            lines.Add(new CostLine(price.Service, item, CostKind.Variable, inTier, "requests", inTier / 1_000_000 * price.Usd, price.Key, $"{price.Usd} {price.Unit}"));
            left -= inTier;
        }
    }

    private static double RoundUp(double bytes, int increment) => Math.Ceiling(bytes / increment) * increment;
}

public sealed partial class CostModel
{
    /// <summary>
    /// Provisioned shards: the stage's count, or more when the records/s or the bytes/s need them (a shard takes 1,000
    /// records/s and 1 MiB/s in, with 20 % headroom). With several events packed per record the bytes bind first.
    /// </summary>
    public static int KinesisShards(int configured, double recordsPerSecond, double bytesPerSecond = 0) =>
        Math.Max(configured, (int)Math.Ceiling(Math.Max(recordsPerSecond / 1_000, bytesPerSecond / 1_048_576) / 0.8));

    /// <summary>Provisioned units target tracking settles on: the average units/s over the target utilisation, within the bounds.</summary>
    public static double ProvisionedUnits(double averageUnitsPerSecond, double targetUtilization, int min, int max) =>
        Math.Clamp(Math.Ceiling(averageUnitsPerSecond / targetUtilization), min, max);

    /// <summary>Fargate tasks CPU target tracking keeps: enough vCPU at the target, at least the minimum, at most the maximum.</summary>
    public static int FargateTasks(double requestsPerSecond, double cpuSecondsPerRequest, CostContainer container)
    {
        ArgumentNullException.ThrowIfNull(container);
        var needed = (int)Math.Ceiling(requestsPerSecond * cpuSecondsPerRequest / (container.Vcpu * container.CpuTargetPercent / 100.0));
        return Math.Clamp(needed, container.MinTasks, container.MaxTasks);
    }

    /// <summary>ALB capacity units: the largest of new connections (25/s), processed bytes (1 GB/h); active connections and rule evaluations stay below.</summary>
    public static double AlbLcus(double requestsPerSecond, double newConnectionsPerRequest, double bytesPerRequest) =>
        Math.Max(requestsPerSecond * newConnectionsPerRequest / 25, requestsPerSecond * bytesPerRequest * 3_600 / 1e9);

    /// <summary>GB of dedup markers resident in Redis: events/s × residency × window × bytes per marker.</summary>
    public static double RedisDedupGb(double eventsPerSecond, CostInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return eventsPerSecond * inputs.RedisDedupResidency * inputs.DedupWindowHours * 3_600 * inputs.RedisDedupBytesPerMarker / 1e9;
    }
}
