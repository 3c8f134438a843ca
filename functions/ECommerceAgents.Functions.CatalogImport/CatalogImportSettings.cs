using ECommerceAgents.Domain.Catalog;

namespace ECommerceAgents.Functions.CatalogImport;

/// <summary>CatalogImport's settings, read from its environment in one place (<see cref="From"/>).</summary>
public sealed record CatalogImportSettings
{
    /// <summary>How rows are cleansed (<see cref="SettingNames.CatalogDefaultCurrency"/>, <see cref="SettingNames.CatalogLowStock"/>).</summary>
    public required CleanserOptions Cleanser { get; init; }

    /// <summary>How the file is read and compared (<see cref="SettingNames.CatalogChunk"/>, <see cref="SettingNames.CatalogTemp"/>).</summary>
    public required CatalogImportOptions Import { get; init; }

    /// <summary>Parallel DynamoDB requests of the catalog store (<see cref="SettingNames.CatalogDynamoDbConcurrency"/>).</summary>
    public int DynamoDbConcurrency { get; init; } = 8;

    public static CatalogImportSettings From(FunctionEnvironment env) => new()
    {
        Cleanser = new CleanserOptions
        {
            DefaultCurrency = env.Setting(SettingNames.CatalogDefaultCurrency),
            LowStockThreshold = env.IntSetting(SettingNames.CatalogLowStock, 5),
        },
        Import = new CatalogImportOptions
        {
            ChunkSize = env.IntSetting(SettingNames.CatalogChunk, 1000),
            TempDirectory = env.Setting(SettingNames.CatalogTemp),
        },
        DynamoDbConcurrency = env.IntSetting(SettingNames.CatalogDynamoDbConcurrency, 8),
    };
}
