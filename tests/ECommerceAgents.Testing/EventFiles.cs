using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Testing;

/// <summary>The sample events in <c>events/</c>, the same files the CLI's <c>invoke</c> takes.</summary>
public static class EventFiles
{
    public static string Directory => Path.Combine(LocalStackOptions.FindRepositoryRoot(), "events");

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static byte[] Read(string name) => File.ReadAllBytes(PathOf(name));
}
