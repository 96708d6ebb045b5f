using System.Numerics;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Docs;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// The end screen of a session a Lua game hosts (its own <see cref="ScriptServices.StartHosting"/>): the hosting script's
/// <c>leaveSession()</c> ends it, and each player is sent the world of the host's next tick until it acknowledged it, then
/// told <see cref="DisconnectReason.SessionEnded"/>, so its world holds the host's final values (docs/sessions.md, "When a
/// session ends").
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed class LuaHostEndScreenTests
{
    private static readonly string Hosting = Seed("02-login.lua") + """

        local session = multiplayer:createSession("MyGame", 4)
        sessionId = session.id
        function Script:leave()
            left = multiplayer:leaveSession()
            endedAfterLeave = multiplayer:isEnded()
        end
        function Script:onSessionEnded(session, why) hostReason, hostEnded = why, multiplayer:isEnded() end
        """;

    private static readonly string Joining = Seed("02-login.lua") + """

        local session = multiplayer:joinSession(sessionId)
        function Script:onSessionEnded(session, why, cut) reason, disconnect = why, cut end
        """;

    [Fact]
    public async Task A_Lua_host_s_leaveSession_leaves_its_player_the_final_world_though_the_end_tick_s_snapshot_was_lost()
    {
        await using var rig = await LuaMigrationRig.StartAsync();
        var (bob, carol) = (rig.Bob, rig.Carol);
        var hosting = Load(bob, Hosting, null);
        await rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's createSession");
        Assert.Empty(hosting.Errors);
        string id = hosting.GetGlobal("sessionId").AsString ?? throw new InvalidOperationException("no session id");
        var joining = Load(carol, Joining, id);
        await rig.TickUntilAsync(() => joining.WaitingEntries == 0, "carol's joinSession");
        Assert.Empty(joining.Errors);
        await rig.TickUntilAsync(() => Values(carol.World).Count == 2, "carol's world to hold both players' entities");

        // Bob's game moves the entities until the tick his host ends the session in; what reaches carol then is lost. Before,
        // his leave sent nothing: carol stayed connected to a host serving an ended session, and never saw its last moves.
        rig.Moving = true;
        for (int i = 0; i < 10; i++) rig.Tick();
        carol.Socket.Deaf = true;
        Assert.True(hosting.Call("leave"));
        rig.Tick(); // bob's scripts end the session, then his host's tick moves the entities once more and sends that world
        rig.Moving = false;
        var final = Values(bob.World);
        for (int i = 0; i < 3; i++) rig.Tick();
        carol.Socket.Deaf = false;

        await rig.TickUntilAsync(() => carol.Client.Transport.State == ClientState.Disconnected, "carol to hear the session ended");
        Assert.Equal(final, Values(carol.World));
        Assert.Equal(DisconnectReason.SessionEnded, carol.Client.Transport.LastDisconnectReason);
        await rig.TickUntilAsync(() => !joining.GetGlobal("reason").IsNil, "carol's onSessionEnded");
        Assert.Equal("Ended", joining.GetGlobal("reason").AsString);
        Assert.Equal("SessionEnded", joining.GetGlobal("disconnect").AsString);
        Assert.Equal(final, Values(bob.World)); // the host's own world stays as it was
        // Its end screen, as a hosting Multiplayer's IsEnded says: before, isEnded() stayed false after the host's own leave.
        Assert.True(hosting.GetGlobal("endedAfterLeave").AsBoolean, "the hosting script's isEnded() after its own leaveSession()");
        Assert.Empty(hosting.Errors);
    }

    /// <summary>
    /// The directory ends the session (a game-server key's end, not the hosting script's leave): the host's next heartbeat
    /// hears it is no longer live, and its relay ends the session as a leave does, so a player whose link lost the end's
    /// first snapshots still shows the host's final world and hears <c>"Ended"</c>.
    /// </summary>
    [Fact]
    public async Task When_the_directory_ends_a_Lua_hosted_session_its_player_still_gets_the_final_world()
    {
        await using var rig = await LuaMigrationRig.StartAsync();
        var (bob, carol) = (rig.Bob, rig.Carol);
        var hosting = Load(bob, Hosting, null);
        await rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's createSession");
        Assert.Empty(hosting.Errors);
        string id = hosting.GetGlobal("sessionId").AsString ?? throw new InvalidOperationException("no session id");
        Assert.True(SessionId.TryParse(id, out var session));
        var joining = Load(carol, Joining, id);
        await rig.TickUntilAsync(() => joining.WaitingEntries == 0, "carol's joinSession");
        Assert.Empty(joining.Errors);
        await rig.TickUntilAsync(() => Values(carol.World).Count == 2, "carol's world to hold both players' entities");

        Assert.True(await rig.Directory.EndSessionAsync(session, TestContext.Current.CancellationToken));
        await rig.TickUntilAsync(() => bob.Entry is { Live: false }, "bob's heartbeat to hear the session ended");

        // Bob's game makes its last change as his host ends the session; what reaches carol then is lost.
        carol.Socket.Deaf = true;
        bob.World.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => p.Value += new Vector2(0, 3));
        var final = Values(bob.World);
        for (int i = 0; i < 4; i++) rig.Tick(); // bob's scripts end the session; his host sends that world, lost on the way
        carol.Socket.Deaf = false;

        await rig.TickUntilAsync(() => carol.Client.Transport.State == ClientState.Disconnected, "carol to hear the session ended");
        Assert.Equal(final, Values(carol.World));
        Assert.Equal(DisconnectReason.SessionEnded, carol.Client.Transport.LastDisconnectReason);
        await rig.TickUntilAsync(() => !joining.GetGlobal("reason").IsNil, "carol's onSessionEnded");
        Assert.Equal("Ended", joining.GetGlobal("reason").AsString);
        Assert.Equal(final, Values(bob.World)); // the host's own world stays as it was

        // The hosting script hears it too, as a hosting Multiplayer's SessionEnded: out of the session, on its end screen.
        // Failed before: bob's script still took itself for the session's host, its isEnded() false, no onSessionEnded.
        await rig.TickUntilAsync(() => !hosting.GetGlobal("hostReason").IsNil, "bob's onSessionEnded");
        Assert.Equal("Ended", hosting.GetGlobal("hostReason").AsString);
        Assert.True(hosting.GetGlobal("hostEnded").AsBoolean, "bob's isEnded() in onSessionEnded");
        Assert.True(hosting.Call("leave"));
        await rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's leaveSession in no session");
        Assert.False(hosting.GetGlobal("left").AsBoolean, "bob was still in the ended session");
        Assert.Empty(hosting.Errors);
    }

    /// <summary>docs/SCRIPTING.md's <c>onPlayerReleasedAfterEnd</c> block, as written.</summary>
    private static readonly string ReleasedHandler = MarkdownCodeBlocks.Parse("docs/SCRIPTING.md",
            File.ReadAllText(Path.Combine(DocsCompileTests.RepositoryRoot(), "docs", "SCRIPTING.md")))
        .Single(b => b.Language == "lua" && b.Code.Contains("function Script:onPlayerReleasedAfterEnd", StringComparison.Ordinal)).Code;

    /// <summary>
    /// The hosting script hears the Lua player leave its end screen once it holds the final world
    /// (<c>Script:onPlayerReleasedAfterEnd</c>, docs/SCRIPTING.md's block as written), as a hosting
    /// <see cref="Multiplayer"/>'s game hears <see cref="Multiplayer.PlayerReleasedAfterEnd"/>; then its
    /// <c>leaveSession()</c> in no session drops the host's own <see cref="NetworkId"/> entities and leaves the game's other
    /// entities alone. Failed before: the script heard nothing of the release.
    /// </summary>
    [Fact]
    public async Task A_Lua_host_hears_each_player_released_after_the_end_and_its_next_leave_drops_the_ended_world()
    {
        await using var rig = await LuaMigrationRig.StartAsync();
        var (bob, carol) = (rig.Bob, rig.Carol);
        var hosting = Load(bob, Hosting + "\n" + ReleasedHandler, null);
        await rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's createSession");
        Assert.Empty(hosting.Errors);
        string id = hosting.GetGlobal("sessionId").AsString ?? throw new InvalidOperationException("no session id");
        var joining = Load(carol, Joining, id);
        await rig.TickUntilAsync(() => joining.WaitingEntries == 0, "carol's joinSession");
        Assert.Empty(joining.Errors);
        await rig.TickUntilAsync(() => Values(carol.World).Count == 2, "carol's world to hold both players' entities");
        var server = bob.Host!.Server;
        ulong carolId = server.Connections.Where(c => !server.IsLocal(c)).Select(c => server.TryGetClientId(c, out ulong clientId) ? clientId : 0).Single();

        Assert.True(hosting.Call("leave"));
        string saw = $"{carolId} saw the result (SessionEnded)";
        await rig.TickUntilAsync(() => carol.Client.Transport.State == ClientState.Disconnected && Logged(bob).Any(l => l.Contains(saw, StringComparison.Ordinal)),
            $"carol to be let go and bob's script to hear it ({bob.Log})");
        Assert.Single(Logged(bob), l => l.Contains("saw the result", StringComparison.Ordinal) || l.Contains("left before", StringComparison.Ordinal));
        Assert.Equal(DisconnectReason.SessionEnded, carol.Client.Transport.LastDisconnectReason);
        Assert.Empty(hosting.Errors);

        // The host's end screen holds what it served until the script plays again: here a leave in no session.
        var numbered = new QueryDescription().WithAll<NetworkId>();
        Assert.Equal(2, bob.World.CountEntities(numbered));
        var camera = bob.World.Create(new Camera(1)); // the game's own entity, never the session's
        Assert.True(hosting.Call("leave"));
        await rig.TickUntilAsync(() => hosting.WaitingEntries == 0, "bob's leaveSession in no session");
        Assert.False(hosting.GetGlobal("left").AsBoolean, "bob was in no session");
        rig.Tick();
        Assert.Equal(0, bob.World.CountEntities(numbered));
        Assert.True(bob.World.IsAlive(camera));
        Assert.Empty(hosting.Errors);
    }

    private static List<string> Logged(LuaPlayer player)
    {
        lock (player.Scripts.Logger.Lines)
        {
            return player.Scripts.Logger.Lines.Select(l => l.Message).ToList();
        }
    }

    private readonly record struct Camera(int Id);

    private static string Seed(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripting", "Seed", file));

    private static LuaScript Load(LuaPlayer player, string source, string? sessionId)
    {
        var globals = new Dictionary<string, ScriptValue> { ["username"] = player.Name, ["password"] = SeedNetwork.Password };
        if (sessionId is not null) globals["sessionId"] = sessionId;
        return player.Scripts.Load(player.Name + ".lua", source, globals);
    }

    private static List<(float, float)> Values(World world)
    {
        var values = new List<(float, float)>();
        world.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => values.Add((MathF.Round(p.Value.X, 2), MathF.Round(p.Value.Y, 2))));
        values.Sort();
        return values;
    }
}
