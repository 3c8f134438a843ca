using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Testing;

/// <summary>A trivial Kinesis-triggered function for testing the event-source layer: it records what it is given and answers as told.</summary>
public sealed class RecordingFunction(Func<IReadOnlyList<string>, int, StreamsEventResponse?>? answer = null, string name = "recording") : IFunctionHandler
{
    private int _invocations;

    /// <summary>Each invocation's records, decoded as UTF-8, in delivery order.</summary>
    public ConcurrentQueue<IReadOnlyList<string>> Batches { get; } = new();

    /// <summary>The sequence numbers of each invocation, parallel to <see cref="Batches"/>.</summary>
    public ConcurrentQueue<IReadOnlyList<string>> Sequences { get; } = new();

    public string Name => name;

    public int Invocations => Volatile.Read(ref _invocations);

    public Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        var evt = JsonSerializer.Deserialize(payload.Span, LambdaEventsJsonContext.Default.KinesisEvent)!;
        var data = evt.Records.Select(r => Encoding.UTF8.GetString(r.Kinesis.DecodeData())).ToArray();
        var number = Interlocked.Increment(ref _invocations);
        Batches.Enqueue(data);
        Sequences.Enqueue(evt.Records.Select(r => r.Kinesis.SequenceNumber).ToArray());
        var response = answer?.Invoke(data, number);
        if (response is not null && response.BatchItemFailures.Count > 0)
        {
            // The test names failing records by their data; the response names them by sequence number.
            response = new StreamsEventResponse
            {
                BatchItemFailures = response.BatchItemFailures
                    .Select(f => new BatchItemFailure(Array.IndexOf(data, f.ItemIdentifier) is var i and >= 0 ? evt.Records[i].Kinesis.SequenceNumber : f.ItemIdentifier))
                    .ToArray(),
            };
        }

        return Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(response ?? StreamsEventResponse.Success, LambdaEventsJsonContext.Default.StreamsEventResponse));
    }

    /// <summary>How many times each record was delivered.</summary>
    public Dictionary<string, int> DeliveryCounts() =>
        Batches.SelectMany(b => b).GroupBy(d => d).ToDictionary(g => g.Key, g => g.Count());
}
