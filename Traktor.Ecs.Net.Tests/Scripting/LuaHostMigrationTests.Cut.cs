using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Docs;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A Lua player its host cuts (a Disconnect the host sent, not <see cref="DisconnectReason.ServerShutdown"/> or
/// <see cref="DisconnectReason.HostGaveWay"/>) hears <c>Script:onSessionEnded(session, reason, disconnect)</c> and is in no session any
/// more; the others go on, and when the host quits they migrate as before. Before, such a script heard nothing (the cut is no
/// host loss, so no <c>onHostLost</c> either) and <c>multiplayer:joinSession</c> still found it in the session.
/// </summary>
public sealed partial class LuaHostMigrationTests
{
    /// <summary>The session-end handler docs/SCRIPTING.md shows, as written.</summary>
    private static readonly string DocumentedEnd = MarkdownCodeBlocks.Parse("docs/SCRIPTING.md",
            File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", "SCRIPTING.md")))
        .Single(b => b.Language == "lua" && b.Code.Contains("function Script:onSessionEnded", StringComparison.Ordinal) && b.Code.Contains("log:info", StringComparison.Ordinal)).Code;

    /// <summary>The migration script, the documented end handler, and a wrapper that records what it was called with.</summary>
    private static string EndingScript => Script + DocumentedEnd + """

        local ended = Script.onSessionEnded

        function Script:onSessionEnded(session, reason, disconnect)
            events[#events + 1] = "ended " .. session.id .. " " .. reason .. " " .. disconnect
            migratingWhenEnded = multiplayer:isMigrating()
            ended(self, session, reason, disconnect)
        end
        """;

    /// <summary>
    /// The cut player's seat is given back and its live session stays listed, so the directory never says why it is out:
    /// asked once, the reason is <c>ConnectionLost</c> at once, as after <see cref="LuaScriptOptions.EndReasonWait"/>.
    /// </summary>
    private static LuaScriptOptions AskOnce => new() { EndReasonWait = TimeSpan.Zero };

    [Fact]
    public async Task A_Lua_player_its_host_cuts_hears_onSessionEnded_and_the_others_still_migrate_when_the_host_quits()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync(AskOnce);
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await LuaPlayersJoinAliceAsync(rig, EndingScript);
        var members = (await rig.Directory.GetSessionAsync(session.Id, cancel))!.Members;
        long aliceId = alice.Multiplayer.UserId!.Value;
        long bobId = members.Single(m => m.Name == bob.Name).UserId;
        long carolId = members.Single(m => m.Name == carol.Name).UserId;
        string id = session.Id.ToString();

        // Alice's host cuts bob: her game is alive and says so (a Kicked Disconnect), so bob's player is out, not migrating.
        var host = alice.Multiplayer.Host!;
        var server = (NetServer)host.Transport;
        var bobConnection = host.Server.Connections.Single(c => host.Server.TryGetClientId(c, out ulong client) && client == (ulong)bobId);
        server.Disconnect(bobConnection, DisconnectReason.Kicked);
        await rig.TickUntilAsync(() => Events(bobScript).Count == 1, "bob's script to hear the cut");
        Assert.Equal(["ended " + id + " ConnectionLost Kicked"], Events(bobScript)); // alive and listed: ConnectionLost, as Multiplayer says
        Assert.False(bobScript.GetGlobal("migratingWhenEnded").AsBoolean);
        Assert.Equal([$"Out of {id}: ConnectionLost (Kicked)"], Logged(bob));
        Assert.Empty(bobScript.Errors);

        // Bob's script is in no session any more: leaveSession has nothing to leave (before: true, it still was in it).
        Assert.True(bobScript.Call("leave"));
        await rig.TickUntilAsync(() => bobScript.WaitingEntries == 0, "bob's leaveSession");
        Assert.False(bobScript.GetGlobal("left").AsBoolean);

        // Alice reports only carol as her successor now; then her game quits (its server says ServerShutdown) and dies.
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report carol, her successor, to the directory");
        server.Dispose();
        alice.Running = false;
        alice.Link.Cut = true;

        // Carol's path is unchanged: onHostLost, then she hosts. Bob hears nothing more and hosts nothing.
        await rig.TickUntilAsync(() => Events(carolScript).Count == 2, "carol's script to hear the migration");
        Assert.Equal(["lost " + id, "migrated " + id], Events(carolScript));
        Assert.True(carolScript.GetGlobal("migratingWhenLost").AsBoolean);
        Assert.True(carolScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.Equal(aliceId, carolScript.GetGlobal("previousHost").AsInteger);
        Assert.Equal(carolId, carolScript.GetGlobal("newHost").AsInteger);
        Assert.Empty(carolScript.Errors);
        Assert.NotNull(carol.Host);
        for (int i = 0; i < 30; i++) rig.Tick();
        Assert.Equal(["ended " + id + " ConnectionLost Kicked"], Events(bobScript));
        Assert.Null(bob.Host);
        Assert.Equal(0, bob.HostingCalls);
    }
}
