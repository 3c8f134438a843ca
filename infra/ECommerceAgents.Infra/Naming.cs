namespace ECommerceAgents.Infra;

/// <summary>Construct ids and physical names derived from the resource definitions' ids.</summary>
public static class Naming
{
    /// <summary><c>product-stats</c> → <c>ProductStats</c>.</summary>
    public static string Pascal(string id) =>
        string.Concat(id.Split('-', '_', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>Glue and Redshift identifiers take underscores, not hyphens.</summary>
    public static string Snake(string prefix) => prefix.Replace('-', '_');
}
