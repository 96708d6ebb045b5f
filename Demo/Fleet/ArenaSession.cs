using Demo.Game;
using Microsoft.Extensions.Logging;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Demo.Fleet;

/// <summary>
/// One arena match as a session of a fleet game server: the demo's gameplay systems in a <see cref="SessionWorld"/> on the
/// session's share of the server's UDP port. A pilot's ship appears when it connects and goes when it leaves.
/// </summary>
public sealed class ArenaSession
{
    private readonly Dictionary<ConnectionId, Entity> ships = new();
    private readonly Random random;
    private readonly World world;

    private ArenaSession(SessionWorld session, Group<float> group, int asteroids, int seed)
    {
        world = session.World;
        random = new Random(seed);
        world.Resources.Add(Match);
        session.Rpcs.AllowFromClients<FireRpc>();
        var inputs = new ServerInputs<ShipInput, ShipInputSerializer>(session.Network, new ServerInputOptions<ShipInput>
        {
            Validate = (ConnectionId _, uint _, in ShipInput input) => input.Thrust is >= 0f and <= 1f && MathF.Abs(input.Turn) <= 1f,
        });
        session.Network.ClientConnected += OnConnected;
        session.Network.ClientDisconnected += OnDisconnected;
        group.Add(
            inputs,
            new FireSystem(world, ships),
            new PilotSystem(world, Match, inputs),
            new MovementSystem(world, Match),
            new CollisionSystem(world, Match, seed + 2),
            new LifetimeSystem(world, Match),
            new AsteroidFieldSystem(world, Match, asteroids, seed + 1));
    }

    /// <summary>The match's shared state.</summary>
    public MatchState Match { get; } = new();

    /// <summary>Builds the session's world with the arena in it.</summary>
    /// <param name="info">The session.</param>
    /// <param name="endpoint">Its endpoint.</param>
    /// <param name="directory">Told when a pilot's connection is gone for good (the game server's <see cref="Traktor.Ecs.Net.Online.HttpSessions"/>).</param>
    /// <param name="asteroids">Rocks in the field.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <returns>The running session.</returns>
    public static SessionWorld Create(SessionInfo info, SessionEndpoint endpoint, ISessions? directory, int asteroids, ILogger logger)
    {
        int seed = info.Id.GetHashCode();
        return new SessionWorld(info, endpoint, DemoProtocol.Registry, DemoProtocol.Rpcs,
            (session, group) => _ = new ArenaSession(session, group, asteroids, seed),
            directory,
            // A pilot who drops is gone: its seat is freed at once (a bot that lost its server quick-joins elsewhere).
            new RpcOptions { ReconnectGracePeriod = TimeSpan.Zero },
            new ServerReplicationOptions
            {
                TickRate = Arena.TickRate,
                SnapshotRate = Arena.SnapshotRate,
                Relevancy = new SpatialRelevancy<Position>(p => p.Value, Arena.ViewRadius),
                Coder = DeltaCoder.Adaptive,
            },
            TimeProvider.System,
            logger);
    }

    private void OnConnected(ConnectionId connection, ulong clientId)
    {
        var body = new ShipBody
        {
            Position = ArenaSpawn.RandomPoint(random, margin: 100f),
            Heading = (float)((random.NextDouble() * Math.Tau) - Math.PI),
        };
        ships[connection] = world.Create(
            new Position { Value = body.Position },
            new Heading { Radians = body.Heading },
            body,
            new Ship { PilotId = (int)Math.Min(clientId, 1_000_000), Health = Arena.ShipHealth },
            new Pilot { Connection = connection },
            new NetworkOwner(connection));
    }

    private void OnDisconnected(ConnectionId connection, DisconnectReason reason)
    {
        if (ships.Remove(connection, out var ship) && world.IsAlive(ship))
        {
            world.Destroy(ship);
        }
    }
}
