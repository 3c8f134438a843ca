using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.Search;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Resources;
using StackExchange.Redis;

namespace ECommerceAgents.Functions.Api;

/// <summary>A dependency that could not serve a request: which, why, and when to try again.</summary>
public sealed record DependencyFailure(string Dependency, bool Throttled, string Cause)
{
    /// <summary>Seconds a client should wait: a throttled store recovers quickly; a store that is down takes a little longer.</summary>
    public int RetryAfterSeconds => Throttled ? 1 : 2;
}

/// <summary>
/// The one mapping from exceptions to "a dependency is unavailable" (503 with Retry-After), so that an outage of
/// DynamoDB, Redis, OpenSearch or the stream is never answered 500: a refused or dropped connection, a timeout, a 5xx
/// or a throttling error from the service. Anything else (a bug, a validation the service refused) is not one, and
/// stays a 500. The inner exceptions are searched too, since clients wrap transport errors.
/// </summary>
public static class DependencyFailures
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "TooManyRequestsException", "LimitExceededException", "SlowDown", "RequestThrottled", "RequestThrottledException",
    };

    /// <summary>The failure, or null when the exception is not a dependency's (or the caller itself cancelled).</summary>
    public static DependencyFailure? Classify(Exception exception, CancellationToken requestAborted = default) =>
        requestAborted.IsCancellationRequested ? null : Find(exception);

    private static DependencyFailure? Find(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (Of(e, exception) is { } failure) return failure;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (Find(inner) is { } found) return found;
                }
            }
        }

        return null;
    }

    private static DependencyFailure? Of(Exception e, Exception outer)
    {
        var tagged = DependencyTag.Of(outer);
        switch (e)
        {
            case AmazonServiceException aws when ThrottlingCodes.Contains(aws.ErrorCode ?? ""):
                return new DependencyFailure(tagged ?? ServiceOf(aws), true, $"{aws.ErrorCode} ({(int)aws.StatusCode})");
            case AmazonServiceException aws when (int)aws.StatusCode >= 500:
                return new DependencyFailure(tagged ?? ServiceOf(aws), false, $"{aws.ErrorCode ?? aws.GetType().Name} ({(int)aws.StatusCode})");
            case AwsServiceException aws when aws.Status == HttpStatusCode.TooManyRequests || ThrottlingCodes.Contains(aws.ErrorCode):
                return new DependencyFailure(tagged ?? "Kinesis", true, aws.ErrorCode);
            case AwsServiceException aws when (int)aws.Status >= 500:
                return new DependencyFailure(tagged ?? "Kinesis", false, aws.ErrorCode);
            case OpenSearchException search when search.IsRetryable:
                return new DependencyFailure("OpenSearch", search.Status == HttpStatusCode.TooManyRequests, $"answered {(int)search.Status}");
            case RedisConnectionException or RedisTimeoutException:
                return new DependencyFailure("Redis", false, e.GetType().Name);
            case RedisServerException redis when IsTransientRedisError(redis.Message):
                return new DependencyFailure("Redis", false, redis.Message.Split(' ')[0]);
            case HttpRequestException or SocketException or IOException or TimeoutException or TaskCanceledException:
                // A transport failure: no answer at all (refused, reset, closed, timed out). The client that made the
                // call tags it; an untagged one can only be named generically.
                return new DependencyFailure(tagged ?? "a dependency", false, Describe(e));
            default:
                return null;
        }
    }

    /// <summary>Errors a Redis (ElastiCache Serverless) node answers while it cannot serve, not because the command is wrong.</summary>
    private static bool IsTransientRedisError(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal) || message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("TRYAGAIN", StringComparison.Ordinal) || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("BUSY", StringComparison.Ordinal);

    /// <summary>The service of an SDK exception, from its namespace (<c>Amazon.DynamoDBv2.Model</c> → DynamoDB).</summary>
    private static string ServiceOf(AmazonServiceException exception) =>
        exception.GetType().Namespace is { } ns && ns.StartsWith("Amazon.DynamoDBv2", StringComparison.Ordinal) ? DynamoDbClientName
        : exception.GetType().Namespace is { } other && other.StartsWith("Amazon.", StringComparison.Ordinal) ? other.Split('.')[1]
        : "an AWS service";

    private const string DynamoDbClientName = Adapters.DynamoDb.DynamoDbClientFactory.Dependency;

    /// <summary>The exception's type and, for a socket, its error (never the message: it may name internal hosts).</summary>
    private static string Describe(Exception e) => e switch
    {
        HttpRequestException { InnerException: SocketException socket } http => $"{http.GetType().Name}: {socket.SocketErrorCode}",
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http => $"{http.GetType().Name}: {http.HttpRequestError}",
        SocketException socket => $"{socket.GetType().Name}: {socket.SocketErrorCode}",
        TaskCanceledException => "timeout",
        _ => e.GetType().Name,
    };
}
