using System.Net;
using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Systems;
using CoopHost;

// A co-op game hosted by one player (docs/P2P.md, "Host mode"): no dedicated server. The host plays in the authoritative
// world; a friend joins over UDP (on loopback here; a friend on the LAN connects to the host's address). Both fly ships and
// pick up the coins, hear each pickup and chat; then the host quits and the friend is told why.
var registry = ReplicationRegistry.FromLoadedSchemas();
var rpcRegistry = RpcRegistry.FromLoadedSchemas();

// The host: a NetworkHost where a dedicated server's NetworkServer would go; its own player is client 1.
using var world = World.Create();
var transport = new NetServer(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)),
    new NetServerOptions { ProtocolId = 7, Insecure = true, SchemaHash = registry.ProtocolHash }, ownsTransport: true);
var host = new NetworkHost(world, transport, registry, localClientId: 1);
host.Server.PlayerConnected += joined =>
{
    if (!joined.Reconnected)   // every player's ship, the host's own included
        host.Server.SetPlayerEntity(joined.Connection, world.Create(new Position(), new Ship(), new NetworkOwner(joined.Connection)));
};
var inputs = new ServerInputs<Steer, SteerSerializer>(host.Server);
new RpcServer(host.Server, rpcRegistry).AllowFromClients<Chat>();
new HostInputs<Steer, SteerSerializer>(host, tick => new Steer { X = 1 });   // the host's controls: east
for (int i = 1; i <= 3; i++)
{
    world.Create(new Coin { Position = new Vector2(i, 0) });
    world.Create(new Coin { Position = new Vector2(0, i) });
}

var hostHud = new Hud(world, host);
var hostGroup = new Group<float>("host", host, inputs, new ShipSystem(world), new CoinPickup(world), hostHud);

// The friend: an ordinary client of the host, with the README's prediction.
using var friendWorld = World.Create();
var netClient = new NetClient(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)),
    new NetClientOptions { ProtocolId = 7, Insecure = true, SchemaHash = registry.ProtocolHash }, ownsTransport: true);
var client = new NetworkClient(friendWorld, netClient, registry);
new RpcClient(client, rpcRegistry);
var prediction = new ClientPrediction<Steer, SteerSerializer>(client,
    new Group<float>("predicted", new ShipSystem(friendWorld)), tick => new Steer { Y = 1 });   // the friend's controls: north
var friendHud = new Hud(friendWorld, host: null);
var friendGroup = new Group<float>("friend", client, prediction, friendHud);
netClient.ConnectInsecure(transport.LocalAddress, clientId: 2);   // the host's address (here 127.0.0.1:port)

var loop = new NetworkLoop(tickRate: 60).Add(hostGroup, friendGroup);
void RunUntil(string what, Func<bool> done)
{
    for (var deadline = DateTime.UtcNow.AddMinutes(1); !done(); Thread.Sleep(1))
    {
        if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
        loop.Update();
    }
}

RunUntil("the friend joins and says hi", () => hostHud.Chat.Length > 0);
host.SendRpc(new Chat { Text = "welcome" });   // the host's player chats like any player: through the server's rules
RunUntil("every coin is picked up and heard", () => hostHud.Pickups == 6 && friendHud.Pickups == 6 && friendHud.Chat.Length > 0);
var ships = new QueryDescription().WithAll<Position>();
Console.WriteLine($"host: {world.CountEntities(in ships)} ships, heard {hostHud.Pickups} pickups, chat: {hostHud.Chat}");
Console.WriteLine($"friend: {friendWorld.CountEntities(in ships)} ships, heard {friendHud.Pickups} pickups, chat: {friendHud.Chat}");

// The host quits: disposing its transport tells the friend at once (disposing only the NetworkHost would leave it to time out).
transport.Dispose();
loop = new NetworkLoop(tickRate: 60).Add(friendGroup);
RunUntil("the friend hears the host quit", () => friendHud.Ended is not null);
Console.WriteLine($"friend: the host ended the game ({friendHud.Ended})");
return 0;

namespace CoopHost
{
    [Replicated(Smoothing = Smoothing.Interpolate)]
    public struct Position { [Range(-1024, 1024)] [Quantize(0.01f)] public Vector2 Value; }

    /// <summary>Only its owner receives it, and predicts it; on the host the host's own ship carries LocalOwner too.</summary>
    [Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Predict)]
    public struct Ship { [Range(-1024, 1024)] [Quantize(0.01f)] public Vector2 Position; }

    [Replicated(Smoothing = Smoothing.Snap)]
    public struct Coin { [Range(-1024, 1024)] [Quantize(0.01f)] public Vector2 Position; }

    [NetInput]
    public struct Steer { [Range(-1, 1)] [Quantize(0.01f)] public float X, Y; }

    [Rpc]
    public struct Chat { public FixedString64 Text; }

    /// <summary>Server to every player, the host's included.</summary>
    [Rpc]
    public struct CoinTaken { [Range(-1024, 1024)] [Quantize(0.01f)] public Vector2 At; }

    /// <summary>One rule for the host's world and the friend's prediction.</summary>
    public sealed class ShipSystem(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription ships = new QueryDescription().WithAll<Ship, Position>();

        public override void Update(in float dt)
        {
            float step = dt;
            World.Query(in ships, (Entity entity, ref Ship ship, ref Position position) =>
            {
                if (!World.TryGetInput(entity, out Steer steer)) return;
                ship.Position += new Vector2(steer.X, steer.Y) * 4f * step;
                position.Value = ship.Position;
            });
        }
    }

    /// <summary>The host's authority: a ship near a coin takes it, and every player hears it.</summary>
    public sealed class CoinPickup(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription ships = new QueryDescription().WithAll<Ship>();
        private readonly QueryDescription coins = new QueryDescription().WithAll<Coin>();

        public override void Update(in float dt)
        {
            World.Query(in ships, (ref Ship ship) =>
            {
                var at = ship.Position;
                World.Query(in coins, (Entity coin, ref Coin c) =>
                {
                    if (Vector2.Distance(c.Position, at) > 0.25f) return;
                    World.Destroy(coin);   // deferred to the end of the query
                    World.SendRpc(new CoinTaken { At = c.Position }, RpcTarget.AllClients);
                });
            });
        }
    }

    /// <summary>
    /// What a player hears. A client hears RPCs as entities with an RpcSource; the host's own player hears the server's RPCs
    /// meant for it as the outgoing entities (host.IsForLocalPlayer), since nothing travels to it. The host also relays chat.
    /// </summary>
    public sealed class Hud(World world, NetworkHost? host) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription received = new QueryDescription().WithAll<CoinTaken, RpcSource>();
        private readonly QueryDescription sent = new QueryDescription().WithAll<CoinTaken>().WithNone<RpcSource>();
        private readonly QueryDescription chats = new QueryDescription().WithAll<Chat, RpcSource>();

        public int Pickups { get; private set; }
        public string Chat { get; private set; } = "";
        public DisconnectReason? Ended { get; private set; }

        public override void Update(in float dt)
        {
            if (host is null)
            {
                World.Query(in received, (ref CoinTaken _) => Pickups++);
                World.Query(new QueryDescription().WithAll<ConnectedEvent>(), (Entity _) => World.SendRpc(new Chat { Text = "hi" }, RpcTarget.Server));
                World.Query(new QueryDescription().WithAll<DisconnectedEvent>(), (ref DisconnectedEvent e) => Ended = e.Reason);
            }
            else
            {
                World.Query(in sent, (Entity rpc, ref CoinTaken _) => { if (host.IsForLocalPlayer(rpc)) Pickups++; });
            }

            World.Query(in chats, (ref Chat chat, ref RpcSource from) =>
            {
                Chat += (Chat.Length > 0 ? ", " : "") + chat.Text;
                if (host is not null) World.SendRpc(chat, RpcTarget.AllExcept(from.Connection));   // the host relays to the others
            });
        }
    }
}
