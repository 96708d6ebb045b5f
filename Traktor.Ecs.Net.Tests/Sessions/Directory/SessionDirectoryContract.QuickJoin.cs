using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// The directory contract's quick-join: the oldest matching session first, no duplicate sessions from racing nodes, and a
/// bound on the sessions one player's quick-joins can leave empty.
/// </summary>
public abstract partial class SessionDirectoryContract<THarness>
{
    [Fact]
    public async Task QuickJoinFillsTheOldestMatchingPublicSessionThenCreatesOne()
    {
        await using var directory = await StartAsync(nodes: 2);
        await ServerAsync(directory.Node, 40601);
        var ctf = new Dictionary<string, string> { ["mode"] = "ctf" };
        var dm = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("deathmatch", 4) { Properties = new Dictionary<string, string> { ["mode"] = "dm" } }, Cancel);
        var hidden = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("friends", 4) { Properties = ctf, Visibility = SessionVisibility.Private }, Cancel);
        var open = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("flags", 3) { Properties = ctf }, Cancel);
        long[] players = await PlayersAsync(directory.Node, 5);
        var filter = new SessionFilter { Properties = ctf };
        var create = new SessionOptions("flags (auto)", 3) { Properties = ctf };

        var results = new List<SessionJoinResult>();
        foreach (var (player, i) in players.Select((p, i) => (p, i)))
        {
            results.Add(await directory.Nodes[i % 2].Sessions.QuickJoinAsync(player, filter, create, Cancel));
        }

        Assert.All(results, r => Assert.Equal(SessionJoinStatus.Joined, r.Status));
        Assert.All(results.Take(3), r => Assert.Equal(open.Id, r.Session!.Id));
        var created = results[3].Session!;
        Assert.NotEqual(open.Id, created.Id);
        Assert.Equal(created.Id, results[4].Session!.Id);
        Assert.Equal("ctf", created.Properties["mode"]);
        Assert.Equal(2, (await directory.Node.Sessions.GetSessionAsync(created.Id, Cancel))!.PlayerCount);
        Assert.Empty((await directory.Node.Sessions.GetSessionAsync(dm.Id, Cancel))!.Members);
        Assert.Empty((await directory.Node.Sessions.GetSessionAsync(hidden.Id, Cancel))!.Members);

        // A quick-join of a player already seated in a qualifying session keeps that seat.
        var same = await directory.Node.Sessions.QuickJoinAsync(players[0], filter, create, Cancel);
        Assert.Equal(SessionJoinStatus.AlreadyMember, same.Status);
        Assert.Equal(open.Id, same.Session!.Id);
    }

    [Fact]
    public async Task ConcurrentQuickJoinsFromTwoNodesFillSessionsInsteadOfEachCreatingOne()
    {
        await using var directory = await StartAsync(nodes: 2);
        await ServerAsync(directory.Node, 40650);
        long[] players = await PlayersAsync(directory.Node, 24, "rush");
        var filter = new SessionFilter { NameContains = "rush hour" };
        var create = new SessionOptions("rush hour", 4);
        using var start = new Barrier(players.Length);
        var joins = players.Select((player, i) => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(); // all 24 find no session at once, half through each node
            return directory.Nodes[i % 2].Sessions.QuickJoinAsync(player, filter, create, Cancel).GetAwaiter().GetResult();
        }, TaskCreationOptions.LongRunning)).ToArray();
        var results = await Task.WhenAll(joins);

        Assert.All(results, r => Assert.Equal(SessionJoinStatus.Joined, r.Status));
        var sessions = results.GroupBy(r => r.Session!.Id).ToList();
        Assert.True(sessions.Count == 6, $"24 quick-joins into sessions of 4 made {sessions.Count} sessions: {string.Join(", ", sessions.Select(g => g.Count()))} players");
        foreach (var session in sessions)
        {
            Assert.Equal(4, (await directory.Node.Sessions.GetSessionAsync(session.Key, Cancel))!.PlayerCount);
        }
    }

    [Fact]
    public async Task QuickJoinsOfOnePlayerCannotFillTheFleetWithSessionsItLeavesEmpty()
    {
        // A quick-join whose filter matches nothing creates a session, and the player's next quick-join moves its one
        // seat on, leaving that session empty (it ends only after EmptySessionTimeout, 60 s) with its capacity still
        // reserved on the fleet. Varying the filter, one account from one address (50 requests a second) reserved every
        // seat of the fleet in seconds; now at most MaxSessionsPerPlayer (2) sessions it created this way may stand
        // empty, besides the one it sits in.
        await using var directory = await StartAsync(nodes: 2);
        var server = await ServerAsync(directory.Node, 40660, maxPlayers: 256, maxSessions: 64);
        long hoarder = (await PlayersAsync(directory.Node, 1, "hoarder"))[0];
        var outcomes = new List<string>();
        var created = new List<SessionId>();
        for (int i = 0; i < 8; i++)
        {
            try
            {
                var result = await QuickJoinAloneAsync(directory.Nodes[i % 2], hoarder, i);
                outcomes.Add(result.Status.ToString());
                created.Add(result.Session!.Id);
            }
            catch (OnlineException e)
            {
                outcomes.Add(e.Error.ToString());
            }
        }

        Assert.Equal(["Joined", "Joined", "Joined", "QuotaExceeded", "QuotaExceeded", "QuotaExceeded", "QuotaExceeded", "QuotaExceeded"], outcomes);
        var status = Assert.Single(await directory.Node.Fleet.ListServersAsync(Cancel));
        Assert.Equal(3, status.LiveSessions);
        Assert.Equal(96, status.ReservedPlayers);

        // Another player matched into one of them takes it off the hoarder's count: it may create one more.
        long stranger = (await PlayersAsync(directory.Node, 1, "stranger"))[0];
        Assert.Equal(created[0], (await QuickJoinAloneAsync(directory.Node, stranger, 0)).Session!.Id);
        var ninth = await QuickJoinAloneAsync(directory.Node, hoarder, 9);
        Assert.Equal(SessionJoinStatus.Joined, ninth.Status);
        await Assert.ThrowsAsync<OnlineException>(() => QuickJoinAloneAsync(directory.Node, hoarder, 10));

        // Once the sessions it left empty end (EmptySessionTimeout, 60 s), it may create again.
        var seated = new[] { new HostedSessionReport(created[0], [stranger], 1.0), new HostedSessionReport(ninth.Session!.Id, [hoarder], 1.0) };
        directory.Time.Advance(TimeSpan.FromSeconds(30));
        await BeatAsync(directory.Node, server, seated);
        directory.Time.Advance(TimeSpan.FromSeconds(31));
        await BeatAsync(directory.Node, server, seated);
        Assert.Equal(2, (await directory.Node.Sweep()).EmptySessionsEnded);
        Assert.Equal(SessionJoinStatus.Joined, (await QuickJoinAloneAsync(directory.Node, hoarder, 11)).Status);
    }

    /// <summary>A quick-join whose filter matches no session but the one it may create (named after <paramref name="i"/>).</summary>
    private static Task<SessionJoinResult> QuickJoinAloneAsync(DirectoryNode node, long player, int i) =>
        node.Sessions.QuickJoinAsync(player, new SessionFilter { NameContains = $"nobody plays {i}" }, new SessionOptions($"nobody plays {i}", 32), Cancel);
}
