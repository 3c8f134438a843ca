namespace ECommerceAgents.Resources;

/// <summary>
/// Every environment setting a function reads, by name, defined once. The CDK app writes them, the functions read them
/// through their typed options, and the local stack and the CLI set them; nothing else spells an <c>ECA_*</c> name.
/// Resource names (<c>ECA_TABLE_*</c>, <c>ECA_BUCKET_*</c>, <c>ECA_STREAM_*</c>, <c>ECA_FIREHOSE_*</c>) come from the
/// definitions' <c>EnvironmentVariable</c>; endpoints from <see cref="ServiceEndpoints"/>.
/// </summary>
public static class SettingNames
{
    /// <summary>Every setting this product defines starts with this.</summary>
    public const string Prefix = "ECA_";

    /// <summary>The stage the function runs in (dev, prod, …).</summary>
    public const string Stage = "ECA_STAGE";

    // Shared by several functions.

    /// <summary>The HMAC key for pseudonyms, given as a value (local) …</summary>
    public const string PseudonymKey = "ECA_PSEUDONYM_KEY";

    /// <summary>… or as the name of the SSM SecureString parameter that holds it (AWS).</summary>
    public const string PseudonymKeyParameter = PseudonymKey + ParameterSuffix;

    /// <summary>The KMS key (id, ARN or alias) subjects' data keys are wrapped under (AWS) …</summary>
    public const string KmsKeyId = "ECA_KMS_KEY_ID";

    /// <summary>… or, locally, the master key that wraps them: base64 of 32 random bytes.</summary>
    public const string MasterKey = "ECA_MASTER_KEY";

    /// <summary>How long a warm function keeps a subject's clear data key (seconds; 300 by default): an erased key is gone from memory within it.</summary>
    public const string SubjectKeyCacheSeconds = "ECA_SUBJECT_KEY_CACHE_SECONDS";

    /// <summary>How many subjects' keys a warm function keeps at most (10,000 by default).</summary>
    public const string SubjectKeyCacheSize = "ECA_SUBJECT_KEY_CACHE_SIZE";

    /// <summary>A setting given as the name of an SSM parameter carries this suffix (see <c>Parameters.ResolveAsync</c>).</summary>
    public const string ParameterSuffix = "_PARAMETER";

    /// <summary>The prefix of every Redis key the function writes or reads (one Redis shared by several stacks).</summary>
    public const string RedisPrefix = "ECA_REDIS_PREFIX";

    /// <summary>When set, every AWS call is appended to this file (the IAM replay).</summary>
    public const string AwsCallLog = "ECA_AWS_CALL_LOG";

    // StreamProcessor.

    public const string DedupWindowHours = "ECA_DEDUP_WINDOW_HOURS";
    public const string PipelineVersion = "ECA_PIPELINE_VERSION";
    public const string BotNetworks = "ECA_BOT_NETWORKS";
    public const string LogAcknowledgedEvents = "ECA_LOG_ACKNOWLEDGED_EVENTS";

    /// <summary>What becomes of the events of a subject who denied analytics: <c>pseudonymous</c> (the default) or <c>drop</c>.</summary>
    public const string AnalyticsConsent = "ECA_ANALYTICS_CONSENT";

    /// <summary>The shop's own domains, comma separated: a referrer on one of them (or a subdomain) is internal.</summary>
    public const string OwnDomains = "ECA_OWN_DOMAINS";

    // Api.

    /// <summary><c>stream</c> for the API function behind the stream route; otherwise the ingest-and-query API.</summary>
    public const string ApiMode = "ECA_API_MODE";

    /// <summary>The address Kestrel listens on: 127.0.0.1 by default (behind the Web Adapter); <c>0.0.0.0</c> in the container behind the ALB.</summary>
    public const string ListenAddress = "ECA_LISTEN_ADDRESS";
    public const string RateLimitRps = "ECA_RATE_LIMIT_RPS";
    public const string RateLimitBurst = "ECA_RATE_LIMIT_BURST";

    /// <summary>Requests per second per client IP for browser keys (server keys have no per-IP limit).</summary>
    public const string BrowserRateLimitPerIpRps = "ECA_BROWSER_RATE_LIMIT_PER_IP_RPS";
    public const string BrowserRateLimitPerIpBurst = "ECA_BROWSER_RATE_LIMIT_PER_IP_BURST";

    /// <summary>Where a browser request's client IP comes from: <c>connection</c>, <c>lambda</c> (the Web Adapter's request context) or <c>x-forwarded-for</c> (its last entry); inferred when unset.</summary>
    public const string ClientIpSource = "ECA_CLIENT_IP_SOURCE";
    public const string ProductsIndex = "ECA_PRODUCTS_INDEX";
    public const string WebhookSecrets = "ECA_WEBHOOK_SECRETS";
    public const string WebhookSecretsParameter = WebhookSecrets + ParameterSuffix;
    public const string BootstrapAdminKey = "ECA_BOOTSTRAP_ADMIN_KEY";
    public const string BootstrapAdminKeyParameter = BootstrapAdminKey + ParameterSuffix;

    // CatalogImport.

    public const string CatalogDefaultCurrency = "ECA_CATALOG_DEFAULT_CURRENCY";
    public const string CatalogLowStock = "ECA_CATALOG_LOW_STOCK";
    public const string CatalogChunk = "ECA_CATALOG_CHUNK";
    public const string CatalogTemp = "ECA_CATALOG_TEMP";
    public const string CatalogDynamoDbConcurrency = "ECA_CATALOG_DYNAMODB_CONCURRENCY";

    // BatchLoader (the nightly batch layer).

    public const string GlueDatabase = "ECA_GLUE_DATABASE";
    public const string GlueCrawlers = "ECA_GLUE_CRAWLERS";

    /// <summary><c>on</c>: BatchLoader registers the partitions it writes in <see cref="GlueDatabase"/> (stages without hourly crawlers).</summary>
    public const string GlueRegisterPartitions = "ECA_GLUE_REGISTER_PARTITIONS";
    public const string PartitionsPerInvocation = "ECA_PARTITIONS_PER_INVOCATION";
    public const string LatenessHours = "ECA_LATENESS_HOURS";
    public const string SettleMinutes = "ECA_SETTLE_MINUTES";
    public const string ReportingCurrency = "ECA_REPORTING_CURRENCY";
    public const string RedshiftWorkgroup = "ECA_REDSHIFT_WORKGROUP";
    public const string RedshiftDatabase = "ECA_REDSHIFT_DATABASE";
    public const string RedshiftSecretArn = "ECA_REDSHIFT_SECRET_ARN";
    public const string RedshiftCopyRoleArn = "ECA_REDSHIFT_COPY_ROLE_ARN";

    /// <summary><c>off</c> keeps the BatchLoader from invoking itself per partition (the local runs).</summary>
    public const string FanOut = "ECA_FANOUT";

    // LogTransformer.

    public const string LogsResponseBudgetBytes = "ECA_LOGS_RESPONSE_BUDGET_BYTES";
    public const string LogsMaxDecompressedBytes = "ECA_LOGS_MAX_DECOMPRESSED_BYTES";
    public const string LogsServicePrefixes = "ECA_LOGS_SERVICE_PREFIXES";
}
