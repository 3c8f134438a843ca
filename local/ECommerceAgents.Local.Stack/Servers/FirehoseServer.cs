using System.Globalization;

namespace ECommerceAgents.Local.Stack.Servers;

/// <summary>
/// The Firehose stand-in as a server of its own (<c>eca firehose-server</c>): the direct-put delivery streams of the
/// given resource prefixes, each with a fsynced spool under <see cref="LocalServer.DataDirectory"/>, so that like the
/// real service it keeps what PutRecordBatch accepted through a crash, and delivers it to S3 once.
/// </summary>
/// <param name="launcher">The CLI's assembly (<c>eca.dll</c>), run with <c>dotnet</c>.</param>
/// <param name="prefixes">The resource prefixes whose delivery streams it serves.</param>
public sealed class FirehoseServer(int port, string stateDirectory, string launcher, IReadOnlyList<string> prefixes, TimeSpan? bufferInterval = null)
    : LocalServer("firehose", port, stateDirectory)
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    protected override string ProcessMarker => "firehose-server";

    public override string Endpoint => $"http://127.0.0.1:{Port}";

    public override TimeSpan ReadyTimeout => TimeSpan.FromSeconds(60);

    protected override (string, IReadOnlyList<string>) Command()
    {
        var arguments = new List<string> { launcher, "firehose-server", "--state", StateDirectory, "--port", Port.ToString(CultureInfo.InvariantCulture) };
        foreach (var p in prefixes)
        {
            arguments.Add("--prefix");
            arguments.Add(p);
        }

        if (bufferInterval is { } interval)
        {
            arguments.Add("--buffer-ms");
            arguments.Add(((int)interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }

        return ("dotnet", arguments);
    }

    public override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var response = await Probe.GetAsync(new Uri(Endpoint + "/_local/health"), cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Delivers everything the server has accepted so far, retrying while it is down (a drain).</summary>
    public async Task FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var http = new HttpClient { Timeout = timeout };
        while (true)
        {
            try
            {
                using var response = await http.PostAsync(new Uri(Endpoint + "/_local/flush"), null, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Down or restarting: its spool keeps the records, so wait for it.
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The Firehose server on port {Port} did not flush within {timeout.TotalSeconds:0} s.");
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The CLI's assembly beside the running one (the CLI's own folder, or a test project's output).</summary>
    public static string? FindLauncher()
    {
        var candidate = Path.Combine(AppContext.BaseDirectory, "eca.dll");
        return File.Exists(candidate) ? candidate : null;
    }
}
