using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class QuickSightAnalyticsTests(SynthesizedStages stages)
{
    [Fact]
    public void QuickSight_IsOptIn()
    {
        stages.Dev.Template.ResourceCountIs("AWS::QuickSight::DataSource", 0);
        stages.Dev.Template.ResourceCountIs("AWS::QuickSight::DataSet", 0);
        stages.Prod.Template.ResourceCountIs("AWS::QuickSight::DataSource", 1);
    }

    [Fact]
    public void DataSource_IsTheWarehouseThroughAVpcConnectionAndTheAdminSecret()
    {
        stages.Prod.Template.HasResourceProperties("AWS::QuickSight::DataSource", Obj(
            ("Type", "REDSHIFT"),
            ("DataSourceParameters", Obj(("RedshiftParameters", Match.ObjectLike(Obj(("Port", 5439), ("Database", Resources.Warehouse.Database)))))),
            ("Credentials", Obj(("SecretArn", Match.AnyValue()))),
            ("VpcConnectionProperties", Obj(("VpcConnectionArn", Match.AnyValue()))),
            ("SslProperties", Obj(("DisableSsl", false))),
            ("Permissions", Arr(Match.ObjectLike(Obj(("Principal", SynthesizedStages.QuickSightPrincipal)))))));
        stages.Prod.Template.ResourceCountIs("AWS::QuickSight::VPCConnection", 1);
    }

    [Fact]
    public void DataSets_OnePerWarehouseModel_OverSchemaEca()
    {
        stages.Prod.Template.ResourceCountIs("AWS::QuickSight::DataSet", WarehouseModels.All.Count);
        // PhysicalTableMap keys allow only [0-9a-zA-Z-] (cfn-lint E3002): the table name with hyphens for underscores.
        foreach (var (key, model) in new[]
                 {
                     ("fct-events", "fct_events"), ("fct-orders", "fct_orders"), ("mdl-funnel-daily", "mdl_funnel_daily"), ("mdl-kpi-daily", "mdl_kpi_daily"),
                     ("mdl-product-performance", "mdl_product_performance"), ("mdl-customer-segments", "mdl_customer_segments"), ("mdl-retention-weekly", "mdl_retention_weekly"),
                 })
        {
            stages.Prod.Template.HasResourceProperties("AWS::QuickSight::DataSet", Obj(
                ("ImportMode", "DIRECT_QUERY"),
                ("PhysicalTableMap", Obj((key, Obj(("RelationalTable", Match.ObjectLike(Obj(
                    ("Schema", Resources.Warehouse.Schema), ("Name", model), ("InputColumns", Match.AnyValue()))))))))));
        }
    }
}
