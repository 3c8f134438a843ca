using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class ApiStreamFunctionProps
{
    public required FunctionPlatform Platform { get; init; }

    public required OperationalTables Tables { get; init; }
}

/// <summary>
/// The recommendations push (Server-Sent Events): the same Api asset in the Web Adapter's response-stream mode behind a
/// function URL with RESPONSE_STREAM. A function URL bypasses API Gateway — no API keys, usage plan or WAF — so the URL
/// is <c>NONE</c>-authenticated and the app's own API-key check guards it; <c>ECA_API_MODE=stream</c> tells the app to
/// map only the streaming routes, and this role can read only what those routes need.
/// </summary>
public sealed class ApiStreamFunction : Construct
{
    public ApiStreamFunction(Construct scope, string id, ApiStreamFunctionProps props) : base(scope, id)
    {
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "ApiStream",
            AssetName = "Api",
            Description = "Recommendations push (SSE) through a response-streaming function URL",
            Platform = props.Platform,
            MemoryMb = 512,
            // An SSE connection lives until the timeout; EventSource clients reconnect by themselves.
            Timeout = Duration.Minutes(5),
            InVpc = true,
            WebAdapter = true,
        });

        Handler
            .Table(Tables.ApiKeys, props.Tables[Tables.ApiKeys], TableAccess.Read)
            .Table(Tables.Profiles, props.Tables[Tables.Profiles], TableAccess.Read)
            .Table(Tables.Consent, props.Tables[Tables.Consent], TableAccess.Read)
            .Redis()
            .Environment("AWS_LWA_PORT", ApiFunction.AppPort)
            .Environment("AWS_LWA_READINESS_CHECK_PATH", ApiFunction.ReadinessPath)
            .Environment("AWS_LWA_INVOKE_MODE", "response_stream")
            .Environment("ECA_API_MODE", "stream");

        Url = Handler.Function.AddFunctionUrl(new FunctionUrlOptions
        {
            AuthType = FunctionUrlAuthType.NONE,
            InvokeMode = InvokeMode.RESPONSE_STREAM,
        });

        // Since October 2025 a new function URL also needs lambda:InvokeFunction (scoped to URL calls); CDK 2.160 adds
        // only lambda:InvokeFunctionUrl, and its L1 predates the InvokedViaFunctionUrl property.
        var invoke = new CfnPermission(this, "UrlInvokeFunction", new CfnPermissionProps
        {
            Action = "lambda:InvokeFunction",
            FunctionName = Handler.Function.FunctionArn,
            Principal = "*",
        });
        invoke.AddPropertyOverride("InvokedViaFunctionUrl", true);
    }

    public PlatformFunction Handler { get; }

    public FunctionUrl Url { get; }
}
