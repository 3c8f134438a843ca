namespace ECommerceAgents.Infra.Tests.Fixtures;

/// <summary>Short constructors for the objects and arrays handed to the CDK assertions' matchers.</summary>
public static class Json
{
    public static Dictionary<string, object> Obj(params (string Key, object Value)[] properties) =>
        properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public static object[] Arr(params object[] items) => items;

    public static Dictionary<string, object> GetAtt(string logicalId, string attribute) =>
        Obj(("Fn::GetAtt", Arr(logicalId, attribute)));

    public static Dictionary<string, object> Ref(string logicalId) => Obj(("Ref", logicalId));
}
