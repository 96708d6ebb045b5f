using System.Net;
using System.Numerics;
using Demo.Game;
using Microsoft.Extensions.Logging;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Demo.Bots;

/// <summary>
/// One bot player: its own client world with the network plugin and a bot brain in a system group, on
/// its own loopback UDP socket behind a link simulator, exactly like a separate game client.
/// </summary>
public sealed class BotClient : IDisposable
{
    private readonly LinkSimulator link;

    /// <summary>Creates the bot; call <see cref="ConnectWithToken"/> or <see cref="ConnectInsecure"/> next.</summary>
    /// <param name="pilotId">The client id the server knows it by (its account's user id when logged in).</param>
    /// <param name="name">The account name, for the dashboard.</param>
    /// <param name="conditions">The simulated link on the bot's outgoing side.</param>
    /// <param name="insecure">Whether the server runs in the insecure (LAN/dev) mode.</param>
    /// <param name="logger">Diagnostics.</param>
    public BotClient(int pilotId, string name, LinkConditions conditions, bool insecure, ILogger logger)
    {
        PilotId = pilotId;
        Name = name;
        link = new LinkSimulator(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), logger), conditions, TimeProvider.System, seed: pilotId);
        Transport = new NetClient(link, new NetClientOptions
        {
            ProtocolId = DemoProtocol.Id,
            SchemaHash = DemoProtocol.Registry.ProtocolHash,
            Insecure = insecure,
        }, TimeProvider.System, logger);
        World = World.Create();
        Network = new NetworkClient(World, Transport, DemoProtocol.Registry, Arena.TickRate, TimeProvider.System, logger);
        Rpcs = new RpcClient(Network, DemoProtocol.Rpcs, logger: logger);
        Brain = new BotBrainSystem(World, Transport, seed: pilotId);
        Smoothing = new PredictionSmoothing<ShipBody>(b => new Vector3(b.Position, 0f), snapDistance: 40f);
        Prediction = new ClientPrediction<ShipInput, ShipInputSerializer>(
            Network,
            new Group<float>("predicted", new ShipPredictionSystem(World)),
            new QueryDescription().WithAll<ShipBody>(),
            _ => Brain.Input,
            Arena.TickRate,
            new ClientPredictionOptions { Smoothing = Smoothing });
        Group = new Group<float>(name, Network, Brain, Prediction);
        Group.Initialize();
    }

    /// <summary>The pilot id (client id).</summary>
    public int PilotId { get; }

    /// <summary>The account name.</summary>
    public string Name { get; }

    /// <summary>The bot's replicated view of the world.</summary>
    public World World { get; }

    /// <summary>The client network plugin.</summary>
    public NetworkClient Network { get; }

    /// <summary>The transport client.</summary>
    public NetClient Transport { get; }

    /// <summary>The client's RPC layer (fire requests).</summary>
    public RpcClient Rpcs { get; }

    /// <summary>The bot's decision making.</summary>
    public BotBrainSystem Brain { get; }

    /// <summary>Predicts the bot's own ship from its input commands.</summary>
    public ClientPrediction<ShipInput, ShipInputSerializer> Prediction { get; }

    /// <summary>Turns small prediction corrections into glides, and counts them.</summary>
    public PredictionSmoothing<ShipBody> Smoothing { get; }

    /// <summary>The client's timed system group.</summary>
    public Group<float> Group { get; }

    /// <summary>Whether the bot ever completed the handshake.</summary>
    public bool EverConnected { get; private set; }

    /// <summary>Connects with a connect token from the online login.</summary>
    public void ConnectWithToken(byte[] token) => Transport.Connect(token);

    /// <summary>Connects without a token, to a server in the insecure mode.</summary>
    public void ConnectInsecure(IPEndPoint server) =>
        Transport.ConnectInsecure(NetAddress.Parse($"{server.Address}:{server.Port}"), (ulong)PilotId);

    /// <summary>Runs one client tick: receive and apply snapshots, decide, send.</summary>
    public void Tick(float deltaTime)
    {
        Group.Tick(in deltaTime);
        EverConnected |= Transport.State == ClientState.Connected;
    }

    /// <summary>Leaves the server politely, so it frees the ship at once instead of timing out.</summary>
    public void Disconnect()
    {
        if (Transport.State == ClientState.Connected)
        {
            Transport.Disconnect();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Group.Dispose();
        Transport.Dispose();
        link.Dispose();
        World.Dispose();
    }
}
