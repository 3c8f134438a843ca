using System.Diagnostics;

namespace ECommerceAgents.Local.Stack.Latency;

/// <summary>
/// When each store had a call in flight, as the latency proxies saw it: from a request's arrival to the last byte of
/// its answer handed back. A benchmark turns it into the wall-clock time of a window spent waiting on each store
/// (overlapping calls to one store count once).
/// </summary>
public sealed class StoreActivity
{
    private readonly Lock _gate = new();
    private readonly Dictionary<AwsStore, List<Span>> _spans = new();

    /// <summary>One connection's current span: widened while calls follow each other without an answer in between.</summary>
    internal sealed class Span(long start)
    {
        public long Start { get; set; } = start;

        public long End { get; set; } = start;
    }

    internal Span Open(AwsStore store, long start)
    {
        var span = new Span(start);
        lock (_gate)
        {
            if (!_spans.TryGetValue(store, out var list)) _spans[store] = list = [];
            list.Add(span);
        }

        return span;
    }

    internal void Extend(Span span, long end)
    {
        lock (_gate) span.End = Math.Max(span.End, end);
    }

    public void Clear()
    {
        lock (_gate) _spans.Clear();
    }

    /// <summary>Milliseconds of [<paramref name="from"/>, <paramref name="to"/>] (Stopwatch timestamps) with a call to <paramref name="store"/> in flight; null: any store.</summary>
    public double BusyMilliseconds(long from, long to, AwsStore? store = null)
    {
        List<(long Start, long End)> spans;
        lock (_gate)
        {
            spans = _spans.Where(s => store is null || s.Key == store).SelectMany(s => s.Value)
                .Select(s => (Math.Max(s.Start, from), Math.Min(s.End, to))).Where(s => s.Item2 > s.Item1).ToList();
        }

        spans.Sort((a, b) => a.Start.CompareTo(b.Start));
        long busy = 0, coveredTo = from;
        foreach (var (start, end) in spans)
        {
            var s = Math.Max(start, coveredTo);
            if (end > s) busy += end - s;
            coveredTo = Math.Max(coveredTo, end);
        }

        return busy * 1000.0 / Stopwatch.Frequency;
    }
}
