using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests.Constructs;

/// <summary>
/// Crypto-shredding's grants: the API (the door) may make data keys under the stack's key and unwrap them;
/// StreamProcessor may only unwrap. Both on the stack's DataKey, never on <c>*</c>.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class SubjectKeysGrantsTests(SynthesizedStages stages)
{
    [Fact]
    public void Api_GeneratesAndDecrypts_StreamProcessor_DecryptsOnly_OnTheStacksKey()
    {
        var statements = stages.Dev.Json.IdentityStatements().Where(s => s.Actions.Any(a => a is "kms:GenerateDataKey" or "kms:Decrypt")).ToList();

        static bool Of(PolicyStatementJson s, string function) => s.PolicyId.StartsWith(function, StringComparison.Ordinal) || s.Roles.StartsWith(function, StringComparison.Ordinal);

        Assert.Contains(statements, s => Of(s, "Api") && s.Actions.Contains("kms:GenerateDataKey") && s.Resources.Any(r => r.Contains("DataKey", StringComparison.Ordinal)));
        Assert.Contains(statements, s => Of(s, "StreamProcessor") && s.Actions.Contains("kms:Decrypt") && s.Resources.Any(r => r.Contains("DataKey", StringComparison.Ordinal)));
        Assert.DoesNotContain(statements, s => Of(s, "StreamProcessor") && s.Actions.Contains("kms:GenerateDataKey"));
    }
}
