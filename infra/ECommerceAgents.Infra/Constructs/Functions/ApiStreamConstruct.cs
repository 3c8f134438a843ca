using Amazon.CDK;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class ApiStreamConstructProps
{
    public required FunctionPlatform Platform { get; init; }

    public required OperationalTables Tables { get; init; }
}

/// <summary>
/// The recommendations push (Server-Sent Events): the same Api asset in the Web Adapter's response-stream mode, reached
/// only through the REST API's streaming route (<see cref="PublicApi.StreamPath"/>), so the WAF and the app's key check
/// apply as on every other route; there is no function URL. Each open stream is one running invocation, so reserved
/// concurrency caps them (a stream beyond the cap is refused with 429 by Lambda, and the client reconnects).
/// <c>ECA_API_MODE=stream</c> tells the app to map only the streaming route; this role reads only what that route needs.
/// </summary>
public sealed class ApiStreamConstruct : Construct
{
    public ApiStreamConstruct(Construct scope, string id, ApiStreamConstructProps props) : base(scope, id)
    {
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "ApiStream",
            AssetName = "Api",
            Description = "Recommendations push (SSE) through the REST API's response-streaming route",
            Platform = props.Platform,
            MemoryMb = 512,
            // An SSE connection lives until the route's timeout; EventSource clients reconnect by themselves.
            Timeout = Duration.Millis(PublicApi.StreamTimeoutMillis + 5_000),
            InVpc = true,
            WebAdapter = true,
            ReservedConcurrency = props.Platform.Stage.Api.StreamConcurrency,
        });

        Handler
            .Table(Tables.ApiKeys, props.Tables[Tables.ApiKeys], TableAccess.Read)
            .Table(Tables.Profiles, props.Tables[Tables.Profiles], TableAccess.Read)
            .Table(Tables.Consent, props.Tables[Tables.Consent], TableAccess.Read)
            // Each stream opened is a read of personal data: audited (append-only, like the Api's).
            .TableReadPlus(Tables.Audit, props.Tables[Tables.Audit], "dynamodb:PutItem")
            .Redis()
            .Environment("AWS_LWA_PORT", ApiConstruct.AppPort)
            .Environment("AWS_LWA_READINESS_CHECK_PATH", ApiConstruct.ReadinessPath)
            .Environment("AWS_LWA_INVOKE_MODE", "response_stream")
            .Environment(SettingNames.ApiMode, "stream");
    }

    public PlatformFunction Handler { get; }
}
