using System.Text;
using System.Text.RegularExpressions;
using ECommerceAgents.Functions.LogTransformer;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.IntegrationTests.StreamProcessor;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Security;

/// <summary>
/// No PII in logs: everything StreamProcessor and LogTransformer write (JSON logs and EMF metrics) while they process a
/// generated shop with e-mails, IPs and device ids, a quarantine of bad records, and service logs full of e-mails and
/// card numbers, is scanned for any raw e-mail, IP address or card number from the input.
/// </summary>
public sealed partial class LogPiiScanTests
{
    [Fact]
    public async Task FunctionLogs_HoldNoRawEmailIpOrCardNumber()
    {
        var captured = new StringWriter();
        await using var harness = await PlatformHarness.StartAsync("piiscan", settings: Workload.Settings);
        var environment = harness.Environment with { Output = TextWriter.Synchronized(captured) };

        // A shop with every kind of record, malformed and schema-violating ones included.
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 23, Users = 60, Events = 1200 });
        var records = generator.Generate();
        var builder = new KinesisEventBuilder();
        foreach (var r in records) builder.Add(r.Data, r.PartitionKey);
        var processor = await StreamProcessorFunction.CreateAsync(environment, CancellationToken.None);
        var response = await Workload.InvokeAsync(processor, builder.Event(..));
        Assert.Empty(response.BatchItemFailures);

        // Service logs with PII, through the log transformation.
        var transformer = await LogTransformerFunction.CreateAsync(environment, CancellationToken.None);
        await transformer.InvokeAsync(EventFiles.Read("firehose-transformation.json"), LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None);
        await transformer.InvokeAsync(EventFiles.Read("firehose-cloudwatch-logs.json"), LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None);

        var logs = captured.ToString();
        Assert.True(logs.Length > 200, "the functions wrote their logs and metrics");
        var input = string.Concat(records.Select(r => Encoding.UTF8.GetString(r.Data)))
            + Encoding.UTF8.GetString(EventFiles.Read("firehose-transformation.json"));
        var emails = Email().Matches(input).Select(m => m.Value).Distinct().ToList();
        var ips = Ip().Matches(input).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(emails);
        Assert.NotEmpty(ips);

        Assert.DoesNotContain(emails, e => logs.Contains(e, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(ips, ip => logs.Contains(ip, StringComparison.Ordinal));
        Assert.DoesNotMatch(Email(), logs);
        Assert.DoesNotContain("4111 1111 1111 1111", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("4111111111111111", logs, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex Email();

    [GeneratedRegex(@"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9.])")]
    private static partial Regex Ip();
}
