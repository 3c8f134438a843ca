using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ECommerceAgents.Lambda.Runtime;

/// <summary>What the runtime knows about one invocation, from the Runtime API's headers.</summary>
public sealed record LambdaInvocation(
    string RequestId,
    DateTimeOffset Deadline,
    string? FunctionArn = null,
    string? TraceId = null,
    string? ClientContext = null,
    string? CognitoIdentity = null)
{
    /// <summary>An invocation made in process (CLI, local event sources, tests).</summary>
    public static LambdaInvocation Local(TimeSpan timeout, TimeProvider? clock = null) =>
        new("local-" + Guid.NewGuid().ToString("N")[..12], (clock ?? TimeProvider.System).GetUtcNow() + timeout);
}

/// <summary>A function as the runtime sees it: bytes in, bytes out.</summary>
public interface IFunctionHandler
{
    string Name { get; }

    Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>The payload could not be read as the function's event type: a caller error, not a crash.</summary>
public sealed class InvalidEventException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Adapts a typed handler to <see cref="IFunctionHandler"/> with source-generated JSON.</summary>
public sealed class JsonFunctionHandler<TEvent, TResponse>(
    string name,
    JsonTypeInfo<TEvent> eventType,
    JsonTypeInfo<TResponse> responseType,
    Func<TEvent, LambdaInvocation, CancellationToken, Task<TResponse>> handler) : IFunctionHandler
{
    public string Name => name;

    public async Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        TEvent? input;
        try
        {
            input = JsonSerializer.Deserialize(payload.Span, eventType);
        }
        catch (JsonException ex)
        {
            throw new InvalidEventException($"{name} expects a {typeof(TEvent).Name}: {ex.Message}", ex);
        }

        if (input is null)
        {
            throw new InvalidEventException($"{name} expects a {typeof(TEvent).Name}, got null.");
        }

        var response = await handler(input, invocation, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(response, responseType);
    }
}

/// <summary>A handler that also releases the container's clients (its owner) when a local host disposes it.</summary>
public sealed class OwningHandler(IFunctionHandler handler, IAsyncDisposable owner) : IFunctionHandler, IAsyncDisposable
{
    public string Name => handler.Name;

    public Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken) =>
        handler.InvokeAsync(payload, invocation, cancellationToken);

    public ValueTask DisposeAsync() => owner.DisposeAsync();
}
