using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Resources;

/// <summary>
/// The one definition of every table, stream and bucket (the keys inside the buckets are <see cref="ZoneLayout"/>'s). The local stack creates from it,
/// the CDK app synthesizes from it and functions find their resources through it.
/// </summary>
public static class Tables
{
    public static readonly TableDefinition Profiles = new(
        "profiles", "User profile: counters, last seen, affinities, engagement, intent.",
        new KeyField("userId"));

    public static readonly TableDefinition Sessions = new(
        "sessions", "Sessionizer state (sk = STATE) and one item per session, keyed by subject (user or anonymous id).",
        new KeyField("subjectId"), new KeyField("sk"));

    public static readonly TableDefinition Identities = new(
        "identities", "Identity links: anonymous id to user id.",
        new KeyField("anonymousId"),
        Indexes: [new IndexDefinition("byUser", new KeyField("userId"), new KeyField("anonymousId"))]);

    public static readonly TableDefinition Catalog = new(
        "catalog", "Products by SKU; range queries by category + SKU through the byCategory index.",
        new KeyField("sku"),
        Indexes: [new IndexDefinition("byCategory", new KeyField("category"), new KeyField("sku"))]);

    public static readonly TableDefinition ProductStats = new(
        "product-stats", "Real-time per-product counters (views, carts, purchases, revenue): one item per product and shard (sk = shard id), which only that shard writes; a product's figures are the sum of its items.",
        new KeyField("sku"), new KeyField("shard"));

    public static readonly TableDefinition Orders = new(
        "orders", "Order state and history, by order id; by date and by user through indexes.",
        new KeyField("orderId"),
        Indexes:
        [
            new IndexDefinition("byDate", new KeyField("orderDate"), new KeyField("orderId")),
            new IndexDefinition("byUser", new KeyField("userId"), new KeyField("orderId")),
        ]);

    public static readonly TableDefinition Dedup = new(
        "dedup", "Event-id claims, API idempotency keys and the webhook replay cache. Expire through TTL.",
        new KeyField("pk"), TtlAttribute: "expiresAt");

    public static readonly TableDefinition Consent = new(
        "consent", "Consent by purpose (analytics, personalisation, marketing, sale/share) per user id, or per anonymous id keyed anon#<id>. Survives erasure on purpose.",
        new KeyField("userId"));

    public static readonly TableDefinition ApiKeys = new(
        "api-keys", "API keys, stored as SHA-256 hashes, each with a role.",
        new KeyField("keyHash"),
        Indexes: [new IndexDefinition("byKeyId", new KeyField("keyId"))]);

    public static readonly TableDefinition Audit = new(
        "audit", "The audit hash chain: reads of personal data, erasure, export, consent and key administration. Entries at subject = chain, at = sequence number (20 digits); the chain head and the prune checkpoint beside them; by audited subject through the bySubject index. Kept one year (pruned by a job, no TTL).",
        new KeyField("subject"), new KeyField("at"),
        Indexes: [new IndexDefinition("bySubject", new KeyField("about"), new KeyField("at"))]);

    public static readonly TableDefinition Tombstones = new(
        "tombstones", "Erasure requests the batch layer applies to the zones, warehouse and index.",
        new KeyField("userId"));

    /// <summary>
    /// Erasure and export requests and where they stand (accepted → in progress → done), each move audited. Kept after an
    /// erasure on purpose: it holds the user id, the times and the counts of what was erased, nothing else personal.
    /// </summary>
    public static readonly TableDefinition PrivacyRequests = new(
        "privacy-requests", "Erasure and export requests (accepted, in progress, done), with the counts erased and the export's object. Survives erasure on purpose: user id, times and counts only.",
        new KeyField("requestId"));

    public static readonly TableDefinition Watermarks = new(
        "watermarks", "Batch partitions processed (dt → type/hr) and stream-processing markers.",
        new KeyField("pk"), new KeyField("sk"));

    /// <summary>
    /// The subjects' data keys (crypto-shredding): <c>key#&lt;keyId&gt;</c> → the wrapped key, <c>subject#&lt;subject&gt;</c>
    /// → its key id. No point-in-time recovery: a deleted key must not come back from a backup.
    /// </summary>
    public static readonly TableDefinition SubjectKeys = new(
        "subject-keys", "Subjects' data keys, wrapped (KMS in AWS): key id to wrapped key, subject to key id. Deleting a subject's key shreds its personal fields everywhere. No PITR: a deleted key must not outlive an erasure in a backup.",
        new KeyField("pk"), PointInTimeRecovery: false);

    public static IReadOnlyList<TableDefinition> All { get; } =
        [Profiles, Sessions, Identities, Catalog, ProductStats, Orders, Dedup, Consent, ApiKeys, Audit, Tombstones, PrivacyRequests, Watermarks, SubjectKeys];
}

public static class Buckets
{
    public static readonly BucketDefinition Raw = new(
        "raw", "Exact copy of every stream record, for replay. May hold a record more than once.",
        new Lifecycle(GlacierInstantAfterDays: 30, ExpireAfterDays: 400), HoldsRawPii: true);

    public static readonly BucketDefinition Landing = new(
        "landing", "Catalog file uploads (notification prefix) and their import reports.",
        new Lifecycle(ExpireAfterDays: 90), HoldsRawPii: false);

    public static readonly BucketDefinition Quarantine = new(
        "quarantine", "Records that failed parsing or schema, with reasons; failed batches from the on-failure destination.",
        new Lifecycle(ExpireAfterDays: 30), HoldsRawPii: true);

    public static readonly BucketDefinition Enriched = new(
        "enriched", "Validated, enriched, pseudonymised events (and bot traffic apart), written by Firehose.",
        new Lifecycle(GlacierInstantAfterDays: 30), HoldsRawPii: false);

    public static readonly BucketDefinition Logs = new(
        "logs", "Normalised, masked service logs, written by Firehose after LogTransformer.",
        new Lifecycle(InfrequentAccessAfterDays: 30, ExpireAfterDays: 365), HoldsRawPii: false);

    public static readonly BucketDefinition Processed = new(
        "processed", "Compacted Parquet, search outbox, quality reports, catalog copies.",
        new Lifecycle(InfrequentAccessAfterDays: 90), HoldsRawPii: false);

    /// <summary>Data subjects' exports (GDPR art. 15): one JSON object per request, read through a pre-signed link; gone after 7 days.</summary>
    public static readonly BucketDefinition Exports = new(
        "exports", "Data subjects' exports, one object per request, handed out as pre-signed links. Expire after 7 days.",
        new Lifecycle(ExpireAfterDays: 7), HoldsRawPii: true);

    public static IReadOnlyList<BucketDefinition> All { get; } = [Raw, Landing, Quarantine, Enriched, Logs, Processed, Exports];
}

public static class Streams
{
    public static readonly StreamDefinition Events = new(
        "events", "All events: interactions keyed by user or anonymous id, orders by order id, catalog changes by SKU, telemetry by device.");

    public static IReadOnlyList<StreamDefinition> All { get; } = [Events];
}

public static class DeliveryStreams
{
    /// <summary>
    /// The Lambda processor's buffering hints (LogTransformer, on the logs and enriched streams): an invocation per
    /// 1 MB or 60 s, whichever comes first. 1 MB in keeps the transformed response well under Lambda's 6 MB; the
    /// function re-ingests any overflow. The CDK app, the Firehose stand-in and the cost and scaling models read them here.
    /// </summary>
    public const int ProcessorBufferMegabytes = 1;

    /// <inheritdoc cref="ProcessorBufferMegabytes"/>
    public const int ProcessorBufferSeconds = 60;

    public static readonly DeliveryStreamDefinition RawArchive = new(
        "raw", "Exact copy of the events stream.", Buckets.Raw,
        Prefix: ZoneLayout.RawArchive + "dt=!{timestamp:yyyy-MM-dd}/hr=!{timestamp:HH}/",
        ErrorPrefix: "raw-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/",
        Source: DeliverySource.KinesisStream);

    /// <summary>
    /// Enriched events. <c>zone</c> is <c>events</c> or <c>bots</c>, so bot traffic never mixes with real users. The
    /// partition keys come from LogTransformer (a Lambda processor after the multi-record deaggregation), which reads
    /// them from each record's <c>partition</c> object: JQ extraction would bill every hour it runs.
    /// </summary>
    public static readonly DeliveryStreamDefinition Enriched = new(
        "enriched", "Enriched events from StreamProcessor.", Buckets.Enriched,
        Prefix: "!{partitionKeyFromLambda:zone}/type=!{partitionKeyFromLambda:type}/dt=!{partitionKeyFromLambda:dt}/hr=!{partitionKeyFromLambda:hr}/",
        ErrorPrefix: "errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/",
        Source: DeliverySource.DirectPut,
        TransformedByLambda: true,
        BufferSeconds: 60,
        BufferMegabytes: 64,
        SubRecordDelimiter: "\n");

    public static readonly DeliveryStreamDefinition Logs = new(
        "logs", "Service logs, transformed by LogTransformer.", Buckets.Logs,
        Prefix: ZoneLayout.LogsZone + "service=!{partitionKeyFromLambda:service}/dt=!{partitionKeyFromLambda:dt}/hr=!{partitionKeyFromLambda:hr}/",
        ErrorPrefix: "logs-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/",
        Source: DeliverySource.DirectPut,
        TransformedByLambda: true,
        BufferSeconds: 60,
        BufferMegabytes: 64);

    public static IReadOnlyList<DeliveryStreamDefinition> All { get; } = [RawArchive, Enriched, Logs];
}

/// <summary>The warehouse: one schema; tables are created by the warehouse adapter's migrations.</summary>
public static class Warehouse
{
    public const string Schema = "eca";
    public const string Database = "ecommerce";
}
