using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Local;

/// <summary>The function environment the local stack gives a handler run in process: the same variables the CDK app sets in AWS.</summary>
public static class LocalFunctions
{
    public static FunctionEnvironment Environment(LocalStack stack, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in stack.Endpoints.ToEnvironment()) all[k] = v;
        foreach (var (k, v) in stack.Names.ToEnvironment()) all[k] = v;
        all["ECA_PSEUDONYM_KEY"] = System.Environment.GetEnvironmentVariable("ECA_PSEUDONYM_KEY") ?? "local-development-key-not-a-secret";
        if (settings is not null)
        {
            foreach (var (k, v) in settings) all[k] = v;
        }

        return new FunctionEnvironment(stack.Endpoints, stack.Names, all) { Output = Console.Error };
    }
}
