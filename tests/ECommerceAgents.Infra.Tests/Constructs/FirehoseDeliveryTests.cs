using System.Text.Json;
using ECommerceAgents.Infra.Constructs;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class FirehoseDeliveryTests(SynthesizedStages stages)
{
    public static TheoryData<string> StreamIds => [.. DeliveryStreams.All.Select(d => d.Id)];

    [Theory]
    [MemberData(nameof(StreamIds))]
    public void DeliveryStream_UsesTheDefinitionVerbatim(string id)
    {
        var definition = DeliveryStreams.All.Single(d => d.Id == id);
        var properties = Stream(id).GetProperty("Properties");
        var s3 = properties.GetProperty("ExtendedS3DestinationConfiguration");

        Assert.Equal($"eca-dev-{id}", properties.GetProperty("DeliveryStreamName").GetString());
        Assert.Equal(definition.Prefix, s3.GetProperty("Prefix").GetString());
        Assert.Equal(definition.ErrorPrefix, s3.GetProperty("ErrorOutputPrefix").GetString());
        Assert.Equal("GZIP", s3.GetProperty("CompressionFormat").GetString());
        Assert.Equal(definition.BufferSeconds, s3.GetProperty("BufferingHints").GetProperty("IntervalInSeconds").GetInt32());
        Assert.Equal(definition.BufferMegabytes, s3.GetProperty("BufferingHints").GetProperty("SizeInMBs").GetInt32());
        Assert.Contains(stages.Dev.Json.LogicalIdAt($"/DataLake/{Naming.Pascal(definition.Destination.Id)}/Resource"), s3.GetProperty("BucketARN").GetRawText(), StringComparison.Ordinal);
        Assert.True(s3.GetProperty("CloudWatchLoggingOptions").GetProperty("Enabled").GetBoolean());
        Assert.Equal(definition.AppendNewline, Processors(s3).Any(p => p.GetProperty("Type").GetString() == "AppendDelimiterToRecord"));
    }

    [Fact]
    public void Raw_ReadsTheEventsStreamItself()
    {
        var properties = Stream(DeliveryStreams.RawArchive.Id).GetProperty("Properties");

        Assert.Equal("KinesisStreamAsSource", properties.GetProperty("DeliveryStreamType").GetString());
        Assert.Contains(stages.Dev.Json.LogicalIdAt("/Events/Stream/Resource"),
            properties.GetProperty("KinesisStreamSourceConfiguration").GetProperty("KinesisStreamARN").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Enriched_PartitionKeysFromLogTransformer_AfterTheDeaggregation_WithoutJq()
    {
        var properties = Stream(DeliveryStreams.Enriched.Id).GetProperty("Properties");
        var s3 = properties.GetProperty("ExtendedS3DestinationConfiguration");
        var types = Processors(s3).Select(p => p.GetProperty("Type").GetString()).ToArray();
        var lambda = Processors(s3).Single(p => p.GetProperty("Type").GetString() == "Lambda");

        Assert.Equal("DirectPut", properties.GetProperty("DeliveryStreamType").GetString());
        Assert.True(s3.GetProperty("DynamicPartitioningConfiguration").GetProperty("Enabled").GetBoolean());
        Assert.Equal(["RecordDeAggregation", "Lambda", "AppendDelimiterToRecord"], types);
        Assert.DoesNotContain("MetadataExtraction", types);
        Assert.Contains("LogTransformerFunction", lambda.GetProperty("Parameters").GetRawText(), StringComparison.Ordinal);
        foreach (var key in ECommerceAgents.Domain.Batch.ZoneLayout.EnrichedPartitionKeyNames)
        {
            Assert.Contains($"!{{partitionKeyFromLambda:{key}}}", s3.GetProperty("Prefix").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LogTransformer_IsToldTheEnrichedStreamItPartitions()
    {
        var function = stages.Dev.Json.Resources("AWS::Lambda::Function").Single(f => f.LogicalId.Contains("LogTransformer", StringComparison.Ordinal)).Resource;
        var variables = function.GetProperty("Properties").GetProperty("Environment").GetProperty("Variables");

        Assert.Equal($"eca-dev-{DeliveryStreams.Enriched.Id}", variables.GetProperty(DeliveryStreams.Enriched.EnvironmentVariable).GetString());
    }

    [Fact]
    public void Enriched_DeaggregatesPackedRecordsOnTheDelimiterBeforePartitioning()
    {
        var s3 = Stream(DeliveryStreams.Enriched.Id).GetProperty("Properties").GetProperty("ExtendedS3DestinationConfiguration");
        var processors = Processors(s3).ToArray();
        var parameters = processors[0].GetProperty("Parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("ParameterName").GetString()!, p => p.GetProperty("ParameterValue").GetString()!);

        Assert.Equal("RecordDeAggregation", processors[0].GetProperty("Type").GetString());
        Assert.Equal("DELIMITED", parameters["SubRecordType"]);
        Assert.Equal("\n", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(parameters["Delimiter"])));
    }

    [Fact]
    public void Logs_TransformedByLogTransformerAndPartitionedFromItsKeys()
    {
        var properties = Stream(DeliveryStreams.Logs.Id).GetProperty("Properties");
        var s3 = properties.GetProperty("ExtendedS3DestinationConfiguration");
        var lambda = Processors(s3).Single(p => p.GetProperty("Type").GetString() == "Lambda");

        Assert.True(s3.GetProperty("DynamicPartitioningConfiguration").GetProperty("Enabled").GetBoolean());
        Assert.Contains("LogTransformerFunction", lambda.GetProperty("Parameters").GetRawText(), StringComparison.Ordinal);
        Assert.Contains("partitionKeyFromLambda", s3.GetProperty("Prefix").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void LambdaProcessor_BuffersAsTheResourcesSay()
    {
        // The stand-in, the cost model and the scaling model read the same constants, so they price and batch the
        // invocations the template asks Firehose for.
        var processed = DeliveryStreams.All.Where(d => d.TransformedByLambda).ToList();
        Assert.NotEmpty(processed);
        foreach (var definition in processed)
        {
            var s3 = Stream(definition.Id).GetProperty("Properties").GetProperty("ExtendedS3DestinationConfiguration");
            var parameters = Processors(s3).Single(p => p.GetProperty("Type").GetString() == "Lambda").GetProperty("Parameters").EnumerateArray()
                .Where(p => p.GetProperty("ParameterValue").ValueKind == JsonValueKind.String)
                .ToDictionary(p => p.GetProperty("ParameterName").GetString()!, p => p.GetProperty("ParameterValue").GetString());

            Assert.Equal(DeliveryStreams.ProcessorBufferMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture), parameters["BufferSizeInMBs"]);
            Assert.Equal(DeliveryStreams.ProcessorBufferSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), parameters["BufferIntervalInSeconds"]);
        }
    }

    [Fact]
    public void DynamicPartitioning_BuffersAtLeast64Megabytes()
    {
        foreach (var (_, stream) in stages.Dev.Json.Resources("AWS::KinesisFirehose::DeliveryStream"))
        {
            var s3 = stream.GetProperty("Properties").GetProperty("ExtendedS3DestinationConfiguration");
            if (s3.TryGetProperty("DynamicPartitioningConfiguration", out _))
            {
                Assert.True(s3.GetProperty("BufferingHints").GetProperty("SizeInMBs").GetInt32() >= FirehoseDelivery.DynamicPartitioningMinBufferMb);
            }
        }
    }

    [Fact]
    public void DirectPutStreams_AreEncryptedAtRest()
    {
        foreach (var definition in DeliveryStreams.All.Where(d => d.Source == DeliverySource.DirectPut))
        {
            var encryption = Stream(definition.Id).GetProperty("Properties").GetProperty("DeliveryStreamEncryptionConfigurationInput");
            Assert.Equal("AWS_OWNED_CMK", encryption.GetProperty("KeyType").GetString());
        }
    }

    [Fact]
    public void CloudWatchLogsSubscription_SendsAnExampleLogGroupToTheLogsStream()
    {
        var logs = stages.Dev.Json.LogicalIdAt("/Firehose/Logs");
        stages.Dev.Template.HasResourceProperties("AWS::Logs::SubscriptionFilter", Obj(
            ("DestinationArn", GetAtt(logs, "Arn")),
            ("FilterPattern", ""),
            ("RoleArn", GetAtt(stages.Dev.Json.LogicalIdAt("/Firehose/LogsToFirehoseRole/Resource"), "Arn"))));
        stages.Dev.Template.HasResourceProperties("AWS::IAM::Role", Obj(
            ("AssumeRolePolicyDocument", Obj(("Statement", Arr(Amazon.CDK.Assertions.Match.ObjectLike(Obj(
                ("Principal", Obj(("Service", "logs.amazonaws.com")))))))))));
    }

    private JsonElement Stream(string id) => stages.Dev.Json.Resource(stages.Dev.Json.LogicalIdAt($"/Firehose/{Naming.Pascal(id)}"));

    private static List<JsonElement> Processors(JsonElement s3) =>
        s3.TryGetProperty("ProcessingConfiguration", out var processing) ? [.. processing.GetProperty("Processors").EnumerateArray()] : [];
}
