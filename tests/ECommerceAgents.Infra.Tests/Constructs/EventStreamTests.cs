using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class EventStreamTests(SynthesizedStages stages)
{
    [Fact]
    public void Stream_IsOnDemandAndKmsEncryptedWithThePlatformKey()
    {
        foreach (var stage in stages.All)
        {
            stage.Template.ResourceCountIs("AWS::Kinesis::Stream", 1);
            stage.Template.HasResourceProperties("AWS::Kinesis::Stream", Obj(
                ("StreamModeDetails", Obj(("StreamMode", "ON_DEMAND"))),
                ("StreamEncryption", Obj(("EncryptionType", "KMS"), ("KeyId", GetAtt(stage.Json.LogicalIdAt("/DataKey/Resource"), "Arn")))),
                ("ShardCount", Match.Absent())));
        }
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
