using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Stack;

public sealed class ProvisioningTests
{
    [Fact]
    public async Task EnsureTables_Twice_SecondCreatesNothingAndKeysMatchTheDefinition()
    {
        var stack = await TestStack.GetAsync();
        var names = ResourceBindings.FromPrefix(TestStack.UniquePrefix(nameof(ProvisioningTests)));
        var provisioner = new TableProvisioner(stack.DynamoDbClient);

        var first = await provisioner.EnsureAsync(names, CancellationToken.None);
        var second = await provisioner.EnsureAsync(names, CancellationToken.None);

        Assert.Equal(Tables.All.Count, first.Count);
        Assert.Empty(second);
        var orders = (await stack.DynamoDbClient.DescribeTableAsync(names.Table(Tables.Orders))).Table;
        Assert.Equal("orderId", orders.KeySchema.Single(k => k.KeyType == "HASH").AttributeName);
        Assert.Equal(["byDate", "byUser"], orders.GlobalSecondaryIndexes.Select(i => i.IndexName).Order());
        var sessions = (await stack.DynamoDbClient.DescribeTableAsync(names.Table(Tables.Sessions))).Table;
        Assert.Equal("sk", sessions.KeySchema.Single(k => k.KeyType == "RANGE").AttributeName);
    }

    [Fact]
    public async Task Provision_Twice_Harmless()
    {
        var stack = await TestStack.GetAsync();
        var names = ResourceBindings.FromPrefix(TestStack.UniquePrefix("provision"));

        await stack.ProvisionAsync(names, CancellationToken.None);
        await stack.ProvisionAsync(names, CancellationToken.None);

        var buckets = (await stack.S3Client.ListBucketsAsync()).Buckets.Select(b => b.BucketName).ToHashSet();
        Assert.All(Buckets.All, b => Assert.Contains(names.Bucket(b), buckets));
        var summary = await stack.KinesisClient.DescribeStreamSummaryAsync(names.Stream(Streams.Events), CancellationToken.None);
        Assert.Equal("ACTIVE", summary.StreamStatus);
        Assert.Equal(2, summary.OpenShardCount);
    }

    [Fact]
    public void FromPrefix_InvalidPrefix_RejectedWithReason()
    {
        var error = Assert.Throws<ArgumentException>(() => ResourceBindings.FromPrefix("Bad_Prefix"));

        Assert.Contains("a-z", error.Message);
    }

    [Fact]
    public void FromEnvironment_MissingName_ErrorNamesTheVariable()
    {
        var names = ResourceBindings.FromEnvironment(new System.Collections.Hashtable { [Tables.Profiles.EnvironmentVariable] = "p" });

        Assert.Equal("p", names.Table(Tables.Profiles));
        var error = Assert.Throws<InvalidOperationException>(() => names.Table(Tables.Orders));
        Assert.Contains(Tables.Orders.EnvironmentVariable, error.Message);
    }
}
