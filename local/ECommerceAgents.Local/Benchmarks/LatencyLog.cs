using System.Diagnostics;
using ECommerceAgents.Domain.Ingest;

namespace ECommerceAgents.Local.Benchmarks;

/// <summary>
/// Durations with the moment each ended, for a benchmark to split a request's latency by stage (<c>bench api</c>: the
/// time a request spends in the stream writer, and each PutRecords round trip to the stand-in). Thread-safe.
/// </summary>
internal sealed class LatencyLog
{
    private readonly Lock _gate = new();
    private readonly List<(long Ended, double Milliseconds)> _entries = new(1 << 16);

    public void Add(long started)
    {
        var ended = Stopwatch.GetTimestamp();
        var ms = Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds;
        lock (_gate) _entries.Add((ended, ms));
    }

    /// <summary>Drops every duration logged so far (those of a warm-up).</summary>
    public void Clear()
    {
        lock (_gate) _entries.Clear();
    }

    /// <summary>The durations that ended within [<paramref name="from"/>, <paramref name="to"/>] (Stopwatch timestamps), sorted; the rest are dropped.</summary>
    public double[] TakeSorted(long from, long to)
    {
        double[] taken;
        lock (_gate)
        {
            taken = _entries.Where(e => e.Ended >= from && e.Ended <= to).Select(e => e.Milliseconds).ToArray();
            _entries.Clear();
        }

        Array.Sort(taken);
        return taken;
    }

    /// <summary>The value at or below which a share <paramref name="p"/> of the sorted values lie (0 when empty).</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1))];

    /// <summary>Times each HTTP round trip it passes on.</summary>
    public sealed class TimingHandler(LatencyLog log, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
                return response;
            }
            finally
            {
                log.Add(started);
            }
        }
    }

    /// <summary>Times each request's wait in the stream writer: the queue for a free call, then the call.</summary>
    public sealed class TimedWriter(LatencyLog log, IEventStreamWriter inner) : IEventStreamWriter
    {
        public async Task<StreamWriteResult> WriteAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                return await inner.WriteAsync(events, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                log.Add(started);
            }
        }
    }
}
