using System.Net.Sockets;
using System.Text;

namespace ECommerceAgents.Local.Stack.Servers;

/// <summary>
/// A minimal RESP client for admin commands against one node (PING, CLUSTER INFO, CLUSTER ADDSLOTSRANGE) and for
/// showing what the server itself answers (CROSSSLOT) without a cluster-aware client checking slots first.
/// </summary>
public sealed class Resp : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private Resp(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8, false, 4096, leaveOpen: true);
    }

    public static async Task<Resp> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new Resp(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command and returns the reply as text: simple strings and bulk strings as they are, errors prefixed with '-'.</summary>
    public async Task<string> CommandAsync(CancellationToken cancellationToken, params string[] parts)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(parts.Length).Append("\r\n");
        foreach (var p in parts)
        {
            sb.Append('$').Append(Encoding.UTF8.GetByteCount(p)).Append("\r\n").Append(p).Append("\r\n");
        }

        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("connection closed");
        switch (line[0])
        {
            case '+':
                return line[1..];
            case '-':
                return line;
            case ':':
                return line[1..];
            case '$':
                var length = int.Parse(line.AsSpan(1), provider: System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0) return string.Empty;
                var buffer = new char[length];
                var read = 0;
                while (read < length)
                {
                    var n = await _reader.ReadAsync(buffer.AsMemory(read, length - read), cancellationToken).ConfigureAwait(false);
                    if (n == 0) throw new IOException("connection closed");
                    read += n;
                }

                await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                return new string(buffer);
            case '*':
                var count = int.Parse(line.AsSpan(1), provider: System.Globalization.CultureInfo.InvariantCulture);
                var items = new List<string>();
                for (var i = 0; i < count; i++) items.Add(await ReadReplyAsync(cancellationToken).ConfigureAwait(false));
                return string.Join('\n', items);
            default:
                throw new IOException("unexpected RESP reply: " + line);
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
