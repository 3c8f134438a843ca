namespace ECommerceAgents.Resources;

/// <summary>
/// Marks an exception with the dependency whose call failed (<c>DynamoDB</c>, <c>Kinesis</c>, …), so that whoever
/// answers for it (the API's 503) can name the dependency even when the exception itself is a plain
/// <see cref="HttpRequestException"/> or <see cref="IOException"/>.
/// </summary>
public static class DependencyTag
{
    private const string Key = "ECommerceAgents.Dependency";

    /// <summary>Tags the exception unless it already is, and returns false: for an exception filter that lets it fly on.</summary>
    public static bool Set(Exception exception, string dependency)
    {
        if (!exception.Data.Contains(Key)) exception.Data[Key] = dependency;
        return false;
    }

    /// <summary>The dependency tagged on the exception or on one of its inner exceptions.</summary>
    public static string? Of(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e.Data[Key] is string dependency) return dependency;
        }

        return null;
    }
}
