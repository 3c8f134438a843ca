using System.Text.Json.Serialization;
using System.Text.Json;
using ECommerceAgents.Domain.Catalog;

namespace ECommerceAgents.Functions.CatalogImport;

/// <summary>What an invocation answers: one summary for the event's object (the full report is in S3). A list, as callers already read it.</summary>
public sealed record CatalogImportResponse
{
    public required IReadOnlyList<CatalogImportResult> Imports { get; init; }
}

public sealed record CatalogImportResult
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string Status { get; init; }

    public string? ImportId { get; init; }

    public string? Report { get; init; }

    public string? Message { get; init; }

    public long Rows { get; init; }

    public long Ok { get; init; }

    public long Rejected { get; init; }

    public long Duplicates { get; init; }

    public long New { get; init; }

    public long Changed { get; init; }

    public long Unchanged { get; init; }

    public long Deleted { get; init; }

    public long StockDeltasEmitted { get; init; }

    public string? SearchOutbox { get; init; }

    public static CatalogImportResult From(ImportReport r) => new()
    {
        Bucket = r.Bucket,
        Key = r.Key,
        Status = r.Status,
        ImportId = r.ImportId,
        Report = r.Status == "not_found" ? null : $"s3://{r.Bucket}/{CatalogImporter.ReportKey(r.ImportId)}",
        Message = r.Message,
        Rows = r.Rows,
        Ok = r.Ok,
        Rejected = r.Rejected,
        Duplicates = r.Duplicates,
        New = r.New,
        Changed = r.Changed,
        Unchanged = r.Unchanged,
        Deleted = r.Deleted,
        StockDeltasEmitted = r.StockDeltasEmitted,
        SearchOutbox = r.SearchOutbox,
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CatalogImportResponse))]
public sealed partial class CatalogImportJsonContext : JsonSerializerContext;
