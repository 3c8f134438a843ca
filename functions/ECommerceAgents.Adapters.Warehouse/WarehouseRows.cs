using System.Text.Json.Nodes;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>A warehouse row as JSON: column name to its text (or null), in the columns' order.</summary>
internal static class WarehouseRows
{
    public static JsonObject ToJson(IReadOnlyList<SqlColumn> columns, Func<int, string?> text)
    {
        var row = new JsonObject();
        for (var i = 0; i < columns.Count; i++) row[columns[i].Name] = text(i);
        return row;
    }
}
