using System.Numerics;
using Traktor.Ecs.Net.Tests.Docs;

namespace Traktor.Ecs.Net.Tests.Samples;

/// <summary>
/// The samples cannot rot (issue 15, item 2): they build with the solution and run here, headless, on real
/// loopback transports and the wall clock, and must converge. Sample (a) is the README's block verbatim;
/// sample (b) is a complete small game in at most 200 lines of user code; sample (d) adds the online services
/// and the session directory; sample (e) is a co-op game hosted by one player (sample (c), host migration, runs in
/// HostMigrationProcessTests).
/// </summary>
[Collection(Traktor.Ecs.Net.Tests.Rpc.ConsoleErrorCollection.Name)]
public class SamplesTests
{
    [Fact]
    public void TheMinimalWorldPredictsThePlayersShipAndKeepsItAcrossAReconnect()
    {
        var (exitCode, output) = RunEntryPoint(typeof(MinimalWorld.ShipSystem).Assembly);
        Assert.Equal(0, exitCode);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("my ship, predicted: at <", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("the same ship on the server: at <", lines[1], StringComparison.Ordinal);
        float predicted = X(lines[0]), authoritative = X(lines[1]);
        Assert.True(authoritative > 1f, $"the server's ship did not move: {authoritative}");
        Assert.True(predicted >= authoritative, $"the client's ship ({predicted}) is not predicted ahead of the server's ({authoritative})");
        Assert.Equal("after a reconnect: 1 ship(s) on the server, 1 mine", lines[2]); // issue 15 bug 1: the README's spawn code
    }

    /// <summary>The x of the last <c>Vector2</c> printed on <paramref name="line"/> ("&lt;x, y&gt;" in the current culture).</summary>
    private static float X(string line)
    {
        string vector = line[(line.LastIndexOf('<') + 1)..line.LastIndexOf('>')];
        string separator = System.Globalization.NumberFormatInfo.CurrentInfo.NumberGroupSeparator;
        return float.Parse(vector[..vector.IndexOf(separator, StringComparison.Ordinal)], System.Globalization.NumberFormatInfo.CurrentInfo);
    }

    [Fact]
    public void TheReadmeShowsTheMinimalWorldVerbatim()
    {
        string root = DocsCompileTests.RepositoryRoot();
        string program = File.ReadAllText(Path.Combine(root, "samples", "MinimalWorld", "Program.cs")).ReplaceLineEndings("\n").Trim();
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        Assert.Contains(program, readme, StringComparison.Ordinal);
    }

    [Fact]
    public void TheGameIsAtMostTwoHundredLinesOfUserCode()
    {
        string folder = Path.Combine(DocsCompileTests.RepositoryRoot(), "samples", "Skirmish");
        var lines = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(File.ReadAllLines)
            .Select(line => line.Trim())
            .Count(line => line.Length > 0 && !line.StartsWith("//", StringComparison.Ordinal));
        Assert.InRange(lines, 100, 200);
    }

    [Fact]
    public void TheGameConvergesWithEveryFeatureExercised()
    {
        // Play runs each phase until its condition holds (a minute's deadline each, no fixed sleeps), so a
        // loaded machine only makes it slower; otherwise it throws a TimeoutException naming the phase.
        var output = new StringWriter();
        using var game = Skirmish.Game.Play(output);
        var ships = new QueryDescription().WithAll<Skirmish.Ship, NetworkId>();
        Assert.Equal(3, game.ServerWorld.CountEntities(in ships)); // the player who came back did not get a second ship
        Assert.Equal(3, game.Server.Connections.Count);
        var expected = Skirmish.Game.Positions(game.ServerWorld);
        Assert.Equal(3, expected.Count); // hands off: every bullet expired
        var owned = new HashSet<NetworkId>();

        foreach (var player in game.Players)
        {
            var seen = Skirmish.Game.Positions(player.World);
            Assert.Equal(expected.Keys.Select(id => id.Value).Order(), seen.Keys.Select(id => id.Value).Order());
            Assert.All(expected, e => Assert.True(Vector2.Distance(e.Value, seen[e.Key]) <= 0.011f, $"player {player.Id}: {e.Key} at {seen[e.Key]}, server {e.Value}"));
            var mine = new QueryDescription().WithAll<Skirmish.Ship, LocalOwner, NetworkId>();
            Assert.Equal(1, player.World.CountEntities(in mine));
            player.World.Query(in mine, (ref NetworkId id) => owned.Add(id));
            Assert.True(player.ChatsHeard >= 2, $"player {player.Id} heard {player.ChatsHeard} chats");
            Assert.True(player.ShotsSeen > 0, $"player {player.Id} saw no shots");
            Assert.True(player.Network.Replication.Counters.Despawns > 0, $"player {player.Id} saw no bullet expire");
            var stats = player.Transport.GetStats();
            Assert.True(stats.RoundTripTimeMs > 0 && stats.BytesInPerSecond > 0 && stats.BytesOutPerSecond > 0, $"player {player.Id}: {stats}");
        }

        Assert.Equal(3, owned.Count); // each player owns (and predicts) its own ship
        Assert.Equal(3, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void TheOnlineMatchLogsInJoinsThroughTheDirectoryPlaysAndRanks()
    {
        // Sample (d), a newcomer's game written from the docs: accounts and a leaderboard on SQLite, a session joined
        // through InProcessSessions, secure UDP, interest management, an RPC each way, a player leaving the session.
        var (exitCode, output) = RunLeavingNoFiles("online-match", () => RunEntryPoint(typeof(OnlineMatch.Pilot).Assembly));
        Assert.True(exitCode is 0, output);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("alice: heard alice, bob join; sees 2 entities (crate: yes); chat: welcome", lines[0]);   // her ship and the crate near it
        Assert.Equal("bob: heard alice, bob join; sees 1 entities (crate: no); chat: gl hf", lines[1]);        // each join once (a relay bug heard alice twice)
        Assert.Matches("^leaderboard: #1 (alice|bob) \\| #2 (alice|bob)$", lines[2]);
        Assert.Equal("bob left (LeftSession); alice heard player 2 leave", lines[3]);
    }

    [Fact]
    public void TheCoopHostPlaysInItsOwnWorldHearsItsOwnEventsAndTellsTheFriendWhenItQuits()
    {
        // Sample (e), a newcomer's host-mode game from docs/P2P.md: the host's player hears the server's RPCs meant for it
        // through host.IsForLocalPlayer (it could not tell before), and quitting tells the friend ServerShutdown.
        var (exitCode, output) = RunEntryPoint(typeof(CoopHost.Hud).Assembly);
        Assert.True(exitCode is 0, output);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "host: 2 ships, heard 6 pickups, chat: hi, welcome",
            "friend: 2 ships, heard 6 pickups, chat: welcome",
            "friend: the host ended the game (ServerShutdown)",
        ], lines);
    }

    [Theory]
    [InlineData("udp", "Udp")]
    [InlineData("tcp", "Tcp")]
    [InlineData("ws", "WebSocket")]
    public void TheRallyJoinsThroughTheFacadeAndPlaysOverEachTransport(string transport, string carried)
    {
        // Sample (f), a newcomer's game from the docs alone: the Multiplayer facade over embedded services and an
        // InProcessSessions directory, prediction, interest, an RPC relayed to the other player, a leaderboard and a
        // cloud save, over UDP, TCP and WebSocket; no Traktor `using` line (TraktorImplicitUsings through the targets).
        var (exitCode, output) = RunLeavingNoFiles("rally", () => RunEntryPoint(typeof(Rally.Player).Assembly, transport));
        Assert.True(exitCode is 0, output);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.Matches("^alice: predicted <.*>, server <.*>, [1-9][0-9]* replays$", lines[0]);
        float predicted = X(lines[0][..lines[0].IndexOf(", server", StringComparison.Ordinal)]), authoritative = X(lines[0]);
        Assert.True(authoritative > 10f, $"alice's car did not drive on the server: {authoritative}");
        Assert.True(predicted >= authoritative && predicted - authoritative < 10f, $"alice's prediction ({predicted}) is not just ahead of the server ({authoritative})");
        Assert.Equal("alice sees 1 other car(s) and 1 flag(s); bob heard 1 honk(s)", lines[1]);   // the far flag is out of view
        Assert.Equal("bob heard alice, bob join", lines[2]);
        Assert.Equal("leaderboard: #1 alice | #2 bob", lines[3]);   // alice drives at full speed, bob at half
        Assert.Matches("^alice's cloud save: best=[1-9][0-9]+$", lines[4]);
        Assert.Equal($"bob left: True; alice heard bob leave; over {carried}", lines[5]);
    }

    /// <summary>
    /// Runs a sample that keeps its online services in a temporary database named <paramref name="name"/>-…, and checks
    /// that the run left none of its files behind (OnlineMatch and Rally left one per run). Files another process made
    /// (its id in the name) are not this run's: other test processes may share the temporary folder.
    /// </summary>
    private static T RunLeavingNoFiles<T>(string name, Func<T> run)
    {
        string[] before = Directory.GetFiles(Path.GetTempPath(), name + "-*");
        T result = run();
        var left = Directory.GetFiles(Path.GetTempPath(), name + "-*").Except(before).Where(file => !OtherProcess(Path.GetFileName(file)));
        Assert.Empty(left);
        return result;

        bool OtherProcess(string file) =>
            file[(name.Length + 1)..].Split('-')[0] is var processId && processId.Length > 0 && processId.All(char.IsAsciiDigit)
            && processId != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (object? ExitCode, string Output) RunEntryPoint(System.Reflection.Assembly assembly, params string[] args)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            return (assembly.EntryPoint!.Invoke(null, [args]), output.ToString().ReplaceLineEndings("\n"));
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}
