namespace ECommerceAgents.Domain.Validation;

/// <summary>One thing wrong with an event: where (a JSON path such as <c>$.data.items[2].price</c>), which rule, and why.</summary>
public sealed record Violation(string Path, string Keyword, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
