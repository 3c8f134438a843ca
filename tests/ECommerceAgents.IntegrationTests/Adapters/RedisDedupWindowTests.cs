using System.Globalization;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>StreamProcessor's dedup window on the local Redis (a one-node cluster, as ElastiCache Serverless is).</summary>
public sealed class RedisDedupWindowTests : IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero));
    private readonly RedisKeys _keys = new("dedupwin-" + Guid.NewGuid().ToString("N")[..8] + ":");
    private ConnectionMultiplexer _redis = null!;

    public async ValueTask InitializeAsync()
    {
        var stack = await TestStack.GetAsync();
        _redis = await RedisConnectionFactory.ConnectAsync(stack.Endpoints.Redis!);
    }

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    private RedisDedupWindow Window_() => new(_redis, _keys, Window, _clock);

    private static DedupMarker Marker(string id, string position) => new(id, position, default);

    [Fact]
    public async Task Find_FindsEveryProcessedId_FromAnyPosition_NeverAsTheCandidatesOwnPosition()
    {
        var window = Window_();
        await window.RememberAsync([Marker("e-1", "shard-1:100"), Marker("e-2", "shard-1:101")], CancellationToken.None);

        var found = (await window.FindAsync([Marker("e-1", "shard-1:100"), Marker("e-2", "shard-2:555"), Marker("e-3", "shard-1:102")], CancellationToken.None))
            .ToDictionary(m => m.EventId);

        // A marker says the event was processed (its effects all written): a redelivery of its own record is dropped as a
        // client's resend is, so the position reported is never the candidate's.
        Assert.Equal(["e-1", "e-2"], found.Keys.Order());
        Assert.NotEqual("shard-1:100", found["e-1"].Position);
        Assert.NotEqual("shard-2:555", found["e-2"].Position);
    }

    [Fact]
    public async Task Remember_AnIdAlreadyMarked_StaysOneMarker()
    {
        var window = Window_();
        await window.RememberAsync([Marker("e-1", "shard-1:100")], CancellationToken.None);
        await window.RememberAsync([Marker("e-1", "shard-1:900")], CancellationToken.None);

        var db = _redis.GetDatabase();
        var generation = _clock.GetUtcNow().ToUnixTimeSeconds() / (long)(Window.TotalSeconds / 2);
        var sets = (long)await db.StringGetAsync(_keys.DedupSets(generation));
        long members = 0;
        for (var set = 0; set < sets; set++) members += await db.SetLengthAsync(_keys.DedupSet(generation, set));

        Assert.Equal(1, members);
        Assert.Single(await window.FindAsync([Marker("e-1", "shard-1:100")], CancellationToken.None));
    }

    [Fact]
    public async Task Marker_FoundForTheWholeWindow_NotAfterTwoMoreGenerations()
    {
        var window = Window_();
        await window.RememberAsync([Marker("e-1", "shard-1:100")], CancellationToken.None);

        _clock.Advance(Window - TimeSpan.FromSeconds(1));
        Assert.Single(await window.FindAsync([Marker("e-1", "shard-1:777")], CancellationToken.None));

        _clock.Advance(Window + Window / 2);
        Assert.Empty(await window.FindAsync([Marker("e-1", "shard-1:777")], CancellationToken.None));
    }

    [Fact]
    public async Task NextGeneration_SizedFromThisOnesCount_SetsStayIntsets()
    {
        var window = Window_();
        var markers = Enumerable.Range(0, 100_000).Select(i => Marker("e-" + i.ToString(CultureInfo.InvariantCulture), "shard-1:" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        foreach (var chunk in markers.Chunk(5_000)) await window.RememberAsync(chunk, CancellationToken.None);
        var db = _redis.GetDatabase();
        var generation = _clock.GetUtcNow().ToUnixTimeSeconds() / (long)(Window.TotalSeconds / 2);
        Assert.Equal(markers.Length, (long)await db.StringGetAsync(_keys.DedupCount(generation)));

        _clock.Advance(Window / 2);
        foreach (var chunk in markers.Chunk(5_000)) await window.RememberAsync(chunk, CancellationToken.None);

        var sets = (long)await db.StringGetAsync(_keys.DedupSets(generation + 1));
        Assert.Equal((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)(markers.Length / 256)), sets);
        for (var set = 0; set < 10; set++)
        {
            Assert.Equal("intset", (string?)await db.ExecuteAsync("OBJECT", "ENCODING", _keys.DedupSet(generation + 1, set)));
        }

        var sample = markers.Where((_, i) => i % 20 == 0).ToArray();
        Assert.Equal(sample.Length, (await window.FindAsync(sample, CancellationToken.None)).Count);
        var unknown = markers.Take(2_000).Select(m => Marker("x-" + m.EventId, m.Position)).ToArray();
        Assert.Empty(await window.FindAsync(unknown, CancellationToken.None));

        // The generation's memory, every key of it, per marker: the cost model prices 10 bytes (CostInputs
        // RedisDedupBytesPerMarker). A member takes 8 bytes in an intset; the rest is each set's key, header and expiry,
        // shared by its markers.
        long bytes = 0;
        for (var set = 0; set < sets; set++) bytes += (long)await db.ExecuteAsync("MEMORY", "USAGE", _keys.DedupSet(generation + 1, set), "SAMPLES", "0");
        foreach (var key in new[] { _keys.DedupSets(generation + 1), _keys.DedupCount(generation + 1) }) bytes += (long)await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");
        var perMarker = (double)bytes / markers.Length;
        Assert.True(perMarker <= 10, $"{perMarker:0.0} bytes per marker");
    }
}
