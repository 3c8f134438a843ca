using System.CommandLine;
using System.Text.Json.Nodes;

namespace ECommerceAgents.Local.Commands;

internal static class RebuildRealtimeCommand
{
    public static Command Create(Option<string?> state)
    {
        var command = new Command("rebuild-realtime", "After a Redis outage: replay the real-time work StreamProcessor deferred for every stale shard, then clear the stale marks.");
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var result = await RealtimeRebuild.RunAsync(LocalFunctions.Environment(stack), ct);
            Console.WriteLine(new JsonObject
            {
                ["replayed"] = new JsonObject(result.ReplayedByShard.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
                ["stillStale"] = new JsonArray([.. result.StillStale.Select(s => (JsonNode?)s)]),
            }.ToJsonString());
            return result.StillStale.Count == 0 ? 0 : 1;
        });
        return command;
    }
}
