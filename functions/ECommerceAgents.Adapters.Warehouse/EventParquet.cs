using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Processing;
using Parquet;
using Parquet.Schema;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>
/// The processed zone's Parquet files, written and read with Parquet.Net's column API (no reflection serializer, so it
/// stays AOT-safe). Snappy-compressed, one row group. Timestamps are INT64 microseconds adjusted to UTC and decimals are
/// DECIMAL(18,4) in fixed-length byte arrays: what Glue/Athena (Hive) and Redshift COPY read. Every column is optional.
/// The column order is the contract with the staging tables (Redshift COPY maps Parquet columns by position).
/// </summary>
public sealed class EventParquet : IParquetCodec
{
    private static DataField<string> Text(string name) => new(name, nullable: true);

    private static DateTimeDataField Time(string name) => new(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true);

    private static DecimalDataField Money(string name) => new(name, 18, 4, forceByteArrayEncoding: true, isNullable: true);

    public static readonly DataField EventId = Text("event_id");
    public static readonly DataField Schema = Text("schema");
    public static readonly DataField EventType = Text("event_type");
    public static readonly DataField OccurredAt = Time("occurred_at");
    public static readonly DataField ReceivedAt = Time("received_at");
    public static readonly DataField UserId = Text("user_id");
    public static readonly DataField AnonymousId = Text("anonymous_id");
    public static readonly DataField SessionId = Text("session_id");
    public static readonly DataField Sku = Text("sku");
    public static readonly DataField Category = Text("category");
    public static readonly DataField OrderId = Text("order_id");
    public static readonly DataField Revenue = Money("revenue");
    public static readonly DataField Currency = Text("currency");
    public static readonly DataField Properties = Text("properties");
    public static readonly DataField Lineage = Text("lineage");
    public static readonly DataField ResolvedUserId = Text("resolved_user_id");
    public static readonly DataField Brand = Text("brand");
    public static readonly DataField Price = Money("price");
    public static readonly DataField Quantity = new DataField<int?>("quantity");
    public static readonly DataField SearchQuery = Text("search_query");
    public static readonly DataField Intent = Text("intent");
    public static readonly DataField Engagement = new DataField<double?>("engagement");
    public static readonly DataField Consent = Text("consent");
    public static readonly DataField DeviceType = Text("device_type");
    public static readonly DataField IngestedAt = Time("ingested_at");
    public static readonly DataField ProcessedAt = Time("processed_at");
    public static readonly DataField SessionSource = Text("session_source");
    public static readonly DataField SessionMedium = Text("session_medium");
    public static readonly DataField SessionCampaign = Text("session_campaign");
    public static readonly DataField SessionTerm = Text("session_term");
    public static readonly DataField SessionContent = Text("session_content");
    public static readonly DataField SessionReferrerClass = Text("session_referrer_class");
    public static readonly DataField SessionReferrerHost = Text("session_referrer_host");

    /// <summary>Events: the Glue table's fifteen columns first, then the batch layer's.</summary>
    public static readonly ParquetSchema EventsSchema = new(
        EventId, Schema, EventType, OccurredAt, ReceivedAt, UserId, AnonymousId, SessionId, Sku, Category, OrderId, Revenue, Currency, Properties, Lineage,
        ResolvedUserId, Brand, Price, Quantity, SearchQuery, Intent, Engagement, Consent, DeviceType, IngestedAt, ProcessedAt,
        SessionSource, SessionMedium, SessionCampaign, SessionTerm, SessionContent, SessionReferrerClass, SessionReferrerHost);

    public static readonly DataField LineEventId = Text("event_id");
    public static readonly DataField LineOrderId = Text("order_id");
    public static readonly DataField LineNo = new DataField<int?>("line_no");
    public static readonly DataField LineSku = Text("sku");
    public static readonly DataField LineQuantity = new DataField<int?>("quantity");
    public static readonly DataField LinePrice = Money("price");
    public static readonly DataField LineCategory = Text("category");
    public static readonly DataField LineCurrency = Text("currency");
    public static readonly DataField LineOccurredAt = Time("occurred_at");

    public static readonly ParquetSchema OrderLinesSchema = new(LineEventId, LineOrderId, LineNo, LineSku, LineQuantity, LinePrice, LineCategory, LineCurrency, LineOccurredAt);

    private static readonly ParquetOptions Options = new() { CompressionMethod = CompressionMethod.Snappy };

    public Task<byte[]> EncodeEventsAsync(IReadOnlyList<ProcessedEvent> rows, CancellationToken cancellationToken) =>
        WriteRowGroupAsync(EventsSchema, async g =>
        {
            await g.WriteAsync(EventId, Strings(rows, r => r.EventId)).ConfigureAwait(false);
            await g.WriteAsync(Schema, Strings(rows, r => r.Schema)).ConfigureAwait(false);
            await g.WriteAsync(EventType, Strings(rows, r => r.EventType)).ConfigureAwait(false);
            await g.WriteAsync<DateTime>(OccurredAt, Values(rows, r => (DateTime?)Utc(r.OccurredAt)), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync<DateTime>(ReceivedAt, Values(rows, r => (DateTime?)Utc(r.ReceivedAt)), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync(UserId, Strings(rows, r => r.UserId)).ConfigureAwait(false);
            await g.WriteAsync(AnonymousId, Strings(rows, r => r.AnonymousId)).ConfigureAwait(false);
            await g.WriteAsync(SessionId, Strings(rows, r => r.SessionId)).ConfigureAwait(false);
            await g.WriteAsync(Sku, Strings(rows, r => r.Sku)).ConfigureAwait(false);
            await g.WriteAsync(Category, Strings(rows, r => r.Category)).ConfigureAwait(false);
            await g.WriteAsync(OrderId, Strings(rows, r => r.OrderId)).ConfigureAwait(false);
            await g.WriteAsync<decimal>(Revenue, Values(rows, r => r.Revenue), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync(Currency, Strings(rows, r => r.Currency)).ConfigureAwait(false);
            await g.WriteAsync(Properties, Strings(rows, r => r.Properties)).ConfigureAwait(false);
            await g.WriteAsync(Lineage, Strings(rows, r => r.Lineage)).ConfigureAwait(false);
            await g.WriteAsync(ResolvedUserId, Strings(rows, r => r.ResolvedUserId)).ConfigureAwait(false);
            await g.WriteAsync(Brand, Strings(rows, r => r.Brand)).ConfigureAwait(false);
            await g.WriteAsync<decimal>(Price, Values(rows, r => r.Price), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync<int>(Quantity, Values(rows, r => r.Quantity), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync(SearchQuery, Strings(rows, r => r.SearchQuery)).ConfigureAwait(false);
            await g.WriteAsync(Intent, Strings(rows, r => r.Intent)).ConfigureAwait(false);
            await g.WriteAsync<double>(Engagement, Values(rows, r => r.Engagement), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync(Consent, Strings(rows, r => r.Consent)).ConfigureAwait(false);
            await g.WriteAsync(DeviceType, Strings(rows, r => r.DeviceType)).ConfigureAwait(false);
            await g.WriteAsync<DateTime>(IngestedAt, Values(rows, r => r.IngestedAt is { } t ? Utc(t) : (DateTime?)null), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync<DateTime>(ProcessedAt, Values(rows, r => (DateTime?)Utc(r.ProcessedAt)), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync(SessionSource, Strings(rows, r => r.Attribution?.Source)).ConfigureAwait(false);
            await g.WriteAsync(SessionMedium, Strings(rows, r => r.Attribution?.Medium)).ConfigureAwait(false);
            await g.WriteAsync(SessionCampaign, Strings(rows, r => r.Attribution?.Campaign)).ConfigureAwait(false);
            await g.WriteAsync(SessionTerm, Strings(rows, r => r.Attribution?.Term)).ConfigureAwait(false);
            await g.WriteAsync(SessionContent, Strings(rows, r => r.Attribution?.Content)).ConfigureAwait(false);
            await g.WriteAsync(SessionReferrerClass, Strings(rows, r => r.Attribution?.ReferrerClass)).ConfigureAwait(false);
            await g.WriteAsync(SessionReferrerHost, Strings(rows, r => r.Attribution?.ReferrerHost)).ConfigureAwait(false);
        }, cancellationToken);

    public Task<byte[]> EncodeOrderLinesAsync(IReadOnlyList<OrderLineRow> rows, CancellationToken cancellationToken) =>
        WriteRowGroupAsync(OrderLinesSchema, async g =>
        {
            await g.WriteAsync(LineEventId, Strings(rows, r => r.EventId)).ConfigureAwait(false);
            await g.WriteAsync(LineOrderId, Strings(rows, r => r.OrderId)).ConfigureAwait(false);
            await g.WriteAsync<int>(LineNo, Values(rows, r => (int?)r.LineNo), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync(LineSku, Strings(rows, r => r.Sku)).ConfigureAwait(false);
            await g.WriteAsync<int>(LineQuantity, Values(rows, r => (int?)r.Quantity), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync<decimal>(LinePrice, Values(rows, r => (decimal?)r.Price), cancellationToken: cancellationToken).ConfigureAwait(false);
            await g.WriteAsync(LineCategory, Strings(rows, r => r.Category)).ConfigureAwait(false);
            await g.WriteAsync(LineCurrency, Strings(rows, r => r.Currency)).ConfigureAwait(false);
            await g.WriteAsync<DateTime>(LineOccurredAt, Values(rows, r => (DateTime?)Utc(r.OccurredAt)), cancellationToken: cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Writes a Parquet file of one row group, its columns written by <paramref name="write"/>.</summary>
    private static async Task<byte[]> WriteRowGroupAsync(ParquetSchema schema, Func<ParquetRowGroupWriter, Task> write, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(schema, buffer, Options, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            using var g = writer.CreateRowGroup();
            await write(g).ConfigureAwait(false);
        }

        return buffer.ToArray();
    }

    public async Task<IReadOnlyList<ProcessedEvent>> DecodeEventsAsync(ReadOnlyMemory<byte> parquet, CancellationToken cancellationToken) =>
        await ReadRowGroupsAsync<ProcessedEvent>(parquet, async (c, n, result) =>
        {
            var columns = await EventColumns.ReadAsync(c).ConfigureAwait(false);
            for (var r = 0; r < n; r++) result.Add(columns.Row(r));
        }, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<OrderLineRow>> DecodeOrderLinesAsync(ReadOnlyMemory<byte> parquet, CancellationToken cancellationToken) =>
        await ReadRowGroupsAsync<OrderLineRow>(parquet, async (c, n, result) =>
        {
            var ids = await c.Strings(LineEventId).ConfigureAwait(false);
            var orders = await c.Strings(LineOrderId).ConfigureAwait(false);
            var numbers = await c.Values<int>(LineNo).ConfigureAwait(false);
            var skus = await c.Strings(LineSku).ConfigureAwait(false);
            var quantities = await c.Values<int>(LineQuantity).ConfigureAwait(false);
            var prices = await c.Values<decimal>(LinePrice).ConfigureAwait(false);
            var categories = await c.Strings(LineCategory).ConfigureAwait(false);
            var currencies = await c.Strings(LineCurrency).ConfigureAwait(false);
            var occurred = await c.Values<DateTime>(LineOccurredAt).ConfigureAwait(false);
            for (var r = 0; r < n; r++)
            {
                result.Add(new OrderLineRow
                {
                    EventId = ids[r]!,
                    OrderId = orders[r]!,
                    LineNo = numbers[r] ?? 0,
                    Sku = skus[r]!,
                    Quantity = quantities[r] ?? 0,
                    Price = prices[r] ?? 0,
                    Category = categories[r],
                    Currency = currencies[r],
                    OccurredAt = Utc(occurred[r]!.Value),
                });
            }
        }, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<string>> DecodeEventIdsAsync(ReadOnlyMemory<byte> parquet, CancellationToken cancellationToken) =>
        await ReadRowGroupsAsync<string>(parquet, async (c, _, result) =>
        {
            foreach (var id in await c.Strings(EventId).ConfigureAwait(false))
            {
                if (id is not null) result.Add(id);
            }
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads every row group of a Parquet file, handing each one's columns and row count to <paramref name="read"/>.</summary>
    private static async Task<List<T>> ReadRowGroupsAsync<T>(ReadOnlyMemory<byte> parquet, Func<Columns, int, List<T>, Task> read, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(parquet.ToArray(), writable: false);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = new List<T>();
        for (var i = 0; i < reader.RowGroupCount; i++)
        {
            using var g = reader.OpenRowGroupReader(i);
            var n = (int)g.RowCount;
            await read(new Columns(g, n, reader.Schema, cancellationToken), n, result).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>The columns of one row group of the events file, read once, and the events they hold row by row.</summary>
    private sealed class EventColumns
    {
        private string?[] _ids = [], _schema = [], _type = [], _user = [], _anonymous = [], _session = [], _sku = [], _category = [], _order = [], _currency = [], _properties = [], _lineage = [], _resolved = [], _brand = [], _query = [], _intent = [], _consent = [], _device = [];
        private string?[] _source = [], _medium = [], _campaign = [], _term = [], _content = [], _referrerClass = [], _referrerHost = [];
        private DateTime?[] _occurred = [], _received = [], _ingested = [], _processed = [];
        private decimal?[] _revenue = [], _price = [];
        private int?[] _quantity = [];
        private double?[] _engagement = [];

        public static async Task<EventColumns> ReadAsync(Columns c) => new()
        {
            _ids = await c.Strings(EventId).ConfigureAwait(false),
            _schema = await c.Strings(Schema).ConfigureAwait(false),
            _type = await c.Strings(EventType).ConfigureAwait(false),
            _occurred = await c.Values<DateTime>(OccurredAt).ConfigureAwait(false),
            _received = await c.Values<DateTime>(ReceivedAt).ConfigureAwait(false),
            _user = await c.Strings(UserId).ConfigureAwait(false),
            _anonymous = await c.Strings(AnonymousId).ConfigureAwait(false),
            _session = await c.Strings(SessionId).ConfigureAwait(false),
            _sku = await c.Strings(Sku).ConfigureAwait(false),
            _category = await c.Strings(Category).ConfigureAwait(false),
            _order = await c.Strings(OrderId).ConfigureAwait(false),
            _revenue = await c.Values<decimal>(Revenue).ConfigureAwait(false),
            _currency = await c.Strings(Currency).ConfigureAwait(false),
            _properties = await c.Strings(Properties).ConfigureAwait(false),
            _lineage = await c.Strings(Lineage).ConfigureAwait(false),
            _resolved = await c.Strings(ResolvedUserId).ConfigureAwait(false),
            _brand = await c.Strings(Brand).ConfigureAwait(false),
            _price = await c.Values<decimal>(Price).ConfigureAwait(false),
            _quantity = await c.Values<int>(Quantity).ConfigureAwait(false),
            _query = await c.Strings(SearchQuery).ConfigureAwait(false),
            _intent = await c.Strings(Intent).ConfigureAwait(false),
            _engagement = await c.Values<double>(Engagement).ConfigureAwait(false),
            _consent = await c.Strings(Consent).ConfigureAwait(false),
            _device = await c.Strings(DeviceType).ConfigureAwait(false),
            _ingested = await c.Values<DateTime>(IngestedAt).ConfigureAwait(false),
            _processed = await c.Values<DateTime>(ProcessedAt).ConfigureAwait(false),
            _source = await c.Strings(SessionSource).ConfigureAwait(false),
            _medium = await c.Strings(SessionMedium).ConfigureAwait(false),
            _campaign = await c.Strings(SessionCampaign).ConfigureAwait(false),
            _term = await c.Strings(SessionTerm).ConfigureAwait(false),
            _content = await c.Strings(SessionContent).ConfigureAwait(false),
            _referrerClass = await c.Strings(SessionReferrerClass).ConfigureAwait(false),
            _referrerHost = await c.Strings(SessionReferrerHost).ConfigureAwait(false),
        };

        public ProcessedEvent Row(int r) => new(
            _ids[r]!, _schema[r]!, _type[r]!, _properties[r] ?? "{}", _lineage[r] ?? "{}",
            OccurredAt: Utc(_occurred[r]!.Value), ReceivedAt: Utc(_received[r]!.Value), IngestedAt: _ingested[r] is { } t ? Utc(t) : null, ProcessedAt: Utc(_processed[r]!.Value),
            UserId: _user[r], AnonymousId: _anonymous[r], SessionId: _session[r], ResolvedUserId: _resolved[r],
            Sku: _sku[r], Category: _category[r], Brand: _brand[r], Price: _price[r], Quantity: _quantity[r],
            OrderId: _order[r], Revenue: _revenue[r], Currency: _currency[r],
            SearchQuery: _query[r], Intent: _intent[r], Engagement: _engagement[r], Consent: _consent[r], DeviceType: _device[r],
            Attribution: Attribution(r));

        /// <summary>The session's attribution, when the row has one (a file written before the columns has none).</summary>
        private SessionAttribution? Attribution(int r) => _referrerClass[r] is { } referrerClass
            ? new SessionAttribution { Source = _source[r], Medium = _medium[r], Campaign = _campaign[r], Term = _term[r], Content = _content[r], ReferrerClass = referrerClass, ReferrerHost = _referrerHost[r] }
            : null;
    }

    private static DateTime Utc(DateTime t) => t.Kind == DateTimeKind.Utc ? t : DateTime.SpecifyKind(t, DateTimeKind.Utc);

    private static string?[] Strings<T>(IReadOnlyList<T> rows, Func<T, string?> get)
    {
        var values = new string?[rows.Count];
        for (var i = 0; i < values.Length; i++) values[i] = get(rows[i]);
        return values;
    }

    private static ReadOnlyMemory<TValue?> Values<T, TValue>(IReadOnlyList<T> rows, Func<T, TValue?> get)
        where TValue : struct
    {
        var values = new TValue?[rows.Count];
        for (var i = 0; i < values.Length; i++) values[i] = get(rows[i]);
        return values;
    }

    /// <summary>Reads columns of one row group by name, so files written with extra columns still read.</summary>
    private sealed class Columns(ParquetRowGroupReader group, int rows, ParquetSchema schema, CancellationToken cancellationToken)
    {
        private DataField? Find(DataField field) => schema.GetDataFields().FirstOrDefault(f => f.Name == field.Name);

        public async Task<string?[]> Strings(DataField field)
        {
            var values = new string?[rows];
            if (Find(field) is { } actual) await group.ReadAsync(actual, values.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return values;
        }

        public async Task<T?[]> Values<T>(DataField field)
            where T : struct
        {
            var values = new T?[rows];
            if (Find(field) is { } actual) await group.ReadAsync<T>(actual, values.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return values;
        }
    }
}
