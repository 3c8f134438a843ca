using System.CommandLine;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Resources;
using Spectre.Console;

namespace ECommerceAgents.Local.Commands;

internal static class ServeCommand
{
    public static Command Create(Option<string?> state)
    {
        var seconds = new Option<int?>("--for") { Description = "Stop after this many seconds (default: run until Ctrl-C)." };
        var smoke = new Option<bool>("--smoke") { Description = "Send the sample events through the stream, wait until every trigger has drained, print what each zone holds, and exit." };
        var verbose = new Option<bool>("--verbose") { Description = "Print the event sources' JSON log lines." };
        var command = new Command("serve", "Run the local event sources (Kinesis poller, Firehose stand-in, S3 notifications) and the functions registered on them, against the local stack.")
        {
            seconds, smoke, verbose,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var logPath = Path.Combine(stack.Options.StateDirectory, "logs", "functions.log");
            await using var functionLog = parse.GetValue(verbose) ? null : new StreamWriter(logPath, append: true) { AutoFlush = true };
            await using var host = await LocalHost.StartAsync(stack, new LocalHostOptions { Log = parse.GetValue(verbose) ? Console.Error : null, FunctionOutput = functionLog }, ct);
            foreach (var line in host.Registered) AnsiConsole.MarkupLine("[grey]trigger[/] " + Markup.Escape(line));
            if (functionLog is not null) AnsiConsole.MarkupLine($"[grey]function logs and EMF metrics →[/] {Markup.Escape(logPath)}");

            if (parse.GetValue(smoke))
            {
                return await SmokeAsync(host, ct);
            }

            await using var dashboard = await Dashboard.DashboardServer.StartAsync(host.ApiBase!, host.AdminKey, stack.Endpoints.Warehouse, stack.Options.RepositoryRoot, stack.Options.Ports.Api + 1, ct);
            AnsiConsole.MarkupLine($"[grey]dashboard →[/] {dashboard.Address}");

            AnsiConsole.MarkupLine(parse.GetValue(seconds) is { } s ? $"serving for {s} s" : "serving; Ctrl-C stops");
            try
            {
                await Task.Delay(parse.GetValue(seconds) is { } limit ? TimeSpan.FromSeconds(limit) : Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }

    /// <summary>A quick end-to-end check: the sample Kinesis events in, the zones' contents out.</summary>
    private static async Task<int> SmokeAsync(LocalHost host, CancellationToken ct)
    {
        var stack = host.Stack;
        var samples = new List<PutRecordsRequestEntry>();
        foreach (var file in new[] { "kinesis-clickstream.json", "kinesis-aws-doc-sample.json" })
        {
            var evt = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(Path.Combine(stack.Options.RepositoryRoot, "events", file), ct), LambdaEventsJsonContext.Default.KinesisEvent)!;
            samples.AddRange(evt.Records.Select(r => new PutRecordsRequestEntry(r.Kinesis.DecodeData(), r.Kinesis.PartitionKey)));
        }

        var put = await stack.KinesisClient.PutRecordsAsync(stack.Names.Stream(Streams.Events), samples, ct);
        if (!put.AllSucceeded) throw new CliException("the stream refused sample records: " + string.Join("; ", put.Failures.Select(f => f.ErrorCode)), 1);
        AnsiConsole.MarkupLine($"put {samples.Count} sample records on [blue]{stack.Names.Stream(Streams.Events)}[/]; waiting for the triggers to drain …");
        await host.DrainAsync(TimeSpan.FromSeconds(60), ct);

        var table = new Table().AddColumns("zone", "bucket", "objects", "bytes");
        foreach (var bucket in Buckets.All)
        {
            var name = stack.Names.Bucket(bucket);
            long objects = 0, bytes = 0;
            string? token = null;
            do
            {
                var page = await stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = name, ContinuationToken = token }, ct);
                foreach (var o in page.S3Objects ?? [])
                {
                    objects++;
                    bytes += o.Size ?? 0;
                }

                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
            table.AddRow(bucket.Id, name, objects.ToString(System.Globalization.CultureInfo.InvariantCulture), bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        foreach (var source in host.Sources.KinesisSources)
        {
            AnsiConsole.MarkupLine($"{Markup.Escape(source.FunctionName)}: {source.Stats.Invocations} invocations, {source.Stats.RecordsDelivered} records, {source.Stats.RecordsSentToOnFailure} to the on-failure destination");
        }

        var raw = host.Sources.DeliveryStream(DeliveryStreams.RawArchive).Stats;
        var ok = raw.RecordsDelivered >= samples.Count;
        AnsiConsole.MarkupLine(ok ? $"[green]smoke ok[/]: {raw.RecordsDelivered} records archived raw" : $"[red]smoke failed[/]: {raw.RecordsDelivered} of {samples.Count} records archived");
        return ok ? 0 : 1;
    }
}
