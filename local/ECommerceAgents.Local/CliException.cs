namespace ECommerceAgents.Local;

/// <summary>A user-facing failure: printed as one line, no stack trace.</summary>
public sealed class CliException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
