using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>eca audit verify</c> walks the audit hash chain and reports the first removed, altered or reordered entry (exit
/// code 4 when one is found); <c>eca audit prune</c> removes the entries older than the retention (one year, seed 002),
/// leaving a checkpoint so the rest still verifies. DynamoDB TTL cannot do this (dynalite has none, and a TTL delete
/// would leave no checkpoint), so the prune is a job: run it daily.
/// </summary>
internal static class AuditCommand
{
    /// <summary>The exit code of a chain that does not verify (or a prune that refused to run on one).</summary>
    public const int TamperedExitCode = 4;

    public static Command Create(Option<string?> state)
    {
        var command = new Command("audit", "The audit hash chain: verify it, prune it to the retention.");
        command.Subcommands.Add(Verify(state));
        command.Subcommands.Add(Prune(state));
        return command;
    }

    private static Command Verify(Option<string?> state)
    {
        var command = new Command("verify", "Walk the audit chain from its checkpoint and report the first removed, altered or reordered entry (exit code 4).");
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            using var store = new AuditChainStore(stack.DynamoDbClient, stack.Names);
            var result = await store.VerifyAsync(AuditChain.Retention, ct);
            Console.WriteLine(new JsonObject
            {
                ["intact"] = result.Intact,
                ["checked"] = result.Checked,
                ["firstSeq"] = result.Checked == 0 ? null : result.FirstSeq,
                ["lastSeq"] = result.Checked == 0 ? null : result.LastSeq,
                ["problem"] = Problem(result.Problem),
            }.ToJsonString());
            return result.Intact ? 0 : TamperedExitCode;
        });
        return command;
    }

    private static Command Prune(Option<string?> state)
    {
        var days = new Option<int>("--retention-days")
        {
            Description = "Keep this many days of entries (default 365: seed 002, audit logs one year).",
            DefaultValueFactory = _ => (int)AuditChain.Retention.TotalDays,
        };
        var command = new Command("prune", "Remove the audit entries older than the retention, leaving a verifiable checkpoint.") { days };
        command.SetAction(async (parse, ct) =>
        {
            var retention = parse.GetValue(days);
            if (retention < 1) throw new CliException($"--retention-days must be at least 1, not {retention.ToString(CultureInfo.InvariantCulture)}");
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            using var store = new AuditChainStore(stack.DynamoDbClient, stack.Names);
            var result = await store.PruneAsync(TimeSpan.FromDays(retention), ct);
            Console.WriteLine(new JsonObject
            {
                ["pruned"] = result.Pruned,
                ["checkpointSeq"] = result.CheckpointSeq,
                ["retentionDays"] = retention,
                ["refused"] = Problem(result.Refused),
            }.ToJsonString());
            return result.Refused is null ? 0 : TamperedExitCode;
        });
        return command;
    }

    private static JsonObject? Problem(AuditProblem? problem) => problem is null
        ? null
        : new JsonObject { ["kind"] = problem.Kind.ToString().ToLowerInvariant(), ["seq"] = problem.Seq, ["detail"] = problem.Detail };
}
