using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// Moves each user's profile: counters, first and last seen, preferences, sessions, the latest session's intent and
/// engagement, orders and spend. Only a known user's own interactions and orders count (not bots, not opted-out users).
/// </summary>
internal sealed class ProfilePlanner(PreferenceExtractor preferences)
{
    public void Plan(ValidEvent[] ordered, PlannedEvent[] planned, StateSnapshot state, List<PlannedWrite<UserProfile>> writes) =>
        WatermarkedGroups.Plan(ordered, new Run(preferences, planned, state), writes);

    private sealed class Run(PreferenceExtractor preferences, PlannedEvent[] planned, StateSnapshot state) : IWatermarkedEntity<UserProfile>
    {
        public string? KeyOf(int slot)
        {
            var w = planned[slot];
            return w.ResolvedUser is not null && !w.Bot && !w.AggregateOnly && (EventTypes.IsInteraction(w.Type) || w.Type == EventTypes.OrderPlaced) ? w.ResolvedUser : null;
        }

        public UserProfile Load(string key) => state.Profiles.TryGetValue(key, out var existing) ? existing : new UserProfile { UserId = key };

        public void Apply(UserProfile profile, int slot)
        {
            var w = planned[slot];
            var e = w.Event;
            profile.Counters[w.Type] = profile.Counters.GetValueOrDefault(w.Type) + 1;
            if (profile.FirstSeen == default || e.EventTime < profile.FirstSeen) profile.FirstSeen = e.EventTime;
            if (e.EventTime > profile.LastSeen) profile.LastSeen = e.EventTime;
            preferences.Apply(profile, w.Type, e.Data, e.EventTime);
            if (w.OpenedSession) profile.Sessions++;
            if (w.Session is { } session && e.EventTime >= profile.LastSeen)
            {
                profile.Engagement = w.Engagement ?? 0;
                profile.Intent = w.Intent ?? Intents.Browsing;
                profile.LastSessionId = session.Id;
            }

            if (w.Type == EventTypes.Purchase)
            {
                profile.Orders++;
                profile.Spend += e.Data.Total ?? 0;
                profile.SpendCurrency ??= e.Data.Currency;
            }

            if (e.AnonymousId is { } anon && !profile.AnonymousIds.Contains(anon) && profile.AnonymousIds.Count < 20) profile.AnonymousIds.Add(anon);
        }
    }
}
