using System.Text.Json;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Validation;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Local;

public sealed record RedriveResult(int Examined, int Redriven, IReadOnlyDictionary<string, int> StillFailing);

/// <summary>
/// After a schema (or the pipeline) is fixed: every record StreamProcessor quarantined is checked again with the
/// current registry; those that now pass go back on the events stream as they were first sent (same bytes, same
/// partition key), and their quarantine object moves to <c>quarantine-redriven/</c>. Exactly once: a record is put
/// before its object moves, so a crash in between re-sends it on the next run, and StreamProcessor drops the repeated
/// event id; once moved, it is never looked at again. Those that still fail stay, counted by their new reason.
/// </summary>
public static class Redrive
{
    public const string RedrivenPrefix = ZoneLayout.QuarantineRedriven;

    public static async Task<RedriveResult> RunAsync(FunctionEnvironment environment, Amazon.S3.IAmazonS3 s3, string? reason, bool dryRun, CancellationToken ct)
    {
        var quarantine = new S3ObjectStore(s3, environment.Names.Bucket(Buckets.Quarantine));
        var kinesis = StreamClients.Kinesis(environment.Endpoints);
        var parser = new EventParser(SchemaRegistry.Default, environment.Clock);
        using var dynamo = ECommerceAgents.Adapters.DynamoDb.DynamoDbClientFactory.Create(environment.Endpoints);
        var keyring = ECommerceAgents.Adapters.Kms.SubjectKeyringFactory.Create(environment.Endpoints, environment.Names, dynamo, environment.Setting, environment.Clock);
        var stream = environment.Names.Stream(Streams.Events);
        var prefix = ZoneLayout.QuarantinePrefix(reason);
        var examined = 0;
        var redriven = 0;
        var still = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var o in (await quarantine.ListAsync(prefix, ct)).OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            // Only what StreamProcessor quarantined: the batch layer's and the indexer's own reasons are not stream records.
            if (o.Key.Contains("reason=batch_", StringComparison.Ordinal) || o.Key.Contains("reason=search_", StringComparison.Ordinal)) continue;
            if (await quarantine.GetAsync(o.Key, ct) is not { } body) continue;

            // An object holds one or more records (a micro-batch's of one reason): those that pass now go back, the rest stay.
            var lines = ZoneLayout.QuarantineRecords(o.Key, body);
            var sent = new List<ReadOnlyMemory<byte>>();
            var kept = new List<ReadOnlyMemory<byte>>();
            foreach (var line in lines)
            {
                var record = JsonSerializer.Deserialize(line.Span, QuarantineJsonContext.Default.QuarantineRecord);
                if (record is null || record.Source != "stream")
                {
                    kept.Add(line);
                    continue;
                }

                examined++;
                var (payload, failing) = await CheckAsync(record, parser, keyring, ct);
                if (payload is null)
                {
                    kept.Add(line);
                    still[failing!] = still.GetValueOrDefault(failing!) + 1;
                    continue;
                }

                redriven++;
                sent.Add(line);
                if (dryRun) continue;
                var put = await kinesis.PutRecordsAsync(stream, [new PutRecordsRequestEntry(payload, record.PartitionKey)], ct);
                if (!put.AllSucceeded) throw new CliException($"the stream refused a redriven record ({put.Failures.First().ErrorCode}); run redrive again", 1);
            }

            if (dryRun || sent.Count == 0) continue;
            // The records are on the stream: move them (a crash before this re-sends them next run; StreamProcessor drops the repeats).
            await quarantine.PutAsync(RedrivenPrefix + o.Key[ZoneLayout.Quarantine.Length..], kept.Count == 0 ? body : ZoneLayout.QuarantineBody(sent), "application/json", ct);
            if (kept.Count == 0) await quarantine.DeleteAsync(o.Key, ct);
            else await quarantine.PutAsync(o.Key, ZoneLayout.QuarantineBody(kept), "application/x-ndjson", ct);
        }

        return new RedriveResult(examined, redriven, still);
    }

    /// <summary>The record's exact bytes when it now passes (checked opened, while its subject's key exists), else the reason it still fails.</summary>
    private static async Task<(byte[]? Payload, string? StillFailing)> CheckAsync(QuarantineRecord record, EventParser parser, ECommerceAgents.Domain.Privacy.SubjectKeyring? keyring, CancellationToken ct)
    {
        // An invalid_base64 payload is the data's text as delivered, not record bytes: there is nothing to re-send.
        if (record.Reason == FailureReason.InvalidBase64.Name()) return (null, record.Reason);
        var payload = Convert.FromBase64String(record.PayloadBase64);
        var opened = keyring is null ? payload : await keyring.OpenAsync(payload, ct);
        return parser.Parse(opened) is RejectedEvent rejected ? (null, rejected.Reason.Name()) : (payload, null);
    }
}
