using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Infra.Checks;

/// <summary>One cfn-lint finding: rule, level (Error, Warning, Informational), the resource it is on, and its message.</summary>
public sealed record CfnLintFinding(string Rule, string Level, string Path, string Message)
{
    /// <summary>The logical id the finding is on, when it is on a resource.</summary>
    public string? LogicalId => Path.StartsWith("Resources/", StringComparison.Ordinal) ? Path.Split('/')[1] : null;

    public override string ToString() => $"{Rule} {Level} {Path}: {Message}";
}

/// <summary>What cfn-lint said of one template, after the allow-list.</summary>
public sealed record CfnLintResult(string Template, IReadOnlyList<CfnLintFinding> Errors, IReadOnlyList<CfnLintFinding> Warnings, IReadOnlyList<(CfnLintFinding Finding, string Reason)> Allowed);

/// <summary>
/// Runs cfn-lint (the CloudFormation linter, installed with Python on this machine image) on a template and splits its
/// findings into errors, warnings and the warnings the allow-list (<c>infra/cfn-lint-allowed.json</c>) accepts with a reason.
/// Errors are never allowed.
/// </summary>
public static class CfnLint
{
    /// <summary>Regions the templates are checked against: where resource types and properties must all exist.</summary>
    public static IReadOnlyList<string> Regions { get; } = ["us-east-1", "eu-west-1"];

    private static readonly string[] Arguments = ["--format", "json", "--non-zero-exit-code", "none", "--regions"];

    /// <summary>The cfn-lint executable, or null when it is not installed.</summary>
    public static string? Executable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "cfn-lint"))
            .FirstOrDefault(File.Exists);

    public static async Task<CfnLintResult> RunAsync(string template, CfnLintAllowList allowList, CancellationToken cancellationToken)
    {
        var exe = Executable() ?? throw new InvalidOperationException("cfn-lint is not installed (pip install cfn-lint; this machine image has 1.51).");
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Arguments.Concat(Regions).Append("--").Append(template)) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cfn-lint did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0 || output.Length == 0)
        {
            throw new InvalidOperationException($"cfn-lint failed (exit {process.ExitCode}): {await stderr.ConfigureAwait(false)}");
        }

        return Split(template, Parse(output), allowList);
    }

    public static IReadOnlyList<CfnLintFinding> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.EnumerateArray().Select(f => new CfnLintFinding(
            f.GetProperty("Rule").GetProperty("Id").GetString()!,
            f.GetProperty("Level").GetString()!,
            string.Join('/', f.GetProperty("Location").GetProperty("Path").EnumerateArray().Select(p => p.ToString())),
            f.GetProperty("Message").GetString()!))];
    }

    public static CfnLintResult Split(string template, IReadOnlyList<CfnLintFinding> findings, CfnLintAllowList allowList)
    {
        var errors = findings.Where(f => f.Level == "Error").ToList();
        var warnings = new List<CfnLintFinding>();
        var allowed = new List<(CfnLintFinding, string)>();
        foreach (var w in findings.Where(f => f.Level == "Warning"))
        {
            if (allowList.Reason(w) is { } reason) allowed.Add((w, reason));
            else warnings.Add(w);
        }

        return new CfnLintResult(template, errors, warnings, allowed);
    }
}

/// <summary>One accepted warning: a rule, the resources and message it may appear with, and why it is accepted.</summary>
public sealed record CfnLintAllowance(string Rule, string Resource, string Message, string Reason);

/// <summary>The warnings cfn-lint may report on our templates, each with its reason. Errors cannot be listed.</summary>
public sealed class CfnLintAllowList(IReadOnlyList<CfnLintAllowance> entries)
{
    public const string FileName = "cfn-lint-allowed.json";

    public IReadOnlyList<CfnLintAllowance> Entries { get; } = entries;

    public static CfnLintAllowList Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var entries = doc.RootElement.GetProperty("allowed").EnumerateArray().Select(e => new CfnLintAllowance(
            e.GetProperty("rule").GetString()!,
            e.GetProperty("resource").GetString()!,
            e.GetProperty("message").GetString()!,
            e.GetProperty("reason").GetString()!)).ToList();
        foreach (var e in entries)
        {
            if (!e.Rule.StartsWith('W')) throw new InvalidDataException($"{path}: {e.Rule} is not a warning; errors are never allowed.");
            if (e.Reason.Length < 20) throw new InvalidDataException($"{path}: {e.Rule} needs a reason.");
        }

        return new CfnLintAllowList(entries);
    }

    /// <summary>The allow-list in the repository's <c>infra/</c> folder.</summary>
    public static CfnLintAllowList ForRepository(string repositoryRoot) => Load(System.IO.Path.Combine(repositoryRoot, "infra", FileName));

    public string? Reason(CfnLintFinding finding) =>
        Entries.FirstOrDefault(e => e.Rule == finding.Rule
                                    && Regex.IsMatch(finding.LogicalId ?? "", e.Resource, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))
                                    && Regex.IsMatch(finding.Message, e.Message, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))?.Reason;
}
