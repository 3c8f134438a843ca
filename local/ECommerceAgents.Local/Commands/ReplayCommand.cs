using System.CommandLine;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Local.Commands;

internal static class ReplayCommand
{
    public static Command Create(Option<string?> state)
    {
        var date = new Option<string>("--date") { Description = "The arrival day in the raw archive (YYYY-MM-DD).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("replay", "Backfill: replay a day of the raw archive through StreamProcessor, then run the batch for the days it touches. Replaying a processed day changes nothing.")
        {
            date, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var day = parse.GetValue(date)!;
            if (!PartitionId.IsDate(day)) throw new CliException($"--date must be YYYY-MM-DD, not '{day}'");
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var environment = LocalFunctions.Environment(stack);
            var firehose = await LocalFunctions.FirehoseUnlessServingAsync(stack, ct);
            var flushed = false;
            async Task Flush()
            {
                if (flushed) return;
                flushed = true;
                await firehose.DisposeAsync();
            }

            ReplayResult result;
            try
            {
                result = await Replay.RunAsync(environment, day, Flush, Console.Error, ct);
            }
            finally
            {
                await Flush();
            }

            var output = new JsonObject
            {
                ["date"] = day,
                ["rawObjects"] = result.Objects,
                ["records"] = result.Records,
                ["skippedAlreadyQuarantined"] = result.SkippedQuarantined,
                ["streamProcessorInvocations"] = result.Batches,
                ["eventDates"] = new JsonArray([.. result.EventDates.Select(d => (JsonNode)d)]),
                ["batch"] = new JsonArray([.. result.Batch.Select(b => (JsonNode)BatchCommand.ToJson(b))]),
            };
            Console.WriteLine(parse.GetValue(json) ? output.ToJsonString() : output.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }
}
