using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ECommerceAgents.Local.Stack.Latency;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of one local server that makes each call take at least an AWS-like time. The
/// bytes pass unchanged both ways. A request goes to the server at once; its answer is handed back no earlier than
/// the request's arrival plus a delay drawn for its kind of call, so the emulator's own time hides under the simulated
/// one (an emulator slower than the draw shows through).
/// </summary>
public sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _targetPort;
    private readonly Func<IRequestFraming> _framing;
    private readonly LatencySampler _sampler;
    private readonly StoreActivity? _activity;
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;

    /// <param name="framing">A new request framing for each connection (HTTP or RESP).</param>
    /// <param name="activity">Where to record each store's calls in flight (benchmarks); null records nothing.</param>
    public LatencyProxy(int targetPort, Func<IRequestFraming> framing, LatencySampler sampler, StoreActivity? activity = null)
    {
        _targetPort = targetPort;
        _framing = framing;
        _sampler = sampler;
        _activity = activity;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public int TargetPort => _targetPort;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        client.NoDelay = true;
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        lock (_open) _open.Add(client);
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token).ConfigureAwait(false);
            var connection = new Connection(this);

            // When one direction fails, both sockets close, so the other direction's read ends too.
            async Task Guard(Task pump)
            {
                try
                {
                    await pump.ConfigureAwait(false);
                }
                catch
                {
                    client.Dispose();
                    upstream.Dispose();
                    throw;
                }
            }

            await Task.WhenAll(Guard(connection.RequestsAsync(client, upstream)), Guard(connection.AnswersAsync(upstream, client))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or InvalidDataException or FormatException or OverflowException)
        {
            // The server is down (refused), a side hung up, a client sent what is not HTTP, or the proxy stops: the connection ends.
        }
        finally
        {
            lock (_open) _open.Remove(client);
            client.Dispose();
        }
    }

    /// <summary>One client connection: requests forwarded as they come, answers held until their call's time is up.</summary>
    private sealed class Connection(LatencyProxy proxy)
    {
        private readonly IRequestFraming _framing = proxy._framing();
        private readonly Lock _gate = new();
        private long _due; // Stopwatch timestamp before which no answer to the latest request is handed back
        private StoreActivity.Span? _span;
        private long _lastRequest, _lastAnswer;

        public async Task RequestsAsync(Socket from, Socket to)
        {
            var buffer = new byte[64 * 1024];
            var token = proxy._stop.Token;
            while (true)
            {
                var n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, token).ConfigureAwait(false);
                if (n == 0) break;
                if (_framing.Feed(buffer.AsSpan(0, n)) is { } call) Started(call, Stopwatch.GetTimestamp());
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, token).ConfigureAwait(false);
            }

            to.Shutdown(SocketShutdown.Send);
        }

        public async Task AnswersAsync(Socket from, Socket to)
        {
            var buffer = new byte[64 * 1024];
            var token = proxy._stop.Token;
            while (true)
            {
                var n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, token).ConfigureAwait(false);
                if (n == 0) break;
                await PreciseDelay.UntilAsync(Volatile.Read(ref _due), token).ConfigureAwait(false);
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, token).ConfigureAwait(false);
                Answered(Stopwatch.GetTimestamp());
            }

            to.Shutdown(SocketShutdown.Send);
        }

        private void Started(AwsCall call, long now)
        {
            var due = now + (long)(proxy._sampler.Next(call).TotalSeconds * Stopwatch.Frequency);
            Volatile.Write(ref _due, Math.Max(Volatile.Read(ref _due), due));
            if (proxy._activity is not { } activity) return;
            lock (_gate)
            {
                // A call sent before the last one was answered (a Redis pipeline behind another) widens the same span.
                if (_span is null || _lastAnswer > _lastRequest) _span = activity.Open(call.Store, now);
                _lastRequest = now;
            }
        }

        private void Answered(long now)
        {
            if (proxy._activity is not { } activity) return;
            lock (_gate)
            {
                _lastAnswer = now;
                if (_span is { } span) activity.Extend(span, now);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        lock (_open)
        {
            foreach (var socket in _open) socket.Dispose();
        }

        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>
/// Waits until a Stopwatch timestamp with Task.Delay, whose steps are whole milliseconds: the wait is rounded to the
/// nearest one (a sub-millisecond remainder is dithered, so the mean delay stays right), rather than spun, which would
/// burn the CPU the function's own time is measured on.
/// </summary>
internal static class PreciseDelay
{
    public static async ValueTask UntilAsync(long due, CancellationToken cancellationToken)
    {
        var remaining = (due - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
        if (remaining <= 0) return;
        var whole = Math.Floor(remaining);
        if (Random.Shared.NextDouble() < remaining - whole) whole++;
        if (whole > 0) await Task.Delay(TimeSpan.FromMilliseconds(whole), cancellationToken).ConfigureAwait(false);
    }
}
