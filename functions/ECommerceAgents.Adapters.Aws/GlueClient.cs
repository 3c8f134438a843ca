// Stands in for AWSSDK.Glue (not served to this build): the two Data Catalog calls BatchLoader makes to register partitions.
using System.Text.Json.Serialization;

namespace ECommerceAgents.Adapters.Aws;

/// <summary>
/// The Glue Data Catalog over the SigV4 JSON client (service <c>glue</c>, target <c>AWSGlue.*</c>): a table's storage
/// descriptor (GetTable), and BatchCreatePartition, which answers per partition (an existing one is an
/// <c>AlreadyExistsException</c> entry, not a failed call).
/// </summary>
public sealed class GlueClient(SigV4JsonClient client)
{
    /// <summary>BatchCreatePartition takes at most this many partitions per call.</summary>
    public const int MaxPartitionsPerCall = 100;

    public const string AlreadyExists = "AlreadyExistsException";

    public async Task<GlueStorageDescriptor> GetTableStorageAsync(string database, string table, CancellationToken cancellationToken)
    {
        var response = await client.CallAsync("GetTable", new GlueGetTableRequest(database, table),
            GlueJsonContext.Default.GlueGetTableRequest, GlueJsonContext.Default.GlueGetTableResponse, cancellationToken).ConfigureAwait(false);
        return response.Table?.StorageDescriptor ?? throw new AwsServiceException("EntityNotFoundException", $"Glue table {database}.{table} has no storage descriptor", System.Net.HttpStatusCode.OK);
    }

    /// <summary>Creates the partitions; returns the per-partition errors Glue answered with (existing partitions among them).</summary>
    public async Task<IReadOnlyList<GluePartitionError>> BatchCreatePartitionAsync(string database, string table, IReadOnlyList<GluePartitionInput> partitions, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions.Count, MaxPartitionsPerCall);
        var response = await client.CallAsync("BatchCreatePartition", new GlueBatchCreatePartitionRequest(database, table, partitions),
            GlueJsonContext.Default.GlueBatchCreatePartitionRequest, GlueJsonContext.Default.GlueBatchCreatePartitionResponse, cancellationToken).ConfigureAwait(false);
        return response.Errors ?? [];
    }
}

internal sealed record GlueGetTableRequest(string DatabaseName, string Name);

internal sealed record GlueGetTableResponse(GlueTable? Table);

internal sealed record GlueTable(string Name, GlueStorageDescriptor? StorageDescriptor);

public sealed record GlueColumn(string Name, string? Type = null);

public sealed record GlueSerDeInfo(string? SerializationLibrary = null, IReadOnlyDictionary<string, string>? Parameters = null);

/// <summary>Where a table's or partition's files are and how they are read (the fields a partition inherits from its table).</summary>
public sealed record GlueStorageDescriptor(
    IReadOnlyList<GlueColumn>? Columns = null, string? Location = null, string? InputFormat = null, string? OutputFormat = null,
    GlueSerDeInfo? SerdeInfo = null);

/// <summary>One partition: its key values in the table's partition-key order, and its storage.</summary>
public sealed record GluePartitionInput(IReadOnlyList<string> Values, GlueStorageDescriptor StorageDescriptor);

internal sealed record GlueBatchCreatePartitionRequest(string DatabaseName, string TableName, IReadOnlyList<GluePartitionInput> PartitionInputList);

public sealed record GlueErrorDetail(string? ErrorCode = null, string? ErrorMessage = null);

public sealed record GluePartitionError(IReadOnlyList<string>? PartitionValues = null, GlueErrorDetail? ErrorDetail = null);

internal sealed record GlueBatchCreatePartitionResponse(IReadOnlyList<GluePartitionError>? Errors = null);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GlueGetTableRequest))]
[JsonSerializable(typeof(GlueGetTableResponse))]
[JsonSerializable(typeof(GlueBatchCreatePartitionRequest))]
[JsonSerializable(typeof(GlueBatchCreatePartitionResponse))]
internal sealed partial class GlueJsonContext : JsonSerializerContext;
