using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Local.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>
/// A loopback double of Glue's JSON endpoint for the two calls BatchLoader makes: GetTable answers a Parquet table's
/// storage descriptor, BatchCreatePartition remembers partitions and answers AlreadyExistsException for one seen before
/// (as Glue does), or <see cref="FailWith"/> for every partition when set. Every request is kept, signature included.
/// </summary>
public sealed class GlueDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte> _partitions = new(StringComparer.Ordinal);

    private GlueDouble(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Target, string? ContentType, string? Authorization, JsonElement Body)> Requests { get; } = new();

    public string? FailWith { get; set; }

    public Uri Endpoint => new(_app.Urls.First() + "/");

    /// <summary>Registered partitions as <c>database.table/v1/v2/v3 → location</c>.</summary>
    public ConcurrentDictionary<string, string> Locations { get; } = new(StringComparer.Ordinal);

    public static async Task<GlueDouble> StartAsync()
    {
        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var glue = new GlueDouble(app);
        app.MapPost("/", (Delegate)glue.HandleAsync);
        await app.StartAsync();
        return glue;
    }

    private async Task<IResult> HandleAsync(HttpContext c)
    {
        using var doc = await JsonDocument.ParseAsync(c.Request.Body);
        var body = doc.RootElement.Clone();
        var target = c.Request.Headers["X-Amz-Target"].ToString();
        Requests.Enqueue((target, c.Request.ContentType, c.Request.Headers.Authorization, body));
        return target switch
        {
            "AWSGlue.GetTable" => Json("""
                {"Table":{"Name":"TABLE","DatabaseName":"DATABASE","PartitionKeys":[{"Name":"type","Type":"string"}],
                 "StorageDescriptor":{"Columns":[{"Name":"event_id","Type":"string"},{"Name":"occurred_at","Type":"timestamp"}],"Location":"s3://bucket/events/",
                  "InputFormat":"org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat","OutputFormat":"org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                  "Compressed":false,"SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe","Parameters":{"serialization.format":"1"}}}}}
                """.Replace("TABLE", body.GetProperty("Name").GetString(), StringComparison.Ordinal).Replace("DATABASE", body.GetProperty("DatabaseName").GetString(), StringComparison.Ordinal)),
            "AWSGlue.BatchCreatePartition" => Json(CreatePartitions(body)),
            _ => Results.Content("""{"__type":"UnknownOperationException","message":"not doubled"}""", "application/x-amz-json-1.1", Encoding.UTF8, 400),
        };
    }

    private string CreatePartitions(JsonElement body)
    {
        var table = body.GetProperty("DatabaseName").GetString() + "." + body.GetProperty("TableName").GetString();
        var errors = new List<string>();
        foreach (var input in body.GetProperty("PartitionInputList").EnumerateArray())
        {
            var values = input.GetProperty("Values").EnumerateArray().Select(v => v.GetString()!).ToArray();
            var key = table + "/" + string.Join('/', values);
            var code = FailWith ?? (_partitions.TryAdd(key, 0) ? null : "AlreadyExistsException");
            if (code is null) Locations[key] = input.GetProperty("StorageDescriptor").GetProperty("Location").GetString()!;
            else errors.Add($$$"""{"PartitionValues":{{{JsonSerializer.Serialize(values)}}},"ErrorDetail":{"ErrorCode":"{{{code}}}","ErrorMessage":"{{{code}}} for {{{key}}}"}}""");
        }

        return errors.Count == 0 ? "{}" : $$$"""{"Errors":[{{{string.Join(',', errors)}}}]}""";
    }

    private static IResult Json(string json) => Results.Content(json, "application/x-amz-json-1.1", Encoding.UTF8);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
