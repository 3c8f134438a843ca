using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

/// <summary>Asynchronous work that fails is kept, never dropped: on-failure destinations, rule DLQs, an alarm.</summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class FailedInvocationsTests(SynthesizedStages stages)
{
    [Theory]
    [InlineData("CatalogImportFunction", 21_600)]
    [InlineData("SearchIndexerFunction", 21_600)]
    [InlineData("BatchLoaderFunction", 3_600)]
    public void AsyncFunctions_RetryTwice_ThenLandInTheQueue(string function, int maxAgeSeconds)
    {
        foreach (var stage in stages.All)
        {
            var queue = stage.Json.LogicalIdAt("/FailedInvocations/Queue/Resource");
            stage.Template.HasResourceProperties("AWS::Lambda::EventInvokeConfig", Obj(
                ("FunctionName", Ref(function)),
                ("MaximumRetryAttempts", 2),
                ("MaximumEventAgeInSeconds", maxAgeSeconds),
                ("DestinationConfig", Obj(("OnFailure", Obj(("Destination", GetAtt(queue, "Arn"))))))));
        }
    }

    [Fact]
    public void EveryRuleInvokingAFunction_HasTheQueueAsDeadLetterQueue()
    {
        var queue = stages.Dev.Json.LogicalIdAt("/FailedInvocations/Queue/Resource");
        var targets = stages.Dev.Json.Resources("AWS::Events::Rule")
            .SelectMany(r => r.Resource.GetProperty("Properties").GetProperty("Targets").EnumerateArray())
            .ToList();

        Assert.Equal(5, targets.Count); // catalog uploads, search outbox, crawler success, and the two schedules
        Assert.All(targets, t => Assert.Equal(queue, t.GetProperty("DeadLetterConfig").GetProperty("Arn").GetProperty("Fn::GetAtt")[0].GetString()));
        // EventBridge may send to the queue only for our rules.
        stages.Dev.Template.HasResourceProperties("AWS::SQS::QueuePolicy", Obj(
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith(Arr(Match.ObjectLike(Obj(
                ("Action", "sqs:SendMessage"),
                ("Principal", Obj(("Service", "events.amazonaws.com"))),
                ("Condition", Obj(("ArnEquals", Obj(("aws:SourceArn", Match.AnyValue()))))))))))))));
    }

    [Fact]
    public void Queue_IsEncryptedTlsOnlyAndKeptTwoWeeks_WithAnAlarm()
    {
        var queue = stages.Prod.Json.LogicalIdAt("/FailedInvocations/Queue/Resource");
        stages.Prod.Template.HasResourceProperties("AWS::SQS::Queue", Obj(("SqsManagedSseEnabled", true), ("MessageRetentionPeriod", 1_209_600)));
        stages.Prod.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("AlarmName", "eca-prod-failed-invocations"),
            ("MetricName", "ApproximateNumberOfMessagesVisible"),
            ("Namespace", "AWS/SQS"),
            ("Threshold", 1),
            ("Dimensions", Arr(Obj(("Name", "QueueName"), ("Value", GetAtt(queue, "QueueName"))))),
            ("AlarmActions", Match.AnyValue())));
    }
}
