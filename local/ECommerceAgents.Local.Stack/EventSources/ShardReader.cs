using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.Streams;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>Reads one shard in order from a position, renewing its iterator when it expires.</summary>
internal sealed class ShardReader(KinesisClient kinesis, string streamName, string shardId, string startingPosition, string? afterSequenceNumber)
{
    private string? _iterator;
    private string? _lastRead = afterSequenceNumber;

    public string ShardId => shardId;

    /// <summary>The sequence number of the last record returned, which a fresh iterator resumes after.</summary>
    public string? LastRead => _lastRead;

    public bool Closed { get; private set; }

    public long? MillisBehindLatest { get; private set; }

    public async Task<IReadOnlyList<StreamRecord>> ReadAsync(int limit, CancellationToken cancellationToken)
    {
        if (Closed) return [];
        _iterator ??= await NewIteratorAsync(cancellationToken).ConfigureAwait(false);
        GetRecordsResponse response;
        try
        {
            response = await kinesis.GetRecordsAsync(_iterator, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex.ErrorCode is "ExpiredIteratorException" or "InvalidArgumentException")
        {
            _iterator = await NewIteratorAsync(cancellationToken).ConfigureAwait(false);
            response = await kinesis.GetRecordsAsync(_iterator, limit, cancellationToken).ConfigureAwait(false);
        }

        MillisBehindLatest = response.MillisBehindLatest;
        if (response.Records.Count > 0)
        {
            _lastRead = response.Records[^1].SequenceNumber;
        }

        if (response.NextShardIterator is null)
        {
            Closed = true;
        }

        _iterator = response.NextShardIterator;
        return response.Records;
    }

    /// <summary>Forgets read-ahead: the next read starts after <paramref name="sequenceNumber"/> (or from the start position when null).</summary>
    public void Rewind(string? sequenceNumber)
    {
        _lastRead = sequenceNumber;
        _iterator = null;
        Closed = false;
    }

    private Task<string> NewIteratorAsync(CancellationToken cancellationToken) =>
        kinesis.GetShardIteratorAsync(
            _lastRead is null
                ? new GetShardIteratorRequest(streamName, shardId, startingPosition)
                : new GetShardIteratorRequest(streamName, shardId, "AFTER_SEQUENCE_NUMBER") { StartingSequenceNumber = _lastRead },
            cancellationToken);
}

/// <summary>Per-shard positions kept in a small JSON file, so a restarted <c>serve</c> resumes where it stopped.</summary>
internal sealed class CheckpointFile(string? path)
{
    private readonly Lock _gate = new();
    private Dictionary<string, string> _positions = Load(path);

    public string? Get(string shardId)
    {
        lock (_gate) return _positions.GetValueOrDefault(shardId);
    }

    public void Set(string shardId, string sequenceNumber)
    {
        lock (_gate)
        {
            _positions[shardId] = sequenceNumber;
            if (path is null) return;
            var tmp = path + ".tmp";
            File.WriteAllText(tmp, System.Text.Json.JsonSerializer.Serialize(_positions, EventSourceJsonContext.Default.DictionaryStringString));
            File.Move(tmp, path, overwrite: true);
        }
    }

    private static Dictionary<string, string> Load(string? path)
    {
        if (path is null || !File.Exists(path)) return new(StringComparer.Ordinal);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return System.Text.Json.JsonSerializer.Deserialize(File.ReadAllText(path), EventSourceJsonContext.Default.DictionaryStringString) ?? new(StringComparer.Ordinal);
    }
}
