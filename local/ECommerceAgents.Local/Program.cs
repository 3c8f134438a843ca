using System.CommandLine;
using System.CommandLine.Invocation;
using ECommerceAgents.Local;
using ECommerceAgents.Local.Commands;
using ECommerceAgents.Local.Stack;

var state = new Option<string?>("--state")
{
    Description = "State directory of the local stack (default: $ECA_STATE_DIR or <repo>/.state/local).",
    Recursive = true,
};

var root = new RootCommand("ECommerceAgents: the local AWS stack, the local event sources, function invocation and benchmarks.")
{
    state,
};
root.Subcommands.Add(StackCommands.Up(state));
root.Subcommands.Add(StackCommands.Down(state));
root.Subcommands.Add(StackCommands.Status(state));
root.Subcommands.Add(ServeCommand.Create(state));
root.Subcommands.Add(DemoCommand.Create(state));
root.Subcommands.Add(RedriveCommand.Create(state));
root.Subcommands.Add(AuditCommand.Create(state));
root.Subcommands.Add(RebuildRealtimeCommand.Create(state));
root.Subcommands.Add(FirehoseServerCommand.Create(state));
root.Subcommands.Add(InvokeCommand.Create(state));
root.Subcommands.Add(BenchCommands.Create(state));
root.Subcommands.Add(BatchCommand.Create(state));
root.Subcommands.Add(ReplayCommand.Create(state));
root.Subcommands.Add(CostCommand.Create(state));
root.Subcommands.Add(ScaleCommand.Create());
root.Subcommands.Add(DeployCheckCommand.Create(state));
root.Subcommands.Add(SamEnvCommand.Create(state));

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliException ex)
{
    await Console.Error.WriteLineAsync("error: " + ex.Message);
    return ex.ExitCode;
}
catch (PrerequisiteException ex)
{
    await Console.Error.WriteLineAsync("error: " + ex.Message);
    return 3;
}
catch (Exception ex) when (Environment.GetEnvironmentVariable(LocalSettingNames.Debug) != "1")
{
    await Console.Error.WriteLineAsync($"error: {ex.GetType().Name}: {ex.Message}");
    return 1;
}
