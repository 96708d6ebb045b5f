using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Systems;
using MinimalWorld;

// The same registry on both ends: every [Replicated] type the generator saw (the structs below).
var registry = ReplicationRegistry.FromLoadedSchemas();
var network = new InMemoryNetwork();                  // UdpTransport.Bind(port) between machines
var serverSocket = network.CreateTransport();

// Server: a world, the network plugin first in its group, then the players' inputs, then gameplay.
using var world = World.Create();
var netServer = new NetServer(serverSocket, new NetServerOptions { ProtocolId = 1, Insecure = true, SchemaHash = registry.ProtocolHash });
var server = new NetworkServer(world, netServer, registry);
server.PlayerConnected += joined =>
{
    if (!joined.Reconnected)                          // a returning player already has its ship
    {
        var ship = world.Create(new Position(), new Ship(), new NetworkOwner(joined.Connection));
        server.SetPlayerEntity(joined.Connection, ship);
    }
};
var serverGroup = new Group<float>("server", server, new ServerInputs<Steer, SteerSerializer>(server), new ShipSystem(world));

// Client: its own world mirrors the server's replicated entities and predicts its own ship from its input.
using var clientWorld = World.Create();
var netClient = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = 1, Insecure = true, SchemaHash = registry.ProtocolHash });
var client = new NetworkClient(clientWorld, netClient, registry);
var prediction = new ClientPrediction<Steer, SteerSerializer>(client,
    new Group<float>("predicted", new ShipSystem(clientWorld)), tick => new Steer { X = 1 });   // read the controls here
var clientGroup = new Group<float>("client", client, prediction);
netClient.ConnectInsecure(serverSocket.LocalAddress, clientId: 1);

// A fixed-tick loop drives both groups at 60 Hz. A real game calls loop.Update() once per frame;
// this program runs it until something has happened (within a minute).
var loop = new NetworkLoop(tickRate: 60).Add(serverGroup, clientGroup);
bool RunUntil(Func<bool> done)
{
    for (var deadline = DateTime.UtcNow.AddMinutes(1); !done(); Thread.Sleep(1))
    {
        if (DateTime.UtcNow > deadline) return false;
        loop.Update();
    }

    return true;
}

var mine = new QueryDescription().WithAll<Ship, LocalOwner>();
var ships = new QueryDescription().WithAll<Ship>();
if (!RunUntil(() => loop.Ticks >= 120 && clientWorld.CountEntities(in mine) == 1)) return 1;   // steer for 2 s
clientWorld.Query(in mine, (ref Ship s) => Console.WriteLine($"my ship, predicted: at {s.Position}"));
world.Query(in ships, (ref Ship s) => Console.WriteLine($"the same ship on the server: at {s.Position}"));

// The player drops and comes back: PlayerConnected says Reconnected, so it keeps its one ship.
netClient.Disconnect();
if (!RunUntil(() => server.Connections.Count == 0)) return 1;
netClient.ConnectInsecure(serverSocket.LocalAddress, clientId: 1);
if (!RunUntil(() => clientWorld.CountEntities(in mine) == 1)) return 1;
Console.WriteLine($"after a reconnect: {world.CountEntities(in ships)} ship(s) on the server, {clientWorld.CountEntities(in mine)} mine");
return 0;

namespace MinimalWorld
{
    /// <summary>Everyone sees it, smoothly between snapshots.</summary>
    [Replicated(Smoothing = Smoothing.Interpolate)]
    public struct Position { [Range(-4096, 4096)] [Quantize(0.01f)] public Vector2 Value; }

    /// <summary>Only its owner receives it (which marks the owner's copy with LocalOwner) and predicts it.</summary>
    [Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Predict)]
    public struct Ship { [Range(-4096, 4096)] [Quantize(0.01f)] public Vector2 Position; }

    /// <summary>The player's input command, sent every tick.</summary>
    [NetInput]
    public struct Steer { [Range(-1, 1)] [Quantize(0.01f)] public float X, Y; }

    /// <summary>One rule for the server and the owner's prediction: a ship with input moves.</summary>
    public sealed class ShipSystem(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription ships = new QueryDescription().WithAll<Ship, Position>();

        public override void Update(in float dt)
        {
            float step = dt;
            World.Query(in ships, (Entity entity, ref Ship ship, ref Position position) =>
            {
                if (!World.TryGetInput(entity, out Steer steer)) return;    // not ours to simulate
                ship.Position += new Vector2(steer.X, steer.Y) * 10f * step;
                position.Value = ship.Position;
            });
        }
    }
}
