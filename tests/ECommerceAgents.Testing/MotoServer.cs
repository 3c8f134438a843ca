using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ECommerceAgents.Testing;

/// <summary>
/// moto in server mode (<c>python3 -m moto.server</c>, moto 5.2 on this machine image) on a free loopback port: the
/// local stand-in for KMS, so the envelope path runs against a real KMS API. <see cref="StartAsync"/> gives null and a
/// reason when moto cannot start, so a test skips with that reason instead of passing.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private readonly Process _process;

    private MotoServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<(MotoServer? Server, string? Reason)> StartAsync()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Process process;
        try
        {
            var info = new ProcessStartInfo("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, "moto could not start (python3 -m moto.server): " + ex.Message);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var waited = 0; waited < 150; waited++)
        {
            if (process.HasExited) return (null, $"moto exited at start-up with code {process.ExitCode} (is moto[server] installed for python3?)");
            try
            {
                using var response = await http.GetAsync(new Uri(endpoint, "/moto-api/")).ConfigureAwait(false);
                return (new MotoServer(process, endpoint), null);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        process.Kill(entireProcessTree: true);
        process.Dispose();
        return (null, $"moto did not answer on port {port} within 15 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }
}
