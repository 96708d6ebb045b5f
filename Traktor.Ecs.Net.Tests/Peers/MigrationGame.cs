using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>Peers 1..n on one fake clock over the in-memory network behind link simulators; peer 1 hosts first.</summary>
internal sealed class MigrationGame : IDisposable
{
    public const ulong Protocol = 0x4D49_4752;
    public const int Drones = 10;

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> disposables = new();
    private readonly Dictionary<ulong, Entity> hostShips = new();

    /// <param name="count">How many peers.</param>
    /// <param name="conditions">Every link's conditions.</param>
    /// <param name="seed">The link simulators' seed.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="joiners">How many peers after the first join it (the others stay idle for the test); every one when null.</param>
    /// <param name="tokenLifetime">The plans' token lifetime (<see cref="MigrationOptions.TokenLifetime"/>'s default when null).</param>
    /// <param name="clientSocket">Wraps a peer's client socket (by client id) under its link simulator: a path's quirks.</param>
    /// <param name="clientRole">The game's client systems of a peer (by its world), built whenever it becomes a client; none when null.</param>
    /// <param name="socket">Makes every socket (a real one: UDP on loopback); the in-memory network's when null.</param>
    /// <param name="standbyAt">
    /// In-memory only: where a peer's standby socket is bound (by client id, from its client socket's address); by
    /// default at the client socket's IP, as two sockets of one machine are (a host names no other IP in its plans).
    /// </param>
    /// <param name="client">The peers' client settings (<see cref="MigrationOptions.Client"/>; the defaults when null).</param>
    /// <param name="receiveQueue">In-memory only: how many datagrams each socket holds unread before it drops more (<see cref="InMemoryNetwork.ReceiveQueueCapacity"/>).</param>
    /// <param name="hostRules">More of the game's host rules, attached whenever a peer becomes host (its world and host).</param>
    /// <param name="seededTokens">
    /// The peers' tokens take their nonces and keys from generators seeded by <paramref name="seed"/>
    /// (<see cref="MigratingPeer.TokenRandomForTests"/>), so a run is the same every time: with random nonces the clients'
    /// keep-alives fall elsewhere in each run, the link simulators' draws meet other datagrams, and one seed plays out
    /// differently (the join order, hence the succession, changed from run to run). By default (null) they are whenever
    /// <paramref name="conditions"/> draw anything when the game is made (<see cref="Draws"/>: loss, jitter, reordering,
    /// duplicates), so every seeded lossy game is deterministic; false asks for random nonces.
    /// </param>
    public MigrationGame(int count, LinkConditions conditions, int seed, Microsoft.Extensions.Logging.ILogger? logger = null, int? joiners = null,
        TimeSpan? tokenLifetime = null, Func<int, IDatagramTransport, IDatagramTransport>? clientSocket = null,
        Func<World, IEnumerable<ISystem<float>>>? clientRole = null, Func<IDatagramTransport>? socket = null,
        Func<int, NetAddress, NetAddress>? standbyAt = null, NetClientOptions? client = null, int? receiveQueue = null,
        Action<World, NetworkHost>? hostRules = null, bool? seededTokens = null)
    {
        bool seeded = seededTokens ?? Draws(conditions);
        var network = receiveQueue is { } capacity ? new InMemoryNetwork { ReceiveQueueCapacity = capacity } : new InMemoryNetwork();
        bool inMemory = socket is null;
        socket ??= network.CreateTransport;
        standbyAt ??= (_, client) => client.WithPort(40001);
        var options = new MigrationOptions { ProtocolId = Protocol, HostSilence = TimeSpan.FromSeconds(1), Client = client };
        if (tokenLifetime is { } lifetime) options.TokenLifetime = lifetime;
        for (int p = 1; p <= count; p++)
        {
            IDatagramTransport clientEnd = socket();
            var standbyEnd = inMemory ? network.CreateTransport(standbyAt(p, clientEnd.LocalAddress)) : socket();
            ClientEnds[(ulong)p] = clientEnd;
            if (clientSocket is not null) clientEnd = clientSocket(p, clientEnd);
            var playerSocket = new LinkSimulator(clientEnd, conditions, time, seed * 100 + p);
            var standbySocket = new LinkSimulator(standbyEnd, conditions, time, seed * 1000 + p);
            disposables.Add(playerSocket);
            disposables.Add(standbySocket);
            var world = World.Create();
            MigratingPeer? peer = null;
            peer = new MigratingPeer(world, ReplicationWorld.Registry, (ulong)p, playerSocket, standbySocket, options,
                host =>
                {
                    host.Server.PlayerConnected += joined =>
                    {
                        if (joined.Reconnected) return; // after a migration the ship is handed back, not spawned again
                        var ship = world.Create(new ShipBody { Position = new Vector2(0, joined.ClientId * 10f) }, new NetworkOwner(joined.Connection));
                        host.Server.SetPlayerEntity(joined.Connection, ship);
                        if (peer!.Epoch == 1) hostShips[joined.ClientId] = ship;
                    };
                    hostRules?.Invoke(world, host);
                    if (world.CountEntities(new QueryDescription().WithAll<Drone>()) == 0)
                    {
                        for (int d = 0; d < Drones; d++) world.Create(new Drone { Position = new Vector2(d * 5f, 0) });
                    }

                    return [new MigrationGameplay(world)];
                },
                _ => clientRole?.Invoke(world) ?? [],
                time: time,
                logger: logger)
            {
                TokenRandomForTests = seeded ? new Random(seed * 10_000 + p).NextBytes : null,
            };
            var group = new Group<float>($"peer {p}", peer);
            group.Initialize();
            Peers.Add(new MigrationPlayer(world, peer, group));
        }

        Peers[0].Peer.StartHost();
        foreach (var player in Peers.Skip(1).Take(joiners ?? count)) player.Peer.Join(Peers[0].Peer.IssueToken(player.Peer.ClientId, TimeSpan.FromMinutes(10)), 1);
    }

    public List<MigrationPlayer> Peers { get; } = new();

    /// <summary>
    /// True when links of <paramref name="conditions"/> decide a datagram's fate by their seeded draws (it may be lost,
    /// delayed by jitter, reordered or duplicated): which datagram meets which draw then depends on the order the peers
    /// send in, which random token nonces change from run to run. A test that changes the conditions after the game is
    /// made (a clean setup, then loss) asks for seeded tokens itself.
    /// </summary>
    public static bool Draws(LinkConditions conditions) =>
        conditions.LossPercent > 0 || conditions.JitterMs > 0 || conditions.ReorderPercent > 0 || conditions.DuplicatePercent > 0;

    public HashSet<MigrationPlayer> Killed { get; } = new();

    /// <summary>Each peer's client socket by client id, under its link simulator (and any wrapper of <c>clientSocket</c>).</summary>
    public Dictionary<ulong, IDatagramTransport> ClientEnds { get; } = new();

    /// <summary>The first host's ships by client id, as network ids.</summary>
    public Dictionary<ulong, uint> ShipIds() => hostShips.ToDictionary(s => s.Key, s => Peers[0].World.Get<NetworkId>(s.Value).Value);

    public void Tick(int ticks = 1)
    {
        for (int i = 0; i < ticks; i++)
        {
            time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            foreach (var player in Peers.Where(p => !Killed.Contains(p))) player.Group.Tick(in dt);
        }
    }

    public bool TickUntil(Func<bool> done, int maxTicks)
    {
        for (int i = 0; i < maxTicks && !done(); i++) Tick();
        return done();
    }

    public string Describe() => string.Join("; ", Peers.Select(p =>
        $"peer {p.Peer.ClientId}: {p.Peer.Role}, host {p.Peer.HostClientId}, epoch {p.Peer.Epoch}, successors [{string.Join(",", p.Peer.Successors)}], "
        + $"{p.World.CountEntities(new QueryDescription().WithAll<NetworkId>())} entities, migrations {p.Peer.Migrations} {p.Peer.Client?.Transport.GetStats()}"));

    public void Dispose()
    {
        foreach (var player in Peers)
        {
            player.Group.Dispose();
            player.World.Dispose();
        }

        foreach (var disposable in disposables) disposable.Dispose();
    }
}

/// <summary>One player of a <see cref="MigrationGame"/>: its world, its migrating peer and its group.</summary>
internal sealed record MigrationPlayer(World World, MigratingPeer Peer, Group<float> Group)
{
    public Dictionary<uint, Vector2> Positions()
    {
        var positions = new Dictionary<uint, Vector2>();
        World.Query(new QueryDescription().WithAll<Drone, NetworkId>(), (ref Drone d, ref NetworkId id) => positions[id.Value] = d.Position);
        return positions;
    }
}

/// <summary>The host's gameplay: ships drift right, drones drift up; a new player gets a ship, a leaving one loses it.</summary>
internal sealed class MigrationGameplay(World world) : BaseSystem<World, float>(world)
{
    public override void Update(in float dt)
    {
        float step = dt;
        World.Query(new QueryDescription().WithAll<ShipBody>(), (ref ShipBody s) => s.Position.X += step);
        World.Query(new QueryDescription().WithAll<Drone>(), (ref Drone d) => d.Position.Y += step);
    }
}
