using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// The seed page's Lua blocks (Scripting/Seed/*.lua, byte for byte), run against the real backend, a
/// real game server and client over loopback UDP, and an HTTPS stand-in for api.example.com; each one's
/// observable result is asserted. Free variables of the snippets (username, password, sessionId,
/// playerId, playerName) are globals the host sets. Where a result only lives in a local, the test
/// appends a probe line after the unchanged block.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed partial class SeedSnippetTests
{
    private static string Snippet(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripting", "Seed", file));

    [GeneratedRegex(@"```lua\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex LuaBlock();

    [Fact]
    public void The_snippet_files_are_the_seed_pages_lua_blocks_verbatim()
    {
        string? page = new[] { "/work/shared/seed/000_7b75a0d1110fe737.txt", Path.Combine(AppContext.BaseDirectory, "../../../../../shared/seed/000_7b75a0d1110fe737.txt") }
            .FirstOrDefault(File.Exists);
        if (page is null)
        {
            Assert.Skip("The seed page (shared/seed/000_7b75a0d1110fe737.txt) is not on this machine; the snippet files cannot be compared with it.");
        }

        string text = File.ReadAllText(page);
        string[] blocks = LuaBlock().Matches(text).Select(m => m.Groups[1].Value).ToArray();
        string[] files = ["01-http.lua", "02-login.lua", "03-leaderboards.lua", "04-achievements.lua", "05-sessions.lua", "06-rpc.lua", "07-stats.lua"];
        Assert.Equal(files.Length, blocks.Length);
        for (int i = 0; i < files.Length; i++)
        {
            Assert.Equal(blocks[i], Snippet(files[i]));
        }

        Assert.Contains("\n" + Snippet("08-packet-logging.lua"), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_get_answers_with_status_and_body()
    {
        await using var network = await SeedNetwork.StartAsync();
        var script = network.ClientScripts.Load("seed-http.lua", Snippet("01-http.lua"));

        network.TickUntil(() => script.WaitingEntries == 0, "the HTTP response");

        Assert.Empty(script.Errors);
        Assert.Equal(1, network.Api.Requests);
        Assert.Equal(["[seed-http.lua] Response: " + ExampleApiServer.Body], network.ClientScripts.Info);
    }

    [Fact]
    public async Task Login_leaderboards_and_achievements_run_against_the_backend()
    {
        await using var network = await SeedNetwork.StartAsync();
        var globals = new Dictionary<string, ScriptValue> { ["username"] = "alice", ["password"] = SeedNetwork.Password };

        // The page's online blocks in order, as one script (the leaderboard and achievement blocks use the login block's `online`).
        string source = Snippet("02-login.lua") + Snippet("03-leaderboards.lua") + Snippet("04-achievements.lua")
            + "-- probe (test only): what the last block fetched\nseedAchievements = achievements\n";
        var script = network.ClientScripts.Load("seed-online.lua", source, globals);
        network.TickUntil(() => script.WaitingEntries == 0, "the online calls");

        Assert.Empty(script.Errors);
        Assert.Equal(
            [
                $"[seed-online.lua] Logged in as: {network.Alice.UserId}",
                "[seed-online.lua] 1. bob: 20000",
                "[seed-online.lua] 2. alice: 12345",
            ],
            network.ClientScripts.Info);

        // The score is on the backend's leaderboard, and the achievement is unlocked there.
        var admin = network.Backend.CreateBackendClient(asServer: true);
        var board = await new HttpLeaderboards(admin).GetLeaderboardAsync("HighScores", 0, 10, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(board.Entries, e => e.UserId == network.Alice.UserId && e.Score == 12345 && e.Rank == 2);
        var unlocked = await new HttpAchievements(admin).GetAchievementsAsync(network.Alice.UserId, TestContext.Current.CancellationToken);
        Assert.True(unlocked.Single(a => a.Id == "FirstKill").Unlocked);

        // getAchievements() gave the script the same list.
        var fetched = script.GetGlobal("seedAchievements").AsTable!;
        var firstKill = Assert.Single(fetched.Items).AsTable!;
        Assert.Equal("FirstKill", firstKill["id"].AsString);
        Assert.True(firstKill["unlocked"].AsBoolean);
    }

    [Fact]
    public async Task A_wrong_password_gives_success_false_and_logs_nothing()
    {
        await using var network = await SeedNetwork.StartAsync();
        var globals = new Dictionary<string, ScriptValue> { ["username"] = "alice", ["password"] = "wrong" };
        var script = network.ClientScripts.Load("seed-login.lua", Snippet("02-login.lua") + "seedResult = result\n", globals);

        network.TickUntil(() => script.WaitingEntries == 0, "the login answer");

        Assert.Empty(script.Errors);
        Assert.Empty(network.ClientScripts.Info);
        var result = script.GetGlobal("seedResult").AsTable!;
        Assert.False(result["success"].AsBoolean);
        Assert.False(string.IsNullOrEmpty(result["error"].AsString));
    }

    [Fact]
    public async Task Sessions_are_created_joined_over_udp_and_left()
    {
        await using var network = await SeedNetwork.StartAsync();
        var arena = await network.Sessions.CreateSessionAsync(new SessionOptions("Arena", 8), TestContext.Current.CancellationToken);
        var connected = new List<ulong>();
        var disconnected = new List<DisconnectReason>();
        network.Server.ClientConnected += (_, clientId) => connected.Add(clientId);
        network.Server.ClientDisconnected += (_, reason) => disconnected.Add(reason);

        // Logged in first, so the session calls act as alice (her bearer token on the directory's HTTP API).
        var globals = new Dictionary<string, ScriptValue>
        {
            ["username"] = "alice", ["password"] = SeedNetwork.Password, ["sessionId"] = arena.Id.ToString(),
        };
        var script = network.ClientScripts.Load("seed-sessions.lua", Snippet("02-login.lua") + Snippet("05-sessions.lua"), globals);
        network.TickUntil(() => script.WaitingEntries == 0, "the session calls");
        network.TickUntil(() => disconnected.Count == 1, "the server to see the client leave");

        Assert.Empty(script.Errors);

        // createSession made alice's session in the directory; joinSession got a connect token for the
        // registered game server, which saw alice connect; leaveSession freed her slot there.
        var myGame = Assert.Single((await network.Sessions.ListSessionsAsync(cancellationToken: TestContext.Current.CancellationToken)).Sessions, s => s.Name == "MyGame");
        Assert.Equal(4, myGame.MaxPlayers);
        ulong alice = (ulong)network.Alice.UserId;
        Assert.Equal([alice], connected);
        var after = await network.Sessions.GetSessionAsync(arena.Id, TestContext.Current.CancellationToken);
        Assert.False(after!.IsMember(network.Alice.UserId));
        Assert.Equal(0, after.PlayerCount);
        Assert.Equal(ClientState.Disconnected, network.Client.Transport.State);
    }

    [Fact]
    public async Task LeaveSession_is_true_when_the_game_server_reported_the_departure_first()
    {
        // Found deploying the fleet: a game server without a reconnect grace tells the directory the moment the player's
        // disconnect arrives, so the player's own leave finds the seat gone; leaveSession() returned that false.
        await using var network = await SeedNetwork.StartAsync(playerSessions: sessions => new Sessions.Fleet.ServerReportsFirstSessions(sessions));
        var arena = await network.Sessions.CreateSessionAsync(new SessionOptions("Arena", 8), TestContext.Current.CancellationToken);
        var globals = new Dictionary<string, ScriptValue>
        {
            ["username"] = "alice", ["password"] = SeedNetwork.Password, ["sessionId"] = arena.Id.ToString(),
        };
        string source = Snippet("02-login.lua")
            + "multiplayer:joinSession(sessionId)\nseedLeft = multiplayer:leaveSession()\nseedLeftAgain = multiplayer:leaveSession()\n";
        var script = network.ClientScripts.Load("seed-leave.lua", source, globals);
        network.TickUntil(() => script.WaitingEntries == 0, "the session calls");

        Assert.Empty(script.Errors);
        Assert.True(script.GetGlobal("seedLeft").AsBoolean);          // it was in a session, and left it
        Assert.False(script.GetGlobal("seedLeftAgain").AsBoolean);    // in none now
        Assert.False((await network.Sessions.GetSessionAsync(arena.Id, TestContext.Current.CancellationToken))!.IsMember(network.Alice.UserId));
    }

    [Fact]
    public async Task Rpc_calls_the_handler_on_the_other_side_with_the_params()
    {
        await using var network = await SeedNetwork.StartAsync();
        await network.ConnectAsync();
        var globals = new Dictionary<string, ScriptValue> { ["playerId"] = 7L, ["playerName"] = "Ada" };

        // The same block on both sides: the server's call reaches the client, the client's reaches the server.
        var server = network.ServerScripts.Load("seed-rpc.lua", Snippet("06-rpc.lua"), globals);
        var client = network.ClientScripts.Load("seed-rpc.lua", Snippet("06-rpc.lua"), globals);
        network.TickUntil(() => network.ClientScripts.Info.Count == 1 && network.ServerScripts.Info.Count == 1, "both handlers");

        Assert.Empty(server.Errors);
        Assert.Empty(client.Errors);
        Assert.Equal(["[seed-rpc.lua] Player joined: Ada"], network.ClientScripts.Info);
        Assert.Equal(["[seed-rpc.lua] Player joined: Ada"], network.ServerScripts.Info);
        var (received, source) = Assert.Single(network.ClientReceived.Received);
        Assert.Equal((7, "Ada"), (received.PlayerId, received.PlayerName.ToString()));
        Assert.False(source.IsLocal);
        Assert.Equal((7, "Ada"), (network.ServerReceived.Received.Single().Rpc.PlayerId, network.ServerReceived.Received.Single().Rpc.PlayerName.ToString()));
    }

    [Fact]
    public async Task Stats_report_ping_loss_and_bandwidth_of_the_live_link()
    {
        await using var network = await SeedNetwork.StartAsync();
        await network.ConnectAsync();

        // The link's rates are measured over a second of wall time: keep the game running until one has passed.
        network.TickUntil(() => network.Client.Transport.GetStats().BytesInPerSecond > 0, "a measured second of traffic");
        var script = network.ClientScripts.Load("seed-stats.lua", Snippet("07-stats.lua"));

        Assert.Empty(script.Errors);
        var lines = network.ClientScripts.Info;
        Assert.Equal(3, lines.Count);
        double ping = Number(lines[0], @"^\[seed-stats.lua\] Ping: (.+) ms$");
        double loss = Number(lines[1], @"^\[seed-stats.lua\] Packet loss: (.+)%$");
        double bandwidth = Number(lines[2], @"^\[seed-stats.lua\] Bandwidth: (.+) KB/s$");
        Assert.InRange(ping, 0, 1000);
        Assert.InRange(loss, 0, 100);
        Assert.InRange(bandwidth, 0.001, 10_000);
        var stats = network.Client.Transport.GetStats();
        Assert.InRange(ping, stats.RoundTripTimeMs - 100, stats.RoundTripTimeMs + 100);
    }

    [Fact]
    public async Task Log_packets_captures_the_clients_traffic_as_pcapng()
    {
        await using var network = await SeedNetwork.StartAsync();
        var script = network.ClientScripts.Load("seed-packets.lua", Snippet("08-packet-logging.lua"));
        Assert.Empty(script.Errors);
        Assert.True(network.PacketLog.Enabled);

        await network.ConnectAsync();
        network.TickUntil(() => network.PacketLog.PacketCount >= 10, "ten captured packets");
        long captured = network.PacketLog.PacketCount;
        network.PacketLog.Set(false);

        Assert.True(captured >= 10, $"{captured} packets captured");
        byte[] file = File.ReadAllBytes(network.CapturePath);
        Assert.Equal(0x0A0D0D0Au, BinaryPrimitives.ReadUInt32LittleEndian(file));
        int blocks = 0;
        for (int at = 0; at < file.Length; at += (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 4)))
        {
            blocks += BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at)) == 6 ? 1 : 0;
        }

        Assert.Equal(captured, blocks);
    }

    private static double Number(string line, string pattern)
    {
        var match = Regex.Match(line, pattern);
        Assert.True(match.Success, line);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
