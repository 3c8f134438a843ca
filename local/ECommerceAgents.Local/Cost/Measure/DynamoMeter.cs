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
/// (a key not found still 1), halved where the request asks for eventually consistent reads.
/// </summary>
public sealed class DynamoMeter(UsageTally tally, HttpClient http, Uri server) : ServiceMeter("dynamodb", tally)
{
    private static readonly string[] SignatureHeaders = ["Authorization", "X-Amz-Date", "X-Amz-Security-Token"];

    private readonly ConcurrentDictionary<string, Task<string[]>> _keySchemas = new(StringComparer.Ordinal);

    private static string Operation(ProxiedRequest request) => request.Target is { } t ? t[(t.IndexOf('.', StringComparison.Ordinal) + 1)..] : "";

    public override async ValueTask<object?> BeforeAsync(ProxiedRequest request, CancellationToken cancellationToken)
    {
        var operation = Operation(request);
        if (operation is not ("PutItem" or "UpdateItem" or "DeleteItem")) return null;
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        var table = root.GetProperty("TableName").GetString()!;
        var key = operation == "PutItem" ? await KeyOfAsync(request, table, root.GetProperty("Item"), cancellationToken).ConfigureAwait(false) : root.GetProperty("Key").GetRawText();
        return (table, key, await StoredBytesAsync(request, table, key, cancellationToken).ConfigureAwait(false));
    }

    public override async ValueTask AfterAsync(ProxiedRequest request, object? before, ProxiedResponse response, CancellationToken cancellationToken)
    {
        var operation = Operation(request);
        var refused = response.Status == 400 && Encoding.UTF8.GetString(response.Body).Contains("ConditionalCheckFailedException", StringComparison.Ordinal);
        if (response.Status != 200 && !refused) return; // throttled, invalid: not billed
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        if (before is (string table, string key, long beforeBytes))
        {
            var after = refused || operation == "DeleteItem" ? 0
                : operation == "PutItem" ? BillingRules.ItemBytes(root.GetProperty("Item"))
                : await StoredBytesAsync(request, table, key, cancellationToken).ConfigureAwait(false);
            Tally.Add(u =>
            {
                var t = u.Table(table);
                t.WriteRequests++;
                t.ItemsWritten++;
                t.WriteUnits += BillingRules.WriteUnits(Math.Max(beforeBytes, after));
                if (refused) t.ConditionalFailures++;
            });
            return;
        }

        if (response.Status != 200) return;
        using var answer = JsonDocument.Parse(response.Body);
        switch (operation)
        {
            case "BatchWriteItem": BatchWrite(root, answer.RootElement); break;
            case "TransactWriteItems": TransactWrite(root); break;
            case "GetItem": Read(root, answer.RootElement, "Item"); break;
            case "Query" or "Scan": Read(root, answer.RootElement, "Items"); break;
            case "BatchGetItem": BatchGet(root, answer.RootElement); break;
        }
    }

    private void BatchWrite(JsonElement request, JsonElement answer)
    {
        var unprocessed = answer.TryGetProperty("UnprocessedItems", out var u) ? u : default;
        foreach (var table in request.GetProperty("RequestItems").EnumerateObject())
        {
            var units = table.Value.EnumerateArray().Sum(WriteUnitsOf);
            var items = table.Value.GetArrayLength();
            if (unprocessed.ValueKind == JsonValueKind.Object && unprocessed.TryGetProperty(table.Name, out var left))
            {
                units -= left.EnumerateArray().Sum(WriteUnitsOf);
                items -= left.GetArrayLength();
            }

            Tally.Add(usage =>
            {
                var t = usage.Table(table.Name);
                t.WriteRequests++;
                t.ItemsWritten += items;
                t.WriteUnits += units;
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
        var names = await _keySchemas.GetOrAdd(table, t => KeySchemaAsync(like, t)).ConfigureAwait(false);
        var key = new StringBuilder("{");
        foreach (var name in names)
        {
            if (key.Length > 1) key.Append(',');
            key.Append(JsonSerializer.Serialize(name)).Append(':').Append(item.GetProperty(name).GetRawText());
        }

        return key.Append('}').ToString();
    }

    private async Task<string[]> KeySchemaAsync(ProxiedRequest like, string table)
    {
        using var answer = await SideCallAsync(like, "DescribeTable", $"{{\"TableName\":{JsonSerializer.Serialize(table)}}}", CancellationToken.None).ConfigureAwait(false);
        return answer.RootElement.GetProperty("Table").GetProperty("KeySchema").EnumerateArray().Select(k => k.GetProperty("AttributeName").GetString()!).ToArray();
    }

    /// <summary>The stored item's size (0 when there is none), read consistently by the meter itself.</summary>
    private async Task<long> StoredBytesAsync(ProxiedRequest like, string table, string key, CancellationToken cancellationToken)
    {
        using var answer = await SideCallAsync(like, "GetItem", $"{{\"TableName\":{JsonSerializer.Serialize(table)},\"Key\":{key},\"ConsistentRead\":true}}", cancellationToken).ConfigureAwait(false);
        return answer.RootElement.TryGetProperty("Item", out var item) ? BillingRules.ItemBytes(item) : 0;
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
