using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Tests.Constructs.Functions;

/// <summary>Each function gets the <c>ECA_*</c> names of exactly the resources it uses, under the names the definitions choose.</summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class FunctionEnvironmentTests(SynthesizedStages stages)
{
    private static readonly string[] Shared = [SettingNames.Stage];

    public static TheoryData<string, string[]> DevFunctions => new()
    {
        {
            "StreamProcessor",
            [
                .. Names(Tables.Profiles, Tables.Sessions, Tables.Identities, Tables.ProductStats, Tables.Orders, Tables.Dedup, Tables.Watermarks, Tables.Consent, Tables.Catalog, Tables.SubjectKeys),
                SettingNames.KmsKeyId,
                Buckets.Quarantine.EnvironmentVariable, DeliveryStreams.Enriched.EnvironmentVariable,
                ServiceEndpoints.RedisVariable, SettingNames.PseudonymKeyParameter, SettingNames.DedupWindowHours,
            ]
        },
        { "LogTransformer", [DeliveryStreams.Enriched.EnvironmentVariable, DeliveryStreams.Logs.EnvironmentVariable] },
        { "CatalogImport", [Tables.Catalog.EnvironmentVariable, Buckets.Landing.EnvironmentVariable, Buckets.Processed.EnvironmentVariable, Streams.Events.EnvironmentVariable] },
        {
            "BatchLoader",
            [
                .. Names(Tables.Watermarks, Tables.Tombstones, Tables.Audit, Tables.SubjectKeys, Tables.PrivacyRequests),
                .. Names(Tables.Profiles, Tables.Sessions, Tables.Identities, Tables.Orders, Tables.Consent),
                SettingNames.KmsKeyId,
                .. Buckets.All.Where(b => b != Buckets.Landing).Select(b => b.EnvironmentVariable),
                SettingNames.RedshiftWorkgroup, SettingNames.RedshiftDatabase, SettingNames.RedshiftSecretArn, SettingNames.RedshiftCopyRoleArn,
                SettingNames.GlueDatabase, SettingNames.GlueCrawlers,
            ]
        },
        { "SearchIndexer", [Buckets.Processed.EnvironmentVariable, Buckets.Quarantine.EnvironmentVariable, "OPENSEARCH_ENDPOINT"] },
        {
            "Api",
            [
                .. Names(Tables.Profiles, Tables.Sessions, Tables.Identities, Tables.Catalog, Tables.Orders, Tables.ProductStats, Tables.Watermarks, Tables.Dedup, Tables.Consent, Tables.ApiKeys, Tables.Audit, Tables.Tombstones, Tables.SubjectKeys, Tables.PrivacyRequests),
                Buckets.Exports.EnvironmentVariable,
                SettingNames.KmsKeyId, Streams.Events.EnvironmentVariable, ServiceEndpoints.RedisVariable, "OPENSEARCH_ENDPOINT", SettingNames.WebhookSecretsParameter, SettingNames.BootstrapAdminKeyParameter,
            ]
        },
        { "ApiStream", [.. Names(Tables.ApiKeys, Tables.Profiles, Tables.Consent, Tables.Audit), ServiceEndpoints.RedisVariable, SettingNames.ApiMode] },
    };

    [Theory]
    [MemberData(nameof(DevFunctions))]
    public void Function_Dev_GetsOnlyTheEcaNamesOfWhatItUses(string function, string[] expected)
    {
        var environment = stages.Dev.Json.FunctionEnvironment(function + "Function");

        var eca = environment.Keys.Where(k => k.StartsWith(SettingNames.Prefix, StringComparison.Ordinal) || k == "OPENSEARCH_ENDPOINT").Order();
        Assert.Equal([.. expected.Concat(Shared).Order()], eca);
    }

    [Fact]
    public void StreamProcessor_DedupWindow_Is24Hours()
    {
        Assert.Equal("24", stages.Dev.Json.FunctionEnvironment("StreamProcessorFunction")[SettingNames.DedupWindowHours]);
    }

    [Fact]
    public void StreamProcessor_OwnDomains_FromContext_Normalised_AbsentWithout()
    {
        Assert.Equal("shop.example,shop.example.co.uk", stages.Prod.Json.FunctionEnvironment("StreamProcessorFunction")[SettingNames.OwnDomains]);
        Assert.False(stages.ProdWithoutQuickSight.Json.FunctionEnvironment("StreamProcessorFunction").ContainsKey(SettingNames.OwnDomains));
        var refused = Assert.Throws<ArgumentException>(() => InfraSettings.ParseOwnDomains("shop.example,https://shop.example/"));
        Assert.Contains("ownDomains", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_ConnectionString_IsTheServerlessEndpointWithTls()
    {
        var redis = stages.Dev.Json.FunctionEnvironment("StreamProcessorFunction")[ServiceEndpoints.RedisVariable];

        Assert.Contains("Endpoint.Address", redis, StringComparison.Ordinal);
        Assert.Contains("Endpoint.Port", redis, StringComparison.Ordinal);
        Assert.Contains(",ssl=true", redis, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenSearchEndpoint_IsHttpsDomainEndpoint()
    {
        var endpoint = stages.Dev.Json.FunctionEnvironment("SearchIndexerFunction")["OPENSEARCH_ENDPOINT"];

        Assert.Contains("\"https://\"", endpoint, StringComparison.Ordinal);
        Assert.Contains("DomainEndpoint", endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public void TableVariables_HoldThePhysicalTableNames()
    {
        var environment = stages.Dev.Json.FunctionEnvironment("ApiFunction");
        var profiles = stages.Dev.Json.LogicalIdAt("/Tables/Profiles/Resource");

        Assert.Equal($$"""{"Ref":"{{profiles}}"}""", environment[Tables.Profiles.EnvironmentVariable]);
    }

    [Fact]
    public void SecretParameters_AreSsmNamesUnderTheStagePrefix()
    {
        Assert.Equal("/eca-dev/pseudonym-key", stages.Dev.Json.FunctionEnvironment("StreamProcessorFunction")[SettingNames.PseudonymKeyParameter]);
        Assert.Equal("/eca-dev/webhook-secrets", stages.Dev.Json.FunctionEnvironment("ApiFunction")[SettingNames.WebhookSecretsParameter]);
        Assert.Equal("/eca-dev/bootstrap-admin-key", stages.Dev.Json.FunctionEnvironment("ApiFunction")[SettingNames.BootstrapAdminKeyParameter]);
    }

    [Fact]
    public void Local_Functions_ReadADevelopmentKeyAndNoExtension()
    {
        var environment = stages.Local.Json.FunctionEnvironment("StreamProcessorFunction");

        Assert.Equal("local-development-key-not-a-secret", environment[SettingNames.PseudonymKey]);
        Assert.DoesNotContain(SettingNames.PseudonymKeyParameter, environment.Keys);
        Assert.DoesNotContain(ServiceEndpoints.RedisVariable, environment.Keys);
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("PARAMETERS_SECRETS_EXTENSION", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Names(params TableDefinition[] tables) => tables.Select(t => t.EnvironmentVariable);
}
