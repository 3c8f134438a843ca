using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>A record of the micro-batch that parsed into a valid event: the planner's input.</summary>
/// <param name="Index">The record's index in the micro-batch (what a failure is reported against).</param>
/// <param name="Type">The event's type (its schema's name).</param>
/// <param name="Key">The subject key its personal fields were sealed with (its pseudonyms are keyed by it), or null for a record sent in clear.</param>
internal readonly record struct ValidEvent(int Index, StreamInput Input, TrackedEvent Event, string Type, Privacy.SubjectKey? Key = null)
{
    public StreamPosition Position => Input.Position;
}
