namespace ECommerceAgents.Local.Benchmarks;

/// <summary>
/// The soak's throughput per window, from what StreamProcessor acknowledged (every write of the event done), not from
/// what the load loop sent: a pipeline falling behind a steady send rate shows as a falling processed rate.
/// </summary>
public static class SoakWindows
{
    /// <summary>Events acknowledged within each window [start, end), per second of that window.</summary>
    public static double[] ProcessedPerSecond(IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> windows, IEnumerable<(DateTimeOffset At, int Events)> acknowledged)
    {
        var counts = new long[windows.Count];
        foreach (var (at, events) in acknowledged)
        {
            for (var i = 0; i < windows.Count; i++)
            {
                if (at >= windows[i].Start && at < windows[i].End)
                {
                    counts[i] += events;
                    break;
                }
            }
        }

        return windows.Select((w, i) => (w.End - w.Start).TotalSeconds is var seconds and > 0 ? counts[i] / seconds : 0).ToArray();
    }

    /// <summary>The last window's rate against the first's, in percent; null when the first window processed nothing.</summary>
    public static double? DriftPercent(IReadOnlyList<double> perWindow) =>
        perWindow.Count == 0 || perWindow[0] <= 0 ? null : 100 * (perWindow[^1] - perWindow[0]) / perWindow[0];
}
