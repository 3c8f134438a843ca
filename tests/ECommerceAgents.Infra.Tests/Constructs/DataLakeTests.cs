using System.Text.Json;
using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Constructs;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class DataLakeTests(SynthesizedStages stages)
{
    public static TheoryData<string> BucketIds => [.. Buckets.All.Select(b => b.Id)];

    [Fact]
    public void Buckets_OnePerDefinitionPlusTheAccessLogs_InEveryStage()
    {
        foreach (var stage in stages.All)
        {
            stage.Template.ResourceCountIs("AWS::S3::Bucket", Buckets.All.Count + 1);
        }
    }

    [Theory]
    [MemberData(nameof(BucketIds))]
    public void Bucket_LogsServerAccessToTheAccessLogBucketUnderItsZonePrefix(string id)
    {
        var definition = Buckets.All.Single(b => b.Id == id);
        var accessLogs = stages.Dev.Json.LogicalIdAt("/DataLake/AccessLogs/Resource");
        var bucket = stages.Dev.Json.LogicalIdAt($"/DataLake/{Naming.Pascal(id)}/Resource");

        foreach (var stage in stages.All)
        {
            stage.Template.HasResource("AWS::S3::Bucket", Obj(("Properties", Match.ObjectLike(Obj(
                ("LoggingConfiguration", Obj(
                    ("DestinationBucketName", Ref(accessLogs)),
                    ("LogFilePrefix", DataLake.AccessLogsPrefix(definition)),
                    ("TargetObjectKeyFormat", Obj(("PartitionedPrefix", Obj(("PartitionDateSource", "EventTime"))))))))))));
        }

        // Delivery by bucket policy, for this bucket's logs only, under its prefix.
        stages.Dev.Template.HasResourceProperties("AWS::S3::BucketPolicy", Obj(
            ("Bucket", Ref(accessLogs)),
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith(Arr(Match.ObjectLike(Obj(
                ("Effect", "Allow"),
                ("Principal", Obj(("Service", "logging.s3.amazonaws.com"))),
                ("Action", "s3:PutObject"),
                ("Resource", Obj(("Fn::Join", Arr("", Arr(GetAtt(accessLogs, "Arn"), "/" + DataLake.AccessLogsPrefix(definition) + "*"))))),
                ("Condition", Obj(
                    ("ArnLike", Obj(("aws:SourceArn", GetAtt(bucket, "Arn")))),
                    ("StringEquals", Obj(("aws:SourceAccount", Ref("AWS::AccountId")))))))))))))));
    }

    [Fact]
    public void AccessLogBucket_IsSseS3PrivateSslOnlyOwnerEnforcedAndExpires()
    {
        var accessLogs = stages.Dev.Json.LogicalIdAt("/DataLake/AccessLogs/Resource");
        var properties = stages.Dev.Json.Resource(accessLogs).GetProperty("Properties");

        Assert.Equal("AES256", properties.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration")[0]
            .GetProperty("ServerSideEncryptionByDefault").GetProperty("SSEAlgorithm").GetString());
        var access = properties.GetProperty("PublicAccessBlockConfiguration");
        foreach (var flag in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
        {
            Assert.True(access.GetProperty(flag).GetBoolean(), flag);
        }

        // ACLs stay off: delivery is granted by the bucket policy, not by the LogDeliveryWrite ACL.
        Assert.Equal("BucketOwnerEnforced", properties.GetProperty("OwnershipControls").GetProperty("Rules")[0].GetProperty("ObjectOwnership").GetString());
        Assert.False(properties.TryGetProperty("AccessControl", out _));
        // A log target does not log into itself.
        Assert.False(properties.TryGetProperty("LoggingConfiguration", out _));
        var rule = properties.GetProperty("LifecycleConfiguration").GetProperty("Rules")[0];
        Assert.Equal(DataLake.AccessLogsExpireAfterDays, rule.GetProperty("ExpirationInDays").GetInt32());

        stages.Dev.Template.HasResourceProperties("AWS::S3::BucketPolicy", Obj(
            ("Bucket", Ref(accessLogs)),
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith(Arr(Match.ObjectLike(Obj(
                ("Effect", "Deny"), ("Action", "s3:*"),
                ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false"))))))))))))));
    }

    [Theory]
    [MemberData(nameof(BucketIds))]
    public void Bucket_IsEncryptedPrivateAndOwnerEnforced(string id)
    {
        var definition = Buckets.All.Single(b => b.Id == id);
        var properties = Bucket(id).GetProperty("Properties");

        var access = properties.GetProperty("PublicAccessBlockConfiguration");
        foreach (var flag in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
        {
            Assert.True(access.GetProperty(flag).GetBoolean(), flag);
        }

        var sse = properties.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration")[0];
        var algorithm = sse.GetProperty("ServerSideEncryptionByDefault").GetProperty("SSEAlgorithm").GetString();
        Assert.Equal(definition.HoldsRawPii ? "aws:kms" : "AES256", algorithm);
        Assert.Equal("BucketOwnerEnforced", properties.GetProperty("OwnershipControls").GetProperty("Rules")[0].GetProperty("ObjectOwnership").GetString());
    }

    [Theory]
    [MemberData(nameof(BucketIds))]
    public void BucketPolicy_DeniesPlainHttpAndOldTls(string id)
    {
        var bucket = stages.Dev.Json.LogicalIdAt($"/DataLake/{Naming.Pascal(id)}/Resource");

        stages.Dev.Template.HasResourceProperties("AWS::S3::BucketPolicy", Obj(
            ("Bucket", Ref(bucket)),
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith(Arr(
                Match.ObjectLike(Obj(
                    ("Effect", "Deny"), ("Action", "s3:*"), ("Principal", Obj(("AWS", "*"))),
                    ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false"))))))),
                Match.ObjectLike(Obj(
                    ("Effect", "Deny"), ("Action", "s3:*"),
                    ("Condition", Obj(("NumericLessThan", Obj(("s3:TlsVersion", 1.2))))))))))))));
    }

    [Fact]
    public void Raw_GoesToGlacierInstantRetrievalAt30_OneTransition_ExpiresAt400()
    {
        var rule = Bucket(Buckets.Raw.Id).GetProperty("Properties").GetProperty("LifecycleConfiguration").GetProperty("Rules")[0];
        var transitions = rule.GetProperty("Transitions").EnumerateArray()
            .ToDictionary(t => t.GetProperty("StorageClass").GetString()!, t => t.GetProperty("TransitionInDays").GetInt32());

        // Issue 18: one transition per object (billed per object), to a class the batch still reads with a GET.
        Assert.Equal(30, Assert.Single(transitions, t => t.Key == "GLACIER_IR").Value);
        Assert.Single(transitions);
        Assert.Equal(Buckets.Raw.Lifecycle.ExpireAfterDays, rule.GetProperty("ExpirationInDays").GetInt32());
    }

    [Fact]
    public void Quarantine_ExpiresAt30Days()
    {
        var rule = Bucket(Buckets.Quarantine.Id).GetProperty("Properties").GetProperty("LifecycleConfiguration").GetProperty("Rules")[0];

        Assert.Equal(30, rule.GetProperty("ExpirationInDays").GetInt32());
        Assert.False(rule.TryGetProperty("Transitions", out _));
    }

    [Theory]
    [MemberData(nameof(BucketIds))]
    public void Lifecycle_FollowsTheDefinition(string id)
    {
        var lifecycle = Buckets.All.Single(b => b.Id == id).Lifecycle;
        var rule = Bucket(id).GetProperty("Properties").GetProperty("LifecycleConfiguration").GetProperty("Rules")[0];
        var transitions = rule.TryGetProperty("Transitions", out var t)
            ? t.EnumerateArray().ToDictionary(x => x.GetProperty("StorageClass").GetString()!, x => x.GetProperty("TransitionInDays").GetInt32())
            : [];

        Assert.Equal(lifecycle.InfrequentAccessAfterDays, transitions.TryGetValue("STANDARD_IA", out var ia) ? ia : null);
        Assert.Equal(lifecycle.GlacierAfterDays, transitions.TryGetValue("GLACIER", out var glacier) ? glacier : null);
        Assert.Equal(lifecycle.GlacierInstantAfterDays, transitions.TryGetValue("GLACIER_IR", out var instant) ? instant : null);
        Assert.Equal(lifecycle.ExpireAfterDays, rule.TryGetProperty("ExpirationInDays", out var days) ? days.GetInt32() : null);
        Assert.Equal(7, rule.GetProperty("AbortIncompleteMultipartUpload").GetProperty("DaysAfterInitiation").GetInt32());
    }

    [Fact]
    public void Versioning_OnlyWhereNoRawPiiIsHeldAndObjectsAreRewritten()
    {
        bool Versioned(BucketDefinition b) =>
            Bucket(b.Id).GetProperty("Properties").TryGetProperty("VersioningConfiguration", out var v) && v.GetProperty("Status").GetString() == "Enabled";

        Assert.True(Versioned(Buckets.Landing));
        Assert.True(Versioned(Buckets.Processed));
        Assert.All(Buckets.All.Where(b => b.HoldsRawPii), b => Assert.False(Versioned(b)));
    }

    [Fact]
    public void Quarantine_HasARequestMetricsFilterOnTheOnFailurePrefix()
    {
        var metrics = Bucket(Buckets.Quarantine.Id).GetProperty("Properties").GetProperty("MetricsConfigurations")[0];

        Assert.Equal(DataLake.FailedBatchesMetricsFilter, metrics.GetProperty("Id").GetString());
        Assert.Equal(ZoneLayout.FailedBatches, metrics.GetProperty("Prefix").GetString());
    }

    [Fact]
    public void Buckets_Dev_AreEmptiedAndDeleted_Prod_AreRetained()
    {
        stages.Dev.Template.AllResources("AWS::S3::Bucket", Obj(("DeletionPolicy", "Delete")));
        // Every zone and the access-log bucket.
        stages.Dev.Template.ResourceCountIs("Custom::S3AutoDeleteObjects", Buckets.All.Count + 1);
        stages.Prod.Template.AllResources("AWS::S3::Bucket", Obj(("DeletionPolicy", "Retain")));
        stages.Prod.Template.ResourceCountIs("Custom::S3AutoDeleteObjects", 0);
    }

    private JsonElement Bucket(string id) => stages.Dev.Json.Resource(stages.Dev.Json.LogicalIdAt($"/DataLake/{Naming.Pascal(id)}/Resource"));
}
