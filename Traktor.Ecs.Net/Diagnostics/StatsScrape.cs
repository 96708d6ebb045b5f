using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// The per-connection statistics the observable instruments of <see cref="NetMetrics"/> report, taken once per scrape.
/// A collector asks each instrument in turn; were each one to walk every connection of every client and server under
/// their locks, a scrape of a 1,000-player server would compute 10,000 <see cref="NetStats"/> and take each server's
/// lock ten times while its update waited. Instead an instrument reads the snapshot taken last when it has not read it yet and
/// no client or server has updated since (<see cref="INetStatsSource.StatsVersion"/>): that snapshot is then exactly
/// what a walk would give. Otherwise it takes a new one. So a scrape costs one walk however many instruments the
/// collector enables (two when an update runs in the middle of it), and no instrument reports older values than a walk
/// of its own would. The snapshot's list, each connection's tags and each instrument's measurements
/// (<see cref="MeasurementBatch{T}"/>, sharing the tags: <see cref="MeasurementFields{T}"/>) are reused from scrape to
/// scrape, so a steady scrape allocates nothing (an array per instrument and a copy of each measurement's tags would be
/// 720 KB for 1,000 connections).
/// </summary>
internal sealed class StatsScrape
{
    private const string ClientIdTag = "traktor.client_id";
    private const string RoleTag = "traktor.role";

    private readonly object _lock = new();
    private readonly List<WeakReference<INetStatsSource>> _sources = [];
    private readonly List<(ulong ClientId, string Role, NetStats Stats)> _entries = [];
    private readonly long[] _seen;
    private readonly object?[] _batches;
    private KeyValuePair<string, object?>[]?[] _tags = [];
    private long _generation;
    private long _registrations;
    private (long Registrations, long Versions) _takenAt = (-1, -1);

    /// <param name="instruments">How many instruments read the snapshot (each by its index).</param>
    public StatsScrape(int instruments)
    {
        _seen = new long[instruments];
        _batches = new object?[instruments];
    }

    /// <summary>Walks over the sources' connections so far (for tests: one per scrape).</summary>
    public long Walks { get; private set; }

    public void Register(INetStatsSource source)
    {
        lock (_sources)
        {
            _sources.Add(new WeakReference<INetStatsSource>(source));
            _registrations++;
        }
    }

    public void Unregister(INetStatsSource source)
    {
        lock (_sources)
        {
            _sources.RemoveAll(w => !w.TryGetTarget(out var s) || ReferenceEquals(s, source));
            _registrations++;
        }
    }

    /// <summary>
    /// The measurements of instrument <paramref name="instrument"/>: <paramref name="value"/> of each connection's
    /// statistics, tagged with its client id and role, from the current snapshot unless this instrument read it already.
    /// Enumerate it once (the runtime does): its end hands the batch back for the next scrape.
    /// </summary>
    public IEnumerable<Measurement<T>> Observe<T>(int instrument, Func<NetStats, T> value) where T : struct
    {
        lock (_lock)
        {
            if (_seen[instrument] == _generation || Versions() != _takenAt) Take();
            _seen[instrument] = _generation;
            if (_entries.Count == 0) return [];
            var pool = (Stack<MeasurementBatch<T>>)(_batches[instrument] ??= new Stack<MeasurementBatch<T>>());
            var batch = MeasurementBatch<T>.Rent(pool);
            batch.Fill(_entries, _tags, value);
            return batch;
        }
    }

    /// <summary>What the sources' versions are now: a walk's result is unchanged while this is (it costs a look at each source, not each connection).</summary>
    private (long Registrations, long Versions) Versions()
    {
        lock (_sources)
        {
            long sum = 0;
            foreach (var weak in _sources)
            {
                if (weak.TryGetTarget(out var source)) sum += source.StatsVersion + 1;
            }
            return (_registrations, sum);
        }
    }

    private void Take()
    {
        _entries.Clear();
        long sum = 0;
        lock (_sources)
        {
            foreach (var weak in _sources)
            {
                if (!weak.TryGetTarget(out var source)) continue;
                // The version before the walk: an update racing with it makes the next instrument walk again.
                sum += source.StatsVersion + 1;
                source.CollectStats(_entries);
            }
            _takenAt = (_registrations, sum);
        }
        Walks++;
        _generation++;
        int count = _entries.Count;
        if (_tags.Length < count) Array.Resize(ref _tags, Math.Max(count, 2 * _tags.Length));
        for (int i = 0; i < count; i++)
        {
            var (clientId, role, _) = _entries[i];
            // Connections keep their order between scrapes while nobody joins or leaves: their tags (and the boxed id)
            // are built once.
            var tags = _tags[i];
            if (tags is not null && tags[0].Value is ulong id && id == clientId && string.Equals(tags[1].Value as string, role, StringComparison.Ordinal)) continue;
            _tags[i] = [new(ClientIdTag, clientId), new(RoleTag, role)];
        }
        // Tags of connections gone are let go; a list that shrank to a quarter gives its room back.
        Array.Clear(_tags, count, _tags.Length - count);
        if (_tags.Length > 64 && count < _tags.Length / 4) Array.Resize(ref _tags, Math.Max(count, 64));
        if (_entries.Capacity > 64 && count < _entries.Capacity / 4) _entries.Capacity = Math.Max(count, 64);
    }
}
