using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Constructs;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class MonitoringTests(SynthesizedStages stages)
{
    [Theory]
    [InlineData("DataCompleteness", "BatchLoader", "Average", 95, "LessThanThreshold")]
    [InlineData("ErrorRate", "BatchLoader", "Average", 1, "GreaterThanOrEqualToThreshold")]
    [InlineData("FreshnessSeconds", "BatchLoader", "Maximum", 3600, "GreaterThanOrEqualToThreshold")]
    public void QualityAlarm_AtTheSeedThreshold(string metric, string function, string statistic, double threshold, string comparison)
    {
        stages.Dev.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("Namespace", Monitoring.Namespace),
            ("MetricName", metric),
            ("Dimensions", Arr(Obj(("Name", "Function"), ("Value", function)))),
            ("Statistic", statistic),
            ("Threshold", threshold),
            ("ComparisonOperator", comparison),
            ("AlarmActions", Arr(Ref(stages.Dev.Json.LogicalIdAt("/Monitoring/AlarmTopic/Resource"))))));
    }

    [Fact]
    public void LatencyAlarm_P99OfThePerEventLagReachesFiveMinutes()
    {
        stages.Dev.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("Namespace", Monitoring.Namespace),
            ("MetricName", "EventProcessingLagMs"),
            ("Dimensions", Arr(Obj(("Name", "Function"), ("Value", "StreamProcessor")))),
            ("ExtendedStatistic", "p99"),
            ("Threshold", 300_000),
            ("ComparisonOperator", "GreaterThanOrEqualToThreshold")));
    }

    [Fact]
    public void LatencyAlarm_StreamProcessorsOnlyLagAlarmReadsThePerEventMetric()
    {
        // The old alarm took a p99 over each batch's median lag (ProcessingLagMs): no StreamProcessor lag alarm may read a per-batch figure.
        var lagAlarms = stages.Dev.Json.Resources("AWS::CloudWatch::Alarm")
            .Select(a => a.Resource.GetProperty("Properties"))
            .Where(p => p.TryGetProperty("MetricName", out var name) && name.GetString()!.Contains("Lag", StringComparison.Ordinal)
                && p.GetProperty("Dimensions").GetRawText().Contains("\"StreamProcessor\"", StringComparison.Ordinal))
            .Select(p => p.GetProperty("MetricName").GetString())
            .ToArray();

        Assert.Equal(["EventProcessingLagMs"], lagAlarms);
    }

    [Fact]
    public void IteratorAgeAlarm_OnTheEventsStream()
    {
        stages.Dev.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("Namespace", "AWS/Kinesis"),
            ("MetricName", "GetRecords.IteratorAgeMilliseconds"),
            ("Dimensions", Arr(Obj(("Name", "StreamName"), ("Value", Ref(stages.Dev.Json.LogicalIdAt("/Events/Stream/Resource")))))),
            ("Threshold", 300_000)));
    }

    [Fact]
    public void FailedBatchesAlarm_AnyObjectUnderTheOnFailurePrefix()
    {
        stages.Dev.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("Namespace", "AWS/S3"),
            ("MetricName", "PutRequests"),
            ("Dimensions", Match.ArrayWith(Arr(
                Obj(("Name", "BucketName"), ("Value", Ref(stages.Dev.Json.LogicalIdAt("/DataLake/Quarantine/Resource")))),
                Obj(("Name", "FilterId"), ("Value", DataLake.FailedBatchesMetricsFilter))))),
            ("Statistic", "Sum"),
            ("Threshold", 1),
            ("ComparisonOperator", "GreaterThanOrEqualToThreshold"),
            ("TreatMissingData", "notBreaching")));
    }

    [Fact]
    public void Freshness_MissingDataBreachesInProdOnly()
    {
        stages.Prod.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(("MetricName", "FreshnessSeconds"), ("TreatMissingData", "breaching")));
        stages.Dev.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(("MetricName", "FreshnessSeconds"), ("TreatMissingData", "notBreaching")));
    }

    [Fact]
    public void EveryAlarm_NotifiesTheTopic()
    {
        var topic = stages.Dev.Json.LogicalIdAt("/Monitoring/AlarmTopic/Resource");
        foreach (var (_, alarm) in stages.Dev.Json.Resources("AWS::CloudWatch::Alarm"))
        {
            Assert.Contains(topic, alarm.GetProperty("Properties").GetProperty("AlarmActions").GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Topic_IsEncryptedAndTls()
    {
        stages.Dev.Template.HasResourceProperties("AWS::SNS::Topic", Obj(("KmsMasterKeyId", Match.AnyValue())));
        stages.Dev.Template.HasResourceProperties("AWS::SNS::TopicPolicy", Obj(
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith(Arr(Match.ObjectLike(Obj(
                ("Effect", "Deny"), ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false"))))))))))))));
    }

    [Fact]
    public void Dashboard_ShowsThePipeline()
    {
        stages.Dev.Template.HasResourceProperties("AWS::CloudWatch::Dashboard", Obj(("DashboardName", "eca-dev-pipeline")));
        var body = stages.Dev.Json.Resources("AWS::CloudWatch::Dashboard").Single().Resource.GetProperty("Properties").GetProperty("DashboardBody").GetRawText();
        foreach (var metric in new[] { "DataCompleteness", "EventProcessingLagMs", "ProcessingLagMaxMs", "FreshnessSeconds", "GetRecords.IteratorAgeMilliseconds", "DeliveryToS3.Records" })
        {
            Assert.Contains(metric, body, StringComparison.Ordinal);
        }
    }
}
