using Demo.Bots;
using Demo.Game;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Demo.Telemetry;

/// <summary>
/// Samples the server and the bots a few times a second. Per-system costs are averaged over the window
/// from the group profiles' running totals, so a sample shows the window's mean, not one noisy tick.
/// </summary>
public sealed class TelemetryRecorder(ArenaServer? server, IReadOnlyList<BotClient> bots)
{
    private readonly QueryDescription rocks = new QueryDescription().WithAll<Asteroid>();
    private readonly QueryDescription bullets = new QueryDescription().WithAll<Bullet>();
    private readonly QueryDescription ships = new QueryDescription().WithAll<Ship>();
    private readonly Dictionary<string, (TimeSpan Elapsed, long Bytes, long Frames)> previousProfiles = new();
    private double previousSeconds;
    private long previousSnapshots;
    private long previousSnapshotBytes;
    private long previousFireRequests;
    private long[] previousComponentBits = [];
    private long previousEntityListBits;

    /// <summary>Every sample taken, in order.</summary>
    public List<TelemetrySample> Samples { get; } = new();

    /// <summary>The newest sample, or null before the first.</summary>
    public TelemetrySample? Latest => Samples.Count == 0 ? null : Samples[^1];

    /// <summary>Takes a sample at <paramref name="seconds"/> since the start of play.</summary>
    public TelemetrySample Sample(double seconds)
    {
        double window = Math.Max(1e-3, seconds - previousSeconds);
        previousSeconds = seconds;
        var clients = bots.Count > 0 ? bots.Select(ClientOf).ToList() : ConnectionsOf(server);
        var systems = server is null ? new List<SystemSample>() : SystemsOf(server.Group);
        long snapshots = server?.Network.Replication.Counters.Snapshots ?? 0;
        long snapshotBytes = server?.Network.Replication.Counters.SnapshotBytes ?? bots.Sum(b => b.Network.Replication.Counters.SnapshotBytes);
        long fireRequests = server?.Fire.Requests ?? bots.Sum(b => b.Brain.ShotsRequested);
        var sample = new TelemetrySample(
            seconds,
            clients,
            systems,
            systems.Sum(s => s.Milliseconds),
            server is null ? clients.Sum(c => c.KilobytesInPerSecond) : ServerRate(server, outgoing: true),
            server is null ? clients.Sum(c => c.KilobytesOutPerSecond) : ServerRate(server, outgoing: false),
            server?.Network.Replication.EntityCount ?? (bots.Count == 0 ? 0 : bots.Max(b => b.Network.Replication.EntityCount)),
            CountIn(server, bots, rocks),
            CountIn(server, bots, bullets),
            CountIn(server, bots, ships),
            (snapshots - previousSnapshots) / window,
            (snapshotBytes - previousSnapshotBytes) / window,
            (fireRequests - previousFireRequests) / window,
            ComponentRates(window));
        previousSnapshots = snapshots;
        previousSnapshotBytes = snapshotBytes;
        previousFireRequests = fireRequests;
        Samples.Add(sample);
        return sample;
    }

    /// <summary>Bits per second per replicated component type, from the server's section accounting.</summary>
    private List<ComponentRate> ComponentRates(double window)
    {
        var rates = new List<ComponentRate>();
        if (server is null)
        {
            return rates;
        }

        var counters = server.Network.Replication.Counters;
        var bits = counters.ComponentBits;
        if (previousComponentBits.Length < bits.Count)
        {
            Array.Resize(ref previousComponentBits, bits.Count);
        }

        var types = DemoProtocol.Registry.Types;
        for (int i = 0; i < bits.Count && i < types.Count; i++)
        {
            string name = types[i].Info.FullName[(types[i].Info.FullName.LastIndexOf('.') + 1)..];
            rates.Add(new ComponentRate(name, (bits[i] - previousComponentBits[i]) / window));
            previousComponentBits[i] = bits[i];
        }

        rates.Add(new ComponentRate("entity lists", (counters.EntityListBits - previousEntityListBits) / window));
        previousEntityListBits = counters.EntityListBits;
        return rates;
    }

    private static ClientSample ClientOf(BotClient bot)
    {
        var stats = bot.Transport.GetStats();
        bool connected = bot.Transport.State == ClientState.Connected;
        return new ClientSample(bot.Name, connected, stats.RoundTripTimeMs, stats.PacketLossPercent, stats.KilobytesInPerSecond, stats.KilobytesOutPerSecond, bot.Network.Replication.EntityCount, bot.Smoothing.Corrections);
    }

    private static List<ClientSample> ConnectionsOf(ArenaServer? server)
    {
        var list = new List<ClientSample>();
        if (server is null)
        {
            return list;
        }

        foreach (var (connection, _) in server.Ships.OrderBy(s => s.Key.Slot))
        {
            if (server.Transport.TryGetStats(connection, out var stats))
            {
                // Seen from the server, so "in" is what the client sent and "out" what it received.
                list.Add(new ClientSample($"conn {connection.Slot}", true, stats.RoundTripTimeMs, stats.PacketLossPercent, stats.KilobytesOutPerSecond, stats.KilobytesInPerSecond, 0, 0));
            }
        }

        return list;
    }

    private static double ServerRate(ArenaServer server, bool outgoing)
    {
        double total = 0;
        foreach (var connection in server.Ships.Keys)
        {
            if (server.Transport.TryGetStats(connection, out var stats))
            {
                total += outgoing ? stats.KilobytesOutPerSecond : stats.KilobytesInPerSecond;
            }
        }

        return total;
    }

    private int CountIn(ArenaServer? server, IReadOnlyList<BotClient> clients, in QueryDescription query)
    {
        if (server is not null)
        {
            return server.World.CountEntities(in query);
        }

        int most = 0;
        foreach (var bot in clients)
        {
            most = Math.Max(most, bot.World.CountEntities(in query));
        }

        return most;
    }

    /// <summary>"ServerInputs&lt;ShipInput, ShipInputSerializer&gt;" reads as "ServerInputs": type arguments are noise on a dashboard.</summary>
    private static string ReadableName(string name)
    {
        int generic = name.IndexOfAny(['`', '<']);
        return generic < 0 ? name : name[..generic];
    }

    private List<SystemSample> SystemsOf(Group<float> group)
    {
        var list = new List<SystemSample>();
        foreach (var (_, profile) in group.WalkProfiles())
        {
            previousProfiles.TryGetValue(profile.Name, out var before);
            long frames = profile.Frames - before.Frames;
            double ms = frames <= 0 ? 0 : (profile.TotalElapsed - before.Elapsed).TotalMilliseconds / frames;
            double bytes = frames <= 0 ? 0 : (profile.TotalAllocatedBytes - before.Bytes) / (double)frames;
            previousProfiles[profile.Name] = (profile.TotalElapsed, profile.TotalAllocatedBytes, profile.Frames);
            list.Add(new SystemSample(ReadableName(profile.Name), ms, bytes));
        }

        return list;
    }
}
