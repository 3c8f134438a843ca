namespace ECommerceAgents.Lambda.Hosting;

/// <summary>
/// The clients a function builds once per container, released together when a local host disposes the function (in
/// Lambda the container's end releases them). Asynchronous disposal is preferred where a client offers it.
/// </summary>
public sealed class OwnedClients(params IReadOnlyList<object> owned) : IAsyncDisposable
{
    /// <summary>Owns nothing (a function built over given ports, for tests and benchmarks).</summary>
    public static OwnedClients None { get; } = new();

    public async ValueTask DisposeAsync()
    {
        foreach (var client in owned)
        {
            if (client is IAsyncDisposable asynchronous) await asynchronous.DisposeAsync().ConfigureAwait(false);
            else if (client is IDisposable disposable) disposable.Dispose();
        }
    }
}
