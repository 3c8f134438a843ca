using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ECommerceAgents.Local.Traffic;

/// <summary>How <see cref="ApiIngestClient"/> retries.</summary>
public sealed record ApiRetryPolicy
{
    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>The cap of the first backoff; it doubles per attempt up to <see cref="MaxDelay"/>, and the wait is drawn below it (full jitter).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>A server's Retry-After is honoured up to this long.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>One retry: the attempt that failed (from 1), why (a status code, or the exception's type), and the wait before the next.</summary>
public sealed record ApiRetry(int Attempt, string Reason, TimeSpan Delay);

/// <summary>The answer that ended a send, and how many attempts it took.</summary>
public sealed record ApiIngestResult(HttpStatusCode Status, string Body, int Attempts, string IdempotencyKey);

/// <summary>
/// Sends ingest requests as a well-behaved client does. Every request carries an <c>Idempotency-Key</c>; a 503 (a
/// dependency down), a 429 (rate limit), a 409 (the same key still in progress) and a connection failure or timeout
/// are retried with the same key and body, after the server's <c>Retry-After</c> when it sends one, else after a capped
/// exponential backoff with full jitter. The same key makes the retry safe: the API answers a completed request from
/// its idempotency record, and events a failed attempt did put on the stream are dropped downstream by event id.
/// Thread-safe; counts every retry it makes (and into a <see cref="GroundTruth"/> when given one).
/// </summary>
public sealed class ApiIngestClient(HttpClient http, string apiKey, ApiRetryPolicy? policy = null, GroundTruth? truth = null, TimeProvider? clock = null, Random? random = null)
{
    private readonly ApiRetryPolicy _policy = policy ?? new ApiRetryPolicy();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Random _random = random ?? Random.Shared;
    private long _retries;

    /// <summary>Retries made so far, by every send.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Called before each retry's wait (for progress output and tests).</summary>
    public Action<ApiRetry>? Retrying { get; init; }

    /// <summary>
    /// Posts a JSON body to an ingest route. Returns the first answer that is not retried (202, a 4xx, or the last
    /// retryable one when the attempts run out); throws the last connection failure when every attempt failed so.
    /// </summary>
    public async Task<ApiIngestResult> PostAsync(string path, string json, int events, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var key = idempotencyKey ?? Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string reason;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                request.Headers.Add("x-api-key", apiKey);
                request.Headers.Add("Idempotency-Key", key);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status is not (503 or 429 or 409) || attempt >= _policy.MaxAttempts)
                {
                    return new ApiIngestResult(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false), attempt, key);
                }

                reason = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                retryAfter = RetryAfter(response.Headers.RetryAfter);
            }
            catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken) && attempt < _policy.MaxAttempts)
            {
                reason = ex.GetType().Name;
            }

            var delay = retryAfter is { } wait ? Min(wait, _policy.MaxRetryAfter) : Backoff(attempt);
            Interlocked.Increment(ref _retries);
            truth?.CountApiRetry(events);
            Retrying?.Invoke(new ApiRetry(attempt, reason, delay));
            await Task.Delay(delay, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Full jitter: a wait drawn uniformly below min(max, base · 2^(attempt − 1)).</summary>
    private TimeSpan Backoff(int attempt)
    {
        var cap = Min(_policy.MaxDelay, _policy.BaseDelay * Math.Pow(2, Math.Min(attempt - 1, 30)));
        double fraction;
        lock (_random) fraction = _random.NextDouble();
        return cap * fraction;
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _clock.GetUtcNow() is var until && until > TimeSpan.Zero ? until : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>No answer at all: refused, reset, or timed out (HttpClient's timeout, not the caller's cancellation).</summary>
    private static bool IsConnectionFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested) || ex is IOException;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
