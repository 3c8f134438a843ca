using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>A record of the micro-batch that parsed into a valid event: the planner's input.</summary>
/// <param name="Index">The record's index in the micro-batch (what a failure is reported against).</param>
/// <param name="Type">The event's type (its schema's name).</param>
internal readonly record struct ValidEvent(int Index, StreamInput Input, TrackedEvent Event, string Type)
{
    public StreamPosition Position => Input.Position;
}
