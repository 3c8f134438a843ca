namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// One kind of entity state (a subject's sessions, a profile, an order) as <see cref="WatermarkedGroups"/> plans it.
/// Events are named by their slot in the micro-batch's arrival order.
/// </summary>
internal interface IWatermarkedEntity<TState>
    where TState : EntityState
{
    /// <summary>The entity the event at <paramref name="slot"/> changes, or null when it changes none.</summary>
    string? KeyOf(int slot);

    /// <summary>The entity's state as read, or a new one.</summary>
    TState Load(string key);

    /// <summary>Applies the event at <paramref name="slot"/>, which is above the entity's watermark.</summary>
    void Apply(TState state, int slot);

    /// <summary>The event at <paramref name="slot"/> was applied by an earlier delivery: it changes nothing.</summary>
    void AlreadyApplied(TState state, int slot)
    {
    }

    /// <summary>Called once the group's events are applied, when at least one was new.</summary>
    void Completed(TState state, List<int> slots)
    {
    }
}

/// <summary>
/// The group → watermark → members loop: events grouped by entity (groups in order of first appearance, each in
/// arrival order), each applied unless at or below the entity's watermark for its shard, then one write per entity
/// that changed, carrying the records it applied and the new watermark.
/// </summary>
internal static class WatermarkedGroups
{
    public static void Plan<TState>(ValidEvent[] ordered, IWatermarkedEntity<TState> entity, List<PlannedWrite<TState>> writes)
        where TState : EntityState
    {
        foreach (var (key, slots) in Group(ordered, entity))
        {
            var state = entity.Load(key);
            var members = new List<int>();
            string? watermark = null;
            foreach (var slot in slots)
            {
                var position = ordered[slot].Input.Position;
                if (position.AppliedUnder(state.Watermarks))
                {
                    entity.AlreadyApplied(state, slot);
                    continue;
                }

                entity.Apply(state, slot);
                members.Add(ordered[slot].Index);
                watermark = Max(watermark, position.Padded);
            }

            if (members.Count == 0) continue;
            entity.Completed(state, slots);
            state.Watermarks[ordered[slots[0]].Input.Position.ShardId] = watermark!;
            writes.Add(new PlannedWrite<TState>(state, members));
        }
    }

    private static List<(string Key, List<int> Slots)> Group<TState>(ValidEvent[] ordered, IWatermarkedEntity<TState> entity)
        where TState : EntityState
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<(string Key, List<int> Slots)>();
        for (var slot = 0; slot < ordered.Length; slot++)
        {
            if (entity.KeyOf(slot) is not { } key) continue;
            if (!index.TryGetValue(key, out var i))
            {
                index[key] = i = groups.Count;
                groups.Add((key, []));
            }

            groups[i].Slots.Add(slot);
        }

        return groups;
    }

    private static string Max(string? a, string b) => a is null || string.CompareOrdinal(b, a) > 0 ? b : a;
}
