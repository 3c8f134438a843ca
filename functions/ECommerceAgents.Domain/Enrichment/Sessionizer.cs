using System.Security.Cryptography;
using System.Text;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Enrichment;

/// <summary>
/// Sessions by inactivity (30 minutes by default), per subject, kept in <see cref="SubjectState"/> between batches.
/// Events are applied in arrival (sequence) order, the one order that is the same however Lambda cuts the stream into
/// batches. A session's id is derived from the subject and the event that opened it, so ids hold across batches,
/// redeliveries and replays, and do not depend on the order records are listed in. A late event (earlier than the
/// session's last) joins the session whose span it falls in, or opens a session of its own; sessions never merge.
/// </summary>
internal sealed class Sessionizer(TimeSpan? inactivity = null, int keepRecent = 8)
{
    public TimeSpan Inactivity { get; } = inactivity ?? TimeSpan.FromMinutes(30);

    /// <summary>Assigns the event to a session, changing <paramref name="state"/>; returns that session.</summary>
    public SessionInterval Assign(SubjectState state, DateTimeOffset time, string eventId)
    {
        var current = state.Current;
        if (current is null)
        {
            return state.Current = Open(state.SubjectId, time, eventId);
        }

        if (time >= current.End)
        {
            if (time - current.End <= Inactivity)
            {
                current.End = time;
                return current;
            }

            state.Recent.Add(current);
            Trim(state);
            return state.Current = Open(state.SubjectId, time, eventId);
        }

        // Late: the event belongs to the session whose span (widened by the timeout before it) holds it.
        var owner = Find(state, time);
        if (owner is not null)
        {
            if (time < owner.Start) owner.Start = time;
            return owner;
        }

        var isolated = Open(state.SubjectId, time, eventId);
        state.Recent.Add(isolated);
        Trim(state);
        return isolated;
    }

    /// <summary>The session that already holds an event time (for a record applied by an earlier attempt).</summary>
    public SessionInterval? Find(SubjectState state, DateTimeOffset time) =>
        state.All.Where(s => time >= s.Start - Inactivity && time <= s.End + Inactivity)
            .OrderBy(s => time < s.Start ? s.Start - time : time > s.End ? time - s.End : TimeSpan.Zero)
            .FirstOrDefault();

    public static string SessionId(string subjectId, DateTimeOffset firstEventTime, string firstEventId)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{subjectId}|{firstEventTime.UtcTicks}|{firstEventId}"), digest);
        return "s-" + Convert.ToHexStringLower(digest[..10]);
    }

    private static SessionInterval Open(string subjectId, DateTimeOffset time, string eventId) =>
        new() { Id = SessionId(subjectId, time, eventId), Start = time, End = time };

    private void Trim(SubjectState state)
    {
        state.Recent.Sort((a, b) => a.Start.CompareTo(b.Start));
        while (state.Recent.Count > keepRecent) state.Recent.RemoveAt(0);
    }
}
