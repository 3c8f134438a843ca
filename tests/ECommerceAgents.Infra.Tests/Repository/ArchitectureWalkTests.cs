using System.Text.RegularExpressions;
using ECommerceAgents.Infra;

namespace ECommerceAgents.Infra.Tests.Repository;

/// <summary>
/// ARCHITECTURE.md walks one event through the code. Its walk is a table (hop, file, type, port); every file it names
/// must exist, and every type and port it names must be declared in the code, so the walk cannot drift from the
/// layout without this failing. Paths named anywhere else in the document are held to the same rule.
/// </summary>
public sealed partial class ArchitectureWalkTests
{
    private static readonly string Root = InfraSettings.FindRepositoryRoot();

    [Fact]
    public void Walk_NamesOnlyFilesAndTypesThatExist()
    {
        var document = File.ReadAllText(Path.Combine(Root, "ARCHITECTURE.md"));
        var walk = ArchitectureWalk.Parse(document);

        // The walk goes from the API to the stores: a handful of hops at least, each with a file and a type.
        Assert.True(walk.Hops.Count >= 6, $"the walk has {walk.Hops.Count} hops");
        Assert.All(walk.Hops, hop => Assert.NotEmpty(hop.Files));
        Assert.All(walk.Hops, hop => Assert.NotEmpty(hop.Types));

        var problems = walk.Check(Root, CodeIndex.Build(Root));
        Assert.True(problems.Count == 0, "ARCHITECTURE.md names what the code does not have:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void Check_ReportsAMissingFileAndAMissingType()
    {
        const string document = """
            # Architecture
            ## One event, hop by hop
            | Hop | File | Type | Port |
            |---|---|---|---|
            | 1. parse | `functions/ECommerceAgents.Domain/Nowhere/Missing.cs` | `NoSuchPlanner` | `INoSuchPort` |
            | 2. validate | `functions/ECommerceAgents.Domain/Validation/EventParser.cs` | `EventParser` | — |
            See also `functions/ECommerceAgents.Domain/Gone.cs`.
            """;

        var walk = ArchitectureWalk.Parse(document);
        var problems = walk.Check(Root, CodeIndex.Build(Root));

        Assert.Equal(2, walk.Hops.Count);
        Assert.Contains(problems, p => p.Contains("Nowhere/Missing.cs", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("NoSuchPlanner", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("INoSuchPort", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Gone.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("EventParser", StringComparison.Ordinal));
    }

    /// <summary>The walk's table rows and every path the document names.</summary>
    private sealed record ArchitectureWalk(IReadOnlyList<WalkHop> Hops, IReadOnlyList<string> Paths)
    {
        public static ArchitectureWalk Parse(string document)
        {
            var hops = new List<WalkHop>();
            var inWalk = false;
            foreach (var line in document.Split('\n').Select(l => l.TrimEnd('\r')))
            {
                if (line.StartsWith("## ", StringComparison.Ordinal))
                {
                    inWalk = line.Contains("hop by hop", StringComparison.OrdinalIgnoreCase);
                    continue;
                }

                if (!inWalk || !line.StartsWith('|') || line.StartsWith("|---", StringComparison.Ordinal) || line.StartsWith("| Hop", StringComparison.Ordinal))
                    continue;
                var cells = line.Trim('|').Split('|');
                if (cells.Length < 4)
                    continue;
                hops.Add(new WalkHop(cells[0].Trim(), Names(cells[1]), Names(cells[2]), Names(cells[3])));
            }

            var paths = Backticked().Matches(document).Select(m => m.Groups[1].Value).Where(IsPath).Distinct(StringComparer.Ordinal).ToList();
            return new ArchitectureWalk(hops, paths);
        }

        public List<string> Check(string root, CodeIndex code)
        {
            var problems = new List<string>();
            foreach (var path in Paths.Concat(Hops.SelectMany(h => h.Files)).Distinct(StringComparer.Ordinal))
            {
                if (!File.Exists(Path.Combine(root, path)) && !Directory.Exists(Path.Combine(root, path)))
                    problems.Add($"no file {path}");
            }

            foreach (var hop in Hops)
            {
                foreach (var name in hop.Types.Concat(hop.Ports))
                {
                    var type = name.Split('.')[0];
                    if (!code.Declares(type))
                        problems.Add($"hop '{hop.Name}': no type {type}");
                    else if (name.Contains('.', StringComparison.Ordinal) && !code.HasMember(type, name[(type.Length + 1)..]))
                        problems.Add($"hop '{hop.Name}': {type} has no member {name[(type.Length + 1)..]}");
                }

                // A type the hop names lives in one of the hop's files (the walk says where to read).
                foreach (var type in hop.Types.Select(t => t.Split('.')[0]).Where(code.Declares))
                {
                    if (!hop.Files.Any(f => code.DeclaredIn(type, f)))
                        problems.Add($"hop '{hop.Name}': {type} is not declared in {string.Join(" or ", hop.Files)}");
                }
            }

            return problems;
        }

        private static List<string> Names(string cell) => Backticked().Matches(cell).Select(m => m.Groups[1].Value).ToList();

        private static bool IsPath(string token) => token.Contains('/', StringComparison.Ordinal) && !token.Contains(' ', StringComparison.Ordinal)
            && (token.EndsWith(".cs", StringComparison.Ordinal) || token.EndsWith(".csproj", StringComparison.Ordinal) || token.EndsWith('/'));
    }

    private sealed record WalkHop(string Name, IReadOnlyList<string> Files, IReadOnlyList<string> Types, IReadOnlyList<string> Ports);

    /// <summary>Which type is declared in which file, from the C# sources of the repository (bin/obj left out).</summary>
    private sealed class CodeIndex
    {
        private readonly Dictionary<string, List<string>> _files = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _text = new(StringComparer.Ordinal);

        public static CodeIndex Build(string root)
        {
            var index = new CodeIndex();
            foreach (var folder in new[] { "functions", "local", "infra", "tests" })
            {
                foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                    if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("node_modules", StringComparison.Ordinal))
                        continue;
                    var text = File.ReadAllText(file);
                    index._text[relative] = text;
                    foreach (Match m in Declaration().Matches(text))
                    {
                        var name = m.Groups[1].Value;
                        if (!index._files.TryGetValue(name, out var list))
                            index._files[name] = list = [];
                        list.Add(relative);
                    }
                }
            }

            return index;
        }

        public bool Declares(string type) => _files.ContainsKey(type);

        public bool DeclaredIn(string type, string file) => _files.TryGetValue(type, out var files) && files.Contains(file, StringComparer.Ordinal);

        public bool HasMember(string type, string member) =>
            _files.TryGetValue(type, out var files) && files.Any(f => Regex.IsMatch(_text[f], $@"\b{Regex.Escape(member)}\b"));
    }

    [GeneratedRegex(@"`([^`\n]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+([A-Z]\w*)")]
    private static partial Regex Declaration();
}
