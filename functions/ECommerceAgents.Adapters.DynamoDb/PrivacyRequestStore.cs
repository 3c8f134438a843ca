using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>
/// Privacy requests (table <c>privacy-requests</c>, key <c>requestId</c>): <c>kind</c>, <c>userId</c>, <c>status</c>,
/// <c>createdAt</c>, <c>history</c> (a list of maps: status, at, details), and once known <c>counts</c> (a map of
/// numbers) and <c>exportKey</c>. A move is one conditional UpdateItem on the status.
/// </summary>
public sealed class PrivacyRequestStore(IAmazonDynamoDB dynamo, ResourceBindings names) : IPrivacyRequests
{
    private readonly string _table = names.Table(Tables.PrivacyRequests);

    private static AttributeValue S(string value) => new() { S = value };

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static AttributeValue Step(PrivacyRequestStep step)
    {
        var m = new Dictionary<string, AttributeValue> { ["status"] = S(step.Status), ["at"] = S(Time(step.At)) };
        if (step.Details is { } details) m["details"] = S(details);
        return new AttributeValue { M = m };
    }

    public Task CreateAsync(PrivacyRequest request, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["requestId"] = S(request.RequestId),
            ["kind"] = S(request.Kind),
            ["userId"] = S(request.UserId),
            ["status"] = S(request.Status),
            ["createdAt"] = S(Time(request.CreatedAt)),
            ["history"] = new() { L = request.History.Select(Step).ToList() },
        };
        return dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = item,
            ConditionExpression = "attribute_not_exists(requestId)",
        }, cancellationToken);
    }

    public async Task<PrivacyRequest?> GetAsync(string requestId, CancellationToken cancellationToken)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = _table,
            Key = new Dictionary<string, AttributeValue> { ["requestId"] = S(requestId) },
            ConsistentRead = true,
        }, cancellationToken).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? FromItem(item) : null;
    }

    public async Task<bool> MoveAsync(string requestId, string from, PrivacyRequestStep step, IReadOnlyDictionary<string, int>? counts, string? exportKey, CancellationToken cancellationToken)
    {
        var set = "#status = :to, history = list_append(history, :step)";
        var values = new Dictionary<string, AttributeValue>
        {
            [":to"] = S(step.Status),
            [":from"] = S(from),
            [":step"] = new() { L = [Step(step)] },
        };
        if (counts is not null)
        {
            set += ", #counts = :counts";
            values[":counts"] = new() { M = counts.ToDictionary(c => c.Key, c => new AttributeValue { N = c.Value.ToString(CultureInfo.InvariantCulture) }) };
        }

        if (exportKey is not null)
        {
            set += ", exportKey = :key";
            values[":key"] = S(exportKey);
        }

        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _table,
                Key = new Dictionary<string, AttributeValue> { ["requestId"] = S(requestId) },
                UpdateExpression = "SET " + set,
                ConditionExpression = "#status = :from",
                ExpressionAttributeNames = counts is null ? new Dictionary<string, string> { ["#status"] = "status" } : new Dictionary<string, string> { ["#status"] = "status", ["#counts"] = "counts" },
                ExpressionAttributeValues = values,
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public Task<IReadOnlyList<PrivacyRequest>> OpenAsync(string kind, CancellationToken cancellationToken) =>
        ScanAsync("kind = :kind and (#status = :accepted or #status = :progress)", new Dictionary<string, AttributeValue>
        {
            [":kind"] = S(kind), [":accepted"] = S(PrivacyRequest.Accepted), [":progress"] = S(PrivacyRequest.InProgress),
        }, cancellationToken);

    public Task<IReadOnlyList<PrivacyRequest>> ForUserAsync(string userId, CancellationToken cancellationToken) =>
        ScanAsync("userId = :user", new Dictionary<string, AttributeValue> { [":user"] = S(userId) }, cancellationToken);

    /// <summary>
    /// The requests the filter keeps, oldest first. A scan: requests are few (a handful a day) and read by the batch run
    /// and erasure only, so no index is kept for them.
    /// </summary>
    private async Task<IReadOnlyList<PrivacyRequest>> ScanAsync(string filter, Dictionary<string, AttributeValue> values, CancellationToken cancellationToken)
    {
        var result = new List<PrivacyRequest>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = _table,
                FilterExpression = filter,
                // DynamoDB refuses a name the expression does not use.
                ExpressionAttributeNames = filter.Contains("#status", StringComparison.Ordinal) ? new Dictionary<string, string> { ["#status"] = "status" } : null,
                ExpressionAttributeValues = values,
                ExclusiveStartKey = start,
                ConsistentRead = true,
            }, cancellationToken).ConfigureAwait(false);
            result.AddRange((page.Items ?? []).Select(FromItem));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return [.. result.OrderBy(r => r.CreatedAt)];
    }

    private static PrivacyRequest FromItem(Dictionary<string, AttributeValue> item)
    {
        static DateTimeOffset At(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var history = (item.TryGetValue("history", out var h) ? h.L ?? [] : [])
            .Select(v => new PrivacyRequestStep(v.M["status"].S, At(v.M["at"].S), v.M.TryGetValue("details", out var d) ? d.S : null)).ToArray();
        var counts = item.TryGetValue("counts", out var c) && c.M is { Count: > 0 } m
            ? m.ToDictionary(kv => kv.Key, kv => int.Parse(kv.Value.N, CultureInfo.InvariantCulture), StringComparer.Ordinal)
            : null;
        return new PrivacyRequest(item["requestId"].S, item["kind"].S, item["userId"].S, item["status"].S, At(item["createdAt"].S), history,
            counts, item.TryGetValue("exportKey", out var k) ? k.S : null);
    }
}
