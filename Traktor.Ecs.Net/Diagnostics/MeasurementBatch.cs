using System.Collections;
using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// One instrument's measurements of one scrape, handed to the runtime and taken back when it has read them: the runtime
/// enumerates what an observable instrument's callback returns exactly once and disposes the enumerator, which puts the
/// batch back in its instrument's pool, so a steady scrape reuses it instead of allocating an array per instrument.
/// Concurrent scrapes (two collectors at once) each rent their own batch.
/// </summary>
internal sealed class MeasurementBatch<T> : IEnumerable<Measurement<T>>, IEnumerator<Measurement<T>> where T : struct
{
    /// <summary>Batches kept per instrument when more were rented at once (collectors rarely scrape together).</summary>
    private const int Kept = 4;

    private readonly Stack<MeasurementBatch<T>> _pool;
    private Measurement<T>[] _items = [];
    private int _count;
    private int _index = -1;
    private bool _rented;

    private MeasurementBatch(Stack<MeasurementBatch<T>> pool) => _pool = pool;

    /// <summary>A batch of <paramref name="pool"/>, or a new one when all are out.</summary>
    public static MeasurementBatch<T> Rent(Stack<MeasurementBatch<T>> pool)
    {
        MeasurementBatch<T>? batch;
        lock (pool) pool.TryPop(out batch);
        batch ??= new MeasurementBatch<T>(pool);
        batch._rented = true;
        batch._index = -1;
        return batch;
    }

    /// <summary>
    /// Fills the batch: <paramref name="value"/> of each entry's statistics, tagged with <paramref name="tags"/> of the
    /// same index. The tag arrays are shared, never copied (<see cref="MeasurementFields{T}"/>), so nothing may change
    /// one after it was handed out: a connection that changes gets a new array.
    /// </summary>
    public void Fill(List<(ulong ClientId, string Role, NetStats Stats)> entries, KeyValuePair<string, object?>[]?[] tags, Func<NetStats, T> value)
    {
        int count = entries.Count;
        // Grows with the connections and gives the room back when they shrink to a quarter, like the scrape's own lists.
        if (_items.Length < count || (_items.Length > 64 && count < _items.Length / 4)) _items = new Measurement<T>[Math.Max(count, 64)];
        for (int i = 0; i < count; i++) _items[i] = MeasurementFields<T>.Create(value(entries[i].Stats), tags[i]!);
        _count = count;
    }

    public Measurement<T> Current => _items[_index];

    object IEnumerator.Current => Current;

    public bool MoveNext() => ++_index < _count;

    public void Reset() => _index = -1;

    /// <summary>The runtime has read the measurements: the batch goes back to its pool (once, however often this is called).</summary>
    public void Dispose()
    {
        if (!_rented) return;
        _rented = false;
        _index = -1;
        lock (_pool)
        {
            if (_pool.Count < Kept) _pool.Push(this);
        }
    }

    /// <summary>The batch itself: it is read once, by one reader, as the runtime does.</summary>
    public IEnumerator<Measurement<T>> GetEnumerator()
    {
        _index = -1;
        return this;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
