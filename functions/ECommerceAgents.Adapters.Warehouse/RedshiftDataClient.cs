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
            new BatchExecuteStatementRequest { Sqls = sqls, Database = target.Database, WorkgroupName = target.WorkgroupName, SecretArn = target.SecretArn, StatementName = name },
            RedshiftDataJsonContext.Default.BatchExecuteStatementRequest, RedshiftDataJsonContext.Default.StatementStarted, cancellationToken).ConfigureAwait(false);
        return await WaitAsync(started.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One statement; returns its first result set (all pages).</summary>
    public async Task<IReadOnlyList<IReadOnlyList<Field>>> QueryAsync(string sql, CancellationToken cancellationToken)
    {
        var started = await client.CallAsync("ExecuteStatement",
            new ExecuteStatementRequest { Sql = sql, Database = target.Database, WorkgroupName = target.WorkgroupName, SecretArn = target.SecretArn },
            RedshiftDataJsonContext.Default.ExecuteStatementRequest, RedshiftDataJsonContext.Default.StatementStarted, cancellationToken).ConfigureAwait(false);
        await WaitAsync(started.Id, cancellationToken).ConfigureAwait(false);
        var rows = new List<IReadOnlyList<Field>>();
        string? token = null;
        do
        {
            var page = await client.CallAsync("GetStatementResult", new GetStatementResultRequest { Id = started.Id, NextToken = token },
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
            var status = await client.CallAsync("DescribeStatement", new DescribeStatementRequest { Id = id },
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

public sealed record BatchExecuteStatementRequest
{
    public required IReadOnlyList<string> Sqls { get; init; }

    public required string Database { get; init; }

    public required string WorkgroupName { get; init; }

    public required string SecretArn { get; init; }

    public string? StatementName { get; init; }
}

public sealed record ExecuteStatementRequest
{
    public required string Sql { get; init; }

    public required string Database { get; init; }

    public required string WorkgroupName { get; init; }

    public required string SecretArn { get; init; }
}

public sealed record StatementStarted
{
    public required string Id { get; init; }
}

public sealed record DescribeStatementRequest
{
    public required string Id { get; init; }
}

public sealed record SubStatement
{
    public string? Id { get; init; }

    public string? Status { get; init; }

    public string? Error { get; init; }

    public string? QueryString { get; init; }
}

public sealed record DescribeStatementResponse
{
    public required string Id { get; init; }

    /// <summary>SUBMITTED, PICKED, STARTED, FINISHED, ABORTED or FAILED.</summary>
    public required string Status { get; init; }

    public string? Error { get; init; }

    public bool HasResultSet { get; init; }

    public long ResultRows { get; init; }

    public IReadOnlyList<SubStatement>? SubStatements { get; init; }
}

public sealed record GetStatementResultRequest
{
    public required string Id { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>A Data API cell: exactly one of the values is set (or isNull).</summary>
public sealed record Field
{
    [JsonPropertyName("isNull")]
    public bool? IsNull { get; init; }

    [JsonPropertyName("stringValue")]
    public string? StringValue { get; init; }

    [JsonPropertyName("longValue")]
    public long? LongValue { get; init; }

    [JsonPropertyName("doubleValue")]
    public double? DoubleValue { get; init; }

    [JsonPropertyName("booleanValue")]
    public bool? BooleanValue { get; init; }

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
