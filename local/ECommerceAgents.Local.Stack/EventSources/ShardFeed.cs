using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Lambda.Logging;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>
/// One shard's read-ahead for <see cref="KinesisEventSource"/>: a reader task keeps calling GetRecords while the
/// function works on the shard's previous batch, as Lambda's pollers do, into a bounded buffer from which batches are
/// taken in order, one at a time (parallelization factor 1). Only the reader task moves the <see cref="ShardReader"/>:
/// a rewind is asked for here and done by it, so a read in flight can never move the position past a rewind.
/// </summary>
internal sealed class ShardFeed(ShardReader reader, IReadOnlyList<string> parents, int capacity)
{
    private readonly Lock _gate = new();
    private readonly List<StreamRecord> _buffer = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _generation;
    private bool _rewindAsked;
    private string? _rewindTo;
    private bool _closed;
    private bool _delivering;
    private DateTime _firstBufferedAt;
    private DateTime _caughtUpAt = DateTime.MinValue;

    public string ShardId => reader.ShardId;

    /// <summary>The shards this one was split or merged from that the mapping knows: read to their end first.</summary>
    public IReadOnlyList<string> Parents => parents;

    /// <summary>Completed once the shard is closed and every record of it was delivered and checkpointed.</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Reads ahead until the shard is finished or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task ReadAheadAsync(KinesisEventSourceOptions options, JsonLog log, CancellationToken cancellationToken)
    {
        try
        {
            while (!Finished.Task.IsCompleted)
            {
                long generation;
                int room;
                bool closed;
                lock (_gate)
                {
                    if (_rewindAsked)
                    {
                        reader.Rewind(_rewindTo);
                        _rewindAsked = false;
                    }

                    generation = _generation;
                    room = capacity - _buffer.Count;
                    closed = _closed;
                }

                if (closed || room <= 0)
                {
                    await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var started = DateTime.UtcNow;
                IReadOnlyList<StreamRecord> read;
                try
                {
                    read = await reader.ReadAsync(Math.Min(10_000, room), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The stream is unreachable: what was read is in the buffer, so go on after the last record read.
                    log.Warn("event source read failed; retrying", ("shard", ShardId), ("error", ex));
                    lock (_gate)
                    {
                        if (!_rewindAsked) reader.Rewind(reader.LastRead);
                    }

                    await Task.Delay(options.MaximumRetryBackoff, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                Appended(generation, read, started);
                if (read.Count == 0 && !reader.Closed) await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Appended(long generation, IReadOnlyList<StreamRecord> read, DateTime started)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            // A rewind while reading: these records are dropped and read again from the rewind's position.
            if (generation != _generation) return;
            if (read.Count > 0)
            {
                if (_buffer.Count == 0) _firstBufferedAt = DateTime.UtcNow;
                _buffer.AddRange(read);
            }
            else
            {
                _caughtUpAt = started;
            }

            _closed = reader.Closed;
            if (read.Count == 0 && !_closed) return;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>
    /// The next batch: <paramref name="batchSize"/> records, or fewer once the oldest buffered record has waited the
    /// batching window or the shard has ended. Null once the shard is closed and its last record taken.
    /// </summary>
    public async Task<List<StreamRecord>?> NextBatchAsync(int batchSize, TimeSpan window, TimeSpan poll, CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = poll;
            Task changed;
            lock (_gate)
            {
                var count = _buffer.Count;
                if (count == 0 && _closed && !_rewindAsked) return null;
                if (count > 0 && !_rewindAsked)
                {
                    var waited = DateTime.UtcNow - _firstBufferedAt;
                    if (count >= batchSize || waited >= window || _closed)
                    {
                        var take = Math.Min(batchSize, count);
                        var batch = _buffer.GetRange(0, take);
                        _buffer.RemoveRange(0, take);
                        _delivering = true;
                        return batch;
                    }

                    wait = window - waited;
                }

                changed = _changed.Task;
            }

            await Task.WhenAny(changed, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The batch taken last is done (delivered, or given to the on-failure destination, and checkpointed).</summary>
    public void Delivered()
    {
        lock (_gate) _delivering = false;
    }

    /// <summary>Forgets the read-ahead: the reader starts again after <paramref name="checkpoint"/> (the start position when null).</summary>
    public void Rewind(string? checkpoint)
    {
        lock (_gate)
        {
            _buffer.Clear();
            _generation++;
            _rewindAsked = true;
            _rewindTo = checkpoint;
            _delivering = false;
            _closed = false;
            _caughtUpAt = DateTime.MinValue;
        }
    }

    /// <summary>True when everything written to the shard before <paramref name="since"/> has been delivered.</summary>
    public bool CaughtUpSince(DateTime since)
    {
        lock (_gate) return Finished.Task.IsCompleted || (_buffer.Count == 0 && !_delivering && !_rewindAsked && _caughtUpAt > since);
    }
}
