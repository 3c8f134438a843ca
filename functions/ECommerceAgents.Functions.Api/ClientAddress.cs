using System.Net;
using System.Text.Json;

namespace ECommerceAgents.Functions.Api;

/// <summary>Where the API learns the client's address: only from what the hop in front of it sets, never from what the client claims.</summary>
public enum ClientIpSource
{
    /// <summary>The TCP connection's peer: Kestrel reached directly (locally).</summary>
    Connection,

    /// <summary>
    /// The API Gateway request context the Lambda Web Adapter forwards as the <c>x-amzn-request-context</c> header
    /// (<c>identity.sourceIp</c> for a REST API, <c>http.sourceIp</c> for a function URL). The adapter sets the header
    /// from the invocation, and the app listens on 127.0.0.1 only, so no client can supply it.
    /// </summary>
    LambdaRequestContext,

    /// <summary>The last <c>X-Forwarded-For</c> entry: the address the load balancer in front (the ALB) saw and appended.</summary>
    ForwardedFor,
}

/// <summary>The client's address for browser keys (stamped as <c>context.ip</c>, and the per-IP rate limit's partition).</summary>
public static class ClientAddress
{
    public const string RequestContextHeader = "x-amzn-request-context";

    /// <summary>The source: in Lambda behind the Web Adapter, the request context; in the container behind the ALB, X-Forwarded-For; else the connection.</summary>
    public static ClientIpSource Default(Func<string, string?> setting) => setting(Resources.SettingNames.ClientIpSource) switch
    {
        "connection" => ClientIpSource.Connection,
        "lambda" => ClientIpSource.LambdaRequestContext,
        "x-forwarded-for" => ClientIpSource.ForwardedFor,
        _ when setting("AWS_LWA_PORT") is not null => ClientIpSource.LambdaRequestContext,
        _ when setting(Resources.SettingNames.ListenAddress) is not null => ClientIpSource.ForwardedFor,
        _ => ClientIpSource.Connection,
    };

    /// <summary>The request's client address as text (an IPv4-mapped address as IPv4).</summary>
    public static string? Of(HttpContext context)
    {
        var address = context.RequestServices.GetRequiredService<ApiOptions>().ClientIpSource switch
        {
            ClientIpSource.LambdaRequestContext => FromRequestContext(context.Request.Headers[RequestContextHeader].ToString()),
            ClientIpSource.ForwardedFor => LastForwardedFor(context.Request.Headers["X-Forwarded-For"].ToString()),
            _ => null,
        };

        // Behind the adapter or the ALB the header is always there; without it, the peer (never the client's claim).
        address ??= context.Connection.RemoteIpAddress;
        if (address is null) return null;
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    internal static IPAddress? FromRequestContext(string json)
    {
        if (json.Length == 0) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            foreach (var container in (string[])["identity", "http"])
            {
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(container, out var c) && c.ValueKind == JsonValueKind.Object
                    && c.TryGetProperty("sourceIp", out var ip) && ip.ValueKind == JsonValueKind.String && IPAddress.TryParse(ip.GetString(), out var parsed))
                {
                    return parsed;
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    internal static IPAddress? LastForwardedFor(string header)
    {
        var last = header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return last is not null && IPAddress.TryParse(last, out var parsed) ? parsed : null;
    }
}
