// One player of a listen-server game that survives its host. Run the first host and three joiners, all with one key
// (make it with `openssl rand -hex 32`):
//   dotnet run --project samples/HostMigration -- --id 1 --key <64 hex> --host
//   dotnet run --project samples/HostMigration -- --id 2 --key <64 hex> --join 127.0.0.1:<port printed by the host>
// then kill the host (kill -KILL): the joiners elect its successor and play on. Every 50 ms each prints a status line.
// The game is over after --duration seconds (60) or when `end` is typed: the peer that hosts then ends the session for
// everyone (EndSession; its players are out and stop, nobody migrates), a player that does not host leaves (Dispose).
// Each then prints a last status line, its end screen: after EndSession the same world on every peer.
using System.Globalization;
using System.Net;
using HostMigration;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Systems;

var options = Options.Parse(args);
var registry = ReplicationRegistry.FromLoadedSchemas();
using var clientSocket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
using var standbySocket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
using var world = World.Create();
var settings = new MigrationOptions { ProtocolId = Options.Protocol };

// The first host's key is the one its joiners' tokens are sealed with (a backend would issue them); every other
// peer makes its own, which it tells the host, and the host hands the other peers tokens sealed with it.
var peer = new MigratingPeer(world, registry, options.Id, clientSocket, standbySocket, settings,
    host => [new Arena(world, host)],
    client => [],
    standbyKey: options.Host ? options.Key : null);
peer.HostChanged += id => Console.WriteLine($"migrated host={id} in={peer.LastMigrationDuration?.TotalMilliseconds:F0}ms");

if (options.Host)
{
    peer.StartHost();
    Console.WriteLine($"standby {peer.StandbyAddress}");
}
else
{
    var token = new ConnectTokenIssuer(options.Key, Options.Protocol).Issue(options.Id, [], TimeSpan.FromMinutes(10), [options.Join!.Value], settings.TimeoutSeconds);
    peer.Join(token, hostClientId: 1);
}

// `end` on the console is the game's "end match" button. Without a console (no input) only the duration ends the game.
using var over = new CancellationTokenSource();
new Thread(() =>
{
    while (Console.ReadLine() is { } line)
    {
        if (line.Trim() == "end") over.Cancel();
    }
}) { IsBackground = true }.Start();

var loop = new NetworkLoop(settings.TickRate).Add(new Group<float>("player", peer));
var clock = System.Diagnostics.Stopwatch.StartNew();
var nextStatus = TimeSpan.Zero;
while (clock.Elapsed < options.Duration && !over.IsCancellationRequested && peer.Role != MigrationRole.Out)
{
    loop.Update();
    if (clock.Elapsed >= nextStatus)
    {
        nextStatus = clock.Elapsed + TimeSpan.FromMilliseconds(50);
        Console.WriteLine(Status.Line(world, peer, clock.Elapsed));
    }

    Thread.Sleep(1);
}

if (peer.IsHost)
{
    // The game is over: the host ends it for everyone. Dispose alone would shut the server down, which the players take
    // for the host's loss: they would elect a successor and play on without it.
    peer.EndSession();
    Console.WriteLine("ended");

    // The peer's server runs on for its players alone until each holds the final world (at most EndDeliveryWait): tick it
    // until it is done before the Dispose below, which would tell them at once.
    while (peer.IsDeliveringEnd)
    {
        loop.Update();
        Thread.Sleep(1);
    }
}
else if (peer.Role == MigrationRole.Out)
{
    Console.WriteLine($"out reason={peer.OutReason}"); // SessionEnded: the host ended the game
}

// The end screen: every peer's world keeps the game's last state (the host's world; a player's newest state from it), so
// this last status line lists the same ships and beacons on every peer after the host ended the game.
Console.WriteLine(Status.Line(world, peer, clock.Elapsed));
peer.Dispose(); // a player that still plays leaves the session
Console.WriteLine("done");

namespace HostMigration
{
    /// <summary>A player's ship: its seat is the player's client id, so every peer can tell whose it is.</summary>
    [Replicated]
    public struct Ship
    {
        [Range(-100000, 100000)] [Quantize(0.01f)] public System.Numerics.Vector2 Position;
        [Range(0, 1000)] public int Seat;
    }

    /// <summary>A world entity nobody owns; the host moves it.</summary>
    [Replicated(Smoothing = Smoothing.Interpolate)]
    public struct Beacon
    {
        [Range(-100000, 100000)] [Quantize(0.01f)] public System.Numerics.Vector2 Position;
    }

    /// <summary>The host's rules: a ship per new player (none for a returning one), beacons in the world, everything drifts.</summary>
    public sealed class Arena : BaseSystem<World, float>
    {
        public Arena(World world, NetworkHost host)
            : base(world)
        {
            host.Server.PlayerConnected += joined =>
            {
                if (joined.Reconnected) return; // after a migration the player's ship is handed back, not spawned again
                var ship = world.Create(new Ship { Position = new(0, joined.ClientId * 10), Seat = (int)joined.ClientId }, new NetworkOwner(joined.Connection));
                host.Server.SetPlayerEntity(joined.Connection, ship);
            };
            host.Server.ClientDisconnected += (connection, reason) =>
            {
                // Not raised for the players let go after EndSession: the world is the end screen then, and keeps their ships.
                var gone = new List<Entity>();
                world.Query(new QueryDescription().WithAll<NetworkOwner>(), (Entity e, ref NetworkOwner o) => { if (o.Connection == connection) gone.Add(e); });
                foreach (var entity in gone) world.Destroy(entity);
            };
            if (world.CountEntities(new QueryDescription().WithAll<Beacon>()) == 0)
            {
                for (int i = 0; i < 8; i++) world.Create(new Beacon { Position = new(i * 5, 0) }); // the first host's; a successor has them already
            }
        }

        public override void Update(in float dt)
        {
            float step = dt;
            World.Query(new QueryDescription().WithAll<Ship>(), (ref Ship s) => s.Position.X += step);
            World.Query(new QueryDescription().WithAll<Beacon>(), (ref Beacon b) => b.Position.Y += step);
        }
    }

    /// <summary>The status line the process test reads.</summary>
    public static class Status
    {
        public static string Line(World world, MigratingPeer peer, TimeSpan elapsed)
        {
            var ships = new List<string>();
            world.Query(new QueryDescription().WithAll<Ship, NetworkId>(), (ref Ship s, ref NetworkId id) => ships.Add($"{s.Seat}:{id.Value}"));
            var beacons = new List<string>();
            float y = 0;
            world.Query(new QueryDescription().WithAll<Beacon, NetworkId>(), (ref Beacon b, ref NetworkId id) =>
            {
                beacons.Add(id.Value.ToString(CultureInfo.InvariantCulture));
                y = Math.Max(y, b.Position.Y);
            });
            uint tick = peer.Host?.Server.Replication.Tick ?? peer.Client?.Replication.NewestTick ?? 0;
            return string.Create(CultureInfo.InvariantCulture,
                $"status ms={elapsed.TotalMilliseconds:F0} role={peer.Role} host={peer.HostClientId} epoch={peer.Epoch} tick={tick} successors={string.Join(',', peer.Successors)} ships={string.Join(',', ships.Order())} beacons={string.Join(',', beacons.Order())} beaconY={y:F2}");
        }
    }

    /// <summary>Command line.</summary>
    public sealed record Options(ulong Id, byte[] Key, bool Host, NetAddress? Join, TimeSpan Duration)
    {
        public const ulong Protocol = 0x4D49_4752_4154_45;

        public static Options Parse(string[] args)
        {
            ulong id = 0;
            byte[] key = [];
            bool host = false;
            NetAddress? join = null;
            var duration = TimeSpan.FromSeconds(60);
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--id": id = ulong.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--key": key = Convert.FromHexString(args[++i]); break;
                    case "--host": host = true; break;
                    case "--join": join = NetAddress.Parse(args[++i]); break;
                    case "--duration": duration = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
                    default: throw new ArgumentException($"Unknown argument {args[i]}.");
                }
            }

            if (id == 0 || key.Length != 32 || host == (join is not null)) throw new ArgumentException("Usage: --id N --key <64 hex> (--host | --join ip:port) [--duration s]");
            return new Options(id, key, host, join, duration);
        }
    }
}
