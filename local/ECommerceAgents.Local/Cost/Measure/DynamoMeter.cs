using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Local.Cost.Measure;

/// <summary>
/// Counts DynamoDB's billed units from the JSON the code sends and the answers it gets, as AWS bills them:
/// PutItem, UpdateItem and DeleteItem bill the larger of the item's size before and after (read here, before and
/// after the request, with consistent GetItems of the meter's own that nothing bills), in 1 KB write units, and a
/// write refused by its condition (ConditionalCheckFailedException) bills all the same. BatchWriteItem bills each
/// processed item (its own size; a batch's delete as 1 unit: the meter does not read batch items back).
/// TransactWriteItems bills twice. GetItem, BatchGetItem, Query and Scan bill 4 KB read units of the items returned
/// (a key not found still 1), halved where the request asks for eventually consistent reads. A table's global secondary
/// indexes (read once per table with DescribeTable) bill their own writes (<see cref="BillingRules.IndexWriteUnits"/>):
/// from the item before and after for the single-item writes; a batch's put as an item entering the index (the meter
/// does not read batch items back, so a put that leaves its index entry as it was is counted, an upper bound).
/// </summary>
public sealed class DynamoMeter(UsageTally tally, HttpClient http, Uri server) : ServiceMeter("dynamodb", tally)
{
    private static readonly string[] SignatureHeaders = ["Authorization", "X-Amz-Date", "X-Amz-Security-Token"];

    private readonly ConcurrentDictionary<string, Task<TableSchema>> _schemas = new(StringComparer.Ordinal);

    private sealed record TableSchema(string[] Key, IndexSchema[] Indexes);

    private static string Operation(ProxiedRequest request) => request.Target is { } t ? t[(t.IndexOf('.', StringComparison.Ordinal) + 1)..] : "";

    public override async ValueTask<object?> BeforeAsync(ProxiedRequest request, CancellationToken cancellationToken)
    {
        var operation = Operation(request);
        if (operation is not ("PutItem" or "UpdateItem" or "DeleteItem")) return null;
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        var table = root.GetProperty("TableName").GetString()!;
        var key = operation == "PutItem" ? await KeyOfAsync(request, table, root.GetProperty("Item"), cancellationToken).ConfigureAwait(false) : root.GetProperty("Key").GetRawText();
        return (table, key, await StoredItemAsync(request, table, key, cancellationToken).ConfigureAwait(false));
    }

    public override async ValueTask AfterAsync(ProxiedRequest request, object? before, ProxiedResponse response, CancellationToken cancellationToken)
    {
        var operation = Operation(request);
        var refused = response.Status == 400 && Encoding.UTF8.GetString(response.Body).Contains("ConditionalCheckFailedException", StringComparison.Ordinal);
        if (response.Status != 200 && !refused) return; // throttled, invalid: not billed
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        if (before is ValueTuple<string, string, JsonElement?> (var table, var key, var beforeItem))
        {
            var afterItem = refused || operation == "DeleteItem" ? null
                : operation == "PutItem" ? root.GetProperty("Item").Clone()
                : await StoredItemAsync(request, table, key, cancellationToken).ConfigureAwait(false);
            var beforeBytes = beforeItem is { } b ? BillingRules.ItemBytes(b) : 0;
            var afterBytes = afterItem is { } a ? BillingRules.ItemBytes(a) : 0;
            // A refused write changes nothing, so no index is written.
            var schema = await SchemaAsync(request, table).ConfigureAwait(false);
            var indexUnits = refused ? 0 : schema.Indexes.Sum(i => BillingRules.IndexWriteUnits(beforeItem, afterItem, i, schema.Key));
            Tally.Add(u =>
            {
                var t = u.Table(table);
                t.WriteRequests++;
                t.ItemsWritten++;
                t.WriteUnits += BillingRules.WriteUnits(Math.Max(beforeBytes, afterBytes)) + indexUnits;
                t.IndexWriteUnits += indexUnits;
                if (refused) t.ConditionalFailures++;
            });
            return;
        }

        if (response.Status != 200) return;
        using var answer = JsonDocument.Parse(response.Body);
        switch (operation)
        {
            case "BatchWriteItem": await BatchWriteAsync(request, root, answer.RootElement).ConfigureAwait(false); break;
            case "TransactWriteItems": TransactWrite(root); break;
            case "GetItem": Read(root, answer.RootElement, "Item"); break;
            case "Query" or "Scan": Read(root, answer.RootElement, "Items"); break;
            case "BatchGetItem": BatchGet(root, answer.RootElement); break;
        }
    }

    private async Task BatchWriteAsync(ProxiedRequest like, JsonElement request, JsonElement answer)
    {
        var unprocessed = answer.TryGetProperty("UnprocessedItems", out var u) ? u : default;
        foreach (var table in request.GetProperty("RequestItems").EnumerateObject())
        {
            var schema = await SchemaAsync(like, table.Name).ConfigureAwait(false);
            long IndexUnitsOf(JsonElement write) =>
                write.TryGetProperty("PutRequest", out var put) ? schema.Indexes.Sum(i => BillingRules.IndexWriteUnits(null, put.GetProperty("Item"), i, schema.Key)) : 0;
            var units = table.Value.EnumerateArray().Sum(WriteUnitsOf);
            var indexUnits = table.Value.EnumerateArray().Sum(IndexUnitsOf);
            var items = table.Value.GetArrayLength();
            if (unprocessed.ValueKind == JsonValueKind.Object && unprocessed.TryGetProperty(table.Name, out var left))
            {
                units -= left.EnumerateArray().Sum(WriteUnitsOf);
                indexUnits -= left.EnumerateArray().Sum(IndexUnitsOf);
                items -= left.GetArrayLength();
            }

            Tally.Add(usage =>
            {
                var t = usage.Table(table.Name);
                t.WriteRequests++;
                t.ItemsWritten += items;
                t.WriteUnits += units + indexUnits;
                t.IndexWriteUnits += indexUnits;
            });
        }
    }

    private static long WriteUnitsOf(JsonElement write) =>
        write.TryGetProperty("PutRequest", out var put) ? BillingRules.WriteUnits(BillingRules.ItemBytes(put.GetProperty("Item"))) : 1;

    private void TransactWrite(JsonElement request)
    {
        foreach (var item in request.GetProperty("TransactItems").EnumerateArray())
        {
            var (table, units) = item.TryGetProperty("Put", out var put)
                ? (put.GetProperty("TableName").GetString()!, BillingRules.WriteUnits(BillingRules.ItemBytes(put.GetProperty("Item"))))
                : (item.EnumerateObject().First().Value.GetProperty("TableName").GetString()!, 1L);
            Tally.Add(u =>
            {
                var t = u.Table(table);
                t.WriteRequests++;
                t.ItemsWritten++;
                t.WriteUnits += 2 * units;
            });
        }
    }

    private void Read(JsonElement request, JsonElement answer, string property)
    {
        var table = request.GetProperty("TableName").GetString()!;
        var consistent = request.TryGetProperty("ConsistentRead", out var c) && c.ValueKind == JsonValueKind.True;
        long bytes = 0, items = 0;
        if (answer.TryGetProperty(property, out var found))
        {
            if (found.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in found.EnumerateArray())
                {
                    bytes += BillingRules.ItemBytes(item);
                    items++;
                }
            }
            else
            {
                bytes = BillingRules.ItemBytes(found);
                items = 1;
            }
        }

        // A Query or Scan page is billed on its items' summed size, a GetItem on its item's; both at least one unit.
        var units = BillingRules.ReadUnits(bytes, consistent);
        Tally.Add(u =>
        {
            var t = u.Table(table);
            t.ReadRequests++;
            t.ItemsRead += items;
            t.ReadUnits += units;
        });
    }

    private void BatchGet(JsonElement request, JsonElement answer)
    {
        foreach (var table in request.GetProperty("RequestItems").EnumerateObject())
        {
            var consistent = table.Value.TryGetProperty("ConsistentRead", out var c) && c.ValueKind == JsonValueKind.True;
            var requested = table.Value.GetProperty("Keys").GetArrayLength();
            var left = answer.TryGetProperty("UnprocessedKeys", out var u) && u.TryGetProperty(table.Name, out var l) ? l.GetProperty("Keys").GetArrayLength() : 0;
            double units = 0;
            var returned = 0;
            if (answer.TryGetProperty("Responses", out var responses) && responses.TryGetProperty(table.Name, out var items))
            {
                foreach (var item in items.EnumerateArray())
                {
                    units += BillingRules.ReadUnits(BillingRules.ItemBytes(item), consistent);
                    returned++;
                }
            }

            units += Math.Max(0, requested - left - returned) * BillingRules.ReadUnits(0, consistent); // keys not found
            Tally.Add(usage =>
            {
                var t = usage.Table(table.Name);
                t.ReadRequests++;
                t.ItemsRead += returned;
                t.ReadUnits += units;
            });
        }
    }

    /// <summary>The key attributes of an item, as a JSON map, from the table's key schema (asked once per table).</summary>
    private async Task<string> KeyOfAsync(ProxiedRequest like, string table, JsonElement item, CancellationToken cancellationToken)
    {
        var names = (await SchemaAsync(like, table).ConfigureAwait(false)).Key;
        var key = new StringBuilder("{");
        foreach (var name in names)
        {
            if (key.Length > 1) key.Append(',');
            key.Append(JsonSerializer.Serialize(name)).Append(':').Append(item.GetProperty(name).GetRawText());
        }

        return key.Append('}').ToString();
    }

    private Task<TableSchema> SchemaAsync(ProxiedRequest like, string table) => _schemas.GetOrAdd(table, t => DescribeAsync(like, t));

    /// <summary>The table's key attributes and its global secondary indexes (asked once per table).</summary>
    private async Task<TableSchema> DescribeAsync(ProxiedRequest like, string table)
    {
        using var answer = await SideCallAsync(like, "DescribeTable", $"{{\"TableName\":{JsonSerializer.Serialize(table)}}}", CancellationToken.None).ConfigureAwait(false);
        var description = answer.RootElement.GetProperty("Table");
        static string[] Names(JsonElement keySchema) => [.. keySchema.EnumerateArray().Select(k => k.GetProperty("AttributeName").GetString()!)];
        var indexes = description.TryGetProperty("GlobalSecondaryIndexes", out var gsis)
            ? gsis.EnumerateArray().Select(g =>
            {
                var projection = g.GetProperty("Projection");
                var type = projection.TryGetProperty("ProjectionType", out var p) ? p.GetString() : "ALL";
                string[] projected = projection.TryGetProperty("NonKeyAttributes", out var n) ? [.. n.EnumerateArray().Select(a => a.GetString()!)] : [];
                return new IndexSchema(g.GetProperty("IndexName").GetString()!, Names(g.GetProperty("KeySchema")), type == "ALL", projected);
            }).ToArray()
            : [];
        return new TableSchema(Names(description.GetProperty("KeySchema")), indexes);
    }

    /// <summary>The stored item (null when there is none), read consistently by the meter itself.</summary>
    private async Task<JsonElement?> StoredItemAsync(ProxiedRequest like, string table, string key, CancellationToken cancellationToken)
    {
        using var answer = await SideCallAsync(like, "GetItem", $"{{\"TableName\":{JsonSerializer.Serialize(table)},\"Key\":{key},\"ConsistentRead\":true}}", cancellationToken).ConfigureAwait(false);
        return answer.RootElement.TryGetProperty("Item", out var item) ? item.Clone() : null;
    }

    /// <summary>A call of the meter's own straight to the server, signed as the request it reads for (the local server checks the signature's form only).</summary>
    private async Task<JsonDocument> SideCallAsync(ProxiedRequest like, string operation, string body, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, server) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        foreach (var (name, value) in like.Headers)
        {
            if (SignatureHeaders.Contains(name, StringComparer.OrdinalIgnoreCase)) message.Headers.TryAddWithoutValidation(name, value);
        }

        message.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810." + operation);
        using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"cost --measure: the meter's own DynamoDB {operation} failed: {Encoding.UTF8.GetString(answer)}");
        return JsonDocument.Parse(answer);
    }
}
