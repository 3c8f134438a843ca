using System.Globalization;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// The second stage of planning: sessionizes each subject's interactions in arrival order, counts the session's
/// signals, classifies intent, scores engagement and detects bots. A session found to be a bot takes all of the
/// micro-batch's events of that session with it.
/// </summary>
internal sealed class SessionPlanner(ProcessorOptions options)
{
    private readonly Sessionizer _sessionizer = new();
    private readonly ScratchArray<SessionFacts> _facts = new();

    private IReadOnlyList<string> OwnDomains => options.OwnDomains;

    /// <summary>
    /// The session facts of each event of <paramref name="ordered"/> (same order; the array is reused by the next call);
    /// changed subjects go to <paramref name="writes"/>.
    /// </summary>
    public SessionFacts[] Plan(ValidEvent[] ordered, ResolvedIdentity[] identities, StateSnapshot state, List<PlannedWrite<SubjectState>> writes)
    {
        var run = new Run(this, ordered, identities, state, _facts.Get(ordered.Length));
        WatermarkedGroups.Plan(ordered, run, writes);
        return run.Facts;
    }

    /// <summary>Bot signals, strongest first: an automation user agent, a known automation network, then the event rate.</summary>
    private string? BotReason(in ValidEvent w, UserAgentInfo agent, SubjectState subject)
    {
        if (agent.IsBot) return "user_agent:" + agent.BotSignature;
        if (options.BotNetworks.Count > 0 && w.Event.Context?.Ip is { } ip && System.Net.IPAddress.TryParse(ip, out var address)
            && options.BotNetworks.FirstOrDefault(n => n.Contains(address)) is { PrefixLength: > 0 } network)
        {
            return "network:" + network;
        }

        return subject.RateWindowCount > options.BotEventsPerMinute ? "rate:" + options.BotEventsPerMinute.ToString(CultureInfo.InvariantCulture) + "/min" : null;
    }

    /// <summary>One micro-batch's sessionizing: the facts found so far, per slot.</summary>
    private sealed class Run(SessionPlanner planner, ValidEvent[] ordered, ResolvedIdentity[] identities, StateSnapshot state, SessionFacts[] facts) : IWatermarkedEntity<SubjectState>
    {
        public SessionFacts[] Facts { get; } = facts;

        public string? KeyOf(int slot) => identities[slot].Subject;

        public SubjectState Load(string key) => state.Subjects.TryGetValue(key, out var existing) ? existing : new SubjectState { SubjectId = key };

        public void AlreadyApplied(SubjectState state, int slot)
        {
            var session = planner._sessionizer.Find(state, ordered[slot].Event.EventTime);
            Facts[slot] = new SessionFacts(session, true, session?.Bot ?? identities[slot].Agent.IsBot, session?.BotReason, session?.Intent, session?.Engagement, false, null, session?.Attribution);
        }

        public void Apply(SubjectState subject, int slot)
        {
            var w = ordered[slot];
            var identity = identities[slot];
            var e = w.Event;
            if (subject.RateWindowStart is not { } start || e.EventTime - start >= TimeSpan.FromMinutes(1) || e.EventTime < start)
            {
                subject.RateWindowStart = e.EventTime;
                subject.RateWindowCount = 0;
            }

            subject.RateWindowCount++;
            var openedBefore = subject.Current?.Id;
            var session = planner._sessionizer.Assign(subject, e.EventTime, e.EventId);
            var opened = session.Start == e.EventTime && session.Counters.Events == 0 && session.Id != openedBefore;
            SessionSignals.Count(session.Counters, w.Type, e.Data, e.EventTime);
            if (!session.Bot && planner.BotReason(w, identity.Agent, subject) is { } reason)
            {
                session.Bot = true;
                session.BotReason = reason;
            }

            string? viewedAfter = null;
            if (w.Type == EventTypes.ProductView && e.Data.Sku is { } viewed && !session.Bot && (identity.Denied & ConsentPurposes.Personalisation) == 0)
            {
                // "Viewed next" pairs follow arrival order and carry over micro-batches through the session state.
                if (session.LastViewedSku is { } previous && previous != viewed) viewedAfter = previous;
                session.LastViewedSku = viewed;
            }

            session.Intent = SessionSignals.Intent(session.Counters, session.End);
            session.Engagement = SessionSignals.Engagement(session.Counters, session.End - session.Start);
            session.UserId ??= identity.ResolvedUser;
            session.EntryUrl ??= e.Data.Url ?? e.Context?.Page?.Url;

            // The landing fixes the attribution (as GA4 and Snowplow do): later events, an internal referrer among them,
            // never change it, so every delivery and replay in arrival order gives each event the same attribution.
            if (session.Attribution is null && TrafficSources.SaysWhereFrom(e)) session.Attribution = TrafficSources.Classify(e, planner.OwnDomains);
            Facts[slot] = new SessionFacts(session, false, session.Bot, session.BotReason, session.Intent, session.Engagement, opened, viewedAfter, session.Attribution);
        }

        public void Completed(SubjectState state, List<int> slots)
        {
            // A session found to be a bot during this micro-batch takes all of its events with it.
            foreach (var slot in slots)
            {
                var facts = Facts[slot];
                if (facts.Redelivered || facts.Bot || facts.Session is not { Bot: true } botSession) continue;
                Facts[slot] = facts with { Bot = true, BotReason = botSession.BotReason };
            }
        }
    }
}
