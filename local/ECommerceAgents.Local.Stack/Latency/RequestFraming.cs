using System.Globalization;
using System.Text;

namespace ECommerceAgents.Local.Stack.Latency;

/// <summary>The parts of an HTTP request head the latency table is chosen by.</summary>
public sealed record HttpRequestHead(string Method, string Path, string? AmzTarget);

/// <summary>
/// Finds the starts of requests in the bytes a client sends on one connection, and the table row of each. Fed every
/// chunk as it arrives, in order; it never changes the bytes.
/// </summary>
public interface IRequestFraming
{
    /// <summary>The row of the last request that starts in <paramref name="chunk"/>, or null when none starts there.</summary>
    AwsCall? Feed(ReadOnlySpan<byte> chunk);
}

/// <summary>
/// RESP (Redis): every burst a client writes is one command or one pipeline, the unit ElastiCache's row is about. A
/// pipeline larger than a socket read counts as several; the local client's pipelines are far smaller.
/// </summary>
public sealed class RespFraming : IRequestFraming
{
    public AwsCall? Feed(ReadOnlySpan<byte> chunk) => chunk.IsEmpty ? null : AwsLatencyTable.ElastiCache;
}

/// <summary>
/// HTTP/1.1 requests, one after another on a keep-alive connection: the head (to the blank line), then a body of
/// Content-Length bytes or chunked. Each head is classified as it completes.
/// </summary>
public sealed class HttpFraming(Func<HttpRequestHead, AwsCall> classify) : IRequestFraming
{
    private const int MaxLine = 64 * 1024;

    private enum State { Head, Body, ChunkSize, ChunkData, Trailer }

    private readonly List<byte> _line = new(1024);
    private State _state = State.Head;
    private long _remaining;

    public AwsCall? Feed(ReadOnlySpan<byte> chunk)
    {
        AwsCall? started = null;
        var i = 0;
        while (i < chunk.Length)
        {
            if (_state is State.Body or State.ChunkData)
            {
                var take = (int)Math.Min(_remaining, chunk.Length - i);
                i += take;
                _remaining -= take;
                if (_remaining == 0) _state = _state == State.Body ? State.Head : State.ChunkSize;
                continue;
            }

            var b = chunk[i++];
            _line.Add(b);
            if (_line.Count > MaxLine) throw new InvalidDataException("An HTTP head or chunk line is longer than 64 KiB.");
            if (_state == State.Head ? !EndsWith("\r\n\r\n"u8) : !EndsWith("\r\n"u8)) continue;

            var text = Encoding.ASCII.GetString(_line.ToArray(), 0, _line.Count - 2);
            _line.Clear();
            switch (_state)
            {
                case State.Head:
                    started = StartRequest(text);
                    break;
                case State.ChunkSize:
                    var size = long.Parse(text.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    (_state, _remaining) = size == 0 ? (State.Trailer, 0) : (State.ChunkData, size + 2);
                    break;
                case State.Trailer when text.Length == 0:
                    _state = State.Head;
                    break;
            }
        }

        return started;
    }

    private AwsCall StartRequest(string head)
    {
        var lines = head.Split("\r\n");
        var start = lines[0].Split(' ');
        string? target = null, length = null, encoding = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("X-Amz-Target", StringComparison.OrdinalIgnoreCase)) target = value;
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) length = value;
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) encoding = value;
        }

        if (encoding?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true) _state = State.ChunkSize;
        else if (length is not null && long.Parse(length, CultureInfo.InvariantCulture) is > 0 and var n) (_state, _remaining) = (State.Body, n);
        else _state = State.Head;
        return classify(new HttpRequestHead(start[0], start.Length > 1 ? start[1] : "/", target));
    }

    private bool EndsWith(ReadOnlySpan<byte> suffix)
    {
        if (_line.Count < suffix.Length) return false;
        for (var k = 0; k < suffix.Length; k++)
        {
            if (_line[_line.Count - suffix.Length + k] != suffix[k]) return false;
        }

        return true;
    }
}

/// <summary>Which row of the table a request to each service is. The choices the issue leaves open are documented in the README.</summary>
public static class AwsRequestClassifier
{
    /// <summary>BatchWriteItem and BatchGetItem (and the transactions, also up to 100 items) are the batch row; every other call the single-item row.</summary>
    public static AwsCall DynamoDb(HttpRequestHead head) =>
        head.AmzTarget is { } t && (t.EndsWith(".BatchWriteItem", StringComparison.Ordinal) || t.EndsWith(".BatchGetItem", StringComparison.Ordinal)
            || t.EndsWith(".TransactWriteItems", StringComparison.Ordinal) || t.EndsWith(".TransactGetItems", StringComparison.Ordinal))
            ? AwsLatencyTable.DynamoDbBatch
            : AwsLatencyTable.DynamoDbItem;

    /// <summary>Every Kinesis call a function makes (PutRecords, PutRecord, and the rare describe calls) is the PutRecords row.</summary>
    public static AwsCall Kinesis(HttpRequestHead head) => AwsLatencyTable.KinesisPutRecords;

    /// <summary>Every Firehose call (PutRecordBatch, PutRecord) is the PutRecordBatch row.</summary>
    public static AwsCall Firehose(HttpRequestHead head) => AwsLatencyTable.FirehosePutRecordBatch;

    /// <summary>By method: GET and HEAD (objects and listings) are the GetObject row; PUT, POST and DELETE the PutObject row.</summary>
    public static AwsCall S3(HttpRequestHead head) =>
        head.Method is "GET" or "HEAD" ? AwsLatencyTable.S3GetObject : AwsLatencyTable.S3PutObject;
}
