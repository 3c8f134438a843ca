using System.Text.Json;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Testing;
using ECommerceAgents.Resources;

namespace ECommerceAgents.IntegrationTests.StreamProcessor;

/// <summary>A fixed, seeded 1,000-record batch shaped like real traffic (with its faults), and what it must produce.</summary>
public sealed class Workload
{
    public const string BotNetworks = "198.51.100.0/24";

    public static readonly Dictionary<string, string> Settings = new() { [SettingNames.BotNetworks] = BotNetworks };

    public Workload(int records = 1000, int seed = 7)
    {
        var generator = new TrafficGenerator(new TrafficOptions { Seed = seed, Users = 60, Events = records + 200, End = DateTimeOffset.UtcNow, Span = TimeSpan.FromMinutes(90) });
        Records = generator.Generate().Take(records).ToArray();
        foreach (var r in Records) Kinesis.Add(r.Data, r.PartitionKey);
        // A resend whose original falls outside the slice is, within it, the first copy: valid.
        ValidIds = Records.Where(r => r.Fault is Fault.None or Fault.Late or Fault.Duplicate).Select(r => r.EventId!).ToHashSet();
        BotIds = Records.Where(r => r.Fault == Fault.Bot).Select(r => r.EventId!).ToHashSet();
        Rejected = Records.Count(r => r.Fault is Fault.Malformed or Fault.SchemaViolation);
    }

    public IReadOnlyList<GeneratedRecord> Records { get; }

    public KinesisEventBuilder Kinesis { get; } = new();

    public IReadOnlySet<string> ValidIds { get; }

    public IReadOnlySet<string> BotIds { get; }

    public int Rejected { get; }

    public static async Task<(PlatformHarness Harness, IFunctionHandler Function)> StartAsync(string owner)
    {
        var harness = await PlatformHarness.StartAsync(owner, settings: Settings);
        var function = await StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);
        return (harness, function);
    }

    public static async Task<StreamsEventResponse> InvokeAsync(IFunctionHandler function, byte[] kinesisEvent)
    {
        var response = await function.InvokeAsync(kinesisEvent, LambdaInvocation.Local(TimeSpan.FromMinutes(5)), CancellationToken.None);
        return JsonSerializer.Deserialize(response, LambdaEventsJsonContext.Default.StreamsEventResponse)!;
    }
}
