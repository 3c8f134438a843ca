using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>Who an event is about, found by <see cref="IdentityResolver"/>.</summary>
/// <param name="Subject">The sessionizer's subject (interactions only): the user id, else the anonymous id.</param>
/// <param name="ResolvedUser">The user the event is attributed to, directly or through an identity link.</param>
/// <param name="Denied">The purposes the event's subject denied (<see cref="ConsentRecord.DeniedFor"/>).</param>
internal readonly record struct ResolvedIdentity(UserAgentInfo Agent, string? Subject, string? ResolvedUser, ConsentPurposes Denied);

/// <summary>What sessionizing found for one event, found by <see cref="SessionPlanner"/>.</summary>
/// <param name="Redelivered">An earlier delivery already applied this event to its subject's state.</param>
/// <param name="Intent">The session's intent right after this event (not at the end of the micro-batch).</param>
/// <param name="OpenedSession">This event opened its session.</param>
/// <param name="ViewedAfter">The product viewed just before this one in the same session, for "viewed next" counts.</param>
/// <param name="Attribution">The session's attribution as of this event (null until an event of the session says where it came from).</param>
internal readonly record struct SessionFacts(
    SessionInterval? Session,
    bool Redelivered,
    bool Bot,
    string? BotReason,
    string? Intent,
    double? Engagement,
    bool OpenedSession,
    string? ViewedAfter,
    SessionAttribution? Attribution = null);

/// <summary>
/// One valid event with everything the planner found about it (identity, then session), fixed once found: the
/// profile, order, product and real-time stages only read it.
/// </summary>
internal sealed class PlannedEvent(in ValidEvent source, in ResolvedIdentity identity, in SessionFacts session)
{
    private readonly ValidEvent _source = source;
    private readonly ResolvedIdentity _identity = identity;
    private readonly SessionFacts _session = session;

    public ValidEvent Source => _source;

    public int Index => _source.Index;

    public StreamInput Input => _source.Input;

    public StreamPosition Position => _source.Input.Position;

    public TrackedEvent Event => _source.Event;

    public string Type => _source.Type;

    public UserAgentInfo Agent => _identity.Agent;

    public string? Subject => _identity.Subject;

    public string? ResolvedUser => _identity.ResolvedUser;

    /// <summary>The purposes the event's subject denied.</summary>
    public ConsentPurposes Denied => _identity.Denied;

    /// <summary>The subject opted out of personalisation: the event counts only in aggregates.</summary>
    public bool AggregateOnly => (_identity.Denied & ConsentPurposes.Personalisation) != 0;

    /// <summary>The subject denied analytics: the event reaches the zones pseudonymous, or not at all (<see cref="AnalyticsDenial"/>).</summary>
    public bool AnalyticsDenied => (_identity.Denied & ConsentPurposes.Analytics) != 0;

    public SessionInterval? Session => _session.Session;

    public bool Redelivered => _session.Redelivered;

    public bool Bot => _session.Bot;

    public string? BotReason => _session.BotReason;

    public string? Intent => _session.Intent;

    public double? Engagement => _session.Engagement;

    public bool OpenedSession => _session.OpenedSession;

    public string? ViewedAfter => _session.ViewedAfter;

    public SessionAttribution? Attribution => _session.Attribution;
}
