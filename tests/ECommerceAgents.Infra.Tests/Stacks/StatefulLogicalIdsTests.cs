using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests.Stacks;

/// <summary>
/// A changed logical id makes CloudFormation replace the resource: a new, empty table, bucket, stream, namespace, domain
/// or cache, and the old one deleted (dev) or orphaned (prod). These ids are held here; renaming a construct's id, or
/// moving it under another parent, fails this test instead of losing data on the next deploy.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class StatefulLogicalIdsTests(SynthesizedStages stages)
{
    private static readonly string[] StatefulTypes =
    [
        "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Kinesis::Stream", "AWS::KinesisFirehose::DeliveryStream", "AWS::KMS::Key",
        "AWS::RedshiftServerless::Namespace", "AWS::RedshiftServerless::Workgroup", "AWS::OpenSearchService::Domain",
        "AWS::ElastiCache::ServerlessCache", "AWS::SecretsManager::Secret", "AWS::Glue::Database", "AWS::Glue::Table", "AWS::SQS::Queue",
    ];

    /// <summary>Present in every stage.</summary>
    private static readonly string[] Core =
    [
        "TablesApiKeys330F873D", "TablesAuditCEFF9E0F", "TablesCatalogA41E506D", "TablesConsentDCCA963B", "TablesDedup8E2B96C8",
        "TablesIdentities4BDFD7EE", "TablesOrdersACF7C9C0", "TablesProductStats2F6CC219", "TablesProfiles742D2D94", "TablesSessions486350CB",
        "TablesTombstones4F1F52F6", "TablesWatermarksE38D3EC8", "TablesSubjectKeys8E3536BC", "TablesPrivacyRequestsA94C00AA",
        "DataLakeEnriched94C52047", "DataLakeLandingF7B10C10", "DataLakeLogs7BB9DD5F", "DataLakeProcessedF37385DD", "DataLakeQuarantineAC18E5DA", "DataLakeRaw1F82835B",
        "DataLakeExports93F093F1", "DataLakeAccessLogs1DA51325",
        "EventsStreamA348795C", "FirehoseEnriched6B4C1DA2", "FirehoseLogs742C5324", "FirehoseRawD0B8C4ED", "DataKey17AFBB84", "FailedInvocationsQueueC607D06D",
    ];

    /// <summary>Only where the stage has the VPC services (dev and prod).</summary>
    private static readonly string[] VpcServices =
    [
        "CacheDAF337C5", "SearchDomain62FD613E", "WarehouseNamespace78ED5B58", "WarehouseWorkgroup507BB996", "WarehouseAdminSecret0B1DB325",
        "CatalogDatabaseE63956BB", "CatalogOrderLinesE8DD4AF8", "CatalogProcessedEvents6BC9CF61",
    ];

    [Fact]
    public void StatefulResources_KeepTheirLogicalIds()
    {
        foreach (var stage in stages.All)
        {
            var expected = stage.Stack.Stage.VpcServices ? [.. Core, .. VpcServices] : Core;
            var actual = stage.Json.Resources().Where(r => StatefulTypes.Contains(r.Resource.GetProperty("Type").GetString())).Select(r => r.LogicalId).Order(StringComparer.Ordinal);

            Assert.Equal(expected.Order(StringComparer.Ordinal), actual);
        }
    }
}
