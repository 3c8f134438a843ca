namespace ECommerceAgents.Local.Demo;

/// <summary>
/// Accept → write latency as issue 16 defines it: from the API's 202 to the store's acknowledgement of the event's last
/// write (StreamProcessor's dedup marker, written after every other write of the event).
/// </summary>
public static class AcceptToWriteLatency
{
    /// <summary>
    /// Per event in both maps: its first acknowledgement minus its first 202, as nearest-rank p50/p95/p99. Events the
    /// API accepted but no batch acknowledged are not in the figure; the reconciliation counts those.
    /// </summary>
    public static DemoLatency Compute(IReadOnlyDictionary<string, DateTimeOffset> accepted, IReadOnlyDictionary<string, DateTimeOffset> acknowledged)
    {
        var latencies = new List<double>(accepted.Count);
        foreach (var (id, at) in accepted)
        {
            if (acknowledged.TryGetValue(id, out var written)) latencies.Add((written - at).TotalMilliseconds);
        }

        latencies.Sort();
        double At(double p) => latencies.Count == 0 ? 0 : Math.Round(latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)], 1);
        return new DemoLatency(latencies.Count, At(0.50), At(0.95), At(0.99));
    }
}
