using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Local.Stack.Latency;
using ECommerceAgents.Local.Stack.Servers;
using ECommerceAgents.Resources;
using Npgsql;

namespace ECommerceAgents.Local.Stack;

/// <summary>
/// The local AWS stack: five real servers on 127.0.0.1 with their state under one directory, and the platform's
/// resources created in them from <see cref="Tables"/>, <see cref="Streams"/> and <see cref="Buckets"/>.
/// Starting twice is harmless; stopping leaves no process behind.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private const string StackFile = "stack.json";

    private readonly Lazy<IAmazonDynamoDB> _dynamo;
    private readonly Lazy<IAmazonS3> _s3;
    private readonly Lazy<KinesisClient> _kinesis;
    private readonly Lazy<FirehoseClient> _firehose;
    private readonly TextWriter _log;

    private LocalStack(LocalStackOptions options, TextWriter? log)
    {
        Options = options;
        _log = log ?? TextWriter.Null;
        Prerequisites = new Prerequisites(options.RepositoryRoot, options.InstallMissing, _log);
        var p = options.Ports;
        var external = options.External;
        Endpoints = new ServiceEndpoints
        {
            Region = options.Region,
            DynamoDb = external?.DynamoDb ?? new Uri($"http://127.0.0.1:{p.DynamoDb}"),
            Kinesis = external?.Kinesis ?? new Uri($"http://127.0.0.1:{p.Kinesis}"),
            S3 = external?.S3 ?? new Uri($"http://127.0.0.1:{p.S3}"),
            Firehose = external?.Firehose ?? new Uri($"http://127.0.0.1:{p.Firehose}"),
            Redis = external?.Redis ?? $"127.0.0.1:{p.Redis}",
            Warehouse = external?.Warehouse,
            OpenSearch = external?.OpenSearch,
            AccessKey = external?.AccessKey ?? LocalStackOptions.AccessKey,
            SecretKey = external?.SecretKey ?? LocalStackOptions.SecretKey,
        };
        Names = ResourceBindings.FromPrefix(options.Prefix);

        var state = options.StateDirectory;
        var localRoot = Path.Combine(options.RepositoryRoot, "local");
        Postgres = new PostgresServer(p.Postgres, state, Prerequisites.PostgresBin, LocalStackOptions.PostgresPassword);
        Endpoints = Endpoints with { Warehouse = external?.Warehouse ?? Postgres.ConnectionString(Warehouse.Database) };
        DirectEndpoints = Endpoints;

        // The stack's own clients (provisioning, the event sources, reading results) always go straight to the servers.
        _dynamo = new(() => DynamoDbClientFactory.Create(DirectEndpoints, maxErrorRetry: 0));
        _s3 = new(() => S3ClientFactory.Create(DirectEndpoints));
        _kinesis = new(() => StreamClients.Kinesis(DirectEndpoints, RetryPolicy.Default));
        _firehose = new(() => StreamClients.Firehose(DirectEndpoints, RetryPolicy.Default));
        DynamoDb = new DynaliteServer(p.DynamoDb, state, localRoot, () => _dynamo.Value);
        Kinesis = new KinesaliteServer(p.Kinesis, state, localRoot, () => _kinesis.Value.Transport);
        S3 = new S3rverServer(p.S3, state, localRoot, () => _s3.Value);
        Redis = new RedisClusterServer(p.Redis, state, Prerequisites.RedisServer);
    }

    public LocalStackOptions Options { get; }

    public Prerequisites Prerequisites { get; }

    /// <summary>Where functions and the API reach the services: the servers, or the latency proxies once <see cref="StartAwsLatencyAsync"/> ran.</summary>
    public ServiceEndpoints Endpoints { get; private set; }

    /// <summary>The servers themselves, whatever the latency simulation does.</summary>
    public ServiceEndpoints DirectEndpoints { get; }

    /// <summary>The AWS latency simulation in front of the servers, when started (<c>--aws-latency</c>); it stops with this object.</summary>
    public AwsLatencySimulation? Latency { get; private set; }

    public ResourceBindings Names { get; }

    public DynaliteServer DynamoDb { get; private set; }

    public KinesaliteServer Kinesis { get; private set; }

    public S3rverServer S3 { get; private set; }

    public RedisClusterServer Redis { get; private set; }

    public PostgresServer Postgres { get; private set; }

    /// <summary>The servers this stack runs itself: all five, less those given as external endpoints.</summary>
    public IReadOnlyList<LocalServer> Servers
    {
        get
        {
            var external = Options.External;
            var servers = new List<LocalServer>();
            if (external?.DynamoDb is null) servers.Add(DynamoDb);
            if (external?.Kinesis is null) servers.Add(Kinesis);
            if (external?.S3 is null) servers.Add(S3);
            if (external?.Redis is null) servers.Add(Redis);
            if (external?.Warehouse is null) servers.Add(Postgres);
            return servers;
        }
    }

    public IAmazonDynamoDB DynamoDbClient => _dynamo.Value;

    public IAmazonS3 S3Client => _s3.Value;

    public KinesisClient KinesisClient => _kinesis.Value;

    public FirehoseClient FirehoseClient => _firehose.Value;

    /// <summary>Set when this object started servers that it should stop on dispose (test fixtures).</summary>
    public bool StopOnDispose { get; set; }

    public static LocalStack Create(LocalStackOptions options, TextWriter? log = null) => new(options, log);

    /// <summary>Opens the stack recorded in <paramref name="stateDirectory"/> by an earlier <c>up</c>, so <c>status</c> and <c>down</c> use its ports.</summary>
    public static LocalStack? Open(string stateDirectory, string repositoryRoot, TextWriter? log = null)
    {
        var file = Path.Combine(stateDirectory, StackFile);
        if (!File.Exists(file)) return null;
        var recorded = JsonSerializer.Deserialize(File.ReadAllText(file), LocalStackJsonContext.Default.RecordedStack);
        if (recorded is null) return null;
        return new LocalStack(new LocalStackOptions
        {
            StateDirectory = stateDirectory,
            RepositoryRoot = repositoryRoot,
            Ports = recorded.Ports,
            Prefix = recorded.Prefix,
            Region = recorded.Region,
            StreamShards = recorded.StreamShards,
            InstallMissing = false,
        }, log);
    }

    /// <summary>Starts whatever is not running, waits until each server answers, then creates missing resources.</summary>
    public async Task UpAsync(CancellationToken cancellationToken)
    {
        await Prerequisites.EnsureAsync(cancellationToken).ConfigureAwait(false);
        // The server objects read the binaries' paths, which prerequisites may only now know.
        Redis = new RedisClusterServer(Options.Ports.Redis, Options.StateDirectory, Prerequisites.RedisServer);
        Postgres = new PostgresServer(Options.Ports.Postgres, Options.StateDirectory, Prerequisites.PostgresBin, LocalStackOptions.PostgresPassword);

        Directory.CreateDirectory(Options.StateDirectory);
        var recorded = new RecordedStack(Options.Ports, Options.Prefix, Options.Region, Options.StreamShards);
        await File.WriteAllTextAsync(Path.Combine(Options.StateDirectory, StackFile), JsonSerializer.Serialize(recorded, LocalStackJsonContext.Default.RecordedStack), cancellationToken).ConfigureAwait(false);

        await Task.WhenAll(Servers.Select(s => s.StartAsync(cancellationToken))).ConfigureAwait(false);
        await ProvisionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the tables, stream, buckets and warehouse database where missing. Idempotent.</summary>
    public async Task ProvisionAsync(CancellationToken cancellationToken) => await ProvisionAsync(Names, cancellationToken).ConfigureAwait(false);

    /// <summary>Creates another set of the platform's resources, named from another prefix (a test class's own).</summary>
    public async Task ProvisionAsync(ResourceBindings names, CancellationToken cancellationToken)
    {
        await new TableProvisioner(DynamoDbClient).EnsureAsync(names, cancellationToken).ConfigureAwait(false);
        await EnsureStreamsAsync(names, cancellationToken).ConfigureAwait(false);
        await EnsureBucketsAsync(names, cancellationToken).ConfigureAwait(false);
        if (Options.External?.Warehouse is null) await EnsureWarehouseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts a latency proxy in front of each server the functions call and leads <see cref="Endpoints"/> through them
    /// (issue 19). Call after <see cref="UpAsync"/>; the proxies run in this process and stop when it disposes the stack.
    /// </summary>
    /// <param name="recordActivity">Record each store's calls in flight, for a benchmark's per-store split.</param>
    public async Task<AwsLatencySimulation> StartAwsLatencyAsync(int seed, bool recordActivity, CancellationToken cancellationToken)
    {
        if (Latency is { } running) return running;
        Latency = await AwsLatencySimulation.StartAsync(DirectEndpoints, seed, recordActivity, cancellationToken).ConfigureAwait(false);
        Endpoints = Latency.Endpoints;
        return Latency;
    }

    public async Task DownAsync(CancellationToken cancellationToken)
    {
        // A Firehose server a demo left behind (its host stops it; a killed demo does not) goes down with the rest.
        var firehose = new FirehoseServer(Options.Ports.Firehose, Options.StateDirectory, "", []);
        await Task.WhenAll(Servers.Append(firehose).Select(s => s.StopAsync(cancellationToken))).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ServerStatus>> StatusAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(Servers.Select(s => s.StatusAsync(cancellationToken))).ConfigureAwait(false);

    public LocalServer Server(string name) =>
        Servers.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"No local server named '{name}'.", nameof(name));

    private async Task EnsureStreamsAsync(ResourceBindings names, CancellationToken cancellationToken)
    {
        foreach (var stream in ECommerceAgents.Resources.Streams.All)
        {
            var name = names.Stream(stream);
            try
            {
                await KinesisClient.CreateStreamAsync(name, Options.StreamShards, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException ex) when (ex.ErrorCode == "ResourceInUseException")
            {
                // Exists already.
            }

            for (var i = 0; ; i++)
            {
                var summary = await KinesisClient.DescribeStreamSummaryAsync(name, cancellationToken).ConfigureAwait(false);
                if (summary.StreamStatus == "ACTIVE") break;
                if (i > 200) throw new TimeoutException($"Stream {name} did not become ACTIVE.");
                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task EnsureBucketsAsync(ResourceBindings names, CancellationToken cancellationToken)
    {
        var existing = (await S3Client.ListBucketsAsync(cancellationToken).ConfigureAwait(false)).Buckets?.Select(b => b.BucketName).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var bucket in Buckets.All)
        {
            var name = names.Bucket(bucket);
            if (existing.Contains(name)) continue;
            try
            {
                await S3Client.PutBucketAsync(new PutBucketRequest { BucketName = name }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
                // Exists already.
            }
        }
    }

    private async Task EnsureWarehouseAsync(CancellationToken cancellationToken)
    {
        await using (var admin = new NpgsqlConnection(Postgres.ConnectionString("postgres")))
        {
            await admin.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = @name", admin);
            exists.Parameters.AddWithValue("name", Warehouse.Database);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                await using var create = new NpgsqlCommand($"create database \"{Warehouse.Database}\"", admin);
                try
                {
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
                {
                    // Created concurrently.
                }
            }
        }

        await using var connection = new NpgsqlConnection(Endpoints.Warehouse);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var schema = new NpgsqlCommand($"create schema if not exists {Warehouse.Schema}", connection);
        await schema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Latency is { } latency)
        {
            await latency.DisposeAsync().ConfigureAwait(false);
            Latency = null;
            Endpoints = DirectEndpoints;
        }

        if (StopOnDispose)
        {
            await DownAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (_dynamo.IsValueCreated) _dynamo.Value.Dispose();
        if (_s3.IsValueCreated) _s3.Value.Dispose();
    }
}

internal sealed record RecordedStack(LocalPorts Ports, string Prefix, string Region, int StreamShards);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(RecordedStack))]
internal sealed partial class LocalStackJsonContext : JsonSerializerContext;
