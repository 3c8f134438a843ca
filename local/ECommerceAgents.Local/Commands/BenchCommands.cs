using System.CommandLine;

namespace ECommerceAgents.Local.Commands;

internal static class BenchCommands
{
    public static Command Create(Option<string?> state)
    {
        var command = new Command("bench", "Benchmarks that print figures.");
        return command;
    }
}
