using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Local.Stack.Servers;
using ECommerceAgents.Testing;
using StackExchange.Redis;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>The local Redis is a one-node cluster, so cross-slot mistakes fail here as they do on ElastiCache Serverless.</summary>
public sealed class RedisClusterTests
{
    [Fact]
    public async Task MultiKeyCommand_AcrossSlots_ServerAnswersCrossSlot()
    {
        var (host, port) = await EndpointAsync();
        await using var resp = await Resp.ConnectAsync(host, port, CancellationToken.None);
        var prefix = Guid.NewGuid().ToString("N");

        var reply = await resp.CommandAsync(CancellationToken.None, "MSET", $"{prefix}:user:1", "a", $"{prefix}:user:2", "b");

        Assert.StartsWith("-CROSSSLOT", reply);
    }

    [Fact]
    public async Task MultiKeyCommand_SameHashTag_Succeeds()
    {
        var (host, port) = await EndpointAsync();
        await using var resp = await Resp.ConnectAsync(host, port, CancellationToken.None);
        var tag = "{user:" + Guid.NewGuid().ToString("N") + "}";

        var reply = await resp.CommandAsync(CancellationToken.None, "MSET", $"{tag}:recent", "a", $"{tag}:counters", "b");

        Assert.Equal("OK", reply);
    }

    [Fact]
    public async Task Client_SeesClusterAndRefusesCrossSlotTransaction()
    {
        var stack = await TestStack.GetAsync();
        await using var redis = await RedisConnectionFactory.ConnectAsync(stack.Endpoints.Redis!);
        var servers = redis.GetServers().Where(s => s.IsConnected).ToArray();
        Assert.NotEmpty(servers);
        Assert.All(servers, s => Assert.Equal(ServerType.Cluster, s.ServerType));

        var db = redis.GetDatabase();
        var transaction = db.CreateTransaction();
        _ = transaction.StringSetAsync("a:" + Guid.NewGuid(), "1");
        _ = transaction.StringSetAsync("b:" + Guid.NewGuid(), "2");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => transaction.ExecuteAsync());
        Assert.Contains("single slot", error.Message);
    }

    private static async Task<(string Host, int Port)> EndpointAsync()
    {
        var stack = await TestStack.GetAsync();
        var parts = stack.Endpoints.Redis!.Split(',')[0].Split(':');
        return (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
