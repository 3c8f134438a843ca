namespace ECommerceAgents.Domain.Ingest;

public sealed record StreamWriteResult(int Written, IReadOnlyList<int> Failed, string? ErrorCode)
{
    public bool AllWritten => Failed.Count == 0;
}

/// <summary>The events stream, as the API writes to it. Acknowledged records are durable; failed ones are named by index.</summary>
public interface IEventStreamWriter
{
    Task<StreamWriteResult> WriteAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken);
}
