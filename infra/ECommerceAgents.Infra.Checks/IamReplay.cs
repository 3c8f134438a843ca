using System.Text.Json;
using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.Infra.Checks;

/// <summary>A request the role does not allow, with the evidence and the statements that denied it (if explicit).</summary>
public sealed record IamDenial(IamRequest Request, IamDecision Decision, IReadOnlyList<string> UnmodelledConditions);

/// <summary>An action on a resource pattern a role grants that no recorded or declared request used.</summary>
public sealed record IamUnusedGrant(string Function, string Action, string Resource);

public sealed record IamReplayReport
{
    public required IReadOnlyList<string> FunctionsInStage { get; init; }

    /// <summary>Functions with at least one recorded call.</summary>
    public required IReadOnlyList<string> FunctionsCovered { get; init; }

    public required int CallsChecked { get; init; }

    public required int RecordedCallsChecked { get; init; }

    public required IReadOnlyList<IamDenial> Denied { get; init; }

    /// <summary>Recorded calls that could not be turned into a request: an unknown operation, or a resource the function was not given.</summary>
    public required IReadOnlyList<string> Unresolved { get; init; }

    public required IReadOnlyList<IamUnusedGrant> UnusedGrants { get; init; }

    public required IReadOnlyList<RequiredAction> RequiredMissing { get; init; }

    public required IReadOnlyList<string> UnmodelledConditions { get; init; }
}

/// <summary>
/// The IAM replay: every AWS call the functions made against the local stack (the call log), plus the declared calls the
/// local stack cannot see, evaluated against each function's role in a synthesized template. Resource names are
/// matched through the functions' <c>ECA_*</c> variables: a local name is the variable's value there, the template
/// gives the same variable a <c>Ref</c> or a literal, and both sides are rendered the same way (<see cref="CfnTemplate"/>).
/// KMS permissions follow from the template: writing to a KMS-encrypted bucket or stream needs
/// <c>kms:GenerateDataKey</c> on its key, reading needs <c>kms:Decrypt</c>.
/// </summary>
public static class IamReplay
{
    /// <summary>Our functions: the platform's name and the template's logical id (<c>&lt;Name&gt;Function</c>).</summary>
    public static IReadOnlyList<string> Functions { get; } = ["StreamProcessor", "LogTransformer", "CatalogImport", "BatchLoader", "SearchIndexer", "Api", "ApiStream"];

    public static IamReplayReport Run(CfnTemplate template, IReadOnlyList<RecordedCall> calls, ILookup<string, string> localNames,
        IReadOnlyList<ImpliedCall> implied, IReadOnlyList<RequiredAction> required)
    {
        var present = Functions.Where(f => template.TypeOf(f + "Function") == "AWS::Lambda::Function").ToList();
        var statements = present.ToDictionary(f => f, f => RoleStatements(template, f + "Function"), StringComparer.Ordinal);
        var resourceDenies = ResourcePolicyStatements(template);
        var requests = new List<IamRequest>();
        var unresolved = new List<string>();

        foreach (var call in calls.Where(c => present.Contains(c.Caller)))
        {
            foreach (var (request, problem) in IamActions.For(call, local => TemplateName(template, call.Caller + "Function", call.Service, local, localNames), template))
            {
                if (request is not null) requests.Add(request);
                if (problem is not null) unresolved.Add(problem);
            }
        }

        requests.AddRange(Kms(template, requests).ToList());
        foreach (var d in implied)
        {
            foreach (var f in d.Function == "*" ? present : present.Where(p => p == d.Function))
            {
                if (!IamDeclarations.Holds(d.When, template, f + "Function")) continue;
                var resource = IamDeclarations.Render(d.Resource, template, f, f + "Function");
                requests.AddRange(d.Actions.Select(a => new IamRequest(f, a, resource, "declared: " + d.Why, false)));
            }
        }

        requests = [.. requests.Distinct()];
        var denied = new List<IamDenial>();
        var conditions = new SortedSet<string>(StringComparer.Ordinal);
        var used = new HashSet<(string, IamStatement, string, string)>();
        foreach (var request in requests)
        {
            var own = statements[request.Function];
            var evaluation = IamPolicies.Evaluate([.. own, .. resourceDenies], request.Action, request.Resource);
            foreach (var c in evaluation.UnmodelledConditions) conditions.Add(c);
            if (evaluation.Decision != IamDecision.Allowed)
            {
                denied.Add(new IamDenial(request, evaluation.Decision, evaluation.UnmodelledConditions));
                continue;
            }

            foreach (var s in evaluation.Deciding)
            {
                foreach (var a in s.Actions.Where(a => IamPolicies.ActionMatches(a, request.Action)))
                {
                    foreach (var r in s.Resources.Where(r => IamPolicies.ResourceMatches(r, request.Resource))) used.Add((request.Function, s, a, r));
                }
            }
        }

        var unused = new List<IamUnusedGrant>();
        foreach (var (function, own) in statements)
        {
            foreach (var s in own.Where(s => s.Allow))
            {
                foreach (var a in s.Actions)
                {
                    foreach (var r in s.Resources.Where(r => r != "<AWS::NoValue>"))
                    {
                        if (!used.Contains((function, s, a, r))) unused.Add(new IamUnusedGrant(function, a, r));
                    }
                }
            }
        }

        var missing = required
            .Where(q => present.Contains(q.Function) && IamDeclarations.Holds(q.When, template, q.Function + "Function"))
            .Where(q => !requests.Any(r => r.Function == q.Function && IamPolicies.ActionMatches(q.Action, r.Action)))
            .ToList();

        return new IamReplayReport
        {
            FunctionsInStage = present,
            FunctionsCovered = [.. present.Where(f => calls.Any(c => c.Caller == f))],
            CallsChecked = requests.Count,
            RecordedCallsChecked = requests.Count(r => r.Recorded),
            Denied = denied,
            Unresolved = [.. unresolved.Distinct()],
            UnusedGrants = [.. unused.Distinct()],
            RequiredMissing = missing,
            UnmodelledConditions = [.. conditions],
        };
    }

    /// <summary>The Allow and Deny statements of a function's role: its policies and inline policies. AWS managed policies cannot be read here and are refused.</summary>
    public static IReadOnlyList<IamStatement> RoleStatements(CfnTemplate template, string functionLogicalId)
    {
        var role = template.Properties(functionLogicalId).GetProperty("Role").GetProperty("Fn::GetAtt")[0].GetString()!;
        var result = new List<IamStatement>();
        var roleProps = template.Properties(role);
        if (roleProps.TryGetProperty("ManagedPolicyArns", out var managed) && managed.GetArrayLength() > 0)
        {
            throw new InvalidOperationException($"{role} carries managed policies, which the replay cannot read.");
        }

        if (roleProps.TryGetProperty("Policies", out var inline))
        {
            foreach (var p in inline.EnumerateArray()) result.AddRange(IamPolicies.Statements(template, p.GetProperty("PolicyDocument"), role));
        }

        foreach (var (id, policy) in template.OfType("AWS::IAM::Policy"))
        {
            var props = policy.GetProperty("Properties");
            if (props.TryGetProperty("Roles", out var roles) && roles.EnumerateArray().Any(r => r.TryGetProperty("Ref", out var rf) && rf.GetString() == role))
            {
                result.AddRange(IamPolicies.Statements(template, props.GetProperty("PolicyDocument"), id));
            }
        }

        return result;
    }

    /// <summary>Deny statements of bucket policies (TLS-only rules): they bind every caller.</summary>
    private static IReadOnlyList<IamStatement> ResourcePolicyStatements(CfnTemplate template) =>
        [.. template.OfType("AWS::S3::BucketPolicy").SelectMany(p => IamPolicies.Statements(template, p.Resource.GetProperty("Properties").GetProperty("PolicyDocument"), p.LogicalId)).Where(s => !s.Allow)];

    /// <summary>A local resource name as the function's template names it, through the <c>ECA_*</c> variable that binds it.</summary>
    private static string? TemplateName(CfnTemplate template, string functionLogicalId, string service, string local, ILookup<string, string> localNames)
    {
        var kind = service switch
        {
            "s3" => "ECA_BUCKET_",
            "dynamodb" => "ECA_TABLE_",
            "kinesis" => "ECA_STREAM_",
            "firehose" => "ECA_FIREHOSE_",
            _ => "ECA_",
        };
        if (localNames[local].FirstOrDefault(v => v.StartsWith(kind, StringComparison.Ordinal)) is not { } variable) return null;
        var props = template.Properties(functionLogicalId);
        return props.TryGetProperty("Environment", out var env) && env.GetProperty("Variables").TryGetProperty(variable, out var value) ? template.Render(value) : null;
    }

    /// <summary>KMS calls S3 and Kinesis make with the caller's permissions on encrypted buckets and streams.</summary>
    private static IEnumerable<IamRequest> Kms(CfnTemplate template, IReadOnlyList<IamRequest> requests)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, bucket) in template.OfType("AWS::S3::Bucket"))
        {
            if (bucket.GetProperty("Properties").TryGetProperty("BucketEncryption", out var enc)
                && enc.GetProperty("ServerSideEncryptionConfiguration")[0].GetProperty("ServerSideEncryptionByDefault") is var d
                && d.TryGetProperty("KMSMasterKeyID", out var key))
            {
                keys[$"arn:aws:s3:::<{id}>"] = template.Render(key);
            }
        }

        foreach (var (id, stream) in template.OfType("AWS::Kinesis::Stream"))
        {
            if (stream.GetProperty("Properties").TryGetProperty("StreamEncryption", out var enc) && enc.GetProperty("EncryptionType").GetString() == "KMS")
            {
                keys[template.GetAtt(id, "Arn")] = template.Render(enc.GetProperty("KeyId"));
            }
        }

        foreach (var r in requests)
        {
            var owner = keys.Keys.FirstOrDefault(k => r.Resource == k || r.Resource.StartsWith(k + "/", StringComparison.Ordinal));
            if (owner is null) continue;
            var kms = r.Action switch
            {
                "s3:PutObject" or "kinesis:PutRecord" or "kinesis:PutRecords" => "kms:GenerateDataKey",
                "s3:GetObject" or "kinesis:GetRecords" => "kms:Decrypt",
                _ => null,
            };
            if (kms is not null) yield return new IamRequest(r.Function, kms, keys[owner], $"implied by {r.Action} on a KMS-encrypted resource ({r.Evidence})", r.Recorded);
        }
    }

    /// <summary>The report as one JSON object (the deploy check's IAM fields and the details behind them).</summary>
    public static void WriteJson(Utf8JsonWriter w, IamReplayReport report)
    {
        w.WriteNumber("iamCallsChecked", report.CallsChecked);
        w.WriteNumber("iamRecordedCallsChecked", report.RecordedCallsChecked);
        w.WriteNumber("iamDenied", report.Denied.Count + report.Unresolved.Count);
        w.WriteNumber("iamUnusedGrants", report.UnusedGrants.Count);
        w.WriteNumber("iamRequiredPairsMissing", report.RequiredMissing.Count);
        w.WriteStartArray("functionsCovered");
        foreach (var f in report.FunctionsCovered) w.WriteStringValue(f);
        w.WriteEndArray();
        w.WriteStartArray("functionsInStage");
        foreach (var f in report.FunctionsInStage) w.WriteStringValue(f);
        w.WriteEndArray();
        w.WriteStartArray("iamDenials");
        foreach (var d in report.Denied) w.WriteStringValue($"{d.Request.Function}: {d.Request.Action} on {d.Request.Resource} ({d.Decision}; {d.Request.Evidence})");
        foreach (var u in report.Unresolved) w.WriteStringValue(u);
        w.WriteEndArray();
        w.WriteStartArray("iamRequiredMissing");
        foreach (var m in report.RequiredMissing) w.WriteStringValue($"{m.Function}: {m.Action}");
        w.WriteEndArray();
        w.WriteStartArray("iamUnusedGrantList");
        foreach (var u in report.UnusedGrants) w.WriteStringValue($"{u.Function}: {u.Action} on {u.Resource}");
        w.WriteEndArray();
        w.WriteStartArray("iamUnmodelledConditions");
        foreach (var c in report.UnmodelledConditions) w.WriteStringValue(c);
        w.WriteEndArray();
    }
}
