using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// Builds the open export requests (GDPR art. 15): for each, one JSON object in the exports bucket holding what the API
/// read at acceptance (DynamoDB, Redis, consent, audit), what DynamoDB holds now, the user's rows in the warehouse, and
/// their records in the zones — the raw archive and the quarantine opened with the subjects' keys (the clear e-mail,
/// IP, device id and free text as sent), the enriched zone as stored. One pass over each zone serves every request of
/// the run. Each request moves accepted → in progress → done, audited; a request left in progress by a failed run is
/// built again by the next. The processed zone and the models are not listed: they hold the enriched rows again
/// (Parquet) and views over the warehouse's facts.
/// </summary>
internal sealed class ExportService(BatchPorts ports, PrivacyPorts privacy, TimeProvider clock, string runId)
{
    private static readonly StreamPosition NoPosition = new("export", "0");
    private readonly PrivacyRequestTracker _tracker = new(privacy.Requests, privacy.Audit, clock);

    public async Task<int> BuildPendingAsync(CancellationToken cancellationToken)
    {
        var open = await privacy.Requests.OpenAsync(PrivacyRequest.Export, cancellationToken).ConfigureAwait(false);
        if (open.Count == 0) return 0;
        var actor = PrivacyRequestTracker.BatchActor(runId);
        var started = new List<(PrivacyRequest Request, JsonObject Items, IReadOnlyList<string> Anonymous)>();
        foreach (var r in open)
        {
            if (r.Status == PrivacyRequest.Accepted && !await _tracker.MoveAsync(r, PrivacyRequest.Accepted, PrivacyRequest.InProgress, actor, null, null, null, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var (items, anonymous) = await privacy.Users.ExportAsync(r.UserId, cancellationToken).ConfigureAwait(false);
            started.Add((r, items, anonymous));
        }

        if (started.Count == 0) return 0;
        var targets = new ErasureTargets(started.Select(s => new Tombstone(s.Request.UserId, s.Request.CreatedAt, s.Anonymous)));
        var zones = started.ToDictionary(s => s.Request.UserId, _ => new Zones(), StringComparer.Ordinal);
        await CollectLinesAsync(ports.Raw, ZoneLayout.RawArchive, targets, zones, z => z.Raw, cancellationToken).ConfigureAwait(false);
        await CollectLinesAsync(ports.Enriched, ZoneLayout.EnrichedEvents, targets, zones, z => z.Enriched, cancellationToken).ConfigureAwait(false);
        await CollectLinesAsync(ports.Enriched, ZoneLayout.EnrichedBots, targets, zones, z => z.Enriched, cancellationToken).ConfigureAwait(false);
        await CollectQuarantineAsync(targets, zones, cancellationToken).ConfigureAwait(false);

        var built = 0;
        foreach (var (request, items, anonymous) in started)
        {
            if (await BuildAsync(request, items, anonymous, zones[request.UserId], actor, cancellationToken).ConfigureAwait(false)) built++;
        }

        return built;
    }

    /// <summary>Writes one request's export and moves it to done; false when another run moved it first.</summary>
    private async Task<bool> BuildAsync(PrivacyRequest request, JsonObject items, IReadOnlyList<string> anonymous, Zones z, AuditRecord actor, CancellationToken cancellationToken)
    {
        var own = new ErasureTargets([new Tombstone(request.UserId, request.CreatedAt, anonymous)]);
        var warehouse = await ports.Warehouse.ExportAsync(own, cancellationToken).ConfigureAwait(false);
        var live = await privacy.Exports.GetAsync(PrivacyRequest.LiveExportKey(request.RequestId), cancellationToken).ConfigureAwait(false);
        var document = new JsonObject
        {
            ["requestId"] = request.RequestId,
            ["userId"] = request.UserId,
            ["requestedAt"] = request.CreatedAt,
            ["exportedAt"] = clock.GetUtcNow(),
            ["anonymousIds"] = new JsonArray([.. anonymous.Select(a => (JsonNode?)a)]),
            ["atAcceptance"] = live is null ? null : JsonNode.Parse(live),
            ["dynamodb"] = items,
            ["warehouse"] = new JsonObject(warehouse.Select(t => new KeyValuePair<string, JsonNode?>(t.Key, new JsonArray([.. t.Value.Select(r => (JsonNode?)r)])))),
            ["zones"] = new JsonObject { ["raw"] = Array(z.Raw), ["quarantine"] = Array(z.Quarantine), ["enriched"] = Array(z.Enriched) },
            ["search"] = new JsonArray(),
            ["notes"] = new JsonArray(
                "search: the indexes hold products and daily aggregates only, no user data",
                "stream: every stream record is in zones.raw (the archive is its exact copy), opened with the subject's keys",
                "processed zone and warehouse models: the enriched rows again as Parquet, and views over the warehouse facts listed here"),
        };
        var key = PrivacyRequest.ExportKeyOf(request.RequestId);
        var body = Encoding.UTF8.GetBytes(document.ToJsonString());
        await privacy.Exports.PutAsync(key, body, "application/json", cancellationToken).ConfigureAwait(false);
        if (live is not null) await privacy.Exports.DeleteAsync(PrivacyRequest.LiveExportKey(request.RequestId), cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["raw"] = z.Raw.Count,
            ["quarantine"] = z.Quarantine.Count,
            ["enriched"] = z.Enriched.Count,
            ["warehouse"] = warehouse.Values.Sum(rows => rows.Count),
            ["dynamodb"] = items.Sum(t => t.Value is JsonArray a ? a.Count : 0),
            ["bytes"] = body.Length,
        };
        return await _tracker.MoveAsync(request, PrivacyRequest.InProgress, PrivacyRequest.Done, actor, null, counts, key, cancellationToken).ConfigureAwait(false);
    }

    private static JsonArray Array(List<string> lines) => new([.. lines.Select(ParseOrText)]);

    /// <summary>A record as JSON where it parses, as its text where it does not (a malformed record is exported as it came).</summary>
    private static JsonNode? ParseOrText(string line)
    {
        try
        {
            return JsonNode.Parse(line);
        }
        catch (JsonException)
        {
            return line;
        }
    }

    /// <summary>Every line of the zone opened with the subjects' keys where sealed, kept for the user it belongs to.</summary>
    private async Task CollectLinesAsync(IObjectStore store, string prefix, ErasureTargets targets, Dictionary<string, Zones> zones,
        Func<Zones, List<string>> into, CancellationToken cancellationToken)
    {
        var decryption = new RecordDecryption(ports.Keys);
        foreach (var o in await store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var body = await store.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
            if (body is null) continue;
            var lines = Gzip.Lines(Gzip.Decompress(body));
            var inputs = lines.Select(l => new StreamInput(NoPosition, "", l, default)).ToArray();
            await decryption.PrepareAsync(inputs, cancellationToken).ConfigureAwait(false);
            foreach (var input in inputs)
            {
                var opened = decryption.Open(input.Data.Span, out _);
                if (targets.OwnerOfLine(opened) is { } owner) into(zones[owner]).Add(Encoding.UTF8.GetString(opened));
            }
        }
    }

    /// <summary>The user's quarantined records: the payload as it came (opened where sealed), with the reason.</summary>
    private async Task CollectQuarantineAsync(ErasureTargets targets, Dictionary<string, Zones> zones, CancellationToken cancellationToken)
    {
        var decryption = new RecordDecryption(ports.Keys);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in await ports.Quarantine.ListAsync(ZoneLayout.Quarantine, cancellationToken).ConfigureAwait(false))
        {
            var body = await ports.Quarantine.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
            if (body is null) continue;
            foreach (var line in ZoneLayout.QuarantineRecords(o.Key, body))
            {
                await CollectQuarantinedAsync(targets, zones, decryption, line, seen, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One quarantined record, once per stream position (a retried micro-batch may have written it twice).</summary>
    private static async Task CollectQuarantinedAsync(ErasureTargets targets, Dictionary<string, Zones> zones, RecordDecryption decryption, ReadOnlyMemory<byte> line,
        HashSet<string> seen, CancellationToken cancellationToken)
    {
        JsonObject? record;
        try
        {
            record = JsonNode.Parse(line.Span) as JsonObject;
        }
        catch (JsonException)
        {
            record = null;
        }

        if (record?["payloadBase64"]?.GetValue<string>() is not { } b64) return;
        if (ZoneLayout.QuarantinePosition(line) is { } position && !seen.Add(position)) return;
        byte[] payload;
        try
        {
            payload = Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            return;
        }

        StreamInput[] input = [new(NoPosition, "", payload, default)];
        await decryption.PrepareAsync(input, cancellationToken).ConfigureAwait(false);
        var opened = decryption.Open(payload, out _);
        if (targets.OwnerOfLine(opened) is not { } owner) return;
        record.Remove("payloadBase64");
        record["payload"] = ParseOrText(Encoding.UTF8.GetString(opened));
        zones[owner].Quarantine.Add(record.ToJsonString());
    }

    private sealed class Zones
    {
        public List<string> Raw { get; } = [];

        public List<string> Quarantine { get; } = [];

        public List<string> Enriched { get; } = [];
    }
}
