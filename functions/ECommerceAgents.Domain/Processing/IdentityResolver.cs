using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// The first stage of planning: who each event is about. It classifies the user agent, links anonymous ids to users
/// (identify and sign-in events) and resolves each event's user, in arrival order: an anonymous event is attributed only
/// through a link that arrived before it (also when the link was stored by an earlier delivery of a later record), so
/// the result is the same however the stream is cut into micro-batches and redelivered. The first link of an
/// anonymous id stands. It also finds the purposes each event's subject denied, from the consent read with the
/// batch's state and the event's Global Privacy Control flag.
/// </summary>
internal sealed class IdentityResolver
{
    private readonly BoundedCache<UserAgentInfo> _agents = new(1024);
    private readonly ScratchArray<ResolvedIdentity> _result = new();

    /// <summary>
    /// The identity of each event of <paramref name="ordered"/> (same order; the array is reused by the next call); new
    /// links go to <paramref name="links"/>, and a sale/share opt-out to record for each subject whose first GPC-flagged
    /// event this is to <paramref name="optOuts"/>.
    /// </summary>
    public ResolvedIdentity[] Resolve(ValidEvent[] ordered, StateSnapshot state, List<PlannedWrite<IdentityLink>> links, List<PlannedWrite<ConsentRecord>> optOuts)
    {
        var known = new Dictionary<string, IdentityLink>(state.IdentityLinks, StringComparer.Ordinal);
        HashSet<string>? gpcUsers = null, gpcAnonymous = null;
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
            var userConsent = user is not null && state.Consents.TryGetValue(user, out var u) ? u : null;
            var anonymousConsent = e.AnonymousId is not null && state.AnonymousConsents.TryGetValue(e.AnonymousId, out var a) ? a : null;
            var gpc = e.Lineage?.Gpc == true;
            if (gpc) PlanOptOut(w, state, optOuts, ref gpcUsers, ref gpcAnonymous);
            else gpc = (user is not null && gpcUsers?.Contains(user) == true) || (e.AnonymousId is not null && gpcAnonymous?.Contains(e.AnonymousId) == true);

            var subject = EventTypes.IsInteraction(w.Type) ? e.UserId ?? e.AnonymousId : null;
            result[i] = new ResolvedIdentity(Agent(e.Context?.UserAgent), subject, user, ConsentRecord.DeniedFor(userConsent, anonymousConsent, gpc));
        }

        return result;
    }

    /// <summary>
    /// A GPC-flagged event: its subject (the user id it names, else its anonymous id) opts out of sale/share from here
    /// on. The opt-out is written once per subject: not when the consent read with the batch already denies it.
    /// </summary>
    private static void PlanOptOut(in ValidEvent w, StateSnapshot state, List<PlannedWrite<ConsentRecord>> optOuts, ref HashSet<string>? gpcUsers, ref HashSet<string>? gpcAnonymous)
    {
        var e = w.Event;
        if (e.UserId is { } userId)
        {
            if (!(gpcUsers ??= new(StringComparer.Ordinal)).Add(userId)) return;
            if (state.Consents.TryGetValue(userId, out var stored) && stored.SaleShare == false) return;
            optOuts.Add(new PlannedWrite<ConsentRecord>(new ConsentRecord(userId, e.EventTime) { SaleShare = false, SaleShareSource = ConsentRecord.GpcSource }, [w.Index]));
        }
        else if (e.AnonymousId is { } anonymousId)
        {
            if (!(gpcAnonymous ??= new(StringComparer.Ordinal)).Add(anonymousId)) return;
            if (state.AnonymousConsents.TryGetValue(anonymousId, out var stored) && stored.SaleShare == false) return;
            optOuts.Add(new PlannedWrite<ConsentRecord>(new ConsentRecord(ConsentRecord.AnonymousSubject(anonymousId), e.EventTime) { SaleShare = false, SaleShareSource = ConsentRecord.GpcSource }, [w.Index]));
        }
    }

    private UserAgentInfo Agent(string? userAgent) =>
        userAgent is null ? UserAgentClassifier.Classify(null) : _agents.GetOrAdd(userAgent, UserAgentClassifier.Classify);
}
