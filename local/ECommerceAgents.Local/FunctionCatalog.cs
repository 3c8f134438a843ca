using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Local;

/// <summary>The platform's functions by name, and how to build each one's handler in process.</summary>
public static class FunctionCatalog
{
    public sealed record Entry(string Name, string Trigger, Func<FunctionEnvironment, CancellationToken, Task<IFunctionHandler>>? Create)
    {
        public bool IsBuilt => Create is not null;
    }

    public static IReadOnlyList<Entry> All { get; } =
    [
        new("StreamProcessor", "Kinesis events stream", Functions.StreamProcessor.StreamProcessorFunction.CreateAsync),
        new("LogTransformer", "Firehose processor: logs transformation, enriched partition keys", Functions.LogTransformer.LogTransformerFunction.CreateAsync),
        new("CatalogImport", "S3 Object Created (EventBridge) in the landing zone", Functions.CatalogImport.CatalogImportFunction.CreateAsync),
        new("BatchLoader", "Glue crawler state change / schedule", Functions.BatchLoader.BatchLoaderFunction.CreateAsync),
        new("SearchIndexer", "search outbox in the processed zone", Functions.SearchIndexer.SearchIndexerFunction.CreateAsync),
    ];

    public static Entry? Find(string name) => All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
}
