using Microsoft.AspNetCore.Builder;

namespace ECommerceAgents.Local.Stack;

/// <summary>
/// The builder for every Kestrel host the local tools run in their own process (stand-ins, proxies, the dashboard).
/// <see cref="WebApplication.CreateSlimBuilder()"/> reads appsettings.json from the content root with reload on change,
/// and to reload it watches the content root recursively: from the repository root, where the commands are run, that is
/// every directory under node_modules and under the default state directory (.state/local), so each host's start walks
/// the tree and every write of dynalite, s3rver or PostgreSQL wakes its watcher during a benchmark. No host here reads
/// appsettings.json, so reloading is off and the content root is the tool's own directory.
/// </summary>
public static class LocalWebHosts
{
    /// <summary>The arguments that turn configuration reloading (and its file watcher) off.</summary>
    public static readonly string[] NoReloadArgs = ["--hostBuilder:reloadConfigOnChange=false"];

    public static WebApplicationBuilder CreateSlimBuilder() =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = NoReloadArgs, ContentRootPath = AppContext.BaseDirectory });
}
