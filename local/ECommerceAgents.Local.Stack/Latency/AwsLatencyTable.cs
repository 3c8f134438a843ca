namespace ECommerceAgents.Local.Stack.Latency;

/// <summary>The store a simulated call goes to, for the per-store split of a batch's time.</summary>
public enum AwsStore
{
    DynamoDb,
    Kinesis,
    Firehose,
    S3,
    Redis,
    Secrets,
}

/// <summary>
/// One row of the latency table: a kind of call, its store, and the p50 and p99 issue 19 fixes for it. Samples come
/// from the log-normal through the two percentiles (<see cref="LogNormal.FromPercentiles"/>).
/// </summary>
public sealed record AwsCall(string Name, AwsStore Store, double P50Milliseconds, double P99Milliseconds)
{
    public LogNormal Distribution { get; } = LogNormal.FromPercentiles(P50Milliseconds, P99Milliseconds);
}

/// <summary>
/// The AWS latency table of issue 19, in one place: the simulation's proxies, the README and the tests read it from
/// here. AWS publishes few percentiles, so the issue fixes these figures to keep the target from moving.
/// </summary>
public static class AwsLatencyTable
{
    public static AwsCall DynamoDbItem { get; } = new("DynamoDB single-item read or write", AwsStore.DynamoDb, 5, 15);

    public static AwsCall DynamoDbBatch { get; } = new("DynamoDB BatchWriteItem / BatchGetItem (25 items)", AwsStore.DynamoDb, 10, 30);

    public static AwsCall KinesisPutRecords { get; } = new("Kinesis PutRecords (up to 500 records)", AwsStore.Kinesis, 30, 100);

    public static AwsCall FirehosePutRecordBatch { get; } = new("Firehose PutRecordBatch", AwsStore.Firehose, 40, 150);

    public static AwsCall S3PutObject { get; } = new("S3 PutObject (small)", AwsStore.S3, 40, 200);

    public static AwsCall S3GetObject { get; } = new("S3 GetObject (small)", AwsStore.S3, 30, 150);

    public static AwsCall ElastiCache { get; } = new("ElastiCache command or pipeline", AwsStore.Redis, 0.5, 2);

    /// <summary>In the table for completeness: the local stack serves no SSM, KMS or Secrets Manager (settings are environment variables).</summary>
    public static AwsCall SecretsAndKeys { get; } = new("SSM, KMS, Secrets Manager", AwsStore.Secrets, 10, 50);

    public static IReadOnlyList<AwsCall> All { get; } =
        [DynamoDbItem, DynamoDbBatch, KinesisPutRecords, FirehosePutRecordBatch, S3PutObject, S3GetObject, ElastiCache, SecretsAndKeys];
}

/// <summary>
/// A log-normal distribution of milliseconds: ln X ~ N(mu, sigma²). Fitted through a p50 and a p99 as
/// mu = ln p50 and sigma = (ln p99 − ln p50) / z₀.₉₉, with z₀.₉₉ = 2.3263 the standard normal's 99th percentile.
/// </summary>
public readonly record struct LogNormal(double Mu, double Sigma)
{
    /// <summary>The standard normal's 99th percentile.</summary>
    public const double Z99 = 2.3263478740408408;

    public static LogNormal FromPercentiles(double p50, double p99)
    {
        if (p50 <= 0 || p99 < p50) throw new ArgumentOutOfRangeException(nameof(p99), "Needs 0 < p50 <= p99.");
        return new LogNormal(Math.Log(p50), (Math.Log(p99) - Math.Log(p50)) / Z99);
    }

    /// <summary>The value at quantile z (in standard deviations): exp(mu + sigma·z).</summary>
    public double AtZ(double z) => Math.Exp(Mu + (Sigma * z));

    /// <summary>One sample, from a standard normal drawn by Box–Muller from <paramref name="random"/>.</summary>
    public double Sample(Random random)
    {
        var u1 = 1.0 - random.NextDouble(); // (0, 1]: ln(0) is not drawn
        var u2 = random.NextDouble();
        return AtZ(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}

/// <summary>
/// Draws delays for calls, one seeded random source per row of the table, so that with the same seed the n-th call of
/// a kind always gets the same delay whatever the other kinds did in between.
/// </summary>
public sealed class LatencySampler(int seed)
{
    private readonly Dictionary<AwsCall, Random> _sources = new();
    private readonly Lock _gate = new();

    public int Seed { get; } = seed;

    public TimeSpan Next(AwsCall call)
    {
        lock (_gate)
        {
            if (!_sources.TryGetValue(call, out var random))
            {
                random = new Random(unchecked((Seed * 31) + StableIndex(call)));
                _sources[call] = random;
            }

            return TimeSpan.FromMilliseconds(call.Distribution.Sample(random));
        }
    }

    // Not HashCode.Combine, which is seeded per process: the row's index in the table keeps runs reproducible.
    private static int StableIndex(AwsCall call)
    {
        var index = -1;
        for (var i = 0; i < AwsLatencyTable.All.Count; i++) if (ReferenceEquals(AwsLatencyTable.All[i], call)) index = i;
        return index;
    }
}
