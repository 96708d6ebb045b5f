using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Rally;

// A rally as a newcomer writes it from the docs: a dedicated server and two players in one process. The players log in
// and join a session through the Multiplayer facade (docs/sessions.md, "Without a backend"), drive predicted cars whose
// positions the others see interpolated (only what is near them: interest management), honk through an RPC, and end
// on a leaderboard and a cloud save. `dotnet run --project samples/Rally -- udp|tcp|ws` picks the transport.
string transport = args is [var chosen] ? chosen : "udp";
const ulong protocolId = 0x52414C59;
var registry = ReplicationRegistry.FromLoadedSchemas();
var rpcRegistry = RpcRegistry.FromLoadedSchemas();

// Online services, embedded on SQLite: accounts, a leaderboard, cloud saves (docs/ONLINE-API.md); a throwaway
// database file, deleted when `online` is disposed (a killed run leaves rally-{pid}-….db in the temporary folder).
await using var online = await OnlineServices.OpenTemporarySqliteAsync("rally",
    new OnlineServicesOptions { Authentication = new() { TokenSigningKey = RandomNumberGenerator.GetBytes(32) } });
await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("distance"));

// The server's socket, bound to loopback so that its LocalAddress is the address players reach it at.
var loopback = new IPEndPoint(IPAddress.Loopback, 0);
IDatagramTransport socket = transport switch
{
    "tcp" => TcpTransport.Listen(loopback),
    "ws" => WebSocketServerTransport.Listen(loopback),   // Traktor.Ecs.Net.Web
    _ => new UdpTransport(loopback),
};

// The directory seals connect tokens with the key the server opens them with, naming the server's address.
byte[] serverKey = ConnectTokenIssuer.GenerateServerKey();
var sessions = new InProcessSessions(new SessionTokenOptions { ServerKey = serverKey, ProtocolId = protocolId }, [socket.LocalAddress]);
var session = await sessions.CreateSessionAsync(new SessionOptions("grand prix", 4));

// Server: admits the session's ticket holders only (its relay); a player sees what is within 100 m of its car.
using var world = World.Create();
using var netServer = new NetServer(socket, new NetServerOptions
{
    ProtocolId = protocolId, PrivateKey = serverKey, SchemaHash = registry.ProtocolHash,
}, ownsTransport: true);
var server = new NetworkServer(world, netServer, registry,
    new ServerReplicationOptions { Relevancy = new SpatialRelevancy<Position>(p => p.Value, radius: 100f) });
var rpcs = new RpcServer(server, rpcRegistry).AllowFromClients<Honk>();
using var relay = new SessionRelay(rpcs, session.Id, session.MaxPlayers, directory: sessions);   // adds its own approval to netServer
sessions.Attach(relay);
server.PlayerConnected += joined =>
{
    if (joined.Reconnected) return;   // a returning player already has its car
    var car = world.Create(new Position(), new Car(), new Driver { UserId = (long)joined.ClientId }, new NetworkOwner(joined.Connection));
    server.SetPlayerEntity(joined.Connection, car);
};
world.Create(new Position { Value = new Vector2(20, 0) }, new Flag { Colour = 1 });       // by the start line: seen
world.Create(new Position { Value = new Vector2(1000, 1000) }, new Flag { Colour = 2 }); // far away: never sent
var serverGroup = new Group<float>("server", server, new ServerInputs<Drive, DriveSerializer>(server), new CarSystem(world), new HonkRelay(world));

using var alice = new Player("alice", new Vector2(1, 0), transport, protocolId, registry, rpcRegistry, online.Authentication, sessions);
using var bob = new Player("bob", new Vector2(0, 0.5f), transport, protocolId, registry, rpcRegistry, online.Authentication, sessions);
var loop = new NetworkLoop(tickRate: 60).Add(serverGroup, alice.Group, bob.Group);
bool RunUntil(Func<bool> done)   // the connections are made on the tick: keep ticking while the facade works
{
    for (var deadline = DateTime.UtcNow.AddMinutes(1); !done(); Thread.Sleep(1))
    {
        if (DateTime.UtcNow > deadline) return false;
        loop.Update();
    }

    return true;
}

Task<SessionInfo>[] joins = [alice.Multiplayer.JoinSessionAsync(session.Id), bob.Multiplayer.JoinSessionAsync(session.Id)];
if (!RunUntil(() => joins.All(join => join.IsCompleted))) return Fail("the joins did not complete");
foreach (var join in joins) await join;   // a refused join throws here
var mine = new QueryDescription().WithAll<Car, LocalOwner>();
var cars = new QueryDescription().WithAll<Car, Driver>();
var otherCars = new QueryDescription().WithAll<Position>().WithNone<LocalOwner, Flag>();
var flags = new QueryDescription().WithAll<Flag>();
if (!RunUntil(() => alice.World.CountEntities(in mine) == 1 && bob.World.CountEntities(in mine) == 1)) return Fail("the cars did not reach their drivers");

alice.World.SendRpc(new Honk { Loudness = 3 }, RpcTarget.Server);   // sent at the end of alice's next tick
long start = loop.Ticks;
if (!RunUntil(() => loop.Ticks >= start + 120 && bob.Honks > 0)) return Fail("bob never heard alice honk");   // drive for 2 s

long aliceId = alice.Multiplayer.UserId!.Value;
Vector2 authoritative = default, predicted = default;
world.Query(in cars, (ref Car car, ref Driver driver) => { if (driver.UserId == aliceId) authoritative = car.Position; });
alice.World.Query(in mine, (ref Car car) => predicted = car.Position);
Console.WriteLine($"alice: predicted {predicted}, server {authoritative}, {alice.Prediction.Replays} replays");
Console.WriteLine($"alice sees {alice.World.CountEntities(in otherCars)} other car(s) and {alice.World.CountEntities(in flags)} flag(s); bob heard {bob.Honks} honk(s)");
Console.WriteLine($"bob heard {string.Join(", ", bob.Joined.Order())} join");

// The race ends: distances go on the leaderboard, alice keeps her best in the cloud, bob leaves the session.
var distances = new List<(long User, long Metres)>();
world.Query(in cars, (ref Car car, ref Driver driver) => distances.Add((driver.UserId, (long)car.Position.Length())));
foreach (var (user, metres) in distances)
    await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("distance", user, metres, IdempotencyKey: $"{session.Id}-{user}"));
var top = await online.Leaderboards.GetLeaderboardAsync("distance", offset: 0, limit: 10);
Console.WriteLine($"leaderboard: {string.Join(" | ", top.Entries.Select(entry => $"#{entry.Rank} {entry.Username}"))}");
await online.CloudSave.PutAsync(aliceId, "profile", Encoding.UTF8.GetBytes($"best={distances.Single(d => d.User == aliceId).Metres}"));
var saved = await online.CloudSave.GetAsync(aliceId, "profile");
Console.WriteLine($"alice's cloud save: {Encoding.UTF8.GetString(saved!.Data)}");

var leaving = bob.Multiplayer.LeaveSessionAsync();
if (!RunUntil(() => leaving.IsCompleted && alice.Left.Count == 1)) return Fail("alice never heard bob leave");
Console.WriteLine($"bob left: {await leaving}; alice heard {string.Join(", ", alice.Left)} leave; over {alice.Network.Transport.GetStats().Transport}");
return 0;

static int Fail(string why)
{
    Console.WriteLine($"FAILED: {why}");
    return 1;
}
