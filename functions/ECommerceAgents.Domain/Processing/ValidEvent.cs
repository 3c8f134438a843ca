using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>A record of the micro-batch that parsed into a valid event: the planner's input.</summary>
/// <param name="Index">The record's index in the micro-batch (what a failure is reported against).</param>
public readonly record struct ValidEvent(int Index, StreamInput Input, TrackedEvent Event, SchemaKey Key)
{
    public string Type => Key.Name;

    public StreamPosition Position => Input.Position;
}
