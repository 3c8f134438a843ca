namespace ECommerceAgents.Local.Cost.Measure;

/// <summary>One DynamoDB table's billed work, as <see cref="DynamoMeter"/> counted it.</summary>
public sealed class TableUsage
{
    public long WriteRequests { get; set; }

    /// <summary>Items put, updated or deleted, a batch's items each (unprocessed ones left out).</summary>
    public long ItemsWritten { get; set; }

    /// <summary>Writes answered ConditionalCheckFailedException: billed all the same.</summary>
    public long ConditionalFailures { get; set; }

    public double WriteUnits { get; set; }

    /// <summary>Write units counted in <see cref="WriteUnits"/> for the table's global secondary indexes.</summary>
    public double IndexWriteUnits { get; set; }

    public long ReadRequests { get; set; }

    public long ItemsRead { get; set; }

    public double ReadUnits { get; set; }
}

/// <summary>Records put to a Kinesis stream or a Firehose delivery stream, and what they bill.</summary>
public sealed class RecordUsage
{
    public long Calls { get; set; }

    /// <summary>Records accepted (a record the answer marks failed is not billed and is sent again).</summary>
    public long Records { get; set; }

    public long FailedRecords { get; set; }

    /// <summary>Payload bytes: the data blobs (Kinesis: plus the partition keys).</summary>
    public long Bytes { get; set; }

    /// <summary>KB billed: Kinesis on-demand data in (1 KB increments) or Firehose ingestion (5 KB increments).</summary>
    public long BilledKb { get; set; }

    /// <summary>Kinesis provisioned PUT payload units (25 KB each); 0 for Firehose.</summary>
    public long PayloadUnits { get; set; }

    /// <summary>Kinesis: KB the raw-archive Firehose bills for reading these records (each data blob rounded up to 5 KB); 0 for Firehose.</summary>
    public long ArchiveBilledKb { get; set; }

    /// <summary>Events inside the records: one per newline-delimited JSON line; an aggregated (KPL) record counts none.</summary>
    public long Events { get; set; }

    public long AggregatedRecords { get; set; }

    /// <summary>Adds another count to this one.</summary>
    public void Add(RecordUsage other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Calls += other.Calls;
        Records += other.Records;
        FailedRecords += other.FailedRecords;
        Bytes += other.Bytes;
        BilledKb += other.BilledKb;
        PayloadUnits += other.PayloadUnits;
        ArchiveBilledKb += other.ArchiveBilledKb;
        Events += other.Events;
        AggregatedRecords += other.AggregatedRecords;
    }
}

/// <summary>Bytes on the wire to one service (what a VPC interface endpoint would process).</summary>
public sealed class WireUsage
{
    public long Requests { get; set; }

    public long RequestBytes { get; set; }

    public long ResponseBytes { get; set; }
}

/// <summary>
/// What the metering proxies counted since the last <see cref="UsageTally.Take"/>: per DynamoDB table, per Kinesis
/// stream, per delivery stream, S3 requests by price tier, and bytes per service. Mutated under the tally's lock only.
/// </summary>
public sealed class Usage
{
    public Dictionary<string, TableUsage> Tables { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, RecordUsage> KinesisStreams { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, RecordUsage> DeliveryStreams { get; } = new(StringComparer.Ordinal);

    /// <summary>PUT, COPY, POST and LIST requests (S3's higher tier).</summary>
    public long S3Puts { get; set; }

    /// <summary>GET, HEAD and other requests (S3's lower tier).</summary>
    public long S3Gets { get; set; }

    /// <summary>DELETE requests (free).</summary>
    public long S3Deletes { get; set; }

    public Dictionary<string, WireUsage> Wire { get; } = new(StringComparer.Ordinal);

    public double WriteUnits => Tables.Values.Sum(t => t.WriteUnits);

    public double ReadUnits => Tables.Values.Sum(t => t.ReadUnits);

    public long DynamoRequests => Tables.Values.Sum(t => t.WriteRequests + t.ReadRequests);

    public long ConditionalFailures => Tables.Values.Sum(t => t.ConditionalFailures);

    public RecordUsage Kinesis => Sum(KinesisStreams.Values);

    public RecordUsage Firehose => Sum(DeliveryStreams.Values);

    public TableUsage Table(string name) => Tables.TryGetValue(name, out var t) ? t : Tables[name] = new TableUsage();

    public RecordUsage KinesisStream(string name) => KinesisStreams.TryGetValue(name, out var s) ? s : KinesisStreams[name] = new RecordUsage();

    public RecordUsage DeliveryStream(string name) => DeliveryStreams.TryGetValue(name, out var s) ? s : DeliveryStreams[name] = new RecordUsage();

    public WireUsage WireOf(string service) => Wire.TryGetValue(service, out var w) ? w : Wire[service] = new WireUsage();

    private static RecordUsage Sum(IEnumerable<RecordUsage> all)
    {
        var sum = new RecordUsage();
        foreach (var u in all) sum.Add(u);
        return sum;
    }
}

/// <summary>The running count the proxies add to, and its hand-over between phases of a measurement.</summary>
public sealed class UsageTally
{
    private readonly Lock _gate = new();
    private Usage _current = new();

    /// <summary>Adds to the current count under the lock.</summary>
    public void Add(Action<Usage> change)
    {
        lock (_gate) change(_current);
    }

    /// <summary>What was counted since the last take; counting starts afresh.</summary>
    public Usage Take()
    {
        lock (_gate)
        {
            var taken = _current;
            _current = new Usage();
            return taken;
        }
    }
}
