using ECommerceAgents.Infra;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ECommerceAgents.Infra.Tests.Repository;

/// <summary>
/// Holds issue 17's size limits for <c>functions/</c>: no file over 400 lines, no type over 400 lines (the partial
/// declarations of one type counted together, so splitting a class into partial files does not pass), no method,
/// constructor, accessor, operator or local function over 60 lines. Sizes are lines of the declaration itself, from its
/// first token to its last (leading doc comments not counted).
/// </summary>
public sealed class CodeSizeTests
{
    private const int MaxFileLines = 400;
    private const int MaxTypeLines = 400;
    private const int MaxMemberLines = 60;

    [Fact]
    public void Functions_NoFileTypeOrMemberOverTheLimits()
    {
        var root = InfraSettings.FindRepositoryRoot();
        var offenders = Offenders(root, Path.Combine(root, "functions"));
        Assert.True(offenders.Count == 0,
            $"{offenders.Count} over the limits (file {MaxFileLines}, type {MaxTypeLines}, member {MaxMemberLines} lines):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Offenders_PartialDeclarationsOfOneType_CountTogether()
    {
        var half = string.Join('\n', Enumerable.Range(0, 250).Select(i => $"    private int _f{i};"));
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText($"namespace N;\npartial class C\n{{\n{half}\n}}\n", path: "a.cs"),
            CSharpSyntaxTree.ParseText($"namespace N;\npartial class C\n{{\n{half.Replace("_f", "_g", StringComparison.Ordinal)}\n}}\n", path: "b.cs"),
        };

        var offenders = TypeOffenders(trees, "/");

        Assert.Single(offenders);
        Assert.Contains("N.C", offenders[0], StringComparison.Ordinal);
    }

    private static List<string> Offenders(string root, string directory)
    {
        var offenders = new List<string>();
        var trees = new List<SyntaxTree>();
        foreach (var file in SourceFiles(directory))
        {
            var text = File.ReadAllText(file);
            var lines = File.ReadAllLines(file).Length;
            if (lines > MaxFileLines) offenders.Add($"FILE {Relative(root, file)} {lines} lines");
            var tree = CSharpSyntaxTree.ParseText(text, path: file);
            trees.Add(tree);
            offenders.AddRange(MemberOffenders(tree, root));
        }

        offenders.AddRange(TypeOffenders(trees, root));
        return offenders;
    }

    private static IEnumerable<string> SourceFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "obj" or "bin"))
            .Order(StringComparer.Ordinal);

    private static IEnumerable<string> MemberOffenders(SyntaxTree tree, string root)
    {
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            var name = node switch
            {
                MethodDeclarationSyntax m => m.Identifier.Text,
                ConstructorDeclarationSyntax c => c.Identifier.Text + " (constructor)",
                DestructorDeclarationSyntax d => "~" + d.Identifier.Text,
                OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
                ConversionOperatorDeclarationSyntax c => "operator " + c.Type,
                AccessorDeclarationSyntax a => $"{(a.Parent?.Parent as BasePropertyDeclarationSyntax)?.ToString().Split('\n')[0].Trim()} {a.Keyword.Text}",
                LocalFunctionStatementSyntax l => l.Identifier.Text + " (local function)",
                _ => null,
            };
            if (name is null) continue;
            var (line, size) = Lines(node);
            if (size > MaxMemberLines) yield return $"MEMBER {Relative(root, tree.FilePath)}:{line} {name} {size} lines";
        }
    }

    private static List<string> TypeOffenders(IEnumerable<SyntaxTree> trees, string root)
    {
        var types = new Dictionary<string, (int Size, List<string> Places)>(StringComparer.Ordinal);
        foreach (var tree in trees)
        {
            foreach (var type in tree.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>())
            {
                var (line, size) = Lines(type);
                var name = QualifiedName(type);
                var entry = types.TryGetValue(name, out var found) ? found : (0, []);
                entry.Places.Add($"{Relative(root, tree.FilePath)}:{line}");
                types[name] = (entry.Size + size, entry.Places);
            }
        }

        return [.. types.Where(t => t.Value.Size > MaxTypeLines).Select(t => $"TYPE {string.Join(", ", t.Value.Places)} {t.Key} {t.Value.Size} lines")];
    }

    private static string QualifiedName(BaseTypeDeclarationSyntax type)
    {
        var parts = new List<string>();
        for (SyntaxNode? node = type; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case TypeDeclarationSyntax t:
                    parts.Add(t.Identifier.Text + (t.TypeParameterList is { } p ? $"`{p.Parameters.Count}" : ""));
                    break;
                case BaseTypeDeclarationSyntax b:
                    parts.Add(b.Identifier.Text);
                    break;
                case BaseNamespaceDeclarationSyntax n:
                    parts.Add(n.Name.ToString());
                    break;
            }
        }

        parts.Reverse();
        return string.Join('.', parts);
    }

    private static (int Line, int Size) Lines(SyntaxNode node)
    {
        var span = node.GetLocation().GetLineSpan();
        return (span.StartLinePosition.Line + 1, span.EndLinePosition.Line - span.StartLinePosition.Line + 1);
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
