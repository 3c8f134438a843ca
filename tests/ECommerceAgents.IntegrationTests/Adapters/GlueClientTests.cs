using Amazon.Runtime;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>The Glue calls BatchLoader makes to register its partitions, against a loopback double of Glue's JSON endpoint.</summary>
public sealed class GlueClientTests
{
    private static GlueClient Client(GlueDouble glue, HttpClient http) =>
        new(new SigV4JsonClient(http, AwsJsonService.Glue, glue.Endpoint, "eu-west-1", new BasicAWSCredentials("AKIDEXAMPLE", "secret")));

    [Fact]
    public async Task BatchCreatePartition_SignedForGlue_TargetAndBodyAsGlueDocumentsThem()
    {
        await using var glue = await GlueDouble.StartAsync();
        using var http = new HttpClient();
        var storage = new GlueStorageDescriptor([new GlueColumn("event_id", "string")], "s3://processed/events/type=page_view/dt=2026-12-01/hr=10/",
            "in.Format", "out.Format", new GlueSerDeInfo("serde.Lib"));

        var errors = await Client(glue, http).BatchCreatePartitionAsync("eca_small", "processed_events", [new GluePartitionInput(["page_view", "2026-12-01", "10"], storage)], CancellationToken.None);

        Assert.Empty(errors);
        var request = Assert.Single(glue.Requests);
        Assert.Equal("AWSGlue.BatchCreatePartition", request.Target);
        Assert.Equal("application/x-amz-json-1.1", request.ContentType);
        Assert.Contains("Credential=AKIDEXAMPLE/", request.Authorization, StringComparison.Ordinal);
        Assert.Contains("/eu-west-1/glue/aws4_request", request.Authorization, StringComparison.Ordinal);
        Assert.Contains("x-amz-target", request.Authorization, StringComparison.Ordinal);
        Assert.Equal("""
            {"DatabaseName":"eca_small","TableName":"processed_events","PartitionInputList":[{"Values":["page_view","2026-12-01","10"],"StorageDescriptor":{"Columns":[{"Name":"event_id","Type":"string"}],"Location":"s3://processed/events/type=page_view/dt=2026-12-01/hr=10/","InputFormat":"in.Format","OutputFormat":"out.Format","SerdeInfo":{"SerializationLibrary":"serde.Lib"}}}]}
            """, request.Body.GetRawText());
    }

    [Fact]
    public async Task Catalog_InheritsTheTablesStorage_ReadsEachTableOnce_AnExistingPartitionIsFine()
    {
        await using var glue = await GlueDouble.StartAsync();
        using var http = new HttpClient();
        var catalog = new GluePartitionCatalog(Client(glue, http), "eca_small");
        var p = new PartitionId("purchase", "2026-12-01", "10");
        async Task RegisterBothAsync()
        {
            await catalog.RegisterAsync(ZoneLayout.CatalogEventsTable, p, "s3://processed/events/" + p.Path, CancellationToken.None);
            await catalog.RegisterAsync(ZoneLayout.CatalogOrderLinesTable, p, "s3://processed/order-lines/" + p.Path, CancellationToken.None);
        }

        await RegisterBothAsync();
        await RegisterBothAsync(); // a retried load: Glue answers AlreadyExistsException

        var requests = glue.Requests.ToList();
        Assert.Equal(["AWSGlue.GetTable", "AWSGlue.BatchCreatePartition", "AWSGlue.GetTable", "AWSGlue.BatchCreatePartition", "AWSGlue.BatchCreatePartition", "AWSGlue.BatchCreatePartition"], requests.Select(r => r.Target));
        Assert.Equal([ZoneLayout.CatalogEventsTable, ZoneLayout.CatalogOrderLinesTable], requests.Where(r => r.Target == "AWSGlue.GetTable").Select(r => r.Body.GetProperty("Name").GetString()));
        Assert.Equal("s3://processed/events/type=purchase/dt=2026-12-01/hr=10/", glue.Locations["eca_small.processed_events/purchase/2026-12-01/10"]);
        Assert.Equal("s3://processed/order-lines/type=purchase/dt=2026-12-01/hr=10/", glue.Locations["eca_small.order_lines/purchase/2026-12-01/10"]);
        var descriptor = requests[1].Body.GetProperty("PartitionInputList")[0].GetProperty("StorageDescriptor");
        Assert.Equal("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", descriptor.GetProperty("SerdeInfo").GetProperty("SerializationLibrary").GetString());
        Assert.Equal(2, descriptor.GetProperty("Columns").GetArrayLength());
    }

    [Fact]
    public async Task Catalog_AnyOtherPartitionError_FailsTheLoad()
    {
        await using var glue = await GlueDouble.StartAsync();
        using var http = new HttpClient();
        glue.FailWith = "EntityNotFoundException";
        var catalog = new GluePartitionCatalog(Client(glue, http), "eca_small");
        var p = new PartitionId("page_view", "2026-12-01", "10");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => catalog.RegisterAsync(ZoneLayout.CatalogEventsTable, p, "s3://processed/events/" + p.Path, CancellationToken.None));

        Assert.Contains("EntityNotFoundException", error.Message, StringComparison.Ordinal);
        Assert.Contains("eca_small.processed_events [page_view/2026-12-01/10]", error.Message, StringComparison.Ordinal);
    }
}
