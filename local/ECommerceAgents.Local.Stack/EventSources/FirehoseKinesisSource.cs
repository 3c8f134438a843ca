using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Lambda.Logging;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>
/// A delivery stream's own reader of a Kinesis stream (Firehose with a Kinesis source): copies every record as it
/// is, and moves its position on only after the data is in S3, so a restart re-reads rather than loses (the raw
/// archive may then hold a record twice, as in AWS).
/// </summary>
public sealed class FirehoseKinesisSource(KinesisClient kinesis, string streamName, FirehoseDeliveryStream destination, string? checkpointFile, JsonLog? log = null)
{
    private readonly CheckpointFile _checkpoints = new(checkpointFile);
    private readonly JsonLog _log = log ?? new JsonLog("firehose-kinesis-source", TextWriter.Null);
    private DateTime _idleSince = DateTime.MinValue;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var readers = new List<ShardReader>();
        var listedAt = DateTime.MinValue;
        var idle = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var pass = DateTime.UtcNow;
                if (idle || pass - listedAt > TimeSpan.FromSeconds(1))
                {
                    // A split or merge makes new shards: read them too (an archive copies, so it need not wait for parents).
                    // Listed again before every idle pass, so "caught up" covers the shards made before it.
                    var shards = await kinesis.ListShardsAsync(streamName, cancellationToken).ConfigureAwait(false);
                    readers.AddRange(shards.Where(s => !readers.Exists(r => r.ShardId == s.ShardId)).Select(s => new ShardReader(kinesis, streamName, s.ShardId, "TRIM_HORIZON", _checkpoints.Get(s.ShardId))));
                    listedAt = pass;
                }

                var read = 0;
                foreach (var reader in readers)
                {
                    var records = await reader.ReadAsync(10_000, cancellationToken).ConfigureAwait(false);
                    foreach (var r in records)
                    {
                        destination.Add(r.Data, DateTimeOffset.FromUnixTimeMilliseconds((long)(r.ApproximateArrivalTimestamp * 1000)));
                    }

                    read += records.Count;
                }

                if (destination.Due || (read == 0 && destination.Pending > 0))
                {
                    await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var reader in readers)
                    {
                        if (reader.LastRead is { } seq) _checkpoints.Set(reader.ShardId, seq);
                    }
                }

                idle = read == 0;
                if (idle)
                {
                    if (destination.Pending == 0) _idleSince = listedAt < pass ? listedAt : pass;
                    await Task.Delay(200, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _log.Warn("raw archive read failed; retrying", ("stream", streamName), ("error", ex));
                // Read on from the last record taken into the buffer, not from the checkpoint: what was read since the
                // checkpoint is in the buffer and will be delivered, and reading it again would archive it twice (the
                // chaos demo's kinesalite kill found that). A crash of this process still re-reads from the checkpoint.
                foreach (var reader in readers) reader.Rewind(reader.LastRead ?? _checkpoints.Get(reader.ShardId));
                await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits until everything in the stream before this call is archived.</summary>
    public async Task WaitUntilCaughtUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var asked = DateTime.UtcNow;
        var deadline = asked + timeout;
        while (_idleSince <= asked)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The raw archive did not catch up.");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
