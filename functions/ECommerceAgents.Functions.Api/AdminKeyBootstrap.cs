using ECommerceAgents.Domain.Api;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// A startup step: the first administrator key from configuration (<see cref="ApiOptions.BootstrapAdminKey"/>), so keys
/// can be managed through the API itself. Created once; every later start finds it.
/// </summary>
public static class AdminKeyBootstrap
{
    public const string KeyName = "bootstrap-admin";

    public static async Task EnsureAsync(IApiKeyStore keys, ApiOptions options, CancellationToken cancellationToken)
    {
        if (options.BootstrapAdminKey is not { Length: >= 16 } bootstrap
            || await keys.FindAsync(bootstrap, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        try
        {
            await keys.CreateAsync(KeyName, ApiRole.Admin, cancellationToken, bootstrap).ConfigureAwait(false);
        }
        catch (Amazon.DynamoDBv2.Model.ConditionalCheckFailedException)
        {
            // Another instance created it first.
        }
    }
}
