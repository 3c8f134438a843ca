using System.Text.Json.Serialization;
using System.Text.Json;
using ECommerceAgents.Domain.Catalog;

namespace ECommerceAgents.Functions.CatalogImport;

/// <summary>What an invocation answers: one summary for the event's object (the full report is in S3). A list, as callers already read it.</summary>
public sealed record CatalogImportResponse(IReadOnlyList<CatalogImportResult> Imports);

/// <summary>
/// One import's summary: where the object is, how the import ended (<paramref name="Report"/> is the full report's
/// <c>s3://</c> address), and the counts of <see cref="ImportReport"/> a caller checks.
/// </summary>
public sealed record CatalogImportResult(
    string Bucket, string Key, string Status, string? ImportId = null, string? Report = null, string? Message = null,
    long Rows = 0, long Ok = 0, long Rejected = 0, long Duplicates = 0,
    long New = 0, long Changed = 0, long Unchanged = 0, long Deleted = 0, long StockDeltasEmitted = 0,
    string? SearchOutbox = null)
{
    public static CatalogImportResult From(ImportReport r) => new(
        r.Bucket, r.Key, r.Status, r.ImportId, r.Status == "not_found" ? null : $"s3://{r.Bucket}/{CatalogImporter.ReportKey(r.ImportId)}", r.Message,
        r.Rows, r.Ok, r.Rejected, r.Duplicates,
        r.New, r.Changed, r.Unchanged, r.Deleted, r.StockDeltasEmitted,
        r.SearchOutbox);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CatalogImportResponse))]
public sealed partial class CatalogImportJsonContext : JsonSerializerContext;
