using System.CommandLine;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.Servers;
using Spectre.Console;

namespace ECommerceAgents.Local.Commands;

internal static class StackCommands
{
    public static Command Up(Option<string?> state)
    {
        var noInstall = new Option<bool>("--no-install") { Description = "Report missing prerequisites instead of installing them." };
        var command = new Command("up", "Start the local stack (dynalite, kinesalite, s3rver, redis-server cluster, PostgreSQL) on 127.0.0.1 and create the platform's resources. Harmless when it already runs.")
        {
            noInstall,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error, installMissing: !parse.GetValue(noInstall));
            var started = DateTime.UtcNow;
            await stack.UpAsync(ct);
            Render(await stack.StatusAsync(ct));
            AnsiConsole.MarkupLine($"[green]up[/] in {(DateTime.UtcNow - started).TotalSeconds:0.0} s; state in [blue]{Markup.Escape(stack.Options.StateDirectory)}[/]");
            return 0;
        });
        return command;
    }

    public static Command Down(Option<string?> state)
    {
        var command = new Command("down", "Stop every server of the local stack. Data stays in the state directory.");
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error, installMissing: false);
            await stack.DownAsync(ct);
            var left = (await stack.StatusAsync(ct)).Where(s => s.Running).ToArray();
            if (left.Length > 0)
            {
                throw new CliException("still running: " + string.Join(", ", left.Select(s => $"{s.Name} (pid {s.Pid})")), 1);
            }

            AnsiConsole.MarkupLine("[green]down[/]: no local server is running");
            return 0;
        });
        return command;
    }

    public static Command Status(Option<string?> state)
    {
        var command = new Command("status", "List each local server with its port, pid and readiness. Exits 1 when any is not ready.");
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error, installMissing: false);
            var status = await stack.StatusAsync(ct);
            Render(status);
            return status.All(s => s.Ready) ? 0 : 1;
        });
        return command;
    }

    public static void Render(IReadOnlyList<ServerStatus> status)
    {
        var table = new Table().AddColumns("server", "endpoint", "port", "pid", "state");
        foreach (var s in status)
        {
            table.AddRow(
                s.Name,
                s.Endpoint,
                s.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                s.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                s.Ready ? "[green]ready[/]" : s.Running ? "[yellow]starting[/]" : "[red]stopped[/]");
        }

        AnsiConsole.Write(table);
    }
}
