using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Local.Commands;

/// <summary>Resolves the state directory and opens or creates the local stack for a command.</summary>
internal static class StackContext
{
    public static string RepositoryRoot => LocalStackOptions.FindRepositoryRoot(Environment.CurrentDirectory is { } cwd && File.Exists(Path.Combine(cwd, "ECommerceAgents.sln")) ? cwd : AppContext.BaseDirectory);

    public static string StateDirectory(string? option) =>
        Path.GetFullPath(option
            ?? Environment.GetEnvironmentVariable(LocalSettingNames.StateDir)
            ?? Path.Combine(RepositoryRoot, ".state", "local"));

    /// <summary>The stack recorded by an earlier <c>up</c> in this state directory, else one with the configured ports.</summary>
    public static LocalStack Open(string? stateOption, TextWriter? log = null, bool installMissing = true)
    {
        var state = StateDirectory(stateOption);
        var root = RepositoryRoot;
        return LocalStack.Open(state, root, log) is { } recorded && Environment.GetEnvironmentVariable(LocalSettingNames.PortReset) != "1"
            ? recorded
            : LocalStack.Create(new LocalStackOptions
            {
                StateDirectory = state,
                RepositoryRoot = root,
                Ports = LocalPorts.FromEnvironment(),
                InstallMissing = installMissing,
            }, log);
    }
}
