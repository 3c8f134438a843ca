using System.CommandLine;

namespace ECommerceAgents.Local.Commands;

internal static class ServeCommand
{
    public static Command Create(Option<string?> state)
    {
        var command = new Command("serve", "Run the local event sources (Kinesis poller, Firehose stand-in, S3 notifications) and the API against the local stack.");
        command.SetAction((parse, ct) => Task.FromResult(0));
        return command;
    }
}
