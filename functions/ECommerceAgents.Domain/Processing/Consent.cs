namespace ECommerceAgents.Domain.Processing;

/// <summary>The purposes a subject consents to or denies, as flags.</summary>
[Flags]
public enum ConsentPurposes
{
    None = 0,

    /// <summary>Behavioural analytics in the enriched zone and the warehouse.</summary>
    Analytics = 1,

    /// <summary>Profiles, recently viewed lists and recommendations.</summary>
    Personalisation = 2,

    /// <summary>Marketing audiences (customer segments exported for campaigns).</summary>
    Marketing = 4,

    /// <summary>Sale or sharing of personal information with third parties (CCPA/CPRA).</summary>
    SaleShare = 8,

    All = Analytics | Personalisation | Marketing | SaleShare,
}

/// <summary>What StreamProcessor does with the events of a subject who denied analytics (a shop setting).</summary>
public enum AnalyticsDenial
{
    /// <summary>The events reach the zones and the warehouse with pseudonyms for the user and anonymous ids and no profile linkage.</summary>
    Pseudonymous,

    /// <summary>The events are counted as consent-dropped and not written to the enriched zone.</summary>
    Drop,
}

/// <summary>
/// A subject's consent, purpose by purpose. A purpose never set is null and takes its default: granted, for all four
/// (an opt-out model: personalisation and analytics as before, marketing under the existing-customer rule, sale/share
/// as CCPA's "do not sell or share" opt-out). The subject is a user id, or <see cref="AnonymousSubject"/> of an anonymous id.
/// </summary>
/// <param name="Subject">The key of the consent table: a user id, or <c>anon#</c> and an anonymous id.</param>
public sealed record ConsentRecord(string Subject, DateTimeOffset UpdatedAt)
{
    private const string AnonymousPrefix = "anon#";

    /// <summary>The <see cref="SaleShareSource"/> of an opt-out sent as <c>Sec-GPC: 1</c>.</summary>
    public const string GpcSource = "gpc";

    /// <summary>The <see cref="SaleShareSource"/> of a choice sent in a consent request's body.</summary>
    public const string RequestSource = "request";

    public bool? Analytics { get; init; }

    public bool? Personalisation { get; init; }

    public bool? Marketing { get; init; }

    public bool? SaleShare { get; init; }

    /// <summary><c>gpc</c> when sale/share was last denied by a Global Privacy Control signal, <c>request</c> when by a consent request's body.</summary>
    public string? SaleShareSource { get; init; }

    /// <summary>The purposes explicitly denied.</summary>
    public ConsentPurposes Denied =>
        (Analytics == false ? ConsentPurposes.Analytics : 0) | (Personalisation == false ? ConsentPurposes.Personalisation : 0)
        | (Marketing == false ? ConsentPurposes.Marketing : 0) | (SaleShare == false ? ConsentPurposes.SaleShare : 0);

    /// <summary>The purposes set either way (the rest take the default).</summary>
    public ConsentPurposes Decided =>
        (Analytics is not null ? ConsentPurposes.Analytics : 0) | (Personalisation is not null ? ConsentPurposes.Personalisation : 0)
        | (Marketing is not null ? ConsentPurposes.Marketing : 0) | (SaleShare is not null ? ConsentPurposes.SaleShare : 0);

    /// <summary>The consent table's key of an anonymous id (<c>#</c> never appears in a user id, so the two cannot collide).</summary>
    public static string AnonymousSubject(string anonymousId) => AnonymousPrefix + anonymousId;

    /// <summary>
    /// The purposes denied for an event: the user's choice where they made one, else the anonymous id's (a visitor's
    /// banner choice carries over when they sign in), else the default (granted); a GPC signal on the event denies sale/share.
    /// </summary>
    public static ConsentPurposes DeniedFor(ConsentRecord? user, ConsentRecord? anonymous, bool globalPrivacyControl)
    {
        var denied = user?.Denied ?? ConsentPurposes.None;
        if (anonymous is not null) denied |= anonymous.Denied & ~(user?.Decided ?? ConsentPurposes.None);
        return globalPrivacyControl ? denied | ConsentPurposes.SaleShare : denied;
    }
}
