namespace ECommerceAgents.Local.Cost;

public enum CostKind
{
    /// <summary>Paid whether or not traffic flows (nodes, endpoints, schedules).</summary>
    Fixed,

    /// <summary>Proportional to events or requests.</summary>
    Variable,
}

/// <summary>One priced line: quantity × unit price, and how the quantity was derived.</summary>
public sealed record CostLine(string Service, string Item, CostKind Kind, double Quantity, string Unit, double Usd, string PriceKey, string Basis);

/// <summary>A month at a constant rate, or one run: every line, and the fixed and variable sums.</summary>
public sealed record CostEstimate(Workload Workload, CostStage Stage, IReadOnlyList<CostLine> Lines)
{
    public double FixedUsd => Lines.Where(l => l.Kind == CostKind.Fixed).Sum(l => l.Usd);

    public double VariableUsd => Lines.Where(l => l.Kind == CostKind.Variable).Sum(l => l.Usd);

    public double TotalUsd => FixedUsd + VariableUsd;

    /// <summary>Sum of the lines of one service and kind.</summary>
    public double Usd(string service, CostKind? kind = null) =>
        Lines.Where(l => l.Service == service && (kind is null || l.Kind == kind)).Sum(l => l.Usd);

    public CostEstimate Scale(double fixedFactor, double variableFactor) => this with
    {
        Lines = [.. Lines.Select(l => l with
        {
            Quantity = l.Quantity * (l.Kind == CostKind.Fixed ? fixedFactor : variableFactor),
            Usd = l.Usd * (l.Kind == CostKind.Fixed ? fixedFactor : variableFactor),
        })],
    };
}

/// <summary>The price of one run: its events' variable cost plus the fixed costs for the run's duration.</summary>
public sealed record RunCost(long Events, TimeSpan Duration, CostEstimate Estimate)
{
    public double FixedUsd => Estimate.FixedUsd;

    public double VariableUsd => Estimate.VariableUsd;

    public double TotalUsd => Estimate.TotalUsd;
}

/// <summary>
/// Monthly AWS cost of the platform at a given event rate, from published us-east-1 prices (<see cref="PriceTable"/>) and
/// our own measurements (<see cref="CostInputs"/>). A month is 730 hours, as AWS prices it; free tiers are ignored.
/// Variable lines are linear in the rate except where AWS tiers its price (API Gateway above 333 million requests) or
/// where Firehose's size buffer overtakes its time buffer.
/// </summary>
public sealed class CostModel(PriceTable prices, CostInputs inputs)
{
    public const double HoursPerMonth = 730;
    public const double SecondsPerMonth = HoursPerMonth * 3_600;
    private const double GiB = 1024.0 * 1024 * 1024;
    private const double DaysPerMonth = 365.0 / 12;

    public static CostModel Default { get; } = new(PriceTable.UsEast1, new CostInputs());

    public PriceTable Prices { get; } = prices;

    public CostInputs Inputs { get; } = inputs;

    /// <summary>The modelled AWS cost of a run of <paramref name="events"/> events over <paramref name="duration"/>, with the default prices and inputs.</summary>
    public static RunCost PriceRun(long events, TimeSpan duration, CostStage stage, int eventsPerRequest = 10) =>
        Default.Run(events, duration, stage, eventsPerRequest);

    public RunCost Run(long events, TimeSpan duration, CostStage stage, int eventsPerRequest = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(events);
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), duration, "A run lasts longer than zero.");

        // Price the month at the run's rate, then keep the run's share: its events of the variable lines, its time of the fixed.
        var share = duration.TotalSeconds / SecondsPerMonth;
        var rate = events / duration.TotalSeconds / eventsPerRequest;
        var month = Monthly(new Workload(rate, eventsPerRequest), stage);
        return new RunCost(events, duration, month.Scale(share, share));
    }

    public CostEstimate Monthly(Workload workload, CostStage stage)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentOutOfRangeException.ThrowIfNegative(workload.RequestsPerSecond);

        var lines = new List<CostLine>();
        var p = Prices;
        var i = Inputs;
        var events = workload.EventsPerSecond * SecondsPerMonth;
        var requests = workload.RequestsPerSecond * SecondsPerMonth;
        var valid = events * i.ValidFraction;

        void Add(string item, CostKind kind, double quantity, string unit, Price price, double unitsPerPrice, string basis) =>
            lines.Add(new CostLine(price.Service, item, kind, quantity, unit, quantity / unitsPerPrice * price.Usd, price.Key, basis));

        // --- Kinesis Data Streams, on demand ---
        Add("Stream-hours", CostKind.Fixed, HoursPerMonth, "stream-hours", p.KinesisStreamHour, 1, "one on-demand stream, 730 h");
        var kinesisGb = events * (i.KinesisBilledKbPerEvent * 1_024 ?? RoundUp(workload.EventBytes, 1_024)) / GiB;
        Add("Data in", CostKind.Variable, kinesisGb, "GB", p.KinesisIngestGb, 1, i.KinesisBilledKbPerEvent is { } kb
            ? $"{kb:0.###} KB billed per event (measured: {i.KinesisRecordsPerEvent:0.###} records per event, each rounded up to 1 KB)"
            : $"{workload.EventBytes} B events, one record each (the API's PutRecords carries {workload.EventsPerRequest}), billed as 1 KB");
        Add("Data out", CostKind.Variable, kinesisGb * i.KinesisConsumers, "GB", p.KinesisRetrievalGb, 1,
            $"{i.KinesisConsumers} consumers (StreamProcessor mapping, raw-archive Firehose); assumed billed on the same 1 KB records");
        if (stage.KinesisRetentionHours > 24)
        {
            var dailyGb = kinesisGb / DaysPerMonth;
            Add("Extended retention", CostKind.Variable, dailyGb * (Math.Min(stage.KinesisRetentionHours, 168) - 24) / 24, "GB-month", p.KinesisExtendedRetentionGbMonth, 1,
                $"{stage.KinesisRetentionHours} h retention: the data older than 24 h stays stored");
        }

        // --- Data Firehose ---
        var rawFirehoseGb = events * (i.RawArchiveBilledKbPerEvent * 1_024 ?? RoundUp(workload.EventBytes, 5_120)) / GiB;
        Add("Raw archive ingestion", CostKind.Variable, rawFirehoseGb, "GB", p.FirehoseIngestGb, 1, "every stream record billed as 5 KB");
        Add("Enriched ingestion", CostKind.Variable, (i.EnrichedBilledKbPerEvent is { } enrichedKb ? events * enrichedKb * 1_024 : valid * RoundUp(i.EnrichedRecordBytes, 5_120)) / GiB, "GB", p.FirehoseIngestGb, 1,
            $"{i.EnrichedRecordBytes} B enriched records, each billed as 5 KB");
        var enrichedGb = valid * i.EnrichedRecordBytes / GiB;
        Add("Dynamic partitioning data", CostKind.Variable, enrichedGb, "GB", p.FirehoseDynamicPartitioningGb, 1, "enriched bytes processed");
        var flushesPerMonth = SecondsPerMonth / i.FirehoseBufferSeconds;
        var bufferBytes = i.FirehoseBufferMb * 1024.0 * 1024;
        var enrichedObjectsByTime = i.EnrichedActivePartitions * flushesPerMonth;
        var enrichedObjectsBySize = valid * i.EnrichedRecordBytes / bufferBytes;
        Add("Dynamic partitioning objects", CostKind.Fixed, enrichedObjectsByTime, "objects", p.FirehoseDynamicPartitioningPer1kObjects, 1_000,
            $"{i.EnrichedActivePartitions} active partitions × one object per {i.FirehoseBufferSeconds} s buffer");
        if (enrichedObjectsBySize > enrichedObjectsByTime)
        {
            Add("Dynamic partitioning objects (size-driven)", CostKind.Variable, enrichedObjectsBySize - enrichedObjectsByTime, "objects", p.FirehoseDynamicPartitioningPer1kObjects, 1_000,
                $"partitions fill {i.FirehoseBufferMb} MB before {i.FirehoseBufferSeconds} s");
        }

        Add("JQ processing", CostKind.Fixed, i.JqHoursPerMonth, "JQ-hours", p.FirehoseJqHour, 1, "assumed: billed every hour while traffic flows");

        // --- Lambda ---
        var batches = events / i.StreamProcessorBatchSize;
        Add("StreamProcessor requests", CostKind.Variable, batches, "invocations", p.LambdaPerMillionRequests, 1_000_000, $"full batches of {i.StreamProcessorBatchSize}");
        var redelivered = 1 + i.RedeliveredShare; // a redelivered batch runs, and bills its writes, again
        Add("StreamProcessor duration", CostKind.Variable, batches * redelivered * i.StreamProcessorSecondsPerBatch * i.StreamProcessorMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
            $"{i.StreamProcessorSecondsPerBatch:0.####} s per {i.StreamProcessorBatchSize}-record batch (measured) × {i.StreamProcessorMemoryMb} MB");
        Add("Api requests", CostKind.Variable, requests, "invocations", p.LambdaPerMillionRequests, 1_000_000, "one invocation per HTTP request");
        Add("Api duration", CostKind.Variable, requests * i.ApiSecondsPerRequest * i.ApiMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
            $"{i.ApiSecondsPerRequest} s per request (assumed) × {i.ApiMemoryMb} MB");
        var loads = HoursPerMonth * i.BatchLoadsPerHour;
        Add("BatchLoader runs", CostKind.Fixed, loads * i.BatchLoaderBaseSeconds * i.BatchLoaderMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
            $"{loads:0} runs × {i.BatchLoaderBaseSeconds} s (assumed) × {i.BatchLoaderMemoryMb} MB");
        Add("BatchLoader compaction", CostKind.Variable, events / 1_000_000 * i.BatchLoaderSecondsPerMillionEvents * i.BatchLoaderMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
            $"{i.BatchLoaderSecondsPerMillionEvents} s per million events (assumed)");

        // --- DynamoDB, on demand ---
        Add("Write request units", CostKind.Variable, events / 1_000 * i.DynamoWriteUnitsPer1000Events * redelivered, "WRU", p.DynamoWriteUnitsPerMillion, 1_000_000,
            $"{i.DynamoWriteUnitsPer1000Events:0} WRU per 1,000 events ({i.DynamoRequestsPer1000Events:0} requests; {i.DedupMarkersPer1000Events:0} dedup markers), × {redelivered:0.####} for redelivered batches");
        Add("Read request units", CostKind.Variable, events / 1_000 * i.DynamoReadUnitsPer1000Events * redelivered, "RRU", p.DynamoReadUnitsPerMillion, 1_000_000,
            $"{i.DynamoReadUnitsPer1000Events:0} RRU per 1,000 events");
        Add("Conflict retries", CostKind.Variable, batches * i.ConflictRetriesPerBatch * i.WriteUnitsPerConflictRetry, "WRU", p.DynamoWriteUnitsPerMillion, 1_000_000,
            $"{i.ConflictRetriesPerBatch:0.###} retries per invocation × {i.WriteUnitsPerConflictRetry} WRU (the refused conditional write)");
        Add("Api write units", CostKind.Variable, requests * i.ApiWriteUnitsPerRequest, "WRU", p.DynamoWriteUnitsPerMillion, 1_000_000,
            $"{i.ApiWriteUnitsPerRequest:0.###} WRU per request (idempotency claim and completion)");
        Add("Api read units", CostKind.Variable, requests * i.ApiReadUnitsPerRequest, "RRU", p.DynamoReadUnitsPerMillion, 1_000_000,
            $"{i.ApiReadUnitsPerRequest:0.###} RRU per request");
        var markerGb = workload.EventsPerSecond * i.DedupWindowHours * 3_600 * i.DedupMarkersPer1000Events / 1_000 * i.DedupMarkerBytes / GiB;
        Add("Dedup markers storage", CostKind.Variable, markerGb, "GB-month", p.DynamoStorageGbMonth, 1, $"{i.DedupWindowHours} h of markers × {i.DedupMarkerBytes} B");
        Add("Dedup markers PITR", CostKind.Variable, markerGb, "GB-month", p.DynamoPitrGbMonth, 1, "PITR on every table");
        Add("Entity state storage", CostKind.Fixed, i.EntityStateGb, "GB-month", p.DynamoStorageGbMonth, 1, "assumed size of profiles, sessions, orders, stats");
        Add("Entity state PITR", CostKind.Fixed, i.EntityStateGb, "GB-month", p.DynamoPitrGbMonth, 1, "PITR on every table");

        // --- ElastiCache Serverless (Valkey) ---
        var cacheGb = Math.Max(0.1, Math.Min(stage.CacheDataGb, stage.CacheMaxStorageGb));
        Add("Data stored (minimum)", CostKind.Fixed, cacheGb * HoursPerMonth, "GB-hours", p.CacheGbHour, 1,
            $"{cacheGb} GB average (Valkey meters at least 0.1 GB)");
        Add("ECPUs", CostKind.Variable, events / 1_000 * i.RedisCommandsPer1000Events * i.EcpusPerRedisCommand, "ECPUs", p.CacheEcpuPerMillion, 1_000_000,
            $"{i.RedisCommandsPer1000Events:0} commands per 1,000 events (measured) × {i.EcpusPerRedisCommand} ECPU");
        Add("Api ECPUs", CostKind.Variable, requests * i.ApiRedisCommandsPerRequest * i.EcpusPerRedisCommand, "ECPUs", p.CacheEcpuPerMillion, 1_000_000,
            $"{i.ApiRedisCommandsPerRequest:0.##} commands per request × {i.EcpusPerRedisCommand} ECPU");

        // --- API Gateway (REST) and WAF ---
        AddTiered(lines, requests,
        [
            ("REST requests, first 333 M", 333e6, p.ApiRestFirst333M),
            ("REST requests, next 667 M", 667e6, p.ApiRestNext667M),
            ("REST requests, next 19 B", 19_000e6, p.ApiRestNext19B),
            ("REST requests, over 20 B", double.PositiveInfinity, p.ApiRestOver20B),
        ]);
        Add("Web ACL", CostKind.Fixed, 1, "web ACLs", p.WafWebAclMonth, 1, "one regional web ACL on the API stage");
        Add("Rules", CostKind.Fixed, i.WafRules, "rules", p.WafRuleMonth, 1, "rate rule + two AWS managed rule groups");
        Add("Requests", CostKind.Variable, requests, "requests", p.WafPerMillionRequests, 1_000_000, "every API request");

        // --- OpenSearch ---
        var dataNode = p.OpenSearchInstanceHour(stage.SearchDataNodeType);
        Add($"{stage.SearchDataNodes} × {stage.SearchDataNodeType}", CostKind.Fixed, stage.SearchDataNodes * HoursPerMonth, "instance-hours", dataNode, 1, "data nodes");
        if (stage.SearchMasterNodes > 0 && stage.SearchMasterNodeType is { } masterType)
        {
            Add($"{stage.SearchMasterNodes} × {masterType}", CostKind.Fixed, stage.SearchMasterNodes * HoursPerMonth, "instance-hours", p.OpenSearchInstanceHour(masterType), 1, "dedicated masters");
        }

        Add("EBS gp3", CostKind.Fixed, stage.SearchDataNodes * stage.SearchVolumeGb, "GB-month", p.OpenSearchGp3GbMonth, 1, $"{stage.SearchVolumeGb} GB per data node");

        // --- Redshift Serverless ---
        var rpuHours = stage.RedshiftBaseRpu * loads * i.WarehouseMinutesPerLoad / 60;
        Add("Base RPU for the batch hours", CostKind.Fixed, rpuHours, "RPU-hours", p.RedshiftRpuHour, 1,
            $"{stage.RedshiftBaseRpu} RPU × {loads:0} loads × {i.WarehouseMinutesPerLoad} min (assumed)");
        Add("Managed storage", CostKind.Variable, valid * i.ParquetBytesPerEvent * i.StorageHorizonMonths / GiB, "GB-month", p.RedshiftStorageGbMonth, 1,
            $"{i.StorageHorizonMonths} months of events at {i.ParquetBytesPerEvent} B");

        // --- Glue ---
        var crawlRuns = i.Crawlers * HoursPerMonth * i.CrawlsPerHour;
        Add("Crawlers", CostKind.Fixed, crawlRuns * i.CrawlerDpu * i.CrawlerMinimumMinutes / 60, "DPU-hours", p.GlueCrawlerDpuHour, 1,
            $"{crawlRuns:0} runs × {i.CrawlerDpu} DPU × {i.CrawlerMinimumMinutes} min minimum");

        // --- VPC interface endpoints ---
        Add("Endpoint-AZ hours", CostKind.Fixed, i.InterfaceEndpoints * i.AvailabilityZones * HoursPerMonth, "endpoint-AZ-hours", p.EndpointAzHour, 1,
            $"{i.InterfaceEndpoints} endpoints × {i.AvailabilityZones} AZ");
        Add("Data processed", CostKind.Variable, (events * i.KinesisWireBytesPerEvent + valid * i.FirehoseWireBytesPerEvent) / GiB, "GB", p.EndpointGb, 1,
            "Api → Kinesis PutRecords and StreamProcessor → Firehose PutRecordBatch; S3 and DynamoDB use free gateway endpoints");

        // --- S3 ---
        AddS3(lines, workload, valid, events, flushesPerMonth, bufferBytes, enrichedObjectsByTime);
        Add("Function PUT requests", CostKind.Variable, events / 1_000 * i.S3PutsPer1000Events * redelivered, "requests", p.S3PutPer1k, 1_000,
            $"{i.S3PutsPer1000Events:0.##} per 1,000 events: StreamProcessor's own objects (quarantine, real-time journal)");
        Add("Function GET requests", CostKind.Variable, events / 1_000 * i.S3GetsPer1000Events * redelivered, "requests", p.S3GetPer1k, 1_000,
            $"{i.S3GetsPer1000Events:0.##} per 1,000 events");

        // --- CloudWatch and X-Ray ---
        var logGb = (batches * i.LogBytesPerBatch + requests * i.LogBytesPerRequest) / GiB;
        Add("Logs ingestion", CostKind.Variable, logGb, "GB", p.LogsIngestGb, 1,
            $"{i.LogBytesPerBatch} B per StreamProcessor invocation + {i.LogBytesPerRequest} B per API request (assumed)");
        Add("Logs storage", CostKind.Variable, logGb * stage.LogRetentionMonths, "GB-month", p.LogsStorageGbMonth, 1, $"retention {stage.LogRetentionMonths:0.##} months, uncompressed (upper bound)");
        Add("Custom metrics (EMF)", CostKind.Fixed, i.CustomMetrics, "metrics", p.CustomMetricMonth, 1, "assumed count");
        Add("Alarms", CostKind.Fixed, stage.Alarms, "alarms", p.AlarmMonth, 1, "Monitoring.cs");
        Add("Dashboards", CostKind.Fixed, i.Dashboards, "dashboards", p.DashboardMonth, 1, "the pipeline dashboard");
        Add("Trace reservoir", CostKind.Fixed, 2 * SecondsPerMonth, "traces", p.XRayPerMillionTraces, 1_000_000,
            "default rule, 1 trace/s each for API Gateway and StreamProcessor (an upper bound at low rates)");
        Add("Sampled traces", CostKind.Variable, 0.05 * (workload.RequestsPerSecond + workload.EventsPerSecond / i.StreamProcessorBatchSize) * SecondsPerMonth, "traces", p.XRayPerMillionTraces, 1_000_000,
            "default rule, 5% of requests and invocations beyond the reservoir");

        // --- Secrets, parameters, keys ---
        Add("Redshift admin secret", CostKind.Fixed, i.Secrets, "secrets", p.SecretMonth, 1, "ManageAdminPassword");
        Add("API calls", CostKind.Fixed, loads, "calls", p.SecretsPer10kCalls, 10_000, "BatchLoader reads the admin secret once per run");
        Add("SecureString parameters", CostKind.Fixed, 2, "parameters", p.SsmStandardParameterMonth, 1, "pseudonym key, webhook secrets (standard tier)");
        Add("Platform key", CostKind.Fixed, i.KmsKeys, "keys", p.KmsKeyMonth, 1, "Kinesis stream and SNS topic encryption");

        return new CostEstimate(workload, stage, lines);
    }

    private void AddS3(List<CostLine> lines, Workload workload, double valid, double events, double flushesPerMonth, double bufferBytes, double enrichedObjects)
    {
        var p = Prices;
        var i = Inputs;
        void Add(string item, CostKind kind, double quantity, string unit, Price price, double unitsPerPrice, string basis) =>
            lines.Add(new CostLine(price.Service, item, kind, quantity, unit, quantity / unitsPerPrice * price.Usd, price.Key, basis));

        // Storage in month N of operation: each zone's last N months of data, split by lifecycle class.
        var rawGb = events * workload.EventBytes / i.GzipRatio / GiB;
        var enrichedGb = valid * i.EnrichedRecordBytes / i.GzipRatio / GiB;
        var parquetGb = valid * i.ParquetBytesPerEvent / GiB;
        var horizon = i.StorageHorizonMonths * DaysPerMonth;
        double standard = 0, ia = 0, glacier = 0;
        foreach (var (gb, iaAfter, glacierAfter, expireAfter) in new (double, double, double?, double?)[]
                 {
                     (rawGb, 30, 90, 400),
                     (enrichedGb, 30, 180, null),
                     (parquetGb, 90, null, null),
                 })
        {
            var end = Math.Min(horizon, expireAfter ?? double.PositiveInfinity);
            var toIa = Math.Min(iaAfter, end);
            var toGlacier = Math.Min(glacierAfter ?? double.PositiveInfinity, end);
            standard += gb * toIa / DaysPerMonth;
            ia += gb * (toGlacier - toIa) / DaysPerMonth;
            glacier += gb * (end - toGlacier) / DaysPerMonth;
        }

        var basis = $"month {i.StorageHorizonMonths:0}: raw (IA 30 d, Glacier 90 d, expiry 400 d), enriched (IA 30 d, Glacier 180 d), Parquet (IA 90 d); GZIP {i.GzipRatio}:1";
        Add("Standard storage", CostKind.Variable, standard, "GB-month", p.S3StandardGbMonth, 1, basis);
        Add("Standard-IA storage", CostKind.Variable, ia, "GB-month", p.S3StandardIaGbMonth, 1, basis);
        Add("Glacier storage", CostKind.Variable, glacier, "GB-month", p.S3GlacierGbMonth, 1, basis);

        // Objects: Firehose writes one per buffer flush (per partition for the enriched zone); BatchLoader one Parquet file per type and hour.
        var rawObjectsByTime = flushesPerMonth;
        var rawObjectsBySize = events * workload.EventBytes / bufferBytes;
        var parquetFiles = i.EnrichedActivePartitions * HoursPerMonth * i.BatchLoadsPerHour;
        var fixedObjects = rawObjectsByTime + enrichedObjects + parquetFiles;
        Add("PUT requests", CostKind.Fixed, fixedObjects, "requests", p.S3PutPer1k, 1_000, "one object per Firehose buffer (raw; enriched per partition) + Parquet files");
        Add("GET requests", CostKind.Fixed, enrichedObjects + parquetFiles, "requests", p.S3GetPer1k, 1_000, "BatchLoader reads each enriched object; COPY reads each Parquet file");
        Add("Transitions to Standard-IA", CostKind.Fixed, fixedObjects, "transitions", p.S3TransitionIaPer1k, 1_000, "every object once");
        Add("Transitions to Glacier", CostKind.Fixed, rawObjectsByTime + enrichedObjects, "transitions", p.S3TransitionGlacierPer1k, 1_000, "raw and enriched objects once");
        if (rawObjectsBySize > rawObjectsByTime)
        {
            var extra = rawObjectsBySize - rawObjectsByTime;
            Add("PUT requests (size-driven)", CostKind.Variable, extra, "requests", p.S3PutPer1k, 1_000, $"the raw buffer fills {i.FirehoseBufferMb} MB before {i.FirehoseBufferSeconds} s");
            Add("Transitions (size-driven)", CostKind.Variable, extra, "transitions", p.S3TransitionIaPer1k, 1_000, "raw objects to Standard-IA");
            Add("Transitions to Glacier (size-driven)", CostKind.Variable, extra, "transitions", p.S3TransitionGlacierPer1k, 1_000, "raw objects to Glacier");
        }
    }

    /// <summary>A price that falls with volume: the first tier always appears, later ones only when reached.</summary>
    private static void AddTiered(List<CostLine> lines, double quantity, (string Item, double Size, Price Price)[] tiers)
    {
        var left = quantity;
        for (var t = 0; t < tiers.Length && (t == 0 || left > 0); t++)
        {
            var (item, size, price) = tiers[t];
            var inTier = Math.Min(left, size);
            lines.Add(new CostLine(price.Service, item, CostKind.Variable, inTier, "requests", inTier / 1_000_000 * price.Usd, price.Key, $"{price.Usd} {price.Unit}"));
            left -= inTier;
        }
    }

    private static double RoundUp(double bytes, int increment) => Math.Ceiling(bytes / increment) * increment;
}
