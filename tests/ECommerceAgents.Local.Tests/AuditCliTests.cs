using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// <c>eca audit verify</c> and <c>eca audit prune</c> run as a user runs them, against a stack of their own: an intact
/// chain verifies with exit code 0; once an entry is altered in the store, verify names it and exits non-zero; a prune
/// with nothing older than the retention removes nothing.
/// </summary>
public sealed class AuditCliTests : IAsyncLifetime
{
    private PrivateCliStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await PrivateCliStack.StartAsync("audit");

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Verify_IntactChain_Exit0_AlteredEntry_NamedWithNonZeroExit_PruneKeepsTheYoung()
    {
        var stack = LocalStack.Open(_stack.State, LocalStackOptions.FindRepositoryRoot())!;
        using (var store = new AuditChainStore(stack.DynamoDbClient, stack.Names))
        {
            for (var i = 1; i <= 3; i++)
            {
                await store.AppendAsync(new AuditRecord($"user#u-{i}", "read.profile", "k-1", "query", "GET /v1/users/{id}/profile", $"req-{i}", ""), CancellationToken.None);
            }
        }

        var intact = await Cli.RunAsync(_stack.Environment, "audit", "verify");
        var prune = await Cli.RunAsync(_stack.Environment, "audit", "prune");

        Assert.True(intact.ExitCode == 0, intact.Stdout + intact.Stderr);
        var verified = JsonNode.Parse(intact.Stdout.Trim().Split('\n')[^1])!;
        Assert.True(verified["intact"]!.GetValue<bool>());
        Assert.Equal(3, verified["checked"]!.GetValue<long>());
        Assert.True(prune.ExitCode == 0, prune.Stdout + prune.Stderr);
        Assert.Equal(0, JsonNode.Parse(prune.Stdout.Trim().Split('\n')[^1])!["pruned"]!.GetValue<long>());

        await stack.DynamoDbClient.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = stack.Names.Table(Tables.Audit),
            Key = new() { ["subject"] = new() { S = AuditChainStore.ChainPartition }, ["at"] = new() { S = 2L.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) } },
            UpdateExpression = "SET actor = :a",
            ExpressionAttributeValues = new() { [":a"] = new() { S = "k-someone-else" } },
        });
        var tampered = await Cli.RunAsync(_stack.Environment, "audit", "verify");

        Assert.NotEqual(0, tampered.ExitCode);
        var problem = JsonNode.Parse(tampered.Stdout.Trim().Split('\n')[^1])!["problem"]!;
        Assert.Equal(("altered", 2L), (problem["kind"]!.GetValue<string>(), problem["seq"]!.GetValue<long>()));
    }
}
