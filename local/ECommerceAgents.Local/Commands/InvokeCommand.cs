using System.CommandLine;
using System.Text.Json;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Local.Commands;

internal static class InvokeCommand
{
    public static Command Create(Option<string?> state)
    {
        var name = new Argument<string>("function") { Description = "StreamProcessor, LogTransformer, CatalogImport, BatchLoader or SearchIndexer." };
        var eventFile = new Option<string>("--event", "-e") { Description = "The event JSON file (see events/).", Required = true };
        var timeout = new Option<int>("--timeout") { Description = "Seconds before the invocation's deadline.", DefaultValueFactory = _ => 60 };
        var command = new Command("invoke", "Run a function's handler in process against the local stack and print its JSON response.")
        {
            name, eventFile, timeout,
        };
        command.SetAction(async (parse, ct) =>
        {
            var entry = FunctionCatalog.Find(parse.GetValue(name)!)
                ?? throw new CliException($"unknown function '{parse.GetValue(name)}'; the functions are {string.Join(", ", FunctionCatalog.All.Select(f => f.Name))}");
            var payload = ReadEvent(parse.GetValue(eventFile)!);
            if (entry.Create is null)
            {
                throw new CliException($"function '{entry.Name}' is not built yet");
            }

            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var environment = LocalFunctions.Environment(stack);
            var handler = await entry.Create(environment, ct);

            // Functions write to Firehose; when `serve` is not running, its stand-in runs here for the invocation.
            await using var firehose = await LocalFunctions.FirehoseUnlessServingAsync(stack, ct);
            byte[] response;
            try
            {
                response = await handler.InvokeAsync(payload, LambdaInvocation.Local(TimeSpan.FromSeconds(parse.GetValue(timeout))), ct);
            }
            catch (InvalidEventException ex)
            {
                throw new CliException(ex.Message);
            }
            finally
            {
                if (handler is IAsyncDisposable disposable) await disposable.DisposeAsync();
            }

            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(response, ct);
            await stdout.WriteAsync("\n"u8.ToArray(), ct);
            return 0;
        });
        return command;
    }

    /// <summary>Reads and checks the event file: a missing or malformed file is one clear line, not a stack trace.</summary>
    private static byte[] ReadEvent(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"event file '{path}' does not exist");
        }

        var bytes = File.ReadAllBytes(path);
        try
        {
            using var _ = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new CliException($"event file '{path}' is not valid JSON: {ex.Message}");
        }

        return bytes;
    }
}
