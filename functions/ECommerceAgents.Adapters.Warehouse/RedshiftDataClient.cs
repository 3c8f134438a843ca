// Stands in for AWSSDK.RedshiftDataAPIService (not served to this build): the few Data API calls the batch layer makes.
using System.Text.Json.Serialization;
using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>Where the Data API runs statements: a Redshift Serverless workgroup, its database, and the secret it signs in with.</summary>
public sealed record RedshiftTarget(string WorkgroupName, string Database, string SecretArn, string CopyRoleArn);

/// <summary>
/// The Redshift Data API over the SigV4 JSON client (service <c>redshift-data</c>). <see cref="RunBatchAsync"/> sends a
/// BatchExecuteStatement — its statements run in one session and one transaction — and polls DescribeStatement to the end.
/// </summary>
public sealed class RedshiftDataClient(SigV4JsonClient client, RedshiftTarget target, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public RedshiftTarget Target => target;

    public async Task<DescribeStatementResponse> RunBatchAsync(IReadOnlyList<string> sqls, string name, CancellationToken cancellationToken)
    {
        var started = await client.CallAsync("BatchExecuteStatement",
            new BatchExecuteStatementRequest(sqls, target.Database, target.WorkgroupName, target.SecretArn, name),
            RedshiftDataJsonContext.Default.BatchExecuteStatementRequest, RedshiftDataJsonContext.Default.StatementStarted, cancellationToken).ConfigureAwait(false);
        return await WaitAsync(started.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One statement; returns its first result set (all pages).</summary>
    public async Task<IReadOnlyList<IReadOnlyList<Field>>> QueryAsync(string sql, CancellationToken cancellationToken)
    {
        var started = await client.CallAsync("ExecuteStatement",
            new ExecuteStatementRequest(sql, target.Database, target.WorkgroupName, target.SecretArn),
            RedshiftDataJsonContext.Default.ExecuteStatementRequest, RedshiftDataJsonContext.Default.StatementStarted, cancellationToken).ConfigureAwait(false);
        await WaitAsync(started.Id, cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<Field>>();
        string? token = null;
        do
        {
            var page = await client.CallAsync("GetStatementResult", new GetStatementResultRequest(started.Id, token),
                RedshiftDataJsonContext.Default.GetStatementResultRequest, RedshiftDataJsonContext.Default.GetStatementResultResponse, cancellationToken).ConfigureAwait(false);
            rows.AddRange(page.Records);
            token = page.NextToken;
        }
        while (token is not null);
        return rows;
    }

    private async Task<DescribeStatementResponse> WaitAsync(string id, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var status = await client.CallAsync("DescribeStatement", new DescribeStatementRequest(id),
                RedshiftDataJsonContext.Default.DescribeStatementRequest, RedshiftDataJsonContext.Default.DescribeStatementResponse, cancellationToken).ConfigureAwait(false);
            switch (status.Status)
            {
                case "FINISHED":
                    return status;
                case "FAILED" or "ABORTED":
                    var failed = status.SubStatements?.FirstOrDefault(s => s.Status is "FAILED" or "ABORTED");
                    throw new InvalidOperationException($"Redshift statement {id} {status.Status}: {status.Error ?? failed?.Error}" + (failed?.QueryString is { } q ? $" in: {q[..Math.Min(q.Length, 300)]}" : ""));
            }

            await Task.Delay(delay, _clock, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(2000, delay.TotalMilliseconds * 1.5));
        }
    }
}

/// <summary>Statements that run in one session and one transaction, on the given database, workgroup and secret.</summary>
public sealed record BatchExecuteStatementRequest(IReadOnlyList<string> Sqls, string Database, string WorkgroupName, string SecretArn, string? StatementName = null);

/// <summary>One statement, on the given database, workgroup and secret.</summary>
public sealed record ExecuteStatementRequest(string Sql, string Database, string WorkgroupName, string SecretArn);

public sealed record StatementStarted([property: JsonRequired] string Id);

public sealed record DescribeStatementRequest(string Id);

public sealed record SubStatement(string? Id = null, string? Status = null, string? Error = null, string? QueryString = null);

/// <summary>A statement's state.</summary>
/// <param name="Status">SUBMITTED, PICKED, STARTED, FINISHED, ABORTED or FAILED.</param>
public sealed record DescribeStatementResponse(
    [property: JsonRequired] string Id,
    [property: JsonRequired] string Status,
    string? Error = null, bool HasResultSet = false, long ResultRows = 0, IReadOnlyList<SubStatement>? SubStatements = null);

public sealed record GetStatementResultRequest(string Id, string? NextToken = null);

/// <summary>A Data API cell: exactly one of the values is set (or isNull).</summary>
public sealed record Field(
    [property: JsonPropertyName("isNull")] bool? IsNull = null,
    [property: JsonPropertyName("stringValue")] string? StringValue = null,
    [property: JsonPropertyName("longValue")] long? LongValue = null,
    [property: JsonPropertyName("doubleValue")] double? DoubleValue = null,
    [property: JsonPropertyName("booleanValue")] bool? BooleanValue = null)
{
    public decimal? AsDecimal() => StringValue is { } s ? decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : LongValue ?? (decimal?)DoubleValue;

    public double? AsDouble() => DoubleValue ?? LongValue ?? (StringValue is { } s ? double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : (double?)null);
}

public sealed record GetStatementResultResponse
{
    public IReadOnlyList<IReadOnlyList<Field>> Records { get; init; } = [];

    public string? NextToken { get; init; }

    public long TotalNumRows { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BatchExecuteStatementRequest))]
[JsonSerializable(typeof(ExecuteStatementRequest))]
[JsonSerializable(typeof(StatementStarted))]
[JsonSerializable(typeof(DescribeStatementRequest))]
[JsonSerializable(typeof(DescribeStatementResponse))]
[JsonSerializable(typeof(GetStatementResultRequest))]
[JsonSerializable(typeof(GetStatementResultResponse))]
public sealed partial class RedshiftDataJsonContext : JsonSerializerContext;
