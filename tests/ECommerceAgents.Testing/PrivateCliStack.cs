using System.Globalization;

namespace ECommerceAgents.Testing;

/// <summary>
/// A local stack of a test class's own for CLI tests: its state directory (marked with the owning process, so an
/// abandoned one is reaped), free ports, and the CLI environment that points at them. <c>up</c> at start (unless not
/// wanted), <c>down</c> and the directory removed at the end.
/// </summary>
public sealed class PrivateCliStack : IAsyncDisposable
{
    private PrivateCliStack(string state, Dictionary<string, string> environment)
    {
        State = state;
        Environment = environment;
    }

    public string State { get; }

    /// <summary>ECA_STATE_DIR and every ECA_PORT_* for the CLI process.</summary>
    public Dictionary<string, string> Environment { get; }

    public static async Task<PrivateCliStack> StartAsync(string name, bool up = true)
    {
        var state = Path.Combine(Path.GetTempPath(), "eca-tests", $"cli-{name}-{System.Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(state);
        await File.WriteAllTextAsync(Path.Combine(state, "owner.pid"), System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        var stack = new PrivateCliStack(state, Cli.PrivateStackEnvironment(state));
        if (up)
        {
            var result = await Cli.RunAsync(stack.Environment, "up").ConfigureAwait(false);
            Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        }

        return stack;
    }

    public async ValueTask DisposeAsync()
    {
        await Cli.RunAsync(Environment, "down").ConfigureAwait(false);
        TestStack.TryDelete(State);
    }
}
