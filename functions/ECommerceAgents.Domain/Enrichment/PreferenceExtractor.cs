using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Enrichment;

/// <summary>
/// Category, brand and price-band affinities with exponential time decay (half-life 14 days by default): before an
/// event adds its weight, every score is decayed to the event's time (a late event's weight is decayed to the
/// current reference time instead). Views weigh 1, searches in a category 0.5,
/// cart adds 3, purchases 5 per line. Each dimension keeps its 20 strongest entries.
/// </summary>
public sealed class PreferenceExtractor(TimeSpan? halfLife = null, int keep = 20)
{
    public TimeSpan HalfLife { get; } = halfLife ?? TimeSpan.FromDays(14);

    public static string PriceBand(decimal price) => price switch
    {
        < 25 => "budget",
        < 100 => "mid",
        < 500 => "premium",
        _ => "luxury",
    };

    public void Apply(UserProfile profile, string type, EventData data, DateTimeOffset time)
    {
        var weight = type switch
        {
            EventTypes.ProductView => 1.0,
            EventTypes.Search => 0.5,
            EventTypes.AddToCart => 3.0,
            EventTypes.Purchase => 5.0,
            _ => 0,
        };
        if (weight == 0) return;

        DecayTo(profile, time);

        // A late event's weight is decayed from its own time to the profile's reference time.
        if (time < profile.AffinitiesAsOf) weight *= Math.Pow(0.5, (profile.AffinitiesAsOf - time) / HalfLife);
        if (type == EventTypes.Purchase && data.Items is { } lines)
        {
            foreach (var line in lines)
            {
                Add(profile.Affinities.Category, line.Category, weight);
                Add(profile.Affinities.PriceBand, PriceBand(line.Price), weight);
            }

            return;
        }

        Add(profile.Affinities.Category, data.Category, weight);
        Add(profile.Affinities.Brand, data.Brand, weight);
        if (data.Price is { } price) Add(profile.Affinities.PriceBand, PriceBand(price), weight);
    }

    /// <summary>Decays every score to <paramref name="time"/> when it is newer than the reference time.</summary>
    public void DecayTo(UserProfile profile, DateTimeOffset time)
    {
        if (profile.AffinitiesAsOf == default)
        {
            profile.AffinitiesAsOf = time;
            return;
        }

        if (time <= profile.AffinitiesAsOf) return;
        var factor = Math.Pow(0.5, (time - profile.AffinitiesAsOf) / HalfLife);
        Decay(profile.Affinities.Category, factor);
        Decay(profile.Affinities.Brand, factor);
        Decay(profile.Affinities.PriceBand, factor);
        profile.AffinitiesAsOf = time;
    }

    [ThreadStatic]
    private static List<string>? _keys;

    private static void Decay(Dictionary<string, double> dimension, double factor)
    {
        var keys = _keys ??= [];
        keys.Clear();
        keys.AddRange(dimension.Keys);
        foreach (var key in keys)
        {
            var decayed = Math.Round(dimension[key] * factor, 6);
            if (decayed < 0.01) dimension.Remove(key);
            else dimension[key] = decayed;
        }
    }

    /// <summary>The scores as they stand at <paramref name="now"/>, strongest first (for reading, not stored).</summary>
    public IReadOnlyList<(string Key, double Score)> Top(Dictionary<string, double> dimension, DateTimeOffset asOf, DateTimeOffset now, int count)
    {
        var factor = now > asOf ? Math.Pow(0.5, (now - asOf) / HalfLife) : 1;
        return dimension.Select(kv => (kv.Key, Math.Round(kv.Value * factor, 4))).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal).Take(count).ToArray();
    }

    private void Add(Dictionary<string, double> dimension, string? key, double weight)
    {
        if (string.IsNullOrEmpty(key)) return;
        dimension[key] = Math.Round(dimension.GetValueOrDefault(key) + weight, 6);
        if (dimension.Count > keep)
        {
            dimension.Remove(dimension.MinBy(kv => (kv.Value, kv.Key)).Key);
        }
    }
}
