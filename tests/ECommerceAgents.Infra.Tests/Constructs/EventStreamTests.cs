using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class EventStreamTests(SynthesizedStages stages)
{
    [Fact]
    public void Stream_IsKmsEncryptedWithThePlatformKey_OnDemandInDevAndLocal()
    {
        foreach (var stage in stages.All)
        {
            stage.Template.ResourceCountIs("AWS::Kinesis::Stream", 1);
            stage.Template.HasResourceProperties("AWS::Kinesis::Stream", Obj(
                ("StreamEncryption", Obj(("EncryptionType", "KMS"), ("KeyId", GetAtt(stage.Json.LogicalIdAt("/DataKey/Resource"), "Arn"))))));
        }

        foreach (var stage in new[] { stages.Dev, stages.Local })
        {
            stage.Template.HasResourceProperties("AWS::Kinesis::Stream", Obj(("StreamModeDetails", Obj(("StreamMode", "ON_DEMAND"))), ("ShardCount", Match.Absent())));
        }
    }

    [Fact]
    public void Stream_IsProvisioned_WithTheStagesShardCount_InSmallAndProd()
    {
        stages.Small.Template.HasResourceProperties("AWS::Kinesis::Stream", Obj(("StreamModeDetails", Obj(("StreamMode", "PROVISIONED"))), ("ShardCount", 2)));
        stages.Prod.Template.HasResourceProperties("AWS::Kinesis::Stream", Obj(("StreamModeDetails", Obj(("StreamMode", "PROVISIONED"))), ("ShardCount", 16)));
        Assert.Equal(16, StageConfig.For(StageName.Prod).KinesisShards);
    }

    [Fact]
    public void Retention_IsADayInSmall()
    {
        stages.Small.Template.HasResourceProperties("AWS::Kinesis::Stream", Obj(("RetentionPeriodHours", 24)));
    }

    [Fact]
    public void Retention_IsLongerInProd()
    {
        stages.Dev.Template.HasResourceProperties("AWS::Kinesis::Stream", Obj(("RetentionPeriodHours", 24)));
        stages.Prod.Template.HasResourceProperties("AWS::Kinesis::Stream", Obj(("RetentionPeriodHours", 168)));
    }

    [Fact]
    public void Key_RotatesAndIsRetainedInProd()
    {
        stages.Dev.Template.HasResourceProperties("AWS::KMS::Key", Obj(("EnableKeyRotation", true)));
        stages.Prod.Template.HasResource("AWS::KMS::Key", Obj(("DeletionPolicy", "Retain")));
    }
}
