using System.Buffers;
using System.Text.Json;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Web.Profiler;

/// <summary>
/// Builds the profiler's samples on the game loop, from the sources it was told to watch: one JSON object per
/// sample (the format is described in docs/TRANSPORT.md, "Live profiler"). Rates (snapshot bits per component) are differences
/// between consecutive samples divided by the time between them. The watched clients and servers are walked once per
/// sample into one list, and not at all when none of them updated since the last walk (their
/// <see cref="INetStatsSource.StatsVersion"/>, as <see cref="NetMetrics"/>' scrape does); each connection's label is built
/// once, not per sample.
/// </summary>
internal sealed class ProfilerSampler
{
    private readonly List<(string Name, INetStatsSource Source)> _transports = [];
    private readonly List<(string Name, ReplicationCounters Counters, string[] Components, long[] Previous)> _replications = [];
    private readonly List<(string Name, Group<float> Group)> _groups = [];
    private readonly List<(string Name, World World)> _worlds = [];
    private readonly List<(string Name, Func<double> Read)> _values = [];
    private readonly List<(ulong ClientId, string Role, NetStats Stats)> _stats = [];

    /// <summary>Where each watched transport's connections end in <see cref="_stats"/>.</summary>
    private readonly List<int> _ends = [];

    /// <summary>Each connection's label ("name role id") by its place in <see cref="_stats"/>, kept while the same connection is there.</summary>
    private (int Transport, ulong ClientId, string Role, string Label)[] _labels = [];

    private (int Transports, long Versions) _walkedAt = (-1, -1);
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private Utf8JsonWriter? _json;
    private double _previousAt = double.NaN;

    // Indexed by value, not by position: a kind added out of order (or with a gap) still reads its own name.
    private static readonly string[] TransportNames = Enum.GetValues<TransportKind>().Aggregate(
        new string[Enum.GetValues<TransportKind>().Max(k => (int)k) + 1], (names, kind) => { names[(int)kind] = kind.ToString(); return names; });

    public void Add(string name, INetStatsSource source) => _transports.Add((name, source));

    public void Add(string name, ReplicationCounters counters, ReplicationRegistry registry)
    {
        var components = registry.Types.Select(t => t.Info.FullName[(t.Info.FullName.LastIndexOf('.') + 1)..]).ToArray();
        _replications.Add((name, counters, components, new long[components.Length + 1]));
    }

    public void Add(string name, Group<float> group) => _groups.Add((name, group));

    public void Add(string name, World world) => _worlds.Add((name, world));

    public void Add(string name, Func<double> read) => _values.Add((name, read));

    /// <summary>One sample at <paramref name="seconds"/> (since the profiler started), as UTF-8 JSON.</summary>
    public byte[] Take(double seconds, long sequence)
    {
        double elapsed = double.IsNaN(_previousAt) ? 0 : seconds - _previousAt;
        _previousAt = seconds;
        _buffer.Clear();
        var json = _json ??= new Utf8JsonWriter(_buffer);
        json.Reset(_buffer);
        json.WriteStartObject();
        json.WriteNumber("seq", sequence);
        json.WriteNumber("t", Math.Round(seconds, 3));

        WalkTransports();
        json.WriteStartArray("connections");
        for (int i = 0, transport = 0; i < _stats.Count; i++)
        {
            while (i >= _ends[transport]) transport++;
            var (clientId, role, stats) = _stats[i];
            json.WriteStartObject();
            json.WriteString("id", Label(i, transport, clientId, role));
            json.WriteString("transport", (int)stats.Transport < TransportNames.Length && TransportNames[(int)stats.Transport] is { } name ? name : stats.Transport.ToString());
            json.WriteNumber("rttMs", Math.Round(stats.RoundTripTimeMs, 2));
            json.WriteNumber("lossPercent", Math.Round(stats.PacketLossPercent, 2));
            json.WriteNumber("kbInPerSecond", Math.Round(stats.KilobytesInPerSecond, 3));
            json.WriteNumber("kbOutPerSecond", Math.Round(stats.KilobytesOutPerSecond, 3));
            json.WriteNumber("resends", stats.Resends);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartObject("snapshotBitsPerSecond");
        foreach (var (name, counters, components, previous) in _replications)
        {
            var bits = counters.ComponentBits;
            for (int i = 0; i < components.Length; i++)
            {
                long now = i < bits.Count ? bits[i] : 0;
                json.WriteNumber(_replications.Count == 1 ? components[i] : $"{name} {components[i]}", Rate(now - previous[i], elapsed));
                previous[i] = now;
            }
            long lists = counters.EntityListBits;
            json.WriteNumber(_replications.Count == 1 ? "entity lists" : $"{name} entity lists", Rate(lists - previous[^1], elapsed));
            previous[^1] = lists;
        }
        json.WriteEndObject();

        json.WriteStartArray("systems");
        foreach (var (name, group) in _groups)
        {
            foreach (var (_, profile) in group.WalkProfiles())
            {
                json.WriteStartObject();
                json.WriteString("name", $"{name}/{profile.Name}");
                json.WriteNumber("ms", Math.Round(profile.LastElapsed.TotalMilliseconds, 4));
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();

        json.WriteStartObject("entities");
        foreach (var (name, world) in _worlds) json.WriteNumber(name, world.Size);
        json.WriteEndObject();

        json.WriteStartObject("values");
        foreach (var (name, read) in _values) json.WriteNumber(name, read());
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Takes every watched transport's connections in one walk, unless none updated since the last one: that walk's
    /// statistics are then exactly what a new one would give.
    /// </summary>
    private void WalkTransports()
    {
        long versions = 0;
        foreach (var (_, source) in _transports) versions += source.StatsVersion + 1;
        if (_walkedAt == (_transports.Count, versions)) return;
        _walkedAt = (_transports.Count, versions);
        _stats.Clear();
        _ends.Clear();
        foreach (var (_, source) in _transports)
        {
            source.CollectStats(_stats);
            _ends.Add(_stats.Count);
        }
        int count = _stats.Count;
        if (_labels.Length < count) Array.Resize(ref _labels, Math.Max(count, 2 * _labels.Length));
        // Labels of connections gone are let go; a list that shrank to a quarter gives its room back.
        Array.Clear(_labels, count, _labels.Length - count);
        if (_labels.Length > 64 && count < _labels.Length / 4) Array.Resize(ref _labels, Math.Max(count, 64));
    }

    /// <summary>The label of the connection at <paramref name="index"/>: connections keep their places while nobody joins or leaves.</summary>
    private string Label(int index, int transport, ulong clientId, string role)
    {
        ref var label = ref _labels[index];
        if (label.Label is null || label.Transport != transport || label.ClientId != clientId || !string.Equals(label.Role, role, StringComparison.Ordinal))
            label = (transport, clientId, role, $"{_transports[transport].Name} {role} {clientId}");
        return label.Label;
    }

    private static double Rate(long delta, double seconds) => seconds <= 0 ? 0 : Math.Round(delta / seconds, 1);
}
