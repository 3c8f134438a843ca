using System.Globalization;
using System.Text;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>A record the spool holds until it is delivered: its sequence number, bytes and arrival time.</summary>
public sealed record SpooledRecord(long Sequence, byte[] Data, DateTimeOffset Arrival);

/// <summary>What a restarted delivery stream finds in its spool.</summary>
public sealed record SpoolRecovery(IReadOnlyList<SpooledRecord> Undelivered, long LastSequence, long? PendingBatchLast);

/// <summary>
/// A delivery stream's durable buffer: Firehose has the records once PutRecordBatch returns, so the local server
/// appends them here and fsyncs before it answers. Before a delivery starts, the batch's last sequence number is
/// written too, so that after a crash the same batch is delivered again under the same object keys (S3 overwrites
/// it: exactly once), and only after S3 has it is the spool cut back to what is still undelivered.
/// </summary>
/// <remarks>
/// One text file per stream, a line per entry: <c>S last</c> (the highest sequence ever given), <c>R seq arrivalMs
/// length base64</c> (a record), <c>B last</c> (a delivery started up to last), <c>D last</c> (delivered up to last).
/// A line torn by a crash fails its length check and is ignored; it was never acknowledged.
/// </remarks>
public sealed class FirehoseSpool : IDisposable
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, SpooledRecord> _undelivered = [];
    private FileStream _file;
    private long _lastSequence;

    public FirehoseSpool(string path)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Recovery = Read(path);
        foreach (var r in Recovery.Undelivered) _undelivered[r.Sequence] = r;
        _lastSequence = Recovery.LastSequence;
        // Rewritten at once, so a torn last line never sits before new entries.
        _file = Rewrite(Recovery.PendingBatchLast);
    }

    /// <summary>What the spool held when opened: records accepted and not yet delivered, and a delivery cut short.</summary>
    public SpoolRecovery Recovery { get; }

    public int Undelivered
    {
        get
        {
            lock (_gate) return _undelivered.Count;
        }
    }

    /// <summary>Gives the records their sequence numbers, appends them and fsyncs; returns once they are on disk.</summary>
    public IReadOnlyList<SpooledRecord> Append(IReadOnlyList<byte[]> records, DateTimeOffset arrival)
    {
        lock (_gate)
        {
            var spooled = new List<SpooledRecord>(records.Count);
            var text = new StringBuilder();
            foreach (var data in records)
            {
                var r = new SpooledRecord(++_lastSequence, data, arrival);
                spooled.Add(r);
                text.Append("R ").Append(r.Sequence.ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .Append(arrival.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .Append(data.Length.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Convert.ToBase64String(data)).Append('\n');
            }

            WriteDurably(text.ToString());
            foreach (var r in spooled) _undelivered[r.Sequence] = r;
            return spooled;
        }
    }

    /// <summary>Records that a delivery of everything up to <paramref name="last"/> starts.</summary>
    public void BeginBatch(long last)
    {
        lock (_gate) WriteDurably($"B {last.ToString(CultureInfo.InvariantCulture)}\n");
    }

    /// <summary>Everything up to <paramref name="last"/> is in S3: forget it, and cut the file back to what remains.</summary>
    public void Delivered(long last)
    {
        lock (_gate)
        {
            foreach (var seq in _undelivered.Keys.TakeWhile(k => k <= last).ToArray()) _undelivered.Remove(seq);
            _file.Dispose();
            _file = Rewrite(null);
        }
    }

    private void WriteDurably(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        _file.Write(bytes);
        _file.Flush(flushToDisk: true);
    }

    /// <summary>Writes the remaining records to a new file, fsyncs it and renames it over the old one.</summary>
    private FileStream Rewrite(long? pendingBatchLast)
    {
        var temporary = _path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var text = new StringBuilder();
            text.Append("S ").Append(_lastSequence.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var r in _undelivered.Values)
            {
                text.Append("R ").Append(r.Sequence.ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .Append(r.Arrival.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .Append(r.Data.Length.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Convert.ToBase64String(r.Data)).Append('\n');
            }

            if (pendingBatchLast is { } b) text.Append("B ").Append(b.ToString(CultureInfo.InvariantCulture)).Append('\n');
            file.Write(Encoding.ASCII.GetBytes(text.ToString()));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    private static SpoolRecovery Read(string path)
    {
        var records = new SortedDictionary<long, SpooledRecord>();
        long last = 0, delivered = 0;
        long? pending = null;
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                var parts = line.Split(' ');
                if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)) continue;
                switch (parts[0])
                {
                    case "S":
                        last = Math.Max(last, number);
                        break;
                    case "R" when parts.Length == 5 && Decode(parts) is { } record:
                        records[number] = record;
                        last = Math.Max(last, number);
                        break;
                    case "B":
                        pending = number;
                        break;
                    case "D":
                        delivered = Math.Max(delivered, number);
                        pending = pending <= number ? null : pending;
                        break;
                }
            }
        }

        var undelivered = records.Values.Where(r => r.Sequence > delivered).ToArray();
        if (pending is { } p && !undelivered.Any(r => r.Sequence <= p)) pending = null;
        return new SpoolRecovery(undelivered, last, pending);
    }

    private static SpooledRecord? Decode(string[] parts)
    {
        try
        {
            var data = Convert.FromBase64String(parts[4]);
            if (data.Length != int.Parse(parts[3], CultureInfo.InvariantCulture)) return null;
            var arrival = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[2], CultureInfo.InvariantCulture));
            return new SpooledRecord(long.Parse(parts[1], CultureInfo.InvariantCulture), data, arrival);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }
}
