using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Systems;

namespace OnlineMatch;

/// <summary>Everyone near it sees it, smoothly between snapshots.</summary>
[Replicated(Smoothing = Smoothing.Interpolate)]
public struct Position { [Range(-4096, 4096)] [Quantize(0.01f)] public Vector2 Value; }

/// <summary>Only its owner receives it (so the owner's copy carries LocalOwner) and predicts it.</summary>
[Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Predict)]
public struct Ship { [Range(-4096, 4096)] [Quantize(0.01f)] public Vector2 Position; }

/// <summary>Scenery: seen by whoever is near it.</summary>
[Replicated]
public struct Crate { public byte Kind; }

/// <summary>The player's input command, sent every tick.</summary>
[NetInput]
public struct Steer { [Range(-1, 1)] [Quantize(0.01f)] public float X, Y; }

/// <summary>A chat line: from a client to the server, and from the server to clients.</summary>
[Rpc]
public struct Chat { public FixedString64 Text; }

/// <summary>One rule for the server and the owner's prediction: a ship with input moves.</summary>
public sealed class ShipSystem(World world) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription ships = new QueryDescription().WithAll<Ship, Position>();

    public override void Update(in float dt)
    {
        float step = dt;
        World.Query(in ships, (Entity entity, ref Ship ship, ref Position position) =>
        {
            if (!World.TryGetInput(entity, out Steer steer)) return;
            ship.Position += new Vector2(steer.X, steer.Y) * 10f * step;
            position.Value = ship.Position;
        });
    }
}

/// <summary>Server: passes each chat line to everyone else and answers the sender.</summary>
public sealed class ChatRelay(World world) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription chats = new QueryDescription().WithAll<Chat, RpcSource>();

    public override void Update(in float dt) => World.Query(in chats, (ref Chat chat, ref RpcSource from) =>
    {
        World.SendRpc(chat, RpcTarget.AllExcept(from.Connection));
        World.SendRpc(new Chat { Text = "welcome" }, RpcTarget.To(from.Connection));
    });
}

/// <summary>One player's client: its world, connection, prediction, and what it heard.</summary>
public sealed class Pilot : IDisposable
{
    private static readonly QueryDescription Mine = new QueryDescription().WithAll<Ship, LocalOwner>();
    private static readonly QueryDescription Visible = new QueryDescription().WithAll<NetworkId>();
    private static readonly QueryDescription Crates = new QueryDescription().WithAll<Crate>();

    public Pilot(string name, ReplicationRegistry registry, RpcRegistry rpcRegistry, ulong protocolId)
    {
        Name = name;
        NetClient = new NetClient(UdpTransport.Bind(0), new NetClientOptions { ProtocolId = protocolId, SchemaHash = registry.ProtocolHash }, ownsTransport: true);
        var client = new NetworkClient(World, NetClient, registry);
        new RpcClient(client, rpcRegistry);
        var prediction = new ClientPrediction<Steer, SteerSerializer>(client,
            new Group<float>("predicted", new ShipSystem(World)), tick => new Steer { X = 1 });   // read the controls here
        Group = new Group<float>(name, client, prediction, new Listener(this));
    }

    public string Name { get; }
    public World World { get; } = World.Create();
    public NetClient NetClient { get; }
    public Group<float> Group { get; }
    public List<string> Chats { get; } = [];
    public List<string> Joins { get; } = [];
    public List<ulong> Leaves { get; } = [];
    public DisconnectReason? Disconnect { get; private set; }
    public bool OwnsShip => World.CountEntities(in Mine) == 1;
    public int VisibleEntities => World.CountEntities(in Visible);
    public bool SeesCrate => World.CountEntities(in Crates) > 0;

    public void Dispose()
    {
        NetClient.Dispose();
        World.Dispose();
    }

    /// <summary>RPCs and connection events are entities for one tick: ordinary queries read them.</summary>
    private sealed class Listener(Pilot pilot) : BaseSystem<World, float>(pilot.World)
    {
        private readonly QueryDescription chats = new QueryDescription().WithAll<Chat, RpcSource>();
        private readonly QueryDescription joins = new QueryDescription().WithAll<PlayerJoined>();
        private readonly QueryDescription leaves = new QueryDescription().WithAll<PlayerLeft>();
        private readonly QueryDescription disconnects = new QueryDescription().WithAll<DisconnectedEvent>();

        public override void Update(in float dt)
        {
            World.Query(in chats, (ref Chat chat) => pilot.Chats.Add(chat.Text.ToString()));
            World.Query(in joins, (ref PlayerJoined joined) => pilot.Joins.Add(joined.Name.ToString()));
            World.Query(in leaves, (ref PlayerLeft left) => pilot.Leaves.Add(left.PlayerId));
            World.Query(in disconnects, (ref DisconnectedEvent e) => pilot.Disconnect = e.Reason);
        }
    }
}
