using Amazon.CDK.AWS.IAM;
using Constructs;

namespace ECommerceAgents.Infra.Constructs;

/// <summary>Ordering a resource after the policies of the role it uses.</summary>
public static class RolePolicies
{
    /// <summary>
    /// Makes <paramref name="dependent"/> wait for every policy attached to <paramref name="role"/> so far. Services that
    /// check their permissions on creation (Firehose, Glue crawlers, QuickSight) need the policies in place; the role
    /// itself is already ordered by the <c>GetAtt</c> of its ARN, so depending on it too is redundant (cfn-lint W3005).
    /// Call it after the grants.
    /// </summary>
    public static void DependOnPolicies(IConstruct dependent, Role role)
    {
        foreach (var child in role.Node.Children)
        {
            if (child is Policy or CfnPolicy) dependent.Node.AddDependency(child);
        }
    }
}
