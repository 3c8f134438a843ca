// Stands in for AWSSDK.SimpleSystemsManagement / AWSSDK.SecretsManager (not served to this build): reads through the
// AWS Parameters and Secrets Lambda Extension, which caches values and listens on localhost:2773 inside Lambda.
using System.Text.Json;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Lambda.Hosting;

/// <summary>Resolves a secret setting: the value itself (<c>NAME</c>), or an SSM parameter named by <c>NAME_PARAMETER</c>.</summary>
public static class Parameters
{
    public static async Task<string?> ResolveAsync(FunctionEnvironment environment, string name, CancellationToken cancellationToken)
    {
        if (environment.Setting(name) is { } direct) return direct;
        if (environment.Setting(name + SettingNames.ParameterSuffix) is not { } parameter) return null;

        var port = environment.Setting("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT") ?? "2773";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://localhost:{port}/systemsmanager/parameters/get?name={Uri.EscapeDataString(parameter)}&withDecryption=true");
        request.Headers.Add("X-Aws-Parameters-Secrets-Token", environment.Setting("AWS_SESSION_TOKEN") ?? string.Empty);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        return doc.RootElement.GetProperty("Parameter").GetProperty("Value").GetString();
    }
}
