using System.CommandLine;
using System.Text.Json.Nodes;

namespace ECommerceAgents.Local.Commands;

internal static class RedriveCommand
{
    public static Command Create(Option<string?> state)
    {
        var reason = new Option<string?>("--reason") { Description = "Only this quarantine reason (e.g. unknown_schema)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would be redriven; change nothing." };
        var command = new Command("redrive", "Re-inject the quarantined stream records that pass validation now (after a schema fix), exactly once.") { reason, dryRun };
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var result = await Redrive.RunAsync(LocalFunctions.Environment(stack), stack.S3Client, parse.GetValue(reason), parse.GetValue(dryRun), ct);
            Console.WriteLine(new JsonObject
            {
                ["examined"] = result.Examined,
                ["redriven"] = result.Redriven,
                ["dryRun"] = parse.GetValue(dryRun),
                ["stillFailing"] = new JsonObject(result.StillFailing.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
            }.ToJsonString());
            return 0;
        });
        return command;
    }
}
