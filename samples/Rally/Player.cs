using System.Numerics;

namespace Rally;

/// <summary>One player's side: its world, network client, prediction, and the Multiplayer facade that logs in and joins.</summary>
public sealed class Player : IDisposable
{
    public Player(string name, Vector2 steering, string transport, ulong protocolId, ReplicationRegistry registry, RpcRegistry rpcs,
        IAuthentication authentication, ISessions sessions)
    {
        IDatagramTransport socket = transport switch   // the kind the server listens on (docs/TRANSPORT.md)
        {
            "tcp" => TcpTransport.CreateClient(),
            "ws" => WebSocketClientTransport.CreateClient(),
            _ => UdpTransport.Bind(),
        };
        Network = new NetworkClient(World, new NetClient(socket,
            new NetClientOptions { ProtocolId = protocolId, SchemaHash = registry.ProtocolHash }, ownsTransport: true), registry);
        _ = new RpcClient(Network, rpcs);   // PlayerJoined / PlayerLeft and the honks arrive as RPCs
        Prediction = new ClientPrediction<Drive, DriveSerializer>(Network, new Group<float>("predicted", new CarSystem(World)),
            tick => new Drive { X = steering.X, Y = steering.Y });   // read the controls here
        Multiplayer = new Multiplayer(Network, authentication, sessions, new MultiplayerAccount(name, "correct horse battery", RegisterIfMissing: true));
        Multiplayer.PlayerJoined += joined => Joined.Add(joined.Name.ToString());
        Multiplayer.PlayerLeft += left => Left.Add(left.Name.ToString());
        Group = new Group<float>(name, Network, Prediction, Multiplayer, new HonkCounter(World, this));   // the plugin first
    }

    public World World { get; } = World.Create();

    public NetworkClient Network { get; }

    public ClientPrediction<Drive, DriveSerializer> Prediction { get; }

    public Multiplayer Multiplayer { get; }

    public Group<float> Group { get; }

    public List<string> Joined { get; } = [];

    public List<string> Left { get; } = [];

    public int Honks { get; set; }

    /// <summary>Quits: the facade leaves its session, the client disconnects and closes its socket, then the world goes.</summary>
    public void Dispose()
    {
        Multiplayer.Dispose();
        Network.Transport.Dispose();
        Group.Dispose();
        World.Dispose();
    }
}
