using System.Runtime.CompilerServices;
using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.IntegrationTests.Iam;

/// <summary>
/// Every AWS call the functions make during this test run is recorded (<see cref="AwsCallLog"/>), from the first test
/// on; <see cref="IamReplayOfThisRunTests"/> replays them against the roles at the end of the run.
/// </summary>
internal static class CallRecording
{
    public static string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"eca-iam-calls-{Environment.ProcessId}.jsonl");

    [ModuleInitializer]
    internal static void Start()
    {
        if (File.Exists(Path)) File.Delete(Path);
        AwsCallLog.Start(Path);
    }
}
