using System.Globalization;

namespace ECommerceAgents.Domain.Processing;

/// <summary>Epoch minutes and bucket starts as strings: a handful per micro-batch, each used by many events.</summary>
internal sealed class NumberStrings
{
    private readonly Dictionary<long, string> _items = [];

    public string GetOrAdd(long value)
    {
        if (_items.TryGetValue(value, out var text)) return text;
        if (_items.Count > 4096) _items.Clear();
        return _items[value] = value.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// An array reused from one micro-batch to the next when the length is the same (the event source mapping delivers
/// micro-batches of one size), so per-event scratch space is not allocated again per micro-batch. Cleared on reuse.
/// </summary>
internal sealed class ScratchArray<T>
{
    private T[] _array = [];

    public T[] Get(int length)
    {
        if (_array.Length != length) return _array = new T[length];
        Array.Clear(_array);
        return _array;
    }
}

/// <summary>A small memo that forgets everything when full: UA strings, device ids and IPs repeat heavily within and across micro-batches.</summary>
internal sealed class BoundedCache<T>(int capacity)
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);

    public T GetOrAdd(string key, Func<string, T> create)
    {
        if (_items.TryGetValue(key, out var value)) return value;
        if (_items.Count >= capacity) _items.Clear();
        return _items[key] = create(key);
    }
}
