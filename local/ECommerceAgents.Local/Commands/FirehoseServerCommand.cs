using System.CommandLine;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>firehose-server</c>: the Firehose stand-in as its own process, for the demo's chaos run and anyone who wants to
/// kill it. It serves the direct-put delivery streams (enriched, logs with LogTransformer) of the given prefixes and
/// spools every accepted record to disk (fsynced) before answering, as Firehose keeps what PutRecordBatch accepted.
/// After a restart it delivers what the spool holds, a cut-short delivery under the same object keys.
/// </summary>
internal static class FirehoseServerCommand
{
    public static Command Create(Option<string?> state)
    {
        var port = new Option<int?>("--port") { Description = "Port on 127.0.0.1 (default: the stack's Firehose port)." };
        var prefixes = new Option<string[]>("--prefix") { Description = "Resource prefix whose delivery streams to serve (repeatable; default: the stack's).", AllowMultipleArgumentsPerToken = false };
        var bufferMs = new Option<int>("--buffer-ms") { Description = "Buffer interval in milliseconds.", DefaultValueFactory = _ => 2000 };
        var command = new Command("firehose-server", "Serve the Firehose delivery streams as a process of their own, with a durable spool (the stack's servers must be up).")
        {
            port, prefixes, bufferMs,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error, installMissing: false);
            var log = new JsonLog("firehose-server", Console.Error);
            var options = new LocalFirehoseOptions { BufferInterval = TimeSpan.FromMilliseconds(parse.GetValue(bufferMs)) };
            var spoolDirectory = Path.Combine(stack.Options.StateDirectory, "firehose");
            var streams = new List<FirehoseDeliveryStream>();
            var handlers = new List<IFunctionHandler>();
            var served = parse.GetValue(prefixes) is { Length: > 0 } given ? given : [stack.Options.Prefix];
            foreach (var prefix in served)
            {
                var names = ResourceBindings.FromPrefix(prefix);
                var environment = LocalFunctions.Environment(stack, names.ToEnvironment()) with { Names = names, Output = TextWriter.Null };
                var transform = await FunctionCatalog.Find("LogTransformer")!.Create!(environment, ct);
                handlers.Add(transform);
                foreach (var definition in DeliveryStreams.All.Where(d => d.Source == DeliverySource.DirectPut))
                {
                    var name = names.DeliveryStream(definition);
                    var spool = new FirehoseSpool(Path.Combine(spoolDirectory, name + ".spool"));
                    if (spool.Recovery.Undelivered.Count > 0)
                    {
                        log.Info("spool recovered", ("stream", name), ("records", spool.Recovery.Undelivered.Count), ("pendingBatchLast", spool.Recovery.PendingBatchLast ?? 0));
                    }

                    streams.Add(new FirehoseDeliveryStream(definition, name, names.Bucket(definition.Destination), stack.S3Client,
                        definition.TransformedByLambda ? transform : null, options, log, stack.Options.Region, spool));
                }
            }

            await using var endpoint = new FirehoseEndpoint(parse.GetValue(port) ?? stack.Options.Ports.Firehose, streams);
            await endpoint.StartAsync(ct);
            log.Info("serving", ("port", endpoint.Port), ("streams", string.Join(",", streams.Select(s => s.Name))));
            try
            {
                await Task.WhenAll(streams.Select(s => s.RunAsync(ct)));
            }
            finally
            {
                foreach (var s in streams) s.Dispose();
                foreach (var h in handlers)
                {
                    if (h is IAsyncDisposable d) await d.DisposeAsync();
                    else if (h is IDisposable x) x.Dispose();
                }
            }

            return 0;
        });
        return command;
    }
}
