namespace ECommerceAgents.Local.Cost;

public sealed partial class CostModel
{
    /// <summary>Shards an on-demand stream starts with (4 MB/s, 4,000 records/s of write capacity).</summary>
    private const int OnDemandInitialShards = 4;

    /// <summary>One month's priced lines, built section by section in the order <see cref="Monthly"/> lists them.</summary>
    private sealed class MonthLines
    {
        public MonthLines(CostModel model, Workload workload, CostStage stage)
        {
            var i = model.Inputs;
            Model = model;
            Workload = workload;
            Stage = stage;
            Events = workload.EventsPerSecond * SecondsPerMonth;
            Requests = workload.RequestsPerSecond * SecondsPerMonth;
            Valid = Events * i.ValidFraction;
            Batches = Events / i.StreamProcessorBatchSize;
            Redelivered = 1 + i.RedeliveredShare; // a redelivered batch runs, and bills its writes, again
            Loads = HoursPerMonth * i.BatchLoadsPerHour;
            FlushesPerMonth = SecondsPerMonth / i.FirehoseBufferSeconds;
            BufferBytes = i.FirehoseBufferMb * 1024.0 * 1024;
            EnrichedObjectsByTime = i.EnrichedActivePartitions * FlushesPerMonth;
        }

        public List<CostLine> Lines { get; } = [];

        private CostModel Model { get; }

        private Workload Workload { get; }

        private CostStage Stage { get; }

        private double Events { get; }

        private double Requests { get; }

        private double Valid { get; }

        private double Batches { get; }

        private double Redelivered { get; }

        private double Loads { get; }

        private double FlushesPerMonth { get; }

        private double BufferBytes { get; }

        private double EnrichedObjectsByTime { get; }

        public void Streams()
        {
            var (p, i, workload, stage, events, requests, valid) = (Model.Prices, Model.Inputs, Workload, Stage, Events, Requests, Valid);

            if (stage.KinesisShards is { } configuredShards)
            {
                ProvisionedKinesis(configuredShards);
            }
            else
            {
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
            }

            // --- Data Firehose ---
            var rawFirehoseGb = events * (i.RawArchiveBilledKbPerEvent * 1_024 ?? RoundUp(workload.EventBytes, 5_120)) / GiB;
            Add("Raw archive ingestion", CostKind.Variable, rawFirehoseGb, "GB", p.FirehoseIngestGb, 1, "every stream record billed as 5 KB");
            Add("Enriched ingestion", CostKind.Variable, (i.EnrichedBilledKbPerEvent is { } enrichedKb ? events * enrichedKb * 1_024 : valid * i.EnrichedRecordBytes) / GiB, "GB", p.FirehoseIngestGb, 1,
                $"{i.EnrichedRecordBytes} B enriched records packed up to 500 per Firehose record (FirehoseEnrichedSink): billed KB ≈ bytes");
            var enrichedGb = valid * i.EnrichedRecordBytes / GiB;
            Add("Dynamic partitioning data", CostKind.Variable, enrichedGb, "GB", p.FirehoseDynamicPartitioningGb, 1, "enriched bytes processed");
            var enrichedObjectsBySize = valid * i.EnrichedRecordBytes / BufferBytes;
            Add("Dynamic partitioning objects", CostKind.Fixed, EnrichedObjectsByTime, "objects", p.FirehoseDynamicPartitioningPer1kObjects, 1_000,
                $"{i.EnrichedActivePartitions} active partitions × one object per {i.FirehoseBufferSeconds} s buffer");
            if (enrichedObjectsBySize > EnrichedObjectsByTime)
            {
                Add("Dynamic partitioning objects (size-driven)", CostKind.Variable, enrichedObjectsBySize - EnrichedObjectsByTime, "objects", p.FirehoseDynamicPartitioningPer1kObjects, 1_000,
                    $"partitions fill {i.FirehoseBufferMb} MB before {i.FirehoseBufferSeconds} s");
            }

            // The partition keys come from LogTransformer (a Lambda processor, no JQ hours): Firehose invokes it per 1 MB
            // of records or every 60 s, whichever comes first.
            var partitionerInvocations = valid > 0 ? Math.Max(enrichedGb * GiB / (Resources.DeliveryStreams.ProcessorBufferMegabytes * 1_048_576.0), HoursPerMonth * 3_600 / Resources.DeliveryStreams.ProcessorBufferSeconds) : 0;
            Add("Partitioner requests", CostKind.Variable, partitionerInvocations, "invocations", p.LambdaPerMillionRequests, 1_000_000,
                $"LogTransformer returns the enriched records' partition keys: one invocation per {Resources.DeliveryStreams.ProcessorBufferMegabytes} MB or {Resources.DeliveryStreams.ProcessorBufferSeconds} s");
            Add("Partitioner duration", CostKind.Variable, partitionerInvocations * i.PartitionerSecondsPerInvocation * i.LogTransformerMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
                $"{i.PartitionerSecondsPerInvocation:0.####} s per invocation × {i.LogTransformerMemoryMb} MB");
        }

        public void Compute()
        {
            var (p, i, workload, stage, events, requests, valid) = (Model.Prices, Model.Inputs, Workload, Stage, Events, Requests, Valid);

            // --- Lambda ---
            Add("StreamProcessor requests", CostKind.Variable, Batches, "invocations", p.LambdaPerMillionRequests, 1_000_000, $"full batches of {i.StreamProcessorBatchSize}");
            Add("StreamProcessor duration", CostKind.Variable, Batches * Redelivered * i.StreamProcessorSecondsPerBatch * i.StreamProcessorMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
                $"{i.StreamProcessorSecondsPerBatch:0.####} s per {i.StreamProcessorBatchSize}-record batch (measured) × {i.StreamProcessorMemoryMb} MB");
            var lambdaRequests = requests * (1 - stage.AlbShareOfRequests);
            var viaGateway = stage.AlbShareOfRequests > 0 ? $" through API Gateway ({1 - stage.AlbShareOfRequests:P0}; the rest go through the ALB)" : "";
            Add("Api requests", CostKind.Variable, lambdaRequests, "invocations", p.LambdaPerMillionRequests, 1_000_000, "one invocation per HTTP request" + viaGateway);
            Add("Api duration", CostKind.Variable, lambdaRequests * i.ApiSecondsPerRequest * i.ApiMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
                $"{i.ApiSecondsPerRequest} s per request (assumed) × {i.ApiMemoryMb} MB");
            Add("BatchLoader runs", CostKind.Fixed, Loads * i.BatchLoaderBaseSeconds * i.BatchLoaderMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
                $"{Loads:0} runs × {i.BatchLoaderBaseSeconds} s (assumed) × {i.BatchLoaderMemoryMb} MB");
            Add("BatchLoader compaction", CostKind.Variable, events / 1_000_000 * i.BatchLoaderSecondsPerMillionEvents * i.BatchLoaderMemoryMb / 1_024, "GB-s", p.LambdaGbSecond, 1,
                $"{i.BatchLoaderSecondsPerMillionEvents} s per million events (assumed)");
        }

        public void State()
        {
            var (p, i, workload, stage, events, requests, valid) = (Model.Prices, Model.Inputs, Workload, Stage, Events, Requests, Valid);

            // --- DynamoDB: on demand, or the hot tables provisioned ---
            var streamWru = events / 1_000 * i.DynamoWriteUnitsPer1000Events * Redelivered;
            var streamRru = events / 1_000 * i.DynamoReadUnitsPer1000Events * Redelivered;
            var apiWru = requests * i.ApiWriteUnitsPerRequest;
            var apiRru = requests * i.ApiReadUnitsPerRequest;
            var (writeOnDemand, readOnDemand) = (1.0, 1.0);
            if (stage.ProvisionedTables is { } hot)
            {
                // The Api's tables (idempotency claims, subject keys) and the stream's hot-table share move to provisioned capacity.
                writeOnDemand = 1 - i.HotTableWriteShare;
                readOnDemand = 1 - i.HotTableReadShare;
                var target = hot.TargetUtilizationPercent / 100.0;
                var wcu = ProvisionedUnits((streamWru * i.HotTableWriteShare + apiWru) / SecondsPerMonth, target, hot.MinWrite, hot.MaxWrite);
                var rcu = ProvisionedUnits((streamRru * i.HotTableReadShare + apiRru) / SecondsPerMonth, target, hot.MinRead, hot.MaxRead);
                Add("Provisioned write capacity", CostKind.Fixed, wcu * HoursPerMonth, "WCU-hours", p.DynamoWcuHour, 1,
                    $"{wcu:N0} WCU: average units/s of the hot tables ({i.HotTableWriteShare:P0} of the stream's, all the Api's) ÷ {target:0.##}, within the tables' summed min {hot.MinWrite:N0} and max {hot.MaxWrite:N0}");
                Add("Provisioned read capacity", CostKind.Fixed, rcu * HoursPerMonth, "RCU-hours", p.DynamoRcuHour, 1,
                    $"{rcu:N0} RCU: average units/s of the hot tables ({i.HotTableReadShare:P0} of the stream's, all the Api's) ÷ {target:0.##}, within the summed min {hot.MinRead:N0} and max {hot.MaxRead:N0}");
                apiWru = 0;
                apiRru = 0;
            }

            Add("Write request units", CostKind.Variable, streamWru * writeOnDemand, "WRU", p.DynamoWriteUnitsPerMillion, 1_000_000,
                $"{i.DynamoWriteUnitsPer1000Events:0} WRU per 1,000 events ({i.DynamoRequestsPer1000Events:0} requests; {i.DedupMarkersPer1000Events:0} dedup markers), × {Redelivered:0.####} for redelivered batches" + (writeOnDemand < 1 ? $"; {writeOnDemand:P0} on the on-demand tables" : ""));
            Add("Read request units", CostKind.Variable, streamRru * readOnDemand, "RRU", p.DynamoReadUnitsPerMillion, 1_000_000,
                $"{i.DynamoReadUnitsPer1000Events:0} RRU per 1,000 events" + (readOnDemand < 1 ? $"; {readOnDemand:P0} on the on-demand tables" : ""));
            Add("Conflict retries", CostKind.Variable, Batches * i.ConflictRetriesPerBatch * i.WriteUnitsPerConflictRetry * writeOnDemand, "WRU", p.DynamoWriteUnitsPerMillion, 1_000_000,
                $"{i.ConflictRetriesPerBatch:0.###} retries per invocation × {i.WriteUnitsPerConflictRetry} WRU (the refused conditional write)");
            Add("Api write units", CostKind.Variable, apiWru, "WRU", p.DynamoWriteUnitsPerMillion, 1_000_000,
                $"{i.ApiWriteUnitsPerRequest:0.###} WRU per request (idempotency claim and completion)" + (stage.ProvisionedTables is null ? "" : ": provisioned"));
            Add("Api read units", CostKind.Variable, apiRru, "RRU", p.DynamoReadUnitsPerMillion, 1_000_000,
                $"{i.ApiReadUnitsPerRequest:0.###} RRU per request" + (stage.ProvisionedTables is null ? "" : ": provisioned"));
            if (i.DedupMarkersPer1000Events > 0)
            {
                var markerGb = workload.EventsPerSecond * i.DedupWindowHours * 3_600 * i.DedupMarkersPer1000Events / 1_000 * i.DedupMarkerBytes / GiB;
                Add("Dedup markers storage", CostKind.Variable, markerGb, "GB-month", p.DynamoStorageGbMonth, 1, $"{i.DedupWindowHours} h of markers × {i.DedupMarkerBytes} B");
                Add("Dedup markers PITR", CostKind.Variable, markerGb, "GB-month", p.DynamoPitrGbMonth, 1, "PITR on every table");
            }

            Add("Entity state storage", CostKind.Fixed, i.EntityStateGb, "GB-month", p.DynamoStorageGbMonth, 1, "assumed size of profiles, sessions, orders, stats");
            Add("Entity state PITR", CostKind.Fixed, i.EntityStateGb, "GB-month", p.DynamoPitrGbMonth, 1, "PITR on every table");

            // --- ElastiCache Serverless (Valkey) ---
            var cacheGb = Math.Max(0.1, Math.Min(stage.CacheDataGb, stage.CacheMaxStorageGb));
            Add("Data stored (minimum)", CostKind.Fixed, cacheGb * HoursPerMonth, "GB-hours", p.CacheGbHour, 1,
                $"{cacheGb} GB average (Valkey meters at least 0.1 GB)");
            Add("ECPUs", CostKind.Variable, events / 1_000 * i.RedisCommandsPer1000Events * i.EcpusPerRedisCommand, "ECPUs", p.CacheEcpuPerMillion, 1_000_000,
                $"{i.RedisCommandsPer1000Events:0} commands per 1,000 events (measured) × {i.EcpusPerRedisCommand} ECPU");
            var dedupGb = RedisDedupGb(workload.EventsPerSecond, i);
            Add("Dedup markers stored", CostKind.Variable, dedupGb * HoursPerMonth, "GB-hours", p.CacheGbHour, 1,
                $"events/s × {i.RedisDedupResidency} × {i.DedupWindowHours} h × {i.RedisDedupBytesPerMarker} B (RedisDedupWindow hashes) = {dedupGb:0.##} GB"
                + (dedupGb > stage.CacheMaxStorageGb ? $"; above the cache's {stage.CacheMaxStorageGb} GB cap" : ""));
            Add("Dedup ECPUs", CostKind.Variable, events * i.DedupRedisCommandsPerEvent * i.EcpusPerRedisCommand, "ECPUs", p.CacheEcpuPerMillion, 1_000_000,
                i.DedupRedisCommandsPerEvent > 0
                    ? $"{i.DedupRedisCommandsPerEvent:0.##} commands per event (3 lookups + 1 write + amortised EXPIRE)"
                    : "none beside the Redis commands per 1,000 events, which count the dedup window's lookups and writes");
            Add("Api ECPUs", CostKind.Variable, requests * i.ApiRedisCommandsPerRequest * i.EcpusPerRedisCommand, "ECPUs", p.CacheEcpuPerMillion, 1_000_000,
                $"{i.ApiRedisCommandsPerRequest:0.##} commands per request × {i.EcpusPerRedisCommand} ECPU");
        }

        public void Front()
        {
            var (p, i, workload, stage, events, requests, valid) = (Model.Prices, Model.Inputs, Workload, Stage, Events, Requests, Valid);

            // --- API Gateway (REST) and WAF ---
            var share = stage.AlbShareOfRequests;
            AddTiered(Lines, requests * (1 - share),
            [
                ("REST requests, first 333 M", 333e6, p.ApiRestFirst333M),
                ("REST requests, next 667 M", 667e6, p.ApiRestNext667M),
                ("REST requests, next 19 B", 19_000e6, p.ApiRestNext19B),
                ("REST requests, over 20 B", double.PositiveInfinity, p.ApiRestOver20B),
            ]);
            Add("Web ACL", CostKind.Fixed, 1, "web ACLs", p.WafWebAclMonth, 1, "one regional web ACL on the API stage");
            Add("Rules", CostKind.Fixed, i.WafRules, "rules", p.WafRuleMonth, 1, "rate rule + two AWS managed rule groups");
            Add("Requests", CostKind.Variable, requests, "requests", p.WafPerMillionRequests, 1_000_000, "every API request (API Gateway and ALB)");
            if (stage.Container is { } container) AlbAndFargate(container, requests * share);
        }

        public void Platform()
        {
            var (p, i, workload, stage, events, requests, valid) = (Model.Prices, Model.Inputs, Workload, Stage, Events, Requests, Valid);

            // --- OpenSearch ---
            var dataNode = p.OpenSearchInstanceHour(stage.SearchDataNodeType);
            Add($"{stage.SearchDataNodes} × {stage.SearchDataNodeType}", CostKind.Fixed, stage.SearchDataNodes * HoursPerMonth, "instance-hours", dataNode, 1, "data nodes");
            if (stage.SearchMasterNodes > 0 && stage.SearchMasterNodeType is { } masterType)
            {
                Add($"{stage.SearchMasterNodes} × {masterType}", CostKind.Fixed, stage.SearchMasterNodes * HoursPerMonth, "instance-hours", p.OpenSearchInstanceHour(masterType), 1, "dedicated masters");
            }

            Add("EBS gp3", CostKind.Fixed, stage.SearchDataNodes * stage.SearchVolumeGb, "GB-month", p.OpenSearchGp3GbMonth, 1, $"{stage.SearchVolumeGb} GB per data node");

            // --- Redshift Serverless ---
            var rpuHours = stage.RedshiftBaseRpu * Loads * i.WarehouseMinutesPerLoad / 60;
            Add("Base RPU for the batch hours", CostKind.Fixed, rpuHours, "RPU-hours", p.RedshiftRpuHour, 1,
                $"{stage.RedshiftBaseRpu} RPU × {Loads:0} loads × {i.WarehouseMinutesPerLoad} min (assumed)");
            Add("Managed storage", CostKind.Variable, valid * i.ParquetBytesPerEvent * i.StorageHorizonMonths / GiB, "GB-month", p.RedshiftStorageGbMonth, 1,
                $"{i.StorageHorizonMonths} months of events at {i.ParquetBytesPerEvent} B");

            // --- Glue ---
            var crawlRuns = stage.CatalogByBatchLoader ? 0 : i.Crawlers * HoursPerMonth * i.CrawlsPerHour;
            if (stage.CatalogByBatchLoader)
            {
                var partitions = i.EnrichedActivePartitions * Loads;
                Add("Catalog requests", CostKind.Fixed, partitions * i.GlueRequestsPerPartition, "requests", p.GlueCatalogPerMillionRequests, 1_000_000,
                    $"BatchLoader registers {partitions:N0} partitions × {i.GlueRequestsPerPartition} requests; the crawlers run only by hand");
            }

            Add("Crawlers", CostKind.Fixed, crawlRuns * i.CrawlerDpu * i.CrawlerMinimumMinutes / 60, "DPU-hours", p.GlueCrawlerDpuHour, 1,
                $"{crawlRuns:0} runs × {i.CrawlerDpu} DPU × {i.CrawlerMinimumMinutes} min minimum");

            // --- VPC interface endpoints ---
            // BatchLoader runs outside the VPC: its Glue, Lambda and Redshift Data calls need no endpoint.
            var endpoints = i.InterfaceEndpoints + (stage.Container is null ? 0 : 3);
            Add("Endpoint-AZ hours", CostKind.Fixed, endpoints * i.AvailabilityZones * HoursPerMonth, "endpoint-AZ-hours", p.EndpointAzHour, 1,
                $"{endpoints} endpoints × {i.AvailabilityZones} AZ"
                + (stage.Container is null ? "" : " (ECR API, ECR Docker and CloudWatch Logs for the Fargate tasks included)"));
            Add("Data processed", CostKind.Variable, (events * i.KinesisWireBytesPerEvent + valid * i.FirehoseWireBytesPerEvent) / GiB, "GB", p.EndpointGb, 1,
                "Api → Kinesis PutRecords and StreamProcessor → Firehose PutRecordBatch; S3 and DynamoDB use free gateway endpoints");
        }

        public void Storage()
        {
            var (p, i, workload, stage, events, requests, valid) = (Model.Prices, Model.Inputs, Workload, Stage, Events, Requests, Valid);

            // --- S3 ---
            Model.AddS3(Lines, workload, valid, events, FlushesPerMonth, BufferBytes, EnrichedObjectsByTime);
            Add("Function PUT requests", CostKind.Variable, events / 1_000 * i.S3PutsPer1000Events * Redelivered, "requests", p.S3PutPer1k, 1_000,
                $"{i.S3PutsPer1000Events:0.##} per 1,000 events: StreamProcessor's own objects (quarantine, real-time journal)");
            Add("Function GET requests", CostKind.Variable, events / 1_000 * i.S3GetsPer1000Events * Redelivered, "requests", p.S3GetPer1k, 1_000,
                $"{i.S3GetsPer1000Events:0.##} per 1,000 events");
        }

        public void Operations()
        {
            var (p, i, workload, stage, events, requests, valid) = (Model.Prices, Model.Inputs, Workload, Stage, Events, Requests, Valid);

            // --- CloudWatch and X-Ray ---
            // Requests through the ALB are logged by ELB to S3 (AlbAccessLogs), not to CloudWatch; the Api app logs nothing per request.
            var gatewayRequests = requests * (1 - stage.AlbShareOfRequests);
            var logGb = (Batches * i.LogBytesPerBatch + gatewayRequests * i.LogBytesPerRequest) / GiB;
            Add("Logs ingestion", CostKind.Variable, logGb, "GB", p.LogsIngestGb, 1,
                $"{i.LogBytesPerBatch} B per StreamProcessor invocation + {i.LogBytesPerRequest} B per API Gateway request (assumed)" + (stage.AlbShareOfRequests > 0 ? "; ALB requests log to S3" : ""));
            Add("Logs storage", CostKind.Variable, logGb * stage.LogRetentionMonths, "GB-month", p.LogsStorageGbMonth, 1, $"retention {stage.LogRetentionMonths:0.##} months, uncompressed (upper bound)");
            Add("Custom metrics (EMF)", CostKind.Fixed, i.CustomMetrics, "metrics", p.CustomMetricMonth, 1, "assumed count");
            Add("Alarms", CostKind.Fixed, stage.Alarms, "alarms", p.AlarmMonth, 1, "Monitoring.cs");
            Add("Dashboards", CostKind.Fixed, i.Dashboards, "dashboards", p.DashboardMonth, 1, "the pipeline dashboard");
            if (stage.XRayFixedRate is { } rate)
            {
                Add("Sampled traces", CostKind.Variable, rate * requests, "traces", p.XRayPerMillionTraces, 1_000_000,
                    $"a {rate:P0} fixed-rate rule on the API stage, no reservoir; functions pass-through (StreamProcessor traces nothing of its own)");
            }
            else
            {
                var reservoirs = stage.AlbShareOfRequests < 1 ? 2 : 1; // API Gateway's reservoir fills only with requests it serves
                Add("Trace reservoir", CostKind.Fixed, reservoirs * SecondsPerMonth, "traces", p.XRayPerMillionTraces, 1_000_000,
                    reservoirs == 2
                        ? "default rule, 1 trace/s each for API Gateway and StreamProcessor (an upper bound at low rates)"
                        : "default rule, 1 trace/s for StreamProcessor (an upper bound at low rates); every request goes through the ALB");
                // An ALB adds a trace id header but records nothing in X-Ray, and the Fargate tasks run no X-Ray daemon.
                Add("Sampled traces", CostKind.Variable, 0.05 * (gatewayRequests + Batches), "traces", p.XRayPerMillionTraces, 1_000_000,
                    "default rule, 5% of API Gateway requests and StreamProcessor invocations beyond the reservoir" + (stage.AlbShareOfRequests > 0 ? "; ALB requests are not traced" : ""));
            }

            if (stage.Container is not null) AlbAccessLogs(requests * stage.AlbShareOfRequests);

            // --- Secrets, parameters, keys ---
            Add("Redshift admin secret", CostKind.Fixed, i.Secrets, "secrets", p.SecretMonth, 1, "ManageAdminPassword");
            Add("API calls", CostKind.Fixed, Loads, "calls", p.SecretsPer10kCalls, 10_000, "BatchLoader reads the admin secret once per run");
            Add("SecureString parameters", CostKind.Fixed, 2, "parameters", p.SsmStandardParameterMonth, 1, "pseudonym key, webhook secrets (standard tier)");
            Add("Platform key", CostKind.Fixed, i.KmsKeys, "keys", p.KmsKeyMonth, 1, "Kinesis stream and SNS topic encryption");
            SubjectKeyRequests();
        }

        /// <summary>
        /// Crypto-shredding's KMS calls (README, "KMS calls per 1,000 events"): each warm API container makes one
        /// key-encryption key an hour (GenerateDataKey), and each StreamProcessor instance (one per shard) unwraps every
        /// container's key it meets, once an hour (Decrypt). They follow containers and shards, not events.
        /// </summary>
        private void SubjectKeyRequests()
        {
            var (p, i, stage) = (Model.Prices, Model.Inputs, Stage);
            var perSecond = Workload.RequestsPerSecond;
            var lambdas = Math.Ceiling(perSecond * (1 - stage.AlbShareOfRequests) * i.ApiSecondsPerRequest);
            var tasks = stage.Container is { } container && perSecond * stage.AlbShareOfRequests > 0
                ? FargateTasks(perSecond * stage.AlbShareOfRequests, i.ApiCpuSecondsPerRequest, container)
                : 0;
            var writers = lambdas + tasks;
            var recordsPerSecond = Workload.EventsPerSecond * i.KinesisRecordsPerEvent;
            var readers = writers == 0 ? 0 : stage.KinesisShards is { } configured
                ? KinesisShards(configured, recordsPerSecond, StreamBytesPerSecond())
                : Math.Max(OnDemandInitialShards, Math.Ceiling(recordsPerSecond / 1_000));
            Add("Subject key requests", CostKind.Stepped, (writers + writers * readers) * HoursPerMonth, "requests", p.KmsPer10kRequests, 10_000,
                $"an hour: {writers:N0} API containers ({lambdas:N0} Lambda at {i.ApiSecondsPerRequest} s a request, {tasks:N0} Fargate tasks) × 1 GenerateDataKey, "
                + $"+ {readers:N0} StreamProcessor shards × {writers:N0} Decrypt; none without traffic");
        }

        /// <summary>The stream's bytes in per second: the measured billed KB per event (an upper bound of its data), else the event's bytes.</summary>
        private double StreamBytesPerSecond() => Workload.EventsPerSecond * (Model.Inputs.KinesisBilledKbPerEvent * 1_024 ?? Workload.EventBytes);

        private void ProvisionedKinesis(int configuredShards)
        {
            var (p, i, stage, events) = (Model.Prices, Model.Inputs, Stage, Events);
            var recordsPerSecond = Workload.EventsPerSecond * i.KinesisRecordsPerEvent;
            var bytesPerSecond = StreamBytesPerSecond();
            var shards = KinesisShards(configuredShards, recordsPerSecond, bytesPerSecond);
            Add("Shard-hours", CostKind.Fixed, shards * HoursPerMonth, "shard-hours", p.KinesisShardHour, 1,
                $"{shards} provisioned shards: max(StageConfig's {configuredShards}, ceil(max({recordsPerSecond:N0} records/s ÷ 1,000, {bytesPerSecond / 1_048_576:N1} MiB/s ÷ 1) per shard ÷ 0.8 headroom))");
            Add("PUT payload units", CostKind.Variable, events * i.KinesisPayloadUnitsPerEvent, "25 KB units", p.KinesisPutPayloadUnitsPerMillion, 1_000_000,
                $"{i.KinesisPayloadUnitsPerEvent:0.###} units per event (each record rounded up to 25 KB); provisioned reads bill nothing per GB");
            if (stage.KinesisRetentionHours > 24)
            {
                Add("Extended retention", CostKind.Fixed, shards * HoursPerMonth, "shard-hours", p.KinesisShardExtendedRetentionHour, 1,
                    $"{stage.KinesisRetentionHours} h retention, per shard-hour");
            }
        }

        /// <summary>ELB delivers the ALB's access logs to S3 at no charge but the storage and one PUT per file (every 5 minutes per node).</summary>
        private void AlbAccessLogs(double albRequests)
        {
            var (p, i) = (Model.Prices, Model.Inputs);
            var gbPerMonth = albRequests * i.AlbLogBytesPerRequest / i.GzipRatio / GiB;
            Add("ALB access logs storage", CostKind.Variable, gbPerMonth * i.AlbLogRetentionDays / DaysPerMonth, "GB-month", p.S3StandardGbMonth, 1,
                $"{i.AlbLogBytesPerRequest} B per request, GZIP {i.GzipRatio}:1, kept {i.AlbLogRetentionDays} days in the access-log bucket (Standard)");
            Add("ALB access logs PUTs", CostKind.Fixed, i.AvailabilityZones * 12 * HoursPerMonth, "requests", p.S3PutPer1k, 1_000,
                $"one file every 5 minutes per load balancer node ({i.AvailabilityZones} AZ)");
        }

        private void AlbAndFargate(CostContainer container, double albRequests)
        {
            var (p, i) = (Model.Prices, Model.Inputs);
            var perSecond = albRequests / SecondsPerMonth;
            Add("ALB hours", CostKind.Fixed, HoursPerMonth, "ALB-hours", p.AlbHour, 1, "one ALB in front of the Fargate service");
            var lcus = AlbLcus(perSecond, i.AlbNewConnectionsPerRequest, i.AlbBytesPerRequest);
            Add("ALB LCUs", CostKind.Variable, lcus * HoursPerMonth, "LCU-hours", p.AlbLcuHour, 1,
                $"the largest dimension at {perSecond:N0} requests/s: new connections ({i.AlbNewConnectionsPerRequest} per request ÷ 25/s), processed bytes ({i.AlbBytesPerRequest:N0} B per request ÷ 1 GB/h); rule evaluations within the 10 free");
            Add("Public IPv4 addresses", CostKind.Fixed, 2 * HoursPerMonth, "address-hours", p.PublicIpv4Hour, 1, "the internet-facing ALB's address in each of 2 AZs");
            var tasks = FargateTasks(perSecond, i.ApiCpuSecondsPerRequest, container);
            Add("Fargate vCPU", CostKind.Fixed, tasks * container.Vcpu * HoursPerMonth, "vCPU-hours", p.FargateVcpuHour, 1,
                $"{tasks} tasks × {container.Vcpu} vCPU: max({container.MinTasks}, ceil(requests/s × {i.ApiCpuSecondsPerRequest * 1e6:0} µs CPU ÷ ({container.Vcpu} vCPU × {container.CpuTargetPercent} %)))");
            Add("Fargate memory", CostKind.Fixed, tasks * container.MemoryGb * HoursPerMonth, "GB-hours", p.FargateGbHour, 1, $"{tasks} tasks × {container.MemoryGb} GB");
        }

        private void Add(string item, CostKind kind, double quantity, string unit, Price price, double unitsPerPrice, string basis) =>
            Lines.Add(new CostLine(price.Service, item, kind, quantity, unit, quantity / unitsPerPrice * price.Usd, price.Key, basis));
    }
}
