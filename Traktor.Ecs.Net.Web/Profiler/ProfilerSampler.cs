using System.Buffers;
using System.Text.Json;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Web.Profiler;

/// <summary>
/// Builds the profiler's samples on the game loop, from the sources it was told to watch: one JSON object per
/// sample (the format is described in docs/TRANSPORT.md, "Live profiler"). Rates (snapshot bits per component) are differences
/// between consecutive samples divided by the time between them.
/// </summary>
internal sealed class ProfilerSampler
{
    private readonly List<(string Name, INetStatsSource Source)> _transports = [];
    private readonly List<(string Name, ReplicationCounters Counters, string[] Components, long[] Previous)> _replications = [];
    private readonly List<(string Name, Group<float> Group)> _groups = [];
    private readonly List<(string Name, World World)> _worlds = [];
    private readonly List<(string Name, Func<double> Read)> _values = [];
    private readonly List<(ulong ClientId, string Role, NetStats Stats)> _stats = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private double _previousAt = double.NaN;

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
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("seq", sequence);
            json.WriteNumber("t", Math.Round(seconds, 3));

            json.WriteStartArray("connections");
            foreach (var (name, source) in _transports)
            {
                _stats.Clear();
                source.CollectStats(_stats);
                foreach (var (clientId, role, stats) in _stats)
                {
                    json.WriteStartObject();
                    json.WriteString("id", $"{name} {role} {clientId}");
                    json.WriteString("transport", stats.Transport.ToString());
                    json.WriteNumber("rttMs", Math.Round(stats.RoundTripTimeMs, 2));
                    json.WriteNumber("lossPercent", Math.Round(stats.PacketLossPercent, 2));
                    json.WriteNumber("kbInPerSecond", Math.Round(stats.KilobytesInPerSecond, 3));
                    json.WriteNumber("kbOutPerSecond", Math.Round(stats.KilobytesOutPerSecond, 3));
                    json.WriteNumber("resends", stats.Resends);
                    json.WriteEndObject();
                }
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
        }
        return _buffer.WrittenSpan.ToArray();
    }

    private static double Rate(long delta, double seconds) => seconds <= 0 ? 0 : Math.Round(delta / seconds, 1);
}
