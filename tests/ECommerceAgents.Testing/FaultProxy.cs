using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ECommerceAgents.Testing;

/// <summary>What the proxy does with one HTTP request.</summary>
public abstract record ProxyDecision
{
    public static readonly ProxyDecision Forward = new ForwardDecision();

    /// <summary>Drop the connection without an answer, as a server that dies does.</summary>
    public static readonly ProxyDecision Drop = new DropDecision();

    /// <summary>Answer in the server's place (a throttling error, say) without forwarding.</summary>
    public static ProxyDecision Respond(int status, string contentType, string body) => new RespondDecision(status, contentType, body);

    /// <summary>Forward, then replace the answer's body (e.g. a BatchWriteItem answer with UnprocessedItems).</summary>
    public static ProxyDecision Rewrite(Func<string, string> body) => new RewriteDecision(body);

    internal sealed record ForwardDecision : ProxyDecision;

    internal sealed record DropDecision : ProxyDecision;

    internal sealed record RespondDecision(int Status, string ContentType, string Body) : ProxyDecision;

    internal sealed record RewriteDecision(Func<string, string> Body) : ProxyDecision;
}

/// <summary>
/// An HTTP/1.1 proxy on a loopback port in front of a real server (dynalite, kinesalite, s3rver), request by request:
/// each request can be forwarded, answered with an injected error, have its answer rewritten, or have its connection
/// dropped. Fault tests use it where the stand-in cannot produce the fault itself (throttling, unprocessed items) or
/// must fail at an exact point (the n-th request of a batch).
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly int _targetPort;
    private readonly int _port;
    private readonly Lock _gate = new();
    private TcpListener _listener = new(IPAddress.Loopback, 0);
    private Task _accepting;
    private bool _refusing;
    private int _requests;

    public FaultProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_listener);
    }

    public int Port => _port;

    /// <summary>
    /// While true the port is closed, as a killed server's is: new connections are refused (ECONNREFUSED) and open
    /// ones are cut at their next request. Set back to false, the proxy listens on the same port again.
    /// </summary>
    public bool Refusing
    {
        get => Volatile.Read(ref _refusing);
        set
        {
            lock (_gate)
            {
                if (value == _refusing) return;
                Volatile.Write(ref _refusing, value);
                if (value)
                {
                    _listener.Stop();
                }
                else
                {
                    _listener = new TcpListener(IPAddress.Loopback, _port);
                    _listener.Start();
                    _accepting = AcceptAsync(_listener);
                }
            }
        }
    }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>
    /// Skips the calling test unless <paramref name="endpoint"/> is plain HTTP on this machine, the only kind of server
    /// the proxy can stand in front of (it forwards to 127.0.0.1 and reads the HTTP it carries).
    /// </summary>
    public static void SkipUnlessProxyable(Uri? endpoint, string service)
    {
        if (endpoint is { Scheme: "http", IsLoopback: true }) return;
        Assert.Skip($"injects {service} faults through a loopback HTTP proxy, which needs {service} served over plain HTTP on this machine; " +
            $"this run's {service} endpoint is {endpoint?.ToString() ?? "not set"} ({TestStack.Mode} mode)");
    }

    /// <summary>Decides per request: its number (from 1), the target header (X-Amz-Target, or the path) and the body.</summary>
    public Func<int, string, string, ProxyDecision> Decide { get; set; } = (_, _, _) => ProxyDecision.Forward;

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            TcpClient? upstream = null;
            try
            {
                var downstream = client.GetStream();
                var downstreamReader = new BufferedStream(downstream, 16384);
                BufferedStream? upstreamReader = null;
                while (!_stop.IsCancellationRequested)
                {
                    var request = await ReadMessageAsync(downstreamReader, isRequest: true).ConfigureAwait(false);
                    if (request is null || Refusing) return;
                    var number = Interlocked.Increment(ref _requests);
                    var target = request.Header("X-Amz-Target") ?? request.StartLine.Split(' ')[1];
                    switch (Decide(number, target, Encoding.UTF8.GetString(request.Body)))
                    {
                        case ProxyDecision.DropDecision:
                            return;
                        case ProxyDecision.RespondDecision r:
                            await WriteResponseAsync(downstream, r.Status, r.ContentType, Encoding.UTF8.GetBytes(r.Body)).ConfigureAwait(false);
                            continue;
                        case var decision:
                            if (upstream is null)
                            {
                                upstream = new TcpClient();
                                await upstream.ConnectAsync(IPAddress.Loopback, _targetPort).ConfigureAwait(false);
                                upstreamReader = new BufferedStream(upstream.GetStream(), 16384);
                            }

                            await upstream.GetStream().WriteAsync(request.Raw).ConfigureAwait(false);
                            var response = await ReadMessageAsync(upstreamReader!, isRequest: false).ConfigureAwait(false);
                            if (response is null) return;
                            if (decision is ProxyDecision.RewriteDecision rewrite)
                            {
                                var status = int.Parse(response.StartLine.Split(' ')[1], CultureInfo.InvariantCulture);
                                await WriteResponseAsync(downstream, status, response.Header("Content-Type") ?? "application/x-amz-json-1.0",
                                    Encoding.UTF8.GetBytes(rewrite.Body(Encoding.UTF8.GetString(response.Body)))).ConfigureAwait(false);
                            }
                            else
                            {
                                await downstream.WriteAsync(response.Raw).ConfigureAwait(false);
                            }

                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // A side hung up: so does the proxy.
            }
            finally
            {
                upstream?.Dispose();
            }
        }
    }

    private static async Task WriteResponseAsync(Stream stream, int status, string contentType, byte[] body)
    {
        var head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nx-amzn-RequestId: proxy-{Guid.NewGuid():N}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head)).ConfigureAwait(false);
        await stream.WriteAsync(body).ConfigureAwait(false);
    }

    private sealed record Message(string StartLine, List<(string Name, string Value)> Headers, byte[] Body, byte[] Raw)
    {
        public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
    }

    /// <summary>Reads one HTTP/1.1 message: the head, then a Content-Length or chunked body.</summary>
    private static async Task<Message?> ReadMessageAsync(Stream stream, bool isRequest)
    {
        var raw = new MemoryStream();
        var head = await ReadUntilAsync(stream, raw, "\r\n\r\n"u8.ToArray()).ConfigureAwait(false);
        if (head is null) return null;
        var lines = Encoding.ASCII.GetString(head).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var headers = lines.Skip(1).Select(l => (l[..l.IndexOf(':')].Trim(), l[(l.IndexOf(':') + 1)..].Trim())).ToList();
        var message = new Message(lines[0], headers, [], []);
        var body = new MemoryStream();
        if (message.Header("Content-Length") is { } length)
        {
            var buffer = new byte[int.Parse(length, CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(buffer).ConfigureAwait(false);
            body.Write(buffer);
            raw.Write(buffer);
        }
        else if (message.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            while (true)
            {
                var sizeLine = await ReadUntilAsync(stream, raw, "\r\n"u8.ToArray()).ConfigureAwait(false) ?? throw new IOException("chunked body ended early");
                var size = int.Parse(Encoding.ASCII.GetString(sizeLine).Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var chunk = new byte[size + 2];
                await stream.ReadExactlyAsync(chunk).ConfigureAwait(false);
                raw.Write(chunk);
                if (size == 0) break;
                body.Write(chunk, 0, size);
            }
        }
        else if (!isRequest && !message.StartLine.Contains(" 204 ", StringComparison.Ordinal) && !message.StartLine.Contains(" 304 ", StringComparison.Ordinal))
        {
            throw new IOException("a response without a length");
        }

        return message with { Body = body.ToArray(), Raw = raw.ToArray() };
    }

    private static async Task<byte[]?> ReadUntilAsync(Stream stream, MemoryStream raw, byte[] terminator)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            var n = await stream.ReadAsync(one).ConfigureAwait(false);
            if (n == 0) return line.Count == 0 ? null : throw new IOException("connection closed mid-message");
            line.Add(one[0]);
            raw.WriteByte(one[0]);
            if (line.Count >= terminator.Length && line.TakeLast(terminator.Length).SequenceEqual(terminator))
            {
                return line.Take(line.Count - terminator.Length).ToArray();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task accepting;
        lock (_gate)
        {
            _listener.Stop();
            accepting = _accepting;
        }

        try
        {
            await accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
