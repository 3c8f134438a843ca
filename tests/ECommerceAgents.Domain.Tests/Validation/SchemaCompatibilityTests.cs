using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Tests.Validation;

public sealed class SchemaCompatibilityTests
{
    /// <summary><c>1</c>: write the contract anew from the current schemas instead of checking it.</summary>
    private const string UpdateContract = "ECA_UPDATE_CONTRACT";

    private static string ContractPath => Path.Combine(RepositoryRoot(), "functions", "ECommerceAgents.Domain", "warehouse-contract.json");

    /// <summary>
    /// The committed warehouse contract: a schema edited in place, or a new version that removes a field, changes a
    /// type or makes a field required, fails here. An intended breaking change is a new MODEL version (2-0-0) and a
    /// regenerated contract: run the tests with ECA_UPDATE_CONTRACT=1, then review and commit the file's diff. The
    /// test never writes the contract on its own: a missing file fails, since a contract made from the current schemas
    /// would pass whatever they are.
    /// </summary>
    [Fact]
    public void CurrentSchemas_KeepTheWarehouseContract()
    {
        var current = SchemaCompatibility.Contract(SchemaRegistry.Default);
        if (Environment.GetEnvironmentVariable(UpdateContract) == "1")
        {
            File.WriteAllText(ContractPath, SchemaCompatibility.Serialize(current));
        }

        Assert.True(File.Exists(ContractPath),
            $"The warehouse contract {ContractPath} is missing: it is a committed file, restore it (git checkout -- {Path.GetRelativePath(RepositoryRoot(), ContractPath)}). " +
            "To make it anew from the current schemas, as a reviewed change: ECA_UPDATE_CONTRACT=1 dotnet test tests/ECommerceAgents.Domain.Tests --filter CurrentSchemas_KeepTheWarehouseContract, then commit it.");
        using var committed = JsonDocument.Parse(File.ReadAllText(ContractPath));

        var breaking = SchemaCompatibility.AgainstContract(committed.RootElement, SchemaRegistry.Default);

        Assert.True(breaking.Count == 0, "Schema changes break the warehouse:\n" + string.Join("\n", breaking));
        Assert.Equal(committed.RootElement.EnumerateObject().Count(), current.Count);
    }

    [Fact]
    public void Compare_RemovedField_Breaking()
    {
        var changes = Compare("""{"type":"object","required":["a"],"properties":{"a":{"type":"string"},"b":{"type":"number"}}}""",
                              """{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}}""");

        Assert.Equal("b: removed", Assert.Single(changes));
    }

    [Fact]
    public void Compare_ChangedType_Breaking()
    {
        var changes = Compare("""{"type":"object","properties":{"price":{"type":"number"}}}""",
                              """{"type":"object","properties":{"price":{"type":"string"}}}""");

        Assert.Equal("price: type changed from number to string", Assert.Single(changes));
    }

    [Fact]
    public void Compare_OptionalBecomesRequired_Breaking()
    {
        var changes = Compare("""{"type":"object","properties":{"brand":{"type":"string"}}}""",
                              """{"type":"object","required":["brand"],"properties":{"brand":{"type":"string"}}}""");

        Assert.Equal("brand: optional → required", Assert.Single(changes));
    }

    [Fact]
    public void Compare_NestedArrayItemTypeChanged_Breaking()
    {
        var changes = Compare("""{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"qty":{"type":"integer"}}}}}}""",
                              """{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"qty":{"type":"string"}}}}}}""");

        Assert.StartsWith("items[].qty: type changed", Assert.Single(changes));
    }

    [Fact]
    public void Compare_AddedOptionalFieldOrWidenedInteger_Compatible()
    {
        var changes = Compare("""{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}""",
                              """{"type":"object","required":["n"],"properties":{"n":{"type":"number"},"note":{"type":"string"}}}""");

        Assert.Empty(changes);
    }

    [Fact]
    public void Compare_RequiredBecomesOptional_Compatible()
    {
        Assert.Empty(Compare("""{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}}""",
                             """{"type":"object","properties":{"a":{"type":"string"}}}"""));
    }

    private static IEnumerable<string> Compare(string older, string newer) =>
        SchemaCompatibility.Compare("test", Node(older), Node(newer)).Select(c => $"{c.Field}: {c.Change}");

    private static SchemaNode Node(string json) => SchemaNode.Compile(JsonDocument.Parse(json).RootElement);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ECommerceAgents.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("repository root not found");
    }
}
