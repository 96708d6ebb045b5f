using System.Net;
using System.Numerics;
using Demo.Game;
using Demo.Run;
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
    /// <param name="transport">How the bot reaches the server (UDP unless <c>--transport</c> says otherwise).</param>
    /// <param name="scriptPath">A Lua pilot (<see cref="ScriptedBotBrain"/>) to fly the bot instead of the built-in brain.</param>
    /// <param name="sessions">A system ticked right after the network plugin (the fleet demo's <see cref="Multiplayer"/>), or null.</param>
    /// <param name="socket">The bot's own socket (<c>--nat</c>: its NAT traversal behind its simulated NAT); a new one of <paramref name="transport"/> when null.</param>
    public BotClient(int pilotId, string name, LinkConditions conditions, bool insecure, ILogger logger, TransportKind transport = TransportKind.Udp, string? scriptPath = null,
        Func<NetworkClient, ISystem<float>>? sessions = null, IDatagramTransport? socket = null)
    {
        PilotId = pilotId;
        Name = name;
        link = new LinkSimulator(socket ?? DemoTransports.Client(transport, logger), conditions, TimeProvider.System, seed: pilotId);
        Transport = new NetClient(link, new NetClientOptions
        {
            ProtocolId = DemoProtocol.Id,
            SchemaHash = DemoProtocol.Registry.ProtocolHash,
            Insecure = insecure,
            ConnectTimeout = ConnectTimeout,
        }, TimeProvider.System, logger);
        World = World.Create();
        Network = new NetworkClient(World, Transport, DemoProtocol.Registry, Arena.TickRate, TimeProvider.System, logger);
        Rpcs = new RpcClient(Network, DemoProtocol.Rpcs, logger: logger);
        var brain = scriptPath is null
            ? (BaseSystem<World, float>)new BotBrainSystem(World, Transport, seed: pilotId)
            : new ScriptedBotBrain(World, scriptPath, logger);
        Brain = (IBotBrain)brain;
        Smoothing = new PredictionSmoothing<ShipBody>(b => new Vector3(b.Position, 0f), snapDistance: 40f);
        Prediction = new ClientPrediction<ShipInput, ShipInputSerializer>(
            Network,
            new Group<float>("predicted", new ShipPredictionSystem(World)),
            new QueryDescription().WithAll<ShipBody>(),
            _ => Brain.Input,
            Arena.TickRate,
            new ClientPredictionOptions { Smoothing = Smoothing });
        ISystem<float>[] systems = sessions is null ? [Network, brain, Prediction] : [Network, sessions(Network), brain, Prediction];
        Group = new Group<float>(name, systems);
        Group.Initialize();
    }

    /// <summary>
    /// How long a bot keeps trying to connect. Longer than a game client's default (5 s) because the demo starts the server
    /// and every bot in the same instant on one thread: its first ticks carry the JIT and the backend's start, and on a
    /// busy two-core machine (a CI run beside other test processes) the handshake's round trips alone took over 5 s.
    /// </summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

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

    /// <summary>The bot's decision making: the built-in brain or a Lua script.</summary>
    public IBotBrain Brain { get; }

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
    public void ConnectInsecure(NetAddress server) => Transport.ConnectInsecure(server, (ulong)PilotId);

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
