using System.CommandLine;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.Latency;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// The <c>--aws-latency</c> switch of <c>bench stream</c>, <c>bench api</c>, <c>bench soak</c> and <c>demo</c> (issue
/// 19): AWS-like latency in front of every store the functions call. Off, nothing is put in the path.
/// </summary>
internal sealed class AwsLatencySwitch
{
    /// <summary>The seed used unless <c>--latency-seed</c> says otherwise: the same seed draws the same delays.</summary>
    public const int DefaultSeed = 19;

    public Option<bool> On { get; } = new("--aws-latency")
    {
        Description = "Delay every call the functions make to DynamoDB, Kinesis, S3, Firehose and Redis by a draw from AWS-like latencies (issue 19's table, log-normal), through loopback proxies.",
    };

    public Option<int> Seed { get; } = new("--latency-seed") { Description = "Seed of the latency draws.", DefaultValueFactory = _ => DefaultSeed };

    public void AddTo(Command command)
    {
        command.Options.Add(On);
        command.Options.Add(Seed);
    }

    public bool IsOn(ParseResult parse) => parse.GetValue(On);

    /// <summary>Starts the simulation on a stack that is up, when the switch is on.</summary>
    public async Task StartAsync(ParseResult parse, LocalStack stack, CancellationToken ct, bool recordActivity = false)
    {
        if (!IsOn(parse)) return;
        var latency = await stack.StartAwsLatencyAsync(parse.GetValue(Seed), recordActivity, ct);
        await Console.Error.WriteLineAsync($"AWS latency simulation on (seed {latency.Sampler.Seed}): DynamoDB {latency.Endpoints.DynamoDb}, Kinesis {latency.Endpoints.Kinesis}, S3 {latency.Endpoints.S3}, Firehose {latency.Endpoints.Firehose}, Redis {latency.Endpoints.Redis}");
    }

    /// <summary>Notes in a result that the simulation was on, with its seed and table; nothing when off.</summary>
    public static void Describe(JsonObject result, LocalStack stack)
    {
        if (stack.Latency is not { } latency) return;
        var table = new JsonObject();
        foreach (var call in AwsLatencyTable.All) table[call.Name] = new JsonObject { ["p50Ms"] = call.P50Milliseconds, ["p99Ms"] = call.P99Milliseconds };
        result["awsLatency"] = new JsonObject { ["seed"] = latency.Sampler.Seed, ["table"] = table, ["distribution"] = "log-normal through p50 and p99" };
    }
}
