using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// The first stage of planning: who each event is about. It classifies the user agent, links anonymous ids to users
/// (identify and sign-in events) and resolves each event's user, in arrival order: an anonymous event is attributed only
/// through a link that arrived before it (also when the link was stored by an earlier delivery of a later record), so
/// the result is the same however the stream is cut into micro-batches and redelivered. The first link of an
/// anonymous id stands.
/// </summary>
internal sealed class IdentityResolver
{
    private readonly BoundedCache<UserAgentInfo> _agents = new(1024);
    private readonly ScratchArray<ResolvedIdentity> _result = new();

    /// <summary>
    /// The identity of each event of <paramref name="ordered"/> (same order; the array is reused by the next call); new
    /// links go to <paramref name="links"/>.
    /// </summary>
    public ResolvedIdentity[] Resolve(ValidEvent[] ordered, StateSnapshot state, List<PlannedWrite<IdentityLink>> links)
    {
        var known = new Dictionary<string, IdentityLink>(state.IdentityLinks, StringComparer.Ordinal);
        var result = _result.Get(ordered.Length);
        for (var i = 0; i < ordered.Length; i++)
        {
            var w = ordered[i];
            var e = w.Event;
            if (e.UserId is not null && e.AnonymousId is not null && !known.ContainsKey(e.AnonymousId))
            {
                var link = new IdentityLink(e.AnonymousId, e.UserId, e.EventTime, e.EventId, w.Input.Position);
                known[e.AnonymousId] = link;
                links.Add(new PlannedWrite<IdentityLink>(link, [w.Index]));
            }

            var user = e.UserId
                ?? (e.AnonymousId is { } anon && known.TryGetValue(anon, out var found) && found.AppliesTo(w.Input.Position, e.EventTime) ? found.UserId : null);
            var aggregateOnly = user is not null && state.Consents.TryGetValue(user, out var consent) && !consent.Personalisation;
            var subject = EventTypes.IsInteraction(w.Type) ? e.UserId ?? e.AnonymousId : null;
            result[i] = new ResolvedIdentity(Agent(e.Context?.UserAgent), subject, user, aggregateOnly);
        }

        return result;
    }

    private UserAgentInfo Agent(string? userAgent) =>
        userAgent is null ? UserAgentClassifier.Classify(null) : _agents.GetOrAdd(userAgent, UserAgentClassifier.Classify);
}
