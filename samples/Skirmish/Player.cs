using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Systems;

namespace Skirmish;

/// <summary>A player's client: its own world, network plugin, RPCs and predicted ship.</summary>
public sealed class Player
{
    public Player(int id, NetAddress server, LinkConditions link)
    {
        Id = id;
        Server = server;
        Transport = new NetClient(new LinkSimulator(UdpTransport.Bind(), link, TimeProvider.System, seed: id), Game.ClientOptions, ownsTransport: true);
        Network = new NetworkClient(World, Transport, Game.Registry, Game.TickRate);
        new RpcClient(Network, Game.Rpcs);
        var smoothing = new PredictionSmoothing<Ship>(s => new Vector3(s.Position, 0), snapDistance: 50f);   // for rendering
        Prediction = new ClientPrediction<Steer, SteerSerializer>(Network, new Group<float>("predicted", new ShipSystem(World)),
            tick => Active ? new Steer { X = MathF.Sin((tick + (id * 40)) * 0.03f), Y = MathF.Cos(tick * 0.02f) } : default,
            Game.TickRate, new ClientPredictionOptions { Smoothing = smoothing });
        Group = new Group<float>($"player {id}", Network, Prediction, new PlayerRules(World, this));
        Connect();
    }

    public int Id { get; }
    public NetAddress Server { get; }
    public World World { get; } = World.Create();
    public NetClient Transport { get; }
    public NetworkClient Network { get; }
    public ClientPrediction<Steer, SteerSerializer> Prediction { get; }
    public Group<float> Group { get; }
    public bool Active { get; set; } = true;                              // steering and shooting
    public int ChatsHeard { get; set; }
    public int ShotsSeen { get; set; }
    public bool SawItAll => ChatsHeard >= 2 && ShotsSeen > 0 && Network.Replication.Counters.Despawns > 0
        && World.CountEntities(in PlayerRules.Mine) == 1;

    public void Connect() => Transport.ConnectInsecure(Server, (ulong)Id);
}

/// <summary>Client rules: shoot now and then, chat every other shot, count what others say and shoot.</summary>
public sealed class PlayerRules(World world, Player player) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription chats = new QueryDescription().WithAll<Chat, RpcSource>();
    private readonly QueryDescription shots = new QueryDescription().WithAll<Fired, RpcSource>();
    public static readonly QueryDescription Mine = new QueryDescription().WithAll<Ship, LocalOwner>();
    private int ticks;

    public override void Update(in float dt)
    {
        if (player.Active && World.CountEntities(in Mine) > 0 && ++ticks % 30 == player.Id)
        {
            World.SendRpc(new Fire { Direction = new Vector2(MathF.Cos(ticks), MathF.Sin(ticks)) }, RpcTarget.Server);
            if (ticks % 60 == player.Id) World.SendRpc(new Chat { Text = $"player {player.Id} fires" }, RpcTarget.Server);
        }

        player.ChatsHeard += World.CountEntities(in chats);
        player.ShotsSeen += World.CountEntities(in shots);
    }
}
