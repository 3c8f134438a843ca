using System.Text.Json.Serialization.Metadata;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain;

/// <summary>
/// The source-generated JSON metadata of the domain's public documents, for callers outside the domain. The contexts
/// themselves stay internal: each keeps its own options (a tracked event's numbers are strict, for one).
/// </summary>
public static class DomainJson
{
    /// <summary>An event as producers send it.</summary>
    public static JsonTypeInfo<TrackedEvent> TrackedEvent => TrackedEventJsonContext.Default.TrackedEvent;

    /// <summary>What one BatchLoader invocation answers.</summary>
    public static JsonTypeInfo<BatchRunSummary> BatchRunSummary => BatchJsonContext.Default.BatchRunSummary;
}
