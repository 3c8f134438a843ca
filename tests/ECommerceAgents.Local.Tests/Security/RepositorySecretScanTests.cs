using System.Diagnostics;
using System.Text.RegularExpressions;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Local.Tests.Security;

/// <summary>
/// No secret is committed: every file git tracks is scanned for AWS keys, private keys, tokens and passwords. Local-only
/// values that the README documents (the local admin key, the test keys) are the allow-list, each named here.
/// </summary>
public sealed partial class RepositorySecretScanTests
{
    /// <summary>Documented local or test values, not secrets: where each is allowed to appear.</summary>
    private static readonly string[] Allowed =
    [
        "eca-local-admin-key-not-a-secret", "eca-local-webhook-secret", "local-development-key-not-a-secret", "test-admin-key-0123456789abcdef",
        "test-webhook-secret-not-real", "test-pseudonym-key-0123456789", "benchmark-key-0123456789abcdef", "S3RVER", "AKIDEXAMPLE",
    ];

    [Fact]
    public async Task TrackedFiles_HoldNoSecrets()
    {
        var root = LocalStackOptions.FindRepositoryRoot();
        // The tracked files are what git says they are: a source tree without git (an archive, say) has none to scan.
        if (await GitWorkTreeAsync(root) is { } why) Assert.Skip($"needs a git checkout to list the tracked files: {why}");
        var psi = new ProcessStartInfo("git", "ls-files -z") { WorkingDirectory = root, RedirectStandardOutput = true, UseShellExecute = false };
        using var git = Process.Start(psi)!;
        var files = (await git.StandardOutput.ReadToEndAsync()).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        await git.WaitForExitAsync();
        Assert.True(files.Length > 100, "git ls-files listed the repository");

        var findings = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(root, file);
            if (!File.Exists(path) || new FileInfo(path).Length > 2_000_000) continue;
            var lines = await File.ReadAllLinesAsync(path);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                foreach (var (name, pattern) in Patterns)
                {
                    foreach (Match m in pattern.Matches(line))
                    {
                        if (Allowed.Any(a => m.Value.Contains(a, StringComparison.Ordinal)) || IsExampleOrDetector(file, line)) continue;
                        findings.Add($"{file}:{i + 1}: {name}: {m.Value[..Math.Min(m.Value.Length, 40)]}");
                    }
                }
            }
        }

        Assert.True(findings.Count == 0, "possible secrets in tracked files:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void Patterns_FindTheSecretsTheyAreFor()
    {
        // The scan is only worth something if its patterns hit real-looking secrets (built here, never committed whole).
        var samples = new[]
        {
            "aws_access_key_id = AKIA" + "Q3EGWRITECRAZYKE",
            "-----BEGIN " + "RSA PRIVATE KEY-----",
            "Authorization: Bearer " + "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl",
            "password=" + "hunter2hunter2",
            "aws_secret_access_key=" + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        };
        Assert.All(samples, s => Assert.Contains(Patterns, p => p.Pattern.IsMatch(s)));
    }

    /// <summary>Null when <paramref name="root"/> is inside a git work tree; otherwise why not.</summary>
    private static async Task<string?> GitWorkTreeAsync(string root)
    {
        var psi = new ProcessStartInfo("git", "rev-parse --is-inside-work-tree") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Process? git;
        try
        {
            git = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"git cannot be run ({ex.Message})";
        }

        using (git)
        {
            if (git is null) return "git cannot be run";
            var output = await git.StandardOutput.ReadToEndAsync();
            var errors = await git.StandardError.ReadToEndAsync();
            await git.WaitForExitAsync();
            return git.ExitCode == 0 && output.Trim() == "true" ? null : $"{root} is not a git work tree ({errors.Trim()})";
        }
    }

    /// <summary>The masker, its tests and the sample events hold secret-shaped strings on purpose.</summary>
    private static bool IsExampleOrDetector(string file, string line) =>
        file.Contains("SensitiveDataMasker", StringComparison.Ordinal) || file.Contains("/Logs/", StringComparison.Ordinal) && file.StartsWith("tests/", StringComparison.Ordinal)
        || file.EndsWith("RepositorySecretScanTests.cs", StringComparison.Ordinal) || line.Contains("EXAMPLE", StringComparison.Ordinal);

    private static readonly (string Name, Regex Pattern)[] Patterns =
    [
        ("AWS access key id", AwsKey()),
        ("AWS secret key", AwsSecret()),
        ("private key", PrivateKey()),
        ("bearer token", Bearer()),
        ("password assignment", Password()),
    ];

    [GeneratedRegex(@"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")]
    private static partial Regex AwsKey();

    [GeneratedRegex(@"(?i)aws_secret_access_key\s*[=:]\s*[A-Za-z0-9/+]{40}")]
    private static partial Regex AwsSecret();

    [GeneratedRegex(@"-----BEGIN (RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----")]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"Bearer\s+eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")]
    private static partial Regex Bearer();

    // A quoted literal after password = / :, or password=value with no spaces (env files, URLs, connection strings).
    [GeneratedRegex(@"(?i)\b(password|passwd|pwd)(\s*[=:]\s*[""'][^""'\s]{8,}[""']|=[^\s""'$<{;,)]{8,})")]
    private static partial Regex Password();
}
