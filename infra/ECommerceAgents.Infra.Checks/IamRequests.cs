using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.Infra.Checks;

/// <summary>
/// One request IAM authorises: a function (its name in the platform), an action, a resource ARN in the template's
/// rendering, and where the evidence came from (a recorded call, or a declared implied one).
/// </summary>
public sealed record IamRequest(string Function, string Action, string Resource, string Evidence, bool Recorded);

/// <summary>
/// Maps a recorded API call to the IAM requests that authorise it. Operation names are not actions: S3's ListObjectsV2
/// is <c>s3:ListBucket</c> on the bucket, HeadObject (the SDK's GetObjectMetadata) is <c>s3:GetObject</c>, CopyObject
/// needs <c>s3:GetObject</c> on the source and <c>s3:PutObject</c> on the target, Lambda's Invoke is
/// <c>lambda:InvokeFunction</c>, and OpenSearch authorises <c>es:ESHttp&lt;Method&gt;</c> on the domain's path.
/// </summary>
public static class IamActions
{
    private static readonly Dictionary<string, string> S3 = new(StringComparer.Ordinal)
    {
        ["GetObject"] = "s3:GetObject",
        ["GetObjectMetadata"] = "s3:GetObject",
        ["PutObject"] = "s3:PutObject",
        ["InitiateMultipartUpload"] = "s3:PutObject",
        ["UploadPart"] = "s3:PutObject",
        ["CompleteMultipartUpload"] = "s3:PutObject",
        ["AbortMultipartUpload"] = "s3:AbortMultipartUpload",
        ["DeleteObject"] = "s3:DeleteObject",
        ["DeleteObjects"] = "s3:DeleteObject",
        ["ListObjectsV2"] = "s3:ListBucket",
        ["ListObjects"] = "s3:ListBucket",
        ["GetBucketLocation"] = "s3:GetBucketLocation",
        ["PutBucket"] = "s3:CreateBucket",
    };

    private static readonly Dictionary<string, string> Lambda = new(StringComparer.Ordinal) { ["Invoke"] = "lambda:InvokeFunction" };

    /// <summary>The IAM action for an operation, or null when the mapping does not know it (reported, never guessed).</summary>
    public static string? Action(string service, string operation) => service switch
    {
        "dynamodb" or "kinesis" or "firehose" or "redshift-data" or "secretsmanager" or "ssm" or "glue" => $"{service}:{operation}",
        "s3" => S3.GetValueOrDefault(operation),
        "lambda" => Lambda.GetValueOrDefault(operation),
        "es" => $"es:ESHttp{char.ToUpperInvariant(operation[0])}{operation[1..].ToLowerInvariant()}",
        _ => null,
    };

    /// <summary>
    /// The requests behind one recorded call. <paramref name="name"/> turns a local resource name into the template's
    /// (through the function's <c>ECA_*</c> variables); null means the function was given no such resource.
    /// </summary>
    public static IEnumerable<(IamRequest? Request, string? Problem)> For(RecordedCall call, Func<string, string?> name, CfnTemplate template)
    {
        var evidence = $"{call.Service} {call.Operation} {call.Target}";
        var action = Action(call.Service, call.Operation);
        if (action is null)
        {
            yield return (null, $"{call.Caller}: no IAM action is known for {call.Service} {call.Operation}");
            yield break;
        }

        var r = CfnTemplate.Region;
        var a = CfnTemplate.Account;
        string? resource;
        switch (call.Service)
        {
            case "dynamodb":
                var index = call.Target.IndexOf("/index/", StringComparison.Ordinal);
                var table = index < 0 ? call.Target : call.Target[..index];
                resource = name(table) is { } t ? $"arn:aws:dynamodb:{r}:{a}:table/{t}{(index < 0 ? "" : call.Target[index..])}" : null;
                break;
            case "s3":
                var slash = call.Target.IndexOf('/', StringComparison.Ordinal);
                var bucket = name(slash < 0 ? call.Target : call.Target[..slash]);
                resource = bucket is null ? null : $"arn:aws:s3:::{bucket}{(slash < 0 ? "" : call.Target[slash..])}";
                if (call.Operation == "CopyObject" && call.Detail?.StartsWith("source=", StringComparison.Ordinal) == true)
                {
                    var source = call.Detail["source=".Length..];
                    var sourceSlash = source.IndexOf('/', StringComparison.Ordinal);
                    var sourceBucket = name(source[..sourceSlash]);
                    yield return sourceBucket is null
                        ? (null, $"{call.Caller}: {evidence} copies from a bucket the function was not given")
                        : (new IamRequest(call.Caller, "s3:GetObject", $"arn:aws:s3:::{sourceBucket}{source[sourceSlash..]}", evidence + " (copy source)", true), null);
                }

                break;
            case "kinesis":
                resource = name(call.Target) is { } s ? $"arn:aws:kinesis:{r}:{a}:stream/{s}" : null;
                break;
            case "firehose":
                resource = name(call.Target) is { } d ? $"arn:aws:firehose:{r}:{a}:deliverystream/{d}" : null;
                break;
            case "lambda":
                var fn = template.TypeOf(call.Target + "Function") == "AWS::Lambda::Function" ? call.Target + "Function" : call.Caller + "Function";
                resource = $"arn:aws:lambda:{r}:{a}:function:<{fn}>";
                break;
            case "es":
                var domain = template.OfType("AWS::OpenSearchService::Domain").Select(d => d.LogicalId).FirstOrDefault();
                if (domain is null)
                {
                    yield break; // a stage without a search domain: the function has no endpoint there
                }

                var path = call.Target.IndexOf('/', StringComparison.Ordinal) is var p and >= 0 ? call.Target[p..] : "/";
                resource = $"arn:aws:es:{r}:{a}:domain/<{domain}>{path}";
                break;
            case "glue":
                // BatchLoader calls Glue only where it registers its partitions (ECA_GLUE_REGISTER_PARTITIONS); Glue
                // authorises a table's calls on the catalog, the database and the table.
                if (GlueDatabase(template, call.Caller) is not { } database)
                {
                    yield break;
                }

                var glue = $"arn:aws:glue:{r}:{a}:";
                yield return (new IamRequest(call.Caller, action, glue + "catalog", evidence, true), null);
                yield return (new IamRequest(call.Caller, action, glue + "database/" + database, evidence, true), null);
                resource = glue + "table/" + database + "/" + call.Target[(call.Target.IndexOf('/', StringComparison.Ordinal) + 1)..];
                break;
            case "redshift-data":
                resource = template.OfType("AWS::RedshiftServerless::Workgroup").Select(w => template.GetAtt(w.LogicalId, "Workgroup.WorkgroupArn")).FirstOrDefault();
                break;
            default:
                resource = null;
                break;
        }

        yield return resource is null
            ? (null, $"{call.Caller}: {evidence} names a resource the function was not given (no ECA_* variable of its own binds it)")
            : (new IamRequest(call.Caller, action, resource, evidence, true), null);
    }

    /// <summary>The Glue database the function registers partitions in, as the template names it; null when it registers none there.</summary>
    private static string? GlueDatabase(CfnTemplate template, string caller)
    {
        var function = caller + "Function";
        if (template.TypeOf(function) != "AWS::Lambda::Function") return null;
        if (!template.Properties(function).TryGetProperty("Environment", out var env)) return null;
        var variables = env.GetProperty("Variables");
        return variables.TryGetProperty("ECA_GLUE_REGISTER_PARTITIONS", out var on) && on.GetString() == "on" && variables.TryGetProperty("ECA_GLUE_DATABASE", out var database)
            ? template.Render(database)
            : null;
    }
}
