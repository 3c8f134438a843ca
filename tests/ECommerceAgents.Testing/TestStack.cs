using System.Globalization;
using DotNet.Testcontainers.Builders;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using Testcontainers.LocalStack;

namespace ECommerceAgents.Testing;

/// <summary>
/// The endpoints integration tests run against, chosen once per test process in this order: endpoints given in the
/// environment (<c>AWS_ENDPOINT_URL</c> and friends) → LocalStack via Testcontainers when a Docker engine answers
/// (with <c>LOCALSTACK_AUTH_TOKEN</c> passed through) → the local stack, started here on free ports and stopped when
/// the process ends. Redis and PostgreSQL come from the environment (<c>ECA_REDIS</c>, <c>ECA_WAREHOUSE</c>) or the local stack.
/// </summary>
public static class TestStack
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static LocalStack? _stack;
    private static LocalStackContainer? _container;

    /// <summary>environment, localstack or local: which of the three the run uses.</summary>
    public static string Mode { get; private set; } = "unstarted";

    public static async Task<LocalStack> GetAsync()
    {
        if (_stack is not null) return _stack;
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stack is not null) return _stack;
            _stack = await StartAsync().ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAtExit();
            return _stack;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>True when the servers are this process's own, so a test may stop and start them.</summary>
    public static bool OwnsServers => Mode == "local";

    /// <summary>The skip reason of a test that stops and starts servers, where the run's servers are not its own.</summary>
    public static string NeedsOwnServers =>
        $"stops and starts servers, so it runs only on the test run's own local stack; this run uses {Mode} mode " +
        "(endpoints from the environment, or LocalStack in Docker), whose servers are not its to stop";

    /// <summary>A fresh set of the platform's resources for one test class, named from a unique prefix.</summary>
    public static async Task<ResourceBindings> ResourcesForAsync(string owner)
    {
        var stack = await GetAsync().ConfigureAwait(false);
        var names = ResourceBindings.FromPrefix(UniquePrefix(owner));
        await stack.ProvisionAsync(names, CancellationToken.None).ConfigureAwait(false);
        return names;
    }

    public static string UniquePrefix(string owner)
    {
        var letters = new string(owner.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(12).ToArray());
        return $"t{letters}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>A new, private local stack (own ports and state) for tests that stop and start servers.</summary>
    public static async Task<LocalStack> StartPrivateAsync(string owner)
    {
        // Ports are drawn free but bound only when each server starts: another test's listener can take one in between.
        // Then the server exits at start-up, and a fresh set of ports is tried.
        for (var attempt = 1; ; attempt++)
        {
            var stack = LocalStack.Create(new LocalStackOptions
            {
                StateDirectory = NewStateDirectory(owner),
                RepositoryRoot = LocalStackOptions.FindRepositoryRoot(),
                Ports = LocalPorts.Free(),
            });
            stack.StopOnDispose = true;
            try
            {
                await stack.UpAsync(CancellationToken.None).ConfigureAwait(false);
                return stack;
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("exited during start-up", StringComparison.Ordinal))
            {
                await stack.DisposeAsync().ConfigureAwait(false);
                TryDelete(stack.Options.StateDirectory);
            }
        }
    }

    private static async Task<LocalStack> StartAsync()
    {
        ReapAbandonedStacks();
        var fromEnvironment = ServiceEndpoints.FromEnvironment();
        ServiceEndpoints? external = null;
        if (fromEnvironment.DynamoDb is not null || fromEnvironment.Kinesis is not null || fromEnvironment.S3 is not null)
        {
            Mode = "environment";
            external = fromEnvironment;
        }
        else if (await TryLocalStackContainerAsync().ConfigureAwait(false) is { } container)
        {
            Mode = "localstack";
            _container = container;
            var url = new Uri(container.GetConnectionString());
            external = new ServiceEndpoints
            {
                Region = "us-east-1",
                DynamoDb = url,
                Kinesis = url,
                S3 = url,
                Redis = fromEnvironment.Redis,
                Warehouse = fromEnvironment.Warehouse,
                AccessKey = "test",
                SecretKey = "test",
            };
        }
        else
        {
            Mode = "local";
            external = fromEnvironment.Redis is not null || fromEnvironment.Warehouse is not null
                ? new ServiceEndpoints { Region = fromEnvironment.Region, Redis = fromEnvironment.Redis, Warehouse = fromEnvironment.Warehouse }
                : null;
        }

        var stack = LocalStack.Create(new LocalStackOptions
        {
            StateDirectory = NewStateDirectory("shared"),
            RepositoryRoot = LocalStackOptions.FindRepositoryRoot(),
            Ports = LocalPorts.Free(),
            External = external,
        });
        stack.StopOnDispose = true;
        await stack.UpAsync(CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine($"[TestStack] mode={Mode} dynamodb={stack.Endpoints.DynamoDb} kinesis={stack.Endpoints.Kinesis} s3={stack.Endpoints.S3} redis={stack.Endpoints.Redis}");
        return stack;
    }

    private static async Task<LocalStackContainer?> TryLocalStackContainerAsync()
    {
        try
        {
            var builder = new LocalStackBuilder("localstack/localstack:4");
            if (Environment.GetEnvironmentVariable("LOCALSTACK_AUTH_TOKEN") is { Length: > 0 } token)
            {
                builder = builder.WithEnvironment("LOCALSTACK_AUTH_TOKEN", token);
            }

            var container = builder.Build();
            await container.StartAsync().ConfigureAwait(false);
            return container;
        }
        catch (DockerUnavailableException)
        {
            return null;
        }
        catch (Exception ex) when (ex.GetType().Name.Contains("Docker", StringComparison.Ordinal))
        {
            return null;
        }
    }

    /// <summary>
    /// Ends the run's servers as the test process exits: killed at once, not stopped gracefully, and their state deleted.
    /// xUnit gives the process about ten seconds after the last test before it reports "foreground threads were left
    /// running" as a fatal error and fails the run; a graceful stop of every server (PostgreSQL among them) can take
    /// longer than that on a loaded machine. Nothing may escape from here either; the CI script kills anything left.
    /// </summary>
    private static void StopAtExit()
    {
        try
        {
            if (_stack is not null)
            {
                foreach (var server in _stack.Servers)
                {
                    try
                    {
                        server.Kill();
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
                    {
                    }
                }

                TryDelete(_stack.Options.StateDirectory);
            }

            _container?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"test stack: ending the servers at exit failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next run's reaper.
        }
    }

    private static string Root => Path.Combine(Path.GetTempPath(), "eca-tests");

    private static string NewStateDirectory(string owner)
    {
        var dir = Path.Combine(Root, $"{owner}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "owner.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return dir;
    }

    /// <summary>Stops the servers of test runs whose process died without stopping them, and removes their state.</summary>
    private static void ReapAbandonedStacks()
    {
        if (!Directory.Exists(Root)) return;
        foreach (var dir in Directory.GetDirectories(Root))
        {
            var ownerFile = Path.Combine(dir, "owner.pid");
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile), NumberStyles.Integer, CultureInfo.InvariantCulture, out var owner)) continue;
            if (Directory.Exists($"/proc/{owner}")) continue;
            try
            {
                var stale = LocalStack.Open(dir, LocalStackOptions.FindRepositoryRoot());
                stale?.DownAsync(CancellationToken.None).GetAwaiter().GetResult();
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Another run is reaping it, or it is half gone: leave it.
            }
        }
    }
}
