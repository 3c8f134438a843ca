using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace ECommerceAgents.Infra.Aspects;

/// <summary>
/// Pins the runtime of the helper functions CDK adds by itself (custom-resource providers: S3 auto-delete of dev
/// buckets, the VPC's default security group lock-down). CDK 2.160 gives them the Node.js version its region map
/// names (nodejs18.x/20.x, whose creation AWS blocked on 2026-06-01), and Amazon.CDK.Lib newer than 2.160 does not
/// restore on this build. Our own functions run on <c>provided.al2023</c> and are left alone. Once every helper is
/// pinned, CDK's unused <c>LatestNodeRuntimeMap</c> mapping is removed too.
/// </summary>
public sealed class HelperFunctionRuntimes : DeputyBase, IAspect
{
    /// <summary>The Node.js runtime helper functions run on; its creation block is 2028-06-01 (cfn-lint's lifecycle data).</summary>
    public const string NodeRuntime = "nodejs24.x";

    /// <summary>The mapping CDK 2.160 writes for the latest Node.js runtime per region.</summary>
    public const string LatestNodeRuntimeMap = "LatestNodeRuntimeMap";

    public static IReadOnlyList<string> OwnRuntimes { get; } = ["provided.al2023"];

    public void Visit(IConstruct node)
    {
        if (node is not Stack stack) return;

        foreach (var construct in stack.Node.FindAll())
        {
            switch (construct)
            {
                case CfnFunction function when function.Runtime is { } runtime && OwnRuntimes.Contains(runtime):
                    break;
                case CfnFunction function:
                    function.AddPropertyOverride("Runtime", NodeRuntime);
                    break;
                // S3's notifications handler is Python: it must not exist at all (the buckets notify EventBridge), and the
                // runtime test names it if it comes back, so it is not rewritten to a Node runtime it cannot run on.
                case CfnResource resource when resource.Node.Path.Contains("BucketNotificationsHandler", StringComparison.Ordinal):
                    break;
                // Custom-resource providers are raw AWS::Lambda::Function resources with Node.js handlers.
                case CfnResource resource when resource.CfnResourceType == "AWS::Lambda::Function":
                    resource.AddPropertyOverride("Runtime", NodeRuntime);
                    break;
            }
        }

        stack.Node.TryRemoveChild(LatestNodeRuntimeMap);
    }
}
