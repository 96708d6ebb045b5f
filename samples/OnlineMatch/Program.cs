using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Systems;
using OnlineMatch;

// A match as a shipped game plays it, in one process: players log in (accounts and a leaderboard on SQLite),
// join a session through the directory, which hands them connect tokens for the game server, and play over
// encrypted UDP on loopback: predicted ships, interest management, a chat RPC each way, then scores.
const ulong ProtocolId = 0x4D415443;

// 1. Online services, embedded on SQLite in a throwaway file, deleted when `online` is disposed (a killed run leaves
//    online-match-{pid}-….db in the temporary folder; a real server opens
//    its own file with OpenSqliteAsync, and keeps its signing key secret and stable).
await using var online = await OnlineServices.OpenTemporarySqliteAsync("online-match", new OnlineServicesOptions
{
    Authentication = new() { TokenSigningKey = RandomNumberGenerator.GetBytes(32) },
});
await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("distance"));   // a board exists before scores go to it
var logins = new List<AuthSession>();
foreach (string name in new[] { "alice", "bob" })
{
    await online.Authentication.RegisterAsync(name, "correct horse battery");
    logins.Add(await online.Authentication.LoginAsync(name, "correct horse battery"));
}

// 2. The game server's socket and the session directory, which seals tokens with the key the server holds.
byte[] serverKey = ConnectTokenIssuer.GenerateServerKey();
var socket = UdpTransport.Bind(0);                                                // any free port, on [::]; the server owns it
var reachableAt = new IPEndPoint(IPAddress.Loopback, socket.LocalAddress.Port);   // tokens name where players reach it
var sessions = new InProcessSessions(new SessionTokenOptions { ServerKey = serverKey, ProtocolId = ProtocolId }, [reachableAt]);
var session = await sessions.CreateSessionAsync(new SessionOptions("duel", MaxPlayers: 2));

// 3. The dedicated server: it admits the session's ticket holders only (the relay), keeps what each player
//    sees to 150 units around its ship, and spawns a ship per new player.
var registry = ReplicationRegistry.FromLoadedSchemas();
var rpcRegistry = RpcRegistry.FromLoadedSchemas();
using var world = World.Create();
using var netServer = new NetServer(socket, new NetServerOptions
{
    ProtocolId = ProtocolId, PrivateKey = serverKey, SchemaHash = registry.ProtocolHash,
}, ownsTransport: true);                             // its Dispose closes the socket
var server = new NetworkServer(world, netServer, registry, new ServerReplicationOptions
{
    Relevancy = new SpatialRelevancy<Position>(p => p.Value, radius: 150f),
});
var rpcs = new RpcServer(server, rpcRegistry).AllowFromClients<Chat>();
using var relay = new SessionRelay(rpcs, session.Id, session.MaxPlayers, sessions);   // adds its own approval to netServer
sessions.Attach(relay);                              // the directory's leaves and ends reach the relay
var ships = new Dictionary<ulong, (Entity Ship, Vector2 Start)>();   // by client id: the user id the directory's token names
server.PlayerConnected += joined =>
{
    if (joined.Reconnected) return;
    var start = new Vector2(500f * ships.Count, 0);   // far apart: neither sees the other's ship
    var ship = world.Create(new Position { Value = start }, new Ship { Position = start }, new NetworkOwner(joined.Connection));
    server.SetPlayerEntity(joined.Connection, ship);
    ships[joined.ClientId] = (ship, start);
};
world.Create(new Position { Value = new Vector2(40, 0) }, new Crate());   // near the first ship only
var serverGroup = new Group<float>("server", server, new ServerInputs<Steer, SteerSerializer>(server), new ShipSystem(world), new ChatRelay(world));

// 4. The players: each joins the session (which takes a seat and returns a token) and connects with the token.
var pilots = new List<Pilot>();
foreach (var login in logins)
{
    var join = await sessions.JoinSessionAsync(session.Id, login.UserId, login.Username);   // the name reaches PlayerJoined
    if (!join.Succeeded) return Fail($"{login.Username} could not join: {join.Status}");
    var pilot = new Pilot(login.Username, registry, rpcRegistry, ProtocolId);
    pilot.NetClient.Connect(join.ConnectInfo!.ConnectToken);
    pilots.Add(pilot);
}

var loop = new NetworkLoop(tickRate: 60).Add(serverGroup).Add([.. pilots.Select(p => p.Group)]);
bool RunUntil(Func<bool> done)
{
    for (var deadline = DateTime.UtcNow.AddMinutes(1); !done(); Thread.Sleep(1))
    {
        if (DateTime.UtcNow > deadline) return false;
        loop.Update();
    }

    return true;
}

// 5. Play: everyone hears of both joins; alice says hello (client → server → bob, and an answer to her).
if (!RunUntil(() => pilots.TrueForAll(p => p.OwnsShip && p.Joins.Count == 2))) return Fail("the players did not all get in");
pilots[0].World.SendRpc(new Chat { Text = "gl hf" }, RpcTarget.Server);
long until = loop.Ticks + 120;                                                  // fly for two more seconds
if (!RunUntil(() => loop.Ticks >= until && pilots.TrueForAll(p => p.Chats.Count == 1))) return Fail("the chat did not go round");
foreach (var pilot in pilots)
{
    Console.WriteLine($"{pilot.Name}: heard {string.Join(", ", pilot.Joins)} join; sees {pilot.VisibleEntities} entities "
        + $"(crate: {(pilot.SeesCrate ? "yes" : "no")}); chat: {pilot.Chats[0]}");
}

// 6. Scores: the server submits how far each ship flew; the leaderboard ranks them.
foreach (var login in logins)
{
    var (ship, start) = ships[(ulong)login.UserId];
    float distance = Vector2.Distance(start, world.Get<Ship>(ship).Position);
    await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("distance", login.UserId, (long)distance, IdempotencyKey: $"{session.Id}"));
}

var board = await online.Leaderboards.GetLeaderboardAsync("distance");
Console.WriteLine("leaderboard: " + string.Join(" | ", board.Entries.Select(e => $"#{e.Rank} {e.Username}")));

// 7. Bob leaves the session: the directory frees his seat, the server disconnects him, alice hears it.
await sessions.LeaveSessionAsync(session.Id, logins[1].UserId);
if (!RunUntil(() => pilots[1].Disconnect is not null && pilots[0].Leaves.Count == 1)) return Fail("bob did not leave");
Console.WriteLine($"bob left ({pilots[1].Disconnect}); alice heard player {pilots[0].Leaves[0]} leave");
foreach (var pilot in pilots) pilot.Dispose();
return 0;

static int Fail(string why)
{
    Console.Error.WriteLine(why);
    return 1;
}
