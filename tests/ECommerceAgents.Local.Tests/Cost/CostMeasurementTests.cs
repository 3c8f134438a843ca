using ECommerceAgents.Local.Cost;
using ECommerceAgents.Local.Cost.Measure;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests.Cost;

/// <summary>
/// <c>cost --measure</c>'s counting over the wire: a small measured workload (two 500-record batches, a second of API
/// load) through the real function code against real local servers on a stack of the class's own, the counts checked
/// against what was sent. No timing (the latency simulation is a benchmark's; tests do not time).
/// </summary>
public sealed class CostMeasurementTests
{
    [Fact]
    public async Task Measure_SmallRun_CountsAgreeWithTheWorkloadSent()
    {
        await using var stack = await TestStack.StartPrivateAsync("costmeasure");

        var run = await CostMeasurement.RunAsync(stack, new MeasureOptions { Rounds = 1, ApiDuration = TimeSpan.FromSeconds(1), ApiConcurrency = 4, TimeBatches = false }, CancellationToken.None);

        // The stream phase: the batches sent, every record accounted for.
        Assert.Equal(2, run.Stream.Batches);
        Assert.Equal(2 * new CostInputs().StreamProcessorBatchSize, run.Stream.Records);
        var firehose = run.Stream.Usage.Firehose;
        Assert.Equal(0, firehose.FailedRecords);
        Assert.Equal(0, firehose.AggregatedRecords);
        Assert.Equal(run.Stream.DistinctValidEvents, firehose.Events); // every event that parses reaches the enriched or bot zone once
        Assert.True(firehose.BilledKb >= 5 * firehose.Records);
        Assert.True(firehose.Bytes > 0);
        var dynamo = run.Stream.Usage;
        Assert.True(dynamo.DynamoRequests > 0);
        Assert.All(dynamo.Tables.Values, t => Assert.True(t.WriteUnits >= t.ItemsWritten, "each item written bills at least one unit"));
        Assert.All(dynamo.Tables.Values, t => Assert.True(t.ConditionalFailures <= t.WriteRequests));
        if (run.Stream.Quarantined > 0) Assert.True(dynamo.S3Puts > 0, "quarantined records are written to S3");
        Assert.True(run.Stream.RedisCommands > 0);

        // The API phase: each request's 10 events on the stream, in records the meter saw accepted.
        Assert.True(run.Api.Requests > 0);
        Assert.Equal(0, run.Api.Errors);
        Assert.Equal(10 * run.Api.Requests, run.Api.Events);
        var kinesis = run.Api.Usage.Kinesis;
        Assert.Equal(0, kinesis.FailedRecords);
        Assert.InRange(kinesis.Records, run.Api.Requests, run.Api.Events);
        if (kinesis.AggregatedRecords == 0) Assert.Equal(run.Api.Events, kinesis.Events);
        if (kinesis.Records == run.Api.Events) Assert.True(kinesis.BilledKb >= kinesis.Records);
        Assert.True(kinesis.ArchiveBilledKb >= 5 * kinesis.Records);

        // Each request carried its own Idempotency-Key: at least a claim and a completion per request.
        Assert.True(run.Api.Usage.WriteUnits >= 2 * run.Api.Requests, $"{run.Api.Usage.WriteUnits} write units for {run.Api.Requests} requests");

        var inputs = run.ToInputs(new CostInputs());
        Assert.Equal(dynamo.WriteUnits / run.Stream.Records * 1_000, inputs.DynamoWriteUnitsPer1000Events, 6);
        // Records are packed into Firehose records: the enriched size is per event, not per Firehose record.
        Assert.True(firehose.Records < firehose.Events, $"{firehose.Records} Firehose records for {firehose.Events} events");
        Assert.InRange(inputs.EnrichedRecordBytes, (firehose.Bytes - firehose.Events) / firehose.Events, firehose.Bytes / firehose.Events);
        Assert.All(inputs.Measured, m => Assert.True(m.Measured && m.Value >= 0, m.Name));
        Assert.DoesNotContain(inputs.Measured, m => m.Name.StartsWith("StreamProcessor seconds", StringComparison.Ordinal)); // not timed here
    }
}
