namespace ECommerceAgents.Adapters.Aws;

/// <summary>Capped exponential backoff with full jitter.</summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static readonly RetryPolicy Default = new(8, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2));

    public static readonly RetryPolicy None = new(1, TimeSpan.Zero, TimeSpan.Zero);

    public TimeSpan Delay(int attempt)
    {
        var cap = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
    }
}
