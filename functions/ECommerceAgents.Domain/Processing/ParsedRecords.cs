using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// A micro-batch's records parsed and validated (pure, never throws for bad input): the valid events, the rejected
/// records, and the duplicates dropped (an event id seen earlier in the micro-batch, or already processed from another
/// stream position, i.e. a client's resend).
/// </summary>
internal sealed class ParsedRecords
{
    private ParsedRecords(List<ValidEvent> valid, List<(int Index, RejectedEvent Rejection)> rejected, List<int> duplicates)
    {
        Valid = valid;
        Rejected = rejected;
        Duplicates = duplicates;
    }

    public IReadOnlyList<ValidEvent> Valid { get; private set; }

    /// <summary>The rejected records, by index in the micro-batch.</summary>
    public IReadOnlyList<(int Index, RejectedEvent Rejection)> Rejected { get; }

    public List<int> Duplicates { get; }

    /// <param name="decryption">Opens sealed personal fields before parsing (keys prepared for these records); null for records in clear.</param>
    public static ParsedRecords Parse(EventParser parser, IReadOnlyList<StreamInput> records, Privacy.RecordDecryption? decryption = null)
    {
        var valid = new List<ValidEvent>(records.Count);
        var rejected = new List<(int Index, RejectedEvent Rejection)>();
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = new List<int>();
        for (var i = 0; i < records.Count; i++)
        {
            Privacy.SubjectKey? key = null;
            switch (records[i].Rejection ?? parser.Parse(decryption is null ? records[i].Data.Span : decryption.Open(records[i].Data.Span, out key)))
            {
                case ParsedEvent parsed when seenIds.Add(parsed.Event.EventId):
                    valid.Add(new ValidEvent(i, records[i], parsed.Event, parsed.Type, key));
                    break;
                case ParsedEvent:
                    duplicates.Add(i); // the same event id earlier in this micro-batch
                    break;
                case RejectedEvent r:
                    rejected.Add((i, r));
                    break;
            }
        }

        return new ParsedRecords(valid, rejected, duplicates);
    }

    /// <summary>Drops the events whose id was already processed from another stream position (a client's resend).</summary>
    public void DropResends(StateSnapshot snapshot, DateTimeOffset now)
    {
        var kept = new List<ValidEvent>(Valid.Count);
        foreach (var w in Valid)
        {
            if (snapshot.Markers.TryGetValue(w.Event.EventId, out var marker) && marker.ExpiresAt > now && marker.Position != w.Position.ToString())
            {
                Duplicates.Add(w.Index);
                continue;
            }

            kept.Add(w);
        }

        Valid = kept;
    }

    /// <summary>The rejected records with their reasons' names, for the real-time quality counters.</summary>
    public IReadOnlyList<QuarantinedInput> Quarantined(IReadOnlyList<StreamInput> records)
    {
        var list = new QuarantinedInput[Rejected.Count];
        for (var i = 0; i < list.Length; i++) list[i] = new QuarantinedInput(records[Rejected[i].Index], Rejected[i].Rejection.ReasonName);
        return list;
    }
}
