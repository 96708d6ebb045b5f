using System.Net;
using Microsoft.Extensions.Logging;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Demo.Game;

/// <summary>
/// The dedicated server: an authoritative world with the gameplay systems and the network plugin in
/// one timed group, on a real loopback UDP socket behind a link simulator.
/// </summary>
public sealed class ArenaServer : IDisposable
{
    private readonly Dictionary<ConnectionId, Entity> shipsByConnection = new();
    private readonly Dictionary<int, PilotResult> departed = new();
    private readonly Dictionary<ConnectionId, (long Sent, long Received)> traffic = new();
    private long ticks;
    private readonly QueryDescription shipsQuery = new QueryDescription().WithAll<Ship, Pilot>();
    private readonly Random random;

    /// <summary>Starts the server on <paramref name="socket"/>.</summary>
    /// <param name="socket">The bound transport (UDP, WebSocket or TCP on 127.0.0.1).</param>
    /// <param name="conditions">The simulated link on the server's outgoing side.</param>
    /// <param name="privateKey">The connect-token key, or null for the insecure (LAN/dev) mode.</param>
    /// <param name="capture">Where every packet's plaintext goes, or null.</param>
    /// <param name="asteroids">How many rocks the field holds.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="seed">Fixes the arena's random choices.</param>
    /// <param name="localBots">Bots expected from this host (one IP address): the admission limits make room for them.</param>
    /// <param name="hostPilotId">In host (listen-server) mode, the client id of the pilot who plays in this world; null for a dedicated server.</param>
    public ArenaServer(IDatagramTransport socket, LinkConditions conditions, byte[]? privateKey, PcapngWriter? capture, int asteroids, ILogger logger, int seed = 7, int localBots = 8, ulong? hostPilotId = null, int snapshotRate = Arena.SnapshotRate)
    {
        random = new Random(seed);
        Address = socket.LocalAddress;
        Link = new LinkSimulator(socket, conditions, TimeProvider.System, seed);
        var options = new NetServerOptions
        {
            ProtocolId = DemoProtocol.Id,
            SchemaHash = DemoProtocol.Registry.ProtocolHash,
            PrivateKey = privateKey,
            Insecure = privateKey is null,
            PublicAddresses = [socket.LocalAddress],
            Capture = capture,
        };
        // The bots all come from one address; strangers from any one /24 still never get every slot, because the
        // server keeps 32 slots beyond what one subnet may hold.
        options.MaxConnectionsPerAddress = Math.Max(options.MaxConnectionsPerAddress, localBots);
        options.MaxConnectionsPerSubnet = Math.Max(options.MaxConnectionsPerSubnet, localBots);
        options.MaxClients = Math.Max(options.MaxClients, options.MaxConnectionsPerSubnet + 32);
        Transport = new NetServer(Link, options, TimeProvider.System, logger);
        World = World.Create();
        World.Resources.Add(Match);
        var replication = new ServerReplicationOptions
        {
            TickRate = Arena.TickRate,
            SnapshotRate = snapshotRate,
            Relevancy = new SpatialRelevancy<Position>(p => p.Value, Arena.ViewRadius),
            Coder = DeltaCoder.Adaptive,
        };
        if (hostPilotId is { } pilotId)
        {
            // The one switch of host mode: the host system builds the server and adds a local player to it.
            Host = new NetworkHost(World, Transport, DemoProtocol.Registry, replication, pilotId, logger);
            Network = Host.Server;
        }
        else
        {
            Network = new NetworkServer(World, Transport, DemoProtocol.Registry, replication, logger);
        }

        Network.ClientConnected += OnConnected;
        Network.ClientDisconnected += OnDisconnected;
        // Subscribed before the RPC layer's own handlers, so a leaving pilot's result is read before anything is destroyed.
        Rpcs = new RpcServer(Network, DemoProtocol.Rpcs, new RpcOptions { ReconnectGracePeriod = TimeSpan.Zero }, TimeProvider.System, logger)
            .AllowFromClients<FireRpc>();
        Inputs = new ServerInputs<ShipInput, ShipInputSerializer>(Network, new ServerInputOptions<ShipInput>
        {
            // The wire already clamps to the [Range]s; this is where a game would refuse impossible input.
            Validate = (ConnectionId _, uint _, in ShipInput input) => input.Thrust is >= 0f and <= 1f && MathF.Abs(input.Turn) <= 1f,
        });
        Field = new AsteroidFieldSystem(World, Match, asteroids, seed + 1);
        Fire = new FireSystem(World, shipsByConnection);
        if (Host is not null)
        {
            HostPilot = new HostPilot(Host, seed + 3);
        }

        Group = new Group<float>(
            "server",
            Host is not null ? Host : Network,
            Inputs,
            Fire,
            new PilotSystem(World, Match, Inputs),
            new MovementSystem(World, Match),
            new CollisionSystem(World, Match, seed + 2),
            new LifetimeSystem(World, Match),
            Field);
        Group.Initialize();
    }

    /// <summary>The address clients connect to (its kind names the transport).</summary>
    public NetAddress Address { get; }

    /// <summary>The authoritative world.</summary>
    public World World { get; }

    /// <summary>The timed system group (gameplay and network plugin).</summary>
    public Group<float> Group { get; }

    /// <summary>The network plugin.</summary>
    public NetworkServer Network { get; }

    /// <summary>The listen-server plugin in host mode (null for a dedicated server).</summary>
    public NetworkHost? Host { get; }

    /// <summary>The host's own pilot in host mode (null for a dedicated server).</summary>
    public HostPilot? HostPilot { get; }

    /// <summary>The RPC layer (fire requests from clients).</summary>
    public RpcServer Rpcs { get; }

    /// <summary>Handles fire RPCs.</summary>
    public FireSystem Fire { get; }

    /// <summary>The pilots' input commands, buffered per tick.</summary>
    public ServerInputs<ShipInput, ShipInputSerializer> Inputs { get; }

    /// <summary>The transport server.</summary>
    public NetServer Transport { get; }

    /// <summary>The simulated link in front of the socket.</summary>
    public LinkSimulator Link { get; }

    /// <summary>The match's shared state (freeze flag, scoring events).</summary>
    public MatchState Match { get; } = new();

    /// <summary>The rock field.</summary>
    public AsteroidFieldSystem Field { get; }

    /// <summary>Pilots who ever connected.</summary>
    public int PilotsJoined { get; private set; }

    /// <summary>The connected pilots' ship entities by connection.</summary>
    public IReadOnlyDictionary<ConnectionId, Entity> Ships => shipsByConnection;

    /// <summary>Bytes sent to all clients so far, including those who left (updated twice a second).</summary>
    public long BytesSent => traffic.Values.Sum(t => t.Sent);

    /// <summary>Bytes received from all clients so far, including those who left (updated twice a second).</summary>
    public long BytesReceived => traffic.Values.Sum(t => t.Received);

    /// <summary>Runs one tick: receive, simulate, replicate, send.</summary>
    public void Tick(float deltaTime)
    {
        Group.Tick(in deltaTime);
        if (++ticks % (Arena.TickRate / 2) == 0)
        {
            UpdateTraffic();
        }
    }

    /// <summary>Input commands of the connected pilots: accepted, late (after their tick ran) and missing (the last one repeated).</summary>
    public (long Accepted, long Late, long Missing) InputTotals()
    {
        long accepted = 0, late = 0, missing = 0;
        foreach (var connection in shipsByConnection.Keys)
        {
            var counters = Inputs.CountersFor(connection);
            accepted += counters.Accepted;
            late += counters.Late;
            missing += counters.Missing;
        }

        return (accepted, late, missing);
    }

    /// <summary>The input counters of a connected pilot's connection, or null when the pilot is not connected.</summary>
    public InputCounters? InputsOf(int pilotId)
    {
        foreach (var (connection, ship) in shipsByConnection)
        {
            if (World.Get<Ship>(ship).PilotId == pilotId)
            {
                return Inputs.CountersFor(connection);
            }
        }

        return null;
    }

    /// <summary>Copies the live connections' byte totals, so they outlive the connections.</summary>
    public void UpdateTraffic()
    {
        foreach (var connection in shipsByConnection.Keys)
        {
            if (Transport.TryGetStats(connection, out var stats))
            {
                traffic[connection] = (stats.BytesSent, stats.BytesReceived);
            }
        }
    }

    /// <summary>Every pilot's match so far: those still connected and those who left.</summary>
    public IReadOnlyList<PilotResult> Results()
    {
        var results = new Dictionary<int, PilotResult>(departed);
        foreach (ref var chunk in World.Query(in shipsQuery))
        {
            var ships = chunk.GetReadOnlySpan<Ship>();
            var pilots = chunk.GetReadOnlySpan<Pilot>();
            for (int i = 0; i < ships.Length; i++)
            {
                results[ships[i].PilotId] = ResultOf(ships[i], pilots[i]);
            }
        }

        return results.Values.OrderBy(r => r.PilotId).ToList();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Group.Dispose();
        Transport.Dispose();
        Link.Dispose();
        World.Dispose();
    }

    private static PilotResult ResultOf(in Ship ship, in Pilot pilot) =>
        new(ship.PilotId, ship.Score, pilot.Kills, pilot.Deaths, pilot.ShotsFired);

    private void OnConnected(ConnectionId connection, ulong clientId)
    {
        PilotsJoined++;
        var body = new ShipBody
        {
            Position = ArenaSpawn.RandomPoint(random, margin: 100f),
            Heading = (float)((random.NextDouble() * Math.Tau) - Math.PI),
        };
        var ship = World.Create(
            new Position { Value = body.Position },
            new Heading { Radians = body.Heading },
            body,
            new Ship { PilotId = (int)Math.Min(clientId, 1_000_000), Health = Arena.ShipHealth },
            new Pilot { Connection = connection },
            new NetworkOwner(connection));
        shipsByConnection[connection] = ship;
    }

    private void OnDisconnected(ConnectionId connection, DisconnectReason reason)
    {
        if (shipsByConnection.Remove(connection, out var ship))
        {
            var result = ResultOf(World.Get<Ship>(ship), World.Get<Pilot>(ship));
            departed[result.PilotId] = result;
            World.Destroy(ship);
        }
    }
}
